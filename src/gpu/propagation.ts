/**
 * Spike propagation on the GPU: the synapses of all stored spike projections packed into
 * synapse banks (each as large as one storage binding allows), and the route tables with
 * which one dispatch per bank propagates every spiking population's spikes through all its
 * outgoing projections (shaders/engine/propagate_spikes.wgsl). The dispatch of bank 0 also does the
 * spike lists' bookkeeping: spike recorders, population-rate records and clearing the lists
 * of the next block of steps.
 */
import type { NetworkPlan } from '../model/plan.js';
import type { DeviceConnectivity, SynapseChunk } from './connectivity.js';

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
