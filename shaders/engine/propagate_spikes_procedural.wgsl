// Procedural spike propagation (as GeNN's procedural connectivity): no synapses are stored.
// For each step of the block, workgroups take the step's spikes in turn; each the source's row with the rules of
// engine/connectivity_rows.wgsl (its 64 threads share the row in blocks of 4 positions) and adds each
// synapse's weight, as a fixed-point integer, into the target's ring buffer at slot
// (step + delay). The synapses, weights and delays are those the generation kernel would store
// for the same seed, and integer atomics make the sums order-independent, so procedural and
// stored projections give bitwise-identical spikes.
// Needs: engine/common.wgsl, engine/philox.wgsl, engine/connectivity_rows.wgsl.

struct ProceduralInfo {
  batch: u32,
  spike_block_words: u32,
  target_size: u32,
  ring_slots: u32,
  channel: u32,
  constant_delay: u32,
  // Receptor sign times the target channel's fixed-point scale.
  weight_scale: f32,
  // Spike lists of the source (step t uses list t mod lists).
  lists: u32,
}

@group(0) @binding(4) var<uniform> clock: StepInfo;
@group(0) @binding(5) var<uniform> proj: ProceduralInfo;
@group(0) @binding(6) var<storage, read> spikes: array<u32>;
@group(0) @binding(7) var<storage, read_write> syn_ring: array<atomic<i32>>;

// The spike being propagated: its trial and where this step's slot of the ring starts.
var<private> spike_trial: u32;
var<private> ring_now: u32;
var<private> channel_base: u32;

fn emit(unit: u32, position: u32, source: u32, post: u32) {
  let first = synapse_values_draw(unit, position);
  let w = synapse_weight(first, unit, position);
  var delay = proj.constant_delay;
  if (gen.has_delays != 0u) { delay = synapse_delay(first); }
  var slot = ring_now + delay;
  if (slot >= proj.ring_slots) { slot -= proj.ring_slots; }
  let target_total = proj.target_size * proj.batch;
  atomicAdd(&syn_ring[channel_base + slot * target_total + post * proj.batch + spike_trial], i32(round(w * proj.weight_scale)));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  channel_base = proj.channel * proj.ring_slots * proj.target_size * proj.batch;
  for (var i = 0u; i < clock.steps; i++) {
    let step = clock.step + i;
    let list_base = (step % proj.lists) * proj.spike_block_words;
    let count = spikes[list_base];
    ring_now = step % proj.ring_slots;
    for (var s = wid.x; s < count; s += nwg.x) {
      let flat = spikes[list_base + 1u + proj.batch + s];
      spike_trial = flat % proj.batch;
      generate_unit(flat / proj.batch, lid, WORKGROUP_SIZE);
    }
  }
}
