// Connectivity generated on the GPU: one thread per generation unit (a source row, or a target
// of fixed in-degree), the rules of engine/connectivity_rows.wgsl.
//
// PASS 0 (count): row lengths and in-degrees by integer atomics.
// PASS 1 (fill): synapses whose source lies in [chunk_begin, chunk_end) take the next slot of
// their row (an atomic cursor) and write target, weight and delay. Per-source connectors fill
// a row from one thread, in generation order; fixed in-degree in arrival order, which changes
// nothing downstream (spike propagation adds fixed-point integers).
// Needs: engine/common.wgsl, engine/philox.wgsl, engine/connectivity_rows.wgsl and a generated `const PASS: u32`.

struct GenRange {
  unit_begin: u32,
  unit_end: u32,
  chunk_begin: u32,
  chunk_end: u32,
}

@group(0) @binding(0) var<uniform> gen: GenInfo;
@group(0) @binding(1) var<storage, read> orientations: array<f32>;
@group(0) @binding(2) var<storage, read> row_lengths: array<u32>;
@group(0) @binding(3) var<storage, read> delay_thresholds: array<u32>;
@group(0) @binding(4) var<uniform> range: GenRange;
// PASS 0: row lengths (one per source). PASS 1: the next free slot of each row of the chunk.
@group(0) @binding(5) var<storage, read_write> row_cursor: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read_write> in_degree: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> targets: array<u32>;
@group(0) @binding(8) var<storage, read_write> weights: array<f32>;
@group(0) @binding(9) var<storage, read_write> delays: array<u32>;

fn emit(unit: u32, position: u32, source: u32, post: u32) {
  if (PASS == 0u) {
    atomicAdd(&row_cursor[source], 1u);
    atomicAdd(&in_degree[post], 1u);
    return;
  }
  if (source < range.chunk_begin || source >= range.chunk_end) { return; }
  let k = atomicAdd(&row_cursor[source - range.chunk_begin], 1u);
  targets[k] = post;
  let first = synapse_values_draw(unit, position);
  weights[k] = synapse_weight(first, unit, position);
  if (gen.has_delays != 0u) { delays[k] = synapse_delay(first); }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let unit = range.unit_begin + flat_index(gid, nwg);
  if (unit >= range.unit_end) { return; }
  generate_unit(unit, 0u, 1u);
}

fn gen_orientation(i: u32) -> f32 { return orientations[i]; }
fn gen_row_length(s: u32) -> u32 { return row_lengths[s]; }
fn gen_delay_threshold(i: u32) -> u32 { return delay_thresholds[i]; }
