// Trailing update after block column k: A_ij −= L_ik · L_jkᵀ for k < j ≤ i (lower blocks
// only). Workgroup (x, y) = block (j, i) offset from k + 1; upper blocks exit at once.

@group(0) @binding(0) var<uniform> chol: CholeskyStep;
@group(0) @binding(1) var<storage, read_write> matrix: array<f32>;

var<workgroup> left: array<array<f32, 16>, 16>;
var<workgroup> right: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  if (wid.x > wid.y) { return; }
  let k0 = chol.k * BLOCK;
  let i0 = k0 + BLOCK * (wid.y + 1u);
  let j0 = k0 + BLOCK * (wid.x + 1u);
  let p = chol.padded;
  let r = lid.y;
  let c = lid.x;
  left[r][c] = matrix[(i0 + r) * p + k0 + c];
  right[r][c] = matrix[(j0 + r) * p + k0 + c];
  workgroupBarrier();
  var acc = 0.0;
  for (var m = 0u; m < BLOCK; m++) { acc += left[r][m] * right[c][m]; }
  let index = (i0 + r) * p + j0 + c;
  matrix[index] = matrix[index] - acc;
}
