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
import type { ChoiceParamMeta, NeuronModelDef, OnPreRoute, ParamMeta, ResolvedParams, StateVarMeta } from '../models.js';
import { compileEquationModel, type CompiledEquationModel, type EquationModelDescription } from './compile.js';
import { EquationError } from './errors.js';
import { REFRACTORY_STATE, compileJsUpdate, deriveUniforms, generateWgsl, initialSubexpressions, minInterSpikeSteps, storageOrder } from './codegen.js';
import { compileSharedExpression } from './compile.js';
import { evaluate } from './ir.js';
import { DIMENSIONLESS, UNITS, dimsDiv, dimsEqual, dimsMul, dimsPow, internalUnitName, siDimensionName, toInternal, type Dims } from './units.js';
import { parse } from 'mathjs/number';

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

/** The factor from a declared display unit (`"Hz"`) to internal units, checked against the dimension. */
function unitFactor(model: string, name: string, unit: string | undefined, dims: Dims): number {
  if (unit === undefined) return 1;
  const value = quantityValue(`1*${unit}`, dims, `model ${model}, parameters.${name}.unit`);
  return value;
}

/** Compile a description under a given name (spec models take the key as name). */
export function equationModelDef(name: string, description: EquationModelDescription): EquationNeuronModelDef {
  const compiled = compileEquationModel(name, description);
  const order = storageOrder(compiled);
  const meta = description.parameters ?? {};
  const paramDims = new Map(compiled.params.map((p) => [p.name, p]));
  const factorOf = new Map(compiled.params.map((p) => [p.name, unitFactor(name, p.name, meta[p.name]?.unit, p.dims)]));
  const aliases = new Map(Object.entries(description.aliases ?? {}));
  for (const [alias, target] of aliases) {
    if (!paramDims.has(target) && !Object.hasOwn(compiled.choices, target)) throw new EquationError(name, `aliases.${alias}`, 0, 0, `'${target}' is not a parameter of the model`);
  }
  const unitName = (p: string): string => meta[p]?.unit ?? internalUnitName(paramDims.get(p)!.dims);
  /** A spec value (number in the parameter's unit, quantity string, or choice name) → internal number. */
  const toNumber = (p: string, raw: number | string): number => {
    const choices = compiled.choices[p];
    if (choices !== undefined) {
      const index = typeof raw === 'string' ? choices.indexOf(raw) : -1;
      if (index < 0) throw new Error(`parameter ${p} must be one of ${choices.join(', ')} (got ${JSON.stringify(raw)})`);
      return index;
    }
    const m = paramDims.get(p)!;
    if (typeof raw === 'number') {
      if (!Number.isFinite(raw)) throw new Error(`parameter ${p} must be a finite number (got ${raw})`);
      return raw * factorOf.get(p)!;
    }
    return quantityValue(raw, m.dims, `parameter ${p}`);
  };
  /** Range check in the parameter's unit. */
  const checkRange = (p: string, internal: number): void => {
    const r = meta[p];
    if (r === undefined) return;
    const v = internal / factorOf.get(p)!;
    const low = r.min !== undefined && (r.min_exclusive ? !(v > r.min) : !(v >= r.min));
    const high = r.max !== undefined && !(v <= r.max);
    if (low || high) {
      const range = [r.min !== undefined ? `${r.min_exclusive ? '>' : '≥'} ${r.min}` : '', r.max !== undefined ? `≤ ${r.max}` : ''].filter(Boolean).join(' and ');
      throw new Error(`parameter ${p} must be ${range} ${unitName(p)} (got ${+v.toPrecision(6)})`);
    }
  };
  const numberOf = (params: ResolvedParams, p: string): number => {
    const raw = params[p];
    return raw === undefined ? paramDims.get(p)!.default : toNumber(p, raw);
  };
  const choiceNames = new Set(Object.keys(compiled.choices));
  const params: ParamMeta[] = compiled.params.filter((p) => !choiceNames.has(p.name)).map((p) => {
    const m = meta[p.name];
    return {
      name: p.name,
      unit: unitName(p.name),
      default: +(p.default / factorOf.get(p.name)!).toPrecision(12),
      ...(m?.min !== undefined ? { min: m.min } : {}),
      ...(m?.min_exclusive !== undefined ? { minExclusive: m.min_exclusive } : {}),
      ...(m?.max !== undefined ? { max: m.max } : {}),
      doc: m?.doc ?? (p.origin === 'namespace'
        ? 'namespace constant (one value per population)'
        : p.scope === 'shared' ? 'shared parameter (one value per population)' : 'parameter, one value per neuron (params sets all; initial sets each)'),
    };
  });
  const choiceParams: ChoiceParamMeta[] = Object.entries(compiled.choices).map(([p, names]) => ({
    name: p,
    choices: names,
    default: names[paramDims.get(p)!.default]!,
    doc: meta[p]?.doc ?? `one of ${names.join(', ')}`,
  }));
  // Default initial values: the description's `initial` expressions of shared parameters, or 0.
  const initialExprs = new Map<string, ReturnType<typeof compileInitial>>();
  for (const [v, text] of Object.entries(description.initial ?? {})) initialExprs.set(v, compileInitial(name, compiled, v, text));
  const sharedEnv = (rp: ResolvedParams) => (p: string): number => numberOf(rp, p);
  const subexpressionIndex = new Map(compiled.subexpressions.map((x, k) => [x.name, k]));
  const stateMeta: StateVarMeta[] = order.map((v) => {
    const s = compiled.states.find((x) => x.name === v);
    const doc = meta[v]?.doc;
    if (s) {
      const init = initialExprs.get(v);
      return {
        name: v, unit: internalUnitName(s.dims),
        doc: doc ?? `d${v}/dt from the equations${s.unlessRefractory ? ' (held while refractory)' : ''}`,
        initial: init ? (rp: ResolvedParams) => init.value(sharedEnv(rp)) : () => 0,
        ...(init ? { initialDoc: init.text } : {}),
      };
    }
    const p = paramDims.get(v);
    if (p) return { name: v, unit: unitName(v), doc: doc ?? 'per-neuron parameter', initial: (rp: ResolvedParams) => numberOf(rp, v), initialDoc: `params.${v} (default ${p.default})` };
    if (subexpressionIndex.has(v)) {
      const x = compiled.subexpressions[subexpressionIndex.get(v)!]!;
      return { name: v, unit: internalUnitName(x.dims), doc: doc ?? 'subexpression (stored after each step)', initial: () => 0, initialDoc: 'computed from the other variables' };
    }
    if (v === REFRACTORY_STATE) return { name: v, unit: 'steps', doc: 'refractory steps left', initial: () => 0 };
    return { name: v, unit: '1', doc: 'spiked in the last step (its reset runs at the start of the next)', initial: () => 0 };
  });
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
  const receptorRoute = (receptor: string | undefined, compartment: string | undefined): OnPreRoute | undefined => {
    const inhibitory = receptor === 'inhibitory';
    const r = compartment === 'apical' ? compiled.receptors.apical : compiled.receptors[inhibitory ? 'inhibitory' : 'excitatory'];
    if (r === undefined) return undefined;
    const flip = compartment === 'apical' && inhibitory ? -1 : 1;
    return { channel: targetOf.get(r.target)!, sign: (r.sign * flip) as 1 | -1, target: r.target };
  };
  const wgsl = generateWgsl(compiled);
  const cpu = compileJsUpdate(compiled);
  const unitsList = compiled.onPreTargets.map((t) => `${internalUnitName(dimsOfVar(t))} (${t})`).join(', ');
  const singleUnit = new Set(compiled.onPreTargets.map((t) => internalUnitName(dimsOfVar(t))));
  const indexOfVar = new Map(order.map((v, k) => [v, k]));
  const kind = compiled.kind;
  const apicalChannel = compiled.receptors.apical ? targetOf.get(compiled.receptors.apical.target) : undefined;
  const receptorCount = (compiled.receptors.excitatory ? 1 : 0) + (compiled.receptors.inhibitory && compiled.receptors.inhibitory.target !== compiled.receptors.excitatory?.target ? 1 : 0);
  return {
    name,
    kind,
    summary: description.summary ?? `Equation model ${name} (${compiled.states.map((s) => s.name).join(', ')}; ${compiled.method}).`,
    doc: description.doc ?? `Defined by equations:\n${description.equations.trim()}\nthreshold: ${description.threshold ?? '(none)'}; reset: ${description.reset ?? '(none)'}; refractory: ${description.refractory ?? 'none'}. Method ${compiled.method}: ${compiled.methodReason}.`,
    ...(compiled.constraints.length > 0 ? { constraints: compiled.constraints.map((c) => `${c.condition}${c.message ? ` (${c.message})` : ''}`) } : {}),
    params,
    choiceParams,
    state: stateMeta,
    receptors: (kind === 'rate' ? 0 : Math.min(receptorCount, 2)) as 0 | 1 | 2,
    inputChannels: compiled.onPreTargets.length,
    ...(apicalChannel !== undefined ? { apicalChannel } : {}),
    weightUnit: singleUnit.size === 1 ? [...singleUnit][0]! : unitsList,
    currentUnit: kind === 'rate' && compiled.onPreTargets.length > 0
      ? unitName(compiled.onPreTargets[0]!)
      : compiled.currentParam ? unitName(compiled.currentParam) : '',
    updateShader: `generated:${name}`,
    updateShaderText: wgsl,
    cpuSpikingUpdate: cpu,
    onPre,
    receptorRoute,
    ...(kind === 'rate' ? { outputVariable: compiled.output! } : {}),
    paramValue: (p, value) => {
      const v = toNumber(p, value);
      checkRange(p, v);
      return v;
    },
    ...(aliases.size > 0 ? { paramAliases: Object.fromEntries(aliases) } : {}),
    checkParams: (rp) => {
      const env = { state: (): number => 0, param: sharedEnv(rp), dt: 1 };
      for (const c of compiled.constraints) {
        if (evaluate(c.expr, env) === 0) {
          const values = c.params.map((p) => `${p} = ${+(numberOf(rp, p) / factorOf.get(p)!).toPrecision(6)} ${unitName(p)}`).join(', ');
          return { params: c.params, message: `${c.condition} must hold (got ${values})${c.message ? `; ${c.message}` : ''}` };
        }
      }
      return null;
    },
    emitsSpikes: (rp) => {
      // Spiking models and sources always have spike buffers (the update kernel binds them).
      if (kind !== 'rate') return true;
      if (compiled.threshold === null) return false;
      if (compiled.spikesIf === null) return true;
      return evaluate(compiled.spikesIf, { state: () => 0, param: sharedEnv(rp), dt: 1 }) !== 0;
    },
    completeInitialState: compiled.subexpressions.length > 0
      ? (state, rp, dtMs) => {
        const total = state[0]?.length ?? 0;
        // Shared values read once (a quantity string would be parsed again for every neuron).
        const sharedValues = new Map(compiled.params.filter((p) => p.scope === 'shared').map((p) => [p.name, numberOf(rp, p.name)]));
        const shared = (p: string): number => sharedValues.get(p)!;
        for (let i = 0; i < total; i++) {
          const values = initialSubexpressions(compiled, (v) => state[indexOfVar.get(v)!]![i]!, (p) => (paramDims.get(p)!.scope === 'neuron' ? state[indexOfVar.get(p)!]![i]! : shared(p)), dtMs);
          compiled.subexpressions.forEach((x, k) => (state[indexOfVar.get(x.name)!]![i] = values[k]!));
        }
      }
      : undefined,
    acceptsCurrent: kind === 'rate' ? compiled.onPreTargets.length > 0 : compiled.currentParam !== null,
    derive: (rp, dt) => deriveUniforms(compiled, sharedEnv(rp), dt, {
      ...(compiled.currentParam ? { current: factorOf.get(compiled.currentParam)! } : {}),
      ...(compiled.apicalCurrentParam ? { apical: factorOf.get(compiled.apicalCurrentParam)! } : {}),
    }),
    minInterSpikeSteps: (rp, dt) => minInterSpikeSteps(compiled, sharedEnv(rp), dt),
    description,
    compiled,
    cpuSource: cpu.toString(),
  };
}

/** A description's default initial value of a variable: an expression of shared parameters. */
function compileInitial(model: string, compiled: CompiledEquationModel, variable: string, text: string): { text: string; value: (shared: (p: string) => number) => number } {
  if (!compiled.states.some((s) => s.name === variable)) throw new EquationError(model, `initial.${variable}`, 0, 0, `'${variable}' is not a differential-equation variable of the model`);
  const expr = compileSharedExpression(model, compiled, `initial.${variable}`, text, compiled.states.find((s) => s.name === variable)!.dims);
  return { text, value: (shared) => evaluate(expr, { state: () => 0, param: shared, dt: 1 }) };
}
