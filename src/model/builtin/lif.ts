/**
 * Shared pieces of the built-in leaky integrate-and-fire descriptions: parameters of the
 * membrane, their documentation and NEST's names for them.
 */
import type { EquationModelDescription, VariableMeta } from '../equations/compile.js';

/** Namespace defaults of the LIF membrane (NEST iaf_psc_exp's, except where noted). */
export const LIF_MEMBRANE_NAMESPACE: Readonly<Record<string, string>> = {
  tau_m_ms: '10*ms', c_m_pF: '250*pF', e_l_mV: '-65*mV', v_th_mV: '-50*mV', v_reset_mV: '-65*mV', t_ref_ms: '2*ms', i_e_pA: '0*pA',
};

/** Documentation and ranges of the LIF membrane parameters. */
export const LIF_MEMBRANE_PARAMETERS: Readonly<Record<string, VariableMeta>> = {
  tau_m_ms: { doc: 'membrane time constant', min: 0, min_exclusive: true },
  c_m_pF: { doc: 'membrane capacitance', min: 0, min_exclusive: true },
  e_l_mV: { doc: 'resting potential' },
  v_th_mV: { doc: 'spike threshold' },
  v_reset_mV: { doc: 'reset potential after a spike' },
  t_ref_ms: { doc: 'absolute refractory period', min: 0 },
  i_e_pA: { doc: 'constant external current (DC, stimulus and trial currents add to it)' },
  v_mV: { doc: 'membrane potential' },
};

/** NEST's parameter names of the LIF membrane, accepted in `params`. */
export const LIF_NEST_ALIASES: Readonly<Record<string, string>> = {
  tau_m: 'tau_m_ms', C_m: 'c_m_pF', E_L: 'e_l_mV', V_th: 'v_th_mV', V_reset: 'v_reset_mV', t_ref: 't_ref_ms', I_e: 'i_e_pA',
};

/** Threshold, reset, refractoriness, initial value and the reset-below-threshold rule. */
export const LIF_SPIKING: Pick<EquationModelDescription, 'threshold' | 'reset' | 'refractory' | 'schedule' | 'initial' | 'constraints' | 'current'> = {
  threshold: 'v_mV >= v_th_mV',
  reset: 'v_mV = v_reset_mV',
  refractory: 't_ref_ms',
  schedule: 'nest',
  initial: { v_mV: 'e_l_mV' },
  current: 'i_e_pA',
  constraints: [{ condition: 'v_reset_mV < v_th_mV', message: 'v_reset_mV must be below v_th_mV, since a neuron reset at or above threshold fires on every step; lower v_reset_mV or raise v_th_mV' }],
};

/** The step order and refractoriness of the NEST-derived built-ins (`schedule: 'nest'`), in words, for the catalogue. */
export const NEST_ORDER_NOTE = 'Step order and refractoriness as NEST (integration, this step\'s arrivals, threshold and reset; held for round(t_ref/dt) steps after the spike step).';
