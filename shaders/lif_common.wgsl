// Threshold, reset and refractoriness shared by the LIF model snippets.

// Returns true (and resets) when v reached threshold.
fn lif_fire(v: ptr<function, f32>, refractory: ptr<function, f32>, v_th: f32, v_reset: f32, refractory_steps: f32) -> bool {
  if (*v < v_th) { return false; }
  *v = v_reset;
  *refractory = refractory_steps;
  return true;
}
