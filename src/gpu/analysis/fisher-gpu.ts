/**
 * TEMPORARY STUB (written by the CPU-reference engineer so that the `fisher` CLI compiles and
 * can be tested): the real GPU implementation replaces this file. It only calls the float64
 * CPU reference and ignores the GPU context.
 */
import type { GpuContext } from '../context.js';
import { fisherInformation, type FisherOptions, type FisherResult } from '../../analysis/fisher.js';

/**
 * Linear Fisher information of (trials × neurons) responses to two stimuli on the GPU
 * (TEMPORARY: computed by the CPU reference).
 * @param context the GPU device (unused by this stub)
 * @param a responses to s_a, row-major (trials × neurons)
 * @param b responses to s_b = s_a + ds, row-major (trials × neurons)
 * @param neurons number of neurons N
 * @param ds stimulus difference; informations in 1/(unit of ds)²
 * @param options as for `fisherInformation`
 */
export async function computeFisherGpu(
  context: GpuContext,
  a: Float64Array,
  b: Float64Array,
  neurons: number,
  ds: number,
  options: FisherOptions = {},
): Promise<FisherResult> {
  void context;
  return fisherInformation(a, b, neurons, ds, options);
}
