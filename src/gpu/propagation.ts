/**
 * Spike propagation on the GPU: the synapses of all stored spike projections packed into
 * synapse banks (each as large as one storage binding allows), and the route tables with
 * which one dispatch per bank propagates every spiking population's spikes through all its
 * outgoing projections (shaders/engine/propagate_spikes.wgsl). The dispatch of bank 0 also does the
 * spike lists' bookkeeping: spike recorders, population-rate records and clearing the lists
 * of the next block of steps. Rate projections are gathered into their targets' summed input
 * (sparse CSR by target, or dense row chunks) before the updates.
 */
import type { NetworkPlan } from '../model/plan.js';
import { rowChunks, type DeviceConnectivity, type SynapseChunk } from './connectivity.js';
import type { KernelCache } from './kernels.js';
import type { PopulationBuffers } from './populations.js';
import type { Dispatch } from './schedule.js';

/** Words of one source / route / recorder entry of the tables (as in engine/propagate_spikes.wgsl). */
const SOURCE_WORDS = 8;
const ROUTE_WORDS = 12;
const RECORDER_WORDS = 3;
const HEADER_WORDS = 8;
const NONE = 0xffffffff;

/** Where a spiking population's spike lists and ring buffer are (words in the shared buffers). */
export interface SpikeSlots {
  /** First word of the population's spike lists, or -1 when it emits no spikes. */
  readonly spikeBase: number;
  /** Words of one list: 1 + batch + size·batch. */
  readonly blockWords: number;
  /** First word of the population's ring buffer (spiking models), or -1. */
  readonly ringBase: number;
}

/** A spike recorder's place in the records buffer. */
export interface SpikeRecorderSlot {
  readonly population: number;
  /** Recorded neurons of the population. */
  readonly neurons: ArrayLike<number>;
  /** First word of the record (count, overflow flag, then (step, flat) pairs). */
  readonly recordBase: number;
  readonly capacity: number;
}

/** A population-rate record (per-step, per-trial spike counts) of a spiking population. */
export interface RateRecordSlot {
  readonly population: number;
  readonly recordBase: number;
}

/** Synapses of several projection chunks in one set of buffers (one dispatch). */
export interface SynapseBank {
  readonly rowPtr: GPUBuffer;
  readonly targets: GPUBuffer;
  readonly weights: GPUBuffer;
  readonly delays: GPUBuffer | null;
  readonly synapses: number;
  /** Route table (u32 words) of the bank's dispatch. */
  readonly tables: Uint32Array;
}

/** A chunk placed in a bank. */
interface Placement {
  readonly projection: number;
  readonly chunk: SynapseChunk;
  readonly synBase: number;
  readonly rowBase: number;
}

/**
 * Pack the stored projections' chunks into banks (in projection order, a new bank when the
 * next chunk's synapses would not fit one binding), copy them on the device and return, per
 * projection, the chunks as views into the banks (so downloads read the banks). The chunk
 * buffers are destroyed after the copy.
 */
export function packSynapseBanks(
  device: GPUDevice,
  synapses: ReadonlyMap<number, DeviceConnectivity>,
  maxBindingBytes: number,
  storage: (label: string, bytes: number) => GPUBuffer,
): { banks: { placements: Placement[]; synapses: number; rows: number; delays: boolean; buffers: { rowPtr: GPUBuffer; targets: GPUBuffer; weights: GPUBuffer; delays: GPUBuffer | null } }[]; views: Map<number, SynapseChunk[]> } {
  const maxSynapses = Math.floor(maxBindingBytes / 4);
  const layouts: { placements: Placement[]; synapses: number; rows: number; delays: boolean }[] = [];
  let current: { placements: Placement[]; synapses: number; rows: number; delays: boolean } | null = null;
  for (const [projection, dc] of [...synapses.entries()].sort((a, b) => a[0] - b[0])) {
    if (dc.procedural) continue;
    for (const chunk of dc.chunks) {
      const rows = chunk.end - chunk.begin + 1;
      if (!current || current.synapses + chunk.synapses > maxSynapses || current.rows + rows > maxSynapses) {
        current = { placements: [], synapses: 0, rows: 0, delays: false };
        layouts.push(current);
      }
      current.placements.push({ projection, chunk, synBase: current.synapses, rowBase: current.rows });
      current.synapses += chunk.synapses;
      current.rows += rows;
      current.delays ||= chunk.delays !== null;
    }
  }
  const encoder = device.createCommandEncoder({ label: 'pack synapse banks' });
  const views = new Map<number, SynapseChunk[]>();
  const banks = layouts.map((layout, i) => {
    const buffers = {
      rowPtr: storage(`synapse bank ${i} row_ptr`, layout.rows * 4),
      targets: storage(`synapse bank ${i} targets`, layout.synapses * 4),
      weights: storage(`synapse bank ${i} weights`, layout.synapses * 4),
      delays: layout.delays ? storage(`synapse bank ${i} delays`, layout.synapses * 4) : null,
    };
    for (const p of layout.placements) {
      const c = p.chunk;
      const bytes = c.synapses * 4;
      encoder.copyBufferToBuffer(c.rowPtr, 0, buffers.rowPtr, p.rowBase * 4, (c.end - c.begin + 1) * 4);
      if (bytes > 0) {
        encoder.copyBufferToBuffer(c.targets, 0, buffers.targets, p.synBase * 4, bytes);
        encoder.copyBufferToBuffer(c.weights, 0, buffers.weights, p.synBase * 4, bytes);
        if (c.delays) encoder.copyBufferToBuffer(c.delays, 0, buffers.delays!, p.synBase * 4, bytes);
      }
      const list = views.get(p.projection) ?? [];
      list.push({
        begin: c.begin, end: c.end, synapses: c.synapses,
        rowPtr: buffers.rowPtr, targets: buffers.targets, weights: buffers.weights, delays: c.delays ? buffers.delays : null,
        synapseOffset: p.synBase, rowOffset: p.rowBase,
      });
      views.set(p.projection, list);
    }
    return { ...layout, buffers };
  });
  device.queue.submit([encoder.finish()]);
  for (const layout of layouts) {
    for (const { chunk } of layout.placements) {
      chunk.rowPtr.destroy();
      chunk.targets.destroy();
      chunk.weights.destroy();
      chunk.delays?.destroy();
    }
  }
  return { banks, views };
}

/**
 * The route table of one bank's propagation dispatch (see engine/propagate_spikes.wgsl for the word
 * layout). Every population that emits spikes is a source, also without routes in this bank,
 * so that the bookkeeping dispatch (bank 0) clears its lists and records its spikes.
 */
export function routeTables(options: {
  readonly plan: NetworkPlan;
  readonly slots: readonly SpikeSlots[];
  readonly placements: readonly Placement[];
  /** Fixed-point scale of each spike input channel, by population. */
  readonly channelScale: ReadonlyMap<number, readonly number[]>;
  readonly lists: number;
  readonly bookkeeping: boolean;
  readonly spikeRecorders: readonly SpikeRecorderSlot[];
  readonly rateRecords: readonly RateRecordSlot[];
}): Uint32Array {
  const { plan, slots, placements, channelScale, lists, bookkeeping } = options;
  const batch = plan.batch;
  const sources = plan.populations.filter((p) => slots[p.index]!.spikeBase >= 0);
  const routes: number[][] = [];
  const recorders = bookkeeping ? options.spikeRecorders : [];
  const words: number[] = new Array<number>(HEADER_WORDS).fill(0);
  const sourceWords: number[] = [];
  const floatBits = new Uint32Array(new Float32Array(1).buffer);
  const f32 = (x: number): number => {
    new Float32Array(floatBits.buffer)[0] = x;
    return floatBits[0]!;
  };
  for (const pop of sources) {
    const firstRoute = routes.length;
    for (const p of placements) {
      const proj = plan.projections[p.projection]!;
      if (proj.source !== pop.index) continue;
      const target = plan.populations[proj.target]!;
      const targetTotal = target.size * batch;
      const scale = channelScale.get(proj.target)![proj.channel]!;
      // One weight for the whole projection (the generator's max(a, lo) in float32): the kernel
      // then reads no weights, as GeNN's global weights.
      const w = proj.recipe.weight;
      const constant = proj.recipe.kind !== 'matrix' && w.kind === 0;
      routes.push([
        p.chunk.begin, p.chunk.end, p.rowBase, p.synBase,
        slots[proj.target]!.ringBase + proj.channel * target.ringSlots * targetTotal,
        targetTotal, target.ringSlots, proj.constantDelaySteps, p.chunk.delays ? 1 : 0, f32(proj.sign * scale),
        constant ? 0 : 1, f32(constant ? Math.max(Math.fround(w.a), Math.fround(w.lo)) : 0),
      ]);
    }
    const own = recorders.map((r, k) => ({ r, k })).filter(({ r }) => r.population === pop.index);
    const rate = bookkeeping ? options.rateRecords.find((r) => r.population === pop.index) : undefined;
    const slot = slots[pop.index]!;
    sourceWords.push(slot.spikeBase, slot.blockWords, lists, firstRoute, routes.length - firstRoute, own[0]?.k ?? 0, own.length, rate ? rate.recordBase : NONE);
    // Recorders of one population are consecutive in the list (the simulator keeps them so).
    own.forEach(({ k }, i) => {
      if (k !== own[0]!.k + i) throw new Error('routeTables: spike recorders of a population must be consecutive');
    });
  }
  const routesOffset = HEADER_WORDS + sources.length * SOURCE_WORDS;
  const recordersOffset = routesOffset + routes.length * ROUTE_WORDS;
  const mapsOffset = recordersOffset + recorders.length * RECORDER_WORDS;
  const recorderWords: number[] = [];
  const maps: number[] = [];
  for (const r of recorders) {
    const size = plan.populations[r.population]!.size;
    const bitmap = new Uint32Array(Math.ceil(size / 32));
    for (let i = 0; i < r.neurons.length; i++) {
      const n = r.neurons[i]!;
      bitmap[n >>> 5] = bitmap[n >>> 5]! | (1 << (n & 31));
    }
    recorderWords.push(mapsOffset + maps.length, r.recordBase, r.capacity);
    for (const w of bitmap) maps.push(w);
  }
  words[0] = sources.length;
  words[1] = routesOffset;
  words[2] = recordersOffset;
  words[3] = batch;
  words[4] = bookkeeping ? 1 : 0;
  const out = new Uint32Array(mapsOffset + maps.length);
  out.set(words, 0);
  out.set(sourceWords, HEADER_WORDS);
  out.set(routes.flat(), routesOffset);
  out.set(recorderWords, recordersOffset);
  out.set(maps, mapsOffset);
  return out;
}

/** 1-D work of `count` threads as a 2-D grid of 64-thread workgroups. */
function grid(count: number, maxWorkgroups: number): [number, number] {
  const groups = Math.max(1, Math.ceil(count / 64));
  const x = Math.min(groups, maxWorkgroups);
  return [x, Math.ceil(groups / x)];
}

/** What {@link buildProjections} needs from the simulator. */
export interface ProjectionOptions {
  readonly plan: NetworkPlan;
  readonly cache: KernelCache;
  readonly device: GPUDevice;
  readonly clock: { readonly buffer: GPUBuffer; readonly size: number };
  /** Population buffers by population index. */
  readonly pops: readonly PopulationBuffers[];
  readonly slots: readonly SpikeSlots[];
  /** Spike lists per population (2 × steps per dispatch). */
  readonly lists: number;
  readonly ring: GPUBuffer;
  readonly spikeLists: GPUBuffer;
  readonly records: GPUBuffer;
  /** Spike projections' synapses generated on the device, by projection (their chunks are replaced by views into the banks). */
  readonly synapses: Map<number, DeviceConnectivity>;
  readonly channelScale: ReadonlyMap<number, readonly number[]>;
  readonly spikeRecorders: readonly SpikeRecorderSlot[];
  readonly rateRecords: readonly RateRecordSlot[];
  readonly stepsPerDispatch: number;
  /** Requested workgroups of a propagation dispatch (schedule option), or undefined. */
  readonly propagationWorkgroups: number | undefined;
  /** Software adapter (fewer propagation workgroups by default). */
  readonly software: boolean;
  readonly limits: GPUSupportedLimits;
  /** Placeholder for unused read-only bindings. */
  readonly unusedReadOnly: GPUBuffer;
  /** A tracked storage buffer of `n` words, optionally initialised. */
  words(label: string, n: number, data?: ArrayBufferView): GPUBuffer;
  /** A tracked uniform buffer with these bytes. */
  uniform(label: string, bytes: ArrayBuffer): GPUBuffer;
}

/**
 * The projection dispatches of a block: spike propagation (one per synapse bank, the first with
 * the spike lists' bookkeeping; one per procedural projection) and rate gathers; plus the GPU
 * matrices of dense rate projections (for live weight changes).
 * @throws RangeError when schedule.propagationWorkgroups is not an integer ≥ 1
 */
export async function buildProjections(o: ProjectionOptions): Promise<{ propagation: Dispatch[]; gathers: Dispatch[]; denseChunks: Map<number, { begin: number; end: number; buffer: GPUBuffer }[]> }> {
  const { plan, cache, clock, slots, lists, ring, spikeRecorders, rateRecords } = o;
  const batch = plan.batch;
  const dynamic = ['clock'];
  const maxWorkgroups = o.limits.maxComputeWorkgroupsPerDimension;
  const limit = o.limits.maxStorageBufferBindingSize;
  const propagation: Dispatch[] = [];
  const gathers: Dispatch[] = [];
  const denseChunks = new Map<number, { begin: number; end: number; buffer: GPUBuffer }[]>();
  // Stored spike projections: packed into synapse banks, one propagation dispatch each; the
  // first also does the spike lists' bookkeeping (there is one even without projections).
  const emitting = plan.populations.filter((p) => p.emitsSpikes);
  const software = o.software;
  const requestedWorkgroups = o.propagationWorkgroups;
  if (requestedWorkgroups !== undefined && (!Number.isInteger(requestedWorkgroups) || requestedWorkgroups < 1)) {
    throw new RangeError(`schedule.propagationWorkgroups must be an integer ≥ 1 (got ${requestedWorkgroups})`);
  }
  const spikeBound = emitting.reduce((n, p) => n + p.size * batch, 0) * o.stepsPerDispatch;
  const propagationWorkgroups = Math.max(1, Math.min(requestedWorkgroups ?? (software ? 8 : 2048), spikeBound, maxWorkgroups));
  if (emitting.length > 0) {
    const propagate = await cache.get({ name: 'propagate_spikes', parts: ['engine/common.wgsl', 'engine/propagate_spikes.wgsl'], dynamicBindings: dynamic });
    const { banks, views } = packSynapseBanks(o.device, o.synapses, limit, (label, bytes) => o.words(label, Math.ceil(bytes / 4)));
    for (const [projection, chunks] of views) {
      const dc = o.synapses.get(projection)!;
      o.synapses.set(projection, { ...dc, chunks });
    }
    const bankList = banks.length > 0 ? banks : [null];
    bankList.forEach((bank, i) => {
      const tables = routeTables({
        plan, slots, placements: bank?.placements ?? [], channelScale: o.channelScale, lists, bookkeeping: i === 0, spikeRecorders, rateRecords,
      });
      const bindGroup = propagate.bind({
        clock,
        tables: o.words(`propagation tables ${i}`, tables.length, tables),
        spikes: o.spikeLists,
        row_ptr: bank?.buffers.rowPtr ?? o.unusedReadOnly,
        targets: bank?.buffers.targets ?? o.unusedReadOnly,
        weights: bank?.buffers.weights ?? o.unusedReadOnly,
        delays: bank?.buffers.delays ?? o.unusedReadOnly,
        syn_ring: ring,
        records: o.records,
      });
      propagation.push({ kernel: propagate, bindGroup, size: [propagationWorkgroups, 1] });
    });
  }
  // Procedural projections regenerate their rows: one dispatch each (compiled only when used).
  const propagateProcedural = plan.projections.some((p) => p.procedural)
    ? await cache.get({ name: 'propagate_spikes_procedural', parts: ['engine/common.wgsl', 'engine/philox.wgsl', 'engine/connectivity_rows.wgsl', 'engine/propagate_spikes_procedural.wgsl'], dynamicBindings: dynamic })
    : null;
  for (const proj of plan.projections) {
    if (proj.mode !== 'spike' || !proj.procedural) continue;
    const source = o.pops[proj.source]!;
    const target = o.pops[proj.target]!;
    const rows = o.synapses.get(proj.index)!.procedural!;
    const info = o.uniform(`${proj.name} procedural info`, propagateProcedural!.packUniform('proj', {
      batch,
      spike_block_words: slots[proj.source]!.blockWords,
      target_size: target.plan.size,
      ring_slots: target.plan.ringSlots,
      channel: proj.channel,
      constant_delay: proj.constantDelaySteps,
      weight_scale: proj.sign * o.channelScale.get(proj.target)![proj.channel]!,
      lists,
    }));
    const bindGroup = propagateProcedural!.bind({
      gen: rows.gen, orientations: rows.orientations, row_lengths: rows.rowLengths, delay_thresholds: rows.delayThresholds,
      clock, proj: info, spikes: source.spikes!, syn_ring: target.input,
    });
    propagation.push({ kernel: propagateProcedural!, bindGroup, size: [propagationWorkgroups, 1] });
  }

  // Rate projections: gathers into the target's summed input, before the updates.
  // Trials per thread of the sparse rate gather (see engine/propagate_rates_csr.wgsl).
  const batchBlock = Math.min(16, batch);
  const propagateSparse = await cache.get({
    name: `propagate_rates_csr/b${batchBlock}`,
    parts: ['engine/common.wgsl', { name: 'generated:batch_block', text: `const BATCH_BLOCK: u32 = ${batchBlock}u;` }, 'engine/propagate_rates_csr.wgsl'],
    dynamicBindings: dynamic,
  });
  const propagateDense = await cache.get({ name: 'propagate_rates_dense', parts: ['engine/common.wgsl', 'engine/propagate_rates_dense.wgsl'], dynamicBindings: dynamic });
  for (const proj of plan.projections) {
    const source = o.pops[proj.source]!;
    const target = o.pops[proj.target]!;
    if (proj.mode === 'rate_sparse') {
      const inc = proj.incoming!;
      for (const chunk of rowChunks(inc.rowPtr, limit)) {
        const lo = inc.rowPtr[chunk.begin]!;
        const hi = inc.rowPtr[chunk.end]!;
        const rowPtr = inc.rowPtr.slice(chunk.begin, chunk.end + 1).map((v) => v - lo);
        const label = `${proj.name} targets [${chunk.begin}, ${chunk.end})`;
        const count = chunk.end - chunk.begin;
        const info = o.uniform(`${label} info`, propagateSparse.packUniform('proj', {
          target_begin: chunk.begin,
          target_count: count,
          batch,
          source_size: source.plan.size,
          history_slots: source.plan.ringSlots,
          constant_delay: inc.constantDelaySteps,
          has_delays: inc.delaySteps ? 1 : 0,
          target_offset: proj.channel * target.plan.size * batch,
        }));
        const bindGroup = propagateSparse.bind({
          clock,
          proj: info,
          row_ptr: o.words(`${label} row_ptr`, rowPtr.length, rowPtr),
          sources: o.words(`${label} sources`, hi - lo, inc.sources.subarray(lo, hi)),
          weights: o.words(`${label} weights`, hi - lo, inc.weights.subarray(lo, hi)),
          delays: inc.delaySteps ? o.words(`${label} delays`, hi - lo, inc.delaySteps.subarray(lo, hi)) : o.unusedReadOnly,
          source_history: source.history!,
          target_input: target.input,
        });
        gathers.push({ kernel: propagateSparse, bindGroup, size: grid(count * Math.ceil(batch / batchBlock), maxWorkgroups) });
      }
    } else if (proj.mode === 'rate_dense') {
      const ns = source.plan.size;
      const rowsPerChunk = Math.max(1, Math.floor(limit / (ns * 4)));
      for (let begin = 0; begin < target.plan.size; begin += rowsPerChunk) {
        const end = Math.min(target.plan.size, begin + rowsPerChunk);
        const label = `${proj.name} rows [${begin}, ${end})`;
        const info = o.uniform(`${label} info`, propagateDense.packUniform('proj', {
          target_begin: begin,
          target_count: end - begin,
          batch,
          source_size: ns,
          history_slots: source.plan.ringSlots,
          delay: proj.constantDelaySteps,
          target_offset: proj.channel * target.plan.size * batch,
        }));
        const matrix = proj.dense!.subarray(begin * ns, end * ns);
        const matrixBuffer = o.words(`${label} matrix`, matrix.length, matrix);
        const chunks = denseChunks.get(proj.index) ?? [];
        chunks.push({ begin, end, buffer: matrixBuffer });
        denseChunks.set(proj.index, chunks);
        const bindGroup = propagateDense.bind({
          clock,
          proj: info,
          matrix: matrixBuffer,
          source_history: source.history!,
          target_input: target.input,
        });
        gathers.push({ kernel: propagateDense, bindGroup, size: [Math.ceil((end - begin) / 64), batch] });
      }
    }
  }
  return { propagation, gathers, denseChunks };
}
