/**
 * Pairwise spike-count correlations: the spike trains of chosen neurons are binned into counts,
 * and the Pearson correlation coefficient of every pair of count signals is computed in float64.
 * This is the third of the per-population statistics by which the PD14 microcircuit is
 * validated (with rates and CV ISI): the reference implementation computes `numpy.corrcoef` of
 * spike counts of a subsample of each population.
 */
import type { SpikeRecording } from '../model/recording.js';

/** Which spikes {@link binSpikeCounts} counts, and how. */
export interface SpikeCountBinning {
  /** First step of the window (inclusive), integer ≥ 0. */
  readonly fromStep: number;
  /** End of the window (exclusive), integer > fromStep. Steps after the last whole bin are left out. */
  readonly toStep: number;
  /** Bin width in steps, integer ≥ 1 (e.g. 50 for 5 ms at dt 0.1 ms). */
  readonly binSteps: number;
  /** Trial whose spikes are counted, integer ≥ 0. Default 0. */
  readonly trial?: number;
  /**
   * Neurons to count (indices into the population, distinct), in the order of the rows of the
   * result. Default: every recorded neuron (`rec.neurons`). A neuron that was not recorded
   * gives a row of zeros, indistinguishable from a silent one, so pass recorded neurons only.
   */
  readonly neurons?: readonly number[] | Uint32Array;
}

/** Spike counts of several neurons in consecutive bins. */
export interface BinnedSpikeCounts {
  /** The counted neurons (indices into the population), one per row. */
  readonly neurons: Uint32Array;
  /** Number of bins, ⌊(toStep − fromStep) / binSteps⌋. */
  readonly nBins: number;
  /** Counts, row-major: `counts[row · nBins + bin]`, ≥ 0. */
  readonly counts: Float64Array;
}

/**
 * Bin the spikes of chosen neurons of one trial into counts: bin b holds the spikes at steps
 * `[fromStep + b·binSteps, fromStep + (b+1)·binSteps)`.
 *
 * @throws RangeError when the window, bin width, trial or neuron list is invalid, or the window
 *   holds no whole bin
 */
export function binSpikeCounts(rec: SpikeRecording, binning: SpikeCountBinning): BinnedSpikeCounts {
  const { fromStep, toStep, binSteps } = binning;
  const trial = binning.trial ?? 0;
  if (!Number.isInteger(fromStep) || !Number.isInteger(toStep) || fromStep < 0 || toStep <= fromStep) {
    throw new RangeError(`binSpikeCounts: the window [fromStep, toStep) must be non-empty integer steps >= 0 (got [${fromStep}, ${toStep}))`);
  }
  if (!Number.isInteger(binSteps) || binSteps < 1) throw new RangeError(`binSpikeCounts: binSteps must be an integer >= 1 (got ${binSteps})`);
  if (!Number.isInteger(trial) || trial < 0) throw new RangeError(`binSpikeCounts: trial must be an integer >= 0 (got ${trial})`);
  const nBins = Math.floor((toStep - fromStep) / binSteps);
  if (nBins < 1) throw new RangeError(`binSpikeCounts: the window of ${toStep - fromStep} steps holds no whole bin of ${binSteps} steps`);
  const neurons = Uint32Array.from(binning.neurons ?? rec.neurons);
  const rowOf = new Map<number, number>();
  neurons.forEach((n, row) => {
    if (rowOf.has(n)) throw new RangeError(`binSpikeCounts: neuron ${n} is listed twice`);
    rowOf.set(n, row);
  });
  const counts = new Float64Array(neurons.length * nBins);
  const end = fromStep + nBins * binSteps;
  for (let i = 0; i < rec.steps.length; i++) {
    const step = rec.steps[i]!;
    if (step < fromStep || step >= end || rec.trials[i]! !== trial) continue;
    const row = rowOf.get(rec.senders[i]!);
    if (row === undefined) continue;
    counts[row * nBins + Math.floor((step - fromStep) / binSteps)]! += 1;
  }
  return { neurons, nBins, counts };
}

/**
 * Pearson correlation coefficients of every pair of rows of a matrix, in float64:
 * r_ij = Σ_b (x_ib − x̄_i)(x_jb − x̄_j) / √(Σ_b (x_ib − x̄_i)² · Σ_b (x_jb − x̄_j)²), computed from
 * centred rows (two passes). A pair with a constant row (e.g. a neuron without spikes) has no
 * coefficient: NaN, as `numpy.corrcoef` gives.
 *
 * @param values row-major `values[row · nCols + col]`
 * @param nRows number of rows (neurons), integer ≥ 0
 * @param nCols number of columns (bins), integer ≥ 2
 * @returns the nRows·(nRows − 1)/2 coefficients of the pairs i < j in row-major order of the
 *   upper triangle ((0,1), (0,2), …, (0,n−1), (1,2), …), each in [−1, 1] or NaN
 * @throws RangeError when the sizes do not match `values`
 */
export function pairwiseCorrelations(values: ArrayLike<number>, nRows: number, nCols: number): Float64Array {
  if (!Number.isInteger(nRows) || nRows < 0) throw new RangeError(`pairwiseCorrelations: nRows must be an integer >= 0 (got ${nRows})`);
  if (!Number.isInteger(nCols) || nCols < 2) throw new RangeError(`pairwiseCorrelations: nCols must be an integer >= 2 (got ${nCols})`);
  if (values.length !== nRows * nCols) throw new RangeError(`pairwiseCorrelations: expected ${nRows} × ${nCols} = ${nRows * nCols} values (got ${values.length})`);
  const centred = new Float64Array(nRows * nCols);
  const norms = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    let sum = 0;
    for (let b = 0; b < nCols; b++) sum += values[i * nCols + b]!;
    const mean = sum / nCols;
    let squares = 0;
    for (let b = 0; b < nCols; b++) {
      const d = values[i * nCols + b]! - mean;
      centred[i * nCols + b] = d;
      squares += d * d;
    }
    norms[i] = Math.sqrt(squares);
  }
  const out = new Float64Array((nRows * (nRows - 1)) / 2);
  let k = 0;
  for (let i = 0; i < nRows; i++) {
    const oi = i * nCols;
    for (let j = i + 1; j < nRows; j++) {
      const denominator = norms[i]! * norms[j]!;
      if (denominator === 0) {
        out[k++] = Number.NaN;
        continue;
      }
      const oj = j * nCols;
      let dot = 0;
      for (let b = 0; b < nCols; b++) dot += centred[oi + b]! * centred[oj + b]!;
      // Rounding can put a perfect correlation a hair outside [−1, 1].
      out[k++] = Math.max(-1, Math.min(1, dot / denominator));
    }
  }
  return out;
}

/** Mean and spread of a set of correlation coefficients, NaNs (undefined pairs) left out. */
export interface CorrelationSummary {
  /** Number of pairs, defined or not. */
  readonly n_pairs: number;
  /** Number of pairs with a coefficient (both neurons' counts vary). */
  readonly n_defined: number;
  /** Mean of the defined coefficients (dimensionless), null when none is defined. */
  readonly mean: number | null;
  /** Standard deviation (divisor n) of the defined coefficients, null when none is defined. */
  readonly sd: number | null;
}

/** Summary of {@link pairwiseCorrelations}' output: how many pairs are defined, their mean and SD. */
export function summarizeCorrelations(coefficients: ArrayLike<number>): CorrelationSummary {
  let n = 0;
  let sum = 0;
  for (let k = 0; k < coefficients.length; k++) {
    const c = coefficients[k]!;
    if (Number.isNaN(c)) continue;
    n++;
    sum += c;
  }
  if (n === 0) return { n_pairs: coefficients.length, n_defined: 0, mean: null, sd: null };
  const mean = sum / n;
  let squares = 0;
  for (let k = 0; k < coefficients.length; k++) {
    const c = coefficients[k]!;
    if (!Number.isNaN(c)) squares += (c - mean) * (c - mean);
  }
  return { n_pairs: coefficients.length, n_defined: n, mean, sd: Math.sqrt(squares / n) };
}

/** Options of {@link spikeCountCorrelations}. */
export interface SpikeCountCorrelationOptions {
  /** Integration step of the recording, ms, > 0. */
  readonly dtMs: number;
  /** Bin width, ms; must be a whole number of steps. */
  readonly binMs: number;
  /** First step of the window (inclusive), integer ≥ 0. */
  readonly fromStep: number;
  /** End of the window (exclusive), integer > fromStep. */
  readonly toStep: number;
  /** Trial, integer ≥ 0. Default 0. */
  readonly trial?: number;
  /** Neurons to correlate (population indices, recorded). Default: every recorded neuron. */
  readonly neurons?: readonly number[] | Uint32Array;
}

/** Result of {@link spikeCountCorrelations}. */
export interface SpikeCountCorrelations extends CorrelationSummary {
  /** Bin width, ms. */
  readonly bin_ms: number;
  /** Number of bins. */
  readonly n_bins: number;
  /** Number of neurons correlated. */
  readonly n_neurons: number;
  /** Coefficients of the pairs i < j (upper triangle, row-major), NaN where undefined. */
  readonly coefficients: Float64Array;
}

/**
 * Pairwise spike-count correlation coefficients of chosen neurons of a spike recording:
 * {@link binSpikeCounts} into bins of `binMs`, then {@link pairwiseCorrelations}, summarised.
 *
 * @throws RangeError when `binMs` is not a whole, positive number of steps, or as the two steps do
 */
export function spikeCountCorrelations(rec: SpikeRecording, options: SpikeCountCorrelationOptions): SpikeCountCorrelations {
  const { dtMs, binMs } = options;
  if (!(dtMs > 0) || !Number.isFinite(dtMs)) throw new RangeError(`spikeCountCorrelations: dtMs must be a positive number of ms (got ${dtMs})`);
  const binSteps = Math.round(binMs / dtMs);
  if (!(binSteps >= 1) || Math.abs(binSteps * dtMs - binMs) > 1e-9 * Math.max(1, binMs)) {
    throw new RangeError(`spikeCountCorrelations: binMs must be a positive whole number of steps of ${dtMs} ms (got ${binMs})`);
  }
  const binned = binSpikeCounts(rec, {
    fromStep: options.fromStep,
    toStep: options.toStep,
    binSteps,
    ...(options.trial !== undefined ? { trial: options.trial } : {}),
    ...(options.neurons !== undefined ? { neurons: options.neurons } : {}),
  });
  if (binned.nBins < 2) throw new RangeError(`spikeCountCorrelations: the window holds ${binned.nBins} bin of ${binMs} ms; at least 2 are needed`);
  const coefficients = pairwiseCorrelations(binned.counts, binned.neurons.length, binned.nBins);
  return { bin_ms: binMs, n_bins: binned.nBins, n_neurons: binned.neurons.length, coefficients, ...summarizeCorrelations(coefficients) };
}
