// Activity history: on the first step of a column (step mod steps_per_column == 0, dispatched
// with `every: steps_per_column`), zero the ring column about to be written. Works for u32
// (raster counts) and f32 (state means) images alike: 0u has the bits of 0.0.

struct ClearInfo {
  rows: u32,
  columns: u32,
  steps_per_column: u32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> info: ClearInfo;
@group(0) @binding(2) var<storage, read_write> image: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = flat_index(gid, nwg);
  if (row >= info.rows) { return; }
  let column = (clock.step / info.steps_per_column) % info.columns;
  image[column * info.rows + row] = 0u;
}
