// Spike propagation of a block of steps in one dispatch: every spiking population's spikes
// through all its outgoing projections in the synapse banks this dispatch binds (see
// engine/propagate_block.wgsl; the banks' bindings, from 5 on, come from the
// engine/propagate_bank.wgsl template).

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<storage, read> routes: array<u32>;
@group(0) @binding(2) var<storage, read_write> spikes: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> syn_ring: array<atomic<i32>>;
@group(0) @binding(4) var<storage, read_write> records: array<atomic<u32>>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  propagate_block(wid.x, nwg.x, lid, clock.step, clock.steps, clock.step_in_chunk);
}
