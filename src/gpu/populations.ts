/**
 * Populations on the GPU: merged groups (populations of one model updated by one dispatch, as
 * GeNN's merged groups), the layout of their buffers (regions that start on 256 bytes, so any
 * one can be bound alone), the shared ring buffer and spike lists of the spiking populations,
 * the per-population tables the update kernels read, and the update kernel of a model.
 */
import type { NetworkPlan, InputPlan, PopulationPlan } from '../model/plan.js';
import { NEVER } from '../model/plan.js';
import { outputIndex, type NeuronModelDef } from '../model/models.js';
import type { Dispatch } from './schedule.js';
import type { Kernel, KernelCache, KernelDescriptor } from './kernels.js';
import type { SpikeSlots } from './propagation.js';

/** Words per 256 bytes: regions of shared buffers start at multiples of this, so each can be bound alone. */
export const REGION_WORDS = 64;
const INPUT_WORDS = 12;
const INPUT_CODES = { poisson: 1, dc: 2, stimulus: 3, trial_current: 4 } as const;

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** A range of a GPU buffer (bytes; offsets are 256-byte aligned, so it can be bound by itself). */
export interface BufferRegion {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
}

export interface PopulationBuffers {
  plan: PopulationPlan;
  group: PopulationGroup;
  /** Index in the group's tables. */
  member: number;
  popInfoValues: Record<string, number | number[]>;
  state: BufferRegion;
  /** Spiking: ring of fixed-point input (in the shared ring buffer); rate: summed input. */
  input: BufferRegion;
  /** Rate units: output history. */
  history: BufferRegion | null;
  /** Spike lists (in the shared spike-list buffer), or null. */
  spikes: BufferRegion | null;
  /** Input table (words from the start of the group's tables). */
  tableBase: number;
  countMapBase: number;
}

/** Populations of one model, updated by one dispatch (GeNN's merged groups). */
export interface PopulationGroup {
  kind: 'spiking' | 'rate';
  kernel: Kernel;
  members: PopulationBuffers[];
  state: GPUBuffer;
  /** Spiking: the shared ring buffer; rate: the group's summed-input buffer. */
  input: GPUBuffer;
  history: GPUBuffer | null;
  tables: GPUBuffer;
  pops: GPUBuffer;
  models: GPUBuffer;
  windowCounts: GPUBuffer;
  threads: number;
  dispatch: Dispatch | null;
}

/**
 * Where each population's spike lists and ring buffer go in the two buffers shared by all
 * spiking populations: one ring buffer (so that one propagation dispatch reaches every
 * target) and one spike-list buffer (`lists` lists per population).
 */
export function spikeSlots(plan: NetworkPlan, lists: number): { slots: SpikeSlots[]; ringWords: number; spikeWords: number } {
  const slots: SpikeSlots[] = [];
  let ringWords = 0;
  let spikeWords = 0;
  for (const pop of plan.populations) {
    const total = pop.size * plan.batch;
    // A list holds at most one entry per neuron and trial, or for spike-train sources the most
    // spikes given in one step (a neuron spiking twice in a step is listed twice).
    const blockWords = 1 + plan.batch + (pop.spikeTrains?.maxPerStep ?? total);
    const spiking = pop.model.kind !== 'rate';
    slots.push({ spikeBase: pop.emitsSpikes ? spikeWords : -1, blockWords, ringBase: spiking ? ringWords : -1 });
    if (pop.emitsSpikes) spikeWords += align(lists * blockWords, REGION_WORDS);
    if (spiking) ringWords += align(Math.max(1, pop.model.inputChannels) * pop.ringSlots * total, REGION_WORDS);
  }
  return { slots, ringWords, spikeWords };
}

/** What {@link buildPopulationGroups} needs from the simulator. */
export interface PopulationGroupOptions {
  readonly plan: NetworkPlan;
  readonly cache: KernelCache;
  readonly slots: readonly SpikeSlots[];
  /** Spike lists per population (2 × steps per dispatch). */
  readonly lists: number;
  readonly ring: GPUBuffer;
  readonly spikeLists: GPUBuffer;
  /** Merge populations of one model into one group (else one group per population). */
  readonly merge: boolean;
  /** Fixed-point scale of each spike input channel, by population. */
  readonly channelScale: ReadonlyMap<number, readonly number[]>;
  /** Placeholder window-count buffer (a run binds its own). */
  readonly windowCounts: GPUBuffer;
  /** A tracked storage buffer of `n` words, optionally initialised. */
  words(label: string, n: number, data?: ArrayBufferView): GPUBuffer;
  /** A tracked buffer of any usage. */
  buffer(label: string, bytes: number, usage: GPUBufferUsageFlags): GPUBuffer;
}

/**
 * Build the merged groups: their buffers (state, rate input and history, input tables and
 * count maps, the population table and model constants) with initial values, and each
 * population's regions and table entry. The caller writes the tables and creates the dispatches.
 */
export async function buildPopulationGroups(o: PopulationGroupOptions): Promise<{ groups: PopulationGroup[]; pops: PopulationBuffers[] }> {
  const { plan, slots, lists, ring, merge } = o;
  const batch = plan.batch;
  const countsRecorders = plan.recorders.filter((r) => r.spec.type === 'spike_counts');
  const groups: PopulationGroup[] = [];
  const pops: PopulationBuffers[] = [];
  // Populations of one model (and the same spike output) form a merged group.
  const groupKeys = new Map<string, PopulationPlan[]>();
  for (const pop of plan.populations) {
    const key = merge ? `${pop.model.name}|${pop.model.kind === 'rate' ? pop.emitsSpikes : ''}` : `#${pop.index}`;
    groupKeys.set(key, [...(groupKeys.get(key) ?? []), pop]);
  }
  for (const members of groupKeys.values()) {
    const model = members[0]!.model;
    const spiking = model.kind !== 'rate';
    const kernel = await o.cache.get(modelUpdateKernel(model, members[0]!.emitsSpikes, members.length));
    // Region layout of the group's buffers (words).
    let stateWords = 0;
    let inputWords = 0;
    let historyWords = 0;
    let tableWords = 0;
    let threads = 0;
    const layout = members.map((pop) => {
      const total = pop.size * batch;
      const table = packInputTable(pop.inputs, batch);
      const trains = packSpikeTrainTable(pop);
      const l = {
        pop, total, table, trains, threadBegin: threads, stateBase: stateWords, inputBase: spiking ? slots[pop.index]!.ringBase : inputWords,
        historyBase: historyWords, tableBase: tableWords, countMapBase: tableWords + table.length, trainBase: tableWords + table.length + pop.size,
      };
      // Populations start on workgroup boundaries (64 threads): see select_population.
      threads += align(total, 64);
      stateWords += align(model.state.length * total, REGION_WORDS);
      if (!spiking) {
        inputWords += align(Math.max(1, model.inputChannels) * total, REGION_WORDS);
        historyWords += align(pop.ringSlots * total, REGION_WORDS);
      }
      tableWords += table.length + pop.size + trains.length;
      return l;
    });
    const stateData = new Float32Array(Math.max(1, stateWords));
    const historyData = new Float32Array(Math.max(1, historyWords));
    const tableData = new Uint32Array(Math.max(1, tableWords));
    for (const l of layout) {
      l.pop.initialState.forEach((values, v) => stateData.set(values, l.stateBase + v * l.total));
      if (!spiking) {
        const r = l.pop.initialState[outputIndex(model)]!;
        for (let slot = 0; slot < l.pop.ringSlots; slot++) historyData.set(r, l.historyBase + slot * l.total);
      }
      tableData.set(l.table, l.tableBase);
      tableData.set(l.trains, l.trainBase);
      const countMap = tableData.subarray(l.countMapBase, l.countMapBase + l.pop.size).fill(0xffffffff);
      countsRecorders.find((r) => r.population === l.pop.index)?.neurons.forEach((n, k) => (countMap[n] = k));
    }
    const name = members.map((p) => p.name).join('+');
    const state = o.words(`${name} state`, stateWords, stateData);
    const input = spiking ? ring : o.words(`${name} rate input`, inputWords);
    const history = spiking ? null : o.words(`${name} rate history`, historyWords, historyData);
    const tables = o.words(`${name} input tables, count maps and spike trains`, tableWords, tableData);
    const group: PopulationGroup = {
      kind: spiking ? 'spiking' : 'rate', kernel, members: [], state, input, history, tables,
      pops: o.buffer(`${name} populations`, align(kernel.binding('pops').arrayStride * members.length, 16), GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      models: o.words(`${name} model constants`, align(kernel.binding('models').arrayStride * members.length, 16) / 4),
      windowCounts: o.windowCounts, threads, dispatch: null,
    };
    const region = (buffer: GPUBuffer, baseWords: number, words: number): BufferRegion => ({ buffer, offset: baseWords * 4, size: Math.max(1, words) * 4 });
    layout.forEach((l, member) => {
      const pop = l.pop;
      const countsRecorder = countsRecorders.find((r) => r.population === pop.index);
      const slot = slots[pop.index]!;
      const popInfoValues: Record<string, number | number[]> = {
        size: pop.size,
        batch,
        seed: plan.seed,
        pop_index: pop.index,
        ring_slots: pop.ringSlots,
        n_inputs: pop.inputs.length,
        noise_stream: pop.noiseStream,
        orientation_random: pop.orientationRandom ? 1 : 0,
        orientation_stream: pop.orientationStream,
        spike_block_words: slot.blockWords,
        counts_enabled: 0,
        counts_start_step: countsRecorder?.startStep ?? 0,
        counts_window_steps: countsRecorder?.windowSteps ?? 1,
        counts_first_window: 0,
        counts_n_windows: 0,
        counts_n_rec: countsRecorder?.neurons.length ?? 0,
        inv_scale: o.channelScale.get(pop.index)!.map((scale) => 1 / scale),
        trial_offset: 0,
        thread_begin: l.threadBegin,
        state_base: l.stateBase,
        input_base: l.inputBase,
        history_base: l.historyBase,
        spike_base: Math.max(0, slot.spikeBase),
        spike_lists: lists,
        table_base: l.tableBase,
        count_map_base: l.countMapBase,
        window_base: 0,
        train_base: l.trainBase,
        train_trials: pop.spikeTrains?.trials ?? 1,
      };
      const channels = Math.max(1, pop.model.inputChannels);
      const pb: PopulationBuffers = {
        plan: pop, group, member, popInfoValues,
        state: region(state, l.stateBase, model.state.length * l.total),
        input: spiking ? region(ring, slot.ringBase, channels * pop.ringSlots * l.total) : region(input, l.inputBase, channels * l.total),
        history: history ? region(history, l.historyBase, pop.ringSlots * l.total) : null,
        spikes: pop.emitsSpikes ? region(o.spikeLists, slot.spikeBase, lists * slot.blockWords) : null,
        tableBase: l.tableBase,
        countMapBase: l.countMapBase,
      };
      group.members.push(pb);
      pops[pop.index] = pb;
    });
    groups.push(group);
  }
  return { groups, pops };
}

/** The population table of a merged group, packed (after a change of any member's info). */
export function groupInfo(group: PopulationGroup): ArrayBuffer {
  return group.kernel.packStructArray('pops', group.members.map((m) => m.popInfoValues));
}

/**
 * The update kernel of a neuron model as the engine compiles it: the shared WGSL libraries, the
 * model's constants, its snippet (a file under `shaders/`, or the generated text of an equation
 * model) and the spiking or rate main file. One pipeline per model; the benchmark
 * `bench/model_build.mjs` times building it. Rate models get one variant with spike output and one without;
 * `members` is the number of populations of the model that one dispatch updates (a merged group).
 */
export function modelUpdateKernel(model: NeuronModelDef, emitsSpikes = model.kind !== 'rate', members = 1): KernelDescriptor {
  const spiking = model.kind !== 'rate';
  const prelude = [
    `const N_MEMBERS: u32 = ${members}u;`,
    `const N_CHANNELS: u32 = ${model.inputChannels}u;`,
    `const N_STATE: u32 = ${model.state.length}u;`,
    ...model.state.map((s, i) => `const STATE_${s.name}: u32 = ${i}u;`),
    ...(spiking ? [] : [
      `const OUTPUT_STATE: u32 = ${outputIndex(model)}u;`,
      `const EMITS_SPIKES: bool = ${emitsSpikes};`,
    ]),
  ].join('\n');
  return {
    name: `${spiking ? 'spiking' : 'rate'}_neuron_update/${model.name}${!spiking && emitsSpikes ? '/spikes' : ''}${members > 1 ? `/x${members}` : ''}`,
    parts: [
      'engine/common.wgsl', 'engine/philox.wgsl', { name: `generated:${model.name}`, text: prelude }, 'engine/population_info.wgsl', 'engine/neuron_inputs.wgsl', 'engine/spike_output.wgsl', ...(model.shaderLibraries ?? []),
      // Equation models carry their generated snippet as text.
      model.updateShaderText !== undefined ? { name: model.updateShader, text: model.updateShaderText } : model.updateShader,
      ...(spiking ? ['engine/spiking_bindings.wgsl', model.updateSteps ?? 'engine/spiking_update_steps.wgsl', 'engine/spiking_neuron_update.wgsl'] : ['engine/rate_neuron_update.wgsl']),
    ],
    dynamicBindings: ['clock'],
  };
}

/**
 * The spike trains of a spike-train source as engine/spike_train_steps.wgsl reads them (empty
 * for other populations): `trials·size + 1` offsets, then the spike steps (CSR by trial and neuron).
 */
export function packSpikeTrainTable(pop: PopulationPlan): Uint32Array {
  const trains = pop.spikeTrains;
  if (trains === null) return new Uint32Array(0);
  const words = new Uint32Array(trains.offsets.length + trains.steps.length);
  words.set(trains.offsets, 0);
  words.set(trains.steps, trains.offsets.length);
  return words;
}

/**
 * The per-population input table read by engine/neuron_inputs.wgsl: INPUT_WORDS per input, then the
 * per-trial orientations of every input, then the per-neuron-and-trial currents.
 */
export function packInputTable(inputs: readonly InputPlan[], batch: number): Uint32Array {
  const valueWords = inputs.reduce((n, inp) => n + inp.values.length, 0);
  const words = new Uint32Array(INPUT_WORDS * inputs.length + batch * inputs.length + valueWords);
  const floats = new Float32Array(words.buffer);
  let valuesOffset = INPUT_WORDS * inputs.length + batch * inputs.length;
  inputs.forEach((inp, k) => {
    const base = k * INPUT_WORDS;
    const orientationOffset = INPUT_WORDS * inputs.length + k * batch;
    words[base] = INPUT_CODES[inp.kind];
    words[base + 1] = inp.channel;
    words[base + 2] = inp.startStep;
    words[base + 3] = inp.stopStep === NEVER ? NEVER : inp.stopStep;
    floats[base + 4] = inp.lambda;
    floats[base + 5] = inp.weight;
    floats[base + 6] = inp.amplitude;
    floats[base + 7] = inp.kappa;
    floats[base + 8] = inp.baseline;
    words[base + 9] = inp.stream;
    words[base + 10] = orientationOffset;
    for (let b = 0; b < batch; b++) floats[orientationOffset + b] = inp.orientationsDeg[b]!;
    words[base + 11] = valuesOffset;
    floats.set(inp.values, valuesOffset);
    valuesOffset += inp.values.length;
  });
  return words;
}
