/** Adaptive exponential integrate-and-fire with exponential conductances (NEST aeif_cond_exp; Brette & Gerstner 2005). */
import type { BuiltinModel } from './index.js';
import { NEST_ORDER_NOTE } from './lif.js';

export const aeifCondExp: BuiltinModel = {
  name: 'aeif_cond_exp',
  nest: 'aeif_cond_exp',
  nestDefaults: { V_m: -70.6 },
  also: ['EIF_cond_exp_isfa_ista', 'adex'],
  summary: 'Adaptive exponential integrate-and-fire (AdEx) with exponential conductances (NEST aeif_cond_exp, Brette & Gerstner 2005).',
  doc: `Adaptive exponential integrate-and-fire (Brette & Gerstner 2005) with exponentially decaying conductances, NEST aeif_cond_exp's parameter names and defaults. Fourth-order Runge–Kutta at the network step (NEST uses an adaptive RK45; keep dt ≤ 0.1 ms). Spike when V_m crosses V_peak; reset V_m = V_reset and w += b. ${NEST_ORDER_NOTE}`,
  equations: [
    'dV_m/dt = (g_L*(E_L - V_m) + g_L*Delta_T*exp((V_m - V_th)/Delta_T) + g_ex*(E_ex - V_m) + g_in*(E_in - V_m) - w + I_e)/C_m : volt (unless refractory)',
    'dw/dt = (a*(V_m - E_L) - w)/tau_w : amp',
    'dg_ex/dt = -g_ex/tau_syn_ex : siemens',
    'dg_in/dt = -g_in/tau_syn_in : siemens',
  ].join('\n'),
  threshold: 'V_m > V_peak',
  reset: 'V_m = V_reset; w += b',
  refractory: 't_ref',
  initial: { V_m: 'E_L' },
  current: 'I_e',
  method: 'rk4',
  schedule: 'nest',
  constraints: [{ condition: 'V_reset < V_peak', message: 'the reset must lie below V_peak' }],
  namespace: {
    C_m: '281*pF', g_L: '30*nS', E_L: '-70.6*mV', V_th: '-50.4*mV', Delta_T: '2*mV', tau_w: '144*ms', a: '4*nS', b: '80.5*pA', V_peak: '0*mV',
    V_reset: '-60*mV', t_ref: '0*ms', E_ex: '0*mV', E_in: '-85*mV', tau_syn_ex: '0.2*ms', tau_syn_in: '2*ms', I_e: '0*pA',
  },
  receptors: { excitatory: 'g_ex += w', inhibitory: 'g_in += w' },
  parameters: {
    C_m: { doc: 'membrane capacitance', min: 0, min_exclusive: true }, g_L: { doc: 'leak conductance', min: 0, min_exclusive: true },
    E_L: { doc: 'leak reversal potential' }, V_th: { doc: 'spike initiation threshold (exponential term)' },
    Delta_T: { doc: 'slope factor of the exponential term', min: 0, min_exclusive: true },
    tau_w: { doc: 'adaptation time constant', min: 0, min_exclusive: true }, a: { doc: 'subthreshold adaptation' }, b: { doc: 'spike-triggered adaptation' },
    V_peak: { doc: 'spike detection threshold' }, V_reset: { doc: 'reset potential' }, t_ref: { doc: 'absolute refractory period', min: 0 },
    E_ex: { doc: 'excitatory reversal potential' }, E_in: { doc: 'inhibitory reversal potential' },
    tau_syn_ex: { doc: 'excitatory conductance time constant', min: 0, min_exclusive: true },
    tau_syn_in: { doc: 'inhibitory conductance time constant', min: 0, min_exclusive: true },
    I_e: { doc: 'constant external current (DC, stimulus and trial currents add to it)' },
    V_m: { doc: 'membrane potential' }, w: { doc: 'adaptation current' }, g_ex: { doc: 'excitatory conductance' }, g_in: { doc: 'inhibitory conductance' },
  },
};
