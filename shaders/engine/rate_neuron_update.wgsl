// Update of the rate populations of one merged group for one step: take the summed recurrent
// input gathered by the propagate_rates_* kernels, add external input, run the model's update
// (model_update from its generated snippet: the summed inputs arrive as syn.x, soma, and
// syn.y, apical) and write its output variable into the rate history (ring of ring_slots steps
// read by outgoing projections). Units whose threshold fires (e.g. Poisson spiking of rate
// units) emit spikes, which spike projections, recorders and the information analysis use.

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> pops: array<PopInfo, N_MEMBERS>;
@group(0) @binding(2) var<storage, read> models: array<ModelParams>;
@group(0) @binding(3) var<storage, read_write> state: array<f32>;
@group(0) @binding(4) var<storage, read_write> rate_input: array<f32>;
@group(0) @binding(5) var<storage, read> tables: array<u32>;
@group(0) @binding(6) var<storage, read_write> rate_history: array<f32>;
@group(0) @binding(7) var<storage, read_write> status: array<atomic<u32>>;
@group(0) @binding(8) var<storage, read_write> spikes: array<atomic<u32>>;
@group(0) @binding(9) var<storage, read_write> window_counts: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let thread = flat_index(gid, nwg);
  if (!select_population(wid, nwg, thread)) { return; }
  let flat = thread - pop.thread_begin;
  let total = pop.size * pop.batch;
  let n = flat / pop.batch;
  let b = flat % pop.batch;
  // Rate units need the gathers of every step: their dispatches advance one step.
  let step = clock.step;

  let ext = external_input(n, b, step);
  // rate_input holds N_CHANNELS planes (soma, then apical): summed recurrent input, cleared here.
  var input = vec4<f32>(ext.current, ext.apical_current, 0.0, 0.0);
  if (N_CHANNELS > 0u) {
    input.x += rate_input[pop.input_base + flat];
    rate_input[pop.input_base + flat] = 0.0;
  }
  if (N_CHANNELS > 1u) {
    input.y += rate_input[pop.input_base + total + flat];
    rate_input[pop.input_base + total + flat] = 0.0;
  }
  load_state(flat);
  let spiked = model_update(flat, n, b, step, input, 0.0, 0.0);
  store_state(flat);
  rate_history[pop.history_base + (step % pop.ring_slots) * total + flat] = state_get(OUTPUT_STATE, flat);
  check_state_finite(flat, step);
  if (EMITS_SPIKES && spiked) {
    emit_spike(flat, n, b, step);
  }
}
