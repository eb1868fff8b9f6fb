/**
 * Parameters of the Potjans & Diesmann (2014) cortical microcircuit (PD14), as data.
 *
 * Source: the model's public description (INM-6/microcircuit-PD14-model, parameter
 * definitions; Potjans & Diesmann 2014, Cereb. Cortex 24:785). The same values, with notes,
 * are in `examples/pd14/parameters.json` for users of the JSON format; a test checks that the
 * two agree. Kept as a TypeScript constant so that the library needs no JSON import support.
 */

/** Typed PD14 parameters. Population order everywhere: L23E, L23I, L4E, L4I, L5E, L5I, L6E, L6I. */
export interface Pd14Parameters {
  /** Population names. */
  readonly populations: readonly string[];
  /** Neurons per population in the full-scale model (77,169 in all). */
  readonly full_num_neurons: readonly number[];
  /** Connection probability C[target][source] between populations (dimensionless, [0, 1]). */
  readonly conn_probs_target_by_source: readonly (readonly number[])[];
  readonly neuron: {
    readonly E_L_mV: number;
    readonly V_th_mV: number;
    readonly V_reset_mV: number;
    readonly C_m_pF: number;
    readonly tau_m_ms: number;
    readonly t_ref_ms: number;
    /** Time constant of both excitatory and inhibitory synaptic currents. */
    readonly tau_syn_ms: number;
  };
  readonly synapse: {
    /** Peak PSP of an excitatory synapse, mV (converted to a PSC amplitude in pA). */
    readonly PSP_exc_mean_mV: number;
    /** Standard deviation of weights relative to their mean. */
    readonly weight_rel_std: number;
    /** Inhibitory weight relative to excitatory (negative: the sign of inhibition). */
    readonly g_inhibitory_relative: number;
    /** Factor applied to the L4E → L23E weight. */
    readonly L4E_to_L23E_weight_factor: number;
    readonly delay_exc_mean_ms: number;
    readonly delay_inh_mean_ms: number;
    /** Standard deviation of delays relative to their mean. */
    readonly delay_rel_std: number;
  };
  /** Initial membrane potentials: normal with these mean and std (mV) per population. */
  readonly initial_V_mV: {
    readonly optimized_mean: readonly number[];
    readonly optimized_std: readonly number[];
  };
  readonly background: {
    /** External (background) in-degree per population. */
    readonly K_ext: readonly number[];
    /** Rate of each background source, Hz. */
    readonly rate_Hz: number;
    readonly delay_ms: number;
  };
  /** Optional thalamic input (not used by `pd14Spec`). */
  readonly thalamus_optional: {
    readonly num_neurons: number;
    readonly rate_Hz: number;
    readonly start_ms: number;
    readonly duration_ms: number;
    readonly conn_probs: readonly number[];
  };
  readonly simulation: { readonly dt_ms: number };
  /** Mean rates (Hz) of one NEST run of the full-scale model with DC background; indicative. */
  readonly reference_mean_rates_Hz_full_scale_dc: readonly number[];
}

/** The PD14 parameters (see the module comment for the source). */
export const PD14_PARAMETERS: Pd14Parameters = {
  populations: ['L23E', 'L23I', 'L4E', 'L4I', 'L5E', 'L5I', 'L6E', 'L6I'],
  full_num_neurons: [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948],
  conn_probs_target_by_source: [
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443],
  ],
  neuron: { E_L_mV: -65.0, V_th_mV: -50.0, V_reset_mV: -65.0, C_m_pF: 250.0, tau_m_ms: 10.0, t_ref_ms: 2.0, tau_syn_ms: 0.5 },
  synapse: {
    PSP_exc_mean_mV: 0.15,
    weight_rel_std: 0.1,
    g_inhibitory_relative: -4.0,
    L4E_to_L23E_weight_factor: 2.0,
    delay_exc_mean_ms: 1.5,
    delay_inh_mean_ms: 0.75,
    delay_rel_std: 0.5,
  },
  initial_V_mV: {
    optimized_mean: [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43],
    optimized_std: [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48],
  },
  background: { K_ext: [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100], rate_Hz: 8.0, delay_ms: 1.5 },
  thalamus_optional: { num_neurons: 902, rate_Hz: 120.0, start_ms: 700.0, duration_ms: 10.0, conn_probs: [0.0, 0.0, 0.0983, 0.0619, 0.0, 0.0, 0.0512, 0.0196] },
  simulation: { dt_ms: 0.1 },
  reference_mean_rates_Hz_full_scale_dc: [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829],
};
