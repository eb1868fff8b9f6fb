/**
 * Recorders on the GPU: the per-command-buffer records (spike records and population-rate
 * records of spiking populations share one buffer, written by the propagation dispatch; state
 * samples and rate units' population means have their own dispatches), where each record goes
 * in the staging buffer, and parsing the staged bytes into the host collector.
 */
import type { NetworkPlan, PopulationPlan, RecorderPlan } from '../model/plan.js';
import type { RecordingCollector } from '../model/recording.js';
import type { KernelCache } from './kernels.js';
import type { PopulationBuffers } from './populations.js';
import type { RateRecordSlot, SpikeRecorderSlot } from './propagation.js';
import { dispatchGrid, type Dispatch } from './schedule.js';

/** Words of a spike record's header: count, overflow flag. */
export const SPIKE_RECORD_HEADER_WORDS = 2;
/** Largest per-chunk spike record we allocate (bytes); longer chunks are cut instead. */
const MAX_SPIKE_RECORD_BYTES = 64 * 1024 * 1024;

/** A chunk-local record buffer and where its bytes go in the staging buffer. */
export interface RecordRegion {
  recorder: RecorderPlan;
  buffer: GPUBuffer;
  /** Byte offset of the record in `buffer`. */
  offset: number;
  bytes: number;
  stagingOffset: number;
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** What {@link buildRecorders} needs from the simulator. */
export interface RecorderOptions {
  readonly plan: NetworkPlan;
  readonly cache: KernelCache;
  /** The step clock binding (dynamic offset). */
  readonly clock: { readonly buffer: GPUBuffer; readonly size: number };
  /** Population buffers by population index. */
  readonly pops: readonly PopulationBuffers[];
  readonly stepsPerSubmit: number;
  readonly maxWorkgroups: number;
  /** A tracked storage buffer of `n` words, optionally initialised. */
  words(label: string, n: number, data?: ArrayBufferView): GPUBuffer;
  /** A tracked uniform buffer with these bytes. */
  uniform(label: string, bytes: ArrayBuffer): GPUBuffer;
}

/**
 * Allocate the records of every recorder for one command buffer: their place in the staging
 * buffer (`stagingBytes` in all), the spike records' headers to clear after each command
 * buffer, the slots the propagation dispatch writes, and the dispatches of the others.
 */
export async function buildRecorders(o: RecorderOptions): Promise<{
  records: GPUBuffer; regions: RecordRegion[]; spikeRecordClears: { buffer: GPUBuffer; offset: number; bytes: number }[];
  spikeRecorders: SpikeRecorderSlot[]; rateRecords: RateRecordSlot[]; dispatches: Dispatch[]; stagingBytes: number;
}> {
  const { plan, cache, clock, maxWorkgroups } = o;
  const batch = plan.batch;
  const dynamic = ['clock'];
  const regions: RecordRegion[] = [];
  const spikeRecordClears: { buffer: GPUBuffer; offset: number; bytes: number }[] = [];
  const dispatches: Dispatch[] = [];
  const stateRecord = await cache.get({ name: 'record_state', parts: ['engine/common.wgsl', 'engine/record_state.wgsl'], dynamicBindings: dynamic });
  const populationMean = await cache.get({ name: 'population_mean', parts: ['engine/common.wgsl', 'engine/population_mean.wgsl'], dynamicBindings: dynamic });
  const spikeRecorders: SpikeRecorderSlot[] = [];
  const rateRecords: RateRecordSlot[] = [];
  let recordWords = 0;
  const recordOf = new Map<number, { base: number; bytes: number }>();
  // Spike recorders sorted by population: the route tables keep a population's recorders together.
  const byPopulation = [...plan.recorders].sort((a, b) => a.population - b.population || a.index - b.index);
  for (const r of byPopulation) {
    const pop = plan.populations[r.population]!;
    if (r.spec.type === 'spikes') {
      const capacity = spikeRecordCapacity(r, pop, batch, o.stepsPerSubmit, plan.dtMs);
      const words = SPIKE_RECORD_HEADER_WORDS + 2 * capacity;
      spikeRecorders.push({ population: r.population, neurons: r.neurons, recordBase: recordWords, capacity });
      recordOf.set(r.index, { base: recordWords, bytes: words * 4 });
      recordWords += words;
    } else if (r.spec.type === 'population_rate' && pop.model.kind !== 'rate') {
      rateRecords.push({ population: r.population, recordBase: recordWords });
      recordOf.set(r.index, { base: recordWords, bytes: o.stepsPerSubmit * batch * 4 });
      recordWords += o.stepsPerSubmit * batch;
    }
  }
  const records = o.words('spike and rate records', recordWords);
  let stagingOffset = 0;
  const addRegion = (recorder: RecorderPlan, buffer: GPUBuffer, offset: number, bytes: number): void => {
    regions.push({ recorder, buffer, offset, bytes, stagingOffset });
    stagingOffset += align(bytes, 8);
  };
  for (const r of plan.recorders) {
    const pb = o.pops[r.population]!;
    const pop = pb.plan;
    const nSel = r.neurons.length;
    const placed = recordOf.get(r.index);
    if (placed) {
      addRegion(r, records, placed.base * 4, placed.bytes);
      if (r.spec.type === 'spikes') spikeRecordClears.push({ buffer: records, offset: placed.base * 4, bytes: SPIKE_RECORD_HEADER_WORDS * 4 });
    } else if (r.spec.type === 'state') {
      const bytes = o.stepsPerSubmit * nSel * batch * 4;
      const buffer = o.words(`recorder ${r.index} state`, bytes / 4);
      const info = o.uniform(`recorder ${r.index} info`, stateRecord.packUniform('info', { size: pop.size, batch, variable: r.variableIndex, n_selected: nSel }));
      const bindGroup = stateRecord.bind({ clock, info, state: pb.state, selected: o.words(`recorder ${r.index} selection`, r.neurons.length, r.neurons), record: buffer });
      dispatches.push({ kernel: stateRecord, bindGroup, size: dispatchGrid(nSel * batch, maxWorkgroups), every: r.everySteps });
      addRegion(r, buffer, 0, bytes);
    } else if (r.spec.type === 'population_rate') {
      const bytes = o.stepsPerSubmit * batch * 4;
      const buffer = o.words(`recorder ${r.index} population rate`, bytes / 4);
      const info = o.uniform(`recorder ${r.index} info`, populationMean.packUniform('info', { size: pop.size, batch, history_slots: pop.ringSlots }));
      dispatches.push({ kernel: populationMean, bindGroup: populationMean.bind({ clock, info, rate_history: pb.history!, record: buffer }), size: [batch, 1] });
      addRegion(r, buffer, 0, bytes);
    }
  }
  return { records, regions, spikeRecordClears, spikeRecorders, rateRecords, dispatches, stagingBytes: stagingOffset };
}

/** Parse one command buffer's staged records (`n` steps from `chunkFirst`) into the collector. */
export function parseRecords(plan: NetworkPlan, regions: readonly RecordRegion[], bytes: ArrayBuffer, collector: RecordingCollector, chunkFirst: number, n: number): void {
  const batch = plan.batch;
  for (const region of regions) {
    const r = region.recorder;
    if (r.spec.type === 'spikes') {
      const words = new Uint32Array(bytes, region.stagingOffset, region.bytes / 4);
      const count = words[0]!;
      if (words[1] !== 0) {
        throw new Error(`Spike recorder ${r.index} (${r.spec.population}) overflowed its buffer in steps ${chunkFirst}…${chunkFirst + n - 1}: this is a bug in the capacity bound; please report it.`);
      }
      const steps = new Uint32Array(count);
      const flats = new Uint32Array(count);
      for (let k = 0; k < count; k++) {
        steps[k] = words[2 + 2 * k]!;
        flats[k] = words[3 + 2 * k]!;
      }
      collector.addSpikes(r.index, steps, flats);
    } else if (r.spec.type === 'state') {
      const nSel = r.neurons.length;
      const rows = new Float32Array(bytes, region.stagingOffset, region.bytes / 4);
      for (let i = 0; i < n; i++) {
        const step = chunkFirst + i;
        if (step % r.everySteps !== 0) continue;
        collector.addStateSample(r.index, step * plan.dtMs, rows.slice(i * nSel * batch, (i + 1) * nSel * batch));
      }
    } else if (r.spec.type === 'population_rate') {
      const spiking = plan.populations[r.population]!.model.kind !== 'rate';
      const values = spiking ? new Uint32Array(bytes, region.stagingOffset, n * batch) : new Float32Array(bytes, region.stagingOffset, n * batch);
      collector.addPopulationSteps(r.index, Float32Array.from(values));
    }
  }
}

/** Most spikes a spike recorder can see in one chunk: every recorded neuron firing as fast as its refractoriness allows. */
export function spikeRecordCapacity(r: RecorderPlan, pop: PopulationPlan, batch: number, steps: number, dtMs: number): number {
  // Spike-train sources: at most the spikes given, and at most the most in a step per step.
  if (pop.spikeTrains !== null) return Math.max(1, Math.min(pop.spikeTrains.spikesPerBatch, steps * pop.spikeTrains.maxPerStep));
  const minIsi = pop.model.minInterSpikeSteps(pop.params, dtMs);
  return r.neurons.length * batch * Math.ceil(steps / Math.max(1, minIsi));
}

/**
 * Steps per command buffer: the requested number, a multiple of the steps per dispatch (so
 * that blocks are not cut), and cut so that spike records stay bounded.
 */
export function chooseStepsPerSubmit(plan: NetworkPlan, requested: number, stepsPerDispatch: number): number {
  let steps = Math.max(1, Math.min(10000, Math.floor(requested)));
  for (const r of plan.recorders) {
    if (r.spec.type !== 'spikes') continue;
    const pop = plan.populations[r.population]!;
    const minIsi = Math.max(1, pop.model.minInterSpikeSteps(pop.params, plan.dtMs));
    const perStep = (pop.spikeTrains !== null ? pop.spikeTrains.maxPerStep * 8 : r.neurons.length * plan.batch * 8) / minIsi;
    steps = Math.max(1, Math.min(steps, Math.floor(MAX_SPIKE_RECORD_BYTES / Math.max(perStep, 1))));
  }
  return Math.max(stepsPerDispatch, Math.floor(steps / stepsPerDispatch) * stepsPerDispatch);
}
