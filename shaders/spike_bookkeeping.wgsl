// Once per step and spiking population, after its update: turn the spike count into the
// indirect dispatch sizes of the propagation and recording kernels, copy per-trial counts
// into the population-rate record, and zero the other parity list_base, which the next step
// fills (its list was consumed by the previous step's propagation).

struct BookkeepingInfo {
  batch: u32,
  spike_block_words: u32,
  rate_record_enabled: u32,
  max_workgroups: u32,
}

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> info: BookkeepingInfo;
@group(0) @binding(2) var<storage, read_write> spikes: array<u32>;
@group(0) @binding(3) var<storage, read_write> dispatch_args: array<u32>;
@group(0) @binding(4) var<storage, read_write> rate_record: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32) {
  let list_base = (clock.step & 1u) * info.spike_block_words;
  let other = (1u - (clock.step & 1u)) * info.spike_block_words;
  let count = spikes[list_base];
  if (lid == 0u) {
    // Propagation: one workgroup per spike (grid-stride beyond the dispatch limit).
    dispatch_args[0] = min(count, info.max_workgroups);
    dispatch_args[1] = 1u;
    dispatch_args[2] = 1u;
    // Recording: one thread per spike.
    dispatch_args[3] = min((count + WORKGROUP_SIZE - 1u) / WORKGROUP_SIZE, info.max_workgroups);
    dispatch_args[4] = 1u;
    dispatch_args[5] = 1u;
    spikes[other] = 0u;
  }
  for (var b = lid; b < info.batch; b += WORKGROUP_SIZE) {
    if (info.rate_record_enabled != 0u) {
      rate_record[clock.step_in_chunk * info.batch + b] = spikes[list_base + 1u + b];
    }
    spikes[other + 1u + b] = 0u;
  }
}
