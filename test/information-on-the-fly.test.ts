/**
 * On-the-fly linear Fisher information of a simulated population (science.md reference case 1):
 * independent Poisson neurons with von Mises tuning, driven by the engine's stimulus input,
 * counted and analysed on the GPU in sliding windows over two trial blocks.
 */
import { describe, expect, it } from 'vitest';
import { fisherInformation } from '../src/analysis/fisher.js';
import type { NetworkSpec } from '../src/model/spec.js';
import type { SpikeCountRecording } from '../src/model/recording.js';
import { gpuSimulator } from './helpers/gpu.js';
import { besselI1 } from './helpers/special.js';

describe('information analysis attached to a running simulation', () => {
  it('recovers the Fisher information of a tuned Poisson population in every window', async () => {
    const n = 400;
    const amplitude = 20;
    const kappa = 2;
    const dt = 1;
    const windowMs = 200;
    const perCondition = 250;
    const theta0 = 30;
    const dTheta = 4;
    const ds = (dTheta * Math.PI) / 180; // information in rad⁻²
    const batch = 2 * perCondition;
    const orientations = Array.from({ length: batch }, (_, b) => (b < perCondition ? theta0 - dTheta / 2 : theta0 + dTheta / 2));
    const spec: NetworkSpec = {
      dt_ms: dt, seed: 4, batch,
      populations: [{ name: 'V4', size: n, model: 'poisson_source', params: { rate_hz: 0 } }],
      inputs: [{ type: 'stimulus', target: 'V4', orientation_deg: orientations, amplitude, kappa }],
      recorders: [{ type: 'spike_counts', population: 'V4', window_ms: 50 }],
    };
    const sim = await gpuSimulator(spec);
    const trialsA = Array.from({ length: perCondition }, (_, i) => i);
    const trialsB = Array.from({ length: perCondition }, (_, i) => perCondition + i);
    const analysis = await sim.attachInformation({ recorder: 0, trialsA, trialsB, ds, windowBins: 4, keepCounts: true });
    // A 100-neuron "array" (every 4th neuron) analysed from the same recorder.
    const array = Array.from({ length: 100 }, (_, k) => 4 * k + 1);
    const arrayAnalysis = await sim.attachInformation({ recorder: 0, neurons: array, trialsA, trialsB, ds, windowBins: 4 });
    await sim.run(250);
    const afterOneBlock = await analysis.results();
    expect(afterOneBlock.map((w) => w.index)).toEqual([0, 1]);
    expect([afterOneBlock[0]!.trialsA, afterOneBlock[0]!.trialsB]).toEqual([perCondition, perCondition]);
    await sim.resetTrials();
    await sim.run(250);
    const windows = await analysis.results();
    expect(windows.map((w) => [w.startMs, w.endMs])).toEqual([[0, 200], [50, 250]]);

    // Exact linear Fisher information of the simulated model: Bernoulli per 1 ms step over 200 steps.
    const steps = windowMs / dt;
    let exact = 0;
    for (let i = 0; i < n; i++) {
      const pref = (180 * i) / n;
      const p = (theta: number) => 1 - Math.exp(-amplitude * Math.exp(kappa * (Math.cos((2 * (theta - pref) * Math.PI) / 180) - 1)) * dt / 1000);
      const pa = p(theta0 - dTheta / 2);
      const pb = p(theta0 + dTheta / 2);
      const slope = (steps * (pb - pa)) / ds;
      const variance = (steps * (pa * (1 - pa) + pb * (1 - pb))) / 2;
      exact += (slope * slope) / variance;
    }
    const analytic = 4 * (windowMs / 1000) * n * amplitude * kappa * Math.exp(-kappa) * besselI1(kappa);
    console.log(`tuned Poisson population: analytic (Poisson, dθ→0) I = ${analytic.toFixed(2)} rad⁻², exact for the simulated model ${exact.toFixed(2)}`);
    expect(analytic).toBeCloseTo(2755.45, 1);
    expect(Math.abs(exact - analytic) / analytic).toBeLessThan(0.03);

    for (const w of windows) {
      expect(w.error).toBeNull();
      const r = w.result!;
      console.log(`window ${w.startMs}–${w.endMs} ms: T = ${r.T}, I_bc = ${r.I_bc.toFixed(1)} ± ${r.I_bc_se.toFixed(1)}, I_shuffle_bc = ${r.I_shuffle_bc.toFixed(1)}, ρ = ${r.rho.toFixed(3)}`);
      expect(r.T).toBe(2 * perCondition);
      expect(r.N).toBe(n);
      expect(Math.abs(r.I_bc - exact)).toBeLessThan(3 * r.I_bc_se);
      // Independent neurons: no redundancy beyond sampling error.
      expect(Math.abs(r.I_shuffle_bc - r.I_bc)).toBeLessThan(3 * r.I_bc_se);
    }

    // The GPU analysis agrees with the float64 reference on the same counts.
    const counts = sim.recordings()[0] as SpikeCountRecording;
    expect(counts.nTrials).toBe(2 * batch);
    const gather = (trials: number[]) => {
      const x = new Float64Array(trials.length * n);
      trials.forEach((trial, t) => {
        for (let bin = 0; bin < 4; bin++) for (let i = 0; i < n; i++) x[t * n + i]! += counts.counts[(bin * counts.nTrials + trial) * n + i]!;
      });
      return x;
    };
    const all = (list: number[]) => [...list, ...list.map((t) => t + batch)];
    const reference = fisherInformation(gather(all(trialsA)), gather(all(trialsB)), n, ds, { decoderFolds: 0 });
    const gpu = windows[0]!.result!;
    const columns = (x: Float64Array) => {
      const rows = x.length / n;
      const out = new Float64Array(rows * array.length);
      for (let t = 0; t < rows; t++) array.forEach((i, k) => (out[t * array.length + k] = x[t * n + i]!));
      return out;
    };
    const arrayReference = fisherInformation(columns(gather(all(trialsA))), columns(gather(all(trialsB))), array.length, ds, { decoderFolds: 0 });
    const arrayGpu = (await arrayAnalysis.results())[0]!.result!;
    expect(arrayGpu.N).toBe(100);
    expect(Math.abs(arrayGpu.I_naive - arrayReference.I_naive) / arrayReference.I_naive).toBeLessThan(1e-3);
    expect(Math.abs(gpu.I_naive - reference.I_naive) / reference.I_naive).toBeLessThan(1e-3);
    expect(Math.abs(gpu.I_bc - reference.I_bc) / reference.I_bc).toBeLessThan(1e-3);
    expect(Math.abs(gpu.I_shuffle_bc - reference.I_shuffle_bc) / reference.I_shuffle_bc).toBeLessThan(1e-3);
  });
});
