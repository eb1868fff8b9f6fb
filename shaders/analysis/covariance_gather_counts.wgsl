// Gather one block of samples for a covariance: spike counts of chosen recorded neurons in
// sliding windows of `window_bins` consecutive bins, for the trials of one stimulus
// condition, summed and converted to a dense f32 matrix X[sample][neuron]. Nothing leaves
// the GPU. Counts layout (spiking update kernel): counts[bin][neuron][trial].

struct GatherInfo {
  n_samples: u32,
  // Neurons analysed (columns of X) and neurons of the recorder (stride of the counts).
  n_neurons: u32,
  n_recorded: u32,
  batch: u32,
  first_bin: u32,
  window_bins: u32,
  n_bins: u32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> info: GatherInfo;
@group(0) @binding(1) var<storage, read> counts: array<u32>;
@group(0) @binding(2) var<storage, read> trial_list: array<u32>;
@group(0) @binding(3) var<storage, read_write> samples: array<f32>;
// Position in the recorder's neuron list of each analysed neuron.
@group(0) @binding(4) var<storage, read> neuron_list: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = flat_index(gid, nwg);
  if (index >= info.n_samples * info.n_neurons) { return; }
  let t = index / info.n_neurons;
  let i = index % info.n_neurons;
  let trial = trial_list[t];
  let slot = neuron_list[i];
  var total = 0u;
  for (var q = 0u; q < info.window_bins; q++) {
    let bin = info.first_bin + q;
    if (bin < info.n_bins) { total += counts[(bin * info.n_recorded + slot) * info.batch + trial]; }
  }
  samples[index] = f32(total);
}
