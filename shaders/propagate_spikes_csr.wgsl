// Event-driven spike propagation: one workgroup per spike of this step walks the source
// neuron's row of the outgoing CSR matrix and adds its weights, as fixed-point integers
// (weight · sign · scale, rounded), into the target's ring buffer at slot (step + delay).
// Integer atomics make the sums exact and independent of the order in which spikes and
// synapses are processed, and of the order of synapses within a row (bitwise reproducible runs).

struct ProjectionInfo {
  batch: u32,
  spike_block_words: u32,
  // This chunk of the projection covers source neurons [source_begin, source_end).
  source_begin: u32,
  source_end: u32,
  target_size: u32,
  ring_slots: u32,
  channel: u32,
  constant_delay: u32,
  has_delays: u32,
  // Receptor sign times the target channel's fixed-point scale.
  weight_scale: f32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> proj: ProjectionInfo;
@group(0) @binding(2) var<storage, read> spikes: array<u32>;
@group(0) @binding(3) var<storage, read> row_ptr: array<u32>;
@group(0) @binding(4) var<storage, read> targets: array<u32>;
@group(0) @binding(5) var<storage, read> weights: array<f32>;
@group(0) @binding(6) var<storage, read> delays: array<u32>;
@group(0) @binding(7) var<storage, read_write> syn_ring: array<atomic<i32>>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let step = clock.step;
  let list_base = (step & 1u) * proj.spike_block_words;
  let count = spikes[list_base];
  let target_total = proj.target_size * proj.batch;
  let channel_base = proj.channel * proj.ring_slots * target_total;
  let now = step % proj.ring_slots;
  for (var s = wid.x; s < count; s += nwg.x) {
    let flat = spikes[list_base + 1u + proj.batch + s];
    let source = flat / proj.batch;
    if (source < proj.source_begin || source >= proj.source_end) { continue; }
    let b = flat % proj.batch;
    let row = source - proj.source_begin;
    let row_end = row_ptr[row + 1u];
    for (var k = row_ptr[row] + lid; k < row_end; k += WORKGROUP_SIZE) {
      var delay = proj.constant_delay;
      if (proj.has_delays != 0u) { delay = delays[k]; }
      // delay < ring_slots: wrap with a compare instead of an integer modulo.
      var slot = now + delay;
      if (slot >= proj.ring_slots) { slot -= proj.ring_slots; }
      atomicAdd(&syn_ring[channel_base + slot * target_total + targets[k] * proj.batch + b], i32(round(weights[k] * proj.weight_scale)));
    }
  }
}
