/**
 * The step schedule: which dispatches advance the network, and how many steps each advances.
 *
 * A block of steps is encoded as: rate gathers, one update dispatch per merged group of
 * populations (populations of one model), one propagation dispatch per group of synapse banks
 * (as many banks as the device binds storage buffers for; all outgoing projections of every
 * spiking population, procedural ones too, with the spike-list bookkeeping and the spike
 * recorders fused in), then the remaining recorders and the attachments. A block is several steps long when nothing in the network needs a step at a
 * time: spikes take at least the minimum synaptic delay to arrive, so neurons are independent
 * for that many steps and one update dispatch can integrate all of them (kobae and GeNN do
 * the same). Results do not depend on the block length: every step's arithmetic is the same
 * and spike arrivals are summed with integer atomics.
 */
import type { NetworkPlan } from '../model/plan.js';
import type { NeuronModelDef } from '../model/models.js';
import type { Kernel, KernelDescriptor } from './kernels.js';
import type { ShaderPart } from './shaders.js';
import { modelUpdateKernel } from './populations.js';
import { MEMORY_LAYOUT } from './sizing.js';

/** How the engine schedules a step (options of {@link GpuSimulator.create}). */
export interface ScheduleOptions {
  /**
   * Steps advanced per update dispatch: `'auto'` (default) takes the largest the network
   * allows (see {@link maxStepsPerDispatch}); a number ≥ 1 asks for at most that many.
   */
  readonly stepsPerDispatch?: number | 'auto';
  /** Update populations of one model in one dispatch (default true); false gives one dispatch per population. */
  readonly mergePopulations?: boolean;
  /**
   * Persistent mode: one workgroup advances all steps of a command buffer in one dispatch,
   * with barriers between each step's update and propagation (engine/step_persistent.wgsl).
   * `'auto'` (default) decides from measured costs: for networks that can run so (one spiking
   * neuron model, one synapse bank, no state recorders) up to {@link PERSISTENT_MAX_NEURONS}
   * neurons × trials and {@link PERSISTENT_MAX_SYNAPSES} synapses × trials, once the network is
   * past its first 500 steps (its start-up transient), a run with 300 steps to go times command
   * buffers of 50 steps of both schedules (one untimed of each, then A-B-B-A) and keeps the faster
   * (both give bitwise the same results). `true` asks for it (refused, naming why, where it cannot
   * run); `false` never. Displays and other attachments fall back to the dispatch schedule while
   * attached.
   */
  readonly persistent?: boolean | 'auto';
  /**
   * Workgroups of a propagation dispatch (each takes spikes in turn; default: 8 on software
   * adapters, 2048 on GPUs, never more than spikes can occur in a block).
   */
  readonly propagationWorkgroups?: number;
}

/**
 * Largest network that `persistent: 'auto'` tries in one workgroup (neurons × trials, synapses ×
 * trials): beyond it a timed trial would itself take long, and one workgroup cannot win.
 */
export const PERSISTENT_MAX_NEURONS = 32768;
export const PERSISTENT_MAX_SYNAPSES = 2 ** 25;

/** Storage buffers the persistent kernel binds with `banks` synapse banks. */
export function persistentStorageBuffers(banks: number): number {
  return 9 + 2 * banks;
}

/** Upper bound on steps per dispatch (spike lists grow with it; the memory layout names it). */
export const MAX_STEPS_PER_DISPATCH: number = MEMORY_LAYOUT.maxStepsPerDispatch;

/** One compute dispatch of the schedule. */
export interface Dispatch {
  kernel: Kernel;
  bindGroup: GPUBindGroup;
  /** Direct dispatch size, or an indirect buffer and offset. */
  size?: readonly [number, number];
  indirect?: { buffer: GPUBuffer; offset: number };
  /** Only in blocks whose first step is a multiple of `every` (blocks of one step then). */
  every?: number;
  /** Stage of the step, for {@link GpuSimulator.dispatchesPerStep}. */
  stage?: string;
}

/**
 * The most steps one dispatch may advance in this network, and why: the minimum delay of the
 * spike projections (spikes emitted inside a block must not arrive inside it); one step when
 * rate units exist (their input is gathered every step) or a state recorder samples state
 * (it reads the state of single steps). Capped at {@link MAX_STEPS_PER_DISPATCH}.
 */
export function maxStepsPerDispatch(plan: NetworkPlan): { steps: number; reason: string } {
  if (plan.populations.some((p) => p.model.kind === 'rate')) return { steps: 1, reason: 'rate units gather their input every step' };
  const state = plan.recorders.find((r) => r.spec.type === 'state');
  if (state) return { steps: 1, reason: `state recorder ${state.index} samples single steps` };
  let steps = MAX_STEPS_PER_DISPATCH;
  let reason = `at most ${MAX_STEPS_PER_DISPATCH} steps per dispatch`;
  for (const proj of plan.projections) {
    const r = proj.recipe;
    const minDelay = r.delay ? r.delay.firstStep : proj.constantDelaySteps;
    if (proj.connectivity?.delaySteps) {
      let min = Infinity;
      for (const d of proj.connectivity.delaySteps) if (d < min) min = d;
      if (min < steps) {
        steps = Math.max(1, min);
        reason = `minimum delay of projection ${proj.name}: ${min} step${min === 1 ? '' : 's'}`;
      }
    } else if (minDelay < steps) {
      steps = Math.max(1, minDelay);
      reason = `minimum delay of projection ${proj.name}: ${minDelay} step${minDelay === 1 ? '' : 's'}`;
    }
  }
  return { steps, reason };
}

/**
 * Check schedule options before anything is built.
 * @throws RangeError naming the option and what it accepts
 */
export function checkScheduleOptions(options: ScheduleOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) throw new RangeError(`schedule must be an object (got ${String(options)})`);
  const known = ['stepsPerDispatch', 'mergePopulations', 'persistent', 'propagationWorkgroups'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new RangeError(`schedule.${key} is not a schedule option (options: ${known.join(', ')})`);
  }
  const { stepsPerDispatch: k, mergePopulations: merge, persistent, propagationWorkgroups: w } = options;
  if (k !== undefined && k !== 'auto' && !(Number.isInteger(k) && k >= 1)) throw new RangeError(`schedule.stepsPerDispatch must be 'auto' or an integer ≥ 1 (got ${String(k)})`);
  if (merge !== undefined && typeof merge !== 'boolean') throw new RangeError(`schedule.mergePopulations must be true or false (got ${String(merge)})`);
  if (persistent !== undefined && persistent !== 'auto' && typeof persistent !== 'boolean') throw new RangeError(`schedule.persistent must be true, false or 'auto' (got ${String(persistent)})`);
  if (w !== undefined && !(Number.isInteger(w) && w >= 1)) throw new RangeError(`schedule.propagationWorkgroups must be an integer ≥ 1 (got ${String(w)})`);
}

/** Resolve the requested steps per dispatch against what the network allows. */
export function chooseStepsPerDispatch(plan: NetworkPlan, requested: number | 'auto' | undefined): { steps: number; reason: string } {
  const allowed = maxStepsPerDispatch(plan);
  if (requested === undefined || requested === 'auto') return allowed;
  if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`schedule.stepsPerDispatch must be 'auto' or an integer ≥ 1 (got ${String(requested)})`);
  if (requested <= allowed.steps) return { steps: requested, reason: 'requested' };
  return allowed;
}

/**
 * Work of `count` threads as a 2-D grid of 64-thread workgroups (x up to the device's
 * maxComputeWorkgroupsPerDimension; kernels fold x and y back with `flat_index`).
 */
export function dispatchGrid(count: number, maxWorkgroups: number): [number, number] {
  const groups = Math.max(1, Math.ceil(count / 64));
  const x = Math.min(groups, maxWorkgroups);
  return [x, Math.ceil(groups / x)];
}

/** Lengths of the blocks that cover `n` steps, `stepsPerBlock` at a time (the last may be shorter). */
export function blockLengths(n: number, stepsPerBlock: number): number[] {
  const out: number[] = [];
  for (let done = 0; done < n; done += stepsPerBlock) out.push(Math.min(stepsPerBlock, n - done));
  return out;
}

/** Encode one block: every dispatch once, with the block's clock entry at `offset`. */
export function encodeBlock(pass: GPUComputePassEncoder, dispatches: readonly Dispatch[], firstStep: number, offset: number): void {
  const offsets = [offset];
  for (const d of dispatches) {
    if (d.every && firstStep % d.every !== 0) continue;
    pass.setPipeline(d.kernel.pipeline);
    pass.setBindGroup(0, d.bindGroup, offsets);
    if (d.indirect) pass.dispatchWorkgroupsIndirect(d.indirect.buffer, d.indirect.offset);
    else pass.dispatchWorkgroups(d.size![0], d.size![1]);
  }
}

/** First binding of the synapse banks in the persistent kernel (engine/step_persistent.wgsl). */
export const PERSISTENT_FIRST_BANK_BINDING = 11;

/**
 * The persistent kernel of a merged group of spiking populations: the group's update kernel
 * with the propagation library (its `banks` synapse banks bound from
 * {@link PERSISTENT_FIRST_BANK_BINDING} on) and engine/step_persistent.wgsl as entry point.
 */
export function persistentKernel(model: NeuronModelDef, members: number, banks: number, hasProcedural: boolean, library: readonly ShaderPart[]): KernelDescriptor {
  const update = modelUpdateKernel(model, true, members);
  const parts = update.parts.slice(0, -1);
  return {
    name: `step_persistent/${model.name}${members > 1 ? `/x${members}` : ''}/banks${banks}${hasProcedural ? '/procedural' : ''}`,
    parts: [...parts, ...library, 'engine/step_persistent.wgsl'],
    dynamicBindings: ['clock'],
  };
}
