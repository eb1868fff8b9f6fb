// Panel of block column k: for each block row i > k, L_ik = A_ik · L_kk⁻ᵀ, i.e. every row x of
// A_ik solves x · L_kkᵀ = a by forward substitution over the 16 columns.

@group(0) @binding(0) var<uniform> chol: CholeskyStep;
@group(0) @binding(1) var<storage, read_write> matrix: array<f32>;

var<workgroup> diagonal: array<array<f32, 16>, 16>;
var<workgroup> x: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let k0 = chol.k * BLOCK;
  let i0 = k0 + BLOCK * (wid.x + 1u);
  let p = chol.padded;
  let r = lid.y;
  let c = lid.x;
  diagonal[r][c] = matrix[(k0 + r) * p + k0 + c];
  x[r][c] = matrix[(i0 + r) * p + k0 + c];
  workgroupBarrier();
  for (var j = 0u; j < BLOCK; j++) {
    if (c == j) {
      var value = x[r][j];
      for (var m = 0u; m < j; m++) { value -= x[r][m] * diagonal[j][m]; }
      x[r][j] = value / diagonal[j][j];
    }
    workgroupBarrier();
  }
  matrix[(i0 + r) * p + k0 + c] = x[r][c];
}
