/**
 * How the JavaScript thread waits for Dawn in Node.
 *
 * Dawn's Node binding (the `webgpu` package) settles GPU promises (`mapAsync`,
 * `onSubmittedWorkDone`, async pipeline creation) by polling the device from a callback that it
 * re-queues with `setImmediate` for as long as any such promise is pending (crbug.com/dawn/1127):
 * a busy loop on the JS thread, which also allocates a new native function per turn. On a hardware
 * GPU that costs a CPU core. On a software adapter (lavapipe, SwiftShader) the GPU's work runs on
 * the same cores, so the loop slows down the very work it waits for (measured by
 * `bench/dawn-polling.mjs`; results in `bench/results/dawn_polling.jsonl` and the README).
 *
 * Pacing sends Dawn's poll callbacks through `setTimeout(…, intervalMs)` instead of
 * `setImmediate`. They are recognised as what Dawn creates (`Napi::Function::New` on a lambda):
 * native functions with an empty name and no declared parameters. JavaScript functions, bound
 * functions (named `bound …`) and Promise resolvers (one parameter) keep going through
 * `setImmediate`. A paced wait ends about `intervalMs` after the GPU finished (more under load),
 * which the simulator hides by keeping several command buffers in flight.
 */

/** How Node waits for Dawn: `auto` paces on software adapters only; `paced` always; `busy` never (Dawn's own loop). */
export type DawnPolling = 'auto' | 'paced' | 'busy';

/** The accepted values of {@link DawnPolling}, for validating options from plain JavaScript. */
export const DAWN_POLLING_MODES: readonly DawnPolling[] = ['auto', 'paced', 'busy'];

/** Default pause between two polls of a paced wait, ms (Node's timers have 1 ms resolution). */
export const DAWN_POLL_INTERVAL_MS = 1;

/** Longest pause Node's timers accept, ms (2³¹ − 1). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const NATIVE_SOURCE = /\{\s*\[native code\]\s*\}\s*$/;

let pacedIntervalMs: number | null = null;
let pacedPolls = 0;
/** Whether the setImmediate wrapper is in place (it stays once installed; a null interval passes everything through). */
let wrapperInstalled = false;

/** Whether `callback` looks like Dawn's poll: a native function with an empty name and no parameters. */
function isDawnPoll(callback: unknown): boolean {
  return typeof callback === 'function' && callback.name === '' && callback.length === 0 && NATIVE_SOURCE.test(Function.prototype.toString.call(callback));
}

/**
 * Pace Dawn's polling process-wide (idempotent; a later call with another interval changes it).
 * @param intervalMs pause between polls, ms, 0 … 2³¹ − 1 (default {@link DAWN_POLL_INTERVAL_MS};
 *   Node waits at least 1 ms, so 0 acts as 1)
 * @throws RangeError for an interval outside that range
 */
export function paceDawnPolling(intervalMs: number = DAWN_POLL_INTERVAL_MS): void {
  if (!(intervalMs >= 0 && intervalMs <= MAX_TIMER_MS)) throw new RangeError(`paceDawnPolling(intervalMs): expected a number of ms in 0 … ${MAX_TIMER_MS}, got ${intervalMs}`);
  pacedIntervalMs = intervalMs;
  if (wrapperInstalled) return;
  wrapperInstalled = true;
  // Captured now, so that code that later fakes or wraps the timers cannot stall the GPU's promises.
  const originalSetImmediate = globalThis.setImmediate;
  const originalClearImmediate = globalThis.clearImmediate;
  const originalSetTimeout = globalThis.setTimeout;
  const originalClearTimeout = globalThis.clearTimeout;
  const pacedHandles = new WeakSet<object>();
  const pacedSetImmediate = function setImmediate(callback: (...args: unknown[]) => void, ...args: unknown[]): unknown {
    if (pacedIntervalMs === null || !isDawnPoll(callback)) return originalSetImmediate(callback, ...args);
    pacedPolls++;
    const handle = originalSetTimeout(callback, pacedIntervalMs, ...args);
    pacedHandles.add(handle);
    return handle;
  };
  // Keep what hangs off Node's setImmediate (util.promisify's custom form).
  for (const key of Reflect.ownKeys(originalSetImmediate)) {
    if (key === 'name' || key === 'length' || key === 'prototype') continue;
    Object.defineProperty(pacedSetImmediate, key, Object.getOwnPropertyDescriptor(originalSetImmediate, key)!);
  }
  const pacedClearImmediate = function clearImmediate(handle: unknown): void {
    if (typeof handle === 'object' && handle !== null && pacedHandles.has(handle)) originalClearTimeout(handle as ReturnType<typeof setTimeout>);
    else originalClearImmediate(handle as Parameters<typeof originalClearImmediate>[0]);
  };
  globalThis.setImmediate = pacedSetImmediate as unknown as typeof globalThis.setImmediate;
  globalThis.clearImmediate = pacedClearImmediate as typeof globalThis.clearImmediate;
}

/** The pause between paced polls in ms, or null while Dawn polls in its own busy loop. */
export function dawnPollIntervalMs(): number | null {
  return pacedIntervalMs;
}

/** How many of Dawn's polls went through a timer since pacing was first switched on (a diagnostic). */
export function pacedDawnPolls(): number {
  return pacedPolls;
}

/** Hand Dawn's polling back to its own busy loop (the wrapper stays and passes every call through). */
export function stopPacingDawnPolling(): void {
  pacedIntervalMs = null;
}
