/** Leaky integrate-and-fire with delta synapses (NEST iaf_psc_delta; Brunel 2000). */
import type { BuiltinModel } from './index.js';
import { NEST_ORDER_NOTE, LIF_MEMBRANE_NAMESPACE, LIF_MEMBRANE_PARAMETERS, LIF_NEST_ALIASES, LIF_SPIKING } from './lif.js';

export const lifPscDelta: BuiltinModel = {
  name: 'lif_psc_delta',
  nest: 'iaf_psc_delta',
  nestDefaults: { E_L: -70, V_th: -55, V_reset: -70, V_m: -70 },
  also: ['iaf_psc_delta'],
  summary: 'Leaky integrate-and-fire whose input spikes make the potential jump by the weight (NEST iaf_psc_delta, Brunel 2000).',
  doc: `Leaky integrate-and-fire whose input spikes make the potential jump by the weight (mV), integrated exactly (as NEST iaf_psc_delta, Brunel 2000). Input arriving while refractory is dropped. ${NEST_ORDER_NOTE}`,
  equations: 'dv_mV/dt = (e_l_mV - v_mV)/tau_m_ms + i_e_pA/c_m_pF : volt (unless refractory)',
  ...LIF_SPIKING,
  method: 'exact',
  namespace: LIF_MEMBRANE_NAMESPACE,
  receptors: { excitatory: 'v_mV += w', inhibitory: 'v_mV -= w' },
  parameters: LIF_MEMBRANE_PARAMETERS,
  aliases: LIF_NEST_ALIASES,
};
