/**
 * Small summary statistics shared by the experiment protocols.
 */

/** Arithmetic mean (0 for no values). */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / Math.max(1, values.length);
}

/** Mean and standard error of the mean (sample SD / √n; 0 for fewer than two values). */
export function meanAndStandardError(values: ArrayLike<number>): { mean: number; se: number } {
  const m = mean(values);
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - m) ** 2;
  const n = values.length;
  return { mean: m, se: n > 1 ? Math.sqrt(squares / (n - 1) / n) : 0 };
}
