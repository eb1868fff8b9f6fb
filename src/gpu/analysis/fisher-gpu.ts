/**
 * Linear Fisher information of (trials × neurons) response matrices on the GPU (the `fisher`
 * CLI and scripts): the same validation and equalisation as the float64 reference, then
 * covariance accumulation, Cholesky and solve on the GPU, and the estimators assembled by
 * `fisherFromSolution`. The cross-validated decoder is a CPU cross-check.
 */
import type { GpuContext } from '../context.js';
import type { ShaderSourceLoader } from '../shaders.js';
import {
  FisherError,
  FISHER_DEFAULT_DECODER_FOLDS,
  checkZeroVariance,
  completeResult,
  fisherFromSolution,
  prepareResponses,
  type FisherOptions,
  type FisherResult,
  type TrialCounts,
} from '../../analysis/fisher.js';
import { GpuLinearFisher, NotPositiveDefiniteError } from './linear-fisher.js';

/** Above this many neurons the CPU decoder cross-check is off unless folds are asked for. */
export const GPU_DECODER_DEFAULT_MAX_NEURONS = 1024;

/**
 * Per-neuron variance pooled over both conditions by degrees of freedom (float64, O(T·N)) for the
 * zero-variance check.
 */
function pooledVariances(a: Float64Array, b: Float64Array, used: TrialCounts, neurons: number): { variances: Float64Array; meanA: Float64Array; meanB: Float64Array } {
  const stats = ([[a, used.a], [b, used.b]] as const).map(([x, trials]) => {
    const mean = new Float64Array(neurons);
    for (let t = 0; t < trials; t++) for (let i = 0; i < neurons; i++) mean[i]! += x[t * neurons + i]! / trials;
    const comoment = new Float64Array(neurons);
    for (let t = 0; t < trials; t++) for (let i = 0; i < neurons; i++) comoment[i]! += (x[t * neurons + i]! - mean[i]!) ** 2;
    return { mean, comoment };
  });
  const dof = used.a + used.b - 2;
  const variances = stats[0]!.comoment.map((v, i) => (v + stats[1]!.comoment[i]!) / dof);
  return { variances, meanA: stats[0]!.mean, meanB: stats[1]!.mean };
}

/**
 * Linear Fisher information of responses to two stimuli, computed on the GPU.
 * @param a responses to s_a, row-major (trials × neurons)
 * @param b responses to s_b = s_a + ds, row-major (trials × neurons)
 * @param neurons number of neurons N
 * @param ds stimulus difference; informations in 1/(unit of ds)²
 * @param options as for `fisherInformation`; the decoder defaults to off above 1,024 neurons
 * @throws FisherError for invalid data (same codes and messages as the CPU reference)
 */
export async function computeFisherGpu(
  context: GpuContext,
  a: Float64Array,
  b: Float64Array,
  neurons: number,
  ds: number,
  options: FisherOptions & { shaders?: ShaderSourceLoader } = {},
): Promise<FisherResult> {
  const prepared = prepareResponses(a, b, neurons, ds, options);
  const pooled = pooledVariances(prepared.a, prepared.b, prepared.used, neurons);
  checkZeroVariance(pooled.variances, pooled.meanA, pooled.meanB, prepared.ridge);
  const shaders = options.shaders ?? (await import('../../node/shaders.js')).nodeShaderLoader;
  const fisher = await GpuLinearFisher.create(context, shaders, neurons);
  const statsA = fisher.createStatistics();
  const statsB = fisher.createStatistics();
  try {
    await fisher.accumulateMatrix(statsA, prepared.a, prepared.used.a);
    await fisher.accumulateMatrix(statsB, prepared.b, prepared.used.b);
    let solution;
    try {
      solution = await fisher.solve(statsA, statsB, ds, { ridge: prepared.ridge });
    } catch (err) {
      if (err instanceof NotPositiveDefiniteError) throw new FisherError('not_positive_definite', err.message);
      throw err;
    }
    const result = fisherFromSolution(solution, prepared.used, ds, { ridge: prepared.ridge, allowInvalidT: options.allowInvalidT === true });
    let folds = options.decoderFolds ?? FISHER_DEFAULT_DECODER_FOLDS;
    if (options.decoderFolds === undefined && neurons > GPU_DECODER_DEFAULT_MAX_NEURONS) {
      folds = 0;
      result.warnings.push(`the cross-validated decoder (a CPU cross-check) is off by default above ${GPU_DECODER_DEFAULT_MAX_NEURONS} neurons; ask for it with --decoder-folds K.`);
    }
    return completeResult(result, prepared, neurons, ds, folds);
  } finally {
    GpuLinearFisher.releaseStatistics(statsA);
    GpuLinearFisher.releaseStatistics(statsB);
  }
}
