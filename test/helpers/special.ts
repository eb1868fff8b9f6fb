/** Special functions for test references. */

/** Modified Bessel function I₁(x) by its power series Σ (x/2)^(2k+1) / (k! (k+1)!). */
export function besselI1(x: number): number {
  let term = x / 2;
  let sum = term;
  for (let k = 1; k < 60; k++) {
    term *= (x * x) / 4 / (k * (k + 1));
    sum += term;
  }
  return sum;
}
