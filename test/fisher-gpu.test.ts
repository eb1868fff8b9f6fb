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

describe('computeFisherGpu (the fisher CLI path)', () => {
  it('agrees with the float64 reference on every estimator and reports bad data like it', async () => {
    const { computeFisherGpu } = await import('../src/gpu/analysis/fisher-gpu.js');
    const { fisherInformation, FisherError } = await import('../src/analysis/fisher.js');
    const context = await testGpu();
    const n = 48;
    const a = correlatedCounts(300, n, 0, 5);
    const b = correlatedCounts(340, n, 2, 6); // unequal: subsampled to 300 in both paths
    const cpu = fisherInformation(a, b, n, 0.5);
    const gpu = await computeFisherGpu(context, a, b, n, 0.5);
    for (const key of ['I_naive', 'I_bc', 'I_bc_se', 'I_shuffle_bc', 'redundancy'] as const) {
      expect(Math.abs(gpu[key] - cpu[key]) / Math.abs(cpu[key]), key).toBeLessThan(1e-3);
    }
    expect(Math.abs(gpu.rho - cpu.rho)).toBeLessThan(1e-3);
    gpu.single_neuron_bc.forEach((j, i) => expect(Math.abs(j - cpu.single_neuron_bc[i]!)).toBeLessThan(1e-3 * Math.max(1e-3, Math.abs(cpu.single_neuron_bc[i]!))));
    expect(gpu.T).toBe(300);
    expect(gpu.warnings.join(' ')).toMatch(/unequal trial counts/);
    expect(gpu.decoder?.accuracy).toBeCloseTo(cpu.decoder!.accuracy, 10);

    const constant = Float64Array.from(a);
    const constantB = Float64Array.from(b);
    for (let t = 0; t < 300; t++) constant[t * n + 5] = 3;
    for (let t = 0; t < 340; t++) constantB[t * n + 5] = 3;
    const zero = await computeFisherGpu(context, constant, constantB, n, 0.5).catch((e: unknown) => e);
    expect(zero).toBeInstanceOf(FisherError);
    expect((zero as Error).message).toMatch(/zero variance.*: 5\b/);
    const nan = Float64Array.from(a);
    nan[7 * n + 2] = Number.NaN;
    const bad = await computeFisherGpu(context, nan, b, n, 0.5).catch((e: unknown) => e);
    expect((bad as { code?: string }).code).toBe('non_finite');
  });
});
