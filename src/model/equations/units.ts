/**
 * Physical dimensions and units of equation models (Brian2's unit names), and the internal unit
 * system that both backends compute in.
 *
 * A dimension is a vector of exponents of the SI base units (m, kg, s, A, K, mol, cd). Values
 * are stored in an internal unit per dimension chosen so that the numbers of neuron models stay
 * near 1 in float32 and the system is consistent (no conversion factors in generated code):
 * time in ms, voltage in mV, current in pA, conductance in nS, capacitance in pF, resistance in
 * GΩ (mV/pA), frequency in 1/ms (kHz). Every other dimension follows from the base scales.
 */

/** Exponents of (m, kg, s, A, K, mol, cd). */
export type Dims = readonly [number, number, number, number, number, number, number];

/** Dimensionless. */
export const DIMENSIONLESS: Dims = [0, 0, 0, 0, 0, 0, 0];

/** Decimal exponent of one internal unit of each base dimension: m, 1e-24 kg, ms, pA, K, mol, cd. */
const BASE_EXPONENT = [0, -24, -3, -12, 0, 0, 0] as const;

const SECOND: Dims = [0, 0, 1, 0, 0, 0, 0];
const AMP: Dims = [0, 0, 0, 1, 0, 0, 0];
const VOLT: Dims = [2, 1, -3, -1, 0, 0, 0];
const SIEMENS: Dims = [-2, -1, 3, 2, 0, 0, 0];
const FARAD: Dims = [-2, -1, 4, 2, 0, 0, 0];
const OHM: Dims = [2, 1, -3, -2, 0, 0, 0];
const HERTZ: Dims = [0, 0, -1, 0, 0, 0, 0];
const METRE: Dims = [1, 0, 0, 0, 0, 0, 0];

/** A physical quantity: SI value and dimension. */
export interface Quantity {
  readonly si: number;
  readonly dims: Dims;
}

/** Product of two dimensions (exponents add). */
export function dimsMul(a: Dims, b: Dims): Dims {
  return a.map((x, i) => x + b[i]!) as unknown as Dims;
}

/** Quotient of two dimensions. */
export function dimsDiv(a: Dims, b: Dims): Dims {
  return a.map((x, i) => x - b[i]!) as unknown as Dims;
}

/** A dimension raised to a power. */
export function dimsPow(a: Dims, p: number): Dims {
  return a.map((x) => x * p) as unknown as Dims;
}

/** Whether two dimensions are equal. */
export function dimsEqual(a: Dims, b: Dims): boolean {
  return a.every((x, i) => Math.abs(x - b[i]!) < 1e-12);
}

/** Whether a dimension is dimensionless. */
export function isDimensionless(a: Dims): boolean {
  return dimsEqual(a, DIMENSIONLESS);
}

/** SI value of one internal unit of this dimension. */
export function internalScale(dims: Dims): number {
  // A power of ten computed once from the summed exponent, so mV, pF, nS map to exactly 1.
  return 10 ** dims.reduce((s, e, i) => s + e * BASE_EXPONENT[i]!, 0);
}

/** SI value → internal value. */
export function toInternal(q: Quantity): number {
  return q.si / internalScale(q.dims);
}

const BASE_UNITS: ReadonlyArray<readonly [string, string, Dims]> = [
  ['volt', 'V', VOLT],
  ['amp', 'A', AMP],
  ['siemens', 'S', SIEMENS],
  ['farad', 'F', FARAD],
  ['second', 's', SECOND],
  ['hertz', 'Hz', HERTZ],
  ['ohm', 'ohm', OHM],
  ['metre', 'm', METRE],
  ['meter', 'm', METRE],
];
const PREFIXES: ReadonlyArray<readonly [string, number]> = [
  ['f', -15], ['p', -12], ['n', -9], ['u', -6], ['m', -3], ['c', -2], ['k', 3], ['M', 6], ['G', 9],
];

/** Every unit name known to equations (Brian2's names: `mV`, `mvolt`, `nS`, `pA`, `ms`, `Hz`, `Mohm`, …). */
export const UNITS: ReadonlyMap<string, Quantity> = (() => {
  const table = new Map<string, Quantity>();
  for (const [long, short, dims] of BASE_UNITS) {
    table.set(long, { si: 1, dims });
    if (short !== 'm' || long === 'metre') table.set(short, { si: 1, dims });
    for (const [prefix, exponent] of PREFIXES) {
      const factor = 10 ** exponent;
      table.set(prefix + long, { si: factor, dims });
      table.set(prefix + short, { si: factor, dims });
    }
  }
  // `msecond` etc. are covered above; `ms` is millisecond (not millisiemens, which is `mS`).
  table.set('ms', { si: 1e-3, dims: SECOND });
  table.set('m', { si: 1, dims: METRE });
  table.delete('cs');
  table.delete('cV');
  return table;
})();

/** Dimension names allowed after `:` in an equation (besides products and powers of them). */
export const DIMENSION_NAMES: ReadonlyMap<string, Dims> = new Map<string, Dims>([
  ['volt', VOLT], ['amp', AMP], ['ampere', AMP], ['siemens', SIEMENS], ['farad', FARAD], ['second', SECOND],
  ['hertz', HERTZ], ['ohm', OHM], ['metre', METRE], ['meter', METRE],
  // Unscaled symbols Brian2 also accepts after ':' (COBAHH writes `alpha_m = … : Hz`).
  ['Hz', HERTZ],
]);

const NAMED: ReadonlyArray<readonly [string, Dims]> = [
  ['mV', VOLT], ['ms', SECOND], ['pA', AMP], ['nS', SIEMENS], ['pF', FARAD], ['GOhm', OHM], ['kHz', HERTZ],
  ['mV/ms', dimsDiv(VOLT, SECOND)], ['pA/ms', dimsDiv(AMP, SECOND)], ['nS/ms', dimsDiv(SIEMENS, SECOND)],
  ['1/mV', dimsPow(VOLT, -1)], ['1/pA', dimsPow(AMP, -1)], ['1/nS', dimsPow(SIEMENS, -1)],
];

/**
 * The internal unit of a dimension in words (`mV`, `ms`, `pA`, `nS`, `pF`, `mV/ms`, `1`), for
 * parameter metadata: a number given for a parameter of this dimension is read in this unit.
 */
export function internalUnitName(dims: Dims): string {
  if (isDimensionless(dims)) return '1';
  for (const [name, d] of NAMED) if (dimsEqual(d, dims)) return name;
  const scale = internalScale(dims);
  return `${scale === 1 ? '' : `${scale.toPrecision(3)} × `}${siDimensionName(dims)}`;
}

/** A dimension written in SI base units (`kg*m**2/(s**3*A)`), for messages. */
export function siDimensionName(dims: Dims): string {
  if (isDimensionless(dims)) return '1 (dimensionless)';
  for (const [name, d] of DIMENSION_NAMES) if (dimsEqual(d, dims)) return name;
  for (const [name, d] of DIMENSION_NAMES) {
    for (const [name2, d2] of [...DIMENSION_NAMES, ['1', DIMENSIONLESS] as const]) {
      if (dimsEqual(dimsDiv(d, d2), dims)) return name2 === '1' ? name : `${name}/${name2}`;
      if (dimsEqual(dimsMul(d, d2), dims)) return `${name}*${name2}`;
    }
    if (dimsEqual(dimsPow(d, -1), dims)) return `1/${name}`;
  }
  const names = ['m', 'kg', 's', 'A', 'K', 'mol', 'cd'];
  return dims.map((e, i) => (e === 0 ? '' : e === 1 ? names[i] : `${names[i]}**${e}`)).filter(Boolean).join('*');
}
