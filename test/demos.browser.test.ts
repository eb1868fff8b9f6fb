/**
 * The demos in headless Chromium (software WebGPU), served from the production build (what users
 * get): every demo starts by itself, shows its first result within a few seconds (the time is
 * measured and logged; the target is 3 s here), plays, its plots and its raster/heatmap change
 * over time, a moved parameter changes what the simulation does, no console errors or warnings,
 * no error-coloured placeholder, integer ticks on count axes, legends with the series names, no
 * main-thread task over 200 ms while running. Screenshots for the README only when
 * CORTEXGPU_SCREENSHOTS is set (`npm run screenshots`).
 * Also: device loss and restart, the no-WebGPU message, keyboard access and labelled inputs.
 */
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness, collectErrors, longTasksSince, observeLongTasks, screenshotPath } from './support/browser.js';

/** Longest main-thread task allowed while a demo runs, ms. */
const LONG_TASK_LIMIT_MS = 200;
/** Target for the first result after opening a page (logged against this). */
const FIRST_RESULT_TARGET_MS = 3_000;
/**
 * Asserted bound on the first result: generous, because the machine's two cores are shared with
 * other work (measured here: 1.5–3.5 s under load; it was 15–40 s before the software sizes).
 */
const FIRST_RESULT_LIMIT_MS = 12_000;

/** What {@link pageChecks} finds wrong or reports about a page. */
interface PageCheck {
  /** Visible text drawn in an error colour (red), with its text. */
  red: string[];
  /** Per plot with data: legend labels (x series first) and values. */
  legends: { id: string; series: string[]; labels: string[]; values: string[] }[];
  /** Per count-axis plot (x-integer) with data: its x tick labels. */
  countTicks: { id: string; ticks: (string | null)[] }[];
}

/** Inspect the page and every shadow root (runs in the page). */
function pageChecks(page: Page): Promise<PageCheck> {
  return page.evaluate(() => {
    const red: string[] = [];
    const visit = (root: Document | ShadowRoot): void => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) visit(el.shadowRoot);
        const text = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent ?? '').join('').trim();
        if (!text || (el as HTMLElement).getClientRects().length === 0) continue;
        const m = /rgba?\((\d+), (\d+), (\d+)/.exec(getComputedStyle(el).color);
        if (m && Number(m[1]) > 150 && Number(m[2]) < 100 && Number(m[3]) < 100) red.push(`${el.tagName.toLowerCase()}: ${text.slice(0, 60)}`);
      }
    };
    visit(document);
    type Plot = HTMLElement & { points: number; series: { label: string }[]; xInteger: boolean; tickLabels: { x: (string | null)[] } };
    const plots = [...document.querySelectorAll('cg-time-series')] as Plot[];
    const withData = plots.filter((p) => p.points > 0);
    const legends = withData.map((p) => {
      const rows = [...p.shadowRoot!.querySelectorAll('.u-legend .u-series')];
      return {
        id: p.id,
        series: p.series.map((s) => s.label),
        labels: rows.map((r) => r.querySelector('.u-label')?.textContent ?? ''),
        values: rows.map((r) => r.querySelector('.u-value')?.textContent ?? ''),
      };
    });
    const countTicks = withData.filter((p) => p.xInteger).map((p) => ({ id: p.id, ticks: p.tickLabels.x }));
    return { red, legends, countTicks };
  });
}

/** Assert what every demo page must show once it has results. */
function expectWellFormed(check: PageCheck, countPlots: number): void {
  expect(check.red, check.red.join('\n')).toEqual([]);
  expect(check.legends.length).toBeGreaterThan(0);
  for (const legend of check.legends) {
    // Below the x series: one entry per series, named as set, no '--' placeholders.
    expect(legend.labels.slice(1, 1 + legend.series.length), legend.id).toEqual(legend.series);
    expect(legend.values.filter((v) => v.includes('--')), legend.id).toEqual([]);
  }
  expect(check.countTicks.length).toBe(countPlots);
  for (const { id, ticks } of check.countTicks) {
    const shown = ticks.filter((t): t is string => t !== null);
    expect(shown.length, id).toBeGreaterThan(0);
    for (const t of shown) expect(t, `${id} tick ${t}`).toMatch(/^-?\d+$/);
  }
}

describe('demos (headless Chromium, WebGPU)', () => {
  const harness = new BrowserHarness();
  let browser: Browser;
  beforeAll(async () => {
    await harness.start({ site: 'built' });
    console.log(`demos: production build in ${harness.buildS.toFixed(1)} s`);
    browser = await harness.launch();
  });
  afterAll(() => harness.close());

  /**
   * Open a demo and wait for its first result, without pressing anything (demos start by
   * themselves). Checks the empty page for error-coloured placeholders first. Returns the page,
   * its console errors and warnings, and the page time (ms since navigation) of ready and of the
   * first result.
   */
  async function openAndStart(path: string, name: string): Promise<{ page: Page; errors: string[]; playedAt: number; firstResultMs: number }> {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    const errors = collectErrors(page, { warnings: true });
    await observeLongTasks(page);
    await page.goto(`${harness.baseUrl}/${path}`, { waitUntil: 'load' });
    // Before any result: empty states are neutral.
    const empty = await pageChecks(page);
    expect(empty.red, empty.red.join('\n')).toEqual([]);
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), { timeout: 120_000, polling: 50 });
    const state = await page.evaluate(() => document.body.dataset.state);
    const status = await page.evaluate(() => document.querySelector('cg-simulation')?.shadowRoot?.textContent ?? '');
    expect(state, status).toBe('ready');
    await page.waitForFunction(() => window.cortexgpuDemo?.host.playing === true, { timeout: 5_000, polling: 50 });
    await page.waitForFunction(() => typeof window.cortexgpuDemo?.['firstResultMs'] === 'number', { timeout: 120_000, polling: 50 });
    const { readyMs, firstResultMs } = (await page.evaluate(() => ({ readyMs: window.cortexgpuDemo!['readyMs'], firstResultMs: window.cortexgpuDemo!['firstResultMs'] }))) as { readyMs: number; firstResultMs: number };
    console.log(`${name}: built ${(readyMs / 1000).toFixed(2)} s, first result ${(firstResultMs / 1000).toFixed(2)} s after opening the page (target ${FIRST_RESULT_TARGET_MS / 1000} s)`);
    expect(firstResultMs).toBeLessThan(FIRST_RESULT_LIMIT_MS);
    return { page, errors, playedAt: readyMs, firstResultMs };
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

  /** README screenshot, only when CORTEXGPU_SCREENSHOTS is set (`npm run screenshots`). */
  async function screenshot(page: Page, name: string): Promise<void> {
    const path = screenshotPath(`${name}.png`);
    if (!path) return;
    await snapshotViews(page);
    await page.screenshot({ path, fullPage: true });
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
    const { page, errors, playedAt } = await openAndStart('scaling/index.html?neurons=800&indegree=40', 'scaling playground');
    await page.waitForFunction(() => (window.cortexgpuDemo?.['frames'] as number) >= 6, { timeout: 120_000, polling: 100 });
    expectWellFormed(await pageChecks(page), 0);
    const first = await viewFingerprint(page);
    const pointsBefore = await page.$eval('#rates', (el) => (el as HTMLElement & { points: number }).points);
    // Frames shrink to the frame budget on slow adapters: wait for simulated time, not frames.
    const simulatedMs = () => page.evaluate(() => (window.cortexgpuDemo?.['progress'] as { simulatedMs: number } | undefined)?.simulatedMs ?? 0);
    const waitSimulated = (ms: number) => page.waitForFunction((t) => ((window.cortexgpuDemo?.['progress'] as { simulatedMs: number } | undefined)?.simulatedMs ?? 0) >= t, { timeout: 180_000, polling: 100 }, ms);
    // 20 ms of network time scroll the raster by 200 steps and ink it (each 40 ms of network time costs about
    // 10 s of frames on the software adapter, so the waits are as short as the checks allow).
    await waitSimulated((await simulatedMs()) + 20);
    expect(await viewFingerprint(page)).not.toBe(first);
    expect(await page.$eval('#rates', (el) => (el as HTMLElement & { points: number }).points)).toBeGreaterThan(pointsBefore);
    const progress = (await page.evaluate(() => window.cortexgpuDemo!['progress'])) as { neuronStepsPerS: number; synapticEventsPerS: number };
    expect(progress.neuronStepsPerS).toBeGreaterThan(0);
    expect(progress.synapticEventsPerS).toBeGreaterThan(0);
    expect(await page.$eval('#memory', (el) => el.textContent)).toMatch(/[KMG]i?B/);
    const [rasterInk] = await snapshotViews(page);
    console.log(`scaling playground: ${rasterInk} inked raster pixels`);
    expect(rasterInk).toBeGreaterThan(30);
    // The README's screenshot shows the running network, before it is silenced below.
    await screenshot(page, 'scaling');

    // Move the Poisson-rate sliders of E and I to 0 Hz: the network must fall silent.
    // Mean E rate over the last 20 ms of the plot (a single frame may hold a few steps without a spike).
    const recentRate = () =>
      page.$eval('#rates', (el) => {
        const { x, y } = (el as HTMLElement & { data: { x: number[]; y: (number | null)[][] } }).data;
        const from = x.at(-1)! - 20;
        const values = x.flatMap((t, i) => (t >= from && y[0]![i] !== null ? [y[0]![i]!] : []));
        return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
      });
    const rateBefore = await recentRate();
    expect(rateBefore).toBeGreaterThan(0.5);
    for (const id of ['knob-input0_rate_hz', 'knob-input1_rate_hz']) {
      await page.$eval(`cg-parameter-panel >>> #${id}`, (el) => {
        const input = el as HTMLInputElement;
        input.value = '0';
        input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      });
    }
    // 30 ms: the membranes' decay plus the 20 ms window of recentRate.
    await waitSimulated((await simulatedMs()) + 30);
    const rateAfter = await recentRate();
    console.log(`scaling playground: E rate ${rateBefore.toFixed(2)} Hz → ${rateAfter.toFixed(2)} Hz after the input rate was set to 0`);
    expect(rateAfter).toBeLessThan(0.2 * rateBefore);
    await finish(page, errors, playedAt, 'scaling', false);
  }, 400_000);

  it('redundancy lab: blocks produce information, ρ and covariances; passive viewing lowers the feedback gain', async () => {
    const { page, errors, playedAt } = await openAndStart('redundancy-lab/index.html', 'redundancy lab');
    await page.waitForFunction(() => ((window.cortexgpuDemo?.['blocks'] as unknown[]) ?? []).length >= 2, { timeout: 180_000, polling: 100 });
    expectWellFormed(await pageChecks(page), 3);
    const heatmapBefore = await viewFingerprint(page, 0);
    expect(await page.$eval('#rho-plot', (el) => (el as HTMLElement & { points: number }).points)).toBeGreaterThanOrEqual(2);
    expect(await page.$eval('#covariance', (el) => (el as HTMLElement & { drawnRange: number[] | null }).drawnRange)).not.toBeNull();
    await page.click('input[name="condition"][value="passive"]');
    const blocksAtChange = await page.evaluate(() => (window.cortexgpuDemo!['blocks'] as unknown[]).length);
    await page.waitForFunction((n) => (window.cortexgpuDemo!['blocks'] as unknown[]).length >= n + 3, { timeout: 180_000, polling: 100 }, blocksAtChange);
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
    const { page, errors, playedAt } = await openAndStart('bci-lab/index.html', 'BCI lab');
    // Two baseline sessions and one with learning, then the switch.
    await page.waitForFunction(() => ((window.cortexgpuDemo?.['sessions'] as unknown[]) ?? []).length >= 3, { timeout: 240_000, polling: 100 });
    expectWellFormed(await pageChecks(page), 3);
    const bciBefore = await page.$eval('cg-bci-view >>> canvas[part="traces"]', (c) => (c as HTMLCanvasElement).toDataURL());
    await page.click('input[name="teaching"][value="blocked"]');
    const atChange = await page.evaluate(() => (window.cortexgpuDemo!['sessions'] as unknown[]).length);
    await page.waitForFunction((n) => (window.cortexgpuDemo!['sessions'] as unknown[]).length >= n + 2, { timeout: 240_000, polling: 100 }, atChange);
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

  it('model editor: CUBA compiles and spikes; a typed unknown identifier is marked at its line and column until fixed; AdEx runs; initial values are checked', async () => {
    const started = performance.now();
    const { page, errors, playedAt } = await openAndStart('model-editor/index.html?neurons=200', 'model editor');
    type Compile = { ok: boolean; method?: string; field?: string; line?: number; column?: number; message?: string };
    const demo = <T>(key: string) => page.evaluate((k) => window.cortexgpuDemo![k], key) as Promise<T>;
    expect(await demo<Compile>('compile')).toEqual({ ok: true, method: 'exact' });
    expect(await page.$eval('#wgsl', (el) => el.textContent ?? '')).toMatch(/fn \w+/);
    expect(await page.$eval('#compile-status', (el) => el.textContent ?? '')).toMatch(/method exact/);
    await page.waitForFunction(() => (window.cortexgpuDemo?.['spikes'] as number) > 0 && (document.querySelector('#trace') as HTMLElement & { points: number }).points > 0, { timeout: 60_000, polling: 100 });
    expectWellFormed(await pageChecks(page), 0);
    const [rasterInk] = await snapshotViews(page);
    expect(rasterInk).toBeGreaterThan(0);
    if (process.env.CORTEXGPU_SCREENSHOTS) {
      // The README's screenshot shows the raster and trace filled a little.
      await page.waitForFunction(() => window.cortexgpuDemo!.host.stepCount >= 2000, { timeout: 120_000, polling: 100 });
      await screenshot(page, 'model-editor');
    }

    // Type a line with an unknown identifier at the end of the equations.
    const before = { compiles: await demo<number>('compiles'), runs: await demo<number>('runs') };
    await page.focus('#f-equations');
    await page.keyboard.down('Control');
    await page.keyboard.press('End');
    await page.keyboard.up('Control');
    const typed = '\ndx/dt = -x/taux : 1';
    await page.keyboard.type(typed);
    await page.waitForFunction(() => (window.cortexgpuDemo!['compile'] as Compile).ok === false, { timeout: 10_000, polling: 50 });
    const compilesWhileTyping = (await demo<number>('compiles')) - before.compiles;
    expect(await demo<Compile>('compile')).toMatchObject({ ok: false, field: 'equations', line: 4, column: 12 });
    const shown = await page.$eval('#problem-equations', (el) => ({ hidden: (el as HTMLElement).hidden, text: el.textContent ?? '', mark: el.querySelector('mark')?.textContent }));
    expect(shown.hidden).toBe(false);
    expect(shown.text).toMatch(/line 4, col 12: unknown identifier 'taux'/);
    expect(shown.mark).toBe('taux');
    expect(await page.$eval('#f-equations', (el) => el.getAttribute('aria-invalid'))).toBe('true');
    expect(await page.$$eval('[data-field="equations"] .gutter span.error', (els) => els.map((e) => e.textContent))).toEqual(['4']);
    // The last model that compiled keeps running.
    expect(await demo<number>('runs')).toBe(before.runs);
    expect(await page.evaluate(() => window.cortexgpuDemo!.host.playing)).toBe(true);

    // Delete the line again: the problem goes away; the model is unchanged, so nothing is rebuilt.
    for (let i = 0; i < typed.length; i++) await page.keyboard.press('Backspace');
    await page.waitForFunction(() => (window.cortexgpuDemo!['compile'] as Compile).ok === true, { timeout: 10_000, polling: 50 });
    expect(await page.$eval('#problem-equations', (el) => (el as HTMLElement).hidden)).toBe(true);
    expect(await page.$eval('#f-equations', (el) => el.getAttribute('aria-invalid'))).toBeNull();
    expect(await page.$$('[data-field="equations"] .gutter span.error')).toHaveLength(0);
    expect(await demo<number>('runs')).toBe(before.runs);
    console.log(`model editor: ${compilesWhileTyping} compile(s) while typing ${typed.length} characters`);

    // Another example: AdEx compiles with rk4 and is rebuilt and runs.
    const builds = await demo<number>('builds');
    await page.select('#example', 'adex');
    expect(await demo<Compile>('compile')).toEqual({ ok: true, method: 'rk4' });
    await page.waitForFunction((n) => (window.cortexgpuDemo!['builds'] as number) > n && (window.cortexgpuDemo!['spikes'] as number) > 0, { timeout: 60_000, polling: 100 }, builds);
    expect((await page.$$eval('#trace-var option', (os) => os.map((o) => (o as HTMLOptionElement).value))).sort()).toEqual(['I', 'Isyn', 'v', 'w']);

    // Initial values are checked against the model as well, at their line and column.
    const runsBefore = await demo<number>('runs');
    await page.focus('#f-initial');
    await page.keyboard.down('Control');
    await page.keyboard.press('End');
    await page.keyboard.up('Control');
    await page.keyboard.type('\nx = 1');
    await page.waitForFunction(() => !(document.querySelector('#problem-initial') as HTMLElement).hidden, { timeout: 10_000, polling: 50 });
    expect(await page.$eval('#problem-initial', (el) => el.textContent ?? '')).toMatch(/line 2, col 1: 'x' is not a state variable/);
    for (let i = 0; i < '\nx = 1'.length; i++) await page.keyboard.press('Backspace');
    await page.waitForFunction(() => (document.querySelector('#problem-initial') as HTMLElement).hidden, { timeout: 10_000, polling: 50 });
    expect(await demo<number>('runs')).toBe(runsBefore);
    console.log(`model editor: test body ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await finish(page, errors, playedAt, 'model-editor', false);
  }, 180_000);

  it('keyboard: Tab reaches the controls, Space presses Play/Pause, k toggles; device loss: the lab says so and Restart builds a new simulation', async () => {
    // One page for both (each page load costs seconds of software rendering).
    const page = await browser.newPage();
    const errors = collectErrors(page, { warnings: true });
    await page.goto(`${harness.baseUrl}/scaling/index.html?neurons=500&indegree=20`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && window.cortexgpuDemo?.host.playing === true, { timeout: 120_000, polling: 50 });
    // Tab from the page start until the Play button has focus.
    let focused = '';
    for (let i = 0; i < 20 && focused !== 'play'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.querySelector('cg-controls')?.shadowRoot?.activeElement?.getAttribute('part') ?? '');
    }
    expect(focused).toBe('play');
    // The demo started by itself: Space pauses, k plays again.
    await page.keyboard.press('Space');
    await page.waitForFunction(() => window.cortexgpuDemo?.host.playing === false, { timeout: 5_000, polling: 50 });
    await page.keyboard.press('k');
    await page.waitForFunction(() => window.cortexgpuDemo?.host.playing === true, { timeout: 5_000, polling: 50 });
    expect(errors, errors.join('\n')).toEqual([]);

    await page.evaluate(() => window.cortexgpuDemo!.host.context!.device.destroy());
    await page.waitForFunction(() => document.body.dataset.state === 'error', { timeout: 30_000, polling: 50 });
    expect(await page.evaluate(() => document.body.dataset.errorKind)).toBe('device-lost');
    expect(await page.$eval('cg-simulation >>> [part="status"]', (el) => el.textContent ?? '')).toMatch(/device was lost/);
    await page.click('cg-simulation >>> [part="restart"]');
    await page.waitForFunction(() => document.body.dataset.state === 'ready', { timeout: 120_000, polling: 50 });
    // The rebuilt simulation plays by itself (autoplay).
    await page.waitForFunction(() => (window.cortexgpuDemo?.['frames'] as number) >= 40, { timeout: 120_000, polling: 100 });
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
    await page.waitForFunction(() => document.body.dataset.state === 'error', { timeout: 60_000, polling: 50 });
    expect(await page.evaluate(() => document.body.dataset.errorKind)).toBe('no-webgpu');
    const text = await page.$eval('cg-simulation >>> [part="status"]', (el) => el.textContent ?? '');
    expect(text).toMatch(/WebGPU/);
    expect(text).toContain('--enable-unsafe-webgpu');
    await page.close();
  }, 90_000);
});
