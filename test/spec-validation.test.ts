import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Network } from '../src/model/network.js';
import {
  MAX_REPORTED_ISSUES, SpecError, findSpecIssues, parseSpecJson, resolveSpecDefaults, validateSpec,
} from '../src/model/schema.js';
import type { NetworkSpec } from '../src/model/spec.js';

const readExample = (file: string): string => readFileSync(new URL(`../examples/${file}`, import.meta.url), 'utf8');

/** Plain JSON-like data that the tests mutate freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** A valid spec exercising every population kind, connector, input and recorder type. */
function baseSpec(): Json {
  return {
    name: 'base',
    dt_ms: 0.1,
    seed: 3,
    batch: 2,
    populations: [
      { name: 'E', size: 100, model: 'lif_psc_exp', params: { tau_m_ms: 10, v_th_mV: -50, v_reset_mV: -65 }, initial: { v_mV: { uniform: [-65, -50] } } },
      { name: 'I', size: 25, model: 'lif_psc_exp' },
      { name: 'R', size: 50, model: 'rate', params: { transfer: 'threshold_linear', tau_ms: 20 }, initial: { x: { normal: { mean: 0, std: 1 }, min: -1 } } },
      { name: 'R2', size: 50, model: 'rate', preferred_orientation: 'random' },
      { name: 'P', size: 20, model: 'poisson_source', params: { rate_hz: 5 } },
    ],
    projections: [
      { source: 'E', target: 'I', connector: { type: 'fixed_probability', p: 0.1 }, weight: 20, delay_ms: 1.5 },
      {
        source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: 10, multapses: false },
        weight: { normal: { mean: 50, std: 5 }, min: 0 }, delay_ms: { uniform: [0.5, 2] }, receptor: 'inhibitory',
      },
      { name: 'feedforward', source: 'P', target: 'E', connector: { type: 'all_to_all' }, weight: 10 },
      { source: 'R', target: 'R2', connector: { type: 'ring', p_max: 0.5, kappa: 2 }, weight: -0.3 },
      { source: 'R', target: 'R2', connector: { type: 'one_to_one' }, weight: 1, receptor: 'excitatory' },
      { source: 'E', target: 'E', connector: { type: 'fixed_total_number', n: 500 }, weight: 5, delay_ms: { normal: { mean: 1, std: 0.5 } } },
    ],
    inputs: [
      { type: 'poisson', target: 'E', rate_hz: 10, n_sources: 100, weight: 20 },
      { type: 'dc', target: 'R', amplitude: 1.5, start_ms: 10, stop_ms: 50 },
      { type: 'stimulus', target: 'R2', orientation_deg: [0, 90], amplitude: 2, kappa: 1.5 },
    ],
    recorders: [
      { type: 'spikes', population: 'E', neurons: 'all' },
      { type: 'spike_counts', population: 'I', window_ms: 10 },
      { type: 'state', population: 'E', variable: 'v_mV', neurons: [0, 5, 99], every_ms: 0.5 },
      { type: 'population_rate', population: 'R', bin_ms: 1 },
      { type: 'spikes', population: 'P', neurons: { first: 10 } },
    ],
  };
}

/** Runs `action`, expecting a SpecError (and nothing else), and returns it. */
function specErrorOf(action: () => unknown): SpecError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a SpecError to be thrown').toBeInstanceOf(SpecError);
  return thrown as SpecError;
}

describe('valid specs', () => {
  it.each(['brunel2000.json', 'coba.json'])('example %s parses and validates', (file) => {
    const spec = parseSpecJson(readExample(file), file);
    expect(spec.populations.length).toBeGreaterThan(0);
    expect(findSpecIssues(spec)).toEqual([]);
  });

  it('accepts the base spec and returns the very same object', () => {
    const spec = baseSpec();
    expect(validateSpec(spec)).toBe(spec);
  });

  it('accepts a minimal spec and resolves its defaults', () => {
    const spec = validateSpec({ populations: [{ name: 'A', size: 1, model: 'rate' }] });
    expect(resolveSpecDefaults(spec)).toEqual({ dt_ms: 0.1, seed: 1, batch: 1, name: 'network' });
    expect(resolveSpecDefaults(baseSpec() as NetworkSpec)).toEqual({ dt_ms: 0.1, seed: 3, batch: 2, name: 'base' });
  });

  it('ignores a byte-order mark', () => {
    expect(parseSpecJson('\uFEFF{"populations": [{"name": "A", "size": 3, "model": "rate"}]}').populations).toHaveLength(1);
  });
});

describe('Network builder', () => {
  it('reproduces the Brunel example', () => {
    const fromFile = parseSpecJson(readExample('brunel2000.json'));
    const net = new Network({
      name: fromFile.name, description: fromFile.description, dt_ms: fromFile.dt_ms, seed: fromFile.seed, batch: fromFile.batch, run: fromFile.run,
    });
    for (const p of fromFile.populations) net.population(p);
    for (const p of fromFile.projections ?? []) net.project(p);
    for (const i of fromFile.inputs ?? []) net.input(i);
    for (const r of fromFile.recorders ?? []) net.record(r);
    expect(net.toSpec()).toStrictEqual(fromFile);
  });

  it('builds a spec fluently, omitting empty lists and unset options', () => {
    const lif = { tau_m_ms: 20, e_l_mV: 0, v_th_mV: 20, v_reset_mV: 10, t_ref_ms: 2 };
    const spec = new Network({ dt_ms: 0.1 })
      .population({ name: 'E', size: 80, model: 'lif_psc_delta', params: lif })
      .population({ name: 'I', size: 20, model: 'lif_psc_delta', params: lif })
      .project({ source: 'E', target: 'I', connector: { type: 'fixed_indegree', indegree: 8 }, weight: 0.1, delay_ms: 1.5 })
      .project({ source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: 2 }, weight: 0.5, receptor: 'inhibitory' })
      .input({ type: 'poisson', target: 'E', rate_hz: 25, n_sources: 80, weight: 0.1 })
      .toSpec();
    expect(spec).toStrictEqual({
      dt_ms: 0.1,
      populations: [
        { name: 'E', size: 80, model: 'lif_psc_delta', params: lif },
        { name: 'I', size: 20, model: 'lif_psc_delta', params: lif },
      ],
      projections: [
        { source: 'E', target: 'I', connector: { type: 'fixed_indegree', indegree: 8 }, weight: 0.1, delay_ms: 1.5 },
        { source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: 2 }, weight: 0.5, receptor: 'inhibitory' },
      ],
      inputs: [{ type: 'poisson', target: 'E', rate_hz: 25, n_sources: 80, weight: 0.1 }],
    });
  });

  it('throws a SpecError from toSpec for an invalid network', () => {
    const net = new Network({ batch: 0 })
      .population({ name: 'E', size: 10, model: 'lif_psc_exp' })
      .project({ source: 'E', target: 'X', connector: { type: 'all_to_all' }, weight: 1 });
    const error = specErrorOf(() => net.toSpec());
    expect(error.issues.map((i) => i.path)).toEqual(['batch', 'projections[0].target']);
  });
});

interface MalformedCase {
  /** What is wrong. */
  readonly name: string;
  /** Breaks a copy of the base spec (ignored when `json` is given). */
  readonly mutate?: (spec: Json) => Json | void;
  /** JSON text given to parseSpecJson as `bad.json` instead of a mutated spec. */
  readonly json?: string;
  /** Substring of the offending issue's path (and so of the error message). */
  readonly path: string;
  /** Substring of that issue's message. */
  readonly keyword: string;
}

const malformed: readonly MalformedCase[] = [
  // JSON text
  { name: 'malformed JSON text', json: '{"populations": [}', path: 'bad.json:1:18', keyword: 'JSON syntax error' },
  { name: 'trailing comma in JSON', json: '{\n  "dt_ms": 0.1,\n  "populations": [],\n}', path: 'bad.json:4:1', keyword: 'trailing comma' },
  { name: 'single-quoted JSON string', json: "{'populations': []}", path: 'bad.json:1:2', keyword: 'double-quoted' },
  { name: 'truncated JSON', json: '{"populations": [{"name": "E"', path: 'bad.json:1:30', keyword: 'end of the text' },
  { name: 'non-object JSON', json: '[1, 2, 3]', path: '(root)', keyword: 'must be an object' },
  { name: 'null spec', mutate: () => null, path: '(root)', keyword: 'got null' },
  // top level
  { name: "typo'd top-level key", mutate: (s) => { s.populatons = s.populations; delete s.populations; }, path: 'populatons', keyword: 'did you mean "populations"' },
  { name: 'missing populations', mutate: (s) => { delete s.populations; delete s.projections; delete s.inputs; delete s.recorders; }, path: 'populations', keyword: 'required' },
  { name: 'empty populations', mutate: (s) => { s.populations = []; delete s.projections; delete s.inputs; delete s.recorders; }, path: 'populations', keyword: 'at least one' },
  { name: 'dt 0', mutate: (s) => { s.dt_ms = 0; }, path: 'dt_ms', keyword: '(0, 10] ms' },
  { name: 'dt NaN', mutate: (s) => { s.dt_ms = NaN; }, path: 'dt_ms', keyword: 'finite' },
  { name: 'batch 0', mutate: (s) => { s.batch = 0; }, path: 'batch', keyword: 'integer from 1 to 4096' },
  { name: 'fractional seed', mutate: (s) => { s.seed = 1.5; }, path: 'seed', keyword: 'integer from 0 to 4294967295' },
  // populations
  { name: 'negative size', mutate: (s) => { s.populations[1].size = -5; }, path: 'populations[1].size', keyword: 'integer from 1 to 67108864' },
  { name: 'fractional size', mutate: (s) => { s.populations[1].size = 12.5; }, path: 'populations[1].size', keyword: 'got 12.5' },
  { name: 'size too large', mutate: (s) => { s.populations[1].size = 2 ** 26 + 1; }, path: 'populations[1].size', keyword: '67108864' },
  { name: 'size as a string', mutate: (s) => { s.populations[1].size = '25'; }, path: 'populations[1].size', keyword: 'without quotes' },
  { name: 'unknown population key', mutate: (s) => { s.populations[1].sizes = 25; }, path: 'populations[1].sizes', keyword: 'did you mean "size"' },
  { name: 'unknown model', mutate: (s) => { s.populations[0].model = 'lif'; }, path: 'populations[0].model', keyword: '"lif_psc_exp", "lif_psc_delta"' },
  { name: 'unknown param', mutate: (s) => { s.populations[0].params.tau_ms = 10; }, path: 'populations[0].params.tau_ms', keyword: 'did you mean "tau_m_ms"' },
  { name: 'NaN param', mutate: (s) => { s.populations[0].params.tau_m_ms = NaN; }, path: 'populations[0].params.tau_m_ms', keyword: 'finite' },
  { name: 'out-of-range tau', mutate: (s) => { s.populations[0].params.tau_m_ms = -5; }, path: 'populations[0].params.tau_m_ms', keyword: 'must be > 0 ms (got -5 ms)' },
  { name: 'bad choice param', mutate: (s) => { s.populations[2].params.transfer = 'relu'; }, path: 'populations[2].params.transfer', keyword: '"threshold_linear"' },
  { name: 'v_reset >= v_th', mutate: (s) => { s.populations[0].params.v_reset_mV = -50; }, path: 'populations[0].params.v_reset_mV', keyword: 'below v_th_mV' },
  { name: 'v_th below default v_reset', mutate: (s) => { s.populations[1].params = { v_th_mV: -70 }; }, path: 'populations[1].params.v_th_mV', keyword: 'defaults included' },
  { name: 'bad initial key', mutate: (s) => { s.populations[0].initial.v = -60; }, path: 'populations[0].initial.v', keyword: 'v_mV' },
  { name: 'bad distribution (lo > hi)', mutate: (s) => { s.populations[0].initial.v_mV = { uniform: [-50, -65] }; }, path: 'populations[0].initial.v_mV.uniform', keyword: 'lo <= hi' },
  { name: 'negative std', mutate: (s) => { s.populations[2].initial.x.normal.std = -1; }, path: 'populations[2].initial.x.normal.std', keyword: '>= 0' },
  { name: 'not a distribution', mutate: (s) => { s.populations[2].initial.x = { gauss: [0, 1] }; }, path: 'populations[2].initial.x', keyword: 'not a distribution' },
  { name: 'duplicate population names', mutate: (s) => { s.populations[1].name = 'E'; }, path: 'populations[1].name', keyword: 'duplicate' },
  { name: 'invalid population name', mutate: (s) => { s.populations[4].name = '4P'; }, path: 'populations[4].name', keyword: 'start with a letter' },
  { name: 'bad preferred_orientation', mutate: (s) => { s.populations[3].preferred_orientation = 'even'; }, path: 'populations[3].preferred_orientation', keyword: '"uniform", "random"' },
  // projections
  { name: 'projection to missing population', mutate: (s) => { s.projections[0].target = 'X'; }, path: 'projections[0].target', keyword: 'populations are "E", "I"' },
  { name: 'p > 1', mutate: (s) => { s.projections[0].connector.p = 1.5; }, path: 'projections[0].connector.p', keyword: '[0, 1]' },
  { name: 'unknown connector type', mutate: (s) => { s.projections[0].connector.type = 'fixed_prob'; }, path: 'projections[0].connector.type', keyword: 'fixed_indegree' },
  { name: 'missing connector parameter', mutate: (s) => { delete s.projections[3].connector.kappa; }, path: 'projections[3].connector.kappa', keyword: 'required' },
  { name: 'indegree > size without multapses', mutate: (s) => { s.projections[1].connector.indegree = 30; }, path: 'projections[1].connector.indegree', keyword: 'multapses' },
  { name: 'one_to_one size mismatch', mutate: (s) => { s.populations[3].size = 40; }, path: 'projections[4].connector', keyword: 'equal size' },
  { name: 'negative weight', mutate: (s) => { s.projections[0].weight = -20; }, path: 'projections[0].weight', keyword: 'receptor gives the sign' },
  { name: 'negative mean weight', mutate: (s) => { s.projections[1].weight.normal.mean = -50; }, path: 'projections[1].weight.normal.mean', keyword: '>= 0 pA' },
  { name: 'negative rate weight with receptor', mutate: (s) => { s.projections[4].weight = -1; }, path: 'projections[4].weight', keyword: 'omit receptor' },
  { name: 'missing weight', mutate: (s) => { delete s.projections[2].weight; }, path: 'projections[2].weight', keyword: 'required' },
  { name: 'delay < dt', mutate: (s) => { s.projections[0].delay_ms = 0.05; }, path: 'projections[0].delay_ms', keyword: 'dt_ms = 0.1 ms' },
  { name: 'uniform delay below dt', mutate: (s) => { s.projections[1].delay_ms = { uniform: [0, 2] }; }, path: 'projections[1].delay_ms.uniform[0]', keyword: 'at least one step' },
  { name: 'delay too long', mutate: (s) => { s.projections[0].delay_ms = 2000; }, path: 'projections[0].delay_ms', keyword: '<= 1000 ms' },
  { name: 'rate→spiking projection', mutate: (s) => { s.projections[3].target = 'E'; }, path: 'projections[3]', keyword: 'mixing rate and spiking' },
  { name: 'projection onto a poisson_source', mutate: (s) => { s.projections[0].target = 'P'; }, path: 'projections[0].target', keyword: 'poisson_source' },
  { name: 'bad receptor', mutate: (s) => { s.projections[1].receptor = 'inh'; }, path: 'projections[1].receptor', keyword: '"inhibitory"' },
  { name: 'duplicate projection names', mutate: (s) => { s.projections[0].name = 'feedforward'; }, path: 'projections[2].name', keyword: 'projections[0]' },
  // inputs
  { name: 'poisson input onto rate pop', mutate: (s) => { s.inputs[0].target = 'R'; }, path: 'inputs[0].target', keyword: 'spiking target' },
  { name: 'poisson input onto poisson_source', mutate: (s) => { s.inputs[0].target = 'P'; }, path: 'inputs[0].target', keyword: 'rate_hz' },
  { name: 'unknown input type', mutate: (s) => { s.inputs[1].type = 'current'; }, path: 'inputs[1].type', keyword: 'poisson, dc, stimulus' },
  { name: 'n_sources 0', mutate: (s) => { s.inputs[0].n_sources = 0; }, path: 'inputs[0].n_sources', keyword: 'integer >= 1' },
  { name: 'infinite input weight', mutate: (s) => { s.inputs[0].weight = Infinity; }, path: 'inputs[0].weight', keyword: 'finite' },
  { name: 'stop before start', mutate: (s) => { s.inputs[1].stop_ms = 5; }, path: 'inputs[1].stop_ms', keyword: 'start_ms = 10 ms' },
  { name: 'stimulus orientation array of wrong length', mutate: (s) => { s.inputs[2].orientation_deg = [0, 45, 90]; }, path: 'inputs[2].orientation_deg', keyword: 'batch = 2' },
  // recorders
  { name: 'state recorder with unknown variable', mutate: (s) => { s.recorders[2].variable = 'V_m'; }, path: 'recorders[2].variable', keyword: 'i_syn_ex_pA' },
  { name: 'neuron index out of range', mutate: (s) => { s.recorders[2].neurons = [0, 5, 100]; }, path: 'recorders[2].neurons[2]', keyword: '[0, 100)' },
  { name: 'duplicate neuron index', mutate: (s) => { s.recorders[2].neurons = [0, 5, 5]; }, path: 'recorders[2].neurons[2]', keyword: 'duplicate' },
  { name: 'first beyond population size', mutate: (s) => { s.recorders[4].neurons = { first: 21 }; }, path: 'recorders[4].neurons.first', keyword: 'from 1 to 20' },
  { name: 'spike recorder on a rate population', mutate: (s) => { s.recorders[0].population = 'R'; }, path: 'recorders[0].population', keyword: 'spike_rate_hz > 0' },
  { name: 'second spike_counts recorder', mutate: (s) => { s.recorders.push({ type: 'spike_counts', population: 'I', window_ms: 5 }); }, path: 'recorders[5].population', keyword: 'at most one' },
  { name: 'count window shorter than dt', mutate: (s) => { s.recorders[1].window_ms = 0.01; }, path: 'recorders[1].window_ms', keyword: '>= 0.1 ms' },
  { name: 'recorder of a missing population', mutate: (s) => { s.recorders[3].population = 'Q'; }, path: 'recorders[3].population', keyword: 'no population' },
  { name: 'state recorder without neurons', mutate: (s) => { delete s.recorders[2].neurons; }, path: 'recorders[2].neurons', keyword: 'required' },
];

describe('malformed specs', () => {
  it('has a good number of distinct cases', () => {
    expect(malformed.length).toBeGreaterThanOrEqual(24);
    expect(new Set(malformed.map((c) => c.name)).size).toBe(malformed.length);
  });

  it.each(malformed)('$name → SpecError at $path', ({ mutate, json, path, keyword }) => {
    const error = specErrorOf(() => {
      if (json !== undefined) return parseSpecJson(json, 'bad.json');
      const spec = structuredClone(baseSpec());
      const replaced = mutate?.(spec);
      return validateSpec(replaced === undefined ? spec : replaced);
    });
    expect(error.message).toContain(path);
    const issue = error.issues.find((i) => i.path.includes(path) && i.message.includes(keyword));
    expect(issue, `no issue at ${path} mentioning ${keyword} in:\n${error.message}`).toBeDefined();
    // Every issue reads "what is wrong (got X); what to do".
    for (const i of error.issues) expect(i.message).toMatch(/\(got .*\); ./s);
  });
});

describe('error reporting', () => {
  it('reports every issue, not only the first', () => {
    const spec = baseSpec();
    spec.dt_ms = -1;
    spec.populations[0].params.tau_m_ms = 0;
    spec.projections[0].connector.p = 2;
    spec.recorders[2].variable = 'v';
    const error = specErrorOf(() => validateSpec(spec));
    expect(error.issues.map((i) => i.path)).toEqual([
      'dt_ms', 'populations[0].params.tau_m_ms', 'projections[0].connector.p', 'recorders[2].variable',
    ]);
    expect(error.message.split('\n')).toHaveLength(5);
    expect(error.message).toMatch(/^invalid network spec \(4 issues\):\n {2}dt_ms: must be in \(0, 10\] ms \(got -1 ms\); /);
  });

  it(`keeps at most ${MAX_REPORTED_ISSUES} issues and counts the rest`, () => {
    const populations = Array.from({ length: 30 }, (_, i) => ({ name: `P${i}`, size: -1, model: 'rate' }));
    const error = specErrorOf(() => validateSpec({ populations }));
    expect(error.issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(error.omittedIssues).toBe(30 - MAX_REPORTED_ISSUES);
    expect(error.message).toContain('… and 10 more issues');
  });

  it('names the file of a spec that parses but does not validate', () => {
    const error = specErrorOf(() => parseSpecJson('{"populations": [{"name": "E", "size": 0, "model": "rate"}]}', 'net.json'));
    expect(error.message).toMatch(/^net\.json: invalid network spec \(1 issue\):\n {2}populations\[0\]\.size: /);
  });

  it('locates JSON syntax errors by line and column', () => {
    const text = '{\n  "dt_ms": 0.1,\n  "populations": [ { "name": "E" "size": 3 } ]\n}';
    const error = specErrorOf(() => parseSpecJson(text, 'spec.json'));
    expect(error.issues).toEqual([{ path: 'spec.json:3:34', message: expect.stringContaining('expected , or } after a property value (got "\\"")') }]);
    expect(specErrorOf(() => parseSpecJson('', 'empty.json')).issues[0]?.path).toBe('empty.json:1:1');
    expect(specErrorOf(() => parseSpecJson('{"a": 1} // note')).issues[0]?.path).toBe('<json>:1:10');
  });

  it('never crashes on garbage anywhere in a spec', () => {
    const garbage: unknown[] = [undefined, null, true, 'x', -1, 0.5, NaN, Infinity, 1e300, [], [null], {}, { type: 'x' }, 10n, Symbol('s'), () => 1];
    const paths: (string | number)[][] = [];
    const walk = (value: unknown, path: (string | number)[]): void => {
      paths.push(path);
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
      else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    };
    walk(baseSpec(), []);
    let rejected = 0;
    for (const path of paths) {
      for (const bad of garbage) {
        const spec = baseSpec();
        if (path.length === 0) {
          expect(() => validateSpec(bad)).toThrow(SpecError);
          continue;
        }
        let parent: Json = spec;
        for (const key of path.slice(0, -1)) parent = parent[key];
        parent[path[path.length - 1] as string | number] = bad;
        try {
          validateSpec(spec);
        } catch (error) {
          expect(error).toBeInstanceOf(SpecError);
          expect((error as SpecError).issues.length).toBeGreaterThan(0);
          rejected++;
        }
      }
    }
    expect(paths.length).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(paths.length * 10);
  });
});
