/**
 * The GPU engine: executes a {@link NetworkPlan} with WGSL kernels. All state stays on the
 * GPU; a command buffer carries many steps (the step number reaches each kernel through a
 * dynamically offset uniform, so nothing is read back between steps); recorders write into
 * per-chunk GPU buffers that are copied to mappable staging buffers and drained
 * asynchronously while the next chunks run.
 */
import type { NetworkSpec } from '../model/spec.js';
import { resolveRunTiming } from '../model/schema.js';
import { drawInitialState, planNetwork, type InputPlan, type NetworkPlan, type RecorderPlan } from '../model/plan.js';
import { RecordingCollector, type Recording } from '../model/recording.js';
import { canonicalParam, emitsSpikes, outputIndex, resolveParams } from '../model/models.js';
import { DeviceLostError, type GpuContext } from './context.js';
import { DYNAMIC_OFFSET_ALIGNMENT, kernelCacheFor, type KernelCache, type Kernel } from './kernels.js';
import { NetworkTooLargeError, checkRequests, defaultMemoryBudget, type MemoryReport } from './memory.js';
import { checkMemoryEstimate, estimateNetworkMemory, type MemoryEstimate } from './sizing.js';
import { channelScales, createStorageBuffer, downloadConnectivity, generateOnDevice, type ConnectivityAllocator, type DeviceConnectivity } from './connectivity.js';
import { bankBindings, buildProjections, propagationLibrary, type PropagationBuffers } from './propagation.js';
import { buildRecorders, chooseStepsPerSubmit, parseRecords, type RecordRegion } from './recorders.js';
import { REGION_WORDS, buildPopulationGroups, groupInfo, packInputTable, spikeSlots, type BufferRegion, type PopulationBuffers, type PopulationGroup } from './populations.js';

export { modelUpdateKernel, type BufferRegion } from './populations.js';
import { PERSISTENT_MAX_NEURONS, PERSISTENT_MAX_SYNAPSES, blockLengths, checkScheduleOptions, chooseStepsPerDispatch, dispatchGrid, encodeBlock, persistentKernel, persistentStorageBuffers, PERSISTENT_FIRST_BANK_BINDING, type Dispatch, type ScheduleOptions } from './schedule.js';
import { distributionAbsBound, type Connectivity } from '../model/connectivity.js';
import type { ShaderSourceLoader } from './shaders.js';
import { GpuLinearFisher } from './analysis/linear-fisher.js';
import { InformationAnalysis, type InformationAnalysisOptions } from './analysis/information-analysis.js';

/** Options of {@link GpuSimulator.create}. */
export interface GpuSimulatorOptions {
  readonly context: GpuContext;
  /** Reads `shaders/<layer>/*.wgsl` (Node: `nodeShaderLoader`; browser: `bundledShaderLoader`). */
  readonly shaders: ShaderSourceLoader;
  /** Steps encoded per command buffer, 1 … 10,000 (default 200; reduced when recording buffers would be large). */
  readonly stepsPerSubmit?: number;
  /** GPU memory the network may use, bytes (default: 4 GiB in browsers, a quarter of host memory for software adapters in Node, 16 GiB otherwise). */
  readonly memoryBudgetBytes?: number;
  /** Command buffers in flight before the host waits for the oldest (default 2). */
  readonly maxChunksInFlight?: number;
  /** Steps per dispatch, merged populations, propagation workgroups (defaults: chosen from the network). */
  readonly schedule?: ScheduleOptions;
}

/** Progress of a run, reported after each drained command buffer. */
export interface RunProgress {
  readonly stepsDone: number;
  readonly stepsTotal: number;
  /** Simulated time since the start of this run, ms. */
  readonly simulatedMs: number;
  /** Wall-clock time since the start of this run, s. */
  readonly wallS: number;
}

/** Options of {@link GpuSimulator.run}. */
export interface RunOptions {
  readonly onProgress?: (progress: RunProgress) => void;
  /** Stops the run after the command buffer in progress; results so far are kept. */
  readonly signal?: AbortSignal;
}

/** What a run did. */
export interface RunReport {
  readonly steps: number;
  readonly simulatedMs: number;
  readonly wallS: number;
  /** Neuron updates per second of wall time (neurons × batch × steps / wall). */
  readonly neuronStepsPerS: number;
  readonly aborted: boolean;
}

/**
 * GPU work that an attachment (a display history, a probe) adds to every simulated step. It
 * is encoded after the simulator's own kernels and recorders, in the same compute pass, with
 * the step clock bound at its dynamic offset: binding `clock` of the kernel must be bound to
 * {@link GpuSimulator.stepClock}.
 */
export interface StepAttachment {
  readonly kernel: Kernel;
  readonly bindGroup: GPUBindGroup;
  /** Direct dispatch size (workgroups x, y), or an indirect-argument buffer and byte offset. */
  readonly size?: readonly [number, number];
  readonly indirect?: { readonly buffer: GPUBuffer; readonly offset: number };
  /** Dispatch only on steps where `step % every == 0` (default: every step). */
  readonly every?: number;
}

/** GPU buffers of one population, for attachments that read the state in place (no readback). */
export interface PopulationGpuBuffers {
  readonly name: string;
  readonly size: number;
  readonly batch: number;
  /** State variables in buffer order; variable v of neuron n, trial b is at `v·size·batch + n·batch + b` (f32) of the region. */
  readonly stateVariables: readonly string[];
  /** The population's state (a region of its merged group's state buffer). */
  readonly state: BufferRegion;
  /**
   * Spike lists (`spikeLists` lists of `spikeBlockWords` u32 each: count, per-trial counts, then
   * flat `neuron·batch + trial` indices; step t uses list t mod spikeLists), or null when the
   * population does not emit spikes.
   */
  readonly spikes: BufferRegion | null;
  readonly spikeBlockWords: number;
  readonly spikeLists: number;
}

/** Thrown when a state variable becomes NaN or infinite; recordings up to that point are kept on the simulator. */
export class DivergenceError extends Error {
  override readonly name = 'DivergenceError';
  constructor(
    message: string,
    readonly population: string,
    readonly neuron: number,
    readonly trial: number,
    readonly step: number,
    readonly variable: string,
  ) {
    super(message);
  }
}

const STEP_UNIFORM_BYTES = 16;
/** Steps of each timed command buffer when a run decides persistent mode (ScheduleOptions.persistent 'auto'). */
const CALIBRATION_STEPS = 50;
/** Steps simulated before the timing starts (a start-up transient would bias it). */
const CALIBRATION_AFTER_STEPS = 500;
const STATUS_WORDS = 8;


interface StagingSet {
  buffer: GPUBuffer;
  busy: Promise<void> | null;
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;


/** Default memory budget: see {@link GpuSimulatorOptions.memoryBudgetBytes}. */
async function defaultBudget(context: GpuContext): Promise<number> {
  // Host memory matters only on software adapters in Node (there it is the GPU's memory).
  const hostMemory = context.info.runtime !== 'browser' && context.info.software ? (await import('node:os')).totalmem() : 0;
  return defaultMemoryBudget(context.info, hostMemory).bytes;
}


/** A network on the GPU. Create with {@link GpuSimulator.create}. */
export class GpuSimulator {
  /** Steps simulated so far. */
  stepCount = 0;
  /** Recorded data (host side), filled as chunks drain. */
  readonly collector: RecordingCollector;

  private readonly device: GPUDevice;
  private readonly pops: PopulationBuffers[] = [];
  private readonly groups: PopulationGroup[] = [];
  private readonly dispatches: Dispatch[] = [];
  /** The persistent kernel's dispatch, when this network may run in persistent mode. */
  private persistentDispatch: Dispatch | null = null;
  /** Persistent mode: in use, not, or to be decided by timing both in the next run. */
  private persistentChoice: 'on' | 'off' | 'calibrate' = 'off';
  /** Why persistent mode is used or not (set once decided). */
  persistentReason = '';
  private persistentBindings: { kernel: Kernel; clock: { buffer: GPUBuffer; size: number }; ring: GPUBuffer; propagation: PropagationBuffers } | null = null;
  private readonly regions: RecordRegion[] = [];
  private readonly staging: StagingSet[] = [];
  private stepUniforms!: GPUBuffer;
  private status!: GPUBuffer;
  /** Spike lists of every population that emits spikes. */
  private spikeLists!: GPUBuffer;
  /** Spike records and population-rate records of spiking populations (per command buffer). */
  private records!: GPUBuffer;
  private stagingBytes = 0;
  private spikeRecordClears: { buffer: GPUBuffer; offset: number; bytes: number }[] = [];
  private destroyed = false;
  private running = false;
  private gpuError: string | null = null;
  /** Global trial of batch index 0 in the current trial block. */
  private trialOffsetValue = 0;
  private readonly allocated: GPUBuffer[] = [];
  private readonly analyses: InformationAnalysis[] = [];
  private readonly attachments: StepAttachment[] = [];
  /** Synapses of spike projections generated on the device, by projection index. */
  private readonly deviceSynapses = new Map<number, DeviceConnectivity>();
  /** Fixed-point scale of each spike input channel, by population index. */
  private readonly channelScale = new Map<number, number[]>();
  /** GPU matrices of dense rate projections, by projection index (row chunks). */
  private readonly denseChunks = new Map<number, { begin: number; end: number; buffer: GPUBuffer }[]>();
  /** Parameters changed live (setPopulationParams), by population index. */
  private readonly currentParams = new Map<number, Readonly<Record<string, number | string>>>();
  /** Current (mutable) input descriptions, by spec input index. */
  private readonly inputs = new Map<number, InputPlan>();
  private cache!: KernelCache;
  private shaders!: ShaderSourceLoader;
  private dummyWritable!: GPUBuffer;
  /** Placeholder spike list for rate populations without spikes (distinct from other placeholders). */
  private unusedSpikes!: GPUBuffer;

  private constructor(
    readonly plan: NetworkPlan,
    readonly context: GpuContext,
    /** Bytes per owner, as checked against the device's limits. */
    readonly memory: MemoryReport,
    /** Steps per command buffer. */
    readonly stepsPerSubmit: number,
    private readonly maxChunksInFlight: number,
    /** Steps one dispatch advances (blocks of steps), and why that many. */
    readonly stepsPerDispatch: number,
    readonly stepsPerDispatchReason: string,
    private readonly scheduleOptions: ScheduleOptions,
  ) {
    this.device = context.device;
    this.collector = new RecordingCollector(plan);
    this.device.addEventListener('uncapturederror', this.onUncapturedError);
  }

  /** The device's first uncaptured error while this simulator lives (removed on destroy, so a destroyed simulator is not kept alive by the device). */
  private readonly onUncapturedError = (event: Event): void => {
    this.gpuError ??= (event as GPUUncapturedErrorEvent).error.message;
  };

  /**
   * Validate a spec, check it fits the device, build connectivity and upload everything.
   * @throws SpecError (invalid spec), NetworkTooLargeError (does not fit), ShaderCompileError.
   */
  static async create(spec: NetworkSpec, options: GpuSimulatorOptions): Promise<GpuSimulator> {
    const { context } = options;
    checkScheduleOptions(options.schedule);
    const budget = options.memoryBudgetBytes ?? (await defaultBudget(context));
    const limits = context.limits;
    let estimate: MemoryEstimate | undefined;
    const plan = planNetwork(spec, {
      beforeBuild: () => {
        // Refuse before anything is built, from the memory estimate `cortexgpu validate` prints
        // (the engine's buffer layout: src/gpu/sizing.ts).
        estimate = estimateNetworkMemory(spec, options.stepsPerSubmit !== undefined ? { stepsPerSubmit: options.stepsPerSubmit } : {});
        const verdict = checkMemoryEstimate(estimate, { bytes: budget, rule: 'the simulator\'s memory budget' }, limits);
        if (!verdict.fits) {
          const first = verdict.problems[0]!;
          throw new NetworkTooLargeError(verdict.message, first.requiredBytes, first.availableBytes);
        }
      },
    });
    const requestedSteps = Math.max(1, Math.min(10000, Math.floor(options.stepsPerSubmit ?? 200)));
    const allowed = chooseStepsPerDispatch(plan, options.schedule?.stepsPerDispatch);
    const perDispatch = allowed.steps > requestedSteps ? { steps: requestedSteps, reason: `steps per command buffer: ${requestedSteps}` } : allowed;
    const stepsPerSubmit = chooseStepsPerSubmit(plan, requestedSteps, perDispatch.steps);
    // The same estimate, for the command buffers' length as chosen: what sim.memory reports.
    if (estimate?.stepsPerSubmit !== stepsPerSubmit) estimate = estimateNetworkMemory(spec, { stepsPerSubmit });
    const memory = checkRequests(estimate.buffers, limits, budget);
    const sim = new GpuSimulator(plan, context, memory, stepsPerSubmit, options.maxChunksInFlight ?? 2, perDispatch.steps, perDispatch.reason, options.schedule ?? {});
    sim.shaders = options.shaders;
    sim.cache = kernelCacheFor(context.device, options.shaders);
    await sim.build(sim.cache);
    return sim;
  }

  /**
   * Attach a linear-Fisher information analysis to a `spike_counts` recorder: from now on,
   * every run merges its completed windows (per condition) into GPU running statistics, and
   * `analysis.results()` gives I, I_shuffle, R and ρ per window.
   * @throws RangeError naming the option that is invalid
   */
  async attachInformation(options: InformationAnalysisOptions): Promise<InformationAnalysis> {
    this.checkAlive();
    const recorder = this.plan.recorders[options.recorder];
    if (!recorder || recorder.spec.type !== 'spike_counts') {
      const counts = this.plan.recorders.filter((r) => r.spec.type === 'spike_counts').map((r) => r.index);
      throw new RangeError(`attachInformation: recorder ${options.recorder} is not a spike_counts recorder (spike_counts recorders: ${counts.join(', ') || 'none'}).`);
    }
    const batch = this.plan.batch;
    for (const [name, trials] of [['trialsA', options.trialsA], ['trialsB', options.trialsB]] as const) {
      if (trials.length < 2) throw new RangeError(`attachInformation: ${name} needs at least 2 trials (got ${trials.length}).`);
      for (const t of trials) {
        if (!Number.isInteger(t) || t < 0 || t >= batch) throw new RangeError(`attachInformation: ${name} contains ${t}, not a batch index in [0, ${batch}).`);
      }
      if (new Set(trials).size !== trials.length) throw new RangeError(`attachInformation: ${name} lists a trial twice.`);
    }
    const overlap = options.trialsA.filter((t) => options.trialsB.includes(t));
    if (overlap.length > 0) throw new RangeError(`attachInformation: trials ${overlap.join(', ')} are in both conditions.`);
    if (!Number.isFinite(options.ds) || options.ds === 0) throw new RangeError(`attachInformation: ds must be finite and non-zero (got ${options.ds}).`);
    if (options.windowBins !== undefined && (!Number.isInteger(options.windowBins) || options.windowBins < 1)) {
      throw new RangeError(`attachInformation: windowBins must be an integer ≥ 1 (got ${options.windowBins}).`);
    }
    if (options.neurons !== undefined) {
      const nRec = recorder.neurons.length;
      if (options.neurons.length < 1 || options.neurons.some((k) => !Number.isInteger(k) || k < 0 || k >= nRec)) {
        throw new RangeError(`attachInformation: neurons must list positions in the recorder's ${nRec} neurons (0 … ${nRec - 1}).`);
      }
      if (new Set(options.neurons).size !== options.neurons.length) throw new RangeError('attachInformation: neurons lists a neuron twice.');
    }
    const fisher = await GpuLinearFisher.create(this.context, this.shaders, options.neurons?.length ?? recorder.neurons.length, this.cache);
    const analysis = new InformationAnalysis(fisher, recorder, options, this.plan.dtMs);
    this.analyses.push(analysis);
    return analysis;
  }

  /**
   * Add GPU work to every step from now on (see {@link StepAttachment}); returns a function that
   * removes it again. Changes made while {@link run} is in progress apply from its next
   * command buffer (steps already submitted are not affected).
   */
  attachStepWork(work: StepAttachment): () => void {
    this.checkAlive();
    if (work.every !== undefined && (!Number.isInteger(work.every) || work.every < 1)) throw new RangeError(`attachStepWork: every must be an integer ≥ 1 (got ${work.every})`);
    this.attachments.push(work);
    return () => {
      const i = this.attachments.indexOf(work);
      if (i >= 0) this.attachments.splice(i, 1);
    };
  }

  /** Whether a {@link run} is in progress. */
  get isRunning(): boolean {
    return this.running;
  }

  /** The per-step clock (`step`, `step_in_chunk` u32) to bind as `clock` in attached kernels, with the dynamic offset. */
  get stepClock(): { readonly buffer: GPUBuffer; readonly size: number } {
    return { buffer: this.stepUniforms, size: STEP_UNIFORM_BYTES };
  }

  /** The simulator's kernel cache (shared with attachments, so pipelines are compiled once). */
  get kernels(): KernelCache {
    return this.cache;
  }

  /**
   * GPU buffers of a population, for attachments that read state or spikes in place.
   * @throws RangeError naming the populations when there is none of that name
   */
  populationBuffers(population: string): PopulationGpuBuffers {
    this.checkAlive();
    const pb = this.pops.find((p) => p.plan.name === population);
    if (!pb) throw new RangeError(`No population '${population}' (have: ${this.pops.map((p) => p.plan.name).join(', ')})`);
    return {
      name: pb.plan.name,
      size: pb.plan.size,
      batch: this.plan.batch,
      stateVariables: pb.plan.model.state.map((v) => v.name),
      state: pb.state,
      spikes: pb.spikes,
      spikeBlockWords: 1 + this.plan.batch + pb.plan.size * this.plan.batch,
      spikeLists: 2 * this.stepsPerDispatch,
    };
  }

  /**
   * Compute dispatches encoded per simulation step, averaged over a run of `steps` steps from
   * `fromStep` (a dispatch advancing a block of k steps counts 1/k per step; dispatches with a
   * period, e.g. a recorder every k steps, count on the steps they run), by the stage of the
   * step: rate gathers, population updates, spike propagation (with the spike lists'
   * bookkeeping and spike recorders), recorders, and attachments (displays, probes).
   */
  dispatchesPerStep(fromStep = 0, steps = 1000): { total: number; byStage: Record<string, number> } {
    const counts: Record<string, number> = {};
    // Steps k in [fromStep, fromStep + steps) with k % every == 0, in closed form (such
    // dispatches only exist in schedules of one step per block).
    const multiples = (every: number): number => Math.floor((fromStep + steps - 1) / every) - Math.floor((fromStep - 1) / every);
    // Blocks of one run of `steps` steps: command buffers of stepsPerSubmit steps, cut into blocks.
    const persistent = this.persistentChoice === 'on' && this.attachments.length === 0;
    const perBlock = persistent ? this.stepsPerSubmit : this.attachments.length > 0 ? 1 : this.stepsPerDispatch;
    let blocks = 0;
    for (let done = 0; done < steps; done += this.stepsPerSubmit) blocks += Math.ceil(Math.min(this.stepsPerSubmit, steps - done) / perBlock);
    const count = (stage: string, d: { every?: number }): void => {
      counts[stage] = (counts[stage] ?? 0) + (d.every ? multiples(d.every) : blocks) / steps;
    };
    if (persistent) {
      count(this.persistentDispatch!.stage!, this.persistentDispatch!);
    } else {
      for (const d of this.dispatches) count(d.stage ?? 'other', d);
      for (const d of this.attachments) count('attachments', d);
    }
    return { total: Object.values(counts).reduce((a, b) => a + b, 0), byStage: counts };
  }

  /** How long generating each spike projection's synapses took (counting and filling passes, s). */
  connectivityTimings(): { projection: string; synapses: number; countS: number; fillS: number }[] {
    return [...this.deviceSynapses.entries()].map(([index, dc]) => ({ projection: this.plan.projections[index]!.name, synapses: dc.nSynapses, ...dc.timings }));
  }

  /**
   * Download a projection's synapses (outgoing rows by source). The engine keeps no host copy
   * of generated synapses; this reads them back from the device, each row sorted by (target,
   * delay, weight) so that the list does not depend on the order the generator wrote them in.
   * Weights are as in the spec (magnitudes with the receptor's sign applied by the engine).
   * @param projection index in the spec, or its name
   */
  async connectivity(projection: number | string): Promise<Connectivity> {
    this.checkAlive();
    const proj = typeof projection === 'number' ? this.plan.projections[projection] : this.plan.projections.find((p) => p.name === projection);
    if (!proj) throw new RangeError(`connectivity: no projection ${JSON.stringify(projection)} (have: ${this.plan.projections.map((p) => p.name).join(', ')})`);
    const device = this.deviceSynapses.get(proj.index);
    if (!device) return proj.connectivity!;
    if (!device.procedural) return downloadConnectivity(this.device, device);
    // Procedural: store the rows once into temporary buffers, read them back, free them.
    const temporary: GPUBuffer[] = [];
    const alloc: ConnectivityAllocator = {
      device: this.device, cache: this.cache, limits: this.context.limits,
      storage: (label, bytes, data) => {
        const buffer = createStorageBuffer(this.device, label, bytes, data);
        temporary.push(buffer);
        return buffer;
      },
    };
    try {
      return await downloadConnectivity(this.device, await generateOnDevice(alloc, proj.recipe, `${proj.name} (download)`));
    } finally {
      for (const b of temporary) b.destroy();
    }
  }

  /**
   * Replace the weights of a dense rate projection (all_to_all or matrix connector) without
   * rebuilding the network, e.g. for learned readouts and feedback.
   * @param projection index in the spec, or its name
   * @param weights target-major matrix `[target · sourceSize + source]`, signed values as used by the kernel
   * @throws RangeError when the projection is not dense or the size is wrong
   */
  setProjectionWeights(projection: number | string, weights: Float32Array): void {
    this.checkAlive();
    const proj = typeof projection === 'number' ? this.plan.projections[projection] : this.plan.projections.find((p) => p.name === projection);
    if (!proj) throw new RangeError(`setProjectionWeights: no projection ${JSON.stringify(projection)} (have: ${this.plan.projections.map((p) => p.name).join(', ')})`);
    const chunks = this.denseChunks.get(proj.index);
    if (!chunks) throw new RangeError(`setProjectionWeights: projection '${proj.name}' is not a dense rate projection; use the all_to_all or matrix connector between rate populations to update weights live.`);
    const ns = proj.recipe.sourceSize;
    const nt = proj.recipe.targetSize;
    if (weights.length !== ns * nt) {
      throw new RangeError(`setProjectionWeights: '${proj.name}' needs ${nt} × ${ns} = ${ns * nt} weights (got ${weights.length}).`);
    }
    for (const chunk of chunks) this.device.queue.writeBuffer(chunk.buffer, 0, weights, chunk.begin * ns, (chunk.end - chunk.begin) * ns);
  }

  /**
   * Change model parameters of a population live (e.g. from a UI slider), without rebuilding the
   * network: the derived constants are recomputed and take effect at the next step. Changes that
   * would need new buffers are refused: turning Poisson spiking of rate units on or off, or a
   * shorter refractory period than the one the spike recorders were sized for.
   * @param population the population's name
   * @param params parameters to change (others keep their current values)
   * @throws RangeError naming the parameter, its unit and allowed range
   */
  setPopulationParams(population: string, params: Readonly<Record<string, number | string>>): void {
    this.checkAlive();
    const pb = this.pops.find((p) => p.plan.name === population);
    if (!pb) throw new RangeError(`setPopulationParams: no population '${population}' (have: ${this.pops.map((p) => p.plan.name).join(', ')})`);
    const model = pb.plan.model;
    const current = this.currentParams.get(pb.plan.index) ?? pb.plan.params;
    const canonical = Object.fromEntries(Object.entries(params).map(([key, value]) => [canonicalParam(model, key), value]));
    for (const [name, value] of Object.entries(canonical)) {
      const meta = model.params.find((m) => m.name === name);
      const choice = model.choiceParams.find((m) => m.name === name);
      if (choice) {
        if (typeof value !== 'string' || !choice.choices.includes(value)) throw new RangeError(`setPopulationParams: ${population}.${name} must be one of ${choice.choices.join(', ')} (got ${String(value)})`);
        continue;
      }
      if (!meta) throw new RangeError(`setPopulationParams: model ${model.name} has no parameter '${name}' (has: ${[...model.params, ...model.choiceParams].map((m) => m.name).join(', ')})`);
      const tooLow = meta.min !== undefined && (meta.minExclusive ? !(Number(value) > meta.min) : !(Number(value) >= meta.min));
      const tooHigh = meta.max !== undefined && !(Number(value) <= meta.max);
      if (typeof value !== 'number' || !Number.isFinite(value) || tooLow || tooHigh) {
        const range = `${meta.min !== undefined ? `${meta.minExclusive ? '>' : '≥'} ${meta.min}` : ''}${meta.max !== undefined ? ` and ≤ ${meta.max}` : ''}`;
        throw new RangeError(`setPopulationParams: ${population}.${name} must be a finite number${range ? ` ${range}` : ''} ${meta.unit} (got ${String(value)})`);
      }
    }
    const next = { ...current, ...canonical };
    const broken = model.checkParams?.(resolveParams(model, next));
    if (broken) throw new RangeError(`setPopulationParams: ${population}: ${broken.message}`);
    if (emitsSpikes(model, next) !== pb.plan.emitsSpikes) {
      throw new RangeError(`setPopulationParams: ${population}: turning spiking on or off (e.g. a rate unit's spike_rate_hz) changes the network's buffers; rebuild the simulator with the new spec`);
    }
    const dt = this.plan.dtMs;
    if (model.minInterSpikeSteps(next, dt) < model.minInterSpikeSteps(pb.plan.params, dt)) {
      throw new RangeError(`setPopulationParams: ${population}: a refractory period shorter than the spec's (${model.minInterSpikeSteps(pb.plan.params, dt)} steps) needs larger spike-record buffers; rebuild the simulator with the new spec`);
    }
    this.currentParams.set(pb.plan.index, next);
    const kernel = pb.group.kernel;
    const stride = kernel.binding('models').arrayStride;
    this.device.queue.writeBuffer(pb.group.models, pb.member * stride, kernel.packStructArray('models', [model.derive(next, dt)]), 0, stride);
  }

  /** Current parameters of a population (spec values, or live changes). */
  populationParams(population: string): Readonly<Record<string, number | string>> {
    const pb = this.pops.find((p) => p.plan.name === population);
    if (!pb) throw new RangeError(`populationParams: no population '${population}'`);
    return this.currentParams.get(pb.plan.index) ?? pb.plan.params;
  }

  /**
   * Change an input between runs: stimulus orientations per trial, amplitudes, tuning width,
   * baseline, or a Poisson input's rate. Takes effect at the next step.
   * @param input index in the spec's `inputs`
   */
  setInput(input: number, changes: { orientation_deg?: number | readonly number[]; amplitude?: number; kappa?: number; baseline?: number; rate_hz?: number; values?: ArrayLike<number> }): void {
    this.checkAlive();
    const current = this.inputs.get(input);
    if (!current) throw new RangeError(`setInput: no input ${input} (the spec has ${this.plan.spec.inputs?.length ?? 0})`);
    const batch = this.plan.batch;
    const next = { ...current, orientationsDeg: Float64Array.from(current.orientationsDeg) } as { -readonly [K in keyof InputPlan]: InputPlan[K] };
    for (const [key, value] of Object.entries(changes)) {
      if (key === 'orientation_deg' || key === 'values') continue;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`setInput: ${key} must be a finite number (got ${String(value)})`);
    }
    if (changes.orientation_deg !== undefined) {
      const values = typeof changes.orientation_deg === 'number' ? new Array<number>(batch).fill(changes.orientation_deg) : changes.orientation_deg;
      if (values.length !== batch || values.some((v) => !Number.isFinite(v))) throw new RangeError(`setInput: orientation_deg needs one finite value or ${batch} (one per trial)`);
      next.orientationsDeg = Float64Array.from(values);
    }
    if (changes.values !== undefined) {
      if (current.kind !== 'trial_current') throw new RangeError(`setInput: values apply to trial_current inputs (input ${input} is ${current.kind})`);
      if (changes.values.length !== current.values.length) throw new RangeError(`setInput: values needs ${current.values.length} numbers (size × batch, neuron-major), got ${changes.values.length}`);
      next.values = Float32Array.from(changes.values);
      if (next.values.some((v) => !Number.isFinite(v))) throw new RangeError('setInput: values must be finite');
    }
    if (changes.amplitude !== undefined) next.amplitude = changes.amplitude;
    if (changes.kappa !== undefined) next.kappa = changes.kappa;
    if (changes.baseline !== undefined) next.baseline = changes.baseline;
    if (changes.rate_hz !== undefined) {
      if (current.kind !== 'poisson') throw new RangeError(`setInput: rate_hz applies to Poisson inputs (input ${input} is ${current.kind})`);
      if (changes.rate_hz < 0) throw new RangeError(`setInput: rate_hz must be ≥ 0 (got ${changes.rate_hz})`);
      const spec = this.plan.spec.inputs![input]! as { n_sources?: number };
      next.lambda = ((spec.n_sources ?? 1) * changes.rate_hz * this.plan.dtMs) / 1000;
    }
    this.inputs.set(input, next);
    const pb = this.pops.find((p) => p.plan.inputs.some((inp) => inp.index === input))!;
    const tables = pb.plan.inputs.map((inp) => this.inputs.get(inp.index)!);
    this.device.queue.writeBuffer(pb.group.tables, pb.tableBase * 4, packInputTable(tables, batch));
  }

  /** Current simulated time within the trial block, ms. */
  get timeMs(): number {
    return this.stepCount * this.plan.dtMs;
  }

  /** Global trial number of batch index 0 in the current trial block. */
  get trialOffset(): number {
    return this.trialOffsetValue;
  }

  /**
   * Start a new block of `batch` trials (global trials `trialOffset … trialOffset + batch − 1`):
   * state returns to freshly drawn initial values, spikes in flight and inputs are cleared,
   * time restarts at 0 and every noise stream moves to the new trials. Connectivity, recorders
   * and attached analyses are kept, so many blocks accumulate into one set of trials.
   * @param trialOffset default: the next unused trials
   */
  async resetTrials(trialOffset = this.trialOffsetValue + this.plan.batch): Promise<void> {
    this.checkAlive();
    if (this.running) throw new Error('resetTrials() was called while run() is in progress; await the run first.');
    if (!Number.isInteger(trialOffset) || trialOffset < 0 || trialOffset + this.plan.batch > 0xffffffff) {
      throw new RangeError(`resetTrials(trialOffset): expected an integer in [0, 2^32 − batch), got ${trialOffset}`);
    }
    const { plan } = this;
    const encoder = this.device.createCommandEncoder({ label: 'reset trials' });
    for (const pb of this.pops) {
      const pop = pb.plan;
      const total = pop.size * plan.batch;
      const state = drawInitialState(pop, plan.seed, plan.batch, trialOffset);
      const data = new Float32Array(Math.max(1, state.length * total));
      state.forEach((values, v) => data.set(values, v * total));
      this.device.queue.writeBuffer(pb.state.buffer, pb.state.offset, data, 0, Math.min(data.length, pb.state.size / 4));
      encoder.clearBuffer(pb.input.buffer, pb.input.offset, pb.input.size);
      if (pb.history) {
        const r = state[outputIndex(pop.model)]!;
        const history = new Float32Array(pop.ringSlots * total);
        for (let slot = 0; slot < pop.ringSlots; slot++) history.set(r, slot * total);
        this.device.queue.writeBuffer(pb.history.buffer, pb.history.offset, history);
      }
      if (pb.spikes) encoder.clearBuffer(pb.spikes.buffer, pb.spikes.offset, pb.spikes.size);
      pb.popInfoValues['trial_offset'] = trialOffset;
    }
    for (const group of this.groups) this.writeGroupInfo(group);
    for (const clear of this.spikeRecordClears) encoder.clearBuffer(clear.buffer, clear.offset, clear.bytes);
    encoder.clearBuffer(this.status);
    this.device.queue.submit([encoder.finish()]);
    await this.device.queue.onSubmittedWorkDone();
    this.trialOffsetValue = trialOffset;
    this.stepCount = 0;
    this.collector.startTrialBlock(trialOffset);
  }

  /** Recordings so far (spike times, counts, samples, population rates). */
  recordings(): Recording[] {
    return this.collector.recordings();
  }

  /** Drop the host copies of everything recorded so far (e.g. after a protocol consumed them). */
  clearRecordings(): void {
    // Trials before the current block are gone for good: the new collector starts at this block.
    (this as { collector: RecordingCollector }).collector = new RecordingCollector(this.plan, this.trialOffsetValue);
  }

  private buffer(label: string, bytes: number, usage: GPUBufferUsageFlags, data?: ArrayBufferView): GPUBuffer {
    const size = align(Math.max(4, bytes), 4);
    const buffer = this.device.createBuffer({ label, size, usage, mappedAtCreation: data !== undefined });
    this.allocated.push(buffer);
    if (data) {
      new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, Math.min(data.byteLength, size)));
      buffer.unmap();
    }
    return buffer;
  }

  private storage(label: string, bytes: number, data?: ArrayBufferView, extraUsage = 0): GPUBuffer {
    return this.buffer(label, bytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | extraUsage, data);
  }

  private uniform(label: string, bytes: ArrayBuffer): GPUBuffer {
    return this.buffer(label, bytes.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, new Uint8Array(bytes));
  }

  /** A tracked storage buffer of `words` u32/f32 words (at least one). */
  private words(label: string, words: number, data?: ArrayBufferView, extraUsage = 0): GPUBuffer {
    return this.storage(label, Math.max(1, words) * 4, data, extraUsage);
  }

  private async build(cache: KernelCache): Promise<void> {
    const { plan } = this;
    const stepBytes = this.stepsPerSubmit * DYNAMIC_OFFSET_ALIGNMENT;
    const maxWorkgroups = this.context.limits.maxComputeWorkgroupsPerDimension;
    const lists = 2 * this.stepsPerDispatch;
    this.stepUniforms = this.buffer('step uniforms', stepBytes, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.status = this.storage('status', STATUS_WORDS * 4);
    const clock = { buffer: this.stepUniforms, size: STEP_UNIFORM_BYTES };
    // Unused optional bindings get placeholders; read-only and writable ones must differ
    // (one buffer may not be both in a dispatch).
    const dummy = this.storage('unused writable binding', 16);
    this.dummyWritable = dummy;
    const dummyReadOnly = this.storage('unused read-only binding', 16);
    this.unusedSpikes = this.storage('unused spike list', 16);

    // Spike projections: synapses generated on the device; then the fixed-point scale of each
    // target channel from the in-degrees (read back, O(neurons)) and the weight bounds.
    const alloc: ConnectivityAllocator = {
      device: this.device, cache, limits: this.context.limits,
      storage: (label, bytes, data) => this.storage(label, bytes, data),
      adopt: (buffers) => this.allocated.push(...buffers),
    };
    for (const proj of plan.projections) {
      if (proj.mode === 'spike') this.deviceSynapses.set(proj.index, await generateOnDevice(alloc, proj.recipe, proj.name, { procedural: proj.procedural }));
    }
    for (const pop of plan.populations) {
      const incoming = plan.projections.filter((q) => q.target === pop.index && q.mode === 'spike').map((q) => ({
        // A spike-train source may spike several times in a step: each synapse adds its weight each time.
        channel: q.channel, inDegree: this.deviceSynapses.get(q.index)!.inDegree,
        maxAbsWeight: distributionAbsBound(q.recipe.weight) * (plan.populations[q.source]!.spikeTrains?.maxPerNeuronStep ?? 1),
      }));
      this.channelScale.set(pop.index, channelScales(pop.size, incoming));
    }

    // Populations: the shared ring buffer and spike lists, and one merged group per model.
    const layout = spikeSlots(plan, lists);
    const ring = this.words('spike ring buffers', layout.ringWords);
    this.spikeLists = this.words('spike lists', layout.spikeWords);
    const slots = layout.slots;
    const built = await buildPopulationGroups({
      plan, cache, slots, lists, ring, spikeLists: this.spikeLists, merge: this.scheduleOptions.mergePopulations !== false, channelScale: this.channelScale, windowCounts: dummy,
      words: (label, n, data) => this.words(label, n, data),
      buffer: (label, bytes, usage) => this.buffer(label, bytes, usage),
    });
    for (const group of built.groups) {
      this.writeGroupInfo(group);
      this.device.queue.writeBuffer(group.models, 0, group.kernel.packStructArray('models', group.members.map((m) => m.plan.derived)));
      group.dispatch = { kernel: group.kernel, bindGroup: this.updateBindGroup(group), size: dispatchGrid(group.threads, maxWorkgroups) };
      this.groups.push(group);
    }
    built.pops.forEach((pb) => (this.pops[pb.plan.index] = pb));
    for (const pop of plan.populations) for (const inp of pop.inputs) this.inputs.set(inp.index, inp);

    // Per block, in order: rate gathers, updates, propagation (with spike recorders and rate
    // records), procedural projections, the other recorders.
    const gathers: Dispatch[] = [];
    const updates: Dispatch[] = this.groups.map((g) => g.dispatch!);
    const propagation: Dispatch[] = [];
    const recording: Dispatch[] = [];

    // Records written on the device per command buffer (spike recorders and rate records of
    // spiking populations in one buffer, written by the propagation dispatch).
    const rec = await buildRecorders({
      plan, cache, clock, pops: this.pops, stepsPerSubmit: this.stepsPerSubmit, maxWorkgroups,
      words: (label, n, data) => this.words(label, n, data),
      uniform: (label, bytes) => this.uniform(label, bytes),
    });
    this.records = rec.records;
    this.regions.push(...rec.regions);
    this.spikeRecordClears.push(...rec.spikeRecordClears);
    recording.push(...rec.dispatches);
    const { spikeRecorders, rateRecords } = rec;
    this.stagingBytes = rec.stagingBytes + STATUS_WORDS * 4;

    // Projections: spike propagation (synapse banks, procedural rows) and rate gathers.
    const projections = await buildProjections({
      plan, cache, device: this.device, clock, pops: this.pops, slots, lists, ring, spikeLists: this.spikeLists, records: this.records,
      synapses: this.deviceSynapses, channelScale: this.channelScale, spikeRecorders, rateRecords, stepsPerDispatch: this.stepsPerDispatch,
      propagationWorkgroups: this.scheduleOptions.propagationWorkgroups, software: this.context.info.software, limits: this.context.limits, unusedReadOnly: dummyReadOnly,
      words: (label, n, data) => this.words(label, n, data),
      uniform: (label, bytes) => this.uniform(label, bytes),
    });
    propagation.push(...projections.propagation);
    gathers.push(...projections.gathers);
    for (const [index, chunks] of projections.denseChunks) this.denseChunks.set(index, chunks);
    const staged = (stage: string, list: Dispatch[]): Dispatch[] => list.map((d) => Object.assign(d, { stage }));
    this.dispatches.push(
      ...staged('rate gathers', gathers), ...staged('updates', updates), ...staged('spike propagation', propagation), ...staged('recorders', recording),
    );
    await this.buildPersistent(cache, projections, ring, clock);
    for (let i = 0; i < this.maxChunksInFlight; i++) {
      this.staging.push({ buffer: this.buffer(`staging ${i}`, this.stagingBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST), busy: null });
    }
  }

  /**
   * Persistent mode (see ScheduleOptions.persistent): decide whether this network runs in one
   * workgroup per command buffer, and build that dispatch.
   * @throws RangeError when persistent mode is asked for and the network cannot use it
   */
  private async buildPersistent(cache: KernelCache, projections: Awaited<ReturnType<typeof buildProjections>>, ring: GPUBuffer, clock: { buffer: GPUBuffer; size: number }): Promise<void> {
    const wanted = this.scheduleOptions.persistent ?? 'auto';
    if (wanted !== 'auto' && typeof wanted !== 'boolean') throw new RangeError(`schedule.persistent must be true, false or 'auto' (got ${String(wanted)})`);
    if (wanted === false) {
      this.persistentReason = 'off (schedule.persistent: false)';
      return;
    }
    const obstacles: string[] = [];
    const group = this.groups[0];
    if (this.groups.length !== 1 || group?.kind !== 'spiking') obstacles.push('its populations are not all of one spiking model');
    const state = this.plan.recorders.find((r) => r.spec.type === 'state');
    if (state) obstacles.push(`state recorder ${state.index} samples single steps`);
    if (projections.propagation.length > 1) obstacles.push(`its synapses need ${projections.propagation.length} propagation dispatches (${projections.banks} synapse banks)`);
    if (!projections.first) obstacles.push('nothing in it emits spikes');
    const storageLimit = this.context.limits.maxStorageBuffersPerShaderStage;
    const storageNeeded = persistentStorageBuffers(projections.first?.banks.length ?? 0);
    if (storageLimit < storageNeeded) obstacles.push(`the device binds ${storageLimit} storage buffers per kernel, the persistent kernel ${storageNeeded}`);
    if (obstacles.length > 0) {
      if (wanted === true) throw new RangeError(`schedule.persistent: this network cannot run in persistent mode: ${obstacles.join('; ')}. Use the default schedule (persistent: 'auto' or false).`);
      this.persistentReason = `not possible: ${obstacles.join('; ')}`;
      return;
    }
    // One workgroup does all of a step's work: only small networks (neurons and synapses) gain.
    const neurons = this.plan.populations.reduce((n, p) => n + p.size, 0) * this.plan.batch;
    const synapses = [...this.deviceSynapses.values()].reduce((n, dc) => n + dc.nSynapses, 0) * this.plan.batch;
    if (wanted === 'auto' && !(neurons <= PERSISTENT_MAX_NEURONS && synapses <= PERSISTENT_MAX_SYNAPSES)) {
      this.persistentReason = `not tried: ${neurons} neurons × trials and ${synapses} synapses × trials (candidates: ≤ ${PERSISTENT_MAX_NEURONS} and ≤ ${PERSISTENT_MAX_SYNAPSES})`;
      return;
    }
    const p = projections.first!;
    const kernel = await cache.get(persistentKernel(group!.members[0]!.plan.model, group!.members.length, p.banks.length, p.hasProcedural, propagationLibrary(p.banks.length, PERSISTENT_FIRST_BANK_BINDING, p.hasProcedural)));
    this.persistentBindings = { kernel, clock, ring, propagation: p };
    this.persistentDispatch = { kernel, bindGroup: this.persistentBind(group!), size: [1, 1], stage: 'persistent (update and propagation)' };
    this.persistentChoice = wanted === true ? 'on' : 'calibrate';
    this.persistentReason = wanted === true ? 'requested' : 'to be measured';
  }

  /**
   * Keep the faster schedule of a calibration: µs per step of each, the best of its timed buffers
   * (a buffer slowed by other work on the machine then does not decide).
   */
  private decidePersistent(measured: Record<'dispatches' | 'persistent', number[]>): void {
    const dispatchesUs = Math.min(...measured.dispatches);
    const persistentUs = Math.min(...measured.persistent);
    this.persistentChoice = persistentUs < dispatchesUs ? 'on' : 'off';
    this.persistentReason = `measured: ${persistentUs.toFixed(1)} µs per step persistent, ${dispatchesUs.toFixed(1)} µs with dispatches`;
  }

  /** Bind group of the persistent kernel (rebuilt when the group's window-count buffer changes). */
  private persistentBind(group: PopulationGroup): GPUBindGroup {
    const b = this.persistentBindings!;
    return b.kernel.bind({
      clock: b.clock, pops: group.pops, models: group.models, state: group.state, syn_ring: b.ring, tables: group.tables, spikes: this.spikeLists,
      window_counts: group.windowCounts, status: this.status, routes: b.propagation.routes, records: this.records, ...bankBindings(b.propagation.banks),
    });
  }

  /**
   * Whether runs use the persistent kernel (one workgroup, one dispatch per command buffer; see
   * ScheduleOptions.persistent). With `'auto'`, a run past the network's first 500 steps with
   * 300 steps to go times command buffers of both schedules and keeps the faster.
   */
  get persistent(): boolean {
    return this.persistentChoice === 'on';
  }

  /** Write the population table of a merged group (after a change of any member's info). */
  private writeGroupInfo(group: PopulationGroup): void {
    this.device.queue.writeBuffer(group.pops, 0, groupInfo(group));
  }

  private checkAlive(): void {
    if (this.destroyed) throw new Error('This simulator was destroyed; create a new one.');
    if (this.gpuError) throw new Error(`GPU error in cortexgpu's engine (a bug; please report it): ${this.gpuError}`);
    const lost = this.context.lostReason();
    if (lost) {
      throw new DeviceLostError(`The GPU device was lost (${lost}) at step ${this.stepCount}. Recordings drained so far remain available from recordings(); create a new context and simulator to continue.`);
    }
  }

  /**
   * Allocate window-count buffers covering the steps of this run: one per merged group, the
   * counting members' windows one after another (window_base of each member).
   */
  private prepareWindowCounts(firstStep: number, steps: number): { pb: PopulationBuffers; recorder: RecorderPlan; firstWindow: number; nWindows: number; buffer: GPUBuffer; baseWords: number; shared: boolean }[] {
    const out: { pb: PopulationBuffers; recorder: RecorderPlan; firstWindow: number; nWindows: number; buffer: GPUBuffer; baseWords: number; shared: boolean }[] = [];
    for (const group of this.groups) {
      group.windowCounts = this.dummyWritable;
      const entries: { pb: PopulationBuffers; recorder: RecorderPlan; firstWindow: number; nWindows: number; baseWords: number }[] = [];
      let words = 0;
      for (const pb of group.members) {
        Object.assign(pb.popInfoValues, { counts_enabled: 0, window_base: 0 });
        const r = this.plan.recorders.find((q) => q.spec.type === 'spike_counts' && q.population === pb.plan.index);
        if (!r) continue;
        const lastStep = firstStep + steps - 1;
        if (lastStep < r.startStep) continue;
        const firstWindow = Math.floor(Math.max(0, firstStep - r.startStep) / r.windowSteps);
        const lastWindow = Math.floor((lastStep - r.startStep) / r.windowSteps);
        const nWindows = lastWindow - firstWindow + 1;
        const bytes = nWindows * r.neurons.length * this.plan.batch * 4;
        checkRequests([{ owner: `recorder ${r.index}`, purpose: 'spike counts of this run', bytes, storageBinding: true }], this.context.limits, Infinity);
        Object.assign(pb.popInfoValues, { counts_enabled: 1, counts_first_window: firstWindow, counts_n_windows: nWindows, window_base: words });
        entries.push({ pb, recorder: r, firstWindow, nWindows, baseWords: words });
        words += align(bytes / 4, REGION_WORDS);
      }
      if (entries.length > 0) {
        checkRequests([{ owner: `population group ${group.members.map((m) => m.plan.name).join('+')}`, purpose: 'spike counts of this run', bytes: words * 4, storageBinding: true }], this.context.limits, Infinity);
        const buffer = this.device.createBuffer({ label: 'window counts', size: Math.max(4, words * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
        group.windowCounts = buffer;
        for (const e of entries) out.push({ ...e, buffer, shared: entries.length > 1 });
      }
      this.writeGroupInfo(group);
    }
    return out;
  }

  /**
   * Simulate `durationMs` more (rounded to whole steps); without it, the spec's
   * `run.duration_ms`. Steps are encoded `stepsPerSubmit` at a time; recordings drain in the
   * background and are complete when the promise resolves.
   * @param durationMs simulated time, ms, ≥ 0 (default: the spec's `run.duration_ms`)
   * @throws SpecError when no duration is given here nor in the spec
   * @throws DivergenceError when a state becomes NaN/Inf (recordings so far are kept)
   * @throws DeviceLostError when the device is lost
   */
  async run(durationMs?: number, options: RunOptions = {}): Promise<RunReport> {
    this.checkAlive();
    if (this.running) throw new Error('run() is already in progress on this simulator; await it first.');
    const ms = durationMs ?? resolveRunTiming(this.plan.spec, { durationName: 'run(durationMs)' }).durationMs;
    this.running = true;
    try {
      return await this.runSteps(ms, options);
    } finally {
      this.running = false;
    }
  }

  private async runSteps(durationMs: number, options: RunOptions): Promise<RunReport> {
    if (!(durationMs >= 0) || !Number.isFinite(durationMs)) throw new RangeError(`run(durationMs): expected a finite duration ≥ 0 ms, got ${durationMs}`);
    const totalSteps = Math.round(durationMs / this.plan.dtMs);
    const started = performance.now();
    const firstStep = this.stepCount;
    const windowCounts = this.prepareWindowCounts(firstStep, totalSteps);
    this.rebindUpdates();
    let done = 0;
    let aborted = false;
    let drained = 0;
    let failure: unknown = null;
    const chunkSteps = new Uint32Array(this.stepsPerSubmit * (DYNAMIC_OFFSET_ALIGNMENT / 4));
    // Attachments (displays, probes) work step by step: blocks of one step while any is attached.
    const attachments = [...this.attachments];
    // Automatic persistent mode is decided from measured costs: the first command buffers of a
    // long enough run alternate the two schedules (each waited for and timed alone), then the
    // faster is kept. Both give bitwise the same results, so the choice changes nothing else.
    // Order: one untimed buffer of each (first use), then A-B-B-A, so that a drift of the
    // network's activity (a start-up transient) weighs on both alike.
    const order: ('dispatches' | 'persistent')[] = ['dispatches', 'persistent', 'dispatches', 'persistent', 'persistent', 'dispatches'];
    // Timed only after the network's start-up (its first CALIBRATION_AFTER_STEPS steps), whose
    // bursts of spikes would favour whichever schedule runs them.
    const calibrate = (): boolean => this.persistentChoice === 'calibrate' && attachments.length === 0 && this.stepCount >= CALIBRATION_AFTER_STEPS && totalSteps - done >= order.length * CALIBRATION_STEPS;
    const trials: ('dispatches' | 'persistent')[] = [];
    let untimed = 2;
    const measured: Record<'dispatches' | 'persistent', number[]> = { dispatches: [], persistent: [] };
    // The two dispatch lists a command buffer may encode (built once per run, not per buffer).
    const dispatchList = [...this.dispatches, ...attachments];
    const persistentList = this.persistentDispatch ? [this.persistentDispatch] : [];
    while (done < totalSteps) {
      if (options.signal?.aborted) {
        aborted = true;
        break;
      }
      if (failure) break;
      this.checkAlive();
      if (trials.length === 0 && calibrate()) trials.push(...order);
      const trial = trials[0];
      // Persistent mode: one block (one dispatch) per command buffer, unless attachments need single steps.
      const persistent = trial !== undefined ? trial === 'persistent' : this.persistentChoice === 'on' && attachments.length === 0;
      const stepsPerBlock = persistent ? this.stepsPerSubmit : attachments.length > 0 ? 1 : this.stepsPerDispatch;
      const dispatches = persistent ? persistentList : dispatchList;
      const n = Math.min(trial !== undefined ? Math.min(CALIBRATION_STEPS, this.stepsPerSubmit) : this.stepsPerSubmit, totalSteps - done);
      const chunkStart = performance.now();
      const chunkFirst = this.stepCount;
      // One clock entry per block: its first step, where that step is in the chunk, its length.
      const blocks = blockLengths(n, stepsPerBlock);
      let inChunk = 0;
      blocks.forEach((length, k) => {
        const at = (k * DYNAMIC_OFFSET_ALIGNMENT) / 4;
        chunkSteps[at] = chunkFirst + inChunk;
        chunkSteps[at + 1] = inChunk;
        chunkSteps[at + 2] = length;
        inChunk += length;
      });
      const staging = this.staging.shift()!;
      this.staging.push(staging);
      if (staging.busy) await staging.busy;
      this.device.queue.writeBuffer(this.stepUniforms, 0, chunkSteps, 0, (blocks.length * DYNAMIC_OFFSET_ALIGNMENT) / 4);
      const encoder = this.device.createCommandEncoder({ label: `steps ${chunkFirst}…${chunkFirst + n - 1}` });
      const pass = encoder.beginComputePass();
      inChunk = 0;
      blocks.forEach((length, k) => {
        encodeBlock(pass, dispatches, chunkFirst + inChunk, k * DYNAMIC_OFFSET_ALIGNMENT);
        inChunk += length;
      });
      pass.end();
      for (const region of this.regions) encoder.copyBufferToBuffer(region.buffer, region.offset, staging.buffer, region.stagingOffset, region.bytes);
      encoder.copyBufferToBuffer(this.status, 0, staging.buffer, this.stagingBytes - STATUS_WORDS * 4, STATUS_WORDS * 4);
      for (const clear of this.spikeRecordClears) encoder.clearBuffer(clear.buffer, clear.offset, clear.bytes);
      this.device.queue.submit([encoder.finish()]);
      this.stepCount += n;
      done += n;
      staging.busy = this.drain(staging, chunkFirst, n)
        .then(() => {
          drained += n;
          options.onProgress?.({ stepsDone: drained, stepsTotal: totalSteps, simulatedMs: drained * this.plan.dtMs, wallS: (performance.now() - started) / 1000 });
        })
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => {
          staging.busy = null;
        });
      if (trial !== undefined) {
        await staging.busy;
        if (untimed > 0) untimed--;
        else measured[trial].push(((performance.now() - chunkStart) / n) * 1000);
        trials.shift();
        if (trials.length === 0) this.decidePersistent(measured);
      }
    }
    await Promise.all(this.staging.map((s) => s.busy));
    for (const wc of windowCounts) {
      const r = wc.recorder;
      // This recorder's counts alone (the group's buffer may hold several populations').
      const bytes = wc.nWindows * r.neurons.length * this.plan.batch * 4;
      const own = this.device.createBuffer({ label: `recorder ${r.index} window counts`, size: Math.max(4, bytes), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      if (bytes > 0) {
        const copy = this.device.createCommandEncoder({ label: 'window counts' });
        copy.copyBufferToBuffer(wc.buffer, wc.baseWords * 4, own, 0, bytes);
        this.device.queue.submit([copy.finish()]);
      }
      const attached = this.analyses.filter((a) => a.recorder.index === r.index && !a.paused);
      if (attached.length > 0 && !failure) {
        // Bins lying entirely inside this run (a run may start or end inside a bin).
        const endStep = firstStep + done;
        const completeFrom = Math.max(wc.firstWindow, Math.ceil((firstStep - r.startStep) / r.windowSteps));
        const completeTo = Math.min(wc.firstWindow + wc.nWindows, Math.floor((endStep - r.startStep) / r.windowSteps));
        for (const analysis of attached) {
          await analysis.accumulate({ buffer: own, firstBin: wc.firstWindow, nBins: wc.nWindows, batch: this.plan.batch, completeFrom, completeTo });
        }
      }
      if (attached.length === 0 || attached.some((a) => a.options.keepCounts === true)) {
        const counts = await this.readBuffer(own);
        this.collector.addWindowCounts(r.index, wc.firstWindow, wc.nWindows, new Uint32Array(counts, 0, bytes / 4));
      }
      own.destroy();
    }
    for (const wc of windowCounts) wc.buffer.destroy();
    if (failure) throw failure;
    this.checkAlive();
    const wallS = (performance.now() - started) / 1000;
    const neurons = this.plan.populations.reduce((s, p) => s + p.size, 0) * this.plan.batch;
    return { steps: done, simulatedMs: done * this.plan.dtMs, wallS, neuronStepsPerS: (neurons * done) / Math.max(wallS, 1e-9), aborted };
  }

  /** Bind group of a merged group's update kernel (rebuilt when its window-count buffer changes). */
  private updateBindGroup(group: PopulationGroup): GPUBindGroup {
    const clock = { buffer: this.stepUniforms, size: STEP_UNIFORM_BYTES };
    const common = { clock, pops: group.pops, models: group.models, state: group.state, tables: group.tables, window_counts: group.windowCounts, status: this.status };
    if (group.kind === 'rate') {
      const spikes = group.members.some((m) => m.spikes) ? this.spikeLists : this.unusedSpikes;
      return group.kernel.bind({ ...common, rate_input: group.input, rate_history: group.history!, spikes });
    }
    return group.kernel.bind({ ...common, syn_ring: group.input, spikes: this.spikeLists });
  }

  private rebindUpdates(): void {
    for (const group of this.groups) {
      if (group.dispatch) group.dispatch.bindGroup = this.updateBindGroup(group);
    }
    // The persistent kernel binds the group's window-count buffer of this run too.
    if (this.persistentDispatch) this.persistentDispatch.bindGroup = this.persistentBind(this.groups[0]!);
  }

  /** Read `bytes` of a buffer from `offset` (default: all of it). */
  private async readBuffer(buffer: GPUBuffer, offset = 0, bytes = buffer.size - offset): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({ size: Math.max(4, bytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    if (bytes > 0) encoder.copyBufferToBuffer(buffer, offset, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (err) {
      this.checkAlive();
      throw err;
    }
    const copy = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    return copy;
  }

  /** Parse one chunk's staging buffer into the collector, then check the status word. */
  private async drain(staging: StagingSet, chunkFirst: number, n: number): Promise<void> {
    try {
      await staging.buffer.mapAsync(GPUMapMode.READ);
    } catch (err) {
      this.checkAlive();
      throw err;
    }
    const bytes = staging.buffer.getMappedRange();
    try {
      const batch = this.plan.batch;
      parseRecords(this.plan, this.regions, bytes, this.collector, chunkFirst, n);
      const status = new Uint32Array(bytes, this.stagingBytes - STATUS_WORDS * 4, STATUS_WORDS);
      if (status[0] !== 0) {
        const pop = this.plan.populations[status[1]!]!;
        const flat = status[2]!;
        const step = status[3]!;
        const variable = pop.model.state[status[4]!]?.name ?? '?';
        const neuron = Math.floor(flat / batch);
        const trial = flat % batch;
        throw new DivergenceError(
          `Population '${pop.name}': state variable ${variable} of neuron ${neuron}, trial ${trial} became NaN or infinite at step ${step} (t = ${(step * this.plan.dtMs).toFixed(3)} ms). ` +
            'The dynamics diverged: reduce dt_ms, weights or input, or check parameters. Recordings up to this point are kept (simulator.recordings()).',
          pop.name, neuron, trial, step, variable,
        );
      }
    } finally {
      staging.buffer.unmap();
    }
  }

  /** Read a state variable of a population (all neurons and trials, flat `neuron·batch + trial`). */
  async readState(population: string, variable: string): Promise<Float32Array> {
    this.checkAlive();
    const pb = this.pops.find((p) => p.plan.name === population);
    if (!pb) throw new Error(`No population '${population}' (have: ${this.pops.map((p) => p.plan.name).join(', ')})`);
    const v = pb.plan.model.state.findIndex((s) => s.name === variable);
    if (v < 0) throw new Error(`Population '${population}' (${pb.plan.model.name}) has no state variable '${variable}' (has: ${pb.plan.model.state.map((s) => s.name).join(', ')})`);
    const total = pb.plan.size * this.plan.batch;
    return new Float32Array(await this.readBuffer(pb.state.buffer, pb.state.offset + v * total * 4, total * 4));
  }

  /** Free all GPU buffers of this network (recordings stay readable). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.device.removeEventListener('uncapturederror', this.onUncapturedError);
    for (const buffer of this.allocated) buffer.destroy();
    this.allocated.length = 0;
  }
}

