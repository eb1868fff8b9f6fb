/**
 * Linear Fisher information of a population about a stimulus difference, from responses to
 * two stimuli s_a and s_b = s_a + ds: the float64 CPU reference (the GPU path in
 * `src/gpu/analysis/` returns the same {@link FisherResult}).
 *
 * Definitions (`../shared/science.md`, part A; T_a and T_b trials of the two conditions, N neurons;
 * with equal counts T_a = T_b = T):
 * - f' = (mean_b − mean_a)/ds; Σ = ((T_a−1)Σ_a + (T_b−1)Σ_b)/(T_a+T_b−2), the unbiased sample
 *   covariances pooled by degrees of freedom (= (Σ_a + Σ_b)/2 for equal counts);
 * - naive information I = f'ᵀ Σ⁻¹ f' (Cholesky factorisation in float64);
 * - bias-corrected I_bc = I·(T_a+T_b−N−3)/(T_a+T_b−2) − N(1/T_a+1/T_b)/ds² (= I·(2T−N−3)/(2T−2)
 *   − 2N/(T·ds²) for equal counts) and its variance (Kanitscheider, Coen-Cagli, Kohn & Pouget
 *   2015, PLoS Comput Biol; see {@link biasCorrectedVariance}), valid for T_a + T_b ≥ N + 5;
 * - shuffled information I_sh = Σ_i f'_i²/σ_i² (the sum of single-neuron informations j_i),
 *   bias-corrected I_sh,bc = I_sh·(T_a+T_b−4)/(T_a+T_b−2) − N(1/T_a+1/T_b)/ds² (= I_sh·(T−2)/(T−1)
 *   − 2N/(T·ds²) for equal counts);
 * - redundancy R = I_sh,bc − I_bc and ρ = R / I_sh,bc (≈ 0.5 when "half of each neuron's
 *   information is shared");
 * - a cross-validated linear decoder whose accuracy Φ(d'/2) gives a lower bound on I.
 *
 * Units: every information is in 1/(unit of ds)², e.g. rad⁻² when ds is in radians or deg⁻²
 * when it is in degrees. Responses may be spike counts, rates or any other real numbers.
 */
import { RandomStream, streamId } from '../rng/philox.js';

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * What went wrong in a Fisher-information computation:
 * - `mismatch`: the two conditions have different neuron counts, or different trial counts
 *   with `unequalTrials: 'error'`, or a matrix's size does not fit;
 * - `non_finite`: a response or statistic is NaN or ±Infinity;
 * - `zero_variance`: some neuron is constant within both conditions (its variance is 0);
 * - `too_few_trials`: fewer than 2 trials, or T_a + T_b < N + 5 (T < (N+5)/2 for equal counts)
 *   without `allowInvalidT`;
 * - `not_positive_definite`: the pooled covariance cannot be factorised;
 * - `bad_ds`: the stimulus difference is 0 or not finite.
 */
export type FisherErrorCode = 'mismatch' | 'non_finite' | 'zero_variance' | 'too_few_trials' | 'not_positive_definite' | 'bad_ds';

/** A problem with the data or the request that the message explains (which, where, what to do). */
export class FisherError extends Error {
  override readonly name = 'FisherError';
  /** Machine-readable kind of the problem. */
  readonly code: FisherErrorCode;

  /**
   * @param code kind of the problem
   * @param message what is wrong and what to do, in the user's terms
   */
  constructor(code: FisherErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** Result of the cross-validated linear decoder ({@link crossValidatedDecoder}). */
export interface DecoderResult {
  /**
   * Balanced accuracy on held-out trials, in [0, 1]: the mean over the two conditions of the
   * fraction of their held-out trials classified correctly, pooled over all folds.
   */
  accuracy: number;
  /** Number of cross-validation folds used (≥ 2). */
  folds: number;
  /** d' = 2·Φ⁻¹(accuracy), dimensionless; 0 when accuracy ≤ 0.5 (see I_lower_bound for a perfect score). */
  d_prime: number;
  /**
   * Lower bound on the linear Fisher information from the accuracy, (2·Φ⁻¹(accuracy))²/ds²,
   * in 1/(unit of ds)²; 0 when accuracy ≤ 0.5 (from accuracy = Φ(d'/2), d'² = I·ds²). With a
   * perfect score it uses accuracy 1 − 1/(2n), n = all held-out trials, to stay finite.
   */
  I_lower_bound: number;
  /**
   * Largest ridge added to the training covariance's diagonal in any fold (the user's ridge
   * plus what was needed to factorise it), in response units²; 0 when none was needed.
   */
  ridge: number;
}

/** Linear Fisher information and everything derived from it. Informations are in 1/(unit of ds)². */
export interface FisherResult {
  /** Number of neurons, ≥ 1. */
  N: number;
  /**
   * Trials per condition used by the estimators, ≥ 2: T when both conditions have T trials
   * (after subsampling, if any); with unequal counts used by the exact estimator, the effective
   * count 2·T_a·T_b/(T_a+T_b) (harmonic mean, not an integer in general) that makes the
   * equal-count formulas in T hold for the bias term. The counts themselves are in `trials_used`.
   */
  T: number;
  /** Trials of condition a as given (before any subsampling). */
  T_a: number;
  /** Trials of condition b as given (before any subsampling). */
  T_b: number;
  /** Trials of each condition the estimators used: (T, T) after subsampling, (T_a, T_b) with the exact estimator. */
  trials_used: TrialCounts;
  /** Stimulus difference s_b − s_a (non-zero, finite), in the user's unit (rad, deg, …). */
  ds: number;
  /** Plug-in estimate f'ᵀ Σ⁻¹ f' (biased upward). */
  I_naive: number;
  /** Bias-corrected estimate (unbiased for Gaussian data; can be negative when I is small). */
  I_bc: number;
  /**
   * Standard error of I_bc from the exact Gaussian variance ({@link biasCorrectedVariance}; the
   * Kanitscheider et al. 2015 formula for equal counts) with I_bc (clamped at 0) as the plug-in
   * for the true I; NaN when T_a + T_b − N − 5 ≤ 0.
   */
  I_bc_se: number;
  /** Shuffled (decorrelated) information Σ f'_i²/σ_i², naive. */
  I_shuffle: number;
  /** Shuffled information, bias-corrected: I_shuffle·(T_a+T_b−4)/(T_a+T_b−2) − N(1/T_a+1/T_b)/ds² (= I_shuffle·(T−2)/(T−1) − 2N/(T·ds²) for equal counts). */
  I_shuffle_bc: number;
  /** Redundancy I_shuffle_bc − I_bc (positive when information is shared among neurons). */
  redundancy: number;
  /** Normalised redundancy, redundancy / I_shuffle_bc (NaN when I_shuffle_bc ≤ 0). */
  rho: number;
  /** Single-neuron informations j_i = f'_i²/σ_i², naive, one per neuron. */
  single_neuron: number[];
  /** Single-neuron informations, bias-corrected: j_i·(T_a+T_b−4)/(T_a+T_b−2) − (1/T_a+1/T_b)/ds². */
  single_neuron_bc: number[];
  /** True when T_a + T_b ≥ N + 5 (T ≥ (N+5)/2 for equal counts), the validity condition of the bias-corrected estimator. */
  valid: boolean;
  /** Things the user should know (subsampling, ridge, validity, negative estimates). */
  warnings: string[];
  /** The ridge λ added to Σ's diagonal (response units²), or null when none was. */
  regularization: { ridge: number } | null;
  /** Cross-validated linear decoder, when it was run. */
  decoder?: DecoderResult;
}

/** Trials of the two conditions (each ≥ 2). */
export interface TrialCounts {
  /** Trials of condition a (stimulus s_a). */
  readonly a: number;
  /** Trials of condition b (stimulus s_b = s_a + ds). */
  readonly b: number;
}

/** Mean and unbiased covariance of one condition's responses. */
export interface ConditionStatistics {
  /** Number of trials, ≥ 2. */
  n: number;
  /** Mean response of each neuron (length N). */
  mean: Float64Array;
  /** N×N unbiased sample covariance (divisor n − 1), row-major, symmetric. */
  cov: Float64Array;
}

/** Options of {@link fisherFromStatistics} and {@link fisherFromSolution}. */
export interface FisherStatisticsOptions {
  /**
   * Opt-in ridge λ ≥ 0 (response units²) added to the diagonal of the pooled covariance;
   * recorded in {@link FisherResult.regularization}. Default 0 (none).
   */
  ridge?: number;
  /** Compute even when T_a + T_b < N + 5 (the result then has `valid: false` and a warning). */
  allowInvalidT?: boolean;
}

/** Options of {@link fisherInformation} (and of the GPU path, which takes the same). */
export interface FisherOptions extends FisherStatisticsOptions {
  /**
   * What to do when the conditions have different trial counts: `subsample` (default) keeps a
   * seeded random subset of the larger one's trials, of the smaller one's size, and warns;
   * `exact` keeps every trial and uses the exact unequal-count estimators (covariances pooled by
   * degrees of freedom, bias correction in T_a and T_b); `error` refuses with a
   * {@link FisherError} (`mismatch`).
   */
  unequalTrials?: 'subsample' | 'exact' | 'error';
  /** Seed of the subsampling and of the decoder's fold assignment (integer, default 1). */
  seed?: number;
  /** Folds of the cross-validated decoder: 0 = off, otherwise ≥ 2 (default 5). */
  decoderFolds?: number;
}

/** The naive quantities from which {@link fisherFromSolution} assembles every estimator. */
export interface FisherSolution {
  /** f'ᵀ Σ⁻¹ f' with the (possibly ridged) pooled covariance, ≥ 0. */
  information: number;
  /** f' = (mean_b − mean_a)/ds, length N. */
  fprime: Float64Array;
  /** Diagonal of the pooled covariance (including the ridge, if any), length N, > 0. */
  variances: Float64Array;
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/** Random-stream purposes of this module (kept clear of `STREAM_PURPOSE` in `src/rng/streams.ts`). */
const FISHER_STREAM = { subsample: streamId(0x46495348, 1), decoderFolds: streamId(0x46495348, 2) } as const;

/** Default seed of the subsampling and the decoder folds. */
export const FISHER_DEFAULT_SEED = 1;
/** Default number of decoder folds. */
export const FISHER_DEFAULT_DECODER_FOLDS = 5;

/**
 * A Cholesky pivot (the variance of neuron k not explained by neurons 0 … k−1) at or below
 * this fraction of neuron k's variance counts as zero: the neuron is a linear combination of
 * the earlier ones within float64 rounding.
 */
export const PIVOT_RELATIVE_TOLERANCE = 1e-12;

/** Most indices listed in a message; the rest are counted. */
const MAX_LISTED = 20;

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------

/**
 * Mean and unbiased covariance of (trials × neurons) responses, in float64 by two passes
 * (means first, then products of centred values). A neuron whose responses are all identical
 * gets exactly that value as its mean and exactly 0 variance.
 *
 * @param x responses, row-major (trials × neurons): x[t·neurons + i]
 * @param trials number of rows, ≥ 2
 * @param neurons number of columns, ≥ 1
 * @throws FisherError `mismatch` when x.length ≠ trials·neurons, `too_few_trials` when trials < 2
 */
export function conditionStatistics(x: Float64Array, trials: number, neurons: number): ConditionStatistics {
  if (!Number.isInteger(neurons) || neurons < 1) throw new FisherError('mismatch', `the number of neurons must be a positive integer (got ${neurons}).`);
  if (!Number.isInteger(trials) || trials < 0) throw new FisherError('mismatch', `the number of trials must be a non-negative integer (got ${trials}).`);
  if (x.length !== trials * neurons) {
    throw new FisherError('mismatch', `a (trials × neurons) matrix of ${trials} × ${neurons} needs ${trials * neurons} values but ${x.length} were given.`);
  }
  if (trials < 2) throw new FisherError('too_few_trials', `a covariance needs at least 2 trials per condition (got ${trials}).`);
  const N = neurons;
  const mean = new Float64Array(N);
  const constant = new Uint8Array(N).fill(1);
  for (let t = 0; t < trials; t++) {
    const row = t * N;
    for (let i = 0; i < N; i++) {
      const v = x[row + i]!;
      mean[i]! += v;
      if (v !== x[i]) constant[i] = 0;
    }
  }
  for (let i = 0; i < N; i++) mean[i] = constant[i] === 1 ? x[i]! : mean[i]! / trials;

  // Upper triangle of Σ_t d_t d_tᵀ with d_t the centred row; inner loops run along rows.
  const cov = new Float64Array(N * N);
  const d = new Float64Array(N);
  for (let t = 0; t < trials; t++) {
    const row = t * N;
    for (let i = 0; i < N; i++) d[i] = x[row + i]! - mean[i]!;
    for (let i = 0; i < N; i++) {
      const di = d[i]!;
      if (di === 0) continue;
      const base = i * N;
      for (let j = i; j < N; j++) cov[base + j]! += di * d[j]!;
    }
  }
  const scale = 1 / (trials - 1);
  for (let i = 0; i < N; i++) {
    for (let j = i; j < N; j++) {
      const v = cov[i * N + j]! * scale;
      cov[i * N + j] = v;
      cov[j * N + i] = v;
    }
  }
  return { n: trials, mean, cov };
}

// ---------------------------------------------------------------------------------------------
// Linear algebra (float64)
// ---------------------------------------------------------------------------------------------

/** Outcome of {@link choleskyInPlace}: success, or the first pivot that is numerically ≤ 0. */
type CholeskyOutcome = { ok: true } | { ok: false; index: number; pivot: number; diagonal: number };

/**
 * Lower Cholesky factor of the symmetric n×n matrix `m` (row-major), written into its lower
 * triangle (the strict upper triangle is left as it was). Row-oriented (Cholesky–Banachiewicz),
 * so every inner product runs along two rows.
 */
function choleskyInPlace(m: Float64Array, n: number): CholeskyOutcome {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      let s = m[ri + j]!;
      for (let k = 0; k < j; k++) s -= m[ri + k]! * m[rj + k]!;
      m[ri + j] = s / m[rj + j]!;
    }
    const diagonal = m[ri + i]!;
    let s = diagonal;
    for (let k = 0; k < i; k++) s -= m[ri + k]! * m[ri + k]!;
    if (!(s > PIVOT_RELATIVE_TOLERANCE * diagonal) || !Number.isFinite(s)) return { ok: false, index: i, pivot: s, diagonal };
    m[ri + i] = Math.sqrt(s);
  }
  return { ok: true };
}

/** Solve L y = b for lower-triangular L (row-major n×n, as left by {@link choleskyInPlace}). */
function forwardSubstitute(L: Float64Array, b: Float64Array, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[ri + k]! * y[k]!;
    y[i] = s / L[ri + i]!;
  }
  return y;
}

/** Solve (L Lᵀ) x = b given the Cholesky factor L. */
function choleskySolve(L: Float64Array, b: Float64Array, n: number): Float64Array {
  const x = forwardSubstitute(L, b, n);
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// Normal distribution
// ---------------------------------------------------------------------------------------------

const INV_SQRT_2PI = 0.3989422804014327;
const SQRT_2PI = 2.5066282746310002;

/**
 * Standard normal cumulative distribution Φ(x), absolute error below 1e-15.
 * |x| < 3: Marsaglia's (2004) Taylor series Φ(x) = ½ + φ(x)·(x + x³/3 + x⁵/(3·5) + …);
 * otherwise the tail by Laplace's continued fraction Q(x) = φ(x)/(x + 1/(x + 2/(x + …))),
 * which also keeps the relative accuracy of small tail probabilities.
 * @param x any real number (NaN gives NaN)
 * @returns Φ(x) in [0, 1]
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let k = 3; Math.abs(term) > 1e-17 * Math.abs(sum); k += 2) {
      term *= x2 / k;
      sum += term;
    }
    return 0.5 + INV_SQRT_2PI * Math.exp(-0.5 * x2) * sum;
  }
  if (ax > 40) return x > 0 ? 1 : 0;
  let fraction = ax;
  for (let k = 200; k >= 1; k--) fraction = ax + k / fraction;
  const tail = (INV_SQRT_2PI * Math.exp(-0.5 * ax * ax)) / fraction;
  return x > 0 ? 1 - tail : tail;
}

// Acklam's rational approximations of the normal quantile (relative error < 1.15e-9).
const ACKLAM_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239] as const;
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1] as const;
const ACKLAM_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416] as const;
const ACKLAM_P_LOW = 0.02425;

/**
 * Standard normal quantile Φ⁻¹(p): Acklam's rational approximation refined by one Halley step
 * on {@link normalCdf} (relative error about 1e-15 in the central region).
 * @param p probability in [0, 1]; 0 and 1 give −∞ and +∞
 * @returns x with Φ(x) = p (NaN when p is outside [0, 1] or NaN)
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const [a1, a2, a3, a4, a5, a6] = ACKLAM_A;
  const [b1, b2, b3, b4, b5] = ACKLAM_B;
  const [c1, c2, c3, c4, c5, c6] = ACKLAM_C;
  const [d1, d2, d3, d4] = ACKLAM_D;
  let x: number;
  if (p < ACKLAM_P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c1 * q + c2) * q + c3) * q + c4) * q + c5) * q + c6) / ((((d1 * q + d2) * q + d3) * q + d4) * q + 1);
  } else if (p <= 1 - ACKLAM_P_LOW) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a1 * r + a2) * r + a3) * r + a4) * r + a5) * r + a6) * q) / (((((b1 * r + b2) * r + b3) * r + b4) * r + b5) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c1 * q + c2) * q + c3) * q + c4) * q + c5) * q + c6) / ((((d1 * q + d2) * q + d3) * q + d4) * q + 1);
  }
  // One Halley step: e = Φ(x) − p, u = e/φ(x).
  const e = normalCdf(x) - p;
  const u = e * SQRT_2PI * Math.exp(0.5 * x * x);
  if (Number.isFinite(u)) x -= u / (1 + 0.5 * x * u);
  return x;
}

// ---------------------------------------------------------------------------------------------
// Estimators
// ---------------------------------------------------------------------------------------------

/** Trial counts of both conditions from a count per condition (equal) or a pair. */
export function trialCounts(trials: number | TrialCounts): TrialCounts {
  return typeof trials === 'number' ? { a: trials, b: trials } : trials;
}

/** Coefficients of the bias-corrected estimators for given trial counts (see {@link biasCorrection}). */
export interface BiasCorrection {
  /** Pooled degrees of freedom ν = T_a + T_b − 2. */
  readonly dof: number;
  /** Factor of the naive information, (T_a+T_b−N−3)/(T_a+T_b−2). */
  readonly scale: number;
  /** Subtracted after scaling, N(1/T_a+1/T_b)/ds², in 1/(unit of ds)². */
  readonly offset: number;
  /** Factor of a single-neuron (or shuffled) information, (T_a+T_b−4)/(T_a+T_b−2). */
  readonly singleScale: number;
  /** Subtracted per neuron after scaling, (1/T_a+1/T_b)/ds², in 1/(unit of ds)². */
  readonly singleOffset: number;
}

/**
 * The bias correction of the linear Fisher information for T_a and T_b trials — the one place
 * the estimator's coefficients are defined (CPU reference, GPU and on-the-fly paths all use it).
 *
 * With the covariances pooled by degrees of freedom, Σ̂ = ((T_a−1)Σ̂_a + (T_b−1)Σ̂_b)/ν,
 * ν = T_a + T_b − 2, Gaussian responses give νΣ̂ ~ Wishart(Σ, ν) independent of
 * Δμ̂ ~ N(Δμ, (1/T_a + 1/T_b)Σ), so E[Σ̂⁻¹] = ν/(ν−N−1)·Σ⁻¹ and
 * E[f̂'ᵀΣ̂⁻¹f̂'] = ν/(ν−N−1)·(I + N(1/T_a+1/T_b)/ds²). Hence the unbiased
 * I_bc = I·(ν−N−1)/ν − N(1/T_a+1/T_b)/ds² (for T_a = T_b = T: I·(2T−N−3)/(2T−2) − 2N/(T·ds²));
 * each single-neuron term is the case N = 1.
 * @param trials trials per condition (equal counts) or both counts, each ≥ 2
 * @param neurons N ≥ 1
 * @param ds stimulus difference (non-zero)
 */
export function biasCorrection(trials: number | TrialCounts, neurons: number, ds: number): BiasCorrection {
  const { a, b } = trialCounts(trials);
  const dof = a + b - 2;
  const inverse = (1 / a + 1 / b) / (ds * ds);
  return { dof, scale: (dof - neurons - 1) / dof, offset: neurons * inverse, singleScale: (dof - 2) / dof, singleOffset: inverse };
}

/**
 * Variance of the bias-corrected estimator I_bc for Gaussian responses, exact for any T_a, T_b:
 * with c = (1/T_a + 1/T_b)/ds² and m = T_a + T_b − N − 3,
 * Var = 2/(m − 2)·[(I + N·c)² + m·c·(N·c + 2I)].
 * (From I_naive = ν·c·X/Y with X ~ χ'²_N(I/c) and Y ~ χ²_{m+2} independent.) For equal counts
 * this is the Kanitscheider et al. (2015) formula
 * 2I²/(2T−N−5)·[1 + 4(2T−3)/(T·I·ds²) + 4N(2T−3)/(T·I·ds²)²], here in a form finite at I = 0.
 * @param information the true I, or an estimate of it as plug-in (negative values count as 0), 1/(unit of ds)²
 * @param trials trials per condition T (equal counts), or both counts {a: T_a, b: T_b}
 * @param neurons N
 * @param ds stimulus difference (non-zero)
 * @returns the variance in 1/(unit of ds)⁴; NaN when T_a + T_b − N − 5 ≤ 0 (the variance is not finite)
 */
export function biasCorrectedVariance(information: number, trials: number | TrialCounts, neurons: number, ds: number): number {
  const { a, b } = trialCounts(trials);
  const m = a + b - neurons - 3;
  if (!(m - 2 > 0)) return NaN;
  const I = Math.max(information, 0);
  const c = (1 / a + 1 / b) / (ds * ds);
  const shifted = I + neurons * c;
  return (2 / (m - 2)) * (shifted * shifted + m * c * (neurons * c + 2 * I));
}

/** Throws `bad_ds` unless ds is finite and non-zero. */
function checkDs(ds: number): void {
  if (typeof ds !== 'number' || !Number.isFinite(ds) || ds === 0) {
    throw new FisherError('bad_ds', `ds (the stimulus difference s_b − s_a) must be a finite non-zero number (got ${String(ds)}); information is in units of 1/ds².`);
  }
}

/** Returns the ridge λ (0 when not given); throws RangeError unless it is finite and ≥ 0. */
function checkRidge(ridge: number | undefined): number {
  const lambda = ridge ?? 0;
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`ridge must be a finite number ≥ 0 (got ${String(ridge)}).`);
  return lambda;
}

/**
 * The validity condition T_a + T_b ≥ N + 5 (T ≥ (N+5)/2 for equal counts): throws
 * `too_few_trials` or returns the warning to add (null when valid).
 */
function checkTrials(trials: number | TrialCounts, neurons: number, allowInvalidT: boolean): string | null {
  const { a, b } = trialCounts(trials);
  if (a < 2 || b < 2) {
    throw new FisherError('too_few_trials', a === b ? `at least 2 trials per condition are needed (got T = ${a}).` : `at least 2 trials per condition are needed (got T_a = ${a}, T_b = ${b}).`);
  }
  if (a + b >= neurons + 5) return null;
  const explanation =
    a === b
      ? `T = ${a} trials per condition for N = ${neurons} neurons: the bias-corrected estimator and its variance ` +
        `(Kanitscheider et al. 2015) are valid only for T ≥ (N+5)/2 = ${(neurons + 5) / 2}`
      : `T_a = ${a} and T_b = ${b} trials for N = ${neurons} neurons: the bias-corrected estimator and its variance ` +
        `are valid only for T_a + T_b ≥ N + 5 = ${neurons + 5}`;
  if (!allowInvalidT) {
    const record = a === b ? `at least ${Math.ceil((neurons + 5) / 2)} trials per condition` : `at least ${neurons + 5 - a - b} more trials`;
    throw new FisherError(
      'too_few_trials',
      `${explanation}. Record ${record} or use at most ${a + b - 5} neurons, ` +
        'or pass --allow-invalid-t (allowInvalidT) to get the numbers flagged as invalid.',
    );
  }
  return `${explanation}; the estimates are reported but are not valid (valid = false).`;
}

/** Indices as a short list: `3, 17, 42` or `3, 17, … (45 in all)`. */
function listIndices(indices: readonly number[]): string {
  const shown = indices.slice(0, MAX_LISTED).join(', ');
  return indices.length > MAX_LISTED ? `${shown}, … (${indices.length} in all)` : shown;
}

/**
 * Assemble every estimator from the naive quantities f', diag Σ and f'ᵀΣ⁻¹f' (what a GPU
 * solve returns): bias correction and its standard error, shuffled and single-neuron
 * informations, redundancy and ρ, validity and warnings. {@link fisherFromStatistics} calls it.
 *
 * With unequal counts the solution must come from the covariances pooled by degrees of freedom,
 * ((T_a−1)Σ_a + (T_b−1)Σ_b)/(T_a+T_b−2), and the exact estimators of {@link biasCorrection} and
 * {@link biasCorrectedVariance} are used.
 *
 * @param solution naive information, f' and the pooled variances (with the ridge, if any)
 * @param trials trials per condition T (equal counts), or the counts {a: T_a, b: T_b} of each condition, each ≥ 2
 * @param ds stimulus difference, finite and non-zero
 * @param options the ridge that was used (recorded) and whether T_a + T_b < N + 5 is allowed
 * @throws FisherError `bad_ds`, `too_few_trials`, `mismatch` (length of f' and variances), `non_finite`
 */
export function fisherFromSolution(solution: FisherSolution, trials: number | TrialCounts, ds: number, options: FisherStatisticsOptions = {}): FisherResult {
  checkDs(ds);
  const ridge = checkRidge(options.ridge);
  const N = solution.fprime.length;
  if (N < 1 || solution.variances.length !== N) {
    throw new FisherError('mismatch', `f' has ${N} entries but the variances have ${solution.variances.length}; both need one per neuron.`);
  }
  const warnings: string[] = [];
  const validity = checkTrials(trials, N, options.allowInvalidT === true);
  if (validity !== null) warnings.push(validity);
  if (!Number.isFinite(solution.information)) throw new FisherError('non_finite', `the naive information is not finite (${solution.information}).`);
  const counts = trialCounts(trials);
  // Effective trials per condition: T for equal counts, the harmonic mean otherwise.
  const T = counts.a === counts.b ? counts.a : (2 * counts.a * counts.b) / (counts.a + counts.b);
  const correction = biasCorrection(counts, N, ds);

  const I = solution.information;
  const I_bc = I * correction.scale - correction.offset;
  const I_bc_se = Math.sqrt(biasCorrectedVariance(I_bc, counts, N, ds));

  const shuffleFactor = correction.singleScale;
  const singleBias = correction.singleOffset;
  const single = new Array<number>(N);
  const singleBc = new Array<number>(N);
  let I_shuffle = 0;
  for (let i = 0; i < N; i++) {
    const j = (solution.fprime[i]! * solution.fprime[i]!) / solution.variances[i]!;
    single[i] = j;
    singleBc[i] = j * shuffleFactor - singleBias;
    I_shuffle += j;
  }
  if (!Number.isFinite(I_shuffle)) throw new FisherError('non_finite', 'the shuffled information is not finite: some neuron has zero or non-finite variance.');
  const I_shuffle_bc = I_shuffle * shuffleFactor - N * singleBias;
  const redundancy = I_shuffle_bc - I_bc;
  const rho = I_shuffle_bc > 0 ? redundancy / I_shuffle_bc : NaN;

  if (ridge > 0) {
    warnings.push(
      `ridge λ = ${ridge} was added to the diagonal of the pooled covariance: the information is biased downward, ` +
        'and the bias correction and its standard error (which assume no ridge) are approximate.',
    );
  }
  const trialText = counts.a === counts.b ? `${counts.a} trials per condition` : `${counts.a} and ${counts.b} trials`;
  if (I_bc <= 0) warnings.push(`I_bc = ${formatNumber(I_bc)} ≤ 0: the information is below what ${trialText} can resolve (SE ${formatNumber(I_bc_se)}).`);
  if (!(I_shuffle_bc > 0)) warnings.push(`I_shuffle_bc = ${formatNumber(I_shuffle_bc)} ≤ 0, so rho (redundancy / I_shuffle_bc) is undefined (NaN).`);

  return {
    N,
    T,
    T_a: counts.a,
    T_b: counts.b,
    trials_used: { a: counts.a, b: counts.b },
    ds,
    I_naive: I,
    I_bc,
    I_bc_se,
    I_shuffle,
    I_shuffle_bc,
    redundancy,
    rho,
    single_neuron: single,
    single_neuron_bc: singleBc,
    valid: validity === null,
    warnings,
    regularization: ridge > 0 ? { ridge } : null,
  };
}

/** A number with 6 significant digits for messages. */
function formatNumber(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

/**
 * Linear Fisher information from the statistics of two conditions, with equal or unequal trial
 * counts: f' = (mean_b − mean_a)/ds, Σ = ((n_a−1)Σ_a + (n_b−1)Σ_b)/(n_a+n_b−2) (= (Σ_a + Σ_b)/2
 * for equal counts; + λ on the diagonal when `ridge` is given), I = f'ᵀΣ⁻¹f' by a float64
 * Cholesky factorisation, then {@link fisherFromSolution} with both counts (the exact
 * estimator when they differ).
 *
 * @param a statistics of the responses to s_a
 * @param b statistics of the responses to s_b = s_a + ds (same neurons; any trial count ≥ 2)
 * @param ds stimulus difference, finite and non-zero; informations come out in 1/(unit of ds)²
 * @param options opt-in ridge (recorded), and `allowInvalidT` to compute with n_a + n_b < N + 5
 * @throws FisherError `mismatch` (neuron counts or sizes differ), `bad_ds`, `non_finite`,
 *   `too_few_trials`, `zero_variance` (neurons constant in both conditions, without a ridge),
 *   `not_positive_definite` (naming the failing pivot)
 */
export function fisherFromStatistics(a: ConditionStatistics, b: ConditionStatistics, ds: number, options: FisherStatisticsOptions = {}): FisherResult {
  checkDs(ds);
  const ridge = checkRidge(options.ridge);
  const N = a.mean.length;
  if (b.mean.length !== N) throw new FisherError('mismatch', `condition a has ${N} neurons but condition b has ${b.mean.length}; both need the same neurons in the same order.`);
  if (a.cov.length !== N * N || b.cov.length !== N * N) {
    throw new FisherError('mismatch', `the covariances must be ${N}×${N} = ${N * N} values (got ${a.cov.length} and ${b.cov.length}).`);
  }
  const counts: TrialCounts = { a: a.n, b: b.n };
  checkTrials(counts, N, options.allowInvalidT === true); // before the O(N³) work; the warning comes from fisherFromSolution

  const fprime = new Float64Array(N);
  for (let i = 0; i < N; i++) fprime[i] = (b.mean[i]! - a.mean[i]!) / ds;
  // Pooled by degrees of freedom; the weights are exactly ½ for equal counts.
  const weightA = (a.n - 1) / (a.n + b.n - 2);
  const weightB = (b.n - 1) / (a.n + b.n - 2);
  const sigma = new Float64Array(N * N);
  for (let k = 0; k < N * N; k++) sigma[k] = weightA * a.cov[k]! + weightB * b.cov[k]!;
  for (let k = 0; k < N; k++) {
    if (!Number.isFinite(fprime[k]!)) throw new FisherError('non_finite', `the mean response of neuron ${k} is not finite (condition a: ${a.mean[k]}, b: ${b.mean[k]}).`);
  }
  for (let k = 0; k < N * N; k++) {
    if (!Number.isFinite(sigma[k]!)) {
      throw new FisherError('non_finite', `the pooled covariance of neurons ${Math.floor(k / N)} and ${k % N} is not finite (${sigma[k]}).`);
    }
  }
  const pooledVariances = new Float64Array(N);
  for (let i = 0; i < N; i++) pooledVariances[i] = sigma[i * N + i]!;
  checkZeroVariance(pooledVariances, a.mean, b.mean, ridge);
  if (ridge > 0) for (let i = 0; i < N; i++) sigma[i * N + i]! += ridge;
  const variances = new Float64Array(N);
  for (let i = 0; i < N; i++) variances[i] = sigma[i * N + i]!;

  const outcome = choleskyInPlace(sigma, N);
  if (!outcome.ok) {
    const dof = a.n + b.n - 2;
    const trialText = a.n === b.n ? `T = ${a.n} trials per condition the pooled covariance has at most 2T − 2` : `${a.n} and ${b.n} trials the pooled covariance has at most T_a + T_b − 2`;
    const singular = dof < N ? ` With ${trialText} = ${dof} degrees of freedom for N = ${N} neurons, so it is singular.` : '';
    throw new FisherError(
      'not_positive_definite',
      `the pooled covariance (N = ${N}) is not positive definite: pivot ${outcome.index} = ${formatNumber(outcome.pivot)} ≤ 0 ` +
        `(numerically: ≤ ${PIVOT_RELATIVE_TOLERANCE} × its variance ${formatNumber(outcome.diagonal)}); neuron ${outcome.index} (0-based) ` +
        `is a linear combination of neurons 0…${Math.max(0, outcome.index - 1)}. Neurons may be linearly dependent or T too small; ` +
        `use --ridge λ to regularise.${singular}`,
    );
  }
  const y = forwardSubstitute(sigma, fprime, N);
  let information = 0;
  for (let i = 0; i < N; i++) information += y[i]! * y[i]!;
  return fisherFromSolution({ information, fprime, variances }, counts, ds, options);
}

/**
 * Refuse neurons whose pooled variance is zero (exactly, or below float64 resolution of their
 * mean) unless a ridge is given: their information would be infinite.
 * @throws FisherError `zero_variance` listing the neurons (0-based)
 */
export function checkZeroVariance(variances: Float64Array, meanA: Float64Array, meanB: Float64Array, ridge: number): void {
  const zero: number[] = [];
  for (let i = 0; i < variances.length; i++) {
    if (variances[i]! <= 1e-24 * (meanA[i]! * meanA[i]! + meanB[i]! * meanB[i]!)) zero.push(i);
  }
  if (zero.length > 0 && ridge === 0) {
    throw new FisherError(
      'zero_variance',
      `${zero.length === 1 ? 'neuron' : `${zero.length} neurons`} with zero variance within both conditions (0-based indices): ` +
        `${listIndices(zero)}. Their information would be infinite; remove them or add --ridge λ (ridge option).`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// From raw responses
// ---------------------------------------------------------------------------------------------

/** Raw responses after validation and trial equalisation (see {@link prepareResponses}). */
export interface PreparedResponses {
  readonly a: Float64Array;
  readonly b: Float64Array;
  /** Trials per condition after equalisation; the smaller count with `unequalTrials: 'exact'`. */
  readonly trials: number;
  /** Trials of each condition as given. */
  readonly trialsA: number;
  readonly trialsB: number;
  /** Rows of `a` and `b`: (trials, trials) after equalisation, (trialsA, trialsB) with `exact`. */
  readonly used: TrialCounts;
  readonly ridge: number;
  readonly seed: number;
  /** Set when trials were dropped. */
  readonly warning: string | null;
}

/**
 * The validation and equalisation shared by the CPU reference and the GPU path, in the order
 * documented on {@link fisherInformation} (up to and including the T ≥ (N+5)/2 check).
 */
export function prepareResponses(a: Float64Array, b: Float64Array, neurons: number, ds: number, options: FisherOptions = {}): PreparedResponses {
  checkDs(ds);
  const ridge = checkRidge(options.ridge);
  if (!Number.isInteger(neurons) || neurons < 1) throw new FisherError('mismatch', `the number of neurons must be a positive integer (got ${neurons}).`);
  for (const [label, x] of [['a', a], ['b', b]] as const) {
    if (x.length % neurons !== 0) {
      throw new FisherError('mismatch', `condition ${label} has ${x.length} values, which is not a whole number of rows of ${neurons} neurons.`);
    }
  }
  const Ta = a.length / neurons;
  const Tb = b.length / neurons;
  for (const [label, T] of [['a', Ta], ['b', Tb]] as const) {
    if (T < 2) throw new FisherError('too_few_trials', `condition ${label} has ${T} trial${T === 1 ? '' : 's'}; at least 2 per condition are needed.`);
  }
  checkFiniteResponses(a, neurons, 'condition a');
  checkFiniteResponses(b, neurons, 'condition b');
  const seed = options.seed ?? FISHER_DEFAULT_SEED;
  const mode = options.unequalTrials ?? 'subsample';
  if (mode === 'exact') {
    const used = { a: Ta, b: Tb };
    checkTrials(used, neurons, options.allowInvalidT === true);
    return { a, b, trials: Math.min(Ta, Tb), trialsA: Ta, trialsB: Tb, used, ridge, seed, warning: null };
  }
  const equal = equalizeTrials(a, b, neurons, mode, seed);
  checkTrials(equal.trials, neurons, options.allowInvalidT === true);
  return { a: equal.a, b: equal.b, trials: equal.trials, trialsA: Ta, trialsB: Tb, used: { a: equal.trials, b: equal.trials }, ridge, seed, warning: equal.warning };
}

/**
 * Finish a result computed from prepared responses: given trial counts, the equalisation
 * warning, and the cross-validated decoder when `folds > 0`.
 */
export function completeResult(result: FisherResult, prepared: PreparedResponses, neurons: number, ds: number, requestedFolds: number): FisherResult {
  result.T_a = prepared.trialsA;
  result.T_b = prepared.trialsB;
  if (prepared.warning !== null) result.warnings.unshift(prepared.warning);
  if (!Number.isInteger(requestedFolds) || requestedFolds < 0 || requestedFolds === 1) {
    throw new RangeError(`decoderFolds must be 0 (off) or an integer ≥ 2 (got ${requestedFolds}).`);
  }
  if (requestedFolds > 0) {
    const folds = Math.min(requestedFolds, prepared.trials);
    if (folds < requestedFolds) result.warnings.push(`the decoder uses ${folds} folds instead of ${requestedFolds}: there are only ${prepared.trials} trials per condition.`);
    const decoder = crossValidatedDecoder(prepared.a, prepared.b, neurons, folds, prepared.seed, { ds, ridge: prepared.ridge });
    if (decoder.ridge > prepared.ridge) {
      result.warnings.push(
        `the decoder's training covariance was singular in some fold; a ridge of ${formatNumber(decoder.ridge)} was added to its diagonal (decoder.ridge).`,
      );
    }
    result.decoder = decoder;
  }
  return result;
}

/**
 * Check a (trials × neurons) response matrix for NaN and ±Infinity.
 * @param x responses, row-major
 * @param neurons number of columns, ≥ 1
 * @param label how the user knows this matrix in messages, e.g. `condition a` or a file name
 * @throws FisherError `non_finite` naming the first bad row and column (0-based) and its value
 */
export function checkFiniteResponses(x: Float64Array, neurons: number, label: string): void {
  for (let k = 0; k < x.length; k++) {
    const v = x[k]!;
    if (!Number.isFinite(v)) {
      throw new FisherError(
        'non_finite',
        `${label}: row ${Math.floor(k / neurons)}, column ${k % neurons} (0-based; trial, neuron) is ${v}; ` +
          'every response must be a finite number (remove or impute the trial or the neuron).',
      );
    }
  }
}

/**
 * Bring two conditions to the same number of trials T = min(T_a, T_b).
 * With `subsample`, T trials of the larger condition are chosen uniformly at random without
 * replacement (Philox stream of `seed`, so the choice is reproducible) and kept in their
 * original order; a warning says how many were dropped. With `error`, unequal counts throw.
 *
 * @param a responses to s_a, row-major (trials × neurons)
 * @param b responses to s_b, row-major (trials × neurons)
 * @param neurons number of columns, ≥ 1
 * @param mode `subsample` (default) or `error`
 * @param seed seed of the choice (integer)
 * @returns the (possibly subsampled) matrices, T, and the warning (null when nothing was dropped)
 * @throws FisherError `mismatch` with mode `error` when the trial counts differ
 */
export function equalizeTrials(
  a: Float64Array,
  b: Float64Array,
  neurons: number,
  mode: 'subsample' | 'error' = 'subsample',
  seed: number = FISHER_DEFAULT_SEED,
): { a: Float64Array; b: Float64Array; trials: number; warning: string | null } {
  const Ta = a.length / neurons;
  const Tb = b.length / neurons;
  if (Ta === Tb) return { a, b, trials: Ta, warning: null };
  if (mode === 'error') {
    throw new FisherError(
      'mismatch',
      `condition a has ${Ta} trials and condition b has ${Tb}. ` +
        'Use --unequal exact (unequalTrials: "exact") for the exact unequal-count estimator, or --unequal subsample ' +
        '(unequalTrials: "subsample") to drop a random subset of the larger condition.',
    );
  }
  const T = Math.min(Ta, Tb);
  const largerIsA = Ta > Tb;
  const larger = largerIsA ? a : b;
  const total = largerIsA ? Ta : Tb;
  const stream = new RandomStream(seed, FISHER_STREAM.subsample);
  const order = Uint32Array.from({ length: total }, (_, i) => i);
  for (let i = 0; i < T; i++) {
    const j = i + stream.uniformInt(total - i);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  const kept = order.subarray(0, T).sort();
  const chosen = new Float64Array(T * neurons);
  kept.forEach((trial, row) => chosen.set(larger.subarray(trial * neurons, (trial + 1) * neurons), row * neurons));
  const warning =
    `unequal trial counts (a: ${Ta}, b: ${Tb}): ${total - T} randomly chosen trials of condition ${largerIsA ? 'a' : 'b'} ` +
    `were dropped (seed ${seed}) so that both conditions have T = ${T}.`;
  return largerIsA ? { a: chosen, b, trials: T, warning } : { a, b: chosen, trials: T, warning };
}

/**
 * Linear Fisher information (and shuffled, single-neuron, redundancy, decoder) from raw
 * responses to two stimuli, in float64 on the CPU.
 *
 * Validation, in this order, each with a {@link FisherError} naming the problem: ds finite and
 * non-zero (`bad_ds`); both matrices have whole rows of `neurons` values (`mismatch`); at least
 * 2 trials each (`too_few_trials`); no NaN/Infinity (`non_finite`, first row and column);
 * equal trial counts, subsampling (see {@link equalizeTrials}) or the exact unequal-count
 * estimator (`unequalTrials: 'exact'`); T_a + T_b ≥ N + 5 unless `allowInvalidT` (`too_few_trials`); neurons with zero variance in both conditions, unless a
 * ridge is given (`zero_variance`, listing indices); positive definiteness
 * (`not_positive_definite`).
 *
 * @param a responses to s_a, row-major (trials × neurons), a[t·neurons + i]
 * @param b responses to s_b = s_a + ds, row-major (trials × neurons), same neurons in the same order
 * @param neurons number of neurons N (columns), ≥ 1
 * @param ds stimulus difference s_b − s_a; informations come out in 1/(unit of ds)²
 * @param options ridge, unequal-trial handling (`subsample` default, `exact`, `error`), seed, decoder folds (0 = off, default 5), allowInvalidT
 */
export function fisherInformation(a: Float64Array, b: Float64Array, neurons: number, ds: number, options: FisherOptions = {}): FisherResult {
  const prepared = prepareResponses(a, b, neurons, ds, options);
  const result = fisherFromStatistics(
    conditionStatistics(prepared.a, prepared.used.a, neurons),
    conditionStatistics(prepared.b, prepared.used.b, neurons),
    ds,
    { ridge: prepared.ridge, allowInvalidT: options.allowInvalidT === true },
  );
  return completeResult(result, prepared, neurons, ds, options.decoderFolds ?? FISHER_DEFAULT_DECODER_FOLDS);
}

// ---------------------------------------------------------------------------------------------
// Cross-validated decoder
// ---------------------------------------------------------------------------------------------

/** Options of {@link crossValidatedDecoder}. */
export interface DecoderOptions {
  /** Stimulus difference for {@link DecoderResult.I_lower_bound} (default 1: the bound is then d'²). */
  ds?: number;
  /** Ridge (response units²) always added to the training covariance's diagonal (default 0). */
  ridge?: number;
}

/**
 * Cross-validated Fisher linear discriminant between two conditions.
 *
 * Trials of each condition are shuffled (Philox stream of `seed`) and dealt into `folds`
 * stratified folds. For each fold, the discriminant is trained on the other folds: class means
 * and the pooled within-class covariance of the training trials (divisor n_a + n_b − 2), weights
 * w = Σ⁻¹(μ_b − μ_a), threshold at the midpoint wᵀ(μ_a + μ_b)/2; held-out trials with
 * wᵀx above the threshold are called b. When the training covariance cannot be factorised, a
 * ridge of 1e-9 × its mean variance (×10 until it can) is added and reported.
 * The accuracy is balanced (the mean of the two conditions' held-out accuracies) and
 * I_lower_bound = (2·Φ⁻¹(accuracy))²/ds², from accuracy = Φ(d'/2) for Gaussian classes
 * (with a perfect score, the bound uses accuracy 1 − 1/(2n), n = held-out trials in all, so
 * that it stays finite).
 *
 * Training covariances come from the full-data scatter minus the held-out fold's scatter (one
 * pass over the data in all), so the cost is about two covariance passes plus one Cholesky
 * factorisation per fold.
 *
 * @param a responses to s_a, row-major (trials × neurons)
 * @param b responses to s_b, row-major (trials × neurons); trial counts may differ
 * @param neurons number of columns N, ≥ 1
 * @param folds number of folds, 2 ≤ folds ≤ min(T_a, T_b)
 * @param seed seed of the fold assignment (integer)
 * @param options ds for the bound, and a fixed ridge
 * @throws RangeError for impossible folds or sizes
 */
export function crossValidatedDecoder(a: Float64Array, b: Float64Array, neurons: number, folds: number, seed: number, options: DecoderOptions = {}): DecoderResult {
  const N = neurons;
  if (!Number.isInteger(N) || N < 1 || a.length % N !== 0 || b.length % N !== 0) {
    throw new RangeError(`crossValidatedDecoder: both matrices need whole rows of ${N} neurons (got ${a.length} and ${b.length} values).`);
  }
  const ds = options.ds ?? 1;
  checkDs(ds);
  const baseRidge = checkRidge(options.ridge);
  const classes = [a, b].map((x) => ({ x, n: x.length / N }));
  const minTrials = Math.min(classes[0]!.n, classes[1]!.n);
  if (!Number.isInteger(folds) || folds < 2 || folds > minTrials) {
    throw new RangeError(`crossValidatedDecoder: folds must be an integer from 2 to the smaller trial count ${minTrials} (got ${folds}).`);
  }

  // Stratified fold of every trial, from a seeded shuffle of each condition.
  const stream = new RandomStream(seed, FISHER_STREAM.decoderFolds);
  const foldOf = classes.map(({ n }) => {
    const order = Uint32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = stream.uniformInt(i + 1);
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    const fold = new Uint32Array(n);
    order.forEach((trial, position) => (fold[trial] = position % folds));
    return fold;
  });

  // Centre each condition on its full mean; scatter S = Σ_c Σ_t y yᵀ (upper triangle).
  const means = classes.map(({ x, n }) => {
    const m = new Float64Array(N);
    for (let t = 0; t < n; t++) for (let i = 0; i < N; i++) m[i]! += x[t * N + i]!;
    for (let i = 0; i < N; i++) m[i]! /= n;
    return m;
  });
  const centred = classes.map(({ x, n }, c) => {
    const y = new Float64Array(x.length);
    const m = means[c]!;
    for (let t = 0; t < n; t++) for (let i = 0; i < N; i++) y[t * N + i] = x[t * N + i]! - m[i]!;
    return y;
  });
  const addOuter = (target: Float64Array, row: Float64Array, offset: number): void => {
    for (let i = 0; i < N; i++) {
      const yi = row[offset + i]!;
      if (yi === 0) continue;
      const base = i * N;
      for (let j = i; j < N; j++) target[base + j]! += yi * row[offset + j]!;
    }
  };
  const total = new Float64Array(N * N);
  classes.forEach(({ n }, c) => {
    for (let t = 0; t < n; t++) addOuter(total, centred[c]!, t * N);
  });

  const correct = [0, 0];
  const tested = [0, 0];
  let ridgeUsed = baseRidge;
  const work = new Float64Array(N * N);
  for (let f = 0; f < folds; f++) {
    // Held-out scatter and sums of centred rows, per condition.
    work.fill(0);
    const foldSums = classes.map(() => new Float64Array(N));
    const foldCounts = [0, 0];
    classes.forEach(({ n }, c) => {
      const y = centred[c]!;
      for (let t = 0; t < n; t++) {
        if (foldOf[c]![t] !== f) continue;
        foldCounts[c]!++;
        addOuter(work, y, t * N);
        for (let i = 0; i < N; i++) foldSums[c]![i]! += y[t * N + i]!;
      }
    });
    // Training: n_tr = n − n_f, centred training mean m = −s_f/n_tr, scatter = (S − F) − Σ_c n_tr m mᵀ.
    const trainMeans = classes.map(({ n }, c) => {
      const nTrain = n - foldCounts[c]!;
      return Float64Array.from(foldSums[c]!, (s) => -s / nTrain);
    });
    const dof = classes[0]!.n - foldCounts[0]! + classes[1]!.n - foldCounts[1]! - 2;
    let meanVariance = 0;
    for (let i = 0; i < N; i++) {
      for (let j = i; j < N; j++) {
        let s = total[i * N + j]! - work[i * N + j]!;
        for (let c = 0; c < 2; c++) s -= (classes[c]!.n - foldCounts[c]!) * trainMeans[c]![i]! * trainMeans[c]![j]!;
        const v = s / dof;
        work[i * N + j] = v;
        work[j * N + i] = v;
      }
      meanVariance += work[i * N + i]! / N;
    }
    const covariance = Float64Array.from(work);
    // Training class means in the original coordinates, and their difference.
    const muA = Float64Array.from(means[0]!, (m, i) => m + trainMeans[0]![i]!);
    const muB = Float64Array.from(means[1]!, (m, i) => m + trainMeans[1]![i]!);
    const delta = Float64Array.from(muB, (m, i) => m - muA[i]!);

    let ridge = baseRidge;
    let factor = covariance;
    for (let attempt = 0; ; attempt++) {
      factor = Float64Array.from(covariance);
      if (ridge > 0) for (let i = 0; i < N; i++) factor[i * N + i]! += ridge;
      if (choleskyInPlace(factor, N).ok) break;
      if (attempt >= 30 || !(meanVariance > 0)) {
        throw new RangeError(`crossValidatedDecoder: the training covariance of fold ${f} could not be regularised (mean variance ${meanVariance}).`);
      }
      ridge = ridge === baseRidge ? Math.max(baseRidge * 10, 1e-9 * meanVariance) : ridge * 10;
    }
    ridgeUsed = Math.max(ridgeUsed, ridge);
    const w = choleskySolve(factor, delta, N);
    let threshold = 0;
    for (let i = 0; i < N; i++) threshold += 0.5 * w[i]! * (muA[i]! + muB[i]!);

    classes.forEach(({ x, n }, c) => {
      for (let t = 0; t < n; t++) {
        if (foldOf[c]![t] !== f) continue;
        let score = -threshold;
        for (let i = 0; i < N; i++) score += w[i]! * x[t * N + i]!;
        const calledB = score > 0;
        if (calledB === (c === 1)) correct[c]!++;
        tested[c]!++;
      }
    });
  }
  const accuracy = 0.5 * (correct[0]! / tested[0]! + correct[1]! / tested[1]!);
  // A perfect score would give d' = ∞: the bound then uses 1 − 1/(2n) (half a trial wrong).
  const cappedAccuracy = Math.min(accuracy, 1 - 1 / (2 * (tested[0]! + tested[1]!)));
  const dPrime = accuracy > 0.5 ? 2 * normalQuantile(cappedAccuracy) : 0;
  return { accuracy, folds, d_prime: dPrime, I_lower_bound: (dPrime * dPrime) / (ds * ds), ridge: ridgeUsed };
}
