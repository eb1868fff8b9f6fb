/**
 * GPU context: one adapter and device, the limits that were granted, and device-loss tracking.
 * Environment-neutral: the browser passes `navigator.gpu`, Node passes Dawn's GPU object
 * (see `src/node/gpu.ts`). The owner keeps a strong reference to `gpu` for as long as the
 * device lives (dawn.node aborts if the instance is garbage-collected under a live device).
 */

/** What the adapter says about itself, for logs and benchmark records. */
export interface AdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** True for CPU implementations (SwiftShader, lavapipe/llvmpipe) or a fallback adapter. */
  readonly software: boolean;
  /** Where the context was made: `browser` or `node`. */
  readonly runtime: 'browser' | 'node';
  /** One line, e.g. `nvidia hopper (NVIDIA H100) [node]`. */
  readonly label: string;
}

/** Thrown when no WebGPU adapter or device can be obtained; the message says what to install. */
export class GpuUnavailableError extends Error {
  override readonly name = 'GpuUnavailableError';
}

/** Thrown by operations on a device that was lost. Results recorded before the loss stay readable. */
export class DeviceLostError extends Error {
  override readonly name = 'DeviceLostError';
}

/** An acquired GPU device with everything the runtime needs to know about it. */
export interface GpuContext {
  /** The GPU instance; held so that it outlives the device. */
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  readonly info: AdapterDescription;
  /** Limits granted to the device. */
  readonly limits: GPUSupportedLimits;
  /** Set when the device is lost (reason and message), else null. */
  readonly lostReason: () => string | null;
}

/** Limits cortexgpu asks for, at the adapter's maximum (a simulator wants the whole device). */
const REQUESTED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxUniformBuffersPerShaderStage',
  'maxDynamicUniformBuffersPerPipelineLayout',
] as const;

/** Describe an adapter in a way that is stable across browsers and Dawn versions. */
export function describeAdapter(adapter: GPUAdapter, runtime: 'browser' | 'node'): AdapterDescription {
  const info = adapter.info;
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  const text = `${vendor} ${architecture} ${device} ${description}`.toLowerCase();
  const fallback = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
    (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter === true;
  const software = fallback || /swiftshader|llvmpipe|lavapipe|software|warp/.test(text);
  const name = [vendor, architecture].filter((s) => s !== '').join(' ') || 'unknown adapter';
  const detail = description || device;
  const label = `${name}${detail ? ` (${detail})` : ''}${software ? ' [software]' : ''} [${runtime}]`;
  return { vendor, architecture, device, description, software, runtime, label };
}

/**
 * Request a device from an adapter with the limits a simulator needs, and watch for loss.
 * @param gpu the GPU instance (`navigator.gpu` or Dawn's), kept alive by the returned context
 */
export async function openContext(gpu: GPU, adapter: GPUAdapter, runtime: 'browser' | 'node'): Promise<GpuContext> {
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) {
    const value = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, label: 'cortexgpu' });
  } catch (err) {
    throw new GpuUnavailableError(`The WebGPU adapter refused a device with its own limits: ${(err as Error).message}`);
  }
  let lost: string | null = null;
  void device.lost.then((info) => {
    lost = `${info.reason}: ${info.message}`;
  });
  return {
    gpu,
    adapter,
    device,
    info: describeAdapter(adapter, runtime),
    limits: device.limits,
    lostReason: () => lost,
  };
}
