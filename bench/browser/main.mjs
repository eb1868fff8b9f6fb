// The benchmark suite's page for headless Chrome (npm run bench -- --runtime chrome).
//
// Built by Vite (bench/lib/chrome-runtime.mjs bundles it with the engine from src/ and the WGSL
// files through bundledShaderLoader) and driven by puppeteer: the driver calls the functions of
// `window.cortexgpuBench` with page.evaluate and receives their results; progress lines go back
// through `window.benchLog`, which the driver exposes (page.exposeFunction). The timing protocol
// and the Fisher benchmark are the Node runtime's own modules (bench/lib/measure.mjs,
// bench/lib/fisher-core.mjs), so both runtimes measure the same thing.
//
// `document.body.dataset.state` is `ready` once the API is installed (`error` if loading failed).
import { acquireBrowserGpu } from '../../src/gpu/browser.js';
import { bundledShaderLoader } from '../../src/gpu/bundled-shaders.js';
import { GpuSimulator } from '../../src/gpu/simulator.js';
import { computeFisherGpu } from '../../src/gpu/analysis/fisher-gpu.js';
import { RandomStream } from '../../src/rng/philox.js';
import { measureDispatchCost, measureSimulation } from '../lib/measure.mjs';
import { measureFisher, warmUpFisher } from '../lib/fisher-core.mjs';

/** @type {Promise<import('../../src/gpu/context.js').GpuContext> | null} */
let contextPromise = null;
let fisherWarm = false;
/** @type {Promise<{ dispatch_cost_us: number }> | null} */
let probe = null;

/** One WebGPU context for the page. */
function context() {
  contextPromise ??= acquireBrowserGpu({ powerPreference: 'high-performance' });
  return contextPromise;
}

/** Progress line to the driver (and the page). */
function log(text) {
  document.getElementById('status').textContent = text;
  const send = /** @type {any} */ (window).benchLog;
  if (typeof send === 'function') void send(text);
}

const api = {
  /** Adapter description, browser user agent and the limits granted. */
  async adapter() {
    const ctx = await context();
    return { ...ctx.info, userAgent: navigator.userAgent, maxStorageBufferBindingSize: ctx.limits.maxStorageBufferBindingSize, maxBufferSize: ctx.limits.maxBufferSize };
  },
  /**
   * Time a network (spec as JSON) with the shared protocol.
   * @param {any} spec
   * @param {{ warmupMs: number, durationMs: number, stepsPerSubmit?: number }} protocol
   */
  async simulate(spec, protocol) {
    const ctx = await context();
    const create = (s, extra = {}) => GpuSimulator.create(s, { context: ctx, shaders: bundledShaderLoader, ...(protocol.stepsPerSubmit ? { stepsPerSubmit: protocol.stepsPerSubmit } : {}), ...extra });
    // This page's cost of one dispatch, measured once, for the bounds of every network.
    probe ??= measureDispatchCost(create);
    const { dispatch_cost_us: dispatchCostUs } = await probe;
    return measureSimulation(create, spec, { warmupMs: protocol.warmupMs, durationMs: protocol.durationMs, log, dispatchCostUs });
  },
  /** Time the Fisher kernel for N neurons (pipelines warmed up once). */
  async fisher(n) {
    const engine = { computeFisherGpu, RandomStream, context: await context(), shaders: bundledShaderLoader };
    if (!fisherWarm) { await warmUpFisher(engine); fisherWarm = true; }
    log(`fisher N = ${n}`);
    return measureFisher(engine, n);
  },
};

/** @type {any} */ (window).cortexgpuBench = api;
document.body.dataset.state = 'ready';
log('ready');
