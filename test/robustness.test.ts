/**
 * Bad input never crashes or hangs: impossible networks are refused with byte counts before
 * anything is built, WGSL errors name file and line, divergent dynamics stop with a clear
 * error that keeps what was recorded, and a lost device is reported.
 */
import { describe, expect, it } from 'vitest';
import { GpuSimulator, DivergenceError } from '../src/gpu/simulator.js';
import { NetworkTooLargeError } from '../src/gpu/memory.js';
import { KernelCache } from '../src/gpu/kernels.js';
import { ShaderCompileError } from '../src/gpu/shaders.js';
import { DeviceLostError } from '../src/gpu/context.js';
import { acquireNodeGpu } from '../src/node/gpu.js';
import { nodeShaderLoader } from '../src/node/shaders.js';
import { SpecError } from '../src/model/schema.js';
import type { NetworkSpec } from '../src/model/spec.js';
import type { StateRecording } from '../src/model/recording.js';
import { gpuSimulator, testGpu } from './helpers/gpu.js';

describe('impossible networks', () => {
  it('refuses 10^12 synapses before building them, with required and available bytes', async () => {
    // 250 all-to-all projections of 4·10⁹ synapses (one projection holds at most 2³² − 1).
    const spec: NetworkSpec = {
      populations: [{ name: 'A', size: 1_000_000, model: 'lif_psc_exp' }, { name: 'T', size: 4000, model: 'lif_psc_exp' }],
      projections: Array.from({ length: 250 }, () => ({ source: 'A', target: 'T', connector: { type: 'all_to_all' as const }, weight: 1 })),
    };
    const started = performance.now();
    const error = await gpuSimulator(spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkTooLargeError);
    const message = (error as Error).message;
    // The refusal of `cortexgpu validate` (the memory estimate of src/gpu/sizing.ts): the total,
    // the largest owners and what to do.
    expect(message).toMatch(/the network needs [\d.]+ TiB of GPU memory, more than the budget of [\d.]+ GiB .*; largest: projection A->T#0 [\d.]+ GiB/);
    expect(message).toContain('mark the largest projections procedural');
    expect((error as NetworkTooLargeError).requiredBytes).toBeGreaterThan(7e12);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('refuses a population whose state exceeds one storage binding, naming the limit', async () => {
    const context = await testGpu();
    const size = Math.ceil(context.limits.maxStorageBufferBindingSize / (4 * 4 * 64)) + 1;
    const error = await gpuSimulator({ batch: 64, populations: [{ name: 'Big', size, model: 'lif_psc_exp' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkTooLargeError);
    expect((error as Error).message).toMatch(/population Big: .* needs .* in one storage binding, but the device's maxStorageBufferBindingSize is/);
  });

  it('rejects malformed specs with SpecError before touching the GPU', async () => {
    const error = await gpuSimulator({ populations: [{ name: 'A', size: -3, model: 'lif_psc_exp' }] } as NetworkSpec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as Error).message).toContain('populations[0].size');
  });
});

describe('WGSL errors', () => {
  it('name the shader file and line of the error', async () => {
    const context = await testGpu();
    const broken = 'fn helper() -> f32 {\n  return 1.0;\n}\n\n@compute @workgroup_size(64)\nfn main() {\n  let x: f32 = undefined_name + 1.0;\n}\n';
    const cache = new KernelCache(context.device, (file) => (file === 'broken.wgsl' ? broken : nodeShaderLoader(file)));
    const error = await cache.get({ name: 'broken', parts: ['engine/common.wgsl', 'broken.wgsl'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShaderCompileError);
    expect((error as Error).message).toMatch(/shaders\/broken\.wgsl:7:\d+ .*undefined_name/);
  });
});

describe('divergence', () => {
  it('stops with DivergenceError naming population, neuron, trial and variable, keeping recordings', async () => {
    const spec: NetworkSpec = {
      dt_ms: 1, batch: 2,
      populations: [{ name: 'Runaway', size: 10, model: 'rate', params: { tau_ms: 5, transfer: 'linear' }, initial: { x: 1 } }],
      projections: [{ source: 'Runaway', target: 'Runaway', connector: { type: 'all_to_all' }, weight: 5 }],
      recorders: [{ type: 'state', population: 'Runaway', variable: 'x', neurons: [0], every_ms: 1 }],
    };
    const sim = await gpuSimulator(spec, 50);
    const error = await sim.run(2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DivergenceError);
    expect((error as Error).message).toMatch(/Population 'Runaway': state variable (x|r) of neuron \d+, trial \d+ became NaN or infinite at step \d+/);
    const rec = sim.recordings()[0] as StateRecording;
    expect(rec.timesMs.length).toBeGreaterThan(10);
    expect(Number.isFinite(rec.values[0]!)).toBe(true);
  });
});

describe('device loss', () => {
  it('is reported as DeviceLostError and recordings so far stay readable', async () => {
    const context = await acquireNodeGpu({ verbose: false });
    const sim = await GpuSimulator.create(
      { populations: [{ name: 'P', size: 50, model: 'poisson_source', params: { rate_hz: 100 } }], recorders: [{ type: 'spikes', population: 'P' }] },
      { context, shaders: nodeShaderLoader },
    );
    await sim.run(50);
    const before = sim.recordings();
    context.device.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const error = await sim.run(50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceLostError);
    expect((error as Error).message).toMatch(/device was lost/);
    expect(sim.recordings()[0]).toEqual(before[0]);
  });
});
