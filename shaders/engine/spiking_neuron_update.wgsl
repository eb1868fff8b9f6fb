// Update of the spiking populations of one merged group for clock.steps steps (see
// engine/spiking_update_steps.wgsl). Several steps per dispatch are exact when they do not
// exceed the minimum synaptic delay: no spike emitted inside the block arrives inside it.

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> pops: array<PopInfo, N_MEMBERS>;
@group(0) @binding(2) var<storage, read> models: array<ModelParams>;
@group(0) @binding(3) var<storage, read_write> state: array<f32>;
// Read and cleared here, added to by the propagation kernels (atomic there).
@group(0) @binding(4) var<storage, read_write> syn_ring: array<atomic<i32>>;
@group(0) @binding(5) var<storage, read> tables: array<u32>;
@group(0) @binding(6) var<storage, read_write> spikes: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> window_counts: array<u32>;
@group(0) @binding(8) var<storage, read_write> status: array<atomic<u32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let thread = flat_index(gid, nwg);
  if (!select_population(wid, nwg, thread)) { return; }
  integrate_neuron(thread - pop.thread_begin, clock.step, clock.steps);
}
