// The suite's Node runtime: the engine from dist/ on Dawn (the `webgpu` package), one GPU
// context for the whole process (nodeGpu). Runs a spec through the shared timing protocol
// (measure.mjs) and the Fisher kernel through fisher-core.mjs.
import { createNodeSimulator, nodeGpu } from '../../dist/node/index.js';
import { computeFisherGpu } from '../../dist/gpu/analysis/fisher-gpu.js';
import { RandomStream } from '../../dist/rng/philox.js';
import { measureDispatchCost, measureSimulation } from './measure.mjs';
import { measureFisher, warmUpFisher } from './fisher-core.mjs';

/**
 * The Node runtime, started (GPU acquired).
 * @param {{ stepsPerSubmit?: number, software?: 'lavapipe' | 'swiftshader', log?: (text: string) => void }} [options]
 */
export async function startNodeRuntime(options = {}) {
  const context = await nodeGpu({ verbose: false, ...(options.software ? { software: options.software } : {}) });
  const engine = { computeFisherGpu, RandomStream, context };
  let fisherWarm = false;
  const create = (s, extra = {}) => createNodeSimulator(s, { context, ...(options.stepsPerSubmit ? { stepsPerSubmit: options.stepsPerSubmit } : {}), ...extra });
  /** @type {Promise<{ dispatch_cost_us: number }> | null} */
  let probe = null;
  return {
    runtime: 'node',
    runtimeVersion: `node ${process.version}, webgpu (Dawn)`,
    adapter: { ...context.info },
    /** Time a network (see measure.mjs), with this runtime's dispatch cost (measured once) for the bounds. */
    async simulate(spec, protocol, log) {
      probe ??= measureDispatchCost(create);
      const { dispatch_cost_us: dispatchCostUs } = await probe;
      return measureSimulation(create, spec, { ...protocol, log, dispatchCostUs });
    },
    /** Time the Fisher kernel for N neurons (pipelines warmed up once). */
    async fisher(n) {
      if (!fisherWarm) { await warmUpFisher(engine); fisherWarm = true; }
      return measureFisher(engine, n);
    },
    async close() { /* the process's Dawn context lives until exit (nodeGpu) */ },
  };
}
