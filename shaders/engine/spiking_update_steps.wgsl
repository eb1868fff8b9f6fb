// The steps of one spiking neuron, shared by the update kernel (engine/spiking_neuron_update.wgsl)
// and the persistent kernel (engine/step_persistent.wgsl): per step, read and clear the step's
// ring-buffer slot, add external input, run the model's update (model_update from its snippet),
// emit spikes into the step's list and count them in recording windows. The population (`pop`,
// `model`) is selected by the caller; the state stays in registers across the steps.
// Layouts (batch-minor, flat = neuron·batch + trial), per population from its *_base:
//   state[var][flat]   syn_ring[channel][slot][flat] (fixed point, N_CHANNELS channels)
//   spikes: spike_lists lists of [total, per-trial counts[batch], list[size·batch]]

fn integrate_neuron(flat: u32, first_step: u32, steps: u32) {
  let total = pop.size * pop.batch;
  let n = flat / pop.batch;
  let b = flat % pop.batch;
  load_state(flat);
  for (var i = 0u; i < steps; i++) {
    let step = first_step + i;
    var syn = vec4<f32>(0.0);
    let slot = step % pop.ring_slots;
    for (var channel = 0u; channel < N_CHANNELS; channel++) {
      let index = pop.input_base + (channel * pop.ring_slots + slot) * total + flat;
      syn[channel] = f32(atomicLoad(&syn_ring[index])) * pop.inv_scale[channel];
      atomicStore(&syn_ring[index], 0);
    }
    let ext = external_input(n, b, step);
    let spiked = model_update(flat, n, b, step, syn + ext.syn, ext.current, ext.apical_current);
    check_state_finite(flat, step);
    if (spiked) { emit_spike(flat, n, b, step); }
  }
  store_state(flat);
}
