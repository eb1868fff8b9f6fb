/**
 * The Potjans & Diesmann (2014) cortical microcircuit (PD14) as a {@link NetworkSpec}: eight
 * populations (excitatory and inhibitory cells of layers 2/3, 4, 5 and 6) of current-based LIF
 * neurons with exponential synaptic currents, connected with the model's fixed total numbers of
 * synapses, driven by Poisson or equivalent DC background input.
 *
 * Downscaling (modelling choice): `scale` multiplies every population size and every total
 * synapse count, K = round(K_full · scale) with K_full = ln(1 − C) / ln(1 − 1/(N_pre·N_post))
 * computed from the full-scale sizes. In-degrees (synapses per target neuron, K / N_post) and
 * therefore the mean input of every neuron stay those of the full model, so weights and the
 * background need no compensation; what changes with scale is the number of neurons, hence
 * shared-input correlations and finite-size fluctuations. Scaled networks are thus denser
 * than the full one (each source neuron has 1/scale times as many targets).
 */
import type { InputSpec, NetworkSpec, PopulationSpec, ProjectionSpec, RecorderSpec } from '../spec.js';
import { PD14_PARAMETERS, type Pd14Parameters } from './pd14-parameters.js';

/** Default `run.duration_ms` of {@link pd14Spec}, ms. */
export const PD14_DEFAULT_DURATION_MS = 300;

/** Options of {@link pd14Spec}. */
export interface Pd14Options {
  /** Neuron-count scale, 0 < scale ≤ 1 (1 = 77,169 neurons); synapse counts scale with it. */
  readonly scale: number;
  /**
   * `poisson`: K_ext independent Poisson sources per neuron at 8 Hz, each with the excitatory
   * weight; `dc`: their mean current, K_ext · 8 Hz · w · τ_syn, as a constant `i_e_pA`.
   */
  readonly background: 'poisson' | 'dc';
  /** Seed of every random draw, 0 … 2^32−1. Default 55. */
  readonly seed?: number;
  /** Integration step, ms, in (0, 10]. Default 0.1 (the model's). */
  readonly dt_ms?: number;
  /**
   * Fraction (0, 1] of each population whose spikes are recorded (the first ⌈fraction·size⌉
   * neurons). Default 1 for scale ≤ 0.1, else 0.1.
   */
  readonly recordFraction?: number;
  /**
   * Simulated time written into the spec's `run` block, ms (> 100). Default 300 ms, which runs
   * in under 30 s at scale 0.1 on a software GPU; a study of the network's statistics wants
   * several seconds. The warm-up is 100 ms.
   */
  readonly durationMs?: number;
}

/**
 * Peak amplitude (pA) of an exponentially decaying synaptic current that makes a membrane
 * potential excursion of `pspMv` at its peak, for a leaky membrane (NEST `iaf_psc_exp`) at rest.
 *
 * The PSP of a current J·e^{−t/τ_s} is V(t) = J/C · τ_m τ_s/(τ_m − τ_s) · (e^{−t/τ_m} − e^{−t/τ_s}),
 * peaking at t* = ln(τ_m/τ_s) · τ_m τ_s/(τ_m − τ_s); J follows by dividing by V(t*)/J
 * (limit τ_m = τ_s: V(t) = J t/C · e^{−t/τ}, peak J τ/(C e)).
 *
 * @param pspMv peak PSP, mV
 * @param tauMMs membrane time constant, ms, > 0
 * @param tauSynMs synaptic current time constant, ms, > 0
 * @param cMpF membrane capacitance, pF, > 0
 * @returns PSC amplitude, pA (0.15 mV with τ_m 10 ms, τ_s 0.5 ms, C 250 pF gives ≈ 87.8 pA)
 */
export function pspToPscAmplitude(pspMv: number, tauMMs: number, tauSynMs: number, cMpF: number): number {
  if (!(tauMMs > 0 && tauSynMs > 0 && cMpF > 0)) throw new RangeError('pspToPscAmplitude: time constants and capacitance must be > 0');
  let peakPerPa: number; // mV per pA of current amplitude (ms/pF = mV/pA)
  if (Math.abs(tauMMs - tauSynMs) < 1e-9 * tauMMs) {
    peakPerPa = tauMMs / (cMpF * Math.E);
  } else {
    const tauRatio = (tauMMs * tauSynMs) / (tauMMs - tauSynMs);
    const tPeak = Math.log(tauMMs / tauSynMs) * tauRatio;
    peakPerPa = (tauRatio / cMpF) * (Math.exp(-tPeak / tauMMs) - Math.exp(-tPeak / tauSynMs));
  }
  return pspMv / peakPerPa;
}

/**
 * Total number of synapses between two populations in the full-scale PD14 model: the number
 * K of uniformly drawn (source, target) pairs, multapses allowed, for which the probability
 * that a given pair is connected at least once equals C, K = ln(1 − C) / ln(1 − 1/(N_pre·N_post)).
 *
 * @param probability connection probability C, in [0, 1)
 * @param sourceSize N_pre (full scale)
 * @param targetSize N_post (full scale)
 * @returns K (not rounded)
 */
export function pd14SynapseCount(probability: number, sourceSize: number, targetSize: number): number {
  if (probability <= 0) return 0;
  return Math.log(1 - probability) / Math.log(1 - 1 / (sourceSize * targetSize));
}

/**
 * The PD14 microcircuit as a network spec.
 *
 * - Populations: `lif_psc_exp` with the model's parameters (τ_syn 0.5 ms for both receptors),
 *   size round(N_full · scale) (at least 1), initial v_mV normal with the optimized mean and std.
 * - Projections: `fixed_total_number` with n = round(K_full · scale) (see the module comment),
 *   weights normal with mean w and std 0.1·w truncated at 0 (magnitudes; inhibitory sources use
 *   the inhibitory receptor with 4 w; L4E → L23E uses 2 w), w = PSC amplitude of a 0.15 mV PSP;
 *   delays normal, mean 1.5 ms (E) / 0.75 ms (I), std half the mean, truncated below at dt.
 * - Background: Poisson (K_ext sources at 8 Hz, weight w) or DC (`i_e_pA` = K_ext·8 Hz·w·τ_syn).
 * - Recorders: spikes of the first ⌈recordFraction · size⌉ neurons of each population, and the
 *   population rate in 1 ms bins.
 *
 * @throws RangeError when an option is out of range
 */
export function pd14Spec(options: Pd14Options, parameters: Pd14Parameters = PD14_PARAMETERS): NetworkSpec {
  const { scale, background } = options;
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`pd14Spec: scale must be in (0, 1] (got ${scale})`);
  if (background !== 'poisson' && background !== 'dc') throw new RangeError(`pd14Spec: background must be 'poisson' or 'dc' (got ${String(background)})`);
  const dt = options.dt_ms ?? parameters.simulation.dt_ms;
  if (!(dt > 0 && dt <= 10)) throw new RangeError(`pd14Spec: dt_ms must be in (0, 10] ms (got ${dt})`);
  const fraction = options.recordFraction ?? (scale <= 0.1 ? 1 : 0.1);
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`pd14Spec: recordFraction must be in (0, 1] (got ${fraction})`);
  const seed = options.seed ?? 55;

  const p = parameters;
  const names = p.populations;
  const isInhibitory = (i: number): boolean => names[i]!.endsWith('I');
  const sizes = p.full_num_neurons.map((n) => Math.max(1, Math.round(n * scale)));
  const tauSyn = p.neuron.tau_syn_ms;
  const w = pspToPscAmplitude(p.synapse.PSP_exc_mean_mV, p.neuron.tau_m_ms, tauSyn, p.neuron.C_m_pF);
  const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

  const populations: PopulationSpec[] = names.map((name, i) => {
    const dc = background === 'dc' ? p.background.K_ext[i]! * p.background.rate_Hz * w * tauSyn / 1000 : 0;
    return {
      name,
      size: sizes[i]!,
      model: 'lif_psc_exp',
      params: {
        tau_m_ms: p.neuron.tau_m_ms,
        c_m_pF: p.neuron.C_m_pF,
        e_l_mV: p.neuron.E_L_mV,
        v_th_mV: p.neuron.V_th_mV,
        v_reset_mV: p.neuron.V_reset_mV,
        t_ref_ms: p.neuron.t_ref_ms,
        i_e_pA: round6(dc),
        tau_syn_ex_ms: tauSyn,
        tau_syn_in_ms: tauSyn,
      },
      initial: { v_mV: { normal: { mean: p.initial_V_mV.optimized_mean[i]!, std: p.initial_V_mV.optimized_std[i]! } } },
    };
  });

  const projections: ProjectionSpec[] = [];
  names.forEach((target, t) => {
    names.forEach((source, s) => {
      const probability = p.conn_probs_target_by_source[t]![s]!;
      const n = Math.round(pd14SynapseCount(probability, p.full_num_neurons[s]!, p.full_num_neurons[t]!) * scale);
      if (n === 0) return;
      const inhibitory = isInhibitory(s);
      let mean = inhibitory ? -p.synapse.g_inhibitory_relative * w : w;
      if (source === 'L4E' && target === 'L23E') mean *= p.synapse.L4E_to_L23E_weight_factor;
      const delayMean = inhibitory ? p.synapse.delay_inh_mean_ms : p.synapse.delay_exc_mean_ms;
      projections.push({
        name: `${source}_to_${target}`,
        source,
        target,
        connector: { type: 'fixed_total_number', n },
        weight: { normal: { mean: round6(mean), std: round6(p.synapse.weight_rel_std * mean) }, min: 0 },
        delay_ms: { normal: { mean: delayMean, std: p.synapse.delay_rel_std * delayMean }, min: dt },
        receptor: inhibitory ? 'inhibitory' : 'excitatory',
      });
    });
  });

  const inputs: InputSpec[] = background === 'poisson'
    ? names.map((target, i) => ({ type: 'poisson', target, rate_hz: p.background.rate_Hz, n_sources: p.background.K_ext[i]!, weight: round6(w), receptor: 'excitatory' }))
    : [];

  const recorders: RecorderSpec[] = [
    ...names.map((population, i): RecorderSpec => {
      const first = Math.min(sizes[i]!, Math.max(1, Math.ceil(fraction * sizes[i]! - 1e-9)));
      return { type: 'spikes', population, neurons: first === sizes[i] ? 'all' : { first } };
    }),
    ...names.map((population): RecorderSpec => ({ type: 'population_rate', population, bin_ms: 1 })),
  ];

  return {
    name: `pd14_scale${scale}_${background}`,
    description: `Potjans & Diesmann (2014) cortical microcircuit at scale ${scale} (${sizes.reduce((a, b) => a + b, 0).toLocaleString('en-US')} LIF neurons, 8 populations in 4 layers), ${background === 'poisson' ? 'Poisson' : 'DC'} background: low-rate asynchronous irregular activity, layer-specific rates`,
    run: { duration_ms: options.durationMs ?? PD14_DEFAULT_DURATION_MS, warmup_ms: 100 },
    dt_ms: dt,
    seed,
    batch: 1,
    populations,
    projections,
    inputs,
    recorders,
  };
}
