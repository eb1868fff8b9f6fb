/**
 * Shared GPU context for tests: one Dawn device per test worker (software Vulkan on machines
 * without a GPU). Prints the adapter once so that every GPU test run says where it ran.
 */
import { nodeGpu } from '../../src/node/gpu.js';
import { GpuSimulator } from '../../src/gpu/simulator.js';
import { nodeShaderLoader } from '../../src/node/shaders.js';
import type { GpuContext } from '../../src/gpu/context.js';
import type { NetworkSpec } from '../../src/model/spec.js';

let printed = false;

/** The worker's GPU context; logs the adapter on first use. */
export async function testGpu(): Promise<GpuContext> {
  const context = await nodeGpu({ verbose: false });
  if (!printed) {
    printed = true;
    console.log(`GPU tests run on: ${context.info.label}`);
  }
  return context;
}

/** Build a simulator on the test GPU. */
export async function gpuSimulator(spec: NetworkSpec, stepsPerSubmit?: number): Promise<GpuSimulator> {
  const context = await testGpu();
  return GpuSimulator.create(spec, { context, shaders: nodeShaderLoader, ...(stepsPerSubmit ? { stepsPerSubmit } : {}) });
}
