// Activity history (heatmap): add value / steps_per_column of one state variable of each
// displayed neuron (one per row) in the displayed trial to this step's ring column, so a
// complete column holds the mean over its steps. Column-major f32 image (`column · rows + row`);
// the column was cleared by history_clear_column on its first step. One thread per row, so
// the accumulation order is fixed (deterministic).

struct SampleInfo {
  size: u32,
  batch: u32,
  variable: u32,
  trial: u32,
  rows: u32,
  columns: u32,
  steps_per_column: u32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> info: SampleInfo;
@group(0) @binding(2) var<storage, read> state: array<f32>;
@group(0) @binding(3) var<storage, read> neurons: array<u32>;
@group(0) @binding(4) var<storage, read_write> image: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = flat_index(gid, nwg);
  if (row >= info.rows) { return; }
  let column = (clock.step / info.steps_per_column) % info.columns;
  let value = state[info.variable * info.size * info.batch + neurons[row] * info.batch + info.trial];
  let k = column * info.rows + row;
  image[k] = image[k] + value / f32(info.steps_per_column);
}
