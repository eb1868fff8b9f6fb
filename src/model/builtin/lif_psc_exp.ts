/** Leaky integrate-and-fire with exponential synaptic currents (NEST iaf_psc_exp). */
import type { BuiltinModel } from './index.js';
import { NEST_ORDER_NOTE, LIF_MEMBRANE_NAMESPACE, LIF_MEMBRANE_PARAMETERS, LIF_NEST_ALIASES, LIF_SPIKING } from './lif.js';

export const lifPscExp: BuiltinModel = {
  name: 'lif_psc_exp',
  nest: 'iaf_psc_exp',
  nestDefaults: { E_L: -70, V_th: -55, V_reset: -70, tau_syn_ex: 2, tau_syn_in: 2, V_m: -70 },
  also: ['iaf_psc_exp'],
  summary: 'Leaky integrate-and-fire with exponentially decaying synaptic currents (NEST iaf_psc_exp).',
  doc: `Leaky integrate-and-fire with exponentially decaying synaptic currents, integrated exactly (propagator matrix, as NEST iaf_psc_exp). ${NEST_ORDER_NOTE}`,
  equations: [
    'dv_mV/dt = (e_l_mV - v_mV)/tau_m_ms + (i_syn_ex_pA + i_syn_in_pA + i_e_pA)/c_m_pF : volt (unless refractory)',
    'di_syn_ex_pA/dt = -i_syn_ex_pA/tau_syn_ex_ms : amp',
    'di_syn_in_pA/dt = -i_syn_in_pA/tau_syn_in_ms : amp',
  ].join('\n'),
  ...LIF_SPIKING,
  method: 'exact',
  namespace: { ...LIF_MEMBRANE_NAMESPACE, tau_syn_ex_ms: '0.5*ms', tau_syn_in_ms: '0.5*ms' },
  receptors: { excitatory: 'i_syn_ex_pA += w', inhibitory: 'i_syn_in_pA -= w' },
  parameters: {
    ...LIF_MEMBRANE_PARAMETERS,
    tau_syn_ex_ms: { doc: 'excitatory synaptic current time constant', min: 0, min_exclusive: true },
    tau_syn_in_ms: { doc: 'inhibitory synaptic current time constant', min: 0, min_exclusive: true },
    i_syn_ex_pA: { doc: 'excitatory synaptic current' },
    i_syn_in_pA: { doc: 'inhibitory synaptic current (negative)' },
  },
  aliases: { ...LIF_NEST_ALIASES, tau_syn_ex: 'tau_syn_ex_ms', tau_syn_in: 'tau_syn_in_ms' },
};
