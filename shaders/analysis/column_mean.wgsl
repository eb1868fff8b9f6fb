// Mean of each column (neuron) of a dense sample block X[sample][neuron]: one thread per
// neuron, summing in sample order (deterministic).

struct MeanInfo {
  n_samples: u32,
  n_neurons: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> info: MeanInfo;
@group(0) @binding(1) var<storage, read> samples: array<f32>;
@group(0) @binding(2) var<storage, read_write> block_mean: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= info.n_neurons) { return; }
  var sum = 0.0;
  for (var t = 0u; t < info.n_samples; t++) {
    sum += samples[t * info.n_neurons + i];
  }
  block_mean[i] = sum / f32(max(info.n_samples, 1u));
}
