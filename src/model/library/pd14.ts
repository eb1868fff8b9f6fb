/**
 * The Potjans & Diesmann (2014) cortical microcircuit (PD14) as a {@link NetworkSpec}: eight
 * populations (excitatory and inhibitory cells of layers 2/3, 4, 5 and 6) of current-based LIF
 * neurons with exponential synaptic currents, connected with the model's fixed total numbers of
 * synapses, driven by Poisson or equivalent DC background input.
 *
 * Downscaling has two independent factors, as in the reference implementation (NEST's
 * microcircuit example, `N_scaling` and `K_scaling`):
 *
 * - `scale` (N_scaling) multiplies every population size and every total synapse count,
 *   K = round(K_full · scale) with K_full = ln(1 − C) / ln(1 − 1/(N_pre·N_post)) computed from
 *   the full-scale sizes. In-degrees (synapses per target neuron, K / N_post) and therefore the
 *   mean and variance of every neuron's input stay those of the full model, so weights and the
 *   background need no compensation; what changes with scale is the number of neurons, hence
 *   shared-input correlations and finite-size fluctuations. Scaled networks are thus denser
 *   than the full one (each source neuron has 1/scale times as many targets).
 * - `kScale` (K_scaling, default 1) additionally multiplies every in-degree (recurrent synapse
 *   counts and the Poisson background's K_ext) by k, divides every weight by √k, so that the
 *   input variance stays that of the full model, and restores the mean input lost by that
 *   (a fraction 1 − √k of it) with a DC current per population computed from the full-scale
 *   in-degrees and the full-scale mean rates of the reference table
 *   ({@link pd14DcCompensation}). With `kScale = scale` the network is uniformly sparser, the
 *   usual way to run PD14 at small scale.
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
  /**
   * In-degree scale k, 0 < k ≤ 1 (the reference implementation's `K_scaling`). Default 1: the
   * full model's in-degrees (the behaviour before this option existed). Below 1, recurrent
   * synapse counts become round(K_full · scale · k) and the Poisson background's sources
   * round(K_ext · k), every weight (recurrent and background) is divided by √k, and each
   * population gets the extra DC current of {@link pd14DcCompensation} in `i_e_pA`.
   */
  readonly kScale?: number;
  /**
   * Mean rates of the full-scale network that the DC compensation assumes, Hz, one per
   * population (≥ 0). Default: `reference_mean_rates_Hz_full_scale_dc` of the parameters.
   * Only used when `kScale` < 1.
   */
  readonly fullScaleRatesHz?: readonly number[];
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
 * Mean PSC amplitudes J[target][source] of the full-scale PD14 model, pA, signed: w for
 * excitatory sources (2 w for L4E → L23E), g·w (g = −4) for inhibitory ones, w the PSC
 * amplitude of a 0.15 mV PSP ({@link pspToPscAmplitude}).
 *
 * @returns an 8 × 8 matrix, rows = targets, columns = sources, in the parameters' population order
 */
export function pd14MeanWeightsPa(parameters: Pd14Parameters = PD14_PARAMETERS): number[][] {
  const p = parameters;
  const w = pspToPscAmplitude(p.synapse.PSP_exc_mean_mV, p.neuron.tau_m_ms, p.neuron.tau_syn_ms, p.neuron.C_m_pF);
  const names = p.populations;
  return names.map((target) => names.map((source) => {
    let j = source.endsWith('I') ? p.synapse.g_inhibitory_relative * w : w;
    if (source === 'L4E' && target === 'L23E') j *= p.synapse.L4E_to_L23E_weight_factor;
    return j;
  }));
}

/**
 * Extra DC current per population, pA, that restores the mean synaptic input a PD14 network
 * loses when its in-degrees are scaled by k and its weights by 1/√k (Potjans & Diesmann 2014;
 * the `K_scaling` of NEST's microcircuit example).
 *
 * With in-degree K·k and weight J/√k, a source firing at ν contributes K·k · J/√k · ν · τ_syn
 * = √k · K J ν τ_syn of mean current instead of K J ν τ_syn (the input variance, ∝ K J², is
 * unchanged). The missing part, for target population t,
 *
 *   I_DC,t = τ_syn · (1 − √k) · ( Σ_s J_ts · (K_ts / N_t) · ν_s  +  [Poisson] w · K_ext,t · ν_bg ),
 *
 * uses the full-scale in-degrees K_ts / N_t (K_ts = {@link pd14SynapseCount} of the full sizes),
 * the signed mean weights J_ts of {@link pd14MeanWeightsPa}, the full-scale mean rates ν_s and,
 * with Poisson background only, the background term (a DC background is not scaled, so it loses
 * nothing). τ_syn in ms times pA · Hz is 10⁻³ pA, hence a factor 10⁻³. The recurrent input of
 * PD14 is net inhibitory, so the compensation is negative for DC background (it can bring a
 * population's total DC below rheobase, C·(V_th − E_L)/τ_m = 375 pA, as in the reference).
 *
 * @param kScale in-degree scale k, 0 < k ≤ 1 (1 gives zeros)
 * @param background `poisson` (K_ext sources scaled by k too) or `dc`
 * @param parameters PD14 parameters
 * @param fullScaleRatesHz mean rate of each population at full scale, Hz; default the
 *   parameters' `reference_mean_rates_Hz_full_scale_dc`
 * @returns one current per population, pA, in the parameters' population order
 * @throws RangeError when kScale or the rates are out of range
 */
export function pd14DcCompensation(
  kScale: number,
  background: 'poisson' | 'dc',
  parameters: Pd14Parameters = PD14_PARAMETERS,
  fullScaleRatesHz: readonly number[] = parameters.reference_mean_rates_Hz_full_scale_dc,
): number[] {
  if (!(kScale > 0 && kScale <= 1)) throw new RangeError(`pd14DcCompensation: kScale must be in (0, 1] (got ${kScale})`);
  const p = parameters;
  const n = p.populations.length;
  if (fullScaleRatesHz.length !== n || !fullScaleRatesHz.every((r) => Number.isFinite(r) && r >= 0)) {
    throw new RangeError(`pd14DcCompensation: fullScaleRatesHz must hold ${n} finite rates >= 0 Hz (got [${fullScaleRatesHz.join(', ')}])`);
  }
  const tauSyn = p.neuron.tau_syn_ms;
  const w = pspToPscAmplitude(p.synapse.PSP_exc_mean_mV, p.neuron.tau_m_ms, tauSyn, p.neuron.C_m_pF);
  const weights = pd14MeanWeightsPa(p);
  const lost = 1 - Math.sqrt(kScale);
  return p.populations.map((_, t) => {
    let input = 0; // pA · Hz
    for (let s = 0; s < n; s++) {
      const indegree = pd14SynapseCount(p.conn_probs_target_by_source[t]![s]!, p.full_num_neurons[s]!, p.full_num_neurons[t]!) / p.full_num_neurons[t]!;
      input += weights[t]![s]! * indegree * fullScaleRatesHz[s]!;
    }
    if (background === 'poisson') input += w * p.background.K_ext[t]! * p.background.rate_Hz;
    return 1e-3 * tauSyn * lost * input;
  });
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
 * - In-degree scaling (`kScale` = k < 1): n = round(K_full · scale · k), Poisson sources
 *   round(K_ext · k), every weight / √k, and `i_e_pA` plus {@link pd14DcCompensation}; the
 *   spec's name then carries `_k<k>`.
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
  const kScale = options.kScale ?? 1;
  if (!(kScale > 0 && kScale <= 1)) throw new RangeError(`pd14Spec: kScale must be in (0, 1] (got ${kScale})`);
  // Zeros for kScale = 1, so that the default spec is unchanged.
  const compensation = kScale < 1
    ? pd14DcCompensation(kScale, background, parameters, options.fullScaleRatesHz ?? parameters.reference_mean_rates_Hz_full_scale_dc)
    : parameters.populations.map(() => 0);
  const weightFactor = 1 / Math.sqrt(kScale);

  const p = parameters;
  const names = p.populations;
  const isInhibitory = (i: number): boolean => names[i]!.endsWith('I');
  const sizes = p.full_num_neurons.map((n) => Math.max(1, Math.round(n * scale)));
  const tauSyn = p.neuron.tau_syn_ms;
  const w = pspToPscAmplitude(p.synapse.PSP_exc_mean_mV, p.neuron.tau_m_ms, tauSyn, p.neuron.C_m_pF);
  const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

  const populations: PopulationSpec[] = names.map((name, i) => {
    const dc = (background === 'dc' ? p.background.K_ext[i]! * p.background.rate_Hz * w * tauSyn / 1000 : 0) + compensation[i]!;
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
      const n = Math.round(pd14SynapseCount(probability, p.full_num_neurons[s]!, p.full_num_neurons[t]!) * scale * kScale);
      if (n === 0) return;
      const inhibitory = isInhibitory(s);
      let mean = inhibitory ? -p.synapse.g_inhibitory_relative * w : w;
      if (source === 'L4E' && target === 'L23E') mean *= p.synapse.L4E_to_L23E_weight_factor;
      mean *= weightFactor;
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
    ? names.map((target, i) => ({ type: 'poisson', target, rate_hz: p.background.rate_Hz, n_sources: Math.max(1, Math.round(p.background.K_ext[i]! * kScale)), weight: round6(w * weightFactor), receptor: 'excitatory' }))
    : [];

  const recorders: RecorderSpec[] = [
    ...names.map((population, i): RecorderSpec => {
      const first = Math.min(sizes[i]!, Math.max(1, Math.ceil(fraction * sizes[i]! - 1e-9)));
      return { type: 'spikes', population, neurons: first === sizes[i] ? 'all' : { first } };
    }),
    ...names.map((population): RecorderSpec => ({ type: 'population_rate', population, bin_ms: 1 })),
  ];

  return {
    name: `pd14_scale${scale}${kScale < 1 ? `_k${kScale}` : ''}_${background}`,
    description: `Potjans & Diesmann (2014) cortical microcircuit at scale ${scale} (${sizes.reduce((a, b) => a + b, 0).toLocaleString('en-US')} LIF neurons, 8 populations in 4 layers)${kScale < 1 ? `, in-degrees scaled by ${kScale} with weights / √${kScale} and DC compensation of the lost mean input` : ''}, ${background === 'poisson' ? 'Poisson' : 'DC'} background: low-rate asynchronous irregular activity, layer-specific rates`,
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
