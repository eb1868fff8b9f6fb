/**
 * End-to-end browser test: serve the minimal demo's production build, open it in
 * headless Chromium (WebGPU through SwiftShader when there is no GPU) and check that it
 * simulates, draws and reports sensible numbers without console errors, that a lost device is
 * reported and Restart recovers, and that a browser without WebGPU is told how to enable it.
 *
 * Needs Debian's `chromium` at /usr/bin/chromium (or PUPPETEER_EXECUTABLE_PATH); the test
 * fails, rather than skips, when it is missing, so CI cannot pass without running it.
 */
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoResult } from '../demos/minimal/main.js';
import { BrowserHarness, chromiumPath, collectErrors, MISSING_CHROMIUM, screenshotPath } from './support/browser.js';
/** How long the demo may take on a software adapter (SwiftShader on two cores). */
const DEMO_TIMEOUT_MS = 180_000;

/** Wait until the demo's body says `done` or `error`; returns the state. */
async function waitForOutcome(page: Page, timeoutMs: number): Promise<string> {
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), { timeout: timeoutMs, polling: 50 });
  return page.evaluate(() => document.body.dataset.state ?? '');
}

describe('browser demo (headless Chromium, WebGPU)', () => {
  const harness = new BrowserHarness();
  // The production build of the one page (what users get; no on-demand transforms on first load).
  beforeAll(() => harness.start({ site: 'built', pages: ['minimal'] }));
  afterAll(() => harness.close());
  // One Chromium per kind for the whole file (a launch costs about a second).
  const browsers = new Map<boolean, Promise<Browser>>();
  const launch = (webgpu = true): Promise<Browser> => {
    if (!browsers.has(webgpu)) browsers.set(webgpu, harness.launch(webgpu));
    return browsers.get(webgpu)!;
  };

  // Fails (never skips) without Chromium: CI must install it.
  it('finds Chromium', () => {
    expect(existsSync(chromiumPath), MISSING_CHROMIUM).toBe(true);
  });

  // One page for both (each page load costs seconds of software rendering): the device is lost
  // 100 ms into the run, the demo says so, and the run after Restart is the one checked in full.
  // The trade: a fault only a fresh page's run would show past 100 ms is left to the demos test.
  it('runs the minimal demo on WebGPU and draws a raster; a lost device is reported and Restart recovers', async () => {
    const started = performance.now();
    const browser = await launch();
    const page = await browser.newPage();
    await page.setViewport({ width: 1000, height: 900 });
    const errors = collectErrors(page);
    // 250 ms of network time: enough spikes for the checks below, half the demo's default run.
    await page.goto(`${harness.baseUrl}/minimal/index.html?duration_ms=250&lose_device_at_ms=100`, { waitUntil: 'load' });
    expect(await waitForOutcome(page, DEMO_TIMEOUT_MS)).toBe('error');
    expect(await page.evaluate(() => document.body.dataset.errorKind)).toBe('device-lost');
    expect(await page.$eval('#status', (el) => el.textContent ?? '')).toMatch(/device was lost/);
    expect(await page.$eval('#restart', (el) => (el as HTMLButtonElement).hidden)).toBe(false);
    await page.click('#restart');
    await page.waitForFunction(() => document.body.dataset.state !== 'error', { timeout: 10_000 });

    const state = await waitForOutcome(page, DEMO_TIMEOUT_MS);
    const status = await page.$eval('#status', (el) => el.textContent ?? '');
    expect(state, `demo ended in state '${state}': ${status}`).toBe('done');

    const result = (await page.evaluate(() => window.cortexgpuResult)) as DemoResult | undefined;
    expect(result).toBeDefined();
    const r = result!;
    console.log(`browser demo adapter: ${r.adapter}`);
    console.log(
      `browser demo: ${r.specSource}, ${r.steps} steps (${r.simulatedMs} ms) in ${r.wallS.toFixed(2)} s + ${r.setupS.toFixed(2)} s set-up; ` +
        Object.entries(r.populations).map(([name, p]) => `${name}: ${p.spikes} spikes, ${p.rate_hz.toFixed(2)} Hz`).join('; ') +
        `; page total ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    expect(r.adapter.length).toBeGreaterThan(0);
    expect(r.adapter).toContain('[browser]');
    await expect(page.$eval('#adapter', (el) => el.textContent ?? '')).resolves.toBe(r.adapter);
    expect(r.simulatedMs).toBeCloseTo(250, 6);
    expect(r.steps).toBeGreaterThan(0);

    const pops = Object.entries(r.populations);
    expect(pops.length).toBeGreaterThan(0);
    let totalSpikes = 0;
    for (const [name, p] of pops) {
      expect(Number.isFinite(p.rate_hz), `${name} rate`).toBe(true);
      expect(p.rate_hz, `${name} rate`).toBeGreaterThanOrEqual(0);
      // Refractory period bounds rates far below this; a higher value means broken recording.
      expect(p.rate_hz, `${name} rate`).toBeLessThan(500);
      expect(p.recorded).toBeGreaterThan(0);
      if (p.population_rate_hz !== null) {
        expect(Number.isFinite(p.population_rate_hz), `${name} population rate`).toBe(true);
        // The population_rate recorder and the spike recorder count the same spikes (all neurons recorded).
        if (p.recorded === p.size) expect(Math.abs(p.population_rate_hz - p.rate_hz)).toBeLessThan(0.05 * p.rate_hz + 0.5);
      }
      totalSpikes += p.spikes;
    }
    expect(totalSpikes).toBeGreaterThan(0);
    if (r.populations.E) {
      expect(r.populations.E.spikes).toBeGreaterThan(0);
      expect(r.populations.E.rate_hz).toBeGreaterThan(0.5);
      expect(r.populations.E.rate_hz).toBeLessThan(200);
    }
    expect(r.recordings.some((rec) => rec.type === 'spikes' && rec.length > 0)).toBe(true);

    // The raster has ink on it: count non-white pixels of the canvas.
    const inked = await page.$eval('#raster', (canvas) => {
      const c = canvas as HTMLCanvasElement;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! < 200 || data[i + 1]! < 200 || data[i + 2]! < 200) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(500);

    // Docs screenshot only when CORTEXGPU_SCREENSHOTS is set (`npm run screenshots`).
    const docsShot = screenshotPath('minimal.png');
    if (docsShot) {
      await page.screenshot({ path: docsShot, fullPage: true });
      expect(existsSync(docsShot)).toBe(true);
    }

    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  }, 2 * DEMO_TIMEOUT_MS + 60_000);

  it('says how to enable WebGPU when no adapter is available', async () => {
    // Without --enable-unsafe-webgpu, Linux Chromium exposes navigator.gpu but returns no adapter.
    const browser = await launch(false);
    const page = await browser.newPage();
    await page.goto(`${harness.baseUrl}/minimal/index.html`, { waitUntil: 'load' });
    const state = await waitForOutcome(page, 60_000);
    expect(state).toBe('error');
    expect(await page.evaluate(() => document.body.dataset.errorKind)).toBe('no-webgpu');
    const status = await page.$eval('#status', (el) => el.textContent ?? '');
    expect(status).toMatch(/WebGPU/);
    expect(status).toContain('--enable-unsafe-webgpu');
    await page.close();
  }, 90_000);
});
