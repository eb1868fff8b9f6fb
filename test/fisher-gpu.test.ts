/**
 * GPU covariance accumulation, blocked Cholesky and triangular solve against float64.
 */
import { describe, expect, it } from 'vitest';
import { GpuLinearFisher, NotPositiveDefiniteError } from '../src/gpu/analysis/linear-fisher.js';
import { nodeShaderLoader } from '../src/node/shaders.js';
import { RandomStream } from '../src/rng/philox.js';
import { solve } from './helpers/linalg.js';
import { testGpu } from './helpers/gpu.js';

/** Poisson-like correlated counts with means around 50: shared gain fluctuation plus private noise. */
function correlatedCounts(trials: number, n: number, shift: number, seed: number): Float64Array {
  const rng = new RandomStream(seed, 1);
  const x = new Float64Array(trials * n);
  for (let t = 0; t < trials; t++) {
    const shared = rng.normal();
    for (let i = 0; i < n; i++) {
      const mean = 50 + 10 * Math.sin(i) + shift * Math.cos(0.3 * i);
      x[t * n + i] = Math.max(0, Math.round(mean + 2 * shared * (1 + (i % 3)) + Math.sqrt(mean) * rng.normal()));
    }
  }
  return x;
}

function meanCov(x: Float64Array, trials: number, n: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(n);
  for (let t = 0; t < trials; t++) for (let i = 0; i < n; i++) mean[i]! += x[t * n + i]! / trials;
  const cov = new Float64Array(n * n);
  for (let t = 0; t < trials; t++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cov[i * n + j]! += ((x[t * n + i]! - mean[i]!) * (x[t * n + j]! - mean[j]!)) / (trials - 1);
  return { mean, cov };
}

describe('GPU linear Fisher information', () => {
  it('accumulates covariance in blocks to 1e-4 and information to 1e-3 of float64', async () => {
    const context = await testGpu();
    const n = 37;
    const trials = 700;
    const ds = 2;
    const a = correlatedCounts(trials, n, 0, 1);
    const b = correlatedCounts(trials, n, 1.5, 2);
    const fisher = await GpuLinearFisher.create(context, nodeShaderLoader, n);
    const sa = fisher.createStatistics();
    const sb = fisher.createStatistics();
    await fisher.accumulateMatrix(sa, a, trials, 128); // several blocks with unequal sizes
    await fisher.accumulateMatrix(sb, b, trials, 1000);
    const ref = meanCov(a, trials, n);
    const got = await fisher.readStatistics(sa);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(ref.cov[i]!));
    for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(got.covariance[i]! - ref.cov[i]!) / scale);
    for (let i = 0; i < n; i++) expect(got.mean[i]).toBeCloseTo(ref.mean[i]!, 3);
    expect(worst).toBeLessThan(1e-4);

    const refB = meanCov(b, trials, n);
    const sigma = ref.cov.map((v, i) => 0.5 * (v + refB.cov[i]!));
    const fprime = ref.mean.map((m, i) => (refB.mean[i]! - m) / ds);
    const x = solve(sigma, fprime, n);
    const exact = fprime.reduce((s, f, i) => s + f * x[i]!, 0);
    const result = await fisher.solve(sa, sb, ds);
    console.log(`GPU I = ${result.information.toFixed(6)}, float64 I = ${exact.toFixed(6)}, covariance max rel. error ${worst.toExponential(2)} (N = ${n}, T = ${trials})`);
    expect(Math.abs(result.information - exact) / exact).toBeLessThan(1e-3);
    for (let i = 0; i < n; i++) expect(result.variances[i]).toBeCloseTo(sigma[i * n + i]!, 2);
  });

  it('reports a covariance that is not positive definite with its pivot', async () => {
    const context = await testGpu();
    const n = 20;
    const trials = 50;
    const a = correlatedCounts(trials, n, 0, 3);
    const b = correlatedCounts(trials, n, 1, 4);
    for (let t = 0; t < trials; t++) {
      a[t * n + 7] = a[t * n + 3]!; // neuron 7 duplicates neuron 3: Σ singular
      b[t * n + 7] = b[t * n + 3]!;
    }
    const fisher = await GpuLinearFisher.create(context, nodeShaderLoader, n);
    const sa = fisher.createStatistics();
    const sb = fisher.createStatistics();
    await fisher.accumulateMatrix(sa, a, trials);
    await fisher.accumulateMatrix(sb, b, trials);
    const error = await fisher.solve(sa, sb, 1, { label: 'window 2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotPositiveDefiniteError);
    expect((error as NotPositiveDefiniteError).pivotIndex).toBe(7);
    expect((error as Error).message).toMatch(/window 2: .*not positive definite.*pivot 7/);
    const regularised = await fisher.solve(sa, sb, 1, { ridge: 1 });
    expect(Number.isFinite(regularised.information)).toBe(true);
  });
});
