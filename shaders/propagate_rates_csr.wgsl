// Rate projection, sparse: each (target, trial) gathers w·r(t − delay) over its incoming
// CSR row and adds the sum to the target's input (zeroed by the target's update). One
// thread per output keeps the summation order fixed, hence deterministic.

struct RateProjectionInfo {
  // This chunk covers targets [target_begin, target_begin + target_count); its row_ptr starts at 0.
  target_begin: u32,
  target_count: u32,
  batch: u32,
  source_size: u32,
  history_slots: u32,
  constant_delay: u32,
  has_delays: u32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> proj: RateProjectionInfo;
@group(0) @binding(2) var<storage, read> row_ptr: array<u32>;
@group(0) @binding(3) var<storage, read> sources: array<u32>;
@group(0) @binding(4) var<storage, read> weights: array<f32>;
@group(0) @binding(5) var<storage, read> delays: array<u32>;
@group(0) @binding(6) var<storage, read> source_history: array<f32>;
@group(0) @binding(7) var<storage, read_write> target_input: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let flat = flat_index(gid, nwg);
  if (flat >= proj.target_count * proj.batch) { return; }
  let row = flat / proj.batch;
  let b = flat % proj.batch;
  let source_total = proj.source_size * proj.batch;
  let step = clock.step + proj.history_slots;
  var acc = 0.0;
  for (var k = row_ptr[row]; k < row_ptr[row + 1u]; k++) {
    var delay = proj.constant_delay;
    if (proj.has_delays != 0u) { delay = delays[k]; }
    let slot = (step - delay) % proj.history_slots;
    acc += weights[k] * source_history[slot * source_total + sources[k] * proj.batch + b];
  }
  target_input[proj.target_begin * proj.batch + flat] += acc;
}
