// Advance STDP traces by one step after the weight update: trace ← trace·e^{−dt/τ} + spike
// (all-to-all pairing). One thread per (neuron, trial) entry, batch-minor like the spikes.

struct StdpTraceUpdate {
  count: u32,
  decay: f32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> trace_step: StdpTraceUpdate;
@group(0) @binding(1) var<storage, read> spikes: array<u32>;
@group(0) @binding(2) var<storage, read_write> trace: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = flat_index(gid, nwg);
  if (k >= trace_step.count) { return; }
  trace[k] = trace[k] * trace_step.decay + select(0.0, 1.0, spikes[k] != 0u);
}
