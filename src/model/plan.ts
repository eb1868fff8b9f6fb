/**
 * From a validated spec to a backend-neutral plan: defaults resolved, parameters derived for
 * the step, connectivity built, delays in steps, ring sizes, fixed-point scales of spike
 * inputs, input tables, recorder selections and initial state. The GPU engine and the CPU
 * reference both execute this plan, so they simulate exactly the same network.
 */
import { buildConnectivity, preferredOrientationsDeg, toDense, toIncoming, type Connectivity, type IncomingConnectivity } from './connectivity.js';
import { emitsSpikes, resolveParams, type NeuronModelDef, type ResolvedParams } from './models.js';
import { findNeuronModel } from './registry.js';
import { resolveSpecDefaults, validateSpec } from './schema.js';
import type { Compartment, Distribution, NetworkSpec, NeuronSelection, ProjectionSpec, Receptor, RecorderSpec } from './spec.js';
import { rngNormal2, rngUniform4, streamId } from '../rng/philox.js';
import { STREAM_PURPOSE } from '../rng/streams.js';

/** Step number meaning "never stops". */
export const NEVER = 0xffffffff;

/** An external input, resolved to steps and model units. */
export interface InputPlan {
  /** Index of the input in the spec's `inputs`. */
  readonly index: number;
  readonly kind: 'poisson' | 'dc' | 'stimulus' | 'trial_current';
  /** Poisson inputs: the input channel; DC and stimulus: 0 soma, 1 apical compartment. */
  readonly channel: number;
  readonly startStep: number;
  /** First step without the input ({@link NEVER} if it never stops). */
  readonly stopStep: number;
  /** Expected input spikes per step per neuron (Poisson). */
  readonly lambda: number;
  /** Signed weight per input spike (Poisson). */
  readonly weight: number;
  /** DC amplitude or stimulus amplitude. */
  readonly amplitude: number;
  readonly kappa: number;
  readonly baseline: number;
  readonly stream: number;
  /** Stimulus orientation per trial, degrees (stimulus only; length batch). */
  readonly orientationsDeg: Float64Array;
  /** trial_current: current per neuron and trial, `[neuron · batch + trial]` (else empty). */
  readonly values: Float32Array;
}

/** A population, resolved. */
export interface PopulationPlan {
  readonly index: number;
  readonly name: string;
  readonly size: number;
  readonly model: NeuronModelDef;
  readonly params: ResolvedParams;
  /** Emits spikes: spiking models, sources, and rate units with Poisson spiking (`spike_rate_hz` > 0). */
  readonly emitsSpikes: boolean;
  /** Values of the model's WGSL `ModelParams` (see `NeuronModelDef.derive`). */
  readonly derived: Readonly<Record<string, number>>;
  /** Initial value of each state variable, flat `neuron·batch + trial` (trials 0 … batch−1). */
  readonly initialState: readonly Float32Array[];
  /** Initial distribution of each state variable (to draw later trial blocks). */
  readonly initialDistributions: readonly Distribution[];
  /** Stream of each state variable's initial draws. */
  readonly initialStreams: readonly number[];
  readonly orientationRandom: boolean;
  readonly orientationStream: number;
  /** Stream of the model's own noise (rate noise, Poisson source spikes). */
  readonly noiseStream: number;
  readonly inputs: readonly InputPlan[];
  /** Spiking: slots of the incoming ring buffer (max incoming delay + 1). Rate: slots of the output history. */
  readonly ringSlots: number;
  /** Fixed-point scale of each spike input channel (4 entries): weight·scale is added as an integer. */
  readonly channelScale: readonly number[];
}

/** A projection, resolved. */
export interface ProjectionPlan {
  readonly index: number;
  readonly name: string;
  readonly source: number;
  readonly target: number;
  /** `spike`: event-driven scatter; `rate_sparse` / `rate_dense`: gather of rates. */
  readonly mode: 'spike' | 'rate_sparse' | 'rate_dense';
  /** Input channel of the target: receptor or apical channel (spike projections), input plane (rate projections). */
  readonly channel: number;
  /** Sign applied to weights: −1 for inhibitory input onto a single signed channel or a rate unit. */
  readonly sign: 1 | -1;
  readonly connectivity: Connectivity;
  /** Incoming view (rate_sparse). */
  readonly incoming: IncomingConnectivity | null;
  /** Dense target-major matrix with signs applied (rate_dense). */
  readonly dense: Float32Array | null;
}

/** A recorder, resolved. */
export interface RecorderPlan {
  readonly index: number;
  readonly spec: RecorderSpec;
  readonly population: number;
  /** Recorded neurons, ascending. */
  readonly neurons: Uint32Array;
  /** spike_counts: window length and first step. */
  readonly windowSteps: number;
  readonly startStep: number;
  /** state: sampling period. */
  readonly everySteps: number;
  /** population_rate: bin length. */
  readonly binSteps: number;
  /** state: index of the variable. */
  readonly variableIndex: number;
}

/** The whole network, ready for a backend. */
export interface NetworkPlan {
  readonly spec: NetworkSpec;
  readonly name: string;
  readonly dtMs: number;
  readonly seed: number;
  readonly batch: number;
  readonly populations: readonly PopulationPlan[];
  readonly projections: readonly ProjectionPlan[];
  readonly recorders: readonly RecorderPlan[];
}

/** Duration in ms → whole steps (at least `min`). */
export function msToSteps(ms: number, dtMs: number, min = 0): number {
  return Math.max(min, Math.round(ms / dtMs));
}

/**
 * Where input with this receptor and compartment goes in a target model, and its sign:
 * apical input uses the model's apical channel (signed); somatic input uses the excitatory or
 * inhibitory receptor (two receptors) or one signed channel (one receptor, rate units).
 */
export function inputRoute(model: NeuronModelDef, receptor: Receptor | undefined, compartment: Compartment | undefined, onPre?: string): { channel: number; sign: 1 | -1 } {
  // Equation models: the on_pre statement names the target variable (its channel) and the sign;
  // without one, the model's declared receptors say what the receptor does.
  if (model.onPre !== undefined) {
    const byReceptor = onPre === undefined ? model.receptorRoute?.(receptor, compartment) : undefined;
    const route = byReceptor ?? model.onPre(onPre ?? '');
    return { channel: route.channel, sign: route.sign };
  }
  const inhibitory = receptor === 'inhibitory';
  if (compartment === 'apical') {
    if (model.apicalChannel === undefined) throw new Error(`model ${model.name} has no apical compartment`);
    return { channel: model.apicalChannel, sign: inhibitory ? -1 : 1 };
  }
  if (model.kind !== 'rate' && model.receptors === 2) return { channel: inhibitory ? 1 : 0, sign: 1 };
  return { channel: 0, sign: inhibitory ? -1 : 1 };
}

/** Expected number of synapses of a projection, before building it (for memory checks). */
export function estimateSynapses(proj: ProjectionSpec, sourceSize: number, targetSize: number): number {
  const c = proj.connector;
  switch (c.type) {
    case 'all_to_all':
      return sourceSize * targetSize;
    case 'fixed_probability':
      return c.p * sourceSize * targetSize;
    case 'fixed_indegree':
      return c.indegree * targetSize;
    case 'fixed_total_number':
      return c.n;
    case 'one_to_one':
      return targetSize;
    case 'matrix':
      return c.weights.reduce((n, row) => n + row.filter((w) => w !== 0).length, 0);
    case 'ring': // mean of exp(κ(cos x − 1)) over x is e^{−κ} I0(κ) ≤ 1; bound by p_max.
      return c.p_max * sourceSize * targetSize;
  }
}

/** Neuron selection → ascending indices. */
export function selectNeurons(selection: NeuronSelection | undefined, size: number): Uint32Array {
  if (selection === undefined || selection === 'all') return Uint32Array.from({ length: size }, (_, i) => i);
  if (!Array.isArray(selection)) {
    const first = Math.min(size, (selection as { first: number }).first);
    return Uint32Array.from({ length: first }, (_, i) => i);
  }
  return Uint32Array.from(new Set(selection as readonly number[])).sort();
}

/**
 * Per-element initial value: constant, or drawn counter-based from (neuron, trial), so a
 * trial's initial state does not depend on the batch size.
 */
function initialValues(d: Distribution, size: number, batch: number, seed: number, stream: number, trialOffset: number): Float32Array {
  const out = new Float32Array(size * batch);
  if (typeof d === 'number') return out.fill(d);
  for (let n = 0; n < size; n++) {
    for (let b = 0; b < batch; b++) {
      let v: number;
      if ('uniform' in d) {
        const [lo, hi] = d.uniform;
        v = lo + (hi - lo) * rngUniform4(seed, stream, n, 0, b + trialOffset, 0)[0];
      } else {
        v = d.normal.mean + d.normal.std * rngNormal2(seed, stream, n, 0, b + trialOffset, 0)[0];
        if (d.min !== undefined) v = Math.max(d.min, v);
        if (d.max !== undefined) v = Math.min(d.max, v);
      }
      out[n * batch + b] = v;
    }
  }
  return out;
}

function maxOf(values: Float64Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > m) m = values[i]!;
  return m;
}

/**
 * Initial state of trials `trialOffset … trialOffset + batch − 1` (a trial block), flat
 * `neuron·batch + trial`; draws are keyed by the global trial, so every block is new.
 */
export function drawInitialState(
  pop: Pick<PopulationPlan, 'size' | 'model' | 'params' | 'initialDistributions' | 'initialStreams'>,
  seed: number,
  batch: number,
  trialOffset: number,
): Float32Array[] {
  const state = pop.initialDistributions.map((d, v) => initialValues(d, pop.size, batch, seed, pop.initialStreams[v]!, trialOffset));
  // Values computed from the others (stored subexpressions, e.g. a rate unit's output r = φ(x)).
  pop.model.completeInitialState?.(state, pop.params, 1);
  return state;
}

/** Largest power of two such that `bound·scale` stays below 2^31 (with a margin). */
function fixedPointScale(bound: number): number {
  if (!(bound > 0)) return 2 ** 20;
  const exponent = Math.floor(Math.log2((0.99 * 2147483647) / bound));
  return 2 ** Math.min(30, exponent);
}

/** Options of {@link planNetwork}. */
export interface PlanOptions {
  /** Called with the expected synapse count per projection before any is built; may throw to refuse. */
  readonly beforeBuild?: (expectedSynapses: readonly number[], spec: { readonly populations: NetworkSpec['populations']; readonly batch: number }) => void;
}

/**
 * Validate a spec and resolve it into a plan (builds connectivity on the CPU).
 * @throws SpecError for invalid specs, or whatever `beforeBuild` throws.
 */
export function planNetwork(input: NetworkSpec, options: PlanOptions = {}): NetworkPlan {
  const spec = validateSpec(input);
  const { dt_ms: dtMs, seed, batch, name } = resolveSpecDefaults(spec);
  const popIndex = new Map(spec.populations.map((p, i) => [p.name, i]));
  const projSpecs = spec.projections ?? [];
  const sizeOf = (popName: string): number => spec.populations[popIndex.get(popName)!]!.size;
  options.beforeBuild?.(projSpecs.map((p) => estimateSynapses(p, sizeOf(p.source), sizeOf(p.target))), { populations: spec.populations, batch });

  const models = spec.populations.map((p) => findNeuronModel(p.model, spec)!);
  const preferred = spec.populations.map((p, i) =>
    p.preferred_orientation || projSpecs.some((q) => q.connector.type === 'ring' && (q.source === p.name || q.target === p.name))
      ? preferredOrientationsDeg(p.preferred_orientation ?? 'uniform', p.size, seed, i)
      : undefined,
  );

  const projections: ProjectionPlan[] = projSpecs.map((p, index) => {
    const source = popIndex.get(p.source)!;
    const target = popIndex.get(p.target)!;
    const targetModel = models[target]!;
    const { channel, sign } = inputRoute(targetModel, p.receptor, p.compartment, p.on_pre);
    const connectivity = buildConnectivity(
      p,
      { size: sizeOf(p.source), ...(preferred[source] ? { preferredDeg: preferred[source] } : {}) },
      { size: sizeOf(p.target), ...(preferred[target] ? { preferredDeg: preferred[target] } : {}) },
      { dtMs, seed, projectionIndex: index, sameSource: source === target },
    );
    const rate = targetModel.kind === 'rate'; // rate → rate gathers; anything → spiking scatters spikes
    const denseLayout = (p.connector.type === 'all_to_all' || p.connector.type === 'matrix') && connectivity.delaySteps === null && connectivity.nSynapses >= 0.25 * connectivity.sourceSize * connectivity.targetSize;
    const mode = !rate ? 'spike' : denseLayout ? 'rate_dense' : 'rate_sparse';
    let dense: Float32Array | null = null;
    if (mode === 'rate_dense') {
      dense = toDense(connectivity);
      if (sign < 0) for (let i = 0; i < dense.length; i++) dense[i] = -dense[i]!;
    }
    let incoming: IncomingConnectivity | null = null;
    if (mode === 'rate_sparse') {
      incoming = toIncoming(connectivity);
      if (sign < 0) for (let i = 0; i < incoming.weights.length; i++) incoming.weights[i] = -incoming.weights[i]!;
    }
    return { index, name: p.name ?? `${p.source}->${p.target}#${index}`, source, target, mode, channel, sign, connectivity, incoming, dense };
  });

  const populations: PopulationPlan[] = spec.populations.map((p, index) => {
    const model = models[index]!;
    const params = resolveParams(model, p.params);
    const incomingSpikes = projections.filter((q) => q.target === index && q.mode === 'spike');
    const outgoingRates = projections.filter((q) => q.source === index && q.mode !== 'spike');
    const maxDelay = (list: ProjectionPlan[]): number => list.reduce((m, q) => Math.max(m, q.connectivity.maxDelaySteps), 1);
    const ringSlots = model.kind === 'rate' ? maxDelay(outgoingRates) + 1 : maxDelay(incomingSpikes) + 1;

    // Fixed-point scale per channel: the most weight one neuron can receive in one step.
    const bounds = [0, 1, 2, 3].map(() => new Float64Array(p.size));
    for (const q of incomingSpikes) {
      const { targets, weights } = q.connectivity;
      const bound = bounds[q.channel]!;
      for (let k = 0; k < targets.length; k++) bound[targets[k]!]! += Math.abs(weights[k]!);
    }
    const channelScale = bounds.map((bound) => fixedPointScale(maxOf(bound)));

    const initialDistributions = model.state.map((variable) => p.initial?.[variable.name] ?? variable.initial(params));
    const initialStreams = model.state.map((_, varIndex) => streamId(STREAM_PURPOSE.initialState, index, varIndex));

    const inputs: InputPlan[] = (spec.inputs ?? [])
      .map((inp, inputIndex) => ({ inp, inputIndex }))
      .filter(({ inp }) => inp.target === p.name)
      .map(({ inp, inputIndex }) => {
        const startStep = msToSteps(inp.start_ms ?? 0, dtMs);
        const stopStep = inp.stop_ms === undefined ? NEVER : msToSteps(inp.stop_ms, dtMs);
        const stream = streamId(STREAM_PURPOSE.poissonInput, index, inputIndex);
        const apical = inp.compartment === 'apical' ? 1 : 0;
        const base = { index: inputIndex, startStep, stopStep, stream, lambda: 0, weight: 0, amplitude: 0, kappa: 0, baseline: 0, channel: apical, orientationsDeg: new Float64Array(batch), values: new Float32Array(0) };
        if (inp.type === 'poisson') {
          const route = inputRoute(model, inp.receptor, inp.compartment, inp.on_pre);
          return {
            ...base,
            kind: 'poisson' as const,
            lambda: ((inp.n_sources ?? 1) * inp.rate_hz * dtMs) / 1000,
            weight: route.sign * inp.weight,
            channel: route.channel,
          };
        }
        if (inp.type === 'dc') return { ...base, kind: 'dc' as const, amplitude: inp.amplitude };
        if (inp.type === 'trial_current') {
          return { ...base, kind: 'trial_current' as const, values: inp.values ? Float32Array.from(inp.values) : new Float32Array(p.size * batch) };
        }
        const orientations = typeof inp.orientation_deg === 'number' ? new Float64Array(batch).fill(inp.orientation_deg) : Float64Array.from(inp.orientation_deg);
        return { ...base, kind: 'stimulus' as const, amplitude: inp.amplitude, kappa: inp.kappa, baseline: inp.baseline ?? 0, orientationsDeg: orientations };
      });

    const partial = { size: p.size, model, params, initialDistributions, initialStreams };
    return {
      index,
      name: p.name,
      size: p.size,
      model,
      params,
      emitsSpikes: emitsSpikes(model, params),
      derived: model.derive(params, dtMs),
      initialState: drawInitialState(partial, seed, batch, 0),
      initialDistributions,
      initialStreams,
      orientationRandom: p.preferred_orientation === 'random',
      orientationStream: streamId(STREAM_PURPOSE.preferredOrientation, index),
      noiseStream: streamId(model.kind === 'rate' ? STREAM_PURPOSE.rateNoise : STREAM_PURPOSE.poissonSource, index),
      inputs,
      ringSlots,
      channelScale,
    };
  });

  const recorders: RecorderPlan[] = (spec.recorders ?? []).map((r, index) => {
    const population = popIndex.get(r.population)!;
    const pop = populations[population]!;
    return {
      index,
      spec: r,
      population,
      neurons: selectNeurons(r.type === 'population_rate' ? 'all' : r.neurons, pop.size),
      windowSteps: r.type === 'spike_counts' ? msToSteps(r.window_ms, dtMs, 1) : 0,
      startStep: r.type === 'spike_counts' ? msToSteps(r.start_ms ?? 0, dtMs) : 0,
      everySteps: r.type === 'state' ? msToSteps(r.every_ms ?? dtMs, dtMs, 1) : 0,
      binSteps: r.type === 'population_rate' ? msToSteps(r.bin_ms ?? dtMs, dtMs, 1) : 0,
      variableIndex: r.type === 'state' ? pop.model.state.findIndex((s) => s.name === r.variable) : -1,
    };
  });

  return { spec, name, dtMs, seed, batch, populations, projections, recorders };
}
