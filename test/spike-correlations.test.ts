import { describe, expect, it } from 'vitest';
import { binSpikeCounts, pairwiseCorrelations, spikeCountCorrelations, summarizeCorrelations } from '../src/analysis/spike-correlations.js';
import type { SpikeRecording } from '../src/model/recording.js';

/** Small seeded generator (mulberry32). */
function uniformGenerator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A spike recording from (step, trial, neuron) triples. */
function recording(spikes: [number, number, number][], neurons: number[]): SpikeRecording {
  spikes.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return {
    type: 'spikes',
    population: 'P',
    neurons: Uint32Array.from(neurons),
    steps: Uint32Array.from(spikes.map((s) => s[0])),
    trials: Uint32Array.from(spikes.map((s) => s[1])),
    senders: Uint32Array.from(spikes.map((s) => s[2])),
  };
}

/**
 * Float64 reference for integer counts: r = (n Σxy − Σx Σy) / √((n Σx² − (Σx)²)(n Σy² − (Σy)²)),
 * every sum and both brackets exact in BigInt, one rounding per factor before the division.
 */
function exactCorrelation(x: readonly number[], y: readonly number[]): number {
  const n = BigInt(x.length);
  let sx = 0n, sy = 0n, sxx = 0n, syy = 0n, sxy = 0n;
  for (let b = 0; b < x.length; b++) {
    const xb = BigInt(x[b]!), yb = BigInt(y[b]!);
    sx += xb; sy += yb; sxx += xb * xb; syy += yb * yb; sxy += xb * yb;
  }
  const vx = n * sxx - sx * sx;
  const vy = n * syy - sy * sy;
  if (vx === 0n || vy === 0n) return Number.NaN;
  return Number(n * sxy - sx * sy) / Math.sqrt(Number(vx) * Number(vy));
}

describe('pairwise spike-count correlations', () => {
  it('agree with an exact-integer float64 reference on random counts', () => {
    const random = uniformGenerator(7);
    const nRows = 40;
    const nCols = 200;
    const rows: number[][] = [];
    const shared = Array.from({ length: nCols }, () => (random() < 0.2 ? 1 : 0));
    for (let i = 0; i < nRows; i++) {
      // Counts 0…4, some rows sharing a common component so that correlations are not all ≈ 0.
      rows.push(Array.from({ length: nCols }, (_, b) => Math.floor(random() * 3) + (i % 3 === 0 ? 2 * shared[b]! : 0)));
    }
    rows[5] = new Array<number>(nCols).fill(0); // a silent neuron
    rows[6] = rows[3]!.slice(); // an identical pair
    const cc = pairwiseCorrelations(rows.flat(), nRows, nCols);
    expect(cc.length).toBe((nRows * (nRows - 1)) / 2);
    let k = 0;
    let maxError = 0;
    for (let i = 0; i < nRows; i++) {
      for (let j = i + 1; j < nRows; j++, k++) {
        const reference = exactCorrelation(rows[i]!, rows[j]!);
        if (Number.isNaN(reference)) {
          expect(cc[k]).toBeNaN();
          continue;
        }
        maxError = Math.max(maxError, Math.abs(cc[k]! - reference));
      }
    }
    expect(maxError).toBeLessThan(1e-13);
    expect(cc[3 * nRows - (3 * 4) / 2 + (6 - 3 - 1)]).toBeCloseTo(1, 14); // pair (3, 6)
    const summary = summarizeCorrelations(cc);
    expect(summary.n_pairs).toBe(780);
    expect(summary.n_defined).toBe(780 - 39); // the silent row pairs with all 39 others
    expect(summary.mean).toBeGreaterThan(0.05);
  });

  it('equal numpy.corrcoef on a small matrix (NaN for a silent row)', () => {
    const x = [
      [0, 1, 0, 2, 1, 0, 0, 3, 1, 0],
      [1, 1, 0, 1, 2, 0, 1, 2, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      [2, 0, 1, 0, 0, 1, 2, 0, 0, 1],
      [0, 1, 0, 2, 1, 0, 0, 3, 1, 0],
    ];
    // numpy 2.4: np.corrcoef(x)[np.triu_indices(5, 1)]
    const numpy = [0.627376434428478, NaN, -0.7317917228850432, 1.0, NaN, -0.27375436433166195, 0.627376434428478, NaN, NaN, -0.7317917228850432];
    const cc = pairwiseCorrelations(x.flat(), 5, 10);
    numpy.forEach((v, k) => (Number.isNaN(v) ? expect(cc[k]).toBeNaN() : expect(cc[k]).toBeCloseTo(v, 14)));
    const summary = summarizeCorrelations(cc);
    expect(summary.n_defined).toBe(6);
    const defined = numpy.filter((v) => !Number.isNaN(v));
    const mean = defined.reduce((a, b) => a + b, 0) / 6;
    expect(summary.mean).toBeCloseTo(mean, 14);
    expect(summary.sd).toBeCloseTo(Math.sqrt(defined.reduce((a, v) => a + (v - mean) ** 2, 0) / 6), 14);
    expect(summarizeCorrelations(new Float64Array([NaN]))).toEqual({ n_pairs: 1, n_defined: 0, mean: null, sd: null });
    expect(() => pairwiseCorrelations([1, 2, 3], 2, 2)).toThrow(RangeError);
  });

  it('bin spikes of one trial in whole bins of the window', () => {
    const rec = recording([
      [99, 0, 3], // before the window
      [100, 0, 3], [149, 0, 3], [150, 0, 3], // bins 0, 0, 1
      [120, 1, 3], // another trial
      [160, 0, 7], [299, 0, 7], // bin 1, bin 3
      [300, 0, 7], // after the last whole bin (window ends at 320, bins end at 300)
      [200, 0, 9], // not counted: not in the neuron list
    ], [3, 7, 9]);
    const binned = binSpikeCounts(rec, { fromStep: 100, toStep: 320, binSteps: 50, neurons: [7, 3] });
    expect(binned.nBins).toBe(4);
    expect([...binned.neurons]).toEqual([7, 3]);
    expect([...binned.counts]).toEqual([0, 1, 0, 1, 2, 1, 0, 0]);
    expect([...binSpikeCounts(rec, { fromStep: 100, toStep: 320, binSteps: 50, trial: 1, neurons: [3] }).counts]).toEqual([1, 0, 0, 0]);
    expect(() => binSpikeCounts(rec, { fromStep: 100, toStep: 120, binSteps: 50 })).toThrow(/no whole bin/);
    expect(() => binSpikeCounts(rec, { fromStep: 0, toStep: 100, binSteps: 10, neurons: [3, 3] })).toThrow(/twice/);
  });

  it('correlate a spike recording: identical trains give 1, bins must be whole steps', () => {
    const random = uniformGenerator(3);
    const spikes: [number, number, number][] = [];
    for (let step = 0; step < 10000; step++) {
      if (random() < 0.01) spikes.push([step, 0, 0], [step, 0, 1]);
      if (random() < 0.01) spikes.push([step, 0, 2]);
    }
    const rec = recording(spikes, [0, 1, 2, 3]);
    const c = spikeCountCorrelations(rec, { dtMs: 0.1, binMs: 5, fromStep: 0, toStep: 10000 });
    expect(c).toMatchObject({ bin_ms: 5, n_bins: 200, n_neurons: 4, n_pairs: 6, n_defined: 3 }); // neuron 3 is silent
    expect(c.coefficients[0]).toBeCloseTo(1, 12);
    expect(Math.abs(c.coefficients[1]!)).toBeLessThan(0.3);
    expect(() => spikeCountCorrelations(rec, { dtMs: 0.1, binMs: 0.25, fromStep: 0, toStep: 10000 })).toThrow(/whole number of steps/);
  });
});
