/**
 * Device acquisition in a browser tab (or headless Chromium) through `navigator.gpu`.
 */
import { GpuUnavailableError, openContext, type GpuContext } from './context.js';

/**
 * Acquire a WebGPU device in the browser.
 * @throws GpuUnavailableError saying how to enable WebGPU when it is missing.
 */
export async function acquireBrowserGpu(options: { powerPreference?: GPUPowerPreference } = {}): Promise<GpuContext> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    throw new GpuUnavailableError(
      'This browser does not expose WebGPU (navigator.gpu is missing). Use a recent Chrome, Edge or ' +
        'Firefox Nightly over https or localhost; on Linux start Chrome with --enable-unsafe-webgpu ' +
        '(and --enable-features=Vulkan), or enable WebGPU in chrome://flags.',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new GpuUnavailableError(
      'WebGPU is present but no adapter was found: the GPU may be blocklisted or drivers missing. ' +
        'Check chrome://gpu; on machines without a GPU start Chromium with --enable-unsafe-webgpu to use SwiftShader.',
    );
  }
  return openContext(gpu, adapter, 'browser');
}

/**
 * How to get WebGPU, one hint per item, shown when it is missing; flags and URLs are marked as
 * `code` with backticks. Mentions the secure-context requirement when the page is not one.
 */
export function webgpuHelp(): string[] {
  const items = [
    'Chrome or Edge 113 or newer on Windows, macOS or ChromeOS has WebGPU on by default.',
    'On Linux start Chrome/Chromium with `--enable-unsafe-webgpu --enable-features=Vulkan` (or enable `chrome://flags/#enable-unsafe-webgpu`); without a GPU it falls back to SwiftShader, slow but working.',
    'Safari 26 or newer; Firefox 141 or newer on Windows, or Firefox Nightly with `dom.webgpu.enabled`.',
    'Check `chrome://gpu` for “WebGPU: Hardware accelerated” or a blocklist entry.',
  ];
  if (!window.isSecureContext) {
    items.unshift(`This page is not a secure context (${location.protocol}//${location.host}): WebGPU is only offered over https:// or on localhost.`);
  }
  return items;
}
