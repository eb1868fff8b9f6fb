// Update of the spiking populations of one merged group for clock.steps steps: per step, read
// and clear the step's ring-buffer slot, add external input, run the model's update
// (model_update from its snippet), emit spikes into the step's list and count them in
// recording windows. Several steps per dispatch are exact when they do not exceed the
// minimum synaptic delay: no spike emitted inside the block arrives inside it.
// Layouts (batch-minor, flat = neuron·batch + trial), per population from its *_base:
//   state[var][flat]   syn_ring[channel][slot][flat] (fixed point, N_CHANNELS channels)
//   spikes: spike_lists lists of [total, per-trial counts[batch], list[size·batch]]

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> pops: array<PopInfo, N_MEMBERS>;
@group(0) @binding(2) var<storage, read> models: array<ModelParams>;
@group(0) @binding(3) var<storage, read_write> state: array<f32>;
@group(0) @binding(4) var<storage, read_write> syn_ring: array<i32>;
@group(0) @binding(5) var<storage, read> tables: array<u32>;
@group(0) @binding(6) var<storage, read_write> spikes: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> window_counts: array<u32>;
@group(0) @binding(8) var<storage, read_write> status: array<atomic<u32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let thread = flat_index(gid, nwg);
  if (!select_population(wid, nwg, thread)) { return; }
  let flat = thread - pop.thread_begin;
  let total = pop.size * pop.batch;
  let n = flat / pop.batch;
  let b = flat % pop.batch;

  load_state(flat);
  for (var i = 0u; i < clock.steps; i++) {
    let step = clock.step + i;
    var syn = vec4<f32>(0.0);
    let slot = step % pop.ring_slots;
    for (var channel = 0u; channel < N_CHANNELS; channel++) {
      let index = pop.input_base + (channel * pop.ring_slots + slot) * total + flat;
      syn[channel] = f32(syn_ring[index]) * pop.inv_scale[channel];
      syn_ring[index] = 0;
    }
    let ext = external_input(n, b, step);
    let spiked = model_update(flat, n, b, step, syn + ext.syn, ext.current, ext.apical_current);
    check_state_finite(flat, step);
    if (spiked) { emit_spike(flat, n, b, step); }
  }
  store_state(flat);
}
