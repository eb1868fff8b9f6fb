/**
 * The exact unequal-trial-count estimator (issue 15, item 9): covariances pooled by degrees of
 * freedom, I_bc = I·(T_a+T_b−N−3)/(T_a+T_b−2) − N(1/T_a+1/T_b)/ds², and its exact variance.
 *
 * 1. Unbiasedness over 400 repeats of Gaussian responses with known Σ and Δμ, T_a = 60 ≠ T_b = 140,
 *    N = 10 (float64 reference): the mean I_bc lies within 3 SE of f'ᵀΣ⁻¹f', the spread matches
 *    the variance formula, and the old form (T = min(T_a, T_b), Σ = (Σ_a + Σ_b)/2) is biased low.
 * 2. The on-the-fly GPU analysis with trial lists of different lengths agrees with the float64
 *    reference on the same counts.
 */
import { describe, expect, it } from 'vitest';
import {
  biasCorrectedVariance, biasCorrection, conditionStatistics, fisherFromStatistics, fisherInformation, type ConditionStatistics,
} from '../src/analysis/fisher.js';
import { RandomStream } from '../src/rng/philox.js';
import type { NetworkSpec } from '../src/model/spec.js';
import type { SpikeCountRecording } from '../src/model/recording.js';
import { gpuSimulator } from './helpers/gpu.js';
import { cholesky, gaussianSamples, solve } from './helpers/linalg.js';

/**
 * The estimator used before the exact one: T = min(T_a, T_b), Σ = (Σ_a + Σ_b)/2 and the
 * equal-count correction I·(2T−N−3)/(2T−2) − 2N/(T·ds²).
 */
function oldMinTEstimate(a: ConditionStatistics, b: ConditionStatistics, n: number, ds: number): number {
  const T = Math.min(a.n, b.n);
  const sigma = Float64Array.from(a.cov, (v, k) => 0.5 * (v + b.cov[k]!));
  const fprime = Float64Array.from(a.mean, (m, i) => (b.mean[i]! - m) / ds);
  const x = solve(sigma, fprime, n);
  let I = 0;
  for (let i = 0; i < n; i++) I += fprime[i]! * x[i]!;
  return (I * (2 * T - n - 3)) / (2 * T - 2) - (2 * n) / (T * ds * ds);
}

const meanAndSe = (values: readonly number[]): { mean: number; sd: number; se: number } => {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd, se: sd / Math.sqrt(values.length) };
};

describe('exact estimator for unequal trial counts (float64 reference)', () => {
  it('reduces to the equal-count formulas when T_a = T_b', () => {
    const [T, N, ds, I] = [40, 12, 0.7, 3.5];
    const c = biasCorrection(T, N, ds);
    expect(c.scale).toBeCloseTo((2 * T - N - 3) / (2 * T - 2), 15);
    expect(c.offset).toBeCloseTo((2 * N) / (T * ds * ds), 13);
    expect(c.singleScale).toBeCloseTo((T - 2) / (T - 1), 15);
    expect(c.singleOffset).toBeCloseTo(2 / (T * ds * ds), 13);
    // Kanitscheider et al. (2015), equal T.
    const kanitscheider = ((2 * I * I) / (2 * T - N - 5)) * (1 + (4 * (2 * T - 3)) / (T * I * ds * ds) + (4 * N * (2 * T - 3)) / (T * I * ds * ds) ** 2);
    expect(biasCorrectedVariance(I, T, N, ds) / kanitscheider - 1).toBeCloseTo(0, 12);
    expect(biasCorrectedVariance(I, { a: T, b: T }, N, ds)).toBe(biasCorrectedVariance(I, T, N, ds));
    expect(biasCorrectedVariance(I, { a: 5, b: 10 }, N, ds)).toBeNaN(); // T_a + T_b − N − 5 ≤ 0
  });

  it('is unbiased over 400 repeats with T_a = 60, T_b = 140, N = 10; the old min-T form is biased low', () => {
    const N = 10;
    const [Ta, Tb] = [60, 140];
    const ds = 0.5;
    const repeats = 400;
    const setup = new RandomStream(11, 1);
    // Σ = G Gᵀ/N + ½ I (correlated, well conditioned), Δμ scaled so that I = f'ᵀΣ⁻¹f' = 4.
    const G = Float64Array.from({ length: N * N }, () => setup.normal());
    const sigma = new Float64Array(N * N);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let s = i === j ? 0.5 : 0;
        for (let k = 0; k < N; k++) s += (G[i * N + k]! * G[j * N + k]!) / N;
        sigma[i * N + j] = s;
      }
    }
    const L = cholesky(sigma, N);
    const direction = Float64Array.from({ length: N }, () => setup.normal());
    const x = solve(sigma, direction, N);
    const quadratic = direction.reduce((s, d, i) => s + d * x[i]!, 0);
    const trueI = 4;
    const deltaMu = direction.map((d) => d * Math.sqrt((trueI * ds * ds) / quadratic));
    const muA = new Float64Array(N).fill(5);
    const muB = muA.map((m, i) => m + deltaMu[i]!);

    const exact: number[] = [];
    const old: number[] = [];
    const subsampled: number[] = [];
    const rng = new RandomStream(12, 2);
    const started = performance.now();
    for (let r = 0; r < repeats; r++) {
      const a = gaussianSamples(rng, muA, L, Ta);
      const b = gaussianSamples(rng, muB, L, Tb);
      const sa = conditionStatistics(a, Ta, N);
      const sb = conditionStatistics(b, Tb, N);
      const result = fisherFromStatistics(sa, sb, ds);
      expect(result.trials_used).toEqual({ a: Ta, b: Tb });
      expect(result.valid).toBe(true);
      exact.push(result.I_bc);
      old.push(oldMinTEstimate(sa, sb, N, ds));
      subsampled.push(fisherInformation(a, b, N, ds, { decoderFolds: 0, seed: r + 1 }).I_bc);
    }
    const e = meanAndSe(exact);
    const o = meanAndSe(old);
    const s = meanAndSe(subsampled);
    const formulaSd = Math.sqrt(biasCorrectedVariance(trueI, { a: Ta, b: Tb }, N, ds));
    console.log(
      `unequal T (a ${Ta}, b ${Tb}, N ${N}, ${repeats} repeats, ${((performance.now() - started) / 1000).toFixed(2)} s): true I = ${trueI}; ` +
        `exact I_bc ${e.mean.toFixed(4)} ± ${e.se.toFixed(4)} (sd ${e.sd.toFixed(3)}, formula ${formulaSd.toFixed(3)}); ` +
        `old min-T ${o.mean.toFixed(4)} ± ${o.se.toFixed(4)} (bias ${(o.mean - trueI).toFixed(4)} = ${((o.mean - trueI) / o.se).toFixed(1)} SE); ` +
        `subsampled to ${Ta}: ${s.mean.toFixed(4)} ± ${s.se.toFixed(4)} (sd ${s.sd.toFixed(3)})`,
    );
    // Unbiased, with the spread the exact variance formula predicts.
    expect(Math.abs(e.mean - trueI)).toBeLessThan(3 * e.se);
    expect(Math.abs(e.sd / formulaSd - 1)).toBeLessThan(0.2);
    // The old min-T form is measurably biased low.
    expect(trueI - o.mean).toBeGreaterThan(3 * o.se);
    // Subsampling is unbiased too but throws information away: a larger spread.
    expect(Math.abs(s.mean - trueI)).toBeLessThan(3 * s.se);
    expect(s.sd).toBeGreaterThan(1.1 * e.sd);
  });

  it('fisherInformation with unequalTrials "exact" keeps every trial and reports both counts', () => {
    const N = 4;
    const rng = new RandomStream(3, 3);
    const a = Float64Array.from({ length: 30 * N }, () => rng.normal());
    const b = Float64Array.from({ length: 45 * N }, () => rng.normal() + 0.3);
    const r = fisherInformation(a, b, N, 1, { unequalTrials: 'exact', decoderFolds: 3 });
    expect([r.T_a, r.T_b]).toEqual([30, 45]);
    expect(r.trials_used).toEqual({ a: 30, b: 45 });
    expect(r.T).toBeCloseTo((2 * 30 * 45) / 75, 12);
    expect(r.warnings.join(' ')).not.toMatch(/dropped/);
    expect(r.decoder?.folds).toBe(3);
    const fromStatistics = fisherFromStatistics(conditionStatistics(a, 30, N), conditionStatistics(b, 45, N), 1);
    expect(r.I_bc).toBe(fromStatistics.I_bc);
  });
});

describe('on-the-fly information with unequal trial lists (GPU)', () => {
  it('matches the float64 exact estimator on the same counts', async () => {
    const n = 8;
    const [perA, perB] = [40, 72];
    const batch = perA + perB;
    const dTheta = 10;
    const ds = dTheta; // deg⁻²
    const orientations = Array.from({ length: batch }, (_, t) => (t < perA ? 40 : 40 + dTheta));
    const spec: NetworkSpec = {
      dt_ms: 1, seed: 9, batch,
      populations: [{ name: 'V1', size: n, model: 'poisson_source', params: { rate_hz: 0 } }],
      inputs: [{ type: 'stimulus', target: 'V1', orientation_deg: orientations, amplitude: 60, kappa: 1 }],
      recorders: [{ type: 'spike_counts', population: 'V1', window_ms: 50 }],
    };
    const sim = await gpuSimulator(spec);
    const trialsA = Array.from({ length: perA }, (_, i) => i);
    const trialsB = Array.from({ length: perB }, (_, i) => perA + i);
    const analysis = await sim.attachInformation({ recorder: 0, trialsA, trialsB, ds, windowBins: 2, keepCounts: true });
    await sim.run(150);
    await sim.resetTrials();
    await sim.run(150);
    const windows = await analysis.results();
    expect(windows.map((w) => [w.startMs, w.endMs])).toEqual([[0, 100], [50, 150]]);
    const counts = sim.recordings()[0] as SpikeCountRecording;
    expect(counts.nTrials).toBe(2 * batch);
    const gather = (trials: number[], first: number): Float64Array => {
      const x = new Float64Array(trials.length * n);
      trials.forEach((trial, t) => {
        for (let bin = first; bin < first + 2; bin++) for (let i = 0; i < n; i++) x[t * n + i]! += counts.counts[(bin * counts.nTrials + trial) * n + i]!;
      });
      return x;
    };
    const both = (list: number[]): number[] => [...list, ...list.map((t) => t + batch)];
    for (const w of windows) {
      expect(w.error).toBeNull();
      expect([w.trialsA, w.trialsB]).toEqual([2 * perA, 2 * perB]);
      const gpu = w.result!;
      const reference = fisherInformation(gather(both(trialsA), w.index), gather(both(trialsB), w.index), n, ds, { unequalTrials: 'exact', decoderFolds: 0 });
      console.log(
        `window ${w.startMs}–${w.endMs} ms (T_a ${gpu.T_a}, T_b ${gpu.T_b}): GPU I_bc ${gpu.I_bc.toFixed(5)} ± ${gpu.I_bc_se.toFixed(5)}, ` +
          `float64 ${reference.I_bc.toFixed(5)} deg⁻²; I_shuffle_bc ${gpu.I_shuffle_bc.toFixed(5)} vs ${reference.I_shuffle_bc.toFixed(5)}`,
      );
      expect(gpu.trials_used).toEqual({ a: 2 * perA, b: 2 * perB });
      expect([gpu.T_a, gpu.T_b]).toEqual([2 * perA, 2 * perB]);
      for (const key of ['I_naive', 'I_bc', 'I_bc_se', 'I_shuffle', 'I_shuffle_bc'] as const) {
        expect(Math.abs(gpu[key] - reference[key]) / Math.abs(reference[key])).toBeLessThan(1e-3);
      }
      gpu.single_neuron_bc.forEach((v, i) => expect(Math.abs(v - reference.single_neuron_bc[i]!)).toBeLessThan(1e-3 * Math.max(1e-3, Math.abs(reference.single_neuron_bc[i]!))));
    }
    sim.destroy();
  });
});
