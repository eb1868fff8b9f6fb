// Rate projection, dense matrix W[target][source] with one delay: each (target, trial)
// computes Σ_j W[n][j]·r_j(t − delay). Tiles of the source history are staged in workgroup
// memory so that the 64 threads of a workgroup (consecutive outputs) share the loads.

struct DenseProjectionInfo {
  // This chunk holds matrix rows of targets [target_begin, target_begin + target_count).
  target_begin: u32,
  target_count: u32,
  batch: u32,
  source_size: u32,
  history_slots: u32,
  delay: u32,
  // Offset of the target's input plane (channel · size · batch: soma or apical).
  target_offset: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> proj: DenseProjectionInfo;
@group(0) @binding(2) var<storage, read> matrix: array<f32>;
@group(0) @binding(3) var<storage, read> source_history: array<f32>;
@group(0) @binding(4) var<storage, read_write> target_input: array<f32>;

const TILE: u32 = 256u;
var<workgroup> tile: array<f32, 256>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // Workgroups along x cover targets, along y cover trials: all threads share trial b.
  let b = wid.y;
  let n = wid.x * WORKGROUP_SIZE + lid;
  let slot = (clock.step + proj.history_slots - proj.delay) % proj.history_slots;
  let base = slot * proj.source_size * proj.batch;
  var acc = 0.0;
  for (var j0 = 0u; j0 < proj.source_size; j0 += TILE) {
    for (var t = lid; t < TILE; t += WORKGROUP_SIZE) {
      let j = j0 + t;
      tile[t] = select(0.0, source_history[base + j * proj.batch + b], j < proj.source_size);
    }
    workgroupBarrier();
    if (n < proj.target_count) {
      let count = min(TILE, proj.source_size - j0);
      for (var t = 0u; t < count; t++) {
        acc += matrix[n * proj.source_size + j0 + t] * tile[t];
      }
    }
    workgroupBarrier();
  }
  if (n < proj.target_count) {
    target_input[proj.target_offset + (proj.target_begin + n) * proj.batch + b] += acc;
  }
}
