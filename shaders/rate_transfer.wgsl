// Transfer function φ and Poisson spiking shared by the rate-unit snippets (ModelParams must
// have transfer, gain, threshold, exponent and spike_scale).

fn transfer(x: f32) -> f32 {
  let u = x - model.threshold;
  if (model.transfer == 0.0) { return model.gain * u; }
  let positive = max(u, 0.0);
  if (model.transfer == 1.0) { return model.gain * positive; }
  return model.gain * pow(positive, model.exponent);
}

// Poisson spikes at r·spike_rate_hz: probability of a spike this step (0 when spiking is off).
fn model_spike_probability(r: f32) -> f32 {
  if (model.spike_scale <= 0.0) { return 0.0; }
  return 1.0 - exp(-max(r, 0.0) * model.spike_scale);
}
