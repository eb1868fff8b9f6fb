// Spike emission shared by the update templates: append to the spike list of this step
// (list step mod spike_lists of the population) and count the spike in the population's
// recording window, if any.

const NOT_RECORDED: u32 = 0xffffffffu;

fn emit_spike(flat: u32, n: u32, b: u32, step: u32) {
  let list_base = pop.spike_base + (step % pop.spike_lists) * pop.spike_block_words;
  let k = atomicAdd(&spikes[list_base], 1u);
  atomicAdd(&spikes[list_base + 1u + b], 1u);
  atomicStore(&spikes[list_base + 1u + pop.batch + k], flat);

  if (pop.counts_enabled != 0u && step >= pop.counts_start_step) {
    let window = (step - pop.counts_start_step) / pop.counts_window_steps;
    let rec = tables[pop.count_map_base + n];
    if (rec != NOT_RECORDED && window >= pop.counts_first_window && window - pop.counts_first_window < pop.counts_n_windows) {
      let w = window - pop.counts_first_window;
      // Each thread owns its (neuron, trial) entry: no atomics needed.
      window_counts[pop.window_base + (w * pop.counts_n_rec + rec) * pop.batch + b] += 1u;
    }
  }
}
