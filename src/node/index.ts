/**
 * Node entry point: everything of the public API plus device acquisition through Dawn and
 * shader loading from disk.
 *
 * @example
 * ```ts
 * import { createNodeSimulator } from 'cortexgpu/node';
 * const sim = await createNodeSimulator(JSON.parse(fs.readFileSync('examples/brunel2000.json', 'utf8')));
 * await sim.run(1000, { onProgress: (p) => console.log(p.stepsDone) });
 * console.log(sim.recordings());
 * ```
 */
import { nodeGpu, type NodeGpuOptions } from './gpu.js';
import { nodeShaderLoader } from './shaders.js';
import { GpuSimulator, type GpuSimulatorOptions } from '../gpu/simulator.js';
import type { NetworkSpec } from '../model/spec.js';

export * from '../index.js';
export { acquireNodeGpu, nodeGpu, SOFTWARE_VULKAN_DRIVERS, type NodeGpuOptions } from './gpu.js';
export { DAWN_POLL_INTERVAL_MS, DAWN_POLLING_MODES, dawnPollIntervalMs, pacedDawnPolls, paceDawnPolling, stopPacingDawnPolling, type DawnPolling } from './polling.js';
export { nodeShaderLoader, SHADER_DIR } from './shaders.js';
export { resolveSpikeTrainFiles } from './spike-train-files.js';
export { resolveEdgeListFiles } from './edge-list-files.js';
export { exportSonata, SonataError } from '../io/sonata.js';
export { importSonata, importSonataFrom, isSonataConfig, SonataImportError, type SonataImport, type SonataPopulationOrigin } from '../io/sonata-import.js';
export { nodeFileAccess } from '../io/file-access-node.js';

/** Build a network on this process's GPU (or the software fallback). */
export async function createNodeSimulator(
  spec: NetworkSpec,
  options: Partial<Omit<GpuSimulatorOptions, 'shaders'>> & { gpu?: NodeGpuOptions } = {},
): Promise<GpuSimulator> {
  const context = options.context ?? (await nodeGpu(options.gpu));
  return GpuSimulator.create(spec, { ...options, context, shaders: nodeShaderLoader });
}
