/**
 * The live lab drivers (redundancy and BCI) on the Node GPU: they advance in frame-sized
 * pieces, report per-block / per-session measurements, and learn.
 */
import { describe, expect, it } from 'vitest';
import { ContinuousDriver } from '../src/gpu/driver.js';
import { RedundancyLabDriver, type RedundancyBlockResult } from '../src/experiments/redundancy-live.js';
import { BciLabDriver, type BciSessionResult } from '../src/experiments/bci-live.js';
import { nodeShaderLoader } from '../src/node/shaders.js';
import type { NetworkSpec } from '../src/model/spec.js';
import { testGpu } from './helpers/gpu.js';

describe('live drivers', () => {
  it('continuous driver counts neuron steps and synaptic events from the spikes it simulated', async () => {
    const context = await testGpu();
    const spec: NetworkSpec = {
      dt_ms: 0.1,
      seed: 3,
      populations: [{ name: 'E', size: 200, model: 'lif_psc_exp', params: { tau_syn_ex_ms: 2, tau_syn_in_ms: 2 }, initial: { v_mV: { uniform: [-65, -50] } } }],
      projections: [{ source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 20, delay_ms: 1 }],
      inputs: [{ type: 'poisson', target: 'E', rate_hz: 10, n_sources: 800, weight: 30 }],
      recorders: [{ type: 'spikes', population: 'E' }],
    };
    const driver = await ContinuousDriver.create(spec, { context, shaders: nodeShaderLoader, seed: 5 });
    let spikes = 0;
    let events = 0;
    for (let frame = 0; frame < 5; frame++) {
      const a = await driver.advance(100);
      expect(a.steps).toBe(100);
      expect(a.neuronSteps).toBe(200 * 100);
      const rec = a.recordings.find((r) => r.type === 'spikes');
      if (rec?.type === 'spikes') spikes += rec.steps.length;
      events += a.synapticEvents;
    }
    expect(driver.stepCount).toBe(500);
    expect(spikes).toBeGreaterThan(50);
    // Every spike reaches its 10 targets on average (fixed in-degree 10 ⇒ mean out-degree 10).
    expect(events).toBeCloseTo(spikes * 10, 3);
    // The collector is emptied after every advance: memory stays bounded.
    expect(driver.simulator.recordings().every((r) => r.type !== 'spikes' || r.steps.length === 0)).toBe(true);
    driver.destroy();
  });

  it('redundancy lab: blocks end with information measured on the GPU, learning raises the feedback gain', async () => {
    const context = await testGpu();
    const driver = await RedundancyLabDriver.create({ context, shaders: nodeShaderLoader, seed: 2 }, { sensoryNeurons: 480, trialsPerBlock: 64, arrays: 2, arrayNeurons: 48 });
    const results: RedundancyBlockResult[] = [];
    driver.onBlock = (r) => results.push(r);
    const gain0 = driver.learner.gain;
    // 80 steps per block, advanced 30 at a time (as frames would).
    let guard = 0;
    while (results.length < 4 && guard++ < 100) await driver.advance(30);
    expect(results.length).toBe(4);
    for (const r of results) {
      expect(Number.isFinite(r.I_bc)).toBe(true);
      expect(r.I_shuffle_bc).toBeGreaterThan(0);
      expect(Number.isFinite(r.rho)).toBe(true);
      expect(r.covariance.values.length).toBe(48 * 48);
      expect(r.withinTrial.rho.length).toBeGreaterThan(0);
      expect(r.belief.a.length).toBe(r.belief.b.length);
    }
    expect(results[3]!.day).toBe(5);
    // Recordings cleared each block start at that block: arrays do not grow with the blocks run.
    const counts = driver.simulator.recordings().find((r) => r.type === 'spike_counts');
    expect(counts?.type === 'spike_counts' && counts.firstTrial).toBe(4 * 64);
    expect(counts?.type === 'spike_counts' && counts.nTrials).toBe(64);
    expect(driver.learner.gain).toBeGreaterThan(gain0);
    // Passive viewing uses a quarter of the gain.
    driver.condition = 'passive';
    expect(driver.effectiveGain).toBeCloseTo(driver.learner.gain * 0.25, 12);
    driver.destroy();
  });

  it('BCI lab: two baseline sessions calibrate the threshold; vectorized teaching raises the hit rate', async () => {
    const context = await testGpu();
    const driver = await BciLabDriver.create({ context, shaders: nodeShaderLoader, seed: 1 }, { excitatory: 800, inhibitory: 200, trialsPerSession: 32 });
    const results: BciSessionResult[] = [];
    driver.onSession = (r) => results.push(r);
    for (let s = 0; s < 7; s++) await driver.advance(1);
    expect(results.map((r) => r.phase)).toEqual(['baseline', 'baseline', 'training', 'training', 'training', 'training', 'training']);
    expect(results[1]!.threshold).not.toBeNull();
    const trial = results[6]!.trial;
    expect(trial.timesMs.length).toBe(trial.cursor.length);
    expect(trial.e1Dendrite.length).toBe(trial.timesMs.length);
    const first = results[2]!.hitRate;
    const last = Math.max(results[5]!.hitRate, results[6]!.hitRate);
    expect(last).toBeGreaterThan(first);
    expect(last).toBeGreaterThan(0.6);
    expect(results[6]!.e1Activity).toBeGreaterThan(results[2]!.e1Activity);
    driver.destroy();
  });
});
