/**
 * Dawn's polling in Node: on a software adapter the context paces Dawn's poll loop through
 * timers, GPU promises still settle, and every other setImmediate caller is untouched.
 */
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { acquireNodeGpu } from '../src/node/gpu.js';
import { dawnPollIntervalMs, pacedDawnPolls, paceDawnPolling, type DawnPolling } from '../src/node/polling.js';
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
    const pollsBefore = pacedDawnPolls();
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
      source.destroy();
      staging.destroy();
    }
    expect(pacedDawnPolls()).toBeGreaterThan(pollsBefore);

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
    // A Promise resolver is an anonymous native function too, but with one parameter: not paced.
    let resolverHandle: unknown;
    await new Promise<void>((resolve) => {
      resolverHandle = setImmediate(resolve);
    });
    expect((resolverHandle as object).constructor.name).toBe('Immediate');
    await expect(promisify(setImmediate)('value')).resolves.toBe('value');
  });

  it('refuses an invalid interval and an unknown polling mode', async () => {
    await expect(acquireNodeGpu({ polling: 'pacd' as DawnPolling, verbose: false })).rejects.toThrow(/NodeGpuOptions.polling: expected one of auto, paced, busy, got pacd/);
    expect(() => paceDawnPolling(-1)).toThrow(/intervalMs\): expected a number of ms in 0 … 2147483647, got -1/);
    expect(() => paceDawnPolling(Number.NaN)).toThrow(RangeError);
    expect(() => paceDawnPolling(2 ** 31)).toThrow(RangeError);
  });
});
