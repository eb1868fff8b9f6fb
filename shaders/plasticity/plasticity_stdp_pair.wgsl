// Pair-based STDP with exponential traces (all-to-all pairing: traces add 1 per spike), one
// call per simulation step, on a dense target-major matrix W[i][j] (targets × sources):
//   ΔW_ij = Σ_b ( A+ · post_ib · x_jb − A− · pre_jb · y_ib ) / B,  then W clipped.
// x (pre) and y (post) hold their values after the previous step; here they are decayed by one
// step (x·e^{−dt/τ+}, y·e^{−dt/τ−}) to their value at this step's spikes, before this step's
// jumps. A pre spike n steps before a post spike therefore gives exactly A+·e^{−n·dt/τ+}, and
// spikes of the same step do not pair. The traces themselves are advanced afterwards by
// plasticity_stdp_trace_update. One thread per synapse sums its trials in order (no atomics).

struct StdpPairRule {
  targets: u32,
  sources: u32,
  batch: u32,
  a_plus: f32,
  a_minus: f32,
  // e^{−dt/τ+} and e^{−dt/τ−}, computed on the host in float64.
  decay_plus: f32,
  decay_minus: f32,
  w_min: f32,
  w_max: f32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> rule: StdpPairRule;
@group(0) @binding(1) var<storage, read_write> weights: array<f32>;
@group(0) @binding(2) var<storage, read> pre_spikes: array<u32>;
@group(0) @binding(3) var<storage, read> post_spikes: array<u32>;
@group(0) @binding(4) var<storage, read> pre_trace: array<f32>;
@group(0) @binding(5) var<storage, read> post_trace: array<f32>;

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
    let pre = j * rule.batch + b;
    if (post_spikes[post] != 0u) { sum += rule.a_plus * (pre_trace[pre] * rule.decay_plus); }
    if (pre_spikes[pre] != 0u) { sum -= rule.a_minus * (post_trace[post] * rule.decay_minus); }
  }
  // The amplitudes A± are inside the sum: learning rate 1.
  apply_batch_sum(synapse, sum, 1.0);
}
