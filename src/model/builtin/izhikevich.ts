/** Izhikevich (2003) simple model (NEST izhikevich). */
import type { BuiltinModel } from './index.js';
import { NEST_ORDER_NOTE } from './lif.js';

export const izhikevich: BuiltinModel = {
  name: 'izhikevich',
  nest: 'izhikevich',
  nestDefaults: { U_m: 0 },
  also: ['Izhikevich'],
  summary: 'Izhikevich (2003) simple spiking model: quadratic membrane with a recovery variable (NEST izhikevich).',
  doc: `Izhikevich (2003): dV/dt = 0.04 V² + 5 V + 140 − U + I, dU/dt = a (b V − U) (V in mV, t in ms, I in pA read as mV/ms, as NEST izhikevich); spike at V ≥ V_th, then V = c, U += d. Fourth-order Runge–Kutta. Synaptic input makes V jump by the weight (mV). ${NEST_ORDER_NOTE}`,
  equations: [
    'dV_m/dt = (0.04*V_m**2/mV + 5*V_m + 140*mV - U_m + I_e*Gohm)/ms : volt',
    'dU_m/dt = a*(b*V_m - U_m)/ms : volt',
  ].join('\n'),
  threshold: 'V_m >= V_th',
  reset: 'V_m = c; U_m += d',
  initial: { V_m: '-65*mV', U_m: '-13*mV' },
  current: 'I_e',
  method: 'rk4',
  schedule: 'nest',
  namespace: { a: 0.02, b: 0.2, c: '-65*mV', d: '8*mV', V_th: '30*mV', I_e: '0*pA' },
  receptors: { excitatory: 'V_m += w', inhibitory: 'V_m -= w' },
  parameters: {
    a: { doc: 'time scale of the recovery variable (1/ms)' }, b: { doc: 'sensitivity of the recovery variable to V' },
    c: { doc: 'reset potential' }, d: { doc: 'recovery jump after a spike' }, V_th: { doc: 'spike cutoff' },
    I_e: { doc: 'constant input (pA, read as mV/ms as in NEST; DC, stimulus and trial currents add to it)' },
    V_m: { doc: 'membrane potential' }, U_m: { doc: 'recovery variable' },
  },
};
