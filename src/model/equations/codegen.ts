/**
 * Code generation from the intermediate form: one update algorithm, printed as a WGSL model
 * snippet (`struct ModelParams` + `fn model_update`, the contract of the update kernels
 * `shaders/engine/spiking_neuron_update.wgsl` and `shaders/engine/rate_neuron_update.wgsl`) and as float64 JavaScript compiled with `new Function`, statement
 * for statement in the same order. Also the host-side derived constants (`ModelParams` values).
 *
 * Order of one step, `schedule: 'brian2'` (the default; Brian2's schedule groups → thresholds →
 * synapses → resets, shifted so a step starts with the previous step's synapses and resets):
 *  1. this step's arrivals (`syn[k]`, the `on_pre` of spikes delivered now) are added to their
 *     target variables — skipped for `(unless refractory)` targets of a refractory neuron;
 *  2. if the neuron spiked in the previous step, the reset statements run;
 *  3. the refractory counter counts down: the neuron is refractory for ⌊refractory/dt⌋ steps
 *     after its spike step, as Brian2's `timestep(t − lastspike) < timestep(refractory)`;
 *  4. the state is integrated over dt (`(unless refractory)` variables are held while refractory);
 *  5. threshold: a spike when the condition holds and the neuron is not refractory.
 *
 * `schedule: 'nest'` (NEST's iaf_* update): a neuron still refractory at the start of the step
 * counts down and holds its `(unless refractory)` variables; the state is integrated; this
 * step's arrivals are added (dropped for `(unless refractory)` targets while refractory); then
 * threshold, the reset in the same step, and round(refractory/dt) held steps after it.
 */
import type { CompiledEquationModel } from './compile.js';
import type { ModelSpikingUpdate } from '../models.js';
import { evaluate, isZero, type Expr } from './ir.js';
import { expm, propagators } from './linalg.js';
import { rngNormal2, rngUniform4 } from '../../rng/philox.js';

/** Language of generated code. */
type Lang = 'wgsl' | 'js';

/** Names of the hidden state variables the generated code keeps. */
export const REFRACTORY_STATE = '_refractory_steps';
export const SPIKED_STATE = '_spiked';

function literal(v: number, lang: Lang): string {
  if (v === Infinity || v === -Infinity) return lang === 'js' ? (v > 0 ? 'Infinity' : '(-Infinity)') : v > 0 ? '3.4028234e38' : '(-3.4028234e38)';
  if (!Number.isFinite(v)) throw new Error(`non-finite constant ${v} in generated code`);
  let s = String(v);
  if (lang === 'wgsl' && !/[.eE]/.test(s)) s += '.0';
  if (lang === 'wgsl' && /e/.test(s) && !/\./.test(s)) s = s.replace(/e/, '.0e');
  return v < 0 ? `(${s})` : s;
}

interface EmitContext {
  readonly lang: Lang;
  /** Code of a state variable's value (the variables of the current stage). */
  readonly state: (name: string) => string;
  readonly param: (name: string) => string;
  readonly dt: string;
  /** Code of the `index`-th random number of the step. */
  readonly rng: (dist: 'uniform' | 'normal', index: number) => string;
}

/** Print an expression, fully parenthesised, in WGSL or JavaScript. */
export function emit(e: Expr, c: EmitContext): string {
  const js = c.lang === 'js';
  const f = (x: Expr): string => emit(x, c);
  switch (e.k) {
    case 'num':
      return literal(e.v, c.lang);
    case 'state':
      return c.state(e.name);
    case 'param':
      return c.param(e.name);
    case 'dt':
      return c.dt;
    case 'bin':
      return `(${f(e.a)} ${e.op} ${f(e.b)})`;
    case 'neg':
      return `(-${f(e.a)})`;
    case 'pow': {
      if (e.b.k === 'num' && Number.isInteger(e.b.v) && Math.abs(e.b.v) <= 4) {
        const n = Math.abs(e.b.v);
        if (n === 0) return literal(1, c.lang);
        const base = f(e.a);
        const product = `(${new Array<string>(n).fill(base).join(' * ')})`;
        return e.b.v > 0 ? product : `(${literal(1, c.lang)} / ${product})`;
      }
      if (e.b.k === 'num' && e.b.v === 0.5) return js ? `Math.sqrt(${f(e.a)})` : `sqrt(${f(e.a)})`;
      return js ? `Math.pow(${f(e.a)}, ${f(e.b)})` : `pow(${f(e.a)}, ${f(e.b)})`;
    }
    case 'call': {
      const args = e.args.map(f);
      if (e.fn === 'clip') return js ? `Math.min(Math.max(${args[0]}, ${args[1]}), ${args[2]})` : `clamp(${args[0]}, ${args[1]}, ${args[2]})`;
      if (e.fn === 'exprel') return js ? `((x) => (Math.abs(x) < 1e-16 ? 1 : Math.expm1(x) / x))(${args[0]})` : `${EXPREL_WGSL_NAME}(${args[0]})`;
      return js ? `Math.${e.fn}(${args.join(', ')})` : `${e.fn}(${args.join(', ')})`;
    }
    case 'cmp':
      return `(${f(e.a)} ${js && e.op === '==' ? '===' : js && e.op === '!=' ? '!==' : e.op} ${f(e.b)})`;
    case 'logic':
      return `(${f(e.a)} ${e.op === 'and' ? '&&' : '||'} ${f(e.b)})`;
    case 'not':
      return `(!${f(e.a)})`;
    case 'b2n':
      return js ? `(${f(e.a)} ? 1 : 0)` : `select(0.0, 1.0, ${f(e.a)})`;
    case 'rng':
      return c.rng(e.dist, e.index);
    case 'xi':
      throw new Error(`white noise ${e.name} reached code generation (it is integrated separately)`);
  }
}

/** Name of the WGSL helper that evaluates Brian2's `exprel` (emitted only where used). */
const EXPREL_WGSL_NAME = 'cg_exprel';

/**
 * `exprel(x)` = (eˣ − 1)/x in float32: (exp(x) − 1)/x loses digits to cancellation near 0 (and
 * is 0/0 at 0), so |x| < 0.5 uses the Taylor series Σ xᵏ/(k+1)!, k ≤ 8 (truncation < 6·10⁻¹⁰);
 * elsewhere the cancellation costs at most a factor 2.5 on exp's rounding.
 */
const EXPREL_WGSL = [
  `fn ${EXPREL_WGSL_NAME}(x: f32) -> f32 {`,
  '  if (abs(x) < 0.5) {',
  '    return 1.0 + x * (0.5 + x * (0.16666667 + x * (0.041666668 + x * (0.008333334 + x * (0.0013888889 + x * (0.0001984127 + x * (0.0000248016 + x * 0.0000027557319)))))));',
  '  }',
  '  return (exp(x) - 1.0) / x;',
  '}',
  '',
];

/** Whether the model holds some state variables while refractory (two sets of `exact` propagators). */
function holdsWhileRefractory(m: CompiledEquationModel): boolean {
  return m.refractory !== null && m.states.some((s) => s.unlessRefractory);
}

/** Whether any differential equation has white noise. */
function hasNoise(m: CompiledEquationModel): boolean {
  return m.states.some((s) => s.noise.length > 0);
}

/**
 * Standard normals the update draws per step: first the noise (one per state variable for
 * `exact`, whose correlated increments come from a Cholesky factor; one per noise name
 * otherwise), then one per `randn()` call site.
 */
function noiseNormals(m: CompiledEquationModel): number {
  if (!hasNoise(m)) return 0;
  return m.method === 'exact' ? m.states.length : m.xiNames.length;
}

/** Members of the generated `ModelParams` struct, in order. */
export function uniformMembers(m: CompiledEquationModel): string[] {
  const members = ['dt'];
  if (m.refractory) members.push('refractory_steps');
  if (hasNoise(m)) members.push('noise_on');
  if (m.currentParam) members.push('current_scale');
  if (m.apicalCurrentParam) members.push('apical_current_scale');
  for (const p of m.params) if (p.scope === 'shared') members.push(`p_${p.name}`);
  if (m.method === 'exact') {
    const n = m.states.length;
    const held = holdsWhileRefractory(m);
    const prefixes = held ? ['D', 'Q', 'Dr', 'Qr'] : ['D', 'Q'];
    if (hasNoise(m)) prefixes.push(...(held ? ['L', 'Lr'] : ['L']));
    for (const prefix of prefixes) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) members.push(`${prefix}_${i}_${j}`);
  }
  return members;
}

/**
 * Lower Cholesky factor of a symmetric positive semi-definite matrix; rows and columns of zero
 * variance (noise-free variables) get zeros.
 */
function cholesky(a: number[][]): number[][] {
  const n = a.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  const scale = Math.max(0, ...a.map((row, i) => Math.abs(row[i]!)));
  for (let j = 0; j < n; j++) {
    let d = a[j]![j]!;
    for (let k = 0; k < j; k++) d -= l[j]![k]! * l[j]![k]!;
    if (!(d > 1e-14 * scale)) continue;
    const root = Math.sqrt(d);
    l[j]![j] = root;
    for (let i = j + 1; i < n; i++) {
      let x = a[i]![j]!;
      for (let k = 0; k < j; k++) x -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = x / root;
    }
  }
  return l;
}

/**
 * Covariance of the noise a linear system dx = M x dt + G dW accumulates over one step h
 * (Van Loan's block exponential: exp([[−M, G Gᵀ], [0, Mᵀ]] h) = [[·, F12], [0, F22]], Σ = F22ᵀ F12).
 */
function noiseCovariance(mat: number[][], g: number[][], h: number): number[][] {
  const n = mat.length;
  const ggt = g.map((gi) => g.map((gj) => gi.reduce((s, x, k) => s + x * gj[k]!, 0)));
  const big = Array.from({ length: 2 * n }, (_, i) => Array.from({ length: 2 * n }, (_, j) => {
    if (i < n && j < n) return -mat[i]![j]! * h;
    if (i < n) return ggt[i]![j - n]! * h;
    if (j >= n) return mat[j - n]![i - n]! * h;
    return 0;
  }));
  const e = expm(big);
  const f12 = e.slice(0, n).map((row) => row.slice(n));
  const f22 = e.slice(n).map((row) => row.slice(n));
  const out = mat.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i]![j]! += f22[k]![i]! * f12[k]![j]!;
  // Symmetrise away rounding.
  return out.map((row, i) => row.map((x, j) => 0.5 * (x + out[j]![i]!)));
}

/**
 * The values of the `ModelParams` members for these shared-parameter values (internal units)
 * and step: the step, the refractory period in steps (Brian2's ⌊(refractory + 10⁻³dt)/dt⌋),
 * the parameters, and for `exact` the propagators D = e^{M dt} − I and Q = ∫₀^dt e^{Ms} ds in
 * float64 (x ← x + D x + Q c), and with noise the Cholesky factor L of the step's noise
 * covariance (x ← … + L z); `Dr`, `Qr`, `Lr` with the `(unless refractory)` rows zeroed.
 */
export function deriveUniforms(
  m: CompiledEquationModel,
  shared: (name: string) => number,
  dtMs: number,
  inputScale: { readonly current?: number; readonly apical?: number } = {},
): Record<string, number> {
  const out: Record<string, number> = { dt: dtMs };
  // DC and stimulus inputs arrive in the current parameter's display unit (e.g. Hz).
  if (m.currentParam) out['current_scale'] = inputScale.current ?? 1;
  if (m.apicalCurrentParam) out['apical_current_scale'] = inputScale.apical ?? 1;
  const env = { state: (): number => 0, param: shared, dt: dtMs };
  if (hasNoise(m)) {
    // 0 when every noise factor is 0 at these parameters: the update then skips the noise draws.
    const factors = m.states.flatMap((s) => s.noise.map((t) => evaluate(t.coefficient, env)));
    out['noise_on'] = factors.some((f) => f !== 0) ? 1 : 0;
  }
  if (m.refractory) out['refractory_steps'] = refractorySteps(m, shared, dtMs);
  for (const p of m.params) if (p.scope === 'shared') out[`p_${p.name}`] = shared(p.name);
  if (m.method === 'exact') {
    const jac = m.linear.jacobian!.map((row) => row.map((e) => evaluate(e, env)));
    const write = (prefix: string, mat: number[][]): void => mat.forEach((row, i) => row.forEach((x, j) => (out[`${prefix}_${i}_${j}`] = x)));
    // D = P − I: the step adds D·x to x, so float32 rounding of the constants only touches the
    // (small) change per step, not the state itself (which would bias the fixed point).
    const minusIdentity = (mat: number[][]): number[][] => mat.map((row, i) => row.map((x, j) => (i === j ? x - 1 : x)));
    const { p, q } = propagators(jac, dtMs);
    write('D', minusIdentity(p));
    write('Q', q);
    const g = m.states.map((s) => m.xiNames.map((xi) => {
      const term = s.noise.find((t) => t.xi === xi);
      return term ? evaluate(term.coefficient, env) : 0;
    }));
    if (hasNoise(m)) write('L', cholesky(noiseCovariance(jac, g, dtMs)));
    if (holdsWhileRefractory(m)) {
      const heldRow = (i: number): boolean => m.states[i]!.unlessRefractory;
      const held = jac.map((row, i) => (heldRow(i) ? row.map(() => 0) : row));
      const r = propagators(held, dtMs);
      write('Dr', minusIdentity(r.p));
      write('Qr', r.q);
      if (hasNoise(m)) write('Lr', cholesky(noiseCovariance(held, g.map((row, i) => (heldRow(i) ? row.map(() => 0) : row)), dtMs)));
    }
  }
  return out;
}

/** Steps a neuron stays refractory after its spike step (0 without a refractory period). */
export function refractorySteps(m: CompiledEquationModel, shared: (name: string) => number, dtMs: number): number {
  if (!m.refractory) return 0;
  const ms = evaluate(m.refractory, { state: () => 0, param: shared, dt: dtMs });
  // NEST's Time rounds to the nearest step; Brian2's timestep() floors (with a 10⁻³ dt margin).
  return Math.max(0, m.schedule === 'nest' ? Math.round(ms / dtMs) : Math.floor((ms + 1e-3 * dtMs) / dtMs));
}

/** Fewest steps between two spikes of one neuron (1 without a refractory period). */
export function minInterSpikeSteps(m: CompiledEquationModel, shared: (name: string) => number, dtMs: number): number {
  const held = refractorySteps(m, shared, dtMs);
  return Math.max(1, m.schedule === 'nest' ? held + 1 : held);
}

/**
 * State variables of the generated code, in storage order: equations, per-neuron parameters,
 * stored subexpressions, hidden bookkeeping.
 */
export function storageOrder(m: CompiledEquationModel): string[] {
  return [
    ...m.states.map((s) => s.name),
    ...m.params.filter((p) => p.scope === 'neuron').map((p) => p.name),
    ...m.subexpressions.map((x) => x.name),
    ...(m.refractory ? [REFRACTORY_STATE] : []),
    SPIKED_STATE,
  ];
}

/** Draws of the unit's counter-based stream: normals in pairs first, then uniforms in fours. */
function rngLayout(m: CompiledEquationModel): { normals: number; uniforms: number; normalDraws: number; uniformDraws: number } {
  const normals = noiseNormals(m) + m.rngSites.normal;
  const normalDraws = Math.ceil(normals / 2);
  return { normals, uniforms: m.rngSites.uniform, normalDraws, uniformDraws: Math.ceil(m.rngSites.uniform / 4) };
}

/** The update algorithm as lines of code in one language. */
function updateBody(m: CompiledEquationModel, lang: Lang): string[] {
  const js = lang === 'js';
  const L: string[] = [];
  const letKw = js ? 'const' : 'let';
  const varKw = js ? 'let' : 'var';
  const zero = literal(0, lang);
  const one = literal(1, lang);
  const u = (member: string): string => (js ? `d_${member}` : `model.${member}`);
  const order = storageOrder(m);
  const perNeuron = new Set(m.params.filter((p) => p.scope === 'neuron').map((p) => p.name));
  const hasRefractory = m.refractory !== null;
  const rate = m.kind === 'rate';
  const nest = m.schedule === 'nest';
  const load = (name: string): string => (js ? `st[${order.indexOf(name)}][i]` : `state_get(STATE_${name}, flat)`);
  const store = (name: string, value: string): string => (js ? `st[${order.indexOf(name)}][i] = ${value};` : `state_set(STATE_${name}, flat, ${value});`);

  // Random numbers of the step (Philox, keyed by unit, step and trial: independent of dispatch layout).
  const layout = rngLayout(m);
  const noiseBase = 0;
  const randnBase = noiseNormals(m);
  const normalCode = (k: number): string => (js ? `zn_${k >> 1}[${k & 1}]` : `zn_${k >> 1}.${k & 1 ? 'y' : 'x'}`);
  const uniformCode = (k: number): string => (js ? `zu_${k >> 2}[${k & 3}]` : `zu_${k >> 2}.${'xyzw'[k & 3]}`);
  const rng = (dist: 'uniform' | 'normal', index: number): string => (dist === 'normal' ? normalCode(randnBase + index) : uniformCode(index));

  const inputOf = new Map<string, string>();
  if (m.currentParam) inputOf.set(m.currentParam, `current * ${u('current_scale')}`);
  if (m.apicalCurrentParam) inputOf.set(m.apicalCurrentParam, `${js ? 'apicalCurrent' : 'apical_current'} * ${u('apical_current_scale')}`);
  if (rate) m.onPreTargets.forEach((t, k) => inputOf.set(t, `syn[${k}]`));
  const paramRef = (name: string): string => {
    const base = perNeuron.has(name) ? `s_${name}` : u(`p_${name}`);
    const input = inputOf.get(name);
    return input ? `(${base} + ${input})` : base;
  };
  const ctx = (state: (n: string) => string): EmitContext => ({ lang, state, param: paramRef, dt: u('dt'), rng });
  const base = ctx((n) => `s_${n}`);

  if (js) {
    for (const member of uniformMembers(m)) L.push(`const d_${member} = d[${JSON.stringify(member)}];`);
  }
  for (let k = 0; k < layout.normalDraws; k++) {
    const draw = js ? `rngNormal2(c.seed, c.noiseStream, c.neuron, c.step, c.trial, ${k})` : `rng_normal2(pop.seed, pop.noise_stream, n, step, rng_trial(b), ${k}u)`;
    // Draws that carry only noise normals are skipped while every noise factor is 0.
    const noiseOnly = 2 * k + 1 < noiseNormals(m);
    if (!noiseOnly) L.push(js ? `const zn_${k} = ${draw};` : `let zn_${k} = ${draw};`);
    else L.push(js ? `const zn_${k} = ${u('noise_on')} > 0 ? ${draw} : [0, 0];` : `var zn_${k} = vec2<f32>(0.0); if (${u('noise_on')} > 0.0) { zn_${k} = ${draw}; }`);
  }
  for (let k = 0; k < layout.uniformDraws; k++) {
    const draw = layout.normalDraws + k;
    L.push(js ? `const zu_${k} = rngUniform4(c.seed, c.noiseStream, c.neuron, c.step, c.trial, ${draw});` : `let zu_${k} = rng_uniform4(pop.seed, pop.noise_stream, n, step, rng_trial(b), ${draw}u);`);
  }
  for (const s of m.states) L.push(`${varKw} s_${s.name} = ${load(s.name)};`);
  for (const p of perNeuron) L.push(`${varKw} s_${p} = ${load(p)};`);
  if (hasRefractory) L.push(`${varKw} r_left = ${load(REFRACTORY_STATE)};`);
  if (!nest) L.push(`${letKw} was_spike = ${load(SPIKED_STATE)} > ${zero};`);

  const unlessTargets = m.onPreTargets.filter((t) => m.states.find((s) => s.name === t)?.unlessRefractory);
  /** Arrivals (spiking models; rate models read their summed inputs as parameters); `active`: whether the neuron takes input into `(unless refractory)` targets. */
  const arrivals = (active: string): void => {
    if (rate || m.onPreTargets.length === 0) return;
    m.onPreTargets.forEach((t, k) => {
      const add = `s_${t} = s_${t} + syn[${k}];`;
      if (hasRefractory && unlessTargets.includes(t)) L.push(`if (${active}) { ${add} }`);
      else L.push(add);
    });
  };
  const resets = (condition: string): void => {
    if (m.reset.length === 0) return;
    L.push(`if (${condition}) {`);
    for (const r of m.reset) {
      const value = emit(r.value, base);
      const target = `s_${r.target}`;
      const rhs = r.op === '=' ? value : `${target} ${r.op[0]} ${value}`;
      L.push(`  ${target} = ${rhs};`);
    }
    L.push('}');
  };

  if (!nest) {
    // 1. Arrivals of this step.
    if (!rate && m.onPreTargets.length > 0) {
      L.push('// 1. arrivals of this step (on_pre of delivered spikes)');
      if (hasRefractory && unlessTargets.length > 0) L.push(`${letKw} was_active = !was_spike && r_left <= ${zero};`);
      arrivals('was_active');
    }
    // 2. Reset of the previous step's spike.
    if (m.reset.length > 0) L.push('// 2. reset after the previous step\'s spike');
    resets('was_spike');
    // 3. Refractoriness.
    if (hasRefractory) {
      L.push('// 3. refractory countdown');
      L.push(`r_left = ${js ? 'Math.max' : 'max'}(r_left - ${one}, ${zero});`);
      L.push(`${letKw} is_active = r_left <= ${zero};`);
    }
  } else if (hasRefractory) {
    // NEST: a neuron refractory at the start of the step counts down and is held this step.
    L.push('// refractory countdown (NEST order: held for the steps left)');
    L.push(`${letKw} is_active = r_left <= ${zero};`);
    L.push(`r_left = ${js ? 'Math.max' : 'max'}(r_left - ${one}, ${zero});`);
  }

  // 4. Integration.
  L.push(`// 4. integration (${m.method}${hasNoise(m) ? ', additive noise' : ''})`);
  const names = m.states.map((s) => s.name);
  const rhsAt = (stage: (n: string) => string) => (i: number): string => emit(m.states[i]!.rhs, ctx(stage));
  const dt = u('dt');
  const exp = js ? 'Math.exp' : 'exp';
  const sqrt = js ? 'Math.sqrt' : 'sqrt';
  if (m.method === 'euler') {
    names.forEach((x, i) => L.push(`${letKw} k1_${x} = ${rhsAt((n) => `s_${n}`)(i)};`));
    names.forEach((x) => L.push(`${varKw} n_${x} = s_${x} + ${dt} * k1_${x};`));
  } else if (m.method === 'rk2') {
    names.forEach((x, i) => L.push(`${letKw} k1_${x} = ${dt} * ${rhsAt((n) => `s_${n}`)(i)};`));
    names.forEach((x) => L.push(`${letKw} h_${x} = s_${x} + ${literal(0.5, lang)} * k1_${x};`));
    names.forEach((x, i) => L.push(`${varKw} n_${x} = s_${x} + ${dt} * ${rhsAt((n) => `h_${n}`)(i)};`));
  } else if (m.method === 'rk4') {
    const stage = (k: number, at: (n: string) => string): void => names.forEach((x, i) => L.push(`${letKw} k${k}_${x} = ${dt} * ${rhsAt(at)(i)};`));
    stage(1, (n) => `s_${n}`);
    names.forEach((x) => L.push(`${letKw} h1_${x} = s_${x} + ${literal(0.5, lang)} * k1_${x};`));
    stage(2, (n) => `h1_${n}`);
    names.forEach((x) => L.push(`${letKw} h2_${x} = s_${x} + ${literal(0.5, lang)} * k2_${x};`));
    stage(3, (n) => `h2_${n}`);
    names.forEach((x) => L.push(`${letKw} h3_${x} = s_${x} + k3_${x};`));
    stage(4, (n) => `h3_${n}`);
    names.forEach((x) => L.push(`${varKw} n_${x} = s_${x} + (k1_${x} + ${literal(2, lang)} * k2_${x} + ${literal(2, lang)} * k3_${x} + k4_${x}) / ${literal(6, lang)};`));
  } else if (m.method === 'exponential_euler') {
    names.forEach((x, i) => {
      const a = m.linear.a![i];
      L.push(`${letKw} B_${x} = ${emit(m.linear.b![i]!, base)};`);
      if (a === null || a === undefined) {
        L.push(`${varKw} n_${x} = s_${x} + ${dt} * B_${x};`);
      } else {
        L.push(`${letKw} A_${x} = ${emit(a, base)};`);
        L.push(`${letKw} BA_${x} = B_${x} / A_${x};`);
        L.push(`${varKw} n_${x} = -BA_${x} + (s_${x} + BA_${x}) * ${exp}(A_${x} * ${dt});`);
      }
    });
  } else {
    const constants = m.linear.constant!;
    constants.forEach((c, j) => {
      if (!isZero(c)) L.push(`${letKw} c_${j} = ${emit(c, base)};`);
    });
    const noisy = hasNoise(m);
    const combination = (held: boolean) => (i: number): string => {
      const terms: string[] = [];
      names.forEach((x, j) => terms.push(`${u(`${held ? 'Dr' : 'D'}_${i}_${j}`)} * s_${x}`));
      constants.forEach((c, j) => {
        if (isZero(c)) return;
        if (held && m.states[j]!.unlessRefractory) return;
        terms.push(`${u(`${held ? 'Qr' : 'Q'}_${i}_${j}`)} * c_${j}`);
      });
      if (noisy) names.forEach((_, j) => terms.push(`${u(`${held ? 'Lr' : 'L'}_${i}_${j}`)} * ${normalCode(noiseBase + j)}`));
      return `s_${names[i]} + (${terms.join(' + ')})`;
    };
    const twoBranches = holdsWhileRefractory(m);
    names.forEach((x) => L.push(js ? `let n_${x};` : `var n_${x}: f32;`));
    if (twoBranches) L.push('if (is_active) {');
    names.forEach((x, i) => L.push(`${twoBranches ? '  ' : ''}n_${x} = ${combination(false)(i)};`));
    if (twoBranches) {
      L.push('} else {');
      names.forEach((x, i) => L.push(`  n_${x} = ${combination(true)(i)};`));
      L.push('}');
    }
  }
  if (hasNoise(m) && m.method !== 'exact') {
    // Additive noise: Wiener increments √dt·z per noise name; with exponential Euler each
    // variable's increment is scaled to the exact variance of its linear decay over the step.
    m.states.forEach((s, i) => {
      if (s.noise.length === 0) return;
      const increment = s.noise.map((t) => `${emit(t.coefficient, base)} * ${normalCode(noiseBase + m.xiNames.indexOf(t.xi))}`).join(' + ');
      let gain = sqrt + `(${dt})`;
      if (m.method === 'exponential_euler' && m.linear.a![i]) {
        const a = `A_${s.name}`;
        const tiny = `${js ? 'Math.abs' : 'abs'}(${a} * ${dt}) < ${literal(1e-6, lang)}`;
        const exact = `${sqrt}((${exp}(${literal(2, lang)} * ${a} * ${dt}) - ${one}) / (${literal(2, lang)} * ${a}))`;
        gain = js ? `(${tiny} ? ${sqrt}(${dt}) : ${exact})` : `select(${exact}, ${sqrt}(${dt}), ${tiny})`;
      }
      L.push(`n_${s.name} = n_${s.name} + ${gain} * (${increment});`);
    });
  }
  for (const s of m.states) {
    if (hasRefractory && s.unlessRefractory) L.push(js ? `if (is_active) s_${s.name} = n_${s.name};` : `s_${s.name} = select(s_${s.name}, n_${s.name}, is_active);`);
    else L.push(`s_${s.name} = n_${s.name};`);
  }

  if (nest && !rate && m.onPreTargets.length > 0) {
    L.push('// arrivals of this step, after integration (NEST order)');
    arrivals('is_active');
  }

  // 5. Threshold (NEST order: the reset follows in the same step).
  L.push('// 5. threshold');
  const condition = m.threshold ? emit(m.threshold, base) : 'false';
  L.push(`${letKw} spike = ${hasRefractory ? `is_active && ` : ''}${condition};`);
  if (nest) resets('spike');
  if (hasRefractory) L.push(`if (spike) { r_left = ${u('refractory_steps')}; }`);
  for (const s of m.states) L.push(store(s.name, `s_${s.name}`));
  for (const p of perNeuron) L.push(store(p, `s_${p}`));
  for (const x of m.subexpressions) L.push(store(x.name, emit(x.expr, base)));
  if (hasRefractory) L.push(store(REFRACTORY_STATE, 'r_left'));
  L.push(store(SPIKED_STATE, js ? `spike ? 1 : 0` : `select(${zero}, ${one}, spike)`));
  L.push('return spike;');
  return L;
}

/** The WGSL model snippet: `struct ModelParams` and `fn model_update`. */
export function generateWgsl(m: CompiledEquationModel): string {
  const members = uniformMembers(m);
  const body = updateBody(m, 'wgsl');
  const helpers = body.some((l) => l.includes(`${EXPREL_WGSL_NAME}(`)) ? EXPREL_WGSL : [];
  return [
    `// Generated by cortexgpu from the equations of model ${m.name} (method: ${m.method}).`,
    'struct ModelParams {',
    ...members.map((x) => `  ${x}: f32,`),
    '}',
    '',
    ...helpers,
    'fn model_update(flat: u32, n: u32, b: u32, step: u32, syn: vec4<f32>, current: f32, apical_current: f32) -> bool {',
    ...body.map((l) => `  ${l}`),
    '}',
    '',
  ].join('\n');
}

/** The float64 JavaScript source of the update (body of `(c, syn, current, apicalCurrent) => boolean`). */
export function generateJsSource(m: CompiledEquationModel): string {
  return ['const d = c.derived;', 'const st = c.state;', 'const i = c.flat;', ...updateBody(m, 'js')].join('\n');
}

/** Compile the JavaScript update with `new Function`: a model's float64 CPU update, true on a spike. */
export function compileJsUpdate(m: CompiledEquationModel): ModelSpikingUpdate {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('rngNormal2', 'rngUniform4', `return (c, syn, current, apicalCurrent) => {\n${generateJsSource(m)}\n};`) as (
    normal: typeof rngNormal2, uniform: typeof rngUniform4) => ModelSpikingUpdate;
  return make(rngNormal2, rngUniform4);
}

/**
 * Values of the stored subexpressions from a state (float64; random numbers as 0): for the
 * initial state, so that e.g. a rate model's output is consistent with its initial variables.
 */
export function initialSubexpressions(m: CompiledEquationModel, state: (name: string) => number, param: (name: string) => number, dtMs: number): number[] {
  return m.subexpressions.map((x) => evaluate(x.expr, { state, param, dt: dtMs }));
}
