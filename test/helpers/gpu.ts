/**
 * Shared GPU context for tests: one Dawn device per test worker (software Vulkan on machines
 * without a GPU). Prints the adapter once so that every GPU test run says where it ran.
 */
import type { ScheduleOptions } from '../../src/gpu/schedule.js';
import { nodeGpu } from '../../src/node/gpu.js';
import { GpuSimulator } from '../../src/gpu/simulator.js';
import { nodeShaderLoader } from '../../src/node/shaders.js';
import type { GpuContext } from '../../src/gpu/context.js';
import type { NetworkSpec } from '../../src/model/spec.js';
import type { Recording } from '../../src/model/recording.js';
import { CpuSimulator } from '../../src/cpu/simulator.js';

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

/** Build a simulator on the test GPU (optionally with a schedule: steps per dispatch, merged populations). */
export async function gpuSimulator(spec: NetworkSpec, stepsPerSubmit?: number, schedule?: ScheduleOptions): Promise<GpuSimulator> {
  const context = await testGpu();
  return GpuSimulator.create(spec, { context, shaders: nodeShaderLoader, ...(stepsPerSubmit ? { stepsPerSubmit } : {}), ...(schedule ? { schedule } : {}) });
}

/**
 * Run a spec for the same time on the test GPU and on the float64 CPU reference; returns both
 * simulators' recordings (the GPU simulator is destroyed afterwards).
 */
export async function runOnGpuAndCpu(spec: NetworkSpec, durationMs: number, stepsPerSubmit?: number): Promise<{ gpu: Recording[]; cpu: Recording[] }> {
  const simulator = await gpuSimulator(spec, stepsPerSubmit);
  await simulator.run(durationMs);
  const gpu = simulator.recordings();
  simulator.destroy();
  const reference = new CpuSimulator(spec);
  reference.run(durationMs);
  return { gpu, cpu: reference.recordings() };
}
