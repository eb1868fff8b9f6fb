/**
 * Drivers: what advances a simulation a few steps at a time for an interactive loop (the Lit
 * simulation host steps a driver once per animation frame). A plain network is advanced by
 * {@link ContinuousDriver}; the study protocols provide their own drivers (trial blocks,
 * learning between them) with the same interface.
 */
import type { NetworkSpec, RecorderSpec } from '../model/spec.js';
import type { Recording, PopulationRateRecording } from '../model/recording.js';
import type { NetworkPlan, ProjectionPlan } from '../model/plan.js';
import type { GpuContext } from './context.js';
import type { ShaderSourceLoader } from './shaders.js';
import { GpuSimulator, type GpuSimulatorOptions } from './simulator.js';
import { findNeuronModel } from '../model/registry.js';

/** What one {@link SimulationDriver.advance} did. */
export interface DriverAdvance {
  /** Steps simulated (may be fewer than asked at the end of a trial or protocol phase). */
  readonly steps: number;
  /** Neuron updates done: neurons × batch × steps. */
  readonly neuronSteps: number;
  /** Synaptic events delivered: spikes × out-degree (spiking sources), synapses × batch × steps (rate sources). */
  readonly synapticEvents: number;
  /** Recordings drained during this advance (the simulator's collector is cleared afterwards). */
  readonly recordings: readonly Recording[];
  /** True when the driver has nothing more to simulate (a finished protocol). */
  readonly finished?: boolean;
}

/** Advances a simulation in small pieces; see {@link ContinuousDriver}. */
export interface SimulationDriver {
  /** The simulator whose buffers views may display (replaced only by a new driver). */
  readonly simulator: GpuSimulator;
  /** Simulate up to `steps` more steps (≥ 1). Rejects with DeviceLostError or DivergenceError. */
  advance(steps: number): Promise<DriverAdvance>;
  /** Steps simulated since the driver was created (or since its protocol's clock started). */
  readonly stepCount: number;
  /** Free GPU resources. */
  destroy(): void;
}

/** Where a driver runs: GPU context, shader files, seed. */
export interface DriverEnvironment {
  readonly context: GpuContext;
  readonly shaders: ShaderSourceLoader;
  /** Seed of connectivity and noise (overrides the spec's). */
  readonly seed: number;
}

/** Builds a driver; the simulation host calls it on start, reset and restart. */
export type DriverFactory = (env: DriverEnvironment) => Promise<SimulationDriver>;

/** Neurons × batch of a plan: the neuron updates of one step. */
export function neuronUpdatesPerStep(plan: NetworkPlan): number {
  return plan.populations.reduce((n, p) => n + p.size, 0) * plan.batch;
}

/** Synapses of one projection (dense projections count every source–target pair). */
function projectionSynapses(plan: NetworkPlan, proj: ProjectionPlan): number {
  return proj.dense ? plan.populations[proj.source]!.size * plan.populations[proj.target]!.size : proj.connectivity?.nSynapses ?? Math.round(proj.recipe.expectedSynapses);
}

/** Synapses of all projections × batch: the synaptic reads of one step of a rate network. */
export function synapseReadsPerStep(plan: NetworkPlan): number {
  return plan.projections.reduce((n, proj) => n + projectionSynapses(plan, proj), 0) * plan.batch;
}

/** Synapse counts of a plan's projections, split by source kind, for event-rate estimates. */
interface SynapseTally {
  /** Per population: synapses leaving it through spike projections (events = spikes × out-degree). */
  readonly spikeOutDegree: Map<number, number>;
  /** Synapses of rate projections (every synapse is read once per step and trial). */
  readonly rateSynapses: number;
}

function tallySynapses(sim: GpuSimulator): SynapseTally {
  const spikeOutDegree = new Map<number, number>();
  let rateSynapses = 0;
  for (const proj of sim.plan.projections) {
    const source = sim.plan.populations[proj.source]!;
    const synapses = projectionSynapses(sim.plan, proj);
    if (proj.mode === 'spike') spikeOutDegree.set(proj.source, (spikeOutDegree.get(proj.source) ?? 0) + synapses / Math.max(1, source.size));
    else rateSynapses += synapses;
  }
  return { spikeOutDegree, rateSynapses };
}

/**
 * Add a per-step `population_rate` recorder to every spiking population that sends spike
 * projections and has none, so that drivers can count synaptic events. Appended after the
 * spec's own recorders: their indices do not change.
 */
export function withEventCounters(spec: NetworkSpec): NetworkSpec {
  const recorders: RecorderSpec[] = [...(spec.recorders ?? [])];
  for (const pop of spec.populations) {
    if (recorders.some((r) => r.type === 'population_rate' && r.population === pop.name && (r.bin_ms ?? spec.dt_ms) === spec.dt_ms)) continue;
    if (findNeuronModel(pop.model, spec)?.kind === 'rate') continue;
    recorders.push({ type: 'population_rate', population: pop.name, bin_ms: spec.dt_ms });
  }
  return { ...spec, recorders };
}

/**
 * Counts spikes per population from the per-step population-rate recordings of an advance and
 * turns them into synaptic events.
 */
export function countSynapticEvents(sim: GpuSimulator, recordings: readonly Recording[], steps: number): number {
  const tally = tallySynapses(sim);
  let events = tally.rateSynapses * sim.plan.batch * steps;
  for (const [popIndex, outDegree] of tally.spikeOutDegree) {
    const pop = sim.plan.populations[popIndex]!;
    const rec = recordings.find((r): r is PopulationRateRecording => r.type === 'population_rate' && r.population === pop.name && r.unit === 'Hz' && Math.abs(r.binMs - sim.plan.dtMs) < 1e-9);
    if (!rec) continue;
    let sumHz = 0;
    for (const v of rec.values) sumHz += v;
    // Hz per neuron summed over bins and trials → spikes: rate × size × bin (s).
    events += sumHz * pop.size * (rec.binMs / 1000) * outDegree;
  }
  return events;
}

/**
 * Runs a network spec continuously: `advance(n)` simulates n more steps, hands over what the
 * recorders drained, and clears the simulator's collector so memory stays bounded however long
 * the page runs.
 */
export class ContinuousDriver implements SimulationDriver {
  private readonly neuronsTimesBatch: number;

  private constructor(readonly simulator: GpuSimulator) {
    this.neuronsTimesBatch = neuronUpdatesPerStep(simulator.plan);
  }

  /**
   * Build the network (with event counters added, see {@link withEventCounters}).
   * @throws SpecError, NetworkTooLargeError, ShaderCompileError as {@link GpuSimulator.create}
   */
  static async create(spec: NetworkSpec, env: DriverEnvironment, options: Partial<Omit<GpuSimulatorOptions, 'context' | 'shaders'>> = {}): Promise<ContinuousDriver> {
    const simulator = await GpuSimulator.create(withEventCounters({ ...spec, seed: env.seed }), { ...options, context: env.context, shaders: env.shaders });
    return new ContinuousDriver(simulator);
  }

  get stepCount(): number {
    return this.simulator.stepCount;
  }

  async advance(steps: number): Promise<DriverAdvance> {
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`advance(steps): expected an integer ≥ 1, got ${steps}`);
    const report = await this.simulator.run(steps * this.simulator.plan.dtMs);
    const recordings = this.simulator.recordings();
    this.simulator.clearRecordings();
    return {
      steps: report.steps,
      neuronSteps: this.neuronsTimesBatch * report.steps,
      synapticEvents: countSynapticEvents(this.simulator, recordings, report.steps),
      recordings,
    };
  }

  destroy(): void {
    this.simulator.destroy();
  }
}
