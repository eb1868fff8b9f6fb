/**
 * The command line, called in-process through `main(argv, io)` (GPU or software Vulkan).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { decodeNpy, encodeNpy } from '../src/io/npy.js';
import { parseSpecJson } from '../src/model/schema.js';
import { PD14_PARAMETERS } from '../src/model/library/pd14-parameters.js';
import { pd14SynapseCount, pspToPscAmplitude } from '../src/model/library/pd14.js';
import { DEFAULT_MEMORY_BUDGET_RULE, NetworkTooLargeError, defaultMemoryBudget, formatBytes } from '../src/gpu/memory.js';
import { createNodeSimulator, nodeGpu } from '../src/node/index.js';


const work = mkdtempSync(join(tmpdir(), 'cortexgpu-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('cortexgpu run', () => {
  it('simulates examples/lif_small.json and writes summary.json and .npy files', async () => {
    const out = join(work, 'nested', 'lif');
    const result = await cli('run', 'examples/lif_small.json', '--duration', '200', '--warmup', '50', '--out', out, '--quiet');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.exitCalls).toEqual([0]);

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, any>;
    expect(summary['network']).toBe('lif_small_ei');
    expect(typeof summary['adapter']).toBe('string');
    expect(summary['adapter_info']).toHaveProperty('software');
    expect(Number.isNaN(Date.parse(summary['date']))).toBe(false);
    expect(summary).toMatchObject({ dt_ms: 0.1, duration_ms: 200, steps: 2000, batch: 2, warmup_ms: 50 });
    expect(summary['wall_s']).toBeGreaterThan(0);
    expect(summary['rtf']).toBeCloseTo(summary['wall_s'] / 0.2, 10);
    expect(summary['neuron_steps_per_s']).toBeGreaterThan(0);
    expect(summary['construction_s']).toBeGreaterThan(0);
    expect(summary['gpu_memory_bytes']['total']).toBeGreaterThan(0);
    expect(Object.keys(summary['gpu_memory_bytes']['by_owner'])).toContain('population E');
    for (const [pop, size] of [['E', 160], ['I', 40]] as const) {
      const s = summary['populations'][pop];
      expect(s.size).toBe(size);
      expect(s.rate_hz).toBeGreaterThan(1);
      expect(s.rate_hz).toBeLessThan(100);
      expect(s.cv_isi === null || (s.cv_isi >= 0 && s.cv_isi < 3)).toBe(true);
    }

    const files = readdirSync(out).sort();
    expect(files).toEqual([
      'population_rate_E.npy', 'population_rate_I.npy',
      'spike_counts_E.npy', 'spike_counts_E_neurons.npy',
      'spikes.nwb', 'spikes_E.npy', 'spikes_E_neurons.npy', 'spikes_E_times_ms.npy', 'spikes_I.npy', 'spikes_I_neurons.npy', 'spikes_I_times_ms.npy',
      'state_E_v_mV.npy', 'state_E_v_mV_neurons.npy', 'state_E_v_mV_times_ms.npy',
      'summary.json',
    ]);
    const spikes = decodeNpy(readFileSync(join(out, 'spikes_E.npy')));
    expect(spikes.dtype).toBe('<u4');
    expect(spikes.shape[1]).toBe(3);
    const times = decodeNpy(readFileSync(join(out, 'spikes_E_times_ms.npy')));
    expect(times.dtype).toBe('<f8');
    expect(times.shape).toEqual([spikes.shape[0]]);
    for (let k = 0; k < times.data.length; k++) {
      expect(times.data[k]).toBeCloseTo(spikes.data[3 * k]! * 0.1, 9);
      expect(spikes.data[3 * k + 1]).toBeLessThan(2);
      expect(spikes.data[3 * k + 2]).toBeLessThan(160);
    }
    // The summary's rate is the spike count after the warmup.
    const after = Array.from({ length: spikes.shape[0]! }, (_, k) => spikes.data[3 * k]!).filter((step) => step >= 500).length;
    expect(summary['populations']['E'].rate_hz).toBeCloseTo(after / (160 * 2 * 0.15), 9);
    expect(decodeNpy(readFileSync(join(out, 'spike_counts_E.npy'))).shape).toEqual([4, 2, 40]);
    expect(decodeNpy(readFileSync(join(out, 'state_E_v_mV.npy'))).shape).toEqual([200, 2, 4]);
    expect(decodeNpy(readFileSync(join(out, 'population_rate_I.npy'))).shape).toEqual([200, 2]);
    expect(readdirSync(join(work, 'nested'))).toEqual(['lif']); // no temporary folder left
  });

  it('runs a spike-train source read from .npy files (spike_times_npy, paths relative to the spec) and records its spikes on the step grid', async () => {
    const folder = join(work, 'trains');
    mkdirSync(folder, { recursive: true });
    // Neuron 1 spikes twice in step 33 (3.3 and 3.34 ms): both are delivered and recorded.
    writeFileSync(join(folder, 'x_times.npy'), encodeNpy(Float64Array.from([5.26, 1.0, 3.3, 3.34]), [4]));
    writeFileSync(join(folder, 'x_neurons.npy'), encodeNpy(Int32Array.from([0, 0, 1, 1]), [4]));
    const spec = {
      dt_ms: 0.1, seed: 1,
      populations: [
        { name: 'X', size: 2, model: 'spike_source_array', spike_times_npy: { times_ms: 'x_times.npy', neurons: 'x_neurons.npy' } },
        { name: 'E', size: 3, model: 'lif_psc_delta' },
      ],
      projections: [{ source: 'X', target: 'E', connector: { type: 'all_to_all' }, weight: 1, delay_ms: 1 }],
      recorders: [{ type: 'spikes', population: 'X' }],
    };
    writeFileSync(join(folder, 'spec.json'), JSON.stringify(spec));
    const out = join(folder, 'out');
    const result = await cli('run', join(folder, 'spec.json'), '--duration', '10', '--warmup', '0', '--out', out, '--quiet');
    expect(result.code, result.stderr).toBe(0);
    // spikes_X.npy: N × 3 (step, trial, neuron).
    const spikes = decodeNpy(readFileSync(join(out, 'spikes_X.npy')));
    expect(spikes.shape).toEqual([4, 3]);
    const rows = Array.from({ length: 4 }, (_, k) => [Number(spikes.data[3 * k]), Number(spikes.data[3 * k + 2])]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    expect(rows).toEqual([[10, 0], [33, 1], [33, 1], [52, 0]]);
  });

  it('runs the same spikes with the schedule measured fastest (persistent or not) and in one dispatch per population (--persistent off --no-merge)', async () => {
    // lif_small without its state recorder (state samples need single-step dispatches).
    const spec = JSON.parse(readFileSync('examples/lif_small.json', 'utf8')) as { recorders: { type: string }[] };
    spec.recorders = spec.recorders.filter((r) => r.type !== 'state');
    const specPath = join(work, 'lif_small_no_state.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const runs: Record<string, Record<string, any>> = {};
    const spikes: Record<string, Buffer> = {};
    for (const [name, flags] of [['auto', []], ['dispatches', ['--persistent', 'off', '--no-merge']]] as const) {
      const out = join(work, `schedule-${name}`);
      const result = await cli('run', specPath, '--duration', '100', '--warmup', '20', '--out', out, '--quiet', ...flags);
      expect(result.code, result.stderr).toBe(0);
      runs[name] = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, any>;
      spikes[name] = readFileSync(join(out, 'spikes_E.npy'));
    }
    expect(runs['auto']!['steps_per_dispatch']).toMatchObject({ steps: 1 });
    // 'auto' timed both schedules in this run and kept the faster (the choice depends on the device).
    expect(runs['auto']!['steps_per_dispatch']['persistent']).toMatch(/^measured: /);
    expect(runs['dispatches']!['steps_per_dispatch']['persistent']).toBe('off (schedule.persistent: false)');
    expect(runs['dispatches']!['dispatches_per_step']['by_stage']).toEqual({ updates: 2, 'spike propagation': 1 });
    expect(spikes['auto']!.length).toBeGreaterThan(1000);
    expect(spikes['dispatches']!.equals(spikes['auto']!)).toBe(true);
  });

  it('exits with 2 and names the field for a malformed spec, leaving no output', async () => {
    const spec = JSON.parse(readFileSync('examples/lif_small.json', 'utf8')) as { populations: { size: unknown }[] };
    spec.populations[1]!.size = -4;
    const parent = join(work, 'bad');
    const specPath = join(work, 'bad_spec.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const result = await cli('run', specPath, '--duration', '100', '--out', join(parent, 'out'), '--quiet');
    expect(result.code).toBe(2);
    expect(result.exitCalls).toEqual([2]);
    expect(result.stderr).toContain('populations[1].size');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(parent, 'out'))).toBe(false);
    if (existsSync(parent)) expect(readdirSync(parent)).toEqual([]);
  });

  it('exits with 2 when the network does not fit, leaving nothing half-written', async () => {
    const parent = join(work, 'toolarge');
    const result = await cli('run', 'examples/lif_small.json', '--duration', '300', '--out', join(parent, 'out'), '--gpu-memory-gib', '0.0000001', '--quiet');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/NetworkTooLargeError: .*GPU memory/);
    expect(existsSync(parent)).toBe(false); // the run created it, and removed it again
    // An existing parent keeps only what it had.
    const existing = join(work, 'existing');
    mkdirSync(existing);
    writeFileSync(join(existing, 'keep.txt'), 'x');
    const again = await cli('run', 'examples/lif_small.json', '--duration', '300', '--out', join(existing, 'out'), '--gpu-memory-gib', '0.0000001', '--quiet');
    expect(again.code).toBe(2);
    expect(readdirSync(existing)).toEqual(['keep.txt']);
  });

  it('exits with 2 for a missing file and for bad options', async () => {
    const missing = await cli('run', join(work, 'nope.json'), '--duration', '100', '--out', join(work, 'x'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    for (const duration of ['-5', '0', 'abc', 'Infinity']) {
      const bad = await cli('run', 'examples/lif_small.json', '--duration', duration, '--out', join(work, 'x'));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--duration must be a positive finite number');
    }
    const { run: _run, ...withoutRun } = JSON.parse(readFileSync('examples/lif_small.json', 'utf8')) as Record<string, unknown>;
    const bare = join(work, 'no-run-block.json');
    writeFileSync(bare, JSON.stringify(withoutRun));
    const noDuration = await cli('run', bare, '--out', join(work, 'x'));
    expect(noDuration.code).toBe(2);
    expect(noDuration.stderr).toContain('--duration');
    expect(existsSync(join(work, 'x'))).toBe(false);
  });
});

describe('cortexgpu validate / example', () => {
  it('describes a valid spec', async () => {
    const result = await cli('validate', 'examples/coba.json');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('3,200 neurons');
    expect(result.stdout).toMatch(/projections \(4, ~320,000 synapses expected\)/);
  });

  it('prints GPU memory per population and projection against the budget (also as JSON)', async () => {
    const result = await cli('validate', 'examples/coba.json');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\n {2}population E +\d+\.\d\d KiB +5 state × 3,200 × batch 1/);
    expect(result.stdout).toMatch(/\n {2}projection E->E#0 +1\.\d\d MiB +~204,800 synapses; spike CSR by source, 8 B per synapse\n/);
    expect(result.stdout).toMatch(/\n {2}total +\d+\.\d\d MiB +[\d.]+ % of the budget\n {2}budget +\d+\.\d\d GiB +\S/);
    expect(result.stdout).toContain('memory: OK');
    const json = await cli('validate', 'examples/coba.json', '--json');
    expect(json.code).toBe(0);
    const memory = (JSON.parse(json.stdout) as { memory: { fits: boolean; total_bytes: number; projections: { name: string; synapses: number; bytes: number }[] } }).memory;
    expect(memory.fits).toBe(true);
    expect(memory.projections[0]).toMatchObject({ name: 'E->E#0', synapses: 204800, bytes: 4 * 3201 + 8 * 204800 + 4 * 6400 });
  });

  it('refuses a 20-billion-synapse network with exit code 2, naming the projection and what to do', async () => {
    const specPath = join(work, 'twenty-billion.json');
    writeFileSync(specPath, JSON.stringify({
      name: 'twenty_billion',
      // Five all-to-all projections of 4·10⁹ synapses (one projection holds at most 2³² − 1).
      populations: [{ name: 'A', model: 'lif_psc_exp', size: 100_000 }, { name: 'B', model: 'lif_psc_exp', size: 40_000 }],
      projections: Array.from({ length: 5 }, () => ({ source: 'A', target: 'B', connector: { type: 'all_to_all' }, weight: 1 })),
    }));
    // 2·10¹⁰ synapses × 8 B = 149 GiB: over the default budget of a GPU (16 GiB) and of a
    // software adapter on any host under 596 GiB.
    const result = await cli('validate', specPath);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('projections (5, ~20,000,000,000 synapses expected)');
    expect(result.stdout).toMatch(/\n {2}projection A->B#0 +29\.80 GiB/);
    expect(result.stdout).toContain('memory: DOES NOT FIT');
    expect(result.stderr).toMatch(/NetworkTooLargeError: '.*twenty-billion\.json' will not fit/);
    expect(result.stderr).toMatch(/the network needs 149\.\d\d GiB of GPU memory, more than the budget of .*; largest: projection A->B#0 29\.80 GiB/);
    expect(result.stderr).toContain('reduce population sizes or connection density');
    expect(result.stderr).toContain('--gpu-memory-gib');
    const withBudget = await cli('validate', specPath, '--gpu-memory-gib', '200');
    expect(withBudget.code).toBe(0);
    expect(withBudget.stdout).toMatch(/budget +200\.00 GiB +set by --gpu-memory-gib/);
  });

  it('describes the default memory budget in info and --help as the engine applies it', async () => {
    const context = await nodeGpu({ verbose: false });
    const budget = defaultMemoryBudget(context.info, totalmem());
    const info = await cli('info');
    expect(info.stdout).toContain(`default memory budget of a network: ${formatBytes(budget.bytes, { exact: false })}, ${budget.rule};`);
    for (const command of ['run', 'validate']) {
      const help = await cli(command, '--help');
      expect(help.stdout.replace(/\s+/g, ' ')).toContain(DEFAULT_MEMORY_BUDGET_RULE);
    }
    // The engine refuses with the same budget (its default, not restated here): a network far
    // over any budget is refused before anything is built.
    const huge = {
      populations: [{ name: 'A', model: 'lif_psc_exp', size: 100_000 }, { name: 'B', model: 'lif_psc_exp', size: 40_000 }],
      projections: Array.from({ length: 5 }, () => ({ source: 'A', target: 'B', connector: { type: 'all_to_all' as const }, weight: 1 })),
    };
    const refusal = await createNodeSimulator(huge, { context }).then(() => null, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(NetworkTooLargeError);
    expect((refusal as NetworkTooLargeError).availableBytes).toBe(budget.bytes);
  });

  it('reports an invalid spec with exit code 2', async () => {
    const specPath = join(work, 'typo.json');
    writeFileSync(specPath, JSON.stringify({ populatons: [] }));
    const result = await cli('validate', specPath);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('populatons');
  });

  it('prints a valid PD14 spec with in-degree preserving synapse counts', async () => {
    const result = await cli('example', 'pd14', '--scale', '0.05', '--background', 'dc');
    expect(result.code).toBe(0);
    const spec = parseSpecJson(result.stdout, 'example');
    expect(spec.populations.map((p) => p.size)).toEqual(PD14_PARAMETERS.full_num_neurons.map((n) => Math.round(n * 0.05)));
    expect(spec.inputs).toEqual([]);
    const w = pspToPscAmplitude(0.15, 10, 0.5, 250);
    expect(w).toBeCloseTo(87.81, 2);
    // DC = K_ext · 8 Hz · w · τ_syn.
    expect(spec.populations[0]!.params!['i_e_pA']).toBeCloseTo((1600 * 8 * w * 0.5) / 1000, 4);
    const l4eToL23e = spec.projections!.find((p) => p.source === 'L4E' && p.target === 'L23E')!;
    expect(l4eToL23e.connector).toEqual({ type: 'fixed_total_number', n: Math.round(pd14SynapseCount(0.0437, 21915, 20683) * 0.05) });
    expect((l4eToL23e.weight as { normal: { mean: number } }).normal.mean).toBeCloseTo(2 * w, 4);
    const inhibitory = spec.projections!.find((p) => p.source === 'L23I' && p.target === 'L23E')!;
    expect(inhibitory.receptor).toBe('inhibitory');
    expect((inhibitory.weight as { normal: { mean: number } }).normal.mean).toBeCloseTo(4 * w, 4);
    const bad = await cli('example', 'pd14', '--scale', '2');
    expect(bad.code).toBe(2);
  });

  it('keeps the PD14 constant equal to examples/pd14/parameters.json', () => {
    const json = JSON.parse(readFileSync('examples/pd14/parameters.json', 'utf8')) as Record<string, unknown>;
    for (const [key, value] of Object.entries(PD14_PARAMETERS)) {
      if (typeof value === 'object' && !Array.isArray(value)) expect(json[key]).toMatchObject(value as object);
      else expect(json[key]).toEqual(value);
    }
  });
});
