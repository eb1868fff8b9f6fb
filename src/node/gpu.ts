/**
 * Device acquisition in Node through Dawn (`webgpu` npm package).
 *
 * On a machine with a GPU, Dawn's Vulkan backend finds the vendor driver. Without one, the
 * search falls back to installed software Vulkan drivers, fastest first: Mesa's lavapipe
 * (Mesa ≥ 25; Debian bookworm-backports) and Chromium's SwiftShader (Debian `chromium`),
 * and says so on stderr. `scripts/setup.sh` installs both.
 */
import { existsSync } from 'node:fs';
import { GpuUnavailableError, openContext, type GpuContext } from '../gpu/context.js';
import { DAWN_POLLING_MODES, paceDawnPolling, stopPacingDawnPolling, type DawnPolling } from './polling.js';

/** Software Vulkan drivers, in order of preference. */
export const SOFTWARE_VULKAN_DRIVERS: readonly { readonly name: string; readonly icd: string }[] = [
  { name: 'lavapipe (Mesa)', icd: '/usr/share/vulkan/icd.d/lvp_icd.json' },
  { name: 'SwiftShader (Chromium)', icd: '/usr/lib/chromium/vk_swiftshader_icd.json' },
];

/** Module-level owner: the GPU instance must outlive every device made from it (dawn.node GC pitfall). */
const owners: GpuContext[] = [];

interface DawnModule {
  create: (options: string[]) => GPU;
  globals: Record<string, unknown>;
}

async function loadDawn(): Promise<DawnModule> {
  try {
    return (await import('webgpu')) as unknown as DawnModule;
  } catch (err) {
    throw new GpuUnavailableError(
      `Could not load Dawn for Node (the 'webgpu' package): ${(err as Error).message}. Run 'npm install' in the project root.`,
    );
  }
}

async function tryAdapter(dawn: DawnModule, powerPreference: GPUPowerPreference): Promise<{ gpu: GPU; adapter: GPUAdapter } | null> {
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference });
  return adapter ? { gpu, adapter } : null;
}

/** Options of {@link acquireNodeGpu}. */
export interface NodeGpuOptions {
  /** Force a software driver (`lavapipe` or `swiftshader`) even when a GPU exists. */
  readonly software?: 'lavapipe' | 'swiftshader';
  /** Print the adapter choice on stderr (default true). */
  readonly verbose?: boolean;
  readonly powerPreference?: GPUPowerPreference;
  /**
   * How the JS thread waits for the GPU (see `./polling.ts`): `auto` (default) paces Dawn's
   * busy polling loop on software adapters, whose work shares the CPU with that loop, and leaves
   * it as it is on hardware GPUs; `paced` or `busy` force one. Pacing is process-wide, set when a
   * context is acquired; {@link nodeGpu} acquires once per process, so its first call decides.
   * `paceDawnPolling()` / `stopPacingDawnPolling()` change it later.
   */
  readonly polling?: DawnPolling;
}

/**
 * Acquire a WebGPU device in Node. The returned context is kept alive for the process lifetime
 * (call `context.device.destroy()` to free GPU memory early).
 * @throws GpuUnavailableError naming what is missing and how to install it; RangeError for an unknown `polling`.
 */
export async function acquireNodeGpu(options: NodeGpuOptions = {}): Promise<GpuContext> {
  const polling = options.polling ?? 'auto';
  if (!DAWN_POLLING_MODES.includes(polling)) throw new RangeError(`NodeGpuOptions.polling: expected one of ${DAWN_POLLING_MODES.join(', ')}, got ${String(polling)}`);
  const dawn = await loadDawn();
  Object.assign(globalThis, dawn.globals);
  const verbose = options.verbose ?? true;
  const powerPreference = options.powerPreference ?? 'high-performance';
  const forced = options.software
    ? SOFTWARE_VULKAN_DRIVERS.filter((d) => d.name.toLowerCase().startsWith(options.software as string))
    : [];
  let found: { gpu: GPU; adapter: GPUAdapter } | null = null;
  if (forced.length === 0) found = await tryAdapter(dawn, powerPreference);
  const tried: string[] = [];
  if (!found) {
    const userIcd = process.env['VK_ICD_FILENAMES'];
    for (const driver of forced.length > 0 ? forced : SOFTWARE_VULKAN_DRIVERS) {
      if (!existsSync(driver.icd)) {
        tried.push(`${driver.name}: not installed (${driver.icd})`);
        continue;
      }
      process.env['VK_ICD_FILENAMES'] = driver.icd;
      found = await tryAdapter(dawn, powerPreference);
      if (found) {
        if (verbose) process.stderr.write(forced.length > 0 ? `cortexgpu: using the software Vulkan driver ${driver.name} as requested\n` : `cortexgpu: no hardware GPU adapter; using the software Vulkan driver ${driver.name}\n`);
        break;
      }
      tried.push(`${driver.name}: installed but refused by Dawn`);
    }
    if (!found && userIcd !== undefined) process.env['VK_ICD_FILENAMES'] = userIcd;
  }
  if (!found) {
    throw new GpuUnavailableError(
      'No WebGPU adapter: Dawn found no Vulkan device. Tried ' + (tried.join('; ') || 'the default driver') + '. ' +
        'Install a GPU driver with Vulkan support, or a software driver: run `bash scripts/setup.sh` ' +
        '(Debian: `apt-get install chromium` for SwiftShader, or mesa-vulkan-drivers from bookworm-backports for lavapipe; ' +
        'libvulkan1 is needed by both).',
    );
  }
  const context = await openContext(found.gpu, found.adapter, 'node');
  owners.push(context);
  if (polling === 'paced' || (polling === 'auto' && context.info.software)) paceDawnPolling();
  else if (polling === 'busy') stopPacingDawnPolling();
  if (verbose) process.stderr.write(`cortexgpu: adapter ${context.info.label}\n`);
  return context;
}

let sharedContext: Promise<GpuContext> | null = null;

/** One GPU context per process, acquired on first use (Dawn instances are costly). */
export function nodeGpu(options: NodeGpuOptions = {}): Promise<GpuContext> {
  sharedContext ??= acquireNodeGpu(options).catch((err: unknown) => {
    sharedContext = null;
    throw err;
  });
  return sharedContext;
}

