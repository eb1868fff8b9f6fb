/**
 * How the JavaScript thread waits for Dawn in Node.
 *
 * Dawn's Node binding (the `webgpu` package) settles GPU promises (`mapAsync`,
 * `onSubmittedWorkDone`, async pipeline creation) by polling the device from a callback that it
 * re-queues with `setImmediate` for as long as any such promise is pending (crbug.com/dawn/1127):
 * a busy loop on the JS thread, which also allocates a new native function per turn. On a hardware
 * GPU that costs a CPU core. On a software adapter (lavapipe, SwiftShader) the GPU's work runs on
 * the same cores, so the loop slows down the very work it waits for: measured here (2 cores,
 * lavapipe; `bench/dawn-polling.mjs`, both modes in one process, identical results), 1 s of
 * `examples/lif_small.json` took 4.09 s with Dawn's loop and 2.56 s paced (CPU 7.4 → 2.7 s).
 *
 * Pacing sends Dawn's poll callbacks (anonymous native functions, which JavaScript code does not
 * pass; bound functions are named `bound …`) through `setTimeout(…, intervalMs)` instead of
 * `setImmediate`; every other `setImmediate` call is untouched. A paced wait ends up to
 * `intervalMs` after the GPU finished, which the simulator hides by keeping several command
 * buffers in flight.
 */

/** How Node waits for Dawn: `auto` paces on software adapters only; `paced` always; `busy` never (Dawn's own loop). */
export type DawnPolling = 'auto' | 'paced' | 'busy';

/** Default pause between two polls of a paced wait, ms (Node's timers have 1 ms resolution). */
export const DAWN_POLL_INTERVAL_MS = 1;

const NATIVE_SOURCE = /\{\s*\[native code\]\s*\}\s*$/;

let pacedIntervalMs: number | null = null;

/** Whether `callback` looks like Dawn's poll: an anonymous native function (bound functions are named `bound …`). */
function isDawnPoll(callback: unknown): boolean {
  return typeof callback === 'function' && callback.name === '' && NATIVE_SOURCE.test(Function.prototype.toString.call(callback));
}

/**
 * Pace Dawn's polling process-wide (idempotent; a later call with another interval changes it).
 * @param intervalMs pause between polls, ms, ≥ 0 (default {@link DAWN_POLL_INTERVAL_MS})
 * @throws RangeError for a negative or non-finite interval
 */
export function paceDawnPolling(intervalMs: number = DAWN_POLL_INTERVAL_MS): void {
  if (!(intervalMs >= 0) || !Number.isFinite(intervalMs)) throw new RangeError(`paceDawnPolling(intervalMs): expected a finite number ≥ 0 ms, got ${intervalMs}`);
  const installed = pacedIntervalMs !== null;
  pacedIntervalMs = intervalMs;
  if (installed) return;
  const immediate = globalThis.setImmediate;
  const clearImmediateOriginal = globalThis.clearImmediate;
  const pacedHandles = new WeakSet<object>();
  const paced = function setImmediate(callback: (...args: unknown[]) => void, ...args: unknown[]): unknown {
    if (pacedIntervalMs === null || !isDawnPoll(callback)) return immediate(callback, ...args);
    const handle = setTimeout(callback, pacedIntervalMs, ...args);
    pacedHandles.add(handle);
    return handle;
  };
  // Keep what hangs off Node's setImmediate (util.promisify's custom form).
  for (const key of Reflect.ownKeys(immediate)) {
    if (key === 'name' || key === 'length' || key === 'prototype') continue;
    Object.defineProperty(paced, key, Object.getOwnPropertyDescriptor(immediate, key)!);
  }
  globalThis.setImmediate = paced as unknown as typeof globalThis.setImmediate;
  globalThis.clearImmediate = ((handle: unknown) => {
    if (typeof handle === 'object' && handle !== null && pacedHandles.has(handle)) clearTimeout(handle as ReturnType<typeof setTimeout>);
    else clearImmediateOriginal(handle as Parameters<typeof clearImmediateOriginal>[0]);
  }) as typeof globalThis.clearImmediate;
}

/** The pause between paced polls in ms, or null while Dawn polls in its own busy loop. */
export function dawnPollIntervalMs(): number | null {
  return pacedIntervalMs;
}

/** Hand Dawn's polling back to its own busy loop (the wrapper stays and passes every call through). */
export function stopPacingDawnPolling(): void {
  pacedIntervalMs = null;
}
