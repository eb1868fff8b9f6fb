/**
 * Linear Fisher information on the GPU: running means and co-moments of two stimulus
 * conditions accumulated block by block (centred, merged exactly), then the pooled
 * covariance factorised by a blocked Cholesky and f' solved by blocked forward substitution.
 * Only N-vectors come back to the host (f', variances, L⁻¹f'); the estimators are assembled
 * in float64 by `src/analysis/fisher.ts`.
 */
import type { GpuContext } from '../context.js';
import { DYNAMIC_OFFSET_ALIGNMENT, kernelCacheFor, type KernelCache, type Kernel } from '../kernels.js';
import type { ShaderSourceLoader } from '../shaders.js';
import { checkRequests } from '../memory.js';

/** Cholesky block size (must match BLOCK in analysis/cholesky_common.wgsl). */
export const CHOLESKY_BLOCK = 16;

/** Running statistics of one condition: sample count (host), mean and co-moment Σ(x−m)(x−m)ᵀ on the GPU. */
export interface RunningStatistics {
  readonly neurons: number;
  /** Samples merged so far. */
  count: number;
  readonly mean: GPUBuffer;
  readonly comoment: GPUBuffer;
}

/** What the GPU solve returns (float64 on the host). */
export interface GpuFisherSolution {
  readonly neurons: number;
  /** f'ᵀ Σ⁻¹ f' (naive, not bias-corrected). */
  readonly information: number;
  readonly fprime: Float64Array;
  /** Diagonal of the pooled covariance (with the ridge, if any). */
  readonly variances: Float64Array;
}

/** Thrown when the pooled covariance is not positive definite. */
export class NotPositiveDefiniteError extends Error {
  override readonly name = 'NotPositiveDefiniteError';
  constructor(
    message: string,
    /** Index of the first failing pivot (neuron order). */
    readonly pivotIndex: number,
    readonly pivotValue: number,
  ) {
    super(message);
  }
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** The GPU pipeline of the linear-Fisher analysis for one neuron count. */
export class GpuLinearFisher {
  private readonly device: GPUDevice;
  private readonly padded: number;
  private readonly blocks: number;
  private transient: GPUBuffer[] = [];
  private stepTable: GPUBuffer | null = null;
  private blockMean: GPUBuffer | null = null;

  private constructor(
    readonly context: GpuContext,
    readonly neurons: number,
    private readonly kernels: Readonly<Record<string, Kernel>>,
  ) {
    this.device = context.device;
    this.blocks = Math.ceil(neurons / CHOLESKY_BLOCK);
    this.padded = this.blocks * CHOLESKY_BLOCK;
  }

  /**
   * Compile the kernels for `neurons` recorded neurons (1 … limited by device memory: the
   * padded N×N matrix must fit one storage binding).
   */
  static async create(context: GpuContext, shaders: ShaderSourceLoader, neurons: number, cache?: KernelCache): Promise<GpuLinearFisher> {
    if (!Number.isInteger(neurons) || neurons < 1) throw new RangeError(`neurons must be a positive integer, got ${neurons}`);
    const padded = align(neurons, CHOLESKY_BLOCK);
    checkRequests(
      [{ owner: 'information analysis', purpose: `covariance matrix ${neurons}×${neurons}`, bytes: padded * padded * 4, storageBinding: true }],
      context.limits,
      Infinity,
    );
    const kernels = cache ?? kernelCacheFor(context.device, shaders);
    const names = ['covariance_gather_counts', 'column_mean', 'covariance_accumulate', 'mean_merge', 'fisher_prepare'];
    const entries: [string, Kernel][] = [];
    for (const name of names) entries.push([name, await kernels.get({ name, parts: ['engine/common.wgsl', `analysis/${name}.wgsl`] })]);
    for (const name of ['cholesky_diagonal', 'cholesky_panel', 'cholesky_update', 'triangular_solve']) {
      entries.push([name, await kernels.get({ name, parts: ['engine/common.wgsl', 'analysis/cholesky_common.wgsl', `analysis/${name}.wgsl`], dynamicBindings: ['chol'] })]);
    }
    return new GpuLinearFisher(context, neurons, Object.fromEntries(entries));
  }

  private kernel(name: string): Kernel {
    return this.kernels[name]!;
  }

  private storage(bytes: number, data?: ArrayBufferView, label = 'fisher'): GPUBuffer {
    const buffer = this.device.createBuffer({
      label,
      size: align(Math.max(4, bytes), 4),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      mappedAtCreation: data !== undefined,
    });
    if (data) {
      new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      buffer.unmap();
    }
    return buffer;
  }

  private uniform(kernel: Kernel, binding: string, values: Record<string, number>): GPUBuffer {
    const bytes = kernel.packUniform(binding, values);
    const buffer = this.device.createBuffer({ size: bytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.device.queue.writeBuffer(buffer, 0, bytes);
    this.transient.push(buffer);
    return buffer;
  }

  /** Fresh (empty) running statistics for one condition. */
  createStatistics(): RunningStatistics {
    const n = this.neurons;
    return { neurons: n, count: 0, mean: this.storage(n * 4, undefined, 'running mean'), comoment: this.storage(n * n * 4, undefined, 'co-moment') };
  }

  /** Free the buffers of running statistics. */
  static releaseStatistics(stats: RunningStatistics): void {
    stats.mean.destroy();
    stats.comoment.destroy();
  }

  /**
   * Encode the merge of a dense sample block X[sample][neuron] (f32, `samples` rows) into
   * `stats`. The host-side count is updated now; the GPU work runs when `encoder` is submitted.
   */
  encodeAccumulate(encoder: GPUCommandEncoder, stats: RunningStatistics, block: GPUBuffer, samples: number): void {
    if (samples <= 0) return;
    const n = this.neurons;
    this.blockMean ??= this.storage(n * 4, undefined, 'block mean');
    const pass = encoder.beginComputePass({ label: 'covariance accumulate' });
    const mean = this.kernel('column_mean');
    pass.setPipeline(mean.pipeline);
    pass.setBindGroup(0, mean.bind({ info: this.uniform(mean, 'info', { n_samples: samples, n_neurons: n }), samples: block, block_mean: this.blockMean }));
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    const counts = { prior_count: stats.count, block_count: samples };
    const accumulate = this.kernel('covariance_accumulate');
    pass.setPipeline(accumulate.pipeline);
    pass.setBindGroup(0, accumulate.bind({
      info: this.uniform(accumulate, 'info', { n_samples: samples, n_neurons: n, ...counts }),
      samples: block,
      block_mean: this.blockMean,
      running_mean: stats.mean,
      comoment: stats.comoment,
    }));
    pass.dispatchWorkgroups(Math.ceil(n / 16), Math.ceil(n / 16));
    const merge = this.kernel('mean_merge');
    pass.setPipeline(merge.pipeline);
    pass.setBindGroup(0, merge.bind({ info: this.uniform(merge, 'info', { n_neurons: n, ...counts }), block_mean: this.blockMean, running_mean: stats.mean }));
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    stats.count += samples;
  }

  /**
   * Encode: gather spike counts (bins `firstBin … firstBin + windowBins − 1`, summed) of the
   * trials in `trialList` and the recorder slots in `neuronList` into `block` (trials × neurons,
   * f32). Counts layout [bin][recorded neuron][trial].
   */
  encodeGatherCounts(
    encoder: GPUCommandEncoder,
    source: { counts: GPUBuffer; batch: number; nBins: number; nRecorded: number; neuronList: GPUBuffer },
    window: { firstBin: number; windowBins: number },
    trialList: GPUBuffer,
    trials: number,
    block: GPUBuffer,
  ): void {
    const gather = this.kernel('covariance_gather_counts');
    const pass = encoder.beginComputePass({ label: 'gather counts' });
    pass.setPipeline(gather.pipeline);
    pass.setBindGroup(0, gather.bind({
      info: this.uniform(gather, 'info', { n_samples: trials, n_neurons: this.neurons, n_recorded: source.nRecorded, batch: source.batch, first_bin: window.firstBin, window_bins: window.windowBins, n_bins: source.nBins }),
      counts: source.counts,
      trial_list: trialList,
      samples: block,
      neuron_list: source.neuronList,
    }));
    const groups = Math.ceil((trials * this.neurons) / 64);
    const x = Math.min(groups, this.context.limits.maxComputeWorkgroupsPerDimension);
    pass.dispatchWorkgroups(x, Math.ceil(groups / x));
    pass.end();
  }

  /** Upload a (trials × neurons) matrix in blocks and merge it into `stats`. */
  async accumulateMatrix(stats: RunningStatistics, data: Float64Array | Float32Array, trials: number, blockRows = 1024): Promise<void> {
    const n = this.neurons;
    if (data.length !== trials * n) throw new RangeError(`matrix has ${data.length} values, expected ${trials} × ${n}`);
    for (let t0 = 0; t0 < trials; t0 += blockRows) {
      const rows = Math.min(blockRows, trials - t0);
      const block = this.storage(rows * n * 4, Float32Array.from(data.subarray(t0 * n, (t0 + rows) * n)), 'sample block');
      this.transient.push(block);
      const encoder = this.device.createCommandEncoder();
      this.encodeAccumulate(encoder, stats, block, rows);
      this.device.queue.submit([encoder.finish()]);
    }
    await this.flush();
  }

  /** Wait for submitted work and free per-call buffers. */
  async flush(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
    for (const buffer of this.transient) buffer.destroy();
    this.transient = [];
  }

  private async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({ size: align(bytes, 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, align(bytes, 4));
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const copy = staging.getMappedRange().slice(0, bytes);
    staging.unmap();
    staging.destroy();
    return copy;
  }

  /** Mean and unbiased covariance of running statistics (float64 copies; for tests and export). */
  async readStatistics(stats: RunningStatistics): Promise<{ count: number; mean: Float64Array; covariance: Float64Array }> {
    const n = this.neurons;
    const mean = Float64Array.from(new Float32Array(await this.read(stats.mean, n * 4)));
    const comoment = new Float32Array(await this.read(stats.comoment, n * n * 4));
    const covariance = Float64Array.from(comoment, (v) => v / Math.max(1, stats.count - 1));
    return { count: stats.count, mean, covariance };
  }

  /**
   * Solve for f'ᵀ Σ⁻¹ f' with Σ the covariance of two conditions pooled by degrees of freedom,
   * (C_a + C_b)/(n_a + n_b − 2) from the co-moments (+ ridge·I if given); any counts ≥ 2.
   * @param label names the analysis in errors (e.g. `window 3`)
   * @throws NotPositiveDefiniteError naming the first failing pivot
   */
  async solve(a: RunningStatistics, b: RunningStatistics, ds: number, options: { ridge?: number; label?: string } = {}): Promise<GpuFisherSolution> {
    const n = this.neurons;
    const p = this.padded;
    const ridge = options.ridge ?? 0;
    if (a.count < 2 || b.count < 2) throw new RangeError(`each condition needs at least 2 samples (have ${a.count} and ${b.count})`);
    const matrix = this.storage(p * p * 4, undefined, 'pooled covariance');
    const fprime = this.storage(p * 4, undefined, "f'");
    const variances = this.storage(p * 4, undefined, 'variances');
    const solution = this.storage(p * 4, undefined, 'L⁻¹f\'');
    const status = this.storage(16, undefined, 'cholesky status');
    this.transient.push(matrix, fprime, variances, solution, status);
    if (!this.stepTable) {
      const table = new Uint32Array((this.blocks * DYNAMIC_OFFSET_ALIGNMENT) / 4);
      for (let k = 0; k < this.blocks; k++) {
        table[(k * DYNAMIC_OFFSET_ALIGNMENT) / 4] = k;
        table[(k * DYNAMIC_OFFSET_ALIGNMENT) / 4 + 1] = p;
      }
      this.stepTable = this.device.createBuffer({ size: table.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      this.device.queue.writeBuffer(this.stepTable, 0, table);
    }
    const chol = { buffer: this.stepTable, size: 16 };
    const encoder = this.device.createCommandEncoder({ label: 'linear Fisher solve' });
    const pass = encoder.beginComputePass();
    const prepare = this.kernel('fisher_prepare');
    pass.setPipeline(prepare.pipeline);
    pass.setBindGroup(0, prepare.bind({
      info: this.uniform(prepare, 'info', { n_neurons: n, padded: p, count_a: a.count, count_b: b.count, ds, ridge }),
      comoment_a: a.comoment, comoment_b: b.comoment, mean_a: a.mean, mean_b: b.mean, matrix, fprime, variances,
    }));
    const groups = Math.ceil((p * p) / 64);
    const x = Math.min(groups, this.context.limits.maxComputeWorkgroupsPerDimension);
    pass.dispatchWorkgroups(x, Math.ceil(groups / x));
    const diagonal = this.kernel('cholesky_diagonal');
    const panel = this.kernel('cholesky_panel');
    const update = this.kernel('cholesky_update');
    const solve = this.kernel('triangular_solve');
    const diagonalGroup = diagonal.bind({ chol, matrix, status });
    const panelGroup = panel.bind({ chol, matrix });
    const updateGroup = update.bind({ chol, matrix });
    for (let k = 0; k < this.blocks; k++) {
      const offset = [k * DYNAMIC_OFFSET_ALIGNMENT];
      const below = this.blocks - k - 1;
      pass.setPipeline(diagonal.pipeline);
      pass.setBindGroup(0, diagonalGroup, offset);
      pass.dispatchWorkgroups(1);
      if (below === 0) continue;
      pass.setPipeline(panel.pipeline);
      pass.setBindGroup(0, panelGroup, offset);
      pass.dispatchWorkgroups(below);
      pass.setPipeline(update.pipeline);
      pass.setBindGroup(0, updateGroup, offset);
      pass.dispatchWorkgroups(below, below);
    }
    const solveGroup = solve.bind({ chol, matrix, rhs: fprime, solution });
    pass.setPipeline(solve.pipeline);
    for (let k = 0; k < this.blocks; k++) {
      pass.setBindGroup(0, solveGroup, [k * DYNAMIC_OFFSET_ALIGNMENT]);
      pass.dispatchWorkgroups(1);
    }
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    const [statusWords, y, f, v] = await Promise.all([this.read(status, 16), this.read(solution, n * 4), this.read(fprime, n * 4), this.read(variances, n * 4)]);
    await this.flush();
    const flags = new Uint32Array(statusWords);
    if (flags[0] !== 0) {
      const index = flags[1]!;
      const value = new Float32Array(statusWords, 8, 1)[0]!;
      throw new NotPositiveDefiniteError(
        `${options.label ? `${options.label}: ` : ''}the pooled covariance of the two conditions is not positive definite ` +
          `(Cholesky pivot ${index}, neuron ${index}, is ${value} after elimination; first failure). Neurons may be silent, ` +
          'linearly dependent, or too few trials were merged; remove them or opt in to a ridge (ridge / --ridge λ).',
        index,
        value,
      );
    }
    const solutionValues = new Float32Array(y);
    let information = 0;
    for (let i = 0; i < n; i++) information += solutionValues[i]! * solutionValues[i]!;
    return { neurons: n, information, fprime: Float64Array.from(new Float32Array(f)), variances: Float64Array.from(new Float32Array(v)) };
  }
}
