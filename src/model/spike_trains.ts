/**
 * Spike-train sources (PyNN's SpikeSourceArray, NEST's spike_generator, Brian2's
 * SpikeGeneratorGroup): populations whose spikes are given per neuron, and optionally per trial,
 * in the spec's `spike_times_ms`. This file holds the whole concept on the model side: the
 * `spike_source_array` model, the rule that rounds times to steps, the shapes a spec may give,
 * and the table (CSR by trial and neuron) that the GPU kernel (engine/spike_train_steps.wgsl)
 * and the CPU reference both walk with a per-neuron cursor.
 *
 * Rounding: a time t (ms) is delivered in the step whose interval [s·dt, (s+1)·dt) contains it,
 * s = floor(t / dt) (NEST spike_generator with precise_times = false, Brian2), where a time
 * within a relative 10⁻⁹ of a boundary (|t/dt − s| ≤ 10⁻⁹·max(1, s)) counts as on it, so that
 * float rounding does not move it (0.3 ms with dt 0.1 is step 3, not 2).
 * The engine records a spike of step s at time s·dt. Several spikes of one neuron in one step
 * are all delivered: the step's spike list holds the neuron once per spike, propagation adds the
 * weight once per spike and the spike recorder records each.
 */
import type { NeuronModelDef } from './models.js';

/** Name of the spike-train source model. */
export const SPIKE_SOURCE_ARRAY = 'spike_source_array';

/** Largest number of spikes in all trains of one population (words of the GPU table). */
export const MAX_SPIKE_TRAIN_SPIKES = 2 ** 26;

/** Largest number of spikes of one neuron in one trial (its cursor is held exactly in an f32). */
export const MAX_SPIKES_PER_TRAIN = 2 ** 24;

/**
 * The spike-train source model: no parameters, no receptors, no inputs; one state variable,
 * the number of spikes the neuron has emitted in this trial (its cursor into its train).
 */
export const spikeSourceArrayModel: NeuronModelDef = {
  name: SPIKE_SOURCE_ARRAY,
  kind: 'source',
  summary: 'Spike-train source: emits the spikes given per neuron (and per trial) in spike_times_ms.',
  doc: 'Spike-train source (PyNN SpikeSourceArray, NEST spike_generator, Brian2 SpikeGeneratorGroup): each neuron emits the spikes listed for it in the population\'s `spike_times_ms` (one list per neuron, or one such list of lists per trial). A time t is delivered in step floor(t/dt) (the step whose interval contains it; times within a relative 1e-9 of a step boundary count as on it, so 0.3 ms with dt 0.1 is step 3) and recorded at that step\'s time. Several spikes of one neuron in one step are all delivered: propagation adds the weight once per spike. Takes no projections or inputs.',
  constraints: ['spike_times_ms: one list per neuron (or per trial, one list per neuron); times finite, ≥ 0 ms and non-decreasing within each list'],
  params: [],
  choiceParams: [],
  state: [{ name: 'emitted', unit: '1', doc: 'spikes emitted so far by this neuron in this trial (its cursor into its train)', initial: () => 0 }],
  receptors: 0,
  inputChannels: 0,
  weightUnit: '-',
  currentUnit: '-',
  updateShader: `generated:${SPIKE_SOURCE_ARRAY}`,
  updateShaderText: 'struct ModelParams {\n  unused: f32,\n}\n',
  updateSteps: 'engine/spike_train_steps.wgsl',
  givenSpikeTrains: true,
  acceptsCurrent: false,
  acceptsInputs: false,
  derive: () => ({ unused: 0 }),
  minInterSpikeSteps: () => 1,
};

/**
 * The step of a spike time: the step whose interval [s·dt, (s+1)·dt) contains it.
 * @param timeMs spike time, ms, finite and ≥ 0
 * @param dtMs integration step, ms, > 0
 */
export function spikeTimeToStep(timeMs: number, dtMs: number): number {
  const x = timeMs / dtMs;
  const nearest = Math.round(x);
  return Math.abs(x - nearest) <= 1e-9 * Math.max(1, nearest) ? nearest : Math.floor(x);
}

/**
 * The spike trains of a population, CSR by (trial, neuron): row `trial·size + neuron` holds the
 * steps `steps[offsets[row] … offsets[row+1])`, non-decreasing (repeated for several spikes in
 * one step). Global trial g of a run uses trial `g mod trials`.
 */
export interface SpikeTrainTable {
  /** Trials given: 1 (the same trains in every trial) or the batch. */
  readonly trials: number;
  /** `trials·size + 1` offsets into `steps`. */
  readonly offsets: Uint32Array;
  /** Spike steps, row by row. */
  readonly steps: Uint32Array;
  /**
   * Most spikes the population emits in one step, all trials of a batch of `batch` together
   * (≥ 1): the capacity of its spike lists, which may exceed size × batch when neurons spike
   * several times in one step.
   */
  readonly maxPerStep: number;
  /** Spikes the population emits in a batch of `batch` trials. */
  readonly spikesPerBatch: number;
  /**
   * Most spikes of one neuron in one step (≥ 1): the most times one synapse from it adds its
   * weight in a step, which bounds the fixed-point input of its targets on the GPU.
   */
  readonly maxPerNeuronStep: number;
}

/** Whether `spike_times_ms` is given per trial (a list of per-neuron lists per trial). */
export function isPerTrial(spikeTimes: readonly unknown[]): boolean {
  return spikeTimes.some((row) => Array.isArray(row) && row.some((x) => Array.isArray(x)));
}

/**
 * The table of a validated `spike_times_ms`.
 * @param spikeTimes per neuron (`[neuron][k]`) or per trial (`[trial][neuron][k]`), ms
 * @param size neurons of the population
 * @param dtMs integration step, ms
 * @param batch trials simulated in parallel (1 … 4096)
 */
export function spikeTrainTable(
  spikeTimes: readonly (readonly number[])[] | readonly (readonly (readonly number[])[])[], size: number, dtMs: number, batch: number,
): SpikeTrainTable {
  const perTrial = isPerTrial(spikeTimes);
  const trialLists = (perTrial ? spikeTimes : [spikeTimes]) as readonly (readonly (readonly number[])[])[];
  const trials = trialLists.length;
  const offsets = new Uint32Array(trials * size + 1);
  let total = 0;
  trialLists.forEach((neurons, t) => {
    for (let n = 0; n < size; n++) {
      total += neurons[n]?.length ?? 0;
      offsets[t * size + n + 1] = total;
    }
  });
  const steps = new Uint32Array(total);
  let k = 0;
  for (const neurons of trialLists) for (let n = 0; n < size; n++) for (const t of neurons[n] ?? []) steps[k++] = spikeTimeToStep(t, dtMs);
  // Trials given once repeat in every trial of the batch; per-trial lists are the batch's.
  const repeat = trials === 1 ? batch : 1;
  const sorted = steps.slice().sort();
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i = j) {
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    most = Math.max(most, j - i);
  }
  let perNeuron = 1;
  for (let i = 1, run = 1; i < steps.length; i++) {
    // Rows are sorted, so equal neighbours within a row are spikes of one step.
    run = steps[i] === steps[i - 1] && i !== offsets[rowOf(offsets, i)] ? run + 1 : 1;
    perNeuron = Math.max(perNeuron, run);
  }
  return { trials, offsets, steps, maxPerStep: Math.max(1, most * repeat), spikesPerBatch: total * repeat, maxPerNeuronStep: perNeuron };
}

/** The row holding spike `k` (the last row whose offset is ≤ k), by bisection. */
function rowOf(offsets: Uint32Array, k: number): number {
  let lo = 0;
  let hi = offsets.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid]! <= k) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Spike trains from arrays such as `.npy` files hold them: one entry per spike, its time (ms),
 * its neuron and optionally its trial. Returns `spike_times_ms` for the spec: per neuron when
 * `trials` is absent, else per trial (`nTrials` lists). Spikes are sorted by time within each
 * neuron's list (a stable sort), so the arrays may come in any order.
 * @param timesMs spike times, ms
 * @param neurons neuron index of each spike, 0 … size−1
 * @param size neurons of the population
 * @param trials trial index of each spike, 0 … nTrials−1 (optional)
 * @param nTrials trials (the spec's batch) when `trials` is given; default max(trials)+1
 * @throws RangeError naming the first bad entry (lengths differ, index out of range, bad time)
 */
export function spikeTimesFromArrays(
  timesMs: ArrayLike<number>, neurons: ArrayLike<number>, size: number, trials?: ArrayLike<number>, nTrials?: number,
): number[][] | number[][][] {
  if (neurons.length !== timesMs.length) throw new RangeError(`spike trains: neurons has ${neurons.length} entries but times_ms has ${timesMs.length}; give one neuron index per spike time`);
  if (trials !== undefined && trials.length !== timesMs.length) throw new RangeError(`spike trains: trials has ${trials.length} entries but times_ms has ${timesMs.length}; give one trial index per spike time`);
  let maxTrial = -1;
  if (trials !== undefined) for (let i = 0; i < trials.length; i++) maxTrial = Math.max(maxTrial, trials[i]!);
  const T = trials === undefined ? 1 : nTrials ?? maxTrial + 1;
  const lists: number[][][] = Array.from({ length: T }, () => Array.from({ length: size }, () => []));
  for (let i = 0; i < timesMs.length; i++) {
    const t = timesMs[i]!;
    const n = neurons[i]!;
    const trial = trials === undefined ? 0 : trials[i]!;
    if (!Number.isFinite(t) || t < 0) throw new RangeError(`spike trains: times_ms[${i}] must be a finite time ≥ 0 ms (got ${t})`);
    if (!Number.isInteger(n) || n < 0 || n >= size) throw new RangeError(`spike trains: neurons[${i}] must be an integer neuron index from 0 to ${size - 1} (got ${n})`);
    if (!Number.isInteger(trial) || trial < 0 || trial >= T) throw new RangeError(`spike trains: trials[${i}] must be an integer trial index from 0 to ${T - 1} (got ${trial})`);
    lists[trial]![n]!.push(t);
  }
  for (const neuronsOfTrial of lists) for (const list of neuronsOfTrial) list.sort((a, b) => a - b);
  return trials === undefined ? lists[0]! : lists;
}
