/**
 * Validation of network specs (`spec.ts`), for JSON files and for objects built in TypeScript.
 *
 * Two layers: zod schemas check the structure (which keys exist, their JSON types, enum values,
 * unknown keys such as a typo'd `populatons`), and hand-written checks cover everything that
 * depends on values or on other parts of the spec (ranges with units, model parameters,
 * references between populations, projection kinds, delays against `dt_ms`, recorder neuron
 * indices against population sizes).
 *
 * Every problem is reported, not only the first, as `PATH: what is wrong (got X); what to do`,
 * with PATH in the spec's own terms (`populations[1].params.tau_m_ms`). Validation never throws
 * anything but {@link SpecError}, whatever the input.
 */
import { z } from 'zod';
import { NEURON_MODELS, NEURON_MODEL_ALIASES, builtinModel, canonicalParam, emitsSpikes as modelEmitsSpikes, resolveParams } from './models.js';
import type { NeuronModelDef } from './models.js';
import type { NetworkSpec, NeuronModelName } from './spec.js';
import { EquationError } from './equations/errors.js';
import { findNeuronModel, registeredNeuronModels, specModel, type SpecModelEntry } from './registry.js';
import { PER_SOURCE_CONNECTORS } from './connectivity.js';
import { MAX_SPIKES_PER_TRAIN, MAX_SPIKE_TRAIN_SPIKES, isPerTrial } from './spike_trains.js';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/** One problem found in a spec. */
export interface SpecIssue {
  /** Where, in the spec's terms: `dt_ms`, `populations[1].params.tau_m_ms`, `file.json:3:14`. */
  readonly path: string;
  /** What is wrong, the value got, and what to do: `must be > 0 ms (got -5 ms); …`. */
  readonly message: string;
}

/** At most this many issues are kept in a {@link SpecError}; the rest are counted. */
export const MAX_REPORTED_ISSUES = 20;

/** Bounds that the validator enforces, for documentation and UIs. */
export const SPEC_LIMITS = {
  /** Largest integration step, ms (the step must be > 0). */
  maxDtMs: 10,
  /** Largest seed (seeds are unsigned 32-bit integers). */
  maxSeed: 2 ** 32 - 1,
  /** Largest number of trials simulated in parallel. */
  maxBatch: 4096,
  /** Largest number of neurons in one population (2^26). */
  maxPopulationSize: 2 ** 26,
  /** Longest population or projection name, characters. */
  maxNameLength: 64,
  /** Longest synaptic delay, ms. */
  maxDelayMs: 1000,
  /** Longest run a spec may ask for, ms (`run.duration_ms`). */
  maxDurationMs: 1e7,
} as const;

/** Values that a spec leaves out take these (see {@link resolveSpecDefaults}). */
export const SPEC_DEFAULTS = {
  /** Integration step, ms. */
  dt_ms: 0.1,
  /** Seed of every random draw. */
  seed: 1,
  /** Number of parallel trials. */
  batch: 1,
  /** Name of the network. */
  name: 'network',
} as const;

/**
 * A spec that does not validate. `issues` lists every problem found (at most
 * {@link MAX_REPORTED_ISSUES}); the message lists them one per line as
 * `PATH: what is wrong (got X); what to do`.
 */
export class SpecError extends Error {
  /** The problems, in the order they were found. */
  readonly issues: readonly SpecIssue[];
  /** Number of further problems found but not listed (0 when all are listed). */
  readonly omittedIssues: number;

  /**
   * @param issues the problems (the caller keeps at most {@link MAX_REPORTED_ISSUES})
   * @param options `source`: file or other origin named in the first line of the message;
   *   `omittedIssues`: how many further problems were found but are not listed
   */
  constructor(issues: readonly SpecIssue[], options: { readonly source?: string; readonly omittedIssues?: number } = {}) {
    const omitted = options.omittedIssues ?? 0;
    const total = issues.length + omitted;
    const header = `${options.source !== undefined ? `${options.source}: ` : ''}invalid network spec (${total} issue${total === 1 ? '' : 's'}):`;
    const lines = issues.map((issue) => `  ${issue.path}: ${issue.message}`);
    if (omitted > 0) lines.push(`  … and ${omitted} more issue${omitted === 1 ? '' : 's'} (fix the ones above first)`);
    super([header, ...lines].join('\n'));
    this.name = 'SpecError';
    this.issues = Object.freeze([...issues]);
    this.omittedIssues = omitted;
  }
}

/**
 * Every problem in a candidate spec (an empty array when it is valid). Never throws; use it
 * for live feedback in editors. Issues are not capped.
 *
 * @param input anything: parsed JSON or an object built in TypeScript
 */
export function findSpecIssues(input: unknown): SpecIssue[] {
  const list = new IssueList();
  try {
    checkSpec(list, input);
  } catch (error) {
    // A defect here must still surface as a spec problem, never as a crash of the caller.
    list.add([], `the validator failed on this input (got ${describeError(error)}); please report this as a bug`);
  }
  return list.issues;
}

/**
 * Check a network spec and return it unchanged, typed.
 *
 * @param input parsed JSON or an object built in TypeScript
 * @returns the same object, as a {@link NetworkSpec}
 * @throws SpecError listing every problem found (at most {@link MAX_REPORTED_ISSUES})
 */
export function validateSpec(input: unknown): NetworkSpec {
  const issues = findSpecIssues(input);
  if (issues.length > 0) throw specError(issues);
  return input as NetworkSpec;
}

/**
 * Parse the text of a JSON spec file and validate it.
 *
 * @param text the file's contents (a leading byte-order mark is ignored)
 * @param fileName named in error messages; JSON syntax errors are reported as `FILE:LINE:COLUMN`
 *   (1-based)
 * @throws SpecError for a JSON syntax error or for any problem {@link validateSpec} finds
 */
export function parseSpecJson(text: string, fileName?: string): NetworkSpec {
  const source = fileName ?? '<json>';
  if (typeof text !== 'string') {
    throw new SpecError([{ path: source, message: `expected the text of a JSON file (got ${describe(text)}); read the file as UTF-8 text first` }], { source });
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw jsonSyntaxError(body, source, error);
  }
  const issues = findSpecIssues(parsed);
  if (issues.length > 0) throw specError(issues, source);
  return parsed as NetworkSpec;
}

/**
 * The top-level values of a spec with defaults applied (dt 0.1 ms, seed 1, batch 1, name
 * `network`).
 *
 * @param spec a validated spec
 */
export function resolveSpecDefaults(spec: NetworkSpec): { dt_ms: number; seed: number; batch: number; name: string } {
  return {
    dt_ms: spec.dt_ms ?? SPEC_DEFAULTS.dt_ms,
    seed: spec.seed ?? SPEC_DEFAULTS.seed,
    batch: spec.batch ?? SPEC_DEFAULTS.batch,
    name: spec.name ?? SPEC_DEFAULTS.name,
  };
}

/** Longest default warm-up, ms: the default is the smaller of this and a fifth of the run. */
export const DEFAULT_WARMUP_MAX_MS = 200;

/** A run's length and warm-up after overrides and defaults (see {@link resolveRunTiming}). */
export interface RunTiming {
  /** Simulated time, ms (> 0). */
  readonly durationMs: number;
  /** Initial time left out of the statistics, ms, in [0, durationMs). */
  readonly warmupMs: number;
  /** Where each value came from, for reports: `'option'`, `'spec'` or `'default'`. */
  readonly source: { readonly duration: 'option' | 'spec'; readonly warmup: 'option' | 'spec' | 'default' };
}

/**
 * The duration and warm-up of a run: explicit values (e.g. CLI flags) override the spec's
 * `run` block; a missing warm-up defaults to min(200 ms, duration / 5).
 *
 * @param spec a validated spec
 * @param overrides values given outside the spec, ms, with the names to use in messages
 *   (default `duration` / `warmup`)
 * @throws SpecError when no duration is given anywhere, or the warm-up is not shorter than the run
 */
export function resolveRunTiming(
  spec: NetworkSpec,
  overrides: { readonly durationMs?: number; readonly warmupMs?: number; readonly durationName?: string; readonly warmupName?: string } = {},
): RunTiming {
  const durationName = overrides.durationName ?? 'duration';
  const warmupName = overrides.warmupName ?? 'warmup';
  const durationMs = overrides.durationMs ?? spec.run?.duration_ms;
  if (durationMs === undefined) {
    throw new SpecError([{ path: 'run.duration_ms', message: `no run length given; add "run": {"duration_ms": 1000} to the spec or pass ${durationName}` }]);
  }
  if (!(Number.isFinite(durationMs) && durationMs > 0)) {
    throw new SpecError([{ path: overrides.durationMs !== undefined ? durationName : 'run.duration_ms', message: `must be > 0 ms (got ${describe(durationMs)})` }]);
  }
  const given = overrides.warmupMs ?? spec.run?.warmup_ms;
  const warmupMs = given ?? Math.min(DEFAULT_WARMUP_MAX_MS, durationMs / 5);
  const warmupFrom = overrides.warmupMs !== undefined ? 'option' : spec.run?.warmup_ms !== undefined ? 'spec' : 'default';
  if (given !== undefined && !(Number.isFinite(given) && given >= 0 && given < durationMs)) {
    const path = warmupFrom === 'option' ? warmupName : 'run.warmup_ms';
    const hint = warmupFrom === 'spec' && overrides.durationMs !== undefined
      ? `the spec's warm-up was set for its own run length; pass ${warmupName} with a shorter warm-up or a longer ${durationName}`
      : 'a warm-up as long as the run leaves nothing to measure, shorten it or lengthen the run';
    throw new SpecError([{ path, message: `must be ≥ 0 ms and shorter than the run (got ${describe(given)} ms for a ${describe(durationMs)} ms run); ${hint}` }]);
  }
  return { durationMs, warmupMs, source: { duration: overrides.durationMs !== undefined ? 'option' : 'spec', warmup: warmupFrom } };
}

function specError(issues: readonly SpecIssue[], source?: string): SpecError {
  const kept = issues.slice(0, MAX_REPORTED_ISSUES);
  return new SpecError(kept, { omittedIssues: issues.length - kept.length, ...(source !== undefined ? { source } : {}) });
}

// ---------------------------------------------------------------------------------------------
// Paths, value descriptions, suggestions
// ---------------------------------------------------------------------------------------------

/** Location inside a spec: object keys and array indices. */
type Path = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function formatPath(path: Path): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

class IssueList {
  readonly issues: SpecIssue[] = [];
  add(path: Path, message: string): void {
    this.issues.push({ path: formatPath(path), message });
  }
}

/** A short, readable rendering of any value for `(got X)`. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return Object.is(value, -0) ? '0' : String(value);
  if (typeof value === 'string') return truncate(JSON.stringify(value));
  if (typeof value === 'bigint') return `${value}n (a BigInt)`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (Array.isArray(value) && value.length === 0) return 'an empty array';
  if (Array.isArray(value) && value.length > 8) return `an array of ${value.length} elements`;
  try {
    const text = JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'bigint' ? `${v}n` : v,
    );
    return truncate(text ?? String(value));
  } catch {
    return Array.isArray(value) ? `an array of ${value.length} elements` : 'an object';
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : describe(error);
}

function truncate(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const quote = (s: string): string => JSON.stringify(s);
const quoteList = (items: readonly string[]): string => items.map(quote).join(', ');

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function hasOwn(record: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/** Edit distance, for "did you mean" suggestions (also the model catalogue's). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The candidate closest to `word` when it is plausibly a typo of it. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > 100) return undefined;
  const prefix = word.length >= 3 ? candidates.find((c) => c.toLowerCase().startsWith(word.toLowerCase())) : undefined;
  if (prefix !== undefined) return prefix;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // One edit in two-letter names, two in six-letter ones: short names are not "corrected" into others.
  return bestDistance <= Math.floor((word.length + 1) / 3) ? best : undefined;
}

function didYouMean(word: unknown, candidates: readonly string[]): string {
  const guess = typeof word === 'string' ? closest(word, candidates) : undefined;
  return guess !== undefined ? `did you mean ${quote(guess)}? ` : '';
}

// ---------------------------------------------------------------------------------------------
// Numbers with ranges and units
// ---------------------------------------------------------------------------------------------

/** A numeric constraint, for checking and for the message. */
interface NumberRule {
  readonly min?: number;
  readonly minExclusive?: boolean;
  readonly max?: number;
  readonly integer?: boolean;
  /** Unit shown in the message (`ms`); `1`, `input` and empty units are not shown. */
  readonly unit?: string;
  /** What to do when the value is out of range; defaults to a generic hint. */
  readonly hint?: string;
}

function unitSuffix(unit: string | undefined): string {
  return unit === undefined || unit === '' || unit === '1' || unit === 'input' || unit === 'rate' ? '' : ` ${unit}`;
}

function describeRule(rule: NumberRule): string {
  const u = unitSuffix(rule.unit);
  const lower = rule.min !== undefined ? `${rule.minExclusive === true ? '>' : '>='} ${rule.min}` : '';
  if (rule.integer === true) {
    if (rule.min !== undefined && rule.max !== undefined && rule.minExclusive !== true) return `must be an integer from ${rule.min} to ${rule.max}${u}`;
    if (rule.min !== undefined && rule.max !== undefined) return `must be an integer ${lower} and <= ${rule.max}${u}`;
    if (rule.min !== undefined) return `must be an integer ${lower}${u}`;
    if (rule.max !== undefined) return `must be an integer <= ${rule.max}${u}`;
    return 'must be an integer';
  }
  if (rule.min !== undefined && rule.max !== undefined) return `must be in ${rule.minExclusive === true ? '(' : '['}${rule.min}, ${rule.max}]${u}`;
  if (rule.min !== undefined) return `must be ${lower}${u}`;
  if (rule.max !== undefined) return `must be <= ${rule.max}${u}`;
  return 'must be a finite number';
}

function violates(value: number, rule: NumberRule): boolean {
  if (rule.integer === true && !Number.isInteger(value)) return true;
  if (rule.min !== undefined && (rule.minExclusive === true ? value <= rule.min : value < rule.min)) return true;
  return rule.max !== undefined && value > rule.max;
}

/**
 * Range check of a value whose type the zod layer has already checked: silent (false) when
 * `value` is not a finite number, reports a range violation, true when in range.
 */
function inRange(list: IssueList, path: Path, value: unknown, rule: NumberRule): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (!violates(value, rule)) return true;
  list.add(path, `${describeRule(rule)} (got ${describe(value)}${unitSuffix(rule.unit)}); ${rule.hint ?? 'use a value in that range'}`);
  return false;
}

/** Like {@link inRange}, but also reports a missing, non-numeric or non-finite value. */
function finiteInRange(list: IssueList, path: Path, value: unknown, rule: NumberRule): value is number {
  if (value === undefined) {
    list.add(path, `is required (got nothing); add a number (${describeRule(rule).replace(/^must be /, '')})`);
    return false;
  }
  if (typeof value !== 'number') {
    list.add(path, `${typeMismatch('number', value)}`);
    return false;
  }
  if (!Number.isFinite(value)) {
    list.add(path, `must be a finite number (got ${describe(value)}); NaN and Infinity are not allowed`);
    return false;
  }
  return inRange(list, path, value, rule);
}

function typeMismatch(expected: string, value: unknown): string {
  const article: Record<string, string> = {
    number: 'a number', string: 'a string', boolean: 'true or false', array: 'an array', object: 'an object', record: 'an object',
  };
  const wanted = article[expected] ?? expected;
  if (expected === 'number' && typeof value === 'number') return `must be a finite number (got ${describe(value)}); NaN and Infinity are not allowed`;
  if (expected === 'number' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return `must be a number (got ${describe(value)}); write the number without quotes`;
  }
  if (expected === 'boolean' && (value === 'true' || value === 'false')) return `must be true or false (got ${describe(value)}); write it without quotes`;
  return `must be ${wanted} (got ${describe(value)}); replace it with ${wanted}`;
}

// ---------------------------------------------------------------------------------------------
// Structure (zod) and the translation of zod issues into spec issues
// ---------------------------------------------------------------------------------------------

const MODEL_NAMES = Object.keys(NEURON_MODELS) as NeuronModelName[];
const receptorSchema = z.enum(['excitatory', 'inhibitory']);
const optionalNumber = z.number().optional();
// Keys checked by hand (distributions, connectors, neuron selections) are optional here; the
// hand-written checks report them when missing and required.
const compartmentSchema = z.enum(['soma', 'apical']);
const timeWindow = { start_ms: optionalNumber, stop_ms: optionalNumber, compartment: compartmentSchema.optional() };

const runSchema = z.strictObject({
  duration_ms: optionalNumber,
  warmup_ms: optionalNumber,
});

const topLevelSchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  run: runSchema.optional(),
  dt_ms: optionalNumber,
  seed: optionalNumber,
  batch: optionalNumber,
  populations: z.array(z.unknown()),
  projections: z.array(z.unknown()).optional(),
  inputs: z.array(z.unknown()).optional(),
  recorders: z.array(z.unknown()).optional(),
  models: z.record(z.string(), z.unknown()).optional(),
});

/** The population schema for these model names (built-ins, the spec's models, registered models). */
const populationSchemaFor = (extraModels: readonly string[]) => z.strictObject({
  name: z.string(),
  size: z.number(),
  model: z.enum([...MODEL_NAMES, ...Object.keys(NEURON_MODEL_ALIASES), ...extraModels] as [string, ...string[]]),
  params: z.record(z.string(), z.unknown()).optional(),
  initial: z.record(z.string(), z.unknown()).optional(),
  preferred_orientation: z.enum(['uniform', 'random']).optional(),
  spike_times_ms: z.array(z.unknown()).optional(),
  spike_times_npy: z.unknown().optional(),
});

const projectionSchema = z.strictObject({
  name: z.string().optional(),
  source: z.string(),
  target: z.string(),
  connector: z.unknown().optional(),
  weight: z.unknown().optional(),
  delay_ms: z.unknown().optional(),
  receptor: receptorSchema.optional(),
  compartment: compartmentSchema.optional(),
  on_pre: z.string().optional(),
  procedural: z.boolean().optional(),
});

const autapses = z.boolean().optional();
const connectorSchemas = {
  all_to_all: z.strictObject({ type: z.literal('all_to_all'), autapses }),
  fixed_probability: z.strictObject({ type: z.literal('fixed_probability'), p: z.number(), autapses }),
  fixed_indegree: z.strictObject({ type: z.literal('fixed_indegree'), indegree: z.number(), autapses, multapses: z.boolean().optional() }),
  fixed_total_number: z.strictObject({ type: z.literal('fixed_total_number'), n: z.number(), autapses }),
  one_to_one: z.strictObject({ type: z.literal('one_to_one') }),
  ring: z.strictObject({ type: z.literal('ring'), p_max: z.number(), kappa: z.number(), autapses }),
  matrix: z.strictObject({ type: z.literal('matrix'), weights: z.array(z.array(z.number())) }),
  // Arrays (or typed arrays in TypeScript) checked by checkEdgeList, element by element.
  edge_list: z.strictObject({ type: z.literal('edge_list'), sources: z.unknown(), targets: z.unknown(), weights: z.unknown(), delays_ms: z.unknown().optional() }),
};

const inputSchemas = {
  poisson: z.strictObject({
    type: z.literal('poisson'), target: z.string(), rate_hz: z.number(), n_sources: optionalNumber, weight: z.number(),
    receptor: receptorSchema.optional(), on_pre: z.string().optional(), ...timeWindow,
  }),
  dc: z.strictObject({ type: z.literal('dc'), target: z.string(), amplitude: z.number(), ...timeWindow }),
  stimulus: z.strictObject({
    type: z.literal('stimulus'), target: z.string(), orientation_deg: z.unknown().optional(), amplitude: z.number(), kappa: z.number(),
    baseline: optionalNumber, ...timeWindow,
  }),
  trial_current: z.strictObject({ type: z.literal('trial_current'), target: z.string(), values: z.array(z.number()).optional(), ...timeWindow }),
};

const recorderSchemas = {
  spikes: z.strictObject({ type: z.literal('spikes'), population: z.string(), neurons: z.unknown().optional() }),
  spike_counts: z.strictObject({
    type: z.literal('spike_counts'), population: z.string(), window_ms: z.number(), start_ms: optionalNumber, neurons: z.unknown().optional(),
  }),
  state: z.strictObject({ type: z.literal('state'), population: z.string(), variable: z.string(), neurons: z.unknown().optional(), every_ms: optionalNumber }),
  population_rate: z.strictObject({ type: z.literal('population_rate'), population: z.string(), bin_ms: optionalNumber }),
};

const normalSchema = z.strictObject({
  normal: z.strictObject({ mean: z.number(), std: z.number() }),
  min: optionalNumber,
  max: optionalNumber,
});
const uniformSchema = z.strictObject({ uniform: z.array(z.number()) });
const firstNeuronsSchema = z.strictObject({ first: z.number() });

/** What a required key is, for "is required (got nothing); add it (…)". */
const REQUIRED_HINTS: Readonly<Record<string, string>> = {
  populations: 'an array of populations',
  name: 'a unique name such as "E"',
  size: `the number of neurons, an integer from 1 to ${SPEC_LIMITS.maxPopulationSize}`,
  model: `one of ${quoteList(MODEL_NAMES)}`,
  source: 'the name of the source population',
  target: 'the name of the target population',
  population: 'the name of the recorded population',
  p: 'the connection probability, in [0, 1]',
  indegree: 'the number of synapses per target neuron, an integer >= 0',
  n: 'the total number of synapses, an integer >= 0',
  p_max: 'the peak connection probability, in [0, 1]',
  kappa: 'the tuning width, >= 0; 0 means untuned',
  rate_hz: 'the rate of each source, Hz, >= 0',
  amplitude: 'the input amplitude (pA for LIF models, input units for rate models)',
  window_ms: 'the counting window, ms, >= dt_ms',
  variable: 'the name of a state variable of the model',
  mean: 'the mean of the normal distribution',
  std: 'the standard deviation of the normal distribution, >= 0',
  first: 'the number of neurons to select, counted from index 0',
};

/** Keys that the object schema at `path` inside `schema` allows (for unknown-key messages). */
function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const part of path) {
    while (current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
    if (current instanceof z.ZodObject && typeof part === 'string') current = (current.shape as Record<string, z.ZodType>)[part];
    else if (current instanceof z.ZodArray && typeof part === 'number') current = current.element as z.ZodType;
    else return [];
  }
  while (current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const part of path) {
    if (typeof current !== 'object' || current === null || typeof part === 'symbol') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/**
 * Check `value` against a zod schema and report its structural problems under `path`.
 *
 * @param what names an unknown key of the outermost object: `unknown ${what} (got "x")`
 * @returns whether the structure is valid
 */
function checkStructure(list: IssueList, schema: z.ZodType, value: unknown, path: Path, what: string): boolean {
  const result = schema.safeParse(value);
  if (result.success) return true;
  for (const issue of result.error.issues) {
    const relative = issue.path;
    const at: (string | number)[] = [...path, ...relative.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    const input = valueAt(value, relative);
    const key = at[at.length - 1];
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = objectKeysAt(schema, relative);
        const label = relative.length === 0 ? what : 'key';
        for (const unknownKey of issue.keys) {
          list.add([...at, unknownKey], `unknown ${label} (got ${quote(unknownKey)}); ${didYouMean(unknownKey, allowed)}allowed keys are ${allowed.join(', ')}`);
        }
        break;
      }
      case 'invalid_type': {
        if (input === undefined) {
          const hint = typeof key === 'string' ? REQUIRED_HINTS[key] : undefined;
          list.add(at, `is required (got nothing); add it${hint !== undefined ? ` (${hint})` : ''}`);
        } else {
          list.add(at, typeMismatch(issue.expected, input));
        }
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map(String);
        list.add(at, `must be one of ${quoteList(values)} (got ${describe(input)}); ${didYouMean(input, values) || 'use one of these'}`.trimEnd());
        break;
      }
      default:
        list.add(at, `${issue.message} (got ${describe(input)}); correct this value`);
    }
  }
  return false;
}

/**
 * Check an object tagged by `type` (connector, input, recorder): reports a missing or unknown
 * type (listing the valid ones) and the structure of the matching schema.
 *
 * @returns the type when it is known (even if the rest of the structure is invalid)
 */
function checkTagged<K extends string>(
  list: IssueList, value: unknown, path: Path, what: string, schemas: Readonly<Record<K, z.ZodType>>, example: string,
): K | undefined {
  const types = Object.keys(schemas) as K[];
  const record = asRecord(value);
  if (record === undefined) {
    list.add(path, value === undefined
      ? `is required (got nothing); add a ${what} such as ${example}`
      : `must be an object with a "type" (got ${describe(value)}); write a ${what} such as ${example}`);
    return undefined;
  }
  const type = record['type'];
  if (type === undefined) {
    list.add([...path, 'type'], `is required (got nothing); use one of ${types.join(', ')}`);
    return undefined;
  }
  if (typeof type !== 'string' || !hasOwn(schemas, type)) {
    list.add([...path, 'type'], `unknown ${what} type (got ${describe(type)}); ${didYouMean(type, types)}use one of ${types.join(', ')}`);
    return undefined;
  }
  checkStructure(list, schemas[type as K], value, path, `key of a ${type} ${what}`);
  return type as K;
}

// ---------------------------------------------------------------------------------------------
// Semantic checks
// ---------------------------------------------------------------------------------------------

/** What later checks need to know about a population; fields are undefined when invalid. */
interface PopulationInfo {
  readonly index: number;
  readonly name: string;
  readonly size: number | undefined;
  readonly model: NeuronModelDef | undefined;
  /** The population's params as given (for model-dependent checks). */
  readonly params: unknown;
}

/** Global values that other checks depend on; undefined when invalid (dependent checks are skipped). */
interface Context {
  readonly dtMs: number | undefined;
  readonly batch: number | undefined;
  readonly populations: ReadonlyMap<string, PopulationInfo>;
  /** False when `populations` itself is missing or not an array: references are then not checked. */
  readonly populationsGiven: boolean;
}

/**
 * Compile the spec's `models` (equation descriptions); problems are reported at
 * `models.NAME.FIELD` as `line L, col C: …`.
 */
function checkModels(list: IssueList, raw: unknown): Map<string, NeuronModelDef | undefined> {
  const out = new Map<string, NeuronModelDef | undefined>();
  const models = asRecord(raw);
  if (models === undefined) return out;
  for (const [name, entry] of Object.entries(models)) {
    const path: Path = ['models', name];
    if (!NAME_PATTERN.test(name)) {
      list.add(path, `a model name must start with a letter and contain only letters, digits and _ (got ${quote(name)}); rename it`);
      continue;
    }
    if (builtinModel(name) !== undefined) {
      list.add(path, `${quote(name)} is a built-in model; give your model another name`);
      continue;
    }
    const record = asRecord(entry);
    if (record === undefined) {
      list.add(path, `must be an object with "equations" (and threshold, reset, refractory, method, namespace) (got ${describe(entry)})`);
      out.set(name, undefined);
      continue;
    }
    const allowed = [
      'equations', 'threshold', 'reset', 'refractory', 'method', 'schedule', 'namespace', 'on_pre_targets', 'current', 'summary', 'name', 'doc', 'kind', 'output',
      'receptors', 'apical_current', 'spikes_if', 'constraints', 'choices', 'choice_defaults', 'parameters', 'aliases', 'initial',
    ];
    const isDefinition = typeof record['derive'] === 'function';
    if (!isDefinition) {
      for (const key of Object.keys(record)) {
        if (!allowed.includes(key)) list.add([...path, key], `unknown key of a model description (got ${quote(key)}); ${didYouMean(key, allowed)}allowed keys are ${allowed.join(', ')}`);
      }
    }
    try {
      out.set(name, specModel(name, entry as SpecModelEntry));
    } catch (error) {
      out.set(name, undefined);
      if (error instanceof EquationError) {
        const fieldPath = error.field.split('.');
        list.add([...path, ...fieldPath], `${error.located}`);
      } else {
        list.add(path, `cannot compile the model (got ${describeError(error)})`);
      }
    }
  }
  return out;
}

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

function checkSpec(list: IssueList, input: unknown): void {
  const root = asRecord(input);
  if (root === undefined) {
    list.add([], `the network spec must be an object with at least "populations" (got ${describe(input)}); write it as {"dt_ms": 0.1, "populations": [...], ...}`);
    return;
  }
  checkStructure(list, topLevelSchema, root, [], 'top-level key');

  const dtMs = root['dt_ms'] === undefined ? SPEC_DEFAULTS.dt_ms : inRange(list, ['dt_ms'], root['dt_ms'], {
    min: 0, minExclusive: true, max: SPEC_LIMITS.maxDtMs, unit: 'ms', hint: 'use a small positive step such as 0.1',
  }) ? root['dt_ms'] : undefined;
  inRange(list, ['seed'], root['seed'], {
    min: 0, max: SPEC_LIMITS.maxSeed, integer: true, hint: 'seeds are unsigned 32-bit integers',
  });
  const batch = root['batch'] === undefined ? SPEC_DEFAULTS.batch : inRange(list, ['batch'], root['batch'], {
    min: 1, max: SPEC_LIMITS.maxBatch, integer: true, hint: 'batch is the number of trials simulated in parallel',
  }) ? root['batch'] : undefined;

  checkRun(list, root['run']);

  const specModels = checkModels(list, root['models']);
  const modelNames = [...specModels.keys(), ...registeredNeuronModels().map((m) => m.name).filter((n) => !specModels.has(n))];
  // Built-in names never enter specModels, so findNeuronModel still puts the built-ins first.
  const lookupModel = (name: string): NeuronModelDef | undefined => (specModels.has(name) ? specModels.get(name) : findNeuronModel(name));

  const populations = new Map<string, PopulationInfo>();
  const rawPopulations = root['populations'];
  if (Array.isArray(rawPopulations)) {
    if (rawPopulations.length === 0) {
      list.add(['populations'], 'must list at least one population (got an empty array); add one such as {"name": "E", "size": 100, "model": "lif_psc_exp"}');
    }
    const schema = populationSchemaFor(modelNames);
    rawPopulations.forEach((raw: unknown, i) => checkPopulation(list, raw, ['populations', i], i, populations, schema, lookupModel, batch, dtMs));
  }
  const context: Context = { dtMs, batch, populations, populationsGiven: Array.isArray(rawPopulations) };

  forEachElement(root['projections'], (raw, i, names) => checkProjection(list, context, raw, i, names), new Map());
  forEachElement(root['inputs'], (raw, i) => checkInput(list, context, raw, ['inputs', i]), new Map());
  forEachElement(root['recorders'], (raw, i, counted) => checkRecorder(list, context, raw, i, counted), new Map());
}

/** `run: { duration_ms, warmup_ms }`: a positive duration and a warm-up shorter than it. */
function checkRun(list: IssueList, raw: unknown): void {
  const run = asRecord(raw);
  if (run === undefined) return;
  const duration = run['duration_ms'];
  const durationOk = inRange(list, ['run', 'duration_ms'], duration, {
    min: 0, minExclusive: true, max: SPEC_LIMITS.maxDurationMs, unit: 'ms', hint: 'give the simulated time, e.g. 1000',
  });
  const warmup = run['warmup_ms'];
  if (!inRange(list, ['run', 'warmup_ms'], warmup, { min: 0, unit: 'ms', hint: 'give the initial time left out of the statistics, e.g. 200' })) return;
  if (durationOk && warmup >= duration) {
    list.add(['run', 'warmup_ms'], `must be shorter than run.duration_ms (got ${describe(warmup)} ms, duration ${describe(duration)} ms); a warm-up as long as the run leaves nothing to measure, shorten it or lengthen the run`);
  }
}

function forEachElement(
  value: unknown, check: (raw: unknown, index: number, seen: Map<string, number>) => void, seen: Map<string, number>,
): void {
  if (Array.isArray(value)) value.forEach((raw: unknown, i) => check(raw, i, seen));
}

/**
 * Checks a name's pattern and length, and that it is not taken.
 *
 * @param takenBy index of the earlier element of `listName` that has this name, if any
 */
function checkName(list: IssueList, path: Path, name: unknown, takenBy: number | undefined, listName: string): void {
  if (typeof name !== 'string') return;
  if (!NAME_PATTERN.test(name)) {
    const fixed = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^[^A-Za-z]/, (c) => `p${c === '_' ? '' : c}`) || 'p';
    list.add(path, `must start with a letter and contain only letters, digits and _ (got ${describe(name)}); rename it, e.g. ${quote(fixed.slice(0, SPEC_LIMITS.maxNameLength))}`);
  } else if (name.length > SPEC_LIMITS.maxNameLength) {
    list.add(path, `must be at most ${SPEC_LIMITS.maxNameLength} characters (got ${name.length} characters); shorten it`);
  }
  if (takenBy !== undefined) {
    list.add(path, `duplicate name (got ${quote(name)}, already used by ${listName}[${takenBy}]); names must be unique, rename one of them`);
  }
}

function checkPopulation(
  list: IssueList, raw: unknown, path: Path, index: number, populations: Map<string, PopulationInfo>,
  populationSchema: z.ZodType, lookupModel: (name: string) => NeuronModelDef | undefined,
  batch: number | undefined, dtMs: number | undefined,
): void {
  checkStructure(list, populationSchema, raw, path, 'population key');
  const record = asRecord(raw);
  if (record === undefined) return;

  const name = record['name'];
  checkName(list, [...path, 'name'], name, typeof name === 'string' ? populations.get(name)?.index : undefined, 'populations');
  const size = inRange(list, [...path, 'size'], record['size'], {
    min: 1, max: SPEC_LIMITS.maxPopulationSize, integer: true, hint: 'size is the number of neurons',
  }) ? record['size'] : undefined;
  const modelName = record['model'];
  const model = typeof modelName === 'string' ? lookupModel(modelName) : undefined;

  const params = asRecord(record['params']);
  if (model !== undefined && params !== undefined) checkParams(list, [...path, 'params'], model, params);
  const initial = asRecord(record['initial']);
  if (model?.givenSpikeTrains === true && record['initial'] !== undefined) {
    list.add([...path, 'initial'], `model ${model.name} has no initial state to set: its neurons start at the beginning of their spike trains; remove "initial" (to start later, leave the earlier spikes out of spike_times_ms)`);
  } else if (model !== undefined && initial !== undefined) checkInitial(list, [...path, 'initial'], model, initial, typeof size === 'number' ? size : undefined);
  if (model !== undefined) checkSpikeTimes(list, [...path, 'spike_times_ms'], model, record['spike_times_ms'], record['spike_times_npy'], size, batch, dtMs);

  if (typeof name === 'string' && !populations.has(name)) populations.set(name, { index, name, size, model, params: record['params'] });
}

/**
 * `spike_times_ms` of a spike-train source (required there, refused on other models): one list
 * per neuron, or one such list per trial (batch lists); times finite, ≥ 0, non-decreasing within
 * a list and before step 2^32 − 1; at most MAX_SPIKE_TRAIN_SPIKES in all (see spike_trains.ts).
 */
function checkSpikeTimes(
  list: IssueList, path: Path, model: NeuronModelDef, value: unknown, files: unknown, size: number | undefined, batch: number | undefined, dtMs: number | undefined,
): void {
  if (model.givenSpikeTrains !== true) {
    if (value !== undefined) list.add(path, `only spike-train sources (model spike_source_array) take spike times (got them on model ${model.name}); remove "spike_times_ms" or use "model": "spike_source_array"`);
    if (files !== undefined) list.add([...path.slice(0, -1), 'spike_times_npy'], `only spike-train sources (model spike_source_array) take spike times (got them on model ${model.name}); remove "spike_times_npy" or use "model": "spike_source_array"`);
    return;
  }
  if (value !== undefined && files !== undefined) {
    list.add([...path.slice(0, -1), 'spike_times_npy'], 'give spike_times_ms or spike_times_npy, not both; remove one');
    return;
  }
  if (value === undefined && files !== undefined) {
    list.add([...path.slice(0, -1), 'spike_times_npy'], 'names .npy files, which are read by cortexgpu run/validate (or resolveSpikeTrainFiles from cortexgpu/node) before validation; in TypeScript give spike_times_ms, e.g. from spikeTimesFromArrays');
    return;
  }
  const example = '[[1.0, 5.2], [], [3.3]] (one list per neuron, ms)';
  if (value === undefined) {
    list.add(path, `is required for model ${model.name}: the spike times of each neuron, e.g. ${example}`);
    return;
  }
  if (!Array.isArray(value)) {
    list.add(path, `must be a list of per-neuron lists of spike times, e.g. ${example}, or one such list per trial (got ${describe(value)})`);
    return;
  }
  const perTrial = isPerTrial(value);
  const trialLists: unknown[] = perTrial ? value : [value];
  if (perTrial && batch !== undefined && value.length !== batch) {
    list.add(path, `given per trial, needs one list of per-neuron lists per trial: ${batch} (the batch) (got ${value.length}); give batch lists, or one list per neuron for the same trains in every trial`);
  }
  // The size first, so that an absurd table is refused before its elements are read.
  let total = 0;
  for (const neurons of trialLists) if (Array.isArray(neurons)) for (const times of neurons) if (Array.isArray(times)) total += times.length;
  if (total > MAX_SPIKE_TRAIN_SPIKES) {
    list.add(path, `holds ${total} spikes, more than ${MAX_SPIKE_TRAIN_SPIKES} (2^26) in one population; split the trains over several populations or shorten them`);
    return;
  }
  const maxMs = dtMs !== undefined ? (2 ** 32 - 2) * dtMs : Infinity;
  let reported = 0;
  const report = (p: Path, message: string): void => {
    if (reported++ < MAX_REPORTED_ISSUES) list.add(p, message);
  };
  trialLists.forEach((neurons, t) => {
    const tp: Path = perTrial ? [...path, t] : path;
    if (!Array.isArray(neurons)) {
      report(tp, `must be a list of per-neuron lists of spike times (got ${describe(neurons)})`);
      return;
    }
    if (size !== undefined && neurons.length !== size) {
      report(tp, `needs one list of spike times per neuron: ${size} lists (size) (got ${neurons.length}); give [] for a neuron without spikes`);
    }
    neurons.forEach((times: unknown, n) => {
      const np: Path = [...tp, n];
      if (!Array.isArray(times)) {
        report(np, `must be a list of spike times, ms (got ${describe(times)}); give [] for a neuron without spikes`);
        return;
      }
      if (times.length > MAX_SPIKES_PER_TRAIN) report(np, `has ${times.length} spikes, more than ${MAX_SPIKES_PER_TRAIN} (2^24) for one neuron; split the neuron's spikes over several neurons`);
      let previous = -Infinity;
      times.forEach((time: unknown, k) => {
        if (typeof time !== 'number' || !Number.isFinite(time) || time < 0 || time > maxMs) {
          report([...np, k], `must be a finite time ≥ 0 ms${Number.isFinite(maxMs) ? ` and ≤ ${maxMs} ms (step 2^32 − 2)` : ''} (got ${describe(time)})`);
          return;
        }
        if (time < previous) report([...np, k], `spike times must be sorted (non-decreasing) within each neuron's list (got ${time} ms after ${previous} ms); sort the list`);
        previous = time;
      });
    });
  });
}

function checkParams(list: IssueList, path: Path, model: NeuronModelDef, params: Record<string, unknown>): void {
  const valid = [...model.params.map((p) => p.name), ...model.choiceParams.map((p) => p.name)];
  let clean = true;
  for (const [given, value] of Object.entries(params)) {
    const at = [...path, given];
    // NEST's names (tau_m, V_th, …) are accepted for the model's own.
    const key = canonicalParam(model, given);
    const meta = model.params.find((p) => p.name === key);
    const choice = model.choiceParams.find((p) => p.name === key);
    if (meta !== undefined && typeof value === 'number') {
      const rule: NumberRule = {
        ...(meta.min !== undefined ? { min: meta.min } : {}),
        ...(meta.minExclusive !== undefined ? { minExclusive: meta.minExclusive } : {}),
        ...(meta.max !== undefined ? { max: meta.max } : {}),
        unit: meta.unit,
        hint: `${key} is the ${meta.doc} of ${model.name} (default ${meta.default}${unitSuffix(meta.unit)})`,
      };
      if (!finiteInRange(list, at, value, rule)) clean = false;
    } else if (meta !== undefined && model.paramValue !== undefined) {
      // A quantity string with units ("10*mV"), converted and range-checked by the model.
      if (typeof value !== 'string') {
        list.add(at, `must be a number in ${meta.unit} or a quantity string such as "10*mV" (got ${describe(value)})`);
        clean = false;
        continue;
      }
      try {
        model.paramValue(key, value);
      } catch (error) {
        list.add(at, `${(error as Error).message}`);
        clean = false;
      }
    } else if (meta !== undefined) {
      list.add(at, `must be a number in ${meta.unit} (got ${describe(value)})`);
      clean = false;
    } else if (choice !== undefined) {
      if (typeof value !== 'string' || !choice.choices.includes(value)) {
        list.add(at, `must be one of ${quoteList(choice.choices)} (got ${describe(value)}); ${didYouMean(value, choice.choices)}${key} is the ${choice.doc} (default ${quote(choice.default)})`);
        clean = false;
      }
    } else if (value !== undefined) {
      list.add(at, `unknown parameter of model ${model.name} (got ${quote(given)}); ${didYouMean(given, valid)}valid parameters are ${valid.join(', ')}`);
      clean = false;
    }
  }
  // Rules between parameters (the model's constraints, e.g. reset below threshold).
  if (!clean || model.checkParams === undefined) return;
  const broken = model.checkParams(resolveParams(model, params as Record<string, number | string>));
  if (broken === null) return;
  const givenOf = new Map(Object.keys(params).map((k) => [canonicalParam(model, k), k]));
  const at = broken.params.find((p) => givenOf.has(p));
  const defaults = broken.params.some((p) => !givenOf.has(p)) ? ' (defaults included)' : '';
  list.add([...path, givenOf.get(at ?? '') ?? broken.params[0] ?? ''], `${broken.message}${defaults}`);
}

function checkInitial(list: IssueList, path: Path, model: NeuronModelDef, initial: Record<string, unknown>, size: number | undefined): void {
  const names = model.state.map((s) => s.name);
  for (const [key, value] of Object.entries(initial)) {
    if (value === undefined) continue;
    if (!names.includes(key)) {
      list.add([...path, key], names.length === 0
        ? `model ${model.name} has no state variables (got ${quote(key)}); remove "initial"`
        : `unknown state variable of model ${model.name} (got ${quote(key)}); ${didYouMean(key, names)}valid state variables are ${names.join(', ')}`);
      continue;
    }
    if (Array.isArray(value)) {
      // One value per neuron.
      if (size !== undefined && value.length !== size) {
        list.add([...path, key], `needs one value per neuron: ${size} values (got ${value.length}); or give a number or a distribution (${DISTRIBUTION_FORMS})`);
        continue;
      }
      const bad = value.findIndex((v: unknown) => typeof v !== 'number' || !Number.isFinite(v));
      if (bad >= 0) list.add([...path, key, bad], `must be a finite number (got ${describe(value[bad])})`);
      continue;
    }
    checkDistribution(list, [...path, key], value);
  }
}

/** A checked distribution, reduced to what range checks need: the bounds of its support. */
interface DistributionSummary {
  readonly kind: 'constant' | 'normal' | 'uniform';
  /** Path and value of the smallest possible value (constant, normal mean, uniform lo). */
  readonly lowPath: Path;
  readonly low: number;
  /** Path and value of the largest possible value (constant, normal max or mean, uniform hi). */
  readonly highPath: Path;
  readonly high: number;
}

const DISTRIBUTION_FORMS = 'a number, {"normal": {"mean": M, "std": S}, "min"?: A, "max"?: B} or {"uniform": [LO, HI]}';

/** Checks a `Distribution`; returns its summary when well-formed. `value` must not be undefined. */
function checkDistribution(list: IssueList, path: Path, value: unknown): DistributionSummary | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      list.add(path, `must be a finite number (got ${describe(value)}); NaN and Infinity are not allowed`);
      return undefined;
    }
    return { kind: 'constant', lowPath: path, low: value, highPath: path, high: value };
  }
  const record = asRecord(value);
  const isNormal = record !== undefined && hasOwn(record, 'normal');
  const isUniform = record !== undefined && hasOwn(record, 'uniform');
  if (record === undefined || isNormal === isUniform) {
    list.add(path, `${isNormal ? 'cannot be both normal and uniform' : 'is not a distribution'} (got ${describe(value)}); write ${DISTRIBUTION_FORMS}`);
    return undefined;
  }
  if (isNormal) {
    if (!checkStructure(list, normalSchema, record, path, 'key of a normal distribution')) return undefined;
    const normal = record['normal'] as { mean: number; std: number };
    const min = record['min'] as number | undefined;
    const max = record['max'] as number | undefined;
    let ok = inRange(list, [...path, 'normal', 'std'], normal.std, { min: 0, hint: 'a standard deviation cannot be negative' });
    if (min !== undefined && max !== undefined && min > max) {
      list.add([...path, 'max'], `must be >= min (got min = ${min}, max = ${max}); swap them`);
      ok = false;
    }
    if (!ok) return undefined;
    return {
      kind: 'normal',
      lowPath: [...path, 'normal', 'mean'], low: normal.mean,
      highPath: max !== undefined ? [...path, 'max'] : [...path, 'normal', 'mean'], high: max ?? normal.mean,
    };
  }
  if (!checkStructure(list, uniformSchema, record, path, 'key of a uniform distribution')) return undefined;
  const bounds = record['uniform'] as number[];
  if (bounds.length !== 2) {
    list.add([...path, 'uniform'], `must be [lo, hi], exactly two numbers (got ${describe(bounds)}); give the lower and upper bound`);
    return undefined;
  }
  const [lo, hi] = bounds as [number, number];
  if (lo > hi) {
    list.add([...path, 'uniform'], `needs lo <= hi (got [${lo}, ${hi}]); swap the bounds`);
    return undefined;
  }
  return { kind: 'uniform', lowPath: [...path, 'uniform', 0], low: lo, highPath: [...path, 'uniform', 1], high: hi };
}

function lookupPopulation(list: IssueList, context: Context, path: Path, name: unknown): PopulationInfo | undefined {
  if (typeof name !== 'string') return undefined;
  const found = context.populations.get(name);
  if (found === undefined && context.populationsGiven) {
    const names = [...context.populations.keys()];
    list.add(path, `no population has this name (got ${quote(name)}); ${didYouMean(name, names)}${names.length > 0 ? `populations are ${quoteList(names)}` : 'define the population first'}`);
  }
  return found;
}

/** Whether a population emits spikes (the model decides, e.g. rate units with spike_rate_hz > 0); unreadable params: its kind. */
const emitsSpikes = (model: NeuronModelDef, params?: unknown): boolean => {
  try {
    return modelEmitsSpikes(model, asRecord(params) as Record<string, number | string> | undefined);
  } catch {
    return model.kind !== 'rate';
  }
};

/** @param names projection name → index of the first projection with that name */
function checkProjection(list: IssueList, context: Context, raw: unknown, index: number, names: Map<string, number>): void {
  const path: Path = ['projections', index];
  checkStructure(list, projectionSchema, raw, path, 'projection key');
  const record = asRecord(raw);
  if (record === undefined) return;
  const name = record['name'];
  if (typeof name === 'string') {
    checkName(list, [...path, 'name'], name, names.get(name), 'projections');
    if (!names.has(name)) names.set(name, index);
  }

  const source = lookupPopulation(list, context, [...path, 'source'], record['source']);
  const target = lookupPopulation(list, context, [...path, 'target'], record['target']);
  const sourceModel = source?.model;
  const targetModel = target?.model;

  let kindsMatch = true;
  if (targetModel?.kind === 'source') {
    kindsMatch = false;
    list.add([...path, 'target'], `cannot target a ${targetModel.name} population (got ${quote(target?.name ?? '')}); sources receive no input, target a spiking or rate population`);
  } else if (sourceModel !== undefined && targetModel !== undefined) {
    const spikingPair = emitsSpikes(sourceModel, source?.params) && targetModel.kind === 'spiking';
    const ratePair = sourceModel.kind === 'rate' && targetModel.kind === 'rate';
    if (!spikingPair && !ratePair) {
      kindsMatch = false;
      list.add(path, `source ${quote(source?.name ?? '')} is a ${sourceModel.kind} population (${sourceModel.name}) but target ${quote(target?.name ?? '')} is a ${targetModel.kind} population (${targetModel.name}) (got ${sourceModel.kind} → ${targetModel.kind}); mixing rate and spiking populations in one projection is not supported, connect rate to rate or spiking/source to spiking`);
    }
  }

  checkConnector(list, record['connector'], [...path, 'connector'], source, target, record['source'] === record['target']);
  if (record['procedural'] === true) {
    const type = asRecord(record['connector'])?.['type'];
    if (typeof type === 'string' && !PER_SOURCE_CONNECTORS.includes(type)) {
      list.add([...path, 'procedural'], `needs a connector whose rows are generated per source (${PER_SOURCE_CONNECTORS.join(', ')}); got ${quote(type)}: store this projection (leave "procedural" out)${type === 'fixed_indegree' ? ', or use fixed_probability with p = indegree / source size' : ''}`);
    } else if (targetModel !== undefined && targetModel.kind !== 'spiking') {
      list.add([...path, 'procedural'], `needs a spiking target (procedural rows are regenerated for each spike; got a ${targetModel.kind} target); leave "procedural" out`);
    }
  }
  checkOnPre(list, [...path, 'on_pre'], record['on_pre'], target, record['receptor'], record['compartment']);
  checkCompartment(list, [...path, 'compartment'], record['compartment'], target);

  const weightPath = [...path, 'weight'];
  const weight = record['weight'];
  const connectorType = asRecord(record['connector'])?.['type'];
  const matrixConnector = connectorType === 'matrix';
  if (connectorType === 'edge_list') {
    if (weight !== undefined) list.add(weightPath, `must be left out with the edge_list connector (got ${JSON.stringify(weight)}); its weights array holds each synapse's weight`);
    const signedAllowed = targetModel?.kind === 'rate' && record['receptor'] === undefined;
    const connector = asRecord(record['connector'])!;
    const weights = edgeListValues(connector['weights']);
    if (weights !== undefined && targetModel !== undefined && kindsMatch && !signedAllowed) {
      for (let k = 0; k < weights.length; k++) {
        if (weights[k]! < 0) {
          list.add([...path, 'connector', 'weights', k], `must be >= 0${unitSuffix(targetModel.weightUnit)} (got ${weights[k]}); weights are magnitudes; the receptor gives the sign: put negative weights into a projection with "receptor": "inhibitory"${targetModel.kind === 'rate' ? ' (or omit receptor for signed rate weights)' : ''}`);
          break;
        }
      }
    }
    const delays = edgeListValues(connector['delays_ms']);
    if (delays !== undefined) {
      if (record['delay_ms'] !== undefined) list.add([...path, 'delay_ms'], `must be left out when the edge_list connector gives delays_ms (got ${JSON.stringify(record['delay_ms'])}); keep one of them`);
      const dt = context.dtMs;
      for (let k = 0; k < delays.length; k++) {
        const d = delays[k]!;
        if (!Number.isFinite(d)) continue; // reported by checkEdgeList
        if ((dt !== undefined && d < dt) || d > SPEC_LIMITS.maxDelayMs) {
          list.add([...path, 'connector', 'delays_ms', k], d > SPEC_LIMITS.maxDelayMs
            ? `delays must be <= ${SPEC_LIMITS.maxDelayMs} ms (got ${d} ms); use a shorter delay`
            : `delays must be >= dt_ms = ${dt} ms (got ${d} ms); a delay is at least one step, use a delay >= ${dt} ms or a smaller dt_ms`);
          break;
        }
      }
    } else if (record['delay_ms'] !== undefined && typeof record['delay_ms'] !== 'number') {
      list.add([...path, 'delay_ms'], `must be a constant with the edge_list connector (got ${describe(record['delay_ms'])}); give each synapse's delay in the connector's delays_ms`);
    }
  } else if (matrixConnector) {
    if (weight !== undefined) list.add(weightPath, `must be left out with the matrix connector (got ${JSON.stringify(weight)}); the matrix entries are the weights`);
    const rows = asRecord(record['connector'])?.['weights'];
    const signedAllowed = targetModel?.kind === 'rate' && record['receptor'] === undefined;
    if (Array.isArray(rows) && targetModel !== undefined && kindsMatch && !signedAllowed) {
      rows.forEach((row, t) => {
        if (!Array.isArray(row)) return;
        const s = row.findIndex((w) => typeof w === 'number' && w < 0);
        if (s >= 0) list.add([...path, 'connector', 'weights', t, s], `must be >= 0${unitSuffix(targetModel.weightUnit)} (got ${row[s]}); weights are magnitudes; the receptor gives the sign${targetModel.kind === 'rate' ? ' (or omit receptor for signed rate weights)' : ''}`);
      });
    }
  } else if (weight === undefined) {
    list.add(weightPath, `is required (got nothing); add the synaptic weight magnitude (${DISTRIBUTION_FORMS})`);
  } else {
    const summary = checkDistribution(list, weightPath, weight);
    const signedAllowed = targetModel?.kind === 'rate' && record['receptor'] === undefined;
    if (summary !== undefined && targetModel !== undefined && kindsMatch && !signedAllowed && summary.low < 0) {
      const what = summary.kind === 'constant' ? 'the weight' : summary.kind === 'normal' ? 'the mean weight' : 'the lower bound';
      list.add(summary.lowPath, `${what} must be >= 0${unitSuffix(targetModel.weightUnit)} (got ${summary.low}${unitSuffix(targetModel.weightUnit)}); weights are magnitudes; the receptor gives the sign, so use a positive weight with "receptor": "inhibitory"${targetModel.kind === 'rate' ? ' (or omit receptor for a signed rate weight)' : ''}`);
    }
  }

  const delay = record['delay_ms'];
  if (delay !== undefined) {
    const summary = checkDistribution(list, [...path, 'delay_ms'], delay);
    if (summary !== undefined) {
      const dt = context.dtMs;
      if (dt !== undefined && summary.kind !== 'normal' && summary.low < dt) {
        list.add(summary.lowPath, `delays must be >= dt_ms = ${dt} ms (got ${summary.low} ms); a delay is at least one step, use a delay >= ${dt} ms or a smaller dt_ms`);
      }
      if (summary.high > SPEC_LIMITS.maxDelayMs) {
        list.add(summary.highPath, `delays must be <= ${SPEC_LIMITS.maxDelayMs} ms (got ${summary.high} ms); use a shorter delay`);
      }
    }
  }
}

/**
 * `on_pre` says what a spike does to an equation model; without it the model's declared
 * receptors decide (e.g. `"receptor": "inhibitory"` onto lif_psc_exp), else it is required.
 */
function checkOnPre(list: IssueList, path: Path, value: unknown, target: PopulationInfo | undefined, receptor?: unknown, compartment?: unknown): void {
  const model = target?.model;
  if (model === undefined) return;
  if (model.onPre === undefined) {
    if (value !== undefined) list.add(path, `on_pre needs a target with an equation model, but ${quote(target?.name ?? '')} has the built-in model ${model.name} (got ${describe(value)}); remove on_pre and use "receptor"`);
    return;
  }
  if (value === undefined && model.receptorRoute?.(typeof receptor === 'string' ? receptor : undefined, typeof compartment === 'string' ? compartment : undefined) !== undefined) return;
  if (value === undefined) {
    list.add(path, `is required onto ${quote(target?.name ?? '')} (model ${model.name}, defined by equations) (got nothing); say what a spike does, e.g. ${quote(`${model.state[0]?.name ?? 'v'} += w`)}`);
    return;
  }
  if (typeof value !== 'string') return;
  try {
    model.onPre(value);
  } catch (error) {
    list.add(path, (error as Error).message);
  }
}

/** `compartment: "apical"` needs a target model with an apical compartment. */
function checkCompartment(list: IssueList, path: Path, value: unknown, target: PopulationInfo | undefined): void {
  if (value !== 'apical' || target?.model === undefined) return;
  if (target.model.apicalChannel === undefined) {
    const withApical = Object.values(NEURON_MODELS).filter((m) => m.apicalChannel !== undefined).map((m) => m.name);
    list.add(path, `targets the apical compartment, but ${quote(target.name)} (model ${target.model.name}) has none (got "apical"); use a two-compartment model (${withApical.join(', ')}) or target the soma`);
  }
}

/** One projection holds at most 2^32 − 1 synapses (u32 row offsets). */
function checkSynapseTotal(list: IssueList, path: Path, synapses: number, remedy: string): void {
  if (synapses > 0xffffffff) {
    list.add(path, `this projection would hold ${synapses.toLocaleString('en-US')} synapses, more than the 4,294,967,295 (2^32 − 1) one projection can hold; ${remedy}, or split it into several projections (e.g. onto parts of the target population)`);
  }
}

function checkConnector(
  list: IssueList, value: unknown, path: Path, source: PopulationInfo | undefined, target: PopulationInfo | undefined, recurrent: boolean,
): void {
  const type = checkTagged(list, value, path, 'connector', connectorSchemas, '{"type": "fixed_probability", "p": 0.1}');
  const record = asRecord(value);
  if (type === undefined || record === undefined) return;
  const probability: NumberRule = { min: 0, max: 1, hint: 'a probability lies between 0 and 1' };
  switch (type) {
    case 'fixed_probability':
      inRange(list, [...path, 'p'], record['p'], probability);
      break;
    case 'fixed_indegree': {
      const indegree = record['indegree'];
      if (!inRange(list, [...path, 'indegree'], indegree, { min: 0, integer: true, hint: 'indegree counts synapses per target neuron' })) break;
      if (target?.size !== undefined) checkSynapseTotal(list, [...path, 'indegree'], indegree * target.size, 'lower indegree');
      if (record['multapses'] === false && source?.size !== undefined) {
        const pool = source.size - (recurrent && record['autapses'] === false ? 1 : 0);
        if (indegree > pool) {
          list.add([...path, 'indegree'], `must be <= ${pool}, the number of distinct sources in ${quote(source.name)}${pool < source.size ? ' without autapses' : ''}, when multapses is false (got ${indegree}); lower indegree or allow multapses`);
        }
      }
      break;
    }
    case 'fixed_total_number':
      if (inRange(list, [...path, 'n'], record['n'], { min: 0, integer: true, hint: 'n is the total number of synapses' })) checkSynapseTotal(list, [...path, 'n'], record['n'] as number, 'lower n');
      break;
    case 'all_to_all':
      if (source?.size !== undefined && target?.size !== undefined) checkSynapseTotal(list, path, source.size * target.size, 'use a sparse connector');
      break;
    case 'one_to_one':
      if (source?.size !== undefined && target?.size !== undefined && source.size !== target.size) {
        list.add(path, `one_to_one needs source and target of equal size (got ${quote(source.name)} of size ${source.size} and ${quote(target.name)} of size ${target.size}); make the sizes equal or use another connector`);
      }
      break;
    case 'ring':
      inRange(list, [...path, 'p_max'], record['p_max'], probability);
      inRange(list, [...path, 'kappa'], record['kappa'], { min: 0, hint: 'kappa is the tuning width (0 = untuned)' });
      break;
    case 'edge_list':
      checkEdgeList(list, path, record, source, target);
      break;
    case 'matrix': {
      const rows = record['weights'];
      if (!Array.isArray(rows)) break;
      if (target?.size !== undefined && rows.length !== target.size) {
        list.add([...path, 'weights'], `needs one row per target neuron: ${target.size} rows for ${quote(target.name)} (got ${rows.length}); weights[target][source]`);
      }
      rows.forEach((row, t) => {
        if (Array.isArray(row) && source?.size !== undefined && row.length !== source.size) {
          list.add([...path, 'weights', t], `needs one column per source neuron: ${source.size} for ${quote(source.name)} (got ${row.length})`);
        } else if (Array.isArray(row)) {
          const bad = row.findIndex((w) => typeof w !== 'number' || !Number.isFinite(w));
          if (bad >= 0) list.add([...path, 'weights', t, bad], `must be a finite number (got ${String(row[bad])})`);
        }
      });
      break;
    }
  }
}

/** The values of an edge-list array (a plain or typed array), or undefined when it is not one. */
function edgeListValues(value: unknown): ArrayLike<number> | undefined {
  if (Array.isArray(value)) return value as number[];
  if (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array)) return value as unknown as ArrayLike<number>;
  return undefined;
}

/**
 * An edge list: sources, targets and weights (and optional delays_ms) are arrays of one entry
 * per synapse, of equal length; indices are integers within the populations, values finite.
 * Only the first bad entry of each array is reported (lists may hold millions of synapses).
 */
function checkEdgeList(list: IssueList, path: Path, record: Record<string, unknown>, source: PopulationInfo | undefined, target: PopulationInfo | undefined): void {
  const keys = ['sources', 'targets', 'weights', 'delays_ms'] as const;
  const arrays: Partial<Record<(typeof keys)[number], ArrayLike<number>>> = {};
  for (const key of keys) {
    const value = record[key];
    if (value === undefined) {
      if (key !== 'delays_ms') list.add([...path, key], `is required (got nothing); give one ${key === 'weights' ? 'weight' : key === 'sources' ? 'source neuron index' : 'target neuron index'} per synapse`);
      continue;
    }
    if (typeof value === 'string') {
      list.add([...path, key], `names a file (got ${quote(value)}), which is read by cortexgpu run/validate (or resolveEdgeListFiles from cortexgpu/node) before validation; in TypeScript give an array`);
      continue;
    }
    const values = edgeListValues(value);
    if (values === undefined) {
      list.add([...path, key], `must be an array with one number per synapse (got ${describe(value)})`);
      continue;
    }
    arrays[key] = values;
  }
  const n = arrays.sources?.length;
  for (const key of keys) {
    const values = arrays[key];
    if (values === undefined) continue;
    if (n !== undefined && values.length !== n) {
      list.add([...path, key], `needs one entry per synapse, as many as sources (${n}) (got ${values.length}); give arrays of equal length`);
      continue;
    }
    const population = key === 'sources' ? source : key === 'targets' ? target : undefined;
    const size = population?.size;
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        list.add([...path, key, k], `must be a finite number (got ${describe(v)})`);
        break;
      }
      if ((key === 'sources' || key === 'targets') && (!Number.isInteger(v) || v < 0 || (size !== undefined && v >= size))) {
        list.add([...path, key, k], `must be the index of a neuron of ${population !== undefined ? quote(population.name) : 'the population'}, an integer${size !== undefined ? ` from 0 to ${size - 1}` : ' >= 0'} (got ${v}); indices start at 0`);
        break;
      }
    }
  }
  if (n !== undefined) checkSynapseTotal(list, [...path, 'sources'], n, 'list fewer synapses');
}

function checkTimeWindow(list: IssueList, path: Path, record: Record<string, unknown>): void {
  const startOk = inRange(list, [...path, 'start_ms'], record['start_ms'], { min: 0, unit: 'ms', hint: 'time starts at 0' });
  const start = record['start_ms'] === undefined ? 0 : startOk ? (record['start_ms'] as number) : undefined;
  const stop = record['stop_ms'];
  if (start !== undefined && typeof stop === 'number' && Number.isFinite(stop) && stop <= start) {
    list.add([...path, 'stop_ms'], `must be > start_ms = ${start} ms (got ${stop} ms); stop after the start, or leave stop_ms out to run to the end`);
  }
}

function checkInput(list: IssueList, context: Context, raw: unknown, path: Path): void {
  const type = checkTagged(list, raw, path, 'input', inputSchemas, '{"type": "dc", "target": "E", "amplitude": 100}');
  const record = asRecord(raw);
  if (type === undefined || record === undefined) return;
  const target = lookupPopulation(list, context, [...path, 'target'], record['target']);
  const model = target?.model;
  checkTimeWindow(list, path, record);
  checkCompartment(list, [...path, 'compartment'], record['compartment'], target);
  if (model?.acceptsInputs === false) {
    list.add([...path, 'target'], `cannot target ${quote(target?.name ?? '')}, a ${model.name} population: it takes no inputs (its spikes are given); target a spiking or rate population, or change its spike times`);
    return;
  }

  if (type !== 'poisson' && model?.acceptsCurrent === false && record['compartment'] !== 'apical') {
    list.add([...path, 'target'], `model ${model.name} declares no parameter for input currents (got a ${type} input onto ${quote(target?.name ?? '')}); add "current": "I" to the model with a parameter 'I : amp' in its equations, or drive it with projections or Poisson inputs`);
  }
  if (type === 'poisson') {
    checkOnPre(list, [...path, 'on_pre'], record['on_pre'], target, record['receptor'], record['compartment']);
    if (model !== undefined && model.kind !== 'spiking') {
      list.add([...path, 'target'], `Poisson input needs a spiking target (got ${quote(target?.name ?? '')}, a ${model.kind} population of model ${model.name}); ${model.kind === 'rate' ? 'drive rate populations with a dc or stimulus input' : 'a poisson_source already fires by itself, set its params.rate_hz'}`);
    }
    inRange(list, [...path, 'rate_hz'], record['rate_hz'], { min: 0, unit: 'Hz', hint: 'a rate cannot be negative' });
    inRange(list, [...path, 'n_sources'], record['n_sources'], { min: 1, integer: true, hint: 'n_sources is the number of independent sources per neuron' });
    inRange(list, [...path, 'weight'], record['weight'], {
      min: 0, ...(model !== undefined ? { unit: model.weightUnit } : {}),
      hint: 'weights are magnitudes; the receptor gives the sign, so use "receptor": "inhibitory" for inhibition',
    });
    return;
  }
  if (type === 'trial_current') {
    const values = record['values'];
    const size = target?.size;
    if (Array.isArray(values) && size !== undefined && context.batch !== undefined && values.length !== size * context.batch) {
      list.add([...path, 'values'], `needs size × batch = ${size} × ${context.batch} = ${size * context.batch} values, neuron-major [neuron·batch + trial] (got ${values.length})`);
    }
    if (Array.isArray(values)) {
      const bad = values.findIndex((v: unknown) => typeof v !== 'number' || !Number.isFinite(v));
      if (bad >= 0) list.add([...path, 'values', bad], `must be a finite number (got ${String(values[bad])})`);
    }
    return;
  }
  if (type === 'stimulus') {
    inRange(list, [...path, 'kappa'], record['kappa'], { min: 0, hint: 'kappa is the tuning width (0 = untuned)' });
    checkOrientations(list, [...path, 'orientation_deg'], record['orientation_deg'], context.batch);
  }
}

function checkOrientations(list: IssueList, path: Path, value: unknown, batch: number | undefined): void {
  if (value === undefined) {
    list.add(path, 'is required (got nothing); add an orientation in degrees, or an array with one per trial of the batch');
    return;
  }
  if (typeof value === 'number') {
    finiteInRange(list, path, value, { unit: 'deg' });
    return;
  }
  if (!Array.isArray(value)) {
    list.add(path, `must be a number or an array of numbers, in degrees (got ${describe(value)}); give one orientation or one per trial`);
    return;
  }
  if (batch !== undefined && value.length !== batch) {
    list.add(path, `must have exactly batch = ${batch} orientations, one per trial (got ${value.length}); give ${batch} values or a single number for all trials`);
  }
  const bad = value.findIndex((v: unknown) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) finiteInRange(list, [...path, bad], value[bad], { unit: 'deg' });
}

/** @param counted population name → index of the spike_counts recorder that counts it */
function checkRecorder(list: IssueList, context: Context, raw: unknown, index: number, counted: Map<string, number>): void {
  const path: Path = ['recorders', index];
  const type = checkTagged(list, raw, path, 'recorder', recorderSchemas, '{"type": "spikes", "population": "E"}');
  const record = asRecord(raw);
  if (type === undefined || record === undefined) return;
  const population = lookupPopulation(list, context, [...path, 'population'], record['population']);
  const model = population?.model;
  const dt = context.dtMs;
  const atLeastOneStep = (key: string, hint: string): void => {
    inRange(list, [...path, key], record[key], dt !== undefined
      ? { min: dt, unit: 'ms', hint: `${hint}; it must span at least one step of dt_ms` }
      : { min: 0, minExclusive: true, unit: 'ms', hint });
  };

  if ((type === 'spikes' || type === 'spike_counts') && model !== undefined && !emitsSpikes(model, population?.params)) {
    list.add([...path, 'population'], `${type} recorders need a population that emits spikes (got ${quote(population?.name ?? '')}, a ${model.kind} population of model ${model.name} without spikes); record it with population_rate or state, or give rate units params.spike_rate_hz > 0 (Poisson spiking)`);
  }
  switch (type) {
    case 'spike_counts': {
      if (population !== undefined) {
        const first = counted.get(population.name);
        if (first !== undefined) {
          list.add([...path, 'population'], `at most one spike_counts recorder per population (got a second one for ${quote(population.name)}, recorders[${first}] already counts it); merge them into one`);
        } else {
          counted.set(population.name, index);
        }
      }
      atLeastOneStep('window_ms', 'window_ms is the counting window');
      inRange(list, [...path, 'start_ms'], record['start_ms'], { min: 0, unit: 'ms', hint: 'time starts at 0' });
      break;
    }
    case 'state': {
      const variable = record['variable'];
      if (model !== undefined && typeof variable === 'string') {
        const names = model.state.map((s) => s.name);
        if (!names.includes(variable)) {
          list.add([...path, 'variable'], names.length === 0
            ? `model ${model.name} has no state variables (got ${quote(variable)}); record its spikes instead`
            : `unknown state variable of model ${model.name} (got ${quote(variable)}); ${didYouMean(variable, names)}valid state variables are ${names.join(', ')}`);
        }
      }
      atLeastOneStep('every_ms', 'every_ms is the sampling interval');
      break;
    }
    case 'population_rate':
      atLeastOneStep('bin_ms', 'bin_ms is the width of a rate bin');
      break;
    case 'spikes':
      break;
  }
  if (type !== 'population_rate') checkNeuronSelection(list, [...path, 'neurons'], record['neurons'], population, type === 'state');
}

function checkNeuronSelection(list: IssueList, path: Path, value: unknown, population: PopulationInfo | undefined, required: boolean): void {
  const size = population?.size;
  const forms = '"all", {"first": N} or an array of neuron indices';
  if (value === undefined) {
    if (required) list.add(path, `is required (got nothing); add ${forms}`);
    return;
  }
  if (value === 'all') return;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      list.add(path, `must select at least one neuron (got an empty array); list neuron indices or use "all"`);
      return;
    }
    const firstIndex = new Map<number, number>();
    for (let k = 0; k < value.length; k++) {
      const index: unknown = value[k];
      const range = size !== undefined ? ` in [0, ${size}) for population ${quote(population?.name ?? '')} of size ${size}` : ' >= 0';
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || (size !== undefined && index >= size)) {
        list.add([...path, k], `must be an integer neuron index${range} (got ${describe(index)}); indices count from 0`);
        return;
      }
      const earlier = firstIndex.get(index);
      if (earlier !== undefined) {
        list.add([...path, k], `duplicate neuron index (got ${index}, already at neurons[${earlier}]); list each neuron once`);
        return;
      }
      firstIndex.set(index, k);
    }
    return;
  }
  if (asRecord(value) !== undefined) {
    if (!checkStructure(list, firstNeuronsSchema, value, path, 'key of a neuron selection')) return;
    const first = (value as { first: number }).first;
    inRange(list, [...path, 'first'], first, {
      min: 1, max: size ?? SPEC_LIMITS.maxPopulationSize, integer: true,
      hint: size !== undefined ? `population ${quote(population?.name ?? '')} has ${size} neurons` : 'first counts neurons from index 0',
    });
    return;
  }
  list.add(path, `must be ${forms} (got ${describe(value)}); use one of these forms`);
}

// ---------------------------------------------------------------------------------------------
// JSON syntax errors with line and column
// ---------------------------------------------------------------------------------------------

/**
 * A SpecError for text that JSON.parse rejected. Engines word (and place) syntax errors
 * differently, and some give no position at all, so the first error is located here.
 */
function jsonSyntaxError(text: string, source: string, error: unknown): SpecError {
  let located: { offset: number; reason: string } | undefined;
  try {
    located = locateJsonSyntaxError(text);
  } catch {
    located = undefined; // e.g. nesting deeper than the stack; fall back to the engine's message
  }
  if (located === undefined) {
    const engineMessage = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(engineMessage);
    located = { offset: position !== null ? Number(position[1]) : text.length, reason: engineMessage };
  }
  const before = text.slice(0, located.offset);
  const line = before.split('\n').length;
  const column = located.offset - (before.lastIndexOf('\n') + 1) + 1;
  const got = located.offset >= text.length ? 'the end of the text' : describe(String.fromCodePoint(text.codePointAt(located.offset) ?? 0));
  return new SpecError([{
    path: `${source}:${line}:${column}`,
    message: `JSON syntax error: ${located.reason} (got ${got}); fix the JSON: keys and strings need double quotes, and JSON allows no trailing commas or comments`,
  }], { source });
}

/** Offset and reason of the first JSON syntax error in `text`, or undefined when it is valid JSON. */
function locateJsonSyntaxError(text: string): { offset: number; reason: string } | undefined {
  let i = 0;
  const fail = (reason: string): never => {
    throw new JsonSyntaxProblem(i, reason);
  };
  const skipWhitespace = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const expectLiteral = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('unexpected word; the literals are true, false and null');
  };
  const parseString = (): void => {
    i++; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail('control character or line break inside a string');
      if (c === 0x5c) {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape; it needs four hex digits');
          i += 6;
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
          i += 2;
        } else {
          fail('bad escape sequence in a string');
        }
      } else {
        i++;
      }
    }
    fail('unterminated string');
  };
  const parseNumber = (): void => {
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (match === null || match[0] === '' || match[0] === '-') fail('malformed number');
    i += (match as RegExpExecArray)[0].length;
    if (i < text.length && /[0-9.eE]/.test(text[i] as string)) fail('malformed number (JSON numbers have no leading zeros and need digits after a decimal point)');
  };
  const parseValue = (): void => {
    skipWhitespace();
    if (i >= text.length) fail('unexpected end of the text; a value is missing');
    const c = text[i] as string;
    if (c === '{') parseObject();
    else if (c === '[') parseArray();
    else if (c === '"') parseString();
    else if (c === '-' || (c >= '0' && c <= '9')) parseNumber();
    else if (c === 't') expectLiteral('true');
    else if (c === 'f') expectLiteral('false');
    else if (c === 'n') expectLiteral('null');
    else if (c === '/') fail('comments are not allowed in JSON');
    else if (c === "'") fail('strings need double quotes');
    else fail('unexpected character; expected a value');
  };
  const parseObject = (): void => {
    i++;
    skipWhitespace();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (text[i] === '}') fail('trailing comma before }');
      if (text[i] !== '"') fail(i >= text.length ? 'unexpected end of the text inside an object' : 'expected a double-quoted property name');
      parseString();
      skipWhitespace();
      if (text[i] !== ':') fail('expected : after the property name');
      i++;
      parseValue();
      skipWhitespace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      fail(i >= text.length ? 'unexpected end of the text inside an object' : 'expected , or } after a property value');
    }
  };
  const parseArray = (): void => {
    i++;
    skipWhitespace();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (text[i] === ']') fail('trailing comma before ]');
      parseValue();
      skipWhitespace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      fail(i >= text.length ? 'unexpected end of the text inside an array' : 'expected , or ] after an array element');
    }
  };
  try {
    parseValue();
    skipWhitespace();
    if (i < text.length) fail('unexpected text after the end of the JSON value');
  } catch (problem) {
    if (problem instanceof JsonSyntaxProblem) return { offset: problem.offset, reason: problem.reason };
    throw problem;
  }
  return undefined;
}

/** Thrown inside {@link locateJsonSyntaxError} to unwind to its caller. */
class JsonSyntaxProblem {
  readonly offset: number;
  readonly reason: string;
  constructor(offset: number, reason: string) {
    this.offset = offset;
    this.reason = reason;
  }
}
