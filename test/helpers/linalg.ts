/** Small dense linear algebra for test references (row-major Float64Array matrices). */
import type { RandomStream } from '../../src/rng/philox.js';

/** Solve A x = b by Gaussian elimination with partial pivoting (A is n×n). */
export function solve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]!) > Math.abs(m[pivot * n + col]!)) pivot = r;
    if (pivot !== col) {
      for (let c = 0; c < n; c++) [m[col * n + c], m[pivot * n + c]] = [m[pivot * n + c]!, m[col * n + c]!];
      [x[col], x[pivot]] = [x[pivot]!, x[col]!];
    }
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col]! / m[col * n + col]!;
      if (f === 0) continue;
      for (let c = col; c < n; c++) m[r * n + c]! -= f * m[col * n + c]!;
      x[r]! -= f * x[col]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let c = r + 1; c < n; c++) s -= m[r * n + c]! * x[c]!;
    x[r] = s / m[r * n + r]!;
  }
  return x;
}

/** Continuous Lyapunov equation A Σ + Σ Aᵀ + Q = 0, solved through its Kronecker form. */
export function lyapunovContinuous(A: Float64Array, Q: Float64Array, n: number): Float64Array {
  const N = n * n;
  const K = new Float64Array(N * N);
  // vec(AΣ + ΣAᵀ) = (I⊗A + A⊗I) vec(Σ) with row-major vec(Σ)[i·n + j] = Σ_ij.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const row = i * n + j;
      for (let k = 0; k < n; k++) {
        K[row * N + k * n + j]! += A[i * n + k]!;
        K[row * N + i * n + k]! += A[j * n + k]!;
      }
    }
  }
  return solve(K, Q.map((q) => -q), N);
}

/** Discrete Lyapunov equation Σ = M Σ Mᵀ + Q, by fixed-point iteration (M stable). */
export function lyapunovDiscrete(M: Float64Array, Q: Float64Array, n: number, iterations = 20000): Float64Array {
  let S = Float64Array.from(Q);
  const tmp = new Float64Array(n * n);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += M[i * n + k]! * S[k * n + j]!;
      tmp[i * n + j] = s;
    }
    const next = new Float64Array(n * n);
    let change = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = Q[i * n + j]!;
      for (let k = 0; k < n; k++) s += tmp[i * n + k]! * M[j * n + k]!;
      next[i * n + j] = s;
      change = Math.max(change, Math.abs(s - S[i * n + j]!));
    }
    S = next;
    if (change < 1e-14) break;
  }
  return S;
}

/** Lower Cholesky factor of a symmetric positive definite n×n matrix (test-side, independent of the module's). */
export function cholesky(S: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = S[j * n + j]!;
    for (let k = 0; k < j; k++) d -= L[j * n + k]! ** 2;
    L[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = S[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = s / L[j * n + j]!;
    }
  }
  return L;
}

/** `trials` rows of N(mean, L Lᵀ), row-major (trials × n, n = mean.length), from `stream`'s normals. */
export function gaussianSamples(stream: RandomStream, mean: Float64Array, L: Float64Array, trials: number): Float64Array {
  const n = mean.length;
  const out = new Float64Array(trials * n);
  const z = new Float64Array(n);
  for (let t = 0; t < trials; t++) {
    for (let i = 0; i < n; i++) z[i] = stream.normal();
    for (let i = 0; i < n; i++) {
      let s = mean[i]!;
      for (let k = 0; k <= i; k++) s += L[i * n + k]! * z[k]!;
      out[t * n + i] = s;
    }
  }
  return out;
}
