/**
 * Dynamics against analytic results (science.md reference case 5 and textbook LIF/Poisson
 * results), simulated by the GPU engine on the test adapter.
 */
import { describe, expect, it } from 'vitest';
import { planNetwork } from '../src/model/plan.js';
import { CpuSimulator } from '../src/cpu/simulator.js';
import type { NetworkSpec } from '../src/model/spec.js';
import type { SpikeCountRecording, SpikeRecording, StateRecording } from '../src/model/recording.js';
import { gpuSimulator } from './helpers/gpu.js';
import { lyapunovContinuous, lyapunovDiscrete, solve } from './helpers/linalg.js';

describe('linear rate network with recurrent W and white noise', () => {
  it('matches the stationary mean (I − W)⁻¹h and the Lyapunov covariance', async () => {
    const n = 6;
    const tau = 20;
    const dt = 1;
    const sigma = 1;
    const trials = 64;
    const spec: NetworkSpec = {
      dt_ms: dt, seed: 21, batch: trials,
      populations: [{ name: 'X', size: n, model: 'rate', params: { tau_ms: tau, transfer: 'linear', noise_std: sigma } }],
      projections: [{ source: 'X', target: 'X', connector: { type: 'all_to_all' }, weight: { normal: { mean: 0, std: 0.2 } }, delay_ms: dt }],
      // Neuron-specific input h_i through the tuned stimulus drive (uniform preferred orientations).
      inputs: [{ type: 'stimulus', target: 'X', orientation_deg: 30, amplitude: 2, kappa: 1, baseline: 0.5 }],
      recorders: [{ type: 'state', population: 'X', variable: 'x', neurons: 'all', every_ms: 25 }],
    };
    const plan = planNetwork(spec);
    const W = Float64Array.from(plan.projections[0]!.dense!);
    const h = new Float64Array(n);
    for (let i = 0; i < n; i++) h[i] = 0.5 + 2 * Math.exp(Math.cos((2 * (30 - (180 * i) / n) * Math.PI) / 180) - 1);
    const IminusW = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) IminusW[i] = (i % (n + 1) === 0 ? 1 : 0) - W[i]!;
    const mean = solve(IminusW, h, n);

    const a = Math.exp(-dt / tau);
    const M = new Float64Array(n * n);
    const Qd = new Float64Array(n * n);
    const A = new Float64Array(n * n);
    const Qc = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        M[i * n + j] = (1 - a) * W[i * n + j]! + (i === j ? a : 0);
        A[i * n + j] = (W[i * n + j]! - (i === j ? 1 : 0)) / tau;
      }
      Qd[i * n + i] = ((sigma * sigma) / (2 * tau)) * (1 - a * a);
      Qc[i * n + i] = (sigma / tau) ** 2;
    }
    const covDiscrete = lyapunovDiscrete(M, Qd, n);
    const covContinuous = lyapunovContinuous(A, Qc, n);

    const sim = await gpuSimulator(spec);
    await sim.run(4200);
    const rec = sim.recordings()[0] as StateRecording;
    const burnIn = 200;
    const rows: Float64Array[] = [];
    for (let s = 0; s < rec.timesMs.length; s++) {
      if (rec.timesMs[s]! < burnIn) continue;
      for (let b = 0; b < trials; b++) rows.push(Float64Array.from(rec.values.subarray((s * trials + b) * n, (s * trials + b + 1) * n)));
    }
    const count = rows.length;
    const m = new Float64Array(n);
    for (const r of rows) for (let i = 0; i < n; i++) m[i]! += r[i]! / count;
    const cov = new Float64Array(n * n);
    for (const r of rows) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cov[i * n + j]! += ((r[i]! - m[i]!) * (r[j]! - m[j]!)) / (count - 1);

    // Samples 25 ms apart are correlated (slowest mode ≈ τ/(1 − λmax)); count them at half weight.
    const nEff = count / 2;
    let worstMean = 0;
    let worstCov = 0;
    for (let i = 0; i < n; i++) {
      const se = Math.sqrt(covDiscrete[i * n + i]! / nEff);
      worstMean = Math.max(worstMean, Math.abs(m[i]! - mean[i]!) / se);
      for (let j = 0; j < n; j++) {
        const seCov = Math.sqrt((covDiscrete[i * n + i]! * covDiscrete[j * n + j]! + covDiscrete[i * n + j]! ** 2) / nEff);
        worstCov = Math.max(worstCov, Math.abs(cov[i * n + j]! - covDiscrete[i * n + j]!) / seCov);
      }
    }
    let discretisation = 0;
    let norm = 0;
    for (let i = 0; i < n * n; i++) {
      discretisation += (covDiscrete[i]! - covContinuous[i]!) ** 2;
      norm += covContinuous[i]! ** 2;
    }
    console.log(`Lyapunov test: ${count} samples; worst mean deviation ${worstMean.toFixed(2)} SE, worst covariance deviation ${worstCov.toFixed(2)} SE; ` +
      `discrete vs continuous Lyapunov differ by ${(100 * Math.sqrt(discretisation / norm)).toFixed(2)} % (dt/τ = ${dt / tau})`);
    console.log('mean', Array.from(m).map((v) => v.toFixed(3)).join(' '), 'ref', Array.from(mean).map((v) => v.toFixed(3)).join(' '), 'cov00', cov[0]!.toFixed(4), covDiscrete[0]!.toFixed(4), 'cov01', cov[1]!.toFixed(4), covDiscrete[1]!.toFixed(4));
    expect(worstMean).toBeLessThan(5);
    expect(worstCov).toBeLessThan(5);
    // The exact-integration scheme converges to the continuous solution: O(dt/τ) difference.
    expect(Math.sqrt(discretisation / norm)).toBeLessThan(dt / tau);
  });
});

describe('LIF neuron under constant current', () => {
  const cases: [string, NetworkSpec['populations'][number], (c: number) => { tauMs: number; rMOhm: number; eL: number; vTh: number; vReset: number; tRef: number }][] = [
    ['lif_psc_exp', { name: 'N', size: 1, model: 'lif_psc_exp', params: { tau_m_ms: 10, c_m_pF: 250, e_l_mV: -65, v_th_mV: -50, v_reset_mV: -70, t_ref_ms: 2, i_e_pA: 437.3 } },
      () => ({ tauMs: 10, rMOhm: 10 / 250, eL: -65, vTh: -50, vReset: -70, tRef: 2 })],
    ['lif_psc_delta', { name: 'N', size: 1, model: 'lif_psc_delta', params: { tau_m_ms: 20, c_m_pF: 200, e_l_mV: 0, v_th_mV: 20, v_reset_mV: 10, t_ref_ms: 2, i_e_pA: 251.7 } },
      () => ({ tauMs: 20, rMOhm: 20 / 200, eL: 0, vTh: 20, vReset: 10, tRef: 2 })],
    ['lif_cond_exp', { name: 'N', size: 1, model: 'lif_cond_exp', params: { c_m_pF: 200, g_l_nS: 10, e_l_mV: -60, v_th_mV: -50, v_reset_mV: -60, t_ref_ms: 5, i_e_pA: 163.1 } },
      () => ({ tauMs: 20, rMOhm: 1 / 10, eL: -60, vTh: -50, vReset: -60, tRef: 5 })],
  ];
  for (const [name, population, constants] of cases) {
    it(`${name}: inter-spike interval equals t_ref + τ ln((RI − (V_reset − E_L)) / (RI − (θ − E_L)))`, async () => {
      const dt = 0.1;
      const k = constants(0);
      const current = population.params!['i_e_pA'] as number;
      const ri = k.rMOhm * current; // pA · GΩ = mV (R in mV/pA)
      const tStar = k.tauMs * Math.log((ri - (k.vReset - k.eL)) / (ri - (k.vTh - k.eL)));
      const analyticIsi = k.tRef + tStar;
      // Exact integration on the grid: the spike comes on the first step with V(m·dt) ≥ θ. The
      // built-in LIF models follow NEST's step order: V is held at V_reset for round(t_ref/dt)
      // whole steps after the spike step, then integrates again.
      const expectedSteps = Math.round(k.tRef / dt) + Math.ceil(tStar / dt);
      const spec: NetworkSpec = { dt_ms: dt, seed: 1, batch: 2, populations: [{ ...population, initial: { v_mV: k.vReset } }], recorders: [{ type: 'spikes', population: 'N' }] };
      const sim = await gpuSimulator(spec);
      await sim.run(300);
      const spikes = sim.recordings()[0] as SpikeRecording;
      const steps = Array.from(spikes.steps).filter((_, i) => spikes.trials[i] === 0);
      expect(steps.length).toBeGreaterThan(5);
      const isis = steps.slice(1).map((s, i) => s - steps[i]!);
      console.log(`${name}: analytic ISI ${analyticIsi.toFixed(4)} ms, simulated ${isis[0]! * dt} ms (${isis.length} intervals)`);
      for (const isi of isis) expect(isi).toBe(expectedSteps);
      expect(Math.abs(isis[0]! * dt - analyticIsi)).toBeLessThan(dt);
      // The first spike from V_reset without refractoriness: t* exactly (on the grid).
      expect(steps[0]! + 1).toBe(Math.ceil(tStar / dt));
      const cpu = new CpuSimulator(spec);
      cpu.run(300);
      expect(Array.from((cpu.recordings()[0] as SpikeRecording).steps)).toEqual(Array.from(spikes.steps));
    });
  }
});

describe('Poisson sources', () => {
  it('have the requested rate and a Fano factor of 1 − p (Bernoulli per step)', async () => {
    const rate = 20;
    const dt = 0.1;
    const n = 2000;
    const batch = 2;
    const windowMs = 100;
    const spec: NetworkSpec = {
      dt_ms: dt, seed: 99, batch,
      populations: [{ name: 'P', size: n, model: 'poisson_source', params: { rate_hz: rate } }],
      recorders: [{ type: 'spike_counts', population: 'P', window_ms: windowMs }],
    };
    const sim = await gpuSimulator(spec);
    await sim.run(2000);
    const rec = sim.recordings()[0] as SpikeCountRecording;
    expect(rec.nWindows).toBe(20);
    const counts = rec.counts;
    const samples = counts.length;
    let mean = 0;
    for (const c of counts) mean += c / samples;
    let variance = 0;
    for (const c of counts) variance += (c - mean) ** 2 / (samples - 1);
    const p = 1 - Math.exp((-rate * dt) / 1000);
    const steps = windowMs / dt;
    const expectedMean = steps * p;
    const fano = variance / mean;
    console.log(`Poisson sources: mean count ${mean.toFixed(4)} (expected ${expectedMean.toFixed(4)}), Fano ${fano.toFixed(4)} (expected ${(1 - p).toFixed(4)}), ${samples} windows`);
    expect(Math.abs(mean - expectedMean)).toBeLessThan(5 * Math.sqrt((expectedMean * (1 - p)) / samples));
    expect(Math.abs(fano - (1 - p))).toBeLessThan(5 * Math.sqrt(2 / (samples - 1)));
  });
});

describe('linear rate network driven by Ornstein–Uhlenbeck input noise', () => {
  it('matches the Lyapunov covariance of the augmented system [x; η]', async () => {
    const n = 4;
    const tau = 10;
    const tauNoise = 30;
    const dt = 0.5;
    const sigma = 0.8;
    const trials = 64;
    const spec: NetworkSpec = {
      dt_ms: dt, seed: 8, batch: trials,
      populations: [{ name: 'X', size: n, model: 'rate', params: { tau_ms: tau, transfer: 'linear', noise_std: sigma, noise_tau_ms: tauNoise } }],
      projections: [{ source: 'X', target: 'X', connector: { type: 'all_to_all' }, weight: { normal: { mean: 0, std: 0.25 } }, delay_ms: dt }],
      inputs: [{ type: 'dc', target: 'X', amplitude: 1 }],
      recorders: [{ type: 'state', population: 'X', variable: 'x', neurons: 'all', every_ms: 40 }],
    };
    const W = Float64Array.from(planNetwork(spec).projections[0]!.dense!);
    const m2 = 2 * n;
    // Exact discrete map of the scheme: η_t = dη η_{t−1} + ν, x_t = a x_{t−1} + (1 − a)(W x_{t−1} + h + η_t).
    const a = Math.exp(-dt / tau);
    const dEta = Math.exp(-dt / tauNoise);
    const s2 = sigma * sigma * (1 - dEta * dEta);
    const M = new Float64Array(m2 * m2);
    const Qd = new Float64Array(m2 * m2);
    const A = new Float64Array(m2 * m2);
    const Qc = new Float64Array(m2 * m2);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        M[i * m2 + j] = (1 - a) * W[i * n + j]! + (i === j ? a : 0);
        A[i * m2 + j] = (W[i * n + j]! - (i === j ? 1 : 0)) / tau;
      }
      M[i * m2 + n + i] = (1 - a) * dEta;
      M[(n + i) * m2 + n + i] = dEta;
      Qd[i * m2 + i] = s2 * (1 - a) ** 2;
      Qd[i * m2 + n + i] = Qd[(n + i) * m2 + i] = s2 * (1 - a);
      Qd[(n + i) * m2 + n + i] = s2;
      A[i * m2 + n + i] = 1 / tau;
      A[(n + i) * m2 + n + i] = -1 / tauNoise;
      Qc[(n + i) * m2 + n + i] = (2 * sigma * sigma) / tauNoise;
    }
    const covDiscrete = lyapunovDiscrete(M, Qd, m2);
    const covContinuous = lyapunovContinuous(A, Qc, m2);

    const sim = await gpuSimulator(spec);
    await sim.run(8000);
    const rec = sim.recordings()[0] as StateRecording;
    const rows: Float64Array[] = [];
    for (let s = 0; s < rec.timesMs.length; s++) {
      if (rec.timesMs[s]! < 300) continue;
      for (let b = 0; b < trials; b++) rows.push(Float64Array.from(rec.values.subarray((s * trials + b) * n, (s * trials + b + 1) * n)));
    }
    const count = rows.length;
    const mean = new Float64Array(n);
    for (const r of rows) for (let i = 0; i < n; i++) mean[i]! += r[i]! / count;
    const cov = new Float64Array(n * n);
    for (const r of rows) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cov[i * n + j]! += ((r[i]! - mean[i]!) * (r[j]! - mean[j]!)) / (count - 1);
    // Coloured noise makes samples 40 ms apart correlated: count them at a third.
    const nEff = count / 3;
    let worst = 0;
    let discretisation = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const ref = covDiscrete[i * m2 + j]!;
        const se = Math.sqrt((covDiscrete[i * m2 + i]! * covDiscrete[j * m2 + j]! + ref * ref) / nEff);
        worst = Math.max(worst, Math.abs(cov[i * n + j]! - ref) / se);
        discretisation += (ref - covContinuous[i * m2 + j]!) ** 2;
        norm += covContinuous[i * m2 + j]! ** 2;
      }
    }
    console.log(`OU-input Lyapunov test: ${count} samples; worst covariance deviation ${worst.toFixed(2)} SE; discrete vs continuous ${(100 * Math.sqrt(discretisation / norm)).toFixed(2)} %`);
    expect(worst).toBeLessThan(5);
    expect(Math.sqrt(discretisation / norm)).toBeLessThan(dt / tau);
  });
});
