// Append this step's spikes of the recorded neurons to the chunk's spike record as
// (step, neuron·batch + trial) pairs. Order inside a step depends on scheduling; the host
// sorts each step when draining, so recorded output is deterministic.

struct SpikeRecordInfo {
  batch: u32,
  spike_block_words: u32,
  capacity: u32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> info: SpikeRecordInfo;
@group(0) @binding(2) var<storage, read> spikes: array<u32>;
@group(0) @binding(3) var<storage, read> recorded: array<u32>;
@group(0) @binding(4) var<storage, read_write> record: array<atomic<u32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let list_base = (clock.step & 1u) * info.spike_block_words;
  let count = spikes[list_base];
  for (var i = gid.x; i < count; i += nwg.x * WORKGROUP_SIZE) {
    let flat = spikes[list_base + 1u + info.batch + i];
    if (recorded[flat / info.batch] == 0u) { continue; }
    let k = atomicAdd(&record[0], 1u);
    if (k < info.capacity) {
      atomicStore(&record[2u + 2u * k], clock.step);
      atomicStore(&record[3u + 2u * k], flat);
    } else {
      // Reported on the host as an error; never silently dropped.
      atomicStore(&record[1], 1u);
    }
  }
}
