// Copy one state variable of the selected neurons (all trials) into row step_in_chunk of the
// chunk's state record. Dispatched only on sampling steps.

struct StateRecordInfo {
  size: u32,
  batch: u32,
  variable: u32,
  n_selected: u32,
}

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> info: StateRecordInfo;
@group(0) @binding(2) var<storage, read> state: array<f32>;
@group(0) @binding(3) var<storage, read> selected: array<u32>;
@group(0) @binding(4) var<storage, read_write> record: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= info.n_selected * info.batch) { return; }
  let k = i / info.batch;
  let b = i % info.batch;
  let flat = selected[k] * info.batch + b;
  record[clock.step_in_chunk * info.n_selected * info.batch + i] =
    state[info.variable * info.size * info.batch + flat];
}
