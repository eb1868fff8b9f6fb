// engine/connectivity_rows.wgsl — the synapses of one generation unit of a projection, as the CPU
// reference `visitUnit` in src/model/connectivity.ts makes them: a library for the generation
// kernel (engine/connectivity_generate.wgsl) and procedural propagation
// (engine/propagate_spikes_procedural.wgsl). Which synapses exist is decided by integer arithmetic on
// Philox words only, so the GPU and the CPU reference make identical synapses.
//
// The including kernel defines `gen` (a GenInfo), `fn emit(unit: u32, position: u32, source:
// u32, post: u32)` and the accessors of the recipe's arrays: `fn gen_orientation(i: u32) -> f32`
// (preferred orientations in radians: sources, then targets; ring only), `fn gen_row_length(s:
// u32) -> u32` (synapses per source; fixed total number only) and `fn gen_delay_threshold(i: u32)
// -> u32` (the delay step table: a synapse's delay is d_first plus the number of thresholds <=
// its word). Needs: engine/philox.wgsl.

struct GenInfo {
  kind: u32,
  source_size: u32,
  target_size: u32,
  seed: u32,
  stream_connectivity: u32,
  stream_values: u32,
  no_autapses: u32,
  threshold: u32,
  all_pairs: u32,
  count: u32,
  candidates: u32,
  has_delays: u32,
  // Delays: the first step and the number of thresholds of the step table.
  d_first: u32,
  d_count: u32,
  w_kind: u32,
  w_a: f32,
  w_b: f32,
  w_lo: f32,
  w_hi: f32,
  p_max: f32,
  kappa: f32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

const CONNECTOR_ALL_TO_ALL: u32 = 0u;
const CONNECTOR_ONE_TO_ONE: u32 = 1u;
const CONNECTOR_FIXED_PROBABILITY: u32 = 2u;
const CONNECTOR_RING: u32 = 3u;
const CONNECTOR_FIXED_INDEGREE: u32 = 4u;
const CONNECTOR_FIXED_INDEGREE_DISTINCT: u32 = 5u;
const CONNECTOR_FIXED_TOTAL_NUMBER: u32 = 6u;

const MAX_REDRAWS: u32 = 1000u;

fn word_of(w: vec4<u32>, i: u32) -> u32 {
  switch (i & 3u) {
    case 0u: { return w.x; }
    case 1u: { return w.y; }
    case 2u: { return w.z; }
    default: { return w.w; }
  }
}

/// The first draw of a synapse's values: weight from words 0–1, delay from word 2.
fn synapse_values_draw(unit: u32, position: u32) -> vec4<u32> {
  return rng_draw(gen.seed, gen.stream_values, unit, position, 0u, 0u);
}

/// Weight: constant, uniform (word 0), or a normal (Box–Muller of words 0, 1) redrawn outside [lo, hi].
fn synapse_weight(first: vec4<u32>, unit: u32, position: u32) -> f32 {
  if (gen.w_kind == 0u) { return max(gen.w_a, gen.w_lo); }
  if (gen.w_kind == 1u) { return max(gen.w_a + (gen.w_b - gen.w_a) * rng_unit(first.x), gen.w_lo); }
  var w = first;
  var v = gen.w_a;
  for (var r = 0u; r < MAX_REDRAWS; r++) {
    if (r > 0u) { w = rng_draw(gen.seed, gen.stream_values, unit, position, 0u, r); }
    let radius = sqrt(-2.0 * rng_log_unit(rng_unit(w.x)));
    v = gen.w_a + gen.w_b * radius * cos(3.14159265358979 * (2.0 * rng_unit(w.y) - 1.0));
    if (v >= gen.w_lo && v <= gen.w_hi) { return v; }
  }
  return clamp(v, gen.w_lo, gen.w_hi);
}

/// Delay in steps from word 2 of the first draw (binary search of the step table).
fn synapse_delay(first: vec4<u32>) -> u32 {
  let w = first.z;
  var lo = 0u;
  var hi = gen.d_count;
  while (lo < hi) {
    let mid = (lo + hi) >> 1u;
    if (gen_delay_threshold(mid) <= w) { lo = mid + 1u; } else { hi = mid; }
  }
  return gen.d_first + lo;
}

/// Calls emit() for the synapses of one unit (a source row, or a target of fixed in-degree).
/// Rows of per-source connectors are split between `lanes` threads in blocks of 4 positions
/// (one Philox draw each); fixed in-degree units run on lane 0 alone.
fn generate_unit(unit: u32, lane: u32, lanes: u32) {
  let ns = gen.source_size;
  let nt = gen.target_size;
  let no_autapses = gen.no_autapses != 0u;
  let stream = gen.stream_connectivity;
  switch (gen.kind) {
    case CONNECTOR_ALL_TO_ALL: {
      for (var t = lane; t < nt; t += lanes) {
        if (!(no_autapses && t == unit)) { emit(unit, t, unit, t); }
      }
    }
    case CONNECTOR_ONE_TO_ONE: {
      if (lane == 0u) { emit(unit, unit, unit, unit); }
    }
    case CONNECTOR_FIXED_PROBABILITY: {
      if (gen.threshold == 0u && gen.all_pairs == 0u) { return; }
      for (var blk = lane; blk * 4u < nt; blk += lanes) {
        var w = vec4<u32>(0u);
        if (gen.all_pairs == 0u) { w = rng_draw(gen.seed, stream, unit, blk, 0u, 0u); }
        for (var i = 0u; i < 4u; i++) {
          let t = blk * 4u + i;
          if (t >= nt) { break; }
          if ((gen.all_pairs != 0u || word_of(w, i) < gen.threshold) && !(no_autapses && t == unit)) { emit(unit, t, unit, t); }
        }
      }
    }
    case CONNECTOR_RING: {
      let theta = gen_orientation(unit);
      for (var blk = lane; blk * 4u < nt; blk += lanes) {
        let w = rng_draw(gen.seed, stream, unit, blk, 0u, 0u);
        for (var i = 0u; i < 4u; i++) {
          let t = blk * 4u + i;
          if (t >= nt) { break; }
          let p = gen.p_max * exp(gen.kappa * (cos(2.0 * (theta - gen_orientation(ns + t))) - 1.0));
          if (rng_unit(word_of(w, i)) < p && !(no_autapses && t == unit)) { emit(unit, t, unit, t); }
        }
      }
    }
    case CONNECTOR_FIXED_INDEGREE: {
      if (lane != 0u) { return; }
      var w = vec4<u32>(0u);
      for (var j = 0u; j < gen.count; j++) {
        if ((j & 3u) == 0u) { w = rng_draw(gen.seed, stream, unit, j >> 2u, 0u, 0u); }
        var s = philox_mulhilo(word_of(w, j), gen.candidates).x;
        if (no_autapses && s >= unit) { s += 1u; }
        emit(unit, j, s, unit);
      }
    }
    case CONNECTOR_FIXED_INDEGREE_DISTINCT: {
      // Knuth's selection sampling: exactly `count` distinct candidates, each set equally likely.
      if (lane != 0u) { return; }
      var taken = 0u;
      let m = gen.candidates;
      var w = vec4<u32>(0u);
      for (var i = 0u; i < m && taken < gen.count; i++) {
        if ((i & 3u) == 0u) { w = rng_draw(gen.seed, stream, unit, i >> 2u, 1u, 0u); }
        if (philox_mulhilo(word_of(w, i), m - i).x < gen.count - taken) {
          var s = i;
          if (no_autapses && i >= unit) { s = i + 1u; }
          emit(unit, taken, s, unit);
          taken += 1u;
        }
      }
    }
    case CONNECTOR_FIXED_TOTAL_NUMBER: {
      // The row's length is a multinomial draw made on the host; its targets are uniform.
      let n = gen_row_length(unit);
      for (var blk = lane; blk * 4u < n; blk += lanes) {
        let w = rng_draw(gen.seed, stream, unit, blk, 0u, 0u);
        for (var i = 0u; i < 4u; i++) {
          let j = blk * 4u + i;
          if (j >= n) { break; }
          var t: u32;
          if (no_autapses) {
            t = philox_mulhilo(word_of(w, i), nt - 1u).x;
            if (t >= unit) { t += 1u; }
          } else {
            t = philox_mulhilo(word_of(w, i), nt).x;
          }
          emit(unit, j, unit, t);
        }
      }
    }
    default: {}
  }
}
