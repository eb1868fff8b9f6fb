// Shared declarations of the blocked Cholesky kernels: the matrix is padded to a multiple of
// BLOCK and factorised in place (lower triangle) one block column k at a time:
// cholesky_diagonal (L_kk), cholesky_panel (L_ik = A_ik L_kk⁻ᵀ), cholesky_update (A_ij −= L_ik L_jkᵀ).

const BLOCK: u32 = 16u;

struct CholeskyStep {
  // Block column being factorised.
  k: u32,
  padded: u32,
  _pad0: u32,
  _pad1: u32,
}
