/**
 * GPU activity histories (spike raster, state heatmap) written by per-step attachments: the
 * ring images read back (test-only readback) equal float64/float32 CPU images built from the
 * simulator's own spike and state recordings, including ring wrap-around, partial columns,
 * row subsets and the displayed trial; the render pass draws the ring scrolled; invalid
 * options are refused with the option named.
 */
import { describe, expect, it } from 'vitest';
import { GpuActivityHistory } from '../src/gpu/display/activity-history.js';
import { rasterImageFromSpikes, stateHistoryFromSamples } from '../src/gpu/display/history-reference.js';
import type { SpikeRecording, StateRecording } from '../src/model/recording.js';
import type { NetworkSpec } from '../src/model/spec.js';
import { gpuSimulator } from './helpers/gpu.js';

const DT = 0.1;

function network(): NetworkSpec {
  return {
    dt_ms: DT, seed: 11, batch: 2,
    populations: [
      { name: 'E', size: 100, model: 'lif_psc_exp', params: { i_e_pA: 250 }, initial: { v_mV: { uniform: [-70, -52] } } },
      { name: 'P', size: 20, model: 'poisson_source', params: { rate_hz: 100 } },
    ],
    projections: [{ source: 'P', target: 'E', connector: { type: 'fixed_indegree', indegree: 5 }, weight: 300, delay_ms: 0.5 }],
    inputs: [{ type: 'poisson', target: 'E', rate_hz: 50, n_sources: 400, weight: 100 }],
    recorders: [
      { type: 'spikes', population: 'E' },
      { type: 'state', population: 'E', variable: 'v_mV', neurons: 'all' },
    ],
  };
}

function mismatches(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 0): string[] {
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const ok = rtol === 0 ? a[i] === b[i] : Math.abs(a[i]! - b[i]!) <= rtol * Math.max(1, Math.abs(b[i]!));
    if (!ok && out.length < 10) out.push(`[${i}] gpu ${a[i]} cpu ${b[i]}`);
  }
  return out;
}

describe('GPU activity history', () => {
  it('raster and heatmap ring images equal the CPU images built from the recordings (wrap-around, partial column, subsets, trial)', async () => {
    const sim = await gpuSimulator(network(), 64);
    // Raster of every neuron, trial 0, one step per column: 120 columns wrap after 12 ms.
    const rasterAll = await GpuActivityHistory.create(sim, { population: 'E', mode: 'raster', stepsPerColumn: 1, columns: 120 });
    // Raster of a shuffled subset in trial 1, 7 steps per column (spike counts per pixel).
    const subset = [97, 3, 50, 51, 10, 0, 64, 33];
    const rasterSub = await GpuActivityHistory.create(sim, { population: 'E', mode: 'raster', neurons: subset, stepsPerColumn: 7, columns: 25, trial: 1 });
    // Heatmap of v_mV with 1 ms columns (mean of 10 steps), 20 columns, trial 1, default rows.
    const heat = await GpuActivityHistory.create(sim, { population: 'E', mode: 'heatmap', variable: 'v_mV', columns: 20, trial: 1, maxRows: 40 });
    expect(rasterAll.rows).toBe(100);
    expect(rasterSub.rows).toBe(subset.length);
    expect(heat.rows).toBe(40);
    expect(heat.stepsPerColumn).toBe(10);
    expect(heat.layout.neurons.slice(0, 3)).toEqual([0, 2, 5]);
    expect(rasterAll.headColumn()).toBe(-1);

    const t0 = performance.now();
    await sim.run(30.5); // 305 steps: wraps every ring, ends inside a column
    const stepCount = sim.stepCount;
    expect(stepCount).toBe(305);
    const [spikes, state] = sim.recordings() as [SpikeRecording, StateRecording];
    const trial0 = spikes.trials.filter((t) => t === 0).length;
    console.log(`activity history: ${spikes.steps.length} spikes (${trial0} in trial 0) in 30.5 ms, run ${(performance.now() - t0).toFixed(0)} ms`);
    expect(trial0).toBeGreaterThan(100);

    const expectAll = rasterImageFromSpikes(spikes, { neurons: rasterAll.layout.neurons, columns: 120, stepsPerColumn: 1, trial: 0, stepCount });
    const gotAll = new Uint32Array(await rasterAll.readImage());
    expect(mismatches(gotAll, expectAll)).toEqual([]);
    // The wrapped image holds exactly the spikes of the last 120 steps.
    const recent = spikes.steps.filter((s, i) => spikes.trials[i] === 0 && s >= stepCount - 120).length;
    expect(gotAll.reduce((s, v) => s + v, 0)).toBe(recent);
    expect(recent).toBeGreaterThan(20);
    expect(rasterAll.headColumn()).toBe(304 % 120);
    expect(rasterAll.filledColumns()).toBe(120);

    const expectSub = rasterImageFromSpikes(spikes, { neurons: subset, columns: 25, stepsPerColumn: 7, trial: 1, stepCount });
    const gotSub = new Uint32Array(await rasterSub.readImage());
    expect(mismatches(gotSub, expectSub)).toEqual([]);
    expect(gotSub.some((v) => v > 0)).toBe(true);

    const expectHeat = stateHistoryFromSamples(state, DT, 2, { neurons: heat.layout.neurons, columns: 20, stepsPerColumn: 10, trial: 1, stepCount });
    const gotHeat = new Float32Array(await heat.readImage());
    expect(mismatches(gotHeat, expectHeat, 1e-5)).toEqual([]);
    // Newest column (steps 300…304) is a partial sum: half the mean of a full column.
    const head = heat.headColumn();
    expect(head).toBe(30 % 20);
    expect(gotHeat[head * 40]!).toBeLessThan(-20);
    expect(gotHeat[head * 40]!).toBeGreaterThan(-45);

    // Detached histories stop changing; the others keep going.
    rasterSub.detach();
    await sim.run(5);
    expect(mismatches(new Uint32Array(await rasterSub.readImage()), gotSub)).toEqual([]);
    const later = sim.recordings()[0] as SpikeRecording;
    const expectLater = rasterImageFromSpikes(later, { neurons: rasterAll.layout.neurons, columns: 120, stepsPerColumn: 1, trial: 0, stepCount: sim.stepCount });
    expect(mismatches(new Uint32Array(await rasterAll.readImage()), expectLater)).toEqual([]);
    for (const h of [rasterAll, rasterSub, heat]) h.destroy();
    sim.destroy();
  });

  it('draws the ring scrolled with the newest column at the right and unwritten columns empty', async () => {
    const sim = await gpuSimulator(network(), 64);
    const neurons = Array.from({ length: 100 }, (_, i) => i);
    const history = await GpuActivityHistory.create(sim, { population: 'E', mode: 'raster', neurons, stepsPerColumn: 1, columns: 64 });
    await sim.run(4); // 40 steps: 40 of 64 columns written
    const device = sim.context.device;
    const format: GPUTextureFormat = 'rgba8unorm';
    const texture = device.createTexture({ size: [64, 100], format, usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC });
    history.draw(texture.createView(), format, { background: [1, 1, 1, 1], foreground: [0, 0, 0, 1] });
    const bytesPerRow = 256;
    const readback = device.createBuffer({ size: bytesPerRow * 100, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const encoder = device.createCommandEncoder();
    encoder.copyTextureToBuffer({ texture }, { buffer: readback, bytesPerRow }, [64, 100]);
    device.queue.submit([encoder.finish()]);
    await readback.mapAsync(GPUMapMode.READ);
    const pixels = new Uint8Array(readback.getMappedRange().slice(0));
    readback.unmap();
    const spikes = sim.recordings()[0] as SpikeRecording;
    // Screen column x shows absolute step 40 − 64 + x; x < 24 are unwritten (white).
    const dark = new Set<string>();
    for (let i = 0; i < spikes.steps.length; i++) if (spikes.trials[i] === 0) dark.add(`${spikes.steps[i]! + 24},${spikes.senders[i]}`);
    expect(dark.size).toBeGreaterThan(5);
    const wrong: string[] = [];
    for (let y = 0; y < 100; y++) {
      for (let x = 0; x < 64; x++) {
        const red = pixels[y * bytesPerRow + 4 * x]!;
        const expected = dark.has(`${x},${y}`) ? 0 : 255;
        if (red !== expected && wrong.length < 10) wrong.push(`(${x}, ${y}) red ${red}, expected ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
    texture.destroy();
    readback.destroy();
    history.destroy();
    sim.destroy();
  });

  it('refuses invalid options, naming the option and the allowed range', async () => {
    const spec: NetworkSpec = {
      dt_ms: 1, seed: 1, batch: 2,
      populations: [
        { name: 'R', size: 10, model: 'rate', params: { tau_ms: 5, transfer: 'linear' } },
        { name: 'S', size: 10, model: 'lif_psc_exp' },
      ],
    };
    const sim = await gpuSimulator(spec);
    const make = (o: Parameters<typeof GpuActivityHistory.create>[1]) => GpuActivityHistory.create(sim, o);
    await expect(make({ population: 'X', mode: 'raster' })).rejects.toThrow(/option population: no population 'X' \(have: R, S\)/);
    await expect(make({ population: 'R', mode: 'raster' })).rejects.toThrow(/option mode 'raster' needs a population that emits spikes; 'R'/);
    await expect(make({ population: 'S', mode: 'heatmap', variable: 'w' })).rejects.toThrow(/option variable 'w' is not a state variable of population 'S' \(have: v_mV/);
    await expect(make({ population: 'S', mode: 'raster', neurons: [0, 10] })).rejects.toThrow(/option neurons: 10 is out of range \[0, 9\]/);
    await expect(make({ population: 'S', mode: 'raster', neurons: [1, 1] })).rejects.toThrow(/option neurons: neuron 1 is listed twice/);
    await expect(make({ population: 'S', mode: 'raster', trial: 2 })).rejects.toThrow(/option trial must be an integer in \[0, 1\]/);
    await expect(make({ population: 'S', mode: 'raster', columns: 0 })).rejects.toThrow(/option columns must be an integer ≥ 1/);
    await expect(make({ population: 'S', mode: 'raster', stepsPerColumn: 1.5 })).rejects.toThrow(/option stepsPerColumn must be an integer ≥ 1/);
    await expect(make({ population: 'S', mode: 'bars' as 'raster' })).rejects.toThrow(/option mode must be 'raster' or 'heatmap'/);
    const limit = sim.context.device.limits.maxStorageBufferBindingSize;
    await expect(make({ population: 'S', mode: 'raster', columns: Math.floor(limit / 4 / 10) + 1 })).rejects.toThrow(/options columns × rows .* above the device's maxStorageBufferBindingSize/);
    // A rate population defaults to its 'r' variable and 1 step per column at dt = 1 ms.
    const rate = await make({ population: 'R', mode: 'heatmap' });
    expect(rate.layout.variable).toBe('r');
    expect(rate.stepsPerColumn).toBe(1);
    rate.destroy();
    sim.destroy();
  });
});
