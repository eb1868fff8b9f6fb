/**
 * science.md reference cases that are networks, simulated by the engine and analysed by the
 * GPU information path: the feedback model (case 3: I = I0 exactly, J_i in closed form) and the
 * linear rate network (case 5: information per unit time h'ᵀh'/σ², independent of W).
 */
import { describe, expect, it } from 'vitest';
import { computeFisherGpu } from '../src/gpu/analysis/fisher-gpu.js';
import { planNetwork } from '../src/model/plan.js';
import { feedbackModel } from '../src/model/library/feedback-model.js';
import type { NetworkSpec } from '../src/model/spec.js';
import type { StateRecording } from '../src/model/recording.js';
import { nodeShaderLoader } from '../src/node/shaders.js';
import { gpuSimulator, testGpu } from './helpers/gpu.js';
import { lyapunovDiscrete, solve } from './helpers/linalg.js';

const tuning = (theta: number, pref: number, amplitude: number, kappa: number, baseline: number) =>
  baseline + amplitude * Math.exp(kappa * (Math.cos((2 * (theta - pref) * Math.PI) / 180) - 1));

/** Rows of samples of one trial from a state recording: steps [from, to), every step. */
function trialRows(rec: StateRecording, batch: number, trial: number, from: number, to: number): Float64Array {
  const n = rec.neurons.length;
  const out = new Float64Array((to - from) * n);
  for (let s = from; s < to; s++) for (let i = 0; i < n; i++) out[(s - from) * n + i] = rec.values[(s * batch + trial) * n + i]!;
  return out;
}

describe('feedback model (science.md case 3) simulated by the engine', () => {
  it('keeps population information at I0 while single-neuron information rises as closed-form J_i', async () => {
    const n = 12;
    const dTheta = 6;
    const model = feedbackModel({ neurons: n, amplitude: 4, kappa: 1.5, baseline: 1, theta0Deg: 40, dThetaDeg: dTheta, noiseStd: 0.8, gain: 0.5, seed: 12 });
    const sim = await gpuSimulator(model.spec);
    const steps = 4000;
    await sim.run(steps);
    const rec = sim.recordings()[0] as StateRecording;
    const a = trialRows(rec, 2, 0, 5, steps);
    const b = trialRows(rec, 2, 1, 5, steps);
    const result = await computeFisherGpu(await testGpu(), a, b, n, dTheta, { decoderFolds: 0, shaders: nodeShaderLoader });
    const I0 = model.I0;
    const rho = 1 - I0 / model.singleNeuron.reduce((s, x) => s + x, 0);
    const meanJ = model.singleNeuron.reduce((s, x) => s + x, 0) / n;
    const meanSingle = result.single_neuron_bc.reduce((s, x) => s + x, 0) / n;
    console.log(`feedback model: I0 = ${I0.toFixed(4)}, I_bc = ${result.I_bc.toFixed(4)} ± ${result.I_bc_se.toFixed(4)}; ` +
      `mean J closed form ${meanJ.toFixed(4)} vs ${meanSingle.toFixed(4)}; ρ closed form ${rho.toFixed(3)} vs ${result.rho.toFixed(3)}`);
    expect(Math.abs(result.I_bc - I0)).toBeLessThan(3 * result.I_bc_se);
    expect(Math.abs(meanSingle - meanJ) / meanJ).toBeLessThan(0.05);
    expect(Math.abs(result.rho - rho)).toBeLessThan(0.05);
    expect(rho).toBeGreaterThan(0.3);
  });
});

describe('linear rate network (science.md case 5) simulated by the engine', () => {
  it('carries h\'ᵀh\'/σ² per unit time in long counting windows, whatever W is', async () => {
    const n = 6;
    const [tau, dt, sigma] = [10, 1, 1];
    const [amplitude, kappa, baseline] = [2, 1, 0.5];
    const [theta0, dTheta] = [30, 10];
    const [thetaA, thetaB] = [theta0 - dTheta / 2, theta0 + dTheta / 2];
    const perCondition = 100;
    const windowSteps = 400;
    const windows = 4;
    const burnIn = 100;
    const hprime = Array.from({ length: n }, (_, i) => (tuning(thetaB, (180 * i) / n, amplitude, kappa, baseline) - tuning(thetaA, (180 * i) / n, amplitude, kappa, baseline)) / dTheta);
    const continuum = windowSteps * dt * hprime.reduce((s, h) => s + h * h, 0) / (sigma * sigma);
    for (const weightStd of [0, 0.25]) {
      const spec: NetworkSpec = {
        dt_ms: dt, seed: 31, batch: 2 * perCondition,
        populations: [{ name: 'X', size: n, model: 'rate', params: { tau_ms: tau, transfer: 'linear', noise_std: sigma } }],
        projections: weightStd > 0 ? [{ source: 'X', target: 'X', connector: { type: 'all_to_all' }, weight: { normal: { mean: 0, std: weightStd } }, delay_ms: dt }] : [],
        inputs: [{ type: 'stimulus', target: 'X', orientation_deg: Array.from({ length: 2 * perCondition }, (_, t) => (t < perCondition ? thetaA : thetaB)), amplitude, kappa, baseline }],
        recorders: [{ type: 'state', population: 'X', variable: 'x', neurons: 'all', every_ms: dt }],
      };
      // Exact information of a window sum S = Σ x_k for the simulated (discrete) dynamics.
      const W = weightStd > 0 ? Float64Array.from(planNetwork(spec).projections[0]!.dense!) : new Float64Array(n * n);
      const decay = Math.exp(-dt / tau);
      const M = new Float64Array(n * n);
      const Q = new Float64Array(n * n);
      const IminusW = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < n; k++) {
          M[i * n + k] = (1 - decay) * W[i * n + k]! + (i === k ? decay : 0);
          IminusW[i * n + k] = (i === k ? 1 : 0) - W[i * n + k]!;
        }
        Q[i * n + i] = ((sigma * sigma) / (2 * tau)) * (1 - decay * decay);
      }
      const sigma0 = lyapunovDiscrete(M, Q, n);
      const covS = new Float64Array(n * n);
      let power = new Float64Array(n * n).map((_, k) => (k % (n + 1) === 0 ? 1 : 0));
      for (let d = 0; d < windowSteps; d++) {
        const lag = new Float64Array(n * n); // M^d Σ0
        for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let m = 0; m < n; m++) lag[i * n + k]! += power[i * n + m]! * sigma0[m * n + k]!;
        const weight = d === 0 ? windowSteps : windowSteps - d;
        for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) covS[i * n + k]! += d === 0 ? weight * lag[i * n + k]! : weight * (lag[i * n + k]! + lag[k * n + i]!);
        const next = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let m = 0; m < n; m++) next[i * n + k]! += M[i * n + m]! * power[m * n + k]!;
        power = next;
      }
      const slope = solve(IminusW, Float64Array.from(hprime), n).map((v) => v * windowSteps);
      const exact = slope.reduce((s, f, i) => s + f * solve(covS, slope, n)[i]!, 0);

      const sim = await gpuSimulator(spec);
      await sim.run((burnIn + windows * windowSteps) * dt);
      const rec = sim.recordings()[0] as StateRecording;
      const sums = (trials: number[]) => {
        const out = new Float64Array(trials.length * windows * n);
        trials.forEach((trial, t) => {
          for (let wIndex = 0; wIndex < windows; wIndex++) {
            const rows = trialRows(rec, 2 * perCondition, trial, burnIn + wIndex * windowSteps, burnIn + (wIndex + 1) * windowSteps);
            for (let s = 0; s < windowSteps; s++) for (let i = 0; i < n; i++) out[(t * windows + wIndex) * n + i]! += rows[s * n + i]!;
          }
        });
        return out;
      };
      const trialsA = Array.from({ length: perCondition }, (_, t) => t);
      const trialsB = trialsA.map((t) => t + perCondition);
      const result = await computeFisherGpu(await testGpu(), sums(trialsA), sums(trialsB), n, dTheta, { decoderFolds: 0, shaders: nodeShaderLoader });
      console.log(`linear rate network, W std ${weightStd}: continuum T·h'ᵀh'/σ² = ${continuum.toFixed(3)}, exact for the window ${exact.toFixed(3)}, ` +
        `estimated ${result.I_bc.toFixed(3)} ± ${result.I_bc_se.toFixed(3)} (T = ${result.T})`);
      expect(Math.abs(result.I_bc - exact)).toBeLessThan(3 * result.I_bc_se);
      // Independent of W up to finite-window edge effects (a few τ over a 40 τ window).
      expect(Math.abs(exact - continuum) / continuum).toBeLessThan(0.1);
    }
  });
});
