// Two-compartment LIF: somatic LIF with exponential basal currents (NEST iaf_psc_exp order)
// plus a passive apical compartment with its own exponential synaptic current (channel 2),
// coupled by a conductance. A calcium plateau (sigmoid of the apical potential) injects a
// depolarising current into the soma. Coupling and plateau currents are held over the step.

struct ModelParams {
  p22: f32, p20: f32, p11_ex: f32, p11_in: f32, p21_ex: f32, p21_in: f32,
  e_l: f32, v_th: f32, v_reset: f32, i_e: f32, refractory_steps: f32,
  decay_apical: f32, apical_resistance: f32, p11_apical: f32, coupling: f32,
  plateau_threshold: f32, plateau_slope: f32, plateau_current: f32,
  calcium_decay: f32, calcium_spike_jump: f32, calcium_apical_per_mv: f32, readout_noise: f32,
}

fn model_update(flat: u32, n: u32, b: u32, step: u32, syn: vec4<f32>, current: f32, apical_current: f32) -> bool {
  var v = state_get(STATE_v_mV, flat);
  var v_apical = state_get(STATE_v_apical_mV, flat);
  var i_ex = state_get(STATE_i_syn_ex_pA, flat);
  var i_in = state_get(STATE_i_syn_in_pA, flat);
  var i_apical = state_get(STATE_i_apical_pA, flat);
  var refractory = state_get(STATE_refractory_steps, flat);
  let plateau = 1.0 / (1.0 + exp(-(v_apical - model.plateau_threshold) / model.plateau_slope));
  let coupling_current = model.coupling * (v_apical - v);
  let v_before = v;
  if (refractory > 0.0) {
    refractory -= 1.0;
  } else {
    v = model.e_l + (v - model.e_l) * model.p22 + i_ex * model.p21_ex + i_in * model.p21_in
      + (model.i_e + current + coupling_current + model.plateau_current * plateau) * model.p20;
  }
  let apical_drive = model.e_l + model.apical_resistance * (i_apical + apical_current + model.coupling * (v_before - v_apical));
  v_apical = apical_drive + (v_apical - apical_drive) * model.decay_apical;
  i_ex = i_ex * model.p11_ex + syn.x;
  i_in = i_in * model.p11_in - syn.y;
  i_apical = i_apical * model.p11_apical + syn.z;
  let spiked = lif_fire(&v, &refractory, model.v_th, model.v_reset, model.refractory_steps);
  let jump = select(0.0, model.calcium_spike_jump, spiked);
  let ca_soma = state_get(STATE_ca_soma, flat) * model.calcium_decay + jump;
  let ca_apical = state_get(STATE_ca_apical, flat) * model.calcium_decay
    + (1.0 - model.calcium_decay) * model.calcium_apical_per_mv * (v_apical - model.e_l) + 0.5 * jump;
  var readout = vec2<f32>(0.0);
  if (model.readout_noise > 0.0) {
    readout = model.readout_noise * rng_normal2(pop.seed, pop.noise_stream, n, step, rng_trial(b), 2u);
  }
  state_set(STATE_v_mV, flat, v);
  state_set(STATE_v_apical_mV, flat, v_apical);
  state_set(STATE_i_syn_ex_pA, flat, i_ex);
  state_set(STATE_i_syn_in_pA, flat, i_in);
  state_set(STATE_i_apical_pA, flat, i_apical);
  state_set(STATE_refractory_steps, flat, refractory);
  state_set(STATE_plateau, flat, plateau);
  state_set(STATE_ca_soma, flat, ca_soma);
  state_set(STATE_ca_apical, flat, ca_apical);
  state_set(STATE_dff_soma, flat, ca_soma + readout.x);
  state_set(STATE_dff_apical, flat, ca_apical + readout.y);
  return spiked;
}
