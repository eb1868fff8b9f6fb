/**
 * One kernel cache per device and shader loader: a network rebuilt on the same device compiles
 * no shader again, and the rebuilt network runs exactly as the first.
 */
import { describe, expect, it } from 'vitest';
import { GpuSimulator } from '../src/gpu/simulator.js';
import { KernelCache, kernelCacheFor } from '../src/gpu/kernels.js';
import { Network } from '../src/model/network.js';
import { nodeShaderLoader } from '../src/node/shaders.js';
import { testGpu } from './helpers/gpu.js';

const lif = { tau_m_ms: 20, e_l_mV: 0, v_th_mV: 20, v_reset_mV: 10, t_ref_ms: 2 };
const spec = new Network({ dt_ms: 0.1, seed: 3 })
  .population({ name: 'E', size: 200, model: 'lif_psc_delta', params: lif, initial: { v_mV: { uniform: [0, 20] } } })
  .project({ source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: 20 }, weight: 0.5, delay_ms: 1.5 })
  .input({ type: 'poisson', target: 'E', rate_hz: 20, n_sources: 100, weight: 1 })
  .record({ type: 'spikes', population: 'E' })
  .toSpec();

async function spikesOf(sim: GpuSimulator): Promise<number[]> {
  await sim.run(50);
  const [rec] = sim.recordings();
  if (rec?.type !== 'spikes') throw new Error('expected spikes');
  return [...rec.steps].map((s, i) => s * 1000 + rec.senders[i]!);
}

describe('kernel cache', () => {
  it('is shared per device and loader: a rebuilt network compiles nothing and runs bitwise the same', async () => {
    const context = await testGpu();
    const cache = kernelCacheFor(context.device, nodeShaderLoader);
    expect(kernelCacheFor(context.device, nodeShaderLoader)).toBe(cache);
    const otherLoader = (file: string): string => nodeShaderLoader(file);
    expect(kernelCacheFor(context.device, otherLoader)).not.toBe(cache);

    // Count shader compilations on the device (the cache may already hold kernels of earlier tests).
    const device = context.device;
    const createShaderModule = device.createShaderModule.bind(device);
    let compiled = 0;
    device.createShaderModule = (descriptor: GPUShaderModuleDescriptor) => {
      compiled++;
      return createShaderModule(descriptor);
    };
    let firstSpikes: number[];
    let compiledByFirst: number;
    let compiledBySecond: number;
    let second: GpuSimulator;
    try {
      const first = await GpuSimulator.create(spec, { context, shaders: nodeShaderLoader });
      compiledByFirst = compiled;
      firstSpikes = await spikesOf(first);
      first.destroy();
      second = await GpuSimulator.create(spec, { context, shaders: nodeShaderLoader });
      compiledBySecond = compiled - compiledByFirst;
    } finally {
      device.createShaderModule = createShaderModule;
    }
    console.log(`kernel cache: first build compiled ${compiledByFirst} shader(s), the rebuild ${compiledBySecond}`);
    expect(compiledBySecond).toBe(0);
    expect(second.kernels).toBe(cache);
    const secondSpikes = await spikesOf(second);
    second.destroy();
    expect(firstSpikes.length).toBeGreaterThan(0);
    expect(secondSpikes).toEqual(firstSpikes);
  });
});

describe('kernel cache capacity', () => {
  it('keeps the most recently used kernels up to its capacity; a dropped kernel is rebuilt on demand', async () => {
    const context = await testGpu();
    const shader = (value: number) => `@group(0) @binding(0) var<storage, read_write> out: array<u32>;\n@compute @workgroup_size(1) fn main() { out[0] = ${value}u; }\n`;
    const loader = (file: string): string => shader(Number(/(\d+)/.exec(file)![1]));
    const cache = new KernelCache(context.device, loader, 2);
    const get = (n: number) => cache.get({ name: `k${n}`, parts: [`k${n}.wgsl`] });
    const k1 = await get(1);
    const k2 = await get(2);
    expect(await get(1)).toBe(k1); // k1 now most recent
    await get(3); // drops k2
    expect(cache.size).toBe(2);
    expect(await get(1)).toBe(k1);
    const k2again = await get(2);
    expect(k2again).not.toBe(k2);
    expect(k2again.key).toMatch(/^k2#/);
    expect(cache.size).toBe(2);
    expect(() => new KernelCache(context.device, loader, 0)).toThrow(/capacity: expected an integer ≥ 1/);
    expect(() => new KernelCache(context.device, loader, Number.NaN)).toThrow(RangeError);
  });
});
