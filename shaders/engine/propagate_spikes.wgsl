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
// tables (u32 words; built by src/gpu/propagation.ts):
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
// Needs: engine/common.wgsl, engine/philox.wgsl, engine/connectivity_rows.wgsl and a generated
// `const HAS_PROCEDURAL: bool` (false: the regeneration code is never reached and compiled out).

const SOURCE_WORDS: u32 = 8u;
const ROUTE_WORDS: u32 = 17u;
const RECORDER_WORDS: u32 = 3u;
const NONE: u32 = 0xffffffffu;

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<storage, read> tables: array<u32>;
@group(0) @binding(2) var<storage, read_write> spikes: array<u32>;
@group(0) @binding(3) var<storage, read> row_ptr: array<u32>;
@group(0) @binding(4) var<storage, read> targets: array<u32>;
@group(0) @binding(5) var<storage, read> weights: array<f32>;
@group(0) @binding(6) var<storage, read> delays: array<u32>;
@group(0) @binding(7) var<storage, read_write> syn_ring: array<atomic<i32>>;
@group(0) @binding(8) var<storage, read_write> records: array<atomic<u32>>;

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

fn gen_orientation(i: u32) -> f32 { return bitcast<f32>(tables[gen_orientations + i]); }
fn gen_row_length(s: u32) -> u32 { return tables[gen_row_lengths + s]; }
fn gen_delay_threshold(i: u32) -> u32 { return tables[gen_delay_table + i]; }

fn load_gen(at: u32) -> GenInfo {
  let t = at;
  return GenInfo(
    tables[t], tables[t + 1u], tables[t + 2u], tables[t + 3u], tables[t + 4u], tables[t + 5u], tables[t + 6u], tables[t + 7u],
    tables[t + 8u], tables[t + 9u], tables[t + 10u], tables[t + 11u], tables[t + 12u], tables[t + 13u], tables[t + 14u],
    bitcast<f32>(tables[t + 15u]), bitcast<f32>(tables[t + 16u]), bitcast<f32>(tables[t + 17u]), bitcast<f32>(tables[t + 18u]),
    bitcast<f32>(tables[t + 19u]), bitcast<f32>(tables[t + 20u]), tables[t + 21u], tables[t + 22u], tables[t + 23u],
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
  atomicAdd(&syn_ring[route_ring_base + slot * route_target_total + post * tables[3] + spike_trial], i32(round(w * route_weight_scale)));
}

fn propagate_route(r: u32, source: u32, b: u32, step: u32, lid: u32) {
  let source_begin = tables[r];
  if (source < source_begin || source >= tables[r + 1u]) { return; }
  if (HAS_PROCEDURAL && tables[r + 12u] != 0u) {
    gen = load_gen(tables[r + 13u]);
    gen_orientations = tables[r + 14u];
    gen_row_lengths = tables[r + 15u];
    gen_delay_table = tables[r + 16u];
    route_ring_base = tables[r + 4u];
    route_target_total = tables[r + 5u];
    route_ring_slots = tables[r + 6u];
    route_now = step % route_ring_slots;
    route_constant_delay = tables[r + 7u];
    route_weight_scale = bitcast<f32>(tables[r + 9u]);
    spike_trial = b;
    generate_unit(source, lid, WORKGROUP_SIZE);
    return;
  }
  let row = tables[r + 2u] + source - source_begin;
  let syn_base = tables[r + 3u];
  let ring_base = tables[r + 4u];
  let target_total = tables[r + 5u];
  let ring_slots = tables[r + 6u];
  let constant_delay = tables[r + 7u];
  let has_delays = tables[r + 8u];
  let weight_scale = bitcast<f32>(tables[r + 9u]);
  let has_weights = tables[r + 10u];
  let constant_weight = i32(round(bitcast<f32>(tables[r + 11u]) * weight_scale));
  let batch = tables[3];
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
  let rec = tables[2] + k * RECORDER_WORDS;
  let neuron = flat / tables[3];
  if ((tables[tables[rec] + neuron / 32u] & (1u << (neuron % 32u))) == 0u) { return; }
  let base = tables[rec + 1u];
  let i = atomicAdd(&records[base], 1u);
  if (i < tables[rec + 2u]) {
    atomicStore(&records[base + 2u + 2u * i], step);
    atomicStore(&records[base + 3u + 2u * i], flat);
  } else {
    // Reported on the host as an error; never silently dropped.
    atomicStore(&records[base + 1u], 1u);
  }
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let n_sources = tables[0];
  let batch = tables[3];
  let bookkeeping = tables[4] != 0u;
  // Spikes of all lists count as one sequence dealt round-robin to the workgroups, so that
  // work is balanced however the spikes fall into lists. `dealt` = spikes of earlier lists.
  var dealt = 0u;
  for (var s = 0u; s < n_sources; s++) {
    let src = 8u + s * SOURCE_WORDS;
    let spike_base = tables[src];
    let words = tables[src + 1u];
    let lists = tables[src + 2u];
    let first_route = tables[1] + tables[src + 3u] * ROUTE_WORDS;
    let n_routes = tables[src + 4u];
    let first_recorder = tables[src + 5u];
    let n_recorders = tables[src + 6u];
    let rate_record = tables[src + 7u];
    for (var i = 0u; i < clock.steps; i++) {
      let step = clock.step + i;
      let list = spike_base + (step % lists) * words;
      let count = spikes[list];
      if (bookkeeping && wid.x == 0u && rate_record != NONE) {
        for (var b = lid; b < batch; b += WORKGROUP_SIZE) {
          atomicStore(&records[rate_record + (clock.step_in_chunk + i) * batch + b], spikes[list + 1u + b]);
        }
      }
      let first = (wid.x + nwg.x - dealt % nwg.x) % nwg.x;
      dealt += count;
      for (var k = first; k < count; k += nwg.x) {
        let flat = spikes[list + 1u + batch + k];
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
    if (bookkeeping && wid.x == 0u) {
      // Zero the counts of the lists of the next block's steps (lists/2 of them): those lists
      // were last read by the previous block's propagation, and no one reads them now.
      for (var i = 0u; i < lists / 2u; i++) {
        let list = spike_base + ((clock.step + clock.steps + i) % lists) * words;
        for (var w = lid; w < 1u + batch; w += WORKGROUP_SIZE) { spikes[list + w] = 0u; }
      }
    }
  }
}
