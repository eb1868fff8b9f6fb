// Assemble the linear-Fisher problem from the running statistics of two conditions:
// Σ = (Ca + Cb)/(na + nb − 2), the covariances pooled by degrees of freedom (= (Σa + Σb)/2 for
// equal counts; + ridge on the diagonal, opt-in), f' = (mean_b − mean_a)/ds,
// into a matrix padded to a multiple of the Cholesky block (identity on padded rows).

struct PrepareInfo {
  n_neurons: u32,
  padded: u32,
  count_a: f32,
  count_b: f32,
  ds: f32,
  ridge: f32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> info: PrepareInfo;
@group(0) @binding(1) var<storage, read> comoment_a: array<f32>;
@group(0) @binding(2) var<storage, read> comoment_b: array<f32>;
@group(0) @binding(3) var<storage, read> mean_a: array<f32>;
@group(0) @binding(4) var<storage, read> mean_b: array<f32>;
@group(0) @binding(5) var<storage, read_write> matrix: array<f32>;
@group(0) @binding(6) var<storage, read_write> fprime: array<f32>;
@group(0) @binding(7) var<storage, read_write> variances: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let index = flat_index(gid, nwg);
  let p = info.padded;
  if (index >= p * p) { return; }
  let i = index / p;
  let j = index % p;
  let n = info.n_neurons;
  var value = 0.0;
  if (i < n && j < n) {
    value = (comoment_a[i * n + j] + comoment_b[i * n + j]) / (info.count_a + info.count_b - 2.0);
    if (i == j) { value += info.ridge; }
  } else if (i == j) {
    value = 1.0;
  }
  matrix[index] = value;
  if (i == j) { variances[i] = value; }
  if (j == 0u) {
    fprime[i] = select(0.0, (mean_b[i] - mean_a[i]) / info.ds, i < n);
  }
}
