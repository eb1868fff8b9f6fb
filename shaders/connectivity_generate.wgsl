// Connectivity generated on the GPU: one thread per generation unit (a source row, a target of
// fixed in-degree, or one synapse of fixed total number), the same rules as the CPU reference
// `visitUnit` in src/model/connectivity.ts. Which synapses exist is decided by integer
// arithmetic on Philox words only, so both make identical synapses.
//
// PASS 0 (count): row lengths and in-degrees by integer atomics.
// PASS 1 (fill): synapses whose source lies in [chunk_begin, chunk_end) take the next slot of
// their row (an atomic cursor) and write target, weight and delay. Per-source connectors fill
// a row from one thread, in increasing target order; the others in arrival order, which
// changes nothing downstream (spike propagation adds fixed-point integers).
// Needs: philox.wgsl, common.wgsl, and a generated `const PASS: u32`.

struct GenInfo {
  kind: u32,
  source_size: u32,
  target_size: u32,
  seed: u32,
  stream_connectivity: u32,
  stream_weights: u32,
  stream_delays: u32,
  no_autapses: u32,
  unit_begin: u32,
  unit_end: u32,
  threshold: u32,
  all_pairs: u32,
  count: u32,
  candidates: u32,
  chunk_begin: u32,
  chunk_end: u32,
  p_max: f32,
  kappa: f32,
  has_delays: u32,
  w_kind: u32,
  w_a: f32,
  w_b: f32,
  w_lo: f32,
  w_hi: f32,
  // Delays: the first step and the number of thresholds of the step table.
  d_first: u32,
  d_count: u32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> gen: GenInfo;
// Preferred orientations in radians: sources, then targets (ring only).
@group(0) @binding(1) var<storage, read> orientations: array<f32>;
// PASS 0: row lengths (one per source). PASS 1: the next free slot of each row of the chunk.
@group(0) @binding(2) var<storage, read_write> row_cursor: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> in_degree: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> targets: array<u32>;
@group(0) @binding(5) var<storage, read_write> weights: array<f32>;
@group(0) @binding(6) var<storage, read_write> delays: array<u32>;
// Delay step table: a synapse's delay is d_first plus the number of thresholds <= its word.
@group(0) @binding(7) var<storage, read> delay_thresholds: array<u32>;

const CONNECTOR_ALL_TO_ALL: u32 = 0u;
const CONNECTOR_ONE_TO_ONE: u32 = 1u;
const CONNECTOR_FIXED_PROBABILITY: u32 = 2u;
const CONNECTOR_RING: u32 = 3u;
const CONNECTOR_FIXED_INDEGREE: u32 = 4u;
const CONNECTOR_FIXED_INDEGREE_DISTINCT: u32 = 5u;
const CONNECTOR_FIXED_TOTAL_NUMBER: u32 = 6u;

const MAX_REDRAWS: u32 = 1000u;

// One synapse's value: constant, uniform, or a normal redrawn outside [lo, hi].
fn synapse_draw(kind: u32, a: f32, b: f32, lo: f32, hi: f32, stream: u32, unit: u32, position: u32) -> f32 {
  if (kind == 0u) { return max(a, lo); }
  if (kind == 1u) { return max(a + (b - a) * rng_unit(rng_draw(gen.seed, stream, unit, position, 0u, 0u).x), lo); }
  var v = a;
  for (var r = 0u; r < MAX_REDRAWS; r++) {
    v = a + b * rng_normal2(gen.seed, stream, unit, position, 0u, r).x;
    if (v >= lo && v <= hi) { return v; }
  }
  return clamp(v, lo, hi);
}

fn emit(unit: u32, position: u32, source: u32, post: u32) {
  if (PASS == 0u) {
    atomicAdd(&row_cursor[source], 1u);
    atomicAdd(&in_degree[post], 1u);
    return;
  }
  if (source < gen.chunk_begin || source >= gen.chunk_end) { return; }
  let k = atomicAdd(&row_cursor[source - gen.chunk_begin], 1u);
  targets[k] = post;
  weights[k] = synapse_draw(gen.w_kind, gen.w_a, gen.w_b, gen.w_lo, gen.w_hi, gen.stream_weights, unit, position);
  if (gen.has_delays != 0u) {
    let w = rng_draw(gen.seed, gen.stream_delays, unit, position, 0u, 0u).x;
    var lo = 0u;
    var hi = gen.d_count;
    while (lo < hi) {
      let mid = (lo + hi) >> 1u;
      if (delay_thresholds[mid] <= w) { lo = mid + 1u; } else { hi = mid; }
    }
    delays[k] = gen.d_first + lo;
  }
}

fn word(w: vec4<u32>, i: u32) -> u32 {
  switch (i & 3u) {
    case 0u: { return w.x; }
    case 1u: { return w.y; }
    case 2u: { return w.z; }
    default: { return w.w; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let unit = gen.unit_begin + flat_index(gid, nwg);
  if (unit >= gen.unit_end) { return; }
  let ns = gen.source_size;
  let nt = gen.target_size;
  let no_autapses = gen.no_autapses != 0u;
  let stream = gen.stream_connectivity;
  switch (gen.kind) {
    case CONNECTOR_ALL_TO_ALL: {
      for (var t = 0u; t < nt; t++) {
        if (!(no_autapses && t == unit)) { emit(unit, t, unit, t); }
      }
    }
    case CONNECTOR_ONE_TO_ONE: {
      emit(unit, unit, unit, unit);
    }
    case CONNECTOR_FIXED_PROBABILITY: {
      if (gen.threshold == 0u && gen.all_pairs == 0u) { return; }
      var w = vec4<u32>(0u);
      for (var t = 0u; t < nt; t++) {
        if ((t & 3u) == 0u && gen.all_pairs == 0u) { w = rng_draw(gen.seed, stream, unit, t >> 2u, 0u, 0u); }
        if ((gen.all_pairs != 0u || word(w, t) < gen.threshold) && !(no_autapses && t == unit)) { emit(unit, t, unit, t); }
      }
    }
    case CONNECTOR_RING: {
      let theta = orientations[unit];
      var w = vec4<u32>(0u);
      for (var t = 0u; t < nt; t++) {
        if ((t & 3u) == 0u) { w = rng_draw(gen.seed, stream, unit, t >> 2u, 0u, 0u); }
        let p = gen.p_max * exp(gen.kappa * (cos(2.0 * (theta - orientations[ns + t])) - 1.0));
        if (rng_unit(word(w, t)) < p && !(no_autapses && t == unit)) { emit(unit, t, unit, t); }
      }
    }
    case CONNECTOR_FIXED_INDEGREE: {
      var w = vec4<u32>(0u);
      for (var j = 0u; j < gen.count; j++) {
        if ((j & 3u) == 0u) { w = rng_draw(gen.seed, stream, unit, j >> 2u, 0u, 0u); }
        var s = philox_mulhilo(word(w, j), gen.candidates).x;
        if (no_autapses && s >= unit) { s += 1u; }
        emit(unit, j, s, unit);
      }
    }
    case CONNECTOR_FIXED_INDEGREE_DISTINCT: {
      // Knuth's selection sampling: exactly `count` distinct candidates, each set equally likely.
      var taken = 0u;
      let m = gen.candidates;
      var w = vec4<u32>(0u);
      for (var i = 0u; i < m && taken < gen.count; i++) {
        if ((i & 3u) == 0u) { w = rng_draw(gen.seed, stream, unit, i >> 2u, 1u, 0u); }
        if (philox_mulhilo(word(w, i), m - i).x < gen.count - taken) {
          var s = i;
          if (no_autapses && i >= unit) { s = i + 1u; }
          emit(unit, taken, s, unit);
          taken += 1u;
        }
      }
    }
    case CONNECTOR_FIXED_TOTAL_NUMBER: {
      let w = rng_draw(gen.seed, stream, unit, 0u, 0u, 0u);
      let s = philox_mulhilo(w.x, ns).x;
      var t: u32;
      if (no_autapses) {
        t = philox_mulhilo(w.y, nt - 1u).x;
        if (t >= s) { t += 1u; }
      } else {
        t = philox_mulhilo(w.y, nt).x;
      }
      emit(unit, 0u, s, t);
    }
    default: {}
  }
}
