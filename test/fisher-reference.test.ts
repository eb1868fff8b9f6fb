/**
 * The float64 CPU reference of linear Fisher information against the reference cases of
 * `../shared/science.md` (cases 1–4 and 6): exact values from the model's own means and
 * covariances, and estimates from synthetic samples within 3 standard errors.
 */
import { describe, expect, it } from 'vitest';
import {
  biasCorrectedVariance, crossValidatedDecoder, fisherFromStatistics, fisherInformation, normalCdf, normalQuantile,
  type ConditionStatistics,
} from '../src/analysis/fisher.js';
import { RandomStream } from '../src/rng/philox.js';
import { cholesky, gaussianSamples, solve } from './helpers/linalg.js';
import { besselI1 } from './helpers/special.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** f'ᵀ S⁻¹ f' by Gaussian elimination (the test helpers' solver, not the module's Cholesky). */
function quadraticForm(S: Float64Array, f: Float64Array): number {
  const x = solve(S, f, f.length);
  return f.reduce((s, v, i) => s + v * x[i]!, 0);
}

/** Exact statistics: means 0 and f'·ds, both covariances S, and so many trials that the bias corrections vanish. */
function exactStatistics(fprime: Float64Array, S: Float64Array, ds: number, slope = 1): [ConditionStatistics, ConditionStatistics] {
  const n = 1e15;
  return [
    { n, mean: new Float64Array(fprime.length), cov: S },
    { n, mean: Float64Array.from(fprime, (v) => v * slope * ds), cov: S },
  ];
}

/** Σ0 = diag(d) + V Vᵀ with d in [0.5, 2] and V (n × rank) of N(0, scale²) entries. */
function randomCovariance(stream: RandomStream, n: number, rank: number, scale: number): Float64Array {
  const V = Float64Array.from({ length: n * rank }, () => scale * stream.normal());
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? 0.5 + 1.5 * stream.uniform() : 0;
      for (let k = 0; k < rank; k++) s += V[i * rank + k]! * V[j * rank + k]!;
      S[i * n + j] = s;
    }
  }
  // Symmetrise exactly (the diagonal draw above only happens once per i, so S is symmetric already).
  return S;
}

function addOuter(S: Float64Array, f: Float64Array, c: number): Float64Array {
  const n = f.length;
  return Float64Array.from(S, (v, k) => v + c * f[Math.floor(k / n)]! * f[k % n]!);
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: readonly number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
};

// ---------------------------------------------------------------------------------------------
// Case 1: independent Poisson population with von Mises tuning
// ---------------------------------------------------------------------------------------------

describe('case 1: independent Poisson population, von Mises tuning', () => {
  const A = 20; // Hz
  const kappa = 2;
  const N = 400;
  const Tw = 0.2; // s
  const preferred = Float64Array.from({ length: N }, (_, i) => (i * Math.PI) / N);
  const rate = (theta: number, i: number): number => A * Math.exp(kappa * (Math.cos(2 * (theta - preferred[i]!)) - 1));
  const rateSlope = (theta: number, i: number): number => -2 * kappa * Math.sin(2 * (theta - preferred[i]!)) * rate(theta, i);
  const theta0 = 0.3; // rad
  const dTheta = (2 * Math.PI) / 180; // 2°, in rad

  it('the analytic value 4·T_w·N·A·κ·e^(−κ)·I₁(κ) = 2755.45 rad⁻² equals T_w Σ f_i′²/f_i', () => {
    expect(besselI1(2)).toBeCloseTo(1.5906368546373291, 14);
    const analytic = 4 * Tw * N * A * kappa * Math.exp(-kappa) * besselI1(kappa);
    expect(analytic).toBeCloseTo(2755.45, 2);
    let sum = 0;
    for (let i = 0; i < N; i++) sum += (Tw * rateSlope(theta0, i) ** 2) / rate(theta0, i);
    expect(Math.abs(sum / analytic - 1)).toBeLessThan(1e-12);
  });

  it('I_bc from simulated Poisson counts at θ ± 1° is within 3 SE of the exact finite-difference information', () => {
    const thetaA = theta0 - dTheta / 2;
    const thetaB = theta0 + dTheta / 2;
    const lambdaA = Float64Array.from({ length: N }, (_, i) => Tw * rate(thetaA, i));
    const lambdaB = Float64Array.from({ length: N }, (_, i) => Tw * rate(thetaB, i));
    // Exact linear Fisher information of this model for the two stimuli: f' = Δλ/dθ, Σ = diag of the mean Poisson variances.
    let exact = 0;
    for (let i = 0; i < N; i++) exact += ((lambdaB[i]! - lambdaA[i]!) / dTheta) ** 2 / ((lambdaA[i]! + lambdaB[i]!) / 2);
    const analytic = 4 * Tw * N * A * kappa * Math.exp(-kappa) * besselI1(kappa);
    expect(Math.abs(exact / analytic - 1)).toBeLessThan(0.005); // O(dθ²) finite-difference error

    const T = 4000;
    const stream = new RandomStream(2026, 1);
    const counts = (lambda: Float64Array): Float64Array => {
      const x = new Float64Array(T * N);
      for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) x[t * N + i] = stream.poisson(lambda[i]!);
      return x;
    };
    const a = counts(lambdaA);
    const b = counts(lambdaB);
    const r = fisherInformation(a, b, N, dTheta, { decoderFolds: 0 });
    console.log(
      `case 1 (N=${N}, T=${T}, dθ=2°): exact finite-difference I = ${exact.toFixed(1)} rad⁻² (analytic ${analytic.toFixed(2)}); ` +
        `I_naive ${r.I_naive.toFixed(1)}, I_bc ${r.I_bc.toFixed(1)} ± ${r.I_bc_se.toFixed(1)}, I_shuffle_bc ${r.I_shuffle_bc.toFixed(1)}, rho ${r.rho.toFixed(4)}`,
    );
    expect(r.valid).toBe(true);
    expect(r.N).toBe(N);
    expect(r.T).toBe(T);
    expect(Math.abs(r.I_bc - exact)).toBeLessThan(3 * r.I_bc_se);
    // The naive estimate is biased upward by about (N+1)/(2T)·I + 2N/(T dθ²).
    const expectedNaive = ((2 * T - 2) / (2 * T - N - 3)) * (exact + (2 * N) / (T * dTheta ** 2));
    expect(Math.abs(r.I_naive - expectedNaive)).toBeLessThan(3 * r.I_bc_se);
    expect(r.I_naive - exact).toBeGreaterThan(0);
    // Independent neurons: the shuffled information estimates the same number and redundancy is ~0.
    expect(Math.abs(r.I_shuffle_bc - exact)).toBeLessThan(3 * r.I_bc_se);
    expect(Math.abs(r.redundancy)).toBeLessThan(3 * r.I_bc_se);
  });
});

// ---------------------------------------------------------------------------------------------
// Case 2: differential correlations
// ---------------------------------------------------------------------------------------------

describe('case 2: differential correlations Σ = Σ0 + ε f′f′ᵀ', () => {
  const N = 20;
  const ds = 0.5;
  const stream = new RandomStream(7, 2);
  const S0 = randomCovariance(stream, N, 3, 0.5);
  const fprime = Float64Array.from({ length: N }, () => 2 * stream.normal());
  const I0 = quadraticForm(S0, fprime);

  it('I = I0/(1 + ε I0) exactly from the matrices, saturating at 1/ε', () => {
    const [a0, b0] = exactStatistics(fprime, S0, ds);
    expect(fisherFromStatistics(a0, b0, ds).I_naive / I0 - 1).toBeCloseTo(0, 12);
    for (const epsilon of [0.1 / I0, 1 / I0, 10 / I0, 1e-3]) {
      const [a, b] = exactStatistics(fprime, addOuter(S0, fprime, epsilon), ds);
      const r = fisherFromStatistics(a, b, ds);
      const expected = I0 / (1 + epsilon * I0);
      expect(Math.abs(r.I_naive / expected - 1)).toBeLessThan(1e-10);
      expect(r.I_naive).toBeLessThan(1 / epsilon);
    }
  });

  it('I_bc from Gaussian samples is within 3 SE of I0/(1 + ε I0)', () => {
    const epsilon = 1 / I0; // halves the information
    const S = addOuter(S0, fprime, epsilon);
    const L = cholesky(S, N);
    const T = 600;
    const a = gaussianSamples(stream, new Float64Array(N), L, T);
    const b = gaussianSamples(stream, Float64Array.from(fprime, (v) => v * ds), L, T);
    const r = fisherInformation(a, b, N, ds, { decoderFolds: 0 });
    const truth = I0 / 2;
    console.log(`case 2 (N=${N}, T=${T}): I0 = ${I0.toFixed(2)}, true I = ${truth.toFixed(2)}; I_bc ${r.I_bc.toFixed(2)} ± ${r.I_bc_se.toFixed(2)}, rho ${r.rho.toFixed(3)}`);
    expect(Math.abs(r.I_bc - truth)).toBeLessThan(3 * r.I_bc_se);
    // A standard error that is informative, not huge.
    expect(r.I_bc_se).toBeLessThan(0.25 * truth);
  });
});

// ---------------------------------------------------------------------------------------------
// Case 3: feedback model (redundancy without information loss)
// ---------------------------------------------------------------------------------------------

describe('case 3: feedback r = r0 + g·u·d with d = wᵀr0 (+ ξ), u = f′', () => {
  const N = 30;
  const ds = 0.5;
  const stream = new RandomStream(11, 3);
  const variance0 = Float64Array.from({ length: N }, () => 0.5 + 1.5 * stream.uniform());
  const fprime = Float64Array.from({ length: N }, () => 0.3 + stream.uniform());
  const S0 = Float64Array.from({ length: N * N }, (_, k) => (Math.floor(k / N) === k % N ? variance0[k % N]! : 0));
  const j0 = Float64Array.from(fprime, (f, i) => (f * f) / variance0[i]!);
  const I0 = j0.reduce((s, v) => s + v, 0);
  const closedFormJ = (G: number): Float64Array => Float64Array.from(j0, (j) => (G * j) / (1 + ((G - 1) * j) / I0));

  it('exact matrices: I stays I0, J_i = G j_i/(1 + (G−1) j_i/I0), ρ grows from 0 with g', () => {
    let previousRho = -1;
    for (const g of [0, 0.1, 0.25, Math.SQRT2 - 1, 0.7, 1.5]) {
      const G = (1 + g) ** 2;
      const S = addOuter(S0, fprime, (G - 1) / I0);
      const [a, b] = exactStatistics(fprime, S, ds, 1 + g);
      const r = fisherFromStatistics(a, b, ds);
      expect(Math.abs(r.I_naive / I0 - 1)).toBeLessThan(1e-10);
      const J = closedFormJ(G);
      r.single_neuron.forEach((v, i) => expect(Math.abs(v / J[i]! - 1)).toBeLessThan(1e-10));
      const rho = 1 - r.I_naive / r.I_shuffle;
      expect(Math.abs(r.rho - rho)).toBeLessThan(1e-9); // bias corrections vanish at n = 1e15
      if (g === 0) expect(Math.abs(rho)).toBeLessThan(1e-12);
      expect(rho).toBeGreaterThan(previousRho);
      previousRho = rho;
    }
    // With noise on the decision unit: I = I0/(1 + ε I0), ε = g²σ_ξ²/(1+g)².
    const g = 0.5;
    const sigmaXi = 0.4;
    const G = (1 + g) ** 2;
    const S = addOuter(S0, fprime, (G - 1) / I0 + g * g * sigmaXi * sigmaXi);
    const [a, b] = exactStatistics(fprime, S, ds, 1 + g);
    const epsilon = (g * g * sigmaXi * sigmaXi) / G;
    expect(Math.abs(fisherFromStatistics(a, b, ds).I_naive / (I0 / (1 + epsilon * I0)) - 1)).toBeLessThan(1e-10);
  });

  it('homogeneous neurons: ρ = 1 − (1 + (G−1)/N)/G, about 0.5 at g = √2 − 1', () => {
    const n = 200;
    const f = new Float64Array(n).fill(0.2);
    const diag = Float64Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : 0));
    const I = 0.04 * n;
    const g = Math.SQRT2 - 1;
    const G = (1 + g) ** 2;
    const [a, b] = exactStatistics(f, addOuter(diag, f, (G - 1) / I), 1, 1 + g);
    const r = fisherFromStatistics(a, b, 1);
    const rho = 1 - r.I_naive / r.I_shuffle;
    expect(rho).toBeCloseTo(1 - (1 + (G - 1) / n) / G, 10);
    expect(Math.abs(rho - 0.5)).toBeLessThan(0.01);
  });

  it('simulated feedback model: I_bc within 3 SE of I0, single neurons and I_shuffle_bc near the closed form', () => {
    const g = 0.5;
    const G = (1 + g) ** 2;
    const T = 800;
    const w = Float64Array.from(fprime, (f, i) => f / variance0[i]! / I0); // Σ0⁻¹f'/I0, so wᵀf' = 1
    const respond = (s: number): Float64Array => {
      const x = new Float64Array(T * N);
      const r0 = new Float64Array(N);
      for (let t = 0; t < T; t++) {
        let d = 0;
        for (let i = 0; i < N; i++) {
          r0[i] = 5 + fprime[i]! * s + Math.sqrt(variance0[i]!) * stream.normal();
          d += w[i]! * r0[i]!;
        }
        for (let i = 0; i < N; i++) x[t * N + i] = r0[i]! + g * fprime[i]! * d;
      }
      return x;
    };
    const r = fisherInformation(respond(0), respond(ds), N, ds, { decoderFolds: 0 });
    const J = closedFormJ(G);
    const Ish = J.reduce((s, v) => s + v, 0);
    const rhoExact = 1 - I0 / Ish;
    // Single-neuron standard errors from the same variance formula with N = 1; the neurons are
    // correlated, so the SE of their sum is at most the sum of their SEs.
    const singleSe = Array.from(J, (j) => Math.sqrt(biasCorrectedVariance(j, T, 1, ds)));
    const z = r.single_neuron_bc.map((v, i) => (v - J[i]!) / singleSe[i]!);
    const worst = Math.max(...z.map(Math.abs));
    const rms = Math.sqrt(z.reduce((s, v) => s + v * v, 0) / N);
    console.log(
      `case 3 (N=${N}, T=${T}, g=${g}): I0 = ${I0.toFixed(2)}, I_bc ${r.I_bc.toFixed(2)} ± ${r.I_bc_se.toFixed(2)}; ` +
        `I_shuffle exact ${Ish.toFixed(2)}, I_shuffle_bc ${r.I_shuffle_bc.toFixed(2)}; rho exact ${rhoExact.toFixed(3)}, estimated ${r.rho.toFixed(3)}; ` +
        `single neurons: RMS deviation ${rms.toFixed(2)} SE, worst ${worst.toFixed(2)} SE`,
    );
    expect(Math.abs(r.I_bc - I0)).toBeLessThan(3 * r.I_bc_se);
    // Single neurons: the RMS of their z-scores near 1, none far out (j_bc is skewed, so allow 5 SE).
    expect(rms).toBeLessThan(1.6);
    expect(worst).toBeLessThan(5);
    expect(Math.abs(r.I_shuffle_bc - Ish)).toBeLessThan(3 * singleSe.reduce((s, v) => s + v, 0));
    expect(rhoExact).toBeGreaterThan(0.3);
    expect(Math.abs(r.rho - rhoExact)).toBeLessThan(0.1);
  });
});

// ---------------------------------------------------------------------------------------------
// Case 4: the estimators over many repeats
// ---------------------------------------------------------------------------------------------

describe('case 4: bias-corrected estimators over repeats (N = 20, T = 50)', () => {
  const N = 20;
  const T = 50;
  const ds = 1;
  const repeats = 400;

  function repeatEstimates(S: Float64Array, fprime: Float64Array, seed: number): { bc: number[]; naive: number[]; shuffleBc: number[]; se: number[] } {
    const L = cholesky(S, N);
    const stream = new RandomStream(seed, 4);
    const out = { bc: [] as number[], naive: [] as number[], shuffleBc: [] as number[], se: [] as number[] };
    const meanB = Float64Array.from(fprime, (v) => 3 + v * ds);
    const meanA = new Float64Array(N).fill(3);
    for (let k = 0; k < repeats; k++) {
      const r = fisherInformation(gaussianSamples(stream, meanA, L, T), gaussianSamples(stream, meanB, L, T), N, ds, { decoderFolds: 0 });
      out.bc.push(r.I_bc);
      out.naive.push(r.I_naive);
      out.shuffleBc.push(r.I_shuffle_bc);
      out.se.push(r.I_bc_se);
    }
    return out;
  }

  it('independent neurons: I_bc unbiased, spread as the variance formula, naive biased upward, I_shuffle_bc ≈ I_bc', () => {
    const stream = new RandomStream(5, 40);
    const variances = Float64Array.from({ length: N }, () => 0.5 + 1.5 * stream.uniform());
    const S = Float64Array.from({ length: N * N }, (_, k) => (Math.floor(k / N) === k % N ? variances[k % N]! : 0));
    const raw = Float64Array.from({ length: N }, () => stream.normal());
    const scale = Math.sqrt(10 / quadraticForm(S, raw));
    const fprime = Float64Array.from(raw, (v) => v * scale);
    const I = quadraticForm(S, fprime); // 10
    const e = repeatEstimates(S, fprime, 99);
    const formulaSe = Math.sqrt(biasCorrectedVariance(I, T, N, ds));
    const expectedNaive = ((2 * T - 2) / (2 * T - N - 3)) * (I + (2 * N) / (T * ds * ds));
    const diff = e.shuffleBc.map((v, i) => v - e.bc[i]!);
    console.log(
      `case 4 independent (${repeats} repeats): true I = ${I.toFixed(3)}; mean I_bc ${mean(e.bc).toFixed(3)} (SE of mean ${(sd(e.bc) / Math.sqrt(repeats)).toFixed(3)}), ` +
        `SD ${sd(e.bc).toFixed(3)} vs formula ${formulaSe.toFixed(3)} (mean plug-in SE ${mean(e.se).toFixed(3)}); ` +
        `mean I_naive ${mean(e.naive).toFixed(3)} (expected ${expectedNaive.toFixed(3)}); mean I_shuffle_bc ${mean(e.shuffleBc).toFixed(3)} (SD ${sd(e.shuffleBc).toFixed(3)})`,
    );
    expect(Math.abs(mean(e.bc) - I)).toBeLessThan((3 * sd(e.bc)) / Math.sqrt(repeats));
    expect(Math.abs(sd(e.bc) / formulaSe - 1)).toBeLessThan(0.2);
    expect(Math.abs(mean(e.se) / formulaSe - 1)).toBeLessThan(0.2);
    expect(mean(e.naive) - I).toBeGreaterThan((5 * sd(e.naive)) / Math.sqrt(repeats));
    expect(Math.abs(mean(e.naive) - expectedNaive)).toBeLessThan((3 * sd(e.naive)) / Math.sqrt(repeats));
    expect(Math.abs(mean(e.shuffleBc) - I)).toBeLessThan((3 * sd(e.shuffleBc)) / Math.sqrt(repeats));
    expect(Math.abs(mean(diff))).toBeLessThan((3 * sd(diff)) / Math.sqrt(repeats));
  });

  it('correlated neurons: I_bc unbiased and its spread as the variance formula', () => {
    const stream = new RandomStream(6, 41);
    const S = randomCovariance(stream, N, 4, 0.6);
    const raw = Float64Array.from({ length: N }, () => stream.normal());
    const scale = Math.sqrt(10 / quadraticForm(S, raw));
    const fprime = Float64Array.from(raw, (v) => v * scale);
    const I = quadraticForm(S, fprime);
    const e = repeatEstimates(S, fprime, 98);
    const formulaSe = Math.sqrt(biasCorrectedVariance(I, T, N, ds));
    console.log(
      `case 4 correlated (${repeats} repeats): true I = ${I.toFixed(3)}; mean I_bc ${mean(e.bc).toFixed(3)} ± ${(sd(e.bc) / Math.sqrt(repeats)).toFixed(3)}; ` +
        `SD ${sd(e.bc).toFixed(3)} vs formula ${formulaSe.toFixed(3)}; mean I_naive ${mean(e.naive).toFixed(3)}`,
    );
    expect(Math.abs(mean(e.bc) - I)).toBeLessThan((3 * sd(e.bc)) / Math.sqrt(repeats));
    expect(Math.abs(sd(e.bc) / formulaSe - 1)).toBeLessThan(0.2);
    expect(mean(e.naive) - I).toBeGreaterThan((5 * sd(e.naive)) / Math.sqrt(repeats));
  });
});

// ---------------------------------------------------------------------------------------------
// Case 6: cross-validated decoder
// ---------------------------------------------------------------------------------------------

describe('case 6: two Gaussian clouds and the cross-validated linear decoder', () => {
  it('Φ and Φ⁻¹ match known values', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 15);
    expect(normalCdf(-1.96)).toBeCloseTo(0.024997895148220435, 15);
    expect(normalCdf(3)).toBeCloseTo(0.9986501019683699, 15);
    expect(normalCdf(-5) / 2.866515718791939e-7 - 1).toBeCloseTo(0, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13);
    expect(normalQuantile(0.8413447460685429)).toBeCloseTo(1, 13);
    expect(normalQuantile(1e-10) / -6.361340902404056 - 1).toBeCloseTo(0, 10);
    for (const p of [1e-6, 0.01, 0.3, 0.5, 0.77, 0.99, 0.999999]) expect(normalCdf(normalQuantile(p)) / p - 1).toBeCloseTo(0, 12);
  });

  it("accuracy ≈ Φ(d′/2) within sampling error and I_lower_bound ≤ I", () => {
    const N = 10;
    const ds = 0.5;
    const stream = new RandomStream(8, 6);
    const S = randomCovariance(stream, N, 3, 0.5);
    const raw = Float64Array.from({ length: N }, () => stream.normal());
    const dPrime = 2;
    const scale = dPrime / Math.sqrt(quadraticForm(S, raw));
    const delta = Float64Array.from(raw, (v) => v * scale); // Δμ with Δμᵀ Σ⁻¹ Δμ = d'²
    const I = (dPrime * dPrime) / (ds * ds);
    const T = 1000;
    const L = cholesky(S, N);
    const a = gaussianSamples(stream, Float64Array.from(delta, (v) => -v / 2), L, T);
    const b = gaussianSamples(stream, Float64Array.from(delta, (v) => v / 2), L, T);
    const r = fisherInformation(a, b, N, ds, { decoderFolds: 5, seed: 3 });
    const decoder = r.decoder!;
    const optimal = normalCdf(dPrime / 2);
    const accuracySe = Math.sqrt((optimal * (1 - optimal)) / (2 * T));
    // Sampling error of the bound, by the delta method: dI/dacc = 8 Φ⁻¹(acc)/(φ(Φ⁻¹(acc)) ds²).
    const boundSe = (8 * (dPrime / 2) * accuracySe) / (Math.exp(-0.5 * (dPrime / 2) ** 2) / Math.sqrt(2 * Math.PI)) / (ds * ds);
    console.log(
      `case 6 (N=${N}, T=${T}, d'=${dPrime}): Φ(d'/2) = ${optimal.toFixed(4)}, CV accuracy ${decoder.accuracy.toFixed(4)} (± ${accuracySe.toFixed(4)}); ` +
        `I = ${I}, I_lower_bound ${decoder.I_lower_bound.toFixed(2)} (± ${boundSe.toFixed(2)}), I_bc ${r.I_bc.toFixed(2)} ± ${r.I_bc_se.toFixed(2)}`,
    );
    expect(decoder.folds).toBe(5);
    expect(decoder.ridge).toBe(0);
    expect(decoder.accuracy).toBeLessThan(optimal + 3 * accuracySe);
    expect(decoder.accuracy).toBeGreaterThan(optimal - 3 * accuracySe - 0.01); // 0.01: cost of a weight vector learned from 800 trials per class
    expect(decoder.I_lower_bound).toBeLessThan(I + 3 * boundSe);
    expect(decoder.I_lower_bound).toBeCloseTo((2 * normalQuantile(decoder.accuracy)) ** 2 / (ds * ds), 10);
    expect(Math.abs(r.I_bc - I)).toBeLessThan(3 * r.I_bc_se);
    // Same seed, same folds, same accuracy.
    expect(crossValidatedDecoder(a, b, N, 5, 3, { ds }).accuracy).toBe(decoder.accuracy);
  });

  it('no information: accuracy near 0.5 and the bound is 0 when accuracy ≤ 0.5', () => {
    const N = 5;
    const stream = new RandomStream(9, 7);
    const L = cholesky(Float64Array.from({ length: N * N }, (_, k) => (Math.floor(k / N) === k % N ? 1 : 0)), N);
    const a = gaussianSamples(stream, new Float64Array(N), L, 400);
    const b = gaussianSamples(stream, new Float64Array(N), L, 400);
    const decoder = crossValidatedDecoder(a, b, N, 4, 1, { ds: 1 });
    expect(Math.abs(decoder.accuracy - 0.5)).toBeLessThan(3 * Math.sqrt(0.25 / 800) + 0.01);
    if (decoder.accuracy <= 0.5) expect(decoder.I_lower_bound).toBe(0);
    else expect(decoder.I_lower_bound).toBeLessThan(0.1);
  });
});
