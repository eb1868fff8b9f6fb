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
  const nRecorded = rec.neurons.length;
  const size = options.populationSize ?? nRecorded;
  if (nRecorded === 0) return { size, rate_hz: 0, cv_isi: null, n_recorded: 0 };

  // Slot of each recorded neuron, so that a (trial, slot) pair indexes a flat array.
  let maxNeuron = 0;
  for (const n of rec.neurons) if (n > maxNeuron) maxNeuron = n;
  const slotOf = new Int32Array(maxNeuron + 1).fill(-1);
  rec.neurons.forEach((n, k) => (slotOf[n] = k));
  const pairOf = (i: number): number => {
    const sender = rec.senders[i]!;
    const slot = sender <= maxNeuron ? slotOf[sender]! : -1;
    return slot < 0 ? -1 : rec.trials[i]! * nRecorded + slot;
  };

  // Pass 1: spikes per pair in the window.
  const pairs = batch * nRecorded;
  const counts = new Uint32Array(pairs);
  let total = 0;
  for (let i = 0; i < rec.steps.length; i++) {
    const step = rec.steps[i]!;
    if (step < fromStep || step >= toStep) continue;
    const pair = pairOf(i);
    if (pair < 0 || rec.trials[i]! >= batch) continue;
    counts[pair]!++;
    total++;
  }
  const durationS = ((toStep - fromStep) * dtMs) / 1000;
  const rate = total / (nRecorded * batch * durationS);

  // Pass 2: spike steps grouped by pair (recordings are sorted by step, so each group is sorted).
  const offsets = new Uint32Array(pairs + 1);
  for (let p = 0; p < pairs; p++) offsets[p + 1] = offsets[p]! + counts[p]!;
  const fill = offsets.slice(0, pairs);
  const grouped = new Uint32Array(total);
  for (let i = 0; i < rec.steps.length; i++) {
    const step = rec.steps[i]!;
    if (step < fromStep || step >= toStep) continue;
    const pair = pairOf(i);
    if (pair < 0 || rec.trials[i]! >= batch) continue;
    grouped[fill[pair]!++] = step;
  }

  let cvSum = 0;
  let cvPairs = 0;
  for (let p = 0; p < pairs; p++) {
    const begin = offsets[p]!;
    const end = offsets[p + 1]!;
    if (end - begin < 3) continue;
    const steps = grouped.subarray(begin, end);
    steps.sort(); // already sorted for engine recordings; cheap insurance for hand-made ones
    const n = end - begin - 1;
    let mean = 0;
    for (let k = 1; k <= n; k++) mean += steps[k]! - steps[k - 1]!;
    mean /= n;
    let variance = 0;
    for (let k = 1; k <= n; k++) variance += (steps[k]! - steps[k - 1]! - mean) ** 2;
    variance /= n;
    if (mean > 0) {
      cvSum += Math.sqrt(variance) / mean;
      cvPairs++;
    }
  }
  return { size, rate_hz: rate, cv_isi: cvPairs > 0 ? cvSum / cvPairs : null, n_recorded: nRecorded };
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
