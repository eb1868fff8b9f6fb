/**
 * The edge_list connector: explicit synapses (sources, targets, weights, delays per synapse),
 * validated with field-naming errors, uploaded to the GPU as the matrix connector is, run on the
 * GPU and on the CPU reference with identical spikes, with the engine's steps per dispatch set by
 * the list's shortest delay; .npy files named in a JSON spec are read next to it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findSpecIssues } from '../src/model/schema.js';
import { planNetwork } from '../src/model/plan.js';
import { generateConnectivity } from '../src/model/connectivity.js';
import { estimateNetworkMemory } from '../src/gpu/sizing.js';
import { encodeNpy } from '../src/io/npy.js';
import type { NetworkSpec, ProjectionSpec } from '../src/model/spec.js';
import type { SpikeRecording } from '../src/model/recording.js';
import { gpuSimulator } from './helpers/gpu.js';
import { CpuSimulator } from '../src/cpu/simulator.js';
import { cli } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'cortexgpu-edge-list-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Three sources with given spikes onto four LIF neurons through six listed synapses. */
function network(projection: Partial<ProjectionSpec> = {}): NetworkSpec {
  return {
    dt_ms: 0.1, seed: 5,
    populations: [
      { name: 'X', size: 3, model: 'spike_source_array', spike_times_ms: [[1.0], [2.0, 2.05], []] },
      { name: 'E', size: 4, model: 'lif_psc_delta' },
    ],
    projections: [{
      source: 'X', target: 'E',
      // 0→0 twice (a multapse, the second 2 ms later), 1→1 twice (8 mV each), 0→1, 2→3.
      connector: { type: 'edge_list', sources: [0, 0, 1, 1, 2, 0], targets: [0, 1, 1, 1, 3, 0], weights: [16, 5, 8, 8, 20, 16], delays_ms: [0.1, 1.5, 0.3, 0.3, 1, 2.0] },
      ...projection,
    }],
    recorders: [{ type: 'spikes', population: 'E' }],
  };
}

const spikesOf = (r: SpikeRecording): [number, number][] => Array.from(r.steps, (s, k) => [s, r.senders[k]!] as [number, number]);

describe('edge_list connector', () => {
  it('builds the listed synapses: rows by source in list order, delays in steps, weights and delays bounded', () => {
    const plan = planNetwork(network());
    const proj = plan.projections[0]!;
    expect(proj.recipe.kind).toBe('edge_list');
    // The shortest delay (1 step) and the longest (20 steps) size the schedule and the ring.
    expect(proj.recipe.delay?.firstStep).toBe(1);
    expect(proj.maxDelaySteps).toBe(20);
    expect(proj.hasDelays).toBe(true);
    expect(plan.populations[1]!.ringSlots).toBe(21);
    const c = generateConnectivity(proj.recipe);
    expect([...c.rowPtr]).toEqual([0, 3, 5, 6]);
    expect([...c.targets]).toEqual([0, 1, 0, 1, 1, 3]);
    expect([...c.weights]).toEqual([16, 5, 16, 8, 8, 20]);
    expect([...c.delaySteps!]).toEqual([1, 15, 20, 3, 3, 10]);
    const estimate = estimateNetworkMemory(network());
    expect(estimate.projections[0]!.synapses).toBe(6);
    expect(estimate.projections[0]!.largestRowSynapses).toBe(3);
    // One delay for all: no per-synapse delays stored.
    const constant = planNetwork(network({ connector: { type: 'edge_list', sources: [0, 1], targets: [2, 3], weights: [1, 2] }, delay_ms: 0.5 })).projections[0]!;
    expect(constant.recipe.delay).toBeNull();
    expect(constant.constantDelaySteps).toBe(5);
    expect(generateConnectivity(constant.recipe).delaySteps).toBeNull();
  });

  it('refuses malformed lists, naming the field and entry', () => {
    const issues = (projection: Partial<ProjectionSpec>): string[] => findSpecIssues(network(projection)).map((i) => `${i.path}: ${i.message}`);
    const conn = (c: Record<string, unknown>): Partial<ProjectionSpec> => ({ connector: { type: 'edge_list', sources: [0], targets: [0], weights: [1], ...c } as ProjectionSpec['connector'] });
    expect(issues(conn({ targets: [0, 1] }))).toEqual([expect.stringMatching(/^projections\[0\]\.connector\.targets: needs one entry per synapse, as many as sources \(1\) \(got 2\)/)]);
    expect(issues(conn({ sources: [3] }))).toEqual([expect.stringMatching(/^projections\[0\]\.connector\.sources\[0\]: must be the index of a neuron of "X", an integer from 0 to 2 \(got 3\)/)]);
    expect(issues(conn({ targets: [1.5] }))).toEqual([expect.stringMatching(/connector\.targets\[0\]: must be the index of a neuron of "E"/)]);
    expect(issues(conn({ weights: [-1] }))).toEqual([expect.stringMatching(/connector\.weights\[0\]: must be >= 0 mV \(got -1\); .*"receptor": "inhibitory"/)]);
    expect(issues(conn({ delays_ms: [0.01] }))).toEqual([expect.stringMatching(/connector\.delays_ms\[0\]: delays must be >= dt_ms = 0\.1 ms \(got 0\.01 ms\)/)]);
    expect(issues(conn({ weights: undefined }))).toEqual([expect.stringMatching(/connector\.weights: is required/)]);
    expect(issues(conn({ sources: 'x.npy' }))).toEqual([expect.stringMatching(/connector\.sources: names a file \(got "x\.npy"\), which is read by cortexgpu run\/validate/)]);
    expect(issues({ ...conn({}), weight: 2 })).toEqual([expect.stringMatching(/projections\[0\]\.weight: must be left out with the edge_list connector/)]);
    expect(issues({ ...conn({ delays_ms: [1] }), delay_ms: 1 })).toEqual([expect.stringMatching(/projections\[0\]\.delay_ms: must be left out when the edge_list connector gives delays_ms/)]);
    expect(issues({ ...conn({}), procedural: true })).toEqual([expect.stringMatching(/procedural: needs a connector whose rows are generated per source/)]);
    // Typed arrays are lists too (TypeScript).
    expect(issues(conn({ sources: Uint32Array.of(2), targets: Int32Array.of(3), weights: Float64Array.of(0.5) }))).toEqual([]);
  });

  it('runs on the GPU with the CPU reference\'s spikes; targets fire when the listed synapses say', async () => {
    const spec = network();
    const sim = await gpuSimulator(spec);
    // The shortest listed delay (one step) bounds the steps per dispatch.
    expect(sim.stepsPerDispatch).toBe(1);
    await sim.run(5);
    const gpu = sim.recordings()[0] as SpikeRecording;
    const synapses = await sim.connectivity(0);
    sim.destroy();
    const cpu = new CpuSimulator(spec);
    cpu.run(5);
    const reference = cpu.recordings()[0] as SpikeRecording;
    expect(spikesOf(gpu)).toEqual(spikesOf(reference));
    // E0: X0's spike (step 10) through the 16 mV synapse of one step fires it at step 11 (the
    // multapse 20 steps later arrives while it is refractory); E1: X1's two spikes of step 20
    // through two 8 mV synapses of 3 steps (32 mV) fire it at step 23; X2 never spikes.
    expect(spikesOf(gpu)).toEqual([[11, 0], [23, 1]]);
    // The uploaded synapses read back as listed.
    expect([...synapses.rowPtr]).toEqual([0, 3, 5, 6]);
    expect([...synapses.targets]).toEqual([0, 0, 1, 1, 1, 3]);
    expect([...synapses.delaySteps!]).toEqual([1, 20, 15, 3, 3, 10]);

    // A shortest delay of 3 steps lets one dispatch advance 3 steps, with the same spikes.
    const slower = network({ connector: { type: 'edge_list', sources: [0, 1, 1], targets: [0, 1, 1], weights: [16, 8, 8], delays_ms: [0.3, 0.4, 0.4] } });
    const sim3 = await gpuSimulator(slower);
    expect(sim3.stepsPerDispatch).toBe(3);
    await sim3.run(5);
    const gpu3 = sim3.recordings()[0] as SpikeRecording;
    sim3.destroy();
    expect(spikesOf(gpu3)).toEqual([[13, 0], [24, 1]]);
  });

  it('initial state given per neuron (an imported network\'s per-node V_m)', () => {
    const spec = network();
    const withInitial: NetworkSpec = { ...spec, batch: 2, populations: [spec.populations[0]!, { ...spec.populations[1]!, initial: { v_mV: [-70, -60, -55.5, -65] } }] };
    const plan = planNetwork(withInitial);
    const v = plan.populations[1]!.initialState[0]!;
    // Neuron-major, the same in both trials.
    expect([...v]).toEqual([-70, -70, -60, -60, -55.5, -55.5, -65, -65]);
    const issues = findSpecIssues({ ...withInitial, populations: [spec.populations[0]!, { ...spec.populations[1]!, initial: { v_mV: [-70, -60] } }] });
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([expect.stringMatching(/^populations\[1\]\.initial\.v_mV: needs one value per neuron: 4 values \(got 2\)/)]);
  });

  it('cortexgpu run reads an edge list\'s arrays from .npy files next to the spec', async () => {
    const dir = join(work, 'npy');
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'src.npy'), encodeNpy(Uint32Array.of(0, 1, 1), [3]));
    writeFileSync(join(dir, 'tgt.npy'), encodeNpy(Int32Array.of(0, 1, 1), [3]));
    writeFileSync(join(dir, 'w.npy'), encodeNpy(Float64Array.of(16, 8, 8), [3]));
    writeFileSync(join(dir, 'd.npy'), encodeNpy(Float32Array.of(0.3, 0.4, 0.4), [3]));
    const spec = network({ connector: { type: 'edge_list', sources: 'src.npy', targets: 'tgt.npy', weights: 'w.npy', delays_ms: 'd.npy' } as unknown as ProjectionSpec['connector'] });
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ ...spec, run: { duration_ms: 5 } }));
    const out = join(work, 'npy-run');
    const result = await cli('run', join(dir, 'spec.json'), '--out', out, '--quiet');
    expect(result.code, result.stderr).toBe(0);
    const missing = { ...spec, projections: [{ ...spec.projections![0]!, connector: { type: 'edge_list', sources: 'none.npy', targets: 'tgt.npy', weights: 'w.npy' } }] };
    writeFileSync(join(dir, 'missing.json'), JSON.stringify({ ...missing, run: { duration_ms: 5 } }));
    const bad = await cli('run', join(dir, 'missing.json'), '--out', join(work, 'never'), '--quiet');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/projections\[0\]\.connector\.sources: cannot read '.*none\.npy': no such file/);
  });
});

describe('explicit weights and the fixed-point input scale', () => {
  it('sizes a spiking target\'s input scale from a matrix connector\'s weights (no overflow of large summed weights)', async () => {
    // 40 sources spike together at 1 ms; through 60 mV each their 2,400 mV arrive in one step,
    // beyond what the default scale (2²⁰ per mV) holds in an i32: the target fires on the GPU as
    // on the CPU reference only when the scale comes from the matrix's weights.
    const spec: NetworkSpec = {
      dt_ms: 0.1, seed: 3,
      populations: [
        { name: 'X', size: 40, model: 'spike_source_array', spike_times_ms: Array.from({ length: 40 }, () => [1.0]) },
        { name: 'E', size: 1, model: 'lif_psc_delta' },
      ],
      projections: [{ source: 'X', target: 'E', connector: { type: 'matrix', weights: [Array.from({ length: 40 }, () => 60)] }, delay_ms: 0.1 }],
      recorders: [{ type: 'spikes', population: 'E' }],
    };
    const sim = await gpuSimulator(spec);
    try {
      await sim.run(3);
      const gpu = sim.recordings()[0] as SpikeRecording;
      const cpu = new CpuSimulator(spec);
      cpu.run(3);
      expect(spikesOf(gpu)).toEqual(spikesOf(cpu.recordings()[0] as SpikeRecording));
      expect(spikesOf(gpu)).toEqual([[11, 0]]);
    } finally {
      sim.destroy();
    }
  });
});
