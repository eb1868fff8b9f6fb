import { describe, it, expect } from 'vitest';
import {
  philox4x32_10,
  rngDraw,
  rngDrawInto,
  rngUnit,
  rngUniform4,
  rngNormal2,
  rngBernoulli,
  rngPoisson,
  RandomStream,
  streamId,
  POISSON_MAX_ATTEMPTS,
} from '../src/rng/philox.js';

// Statistical checks use fixed seeds (so they are deterministic) and tolerances of 5 standard
// errors (so a correct generator passes them with overwhelming probability for any seed).
const Z = 5;
const N = 100_000;

function meanVar(xs: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return { mean, variance: v / (xs.length - 1) };
}

/** Pearson chi-square of integer samples against a pmf, tails pooled so each bin expects ≥ 5. */
function chiSquare(samples: ArrayLike<number>, pmf: (k: number) => number, kMax: number): { chi2: number; df: number } {
  const n = samples.length;
  const counts = new Float64Array(kMax + 2);
  for (let i = 0; i < n; i++) counts[Math.min(samples[i]!, kMax + 1)]! += 1;
  const expected = new Float64Array(kMax + 2);
  let cum = 0;
  for (let k = 0; k <= kMax; k++) {
    expected[k] = n * pmf(k);
    cum += expected[k]!;
  }
  expected[kMax + 1] = Math.max(n - cum, 0);
  // Pool adjacent bins until each expects at least 5; a short leftover tail joins the last bin.
  const obs: number[] = [];
  const exp: number[] = [];
  let o = 0;
  let e = 0;
  for (let k = 0; k <= kMax + 1; k++) {
    o += counts[k]!;
    e += expected[k]!;
    if (e >= 5) {
      obs.push(o);
      exp.push(e);
      o = 0;
      e = 0;
    }
  }
  if (obs.length > 0) {
    obs[obs.length - 1]! += o;
    exp[exp.length - 1]! += e;
  }
  let chi2 = 0;
  for (let i = 0; i < obs.length; i++) chi2 += (obs[i]! - exp[i]!) ** 2 / exp[i]!;
  const bins = obs.length;
  return { chi2, df: Math.max(bins - 1, 1) };
}

/** Acceptance bound at ~5 sigma of the chi-square distribution. */
function chiBound(df: number): number {
  return df + Z * Math.sqrt(2 * df);
}

function logFact(k: number): number {
  let s = 0;
  for (let i = 2; i <= k; i++) s += Math.log(i);
  return s;
}

const poissonPmf = (lambda: number) => (k: number) => Math.exp(-lambda + k * Math.log(lambda) - logFact(k));

// ---------------------------------------------------------------------------------------------
// Independent reference Philox4x32-10 in BigInt, straight from the definition.
const MASK = 0xffffffffn;
function philoxRef(c: number[], k: number[]): number[] {
  let [c0, c1, c2, c3] = c.map(BigInt) as [bigint, bigint, bigint, bigint];
  let [k0, k1] = k.map(BigInt) as [bigint, bigint];
  for (let r = 0; r < 10; r++) {
    const p0 = 0xd2511f53n * c0;
    const p1 = 0xcd9e8d57n * c2;
    [c0, c1, c2, c3] = [(p1 >> 32n) ^ c1 ^ k0, p1 & MASK, (p0 >> 32n) ^ c3 ^ k1, p0 & MASK];
    k0 = (k0 + 0x9e3779b9n) & MASK;
    k1 = (k1 + 0xbb67ae85n) & MASK;
  }
  return [c0, c1, c2, c3].map(Number);
}

describe('philox4x32_10', () => {
  // Random123 kat_vectors, "philox4x32 10": counter[4] key[2] -> output[4].
  const kat: Array<{ ctr: [number, number, number, number]; key: [number, number]; out: number[] }> = [
    { ctr: [0, 0, 0, 0], key: [0, 0], out: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] },
    {
      ctr: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      key: [0xffffffff, 0xffffffff],
      out: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
    },
    {
      ctr: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
      key: [0xa4093822, 0x299f31d0],
      out: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
    },
  ];

  it('matches the Random123 known-answer vectors', () => {
    for (const v of kat) {
      expect(philox4x32_10(v.ctr, v.key)).toEqual(v.out);
      expect(philoxRef(v.ctr, v.key)).toEqual(v.out);
    }
  });

  it('matches a BigInt reference on random inputs (16-bit split of mulhi)', () => {
    const rs = new RandomStream(1, 2);
    for (let i = 0; i < 2000; i++) {
      const c: [number, number, number, number] = [rs.nextU32(), rs.nextU32(), rs.nextU32(), rs.nextU32()];
      const k: [number, number] = [rs.nextU32(), rs.nextU32()];
      expect(philox4x32_10(c, k)).toEqual(philoxRef(c, k));
    }
  });

  it('rngDraw keys with (seed, stream) and counts with (index, step, trial, draw)', () => {
    expect(rngDraw(0xa4093822, 0x299f31d0, 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344)).toEqual(kat[2]!.out);
    const out = new Uint32Array(4);
    rngDrawInto(out, 7, 8, 1, 2, 3, 4);
    expect(Array.from(out)).toEqual(philox4x32_10([1, 2, 3, 4], [7, 8]));
    // Every argument matters.
    const base = rngDraw(1, 1, 1, 1, 1, 1);
    for (let a = 0; a < 6; a++) {
      const args = [1, 1, 1, 1, 1, 1];
      args[a] = 2;
      const [s, st, i, t, tr, d] = args as [number, number, number, number, number, number];
      expect(rngDraw(s, st, i, t, tr, d)).not.toEqual(base);
    }
  });
});

describe('rngUnit', () => {
  it('is in the open interval (0, 1) and exactly representable in f32', () => {
    expect(rngUnit(0)).toBe(2 ** -24);
    expect(rngUnit(0xffffffff)).toBe(1 - 2 ** -24);
    expect(Math.fround(rngUnit(0xffffffff))).toBe(1 - 2 ** -24);
    const rs = new RandomStream(3, 4);
    let inexact = 0;
    for (let i = 0; i < 10_000; i++) {
      const u = rngUnit(rs.nextU32());
      if (Math.fround(u) !== u || !(u > 0 && u < 1)) inexact++;
    }
    expect(inexact).toBe(0);
  });
});

describe('stateless uniforms', () => {
  const us = new Float64Array(N);
  for (let i = 0; i < N / 4; i++) us.set(rngUniform4(42, 1, i, 3, 0, 0), 4 * i);

  it('have mean 1/2 and variance 1/12', () => {
    const { mean, variance } = meanVar(us);
    expect(Math.abs(mean - 0.5)).toBeLessThan(Z * Math.sqrt(1 / 12 / N));
    // Var((u - 1/2)^2) = 1/80 - 1/144
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(Z * Math.sqrt((1 / 80 - 1 / 144) / N));
  });

  it('pass a Kolmogorov–Smirnov test', () => {
    const sorted = Float64Array.from(us).sort();
    let d = 0;
    for (let i = 0; i < N; i++) d = Math.max(d, (i + 1) / N - sorted[i]!, sorted[i]! - i / N);
    // Critical value for alpha = 1e-6: sqrt(-ln(alpha/2) / 2) ~= 2.69.
    expect(d).toBeLessThan(2.69 / Math.sqrt(N));
  });

  it('show no correlation between neighbouring indices', () => {
    let s = 0;
    for (let i = 0; i + 4 < N; i += 4) s += (us[i]! - 0.5) * (us[i + 4]! - 0.5);
    const corr = s / (N / 4 - 1) / (1 / 12);
    expect(Math.abs(corr)).toBeLessThan(Z / Math.sqrt(N / 4));
  });
});

describe('stateless normals', () => {
  const zs = new Float64Array(N);
  for (let i = 0; i < N / 2; i++) zs.set(rngNormal2(42, 2, i, 0, 1, 5), 2 * i);

  it('have mean 0, variance 1 and kurtosis 3', () => {
    const { mean, variance } = meanVar(zs);
    expect(Math.abs(mean)).toBeLessThan(Z / Math.sqrt(N));
    expect(Math.abs(variance - 1)).toBeLessThan(Z * Math.sqrt(2 / N));
    let m4 = 0;
    for (let i = 0; i < N; i++) m4 += zs[i]! ** 4;
    m4 /= N;
    expect(Math.abs(m4 - 3)).toBeLessThan(Z * Math.sqrt(96 / N)); // Var(z^4) = 105 - 9
  });

  it('are bounded by sqrt(-2 ln 2^-24) and the pair is uncorrelated', () => {
    let c = 0;
    let maxAbs = 0;
    for (let i = 0; i < N; i++) maxAbs = Math.max(maxAbs, Math.abs(zs[i]!));
    expect(maxAbs).toBeLessThanOrEqual(Math.sqrt(48 * Math.LN2) + 1e-12);
    for (let i = 0; i < N; i += 2) c += zs[i]! * zs[i + 1]!;
    expect(Math.abs(c / (N / 2))).toBeLessThan(Z / Math.sqrt(N / 2));
  });
});

describe('stateless bernoulli', () => {
  it('fires at rate p', () => {
    for (const p of [0.3, 0.001]) {
      let hits = 0;
      for (let i = 0; i < N; i++) if (rngBernoulli(p, 9, 9, i, 17, 0, 2)) hits++;
      expect(Math.abs(hits / N - p)).toBeLessThan(Z * Math.sqrt((p * (1 - p)) / N));
    }
  });

  it('never fires for p = 0 and always for p = 1', () => {
    let wrong = 0;
    for (let i = 0; i < 10_000; i++) {
      if (rngBernoulli(0, 1, 2, i, 0, 0, 0)) wrong++;
      if (!rngBernoulli(1, 1, 2, i, 0, 0, 0)) wrong++;
    }
    expect(wrong).toBe(0);
  });
});

const LAMBDAS = [0.3, 2, 15, 40, 200];

function checkPoisson(samples: ArrayLike<number>, lambda: number): void {
  const n = samples.length;
  const { mean, variance } = meanVar(samples);
  expect(Math.abs(mean - lambda), `mean for lambda=${lambda}`).toBeLessThan(Z * Math.sqrt(lambda / n));
  // Var(sample variance) ~= (mu4 - sigma^4) / n with mu4 = lambda + 3 lambda^2.
  expect(Math.abs(variance - lambda), `variance for lambda=${lambda}`).toBeLessThan(Z * Math.sqrt((lambda + 2 * lambda * lambda) / n));
  const kMax = Math.ceil(lambda + 8 * Math.sqrt(lambda) + 10);
  const { chi2, df } = chiSquare(samples, poissonPmf(lambda), kMax);
  expect(chi2, `chi-square for lambda=${lambda} (df ${df})`).toBeLessThan(chiBound(df));
}

describe('rngPoisson', () => {
  for (const lambda of LAMBDAS) {
    it(`has mean, variance and pmf of Poisson(${lambda})`, () => {
      const xs = new Float64Array(N);
      for (let i = 0; i < N; i++) xs[i] = rngPoisson(lambda, 1234, 77, i, 5, 0, 100);
      checkPoisson(xs, lambda);
    });
  }

  it('returns 0 for lambda <= 0 and NaN', () => {
    expect(rngPoisson(0, 1, 1, 1, 1, 1, 1)).toBe(0);
    expect(rngPoisson(-3, 1, 1, 1, 1, 1, 1)).toBe(0);
    expect(rngPoisson(NaN, 1, 1, 1, 1, 1, 1)).toBe(0);
  });

  it('handles drawBase near 2^32 (draw counters wrap)', () => {
    expect(POISSON_MAX_ATTEMPTS).toBe(24);
    const a = rngPoisson(50, 1, 2, 3, 4, 5, 0xffffffff);
    expect(Number.isInteger(a) && a >= 0).toBe(true);
    expect(rngPoisson(50, 1, 2, 3, 4, 5, 0xffffffff)).toBe(a);
  });
});

describe('RandomStream', () => {
  it('is the philox sequence with counter (lo, hi, 0xFFFFFFFF, 0xFFFFFFFF)', () => {
    const rs = new RandomStream(11, 22);
    for (let j = 0; j < 3; j++) {
      const expected = rngDraw(11, 22, j, 0, 0xffffffff, 0xffffffff);
      for (let w = 0; w < 4; w++) expect(rs.nextU32()).toBe(expected[w]);
    }
  });

  it('is deterministic and stream-separated', () => {
    const a = new RandomStream(5, 6);
    const b = new RandomStream(5, 6);
    const c = new RandomStream(5, 7);
    let diff = 0;
    for (let i = 0; i < 1000; i++) {
      const x = a.nextU32();
      expect(b.nextU32()).toBe(x);
      if (c.nextU32() !== x) diff++;
    }
    expect(diff).toBeGreaterThan(990);
  });

  it('draws uniforms in (0, 1) with the right moments', () => {
    const rs = new RandomStream(1, 100);
    const xs = new Float64Array(N);
    for (let i = 0; i < N; i++) xs[i] = rs.uniform();
    const { mean, variance } = meanVar(xs);
    expect(Math.abs(mean - 0.5)).toBeLessThan(Z * Math.sqrt(1 / 12 / N));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(Z * Math.sqrt((1 / 80 - 1 / 144) / N));
    let outside = 0;
    for (let i = 0; i < N; i++) if (!(xs[i]! > 0 && xs[i]! < 1)) outside++;
    expect(outside).toBe(0);
  });

  it('draws normals with mean 0, variance 1, kurtosis 3', () => {
    const rs = new RandomStream(1, 101);
    const zs = new Float64Array(N);
    for (let i = 0; i < N; i++) zs[i] = rs.normal();
    const { mean, variance } = meanVar(zs);
    expect(Math.abs(mean)).toBeLessThan(Z / Math.sqrt(N));
    expect(Math.abs(variance - 1)).toBeLessThan(Z * Math.sqrt(2 / N));
    let m4 = 0;
    for (let i = 0; i < N; i++) m4 += zs[i]! ** 4;
    expect(Math.abs(m4 / N - 3)).toBeLessThan(Z * Math.sqrt(96 / N));
  });

  it('uniformInt is unbiased', () => {
    const rs = new RandomStream(2, 200);
    // Small n: chi-square over the 7 values.
    const counts = new Float64Array(7);
    for (let i = 0; i < N; i++) counts[rs.uniformInt(7)]! += 1;
    let chi2 = 0;
    for (const c of counts) chi2 += (c - N / 7) ** 2 / (N / 7);
    expect(chi2).toBeLessThan(chiBound(6));
    // n = 3·2^30: plain `word % n` would put half of the mass below 2^30 instead of a third.
    const n = 3 * 2 ** 30;
    let low = 0;
    let bad = 0;
    for (let i = 0; i < N; i++) {
      const x = rs.uniformInt(n);
      if (!(x >= 0 && x < n && Number.isInteger(x))) bad++;
      if (x < 2 ** 30) low++;
    }
    expect(bad).toBe(0);
    expect(Math.abs(low / N - 1 / 3)).toBeLessThan(Z * Math.sqrt(2 / 9 / N));
    for (let i = 0; i < 100; i++) expect(rs.uniformInt(1)).toBe(0);
    expect(rs.uniformInt(2 ** 32)).toBeLessThan(2 ** 32);
    expect(() => rs.uniformInt(0)).toThrow(RangeError);
    expect(() => rs.uniformInt(2.5)).toThrow(RangeError);
  });

  for (const lambda of LAMBDAS) {
    it(`poisson(${lambda}) has Poisson mean, variance and pmf`, () => {
      const rs = new RandomStream(3, 300 + lambda);
      const xs = new Float64Array(N);
      for (let i = 0; i < N; i++) xs[i] = rs.poisson(lambda);
      checkPoisson(xs, lambda);
    });
  }

  const binomialCases: Array<[number, number]> = [
    [10, 0.3], // inversion
    [5, 0.5], // inversion
    [1_000_000, 2e-6], // inversion, tiny p
    [50, 0.9], // flipped inversion
    [200, 0.5], // BTRS
    [1000, 0.2], // BTRS
    [100_000, 0.99], // flipped BTRS
  ];
  for (const [n, p] of binomialCases) {
    it(`binomial(${n}, ${p}) has mean np, variance np(1-p) and the binomial pmf`, () => {
      const rs = new RandomStream(4, streamId(n, Math.round(p * 1e6)));
      const xs = new Float64Array(N);
      for (let i = 0; i < N; i++) xs[i] = rs.binomial(n, p);
      const q = 1 - p;
      const v = n * p * q;
      const { mean, variance } = meanVar(xs);
      expect(Math.abs(mean - n * p)).toBeLessThan(Z * Math.sqrt(v / N));
      const mu4 = v * (1 + 3 * p * q * (n - 2));
      expect(Math.abs(variance - v)).toBeLessThan(Z * Math.sqrt((mu4 - v * v) / N));
      let outside = 0;
      for (let i = 0; i < N; i++) if (!(xs[i]! >= 0 && xs[i]! <= n)) outside++;
      expect(outside).toBe(0);
      if (n <= 1000) {
        const lc = (k: number) => logFact(n) - logFact(k) - logFact(n - k);
        const pmf = (k: number) => (k > n ? 0 : Math.exp(lc(k) + k * Math.log(p) + (n - k) * Math.log(q)));
        const { chi2, df } = chiSquare(xs, pmf, n);
        expect(chi2).toBeLessThan(chiBound(df));
      }
    });
  }

  it('binomial handles the edges', () => {
    const rs = new RandomStream(4, 1);
    expect(rs.binomial(0, 0.5)).toBe(0);
    expect(rs.binomial(10, 0)).toBe(0);
    expect(rs.binomial(10, 1)).toBe(10);
    expect(() => rs.binomial(-1, 0.5)).toThrow(RangeError);
    expect(() => rs.binomial(10, 1.5)).toThrow(RangeError);
    expect(() => rs.poisson(-1)).toThrow(RangeError);
    expect(rs.poisson(0)).toBe(0);
  });

  it('draws 10^7 uniforms in about a second', () => {
    const rs = new RandomStream(9, 9);
    let s = 0;
    const t0 = performance.now();
    for (let i = 0; i < 10_000_000; i++) s += rs.uniform();
    const ms = performance.now() - t0;
    console.log(`RandomStream: 1e7 uniforms in ${ms.toFixed(0)} ms`);
    expect(Math.abs(s / 1e7 - 0.5)).toBeLessThan(1e-3);
    expect(ms).toBeLessThan(5000); // generous: shared CI machines
  });
});

describe('streamId', () => {
  it('is a deterministic, order- and length-sensitive 32-bit hash', () => {
    expect(streamId(1, 2, 3)).toBe(streamId(1, 2, 3));
    expect(streamId(1, 2, 3)).not.toBe(streamId(3, 2, 1));
    expect(streamId(1, 2)).not.toBe(streamId(1, 2, 0));
    expect(streamId()).not.toBe(streamId(0));
    expect(streamId(-1)).not.toBe(streamId(0xffffffff));
    const seen = new Set<number>();
    for (let a = 0; a < 20; a++) {
      for (let b = 0; b < 20; b++) {
        for (let c = 0; c < 20; c++) {
          const h = streamId(a, b, c);
          if (Number.isInteger(h) && h >= 0 && h < 2 ** 32) seen.add(h);
        }
      }
    }
    expect(seen.size).toBe(8000); // all in range and distinct; expected collisions ~ 8000^2 / 2^33 < 0.01
    expect(() => streamId(1.5)).toThrow(RangeError);
  });
});
