// Unblocked Cholesky of the diagonal block A_kk in workgroup memory. A non-positive (or
// non-finite) pivot is recorded in `status` (flag, global pivot index, pivot value bits) and
// replaced by 1 so the rest stays finite; the host reports the first failure.

@group(0) @binding(0) var<uniform> chol: CholeskyStep;
@group(0) @binding(1) var<storage, read_write> matrix: array<f32>;
@group(0) @binding(2) var<storage, read_write> status: array<atomic<u32>>;

var<workgroup> a: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let k0 = chol.k * BLOCK;
  let p = chol.padded;
  let r = lid.y;
  let c = lid.x;
  a[r][c] = matrix[(k0 + r) * p + k0 + c];
  workgroupBarrier();
  for (var j = 0u; j < BLOCK; j++) {
    if (r == j && c == j) {
      let d = a[j][j];
      if (!(d > 0.0) || is_non_finite(d)) {
        if (atomicCompareExchangeWeak(&status[0], 0u, 1u).exchanged) {
          atomicStore(&status[1], k0 + j);
          atomicStore(&status[2], bitcast<u32>(d));
        }
        a[j][j] = 1.0;
      } else {
        a[j][j] = sqrt(d);
      }
    }
    workgroupBarrier();
    if (c == j && r > j) { a[r][j] = a[r][j] / a[j][j]; }
    workgroupBarrier();
    if (r > j && c > j && c <= r) { a[r][c] = a[r][c] - a[r][j] * a[c][j]; }
    workgroupBarrier();
  }
  matrix[(k0 + r) * p + k0 + c] = select(0.0, a[r][c], c <= r);
}
