// Blocked forward substitution L y = b for block row k: the 256 threads form partial sums
// of L_(k,<k) · y for the 16 rows, reduce them, then the 16×16 diagonal block is solved.
// I = f'ᵀ Σ⁻¹ f' = ‖y‖² with y = L⁻¹ f'.

@group(0) @binding(0) var<uniform> chol: CholeskyStep;
@group(0) @binding(1) var<storage, read> matrix: array<f32>;
@group(0) @binding(2) var<storage, read> rhs: array<f32>;
@group(0) @binding(3) var<storage, read_write> solution: array<f32>;

var<workgroup> partial: array<array<f32, 16>, 16>;
var<workgroup> row_value: array<f32, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let k0 = chol.k * BLOCK;
  let p = chol.padded;
  let r = lid.y;
  let lane = lid.x;
  var sum = 0.0;
  for (var j = lane; j < k0; j += BLOCK) {
    sum += matrix[(k0 + r) * p + j] * solution[j];
  }
  partial[r][lane] = sum;
  workgroupBarrier();
  if (lane == 0u) {
    var total = 0.0;
    for (var m = 0u; m < BLOCK; m++) { total += partial[r][m]; }
    row_value[r] = rhs[k0 + r] - total;
  }
  workgroupBarrier();
  if (r == 0u && lane == 0u) {
    for (var i = 0u; i < BLOCK; i++) {
      var value = row_value[i];
      for (var m = 0u; m < i; m++) { value -= matrix[(k0 + i) * p + k0 + m] * solution[k0 + m]; }
      solution[k0 + i] = value / matrix[(k0 + i) * p + k0 + i];
    }
  }
}
