// Threshold, reset and refractoriness shared by the LIF model snippets.

// Returns true (and resets) when v reached threshold. The snippets then hold v at v_reset for
// refractory_steps = round(t_ref/dt) whole steps after this one (as NEST): shortest ISI t_ref + dt,
// and under constant drive the ISI is t_ref plus the time to threshold rounded up to the grid.
fn lif_fire(v: ptr<function, f32>, refractory: ptr<function, f32>, v_th: f32, v_reset: f32, refractory_steps: f32) -> bool {
  if (*v < v_th) { return false; }
  *v = v_reset;
  *refractory = refractory_steps;
  return true;
}
