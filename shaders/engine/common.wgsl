// Shared declarations of every engine kernel: the per-block uniform (bound with a dynamic
// offset, one 256-byte entry per block of steps of a command buffer) and small helpers.

struct StepInfo {
  // Absolute number of the block's first step since the start of the simulation.
  step: u32,
  // Index of that step inside the current command buffer (rows of per-chunk record buffers).
  step_in_chunk: u32,
  // Steps this dispatch advances (1, or up to the minimum synaptic delay: neurons are
  // independent for that long, so one update dispatch integrates them all).
  steps: u32,
  _pad0: u32,
}

// 64 threads per workgroup everywhere; large flat ranges spill into the y dimension.
const WORKGROUP_SIZE: u32 = 64u;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WORKGROUP_SIZE;
}

// NaN or ±Inf, tested on the bits: WGSL compilers may assume finite floats in comparisons.
fn is_non_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u;
}
