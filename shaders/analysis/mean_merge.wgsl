// Running mean update after a block was merged into the co-moment (must run after
// covariance_accumulate, which needs the old mean): mean += (mean_b − mean)·nb/(na + nb).

struct MergeInfo {
  n_neurons: u32,
  _pad0: u32,
  prior_count: f32,
  block_count: f32,
}

@group(0) @binding(0) var<uniform> info: MergeInfo;
@group(0) @binding(1) var<storage, read> block_mean: array<f32>;
@group(0) @binding(2) var<storage, read_write> running_mean: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= info.n_neurons) { return; }
  let total = info.prior_count + info.block_count;
  running_mean[i] = running_mean[i] + (block_mean[i] - running_mean[i]) * (info.block_count / total);
}
