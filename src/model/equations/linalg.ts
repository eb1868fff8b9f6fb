/** Float64 matrix exponential for exact propagators (scaling and squaring of a Taylor series). */

/** Square matrix as rows. */
export type Matrix = number[][];

function multiply(a: Matrix, b: Matrix): Matrix {
  const n = a.length;
  const out: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i]![k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i]![j]! += aik * b[k]![j]!;
    }
  }
  return out;
}

/**
 * e^A in float64: A is scaled by 2^−s so that its norm is below 1/2, the Taylor series is
 * summed to machine precision, then squared s times.
 */
export function expm(a: Matrix): Matrix {
  const n = a.length;
  const norm = Math.max(0, ...a.map((row) => row.reduce((s, x) => s + Math.abs(x), 0)));
  const s = norm > 0.5 ? Math.ceil(Math.log2(norm / 0.5)) : 0;
  const scale = 2 ** -s;
  const b = a.map((row) => row.map((x) => x * scale));
  let result: Matrix = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  let term: Matrix = result.map((row) => [...row]);
  for (let k = 1; k <= 30; k++) {
    term = multiply(term, b).map((row) => row.map((x) => x / k));
    let largest = 0;
    result = result.map((row, i) => row.map((x, j) => {
      largest = Math.max(largest, Math.abs(term[i]![j]!));
      return x + term[i]![j]!;
    }));
    if (largest < 1e-18) break;
  }
  for (let k = 0; k < s; k++) result = multiply(result, result);
  return result;
}

/**
 * Propagators of dx/dt = M x + c over one step h with c held constant:
 * x(h) = P x(0) + Q c with P = e^{Mh}, Q = ∫₀^h e^{Ms} ds (from the exponential of the
 * block matrix [[M, I], [0, 0]]·h).
 */
export function propagators(m: Matrix, h: number): { p: Matrix; q: Matrix } {
  const n = m.length;
  const big: Matrix = Array.from({ length: 2 * n }, (_, i) => Array.from({ length: 2 * n }, (_, j) => {
    if (i < n && j < n) return m[i]![j]! * h;
    if (i < n && j === i + n) return h;
    return 0;
  }));
  const e = expm(big);
  return {
    p: e.slice(0, n).map((row) => row.slice(0, n)),
    q: e.slice(0, n).map((row) => row.slice(n, 2 * n)),
  };
}
