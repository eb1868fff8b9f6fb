/**
 * The network specification: plain data describing a model, independent of any backend.
 *
 * The same shape is the JSON file format (`cortexgpu run SPEC.json`) and the object the
 * TypeScript API builds. Vocabulary follows PyNN: populations of neurons, projections between
 * them with a connector, inputs, recorders. Units are part of every key name
 * (`tau_m_ms`, `c_m_pF`, `g_l_nS`, `rate_hz`) so that a spec reads unambiguously.
 *
 * Validation lives in `schema.ts`; this file only declares the types.
 */

/** A scalar drawn per element from a distribution, or a constant. */
export type Distribution =
  | number
  | { readonly normal: { readonly mean: number; readonly std: number }; readonly min?: number; readonly max?: number }
  | { readonly uniform: readonly [number, number] };

import type { NeuronModelDef } from './models.js';
import type { EquationModelDescription } from './equations/compile.js';

/** Names of the neuron models shipped with cortexgpu (see `models.ts`). */
export type NeuronModelName = 'rate' | 'lif_psc_exp' | 'lif_psc_delta' | 'lif_cond_exp' | 'poisson_source' | 'two_compartment_rate' | 'two_compartment_lif'
  | 'iaf_psc_alpha' | 'iaf_cond_alpha' | 'aeif_cond_exp' | 'izhikevich' | 'hh_cond_exp_traub' | 'spike_source_array';

/**
 * A population of identical neurons (same model, same parameters).
 * Every state buffer holds `size × batch` values: each trial of the batch is independent.
 */
export interface PopulationSpec {
  /** Unique name, `[A-Za-z][A-Za-z0-9_]*`, at most 64 characters. */
  readonly name: string;
  /** Number of neurons, 1 … 2^26. */
  readonly size: number;
  /**
   * Neuron model: a built-in (its parameters and state variables are listed in `models.ts`), a
   * model of the spec's `models`, or one registered with `registerNeuronModel`.
   */
  readonly model: NeuronModelName | (string & {});
  /** Model parameters; any parameter left out takes the model's default. Units in the key. */
  readonly params?: Readonly<Record<string, number | string>>;
  /**
   * Initial values of state variables (by state-variable name, e.g. `v_mV`): constant, random,
   * or one value per neuron (an array of `size` numbers, the same in every trial; e.g. the
   * per-node `V_m` of an imported SONATA network).
   */
  readonly initial?: Readonly<Record<string, Distribution | readonly number[]>>;
  /**
   * Preferred orientations (degrees, [0, 180)) used by ring connectors and stimulus tuning:
   * `uniform` spaces them evenly (neuron i at 180·i/size), `random` draws them from the seed.
   * Default `uniform`.
   */
  readonly preferred_orientation?: 'uniform' | 'random';
  /**
   * `spike_source_array` populations (required there, refused elsewhere): the spike times of
   * each neuron, ms. Either one list per neuron (`[neuron][k]`, `size` lists, the same in every
   * trial) or one such list of lists per trial (`[trial][neuron][k]`, `batch` lists; later trial
   * blocks reuse them, global trial g takes list g mod batch). Times are finite, ≥ 0 and
   * non-decreasing within a list (unsorted lists are refused); a time t is delivered in step
   * floor(t / dt) (times within a relative 10⁻⁹ of a step boundary count as on it); equal or
   * same-step times are all delivered (the weight is added once per spike). At most 2^26 spikes
   * per population. From `.npy` arrays: see `spikeTimesFromArrays` / `cortexgpu run`'s
   * `spike_times_npy`.
   */
  readonly spike_times_ms?: readonly (readonly number[])[] | readonly (readonly (readonly number[])[])[];
}

/** How sources connect to targets. */
export type ConnectorSpec =
  /** Every source to every target (stored densely for rate projections). */
  | { readonly type: 'all_to_all'; readonly autapses?: boolean }
  /** Each (source, target) pair independently with probability `p`. */
  | { readonly type: 'fixed_probability'; readonly p: number; readonly autapses?: boolean }
  /** Each target receives exactly `indegree` synapses from uniformly drawn sources. */
  | { readonly type: 'fixed_indegree'; readonly indegree: number; readonly autapses?: boolean; readonly multapses?: boolean }
  /** Exactly `n` synapses with source and target drawn uniformly (PD14 rule; multapses allowed). */
  | { readonly type: 'fixed_total_number'; readonly n: number; readonly autapses?: boolean }
  /** Source i to target i (sizes must match). */
  | { readonly type: 'one_to_one' }
  /**
   * Explicit weights, `weights[target][source]` (a dense matrix; zero entries make no synapse).
   * The projection's `weight` must then be left out. For spiking targets the entries are
   * magnitudes (≥ 0); for rate targets without a receptor they may be signed.
   */
  | { readonly type: 'matrix'; readonly weights: readonly (readonly number[])[] }
  /**
   * Explicit synapses, one entry per synapse (an imported network, e.g. from SONATA): synapse k
   * goes from source neuron `sources[k]` to target neuron `targets[k]` (0-based indices in the
   * populations) with weight `weights[k]` and delay `delays_ms[k]`; the arrays have one entry
   * per synapse (multapses are separate entries). Weights as for the projection's `weight`
   * (magnitudes ≥ 0 for spiking targets, the receptor gives the sign; rate targets without a
   * receptor may be signed), and the projection's `weight` must then be left out. Delays in ms,
   * each ≥ dt and ≤ 1000, rounded to whole steps; without `delays_ms` every synapse takes the
   * projection's constant `delay_ms` (default one step). In JSON files each array may instead
   * be the name of a 1-D `.npy` file, relative to the spec file (read by `cortexgpu run` and
   * `validate`, or `resolveEdgeListFiles` from `cortexgpu/node`); in TypeScript typed
   * arrays are accepted. Stored (never procedural), uploaded as given.
   */
  | {
    readonly type: 'edge_list';
    readonly sources: EdgeListArray;
    readonly targets: EdgeListArray;
    readonly weights: EdgeListArray;
    readonly delays_ms?: EdgeListArray;
  }
  /**
   * Orientation-tuned ring: connection probability
   * `p_max · exp(κ (cos 2(θ_pre − θ_post) − 1))` from the populations' preferred orientations.
   */
  | { readonly type: 'ring'; readonly p_max: number; readonly kappa: number; readonly autapses?: boolean };

/**
 * One value per synapse of an `edge_list` connector: a plain array (JSON) or, in TypeScript, a
 * typed array (large imported networks).
 */
export type EdgeListArray = readonly number[] | Uint32Array | Int32Array | Float32Array | Float64Array;

/** Which input channel of the target neuron a projection or input feeds. */
export type Receptor = 'excitatory' | 'inhibitory';

/**
 * A projection from one population to another (recurrent when source = target; feedback between
 * areas is the same mechanism). Spiking sources scatter spikes through ring buffers with
 * per-synapse delays; rate sources are gathered from a history of rates.
 */
export interface ProjectionSpec {
  /** Optional unique name; defaults to `SOURCE->TARGET#k`. */
  readonly name?: string;
  /** Name of the source population. */
  readonly source: string;
  /** Name of the target population. */
  readonly target: string;
  readonly connector: ConnectorSpec;
  /**
   * Synaptic weight magnitude, ≥ 0 (the receptor gives the sign). Units depend on the target
   * model: pA for `lif_psc_exp`, mV (PSP jump) for `lif_psc_delta`, nS for `lif_cond_exp`,
   * dimensionless for `rate`. Rate projections may be signed when `receptor` is omitted.
   * Required, except with the `matrix` connector, which carries its own weights.
   */
  readonly weight?: Distribution;
  /** Transmission delay in ms, ≥ dt; rounded to whole steps. Default: one step. */
  readonly delay_ms?: Distribution;
  /** Target receptor. Default `excitatory`. */
  readonly receptor?: Receptor;
  /**
   * Target compartment: `soma` (soma and basal dendrites, default) or `apical` (the apical
   * dendrite of two-compartment models; feedback and teaching signals).
   */
  readonly compartment?: Compartment;
  /**
   * Targets with an equation model: what a presynaptic spike does, Brian2-style `"ge += w"` or
   * `"gi -= w"` (`w`: this projection's weight, in the unit of the target variable). Required
   * onto equation models (which have no receptors); not allowed onto built-in models.
   */
  readonly on_pre?: string;
  /**
   * Procedural connectivity (as GeNN): no synapses are stored (0 bytes per synapse); each spike
   * regenerates its source's row from the same keyed random numbers, so the network is the one
   * stored connectivity would hold for the same seed. Spiking targets and per-source connectors
   * (fixed_probability, fixed_total_number, all_to_all, one_to_one, ring). Default false.
   */
  readonly procedural?: boolean;
}

/** Compartment of a two-compartment neuron that a projection or input targets. */
export type Compartment = 'soma' | 'apical';

/** Independent Poisson spike trains (n_sources per neuron, each at rate_hz) onto a spiking population. */
export interface PoissonInputSpec {
  readonly type: 'poisson';
  readonly target: string;
  /** Rate of each source, Hz, ≥ 0. */
  readonly rate_hz: number;
  /** Number of independent sources per target neuron (K_ext). Default 1. */
  readonly n_sources?: number;
  /** Weight of each input spike (units as for projections). */
  readonly weight: number;
  readonly receptor?: Receptor;
  /** Active from this time, ms. Default 0. */
  readonly start_ms?: number;
  /** Active until this time, ms. Default: end of run. */
  readonly stop_ms?: number;
  /** Target compartment (two-compartment models). Default `soma`. */
  readonly compartment?: Compartment;
  /** Equation-model targets: what an input spike does, `"ge += w"` or `"gi -= w"` (see `ProjectionSpec.on_pre`). */
  readonly on_pre?: string;
}

/** A constant current (pA for LIF models, input units for rate models). */
export interface DcInputSpec {
  readonly type: 'dc';
  readonly target: string;
  readonly amplitude: number;
  readonly start_ms?: number;
  readonly stop_ms?: number;
  /** Target compartment (two-compartment models). Default `soma`. */
  readonly compartment?: Compartment;
}

/**
 * A stimulus drive: each trial of the batch shows one orientation; each neuron receives
 * `baseline + amplitude · exp(κ (cos 2(θ_stim − θ_pref) − 1))` (von Mises tuning).
 * Units as for `dc`.
 */
export interface StimulusInputSpec {
  readonly type: 'stimulus';
  readonly target: string;
  /** Orientation in degrees: one value for all trials, or one value per trial (length = batch). */
  readonly orientation_deg: number | readonly number[];
  readonly amplitude: number;
  /** Tuning width κ ≥ 0 (0 = untuned). */
  readonly kappa: number;
  readonly baseline?: number;
  readonly start_ms?: number;
  readonly stop_ms?: number;
  /** Target compartment (two-compartment models). Default `soma`. */
  readonly compartment?: Compartment;
}

/**
 * A current per neuron and trial (units as for `dc`), e.g. per-neuron teaching signals into
 * apical dendrites. `values` is neuron-major, `[neuron · batch + trial]` (default all zero);
 * protocols change it between runs with `GpuSimulator.setInput(index, { values })`.
 */
export interface TrialCurrentInputSpec {
  readonly type: 'trial_current';
  readonly target: string;
  readonly values?: readonly number[];
  readonly start_ms?: number;
  readonly stop_ms?: number;
  /** Target compartment (two-compartment models). Default `soma`. */
  readonly compartment?: Compartment;
}

export type InputSpec = PoissonInputSpec | DcInputSpec | StimulusInputSpec | TrialCurrentInputSpec;

/** Which neurons of a population a recorder follows. */
export type NeuronSelection = 'all' | { readonly first: number } | readonly number[];

/** Every spike (step, trial, neuron) of the selected neurons, drained asynchronously from the GPU. */
export interface SpikeRecorderSpec {
  readonly type: 'spikes';
  readonly population: string;
  readonly neurons?: NeuronSelection;
}

/** Spike counts per neuron and trial in consecutive windows of `window_ms`, from `start_ms`. */
export interface SpikeCountRecorderSpec {
  readonly type: 'spike_counts';
  readonly population: string;
  readonly window_ms: number;
  readonly start_ms?: number;
  readonly neurons?: NeuronSelection;
}

/** A state variable of chosen neurons sampled every `every_ms`. */
export interface StateRecorderSpec {
  readonly type: 'state';
  readonly population: string;
  readonly variable: string;
  readonly neurons: NeuronSelection;
  readonly every_ms?: number;
}

/** Population-averaged firing rate (spiking) or mean output (rate models) per trial in bins of `bin_ms`. */
export interface PopulationRateRecorderSpec {
  readonly type: 'population_rate';
  readonly population: string;
  readonly bin_ms?: number;
}

export type RecorderSpec = SpikeRecorderSpec | SpikeCountRecorderSpec | StateRecorderSpec | PopulationRateRecorderSpec;

/**
 * How long a spec is meant to run, so that a file says everything needed to reproduce a run.
 * `cortexgpu run` uses these unless `--duration`/`--warmup` override them; the TypeScript API
 * uses `duration_ms` when `run()` is called without a duration.
 */
export interface RunSpec {
  /** Simulated time, ms, > 0 (at most 10^7 ms). */
  readonly duration_ms?: number;
  /**
   * Initial transient left out of the summary statistics (rates, CV ISI), ms, ≥ 0 and shorter
   * than `duration_ms`. Recordings always keep the whole run.
   * Default: the smaller of 200 ms and a fifth of the run.
   */
  readonly warmup_ms?: number;
}

/** A whole network: the JSON file format and the TypeScript API's data. */
export interface NetworkSpec {
  /** Optional human-readable name. */
  readonly name?: string;
  /** Optional one-line description (shown by `cortexgpu example` and `validate`). */
  readonly description?: string;
  /** Integration step, ms, in (0, 10]. Default 0.1. */
  readonly dt_ms?: number;
  /** Seed of every random draw (connectivity, initial state, noise), 0 … 2^32−1. Default 1. */
  readonly seed?: number;
  /** Number of independent trials simulated in parallel (share connectivity), 1 … 4096. Default 1. */
  readonly batch?: number;
  readonly populations: readonly PopulationSpec[];
  readonly projections?: readonly ProjectionSpec[];
  readonly inputs?: readonly InputSpec[];
  readonly recorders?: readonly RecorderSpec[];
  /** Optional run length and warm-up (see {@link RunSpec}). */
  readonly run?: RunSpec;
  /**
   * Neuron models defined by equations (Brian2 syntax), by name; populations name them in
   * `model`. In TypeScript a value may also be a definition from `defineNeuronModel`.
   */
  readonly models?: Readonly<Record<string, EquationModelDescription | NeuronModelDef>>;
}
