// Shared by the weight-update kernels: one thread per synapse of a dense target-major matrix
// W[i][j] (targets × sources); every rule's uniform has targets, sources, batch, w_min, w_max.

// Target i and source j of a synapse index (callers check synapse < targets·sources first).
fn synapse_pair(synapse: u32) -> vec2<u32> {
  let i = synapse / rule.sources;
  return vec2<u32>(i, synapse - i * rule.sources);
}

// Add the mean change over the batch and clip, also when it is 0, so weights always stay
// inside the bounds after an update.
fn apply_batch_sum(synapse: u32, sum_over_batch: f32, learning_rate: f32) {
  let dw = learning_rate * (sum_over_batch / f32(rule.batch));
  weights[synapse] = clamp(weights[synapse] + dw, rule.w_min, rule.w_max);
}
