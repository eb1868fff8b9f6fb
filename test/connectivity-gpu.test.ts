/**
 * Connectivity generated on the GPU (shaders/engine/connectivity_generate.wgsl) against the CPU
 * reference (generateConnectivity): identical row lengths, targets and delays, weights within
 * float32 rounding, for every connector on several seeds and sizes; bitwise-reproducible.
 */
import { describe, expect, it } from 'vitest';
import { connectivityRecipe, generateConnectivity, preferredOrientationsDeg, type Connectivity, type ConnectivityRecipe } from '../src/model/connectivity.js';
import type { ConnectorSpec, Distribution, NetworkSpec } from '../src/model/spec.js';
import type { SpikeRecording } from '../src/model/recording.js';
import { validateSpec } from '../src/model/schema.js';
import { KernelCache } from '../src/gpu/kernels.js';
import { downloadConnectivity, generateOnDevice, sortRows, type ConnectivityAllocator } from '../src/gpu/connectivity.js';
import { nodeShaderLoader } from '../src/node/shaders.js';
import { gpuSimulator, testGpu } from './helpers/gpu.js';
import { cli } from './helpers/cli.js';
import { CpuSimulator } from '../src/cpu/simulator.js';
import { decodeNpy } from '../src/io/npy.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function allocator(maxBindingBytes?: number): Promise<ConnectivityAllocator & { destroy(): void }> {
  const { device, limits } = await testGpu();
  const buffers: GPUBuffer[] = [];
  return {
    device,
    cache: new KernelCache(device, nodeShaderLoader),
    limits: maxBindingBytes ? ({ ...limitsObject(limits), maxStorageBufferBindingSize: maxBindingBytes } as GPUSupportedLimits) : limits,
    storage(label, bytes, data) {
      const size = Math.max(16, Math.ceil(bytes / 4) * 4);
      const b = device.createBuffer({ label, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, mappedAtCreation: data !== undefined });
      if (data) {
        new Uint8Array(b.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        b.unmap();
      }
      buffers.push(b);
      return b;
    },
    destroy() {
      for (const b of buffers) b.destroy();
    },
  };
}

function limitsObject(limits: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of ['maxStorageBufferBindingSize', 'maxComputeWorkgroupsPerDimension', 'maxBufferSize'] as const) out[key] = limits[key];
  return out;
}

function recipe(connector: ConnectorSpec, ns: number, nt: number, seed: number, opts: { weight?: Distribution; delay?: Distribution; same?: boolean; ring?: boolean } = {}): ConnectivityRecipe {
  const pre = opts.ring ? preferredOrientationsDeg('random', ns, seed, 0) : undefined;
  const post = opts.ring ? preferredOrientationsDeg('random', nt, seed, 1) : undefined;
  return connectivityRecipe(
    { source: 'a', target: opts.same ? 'a' : 'b', connector, weight: opts.weight ?? 1, ...(opts.delay !== undefined ? { delay_ms: opts.delay } : {}) },
    { size: ns, ...(pre ? { preferredDeg: pre } : {}) },
    { size: nt, ...(post ? { preferredDeg: post } : {}) },
    { dtMs: 0.1, seed, projectionIndex: 3, sameSource: opts.same ?? false },
  );
}

/** The CPU reference in canonical row order. */
function canonical(c: Connectivity): Connectivity {
  const targets = c.targets.slice();
  const weights = c.weights.slice();
  const delays = c.delaySteps ? c.delaySteps.slice() : null;
  sortRows(c.rowPtr, targets, weights, delays);
  return { ...c, targets, weights, delaySteps: delays };
}

function expectSame(gpu: Connectivity, cpu: Connectivity): void {
  expect(gpu.nSynapses).toBe(cpu.nSynapses);
  expect(Array.from(gpu.rowPtr)).toEqual(Array.from(cpu.rowPtr));
  expect(gpu.targets).toEqual(cpu.targets);
  if (cpu.delaySteps) expect(gpu.delaySteps).toEqual(cpu.delaySteps);
  else expect(gpu.delaySteps).toBeNull();
  let worst = 0;
  for (let k = 0; k < cpu.nSynapses; k++) {
    const scale = Math.max(1, Math.abs(cpu.weights[k]!));
    worst = Math.max(worst, Math.abs(gpu.weights[k]! - cpu.weights[k]!) / scale);
  }
  expect(worst).toBeLessThan(4e-6);
}

const NORMAL_W: Distribution = { normal: { mean: 2, std: 0.5 }, min: 0 };
const NORMAL_D: Distribution = { normal: { mean: 1.5, std: 0.75 }, min: 0.1 };

describe('connectivity generated on the GPU equals the CPU reference', () => {
  const cases: [string, ConnectorSpec, number, number, { weight?: Distribution; delay?: Distribution; same?: boolean; ring?: boolean }][] = [
    ['all_to_all, no autapses', { type: 'all_to_all', autapses: false }, 97, 97, { same: true, weight: { uniform: [0.5, 1.5] } }],
    ['one_to_one', { type: 'one_to_one' }, 300, 300, { delay: { uniform: [0.1, 3] } }],
    ['fixed_probability', { type: 'fixed_probability', p: 0.1 }, 700, 1300, { weight: NORMAL_W, delay: NORMAL_D }],
    ['fixed_probability p = 1, no autapses', { type: 'fixed_probability', p: 1, autapses: false }, 50, 50, { same: true }],
    ['ring', { type: 'ring', p_max: 0.4, kappa: 2 }, 400, 350, { ring: true, weight: NORMAL_W }],
    ['fixed_indegree (multapses), no autapses', { type: 'fixed_indegree', indegree: 37, autapses: false }, 900, 900, { same: true, weight: NORMAL_W, delay: NORMAL_D }],
    ['fixed_indegree without multapses', { type: 'fixed_indegree', indegree: 120, multapses: false }, 500, 640, { weight: { uniform: [-1, 1] } }],
    ['fixed_total_number', { type: 'fixed_total_number', n: 50_000 }, 800, 600, { weight: NORMAL_W, delay: NORMAL_D }],
    ['fixed_total_number, no autapses', { type: 'fixed_total_number', n: 20_000, autapses: false }, 300, 300, { same: true }],
  ];
  for (const [what, connector, ns, nt, opts] of cases) {
    it(`${what} (${ns} → ${nt}), seeds 1 and 2`, async () => {
      const alloc = await allocator();
      try {
        for (const seed of [1, 2]) {
          const r = recipe(connector, ns, nt, seed, opts);
          const cpu = canonical(generateConnectivity(r));
          const dc = await generateOnDevice(alloc, r, what);
          expect(dc.nSynapses).toBe(cpu.nSynapses);
          const inDegree = new Uint32Array(nt);
          for (let k = 0; k < cpu.nSynapses; k++) inDegree[cpu.targets[k]!]!++;
          expect(dc.inDegree).toEqual(inDegree);
          expectSame(await downloadConnectivity(alloc.device, dc), cpu);
        }
      } finally {
        alloc.destroy();
      }
    });
  }

  it('splits rows into chunks that fit one storage binding, with the same synapses; reruns are bitwise identical', async () => {
    const alloc = await allocator(4096 * 4); // 4,096 synapses per binding: several chunks
    try {
      const r = recipe({ type: 'fixed_total_number', n: 30_000 }, 500, 400, 9, { weight: NORMAL_W, delay: NORMAL_D });
      const a = await generateOnDevice(alloc, r, 'chunked');
      expect(a.chunks.length).toBeGreaterThan(5);
      const first = await downloadConnectivity(alloc.device, a);
      expectSame(first, canonical(generateConnectivity(r)));
      const again = await downloadConnectivity(alloc.device, await generateOnDevice(alloc, r, 'chunked again'));
      expect(again.targets).toEqual(first.targets);
      expect(again.weights).toEqual(first.weights);
      expect(again.delaySteps).toEqual(first.delaySteps);
    } finally {
      alloc.destroy();
    }
  });

  it('refuses a row larger than one storage binding, naming the projection and the limit', async () => {
    const alloc = await allocator(64 * 4);
    try {
      await expect(generateOnDevice(alloc, recipe({ type: 'all_to_all' }, 2, 100, 1), 'E->I')).rejects.toThrow(/E->I: neuron 0 has 100 outgoing synapses, more than one storage binding holds \(64, maxStorageBufferBindingSize\)/);
    } finally {
      alloc.destroy();
    }
  });
});

describe('the engine holds generated synapses on the device only', () => {
  const spec = {
    dt_ms: 0.1, seed: 4,
    populations: [
      { name: 'E', size: 300, model: 'lif_psc_exp' },
      { name: 'I', size: 80, model: 'lif_psc_exp' },
    ],
    projections: [
      { name: 'EI', source: 'E', target: 'I', connector: { type: 'fixed_indegree' as const, indegree: 40 }, weight: { normal: { mean: 20, std: 5 }, min: 0 }, delay_ms: { uniform: [0.5, 2] as [number, number] } },
      { name: 'IE', source: 'I', target: 'E', connector: { type: 'fixed_probability' as const, p: 0.3 }, weight: 50, receptor: 'inhibitory' as const },
    ],
  };

  it('sim.connectivity() downloads what the CPU reference generates; the plan keeps no synapse arrays', async () => {
    const sim = await gpuSimulator(spec);
    try {
      const cpu = new CpuSimulator(spec);
      for (const name of ['EI', 'IE']) {
        expect(sim.plan.projections.find((p) => p.name === name)!.connectivity).toBeNull();
        expectSame(await sim.connectivity(name), canonical(cpu.connectivity(name)));
      }
    } finally {
      sim.destroy();
    }
  });

  it('cortexgpu run --save-connectivity writes each projection\'s synapses and weights as .npy', async () => {
    const work = mkdtempSync(join(tmpdir(), 'cortexgpu-conn-'));
    try {
      writeFileSync(join(work, 'spec.json'), JSON.stringify({ ...spec, run: { duration_ms: 5 } }));
      const result = await cli('run', join(work, 'spec.json'), '--out', join(work, 'out'), '--quiet', '--save-connectivity');
      expect(result.code, result.stderr).toBe(0);
      const reference = canonical(new CpuSimulator(spec).connectivity('EI'));
      const table = decodeNpy(readFileSync(join(work, 'out', 'synapses_EI.npy')));
      const weights = decodeNpy(readFileSync(join(work, 'out', 'weights_EI.npy')));
      expect(table.shape).toEqual([reference.nSynapses, 3]);
      expect(weights.shape).toEqual([reference.nSynapses]);
      for (let s = 0; s < reference.sourceSize; s++) {
        for (let k = reference.rowPtr[s]!; k < reference.rowPtr[s + 1]!; k++) {
          expect([table.data[3 * k], table.data[3 * k + 1], table.data[3 * k + 2]]).toEqual([s, reference.targets[k], reference.delaySteps![k]]);
          expect(Math.abs(weights.data[k]! - reference.weights[k]!)).toBeLessThan(1e-4);
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('procedural connectivity', () => {
  /** Brunel (2000) network A-style, 10,000 LIF neurons, with fixed_probability p = 0.1 (per-source rows). */
  function brunel(procedural: boolean): NetworkSpec {
    const spec = JSON.parse(readFileSync('examples/brunel2000.json', 'utf8')) as NetworkSpec;
    return {
      ...spec, batch: 1, seed: 11,
      projections: spec.projections!.map((p) => ({ ...p, connector: { type: 'fixed_probability' as const, p: 0.1 }, ...(procedural ? { procedural: true } : {}) })),
      recorders: spec.populations.map((p) => ({ type: 'spikes' as const, population: p.name })),
    };
  }

  const spikes = async (spec: NetworkSpec, ms: number): Promise<{ keys: string[]; synapseBytes: number; connectivity: Connectivity }> => {
    const t0 = performance.now();
    const sim = await gpuSimulator(spec);
    try {
      const t1 = performance.now();
      await sim.run(ms);
      console.log(`build ${((t1 - t0) / 1000).toFixed(1)} s, run ${((performance.now() - t1) / 1000).toFixed(1)} s`);
      const keys = (sim.recordings() as SpikeRecording[]).flatMap((r, p) => Array.from(r.steps, (s, i) => `${p}:${s}:${r.trials[i]}:${r.senders[i]}`));
      const synapseBytes = Object.entries(sim.memory.byOwner).filter(([owner]) => owner.startsWith('projection')).reduce((n, [, b]) => n + b, 0);
      return { keys, synapseBytes, connectivity: await sim.connectivity(spec.projections!.length - 1) };
    } finally {
      sim.destroy();
    }
  };

  it('gives bitwise-identical spikes to stored connectivity on Brunel 2000 (p = 0.1, 30 ms), storing no synapses', async () => {
    const stored = await spikes(brunel(false), 30);
    const procedural = await spikes(brunel(true), 30);
    console.log(`Brunel 2000 p = 0.1: ${stored.keys.length} spikes stored, ${procedural.keys.length} procedural; projection memory ${stored.synapseBytes} vs ${procedural.synapseBytes} bytes`);
    expect(stored.keys.length).toBeGreaterThan(1000);
    expect(procedural.keys).toEqual(stored.keys);
    // What a procedural projection would store is the stored one, synapse for synapse.
    expect(procedural.connectivity.targets).toEqual(stored.connectivity.targets);
    expect(procedural.synapseBytes).toBeLessThan(0.01 * stored.synapseBytes);
  }, 120_000);

  it('matches stored connectivity with fixed_total_number rows, weight and delay distributions', async () => {
    const make = (procedural: boolean): NetworkSpec => ({
      dt_ms: 0.1, seed: 21,
      populations: [
        { name: 'E', size: 400, model: 'lif_psc_exp', initial: { v_mV: { uniform: [-70, -50] } } },
        { name: 'I', size: 100, model: 'lif_psc_exp', initial: { v_mV: { uniform: [-70, -50] } } },
      ],
      projections: [
        { source: 'E', target: 'E', connector: { type: 'fixed_total_number', n: 20_000 }, weight: { normal: { mean: 90, std: 9 }, min: 0 }, delay_ms: { normal: { mean: 1.5, std: 0.75 }, min: 0.1 }, ...(procedural ? { procedural: true } : {}) },
        { source: 'E', target: 'I', connector: { type: 'fixed_probability', p: 0.2 }, weight: { uniform: [50, 120] }, delay_ms: 0.8, ...(procedural ? { procedural: true } : {}) },
        { source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: 30 }, weight: 300, receptor: 'inhibitory' },
      ],
      inputs: [{ type: 'poisson', target: 'E', rate_hz: 8, n_sources: 1200, weight: 90 }, { type: 'poisson', target: 'I', rate_hz: 8, n_sources: 1100, weight: 90 }],
      recorders: [{ type: 'spikes', population: 'E' }, { type: 'spikes', population: 'I' }],
    });
    const stored = await spikes(make(false), 200);
    const procedural = await spikes(make(true), 200);
    expect(stored.keys.length).toBeGreaterThan(200);
    expect(procedural.keys).toEqual(stored.keys);
  }, 60_000);

  it('a projection of more than 2^32 − 1 synapses is refused by name, procedural or not', () => {
    const spec = (connector: ConnectorSpec): NetworkSpec => ({
      populations: [{ name: 'A', size: 100_000, model: 'lif_psc_exp' }, { name: 'B', size: 100_000, model: 'lif_psc_exp' }],
      projections: [{ source: 'A', target: 'B', connector, weight: 1, procedural: connector.type !== 'fixed_indegree' }],
    });
    expect(() => validateSpec(spec({ type: 'fixed_total_number', n: 5e9 }))).toThrow(/projections\[0\]\.connector\.n: this projection would hold 5,000,000,000 synapses, more than the 4,294,967,295 \(2\^32 − 1\).*lower n, or split it/);
    expect(() => validateSpec(spec({ type: 'all_to_all' }))).toThrow(/projections\[0\]\.connector: this projection would hold 10,000,000,000 synapses.*use a sparse connector/);
    expect(() => validateSpec(spec({ type: 'fixed_indegree', indegree: 50_000 }))).toThrow(/projections\[0\]\.connector\.indegree: this projection would hold 5,000,000,000 synapses/);
  });

  it('is refused where rows cannot be regenerated per source, naming the field and what to do', () => {
    const spec = brunel(true);
    const bad = { ...spec, projections: spec.projections!.map((p, i) => (i === 0 ? { ...p, connector: { type: 'fixed_indegree' as const, indegree: 800 } } : p)) };
    expect(() => validateSpec(bad)).toThrow(/projections\[0\]\.procedural: needs a connector whose rows are generated per source \(fixed_probability, fixed_total_number, all_to_all, one_to_one, ring\); got "fixed_indegree".*p = indegree \/ source size/);
  });
});

describe('dispatches per step', () => {
  it('are reported by stage; populations of one model share a dispatch; a recorder sampling every 5 steps counts 1/5', async () => {
    const spec: NetworkSpec = {
      dt_ms: 0.1, seed: 2,
      populations: [{ name: 'E', size: 200, model: 'lif_psc_exp' }, { name: 'I', size: 50, model: 'lif_psc_exp' }],
      projections: [
        { source: 'E', target: 'I', connector: { type: 'fixed_probability', p: 0.1 }, weight: 10 },
        { source: 'I', target: 'E', connector: { type: 'fixed_probability', p: 0.1 }, weight: 10, receptor: 'inhibitory' },
        { source: 'E', target: 'E', connector: { type: 'fixed_probability', p: 0.1 }, weight: 10, procedural: true },
      ],
      recorders: [{ type: 'spikes', population: 'E' }, { type: 'state', population: 'I', variable: 'v_mV', neurons: { first: 5 }, every_ms: 0.5 }],
    };
    const sim = await gpuSimulator(spec);
    try {
      // E and I share a model: one update dispatch. One propagation dispatch covers the stored
      // projections (one synapse bank), the procedural one (its rows regenerated there) and the
      // recording of E's spikes. The state recorder forces one step per block, every 5th step.
      const d = sim.dispatchesPerStep(0, 1000);
      expect(sim.stepsPerDispatch).toBe(1);
      expect(d.byStage).toEqual({ updates: 1, 'spike propagation': 1, recorders: 0.2 });
      expect(d.total).toBeCloseTo(2.2, 10);
    } finally {
      sim.destroy();
    }
  });
});
