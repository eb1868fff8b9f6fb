// Conductance-based LIF (COBA). With the conductances of the step held constant the
// membrane equation is linear, so it is advanced exactly towards its momentary fixed point
// (exponential Euler); conductances then decay exactly and take this step's input.

struct ModelParams {
  dt: f32, c_m: f32, g_l: f32, e_l: f32, e_ex: f32, e_in: f32, v_th: f32, v_reset: f32,
  i_e: f32, decay_ex: f32, decay_in: f32, refractory_steps: f32,
}

fn model_update(flat: u32, n: u32, b: u32, step: u32, syn: vec4<f32>, current: f32, apical_current: f32) -> bool {
  var v = state_get(STATE_v_mV, flat);
  var g_ex = state_get(STATE_g_ex_nS, flat);
  var g_in = state_get(STATE_g_in_nS, flat);
  var refractory = state_get(STATE_refractory_steps, flat);
  if (refractory > 0.0) {
    refractory -= 1.0;
  } else {
    let g_total = model.g_l + g_ex + g_in;
    let v_inf = (model.g_l * model.e_l + g_ex * model.e_ex + g_in * model.e_in + model.i_e + current) / g_total;
    v = v_inf + (v - v_inf) * exp(-model.dt * g_total / model.c_m);
  }
  g_ex = g_ex * model.decay_ex + syn.x;
  g_in = g_in * model.decay_in + syn.y;
  let spiked = lif_fire(&v, &refractory, model.v_th, model.v_reset, model.refractory_steps);
  state_set(STATE_v_mV, flat, v);
  state_set(STATE_g_ex_nS, flat, g_ex);
  state_set(STATE_g_in_nS, flat, g_in);
  state_set(STATE_refractory_steps, flat, refractory);
  return spiked;
}
