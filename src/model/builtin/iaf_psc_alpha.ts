/** Leaky integrate-and-fire with alpha-shaped synaptic currents (NEST iaf_psc_alpha). */
import type { BuiltinModel } from './index.js';
import { NEST_ORDER_NOTE } from './lif.js';

const NEST_SPIKING = { threshold: 'V_m >= V_th', reset: 'V_m = V_reset', refractory: 't_ref', schedule: 'nest', initial: { V_m: 'E_L' }, current: 'I_e' } as const;
const RESET_BELOW = [{ condition: 'V_reset < V_th', message: 'a neuron reset at or above threshold fires on every step; lower V_reset or raise V_th' }];

export const iafPscAlpha: BuiltinModel = {
  name: 'iaf_psc_alpha',
  nest: 'iaf_psc_alpha',
  nestDefaults: { V_m: -70 },
  also: ['IF_curr_alpha'],
  summary: 'Leaky integrate-and-fire with alpha-shaped synaptic currents whose peak equals the weight (NEST iaf_psc_alpha).',
  doc: `Leaky integrate-and-fire with alpha-shaped synaptic currents I(t) = w·(e/τ)·t·e^{−t/τ} (peak w at t = τ), integrated exactly (NEST iaf_psc_alpha; NEST's parameter names and defaults). The alpha current is the second stage of two exponential stages: y jumps by w, I = e·y filtered. ${NEST_ORDER_NOTE}`,
  equations: [
    'dV_m/dt = (E_L - V_m)/tau_m + (I_syn_ex + I_syn_in + I_e)/C_m : volt (unless refractory)',
    'dI_syn_ex/dt = (exp(1)*y_ex - I_syn_ex)/tau_syn_ex : amp',
    'dy_ex/dt = -y_ex/tau_syn_ex : amp',
    'dI_syn_in/dt = (exp(1)*y_in - I_syn_in)/tau_syn_in : amp',
    'dy_in/dt = -y_in/tau_syn_in : amp',
  ].join('\n'),
  ...NEST_SPIKING,
  constraints: RESET_BELOW,
  method: 'exact',
  namespace: { C_m: '250*pF', tau_m: '10*ms', tau_syn_ex: '2*ms', tau_syn_in: '2*ms', t_ref: '2*ms', E_L: '-70*mV', V_reset: '-70*mV', V_th: '-55*mV', I_e: '0*pA' },
  receptors: { excitatory: 'y_ex += w', inhibitory: 'y_in -= w' },
  parameters: {
    C_m: { doc: 'membrane capacitance', min: 0, min_exclusive: true },
    tau_m: { doc: 'membrane time constant', min: 0, min_exclusive: true },
    tau_syn_ex: { doc: 'rise time of the excitatory alpha current', min: 0, min_exclusive: true },
    tau_syn_in: { doc: 'rise time of the inhibitory alpha current', min: 0, min_exclusive: true },
    t_ref: { doc: 'absolute refractory period', min: 0 },
    E_L: { doc: 'resting potential' }, V_reset: { doc: 'reset potential' }, V_th: { doc: 'spike threshold' },
    I_e: { doc: 'constant external current (DC, stimulus and trial currents add to it)' },
    V_m: { doc: 'membrane potential' }, I_syn_ex: { doc: 'excitatory synaptic current' }, I_syn_in: { doc: 'inhibitory synaptic current (negative)' },
    y_ex: { doc: 'first stage of the excitatory alpha current' }, y_in: { doc: 'first stage of the inhibitory alpha current' },
  },
};

export const iafCondAlpha: BuiltinModel = {
  name: 'iaf_cond_alpha',
  nest: 'iaf_cond_alpha',
  nestDefaults: { V_m: -70 },
  also: ['IF_cond_alpha'],
  summary: 'Conductance-based leaky integrate-and-fire with alpha-shaped conductances (NEST iaf_cond_alpha).',
  doc: `Conductance-based leaky integrate-and-fire with alpha-shaped conductances g(t) = w·(e/τ)·t·e^{−t/τ} (peak w), exponential Euler (NEST iaf_cond_alpha's parameter names and defaults; NEST integrates with an adaptive RK45). ${NEST_ORDER_NOTE}`,
  equations: [
    'dV_m/dt = (g_L*(E_L - V_m) + g_ex*(E_ex - V_m) + g_in*(E_in - V_m) + I_e)/C_m : volt (unless refractory)',
    'dg_ex/dt = (exp(1)*h_ex - g_ex)/tau_syn_ex : siemens',
    'dh_ex/dt = -h_ex/tau_syn_ex : siemens',
    'dg_in/dt = (exp(1)*h_in - g_in)/tau_syn_in : siemens',
    'dh_in/dt = -h_in/tau_syn_in : siemens',
  ].join('\n'),
  threshold: 'V_m >= V_th', reset: 'V_m = V_reset', refractory: 't_ref', schedule: 'nest', initial: { V_m: 'E_L' }, current: 'I_e',
  constraints: RESET_BELOW,
  method: 'exponential_euler',
  namespace: {
    V_th: '-55*mV', V_reset: '-60*mV', t_ref: '2*ms', g_L: '16.6667*nS', C_m: '250*pF', E_ex: '0*mV', E_in: '-85*mV', E_L: '-70*mV',
    tau_syn_ex: '0.2*ms', tau_syn_in: '2*ms', I_e: '0*pA',
  },
  receptors: { excitatory: 'h_ex += w', inhibitory: 'h_in += w' },
  parameters: {
    g_L: { doc: 'leak conductance', min: 0, min_exclusive: true }, C_m: { doc: 'membrane capacitance', min: 0, min_exclusive: true },
    E_ex: { doc: 'excitatory reversal potential' }, E_in: { doc: 'inhibitory reversal potential' }, E_L: { doc: 'leak reversal potential' },
    tau_syn_ex: { doc: 'rise time of the excitatory alpha conductance', min: 0, min_exclusive: true },
    tau_syn_in: { doc: 'rise time of the inhibitory alpha conductance', min: 0, min_exclusive: true },
    t_ref: { doc: 'absolute refractory period', min: 0 }, V_reset: { doc: 'reset potential' }, V_th: { doc: 'spike threshold' },
    I_e: { doc: 'constant external current (DC, stimulus and trial currents add to it)' },
    V_m: { doc: 'membrane potential' }, g_ex: { doc: 'excitatory conductance' }, g_in: { doc: 'inhibitory conductance' },
  },
};
