/**
 * Neuron models as data: parameters (with units and ranges), state variables, receptors and
 * the generated WGSL update snippet and float64 CPU update. Every built-in model is an equation
 * description in `src/model/builtin/` compiled by `src/model/equations/`, exactly as a user's
 * model; the engine composes the generated snippet into its generic update kernel.
 */
import type { NeuronModelName } from './spec.js';
import { BUILTIN_MODELS } from './builtin/index.js';
import { equationModelDef } from './equations/index.js';
import { spikeSourceArrayModel } from './spike_trains.js';

/** Metadata of one numeric model parameter. */
export interface ParamMeta {
  /** Key in `PopulationSpec.params`, unit suffixed (`tau_m_ms`). */
  readonly name: string;
  /**
   * Unit, for documentation and UI (`ms`, `mV`, `pA`, `nS`, `Hz`; `1`: dimensionless; `input`:
   * the unit of the rate model's input, i.e. of its weights × rates).
   */
  readonly unit: string;
  /** Value used when the population's `params` leave the parameter out. */
  readonly default: number;
  /** Inclusive lower bound, unless `minExclusive`. */
  readonly min?: number;
  readonly minExclusive?: boolean;
  /** Inclusive upper bound. */
  readonly max?: number;
  /** One line: what the parameter is. */
  readonly doc: string;
}

/** Metadata of a parameter that takes one of a few names (e.g. the transfer function). */
export interface ChoiceParamMeta {
  /** Key in `PopulationSpec.params`. */
  readonly name: string;
  /** The names it may take. */
  readonly choices: readonly string[];
  /** Value used when the population's `params` leave the parameter out; one of `choices`. */
  readonly default: string;
  /** One line: what the parameter is. */
  readonly doc: string;
}

/** Metadata of one state variable (one f32 per neuron and trial on the GPU). */
export interface StateVarMeta {
  /** Name, unit suffixed (`v_mV`); the kernel addresses it as `STATE_<name>`. */
  readonly name: string;
  readonly unit: string;
  readonly doc: string;
  /** Initial value when the spec gives none; a function of the resolved parameters. */
  readonly initial: (params: ResolvedParams) => number;
  /**
   * The initial value in words, for documentation (`cortexgpu models`), when it depends on the
   * parameters (e.g. `e_l_mV`); absent when it is a constant, which is then `initial({})`.
   */
  readonly initialDoc?: string;
}

/** Parameters after defaults were applied. */
export type ResolvedParams = Readonly<Record<string, number | string>>;

/**
 * Per-neuron view handed to a model's float64 CPU update: state by variable (flat
 * `neuron·batch + trial`), the unit's position, the step and its random stream.
 */
export interface ModelNeuronContext {
  readonly state: readonly Float64Array[];
  readonly flat: number;
  readonly neuron: number;
  readonly trial: number;
  readonly step: number;
  readonly seed: number;
  readonly noiseStream: number;
  readonly derived: Readonly<Record<string, number>>;
}

/** A model's own float64 CPU update (equation models generate one): true on a spike. */
export type ModelSpikingUpdate = (c: ModelNeuronContext, syn: readonly number[], current: number, apicalCurrent: number) => boolean;

/** Where a projection's `on_pre` statement goes in an equation model: input channel and sign. */
export interface OnPreRoute {
  readonly channel: number;
  readonly sign: 1 | -1;
  /** The state variable it changes. */
  readonly target: string;
}

/** A neuron model. */
export interface NeuronModelDef {
  /** Built-in models use a {@link NeuronModelName}; models defined from equations any name. */
  readonly name: NeuronModelName | (string & {});
  /** `spiking`: emits spikes and receives them through receptors; `rate`: continuous output; `source`: spikes only. */
  readonly kind: 'spiking' | 'rate' | 'source';
  /** One line (one sentence, no line breaks): what the model is; for lists and the catalogue. */
  readonly summary: string;
  /** The full description: equations in words, integration scheme, references. */
  readonly doc: string;
  /** Rules between parameters that validation enforces, in words (for documentation). */
  readonly constraints?: readonly string[];
  readonly params: readonly ParamMeta[];
  readonly choiceParams: readonly ChoiceParamMeta[];
  readonly state: readonly StateVarMeta[];
  /** Number of somatic receptor channels (0: none, 1: excitatory and inhibitory share one signed channel, 2: separate). */
  readonly receptors: 0 | 1 | 2;
  /**
   * Input channels in all (somatic receptors plus an apical channel, if any), ≤ 4. Spiking
   * models get one ring buffer per channel; rate models one input buffer per channel.
   */
  readonly inputChannels: number;
  /** Channel of apical (dendritic) input, for models with an apical compartment. */
  readonly apicalChannel?: number;
  /** Unit of projection weights onto this model. */
  readonly weightUnit: string;
  /** Unit of DC and stimulus inputs onto this model. */
  readonly currentUnit: string;
  /**
   * Name of the WGSL snippet defining `struct ModelParams` and `fn model_update`: a file under
   * `shaders/`, or for a generated model `generated:NAME` with the text in `updateShaderText`.
   */
  readonly updateShader: string;
  /** The generated WGSL snippet's text (equation models); absent for snippets under `shaders/`. */
  readonly updateShaderText?: string;
  /** The model's float64 CPU update (generated from its equations). */
  readonly cpuSpikingUpdate?: ModelSpikingUpdate;
  /**
   * Reads a projection's `on_pre` statement (`"ge += w"`): models with equations only.
   * @throws Error saying what is wrong and what to write instead
   */
  readonly onPre?: (statement: string) => OnPreRoute;
  /**
   * Converts a parameter value given in a spec (a number in the parameter's unit, or a quantity
   * string such as `"10*mV/ms"`) to the number the model computes with (equation models).
   * @throws Error saying what is wrong (unknown unit, wrong dimension)
   */
  readonly paramValue?: (name: string, value: number | string) => number;
  /**
   * Whether DC, stimulus and trial-current inputs may target the model's soma (default: true).
   * Equation models accept them only when they declare the parameter those inputs add to.
   */
  readonly acceptsCurrent?: boolean;
  /**
   * Routes of today's receptor-based projections (no `on_pre`) onto an equation model: the
   * description's `receptors`; undefined where the model declares none for that receptor.
   */
  readonly receptorRoute?: (receptor: string | undefined, compartment: string | undefined) => OnPreRoute | undefined;
  /** Rate models: the state variable whose value rate projections carry (e.g. `r`). */
  readonly outputVariable?: string;
  /** Other accepted names of parameters (NEST names), alias → parameter. */
  readonly paramAliases?: Readonly<Record<string, string>>;
  /**
   * Checks rules between the resolved parameters (the model's constraints): null when they
   * hold, else the parameters involved and what is wrong and what to do.
   */
  readonly checkParams?: (params: ResolvedParams) => { readonly params: readonly string[]; readonly message: string } | null;
  /** Whether a population with these parameters emits spikes (default: every non-rate model). */
  readonly emitsSpikes?: (params: ResolvedParams) => boolean;
  /**
   * Completes a drawn initial state (values by the model's `state` order, flat over neurons and
   * trials): e.g. computes stored subexpressions such as a rate model's output from the others.
   */
  readonly completeInitialState?: (state: Float32Array[], params: ResolvedParams, dtMs: number) => void;
  /**
   * WGSL file defining `integrate_neuron` (the steps of one neuron in a dispatch) in place of
   * engine/spiking_update_steps.wgsl; default that file. Spike-train sources use
   * engine/spike_train_steps.wgsl, which walks the neuron's given spikes instead of running
   * `model_update`.
   */
  readonly updateSteps?: string;
  /**
   * The population's spikes are data: given per neuron (and per trial) in its `spike_times_ms`
   * (see `spike_trains.ts`), required there and refused on every other model. Default false.
   */
  readonly givenSpikeTrains?: boolean;
  /** Whether external inputs (`inputs`) may target the model at all (default: true). */
  readonly acceptsInputs?: boolean;
  /** WGSL library files the snippet uses (composed before it). */
  readonly shaderLibraries?: readonly string[];
  /**
   * Values of the snippet's `ModelParams` struct members (by member name), derived from the
   * parameters and the step: propagators such as exp(−dt/τ) are computed once, in float64.
   */
  readonly derive: (params: ResolvedParams, dtMs: number) => Readonly<Record<string, number>>;
  /** Fewest steps between two spikes of one neuron (1 when not refractory); bounds recording buffers. */
  readonly minInterSpikeSteps: (params: ResolvedParams, dtMs: number) => number;
}

/**
 * Every model shipped with cortexgpu, by name: the descriptions of `src/model/builtin/`, each
 * compiled on first access (once; a process that uses two models compiles two, which keeps the
 * CLI's and the library's start-up short).
 */
export const NEURON_MODELS: Readonly<Record<NeuronModelName, NeuronModelDef>> = (() => {
  const models: Record<string, NeuronModelDef> = {};
  for (const d of BUILTIN_MODELS) {
    let compiled: NeuronModelDef | undefined;
    Object.defineProperty(models, d.name, { enumerable: true, get: () => (compiled ??= equationModelDef(d.name, d)) });
  }
  // Not an equation model: its spikes are data (src/model/spike_trains.ts).
  Object.defineProperty(models, spikeSourceArrayModel.name, { enumerable: true, value: spikeSourceArrayModel });
  return Object.freeze(models) as unknown as Record<NeuronModelName, NeuronModelDef>;
})();

/** Other names of built-in models (NEST's, PyNN's), alias → model name. */
export const NEURON_MODEL_ALIASES: Readonly<Record<string, NeuronModelName>> = {
  ...Object.fromEntries(BUILTIN_MODELS.flatMap((d) => (d.also ?? []).map((alias) => [alias, d.name]))),
  spike_generator: 'spike_source_array',
  SpikeSourceArray: 'spike_source_array',
} as Record<string, NeuronModelName>;

/** NEST's model of each built-in model that has one (its SONATA template is `nest:<name>`), model name → NEST name. */
export const NEST_MODEL_OF: Readonly<Record<string, string>> = Object.fromEntries(
  BUILTIN_MODELS.flatMap((d) => (d.nest ? [[d.name, d.nest]] : [])),
);

/**
 * NEST's defaults of each built-in model with a NEST counterpart, by NEST name (parameters and
 * initial state), where they differ from the model's own: model name → NEST name → value.
 */
export const NEST_DEFAULTS_OF: Readonly<Record<string, Readonly<Record<string, number>>>> = Object.fromEntries(
  BUILTIN_MODELS.flatMap((d) => (d.nest ? [[d.name, d.nestDefaults ?? {}]] : [])),
);

/** The built-in model of a name or alias, or undefined. */
export function builtinModel(name: string): NeuronModelDef | undefined {
  if (Object.hasOwn(NEURON_MODELS, name)) return NEURON_MODELS[name as NeuronModelName];
  return Object.hasOwn(NEURON_MODEL_ALIASES, name) ? NEURON_MODELS[NEURON_MODEL_ALIASES[name]!] : undefined;
}

/**
 * Index in the model's `state` of the variable rate projections carry (rate models).
 * @throws Error for a rate model without an output variable
 */
export function outputIndex(model: NeuronModelDef): number {
  const k = model.outputVariable !== undefined ? model.state.findIndex((s) => s.name === model.outputVariable) : -1;
  if (k < 0) throw new Error(`model ${model.name} is a rate model without an output variable among its state (declare "output")`);
  return k;
}

/** The canonical name of a parameter given in a spec (an alias such as NEST's `tau_m` maps to `tau_m_ms`). */
export function canonicalParam(model: NeuronModelDef, key: string): string {
  return model.paramAliases !== undefined && Object.hasOwn(model.paramAliases, key) ? model.paramAliases[key]! : key;
}

/** Whether a population of this model with these parameters emits spikes. */
export function emitsSpikes(model: NeuronModelDef, params: Readonly<Record<string, number | string>> | undefined): boolean {
  if (model.emitsSpikes !== undefined) return model.emitsSpikes(resolveParams(model, params));
  return model.kind !== 'rate';
}

/** Apply defaults to a population's parameters (validation has already checked names and ranges). */
export function resolveParams(model: NeuronModelDef, given: Readonly<Record<string, number | string>> | undefined): ResolvedParams {
  const canonical: Record<string, number | string> = {};
  for (const [key, value] of Object.entries(given ?? {})) if (value !== undefined) canonical[canonicalParam(model, key)] = value;
  const out: Record<string, number | string> = {};
  for (const p of model.params) out[p.name] = canonical[p.name] ?? p.default;
  for (const p of model.choiceParams) out[p.name] = canonical[p.name] ?? p.default;
  return out;
}
