/**
 * The demos in headless Chromium (software WebGPU): every demo loads, plays, its plots and its
 * raster/heatmap change over time, a moved parameter changes what the simulation does, no
 * console errors, no main-thread task over 200 ms while running; screenshots for the README.
 * Also: device loss and restart, the no-WebGPU message, keyboard access and labelled inputs.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness, collectErrors, longTasksSince, observeLongTasks, repoRoot } from './support/browser.js';

const screenshots = join(repoRoot, 'docs/screenshots');
/** Longest main-thread task allowed while a demo runs, ms. */
const LONG_TASK_LIMIT_MS = 200;

describe('demos (headless Chromium, WebGPU)', () => {
  const harness = new BrowserHarness();
  let browser: Browser;
  beforeAll(async () => {
    await harness.start();
    browser = await harness.launch();
    mkdirSync(screenshots, { recursive: true });
  });
  afterAll(() => harness.close());

  /** Open a demo, wait until its simulation is built; returns the page, its errors and the page time of play. */
  async function openAndPlay(path: string): Promise<{ page: Page; errors: string[]; playedAt: number }> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    const errors = collectErrors(page);
    await observeLongTasks(page);
    await page.goto(`${harness.baseUrl}/${path}`, { waitUntil: 'load' });
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), { timeout: 120_000, polling: 200 });
    const state = await page.evaluate(() => document.body.dataset.state);
    const status = await page.evaluate(() => document.querySelector('cg-simulation')?.shadowRoot?.textContent ?? '');
    expect(state, status).toBe('ready');
    const playedAt = await page.evaluate(() => performance.now());
    await page.click('cg-controls >>> [part="play"]');
    await page.waitForFunction(() => window.cortexgpuDemo?.host.playing === true, { timeout: 5_000 });
    return { page, errors, playedAt };
  }

  /** Copy every activity view into its snapshot canvas; returns inked (non-white) pixels per view. */
  async function snapshotViews(page: Page): Promise<number[]> {
    return page.evaluate(async () => {
      const views = [...document.querySelectorAll('cg-activity-view')] as (HTMLElement & { snapshot(): Promise<ImageData | null> })[];
      const inked: number[] = [];
      for (const view of views) {
        const image = await view.snapshot();
        let n = 0;
        if (image) for (let i = 0; i < image.data.length; i += 4) if (image.data[i]! < 230 || image.data[i + 1]! < 230 || image.data[i + 2]! < 230) n++;
        inked.push(n);
      }
      return inked;
    });
  }

  /** Snapshot fingerprints of the first activity view, to see it change. */
  async function viewFingerprint(page: Page, index = 0): Promise<string> {
    return page.evaluate(async (i) => {
      const view = document.querySelectorAll('cg-activity-view')[i] as HTMLElement & { snapshot(): Promise<ImageData | null> };
      const image = await view.snapshot();
      if (!image) return '';
      let hash = 0;
      for (let k = 0; k < image.data.length; k += 7) hash = (hash * 31 + image.data[k]!) >>> 0;
      return String(hash);
    }, index);
  }

  /** Inputs and selects in the page and every shadow root that have neither a label nor an aria-label. */
  async function unlabelledInputs(page: Page): Promise<string[]> {
    return page.evaluate(() => {
      const missing: string[] = [];
      const visit = (root: Document | ShadowRoot): void => {
        for (const el of root.querySelectorAll('input, select')) {
          const input = el as HTMLInputElement;
          if (input.type === 'hidden') continue;
          if ((input.labels?.length ?? 0) === 0 && !input.getAttribute('aria-label') && !input.getAttribute('aria-labelledby')) missing.push(input.outerHTML.slice(0, 80));
        }
        for (const host of root.querySelectorAll('*')) if (host.shadowRoot) visit(host.shadowRoot);
      };
      visit(document);
      return missing;
    });
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    await snapshotViews(page);
    await page.screenshot({ path: join(screenshots, `${name}.png`) as `${string}.png`, fullPage: true });
  }

  async function finish(page: Page, errors: string[], playedAt: number, name: string, takeScreenshot = true): Promise<void> {
    const longTasks = await longTasksSince(page, playedAt);
    const longest = Math.max(0, ...longTasks.map((t) => t.duration));
    console.log(`${name}: ${longTasks.length} main-thread tasks over 50 ms while running, longest ${longest.toFixed(0)} ms`);
    expect(longest, JSON.stringify(longTasks)).toBeLessThan(LONG_TASK_LIMIT_MS);
    if (takeScreenshot) await screenshot(page, name);
    expect(await unlabelledInputs(page)).toEqual([]);
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  }

  it('scaling playground: runs, draws, reports throughput, and responds to the input rate', async () => {
    const { page, errors, playedAt } = await openAndPlay('scaling/index.html?neurons=1500&indegree=60');
    await page.waitForFunction(() => (window.cortexgpuDemo?.['frames'] as number) >= 6, { timeout: 120_000, polling: 200 });
    const first = await viewFingerprint(page);
    const pointsBefore = await page.$eval('#rates', (el) => (el as HTMLElement & { points: number }).points);
    // Frames shrink to the frame budget on slow adapters: wait for simulated time, not frames.
    const simulatedMs = () => page.evaluate(() => (window.cortexgpuDemo?.['progress'] as { simulatedMs: number } | undefined)?.simulatedMs ?? 0);
    const waitSimulated = (ms: number) => page.waitForFunction((t) => ((window.cortexgpuDemo?.['progress'] as { simulatedMs: number } | undefined)?.simulatedMs ?? 0) >= t, { timeout: 180_000, polling: 200 }, ms);
    await waitSimulated((await simulatedMs()) + 40);
    expect(await viewFingerprint(page)).not.toBe(first);
    expect(await page.$eval('#rates', (el) => (el as HTMLElement & { points: number }).points)).toBeGreaterThan(pointsBefore);
    const progress = (await page.evaluate(() => window.cortexgpuDemo!['progress'])) as { neuronStepsPerS: number; synapticEventsPerS: number };
    expect(progress.neuronStepsPerS).toBeGreaterThan(0);
    expect(progress.synapticEventsPerS).toBeGreaterThan(0);
    expect(await page.$eval('#memory', (el) => el.textContent)).toMatch(/[KMG]i?B/);
    const [rasterInk] = await snapshotViews(page);
    expect(rasterInk).toBeGreaterThan(30);
    // The README's screenshot shows the running network, before it is silenced below.
    await screenshot(page, 'scaling');

    // Move the Poisson-rate sliders of E and I to 0 Hz: the network must fall silent.
    const rateBefore = (await page.evaluate(() => (window.cortexgpuDemo!['lastRates'] as { E: number }).E)) as number;
    expect(rateBefore).toBeGreaterThan(0.5);
    for (const id of ['knob-input0_rate_hz', 'knob-input1_rate_hz']) {
      await page.$eval(`cg-parameter-panel >>> #${id}`, (el) => {
        const input = el as HTMLInputElement;
        input.value = '0';
        input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      });
    }
    await waitSimulated((await simulatedMs()) + 40);
    const rateAfter = (await page.evaluate(() => (window.cortexgpuDemo!['lastRates'] as { E: number }).E)) as number;
    console.log(`scaling playground: E rate ${rateBefore.toFixed(2)} Hz → ${rateAfter.toFixed(2)} Hz after the input rate was set to 0`);
    expect(rateAfter).toBeLessThan(0.2 * rateBefore);
    await finish(page, errors, playedAt, 'scaling', false);
  }, 400_000);

  it('redundancy lab: blocks produce information, ρ and covariances; passive viewing lowers the feedback gain', async () => {
    const { page, errors, playedAt } = await openAndPlay('redundancy-lab/index.html?neurons=480');
    await page.waitForFunction(() => ((window.cortexgpuDemo?.['blocks'] as unknown[]) ?? []).length >= 2, { timeout: 180_000, polling: 250 });
    const heatmapBefore = await viewFingerprint(page, 0);
    expect(await page.$eval('#rho-plot', (el) => (el as HTMLElement & { points: number }).points)).toBeGreaterThanOrEqual(2);
    expect(await page.$eval('#covariance', (el) => (el as HTMLElement & { drawnRange: number[] | null }).drawnRange)).not.toBeNull();
    await page.click('input[name="condition"][value="passive"]');
    const blocksAtChange = await page.evaluate(() => (window.cortexgpuDemo!['blocks'] as unknown[]).length);
    await page.waitForFunction((n) => (window.cortexgpuDemo!['blocks'] as unknown[]).length >= n + 3, { timeout: 180_000, polling: 250 }, blocksAtChange);
    const blocks = (await page.evaluate(() => window.cortexgpuDemo!['blocks'])) as { condition: string; feedbackGain: number; taskGain: number; rho: number; I_bc: number; block: number }[];
    const lastTask = blocks.filter((b) => b.condition === 'task').at(-1)!;
    const lastPassive = blocks.at(-1)!;
    expect(lastTask.feedbackGain).toBeCloseTo(lastTask.taskGain, 6);
    console.log(`redundancy lab: ${blocks.map((b) => `block ${b.block} ${b.condition} g ${b.feedbackGain.toFixed(3)} ρ ${b.rho.toFixed(3)}`).join('; ')}`);
    expect(lastPassive.condition).toBe('passive');
    // Passive viewing: a quarter of the task gain; no learning, so the task gain stays put.
    expect(lastPassive.feedbackGain).toBeCloseTo(0.25 * lastPassive.taskGain, 6);
    const passive = blocks.filter((b) => b.condition === 'passive');
    expect(passive.length).toBeGreaterThanOrEqual(2);
    expect(passive.at(-2)!.taskGain).toBeCloseTo(lastPassive.taskGain, 6);
    for (const b of blocks) expect(Number.isFinite(b.I_bc)).toBe(true);
    expect(await viewFingerprint(page, 0)).not.toBe(heatmapBefore);
    const inked = await snapshotViews(page);
    expect(Math.min(...inked)).toBeGreaterThan(50);
    await finish(page, errors, playedAt, 'redundancy-lab');
  }, 500_000);

  it('BCI lab: sessions run with learning; the teaching signal can be switched', async () => {
    const { page, errors, playedAt } = await openAndPlay('bci-lab/index.html?excitatory=800');
    await page.waitForFunction(() => ((window.cortexgpuDemo?.['sessions'] as unknown[]) ?? []).length >= 4, { timeout: 240_000, polling: 250 });
    const bciBefore = await page.$eval('cg-bci-view >>> canvas[part="traces"]', (c) => (c as HTMLCanvasElement).toDataURL());
    await page.click('input[name="teaching"][value="blocked"]');
    const atChange = await page.evaluate(() => (window.cortexgpuDemo!['sessions'] as unknown[]).length);
    await page.waitForFunction((n) => (window.cortexgpuDemo!['sessions'] as unknown[]).length >= n + 2, { timeout: 240_000, polling: 250 }, atChange);
    const sessions = (await page.evaluate(() => window.cortexgpuDemo!['sessions'])) as { session: number; phase: string; teaching: string | null; hitRate: number; e1Dendrite: number }[];
    console.log(`BCI lab: ${sessions.map((s) => `${s.session} ${s.teaching ?? s.phase} ${(s.hitRate * 100).toFixed(0)} %`).join('; ')}`);
    expect(sessions.slice(0, 2).map((s) => s.phase)).toEqual(['baseline', 'baseline']);
    expect(sessions.at(-1)!.teaching).toBe('blocked');
    expect(await page.$eval('#learning-curve', (el) => (el as HTMLElement & { points: number }).points)).toBe(sessions.length);
    expect(await page.$eval('cg-bci-view >>> canvas[part="traces"]', (c) => (c as HTMLCanvasElement).toDataURL())).not.toBe(bciBefore);
    const [heatmapInk] = await snapshotViews(page);
    expect(heatmapInk).toBeGreaterThan(50);
    await finish(page, errors, playedAt, 'bci-lab');
  }, 600_000);

  it('keyboard: Tab reaches the controls, Space presses Play, k toggles', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${harness.baseUrl}/scaling/index.html?neurons=500&indegree=20`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.state === 'ready', { timeout: 120_000, polling: 200 });
    // Tab from the page start until the Play button has focus.
    let focused = '';
    for (let i = 0; i < 20 && focused !== 'play'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.querySelector('cg-controls')?.shadowRoot?.activeElement?.getAttribute('part') ?? '');
    }
    expect(focused).toBe('play');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => window.cortexgpuDemo?.host.playing === true, { timeout: 5_000 });
    await page.keyboard.press('k');
    await page.waitForFunction(() => window.cortexgpuDemo?.host.playing === false, { timeout: 5_000 });
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  }, 180_000);

  it('device loss: the lab says so and Restart builds a new simulation', async () => {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    await page.goto(`${harness.baseUrl}/scaling/index.html?neurons=500&indegree=20`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.state === 'ready', { timeout: 120_000, polling: 200 });
    await page.evaluate(() => window.cortexgpuDemo!.host.context!.device.destroy());
    await page.waitForFunction(() => document.body.dataset.state === 'error', { timeout: 30_000, polling: 100 });
    expect(await page.evaluate(() => document.body.dataset.errorKind)).toBe('device-lost');
    expect(await page.$eval('cg-simulation >>> [part="status"]', (el) => el.textContent ?? '')).toMatch(/device was lost/);
    await page.click('cg-simulation >>> [part="restart"]');
    await page.waitForFunction(() => document.body.dataset.state === 'ready', { timeout: 120_000, polling: 200 });
    await page.click('cg-controls >>> [part="play"]');
    await page.waitForFunction(() => (window.cortexgpuDemo?.['frames'] as number) >= 40, { timeout: 120_000, polling: 200 });
    // Activity views draw from the new simulator.
    const [ink] = await snapshotViews(page);
    expect(ink).toBeGreaterThan(0);
    expect(await page.$eval('cg-activity-view', (el) => (el as HTMLElement & { framesDrawn: number }).framesDrawn)).toBeGreaterThan(0);
    // Dawn reports the destroyed device's queued work as errors of the lost device only.
    expect(errors.filter((e) => !/lost|destroyed/i.test(e)), errors.join('\n')).toEqual([]);
    await page.close();
  }, 300_000);

  it('without WebGPU a lab says so and how to enable it', async () => {
    const plain = await harness.launch(false);
    const page = await plain.newPage();
    await page.goto(`${harness.baseUrl}/bci-lab/index.html`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.state === 'error', { timeout: 60_000, polling: 200 });
    expect(await page.evaluate(() => document.body.dataset.errorKind)).toBe('no-webgpu');
    const text = await page.$eval('cg-simulation >>> [part="status"]', (el) => el.textContent ?? '');
    expect(text).toMatch(/WebGPU/);
    expect(text).toContain('--enable-unsafe-webgpu');
    await page.close();
  }, 90_000);
});
