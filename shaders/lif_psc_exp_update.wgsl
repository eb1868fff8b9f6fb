// LIF with exponential synaptic currents, exact integration in NEST iaf_psc_exp order:
// membrane first (with the currents of the previous step), then current decay plus this
// step's input, then threshold. Inhibitory current is kept negative.

struct ModelParams {
  p22: f32, p20: f32, p11_ex: f32, p11_in: f32, p21_ex: f32, p21_in: f32,
  e_l: f32, v_th: f32, v_reset: f32, i_e: f32, refractory_steps: f32,
}

fn model_update(flat: u32, n: u32, b: u32, step: u32, syn: vec4<f32>, current: f32, apical_current: f32) -> bool {
  var v = state_get(STATE_v_mV, flat);
  var i_ex = state_get(STATE_i_syn_ex_pA, flat);
  var i_in = state_get(STATE_i_syn_in_pA, flat);
  var refractory = state_get(STATE_refractory_steps, flat);
  if (refractory > 0.0) {
    refractory -= 1.0;
  } else {
    v = model.e_l + (v - model.e_l) * model.p22 + i_ex * model.p21_ex + i_in * model.p21_in
      + (model.i_e + current) * model.p20;
  }
  i_ex = i_ex * model.p11_ex + syn.x;
  i_in = i_in * model.p11_in - syn.y;
  let spiked = lif_fire(&v, &refractory, model.v_th, model.v_reset, model.refractory_steps);
  state_set(STATE_v_mV, flat, v);
  state_set(STATE_i_syn_ex_pA, flat, i_ex);
  state_set(STATE_i_syn_in_pA, flat, i_in);
  state_set(STATE_refractory_steps, flat, refractory);
  return spiked;
}
