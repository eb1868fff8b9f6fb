// Synapse bank {{BANK}} of a propagation kernel: its bindings and the walk along one spike's row
// of synapses (a template, instantiated once per bank a dispatch binds by src/gpu/propagation.ts:
// {{BANK}} is the bank's index in the dispatch, {{TARGETS}} and {{WEIGHTS}} its binding numbers).
// WGSL cannot index an array of storage buffers, so each bank gets its own copy of the loop and
// engine/propagate_block.wgsl picks one per route (a uniform branch: one route per workgroup).
// targets: the postsynaptic neuron in the low `delay_shift` bits and, when the route's delays
// vary (delay_shift > 0), the delay in steps above them: one word per synapse instead of two.

@group(0) @binding({{TARGETS}}) var<storage, read> targets_{{BANK}}: array<u32>;
@group(0) @binding({{WEIGHTS}}) var<storage, read> weights_{{BANK}}: array<f32>;

fn walk_row_{{BANK}}(w: RowWalk, lid: u32) {
  for (var k = w.first + lid; k < w.end; k += WORKGROUP_SIZE) {
    let word = targets_{{BANK}}[k];
    var post = word;
    var delay = w.constant_delay;
    if (w.delay_shift != 0u) {
      post = word & ((1u << w.delay_shift) - 1u);
      delay = word >> w.delay_shift;
    }
    var weight = w.constant_weight;
    if (w.has_weights != 0u) { weight = i32(round(weights_{{BANK}}[k] * w.weight_scale)); }
    // delay < ring_slots: wrap with a compare instead of an integer modulo.
    var slot = w.now + delay;
    if (slot >= w.ring_slots) { slot -= w.ring_slots; }
    atomicAdd(&syn_ring[w.ring_base + slot * w.target_total + post * w.batch + w.trial], weight);
  }
}
