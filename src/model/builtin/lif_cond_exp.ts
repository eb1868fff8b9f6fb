/** Conductance-based leaky integrate-and-fire (COBA; NEST iaf_cond_exp). */
import type { BuiltinModel } from './index.js';
import { NEST_ORDER_NOTE, LIF_MEMBRANE_PARAMETERS, LIF_NEST_ALIASES, LIF_SPIKING } from './lif.js';

/** The conductance-based membrane has g_L instead of tau_m. */
const withoutTauM = (aliases: Readonly<Record<string, string>>): Record<string, string> => Object.fromEntries(Object.entries(aliases).filter(([k]) => k !== 'tau_m'));

export const lifCondExp: BuiltinModel = {
  name: 'lif_cond_exp',
  nest: 'iaf_cond_exp',
  nestDefaults: { C_m: 250, g_L: 16.6667, E_L: -70, E_in: -85, V_th: -55, V_reset: -60, t_ref: 2, tau_syn_ex: 0.2, tau_syn_in: 2, V_m: -70 },
  also: ['iaf_cond_exp'],
  summary: 'Conductance-based leaky integrate-and-fire with exponentially decaying conductances (COBA, Vogels & Abbott 2005).',
  doc: `Conductance-based leaky integrate-and-fire with exponentially decaying conductances (COBA; Vogels & Abbott 2005; NEST iaf_cond_exp). Integrated with exponential Euler: each variable relaxes exactly with the others held over the step. ${NEST_ORDER_NOTE}`,
  equations: [
    'dv_mV/dt = (g_l_nS*(e_l_mV - v_mV) + g_ex_nS*(e_ex_mV - v_mV) + g_in_nS*(e_in_mV - v_mV) + i_e_pA)/c_m_pF : volt (unless refractory)',
    'dg_ex_nS/dt = -g_ex_nS/tau_syn_ex_ms : siemens',
    'dg_in_nS/dt = -g_in_nS/tau_syn_in_ms : siemens',
  ].join('\n'),
  ...LIF_SPIKING,
  method: 'exponential_euler',
  namespace: {
    c_m_pF: '200*pF', g_l_nS: '10*nS', e_l_mV: '-60*mV', e_ex_mV: '0*mV', e_in_mV: '-80*mV', v_th_mV: '-50*mV', v_reset_mV: '-60*mV',
    t_ref_ms: '5*ms', tau_syn_ex_ms: '5*ms', tau_syn_in_ms: '10*ms', i_e_pA: '0*pA',
  },
  receptors: { excitatory: 'g_ex_nS += w', inhibitory: 'g_in_nS += w' },
  parameters: {
    ...LIF_MEMBRANE_PARAMETERS,
    e_l_mV: { doc: 'leak reversal potential' },
    g_l_nS: { doc: 'leak conductance', min: 0, min_exclusive: true },
    e_ex_mV: { doc: 'excitatory reversal potential' },
    e_in_mV: { doc: 'inhibitory reversal potential' },
    tau_syn_ex_ms: { doc: 'excitatory conductance time constant', min: 0, min_exclusive: true },
    tau_syn_in_ms: { doc: 'inhibitory conductance time constant', min: 0, min_exclusive: true },
    g_ex_nS: { doc: 'excitatory conductance' },
    g_in_nS: { doc: 'inhibitory conductance' },
  },
  aliases: { ...withoutTauM(LIF_NEST_ALIASES), g_L: 'g_l_nS', E_ex: 'e_ex_mV', E_in: 'e_in_mV', tau_syn_ex: 'tau_syn_ex_ms', tau_syn_in: 'tau_syn_in_ms' },
};
