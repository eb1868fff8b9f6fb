// LIF with delta synapses (NEST iaf_psc_delta): exact decay, then the summed PSP jumps of
// this step (receptor channel 0 is signed). Input arriving while refractory is dropped.

struct ModelParams {
  p22: f32, p20: f32, e_l: f32, v_th: f32, v_reset: f32, i_e: f32, refractory_steps: f32,
}

fn model_update(flat: u32, n: u32, b: u32, step: u32, syn: vec4<f32>, current: f32, apical_current: f32) -> bool {
  var v = state_get(STATE_v_mV, flat);
  var refractory = state_get(STATE_refractory_steps, flat);
  if (refractory > 0.0) {
    refractory -= 1.0;
  } else {
    v = model.e_l + (v - model.e_l) * model.p22 + (model.i_e + current) * model.p20 + syn.x;
  }
  let spiked = lif_fire(&v, &refractory, model.v_th, model.v_reset, model.refractory_steps);
  state_set(STATE_v_mV, flat, v);
  state_set(STATE_refractory_steps, flat, refractory);
  return spiked;
}
