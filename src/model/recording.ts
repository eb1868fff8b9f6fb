/**
 * Recorded data, backend-neutral: both the GPU engine and the CPU reference fill a
 * {@link RecordingCollector} chunk by chunk, and users read {@link Recording}s from it.
 * Arrays are trial-major (`[..., trial, neuron]`) so that rows are trials, as analysis expects.
 */
import type { NetworkPlan, RecorderPlan } from './plan.js';

/** Every spike of the recorded neurons, sorted by (step, trial, neuron). */
export interface SpikeRecording {
  readonly type: 'spikes';
  readonly population: string;
  /** Recorded neurons (indices into the population). */
  readonly neurons: Uint32Array;
  /** Step of each spike (time = step · dt). */
  readonly steps: Uint32Array;
  readonly trials: Uint32Array;
  /** Neuron index in the population. */
  readonly senders: Uint32Array;
}

/** Spike counts per window, trial and recorded neuron: `counts[(window · batch + trial) · nNeurons + k]`. */
export interface SpikeCountRecording {
  readonly type: 'spike_counts';
  readonly population: string;
  readonly neurons: Uint32Array;
  readonly windowMs: number;
  readonly startMs: number;
  readonly nWindows: number;
  readonly counts: Uint32Array;
}

/** Samples of one state variable: `values[(sample · batch + trial) · nNeurons + k]`. */
export interface StateRecording {
  readonly type: 'state';
  readonly population: string;
  readonly variable: string;
  readonly neurons: Uint32Array;
  readonly timesMs: Float64Array;
  readonly values: Float32Array;
}

/**
 * Population rate per bin and trial, `values[bin · batch + trial]`: spikes/s per neuron for
 * spiking populations, the mean output for rate populations. Only complete bins are kept.
 */
export interface PopulationRateRecording {
  readonly type: 'population_rate';
  readonly population: string;
  readonly binMs: number;
  readonly unit: 'Hz' | 'rate';
  readonly values: Float32Array;
}

export type Recording = SpikeRecording | SpikeCountRecording | StateRecording | PopulationRateRecording;

/** Growable typed array. */
class Growable<T extends Uint32Array | Float32Array | Float64Array> {
  private data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  push(values: ArrayLike<number>): void {
    this.reserve(values.length);
    this.data.set(values, this.length);
    this.length += values.length;
  }
  pushOne(value: number): void {
    this.reserve(1);
    this.data[this.length++] = value;
  }
  private reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    let size = this.data.length;
    while (size < this.length + extra) size *= 2;
    const next = this.make(size);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

interface RecorderStore {
  plan: RecorderPlan;
  steps: Growable<Uint32Array>;
  trials: Growable<Uint32Array>;
  senders: Growable<Uint32Array>;
  /** spike_counts: counts by absolute window, trial-major rows. */
  windows: Map<number, Uint32Array>;
  /** state: sample times and rows. */
  times: Growable<Float64Array>;
  values: Growable<Float32Array>;
  /** population_rate: per-step values (count or mean) per trial. */
  perStep: Growable<Float32Array>;
}

/** Accumulates what recorders produce, in step order. */
export class RecordingCollector {
  private readonly stores: RecorderStore[];
  /** Position in the recorded-neuron list of each neuron, per recorder (spikes only). */
  private readonly slot: Int32Array[];

  constructor(private readonly plan: NetworkPlan) {
    this.stores = plan.recorders.map((r) => ({
      plan: r,
      steps: new Growable((n) => new Uint32Array(n)),
      trials: new Growable((n) => new Uint32Array(n)),
      senders: new Growable((n) => new Uint32Array(n)),
      windows: new Map(),
      times: new Growable((n) => new Float64Array(n)),
      values: new Growable((n) => new Float32Array(n)),
      perStep: new Growable((n) => new Float32Array(n)),
    }));
    this.slot = plan.recorders.map((r) => {
      const map = new Int32Array(plan.populations[r.population]!.size).fill(-1);
      r.neurons.forEach((n, k) => (map[n] = k));
      return map;
    });
  }

  /**
   * Add spikes of one recorder, given as flat ids `neuron·batch + trial` with their steps, in
   * any order within a step; they are sorted by (step, trial, neuron).
   */
  addSpikes(recorder: number, steps: Uint32Array, flats: Uint32Array): void {
    const store = this.stores[recorder]!;
    const batch = this.plan.batch;
    const order = Array.from({ length: steps.length }, (_, i) => i);
    const key = (i: number): number => {
      const flat = flats[i]!;
      return (flat % batch) * 2 ** 26 + Math.floor(flat / batch);
    };
    order.sort((a, b) => steps[a]! - steps[b]! || key(a) - key(b));
    for (const i of order) {
      store.steps.pushOne(steps[i]!);
      store.trials.pushOne(flats[i]! % batch);
      store.senders.pushOne(Math.floor(flats[i]! / batch));
    }
  }

  /** Add spike counts of windows `firstWindow …`, layout `[window][recorded neuron][trial]` as on the GPU. */
  addWindowCounts(recorder: number, firstWindow: number, nWindows: number, counts: Uint32Array): void {
    const store = this.stores[recorder]!;
    const batch = this.plan.batch;
    const nRec = store.plan.neurons.length;
    for (let w = 0; w < nWindows; w++) {
      let rows = store.windows.get(firstWindow + w);
      if (!rows) {
        rows = new Uint32Array(batch * nRec);
        store.windows.set(firstWindow + w, rows);
      }
      for (let k = 0; k < nRec; k++) {
        for (let b = 0; b < batch; b++) rows[b * nRec + k]! += counts[(w * nRec + k) * batch + b]!;
      }
    }
  }

  /** Add one state sample (`[recorded neuron][trial]` as on the GPU) taken at `timeMs`. */
  addStateSample(recorder: number, timeMs: number, row: Float32Array): void {
    const store = this.stores[recorder]!;
    const batch = this.plan.batch;
    const nSel = store.plan.neurons.length;
    const out = new Float32Array(row.length);
    for (let k = 0; k < nSel; k++) for (let b = 0; b < batch; b++) out[b * nSel + k] = row[k * batch + b]!;
    store.times.pushOne(timeMs);
    store.values.push(out);
  }

  /** Add per-step population values (spike counts or mean outputs) for consecutive steps, `[step][trial]`. */
  addPopulationSteps(recorder: number, values: ArrayLike<number>): void {
    this.stores[recorder]!.perStep.push(values);
  }

  /** Whether neuron `n` is recorded by spike recorder `recorder`. */
  isRecorded(recorder: number, n: number): boolean {
    return this.slot[recorder]![n]! >= 0;
  }

  /** The recordings so far, one per recorder in spec order. */
  recordings(): Recording[] {
    const batch = this.plan.batch;
    const dt = this.plan.dtMs;
    return this.stores.map((store): Recording => {
      const r = store.plan;
      const pop = this.plan.populations[r.population]!;
      switch (r.spec.type) {
        case 'spikes':
          return { type: 'spikes', population: pop.name, neurons: r.neurons, steps: store.steps.view(), trials: store.trials.view(), senders: store.senders.view() };
        case 'spike_counts': {
          const indices = [...store.windows.keys()];
          const nWindows = indices.length === 0 ? 0 : Math.max(...indices) + 1;
          const nRec = r.neurons.length;
          const counts = new Uint32Array(nWindows * batch * nRec);
          for (const [w, rows] of store.windows) counts.set(rows, w * batch * nRec);
          return { type: 'spike_counts', population: pop.name, neurons: r.neurons, windowMs: r.windowSteps * dt, startMs: r.startStep * dt, nWindows, counts };
        }
        case 'state':
          return { type: 'state', population: pop.name, variable: r.spec.variable, neurons: r.neurons, timesMs: store.times.view(), values: store.values.view() };
        case 'population_rate': {
          const perStep = store.perStep.view();
          const nSteps = perStep.length / batch;
          const nBins = Math.floor(nSteps / r.binSteps);
          const values = new Float32Array(nBins * batch);
          const spiking = pop.model.kind !== 'rate';
          // Spike counts → spikes/s per neuron; rate outputs → mean over the bin.
          const scale = spiking ? 1000 / (pop.size * r.binSteps * dt) : 1 / r.binSteps;
          for (let bin = 0; bin < nBins; bin++) {
            for (let b = 0; b < batch; b++) {
              let sum = 0;
              for (let s = 0; s < r.binSteps; s++) sum += perStep[(bin * r.binSteps + s) * batch + b]!;
              values[bin * batch + b] = sum * scale;
            }
          }
          return { type: 'population_rate', population: pop.name, binMs: r.binSteps * dt, unit: spiking ? 'Hz' : 'rate', values };
        }
      }
    });
  }
}
