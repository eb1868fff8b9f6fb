// Covariance + linear Fisher information benchmark, shared by bench/fisher.mjs (GPU against the
// float64 reference), the suite's Node runtime and its headless-Chrome page. It imports nothing:
// the engine's pieces (computeFisherGpu, RandomStream, a shader loader) are passed in, so the
// same code runs from dist/ in Node and bundled from src/ in the browser.

/**
 * Correlated counts with means around 50: a shared gain plus private Poisson-like noise,
 * trials × n, trial-major. Deterministic for (seed, shift).
 * @param {new (seed: number, stream: number) => { normal(): number }} RandomStream Philox stream class (src/rng/philox.ts)
 */
export function fisherResponses(RandomStream, trials, n, shift, seed) {
  const rng = new RandomStream(seed, 7);
  const x = new Float64Array(trials * n);
  for (let t = 0; t < trials; t++) {
    const shared = rng.normal();
    for (let i = 0; i < n; i++) {
      const mean = 50 + 10 * Math.sin(i) + shift * Math.cos(0.01 * i);
      x[t * n + i] = Math.max(0, Math.round(mean + 3 * shared + Math.sqrt(mean) * rng.normal()));
    }
  }
  return x;
}

/** Trials per condition for n neurons: ceil(n · factor) (default factor 1.25, as bench/fisher.mjs). */
export function fisherTrials(n, trialsFactor = 1.25) {
  return Math.ceil(n * trialsFactor);
}

/**
 * The two conditions' responses for n neurons (seeds 1 and 2, shift 0 and 2), as bench/fisher.mjs
 * has always used.
 * @returns {{ a: Float64Array, b: Float64Array, trials: number }}
 */
export function fisherInputs(RandomStream, n, trialsFactor = 1.25) {
  const trials = fisherTrials(n, trialsFactor);
  return { a: fisherResponses(RandomStream, trials, n, 0, 1), b: fisherResponses(RandomStream, trials, n, 2, 2), trials };
}

/**
 * Flops of the work, as ../shared/benchmarks.md counts them: covariance 2·N²·T per condition
 * (two conditions), Cholesky N³/3.
 */
export function fisherFlops(n, trials) {
  return { covariance: 2 * 2 * n * n * trials, cholesky: n ** 3 / 3 };
}

/**
 * Untimed warm-up (pipeline compilation) on a 32-neuron problem, once per context.
 * @param {{ computeFisherGpu: Function, RandomStream: any, context: object, shaders?: unknown }} engine
 */
export async function warmUpFisher(engine) {
  const n = 32;
  const a = fisherResponses(engine.RandomStream, 64, n, 0, 101);
  const b = fisherResponses(engine.RandomStream, 64, n, 2, 102);
  await engine.computeFisherGpu(engine.context, a, b, n, 1, { decoderFolds: 0, ...(engine.shaders ? { shaders: engine.shaders } : {}) }).catch(() => null);
}

/**
 * Time computeFisherGpu on N neurons (data generated first, untimed). The time covers what a
 * caller of computeFisherGpu waits for: validation and equalisation on the host, covariance
 * accumulation, blocked Cholesky and solve on the GPU, read-back of the estimators.
 * @param {{ computeFisherGpu: Function, RandomStream: any, context: object, shaders?: unknown }} engine
 * @param {number} n neurons
 * @param {{ trialsFactor?: number, inputs?: { a: Float64Array, b: Float64Array, trials: number }, now?: () => number }} [options]
 *   inputs: data made by {@link fisherInputs} (made here when absent)
 */
export async function measureFisher(engine, n, options = {}) {
  const now = options.now ?? (() => performance.now());
  const { a, b, trials } = options.inputs ?? fisherInputs(engine.RandomStream, n, options.trialsFactor);
  const t0 = now();
  const result = await engine.computeFisherGpu(engine.context, a, b, n, 1, { decoderFolds: 0, ...(engine.shaders ? { shaders: engine.shaders } : {}) });
  const wallS = (now() - t0) / 1000;
  const flops = fisherFlops(n, trials);
  return {
    neurons: n,
    trials_per_condition: trials,
    wall_s: wallS,
    I_naive: result.I_naive,
    flops_covariance: flops.covariance,
    flops_cholesky: flops.cholesky,
    gflops_per_s: (flops.covariance + flops.cholesky) / wallS / 1e9,
  };
}
