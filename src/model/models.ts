/**
 * Neuron models as data: parameters (with units and ranges), state variables, receptors and
 * the WGSL file that holds the model's update function. The engine composes that snippet into
 * its generic update kernel, so a new model plugs in without touching the engine: add a
 * definition here, a `shaders/<name>_update.wgsl` snippet, and a CPU reference in
 * `src/cpu/models.ts`.
 */
import type { NeuronModelName } from './spec.js';

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
 * Per-neuron view handed to a model's float64 CPU update (the same shape as `NeuronContext` in
 * `src/cpu/models.ts`).
 */
export interface ModelNeuronContext {
  readonly state: readonly Float64Array[];
  readonly flat: number;
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
   * WGSL snippet under `shaders/` defining `struct ModelParams` and `fn model_update`; for a
   * generated model, the snippet's name (`generated:NAME`) with the text in `updateShaderText`.
   */
  readonly updateShader: string;
  /** The generated WGSL snippet's text (equation models); absent for snippets under `shaders/`. */
  readonly updateShaderText?: string;
  /** The model's own float64 CPU update (equation models); built-ins live in `src/cpu/models.ts`. */
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

const num = (p: ResolvedParams, key: string): number => p[key] as number;
const refractorySteps = (p: ResolvedParams, dt: number): number => Math.round(num(p, 't_ref_ms') / dt);

/** Exact-integration propagators of a leaky membrane driven by an exponential current (NEST iaf_psc_exp). */
function pscExpPropagator(tauM: number, tauS: number, cM: number, dt: number): number {
  // When τ_m = τ_syn the general formula is 0/0; use its limit h/C·exp(−h/τ).
  if (Math.abs(tauM - tauS) < 1e-9 * tauM) return (dt / cM) * Math.exp(-dt / tauM);
  return ((tauS * tauM) / (cM * (tauM - tauS))) * (Math.exp(-dt / tauM) - Math.exp(-dt / tauS));
}

/** Membrane constants shared by the current-based LIF models (exact propagators for one step). */
function lifMembrane(p: ResolvedParams, dt: number): Record<string, number> {
  const tauM = num(p, 'tau_m_ms');
  return {
    p22: Math.exp(-dt / tauM),
    p20: (tauM / num(p, 'c_m_pF')) * (1 - Math.exp(-dt / tauM)),
    e_l: num(p, 'e_l_mV'),
    v_th: num(p, 'v_th_mV'),
    v_reset: num(p, 'v_reset_mV'),
    i_e: num(p, 'i_e_pA'),
    refractory_steps: refractorySteps(p, dt),
  };
}

/** Propagators of exponential basal synaptic currents (as NEST iaf_psc_exp). */
function pscExpSynapses(p: ResolvedParams, dt: number): Record<string, number> {
  const tauM = num(p, 'tau_m_ms');
  const cM = num(p, 'c_m_pF');
  return {
    p11_ex: Math.exp(-dt / num(p, 'tau_syn_ex_ms')),
    p11_in: Math.exp(-dt / num(p, 'tau_syn_in_ms')),
    p21_ex: pscExpPropagator(tauM, num(p, 'tau_syn_ex_ms'), cM, dt),
    p21_in: pscExpPropagator(tauM, num(p, 'tau_syn_in_ms'), cM, dt),
  };
}

/** Fields every LIF model shares: spiking kind, the threshold library, refractory spacing. */
const lifKind = {
  kind: 'spiking',
  shaderLibraries: ['lif_common.wgsl'],
  minInterSpikeSteps: (p: ResolvedParams, dt: number) => Math.max(1, refractorySteps(p, dt) + 1),
  constraints: ['v_reset_mV < v_th_mV (a neuron reset at or above threshold would fire on every step)'],
} as const;

const lifCommon: readonly ParamMeta[] = [
  { name: 'tau_m_ms', unit: 'ms', default: 10, min: 0, minExclusive: true, doc: 'membrane time constant' },
  { name: 'c_m_pF', unit: 'pF', default: 250, min: 0, minExclusive: true, doc: 'membrane capacitance' },
  { name: 'e_l_mV', unit: 'mV', default: -65, doc: 'resting potential' },
  { name: 'v_th_mV', unit: 'mV', default: -50, doc: 'spike threshold' },
  { name: 'v_reset_mV', unit: 'mV', default: -65, doc: 'reset potential after a spike' },
  { name: 't_ref_ms', unit: 'ms', default: 2, min: 0, doc: 'absolute refractory period' },
  { name: 'i_e_pA', unit: 'pA', default: 0, doc: 'constant external current' },
];

const vState = (doc: string): StateVarMeta => ({
  name: 'v_mV', unit: 'mV', doc, initial: (p) => num(p, 'e_l_mV'), initialDoc: 'e_l_mV',
});
const refractoryState: StateVarMeta = {
  name: 'refractory_steps', unit: 'steps', doc: 'steps left in the refractory period', initial: () => 0,
};

const lifPscExp: NeuronModelDef = {
  name: 'lif_psc_exp',
  ...lifKind,
  summary: 'Leaky integrate-and-fire with exponentially decaying synaptic currents (NEST iaf_psc_exp).',
  doc: 'Leaky integrate-and-fire with exponentially decaying synaptic currents, integrated exactly (as NEST iaf_psc_exp).',
  params: [
    ...lifCommon,
    { name: 'tau_syn_ex_ms', unit: 'ms', default: 0.5, min: 0, minExclusive: true, doc: 'excitatory synaptic current time constant' },
    { name: 'tau_syn_in_ms', unit: 'ms', default: 0.5, min: 0, minExclusive: true, doc: 'inhibitory synaptic current time constant' },
  ],
  choiceParams: [],
  state: [
    vState('membrane potential'),
    { name: 'i_syn_ex_pA', unit: 'pA', doc: 'excitatory synaptic current', initial: () => 0 },
    { name: 'i_syn_in_pA', unit: 'pA', doc: 'inhibitory synaptic current (negative)', initial: () => 0 },
    refractoryState,
  ],
  receptors: 2,
  inputChannels: 2,
  weightUnit: 'pA',
  currentUnit: 'pA',
  updateShader: 'lif_psc_exp_update.wgsl',
  derive: (p, dt) => ({ ...lifMembrane(p, dt), ...pscExpSynapses(p, dt) }),
};

const lifPscDelta: NeuronModelDef = {
  name: 'lif_psc_delta',
  ...lifKind,
  summary: 'Leaky integrate-and-fire whose input spikes make the potential jump by the weight (NEST iaf_psc_delta, Brunel 2000).',
  doc: 'Leaky integrate-and-fire whose input spikes make the potential jump by the weight (mV), integrated exactly (as NEST iaf_psc_delta, Brunel 2000).',
  params: lifCommon,
  choiceParams: [],
  state: [vState('membrane potential'), refractoryState],
  receptors: 1,
  inputChannels: 1,
  weightUnit: 'mV',
  currentUnit: 'pA',
  updateShader: 'lif_psc_delta_update.wgsl',
  derive: lifMembrane,
};

const lifCondExp: NeuronModelDef = {
  name: 'lif_cond_exp',
  ...lifKind,
  summary: 'Conductance-based leaky integrate-and-fire with exponentially decaying conductances (COBA, Vogels & Abbott 2005).',
  doc: 'Conductance-based leaky integrate-and-fire with exponentially decaying conductances (COBA; Vogels & Abbott 2005). Conductances decay exactly; the membrane is integrated exponentially with the conductances of the step held constant.',
  params: [
    { name: 'c_m_pF', unit: 'pF', default: 200, min: 0, minExclusive: true, doc: 'membrane capacitance' },
    { name: 'g_l_nS', unit: 'nS', default: 10, min: 0, minExclusive: true, doc: 'leak conductance' },
    { name: 'e_l_mV', unit: 'mV', default: -60, doc: 'leak reversal potential' },
    { name: 'e_ex_mV', unit: 'mV', default: 0, doc: 'excitatory reversal potential' },
    { name: 'e_in_mV', unit: 'mV', default: -80, doc: 'inhibitory reversal potential' },
    { name: 'v_th_mV', unit: 'mV', default: -50, doc: 'spike threshold' },
    { name: 'v_reset_mV', unit: 'mV', default: -60, doc: 'reset potential' },
    { name: 't_ref_ms', unit: 'ms', default: 5, min: 0, doc: 'absolute refractory period' },
    { name: 'tau_syn_ex_ms', unit: 'ms', default: 5, min: 0, minExclusive: true, doc: 'excitatory conductance time constant' },
    { name: 'tau_syn_in_ms', unit: 'ms', default: 10, min: 0, minExclusive: true, doc: 'inhibitory conductance time constant' },
    { name: 'i_e_pA', unit: 'pA', default: 0, doc: 'constant external current' },
  ],
  choiceParams: [],
  state: [
    vState('membrane potential'),
    { name: 'g_ex_nS', unit: 'nS', doc: 'excitatory conductance', initial: () => 0 },
    { name: 'g_in_nS', unit: 'nS', doc: 'inhibitory conductance', initial: () => 0 },
    refractoryState,
  ],
  receptors: 2,
  inputChannels: 2,
  weightUnit: 'nS',
  currentUnit: 'pA',
  updateShader: 'lif_cond_exp_update.wgsl',
  derive: (p, dt) => ({
    dt,
    c_m: num(p, 'c_m_pF'),
    g_l: num(p, 'g_l_nS'),
    e_l: num(p, 'e_l_mV'),
    e_ex: num(p, 'e_ex_mV'),
    e_in: num(p, 'e_in_mV'),
    v_th: num(p, 'v_th_mV'),
    v_reset: num(p, 'v_reset_mV'),
    i_e: num(p, 'i_e_pA'),
    decay_ex: Math.exp(-dt / num(p, 'tau_syn_ex_ms')),
    decay_in: Math.exp(-dt / num(p, 'tau_syn_in_ms')),
    refractory_steps: refractorySteps(p, dt),
  }),
};

/** Transfer functions of the rate model, by code used in the kernel. */
export const RATE_TRANSFER_CODES: Readonly<Record<string, number>> = { linear: 0, threshold_linear: 1, power_law: 2 };

const rateUnit: NeuronModelDef = {
  name: 'rate',
  kind: 'rate',
  summary: 'Rate unit τ dx/dt = −x + input + noise with output r = φ(x): linear, threshold-linear or power law.',
  doc: 'Rate unit: τ dx/dt = −x + input + noise, output r = φ(x) with φ linear, threshold-linear or a supralinear power law. Integrated exactly for input held over a step. Noise: white (noise_tau_ms = 0; τ dx/dt gains σ ξ(t)) or Ornstein–Uhlenbeck input noise of stationary std σ and correlation time noise_tau_ms.',
  params: [
    { name: 'tau_ms', unit: 'ms', default: 20, min: 0, minExclusive: true, doc: 'time constant of x' },
    { name: 'gain', unit: '1', default: 1, doc: 'gain k of φ' },
    { name: 'threshold', unit: 'input', default: 0, doc: 'threshold θ of φ (linear: offset)' },
    { name: 'exponent', unit: '1', default: 2, min: 0, minExclusive: true, doc: 'power n of the power law k·[x−θ]₊ⁿ' },
    { name: 'noise_std', unit: 'input', default: 0, min: 0, doc: 'noise amplitude σ' },
    { name: 'noise_tau_ms', unit: 'ms', default: 0, min: 0, doc: 'noise correlation time (0: white noise)' },
    { name: 'spike_rate_hz', unit: 'Hz', default: 0, min: 0, doc: 'Poisson spiking: spikes/s per unit of output r (0: no spikes); spikes can be recorded, counted and projected onto spiking populations' },
  ],
  choiceParams: [
    { name: 'transfer', choices: ['linear', 'threshold_linear', 'power_law'], default: 'linear', doc: 'transfer function φ' },
  ],
  state: [
    { name: 'x', unit: 'input', doc: 'activation (input-like state integrated with τ)', initial: () => 0 },
    { name: 'r', unit: 'rate', doc: 'output φ(x)', initial: () => 0 },
    { name: 'noise', unit: 'input', doc: 'Ornstein–Uhlenbeck input noise (when noise_tau_ms > 0)', initial: () => 0 },
  ],
  receptors: 0,
  inputChannels: 1,
  weightUnit: '1',
  currentUnit: 'input',
  updateShader: 'rate_update.wgsl',
  shaderLibraries: ['rate_transfer.wgsl'],
  derive: (p, dt) => {
    const tau = num(p, 'tau_ms');
    const decay = Math.exp(-dt / tau);
    const sigma = num(p, 'noise_std');
    const tauN = num(p, 'noise_tau_ms');
    return {
      decay,
      transfer: RATE_TRANSFER_CODES[p['transfer'] as string] ?? 0,
      gain: num(p, 'gain'),
      threshold: num(p, 'threshold'),
      exponent: num(p, 'exponent'),
      // White noise σξ(t) in τ dx/dt: exact step variance σ²/(2τ)·(1 − e^{−2h/τ}).
      white_noise_step_std: tauN > 0 ? 0 : Math.sqrt(((sigma * sigma) / (2 * tau)) * (1 - decay * decay)),
      noise_decay: tauN > 0 ? Math.exp(-dt / tauN) : 0,
      noise_step_std: tauN > 0 ? sigma * Math.sqrt(1 - Math.exp(-2 * dt / tauN)) : 0,
      spike_scale: (num(p, 'spike_rate_hz') * dt) / 1000,
    };
  },
  minInterSpikeSteps: () => 1,
};

const poissonSource: NeuronModelDef = {
  name: 'poisson_source',
  kind: 'source',
  summary: 'Poisson spike source at a given rate; DC and stimulus inputs add to the rate.',
  doc: 'Poisson spike source: at most one spike per step, with probability 1 − exp(−rate·dt). DC and stimulus inputs add to the rate (Hz), so a stimulus makes an orientation-tuned Poisson population.',
  params: [{ name: 'rate_hz', unit: 'Hz', default: 10, min: 0, doc: 'baseline firing rate' }],
  choiceParams: [],
  state: [],
  receptors: 0,
  inputChannels: 0,
  weightUnit: '',
  currentUnit: 'Hz',
  updateShader: 'poisson_source_update.wgsl',
  derive: (p, dt) => ({ rate_hz: num(p, 'rate_hz'), dt_s: dt / 1000, spike_probability: 1 - Math.exp(-(num(p, 'rate_hz') * dt) / 1000) }),
  minInterSpikeSteps: () => 1,
};

const calciumState = (which: 'soma' | 'apical'): StateVarMeta[] => [
  { name: `ca_${which}`, unit: '1', doc: `calcium-indicator signal of the ${which === 'soma' ? 'soma' : 'apical dendrite'} (filtered, noise-free)`, initial: () => 0 },
  { name: `dff_${which}`, unit: '1', doc: `ΔF/F-like readout of the ${which === 'soma' ? 'soma' : 'apical dendrite'}: the calcium signal plus readout noise`, initial: () => 0 },
];

const calciumParams: readonly ParamMeta[] = [
  { name: 'calcium_tau_ms', unit: 'ms', default: 150, min: 0, minExclusive: true, doc: 'decay time of the calcium-indicator signals' },
  { name: 'readout_noise', unit: '1', default: 0, min: 0, doc: 'SD of the additive ΔF/F readout noise per step' },
];

const twoCompartmentRate: NeuronModelDef = {
  name: 'two_compartment_rate',
  kind: 'rate',
  summary: 'Rate unit with soma/basal and apical compartments; an apical calcium plateau multiplies the somatic gain.',
  doc: 'Two-compartment rate unit (soma/basal and apical dendrite coupled): τ_a dv_a/dt = −v_a + apical input + backprop·v_s; τ_s dv_s/dt = −v_s + basal input + coupling·v_a + noise; a calcium plateau p = σ((v_a − θ)/slope) multiplies the somatic gain: r = φ(v_s)·(1 + plateau_gain·p). Calcium readouts: soma = filtered r, dendrite = filtered (calcium_backprop·r + v_a), each plus readout noise.',
  params: [
    { name: 'tau_soma_ms', unit: 'ms', default: 10, min: 0, minExclusive: true, doc: 'time constant of the somatic/basal compartment' },
    { name: 'tau_apical_ms', unit: 'ms', default: 20, min: 0, minExclusive: true, doc: 'time constant of the apical compartment' },
    { name: 'coupling', unit: '1', default: 0.2, min: 0, doc: 'apical → soma coupling (fraction of v_a driving the soma)' },
    { name: 'backprop', unit: '1', default: 0.1, min: 0, doc: 'soma → apical coupling (back-propagation)' },
    { name: 'plateau_threshold', unit: 'input', default: 1, doc: 'apical potential at half-maximal plateau' },
    { name: 'plateau_slope', unit: 'input', default: 0.25, min: 0, minExclusive: true, doc: 'width of the plateau sigmoid' },
    { name: 'plateau_gain', unit: '1', default: 1, min: 0, doc: 'somatic gain increase at full plateau' },
    { name: 'gain', unit: '1', default: 1, doc: 'gain k of φ' },
    { name: 'threshold', unit: 'input', default: 0, doc: 'threshold θ of φ' },
    { name: 'exponent', unit: '1', default: 2, min: 0, minExclusive: true, doc: 'power of the power-law φ' },
    { name: 'noise_std', unit: 'input', default: 0, min: 0, doc: 'white-noise amplitude σ on the soma' },
    { name: 'calcium_backprop', unit: '1', default: 0.5, min: 0, doc: 'share of somatic activity in the dendritic calcium signal' },
    ...calciumParams,
    { name: 'spike_rate_hz', unit: 'Hz', default: 0, min: 0, doc: 'Poisson spiking: spikes/s per unit of output r (0: none)' },
  ],
  choiceParams: [{ name: 'transfer', choices: ['linear', 'threshold_linear', 'power_law'], default: 'threshold_linear', doc: 'transfer function φ' }],
  state: [
    { name: 'v_soma', unit: 'input', doc: 'somatic/basal potential', initial: () => 0 },
    { name: 'v_apical', unit: 'input', doc: 'apical potential', initial: () => 0 },
    { name: 'r', unit: 'rate', doc: 'output φ(v_s)·(1 + plateau_gain·plateau)', initial: () => 0 },
    { name: 'plateau', unit: '1', doc: 'calcium plateau activation, 0…1', initial: () => 0 },
    ...calciumState('soma'),
    ...calciumState('apical'),
  ],
  receptors: 0,
  inputChannels: 2,
  apicalChannel: 1,
  weightUnit: '1',
  currentUnit: 'input',
  updateShader: 'two_compartment_rate_update.wgsl',
  shaderLibraries: ['rate_transfer.wgsl'],
  derive: (p, dt) => {
    const decaySoma = Math.exp(-dt / num(p, 'tau_soma_ms'));
    const sigma = num(p, 'noise_std');
    return {
      decay_soma: decaySoma,
      decay_apical: Math.exp(-dt / num(p, 'tau_apical_ms')),
      coupling: num(p, 'coupling'),
      backprop: num(p, 'backprop'),
      plateau_threshold: num(p, 'plateau_threshold'),
      plateau_slope: num(p, 'plateau_slope'),
      plateau_gain: num(p, 'plateau_gain'),
      transfer: RATE_TRANSFER_CODES[p['transfer'] as string] ?? 1,
      gain: num(p, 'gain'),
      threshold: num(p, 'threshold'),
      exponent: num(p, 'exponent'),
      white_noise_step_std: Math.sqrt(((sigma * sigma) / (2 * num(p, 'tau_soma_ms'))) * (1 - decaySoma * decaySoma)),
      calcium_decay: Math.exp(-dt / num(p, 'calcium_tau_ms')),
      calcium_backprop: num(p, 'calcium_backprop'),
      readout_noise: num(p, 'readout_noise'),
      spike_scale: (num(p, 'spike_rate_hz') * dt) / 1000,
    };
  },
  minInterSpikeSteps: () => 1,
};

const twoCompartmentLif: NeuronModelDef = {
  name: 'two_compartment_lif',
  ...lifKind,
  summary: 'LIF soma with exponential basal currents and a passive apical compartment whose calcium plateau depolarises the soma.',
  doc: 'Two-compartment LIF (layer-5 pyramidal style): a somatic LIF with exponential basal currents (as lif_psc_exp) and a passive apical compartment with its own exponential synaptic current, coupled by a conductance; a calcium plateau σ((v_a − θ)/slope) injects a depolarising current into the soma (raising gain and burst probability). Calcium readouts: soma = filtered spikes, dendrite = filtered apical depolarisation plus back-propagated spikes, each plus readout noise.',
  params: [
    ...lifCommon,
    { name: 'tau_syn_ex_ms', unit: 'ms', default: 2, min: 0, minExclusive: true, doc: 'basal excitatory synaptic time constant' },
    { name: 'tau_syn_in_ms', unit: 'ms', default: 2, min: 0, minExclusive: true, doc: 'basal inhibitory synaptic time constant' },
    { name: 'c_apical_pF', unit: 'pF', default: 100, min: 0, minExclusive: true, doc: 'apical membrane capacitance' },
    { name: 'tau_apical_ms', unit: 'ms', default: 20, min: 0, minExclusive: true, doc: 'apical membrane time constant' },
    { name: 'tau_syn_apical_ms', unit: 'ms', default: 5, min: 0, minExclusive: true, doc: 'apical synaptic time constant' },
    { name: 'coupling_nS', unit: 'nS', default: 5, min: 0, doc: 'soma–apical coupling conductance' },
    { name: 'plateau_threshold_mV', unit: 'mV', default: -55, doc: 'apical potential at half-maximal plateau' },
    { name: 'plateau_slope_mV', unit: 'mV', default: 2, min: 0, minExclusive: true, doc: 'width of the plateau sigmoid' },
    { name: 'plateau_current_pA', unit: 'pA', default: 150, min: 0, doc: 'somatic current at full plateau' },
    { name: 'calcium_spike_jump', unit: '1', default: 1, min: 0, doc: 'calcium-signal increment per somatic spike' },
    { name: 'calcium_apical_per_mV', unit: '1/mV', default: 0.05, min: 0, doc: 'dendritic calcium per mV of apical depolarisation' },
    ...calciumParams,
  ],
  choiceParams: [],
  state: [
    vState('somatic membrane potential'),
    { name: 'v_apical_mV', unit: 'mV', doc: 'apical membrane potential', initial: (p) => num(p, 'e_l_mV'), initialDoc: 'e_l_mV' },
    { name: 'i_syn_ex_pA', unit: 'pA', doc: 'basal excitatory synaptic current', initial: () => 0 },
    { name: 'i_syn_in_pA', unit: 'pA', doc: 'basal inhibitory synaptic current (negative)', initial: () => 0 },
    { name: 'i_apical_pA', unit: 'pA', doc: 'apical synaptic current (signed)', initial: () => 0 },
    refractoryState,
    { name: 'plateau', unit: '1', doc: 'calcium plateau activation, 0…1', initial: () => 0 },
    ...calciumState('soma'),
    ...calciumState('apical'),
  ],
  receptors: 2,
  inputChannels: 3,
  apicalChannel: 2,
  weightUnit: 'pA',
  currentUnit: 'pA',
  updateShader: 'two_compartment_lif_update.wgsl',
  derive: (p, dt) => {
    const tauA = num(p, 'tau_apical_ms');
    return {
      ...lifMembrane(p, dt),
      ...pscExpSynapses(p, dt),
      decay_apical: Math.exp(-dt / tauA),
      apical_resistance: tauA / num(p, 'c_apical_pF'),
      p11_apical: Math.exp(-dt / num(p, 'tau_syn_apical_ms')),
      coupling: num(p, 'coupling_nS'),
      plateau_threshold: num(p, 'plateau_threshold_mV'),
      plateau_slope: num(p, 'plateau_slope_mV'),
      plateau_current: num(p, 'plateau_current_pA'),
      calcium_decay: Math.exp(-dt / num(p, 'calcium_tau_ms')),
      calcium_spike_jump: num(p, 'calcium_spike_jump'),
      calcium_apical_per_mv: num(p, 'calcium_apical_per_mV'),
      readout_noise: num(p, 'readout_noise'),
    };
  },
};

/** Every model shipped with cortexgpu, by name. */
export const NEURON_MODELS: Readonly<Record<NeuronModelName, NeuronModelDef>> = {
  rate: rateUnit,
  lif_psc_exp: lifPscExp,
  lif_psc_delta: lifPscDelta,
  lif_cond_exp: lifCondExp,
  poisson_source: poissonSource,
  two_compartment_rate: twoCompartmentRate,
  two_compartment_lif: twoCompartmentLif,
};

/** Whether a population of this model with these parameters emits spikes. */
export function emitsSpikes(model: NeuronModelDef, params: Readonly<Record<string, number | string>> | undefined): boolean {
  if (model.kind !== 'rate') return true;
  const rate = params?.['spike_rate_hz'];
  return typeof rate === 'number' && rate > 0;
}

/** Apply defaults to a population's parameters (validation has already checked names and ranges). */
export function resolveParams(model: NeuronModelDef, given: Readonly<Record<string, number | string>> | undefined): ResolvedParams {
  const out: Record<string, number | string> = {};
  for (const p of model.params) out[p.name] = given?.[p.name] ?? p.default;
  for (const p of model.choiceParams) out[p.name] = given?.[p.name] ?? p.default;
  return out;
}
