import { describe, expect, it } from 'vitest';
import {
  binomialInversion,
  buildConnectivity,
  multinomialRowLengths,
  connectivityBytes,
  drawDistribution,
  preferredOrientationsDeg,
  toDense,
  toIncoming,
  type Connectivity,
} from '../src/model/connectivity.js';
import type { ConnectorSpec, Distribution, ProjectionSpec } from '../src/model/spec.js';
import { RandomStream, logFactorial, rngDraw, rngUnit, streamId } from '../src/rng/philox.js';
import { STREAM_PURPOSE } from '../src/rng/streams.js';

const DT = 0.1;

function proj(connector: ConnectorSpec, weight: Distribution = 1, delay_ms?: Distribution): ProjectionSpec {
  return delay_ms === undefined
    ? { source: 'a', target: 'b', connector, weight }
    : { source: 'a', target: 'b', connector, weight, delay_ms };
}

function build(
  connector: ConnectorSpec,
  ns: number,
  nt: number,
  opts: { sameSource?: boolean; seed?: number; projectionIndex?: number; weight?: Distribution; delay?: Distribution } = {},
): Connectivity {
  return buildConnectivity(proj(connector, opts.weight ?? 1, opts.delay), { size: ns }, { size: nt }, {
    dtMs: DT,
    seed: opts.seed ?? 7,
    projectionIndex: opts.projectionIndex ?? 0,
    sameSource: opts.sameSource ?? false,
  });
}

/** Checks the CSR invariants of an outgoing connectivity. */
function checkStructure(c: Connectivity): void {
  expect(c.rowPtr.length).toBe(c.sourceSize + 1);
  expect(c.rowPtr[0]).toBe(0);
  expect(c.rowPtr[c.sourceSize]).toBe(c.nSynapses);
  expect(c.targets.length).toBe(c.nSynapses);
  expect(c.weights.length).toBe(c.nSynapses);
  for (let s = 0; s < c.sourceSize; s++) expect(c.rowPtr[s + 1]! >= c.rowPtr[s]!).toBe(true);
  let maxT = -1;
  for (let k = 0; k < c.nSynapses; k++) maxT = Math.max(maxT, c.targets[k]!);
  expect(maxT).toBeLessThan(c.targetSize);
  if (c.delaySteps) expect(c.delaySteps.length).toBe(c.nSynapses);
  expect(c.maxDelaySteps).toBeGreaterThanOrEqual(1);
}

function inDegrees(c: Connectivity): Float64Array {
  const d = new Float64Array(c.targetSize);
  for (let k = 0; k < c.nSynapses; k++) d[c.targets[k]!]!++;
  return d;
}

function meanVar(x: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  const mean = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i]! - mean) ** 2;
  return { mean, variance: v / (x.length - 1) };
}

function countAutapses(c: Connectivity): number {
  let n = 0;
  for (let s = 0; s < c.sourceSize; s++) {
    for (let k = c.rowPtr[s]!; k < c.rowPtr[s + 1]!; k++) if (c.targets[k] === s) n++;
  }
  return n;
}

describe('preferredOrientationsDeg', () => {
  it('spaces uniform orientations evenly over [0, 180)', () => {
    const o = preferredOrientationsDeg('uniform', 8, 1, 0);
    expect(Array.from(o)).toEqual([0, 22.5, 45, 67.5, 90, 112.5, 135, 157.5]);
  });

  it('draws random orientations with the documented formula', () => {
    const seed = 42;
    const o = preferredOrientationsDeg('random', 5000, seed, 3);
    const stream = streamId(STREAM_PURPOSE.preferredOrientation, 3);
    for (const i of [0, 1, 17, 4999]) {
      expect(o[i]).toBe(rngUnit(rngDraw(seed, stream, i, 0, 0, 0)[0]) * 180);
    }
    let min = Infinity;
    let max = -Infinity;
    for (const v of o) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(180);
    // Uniform on [0, 180): mean 90, std 180/√12 ≈ 51.96; 5 standard errors.
    const { mean, variance } = meanVar(o);
    expect(Math.abs(mean - 90)).toBeLessThan((5 * 51.96) / Math.sqrt(5000));
    expect(Math.sqrt(variance)).toBeCloseTo(51.96, 0);
    expect(preferredOrientationsDeg('random', 5000, seed, 4)).not.toEqual(o);
  });
});

describe('drawDistribution', () => {
  const rng = () => new RandomStream(3, 99);
  const n = 100_000;

  it('fills constants and clamps them to clipMin', () => {
    expect(Array.from(drawDistribution(0.5, 3, rng()))).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(drawDistribution(0.05, 2, rng(), 0.1))).toEqual([Math.fround(0.1), Math.fround(0.1)]);
  });

  it('draws normals with the requested mean and std', () => {
    const { mean, variance } = meanVar(drawDistribution({ normal: { mean: 87.8, std: 8.78 } }, n, rng()));
    expect(Math.abs(mean - 87.8)).toBeLessThan((5 * 8.78) / Math.sqrt(n));
    expect(Math.abs(Math.sqrt(variance) - 8.78)).toBeLessThan(5 * (8.78 / Math.sqrt(2 * n)));
  });

  it('redraws normals outside [min, max] (truncated normal)', () => {
    const x = drawDistribution({ normal: { mean: 0, std: 1 }, min: 0 }, n, rng());
    let min = Infinity;
    for (const v of x) min = Math.min(min, v);
    expect(min).toBeGreaterThanOrEqual(0);
    // Half-normal: mean √(2/π) ≈ 0.7979, std √(1 − 2/π) ≈ 0.6028.
    const { mean } = meanVar(x);
    expect(Math.abs(mean - Math.sqrt(2 / Math.PI))).toBeLessThan((5 * 0.6028) / Math.sqrt(n));
    const y = drawDistribution({ normal: { mean: 0, std: 1 }, min: -0.5, max: 0.5 }, 1000, rng());
    for (const v of y) expect(Math.abs(v)).toBeLessThanOrEqual(0.5);
  });

  it('draws uniforms on [low, high)', () => {
    const x = drawDistribution({ uniform: [2, 6] }, n, rng());
    let min = Infinity;
    let max = -Infinity;
    for (const v of x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(2);
    expect(max).toBeLessThanOrEqual(6);
    const { mean, variance } = meanVar(x);
    expect(Math.abs(mean - 4)).toBeLessThan((5 * (4 / Math.sqrt(12))) / Math.sqrt(n));
    expect(variance).toBeCloseTo(16 / 12, 1);
  });
});

describe('fixed_indegree', () => {
  it('gives every target exactly `indegree` sources, with multapses by default', () => {
    const c = build({ type: 'fixed_indegree', indegree: 50 }, 300, 400);
    checkStructure(c);
    expect(c.nSynapses).toBe(400 * 50);
    const inc = toIncoming(c);
    for (let t = 0; t < 400; t++) expect(inc.rowPtr[t + 1]! - inc.rowPtr[t]!).toBe(50);
    // Out-degree of each source ~ Binomial(20000, 1/300): mean 66.7, variance 66.4.
    const out = new Float64Array(300);
    for (let s = 0; s < 300; s++) out[s] = c.rowPtr[s + 1]! - c.rowPtr[s]!;
    const { mean, variance } = meanVar(out);
    expect(mean).toBeCloseTo(20000 / 300, 6);
    expect(variance / (20000 * (1 / 300) * (299 / 300))).toBeGreaterThan(0.7);
    expect(variance / (20000 * (1 / 300) * (299 / 300))).toBeLessThan(1.3);
  });

  it('never makes autapses when disabled on a recurrent projection', () => {
    const n = 200;
    const withAut = build({ type: 'fixed_indegree', indegree: 100 }, n, n, { sameSource: true });
    // With autapses: expected n·K/n = K self-connections (100), so some occur.
    expect(countAutapses(withAut)).toBeGreaterThan(50);
    const c = build({ type: 'fixed_indegree', indegree: 100, autapses: false }, n, n, { sameSource: true });
    checkStructure(c);
    expect(countAutapses(c)).toBe(0);
    const inc = toIncoming(c);
    for (let t = 0; t < n; t++) expect(inc.rowPtr[t + 1]! - inc.rowPtr[t]!).toBe(100);
    // Without autapses, sources stay uniform over the others: source n−1 is as frequent as 0.
    const out = new Float64Array(n);
    for (let s = 0; s < n; s++) out[s] = c.rowPtr[s + 1]! - c.rowPtr[s]!;
    expect(Math.abs(out[n - 1]! - 100)).toBeLessThan(5 * 10);
    expect(Math.abs(out[0]! - 100)).toBeLessThan(5 * 10);
  });

  it('draws distinct sources without multapses, even when indegree is most of the population', () => {
    for (const [k, autapses] of [
      [30, true],
      [95, true],
      [99, false],
      [60, false],
    ] as const) {
      const n = 100;
      const c = build({ type: 'fixed_indegree', indegree: k, multapses: false, autapses }, n, n, { sameSource: true });
      const inc = toIncoming(c);
      for (let t = 0; t < n; t++) {
        const row = inc.sources.subarray(inc.rowPtr[t]!, inc.rowPtr[t + 1]!);
        expect(row.length).toBe(k);
        expect(new Set(row).size).toBe(k);
        if (!autapses) expect(row.includes(t)).toBe(false);
      }
    }
    // All sources when indegree = size − 1 without autapses.
    const all = build({ type: 'fixed_indegree', indegree: 9, multapses: false, autapses: false }, 10, 10, { sameSource: true });
    expect(toDense(all).reduce((a, w) => a + w, 0)).toBe(90);
    expect(() => build({ type: 'fixed_indegree', indegree: 11, multapses: false }, 10, 10)).toThrow();
  });

  it('picks each source of a distinct set uniformly', () => {
    // 2000 targets × 25 distinct out of 50: each source chosen with probability 1/2 per target.
    const c = build({ type: 'fixed_indegree', indegree: 25, multapses: false }, 50, 2000);
    for (let s = 0; s < 50; s++) {
      const count = c.rowPtr[s + 1]! - c.rowPtr[s]!;
      expect(Math.abs(count - 1000)).toBeLessThan(5 * Math.sqrt(2000 * 0.25));
    }
  });
});

describe('fixed_probability', () => {
  it('has a synapse count within 5 standard errors and binomial in-degrees', () => {
    const ns = 1000;
    const nt = 1200;
    const p = 0.1;
    const c = build({ type: 'fixed_probability', p }, ns, nt);
    checkStructure(c);
    const mean = p * ns * nt;
    const se = Math.sqrt(ns * nt * p * (1 - p));
    expect(Math.abs(c.nSynapses - mean)).toBeLessThan(5 * se);
    // Per-target in-degree ~ Binomial(ns, p): mean ns·p, variance ns·p·(1−p).
    const deg = meanVar(inDegrees(c));
    const binVar = ns * p * (1 - p);
    expect(Math.abs(deg.mean - ns * p)).toBeLessThan((5 * Math.sqrt(binVar)) / Math.sqrt(nt));
    // Sample variance of nt draws has relative SE ≈ √(2/(nt−1)).
    expect(Math.abs(deg.variance / binVar - 1)).toBeLessThan(5 * Math.sqrt(2 / (nt - 1)));
    // Rows are in increasing target order and without duplicates.
    for (let s = 0; s < ns; s++) {
      for (let k = c.rowPtr[s]! + 1; k < c.rowPtr[s + 1]!; k++) expect(c.targets[k]! > c.targets[k - 1]!).toBe(true);
    }
  });

  it('handles autapses, p = 0 and p = 1', () => {
    const n = 500;
    const c = build({ type: 'fixed_probability', p: 0.3, autapses: false }, n, n, { sameSource: true });
    expect(countAutapses(c)).toBe(0);
    const pairs = n * (n - 1);
    expect(Math.abs(c.nSynapses - 0.3 * pairs)).toBeLessThan(5 * Math.sqrt(pairs * 0.21));
    expect(build({ type: 'fixed_probability', p: 0 }, 100, 100).nSynapses).toBe(0);
    const full = build({ type: 'fixed_probability', p: 1, autapses: false }, 40, 40, { sameSource: true });
    expect(full.nSynapses).toBe(40 * 39);
    expect(() => build({ type: 'fixed_probability', p: 1.5 }, 10, 10)).toThrow();
  });

  it('builds 3·10^3 × 3·10^3 at p = 0.1 (the CPU reference; the engine generates on the GPU)', () => {
    const t0 = performance.now();
    const c = build({ type: 'fixed_probability', p: 0.1 }, 3_000, 3_000);
    const ms = performance.now() - t0;
    console.log(`fixed_probability 3000×3000 p=0.1: ${c.nSynapses} synapses in ${ms.toFixed(0)} ms`);
    expect(Math.abs(c.nSynapses - 9e5)).toBeLessThan(5 * Math.sqrt(9e6 * 0.09));
  });
});

describe('fixed_total_number', () => {
  it('makes exactly n synapses with uniform sources and targets', () => {
    const c = build({ type: 'fixed_total_number', n: 60_000 }, 300, 200);
    checkStructure(c);
    expect(c.nSynapses).toBe(60_000);
    // Out-degree ~ Binomial(60000, 1/300) (mean 200), in-degree ~ Binomial(60000, 1/200) (mean 300).
    const out = new Float64Array(300);
    for (let s = 0; s < 300; s++) out[s] = c.rowPtr[s + 1]! - c.rowPtr[s]!;
    const outMV = meanVar(out);
    expect(outMV.variance / (60_000 * (1 / 300) * (299 / 300))).toBeGreaterThan(0.7);
    expect(outMV.variance / (60_000 * (1 / 300) * (299 / 300))).toBeLessThan(1.3);
    const inMV = meanVar(inDegrees(c));
    expect(inMV.mean).toBe(300);
    expect(inMV.variance / (60_000 * (1 / 200) * (199 / 200))).toBeGreaterThan(0.7);
    expect(inMV.variance / (60_000 * (1 / 200) * (199 / 200))).toBeLessThan(1.3);
  });

  it('avoids autapses when disabled', () => {
    const c = build({ type: 'fixed_total_number', n: 20_000, autapses: false }, 50, 50, { sameSource: true });
    expect(c.nSynapses).toBe(20_000);
    expect(countAutapses(c)).toBe(0);
  });
});

describe('one_to_one and all_to_all', () => {
  it('connects i to i', () => {
    const c = build({ type: 'one_to_one' }, 5, 5, { weight: 2 });
    expect(Array.from(c.rowPtr)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(c.targets)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(c.weights)).toEqual([2, 2, 2, 2, 2]);
    expect(() => build({ type: 'one_to_one' }, 5, 6)).toThrow();
  });

  it('connects every pair, skipping i→i only without autapses', () => {
    const c = build({ type: 'all_to_all' }, 4, 3);
    expect(c.nSynapses).toBe(12);
    expect(Array.from(c.targets.subarray(3, 6))).toEqual([0, 1, 2]);
    const r = build({ type: 'all_to_all', autapses: false }, 4, 4, { sameSource: true });
    expect(r.nSynapses).toBe(12);
    expect(countAutapses(r)).toBe(0);
    // autapses: false only matters when source and target are the same population.
    expect(build({ type: 'all_to_all', autapses: false }, 4, 4).nSynapses).toBe(16);
  });
});

describe('ring', () => {
  it('connects similar orientations more often, at the rate of the formula', () => {
    const n = 2000;
    const pMax = 0.5;
    const kappa = 2;
    const pref = preferredOrientationsDeg('uniform', n, 1, 0);
    const c = buildConnectivity(
      proj({ type: 'ring', p_max: pMax, kappa }),
      { size: n, preferredDeg: pref },
      { size: n, preferredDeg: pref },
      { dtMs: DT, seed: 11, projectionIndex: 2, sameSource: true },
    );
    checkStructure(c);
    const dense = toDense(c);
    const prob = (dDeg: number) => pMax * Math.exp(kappa * (Math.cos((2 * dDeg * Math.PI) / 180) - 1));
    // Bins |Δθ| ∈ [0, 5°) and [85°, 90°] (circular distance on the 180° ring).
    const bins = [
      { lo: 0, hi: 5, pairs: 0, hits: 0, expected: 0 },
      { lo: 85, hi: 90.0001, pairs: 0, hits: 0, expected: 0 },
    ];
    for (let t = 0; t < n; t++) {
      for (let s = 0; s < n; s++) {
        let d = Math.abs(pref[s]! - pref[t]!);
        if (d > 90) d = 180 - d;
        for (const b of bins) {
          if (d >= b.lo && d < b.hi) {
            b.pairs++;
            b.hits += dense[t * n + s]!;
            b.expected += prob(d);
          }
        }
      }
    }
    for (const b of bins) {
      const pMean = b.expected / b.pairs;
      const empirical = b.hits / b.pairs;
      const se = Math.sqrt((pMean * (1 - pMean)) / b.pairs);
      expect(Math.abs(empirical - pMean)).toBeLessThan(5 * se);
    }
    expect(bins[0]!.hits / bins[0]!.pairs).toBeGreaterThan(10 * (bins[1]!.hits / bins[1]!.pairs));
    // Total matches the mean of the formula over all pairs: p_max·e^{−κ}·I0(κ) ≈ 0.5·0.3085.
    const i0 = 2.2795853023360673; // I0(2)
    const pAll = pMax * Math.exp(-kappa) * i0;
    expect(Math.abs(c.nSynapses / (n * n) - pAll)).toBeLessThan(5 * Math.sqrt((pAll * (1 - pAll)) / (n * n)) + 1e-4);
  });

  it('accepts negative kappa (anti-tuned) and disables autapses', () => {
    const n = 400;
    const c = build({ type: 'ring', p_max: 0.2, kappa: -0.5, autapses: false }, n, n, { sameSource: true });
    expect(countAutapses(c)).toBe(0);
    // Mean over the ring of p_max·exp(κ(cos−1)) = p_max·e^{−κ}·I0(κ), I0(0.5) = 1.0634833707413236.
    const pAll = 0.2 * Math.exp(0.5) * 1.0634833707413236;
    const pairs = n * (n - 1);
    expect(Math.abs(c.nSynapses / pairs - pAll)).toBeLessThan(5 * Math.sqrt((pAll * (1 - pAll)) / pairs) + 1e-3);
  });
});

describe('weights and delays', () => {
  it('draws weights per synapse from the distribution', () => {
    const c = build({ type: 'fixed_indegree', indegree: 100 }, 1000, 1000, {
      weight: { normal: { mean: 87.8, std: 8.78 } },
    });
    const { mean, variance } = meanVar(c.weights);
    const n = c.nSynapses;
    expect(Math.abs(mean - 87.8)).toBeLessThan((5 * 8.78) / Math.sqrt(n));
    expect(Math.abs(Math.sqrt(variance) - 8.78)).toBeLessThan(5 * (8.78 / Math.sqrt(2 * n)));
    const u = build({ type: 'fixed_indegree', indegree: 10 }, 100, 100, { weight: { uniform: [-1, 1] } });
    expect(Math.abs(meanVar(u.weights).mean)).toBeLessThan(5 * (2 / Math.sqrt(12)) / Math.sqrt(1000));
  });

  it('rounds constant delays to steps, at least one, and stores no array', () => {
    const c = build({ type: 'fixed_indegree', indegree: 5 }, 20, 20, { delay: 1.26 });
    expect(c.delaySteps).toBeNull();
    expect(c.constantDelaySteps).toBe(13);
    expect(c.maxDelaySteps).toBe(13);
    expect(build({ type: 'one_to_one' }, 3, 3, { delay: 0.01 }).constantDelaySteps).toBe(1);
    expect(build({ type: 'one_to_one' }, 3, 3, { delay: 1.5 }).constantDelaySteps).toBe(15);
    const def = build({ type: 'one_to_one' }, 3, 3);
    expect(def.delaySteps).toBeNull();
    expect(def.constantDelaySteps).toBe(1);
    expect(def.maxDelaySteps).toBe(1);
  });

  it('draws delay distributions, clipped below at dt and rounded', () => {
    // PD14 excitatory delays: normal 1.5 ± 0.75 ms.
    const c = build({ type: 'fixed_indegree', indegree: 100 }, 1000, 1000, {
      delay: { normal: { mean: 1.5, std: 0.75 } },
    });
    const d = c.delaySteps!;
    expect(d).not.toBeNull();
    let min = Infinity;
    let max = 0;
    for (const v of d) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(1);
    expect(c.maxDelaySteps).toBe(max);
    expect(c.constantDelaySteps).toBe(max);
    // Truncated below at 0.1 ms (a = −1.867σ): mean shifts up by σ·φ(a)/(1 − Φ(a)) ≈ 0.0543 ms;
    // rounding to steps adds no bias. Mean in steps ≈ 15.54.
    const { mean, variance } = meanVar(d);
    expect(Math.abs(mean - 15.54)).toBeLessThan((5 * Math.sqrt(variance)) / Math.sqrt(d.length) + 0.02);

    // Uniform 1…2 ms: steps 10…20, end values half as frequent as the interior ones.
    const u = build({ type: 'fixed_indegree', indegree: 100 }, 500, 500, { delay: { uniform: [1, 2] } });
    const hist = new Float64Array(22);
    for (const v of u.delaySteps!) hist[v]!++;
    expect(hist[9]).toBe(0);
    expect(hist[21]).toBe(0);
    const n = u.nSynapses;
    expect(Math.abs(hist[15]! - n / 10)).toBeLessThan(5 * Math.sqrt(n / 10));
    expect(Math.abs(hist[10]! - n / 20)).toBeLessThan(5 * Math.sqrt(n / 20));
    expect(meanVar(u.delaySteps!).mean).toBeCloseTo(15, 1);

    // A uniform below dt is clipped to one step.
    const low = build({ type: 'fixed_indegree', indegree: 10 }, 50, 50, { delay: { uniform: [0, 0.14] } });
    for (const v of low.delaySteps ?? []) expect(v).toBe(1);
    expect(low.maxDelaySteps).toBe(1);
  });
});

describe('determinism', () => {
  const conn: ConnectorSpec = { type: 'fixed_probability', p: 0.05 };
  const opts = { weight: { normal: { mean: 1, std: 0.2 } }, delay: { uniform: [0.5, 2] as [number, number] } };

  it('reproduces the same arrays from the same seed and projection index', () => {
    const a = build(conn, 500, 400, { ...opts, seed: 5, projectionIndex: 1 });
    const b = build(conn, 500, 400, { ...opts, seed: 5, projectionIndex: 1 });
    expect(b.rowPtr).toEqual(a.rowPtr);
    expect(b.targets).toEqual(a.targets);
    expect(b.weights).toEqual(a.weights);
    expect(b.delaySteps).toEqual(a.delaySteps);
    for (const type of ['fixed_indegree', 'fixed_total_number'] as const) {
      const c: ConnectorSpec = type === 'fixed_indegree' ? { type, indegree: 20, multapses: false } : { type, n: 5000 };
      expect(build(c, 300, 300, { seed: 9 }).targets).toEqual(build(c, 300, 300, { seed: 9 }).targets);
    }
  });

  it('differs between projection indices and seeds', () => {
    const a = build(conn, 500, 400, { ...opts, seed: 5, projectionIndex: 1 });
    const b = build(conn, 500, 400, { ...opts, seed: 5, projectionIndex: 2 });
    const c = build(conn, 500, 400, { ...opts, seed: 6, projectionIndex: 1 });
    expect(b.targets).not.toEqual(a.targets);
    expect(b.weights.subarray(0, 100)).not.toEqual(a.weights.subarray(0, 100));
    expect(c.targets).not.toEqual(a.targets);
    const d = build({ type: 'fixed_indegree', indegree: 20 }, 300, 300, { projectionIndex: 0 });
    const e = build({ type: 'fixed_indegree', indegree: 20 }, 300, 300, { projectionIndex: 1 });
    expect(e.rowPtr).not.toEqual(d.rowPtr);
  });
});

describe('toIncoming and toDense', () => {
  it('transposes consistently and stably', () => {
    const c = build({ type: 'fixed_total_number', n: 30_000 }, 200, 150, {
      weight: { normal: { mean: 0, std: 1 } },
      delay: { uniform: [0.1, 3] },
    });
    const inc = toIncoming(c);
    expect(inc.rowPtr.length).toBe(151);
    expect(inc.rowPtr[150]).toBe(c.nSynapses);
    expect(inc.maxDelaySteps).toBe(c.maxDelaySteps);
    expect(inc.constantDelaySteps).toBe(c.constantDelaySteps);
    // Same multiset of (source, target, weight, delay); within a target row, sources ascend and
    // equal sources keep their outgoing order.
    const key = (s: number, t: number, w: number, d: number) => `${s},${t},${w},${d}`;
    const outKeys: string[] = [];
    for (let s = 0; s < c.sourceSize; s++) {
      for (let k = c.rowPtr[s]!; k < c.rowPtr[s + 1]!; k++) outKeys.push(key(s, c.targets[k]!, c.weights[k]!, c.delaySteps![k]!));
    }
    const inKeys: string[] = [];
    for (let t = 0; t < c.targetSize; t++) {
      for (let k = inc.rowPtr[t]!; k < inc.rowPtr[t + 1]!; k++) {
        inKeys.push(key(inc.sources[k]!, t, inc.weights[k]!, inc.delaySteps![k]!));
        if (k > inc.rowPtr[t]!) expect(inc.sources[k]! >= inc.sources[k - 1]!).toBe(true);
      }
    }
    expect(inKeys.sort()).toEqual(outKeys.sort());
    // Transposing a transpose (as outgoing) gives the original back.
    const back = toIncoming({
      sourceSize: c.targetSize,
      targetSize: c.sourceSize,
      nSynapses: c.nSynapses,
      rowPtr: inc.rowPtr,
      targets: inc.sources,
      weights: inc.weights,
      delaySteps: inc.delaySteps,
      constantDelaySteps: inc.constantDelaySteps,
      maxDelaySteps: inc.maxDelaySteps,
    });
    expect(back.rowPtr).toEqual(c.rowPtr);
    // Sorting by source within rows gives the same rows as the original (sorted per row).
    for (let s = 0; s < c.sourceSize; s++) {
      const a = Array.from(c.targets.subarray(c.rowPtr[s]!, c.rowPtr[s + 1]!)).sort((x, y) => x - y);
      const b = Array.from(back.sources.subarray(back.rowPtr[s]!, back.rowPtr[s + 1]!));
      expect(b).toEqual(a);
    }
    expect(toIncoming(build({ type: 'one_to_one' }, 3, 3)).delaySteps).toBeNull();
  });

  it('sums multapses into a target-major dense matrix', () => {
    const c = build({ type: 'fixed_total_number', n: 500 }, 4, 3, { weight: { uniform: [0, 1] } });
    const dense = toDense(c);
    expect(dense.length).toBe(12);
    const ref = new Float64Array(12);
    let total = 0;
    for (let s = 0; s < 4; s++) {
      for (let k = c.rowPtr[s]!; k < c.rowPtr[s + 1]!; k++) {
        ref[c.targets[k]! * 4 + s]! += c.weights[k]!;
        total += c.weights[k]!;
      }
    }
    for (let i = 0; i < 12; i++) expect(dense[i]).toBeCloseTo(ref[i]!, 3);
    expect(dense.reduce((a, w) => a + w, 0)).toBeCloseTo(total, 2);
    // all_to_all 2 → 3 fills the 3 × 2 matrix; one_to_one gives a diagonal.
    const a2a = build({ type: 'all_to_all' }, 2, 3, { weight: 0.5 });
    expect(Array.from(toDense(a2a))).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const oto = build({ type: 'one_to_one' }, 3, 3, { weight: 2 });
    expect(Array.from(toDense(oto))).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 2]);
  });

  it('counts bytes', () => {
    const c = build({ type: 'fixed_indegree', indegree: 10 }, 100, 100, { delay: { uniform: [0.1, 5] } });
    expect(connectivityBytes(c)).toBe(101 * 4 + 1000 * 4 * 3);
    expect(connectivityBytes(build({ type: 'fixed_indegree', indegree: 10 }, 100, 100))).toBe(101 * 4 + 1000 * 4 * 2);
  });
});

describe('Brunel-shaped build on the CPU reference (timing sanity)', () => {
  it('builds 2.5·10^6 synapses across 4 projections', () => {
    const nE = 4000;
    const nI = 1000;
    const pops = { E: nE, I: nI };
    const projections: [keyof typeof pops, keyof typeof pops, number][] = [
      ['E', 'E', 400],
      ['E', 'I', 400],
      ['I', 'E', 100],
      ['I', 'I', 100],
    ];
    const t0 = performance.now();
    let total = 0;
    let bytes = 0;
    projections.forEach(([src, tgt, k], i) => {
      const c = buildConnectivity(
        { source: src, target: tgt, connector: { type: 'fixed_indegree', indegree: k, autapses: false }, weight: 0.1, delay_ms: 1.5 },
        { size: pops[src] },
        { size: pops[tgt] },
        { dtMs: DT, seed: 1, projectionIndex: i, sameSource: src === tgt },
      );
      total += c.nSynapses;
      bytes += connectivityBytes(c);
    });
    const ms = performance.now() - t0;
    console.log(`Brunel connectivity: ${total} synapses, ${(bytes / 2 ** 20).toFixed(1)} MiB, built in ${ms.toFixed(0)} ms`);
    expect(total).toBe(2_500_000);
  }, 60_000);
});

describe('multinomial row lengths of fixed_total_number', () => {
  it('binomialInversion has the binomial mean, variance and pmf', () => {
    const n = 1000;
    const p = 0.3;
    const draws = 40_000;
    const hist = new Map<number, number>();
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < draws; i++) {
      const k = binomialInversion(n, p, rngUnit(rngDraw(5, 99, i, 0, 0, 0)[0]));
      sum += k;
      sq += k * k;
      hist.set(k, (hist.get(k) ?? 0) + 1);
    }
    const mean = sum / draws;
    const variance = sq / draws - mean * mean;
    expect(Math.abs(mean - n * p)).toBeLessThan(5 * Math.sqrt((n * p * (1 - p)) / draws));
    expect(Math.abs(variance / (n * p * (1 - p)) - 1)).toBeLessThan(0.05);
    // The mode's frequency against its probability.
    const mode = 300;
    const pmf = Math.exp(logFactorial(n) - logFactorial(mode) - logFactorial(n - mode) + mode * Math.log(p) + (n - mode) * Math.log(1 - p));
    expect(Math.abs((hist.get(mode) ?? 0) / draws - pmf)).toBeLessThan(5 * Math.sqrt(pmf / draws));
    expect(binomialInversion(10, 1, 0.5)).toBe(10);
    expect(binomialInversion(10, 0, 0.5)).toBe(0);
    expect(binomialInversion(10, 0.9, 0.999999)).toBeLessThanOrEqual(10);
  });

  it('sum to n with the multinomial variance n(1/N)(1 − 1/N) per row', () => {
    const rows = multinomialRowLengths(2_000_000, 500, 3, 7);
    expect(rows.reduce((a, b) => a + b, 0)).toBe(2_000_000);
    const { mean, variance } = meanVar(rows);
    expect(mean).toBe(4000);
    expect(Math.abs(variance / (2_000_000 * (1 / 500) * (1 - 1 / 500)) - 1)).toBeLessThan(0.2);
  });
});
