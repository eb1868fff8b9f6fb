// engine/philox.wgsl — counter-based random numbers (Philox4x32-10, Salmon et al., SC'11).
//
// A library, not a kernel: no bindings, no entry point. It is concatenated in front of the
// kernels that need random numbers. Every function is pure; the CPU twin lives in
// src/rng/philox.ts and is bit-identical on the integer core and on uniforms.
//
// Keying contract: key = (seed, stream), counter = (index, step, trial, draw). A random number
// depends on these six words only, never on workgroup size, dispatch shape or thread order.
// Identifiers are prefixed rng_/philox_/PHILOX_/RNG_ to stay out of the kernels' namespace.

const PHILOX_M0: u32 = 0xD2511F53u;
const PHILOX_M1: u32 = 0xCD9E8D57u;
const PHILOX_W0: u32 = 0x9E3779B9u; // golden ratio
const PHILOX_W1: u32 = 0xBB67AE85u; // sqrt(3) - 1

// Full 32x32 -> 64-bit product as (hi, lo). WGSL has no 64-bit integers, so the high word is
// assembled from four 16x16 partial products (each fits in 32 bits).
fn philox_mulhilo(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xFFFFu;
  let ah = a >> 16u;
  let bl = b & 0xFFFFu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let hh = ah * bh;
  // Carry out of the low word: at most 3 * 0xFFFF, no overflow.
  let mid = (ll >> 16u) + (lh & 0xFFFFu) + (hl & 0xFFFFu);
  return vec2<u32>(hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), a * b);
}

fn philox_round(c: vec4<u32>, k: vec2<u32>) -> vec4<u32> {
  let p0 = philox_mulhilo(PHILOX_M0, c.x);
  let p1 = philox_mulhilo(PHILOX_M1, c.z);
  return vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
}

/// Philox4x32 with 10 rounds: a bijection of the 128-bit counter under a 64-bit key.
fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = philox_round(counter, key);
  var k = key;
  for (var r = 1u; r < 10u; r = r + 1u) {
    k = k + vec2<u32>(PHILOX_W0, PHILOX_W1); // the key is bumped before rounds 2..10
    c = philox_round(c, k);
  }
  return c;
}

/// Four independent random words for (seed, stream, index, step, trial, draw).
fn rng_draw(seed: u32, stream: u32, index: u32, step: u32, trial: u32, draw: u32) -> vec4<u32> {
  return philox4x32_10(vec4<u32>(index, step, trial, draw), vec2<u32>(seed, stream));
}

/// Uniform float in the open interval (0, 1) from one word: (2m + 1) * 2^-24 with m the top
/// 23 bits. Every value (and every intermediate) is exactly representable in f32, so any
/// rounding mode, FMA contraction or the CPU's float64 gives the same bits. (A 24-bit grid with
/// a 2^-25 offset would need 25 significant bits above 0.5 and could round up to 1.0.)
/// Range [2^-24, 1 - 2^-24]; symmetric, so 1 - u has the same distribution.
fn rng_unit(x: u32) -> f32 {
  return f32(x >> 9u) * 1.1920928955078125e-7 + 5.9604644775390625e-8;
}

/// Four uniforms in (0, 1), one per word of the draw.
fn rng_uniform4(seed: u32, stream: u32, index: u32, step: u32, trial: u32, draw: u32) -> vec4<f32> {
  let w = rng_draw(seed, stream, index, step, trial, draw);
  return vec4<f32>(rng_unit(w.x), rng_unit(w.y), rng_unit(w.z), rng_unit(w.w));
}

// Natural log of u in (0, 1) without the builtin, whose accuracy WGSL only bounds by an
// absolute 2^-21 near 1; there Box–Muller needs sqrt(-2 ln u) with good relative accuracy.
// u = m * 2^e with m in [0.5, 1); ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 1/3.
fn rng_log_unit(u: f32) -> f32 {
  let fe = frexp(u);
  let m = fe.fract;
  let s = (m - 1.0) / (m + 1.0);
  let s2 = s * s;
  // Series 1 + s2/3 + s2^2/5 + ... + s2^7/15; truncation < 2e-9 relative for s2 <= 1/9.
  var t = 1.0 / 15.0;
  t = t * s2 + 1.0 / 13.0;
  t = t * s2 + 1.0 / 11.0;
  t = t * s2 + 1.0 / 9.0;
  t = t * s2 + 1.0 / 7.0;
  t = t * s2 + 1.0 / 5.0;
  t = t * s2 + 1.0 / 3.0;
  t = t * s2 + 1.0;
  return f32(fe.exp) * 0.6931471805599453 + 2.0 * s * t;
}

/// Two independent standard normals by Box–Muller from words x and y of the draw:
/// r = sqrt(-2 ln u1), theta = pi * (2 u2 - 1), result (r cos theta, r sin theta).
/// theta is taken in (-pi, pi) because WGSL bounds cos/sin error only on [-pi, pi].
/// |z| <= sqrt(-2 ln 2^-24) ~= 5.77: tails beyond 5.77 sigma are never produced.
fn rng_normal2(seed: u32, stream: u32, index: u32, step: u32, trial: u32, draw: u32) -> vec2<f32> {
  let w = rng_draw(seed, stream, index, step, trial, draw);
  let r = sqrt(-2.0 * rng_log_unit(rng_unit(w.x)));
  let theta = 3.14159265358979 * (2.0 * rng_unit(w.y) - 1.0); // 2u - 1 is exact
  return r * vec2<f32>(cos(theta), sin(theta));
}

/// True with probability p (from word x of the draw). p <= 0 is never true, p >= 1 always.
fn rng_bernoulli(p: f32, seed: u32, stream: u32, index: u32, step: u32, trial: u32, draw: u32) -> bool {
  return rng_unit(rng_draw(seed, stream, index, step, trial, draw).x) < p;
}

// ln(k!) for a non-negative integer-valued k: exact product below 10 (9! < 2^24), Stirling's
// series beyond (error < 1e-10, far below f32 resolution).
fn rng_log_factorial(k: f32) -> f32 {
  if (k < 10.0) {
    var f = 1.0;
    for (var i = 2.0; i <= k; i = i + 1.0) {
      f = f * i;
    }
    return log(f);
  }
  let n = k + 1.0;
  let r = 1.0 / n;
  let r2 = r * r;
  return (n - 0.5) * log(n) - n + 0.9189385332046728 + r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 / 1260.0));
}

/// Attempts made by PTRS before giving up. Each is accepted with probability 0.78 (lambda = 16)
/// to 0.89 (lambda -> inf), so running out has probability < 1e-15.
const RNG_POISSON_MAX_ATTEMPTS: u32 = 24u;
/// Lambda from which rng_poisson switches from CDF inversion to PTRS.
const RNG_POISSON_PTRS_MIN: f32 = 16.0;
// Hard bound of the inversion loop; the loop normally ends far earlier.
const RNG_POISSON_INVERSION_MAX: u32 = 128u;

/// Poisson count with mean lambda.
/// lambda < 16: inversion of the CDF with the uniform from word x of draw `draw_base`;
///   the search also stops when the f32 CDF stops growing (only reachable when u is within
///   f32 rounding of 1) and returns the k reached there.
/// lambda >= 16: Hörmann's PTRS (transformed rejection with squeeze, 1993). Attempt i uses
///   words x, y of draw `draw_base + i`, i = 1 .. RNG_POISSON_MAX_ATTEMPTS (so a caller must
///   reserve draws draw_base .. draw_base + 24). If every attempt is rejected (p < 1e-15) it
///   returns floor(lambda). f32 arithmetic keeps the distribution accurate up to lambda ~ 1e4.
/// lambda <= 0 (or NaN) returns 0.
fn rng_poisson(lambda: f32, seed: u32, stream: u32, index: u32, step: u32, trial: u32, draw_base: u32) -> u32 {
  if (!(lambda > 0.0)) {
    return 0u;
  }
  if (lambda < RNG_POISSON_PTRS_MIN) {
    let u = rng_unit(rng_draw(seed, stream, index, step, trial, draw_base).x);
    var p = exp(-lambda);
    var f = p;
    var k = 0u;
    loop {
      if (u <= f || k >= RNG_POISSON_INVERSION_MAX) {
        break;
      }
      k = k + 1u;
      p = p * lambda / f32(k);
      let f_next = f + p;
      if (f_next == f) {
        break;
      }
      f = f_next;
    }
    return k;
  }
  let slam = sqrt(lambda);
  let loglam = log(lambda);
  let b = 0.931 + 2.53 * slam;
  let a = -0.059 + 0.02483 * b;
  let log_inv_alpha = log(1.1239 + 1.1328 / (b - 3.4));
  let vr = 0.9277 - 3.6224 / (b - 2.0);
  for (var i = 1u; i <= RNG_POISSON_MAX_ATTEMPTS; i = i + 1u) {
    let w = rng_draw(seed, stream, index, step, trial, draw_base + i);
    let u = rng_unit(w.x) - 0.5; // exact
    let v = rng_unit(w.y);
    let us = 0.5 - abs(u); // exact, >= 2^-24
    let k = floor((2.0 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) {
      return u32(max(k, 0.0)); // squeeze: accepted without evaluating the pmf
    }
    if (k < 0.0 || (us < 0.013 && v > us)) {
      continue;
    }
    if (log(v) + log_inv_alpha - log(a / (us * us) + b) <= -lambda + k * loglam - rng_log_factorial(k)) {
      return u32(k);
    }
  }
  return u32(floor(lambda));
}
