// Update of the spiking populations of one merged group for clock.steps steps (see
// engine/spiking_update_steps.wgsl). Several steps per dispatch are exact when they do not
// exceed the minimum synaptic delay: no spike emitted inside the block arrives inside it.

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let thread = flat_index(gid, nwg);
  if (!select_population(wid, nwg, thread)) { return; }
  integrate_neuron(thread - pop.thread_begin, clock.step, clock.steps);
}
