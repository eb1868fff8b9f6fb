/**
 * A neuron model defined by code outside the package (issue #10): a project in a temporary
 * folder with `cortexgpu` in its node_modules (linked to this repository, so it loads the
 * compiled dist/ through the package's `exports`, as an installed copy would) has a module that
 * defines an Izhikevich-type quadratic integrate-and-fire model with `defineNeuronModel` and
 * registers it. Then, in child processes,
 *
 * - a script of that project runs a small network of the model on the GPU and on the float64
 *   CPU reference: identical spikes; the model shows in `modelCatalogue()`, and the parameter
 *   panel's rows (`knobsForSimulator`) list its parameters with their units and apply a change;
 * - `cortexgpu --import ./my-models.mjs models` lists it, `models NAME` shows its parameters,
 *   `run` simulates a spec that uses it (spikes again equal to the CPU reference), a module that
 *   only exports its definitions works too, and a module that throws is reported (exit 2).
 *
 * Needs a current dist/ (`npx tsc -p tsconfig.json`; npm test's pretest builds it).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../src/io/npy.js';
import { root, run, staleOutputs } from './helpers/dist.js';

const project = mkdtempSync(join(tmpdir(), 'cortexgpu-external-model-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** The user's module: the model is registered, and exported. */
const MY_MODELS = `import { defineNeuronModel, registerNeuronModel } from 'cortexgpu';

/** Izhikevich (2007) quadratic integrate-and-fire with adaptation, in Brian2 syntax. */
export const izhQif = defineNeuronModel({
  name: 'izh_qif',
  equations: \`dv/dt = (k*(v - El)*(v - Vc)/mV - u + I)/C : volt
du/dt = a*(b*(v - El) - u) : amp
I : amp\`,
  threshold: 'v > Vpeak',
  reset: 'v = c; u += d',
  current: 'I',
  namespace: { C: '100*pF', k: '0.7*nS', El: '-60*mV', Vc: '-40*mV', a: '0.03/ms', b: '-2*nS', c: '-50*mV', d: '100*pA', Vpeak: '35*mV' },
});
registerNeuronModel(izhQif);
`;

/** A module that only exports its definition (the CLI registers it). */
const EXPORTED_ONLY = `import { defineNeuronModel } from 'cortexgpu';
export default [defineNeuronModel({
  name: 'leaky_export',
  equations: 'dv/dt = (El - v)/tau : volt (unless refractory)',
  threshold: 'v > -50*mV', reset: 'v = -60*mV', refractory: '2*ms',
  namespace: { El: '-45*mV', tau: '10*ms' },
})];
`;

/** A module whose model is malformed: defineNeuronModel throws when it is imported. */
const BROKEN = `import { defineNeuronModel } from 'cortexgpu';
export const bad = defineNeuronModel({ name: 'bad_model', equations: 'dv/dt = (El - v)/taux : volt', namespace: { El: '-60*mV' } });
`;

/** A small network of the model: DC onto the \`current\` parameter, Poisson input onto v, recurrent input onto u. */
const SPEC = {
  dt_ms: 0.1, seed: 3,
  populations: [
    { name: 'Q', size: 40, model: 'izh_qif', params: { I: '60*pA' }, initial: { v: { uniform: [-65, -45] } } },
    { name: 'P', size: 40, model: 'poisson_source', params: { rate_hz: 40 } },
  ],
  projections: [
    { source: 'P', target: 'Q', connector: { type: 'fixed_indegree', indegree: 5 }, on_pre: 'v += w', weight: 2, delay_ms: 0.5 },
    { source: 'Q', target: 'Q', connector: { type: 'fixed_probability', p: 0.2 }, on_pre: 'u += w', weight: 5, delay_ms: 1 },
  ],
  inputs: [{ type: 'dc', target: 'Q', amplitude: 30, start_ms: 20 }],
  recorders: [{ type: 'spikes', population: 'Q' }],
  run: { duration_ms: 200, warmup_ms: 50 },
};

/**
 * The user's script: GPU and CPU runs, the catalogue, the panel's rows. The panel module is not
 * a package entry point, so it is imported by its file URL — the same file as the package's, so
 * the same registry.
 */
const CHECK = `import './my-models.mjs';
import { readFileSync } from 'node:fs';
import { createNodeSimulator, CpuSimulator, modelCatalogue } from 'cortexgpu/node';
import { knobsForSimulator } from ${JSON.stringify(pathToFileURL(join(root, 'dist', 'ui', 'parameter-knobs.js')).href)};

const spec = JSON.parse(readFileSync('spec.json', 'utf8'));
const keys = (r) => Array.from(r.steps, (s, i) => \`\${s}:\${r.trials[i]}:\${r.senders[i]}\`).sort();
const gpu = await createNodeSimulator(spec, { stepsPerSubmit: 100 });
await gpu.run(200);
const cpu = new CpuSimulator(spec);
cpu.run(200);
const knobs = knobsForSimulator(gpu, { populations: ['Q'], inputs: false });
const before = gpu.populationParams('Q').Vpeak;
knobs.find((k) => k.id === 'Q.Vpeak').apply(30);
console.log(JSON.stringify({
  gpu: keys(gpu.recordings()[0]),
  cpu: keys(cpu.recordings()[0]),
  catalogue: modelCatalogue().map((m) => m.name),
  knobs: knobs.map((k) => ({ id: k.id, group: k.group, unit: k.unit, value: k.value })),
  vpeak: [before, gpu.populationParams('Q').Vpeak],
}));
gpu.destroy();
`;

const bin = join(root, 'bin', 'cortexgpu.js');
const cortexgpu = (...args: string[]) => run(process.execPath, [bin, ...args], project, 90_000);

interface CheckOutput {
  gpu: string[];
  cpu: string[];
  catalogue: string[];
  knobs: { id: string; group: string; unit: string; value: number }[];
  vpeak: [number, number];
}
let check: CheckOutput;

beforeAll(async () => {
  const stale = staleOutputs();
  if (stale.length > 0) throw new Error(`dist/ is older than ${stale.slice(0, 5).join(', ')}: run npx tsc -p tsconfig.json before this test`);
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(root, join(project, 'node_modules', 'cortexgpu'), 'dir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-project', private: true, type: 'module' }));
  writeFileSync(join(project, 'my-models.mjs'), MY_MODELS);
  writeFileSync(join(project, 'exported-only.mjs'), EXPORTED_ONLY);
  writeFileSync(join(project, 'broken.mjs'), BROKEN);
  writeFileSync(join(project, 'spec.json'), JSON.stringify(SPEC, null, 2));
  writeFileSync(join(project, 'check.mjs'), CHECK);
  const result = await run(process.execPath, ['check.mjs'], project, 90_000);
  expect(result.code, result.stderr).toBe(0);
  check = JSON.parse(result.stdout.trim().split('\n').pop()!) as CheckOutput;
}, 100_000);

/**
 * GPU (float32) and CPU (float64) spikes as `step:trial:neuron` keys: identical for the first
 * 150 ms; after that a float32 rounding may move a threshold crossing of this nonlinear (RK4)
 * model by one step (measured: one spike of 124, at 191.9 vs 192.0 ms), and nothing else.
 */
function expectSameSpikes(gpu: readonly string[], cpu: readonly string[]): void {
  const inGpu = new Set(gpu);
  const inCpu = new Set(cpu);
  const onlyGpu = gpu.filter((k) => !inCpu.has(k));
  const onlyCpu = cpu.filter((k) => !inGpu.has(k));
  if (onlyGpu.length + onlyCpu.length > 0) console.log(`external model: GPU-only spikes ${onlyGpu.join(' ')}; CPU-only ${onlyCpu.join(' ')}`);
  const step = (k: string): number => Number(k.split(':')[0]);
  const neuron = (k: string): string => k.split(':').slice(1).join(':');
  expect(gpu.length).toBe(cpu.length);
  for (const k of [...onlyGpu, ...onlyCpu]) expect(step(k)).toBeGreaterThanOrEqual(1500);
  // Every GPU-only spike has a CPU-only partner of the same neuron one step away.
  expect(onlyGpu.length).toBe(onlyCpu.length);
  for (const k of onlyGpu) expect(onlyCpu.some((c) => neuron(c) === neuron(k) && Math.abs(step(c) - step(k)) === 1)).toBe(true);
}

describe('a model registered by code outside the package', () => {
  it('runs on the GPU with the CPU reference\'s spikes (identical for 150 ms, then at most one-step shifts from float32 rounding)', () => {
    expect(check.cpu.length).toBeGreaterThan(50);
    expectSameSpikes(check.gpu, check.cpu);
  });

  it('shows in the model catalogue and in the parameter panel\'s rows, whose changes apply', () => {
    expect(check.catalogue).toContain('izh_qif');
    const units = Object.fromEntries(check.knobs.map((k) => [k.id, k.unit]));
    expect(units).toMatchObject({ 'Q.I': 'pA', 'Q.C': 'pF', 'Q.k': 'nS', 'Q.El': 'mV', 'Q.Vpeak': 'mV', 'Q.d': 'pA' });
    expect(check.knobs[0]!.group).toBe('Q (izh_qif)');
    expect(check.knobs.find((k) => k.id === 'Q.Vpeak')!.value).toBe(35);
    expect(check.vpeak).toEqual([35, 30]);
  });
});

describe('cortexgpu --import MODULE', () => {
  it('models lists the registered model; models NAME shows its parameters', async () => {
    const list = await cortexgpu('--import', './my-models.mjs', 'models', '--json');
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((m) => m.name)).toContain('izh_qif');
    // The option may also follow the command.
    const one = await cortexgpu('models', 'izh_qif', '--import', './my-models.mjs');
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^ {2}Vpeak +mV +35 /m);
    const without = await cortexgpu('models', 'izh_qif');
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/izh_qif/);
  }, 60_000);

  it('run simulates a spec that uses the model, with the CPU reference\'s spikes', async () => {
    const result = await cortexgpu('--import', './my-models.mjs', 'run', 'spec.json', '--out', 'out', '--quiet');
    expect(result.code, result.stderr).toBe(0);
    const spikes = decodeNpy(readFileSync(join(project, 'out', 'spikes_Q.npy')));
    const keys = Array.from({ length: spikes.shape[0]! }, (_, k) => `${spikes.data[3 * k]}:${spikes.data[3 * k + 1]}:${spikes.data[3 * k + 2]}`).sort();
    expectSameSpikes(keys, check.cpu);
    const summary = JSON.parse(readFileSync(join(project, 'out', 'summary.json'), 'utf8')) as { populations: Record<string, { rate_hz: number }> };
    expect(summary.populations['Q']!.rate_hz).toBeGreaterThan(0);
  }, 60_000);

  it('registers definitions a module only exports; reports a missing or failing module with exit code 2', async () => {
    const exported = await cortexgpu('--import', 'exported-only.mjs', '--import', './my-models.mjs', 'models');
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^leaky_export\b/m);
    expect(exported.stdout).toMatch(/^izh_qif\b/m);
    const missing = await cortexgpu('--import', './nope.mjs', 'models');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--import \.\/nope\.mjs: no such file/);
    const broken = await cortexgpu('--import', './broken.mjs', 'models');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/--import \.\/broken\.mjs failed: model bad_model, equations line 1, col \d+: unknown identifier 'taux'/);
    expect(broken.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
