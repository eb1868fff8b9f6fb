// Mean output of a rate population per trial for this step: one workgroup per trial, a
// strided sum per thread and a tree reduction in workgroup memory (fixed order, so the
// result is deterministic).

struct MeanInfo {
  size: u32,
  batch: u32,
  history_slots: u32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> info: MeanInfo;
@group(0) @binding(2) var<storage, read> rate_history: array<f32>;
@group(0) @binding(3) var<storage, read_write> record: array<f32>;

var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x;
  let base = (clock.step % info.history_slots) * info.size * info.batch;
  var sum = 0.0;
  for (var n = lid; n < info.size; n += WORKGROUP_SIZE) {
    sum += rate_history[base + n * info.batch + b];
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    record[clock.step_in_chunk * info.batch + b] = partial[0] / f32(info.size);
  }
}
