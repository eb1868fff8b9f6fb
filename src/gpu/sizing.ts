/**
 * GPU memory of a network before anything is built: bytes per population, projection, recorder
 * and the engine, from the spec alone (no device, no connectivity drawn), and whether they fit
 * a budget and the device's per-buffer limits. `cortexgpu validate` prints it; the engine can
 * import {@link MEMORY_LAYOUT} so that the estimate and the buffers it allocates share one set
 * of constants.
 *
 * Synapse counts are the expected ones ({@link estimateSynapses}); a randomly drawn network
 * differs by a few standard deviations of its connector, which is far below the budget margins.
 */
import { estimateSynapses, msToSteps } from '../model/plan.js';
import { PER_SOURCE_CONNECTORS, delayTable, synapseDistribution } from '../model/connectivity.js';
import { emitsSpikes, resolveParams, type NeuronModelDef } from '../model/models.js';
import { findNeuronModel } from '../model/registry.js';
import { spikeTrainTable } from '../model/spike_trains.js';
import { resolveSpecDefaults } from '../model/schema.js';
import type { Distribution, NetworkSpec, ProjectionSpec } from '../model/spec.js';
import { formatBytes, memoryProblems, summarize, type BufferRequest, type MemoryBudget, type MemoryProblem } from './memory.js';

/**
 * The byte layout of the engine's buffers, in one place (all sizes in bytes unless named
 * otherwise). Change it here and both the estimate and (once it imports it) the engine follow.
 */
export const MEMORY_LAYOUT = {
  /** One f32 / u32 / i32 word. */
  wordBytes: 4,
  /** Spike lists per spiking population and step of a dispatch (two blocks: one written, one cleared for the next). */
  spikeListCopies: 2,
  /** Most steps one update dispatch advances (src/gpu/schedule.ts). */
  maxStepsPerDispatch: 64,
  /** Stored synapse: target index (u32) + fixed-point weight (i32). */
  synapseBytes: 8,
  /** Extra per stored synapse when its projection's delays vary (u32 delay in steps). */
  delayBytes: 4,
  /** One CSR row pointer (u32). */
  rowPointerBytes: 4,
  /** Per source and per target neuron, while a projection is generated (counts, offsets); freed after. */
  generationScratchBytesPerNeuron: 4,
  /** Dense rate matrices: one f32 per (target, source). */
  denseWeightBytes: 4,
  /** Rate projections use a dense matrix from this fraction of all (source, target) pairs on (all_to_all / matrix, constant delay). */
  denseMinDensity: 0.25,
  /** Procedural projections regenerate rows from the keyed RNG for every spike: nothing stored per synapse. */
  proceduralSynapseBytes: 0,
  /** Largest row of a random connector: mean + this many √mean (capped at what the connector allows). */
  rowBoundStd: 6,
  /** Steps per command buffer unless asked otherwise (sizes per-chunk recorder buffers). */
  defaultStepsPerSubmit: 200,
  /** Per-step uniform entry (dynamic offset alignment). */
  stepUniformBytes: 256,
  /** Largest per-chunk spike record; longer command buffers are cut instead. */
  maxSpikeRecordBytes: 64 * 1024 * 1024,
  /** Words of a spike record's header. */
  spikeRecordHeaderWords: 2,
  /** Per-chunk recorder buffers exist this many times: on the GPU, plus mappable staging copies. */
  recordCopies: 2,
  /** Words per external input in a population's input table. */
  inputWords: 12,
  /** Engine status words. */
  statusWords: 8,
} as const;

/** One row of the estimate: a population, projection, recorder or the engine, with its buffers. */
export interface MemoryItem {
  /** `population E`, `projection E->I#1`, `recorder 0 (spikes E)`, `engine`. */
  readonly owner: string;
  readonly kind: 'population' | 'projection' | 'recorder' | 'engine';
  /** Population or projection name, recorder index as text, `engine`. */
  readonly name: string;
  /** Sum of {@link buffers}, bytes. */
  readonly bytes: number;
  /** One line on the layout, e.g. `spike CSR, 8 B per synapse + 4 B delay`. */
  readonly layout: string;
  /** The buffers it is made of. */
  readonly buffers: readonly BufferRequest[];
}

/** A projection's row of the estimate, with its synapses. */
export interface ProjectionMemory extends MemoryItem {
  readonly kind: 'projection';
  /** `spike` (CSR by source, scatter), `rate_sparse` (CSR by target, gather) or `rate_dense` (matrix). */
  readonly mode: 'spike' | 'rate_sparse' | 'rate_dense';
  /** Expected synapses ({@link estimateSynapses}). */
  readonly synapses: number;
  /** No stored synapses (see {@link isProceduralProjection}). */
  readonly procedural: boolean;
  /** Whether it could be made procedural (spiking target, per-source connector). */
  readonly proceduralPossible: boolean;
  /** Delays vary between synapses (stored per synapse). */
  readonly perSynapseDelays: boolean;
  /** Largest row (one source neuron's outgoing, or one target's incoming, synapses) expected, synapses. */
  readonly largestRowSynapses: number;
  /** Bytes of that row in one binding (one array of 4-byte words); 0 when nothing is stored. */
  readonly largestRowBytes: number;
}

/** The whole estimate. */
export interface MemoryEstimate {
  readonly batch: number;
  /** Steps per command buffer the per-chunk recorder buffers are sized for. */
  readonly stepsPerSubmit: number;
  readonly populations: readonly MemoryItem[];
  readonly projections: readonly ProjectionMemory[];
  readonly recorders: readonly MemoryItem[];
  readonly engine: MemoryItem;
  /** Every buffer, flat (for {@link memoryProblems}). */
  readonly buffers: readonly BufferRequest[];
  /** Sum of all buffers, bytes. */
  readonly totalBytes: number;
  /** Notes on what the estimate could not know (e.g. spike-count buffers without a run length). */
  readonly notes: readonly string[];
}

/** Options of {@link estimateNetworkMemory}. */
export interface MemoryEstimateOptions {
  /** Steps per command buffer (default {@link MEMORY_LAYOUT}.defaultStepsPerSubmit). */
  readonly stepsPerSubmit?: number;
  /** Simulated time of one run, ms, for spike-count buffers (default: the spec's `run.duration_ms`). */
  readonly durationMs?: number;
}

/** Whether refusals suggest procedural connectivity (`"procedural": true` on a projection). */
export const PROCEDURAL_PROJECTIONS_AVAILABLE = true;

/** A projection whose synapses are regenerated per spike instead of stored (`"procedural": true`). */
export function isProceduralProjection(proj: ProjectionSpec): boolean {
  return proj.procedural === true;
}

/**
 * Range of a delay in whole steps, as the connectivity generator draws it: constants rounded
 * (`max(1, round(ms / dt))`); distributions (clipped below at dt) from the step table of
 * {@link delayTable}, whose ends are where the rounded distribution's probability vanishes.
 * @param delay `delay_ms` of a projection (undefined: one step)
 * @param dtMs integration step, ms
 */
export function delayStepRange(delay: Distribution | undefined, dtMs: number): { readonly min: number; readonly max: number } {
  if (delay === undefined) return { min: 1, max: 1 };
  if (typeof delay === 'number') return { min: msToSteps(delay, dtMs, 1), max: msToSteps(delay, dtMs, 1) };
  const table = delayTable(synapseDistribution(delay, dtMs), dtMs);
  return { min: table.firstStep, max: table.firstStep + table.thresholds.length };
}

/**
 * Range of a projection's delays in whole steps: an edge list's per-synapse `delays_ms`
 * (rounded as the engine rounds them), else {@link delayStepRange} of its `delay_ms`.
 */
export function projectionDelayStepRange(proj: ProjectionSpec, dtMs: number): { readonly min: number; readonly max: number } {
  const c = proj.connector;
  if (c.type !== 'edge_list' || c.delays_ms === undefined) return delayStepRange(proj.delay_ms, dtMs);
  if (c.delays_ms.length === 0) return { min: 1, max: 1 };
  let min = Infinity;
  let max = 0;
  for (let k = 0; k < c.delays_ms.length; k++) {
    const steps = msToSteps(c.delays_ms[k]!, dtMs, 1);
    if (steps < min) min = steps;
    if (steps > max) max = steps;
  }
  return { min, max };
}

/** Largest expected row of a connector, synapses: outgoing per source neuron, or incoming per target neuron. */
function largestRow(proj: ProjectionSpec, sourceSize: number, targetSize: number, direction: 'outgoing' | 'incoming'): number {
  const c = proj.connector;
  const across = direction === 'outgoing' ? targetSize : sourceSize;
  const rows = direction === 'outgoing' ? sourceSize : targetSize;
  const bound = (mean: number, cap: number): number => Math.min(cap, Math.ceil(mean + MEMORY_LAYOUT.rowBoundStd * Math.sqrt(mean)));
  switch (c.type) {
    case 'all_to_all':
      return across;
    case 'one_to_one':
      return 1;
    case 'matrix': {
      // weights[target][source]: outgoing rows are columns.
      if (direction === 'incoming') return c.weights.reduce((m, row) => Math.max(m, row.filter((w) => w !== 0).length), 0);
      const counts = new Array<number>(sourceSize).fill(0);
      for (const row of c.weights) row.forEach((w, s) => void (w !== 0 && (counts[s] = (counts[s] ?? 0) + 1)));
      return counts.reduce((m, n) => Math.max(m, n), 0);
    }
    case 'edge_list': {
      const ends = direction === 'outgoing' ? c.sources : c.targets;
      const counts = new Uint32Array(direction === 'outgoing' ? sourceSize : targetSize);
      let most = 0;
      for (let k = 0; k < ends.length; k++) most = Math.max(most, ++counts[ends[k]!]!);
      return most;
    }
    case 'fixed_indegree':
      if (direction === 'incoming') return c.indegree;
      return bound((c.indegree * targetSize) / Math.max(1, sourceSize), c.multapses === true ? c.indegree * targetSize : targetSize);
    case 'fixed_total_number':
      return bound(c.n / Math.max(1, rows), c.n);
    case 'fixed_probability':
      return bound(c.p * across, across);
    case 'ring':
      return bound(c.p_max * across, across);
  }
}

const plural = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/**
 * Estimate the GPU memory of a validated spec, buffer by buffer, without a device and without
 * drawing connectivity (see {@link MEMORY_LAYOUT} for the layout).
 *
 * - populations: state (variables × size × batch × 4), spike lists 2 × (1 + batch + size·batch)
 *   words and a spike ring of the model's input channels × (max incoming delay + 1) slots × size × batch × 4
 *   (spiking), or input planes and an output history of (max outgoing delay + 1) slots (rate
 *   units), plus the input table;
 * - spike projections: row pointers (source + 1) × 4, 8 per synapse (+ 4 when delays vary), and
 *   generation scratch (source + target) × 4 while building;
 * - edge lists: as any stored projection, their synapse count and rows exact;
 * - rate projections: a dense source × target × 4 matrix (all_to_all / matrix, constant delay,
 *   density ≥ 25 %), else row pointers (target + 1) × 4 and 8 per synapse (+ 4 with delays);
 * - procedural projections: nothing per synapse;
 * - recorders: per-command-buffer records and their staging copies; spike counts of one run;
 * - the engine: per-step uniforms and status.
 *
 * @param spec a spec that passed `validateSpec`
 */
export function estimateNetworkMemory(spec: NetworkSpec, options: MemoryEstimateOptions = {}): MemoryEstimate {
  const L = MEMORY_LAYOUT;
  const W = L.wordBytes;
  const { dt_ms: dtMs, batch } = resolveSpecDefaults(spec);
  const pops = spec.populations;
  const popIndex = new Map(pops.map((p, i) => [p.name, i]));
  const models: NeuronModelDef[] = pops.map((p) => {
    const model = findNeuronModel(p.model, spec);
    if (model === undefined) throw new Error(`population ${p.name}: unknown model '${p.model}' (validate the spec first)`);
    return model;
  });
  const params = pops.map((p, i) => resolveParams(models[i]!, p.params));
  const projSpecs = spec.projections ?? [];
  const notes: string[] = [];

  // Projections first: populations need their delays.
  const delays = projSpecs.map((q) => projectionDelayStepRange(q, dtMs));
  const projections: ProjectionMemory[] = projSpecs.map((q, i) => {
    const name = q.name ?? `${q.source}->${q.target}#${i}`;
    const owner = `projection ${name}`;
    const source = popIndex.get(q.source)!;
    const target = popIndex.get(q.target)!;
    const S = pops[source]!.size;
    const T = pops[target]!.size;
    const synapses = estimateSynapses(q, S, T);
    const procedural = isProceduralProjection(q);
    const varies = delays[i]!.min !== delays[i]!.max;
    const rateTarget = models[target]!.kind === 'rate';
    const dense = rateTarget && (q.connector.type === 'all_to_all' || q.connector.type === 'matrix') && !varies && synapses >= L.denseMinDensity * S * T;
    const mode = !rateTarget ? 'spike' : dense ? 'rate_dense' : 'rate_sparse';
    const buffers: BufferRequest[] = [];
    let layout: string;
    let rowSynapses: number;
    let rowBytes: number;
    if (mode === 'rate_dense') {
      buffers.push({ owner, purpose: 'weight matrix', bytes: S * T * L.denseWeightBytes, storageBinding: false, splittable: true });
      rowSynapses = S;
      rowBytes = S * L.denseWeightBytes;
      layout = `dense rate matrix ${S.toLocaleString('en-US')} × ${T.toLocaleString('en-US')} × ${L.denseWeightBytes} B`;
    } else if (procedural) {
      rowSynapses = largestRow(q, S, T, mode === 'spike' ? 'outgoing' : 'incoming');
      rowBytes = 0;
      layout = `procedural (${L.proceduralSynapseBytes} B per synapse)`;
      if (L.proceduralSynapseBytes > 0) buffers.push({ owner, purpose: 'synapses', bytes: Math.round(synapses) * L.proceduralSynapseBytes, storageBinding: false, splittable: true });
      // Row lengths (fixed total number) stay; in-degrees are counted once for the fixed-point scale.
      buffers.push({ owner, purpose: 'row lengths and counting scratch', bytes: (S + T) * L.generationScratchBytesPerNeuron, storageBinding: false, splittable: true });
    } else {
      const rows = mode === 'spike' ? S : T;
      const perSynapse = L.synapseBytes + (varies ? L.delayBytes : 0);
      buffers.push({ owner, purpose: 'row pointers', bytes: (rows + 1) * L.rowPointerBytes, storageBinding: false, splittable: true });
      buffers.push({ owner, purpose: `synapses (${perSynapse} B each)`, bytes: Math.round(synapses) * perSynapse, storageBinding: false, splittable: true });
      if (mode === 'spike') {
        buffers.push({ owner, purpose: 'generation scratch (while building)', bytes: (S + T) * L.generationScratchBytesPerNeuron, storageBinding: false, splittable: true });
      }
      rowSynapses = largestRow(q, S, T, mode === 'spike' ? 'outgoing' : 'incoming');
      rowBytes = rowSynapses * W;
      layout = `${mode === 'spike' ? 'spike CSR by source' : 'rate CSR by target'}, ${L.synapseBytes} B per synapse${varies ? ` + ${L.delayBytes} B delay` : ''}`;
    }
    const bytes = buffers.reduce((n, b) => n + b.bytes, 0);
    const proceduralPossible = mode === 'spike' && PER_SOURCE_CONNECTORS.includes(q.connector.type);
    return { owner, kind: 'projection', name, bytes, layout, buffers, mode, synapses, procedural, proceduralPossible, perSynapseDelays: varies, largestRowSynapses: rowSynapses, largestRowBytes: rowBytes };
  });

  // Steps per update dispatch as the engine chooses them (schedule.ts): the minimum delay, one
  // step with rate units or state recorders. Spike lists scale with it.
  const stepsPerDispatch = models.some((m) => m.kind === 'rate') || (spec.recorders ?? []).some((r) => r.type === 'state')
    ? 1
    : delays.reduce<number>((k, d) => Math.min(k, d.min), L.maxStepsPerDispatch);
  // Spike-train sources: their tables (as the plan builds them) size their spike lists and records.
  const trainTables = pops.map((p, index) => (models[index]!.givenSpikeTrains === true && p.spike_times_ms !== undefined ? spikeTrainTable(p.spike_times_ms, p.size, dtMs, batch) : null));
  const populations: MemoryItem[] = pops.map((p, index) => {
    const owner = `population ${p.name}`;
    const model = models[index]!;
    const total = p.size * batch;
    const spiking = model.kind !== 'rate';
    const buffers: BufferRequest[] = [];
    // Shared buffers as the engine allocates them (one binding each): the state of the
    // populations of one model, the spike rings and the spike lists of all spiking populations.
    buffers.push({ owner, purpose: 'state variables', bytes: model.state.length * total * W, storageBinding: true, sharedBuffer: `state of the ${model.name} populations` });
    const maxDelay = (keep: (q: ProjectionSpec, j: number) => boolean): number =>
      projSpecs.reduce((m, q, j) => (keep(q, j) ? Math.max(m, delays[j]!.max) : m), 1);
    let slots: number;
    if (spiking) {
      slots = maxDelay((q) => q.target === p.name) + 1;
      const channels = Math.max(1, model.inputChannels);
      buffers.push({ owner, purpose: `spike ring (${channels} channels × ${slots} slots)`, bytes: channels * slots * total * W, storageBinding: true, sharedBuffer: 'spike ring buffers of all spiking populations' });
    } else {
      slots = maxDelay((q) => q.source === p.name && models[popIndex.get(q.target)!]!.kind === 'rate') + 1;
      buffers.push({ owner, purpose: 'rate input', bytes: Math.max(1, model.inputChannels) * total * W, storageBinding: true });
      buffers.push({ owner, purpose: `rate history (${slots} slots)`, bytes: slots * total * W, storageBinding: true });
    }
    const spikes = emitsSpikes(model, p.params);
    const trains = trainTables[index] ?? null;
    if (spikes) {
      const listEntries = trains?.maxPerStep ?? total;
      buffers.push({ owner, purpose: `spike lists (${L.spikeListCopies * stepsPerDispatch})`, bytes: L.spikeListCopies * stepsPerDispatch * (1 + batch + listEntries) * W, storageBinding: true, sharedBuffer: 'spike lists of all populations' });
    }
    if (trains !== null) {
      // Offsets per (trial, neuron) and one word per spike (engine/spike_train_steps.wgsl).
      buffers.push({ owner, purpose: 'spike trains (CSR by trial and neuron)', bytes: (trains.offsets.length + trains.steps.length) * W, storageBinding: true });
    }
    const inputs = (spec.inputs ?? []).filter((inp) => inp.target === p.name);
    if (inputs.length > 0) {
      const valueWords = inputs.reduce((n, inp) => n + (inp.type === 'trial_current' ? total : 0), 0);
      buffers.push({ owner, purpose: 'input table', bytes: (L.inputWords * inputs.length + batch * inputs.length + valueWords) * W, storageBinding: true });
    }
    const bytes = buffers.reduce((n, b) => n + b.bytes, 0);
    const layout = `${model.state.length} state × ${p.size.toLocaleString('en-US')} × batch ${batch}` +
      (spiking ? `; ring ${Math.max(1, model.inputChannels)} × ${slots} slots` : `; history ${slots} slots`) + (spikes ? '; spike lists' : '');
    return { owner, kind: 'population', name: p.name, bytes, layout, buffers };
  });

  // Per-chunk recorder buffers are sized for the steps of one command buffer; like the engine,
  // spike records are kept under maxSpikeRecordBytes by cutting the chunk.
  const recorderSpecs = spec.recorders ?? [];
  let steps = Math.max(1, Math.min(10000, Math.floor(options.stepsPerSubmit ?? L.defaultStepsPerSubmit)));
  const selected = (r: (typeof recorderSpecs)[number]): number => {
    const size = pops[popIndex.get(r.population)!]!.size;
    if (r.type === 'population_rate' || r.neurons === undefined || r.neurons === 'all') return size;
    if (Array.isArray(r.neurons)) return new Set(r.neurons as readonly number[]).size;
    return Math.min(size, (r.neurons as { first: number }).first);
  };
  const minIsi = (r: (typeof recorderSpecs)[number]): number => {
    const i = popIndex.get(r.population)!;
    return Math.max(1, models[i]!.minInterSpikeSteps(params[i]!, dtMs));
  };
  for (const r of recorderSpecs) {
    if (r.type !== 'spikes') continue;
    const trains = trainTables[popIndex.get(r.population)!] ?? null;
    const perStep = ((trains !== null ? trains.maxPerStep : selected(r) * batch) * 2 * W) / minIsi(r);
    steps = Math.max(1, Math.min(steps, Math.floor(L.maxSpikeRecordBytes / Math.max(perStep, 1))));
  }
  const durationMs = options.durationMs ?? spec.run?.duration_ms;
  const recorders: MemoryItem[] = recorderSpecs.map((r, index) => {
    const owner = `recorder ${index} (${r.type} ${r.population})`;
    const n = selected(r);
    const size = pops[popIndex.get(r.population)!]!.size;
    const buffers: BufferRequest[] = [];
    // One storage binding written on the GPU, plus mappable staging copies it is drained into.
    const record = (purpose: string, bytes: number): void => {
      buffers.push({ owner, purpose, bytes, storageBinding: true });
      buffers.push({ owner, purpose: `${purpose}, staging`, bytes: bytes * (L.recordCopies - 1), storageBinding: false });
    };
    let layout: string;
    if (r.type === 'spikes') {
      const trains = trainTables[popIndex.get(r.population)!] ?? null;
      // As spikeRecordCapacity (recorders.ts).
      const capacity = trains !== null ? Math.max(1, Math.min(trains.spikesPerBatch, steps * trains.maxPerStep)) : n * batch * Math.ceil(steps / minIsi(r));
      record('spike record per command buffer', (L.spikeRecordHeaderWords + 2 * capacity) * W);
      buffers.push({ owner, purpose: 'recorded-neuron map', bytes: size * W, storageBinding: true });
      layout = `${plural(n, 'neuron')}, up to ${plural(capacity, 'spike')} per ${plural(steps, 'step')}`;
    } else if (r.type === 'state') {
      record('state samples per command buffer', steps * n * batch * W);
      buffers.push({ owner, purpose: 'selection', bytes: n * W, storageBinding: true });
      layout = `${plural(n, 'neuron')} × ${plural(steps, 'step')} per command buffer`;
    } else if (r.type === 'population_rate') {
      record('population rate per command buffer', steps * batch * W);
      layout = `${plural(steps, 'step')} × batch ${batch} per command buffer`;
    } else {
      buffers.push({ owner, purpose: 'count map', bytes: size * W, storageBinding: true });
      const windowSteps = msToSteps(r.window_ms, dtMs, 1);
      if (durationMs !== undefined) {
        const windows = Math.ceil(msToSteps(durationMs, dtMs) / windowSteps);
        buffers.push({ owner, purpose: `spike counts of one ${durationMs} ms run`, bytes: windows * n * batch * W, storageBinding: true });
        layout = `${plural(windows, 'window')} × ${plural(n, 'neuron')} × batch ${batch}`;
      } else {
        layout = `${plural(n, 'neuron')} × batch ${batch} per ${r.window_ms} ms window`;
        notes.push(`${owner}: its counts take ${n * batch * W} bytes per ${r.window_ms} ms window of a run, not included (the spec has no run.duration_ms)`);
      }
    }
    const bytes = buffers.reduce((s, b) => s + b.bytes, 0);
    return { owner, kind: 'recorder', name: String(index), bytes, layout, buffers };
  });

  const engineBuffers: BufferRequest[] = [
    { owner: 'engine', purpose: 'step uniforms', bytes: steps * L.stepUniformBytes, storageBinding: false },
    { owner: 'engine', purpose: 'status (+ staging)', bytes: L.statusWords * W * L.recordCopies, storageBinding: false },
  ];
  const engine: MemoryItem = {
    owner: 'engine', kind: 'engine', name: 'engine', layout: `${plural(steps, 'step')} per command buffer`,
    bytes: engineBuffers.reduce((s, b) => s + b.bytes, 0), buffers: engineBuffers,
  };

  const buffers = [...populations, ...projections, ...recorders, engine].flatMap((item) => item.buffers);
  return { batch, stepsPerSubmit: steps, populations, projections, recorders, engine, buffers, totalBytes: summarize(buffers).totalBytes, notes };
}

/** The device limits a memory check uses, bytes. */
export type BufferLimits = Pick<GPUSupportedLimits, 'maxBufferSize' | 'maxStorageBufferBindingSize'>;

/** Whether an estimate fits, and if not, every reason (see {@link checkMemoryEstimate}). */
export interface MemoryVerdict {
  readonly fits: boolean;
  /** Sum of all buffers, bytes. */
  readonly totalBytes: number;
  /** The budget checked against and where it comes from. */
  readonly budget: MemoryBudget;
  /** Per-buffer limits checked (null: no device known; only the total was checked). */
  readonly limits: BufferLimits | null;
  /** Per-buffer problems first, then the total. */
  readonly problems: readonly MemoryProblem[];
  /** Largest items (populations, projections, recorders), largest first, at most five. */
  readonly largest: readonly MemoryItem[];
  /** What to change, in words (empty when it fits). */
  readonly advice: string;
  /** The refusal in full, one `  - ` line per problem and a last line on what to do (empty when it fits). */
  readonly message: string;
}

/**
 * Check an estimate against a budget and (when known) the device's per-buffer limits: buffers
 * that must be one buffer or one storage binding, the largest row of each stored projection
 * against one storage binding (rows are never split across bindings), and the total against
 * the budget.
 * @param budget GPU memory the network may use (bytes) and the rule that gave it, for messages
 * @param limits the device's `maxBufferSize` / `maxStorageBufferBindingSize`, bytes, or null when no device is known
 */
export function checkMemoryEstimate(estimate: MemoryEstimate, budget: MemoryBudget, limits: BufferLimits | null): MemoryVerdict {
  const unlimited: BufferLimits = { maxBufferSize: Infinity, maxStorageBufferBindingSize: Infinity };
  const problems = memoryProblems(estimate.buffers, limits ?? unlimited, budget.bytes);
  const perBuffer = problems.filter((p) => p.limit !== 'budget');
  if (limits !== null) {
    for (const proj of estimate.projections) {
      if (proj.largestRowBytes <= limits.maxStorageBufferBindingSize) continue;
      const what = proj.mode === 'spike' ? 'one source neuron has' : 'one target neuron has';
      perBuffer.push({
        owner: proj.owner,
        purpose: 'synapses of one neuron',
        limit: 'maxStorageBufferBindingSize',
        requiredBytes: proj.largestRowBytes,
        availableBytes: limits.maxStorageBufferBindingSize,
        message: `${proj.owner}: ${what} up to ${plural(proj.largestRowSynapses, 'synapse')} (${formatBytes(proj.largestRowBytes, { exact: false })} per array), ` +
          `more than one storage binding holds (maxStorageBufferBindingSize ${formatBytes(limits.maxStorageBufferBindingSize, { exact: false })}); rows are never split. ` +
          `Reduce the ${proj.mode === 'spike' ? 'target population or the out-degree' : 'source population or the in-degree'} of ${proj.name}` +
          (PROCEDURAL_PROJECTIONS_AVAILABLE && proj.proceduralPossible ? ', or make it procedural ("procedural": true).' : '.'),
      });
    }
  }
  const largest = [...estimate.populations, ...estimate.projections, ...estimate.recorders]
    .filter((item) => item.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
  const largestText = largest.slice(0, 3).map((item) => `${item.owner} ${formatBytes(item.bytes, { exact: false })}`).join(', ');
  const total: MemoryProblem[] = estimate.totalBytes > budget.bytes
    ? [{
      owner: 'network',
      purpose: 'all buffers',
      limit: 'budget',
      requiredBytes: estimate.totalBytes,
      availableBytes: budget.bytes,
      message: `the network needs ${formatBytes(estimate.totalBytes, { exact: false })} of GPU memory, more than the budget of ` +
        `${formatBytes(budget.bytes, { exact: false })} (${budget.rule}); largest: ${largestText}.`,
    }]
    : [];
  const all = [...perBuffer, ...total];
  const advice = all.length === 0 ? '' : memoryAdvice(estimate, total.length > 0);
  const message = all.length === 0 ? '' : [...all.map((p) => `  - ${p.message}`), `  ${advice}`].join('\n');
  return { fits: all.length === 0, totalBytes: estimate.totalBytes, budget, limits, problems: all, largest, advice, message };
}

/** What to change so that a network fits, in words, naming the largest items. */
function memoryAdvice(estimate: MemoryEstimate, overBudget: boolean): string {
  const synapseBytes = estimate.projections.reduce((n, p) => n + p.bytes, 0);
  const stored = estimate.projections.filter((p) => !p.procedural && p.proceduralPossible && p.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  const ways: string[] = [];
  if (synapseBytes >= 0.5 * estimate.totalBytes) {
    ways.push('reduce population sizes or connection density (for pd14: a smaller --scale)');
  } else {
    ways.push('reduce population sizes (for pd14: a smaller --scale)');
  }
  if (estimate.batch > 1) ways.push(`reduce batch (now ${estimate.batch}; state, ring buffers and spike lists scale with it)`);
  if (PROCEDURAL_PROJECTIONS_AVAILABLE && stored.length > 0) {
    ways.push(`mark the largest projections procedural ("procedural": true: ${stored.slice(0, 3).map((p) => p.name).join(', ')})`);
  }
  if (overBudget) ways.push('or raise the budget with --gpu-memory-gib (memoryBudgetBytes in code) if the device has more memory');
  return `To fit: ${ways.join('; ')}.`;
}
