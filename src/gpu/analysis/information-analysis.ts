/**
 * On-the-fly information analysis attached to a spike-count recorder: after every run, the
 * windows completed in it are gathered on the GPU for the trials of each of two stimulus
 * conditions and merged into per-window running statistics; `results()` solves each window's
 * linear Fisher problem on the GPU and assembles I, I_shuffle, R and ρ. Raw counts stay on
 * the GPU unless `keepCounts` is set.
 */
import { fisherFromSolution, type FisherResult } from '../../analysis/fisher.js';
import type { RecorderPlan } from '../../model/plan.js';
import { GpuLinearFisher, type RunningStatistics } from './linear-fisher.js';

/** What to analyse. */
export interface InformationAnalysisOptions {
  /** Index (in the spec's `recorders`) of a `spike_counts` recorder: its neurons and bins are used. */
  readonly recorder: number;
  /**
   * Which of the recorder's neurons to analyse, as positions in its neuron list (default all),
   * e.g. a 96-neuron "array". Several analyses may share one recorder.
   */
  readonly neurons?: readonly number[];
  /**
   * Batch indices of the trials that show stimulus a (at least 2). The two lists may differ in
   * length: the covariances are then pooled by degrees of freedom and the exact unequal-count
   * bias correction is used (no trials are dropped).
   */
  readonly trialsA: readonly number[];
  /** Batch indices of the trials that show stimulus b = a + ds (at least 2, disjoint from trialsA). */
  readonly trialsB: readonly number[];
  /** Stimulus difference s_b − s_a (e.g. degrees); information comes in 1/unit². */
  readonly ds: number;
  /** Recorder bins per analysis window, ≥ 1 (default 1); windows slide by one bin. */
  readonly windowBins?: number;
  /** Opt-in ridge λ added to the pooled covariance's diagonal (recorded in each result). */
  readonly ridge?: number;
  /** Compute windows with T_a + T_b < N + 5 anyway (flagged invalid) instead of reporting an error. */
  readonly allowInvalidT?: boolean;
  /** Also drain the raw counts to the host recording (default false: they stay on the GPU). */
  readonly keepCounts?: boolean;
}

/** Information in one window. */
export interface InformationWindow {
  readonly index: number;
  /** Window start and end relative to the recorder's start (stimulus onset), ms. */
  readonly startMs: number;
  readonly endMs: number;
  readonly centerMs: number;
  /** Trials merged so far for stimulus a (may differ from trialsB: the exact unequal-count estimator is used). */
  readonly trialsA: number;
  /** Trials merged so far for stimulus b. */
  readonly trialsB: number;
  /** The estimators, or null with `error` saying why (e.g. too few trials so far). */
  readonly result: FisherResult | null;
  readonly error: string | null;
}

interface WindowStatistics {
  a: RunningStatistics;
  b: RunningStatistics;
}

/** Counts produced by one run for the analysed recorder. */
export interface RunCounts {
  readonly buffer: GPUBuffer;
  /** Absolute bin index of the buffer's first bin and number of bins it holds. */
  readonly firstBin: number;
  readonly nBins: number;
  readonly batch: number;
  /** Bins [completeFrom, completeTo) lie entirely inside the run. */
  readonly completeFrom: number;
  readonly completeTo: number;
}

/**
 * A running information analysis; create with `GpuSimulator.attachInformation`. A window is
 * merged when all its bins lie inside one `run()` call, so run each trial block (from
 * `resetTrials()`) in one call, or at least in calls that end on bin boundaries.
 */
export class InformationAnalysis {
  /** While true, runs do not feed this analysis (e.g. during other conditions). */
  paused = false;
  private readonly windows = new Map<number, WindowStatistics>();
  private readonly windowBins: number;
  private sampleBlock: GPUBuffer | null = null;
  private readonly trialLists: [GPUBuffer, GPUBuffer];
  private readonly neuronList: GPUBuffer;

  constructor(
    private readonly fisher: GpuLinearFisher,
    readonly recorder: RecorderPlan,
    readonly options: InformationAnalysisOptions,
    private readonly dtMs: number,
  ) {
    this.windowBins = options.windowBins ?? 1;
    const device = fisher.context.device;
    const list = (trials: readonly number[]): GPUBuffer => {
      const data = Uint32Array.from(trials);
      const buffer = device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.STORAGE, mappedAtCreation: true });
      new Uint32Array(buffer.getMappedRange()).set(data);
      buffer.unmap();
      return buffer;
    };
    this.trialLists = [list(options.trialsA), list(options.trialsB)];
    this.neuronList = list(options.neurons ?? Array.from(recorder.neurons, (_, k) => k));
  }

  /** Neurons analysed (the recorder's). */
  get neurons(): number {
    return this.fisher.neurons;
  }

  /** Merge the windows completed in one run (called by the simulator after the run). */
  async accumulate(counts: RunCounts): Promise<void> {
    const device = this.fisher.context.device;
    const n = this.fisher.neurons;
    const trials = [this.options.trialsA.length, this.options.trialsB.length];
    this.sampleBlock ??= device.createBuffer({ size: Math.max(...trials) * n * 4, usage: GPUBufferUsage.STORAGE });
    const encoder = device.createCommandEncoder({ label: 'information analysis' });
    let any = false;
    // Window j covers bins j … j + windowBins − 1; merge it when all of them are complete here.
    for (let j = Math.max(0, counts.completeFrom); j + this.windowBins <= counts.completeTo; j++) {
      let stats = this.windows.get(j);
      if (!stats) {
        stats = { a: this.fisher.createStatistics(), b: this.fisher.createStatistics() };
        this.windows.set(j, stats);
      }
      for (const [c, target] of [stats.a, stats.b].entries()) {
        this.fisher.encodeGatherCounts(
          encoder,
          { counts: counts.buffer, batch: counts.batch, nBins: counts.nBins, nRecorded: this.recorder.neurons.length, neuronList: this.neuronList },
          { firstBin: j - counts.firstBin, windowBins: this.windowBins },
          this.trialLists[c]!,
          trials[c]!,
          this.sampleBlock,
        );
        this.fisher.encodeAccumulate(encoder, target, this.sampleBlock, trials[c]!);
      }
      any = true;
    }
    if (!any) return;
    device.queue.submit([encoder.finish()]);
    await this.fisher.flush();
  }

  /** Solve every window with data so far (GPU Cholesky per window). */
  async results(): Promise<InformationWindow[]> {
    const out: InformationWindow[] = [];
    const binMs = this.recorder.windowSteps * this.dtMs;
    for (const index of [...this.windows.keys()].sort((x, y) => x - y)) {
      const stats = this.windows.get(index)!;
      const startMs = index * binMs;
      const endMs = (index + this.windowBins) * binMs;
      const counts = { a: stats.a.count, b: stats.b.count };
      let result: FisherResult | null = null;
      let error: string | null = null;
      try {
        const solution = await this.fisher.solve(stats.a, stats.b, this.options.ds, { ridge: this.options.ridge ?? 0, label: `window ${index} (${startMs}–${endMs} ms)` });
        result = fisherFromSolution(solution, counts, this.options.ds, { ridge: this.options.ridge ?? 0, allowInvalidT: this.options.allowInvalidT === true });
      } catch (err) {
        error = (err as Error).message;
      }
      out.push({ index, startMs, endMs, centerMs: (startMs + endMs) / 2, trialsA: counts.a, trialsB: counts.b, result, error });
    }
    return out;
  }

  /** Running mean and covariance of one window and condition (float64 copies). */
  async statistics(window: number, condition: 'a' | 'b'): Promise<{ count: number; mean: Float64Array; covariance: Float64Array }> {
    const stats = this.windows.get(window);
    if (!stats) throw new RangeError(`window ${window} has no data (have: ${[...this.windows.keys()].join(', ') || 'none'})`);
    return this.fisher.readStatistics(condition === 'a' ? stats.a : stats.b);
  }

  /** Forget all merged data (e.g. between learning stages), keeping the configuration. */
  clear(): void {
    for (const stats of this.windows.values()) {
      GpuLinearFisher.releaseStatistics(stats.a);
      GpuLinearFisher.releaseStatistics(stats.b);
    }
    this.windows.clear();
  }
}
