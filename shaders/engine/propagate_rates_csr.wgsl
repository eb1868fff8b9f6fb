// Rate projection, sparse: each target gathers w·r(t − delay) over its incoming CSR row and
// adds the sum to its input (zeroed by the target's update). A thread owns one target and a
// block of BATCH_BLOCK trials (a generated constant): index and weight are loaded once per
// synapse and reused across the block, and the block's history values are contiguous
// (batch-minor layout). One thread per output keeps the summation order fixed.

struct RateProjectionInfo {
  // This chunk covers targets [target_begin, target_begin + target_count); its row_ptr starts at 0.
  target_begin: u32,
  target_count: u32,
  batch: u32,
  source_size: u32,
  history_slots: u32,
  constant_delay: u32,
  has_delays: u32,
  // Offset of the target's input plane (channel · size · batch: soma or apical).
  target_offset: u32,
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
  let blocks = (proj.batch + BATCH_BLOCK - 1u) / BATCH_BLOCK;
  let thread = flat_index(gid, nwg);
  if (thread >= proj.target_count * blocks) { return; }
  let row = thread / blocks;
  let b0 = (thread % blocks) * BATCH_BLOCK;
  let source_total = proj.source_size * proj.batch;
  // Integer division is slow on many GPUs (and scalarised on CPU adapters): take the
  // modulo once and wrap delays with a compare.
  let now = clock.step % proj.history_slots;
  var acc: array<f32, BATCH_BLOCK>;
  for (var k = row_ptr[row]; k < row_ptr[row + 1u]; k++) {
    var delay = proj.constant_delay;
    if (proj.has_delays != 0u) { delay = delays[k]; }
    let slot = select(now - delay, now + proj.history_slots - delay, now < delay);
    let base = slot * source_total + sources[k] * proj.batch + b0;
    let w = weights[k];
    for (var j = 0u; j < BATCH_BLOCK; j++) {
      if (b0 + j < proj.batch) { acc[j] += w * source_history[base + j]; }
    }
  }
  let out = proj.target_offset + (proj.target_begin + row) * proj.batch + b0;
  for (var j = 0u; j < BATCH_BLOCK; j++) {
    if (b0 + j < proj.batch) { target_input[out + j] += acc[j]; }
  }
}
