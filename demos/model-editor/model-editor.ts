/**
 * The model editor's logic, free of the DOM (so that Node tests can check it): the starting
 * examples, reading the editor's fields into a model description (namespace and initial values
 * as `key = value` lines or JSON), compiling it with {@link equationModelDef} and locating any
 * problem in one field (line and column within that field's text), and the network the page
 * runs: one population of the model, a recurrent projection, an optional constant current
 * and Poisson input, spike and state recorders.
 */
import { EquationError, equationModelDef, INTEGRATION_METHODS, type EquationModelDescription, type EquationNeuronModelDef, type IntegrationMethod } from '../../src/model/equations/index.js';
import type { Distribution, InputSpec, NetworkSpec, ProjectionSpec, RecorderSpec } from '../../src/model/spec.js';

/** Name of the edited model in the spec, and of its population. */
export const MODEL_NAME = 'edited';
export const POPULATION = 'N';
/** Neurons whose state is recorded for the trace. */
export const TRACE_NEURONS = [0, 1, 2] as const;
/** Sampling interval of the trace, ms. */
export const TRACE_EVERY_MS = 0.2;
/** Integration step of the editor's network, ms. */
export const DT_MS = 0.1;

/** The text fields of the editor (what a Brian2 user passes to `NeuronGroup`). */
export interface EditorFields {
  readonly equations: string;
  readonly threshold: string;
  readonly reset: string;
  readonly refractory: string;
  /** '' for the automatic choice. */
  readonly method: '' | IntegrationMethod;
  /** `name = quantity` lines (`#` comments), or a JSON object. */
  readonly namespace: string;
  /** Parameter that the constant current adds to ('' for none). */
  readonly current: string;
}

/** The fields an editor problem can point into. */
export type EditorField = keyof EditorFields | 'initial';

/** The network around the model (the page's second form). */
export interface NetworkSettings {
  readonly neurons: number;
  /** `var = number`, `var = uniform(a, b)` or `var = normal(mean, std)` lines, internal units. */
  readonly initial: string;
  /** Recurrent projection: `target sign= w` with weight w, `indegree` random inputs per neuron (0: none). */
  readonly recurrent: { readonly target: string; readonly sign: '+=' | '-='; readonly weight: number; readonly indegree: number; readonly delayMs: number };
  /** Constant current through the model's `current` parameter (0: none). */
  readonly dc: number;
  /** Poisson input: `target sign= w` per input spike from `sources` trains at `rateHz` (rate 0: none). */
  readonly poisson: { readonly target: string; readonly sign: '+=' | '-='; readonly rateHz: number; readonly sources: number; readonly weight: number };
  /** State variable shown in the trace. */
  readonly trace: string;
}

/** A starting point: a model written in Brian2's syntax and a network that shows it at work. */
export interface ModelExample {
  readonly id: string;
  readonly label: string;
  readonly fields: EditorFields;
  readonly network: Omit<NetworkSettings, 'neurons'>;
}

/** The examples of the selector; the first is Brian2's CUBA example (docs/equations.md). */
export const EXAMPLES: readonly ModelExample[] = [
  {
    id: 'cuba',
    label: 'CUBA LIF (Brian2 example)',
    fields: {
      equations: 'dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)\ndge/dt = -ge/taue : volt\ndgi/dt = -gi/taui : volt',
      threshold: 'v>Vt',
      reset: 'v = Vr',
      refractory: '5*ms',
      method: '',
      namespace: 'taum = 20*ms\ntaue = 5*ms\ntaui = 10*ms\nVt = -50*mV\nVr = -60*mV\nEl = -49*mV',
      current: '',
    },
    network: {
      initial: 'v = uniform(-60, -50)',
      recurrent: { target: 'gi', sign: '-=', weight: 2, indegree: 20, delayMs: 1 },
      dc: 0,
      poisson: { target: 'ge', sign: '+=', rateHz: 0, sources: 100, weight: 1 },
      trace: 'v',
    },
  },
  {
    id: 'adex',
    label: 'AdEx (adaptive exponential IF)',
    fields: {
      equations:
        '# Brette & Gerstner 2005, plus a synaptic current Isyn\n' +
        'dv/dt = (gL*(EL - v) + gL*DeltaT*exp((v - VT)/DeltaT) + I + Isyn - w)/C : volt\n' +
        'dw/dt = (a*(v - EL) - w)/tauw : amp\n' +
        'dIsyn/dt = -Isyn/tausyn : amp\n' +
        'I : amp',
      threshold: 'v > VT + 5*DeltaT',
      reset: 'v = Vr\nw += b',
      refractory: '',
      method: '',
      namespace: 'C = 281*pF\ngL = 30*nS\nEL = -70.6*mV\nVT = -50.4*mV\nDeltaT = 2*mV\ntauw = 144*ms\na = 4*nS\nb = 0.0805*nA\nVr = -70.6*mV\ntausyn = 5*ms',
      current: 'I',
    },
    network: {
      initial: 'v = uniform(-70.6, -55)',
      recurrent: { target: 'Isyn', sign: '+=', weight: 20, indegree: 10, delayMs: 1 },
      dc: 700,
      poisson: { target: 'Isyn', sign: '+=', rateHz: 0, sources: 100, weight: 50 },
      trace: 'v',
    },
  },
  {
    id: 'izhikevich',
    label: 'Izhikevich (regular spiking)',
    fields: {
      equations:
        '# Izhikevich 2003, regular spiking (I, Isyn in mV)\n' +
        'dv/dt = (0.04*v**2/mV + 5*v + 140*mV - u + I + Isyn)/ms : volt\n' +
        'du/dt = a*(b*v - u) : volt\n' +
        'dIsyn/dt = -Isyn/tausyn : volt\n' +
        'I : volt',
      threshold: 'v >= 30*mV',
      reset: 'v = c\nu += d',
      refractory: '',
      method: '',
      namespace: 'a = 0.02/ms\nb = 0.2\nc = -65*mV\nd = 8*mV\ntausyn = 5*ms',
      current: 'I',
    },
    network: {
      initial: 'v = uniform(-70, -60)\nu = -13',
      recurrent: { target: 'Isyn', sign: '+=', weight: 0.5, indegree: 10, delayMs: 1 },
      dc: 0,
      poisson: { target: 'Isyn', sign: '+=', rateHz: 20, sources: 20, weight: 3 },
      trace: 'v',
    },
  },
];

/** A problem located in one field of the editor. */
export interface FieldProblem {
  readonly field: EditorField;
  /** 1-based line in the field's text (0: the field as a whole). */
  readonly line: number;
  /** 1-based column in that line (0: unknown). */
  readonly column: number;
  /** What is wrong and what to do, without the location. */
  readonly message: string;
}

/** `line L, col C: message` (as much of the location as is known). */
export function describeProblem(problem: FieldProblem): string {
  const where = EquationError.where(problem.line, problem.column).trim();
  return where ? `${where}: ${problem.message}` : problem.message;
}

class ProblemError extends Error {
  constructor(readonly problem: FieldProblem) {
    super(describeProblem(problem));
  }
}

/** One `key = value` line of a field, with where its key and value start (1-based). */
interface KeyValueLine {
  readonly key: string;
  readonly value: string;
  readonly line: number;
  readonly keyColumn: number;
  readonly valueColumn: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Read `key = value` lines (blank lines and `#` comments skipped). */
function keyValueLines(text: string, field: EditorField, example: string): KeyValueLine[] {
  const out: KeyValueLine[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    const hash = raw.indexOf('#');
    const content = hash >= 0 ? raw.slice(0, hash) : raw;
    if (content.trim() === '') return;
    const eq = content.indexOf('=');
    const keyColumn = content.search(/\S/) + 1;
    if (eq < 0) throw new ProblemError({ field, line, column: keyColumn, message: `expected 'name = value' (got '${content.trim()}'), e.g. ${example}` });
    const key = content.slice(0, eq).trim();
    if (!IDENT.test(key)) throw new ProblemError({ field, line, column: keyColumn, message: `'${key}' is not a name; use letters, digits and _, e.g. ${example}` });
    const afterEq = content.slice(eq + 1);
    const value = afterEq.trim();
    const valueColumn = eq + 2 + (afterEq.length - afterEq.trimStart().length);
    if (value === '') throw new ProblemError({ field, line, column: eq + 2, message: `no value after '${key} =', e.g. ${example}` });
    const previous = seen.get(key);
    if (previous !== undefined) throw new ProblemError({ field, line, column: keyColumn, message: `'${key}' is already given on line ${previous}` });
    seen.set(key, line);
    out.push({ key, value, line, keyColumn, valueColumn });
  });
  return out;
}

/** Line and column (1-based) of a character offset in a text. */
function lineColumnOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines.at(-1)!.length + 1 };
}

/** A JSON object field, with errors located at the reported position where the engine says one. */
function jsonObject(text: string, field: EditorField): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const at = /position (\d+)/.exec(message);
    const where = at ? lineColumnOf(text, Number(at[1])) : { line: 1, column: 1 };
    throw new ProblemError({ field, ...where, message: `not valid JSON (${message}); write an object such as {"tau": "10*ms"} or name = value lines` });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProblemError({ field, line: 1, column: 1, message: 'expected a JSON object such as {"tau": "10*ms"}' });
  return value as Record<string, unknown>;
}

/** Where each namespace constant was written, to locate compiler errors about it. */
type Locations = ReadonlyMap<string, { line: number; valueColumn: number }>;

/** The namespace field as a description's `namespace`, and where each constant is. */
export function parseNamespace(text: string): { namespace: Record<string, string | number>; locations: Locations } {
  const namespace: Record<string, string | number> = {};
  const locations = new Map<string, { line: number; valueColumn: number }>();
  if (text.trim().startsWith('{')) {
    const object = jsonObject(text, 'namespace');
    for (const [key, value] of Object.entries(object)) {
      if (typeof value !== 'string' && typeof value !== 'number') {
        const at = lineColumnOf(text, text.indexOf(JSON.stringify(key)));
        throw new ProblemError({ field: 'namespace', ...at, message: `"${key}" must be a quantity string such as "20*ms" or a number` });
      }
      namespace[key] = value;
      const offset = text.indexOf(JSON.stringify(key));
      const at = lineColumnOf(text, offset < 0 ? 0 : offset);
      locations.set(key, { line: at.line, valueColumn: at.column });
    }
    return { namespace, locations };
  }
  for (const kv of keyValueLines(text, 'namespace', 'taum = 20*ms')) {
    const number = Number(kv.value);
    namespace[kv.key] = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(kv.value) && Number.isFinite(number) ? number : kv.value;
    locations.set(kv.key, { line: kv.line, valueColumn: kv.valueColumn });
  }
  return { namespace, locations };
}

/** The description the fields give (throws a located problem for an unreadable namespace). */
export function descriptionOf(fields: EditorFields): { description: EquationModelDescription; locations: Locations } {
  const { namespace, locations } = parseNamespace(fields.namespace);
  const optional = (text: string): string | undefined => (text.trim() === '' ? undefined : text);
  const method = fields.method === '' ? undefined : fields.method;
  if (method !== undefined && !INTEGRATION_METHODS.includes(method)) throw new ProblemError({ field: 'method', line: 0, column: 0, message: `unknown method '${method}'` });
  const description: EquationModelDescription = {
    equations: fields.equations,
    ...(optional(fields.threshold) !== undefined ? { threshold: fields.threshold } : {}),
    ...(optional(fields.reset) !== undefined ? { reset: fields.reset } : {}),
    ...(optional(fields.refractory) !== undefined ? { refractory: fields.refractory.trim() } : {}),
    ...(method !== undefined ? { method } : {}),
    namespace,
    ...(fields.current.trim() !== '' ? { current: fields.current.trim() } : {}),
  };
  return { description, locations };
}

/** Map a compiler error onto the editor's fields (namespace constants onto their lines). */
export function locateEquationError(error: EquationError, locations: Locations): FieldProblem {
  const detail = error.detail;
  if (error.field.startsWith('namespace.')) {
    const key = error.field.slice('namespace.'.length);
    const at = locations.get(key);
    if (!at) return { field: 'namespace', line: 0, column: 0, message: `${key}: ${detail}` };
    return { field: 'namespace', line: at.line, column: at.valueColumn + Math.max(0, error.column - 1), message: `${key}: ${detail}` };
  }
  const known: readonly EditorField[] = ['equations', 'threshold', 'reset', 'refractory', 'method', 'namespace', 'current'];
  const field = known.includes(error.field as EditorField) ? (error.field as EditorField) : 'equations';
  return { field, line: error.line, column: error.column, message: field === error.field ? detail : `${error.field}: ${detail}` };
}

/** What compiling the editor's fields gave. */
export type CompileOutcome =
  | { readonly ok: true; readonly def: EquationNeuronModelDef; readonly description: EquationModelDescription; readonly key: string; readonly ms: number }
  | { readonly ok: false; readonly problem: FieldProblem; readonly ms: number };

/**
 * Compile the fields with {@link equationModelDef}. `key` identifies the description (equal
 * keys: the same model), so that a change that compiles to the same model need not rebuild.
 */
export function compileFields(fields: EditorFields): CompileOutcome {
  const started = performance.now();
  let locations: Locations = new Map();
  try {
    const read = descriptionOf(fields);
    locations = read.locations;
    const def = equationModelDef(MODEL_NAME, read.description);
    return { ok: true, def, description: read.description, key: JSON.stringify(read.description), ms: performance.now() - started };
  } catch (error) {
    const ms = performance.now() - started;
    if (error instanceof ProblemError) return { ok: false, problem: error.problem, ms };
    if (error instanceof EquationError) return { ok: false, problem: locateEquationError(error, locations), ms };
    return { ok: false, problem: { field: 'equations', line: 0, column: 0, message: error instanceof Error ? error.message : String(error) }, ms };
  }
}

/** State variables a trace can show and initial values can set (no internal bookkeeping). */
export function visibleStateVariables(def: EquationNeuronModelDef): string[] {
  const declared = new Set([...def.compiled.states.map((s) => s.name), ...def.compiled.params.filter((p) => p.scope === 'neuron').map((p) => p.name)]);
  return def.state.map((s) => s.name).filter((n) => declared.has(n));
}

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const UNIFORM = new RegExp(String.raw`^uniform\(\s*(${NUMBER})\s*,\s*(${NUMBER})\s*\)$`);
const NORMAL = new RegExp(String.raw`^normal\(\s*(${NUMBER})\s*,\s*(${NUMBER})\s*\)$`);

/**
 * The initial-values field for a compiled model: `var = -65`, `var = uniform(-60, -50)`,
 * `var = normal(mean, std)`, numbers in the variable's internal unit.
 * @throws an error whose `problem` locates the line (see {@link problemOf})
 */
export function parseInitial(text: string, def: EquationNeuronModelDef): Record<string, Distribution> {
  const variables = visibleStateVariables(def);
  const initial: Record<string, Distribution> = {};
  for (const kv of keyValueLines(text, 'initial', 'v = uniform(-60, -50)')) {
    if (!variables.includes(kv.key)) throw new ProblemError({ field: 'initial', line: kv.line, column: kv.keyColumn, message: `'${kv.key}' is not a state variable of the model; choose from ${variables.join(', ')}` });
    const uniform = UNIFORM.exec(kv.value);
    const normal = NORMAL.exec(kv.value);
    if (uniform) {
      const [a, b] = [Number(uniform[1]), Number(uniform[2])];
      if (!(a <= b)) throw new ProblemError({ field: 'initial', line: kv.line, column: kv.valueColumn, message: `uniform(a, b) needs a ≤ b (got ${a}, ${b})` });
      initial[kv.key] = { uniform: [a, b] };
    } else if (normal) {
      initial[kv.key] = { normal: { mean: Number(normal[1]), std: Math.abs(Number(normal[2])) } };
    } else if (new RegExp(`^${NUMBER}$`).test(kv.value)) {
      initial[kv.key] = Number(kv.value);
    } else {
      const unit = def.state.find((s) => s.name === kv.key)?.unit ?? '';
      throw new ProblemError({ field: 'initial', line: kv.line, column: kv.valueColumn, message: `cannot read '${kv.value}'; write a number (in ${unit}), uniform(a, b) or normal(mean, std)` });
    }
  }
  return initial;
}

/** The located problem of an error thrown by this module's readers, or null for other errors. */
export function problemOf(error: unknown): FieldProblem | null {
  return error instanceof ProblemError ? error.problem : null;
}

/**
 * The network the page runs: `neurons` neurons of the model, a recurrent projection (fixed
 * in-degree), the constant current through the model's `current` parameter and Poisson
 * input where set, spikes of every neuron and every visible state variable of
 * {@link TRACE_NEURONS}.
 * @throws an error with a located `initial` problem (see {@link problemOf}), or Error for a bad setting
 */
export function editorSpec(def: EquationNeuronModelDef, settings: NetworkSettings, seed = 1): NetworkSpec {
  const targets = def.compiled.onPreTargets;
  const neurons = Math.round(settings.neurons);
  if (!(neurons >= 1 && neurons <= 100_000)) throw new Error(`neurons must be between 1 and 100,000 (got ${settings.neurons})`);
  const initial = parseInitial(settings.initial, def);
  const projections: ProjectionSpec[] = [];
  const r = settings.recurrent;
  const indegree = Math.min(Math.round(r.indegree), neurons);
  if (r.weight > 0 && indegree > 0) {
    if (!targets.includes(r.target)) throw new Error(`the recurrent projection targets '${r.target}', which is not an input of the model; choose one of ${targets.join(', ')}`);
    projections.push({
      source: POPULATION, target: POPULATION, connector: { type: 'fixed_indegree', indegree },
      on_pre: `${r.target} ${r.sign} w`, weight: r.weight, delay_ms: Math.max(DT_MS, r.delayMs),
    });
  }
  const inputs: InputSpec[] = [];
  if (settings.dc !== 0 && def.acceptsCurrent) inputs.push({ type: 'dc', target: POPULATION, amplitude: settings.dc });
  const p = settings.poisson;
  if (p.rateHz > 0 && p.weight > 0 && p.sources > 0) {
    if (!targets.includes(p.target)) throw new Error(`the Poisson input targets '${p.target}', which is not an input of the model; choose one of ${targets.join(', ')}`);
    inputs.push({ type: 'poisson', target: POPULATION, rate_hz: p.rateHz, n_sources: Math.round(p.sources), weight: p.weight, on_pre: `${p.target} ${p.sign} w` });
  }
  const traced = TRACE_NEURONS.filter((n) => n < neurons);
  const recorders: RecorderSpec[] = [
    { type: 'spikes', population: POPULATION },
    ...visibleStateVariables(def).map((variable): RecorderSpec => ({ type: 'state', population: POPULATION, variable, neurons: [...traced], every_ms: TRACE_EVERY_MS })),
  ];
  return {
    name: 'model_editor',
    dt_ms: DT_MS,
    seed,
    models: { [MODEL_NAME]: def },
    populations: [{ name: POPULATION, size: neurons, model: MODEL_NAME, initial }],
    projections,
    inputs,
    recorders,
  };
}
