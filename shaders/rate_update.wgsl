// Rate unit: x relaxes exactly towards its input with decay exp(−dt/τ); white noise enters
// x with its exact one-step variance, or an OU process enters the input; r = φ(x).

struct ModelParams {
  decay: f32, transfer: f32, gain: f32, threshold: f32, exponent: f32,
  white_noise_step_std: f32, noise_decay: f32, noise_step_std: f32,
  // Poisson spikes at r·spike_rate_hz: expected spikes per step per unit output (0: none).
  spike_scale: f32,
}


fn model_update(flat: u32, n: u32, b: u32, step: u32, input: vec2<f32>) -> f32 {
  var x = state_get(STATE_x, flat);
  var drive = input.x;
  if (model.noise_step_std > 0.0 || model.white_noise_step_std > 0.0) {
    // One draw gives two normals: the OU input noise and the white noise on x.
    let z = rng_normal2(pop.seed, pop.noise_stream, n, step, rng_trial(b), 0u);
    if (model.noise_step_std > 0.0) {
      let eta = state_get(STATE_noise, flat) * model.noise_decay + model.noise_step_std * z.x;
      state_set(STATE_noise, flat, eta);
      drive += eta;
    }
    x = drive + (x - drive) * model.decay + model.white_noise_step_std * z.y;
  } else {
    x = drive + (x - drive) * model.decay;
  }
  let r = transfer(x);
  state_set(STATE_x, flat, x);
  state_set(STATE_r, flat, r);
  return r;
}
