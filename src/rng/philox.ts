/**
 * Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror & Shaw, SC'11), the CPU
 * twin of `shaders/engine/philox.wgsl`.
 *
 * The stateless functions (`rngDraw`, `rngUniform4`, `rngNormal2`, `rngBernoulli`,
 * `rngPoisson`) follow the GPU keying contract: key = (seed, stream), counter = (index, step,
 * trial, draw). Their integer outputs are bit-identical to the WGSL ones and so are the
 * uniforms (every uniform is exactly representable in f32). Normals and Poisson counts use the
 * same algorithms computed in float64, so they agree with the GPU up to float rounding
 * (normals to ~1e-6; Poisson counts almost always exactly).
 *
 * `RandomStream` is a sequential generator for CPU-side construction (connectivity, initial
 * values); `streamId` derives stream numbers from small integers.
 *
 * @module
 */

/** Four 32-bit words, each an integer in [0, 2^32). */
export type U32x4 = [number, number, number, number];

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const M0_LO = M0 & 0xffff;
const M0_HI = M0 >>> 16;
const M1_LO = M1 & 0xffff;
const M1_HI = M1 >>> 16;

/** 2^-23 and 2^-24: the grid of {@link rngUnit}. */
const TWO_M23 = 1.1920928955078125e-7;
const TWO_M24 = 5.9604644775390625e-8;
/** 2^-32, for the finer grid of {@link RandomStream.uniform}. */
const TWO_M32 = 2.3283064365386963e-10;
const LN_SQRT_2PI = 0.9189385332046728;

/** Lambda from which Poisson sampling switches from CDF inversion to PTRS (as on the GPU). */
export const POISSON_PTRS_MIN = 16;
/**
 * PTRS attempts before giving up (as on the GPU); draws drawBase+1 … drawBase+24 may be used.
 * An attempt is accepted with probability 0.78 (lambda = 16) to 0.89 (lambda → ∞), so all of
 * them fail with probability < 1e-15.
 */
export const POISSON_MAX_ATTEMPTS = 24;
const POISSON_INVERSION_MAX = 128;

/**
 * Philox4x32-10 of (c0..c3) under key (k0, k1), written into `out[0..3]`.
 * The high words of the 32×32-bit products are assembled from 16-bit partial products exactly
 * as in the WGSL (all intermediate values are integers below 2^33, exact in float64).
 */
function philoxInto(out: Uint32Array, c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void {
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    // hi/lo of M0 * c0
    let al = c0 & 0xffff;
    let ah = c0 >>> 16;
    let lh = al * M0_HI;
    let hl = ah * M0_LO;
    let mid = ((al * M0_LO) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
    const hi0 = (ah * M0_HI + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
    const lo0 = Math.imul(M0, c0) >>> 0;
    // hi/lo of M1 * c2
    al = c2 & 0xffff;
    ah = c2 >>> 16;
    lh = al * M1_HI;
    hl = ah * M1_LO;
    mid = ((al * M1_LO) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
    const hi1 = (ah * M1_HI + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

const scratch = new Uint32Array(4);

/**
 * Philox4x32 with 10 rounds.
 * @param counter four 32-bit counter words (values are taken modulo 2^32)
 * @param key two 32-bit key words
 * @returns the four output words
 */
export function philox4x32_10(
  counter: Readonly<U32x4> | Uint32Array,
  key: Readonly<[number, number]> | Uint32Array,
): U32x4 {
  philoxInto(scratch, counter[0]! >>> 0, counter[1]! >>> 0, counter[2]! >>> 0, counter[3]! >>> 0, key[0]! >>> 0, key[1]! >>> 0);
  return [scratch[0]!, scratch[1]!, scratch[2]!, scratch[3]!];
}

/**
 * Allocation-free {@link rngDraw}: writes the four words into `out` and returns it.
 * @param out receives the words at indices 0..3
 */
export function rngDrawInto(
  out: Uint32Array,
  seed: number,
  stream: number,
  index: number,
  step: number,
  trial: number,
  draw: number,
): Uint32Array {
  philoxInto(out, index >>> 0, step >>> 0, trial >>> 0, draw >>> 0, seed >>> 0, stream >>> 0);
  return out;
}

/**
 * Four random words for (seed, stream, index, step, trial, draw), identical to WGSL `rng_draw`:
 * key = (seed, stream), counter = (index, step, trial, draw).
 */
export function rngDraw(seed: number, stream: number, index: number, step: number, trial: number, draw: number): U32x4 {
  rngDrawInto(scratch, seed, stream, index, step, trial, draw);
  return [scratch[0]!, scratch[1]!, scratch[2]!, scratch[3]!];
}

/**
 * Uniform in the open interval (0, 1) from one word, bit-identical to WGSL `rng_unit`:
 * (2m + 1)·2^-24 where m is the top 23 bits of `x`. Range [2^-24, 1 − 2^-24]; every value is
 * exactly representable in f32 (`Math.fround(rngUnit(x)) === rngUnit(x)`).
 */
export function rngUnit(x: number): number {
  return (x >>> 9) * TWO_M23 + TWO_M24;
}

/** Four uniforms in (0, 1), one per word of the draw; bit-identical to WGSL `rng_uniform4`. */
export function rngUniform4(
  seed: number,
  stream: number,
  index: number,
  step: number,
  trial: number,
  draw: number,
): [number, number, number, number] {
  rngDrawInto(scratch, seed, stream, index, step, trial, draw);
  return [rngUnit(scratch[0]!), rngUnit(scratch[1]!), rngUnit(scratch[2]!), rngUnit(scratch[3]!)];
}

/**
 * Two independent standard normals by Box–Muller from words 0 and 1 of the draw, as WGSL
 * `rng_normal2`: r = sqrt(−2 ln u1), θ = π(2u2 − 1), result [r cos θ, r sin θ].
 * Computed in float64; the GPU's f32 result agrees to about 1e-6. |z| ≤ 5.77 by construction.
 */
export function rngNormal2(seed: number, stream: number, index: number, step: number, trial: number, draw: number): [number, number] {
  rngDrawInto(scratch, seed, stream, index, step, trial, draw);
  const r = Math.sqrt(-2 * Math.log(rngUnit(scratch[0]!)));
  const theta = Math.PI * (2 * rngUnit(scratch[1]!) - 1);
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

/** True with probability p, from word 0 of the draw; same decision as WGSL `rng_bernoulli` for the same f32 `p`. */
export function rngBernoulli(p: number, seed: number, stream: number, index: number, step: number, trial: number, draw: number): boolean {
  rngDrawInto(scratch, seed, stream, index, step, trial, draw);
  return rngUnit(scratch[0]!) < p;
}

/**
 * ln(k!) for a non-negative integer k: exact product below 10, Stirling's series beyond
 * (error < 1e-10). Same formula as the WGSL `rng_log_factorial`.
 */
export function logFactorial(k: number): number {
  if (k < 10) {
    let f = 1;
    for (let i = 2; i <= k; i++) f *= i;
    return Math.log(f);
  }
  const n = k + 1;
  const r = 1 / n;
  const r2 = r * r;
  return (n - 0.5) * Math.log(n) - n + LN_SQRT_2PI + r * (1 / 12 - r2 * (1 / 360 - r2 / 1260));
}

/** Poisson by sequential CDF inversion with one uniform (the WGSL loop, in float64). */
function poissonInversion(lambda: number, u: number): number {
  let p = Math.exp(-lambda);
  let f = p;
  let k = 0;
  while (u > f && k < POISSON_INVERSION_MAX) {
    k++;
    p = (p * lambda) / k;
    const fNext = f + p;
    if (fNext === f) break;
    f = fNext;
  }
  return k;
}

// PTRS constants of the last lambda, so repeated calls with one lambda skip the set-up.
let ptrsLambda = NaN;
let ptrsLogLam = 0;
let ptrsB = 0;
let ptrsA = 0;
let ptrsLogInvAlpha = 0;
let ptrsVr = 0;

function ptrsSetup(lambda: number): void {
  if (lambda === ptrsLambda) return;
  ptrsLambda = lambda;
  ptrsLogLam = Math.log(lambda);
  ptrsB = 0.931 + 2.53 * Math.sqrt(lambda);
  ptrsA = -0.059 + 0.02483 * ptrsB;
  ptrsLogInvAlpha = Math.log(1.1239 + 1.1328 / (ptrsB - 3.4));
  ptrsVr = 0.9277 - 3.6224 / (ptrsB - 2);
}

/**
 * One PTRS attempt (Hörmann 1993) with uniforms u1, v in (0, 1); {@link ptrsSetup} must have
 * been called for `lambda`. Returns the accepted count, or −1 when the attempt is rejected.
 */
function ptrsAttempt(lambda: number, u1: number, v: number): number {
  const u = u1 - 0.5;
  const us = 0.5 - Math.abs(u);
  const k = Math.floor(((2 * ptrsA) / us + ptrsB) * u + lambda + 0.43);
  if (us >= 0.07 && v <= ptrsVr) return Math.max(k, 0);
  if (k < 0 || (us < 0.013 && v > us)) return -1;
  const lhs = Math.log(v) + ptrsLogInvAlpha - Math.log(ptrsA / (us * us) + ptrsB);
  return lhs <= -lambda + k * ptrsLogLam - logFactorial(k) ? k : -1;
}

/**
 * Poisson count with mean `lambda`, the float64 twin of WGSL `rng_poisson`.
 * lambda < 16: CDF inversion with the uniform from word 0 of draw `drawBase`.
 * lambda ≥ 16: PTRS; attempt i = 1…24 uses words 0, 1 of draw `drawBase + i` (mod 2^32);
 * returns floor(lambda) if all 24 attempts are rejected (probability < 1e-15).
 * lambda ≤ 0 or NaN gives 0. Pass `Math.fround(lambda)` to match a GPU run as closely as possible.
 */
export function rngPoisson(
  lambda: number,
  seed: number,
  stream: number,
  index: number,
  step: number,
  trial: number,
  drawBase: number,
): number {
  if (!(lambda > 0)) return 0;
  if (lambda < POISSON_PTRS_MIN) {
    rngDrawInto(scratch, seed, stream, index, step, trial, drawBase);
    return poissonInversion(lambda, rngUnit(scratch[0]!));
  }
  ptrsSetup(lambda);
  for (let i = 1; i <= POISSON_MAX_ATTEMPTS; i++) {
    rngDrawInto(scratch, seed, stream, index, step, trial, (drawBase + i) >>> 0);
    const k = ptrsAttempt(lambda, rngUnit(scratch[0]!), rngUnit(scratch[1]!));
    if (k >= 0) return k;
  }
  return Math.floor(lambda);
}

/**
 * Sequential generator for CPU-side construction (connectivity, initial values), built on
 * Philox4x32-10 with key (seed, stream) and an internal 64-bit call counter.
 *
 * Word j of the output sequence is word (j mod 4) of
 * `rngDraw(seed, stream, lo, hi, 0xFFFFFFFF, 0xFFFFFFFF)` where lo/hi are the low and high
 * halves of floor(j / 4): the trial and draw words are pinned to 0xFFFFFFFF so that the
 * sequence does not collide with GPU draws that use small trial/draw numbers.
 *
 * Not thread-shared; about 10^7 uniforms a second in Node.
 */
export class RandomStream {
  private readonly k0: number;
  private readonly k1: number;
  private lo = 0;
  private hi = 0;
  private readonly buf = new Uint32Array(4);
  private pos = 4;
  private spareNormal = 0;
  private hasSpare = false;

  /**
   * @param seed global seed (taken modulo 2^32)
   * @param stream stream number, e.g. from {@link streamId} (taken modulo 2^32)
   */
  constructor(seed: number, stream: number) {
    this.k0 = seed >>> 0;
    this.k1 = stream >>> 0;
  }

  /** Next 32-bit word, an integer in [0, 2^32). */
  nextU32(): number {
    if (this.pos === 4) {
      philoxInto(this.buf, this.lo, this.hi, 0xffffffff, 0xffffffff, this.k0, this.k1);
      this.lo = (this.lo + 1) >>> 0;
      if (this.lo === 0) this.hi = (this.hi + 1) >>> 0;
      this.pos = 0;
    }
    return this.buf[this.pos++]!;
  }

  /** Uniform in the open interval (0, 1) on the grid (m + 0.5)·2^-32 (one word per call). */
  uniform(): number {
    return (this.nextU32() + 0.5) * TWO_M32;
  }

  /** Standard normal by Box–Muller; the second value of each pair is kept for the next call. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareNormal;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spareNormal = r * Math.sin(theta);
    this.hasSpare = true;
    return r * Math.cos(theta);
  }

  /**
   * Unbiased integer in [0, n) by rejection of the incomplete top range of 32-bit words.
   * @param n integer in [1, 2^32]
   */
  uniformInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) {
      throw new RangeError(`uniformInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const w = this.nextU32();
      if (w < limit) return w % n;
    }
  }

  /**
   * Poisson count with mean `lambda` (≥ 0, finite): CDF inversion for lambda < 16, PTRS
   * (Hörmann 1993, exact rejection sampler) otherwise.
   */
  poisson(lambda: number): number {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) {
      throw new RangeError(`poisson: lambda must be finite and >= 0, got ${lambda}`);
    }
    if (lambda === 0) return 0;
    if (lambda < POISSON_PTRS_MIN) return poissonInversion(lambda, this.uniform());
    ptrsSetup(lambda);
    for (;;) {
      const u = this.uniform();
      const k = ptrsAttempt(lambda, u, this.uniform());
      if (k >= 0) return k;
    }
  }

  /**
   * Binomial count of successes in `n` trials with probability `p`. Exact: with
   * q = min(p, 1 − p), sequential CDF inversion when n·q < 10, otherwise Hörmann's BTRS
   * transformed rejection (1993), exact up to float64 rounding of the log-factorials
   * (~1e-10). p > 0.5 is sampled as n − Binomial(n, 1 − p).
   * @param n integer number of trials, 0 ≤ n < 2^53
   * @param p success probability in [0, 1]
   */
  binomial(n: number, p: number): number {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`binomial: n must be a non-negative integer, got ${n}`);
    }
    if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial: p must be in [0, 1], got ${p}`);
    if (n === 0 || p === 0) return 0;
    if (p === 1) return n;
    const flip = p > 0.5;
    const q = flip ? 1 - p : p;
    const k = n * q < 10 ? this.binomialInversion(n, q) : this.binomialBtrs(n, q);
    return flip ? n - k : k;
  }

  private binomialInversion(n: number, p: number): number {
    const s = p / (1 - p);
    let pk = Math.exp(n * Math.log1p(-p));
    let f = pk;
    let k = 0;
    const u = this.uniform();
    while (u > f && k < n) {
      pk *= (s * (n - k)) / (k + 1);
      k++;
      const fNext = f + pk;
      if (fNext === f) break; // CDF saturated below u: only float rounding is left
      f = fNext;
    }
    return k;
  }

  private binomialBtrs(n: number, p: number): number {
    const q = 1 - p;
    const spq = Math.sqrt(n * p * q);
    const b = 1.15 + 2.53 * spq;
    const a = -0.0873 + 0.0248 * b + 0.01 * p;
    const c = n * p + 0.5;
    const vr = 0.92 - 4.2 / b;
    const alpha = (2.83 + 5.1 / b) * spq;
    const m = Math.floor((n + 1) * p);
    const h = logFactorial(m) + logFactorial(n - m);
    const lpq = Math.log(p / q);
    for (;;) {
      const u = this.uniform() - 0.5;
      const v = this.uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + c);
      if (k < 0 || k > n) continue;
      if (us >= 0.07 && v <= vr) return k;
      const lhs = Math.log((v * alpha) / (a / (us * us) + b));
      if (lhs <= h - logFactorial(k) - logFactorial(n - k) + (k - m) * lpq) return k;
    }
  }
}

/**
 * Deterministic 32-bit hash of a list of integers, to derive stream numbers, e.g.
 * `streamId(kindCode, populationIndex, inputIndex)`. Order- and length-sensitive; each part
 * is mixed as two 32-bit halves (so any safe integer, including negatives, is accepted) and
 * the result goes through the MurmurHash3 finalizer. Distinct inputs collide with the
 * probability of a random 32-bit function (about n²/2^33 among n tuples).
 * @returns an integer in [0, 2^32)
 */
export function streamId(...parts: number[]): number {
  let h = (0x243f6a88 ^ parts.length) >>> 0;
  for (const part of parts) {
    if (!Number.isSafeInteger(part)) throw new RangeError(`streamId: parts must be safe integers, got ${part}`);
    h = mixWord(h, part >>> 0);
    h = mixWord(h, Math.floor(part / 4294967296) >>> 0);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One MurmurHash3-style block step. */
function mixWord(h: number, w: number): number {
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) >>> 0;
}
