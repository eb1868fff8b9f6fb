// Tiled co-moment of a sample block, centred on the block's own mean, merged exactly into a
// running co-moment (Chan, Golub & LeVeque): C += Cb + δδᵀ·na·nb/(na + nb), δ = mean_b − mean_a.
// Centring per block keeps float32 accurate for counts with large means. One 16×16 output
// tile per workgroup; samples stream through workgroup memory 16 at a time. The co-moment is
// symmetric: only tiles on or above the diagonal are computed, and mirrored.

struct AccumulateInfo {
  n_samples: u32,
  n_neurons: u32,
  // Samples already merged (na) and in this block (nb), as floats for the merge weight.
  prior_count: f32,
  block_count: f32,
}

@group(0) @binding(0) var<uniform> info: AccumulateInfo;
@group(0) @binding(1) var<storage, read> samples: array<f32>;
@group(0) @binding(2) var<storage, read> block_mean: array<f32>;
@group(0) @binding(3) var<storage, read> running_mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> comoment: array<f32>;

const TILE: u32 = 16u;
var<workgroup> rows_tile: array<array<f32, 16>, 16>;
var<workgroup> cols_tile: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  // Whole workgroups exit together, so the barriers below stay uniform.
  if (wid.x < wid.y) { return; }
  let n = info.n_neurons;
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let i = row0 + lid.y;
  let j = col0 + lid.x;
  var acc = 0.0;
  for (var t0 = 0u; t0 < info.n_samples; t0 += TILE) {
    // Thread (x, y) loads sample t0 + y of neuron row0 + x and of neuron col0 + x.
    let t = t0 + lid.y;
    let load_row = row0 + lid.x;
    let load_col = col0 + lid.x;
    var a = 0.0;
    var b = 0.0;
    if (t < info.n_samples && load_row < n) { a = samples[t * n + load_row] - block_mean[load_row]; }
    if (t < info.n_samples && load_col < n) { b = samples[t * n + load_col] - block_mean[load_col]; }
    rows_tile[lid.y][lid.x] = a;
    cols_tile[lid.y][lid.x] = b;
    workgroupBarrier();
    for (var s = 0u; s < TILE; s++) {
      acc += rows_tile[s][lid.y] * cols_tile[s][lid.x];
    }
    workgroupBarrier();
  }
  if (i >= n || j >= n) { return; }
  let index = i * n + j;
  var value = acc;
  if (info.prior_count != 0.0) {
    let weight = info.prior_count * info.block_count / (info.prior_count + info.block_count);
    let delta_i = block_mean[i] - running_mean[i];
    let delta_j = block_mean[j] - running_mean[j];
    value = comoment[index] + acc + delta_i * delta_j * weight;
  }
  comoment[index] = value;
  // Off-diagonal tiles also fill the mirrored tile (diagonal tiles hold both halves already).
  if (wid.x != wid.y) { comoment[j * n + i] = value; }
}
