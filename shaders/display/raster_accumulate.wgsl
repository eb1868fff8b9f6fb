// Activity history (raster): count this step's spikes of the displayed trial into the ring
// image, one u32 per pixel, column-major (`column · rows + row`), column =
// (step / steps_per_column) mod columns. Threads stride over this step's spike list;
// the column was cleared by history_clear_column on its first step.

struct RasterInfo {
  batch: u32,
  spike_block_words: u32,
  trial: u32,
  rows: u32,
  columns: u32,
  steps_per_column: u32,
  // Spike lists of the population (step t uses list t mod lists).
  lists: u32,
  _pad1: u32,
}

const NO_ROW: u32 = 0xffffffffu;

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> info: RasterInfo;
@group(0) @binding(2) var<storage, read> spikes: array<u32>;
@group(0) @binding(3) var<storage, read> row_map: array<u32>;
@group(0) @binding(4) var<storage, read_write> image: array<atomic<u32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let list_base = (clock.step % info.lists) * info.spike_block_words;
  let count = spikes[list_base];
  let column = (clock.step / info.steps_per_column) % info.columns;
  for (var i = gid.x; i < count; i += nwg.x * WORKGROUP_SIZE) {
    let flat = spikes[list_base + 1u + info.batch + i];
    if (flat % info.batch != info.trial) { continue; }
    let row = row_map[flat / info.batch];
    if (row == NO_ROW) { continue; }
    atomicAdd(&image[column * info.rows + row], 1u);
  }
}
