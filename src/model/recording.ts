/**
 * Recorded data, backend-neutral: both the GPU engine and the CPU reference fill a
 * {@link RecordingCollector} chunk by chunk, and users read {@link Recording}s from it.
 * Arrays are trial-major (`[..., trial, neuron]`) so that rows are trials, as analysis expects.
 */
import type { NetworkPlan, RecorderPlan } from './plan.js';

/**
 * Every spike of the recorded neurons, sorted by (trial block, step, trial, neuron). Steps
 * count from the start of the spike's trial block (see `resetTrials`); trials are global.
 */
export interface SpikeRecording {
  readonly type: 'spikes';
  readonly population: string;
  /** Recorded neurons (indices into the population). */
  readonly neurons: Uint32Array;
  /** Step of each spike within its trial block (time = step · dt). */
  readonly steps: Uint32Array;
  /** Global trial of each spike (trial block offset + index in the batch). */
  readonly trials: Uint32Array;
  /** Neuron index in the population. */
  readonly senders: Uint32Array;
}

/**
 * Spike counts per window, trial and recorded neuron: `counts[(window · nTrials + trial) · nNeurons + k]`.
 * Windows are aligned to `startMs` of each trial block; trials are global (all blocks).
 */
export interface SpikeCountRecording {
  readonly type: 'spike_counts';
  readonly population: string;
  readonly neurons: Uint32Array;
  readonly windowMs: number;
  readonly startMs: number;
  readonly nWindows: number;
  /** Global trial of trial index 0 in `counts` (0 unless the recordings were cleared after trial blocks). */
  readonly firstTrial: number;
  /** Trials covered (blocks × batch). */
  readonly nTrials: number;
  readonly counts: Uint32Array;
}

/**
 * Samples of one state variable: `values[(sample · batch + b) · nNeurons + k]`, the sample's
 * trial b being global trial `sampleTrialOffset[sample] + b`; times restart with each trial block.
 */
export interface StateRecording {
  readonly type: 'state';
  readonly population: string;
  readonly variable: string;
  readonly neurons: Uint32Array;
  readonly timesMs: Float64Array;
  readonly sampleTrialOffset: Uint32Array;
  readonly values: Float32Array;
}

/**
 * Population rate per bin and trial, `values[bin · nTrials + trial]`: spikes/s per neuron for
 * spiking populations, the mean output for rate populations. Bins are aligned to the start of
 * each trial block; only bins complete in every block are kept.
 */
export interface PopulationRateRecording {
  readonly type: 'population_rate';
  readonly population: string;
  readonly binMs: number;
  readonly unit: 'Hz' | 'rate';
  /** Global trial of trial index 0 in `values` (0 unless the recordings were cleared after trial blocks). */
  readonly firstTrial: number;
  readonly nTrials: number;
  readonly values: Float32Array;
}

export type Recording = SpikeRecording | SpikeCountRecording | StateRecording | PopulationRateRecording;

/**
 * Mean of a batched state recording over the samples taken in [fromMs, toMs), per recorded neuron
 * and trial: the value of neuron k (in the recording's order) in trial b is at `k·batch + b`.
 * Zeros when no sample falls in the window.
 */
export function stateWindowMean(rec: StateRecording, batch: number, fromMs: number, toMs: number): Float64Array {
  const n = rec.neurons.length;
  const out = new Float64Array(n * batch);
  let count = 0;
  for (let s = 0; s < rec.timesMs.length; s++) {
    const t = rec.timesMs[s]!;
    if (t < fromMs || t >= toMs) continue;
    count++;
    for (let b = 0; b < batch; b++) for (let k = 0; k < n; k++) out[k * batch + b]! += rec.values[(s * batch + b) * n + k]!;
  }
  return out.map((v) => v / Math.max(1, count));
}

/**
 * The counts of `trials` consecutive trials starting at global trial `fromTrial` (for example the
 * current trial block, `sim.trialOffset`), as `[(window·trials + t)·neurons + i]`.
 * @throws RangeError when those trials are not all in the recording
 */
export function spikeCountsOfTrials(rec: SpikeCountRecording, fromTrial: number, trials: number): Uint32Array {
  const offset = fromTrial - rec.firstTrial;
  if (!(Number.isInteger(offset) && offset >= 0 && Number.isInteger(trials) && trials >= 0 && offset + trials <= rec.nTrials)) {
    throw new RangeError(`spike counts of ${rec.population}: trials ${fromTrial} … ${fromTrial + trials - 1} are not all recorded (recorded: ${rec.firstTrial} … ${rec.firstTrial + rec.nTrials - 1})`);
  }
  const size = rec.neurons.length;
  const out = new Uint32Array(rec.nWindows * trials * size);
  for (let w = 0; w < rec.nWindows; w++) out.set(rec.counts.subarray((w * rec.nTrials + offset) * size, (w * rec.nTrials + offset + trials) * size), w * trials * size);
  return out;
}

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
  /** spike_counts: counts by window, then global trial (one row of recorded neurons). */
  windows: Map<number, Map<number, Uint32Array>>;
  /** state: sample times, trial offsets and rows. */
  times: Growable<Float64Array>;
  sampleOffsets: Growable<Uint32Array>;
  values: Growable<Float32Array>;
  /** population_rate: per-step values (count or mean) per trial, per trial block. */
  perStep: Map<number, Growable<Float32Array>>;
}

/** Accumulates what recorders produce, in step order. */
export class RecordingCollector {
  private readonly stores: RecorderStore[];
  /** Position in the recorded-neuron list of each neuron, per recorder (−1: not recorded). */
  private readonly slot: Int32Array[];
  /** Global trial of batch index 0 in the current trial block. */
  private trialOffset = 0;
  /** Sort key of the current block for spikes (blocks are appended in order). */
  private trialsSeen = 0;

  /**
   * @param firstTrial lowest global trial the recordings will hold (a collector started after
   *   `clearRecordings()` in trial block k holds trials from that block on, so arrays indexed by
   *   trial do not grow with the number of blocks already discarded)
   */
  constructor(
    private readonly plan: NetworkPlan,
    private readonly firstTrial = 0,
  ) {
    this.trialOffset = firstTrial;
    this.stores = plan.recorders.map((r) => ({
      plan: r,
      steps: new Growable((n) => new Uint32Array(n)),
      trials: new Growable((n) => new Uint32Array(n)),
      senders: new Growable((n) => new Uint32Array(n)),
      windows: new Map(),
      times: new Growable((n) => new Float64Array(n)),
      sampleOffsets: new Growable((n) => new Uint32Array(n)),
      values: new Growable((n) => new Float32Array(n)),
      perStep: new Map(),
    }));
    this.slot = plan.recorders.map((r) => {
      const map = new Int32Array(plan.populations[r.population]!.size).fill(-1);
      r.neurons.forEach((n, k) => (map[n] = k));
      return map;
    });
  }

  /** Start a new trial block whose batch index 0 is global trial `trialOffset`. */
  startTrialBlock(trialOffset: number): void {
    this.trialOffset = trialOffset;
  }

  /** Number of global trials seen so far (max over blocks of offset + batch). */
  get trialCount(): number {
    return Math.max(this.trialsSeen, this.trialOffset + this.plan.batch);
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
      store.trials.pushOne((flats[i]! % batch) + this.trialOffset);
      store.senders.pushOne(Math.floor(flats[i]! / batch));
    }
    this.trialsSeen = this.trialCount;
  }

  /** Add spike counts of windows `firstWindow …`, layout `[window][recorded neuron][trial]` as on the GPU. */
  addWindowCounts(recorder: number, firstWindow: number, nWindows: number, counts: Uint32Array): void {
    const store = this.stores[recorder]!;
    const batch = this.plan.batch;
    const nRec = store.plan.neurons.length;
    for (let w = 0; w < nWindows; w++) {
      let byTrial = store.windows.get(firstWindow + w);
      if (!byTrial) {
        byTrial = new Map();
        store.windows.set(firstWindow + w, byTrial);
      }
      for (let b = 0; b < batch; b++) {
        let row = byTrial.get(b + this.trialOffset);
        if (!row) {
          row = new Uint32Array(nRec);
          byTrial.set(b + this.trialOffset, row);
        }
        for (let k = 0; k < nRec; k++) row[k]! += counts[(w * nRec + k) * batch + b]!;
      }
    }
    this.trialsSeen = this.trialCount;
  }

  /** Add one state sample (`[recorded neuron][trial]` as on the GPU) taken at `timeMs`. */
  addStateSample(recorder: number, timeMs: number, row: Float32Array): void {
    const store = this.stores[recorder]!;
    const batch = this.plan.batch;
    const nSel = store.plan.neurons.length;
    const out = new Float32Array(row.length);
    for (let k = 0; k < nSel; k++) for (let b = 0; b < batch; b++) out[b * nSel + k] = row[k * batch + b]!;
    store.times.pushOne(timeMs);
    store.sampleOffsets.pushOne(this.trialOffset);
    store.values.push(out);
    this.trialsSeen = this.trialCount;
  }

  /** Add per-step population values (spike counts or mean outputs) for consecutive steps, `[step][trial]`. */
  addPopulationSteps(recorder: number, values: ArrayLike<number>): void {
    const blocks = this.stores[recorder]!.perStep;
    let block = blocks.get(this.trialOffset);
    if (!block) {
      block = new Growable((n) => new Float32Array(n));
      blocks.set(this.trialOffset, block);
    }
    block.push(values);
    this.trialsSeen = this.trialCount;
  }

  /** Whether neuron `n` is recorded by recorder `recorder`. */
  isRecorded(recorder: number, n: number): boolean {
    return this.slot[recorder]![n]! >= 0;
  }

  /** Position of neuron `n` in the recorder's neuron list, or −1 when it is not recorded. */
  recordedSlot(recorder: number, n: number): number {
    return this.slot[recorder]![n]!;
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
          const first = this.firstTrial;
          const nTrials = this.trialCount - first;
          const counts = new Uint32Array(nWindows * nTrials * nRec);
          for (const [w, byTrial] of store.windows) {
            for (const [trial, row] of byTrial) counts.set(row, (w * nTrials + trial - first) * nRec);
          }
          return { type: 'spike_counts', population: pop.name, neurons: r.neurons, windowMs: r.windowSteps * dt, startMs: r.startStep * dt, nWindows, firstTrial: first, nTrials, counts };
        }
        case 'state':
          return { type: 'state', population: pop.name, variable: r.spec.variable, neurons: r.neurons, timesMs: store.times.view(), sampleTrialOffset: store.sampleOffsets.view(), values: store.values.view() };
        case 'population_rate': {
          const first = this.firstTrial;
          const nTrials = this.trialCount - first;
          const blocks = [...store.perStep.entries()];
          const nBins = blocks.length === 0 ? 0 : Math.min(...blocks.map(([, g]) => Math.floor(g.length / batch / r.binSteps)));
          const values = new Float32Array(nBins * nTrials);
          const spiking = pop.model.kind !== 'rate';
          // Spike counts → spikes/s per neuron; rate outputs → mean over the bin.
          const scale = spiking ? 1000 / (pop.size * r.binSteps * dt) : 1 / r.binSteps;
          for (const [offset, growable] of blocks) {
            const perStep = growable.view();
            for (let bin = 0; bin < nBins; bin++) {
              for (let b = 0; b < batch; b++) {
                let sum = 0;
                for (let s = 0; s < r.binSteps; s++) sum += perStep[(bin * r.binSteps + s) * batch + b]!;
                values[bin * nTrials + offset - first + b] = sum * scale;
              }
            }
          }
          return { type: 'population_rate', population: pop.name, binMs: r.binSteps * dt, unit: spiking ? 'Hz' : 'rate', firstTrial: first, nTrials, values };
        }
      }
    });
  }
}
