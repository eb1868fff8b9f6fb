/**
 * The step schedule (src/gpu/schedule.ts): merged population updates, one propagation pass for
 * all projections, several steps per dispatch up to the minimum delay. Whatever the schedule,
 * every recording is bitwise the same (the arithmetic of each step does not change and spike
 * arrivals are summed with integer atomics); these tests compare schedules on networks with
 * constant and drawn delays, several models, procedural projections and every recorder kind
 * that works in blocks of steps.
 */
import { describe, expect, it } from 'vitest';
import type { NetworkSpec } from '../src/model/spec.js';
import type { ScheduleOptions } from '../src/gpu/schedule.js';
import { pd14Spec } from '../src/model/library/pd14.js';
import { GpuSimulator } from '../src/gpu/simulator.js';
import { delayShiftOf } from '../src/gpu/propagation.js';
import { nodeShaderLoader } from '../src/node/shaders.js';
import { gpuSimulator, testGpu } from './helpers/gpu.js';

/** A Brunel-style network: one delay of 1.5 ms (15 steps), Poisson drive, two models. */
function brunelLike(): NetworkSpec {
  const lif = { tau_m_ms: 20, e_l_mV: 0, v_th_mV: 20, v_reset_mV: 10, t_ref_ms: 2 };
  return {
    dt_ms: 0.1, seed: 5, batch: 2,
    populations: [
      { name: 'E', size: 400, model: 'lif_psc_delta', params: lif, initial: { v_mV: { uniform: [0, 20] } } },
      { name: 'I', size: 100, model: 'lif_psc_delta', params: lif, initial: { v_mV: { uniform: [0, 20] } } },
      { name: 'X', size: 60, model: 'izhikevich' },
    ],
    projections: [
      { source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: 40 }, weight: 0.2, delay_ms: 1.5 },
      { source: 'E', target: 'I', connector: { type: 'fixed_probability', p: 0.1 }, weight: 0.2, delay_ms: 1.5, procedural: true },
      { source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 1.0, delay_ms: 1.5, receptor: 'inhibitory' },
      { source: 'I', target: 'I', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 1.0, delay_ms: 1.5, receptor: 'inhibitory' },
      { source: 'E', target: 'X', connector: { type: 'fixed_indegree', indegree: 20 }, weight: 2, delay_ms: { uniform: [1.5, 3] } },
    ],
    inputs: [
      { type: 'poisson', target: 'E', rate_hz: 20, n_sources: 1000, weight: 0.1 },
      { type: 'poisson', target: 'I', rate_hz: 20, n_sources: 1000, weight: 0.1 },
      { type: 'dc', target: 'X', amplitude: 6 },
    ],
    recorders: [
      { type: 'spikes', population: 'E', neurons: { first: 300 } },
      { type: 'spikes', population: 'I' },
      { type: 'spikes', population: 'X' },
      { type: 'population_rate', population: 'E', bin_ms: 1 },
      { type: 'spike_counts', population: 'I', window_ms: 10, start_ms: 3 },
      { type: 'spike_counts', population: 'E', window_ms: 7, neurons: { first: 50 } },
    ],
  };
}

async function recordings(spec: NetworkSpec, schedule: ScheduleOptions, stepsPerSubmit?: number, split = false): Promise<{ json: string; stepsPerDispatch: number; dispatches: number; spikes: number }> {
  const sim = await gpuSimulator(spec, stepsPerSubmit, schedule);
  try {
    if (split) {
      await sim.run(23.7);
      await sim.run(56.3);
    } else {
      await sim.run(80);
    }
    const recs = sim.recordings();
    const spikes = recs.reduce((n, r) => n + (r.type === 'spikes' ? r.steps.length : 0), 0);
    return { json: JSON.stringify(recs), stepsPerDispatch: sim.stepsPerDispatch, dispatches: sim.dispatchesPerStep(0, 800).total, spikes };
  } finally {
    sim.destroy();
  }
}

describe('step schedule', () => {
  it('gives bitwise-identical recordings for 1 … 15 steps per dispatch, merged or not, in any chunking', async () => {
    const spec = brunelLike();
    const reference = await recordings(spec, { stepsPerDispatch: 1, mergePopulations: false });
    expect(reference.stepsPerDispatch).toBe(1);
    expect(reference.spikes).toBeGreaterThan(2000);
    const auto = await recordings(spec, {});
    // The minimum delay is 15 steps: two update dispatches (E and I share lif_psc_delta, X has
    // its own model) and one propagation dispatch (stored and procedural routes) per 15 steps.
    expect(auto.stepsPerDispatch).toBe(15);
    expect(auto.dispatches).toBeCloseTo(3 / 15, 2);
    expect(auto.json).toBe(reference.json);
    for (const [schedule, stepsPerSubmit, split] of [[{ stepsPerDispatch: 4 }, 37, false], [{ mergePopulations: false }, 45, true], [{ propagationWorkgroups: 1 }, undefined, true]] as const) {
      const other = await recordings(spec, schedule, stepsPerSubmit, split);
      expect(other.json, JSON.stringify(schedule)).toBe(reference.json);
    }
  });

  it('merges the eight PD14 populations into one update and one propagation dispatch per step', async () => {
    const spec = { ...pd14Spec({ scale: 0.02, background: 'poisson', seed: 3 }), recorders: undefined } as NetworkSpec;
    const withSpikes: NetworkSpec = { ...spec, recorders: spec.populations.map((p) => ({ type: 'spikes' as const, population: p.name })) };
    const merged = await recordings(withSpikes, { persistent: false }, 100);
    // PD14's delays are drawn down to one step: one step per dispatch.
    expect(merged.stepsPerDispatch).toBe(1);
    expect(merged.dispatches).toBe(2);
    expect(merged.spikes).toBeGreaterThan(50);
    const separate = await recordings(withSpikes, { mergePopulations: false, persistent: false }, 100);
    expect(separate.dispatches).toBe(9);
    expect(separate.json).toBe(merged.json);
    // Persistent: one dispatch per command buffer.
    const persistent = await recordings(withSpikes, { persistent: true }, 100);
    expect(persistent.dispatches).toBe(0.01);
    expect(persistent.json).toBe(merged.json);
  });

  it('runs small networks persistently (one workgroup per command buffer) when measured faster, with the same recordings (displays, which need single steps, fall back to dispatches: test/activity-history.test.ts)', async () => {
    // brunelLike without X (a second model) and with 0.1 ms delays: one step per dispatch.
    const base = brunelLike();
    const spec: NetworkSpec = {
      ...base,
      populations: base.populations.filter((p) => p.name !== 'X'),
      projections: base.projections!.filter((p) => p.target !== 'X').map((p) => ({ ...p, delay_ms: 0.1 })),
      inputs: base.inputs!.filter((p) => p.target !== 'X'),
      recorders: base.recorders!.filter((r) => r.population !== 'X'),
    };
    const dispatched = await recordings(spec, { persistent: false });
    expect(dispatched.stepsPerDispatch).toBe(1);
    expect(dispatched.dispatches).toBe(2);
    expect(dispatched.spikes).toBeGreaterThan(2000);
    const persistent = await recordings(spec, { persistent: true }, 70, true);
    // 800 steps in command buffers of 70: 12 dispatches.
    expect(persistent.dispatches).toBeCloseTo(12 / 800, 10);
    expect(persistent.json).toBe(dispatched.json);
    // 'auto' times command buffers of both once past the first 500 steps and keeps the faster:
    // the same recordings as the dispatch schedule, here over two runs (the second one timed).
    const twoRuns = async (schedule: ScheduleOptions): Promise<{ json: string; reason: string; before: string }> => {
      const sim = await gpuSimulator(spec, undefined, schedule);
      try {
        const before = sim.persistentReason;
        await sim.run(80);
        await sim.run(40);
        return { json: JSON.stringify(sim.recordings()), reason: sim.persistentReason, before };
      } finally {
        sim.destroy();
      }
    };
    const reference = await twoRuns({ persistent: false });
    const auto = await twoRuns({});
    expect(auto.before).toBe('to be measured');
    expect(auto.reason).toMatch(/^measured: [\d.]+ µs per step persistent, [\d.]+ µs with dispatches$/);
    expect(auto.json).toBe(reference.json);
    // With the X population (a second model) it cannot: refused when asked for, by name.
    await expect(gpuSimulator(brunelLike(), undefined, { persistent: true })).rejects.toThrow(/schedule\.persistent: this network cannot run in persistent mode: its populations are not all of one spiking model/);
  });

  it('refuses a malformed schedule, naming the option', async () => {
    await expect(gpuSimulator(brunelLike(), undefined, { stepsPerDispatch: 0 })).rejects.toThrow(/schedule\.stepsPerDispatch must be 'auto' or an integer ≥ 1 \(got 0\)/);
    await expect(gpuSimulator(brunelLike(), undefined, { propagationWorkgroups: 1.5 })).rejects.toThrow(/schedule\.propagationWorkgroups must be an integer ≥ 1/);
    await expect(gpuSimulator(brunelLike(), undefined, { persistent: 'yes' } as never)).rejects.toThrow(/schedule\.persistent must be true, false or 'auto' \(got yes\)/);
    await expect(gpuSimulator(brunelLike(), undefined, { stepsPerDispath: 2 } as never)).rejects.toThrow(/schedule\.stepsPerDispath is not a schedule option \(options: stepsPerDispatch, mergePopulations, persistent, propagationWorkgroups\)/);
  });
});

describe('synapse banks', () => {
  it('split projections into several banks, bound several per propagation dispatch, with the same spikes and synapses', async () => {
    const spec: NetworkSpec = {
      dt_ms: 0.1, seed: 9,
      populations: [{ name: 'E', size: 200, model: 'lif_psc_exp', initial: { v_mV: { uniform: [-70, -50] } } }],
      projections: [
        { source: 'E', target: 'E', connector: { type: 'fixed_probability', p: 0.5 }, weight: { uniform: [5, 25] }, delay_ms: { uniform: [0.1, 0.8] } },
        { source: 'E', target: 'E', connector: { type: 'fixed_probability', p: 0.1 }, weight: 30, receptor: 'inhibitory' },
      ],
      inputs: [{ type: 'poisson', target: 'E', rate_hz: 8000, weight: 20 }],
      recorders: [{ type: 'spikes', population: 'E' }],
    };
    const context = await testGpu();
    const withLimits = (changed: Record<string, number>): typeof context =>
      ({ ...context, limits: new Proxy(context.limits, { get: (target, key) => (typeof key === 'string' && key in changed ? changed[key] : Reflect.get(target, key, target)) }) }) as typeof context;
    const run = async (ctx: typeof context): Promise<{ json: string; propagation: number; synapses: string }> => {
      const sim = await GpuSimulator.create(spec, { context: ctx, shaders: nodeShaderLoader, stepsPerSubmit: 50, schedule: { persistent: false } });
      try {
        await sim.run(60);
        const c = await sim.connectivity(0);
        const synapses = JSON.stringify([[...c.targets.slice(0, 5000)], [...c.delaySteps!.slice(0, 5000)], [...c.weights.slice(0, 5000)]]);
        return { json: JSON.stringify(sim.recordings()), propagation: sim.dispatchesPerStep(0, 600).byStage['spike propagation']!, synapses };
      } finally {
        sim.destroy();
      }
    };
    const one = await run(context);
    // 16 KiB bindings: 4,096 synapses per bank, so the 24,000 synapses need at least six banks;
    // six fit one dispatch where a kernel binds 16 storage buffers, two with WebGPU's default 8.
    const banked = await run(withLimits({ maxStorageBufferBindingSize: 16384, maxStorageBuffersPerShaderStage: 16 }));
    const narrow = await run(withLimits({ maxStorageBufferBindingSize: 16384, maxStorageBuffersPerShaderStage: 8 }));
    expect(one.propagation).toBe(1);
    expect(banked.propagation).toBeLessThanOrEqual(2);
    expect(narrow.propagation).toBeGreaterThanOrEqual(3);
    expect(one.json.length).toBeGreaterThan(1000);
    expect(banked.json).toBe(one.json);
    expect(narrow.json).toBe(one.json);
    // Delays packed above the target bits read back as they were generated.
    expect(new Set(JSON.parse(one.synapses)[1]).size).toBeGreaterThan(4);
    expect(banked.synapses).toBe(one.synapses);
    expect(narrow.synapses).toBe(one.synapses);
  });

  it('refuses a projection whose targets and delays do not fit one synapse word, naming it', () => {
    expect(delayShiftOf('E->E', 200, 255)).toBe(8);
    expect(delayShiftOf('E->E', 256, 2 ** 24 - 1)).toBe(8);
    expect(() => delayShiftOf('E->E', 2 ** 24, 256)).toThrow(/projection 'E->E': its 16777216 targets and delays up to 256 steps do not fit one 32-bit synapse word \(24 target bits leave delays below 256 steps\); shorten the delays/);
  });
});
