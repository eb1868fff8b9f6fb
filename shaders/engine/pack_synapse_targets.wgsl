// Packs a chunk of generated synapses into a synapse bank's target words: target | delay << shift
// (see engine/propagate_bank.wgsl), at `dst_base` in the bank. Run once when the network is built.

struct PackInfo {
  count: u32,
  dst_base: u32,
  delay_shift: u32,
  // Threads along x of the dispatch grid (workgroups along x × 64), for 2-D grids of large chunks.
  row_threads: u32,
}

@group(0) @binding(0) var<uniform> info: PackInfo;
@group(0) @binding(1) var<storage, read> chunk_targets: array<u32>;
@group(0) @binding(2) var<storage, read> chunk_delays: array<u32>;
@group(0) @binding(3) var<storage, read_write> bank_targets: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * info.row_threads;
  if (i >= info.count) { return; }
  bank_targets[info.dst_base + i] = chunk_targets[i] | (chunk_delays[i] << info.delay_shift);
}
