/** Hodgkin–Huxley neuron of Traub & Miles with exponential conductances (NEST hh_cond_exp_traub; Brian2's COBAHH). */
import type { BuiltinModel } from './index.js';
import { NEST_ORDER_NOTE } from './lif.js';

export const hhCondExpTraub: BuiltinModel = {
  name: 'hh_cond_exp_traub',
  nest: 'hh_cond_exp_traub',
  nestDefaults: { V_m: -60 },
  also: ['HH_cond_exp'],
  summary: 'Hodgkin–Huxley neuron (Traub & Miles 1991) with exponential conductances: the COBAHH benchmark neuron (NEST hh_cond_exp_traub).',
  doc: `Hodgkin–Huxley neuron with Traub & Miles (1991) rate functions and exponentially decaying synaptic conductances, as in Brunel/Brette et al. 2007's COBAHH benchmark and NEST hh_cond_exp_traub (NEST's parameter names and defaults). Exponential Euler, as Brian2's COBAHH example. A spike is counted when V_m crosses V_T + 30 mV; the refractory period t_ref only blocks a second count (the membrane is not clamped). ${NEST_ORDER_NOTE}`,
  equations: [
    'dV_m/dt = (g_L*(E_L - V_m) + g_ex*(E_ex - V_m) + g_in*(E_in - V_m) - g_Na*m**3*h*(V_m - E_Na) - g_K*n**4*(V_m - E_K) + I_e)/C_m : volt',
    'dm/dt = alpha_m*(1 - m) - beta_m*m : 1',
    'dn/dt = alpha_n*(1 - n) - beta_n*n : 1',
    'dh/dt = alpha_h*(1 - h) - beta_h*h : 1',
    'dg_ex/dt = -g_ex/tau_syn_ex : siemens',
    'dg_in/dt = -g_in/tau_syn_in : siemens',
    'alpha_m = 0.32/mV*(13*mV - V_m + V_T)/(exp((13*mV - V_m + V_T)/(4*mV)) - 1)/ms : hertz',
    'beta_m = 0.28/mV*(V_m - V_T - 40*mV)/(exp((V_m - V_T - 40*mV)/(5*mV)) - 1)/ms : hertz',
    'alpha_h = 0.128*exp((17*mV - V_m + V_T)/(18*mV))/ms : hertz',
    'beta_h = 4/(1 + exp((40*mV - V_m + V_T)/(5*mV)))/ms : hertz',
    'alpha_n = 0.032/mV*(15*mV - V_m + V_T)/(exp((15*mV - V_m + V_T)/(5*mV)) - 1)/ms : hertz',
    'beta_n = 0.5*exp((10*mV - V_m + V_T)/(40*mV))/ms : hertz',
  ].join('\n'),
  threshold: 'V_m > V_T + 30*mV',
  refractory: 't_ref',
  initial: { V_m: 'E_L' },
  current: 'I_e',
  method: 'exponential_euler',
  schedule: 'nest',
  namespace: {
    g_Na: '20000*nS', g_K: '6000*nS', g_L: '10*nS', C_m: '200*pF', E_Na: '50*mV', E_K: '-90*mV', E_L: '-60*mV', V_T: '-63*mV',
    E_ex: '0*mV', E_in: '-80*mV', tau_syn_ex: '5*ms', tau_syn_in: '10*ms', t_ref: '2*ms', I_e: '0*pA',
  },
  receptors: { excitatory: 'g_ex += w', inhibitory: 'g_in += w' },
  parameters: {
    g_Na: { doc: 'sodium peak conductance', min: 0 }, g_K: { doc: 'potassium peak conductance', min: 0 }, g_L: { doc: 'leak conductance', min: 0 },
    C_m: { doc: 'membrane capacitance', min: 0, min_exclusive: true }, E_Na: { doc: 'sodium reversal potential' }, E_K: { doc: 'potassium reversal potential' },
    E_L: { doc: 'leak reversal potential' }, V_T: { doc: 'voltage offset of the rate functions' },
    E_ex: { doc: 'excitatory reversal potential' }, E_in: { doc: 'inhibitory reversal potential' },
    tau_syn_ex: { doc: 'excitatory conductance time constant', min: 0, min_exclusive: true },
    tau_syn_in: { doc: 'inhibitory conductance time constant', min: 0, min_exclusive: true },
    t_ref: { doc: 'dead time after a counted spike', min: 0 },
    I_e: { doc: 'constant external current (DC, stimulus and trial currents add to it)' },
    V_m: { doc: 'membrane potential' }, m: { doc: 'sodium activation' }, n: { doc: 'potassium activation' }, h: { doc: 'sodium inactivation' },
    g_ex: { doc: 'excitatory conductance' }, g_in: { doc: 'inhibitory conductance' },
  },
};
