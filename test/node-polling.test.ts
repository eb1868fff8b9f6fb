/**
 * Dawn's polling in Node: on a software adapter the context paces Dawn's poll loop through
 * timers, GPU promises still settle, and every other setImmediate caller is untouched.
 */
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dawnPollIntervalMs, paceDawnPolling } from '../src/node/polling.js';
import { testGpu } from './helpers/gpu.js';

describe('Dawn polling in Node', () => {
  it('paces Dawn on a software adapter; readbacks settle; other setImmediate callers are untouched', async () => {
    const context = await testGpu();
    if (!context.info.software) {
      expect(dawnPollIntervalMs()).toBeNull();
      return;
    }
    expect(dawnPollIntervalMs()).toBe(1);
    // Readbacks settle, and Dawn's polls went through setTimeout while they were pending. Two in a
    // row: a poll queued before the first (for other pending work) may settle it without a new
    // one, but then the second starts Dawn's polling afresh or finds that work still polling.
    const { device } = context;
    const source = device.createBuffer({ size: 16, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const staging = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const timeout = globalThis.setTimeout;
    let nativeTimers = 0;
    globalThis.setTimeout = ((fn: () => void, ms?: number, ...args: unknown[]) => {
      if (typeof fn === 'function' && fn.name === '' && /\[native code\]/.test(Function.prototype.toString.call(fn))) nativeTimers++;
      return timeout(fn, ms, ...args);
    }) as typeof setTimeout;
    try {
      for (const first of [7, 11]) {
        const values = [first, first + 1, first + 2, first + 3];
        device.queue.writeBuffer(source, 0, new Uint32Array(values));
        const encoder = device.createCommandEncoder();
        encoder.copyBufferToBuffer(source, 0, staging, 0, 16);
        device.queue.submit([encoder.finish()]);
        await staging.mapAsync(GPUMapMode.READ);
        expect([...new Uint32Array(staging.getMappedRange())]).toEqual(values);
        staging.unmap();
      }
    } finally {
      globalThis.setTimeout = timeout;
      source.destroy();
      staging.destroy();
    }
    expect(nativeTimers).toBeGreaterThan(0);

    // JavaScript callbacks still go through setImmediate; an anonymous native function (what Dawn
    // passes; Function.prototype is one) through a timer. clearImmediate clears both.
    const jsHandle = setImmediate(() => undefined);
    expect(jsHandle.constructor.name).toBe('Immediate');
    clearImmediate(jsHandle);
    const nativeHandle = setImmediate(Function.prototype as () => void);
    expect(nativeHandle.constructor.name).toBe('Timeout');
    clearImmediate(nativeHandle);
    const ran: string[] = [];
    await new Promise<void>((resolve) => {
      const cleared = setImmediate(() => ran.push('cleared'));
      clearImmediate(cleared);
      setImmediate(() => {
        ran.push('ran');
        resolve();
      });
    });
    expect(ran).toEqual(['ran']);
    await expect(promisify(setImmediate)('value')).resolves.toBe('value');
  });

  it('refuses an invalid interval', () => {
    expect(() => paceDawnPolling(-1)).toThrow(/intervalMs.*≥ 0/);
    expect(() => paceDawnPolling(Number.NaN)).toThrow(RangeError);
  });
});
