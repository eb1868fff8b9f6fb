/**
 * Float64 reference implementations of the neuron models, line for line the same algorithms
 * as the WGSL snippets in `shaders/*_update.wgsl`, used by the CPU backend to check the GPU.
 */
import { rngBernoulli, rngNormal2 } from '../rng/philox.js';

/** Per-neuron view handed to a model update. */
export interface NeuronContext {
  /** State variables by index (model's `state` order), each flat `neuron·batch + trial`. */
  readonly state: readonly Float64Array[];
  readonly flat: number;
  readonly neuron: number;
  readonly trial: number;
  readonly step: number;
  readonly seed: number;
  readonly noiseStream: number;
  readonly derived: Readonly<Record<string, number>>;
}

/** Spiking update: returns true on a spike. `syn` are this step's arrivals on input channels 0…3. */
export type SpikingUpdate = (c: NeuronContext, syn: readonly number[], current: number, apicalCurrent: number) => boolean;
/** Rate update: returns the new output r. `input` is basal/somatic, `apicalInput` apical (two-compartment). */
export type RateUpdate = (c: NeuronContext, input: number, apicalInput: number) => number;

/**
 * Threshold and reset (as `lif_fire` in lif_common.wgsl): true on a spike. The models then hold v
 * for `refractory_steps` = round(t_ref/dt) whole steps after the spike step (NEST's convention;
 * Brian2's `refractory=t_ref` holds it one step less).
 */
function lifFire(v: Float64Array, refr: Float64Array, i: number, d: Readonly<Record<string, number>>): boolean {
  if (v[i]! < d['v_th']!) return false;
  v[i] = d['v_reset']!;
  refr[i] = d['refractory_steps']!;
  return true;
}

const lifPscExp: SpikingUpdate = (c, [syn0 = 0, syn1 = 0], current) => {
  const d = c.derived;
  const [v, iEx, iIn, refr] = c.state as [Float64Array, Float64Array, Float64Array, Float64Array];
  const i = c.flat;
  if (refr[i]! > 0) refr[i]! -= 1;
  else v[i] = d['e_l']! + (v[i]! - d['e_l']!) * d['p22']! + iEx[i]! * d['p21_ex']! + iIn[i]! * d['p21_in']! + (d['i_e']! + current) * d['p20']!;
  iEx[i] = iEx[i]! * d['p11_ex']! + syn0;
  iIn[i] = iIn[i]! * d['p11_in']! - syn1;
  return lifFire(v, refr, i, d);
};

const lifPscDelta: SpikingUpdate = (c, [syn0 = 0], current) => {
  const d = c.derived;
  const [v, refr] = c.state as [Float64Array, Float64Array];
  const i = c.flat;
  if (refr[i]! > 0) refr[i]! -= 1;
  else v[i] = d['e_l']! + (v[i]! - d['e_l']!) * d['p22']! + (d['i_e']! + current) * d['p20']! + syn0;
  return lifFire(v, refr, i, d);
};

const lifCondExp: SpikingUpdate = (c, [syn0 = 0, syn1 = 0], current) => {
  const d = c.derived;
  const [v, gEx, gIn, refr] = c.state as [Float64Array, Float64Array, Float64Array, Float64Array];
  const i = c.flat;
  if (refr[i]! > 0) refr[i]! -= 1;
  else {
    const gTotal = d['g_l']! + gEx[i]! + gIn[i]!;
    const vInf = (d['g_l']! * d['e_l']! + gEx[i]! * d['e_ex']! + gIn[i]! * d['e_in']! + d['i_e']! + current) / gTotal;
    v[i] = vInf + (v[i]! - vInf) * Math.exp((-d['dt']! * gTotal) / d['c_m']!);
  }
  gEx[i] = gEx[i]! * d['decay_ex']! + syn0;
  gIn[i] = gIn[i]! * d['decay_in']! + syn1;
  return lifFire(v, refr, i, d);
};

const poissonSource: SpikingUpdate = (c, _syn, current) => {
  const d = c.derived;
  const p = current !== 0 ? 1 - Math.exp(-Math.max(d['rate_hz']! + current, 0) * d['dt_s']!) : d['spike_probability']!;
  return rngBernoulli(Math.fround(p), c.seed, c.noiseStream, c.neuron, c.step, c.trial, 0);
};

function rateTransferDerived(d: Readonly<Record<string, number>>, x: number): number {
  const u = x - d['threshold']!;
  if (d['transfer'] === 0) return d['gain']! * u;
  if (d['transfer'] === 1) return d['gain']! * Math.max(u, 0);
  return d['gain']! * Math.pow(Math.max(u, 0), d['exponent']!);
}

const rate: RateUpdate = (c, input) => {
  const d = c.derived;
  const [x, r, noise] = c.state as [Float64Array, Float64Array, Float64Array];
  const i = c.flat;
  let drive = input;
  if (d['noise_step_std']! > 0 || d['white_noise_step_std']! > 0) {
    const [z0, z1] = rngNormal2(c.seed, c.noiseStream, c.neuron, c.step, c.trial, 0);
    if (d['noise_step_std']! > 0) {
      noise[i] = noise[i]! * d['noise_decay']! + d['noise_step_std']! * z0;
      drive += noise[i]!;
    }
    x[i] = drive + (x[i]! - drive) * d['decay']! + d['white_noise_step_std']! * z1;
  } else {
    x[i] = drive + (x[i]! - drive) * d['decay']!;
  }
  r[i] = rateTransferDerived(d, x[i]!);
  return r[i]!;
};

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Readout-noise pair (draw 2 of the unit's noise counter, as on the GPU). */
function readoutNoise(c: NeuronContext, sd: number): [number, number] {
  if (sd <= 0) return [0, 0];
  const [z0, z1] = rngNormal2(c.seed, c.noiseStream, c.neuron, c.step, c.trial, 2);
  return [sd * z0, sd * z1];
}

const twoCompartmentRate: RateUpdate = (c, input, apicalInput) => {
  const d = c.derived;
  const [vSoma, vApical, r, plateau, caSoma, dffSoma, caApical, dffApical] = c.state as Float64Array[] as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const i = c.flat;
  const vSomaOld = vSoma[i]!;
  const apicalDrive = apicalInput + d['backprop']! * vSomaOld;
  vApical[i] = apicalDrive + (vApical[i]! - apicalDrive) * d['decay_apical']!;
  plateau[i] = sigmoid((vApical[i]! - d['plateau_threshold']!) / d['plateau_slope']!);
  const somaDrive = input + d['coupling']! * vApical[i]!;
  let v = somaDrive + (vSomaOld - somaDrive) * d['decay_soma']!;
  let noise: [number, number] = [0, 0];
  if (d['white_noise_step_std']! > 0 || d['readout_noise']! > 0) {
    v += d['white_noise_step_std']! * rngNormal2(c.seed, c.noiseStream, c.neuron, c.step, c.trial, 0)[0];
    noise = readoutNoise(c, d['readout_noise']!);
  }
  vSoma[i] = v;
  r[i] = rateTransferDerived(d, v) * (1 + d['plateau_gain']! * plateau[i]!);
  caSoma[i] = caSoma[i]! * d['calcium_decay']! + (1 - d['calcium_decay']!) * r[i]!;
  caApical[i] = caApical[i]! * d['calcium_decay']! + (1 - d['calcium_decay']!) * (d['calcium_backprop']! * r[i]! + vApical[i]!);
  dffSoma[i] = caSoma[i]! + noise[0];
  dffApical[i] = caApical[i]! + noise[1];
  return r[i]!;
};

const twoCompartmentLif: SpikingUpdate = (c, [syn0 = 0, syn1 = 0, syn2 = 0], current, apicalCurrent) => {
  const d = c.derived;
  const [v, vApical, iEx, iIn, iApical, refr, plateau, caSoma, dffSoma, caApical, dffApical] = c.state as Float64Array[] as Float64Array[];
  const i = c.flat;
  plateau![i] = sigmoid((vApical![i]! - d['plateau_threshold']!) / d['plateau_slope']!);
  const couplingCurrent = d['coupling']! * (vApical![i]! - v![i]!);
  const vBefore = v![i]!;
  if (refr![i]! > 0) refr![i]! -= 1;
  else {
    v![i] = d['e_l']! + (v![i]! - d['e_l']!) * d['p22']! + iEx![i]! * d['p21_ex']! + iIn![i]! * d['p21_in']! +
      (d['i_e']! + current + couplingCurrent + d['plateau_current']! * plateau![i]!) * d['p20']!;
  }
  const apicalDrive = d['e_l']! + d['apical_resistance']! * (iApical![i]! + apicalCurrent + d['coupling']! * (vBefore - vApical![i]!));
  vApical![i] = apicalDrive + (vApical![i]! - apicalDrive) * d['decay_apical']!;
  iEx![i] = iEx![i]! * d['p11_ex']! + syn0;
  iIn![i] = iIn![i]! * d['p11_in']! - syn1;
  iApical![i] = iApical![i]! * d['p11_apical']! + syn2;
  const spiked = lifFire(v!, refr!, i, d);
  const jump = spiked ? d['calcium_spike_jump']! : 0;
  caSoma![i] = caSoma![i]! * d['calcium_decay']! + jump;
  caApical![i] = caApical![i]! * d['calcium_decay']! + (1 - d['calcium_decay']!) * d['calcium_apical_per_mv']! * (vApical![i]! - d['e_l']!) + 0.5 * jump;
  const noise = readoutNoise(c, d['readout_noise']!);
  dffSoma![i] = caSoma![i]! + noise[0];
  dffApical![i] = caApical![i]! + noise[1];
  return spiked;
};

/** CPU reference update of each spiking model, by model name. */
export const CPU_SPIKING_MODELS: Readonly<Record<string, SpikingUpdate>> = {
  lif_psc_exp: lifPscExp,
  lif_psc_delta: lifPscDelta,
  lif_cond_exp: lifCondExp,
  poisson_source: poissonSource,
  two_compartment_lif: twoCompartmentLif,
};

/** CPU reference update of each rate model, by model name. */
export const CPU_RATE_MODELS: Readonly<Record<string, RateUpdate>> = { rate, two_compartment_rate: twoCompartmentRate };
