import { describe, expect, it } from 'vitest';
import { rateFromPopulationRate, spikeStatistics } from '../src/analysis/spike-statistics.js';
import type { PopulationRateRecording, SpikeRecording } from '../src/model/recording.js';

/** Small seeded generator (mulberry32) so that the synthetic trains are reproducible. */
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

/** A spike recording from (step, trial, neuron) triples, sorted as the engine sorts them. */
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

describe('spikeStatistics', () => {
  it('gives the exact rate and CV 0 for regular trains', () => {
    // 10 neurons × 2 trials, one spike every 200 steps (20 ms at dt 0.1 ms → 50 Hz), phases differ.
    const spikes: [number, number, number][] = [];
    for (let trial = 0; trial < 2; trial++) {
      for (let n = 0; n < 10; n++) {
        for (let step = n * 7 + trial; step < 30000; step += 200) spikes.push([step, trial, n]);
      }
    }
    const stats = spikeStatistics(recording(spikes, [...Array(10).keys()]), { dtMs: 0.1, batch: 2, fromStep: 10000, toStep: 30000, populationSize: 50 });
    expect(stats.rate_hz).toBeCloseTo(50, 10);
    expect(stats.cv_isi).toBe(0);
    expect(stats.size).toBe(50);
    expect(stats.n_recorded).toBe(10);
  });

  it('gives CV ≈ 1 and the right rate for exponential inter-spike intervals', () => {
    const random = uniformGenerator(12345);
    const dtMs = 0.1;
    const rateHz = 20;
    const durationMs = 100_000;
    const spikes: [number, number, number][] = [];
    const neurons = [3, 8, 20, 21];
    for (let trial = 0; trial < 2; trial++) {
      for (const n of neurons) {
        let t = 0;
        let lastStep = -1;
        for (;;) {
          t += (-Math.log(1 - random()) * 1000) / rateHz;
          const step = Math.floor(t / dtMs);
          if (step >= durationMs / dtMs) break;
          if (step === lastStep) continue; // at most one spike per step, as in the engine
          spikes.push([step, trial, n]);
          lastStep = step;
        }
      }
    }
    const stats = spikeStatistics(recording(spikes, neurons), { dtMs, batch: 2, fromStep: 0, toStep: durationMs / dtMs });
    expect(stats.rate_hz).toBeGreaterThan(19);
    expect(stats.rate_hz).toBeLessThan(21);
    expect(stats.cv_isi).not.toBeNull();
    expect(stats.cv_isi!).toBeGreaterThan(0.95);
    expect(stats.cv_isi!).toBeLessThan(1.05);
    expect(stats.size).toBe(4);
  });

  it('counts only spikes inside [fromStep, toStep) and pairs with at least 3 spikes', () => {
    const rec = recording([
      [5, 0, 0], [10, 0, 0], [20, 0, 0], [40, 0, 0], // neuron 0: ISIs in window 10, 20
      [12, 0, 1], [30, 0, 1], // neuron 1: only 2 spikes, no CV
      [15, 0, 7], // not a recorded neuron: ignored
      [100, 0, 0], // at toStep: outside
    ], [0, 1]);
    const stats = spikeStatistics(rec, { dtMs: 1, batch: 1, fromStep: 10, toStep: 100 });
    // 5 spikes of recorded neurons in [10, 100) over 2 neurons × 90 ms.
    expect(stats.rate_hz).toBeCloseTo(5 / (2 * 0.09), 10);
    // ISIs 10 and 20: mean 15, std (ddof 0) 5.
    expect(stats.cv_isi).toBeCloseTo(5 / 15, 12);
  });

  it('reports cv_isi null when no pair has 3 spikes, and rate 0 without spikes', () => {
    expect(spikeStatistics(recording([[1, 0, 0], [5, 0, 0]], [0]), { dtMs: 1, batch: 1, fromStep: 0, toStep: 10 }).cv_isi).toBeNull();
    const empty = spikeStatistics(recording([], [0, 1, 2]), { dtMs: 0.1, batch: 4, fromStep: 0, toStep: 1000 });
    expect(empty).toEqual({ size: 3, rate_hz: 0, cv_isi: null, n_recorded: 3 });
  });

  it('refuses an empty window or bad options', () => {
    const rec = recording([], [0]);
    expect(() => spikeStatistics(rec, { dtMs: 0.1, batch: 1, fromStep: 10, toStep: 10 })).toThrow(RangeError);
    expect(() => spikeStatistics(rec, { dtMs: 0, batch: 1, fromStep: 0, toStep: 10 })).toThrow(/dtMs/);
    expect(() => spikeStatistics(rec, { dtMs: 0.1, batch: 0, fromStep: 0, toStep: 10 })).toThrow(/batch/);
  });
});

describe('rateFromPopulationRate', () => {
  // 10 bins of 2 ms, batch 2: trial 0 has rate = bin index, trial 1 has 100.
  const values = new Float32Array(20);
  for (let bin = 0; bin < 10; bin++) {
    values[bin * 2] = bin;
    values[bin * 2 + 1] = 100;
  }
  const rec: PopulationRateRecording = { type: 'population_rate', firstTrial: 0, population: 'P', binMs: 2, unit: 'Hz', nTrials: 2, values };

  it('averages the complete bins inside the window over trials', () => {
    expect(rateFromPopulationRate(rec, 0, 20, 2)).toBeCloseTo((4.5 + 100) / 2, 10);
    // [4, 10) ms → bins 2, 3, 4.
    expect(rateFromPopulationRate(rec, 4, 10, 2)).toBeCloseTo((3 + 100) / 2, 10);
    // [3, 9) ms → only bins 2 and 3 ([4, 6) and [6, 8)) are complete.
    expect(rateFromPopulationRate(rec, 3, 9, 2)).toBeCloseTo((2.5 + 100) / 2, 10);
    // Windows beyond the recording are cut to it.
    expect(rateFromPopulationRate(rec, 16, 1000, 2)).toBeCloseTo((8.5 + 100) / 2, 10);
  });

  it('returns null when no complete bin lies in the window', () => {
    expect(rateFromPopulationRate(rec, 3, 5, 2)).toBeNull();
    expect(rateFromPopulationRate(rec, 30, 40, 2)).toBeNull();
  });
});
