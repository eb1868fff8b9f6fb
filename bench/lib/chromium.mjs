// Headless Chromium with WebGPU: the executable and flags that the browser tests
// (test/support/browser.ts) and the benchmark suite's Chrome runtime (chrome-runtime.mjs) share.
//
// Chromium comes from Debian (`/usr/bin/chromium`, scripts/setup.sh installs it) or
// PUPPETEER_EXECUTABLE_PATH; puppeteer downloads no browser in this project.
import { existsSync, readFileSync, readdirSync } from 'node:fs';

/** The Chromium/Chrome binary puppeteer launches. */
export const chromiumPath = process.env.PUPPETEER_EXECUTABLE_PATH || '/usr/bin/chromium';

export const MISSING_CHROMIUM =
  `Chromium not found at ${chromiumPath}: the browser tests need Debian's chromium package ` +
  '(apt-get install chromium) or PUPPETEER_EXECUTABLE_PATH pointing at a Chromium/Chrome binary.';

/**
 * Chromium flags that give `navigator.gpu` an adapter in headless mode. `--enable-unsafe-webgpu`
 * is the one that matters on Linux (without it `requestAdapter()` returns null); the Vulkan
 * feature and SwiftShader ANGLE keep rendering and WebGPU on the software stack when no GPU exists.
 */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader'];

/**
 * Flags for WebGPU on a hardware GPU (Linux, Vulkan driver present): Vulkan for WebGPU and ANGLE,
 * no GPU blocklist (headless servers are often blocklisted).
 */
export const WEBGPU_HARDWARE_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan',
  '--use-angle=vulkan',
  '--ignore-gpu-blocklist',
  '--enable-gpu',
];

/** Quiet, sandbox-free headless start (tests run as root in containers). */
export const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** PCI vendors of GPUs with Vulkan drivers Chromium can use (NVIDIA, AMD, Intel). */
const GPU_VENDORS = new Set(['0x10de', '0x1002', '0x8086']);

/**
 * Whether this machine has a hardware GPU that Chromium's Vulkan could use: an NVIDIA driver
 * (`/proc/driver/nvidia/version` or `/dev/nvidia0`), or a DRM render node of an NVIDIA, AMD or
 * Intel device. A heuristic for choosing flags: the adapter Chromium actually picks is what the
 * benchmark records.
 */
export function hasHardwareGpu() {
  if (existsSync('/proc/driver/nvidia/version') || existsSync('/dev/nvidia0')) return true;
  try {
    return readdirSync('/sys/class/drm').some((d) => {
      if (!d.startsWith('renderD')) return false;
      try {
        return GPU_VENDORS.has(readFileSync(`/sys/class/drm/${d}/device/vendor`, 'utf8').trim());
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
