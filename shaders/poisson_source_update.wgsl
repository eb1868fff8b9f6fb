// Poisson spike source: one Bernoulli draw per neuron, trial and step. DC and stimulus input
// add to the rate (Hz), which makes tuned, stimulus-driven Poisson populations.

struct ModelParams {
  rate_hz: f32,
  dt_s: f32,
  // 1 − exp(−rate·dt) of the baseline rate, exact from the host (used when no input is present).
  spike_probability: f32,
}

fn model_update(flat: u32, n: u32, b: u32, step: u32, syn: vec4<f32>, current: f32, apical_current: f32) -> bool {
  var p = model.spike_probability;
  if (current != 0.0) {
    p = 1.0 - exp(-max(model.rate_hz + current, 0.0) * model.dt_s);
  }
  return rng_bernoulli(p, pop.seed, pop.noise_stream, n, step, rng_trial(b), 0u);
}
