/**
 * Summary statistics of recorded spike trains: mean firing rate and irregularity (coefficient
 * of variation of inter-spike intervals), per population, over a time window. These are the
 * quantities by which spiking network models such as PD14 are compared across simulators.
 */
import type { PopulationRateRecording, SpikeRecording } from '../model/recording.js';

/** Rate and irregularity of one population over a window. */
export interface PopulationStatistics {
  /** Number of neurons in the population (not only the recorded ones). */
  size: number;
  /** Mean firing rate over recorded neurons and trials, spikes/s (Hz), ≥ 0. */
  rate_hz: number;
  /**
   * Mean over (neuron, trial) pairs with at least 3 spikes in the window of the CV of their
   * inter-spike intervals (population standard deviation / mean, dimensionless, ≥ 0; 0 for a
   * perfectly regular train, ≈ 1 for a Poisson train); null when no pair has 3 spikes.
   */
  cv_isi: number | null;
  /** Number of recorded neurons the statistics are computed from. */
  n_recorded: number;
}

/** Options of {@link spikeStatistics}. */
export interface SpikeStatisticsOptions {
  /** Integration step of the recording, ms, > 0. */
  readonly dtMs: number;
  /** Number of trials in the recording (the network's batch), ≥ 1. */
  readonly batch: number;
  /** First step of the window (inclusive), ≥ 0. */
  readonly fromStep: number;
  /** End of the window (exclusive), > fromStep. */
  readonly toStep: number;
  /** Number of neurons in the population, reported as `size`; defaults to the recorded count. */
  readonly populationSize?: number;
}

/**
 * Mean firing rate and mean CV of inter-spike intervals of a spike recording over the steps
 * `[fromStep, toStep)`.
 *
 * The rate is the number of spikes in the window divided by (recorded neurons × batch × window
 * length in s). The CV of a (neuron, trial) pair uses the intervals between its consecutive
 * spikes inside the window (standard deviation with divisor n, i.e. ddof = 0, over the mean);
 * only pairs with at least 3 spikes (2 intervals) count.
 *
 * @throws RangeError when dtMs, batch or the window are invalid
 */
export function spikeStatistics(rec: SpikeRecording, options: SpikeStatisticsOptions): PopulationStatistics {
  const { dtMs, batch, fromStep, toStep } = options;
  if (!(dtMs > 0) || !Number.isFinite(dtMs)) throw new RangeError(`spikeStatistics: dtMs must be a positive number of ms (got ${dtMs})`);
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`spikeStatistics: batch must be an integer >= 1 (got ${batch})`);
  if (!Number.isInteger(fromStep) || !Number.isInteger(toStep) || fromStep < 0 || toStep <= fromStep) {
    throw new RangeError(`spikeStatistics: the window [fromStep, toStep) must be non-empty integer steps >= 0 (got [${fromStep}, ${toStep}))`);
  }
  const trains = groupSpikeTrains(rec, { batch, fromStep, toStep });
  return groupedTrainStatistics(trains, interspikeIntervalCvs(trains), {
    dtMs,
    windowSteps: toStep - fromStep,
    size: options.populationSize ?? trains.nRecorded,
  });
}

/**
 * {@link spikeStatistics} of trains already grouped by {@link groupSpikeTrains}, for callers that
 * also use the trains (e.g. for ISI histograms) and so group them once.
 *
 * @param trains the grouped spikes of the window
 * @param cvs `interspikeIntervalCvs(trains)`
 * @param window `dtMs` (ms, > 0), `windowSteps` (toStep − fromStep of the grouping) and `size`
 *   (neurons in the population, reported as `size`)
 */
export function groupedTrainStatistics(
  trains: GroupedSpikeTrains,
  cvs: Float64Array,
  window: { readonly dtMs: number; readonly windowSteps: number; readonly size: number },
): PopulationStatistics {
  const { nRecorded, batch } = trains;
  const { size } = window;
  if (nRecorded === 0) return { size, rate_hz: 0, cv_isi: null, n_recorded: 0 };
  const durationS = (window.windowSteps * window.dtMs) / 1000;
  const rate = trains.steps.length / (nRecorded * batch * durationS);
  let cvSum = 0;
  for (const cv of cvs) cvSum += cv;
  return { size, rate_hz: rate, cv_isi: cvs.length > 0 ? cvSum / cvs.length : null, n_recorded: nRecorded };
}

/**
 * Spike trains of a recording grouped by (trial, recorded neuron) pair: the steps of pair
 * `p = trial · nRecorded + k` (k: position of the neuron in `rec.neurons`) are
 * `steps[offsets[p] … offsets[p + 1])`, sorted. Spikes of neurons that are not in `rec.neurons`,
 * of trials ≥ `batch` or outside the window are left out.
 */
export interface GroupedSpikeTrains {
  /** Number of recorded neurons (`rec.neurons.length`). */
  readonly nRecorded: number;
  /** Number of trials, ≥ 1. */
  readonly batch: number;
  /** Start of each pair's spikes in `steps`; length `batch · nRecorded + 1`. */
  readonly offsets: Uint32Array;
  /** Spike steps grouped by pair, each group sorted ascending. */
  readonly steps: Uint32Array;
}

/** Which spikes {@link groupSpikeTrains} keeps: trials `[0, batch)` and steps `[fromStep, toStep)`. */
export interface SpikeTrainWindow {
  /** Number of trials, integer ≥ 1. */
  readonly batch: number;
  /** First step (inclusive), integer ≥ 0. */
  readonly fromStep: number;
  /** End step (exclusive), integer > fromStep. */
  readonly toStep: number;
}

/**
 * Group the spikes of a recording inside a window by (trial, recorded neuron); the building
 * block of {@link spikeStatistics}, {@link interspikeIntervalsMs} and {@link interspikeIntervalCvs}.
 *
 * @throws RangeError when batch or the window are invalid
 */
export function groupSpikeTrains(rec: SpikeRecording, window: SpikeTrainWindow): GroupedSpikeTrains {
  const { batch, fromStep, toStep } = window;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`groupSpikeTrains: batch must be an integer >= 1 (got ${batch})`);
  if (!Number.isInteger(fromStep) || !Number.isInteger(toStep) || fromStep < 0 || toStep <= fromStep) {
    throw new RangeError(`groupSpikeTrains: the window [fromStep, toStep) must be non-empty integer steps >= 0 (got [${fromStep}, ${toStep}))`);
  }
  const nRecorded = rec.neurons.length;
  const pairs = batch * nRecorded;
  if (nRecorded === 0) return { nRecorded, batch, offsets: new Uint32Array(1), steps: new Uint32Array(0) };

  // Slot of each recorded neuron, so that a (trial, slot) pair indexes a flat array.
  let maxNeuron = 0;
  for (const n of rec.neurons) if (n > maxNeuron) maxNeuron = n;
  const slotOf = new Int32Array(maxNeuron + 1).fill(-1);
  rec.neurons.forEach((n, k) => (slotOf[n] = k));
  const pairOf = (i: number): number => {
    const step = rec.steps[i]!;
    if (step < fromStep || step >= toStep || rec.trials[i]! >= batch) return -1;
    const sender = rec.senders[i]!;
    const slot = sender <= maxNeuron ? slotOf[sender]! : -1;
    return slot < 0 ? -1 : rec.trials[i]! * nRecorded + slot;
  };

  // Pass 1: spikes per pair in the window.
  const counts = new Uint32Array(pairs);
  let total = 0;
  for (let i = 0; i < rec.steps.length; i++) {
    const pair = pairOf(i);
    if (pair < 0) continue;
    counts[pair]!++;
    total++;
  }
  // Pass 2: spike steps grouped by pair (recordings are sorted by step, so each group is sorted).
  const offsets = new Uint32Array(pairs + 1);
  for (let p = 0; p < pairs; p++) offsets[p + 1] = offsets[p]! + counts[p]!;
  const fill = offsets.slice(0, pairs);
  const steps = new Uint32Array(total);
  for (let i = 0; i < rec.steps.length; i++) {
    const pair = pairOf(i);
    if (pair >= 0) steps[fill[pair]!++] = rec.steps[i]!;
  }
  // Already sorted for engine recordings; cheap insurance for hand-made ones.
  for (let p = 0; p < pairs; p++) steps.subarray(offsets[p]!, offsets[p + 1]!).sort();
  return { nRecorded, batch, offsets, steps };
}

/**
 * CV of the inter-spike intervals of every (trial, neuron) pair with at least 3 spikes
 * (2 intervals) and a positive mean interval: population standard deviation (ddof = 0) over the
 * mean, dimensionless, ≥ 0; in pair order. Their mean is `cv_isi` of {@link spikeStatistics}.
 */
export function interspikeIntervalCvs(trains: GroupedSpikeTrains): Float64Array {
  const pairs = trains.offsets.length - 1;
  const cvs: number[] = [];
  for (let p = 0; p < pairs; p++) {
    const begin = trains.offsets[p]!;
    const end = trains.offsets[p + 1]!;
    if (end - begin < 3) continue;
    const steps = trains.steps.subarray(begin, end);
    const n = end - begin - 1;
    let mean = 0;
    for (let k = 1; k <= n; k++) mean += steps[k]! - steps[k - 1]!;
    mean /= n;
    let variance = 0;
    for (let k = 1; k <= n; k++) variance += (steps[k]! - steps[k - 1]! - mean) ** 2;
    variance /= n;
    if (mean > 0) cvs.push(Math.sqrt(variance) / mean);
  }
  return Float64Array.from(cvs);
}

/**
 * Every inter-spike interval inside the window, ms (> 0 unless two spikes share a step), of
 * every (trial, neuron) pair, pairs in order.
 *
 * @param dtMs integration step of the recording, ms, > 0
 */
export function interspikeIntervalsMs(trains: GroupedSpikeTrains, dtMs: number): Float64Array {
  if (!(dtMs > 0) || !Number.isFinite(dtMs)) throw new RangeError(`interspikeIntervalsMs: dtMs must be a positive number of ms (got ${dtMs})`);
  const pairs = trains.offsets.length - 1;
  const out = new Float64Array(Math.max(0, trains.steps.length - pairs));
  let n = 0;
  for (let p = 0; p < pairs; p++) {
    for (let i = trains.offsets[p]! + 1; i < trains.offsets[p + 1]!; i++) out[n++] = (trains.steps[i]! - trains.steps[i - 1]!) * dtMs;
  }
  return out.slice(0, n);
}

/** Options of {@link binnedSpikeRate}. */
export interface BinnedRateOptions {
  /** Trial whose spikes are counted, integer ≥ 0. */
  readonly trial: number;
  /** First step of the first bin, integer ≥ 0. */
  readonly fromStep: number;
  /** Bin width in steps, integer ≥ 1. */
  readonly binSteps: number;
  /** Number of bins, integer ≥ 1. */
  readonly nBins: number;
  /** Integration step, ms, > 0. */
  readonly dtMs: number;
}

/**
 * Population rate of one trial in consecutive bins: spikes of the recorded neurons in the bin
 * divided by (number of recorded neurons × bin width in s), spikes/s per neuron (Hz). Bin b
 * covers steps `[fromStep + b·binSteps, fromStep + (b+1)·binSteps)`. Spikes of neurons not in
 * `rec.neurons` are left out, so a recorded subset gives the subset's rate.
 *
 * @returns one rate per bin, Hz (all zeros when nothing is recorded)
 */
export function binnedSpikeRate(rec: SpikeRecording, options: BinnedRateOptions): Float64Array {
  const { trial, fromStep, binSteps, nBins, dtMs } = options;
  if (!Number.isInteger(binSteps) || binSteps < 1 || !Number.isInteger(nBins) || nBins < 1 || !Number.isInteger(fromStep) || fromStep < 0) {
    throw new RangeError(`binnedSpikeRate: fromStep (${fromStep}), binSteps (${binSteps}) and nBins (${nBins}) must be integers, fromStep >= 0, the others >= 1`);
  }
  if (!(dtMs > 0) || !Number.isFinite(dtMs)) throw new RangeError(`binnedSpikeRate: dtMs must be a positive number of ms (got ${dtMs})`);
  const out = new Float64Array(nBins);
  const nRecorded = rec.neurons.length;
  if (nRecorded === 0) return out;
  const recorded = new Set(rec.neurons);
  const toStep = fromStep + nBins * binSteps;
  for (let i = 0; i < rec.steps.length; i++) {
    const step = rec.steps[i]!;
    if (step < fromStep || step >= toStep || rec.trials[i] !== trial || !recorded.has(rec.senders[i]!)) continue;
    out[Math.floor((step - fromStep) / binSteps)]!++;
  }
  const scale = 1000 / (nRecorded * binSteps * dtMs);
  for (let b = 0; b < nBins; b++) out[b]! *= scale;
  return out;
}

/**
 * Mean of a population-rate recording over the complete bins lying inside `[fromMs, toMs)` and
 * over all trials: spikes/s for spiking populations, the mean output for rate populations
 * (see `rec.unit`).
 *
 * @param fromMs start of the window, ms (bins starting earlier are left out)
 * @param toMs end of the window, ms (bins ending later are left out)
 * @param batch number of trials in the recording (the network's batch), ≥ 1
 * @returns the mean, or null when no complete bin lies in the window
 */
export function rateFromPopulationRate(rec: PopulationRateRecording, fromMs: number, toMs: number, batch: number): number | null {
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`rateFromPopulationRate: batch must be an integer >= 1 (got ${batch})`);
  const nBins = Math.floor(rec.values.length / batch);
  const eps = 1e-9;
  const first = Math.max(0, Math.ceil(fromMs / rec.binMs - eps));
  const end = Math.min(nBins, Math.floor(toMs / rec.binMs + eps));
  if (end <= first) return null;
  let sum = 0;
  for (let i = first * batch; i < end * batch; i++) sum += rec.values[i]!;
  return sum / ((end - first) * batch);
}
