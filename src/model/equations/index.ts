/**
 * Neuron models written as equations (Brian2 syntax), compiled to a model definition that the
 * engine runs like a built-in: a generated WGSL snippet, a generated float64 CPU update, the
 * derived per-population constants and the parameter metadata — all from one intermediate form.
 *
 * ```ts
 * const cuba = defineNeuronModel({
 *   name: 'cuba',
 *   equations: `dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)
 *               dge/dt = -ge/taue : volt
 *               dgi/dt = -gi/taui : volt`,
 *   threshold: 'v > Vt', reset: 'v = Vr', refractory: '5*ms',
 *   namespace: { taum: '20*ms', taue: '5*ms', taui: '10*ms', Vt: '-50*mV', Vr: '-60*mV', El: '-49*mV' },
 * });
 * ```
 */
import type { NeuronModelDef, OnPreRoute, ParamMeta, ResolvedParams, StateVarMeta } from '../models.js';
import { compileEquationModel, type CompiledEquationModel, type EquationModelDescription } from './compile.js';
import { EquationError } from './errors.js';
import { REFRACTORY_STATE, compileJsUpdate, deriveUniforms, generateWgsl, refractorySteps, storageOrder } from './codegen.js';
import { DIMENSIONLESS, UNITS, dimsDiv, dimsEqual, dimsMul, dimsPow, internalUnitName, siDimensionName, toInternal, type Dims } from './units.js';
import { parse } from 'mathjs';

export { EquationError } from './errors.js';
export { compileEquationModel, INTEGRATION_METHODS, type CompiledEquationModel, type EquationModelDescription, type IntegrationMethod } from './compile.js';
export { generateWgsl, generateJsSource } from './codegen.js';

/** A model definition compiled from equations: a {@link NeuronModelDef} plus its source and IR. */
export interface EquationNeuronModelDef extends NeuronModelDef {
  /** The description it was compiled from. */
  readonly description: EquationModelDescription;
  /** The checked intermediate form (method, linear structure, …). */
  readonly compiled: CompiledEquationModel;
  /** The generated float64 update, as JavaScript source (for inspection). */
  readonly cpuSource: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Whether a value is an equation-model definition. */
export function isEquationModel(model: NeuronModelDef): model is EquationNeuronModelDef {
  return (model as Partial<EquationNeuronModelDef>).compiled !== undefined;
}

/**
 * Convert a quantity string (`"10*mV/ms"`, `"-50*mV"`) or number to internal units, checking
 * the dimension.
 * @throws Error naming the expected unit
 */
function quantityValue(text: string | number, expected: Dims, what: string): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) throw new Error(`${what} must be a finite number (got ${text})`);
    return text;
  }
  let node;
  try {
    node = parse(text.replace(/\*\*/g, '^ '));
  } catch (error) {
    throw new Error(`${what}: cannot read ${JSON.stringify(text)} (${(error as Error).message}); write a quantity such as "10*mV"`);
  }
  // A product/quotient of numbers and units (the forms a spec gives): evaluate with the unit table.
  const walk = (n: typeof node): { v: number; d: Dims } => {
    if (n.type === 'ParenthesisNode') return walk((n as unknown as { content: typeof node }).content);
    if (n.type === 'ConstantNode' && typeof (n as unknown as { value: unknown }).value === 'number') return { v: (n as unknown as { value: number }).value, d: DIMENSIONLESS };
    if (n.type === 'SymbolNode') {
      const name = (n as unknown as { name: string }).name;
      const u = UNITS.get(name);
      if (!u) throw new Error(`${what}: unknown unit '${name}' in ${JSON.stringify(text)}; use mV, ms, nS, pA, pF, Hz, …`);
      return { v: toInternal(u), d: u.dims };
    }
    if (n.type === 'OperatorNode') {
      const op = n as unknown as { fn: string; args: (typeof node)[] };
      const args = op.args.map(walk);
      if (op.fn === 'unaryMinus') return { v: -args[0]!.v, d: args[0]!.d };
      if (op.fn === 'multiply') return { v: args[0]!.v * args[1]!.v, d: dimsMul(args[0]!.d, args[1]!.d) };
      if (op.fn === 'divide') return { v: args[0]!.v / args[1]!.v, d: dimsDiv(args[0]!.d, args[1]!.d) };
      if (op.fn === 'pow' && args[1]!.d.every((x) => x === 0)) return { v: Math.pow(args[0]!.v, args[1]!.v), d: dimsPow(args[0]!.d, args[1]!.v) };
    }
    throw new Error(`${what}: cannot read ${JSON.stringify(text)}; write a number times units, such as "10*mV/ms"`);
  };
  const { v: value, d: dims } = walk(node);
  if (!dimsEqual(dims, expected)) {
    throw new Error(`${what}: unit mismatch, ${JSON.stringify(text)} is ${siDimensionName(dims)} but the parameter is ${siDimensionName(expected)}; give it in ${internalUnitName(expected)} (a number) or with a unit of that dimension`);
  }
  return value;
}

/**
 * Compile a model description (Brian2 equation syntax) into a model definition usable like a
 * built-in: in a spec's population `model` (after {@link registerNeuronModel} or through the
 * spec's `models`), by the GPU engine (generated WGSL) and by the CPU reference (generated
 * float64 update).
 *
 * Parameters: namespace constants and parameters declared `(shared)` are one value per
 * population; other declared parameters (`p : unit`) one value per neuron (set all with
 * `params`, or per neuron with `initial`). A number given for a parameter is read in the
 * internal unit of its dimension (mV, ms, pA, nS, pF, mV/ms, …, see `params[].unit`); a string
 * carries its unit (`"10*mV/ms"`).
 *
 * @param description the equations, threshold, reset, refractory period, method, namespace;
 *   `name` is required here
 * @throws EquationError naming the model, field, line and column of the first problem
 */
export function defineNeuronModel(description: EquationModelDescription & { readonly name: string }): EquationNeuronModelDef {
  const name = description?.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new EquationError(String(name), 'name', 0, 0, `a model needs a name of letters, digits and _ starting with a letter (got ${JSON.stringify(name)})`);
  }
  return equationModelDef(name, description);
}

/** Compile a description under a given name (spec models take the key as name). */
export function equationModelDef(name: string, description: EquationModelDescription): EquationNeuronModelDef {
  const compiled = compileEquationModel(name, description);
  const order = storageOrder(compiled);
  const paramDims = new Map(compiled.params.map((p) => [p.name, p]));
  const numberOf = (params: ResolvedParams, p: string): number => {
    const meta = paramDims.get(p)!;
    const raw = params[p];
    return raw === undefined ? meta.default : quantityValue(raw, meta.dims, `parameter ${p}`);
  };
  const params: ParamMeta[] = compiled.params.map((p) => ({
    name: p.name,
    unit: internalUnitName(p.dims),
    default: p.default,
    doc: p.origin === 'namespace'
      ? 'namespace constant (one value per population)'
      : p.scope === 'shared' ? 'shared parameter (one value per population)' : 'parameter, one value per neuron (params sets all; initial sets each)',
  }));
  const stateMeta: StateVarMeta[] = order.map((v) => {
    const s = compiled.states.find((x) => x.name === v);
    if (s) return { name: v, unit: internalUnitName(s.dims), doc: `d${v}/dt from the equations${s.unlessRefractory ? ' (held while refractory)' : ''}`, initial: () => 0 };
    const p = paramDims.get(v);
    if (p) return { name: v, unit: internalUnitName(p.dims), doc: 'per-neuron parameter', initial: (rp: ResolvedParams) => numberOf(rp, v), initialDoc: `params.${v} (default ${p.default})` };
    if (v === REFRACTORY_STATE) return { name: v, unit: 'steps', doc: 'refractory steps left', initial: () => 0 };
    return { name: v, unit: '1', doc: 'spiked in the last step (its reset runs at the start of the next)', initial: () => 0 };
  });
  const shared = (rp: ResolvedParams) => (p: string): number => numberOf(rp, p);
  const targetOf = new Map(compiled.onPreTargets.map((t, k) => [t, k]));
  const dimsOfVar = (v: string) => compiled.states.find((s) => s.name === v)?.dims ?? paramDims.get(v)!.dims;
  const onPre = (statement: string): OnPreRoute => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\+=|-=|=|\*=|\/=)?\s*(.*?)\s*$/.exec(statement ?? '');
    if (!m || m[2] === undefined) throw new Error(`cannot read on_pre ${JSON.stringify(statement)}; write "VAR += w" or "VAR -= w" with VAR one of ${compiled.onPreTargets.join(', ')}`);
    const [, target, op, rhs] = m as unknown as [string, string, string, string];
    const channel = targetOf.get(target);
    if (channel === undefined) {
      const known = compiled.states.some((s) => s.name === target) || paramDims.has(target);
      throw new Error(known
        ? `on_pre targets '${target}', which is not an input variable of model ${name}; its inputs are ${compiled.onPreTargets.join(', ')} (list it in the model's on_pre_targets)`
        : `on_pre targets '${target}', which is not a variable of model ${name}; use one of ${compiled.onPreTargets.join(', ')}`);
    }
    if ((op !== '+=' && op !== '-=') || rhs !== 'w') {
      throw new Error(`unsupported on_pre ${JSON.stringify(statement.trim())}; only "${target} += w" and "${target} -= w" are supported (w is the projection's weight in ${internalUnitName(dimsOfVar(target))}); scale the weight instead`);
    }
    return { channel, sign: op === '+=' ? 1 : -1, target };
  };
  const wgsl = generateWgsl(compiled);
  const cpu = compileJsUpdate(compiled);
  const unitsList = compiled.onPreTargets.map((t) => `${internalUnitName(dimsOfVar(t))} (${t})`).join(', ');
  return {
    name,
    kind: 'spiking',
    summary: description.summary ?? `Equation model ${name} (${compiled.states.map((s) => s.name).join(', ')}; ${compiled.method}).`,
    doc: `Defined by equations:\n${description.equations.trim()}\nthreshold: ${description.threshold ?? '(none)'}; reset: ${description.reset ?? '(none)'}; refractory: ${description.refractory ?? 'none'}. Method ${compiled.method}: ${compiled.methodReason}.`,
    params,
    choiceParams: [],
    state: stateMeta,
    receptors: 0,
    inputChannels: compiled.onPreTargets.length,
    weightUnit: unitsList,
    currentUnit: compiled.currentParam ? internalUnitName(paramDims.get(compiled.currentParam)!.dims) : '',
    updateShader: `generated:${name}`,
    updateShaderText: wgsl,
    cpuSpikingUpdate: cpu,
    onPre,
    paramValue: (p, value) => quantityValue(value, paramDims.get(p)!.dims, `parameter ${p}`),
    acceptsCurrent: compiled.currentParam !== null,
    derive: (rp, dt) => deriveUniforms(compiled, shared(rp), dt),
    minInterSpikeSteps: (rp, dt) => Math.max(1, refractorySteps(compiled, shared(rp), dt)),
    description,
    compiled,
    cpuSource: cpu.toString(),
  };
}
