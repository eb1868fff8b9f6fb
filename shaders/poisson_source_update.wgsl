// Poisson spike source: one Bernoulli draw per neuron, trial and step.

struct ModelParams {
  spike_probability: f32,
}

fn model_update(flat: u32, n: u32, b: u32, step: u32, syn: vec2<f32>, current: f32) -> bool {
  return rng_bernoulli(model.spike_probability, pop.seed, pop.noise_stream, n, step, rng_trial(b), 0u);
}
