// Reward-modulated node-perturbation rule (Legenstein, Chase, Schwartz & Maass 2010) on a
// dense target-major matrix W[i][j] (targets × sources):
//   ΔW_ij = η · Σ_b (R_b − R̄) · (r_ib − r̄_i) · x_jb / B,  then W clipped to [w_min, w_max].
// R_b is one scalar reward per trial, R̄ its baseline, r̄_i the mean rate of target i; rates
// and inputs are batch-minor ([neuron·B + b]). One thread per synapse, trials summed in order.

struct NodePerturbationRule {
  targets: u32,
  sources: u32,
  batch: u32,
  learning_rate: f32,
  w_min: f32,
  w_max: f32,
  reward_baseline: f32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> rule: NodePerturbationRule;
@group(0) @binding(1) var<storage, read_write> weights: array<f32>;
@group(0) @binding(2) var<storage, read> reward: array<f32>;
@group(0) @binding(3) var<storage, read> rate: array<f32>;
@group(0) @binding(4) var<storage, read> mean_rate: array<f32>;
@group(0) @binding(5) var<storage, read> input: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let synapse = flat_index(gid, nwg);
  if (synapse >= rule.targets * rule.sources) { return; }
  let pair = synapse_pair(synapse);
  let i = pair.x;
  let j = pair.y;
  let r_mean = mean_rate[i];
  var sum = 0.0;
  for (var b = 0u; b < rule.batch; b++) {
    let advantage = reward[b] - rule.reward_baseline;
    sum += advantage * (rate[i * rule.batch + b] - r_mean) * input[j * rule.batch + b];
  }
  apply_batch_sum(synapse, sum, rule.learning_rate);
}
