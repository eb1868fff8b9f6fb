// Persistent mode for small networks: one workgroup advances all clock.steps steps of a command
// buffer in one dispatch. Per step it integrates every neuron of the merged group (the steps of
// engine/spiking_update_steps.wgsl, one at a time), then propagates the step's spikes through
// all projections (engine/propagate_block.wgsl), with storage barriers between the two: a
// dispatch per command buffer instead of two per step, at the price of one workgroup's
// parallelism. The arithmetic of each step is that of the dispatch schedule, so recordings are
// bitwise the same.

// Bindings 0–8: engine/spiking_bindings.wgsl; the synapse banks' from 11 on: the
// engine/propagate_bank.wgsl template.
@group(0) @binding(9) var<storage, read> routes: array<u32>;
@group(0) @binding(10) var<storage, read_write> records: array<atomic<u32>>;

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32) {
  for (var i = 0u; i < clock.steps; i++) {
    let step = clock.step + i;
    for (var m = 0u; m < N_MEMBERS; m++) {
      pop = pops[m];
      model = models[m];
      let total = pop.size * pop.batch;
      for (var flat = lid; flat < total; flat += WORKGROUP_SIZE) { integrate_neuron(flat, step, 1u); }
    }
    // Spikes and ring slots of this step visible to every thread, then theirs to the next step.
    storageBarrier();
    propagate_block(0u, 1u, lid, step, 1u, clock.step_in_chunk + i);
    storageBarrier();
  }
}
