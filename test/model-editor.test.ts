/**
 * The model editor demo's logic (demos/model-editor/model-editor.ts), in Node: every starting
 * example compiles, runs on the CPU reference with the page's network and spikes at a plausible
 * rate; problems are located in the right field, line and column (namespace constants on their
 * own line, initial values, JSON).
 */
import { describe, expect, it } from 'vitest';
import { CpuSimulator } from '../src/cpu/simulator.js';
import type { SpikeRecording } from '../src/model/recording.js';
import { EXAMPLES, compileFields, describeProblem, editorSpec, problemOf, visibleStateVariables, type CompileOutcome, type EditorFields } from '../demos/model-editor/model-editor.js';

function compiled(fields: EditorFields): Extract<CompileOutcome, { ok: true }> {
  const outcome = compileFields(fields);
  if (!outcome.ok) throw new Error(`${outcome.problem.field} ${describeProblem(outcome.problem)}`);
  return outcome;
}

function problem(fields: Partial<EditorFields>) {
  const outcome = compileFields({ ...EXAMPLES[0]!.fields, ...fields });
  if (outcome.ok) throw new Error('expected a problem');
  return outcome.problem;
}

describe('model editor: examples', () => {
  const methods: Record<string, string> = { cuba: 'exact', adex: 'rk4', izhikevich: 'rk4' };
  for (const example of EXAMPLES) {
    it(`${example.label} compiles (${methods[example.id]}) and spikes with the page's network`, () => {
      const { def } = compiled(example.fields);
      expect(def.compiled.method).toBe(methods[example.id]);
      expect(def.updateShaderText).toMatch(/fn /);
      expect(visibleStateVariables(def)).toContain(example.network.trace);
      expect(def.compiled.onPreTargets).toContain(example.network.recurrent.target);
      const spec = editorSpec(def, { ...example.network, neurons: 200 });
      const sim = new CpuSimulator(spec);
      sim.run(300);
      const spikes = sim.recordings().find((r): r is SpikeRecording => r.type === 'spikes')!;
      const rate = spikes.steps.length / 200 / 0.3;
      console.log(`${example.id}: ${def.compiled.method}, ${rate.toFixed(1)} Hz over 300 ms (200 neurons)`);
      expect(rate).toBeGreaterThan(2);
      expect(rate).toBeLessThan(100);
      const traces = sim.recordings().filter((r) => r.type === 'state');
      expect(traces.length).toBe(visibleStateVariables(def).length);
    });
  }
});

describe('model editor: located problems', () => {
  it('an unknown identifier in the equations names its line and column', () => {
    const p = problem({ equations: 'dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)\ndge/dt = -ge/taux : volt\ndgi/dt = -gi/taui : volt' });
    expect(p).toMatchObject({ field: 'equations', line: 2, column: 14 });
    expect(describeProblem(p)).toMatch(/^line 2, col 14: unknown identifier 'taux'/);
  });

  it('threshold and reset problems point into their fields', () => {
    expect(problem({ threshold: 'v > Vx' })).toMatchObject({ field: 'threshold', line: 1, column: 5 });
    expect(problem({ reset: 'v = Vr\nq = 1' })).toMatchObject({ field: 'reset', line: 2 });
  });

  it('a namespace constant with a wrong unit is located on its own line', () => {
    const p = problem({ namespace: 'taum = 20*ms\ntaue = 5*ms\ntaui = 10*ms\nVt = -50*mV\nVr = -60*mV\nEl = -49*mQ' });
    expect(p.field).toBe('namespace');
    expect(p.line).toBe(6);
    expect(p.column).toBeGreaterThanOrEqual(6);
    expect(p.message).toMatch(/^El: .*mQ/);
    expect(problem({ namespace: 'taum = 20*ms\nthis line' })).toMatchObject({ field: 'namespace', line: 2, column: 1 });
  });

  it('a JSON namespace is read, and broken JSON is located', () => {
    const json = '{"taum": "20*ms", "taue": "5*ms", "taui": "10*ms", "Vt": "-50*mV", "Vr": "-60*mV", "El": "-49*mV"}';
    expect(compileFields({ ...EXAMPLES[0]!.fields, namespace: json }).ok).toBe(true);
    expect(problem({ namespace: '{"taum": "20*ms",\n "taue" 5}' })).toMatchObject({ field: 'namespace', line: 2 });
  });

  it('forcing exact on AdEx is a method problem', () => {
    const outcome = compileFields({ ...EXAMPLES[1]!.fields, method: 'exact' });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.problem.field).toBe('method');
  });

  it('initial values: unknown variables and unreadable values are located', () => {
    const { def } = compiled(EXAMPLES[0]!.fields);
    const net = { ...EXAMPLES[0]!.network, neurons: 10 };
    const at = (initial: string) => {
      try {
        editorSpec(def, { ...net, initial });
      } catch (error) {
        return problemOf(error);
      }
      return null;
    };
    expect(at('v = uniform(-60, -50)\nx = 1')).toMatchObject({ field: 'initial', line: 2, column: 1 });
    expect(at('v = -60 mV')).toMatchObject({ field: 'initial', line: 1, column: 5 });
    expect(at('v = normal(-55, 2)\nge = 0')).toBeNull();
  });
});
