// Dendrite-gated basal plasticity (Urbanczik & Senn 2014; Sacramento et al. 2018) on a dense
// target-major matrix W[i][j] (targets × sources):
//   ΔW_ij = η · Σ_b apical[i,b] · gain[i,b] · pre_trace[j,b] / B,  then W clipped to [w_min, w_max].
// Activity is batch-minor ([neuron·B + b]). One thread per synapse sums its trials in order
// (no atomics), so the result does not depend on the dispatch layout.

struct DendriticGatedRule {
  targets: u32,
  sources: u32,
  batch: u32,
  learning_rate: f32,
  w_min: f32,
  w_max: f32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> rule: DendriticGatedRule;
@group(0) @binding(1) var<storage, read_write> weights: array<f32>;
@group(0) @binding(2) var<storage, read> apical: array<f32>;
@group(0) @binding(3) var<storage, read> gain: array<f32>;
@group(0) @binding(4) var<storage, read> pre_trace: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let synapse = flat_index(gid, nwg);
  if (synapse >= rule.targets * rule.sources) { return; }
  let pair = synapse_pair(synapse);
  let i = pair.x;
  let j = pair.y;
  var sum = 0.0;
  for (var b = 0u; b < rule.batch; b++) {
    let post = i * rule.batch + b;
    sum += apical[post] * gain[post] * pre_trace[j * rule.batch + b];
  }
  apply_batch_sum(synapse, sum, rule.learning_rate);
}
