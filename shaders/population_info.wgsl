// Per-population uniform shared by the neuron update kernels (filled by name through
// reflection, src/gpu/layout.ts).
struct PopInfo {
  size: u32,
  batch: u32,
  seed: u32,
  pop_index: u32,
  // Ring-buffer slots of incoming spikes (spiking) or rate-history slots (rate units).
  ring_slots: u32,
  n_inputs: u32,
  noise_stream: u32,
  orientation_random: u32,
  orientation_stream: u32,
  // u32 words of one parity block of the spike buffer: 1 + batch + size·batch.
  spike_block_words: u32,
  counts_enabled: u32,
  counts_start_step: u32,
  counts_window_steps: u32,
  counts_first_window: u32,
  counts_n_windows: u32,
  counts_n_rec: u32,
  // Global index of trial 0 of this batch (trial blocks): random streams are keyed by it.
  trial_offset: u32,
  _pad1: u32,
  // 1 / fixed-point scale of spike input channels 0…3.
  inv_scale: vec4<f32>,
}

// Trial number used as the RNG key: the global trial, so each block of trials draws fresh noise.
fn rng_trial(b: u32) -> u32 {
  return b + pop.trial_offset;
}

fn state_get(variable: u32, flat: u32) -> f32 {
  return state[variable * pop.size * pop.batch + flat];
}

fn state_set(variable: u32, flat: u32, value: f32) {
  state[variable * pop.size * pop.batch + flat] = value;
}

// Record the first non-finite state value (population, neuron·batch index, step, variable).
fn report_non_finite(flat: u32, step: u32, variable: u32) {
  loop {
    let r = atomicCompareExchangeWeak(&status[0], 0u, 1u);
    if (r.exchanged) {
      atomicStore(&status[1], pop.pop_index);
      atomicStore(&status[2], flat);
      atomicStore(&status[3], step);
      atomicStore(&status[4], variable);
      return;
    }
    if (r.old_value != 0u) { return; }
  }
}

fn check_state_finite(flat: u32, step: u32) {
  for (var v = 0u; v < N_STATE; v++) {
    if (is_non_finite(state[v * pop.size * pop.batch + flat])) {
      report_non_finite(flat, step, v);
      return;
    }
  }
}
