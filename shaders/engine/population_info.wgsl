// Per-population information shared by the neuron update kernels. Populations of one model
// form a merged group (as GeNN's merged groups): one dispatch updates all of them, each thread
// finds its population in the `pops` table (filled by name through reflection) and copies that
// population's info and model constants into private variables, so model snippets read `pop`
// and `model` as if the kernel ran for one population. Every buffer of the group holds its
// members one after another; the *_base fields say where (u32/f32 words, 256-byte aligned).
struct PopInfo {
  size: u32,
  batch: u32,
  seed: u32,
  pop_index: u32,
  // Ring-buffer slots of incoming spikes (spiking) or rate-history slots (rate units).
  ring_slots: u32,
  n_inputs: u32,
  noise_stream: u32,
  orientation_random: u32,
  orientation_stream: u32,
  // u32 words of one spike list: 1 + batch + size·batch.
  spike_block_words: u32,
  counts_enabled: u32,
  counts_start_step: u32,
  counts_window_steps: u32,
  counts_first_window: u32,
  counts_n_windows: u32,
  counts_n_rec: u32,
  // Global index of trial 0 of this batch (trial blocks): random streams are keyed by it.
  trial_offset: u32,
  // First thread of this population in the group's dispatch (a multiple of the workgroup size).
  thread_begin: u32,
  state_base: u32,
  // Spike ring (spiking) or summed rate input (rate units).
  input_base: u32,
  // Rate history (rate units).
  history_base: u32,
  spike_base: u32,
  // Spike lists kept: step t uses list t mod spike_lists (2 × steps per dispatch).
  spike_lists: u32,
  // Input table and count map, in the `tables` buffer.
  table_base: u32,
  count_map_base: u32,
  window_base: u32,
  // Spike-train sources: their table in `tables` (offsets by trial·size + neuron, then spike
  // steps; see engine/spike_train_steps.wgsl) and the trials it gives (global trial mod this).
  train_base: u32,
  train_trials: u32,
  // 1 / fixed-point scale of spike input channels 0…3.
  inv_scale: vec4<f32>,
}

var<private> pop: PopInfo;
var<private> model: ModelParams;

// Select the population of a workgroup of the group's dispatch (populations start on
// workgroup boundaries, so the choice is uniform across the workgroup and the tables are
// read with uniform indices); false for threads past the population's end.
fn select_population(wid: vec3<u32>, nwg: vec3<u32>, thread: u32) -> bool {
  let first = (wid.x + wid.y * nwg.x) * WORKGROUP_SIZE;
  var m = 0u;
  for (var k = 1u; k < N_MEMBERS; k++) {
    if (first >= pops[k].thread_begin) { m = k; }
  }
  pop = pops[m];
  model = models[m];
  return thread >= pop.thread_begin && thread < pop.thread_begin + pop.size * pop.batch;
}

// Trial number used as the RNG key: the global trial, so each block of trials draws fresh noise.
fn rng_trial(b: u32) -> u32 {
  return b + pop.trial_offset;
}

// This thread's state variables, held in private memory (registers) while the kernel
// integrates its steps: loaded once per dispatch, written back once, whatever the steps.
var<private> cell: array<f32, N_STATE>;

fn state_get(variable: u32, flat: u32) -> f32 {
  return cell[variable];
}

fn state_set(variable: u32, flat: u32, value: f32) {
  cell[variable] = value;
}

fn load_state(flat: u32) {
  for (var v = 0u; v < N_STATE; v++) { cell[v] = state[pop.state_base + v * pop.size * pop.batch + flat]; }
}

fn store_state(flat: u32) {
  for (var v = 0u; v < N_STATE; v++) { state[pop.state_base + v * pop.size * pop.batch + flat] = cell[v]; }
}

// Record the first non-finite state value (population, neuron·batch index, step, variable).
fn report_non_finite(flat: u32, step: u32, variable: u32) {
  loop {
    let r = atomicCompareExchangeWeak(&status[0], 0u, 1u);
    if (r.exchanged) {
      atomicStore(&status[1], pop.pop_index);
      atomicStore(&status[2], flat);
      atomicStore(&status[3], step);
      atomicStore(&status[4], variable);
      return;
    }
    if (r.old_value != 0u) { return; }
  }
}

fn check_state_finite(flat: u32, step: u32) {
  for (var v = 0u; v < N_STATE; v++) {
    if (is_non_finite(cell[v])) {
      report_non_finite(flat, step, v);
      return;
    }
  }
}
