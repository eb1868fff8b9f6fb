// The steps of one neuron of a spike-train source (model spike_source_array), in place of
// engine/spiking_update_steps.wgsl for the update kernel and the persistent kernel: the neuron's
// spikes are given, as steps sorted within each (trial, neuron) row of the population's table in
// `tables` (built by packSpikeTrainTable in src/gpu/populations.ts):
//   tables[train_base + row]                 offset of row row = trial·size + neuron (rows + 1 words)
//   tables[train_base + rows + 1 + k]        spike step k
// State variable 0 (`emitted`) is the neuron's cursor: the spikes of its row already passed.
// Each step emits every spike of that step (several spikes in one step are all emitted, so the
// step's list then holds the neuron several times). Trial b of this block is global trial
// b + trial_offset and takes row trial (b + trial_offset) mod train_trials.

fn integrate_neuron(flat: u32, first_step: u32, steps: u32) {
  let n = flat / pop.batch;
  let b = flat % pop.batch;
  load_state(flat);
  let rows = pop.train_trials * pop.size;
  let row = ((b + pop.trial_offset) % pop.train_trials) * pop.size + n;
  let begin = tables[pop.train_base + row];
  let end = tables[pop.train_base + row + 1u];
  let steps_base = pop.train_base + rows + 1u;
  var cursor = begin + u32(cell[STATE_emitted]);
  for (var i = 0u; i < steps; i++) {
    let step = first_step + i;
    loop {
      if (cursor >= end) { break; }
      let s = tables[steps_base + cursor];
      if (s > step) { break; }
      // Spikes before this step (none when the cursor keeps up) are passed over.
      if (s == step) { emit_spike(flat, n, b, step); }
      cursor += 1u;
    }
  }
  cell[STATE_emitted] = f32(cursor - begin);
  store_state(flat);
}
