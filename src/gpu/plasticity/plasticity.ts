/**
 * Synaptic plasticity on the GPU, batched: B independent trials share one dense weight matrix
 * and each contributes its own activity; the weight change is the mean over trials.
 *
 * Rules (formulas, float64 references and parameter validation in `src/cpu/plasticity.ts`):
 * - dendrite-gated basal rule (Urbanczik–Senn / Sacramento): ΔW_ij = η·⟨apical_i·gain_i·x_j⟩_b;
 * - node perturbation (Legenstein et al. 2010): ΔW_ij = η·⟨(R − R̄)(r_i − r̄_i)·x_j⟩_b;
 * - pair-based STDP with exponential traces (all-to-all pairing), one call per step.
 * Weights are clipped to [wMin, wMax] after every update. One thread per synapse loops over the
 * trials in order (no float atomics), so results are bitwise reproducible and independent of
 * the dispatch layout.
 *
 * `encode*` methods record work into a caller's command encoder (for the engine); the `run*`
 * methods upload host arrays, run, and read the weights back (tests, host-driven protocols).
 * After submitting encoded work, call {@link GpuPlasticity.flush} once it may be freed.
 */
import type { GpuContext } from '../context.js';
import { kernelCacheFor, type KernelCache, type Kernel } from '../kernels.js';
import type { ShaderSourceLoader } from '../shaders.js';
import { checkRequests } from '../memory.js';
import { decodeNpy, encodeNpy } from '../../io/npy.js';
import {
  checkFinite,
  checkPositiveInteger,
  stdpDecays,
  validateLearningRuleParams,
  validateStdpParams,
  type DendriticGatedData,
  type LearningRuleParams,
  type NodePerturbationData,
  type StdpParams,
} from '../../model/plasticity.js';

export type { DendriticGatedData, LearningRuleParams, NodePerturbationData, StdpParams } from '../../model/plasticity.js';

/** A dense target-major weight matrix W[i][j] on the GPU (f32, flat `i·sources + j`). */
export interface PlasticWeights {
  /** Number of postsynaptic neurons (rows), ≥ 1. */
  readonly targets: number;
  /** Number of presynaptic neurons (columns), ≥ 1. */
  readonly sources: number;
  /** targets·sources f32 values; usage STORAGE | COPY_SRC | COPY_DST. */
  readonly buffer: GPUBuffer;
}

/** STDP traces of one weight matrix and batch size: their values after the last step. */
export interface StdpState {
  readonly targets: number;
  readonly sources: number;
  /** Number of trials B. */
  readonly batch: number;
  /** Presynaptic traces x, f32, flat `j·batch + b` (dimensionless, 0 initially). */
  readonly preTrace: GPUBuffer;
  /** Postsynaptic traces y, f32, flat `i·batch + b` (dimensionless, 0 initially). */
  readonly postTrace: GPUBuffer;
}

/** GPU inputs of the dendrite-gated rule: f32 storage buffers, batch-minor. */
export interface DendriticGatedBuffers {
  /** Apical (dendritic) error signal, targets × batch (flat `i·batch + b`). */
  readonly apical: GPUBuffer;
  /** Postsynaptic gain φ'(v), targets × batch. */
  readonly gain: GPUBuffer;
  /** Presynaptic (eligibility) trace, sources × batch (flat `j·batch + b`). */
  readonly preTrace: GPUBuffer;
  /** Number of trials B (positive integer). */
  readonly batch: number;
}

/** GPU inputs of the node-perturbation rule: f32 storage buffers. */
export interface NodePerturbationBuffers {
  /** Reward R_b of each trial, length batch. */
  readonly reward: GPUBuffer;
  /** Rates r of the targets, targets × batch (flat `i·batch + b`). */
  readonly rate: GPUBuffer;
  /** Mean rate r̄ of each target, length targets. */
  readonly meanRate: GPUBuffer;
  /** Presynaptic activity x, sources × batch (flat `j·batch + b`). */
  readonly input: GPUBuffer;
  /** Number of trials B (positive integer). */
  readonly batch: number;
  /** Reward baseline R̄ (finite), same units as the rewards. */
  readonly rewardBaseline: number;
}

/** This step's spikes on the GPU: u32 0/1 storage buffers (any nonzero counts as one spike). */
export interface StdpSpikeBuffers {
  /** Presynaptic spikes, sources × batch (flat `j·batch + b`). */
  readonly preSpikes: GPUBuffer;
  /** Postsynaptic spikes, targets × batch (flat `i·batch + b`). */
  readonly postSpikes: GPUBuffer;
}

/** A host spike train for {@link GpuPlasticity.runStdp}: `steps` steps, step-major. */
export interface StdpSpikeTrain {
  /** Number of steps (≥ 1). */
  readonly steps: number;
  /** Presynaptic spikes, [step][j·batch + b], 0 or 1. */
  readonly preSpikes: Uint32Array;
  /** Postsynaptic spikes, [step][i·batch + b], 0 or 1. */
  readonly postSpikes: Uint32Array;
}

/** Uniform buffers kept for reuse (identical parameters share one); beyond this, retired. */
const UNIFORM_CACHE_SIZE = 256;
/** Largest spike-train upload of one {@link GpuPlasticity.runStdp} chunk, bytes. */
const SPIKE_UPLOAD_BYTES = 64 * 1024 * 1024;

const align4 = (n: number): number => Math.ceil(n / 4) * 4;

const KERNEL_NAMES = ['plasticity_dendritic_gated', 'plasticity_node_perturbation', 'plasticity_stdp_pair', 'plasticity_stdp_trace_update'] as const;
type KernelName = (typeof KERNEL_NAMES)[number];

/** Batched plasticity rules on dense weight matrices. */
export class GpuPlasticity {
  private readonly device: GPUDevice;
  private readonly uniforms = new Map<string, GPUBuffer>();
  /** Buffers to destroy at the next flush (after the work using them completed). */
  private pending: GPUBuffer[] = [];

  private constructor(
    /** The device the weights live on. */
    readonly context: GpuContext,
    private readonly kernels: Readonly<Record<KernelName, Kernel>>,
  ) {
    this.device = context.device;
  }

  /**
   * Compile the plasticity kernels (shared with other modules through `cache`, if given).
   * @param shaders loader of `shaders/<layer>/<name>.wgsl`
   */
  static async create(context: GpuContext, shaders: ShaderSourceLoader, cache?: KernelCache): Promise<GpuPlasticity> {
    const kernels = cache ?? kernelCacheFor(context.device, shaders);
    // Weight-update kernels share plasticity/plasticity_common.wgsl; the trace update does not touch weights.
    const parts = (name: string): string[] => (name === 'plasticity_stdp_trace_update' ? ['engine/common.wgsl', `plasticity/${name}.wgsl`] : ['engine/common.wgsl', 'plasticity/plasticity_common.wgsl', `plasticity/${name}.wgsl`]);
    const entries = await Promise.all(KERNEL_NAMES.map(async (name) => [name, await kernels.get({ name, parts: parts(name) })] as const));
    return new GpuPlasticity(context, Object.fromEntries(entries) as Record<KernelName, Kernel>);
  }

  // ---------------------------------------------------------------- weights

  /**
   * Allocate a dense weight matrix W[i][j] (targets × sources, f32).
   * @param targets postsynaptic neurons, positive integer
   * @param sources presynaptic neurons, positive integer
   * @param initial targets·sources values, target-major (zeros if absent)
   * @throws RangeError for bad sizes; NetworkTooLargeError when the matrix exceeds one binding
   */
  createDenseWeights(targets: number, sources: number, initial?: Float32Array | Float64Array): PlasticWeights {
    checkPositiveInteger('targets', targets);
    checkPositiveInteger('sources', sources);
    const bytes = targets * sources * 4;
    checkRequests([{ owner: 'plasticity', purpose: `weights ${targets}×${sources}`, bytes, storageBinding: true }], this.context.limits, Infinity);
    const buffer = this.device.createBuffer({
      label: `plastic weights ${targets}×${sources}`,
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const weights: PlasticWeights = { targets, sources, buffer };
    if (initial !== undefined) this.writeWeights(weights, initial);
    return weights;
  }

  /** Free a weight matrix. */
  releaseWeights(w: PlasticWeights): void {
    w.buffer.destroy();
  }

  /** Copy of the weights (f32, target-major), after all work submitted so far. */
  async readWeights(w: PlasticWeights): Promise<Float32Array> {
    return new Float32Array(await this.read(w.buffer, w.targets * w.sources * 4));
  }

  /**
   * Overwrite the weights (queued: takes effect before work submitted later).
   * @param data targets·sources values, target-major (float64 is rounded to f32)
   */
  writeWeights(w: PlasticWeights, data: Float32Array | Float64Array): void {
    const expected = w.targets * w.sources;
    if (data.length !== expected) throw new RangeError(`weights data must have ${expected} values (${w.targets} targets × ${w.sources} sources), got ${data.length}`);
    const values = data instanceof Float32Array ? data : Float32Array.from(data);
    this.device.queue.writeBuffer(w.buffer, 0, values.buffer, values.byteOffset, values.byteLength);
  }

  /** Snapshot of the weights for {@link restoreWeights} (a copy; f32, target-major). */
  saveWeights(w: PlasticWeights): Promise<Float32Array> {
    return this.readWeights(w);
  }

  /**
   * Restore weights saved by {@link saveWeights} (or any targets·sources values).
   * @throws RangeError when the size does not match
   */
  restoreWeights(w: PlasticWeights, data: Float32Array | Float64Array): void {
    this.writeWeights(w, data);
  }

  /** The weights as a `.npy` file: float32, shape (targets, sources), C order. */
  async weightsToNpy(w: PlasticWeights): Promise<Uint8Array> {
    return encodeNpy(await this.readWeights(w), [w.targets, w.sources]);
  }

  /**
   * Load weights from a `.npy` file of shape (targets, sources), float32 or float64 (rounded).
   * @throws RangeError naming the expected shape or dtype; Error for a malformed file
   */
  weightsFromNpy(w: PlasticWeights, bytes: Uint8Array): void {
    const { data, shape, dtype } = decodeNpy(bytes);
    if (shape.length !== 2 || shape[0] !== w.targets || shape[1] !== w.sources) {
      throw new RangeError(`weights .npy must have shape (${w.targets}, ${w.sources}) (targets, sources), got (${shape.join(', ')})`);
    }
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new RangeError(`weights .npy must hold float32 or float64 values, got dtype ${dtype}`);
    }
    this.writeWeights(w, data);
  }

  // ---------------------------------------------------------------- rules

  /**
   * Encode the dendrite-gated basal rule: ΔW_ij = η · Σ_b apical[i,b]·gain[i,b]·preTrace[j,b] / B,
   * then W clipped to [wMin, wMax].
   * @throws RangeError naming an invalid parameter or a buffer that is too small
   */
  encodeDendriticGated(encoder: GPUCommandEncoder, w: PlasticWeights, inputs: DendriticGatedBuffers, params: LearningRuleParams): void {
    validateLearningRuleParams(params);
    const batch = inputs.batch;
    checkPositiveInteger('batch', batch);
    checkBuffer('apical', inputs.apical, w.targets * batch, 'targets × batch');
    checkBuffer('gain', inputs.gain, w.targets * batch, 'targets × batch');
    checkBuffer('preTrace', inputs.preTrace, w.sources * batch, 'sources × batch');
    const kernel = this.kernels.plasticity_dendritic_gated;
    const rule = this.uniform(kernel, 'rule', {
      targets: w.targets, sources: w.sources, batch, learning_rate: params.learningRate, w_min: params.wMin, w_max: params.wMax,
    });
    const pass = encoder.beginComputePass({ label: 'plasticity: dendrite-gated' });
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, kernel.bind({ rule, weights: w.buffer, apical: inputs.apical, gain: inputs.gain, pre_trace: inputs.preTrace }));
    this.dispatchFlat(pass, w.targets * w.sources);
    pass.end();
  }

  /**
   * Encode the node-perturbation rule: ΔW_ij = η · Σ_b (R_b − R̄)·(r_ib − r̄_i)·x_jb / B, then
   * W clipped to [wMin, wMax].
   * @throws RangeError naming an invalid parameter or a buffer that is too small
   */
  encodeNodePerturbation(encoder: GPUCommandEncoder, w: PlasticWeights, inputs: NodePerturbationBuffers, params: LearningRuleParams): void {
    validateLearningRuleParams(params);
    checkFinite('rewardBaseline', inputs.rewardBaseline);
    const batch = inputs.batch;
    checkPositiveInteger('batch', batch);
    checkBuffer('reward', inputs.reward, batch, 'one per trial');
    checkBuffer('rate', inputs.rate, w.targets * batch, 'targets × batch');
    checkBuffer('meanRate', inputs.meanRate, w.targets, 'one per target');
    checkBuffer('input', inputs.input, w.sources * batch, 'sources × batch');
    const kernel = this.kernels.plasticity_node_perturbation;
    const rule = this.uniform(kernel, 'rule', {
      targets: w.targets, sources: w.sources, batch, learning_rate: params.learningRate, w_min: params.wMin, w_max: params.wMax,
      reward_baseline: inputs.rewardBaseline,
    });
    const pass = encoder.beginComputePass({ label: 'plasticity: node perturbation' });
    pass.setPipeline(kernel.pipeline);
    pass.setBindGroup(0, kernel.bind({ rule, weights: w.buffer, reward: inputs.reward, rate: inputs.rate, mean_rate: inputs.meanRate, input: inputs.input }));
    this.dispatchFlat(pass, w.targets * w.sources);
    pass.end();
  }

  /** Zero STDP traces for `w` and `batch` trials (positive integer). */
  createStdpState(w: PlasticWeights, batch: number): StdpState {
    checkPositiveInteger('batch', batch);
    const make = (count: number, label: string): GPUBuffer =>
      this.device.createBuffer({ label, size: count * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    return { targets: w.targets, sources: w.sources, batch, preTrace: make(w.sources * batch, 'STDP pre trace'), postTrace: make(w.targets * batch, 'STDP post trace') };
  }

  /** Set all traces back to 0 (queued like a write). */
  resetStdpState(state: StdpState): void {
    this.device.queue.writeBuffer(state.preTrace, 0, new Float32Array(state.sources * state.batch));
    this.device.queue.writeBuffer(state.postTrace, 0, new Float32Array(state.targets * state.batch));
  }

  /** Free the trace buffers. */
  releaseStdpState(state: StdpState): void {
    state.preTrace.destroy();
    state.postTrace.destroy();
  }

  /** Copy of the traces (after all work submitted so far). */
  async readStdpTraces(state: StdpState): Promise<{ preTrace: Float32Array; postTrace: Float32Array }> {
    const [pre, post] = await Promise.all([this.read(state.preTrace, state.sources * state.batch * 4), this.read(state.postTrace, state.targets * state.batch * 4)]);
    return { preTrace: new Float32Array(pre), postTrace: new Float32Array(post) };
  }

  /**
   * Encode one step of pair-based STDP (all-to-all pairing through traces that add 1 per spike):
   * ΔW_ij = Σ_b (A+·post_ib·x_jb·e^{−dt/τ+} − A−·pre_jb·y_ib·e^{−dt/τ−}) / B with x, y the traces
   * after the previous step, W clipped to [wMin, wMax]; then traces ← traces·e^{−dt/τ} + spikes.
   * A pre spike n steps before a post spike adds A+·e^{−n·dt/τ+}; a post spike n steps before a
   * pre spike subtracts A−·e^{−n·dt/τ−}; spikes of the same step do not pair.
   * @throws RangeError naming an invalid parameter, a mismatched state or a too-small buffer
   */
  encodeStdpStep(encoder: GPUCommandEncoder, w: PlasticWeights, state: StdpState, spikes: StdpSpikeBuffers, params: StdpParams): void {
    validateStdpParams(params);
    checkStateMatches(w, state);
    const batch = state.batch;
    checkBuffer('preSpikes', spikes.preSpikes, w.sources * batch, 'sources × batch');
    checkBuffer('postSpikes', spikes.postSpikes, w.targets * batch, 'targets × batch');
    const decay = stdpDecays(params);
    const pair = this.kernels.plasticity_stdp_pair;
    const traceUpdate = this.kernels.plasticity_stdp_trace_update;
    const rule = this.uniform(pair, 'rule', {
      targets: w.targets, sources: w.sources, batch, a_plus: params.aPlus, a_minus: params.aMinus,
      decay_plus: decay.plus, decay_minus: decay.minus, w_min: params.wMin, w_max: params.wMax,
    });
    const pass = encoder.beginComputePass({ label: 'plasticity: STDP step' });
    pass.setPipeline(pair.pipeline);
    pass.setBindGroup(0, pair.bind({
      rule, weights: w.buffer, pre_spikes: spikes.preSpikes, post_spikes: spikes.postSpikes, pre_trace: state.preTrace, post_trace: state.postTrace,
    }));
    this.dispatchFlat(pass, w.targets * w.sources);
    // Dispatches of one pass are ordered: the traces advance after every synapse read them.
    pass.setPipeline(traceUpdate.pipeline);
    const preCount = w.sources * batch;
    const postCount = w.targets * batch;
    pass.setBindGroup(0, traceUpdate.bind({ trace_step: this.uniform(traceUpdate, 'trace_step', { count: preCount, decay: decay.plus }), spikes: spikes.preSpikes, trace: state.preTrace }));
    this.dispatchFlat(pass, preCount);
    pass.setBindGroup(0, traceUpdate.bind({ trace_step: this.uniform(traceUpdate, 'trace_step', { count: postCount, decay: decay.minus }), spikes: spikes.postSpikes, trace: state.postTrace }));
    this.dispatchFlat(pass, postCount);
    pass.end();
  }

  // ---------------------------------------------------------------- host-driven convenience

  /** Upload host inputs, apply the dendrite-gated rule once, and return the new weights. */
  async runDendriticGated(w: PlasticWeights, data: DendriticGatedData, params: LearningRuleParams): Promise<Float32Array> {
    validateLearningRuleParams(params);
    checkPositiveInteger('batch', data.batch);
    checkLength('apical', data.apical, w.targets * data.batch, 'targets × batch');
    checkLength('gain', data.gain, w.targets * data.batch, 'targets × batch');
    checkLength('preTrace', data.preTrace, w.sources * data.batch, 'sources × batch');
    const inputs: DendriticGatedBuffers = {
      apical: this.upload(data.apical, 'apical'),
      gain: this.upload(data.gain, 'gain'),
      preTrace: this.upload(data.preTrace, 'pre trace'),
      batch: data.batch,
    };
    const encoder = this.device.createCommandEncoder({ label: 'plasticity: dendrite-gated' });
    this.encodeDendriticGated(encoder, w, inputs, params);
    this.device.queue.submit([encoder.finish()]);
    const weights = await this.readWeights(w);
    await this.flush();
    return weights;
  }

  /** Upload host inputs, apply the node-perturbation rule once, and return the new weights. */
  async runNodePerturbation(w: PlasticWeights, data: NodePerturbationData, params: LearningRuleParams): Promise<Float32Array> {
    validateLearningRuleParams(params);
    checkFinite('rewardBaseline', data.rewardBaseline);
    checkPositiveInteger('batch', data.batch);
    checkLength('reward', data.reward, data.batch, 'one per trial');
    checkLength('rate', data.rate, w.targets * data.batch, 'targets × batch');
    checkLength('meanRate', data.meanRate, w.targets, 'one per target');
    checkLength('input', data.input, w.sources * data.batch, 'sources × batch');
    const inputs: NodePerturbationBuffers = {
      reward: this.upload(data.reward, 'reward'),
      rate: this.upload(data.rate, 'rate'),
      meanRate: this.upload(data.meanRate, 'mean rate'),
      input: this.upload(data.input, 'input'),
      batch: data.batch,
      rewardBaseline: data.rewardBaseline,
    };
    const encoder = this.device.createCommandEncoder({ label: 'plasticity: node perturbation' });
    this.encodeNodePerturbation(encoder, w, inputs, params);
    this.device.queue.submit([encoder.finish()]);
    const weights = await this.readWeights(w);
    await this.flush();
    return weights;
  }

  /**
   * Run `train.steps` STDP steps from host spike trains (uploaded in chunks, one command buffer
   * per chunk) and return the new weights; the traces in `state` carry over between calls.
   * @throws RangeError naming an invalid parameter or a train of the wrong length
   */
  async runStdp(w: PlasticWeights, state: StdpState, train: StdpSpikeTrain, params: StdpParams): Promise<Float32Array> {
    validateStdpParams(params);
    checkStateMatches(w, state);
    checkPositiveInteger('steps', train.steps);
    const preCount = w.sources * state.batch;
    const postCount = w.targets * state.batch;
    checkLength('preSpikes', train.preSpikes, train.steps * preCount, 'steps × sources × batch');
    checkLength('postSpikes', train.postSpikes, train.steps * postCount, 'steps × targets × batch');
    const stepSpikes: StdpSpikeBuffers = { preSpikes: this.scratch(preCount * 4, 'STDP pre spikes'), postSpikes: this.scratch(postCount * 4, 'STDP post spikes') };
    const chunkSteps = Math.max(1, Math.floor(SPIKE_UPLOAD_BYTES / ((preCount + postCount) * 4)));
    for (let first = 0; first < train.steps; first += chunkSteps) {
      const steps = Math.min(chunkSteps, train.steps - first);
      const pre = this.upload(train.preSpikes.subarray(first * preCount, (first + steps) * preCount), 'STDP pre spike train');
      const post = this.upload(train.postSpikes.subarray(first * postCount, (first + steps) * postCount), 'STDP post spike train');
      const encoder = this.device.createCommandEncoder({ label: 'plasticity: STDP steps' });
      for (let s = 0; s < steps; s++) {
        encoder.copyBufferToBuffer(pre, s * preCount * 4, stepSpikes.preSpikes, 0, preCount * 4);
        encoder.copyBufferToBuffer(post, s * postCount * 4, stepSpikes.postSpikes, 0, postCount * 4);
        this.encodeStdpStep(encoder, w, state, stepSpikes, params);
      }
      this.device.queue.submit([encoder.finish()]);
    }
    const weights = await this.readWeights(w);
    await this.flush();
    return weights;
  }

  /** Wait for all submitted work, then free per-call buffers (call after submitting `encode*` work). */
  async flush(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
    for (const buffer of this.pending) buffer.destroy();
    this.pending = [];
  }

  /** Free cached uniforms and pending buffers (weights and states are released separately). */
  async destroy(): Promise<void> {
    await this.flush();
    for (const buffer of this.uniforms.values()) buffer.destroy();
    this.uniforms.clear();
  }

  // ---------------------------------------------------------------- internals

  /** An immutable uniform buffer holding `values`, shared by identical parameter sets. */
  private uniform(kernel: Kernel, binding: string, values: Record<string, number>): GPUBuffer {
    const bytes = kernel.packUniform(binding, values);
    const key = `${kernel.key}/${binding}/${Array.from(new Uint32Array(bytes), (x) => x.toString(16)).join(',')}`;
    let buffer = this.uniforms.get(key);
    if (buffer === undefined) {
      if (this.uniforms.size >= UNIFORM_CACHE_SIZE) {
        // Possibly still referenced by unsubmitted encoders: destroyed at the next flush.
        this.pending.push(...this.uniforms.values());
        this.uniforms.clear();
      }
      buffer = this.device.createBuffer({ label: `${kernel.key} ${binding}`, size: bytes.byteLength, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
      new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(bytes));
      buffer.unmap();
      this.uniforms.set(key, buffer);
    }
    return buffer;
  }

  /** One thread per item, workgroups of 64, spilling into y beyond maxComputeWorkgroupsPerDimension. */
  private dispatchFlat(pass: GPUComputePassEncoder, items: number): void {
    const groups = Math.ceil(items / 64);
    const x = Math.min(groups, this.context.limits.maxComputeWorkgroupsPerDimension);
    pass.dispatchWorkgroups(x, Math.ceil(groups / x));
  }

  /** A per-call storage buffer, freed at the next flush. */
  private scratch(bytes: number, label: string): GPUBuffer {
    const buffer = this.device.createBuffer({ label, size: align4(Math.max(4, bytes)), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    this.pending.push(buffer);
    return buffer;
  }

  /** Upload host values (float64 rounded to f32; Uint32Array as is) into a per-call buffer. */
  private upload(data: Float32Array | Float64Array | Uint32Array, label: string): GPUBuffer {
    const values = data instanceof Float64Array ? Float32Array.from(data) : data;
    const buffer = this.device.createBuffer({
      label,
      size: align4(Math.max(4, values.byteLength)),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      mappedAtCreation: true,
    });
    const target = new Uint8Array(buffer.getMappedRange());
    target.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    buffer.unmap();
    this.pending.push(buffer);
    return buffer;
  }

  private async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({ size: align4(Math.max(4, bytes)), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, staging, 0, align4(bytes));
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const copy = staging.getMappedRange().slice(0, bytes);
    staging.unmap();
    staging.destroy();
    return copy;
  }
}

/** RangeError naming `name` unless `buffer` is a storage buffer holding at least `count` 4-byte values. */
function checkBuffer(name: string, buffer: GPUBuffer, count: number, what: string): void {
  if ((buffer.usage & GPUBufferUsage.STORAGE) === 0) throw new RangeError(`${name} must be a STORAGE buffer`);
  if (buffer.size < count * 4) throw new RangeError(`${name} must hold ${count} values (${what}, ${count * 4} bytes), but the buffer has ${buffer.size} bytes`);
}

/** RangeError unless `state` was made for weights of the shape of `w`. */
function checkStateMatches(w: PlasticWeights, state: StdpState): void {
  if (state.targets !== w.targets || state.sources !== w.sources) {
    throw new RangeError(`state was made for ${state.targets}×${state.sources} weights, not ${w.targets}×${w.sources}`);
  }
}

/** RangeError naming `name` unless the host array has exactly `count` values. */
function checkLength(name: string, data: ArrayLike<number>, count: number, what: string): void {
  if (data.length !== count) throw new RangeError(`${name} must have ${count} values (${what}), got ${data.length}`);
}
