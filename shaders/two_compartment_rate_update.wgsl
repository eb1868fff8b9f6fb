// Two-compartment rate unit: the apical compartment relaxes towards its input plus the
// back-propagated somatic potential, its calcium plateau (a sigmoid of v_a) multiplies the
// somatic gain, the soma relaxes towards basal input plus the coupled apical potential.
// Calcium-indicator readouts filter the rate (soma) and rate plus apical potential (dendrite).

struct ModelParams {
  decay_soma: f32, decay_apical: f32, coupling: f32, backprop: f32,
  plateau_threshold: f32, plateau_slope: f32, plateau_gain: f32,
  transfer: f32, gain: f32, threshold: f32, exponent: f32,
  white_noise_step_std: f32, calcium_decay: f32, calcium_backprop: f32, readout_noise: f32,
  spike_scale: f32,
}


// input.x: basal/somatic input, input.y: apical input.
fn model_update(flat: u32, n: u32, b: u32, step: u32, input: vec2<f32>) -> f32 {
  let v_soma_old = state_get(STATE_v_soma, flat);
  let apical_drive = input.y + model.backprop * v_soma_old;
  let v_apical = apical_drive + (state_get(STATE_v_apical, flat) - apical_drive) * model.decay_apical;
  let plateau = 1.0 / (1.0 + exp(-(v_apical - model.plateau_threshold) / model.plateau_slope));
  let soma_drive = input.x + model.coupling * v_apical;
  var v_soma = soma_drive + (v_soma_old - soma_drive) * model.decay_soma;
  var readout = vec2<f32>(0.0);
  if (model.white_noise_step_std > 0.0 || model.readout_noise > 0.0) {
    let z = rng_normal2(pop.seed, pop.noise_stream, n, step, rng_trial(b), 0u);
    v_soma += model.white_noise_step_std * z.x;
    // Draw 2 (draw 1 is the Poisson spike): the two readout noises.
    readout = model.readout_noise * rng_normal2(pop.seed, pop.noise_stream, n, step, rng_trial(b), 2u);
  }
  let r = transfer(v_soma) * (1.0 + model.plateau_gain * plateau);
  let ca_soma = state_get(STATE_ca_soma, flat) * model.calcium_decay + (1.0 - model.calcium_decay) * r;
  let ca_apical = state_get(STATE_ca_apical, flat) * model.calcium_decay
    + (1.0 - model.calcium_decay) * (model.calcium_backprop * r + v_apical);
  state_set(STATE_v_soma, flat, v_soma);
  state_set(STATE_v_apical, flat, v_apical);
  state_set(STATE_r, flat, r);
  state_set(STATE_plateau, flat, plateau);
  state_set(STATE_ca_soma, flat, ca_soma);
  state_set(STATE_ca_apical, flat, ca_apical);
  state_set(STATE_dff_soma, flat, ca_soma + readout.x);
  state_set(STATE_dff_apical, flat, ca_apical + readout.y);
  return r;
}
