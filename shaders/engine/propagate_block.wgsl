// Event-driven propagation of every spiking population's spikes through all their outgoing
// projections in one dispatch (stored synapses, and procedural ones, whose rows are regenerated
// by the rules of engine/connectivity_rows.wgsl as GeNN's procedural connectivity), for the clock.steps steps of a block. Workgroups take
// the spikes of all (source, step) lists in turn; the 64 threads of a workgroup walk the
// spike's CSR row in every outgoing route and add the weights, as fixed-point integers
// (weight · sign · scale, rounded), into the target's ring buffer at slot (step + delay).
// Integer atomics make the sums exact and independent of the order of spikes, synapses and
// routes, and of the number of steps per dispatch (bitwise reproducible runs).
// The dispatch marked `bookkeeping` also does the per-step work on the spike lists that would
// otherwise need passes of their own: spike recorders and population-rate records, and clearing
// the lists the next block fills.
//
// routes (u32 words; built by src/gpu/propagation.ts):
//   [0] sources  [1] routes offset  [2] recorders offset  [3] batch  [4] bookkeeping
//   source s at 8 + s·SOURCE_WORDS: spike_base, block_words, lists, first_route, n_routes,
//     first_recorder, n_recorders, rate_record_base (NONE: no rate record)
//   route r at routes + r·ROUTE_WORDS: source_begin, source_end, row_base, syn_base, ring_base
//     (target ring + channel plane), target_total, ring_slots, constant_delay, has_delays,
//     weight_scale (f32 bits: receptor sign × the target channel's fixed-point scale),
//     has_weights (0: every synapse has weight `weight`, and the weights array is not read), weight,
//     procedural (1: no stored synapses; the rows are regenerated), gen_base (the GenInfo words),
//     orientations, row lengths and delay table (where the recipe's arrays start)
//   recorder k at recorders + k·RECORDER_WORDS: map_base (bitmap of recorded neurons, in
//     tables), record_base (in records: count, overflow flag, then (step, flat) pairs), capacity
// records: spike records and population-rate records of this command buffer.
// A library: the including kernel binds clock, routes, spikes (atomic), row_ptr, targets, weights,
// delays, syn_ring and records (atomic). Needs: engine/common.wgsl, engine/philox.wgsl,
// engine/connectivity_rows.wgsl and a generated `const HAS_PROCEDURAL: bool` (false: the
// regeneration code is never reached and compiled out).

const SOURCE_WORDS: u32 = 8u;
const ROUTE_WORDS: u32 = 17u;
const RECORDER_WORDS: u32 = 3u;
const NONE: u32 = 0xffffffffu;

// The procedural route being regenerated, for emit(): its recipe and where its synapses land.
var<private> gen: GenInfo;
var<private> gen_orientations: u32;
var<private> gen_row_lengths: u32;
var<private> gen_delay_table: u32;
var<private> route_ring_base: u32;
var<private> route_target_total: u32;
var<private> route_ring_slots: u32;
var<private> route_now: u32;
var<private> route_constant_delay: u32;
var<private> route_weight_scale: f32;
var<private> spike_trial: u32;

fn gen_orientation(i: u32) -> f32 { return bitcast<f32>(routes[gen_orientations + i]); }
fn gen_row_length(s: u32) -> u32 { return routes[gen_row_lengths + s]; }
fn gen_delay_threshold(i: u32) -> u32 { return routes[gen_delay_table + i]; }

fn load_gen(at: u32) -> GenInfo {
  let t = at;
  return GenInfo(
    routes[t], routes[t + 1u], routes[t + 2u], routes[t + 3u], routes[t + 4u], routes[t + 5u], routes[t + 6u], routes[t + 7u],
    routes[t + 8u], routes[t + 9u], routes[t + 10u], routes[t + 11u], routes[t + 12u], routes[t + 13u], routes[t + 14u],
    bitcast<f32>(routes[t + 15u]), bitcast<f32>(routes[t + 16u]), bitcast<f32>(routes[t + 17u]), bitcast<f32>(routes[t + 18u]),
    bitcast<f32>(routes[t + 19u]), bitcast<f32>(routes[t + 20u]), routes[t + 21u], routes[t + 22u], routes[t + 23u],
  );
}

// One regenerated synapse: the same weight, delay and fixed-point sum the stored one would give.
fn emit(unit: u32, position: u32, source: u32, post: u32) {
  let first = synapse_values_draw(unit, position);
  let w = synapse_weight(first, unit, position);
  var delay = route_constant_delay;
  if (gen.has_delays != 0u) { delay = synapse_delay(first); }
  var slot = route_now + delay;
  if (slot >= route_ring_slots) { slot -= route_ring_slots; }
  atomicAdd(&syn_ring[route_ring_base + slot * route_target_total + post * routes[3] + spike_trial], i32(round(w * route_weight_scale)));
}

fn propagate_route(r: u32, source: u32, b: u32, step: u32, lid: u32) {
  let source_begin = routes[r];
  if (source < source_begin || source >= routes[r + 1u]) { return; }
  if (HAS_PROCEDURAL && routes[r + 12u] != 0u) {
    gen = load_gen(routes[r + 13u]);
    gen_orientations = routes[r + 14u];
    gen_row_lengths = routes[r + 15u];
    gen_delay_table = routes[r + 16u];
    route_ring_base = routes[r + 4u];
    route_target_total = routes[r + 5u];
    route_ring_slots = routes[r + 6u];
    route_now = step % route_ring_slots;
    route_constant_delay = routes[r + 7u];
    route_weight_scale = bitcast<f32>(routes[r + 9u]);
    spike_trial = b;
    generate_unit(source, lid, WORKGROUP_SIZE);
    return;
  }
  let row = routes[r + 2u] + source - source_begin;
  let syn_base = routes[r + 3u];
  let ring_base = routes[r + 4u];
  let target_total = routes[r + 5u];
  let ring_slots = routes[r + 6u];
  let constant_delay = routes[r + 7u];
  let has_delays = routes[r + 8u];
  let weight_scale = bitcast<f32>(routes[r + 9u]);
  let has_weights = routes[r + 10u];
  let constant_weight = i32(round(bitcast<f32>(routes[r + 11u]) * weight_scale));
  let batch = routes[3];
  let now = step % ring_slots;
  let row_end = syn_base + row_ptr[row + 1u];
  for (var k = syn_base + row_ptr[row] + lid; k < row_end; k += WORKGROUP_SIZE) {
    var delay = constant_delay;
    if (has_delays != 0u) { delay = delays[k]; }
    var w = constant_weight;
    if (has_weights != 0u) { w = i32(round(weights[k] * weight_scale)); }
    // delay < ring_slots: wrap with a compare instead of an integer modulo.
    var slot = now + delay;
    if (slot >= ring_slots) { slot -= ring_slots; }
    atomicAdd(&syn_ring[ring_base + slot * target_total + targets[k] * batch + b], w);
  }
}

fn record_spike(k: u32, flat: u32, step: u32) {
  let rec = routes[2] + k * RECORDER_WORDS;
  let neuron = flat / routes[3];
  if ((routes[routes[rec] + neuron / 32u] & (1u << (neuron % 32u))) == 0u) { return; }
  let base = routes[rec + 1u];
  let i = atomicAdd(&records[base], 1u);
  if (i < routes[rec + 2u]) {
    atomicStore(&records[base + 2u + 2u * i], step);
    atomicStore(&records[base + 3u + 2u * i], flat);
  } else {
    // Reported on the host as an error; never silently dropped.
    atomicStore(&records[base + 1u], 1u);
  }
}

// Propagate the spikes of `steps` steps from `first_step` (records at rows from `first_row` of
// this command buffer's records); `worker` of `workers` workgroups, thread `lid`.
fn propagate_block(worker: u32, workers: u32, lid: u32, first_step: u32, steps: u32, first_row: u32) {
  let n_sources = routes[0];
  let batch = routes[3];
  let bookkeeping = routes[4] != 0u;
  // Spikes of all lists count as one sequence dealt round-robin to the workgroups, so that
  // work is balanced however the spikes fall into lists. `dealt` = spikes of earlier lists.
  var dealt = 0u;
  for (var s = 0u; s < n_sources; s++) {
    let src = 8u + s * SOURCE_WORDS;
    let spike_base = routes[src];
    let words = routes[src + 1u];
    let lists = routes[src + 2u];
    let first_route = routes[1] + routes[src + 3u] * ROUTE_WORDS;
    let n_routes = routes[src + 4u];
    let first_recorder = routes[src + 5u];
    let n_recorders = routes[src + 6u];
    let rate_record = routes[src + 7u];
    for (var i = 0u; i < steps; i++) {
      let step = first_step + i;
      let list = spike_base + (step % lists) * words;
      let count = atomicLoad(&spikes[list]);
      if (bookkeeping && worker == 0u && rate_record != NONE) {
        for (var b = lid; b < batch; b += WORKGROUP_SIZE) {
          atomicStore(&records[rate_record + (first_row + i) * batch + b], atomicLoad(&spikes[list + 1u + b]));
        }
      }
      let first = (worker + workers - dealt % workers) % workers;
      dealt += count;
      for (var k = first; k < count; k += workers) {
        let flat = atomicLoad(&spikes[list + 1u + batch + k]);
        let source = flat / batch;
        let b = flat % batch;
        for (var r = 0u; r < n_routes; r++) {
          propagate_route(first_route + r * ROUTE_WORDS, source, b, step, lid);
        }
        if (bookkeeping && lid == 0u) {
          for (var q = 0u; q < n_recorders; q++) { record_spike(first_recorder + q, flat, step); }
        }
      }
    }
    if (bookkeeping && worker == 0u) {
      // Zero the counts of the lists of the next block's steps (lists/2 of them): those lists
      // were last read by the previous block's propagation, and no one reads them now.
      for (var i = 0u; i < lists / 2u; i++) {
        let list = spike_base + ((first_step + steps + i) % lists) * words;
        for (var w = lid; w < 1u + batch; w += WORKGROUP_SIZE) { atomicStore(&spikes[list + w], 0u); }
      }
    }
  }
}
