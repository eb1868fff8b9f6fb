/**
 * Browser tests of the Lit components <cg-time-series>, <cg-matrix-view> and <cg-bci-view>:
 * their public properties, methods and events in headless Chromium (no WebGPU needed), with
 * element screenshots (only when CORTEXGPU_SCREENSHOTS names a folder: `npm run screenshots`).
 */
import type { Browser, ElementHandle, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeSeriesElement } from '../src/ui/time-series.js';
import type { MatrixViewElement } from '../src/ui/matrix-view.js';
import type { BciViewElement, BciTrialTrace } from '../src/ui/bci-view.js';
import { BrowserHarness, collectErrors, screenshotPath } from './support/browser.js';

/** Element screenshot for the docs, only when CORTEXGPU_SCREENSHOTS is set. */
async function shot(el: ElementHandle<Element> | null, name: string): Promise<void> {
  const path = screenshotPath(name);
  if (path) await el!.screenshot({ path });
}

declare global {
  interface Window {
    /** Events recorded by the tests: type and detail. */
    __events?: { type: string; detail: unknown }[];
  }
}

describe('UI components (headless Chromium)', () => {
  const harness = new BrowserHarness();
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const warnings: string[] = [];

  beforeAll(async () => {
    await harness.start();
    browser = await harness.launch(false);
    page = await browser.newPage();
    await page.setViewport({ width: 900, height: 1200 });
    errors = collectErrors(page);
    page.on('console', (msg) => {
      if (msg.type() === 'warn') warnings.push(msg.text());
    });
    await page.goto(`${harness.baseUrl}/index.html`, { waitUntil: 'load' });
    // A string, not a function: vitest rewrites `import()` inside functions passed to the page.
    const urls = ['src/ui/time-series.ts', 'src/ui/matrix-view.ts', 'src/ui/bci-view.ts'].map((f) => harness.fileUrl(f));
    await page.evaluate(`Promise.all(${JSON.stringify(urls)}.map((url) => import(url)))`);
    await page.evaluate(
      () => {
        window.__events = [];
        for (const type of ['cg-plot-updated', 'cg-matrix-drawn', 'cg-bci-drawn']) {
          document.addEventListener(type, (e) => window.__events!.push({ type, detail: (e as CustomEvent).detail }));
        }
        document.body.innerHTML = '';
        document.body.style.maxWidth = '760px';
      },
    );
  }, 60_000);
  afterAll(() => harness.close());

  it('time series: append grows points, fires cg-plot-updated, trims to maxPoints, labels the series', async () => {
    const result = await page.evaluate(async () => {
      const el = document.createElement('cg-time-series') as TimeSeriesElement;
      el.id = 'ts';
      el.heading = 'Population rates';
      el.xLabel = 'time (ms)';
      el.yLabel = 'rate (Hz)';
      el.series = [{ label: 'E rate' }, { label: 'I rate', color: '#c0392b', dash: true }];
      document.body.append(el);
      await el.updateComplete;
      const emptyShown = !!el.shadowRoot!.querySelector('[part="empty"]');
      const pointsBefore = el.points;

      const updated = new Promise<{ points: number }>((resolve) =>
        el.addEventListener('cg-plot-updated', (e) => resolve((e as CustomEvent<{ points: number }>).detail), { once: true }),
      );
      for (let k = 0; k < 50; k++) el.append(k * 10, [5 + Math.sin(k / 5), 12 + Math.cos(k / 7)]);
      const pointsAfter = el.points;
      const detail = await updated;
      await el.updateComplete;
      const plot = el.shadowRoot!.querySelector('[part="plot"]')!;
      const ariaLabel = plot.getAttribute('aria-label') ?? '';
      const role = plot.getAttribute('role');
      const emptyAfter = !!el.shadowRoot!.querySelector('[part="empty"]');
      const canvas = !!el.shadowRoot!.querySelector('canvas');

      el.maxPoints = 20;
      await el.updateComplete;
      const trimmed = el.points;
      el.append(500, [6, 11]);
      const afterTrimAppend = el.points;
      const lastX = el.data.x[el.data.x.length - 1];

      // Error bands: set data with lower/upper.
      const band = document.createElement('cg-time-series') as TimeSeriesElement;
      band.id = 'ts-band';
      band.heading = 'Information with SE band';
      band.series = [{ label: 'I_FI' }];
      const xs = Array.from({ length: 40 }, (_, i) => i);
      const ys = xs.map((x) => Math.sqrt(x));
      band.data = { x: xs, y: [ys], lower: [ys.map((v) => v - 0.5)], upper: [ys.map((v) => v + 0.5)] };
      band.yRange = [-1, 8];
      document.body.append(band);
      await band.updateComplete;
      const bandPoints = band.points;
      const bandHasLower = (band.data.lower ?? []).length === 1;

      el.clear();
      await el.updateComplete;
      const cleared = el.points;
      const emptyAfterClear = !!el.shadowRoot!.querySelector('[part="empty"]');
      for (let k = 0; k < 80; k++) el.append(k * 10, [5 + Math.sin(k / 5), k % 9 === 0 ? null : 12 + Math.cos(k / 7)]);
      await el.updateComplete;
      return { emptyShown, pointsBefore, pointsAfter, detail, ariaLabel, role, emptyAfter, canvas, trimmed, afterTrimAppend, lastX, bandPoints, bandHasLower, cleared, emptyAfterClear };
    });
    expect(result.emptyShown).toBe(true);
    expect(result.pointsBefore).toBe(0);
    expect(result.pointsAfter).toBe(50);
    expect(result.detail.points).toBe(50);
    expect(result.role).toBe('img');
    expect(result.ariaLabel).toContain('E rate');
    expect(result.ariaLabel).toContain('I rate');
    expect(result.ariaLabel).toContain('Population rates');
    expect(result.emptyAfter).toBe(false);
    expect(result.canvas).toBe(true);
    expect(result.trimmed).toBe(20);
    expect(result.afterTrimAppend).toBe(20);
    expect(result.lastX).toBe(500);
    expect(result.bandPoints).toBe(40);
    expect(result.bandHasLower).toBe(true);
    expect(result.cleared).toBe(0);
    expect(result.emptyAfterClear).toBe(true);

    // Resizes with its container.
    const widths = await page.evaluate(async () => {
      const el = document.getElementById('ts') as TimeSeriesElement;
      const w0 = el.shadowRoot!.querySelector('canvas')!.getBoundingClientRect().width;
      el.style.width = '400px';
      await new Promise((r) => setTimeout(r, 150));
      const w1 = el.shadowRoot!.querySelector('canvas')!.getBoundingClientRect().width;
      el.style.width = '';
      await new Promise((r) => setTimeout(r, 150));
      return { w0, w1 };
    });
    expect(widths.w1).toBeLessThan(widths.w0);
    expect(widths.w1).toBeLessThanOrEqual(400);

    const el = await page.$('#ts');
    await shot(el, 'time-series.png');
    expect(errors).toEqual([]);
  });

  it('matrix view: symmetric covariance range, correlation in [-1, 1], sortBy reorders, bad input message', async () => {
    const result = await page.evaluate(async () => {
      const n = 24;
      const pref = Array.from({ length: n }, (_, i) => ((i * 7) % n) * (180 / n)); // shuffled orientations
      const cov = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const d = ((pref[i]! - pref[j]!) * Math.PI) / 90;
          cov[i * n + j] = (i === j ? 4 : 0) + 1.5 * Math.cos(d) - 0.3;
        }
      }
      const drawn = (el: Element) =>
        new Promise<{ rows: number; cols: number; min: number; max: number }>((resolve) =>
          el.addEventListener('cg-matrix-drawn', (e) => resolve((e as CustomEvent).detail), { once: true }),
        );
      const el = document.createElement('cg-matrix-view') as MatrixViewElement;
      el.id = 'mv';
      el.heading = 'Noise covariance';
      el.matrix = cov;
      el.kind = 'covariance';
      el.excludeDiagonal = true;
      const first = drawn(el);
      document.body.append(el);
      const covDetail = await first;
      const covRange = el.drawnRange;

      const cell = (r: number, c: number): number[] => {
        const canvas = el.shadowRoot!.querySelector('canvas')!;
        return Array.from(canvas.getContext('2d')!.getImageData(c, r, 1, 1).data);
      };
      const before = cell(0, 5);
      const covValue05 = cov[0 * n + 5]!;
      const second = drawn(el);
      el.sortBy = pref;
      await second;
      const order = el.displayOrder!;
      const sortedKeys = order.rows.map((i) => pref[i]!);
      const i0 = order.rows[0]!;
      const j5 = order.cols[5]!;
      const after = cell(0, 5);
      const expectedValue = cov[i0 * n + j5]!;

      const third = drawn(el);
      el.kind = 'correlation';
      el.heading = 'Noise correlation, sorted by preferred orientation';
      el.excludeDiagonal = false;
      await third;
      const corrRange = el.drawnRange;
      // Diagonal is drawn as +1: the darkest red of the scale [-1, 1].
      const diag = cell(3, 3);

      // Hover caption.
      const canvas = el.shadowRoot!.querySelector('canvas')!;
      const box = canvas.getBoundingClientRect();
      canvas.dispatchEvent(new PointerEvent('pointermove', { clientX: box.left + box.width * (2.5 / n), clientY: box.top + box.height * (1.5 / n), bubbles: true }));
      await el.updateComplete;
      const caption = el.shadowRoot!.querySelector('[part="caption"]')!.textContent ?? '';
      canvas.dispatchEvent(new PointerEvent('pointerleave'));
      await el.updateComplete;

      // Bad inputs: wrong length, NaN. No event may fire.
      const bad = document.createElement('cg-matrix-view') as MatrixViewElement;
      let badEvents = 0;
      bad.addEventListener('cg-matrix-drawn', () => badEvents++);
      bad.matrix = [1, 2, 3, 4, 5];
      bad.rows = 2;
      bad.cols = 2;
      document.body.append(bad);
      await bad.updateComplete;
      const lengthMessage = bad.shadowRoot!.querySelector('[part="message"]')?.textContent ?? '';
      const lengthRange = bad.drawnRange;
      bad.matrix = [1, Number.NaN, 0, 1];
      await bad.updateComplete;
      const nanMessage = bad.shadowRoot!.querySelector('[part="message"]')?.textContent ?? '';
      const canvasInBad = !!bad.shadowRoot!.querySelector('canvas');
      bad.remove();

      // Weights: non-negative values get [0, max].
      const w = document.createElement('cg-matrix-view') as MatrixViewElement;
      w.kind = 'weights';
      w.matrix = [0, 0.5, 1, 2, 0.25, 0];
      w.rows = 2;
      const wDrawn = drawn(w);
      document.body.append(w);
      const weightDetail = await wDrawn;
      w.remove();
      return { covDetail, covRange, before, after, covValue05, expectedValue, sortedKeys, order, corrRange, diag, caption, lengthMessage, lengthRange, nanMessage, canvasInBad, badEvents, weightDetail };
    });
    expect(result.covDetail.rows).toBe(24);
    expect(result.covDetail.cols).toBe(24);
    expect(result.covRange).not.toBeNull();
    expect(result.covRange![0]).toBeCloseTo(-result.covRange![1], 12);
    // Diagonal excluded: the range is the largest off-diagonal |value| (|−1.5 − 0.3| = 1.8), not the variance 5.2.
    expect(result.covRange![1]).toBeCloseTo(1.8, 6);
    expect(result.covDetail.max).toBeCloseTo(result.covRange![1], 12);

    // sortBy: keys ascending, rows and cols reordered, pixels follow the order.
    for (let k = 1; k < result.sortedKeys.length; k++) expect(result.sortedKeys[k]!).toBeGreaterThanOrEqual(result.sortedKeys[k - 1]!);
    expect(result.order.rows).toEqual(result.order.cols);
    expect(result.order.rows).not.toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(Math.sign(result.expectedValue)).not.toBe(Math.sign(result.covValue05));
    expect(result.after).not.toEqual(result.before);
    // Sign of the drawn cell: red (r > b) for positive values, blue for negative.
    expect(Math.sign(result.after[0]! - result.after[2]!)).toBe(Math.sign(result.expectedValue));

    expect(result.corrRange![0]).toBeGreaterThanOrEqual(-1);
    expect(result.corrRange![1]).toBeLessThanOrEqual(1);
    expect(result.corrRange![1]).toBeCloseTo(1, 12); // the diagonal, exactly 1
    // The diagonal (1 = the top of the range [-1, 1]) is drawn in the darkest red of the scale.
    expect(result.diag.slice(0, 3)).toEqual([103, 0, 31]);
    expect(result.caption).toMatch(/\(i \d+, j \d+\): -?[\d.e+-]+/);

    expect(result.lengthMessage).toMatch(/length 5/);
    expect(result.lengthRange).toBeNull();
    expect(result.nanMessage).toMatch(/NaN/);
    expect(result.canvasInBad).toBe(false);
    expect(result.badEvents).toBe(0);
    expect(result.weightDetail).toEqual({ rows: 2, cols: 3, min: 0, max: 2 });

    const el = await page.$('#mv');
    await shot(el, 'matrix-view.png');
    expect(errors).toEqual([]);
  });

  it('BCI view: grating turns with angleDeg, cg-bci-drawn counts rewards, playback moves the angle', async () => {
    const result = await page.evaluate(async () => {
      const T = 80;
      const timesMs = Array.from({ length: T }, (_, i) => i * 10);
      const cursor = timesMs.map((t) => 1.2 * (t / 790) ** 1.5 + 0.08 * Math.sin(t / 40));
      const hitIdx = cursor.findIndex((c) => c >= 1);
      const trial: BciTrialTrace = {
        timesMs,
        cursor,
        e1Soma: timesMs.map((t, i) => 2 + cursor[i]! * 1.5 + 0.1 * Math.sin(t / 30)),
        e2Soma: timesMs.map((t) => 2 + 0.1 * Math.cos(t / 25)),
        e1Dendrite: timesMs.map((t) => 0.5 + 1.4 * Math.exp(-((t - 300) ** 2) / 20000)),
        e2Dendrite: timesMs.map((t) => 0.5 - 0.6 * Math.exp(-((t - 300) ** 2) / 20000)),
        hitMs: hitIdx >= 0 ? timesMs[hitIdx]! : null,
      };
      const rewards = Array.from({ length: 32 }, (_, i) => i % 3 !== 1);
      const el = document.createElement('cg-bci-view') as BciViewElement;
      el.id = 'bci';
      el.condition = 'vectorized';
      el.threshold = 1;
      el.rewards = rewards;
      el.angleDeg = 0;
      const drawn = new Promise<{ angleDeg: number; rewarded: number; trials: number }>((resolve) =>
        el.addEventListener('cg-bci-drawn', (e) => resolve((e as CustomEvent).detail), { once: true }),
      );
      document.body.append(el);
      const detail = await drawn;
      const grating = el.shadowRoot!.querySelector('canvas[part="grating"]') as HTMLCanvasElement;
      const url0 = grating.toDataURL();
      el.angleDeg = 45;
      await el.updateComplete;
      const url45 = grating.toDataURL();
      const aria = grating.getAttribute('aria-label') ?? '';
      const role = grating.getAttribute('role');

      el.trial = trial;
      await el.updateComplete;
      const tracesAria = el.shadowRoot!.querySelector('canvas[part="traces"]')!.getAttribute('aria-label') ?? '';
      const rewardsText = el.shadowRoot!.querySelector('[part="rewards"]')!.textContent ?? '';
      const dots = el.shadowRoot!.querySelectorAll('[part="rewards"] .dot.hit').length;

      // Playback: the displayed angle follows the cursor over ~1.5 s.
      el.playback = true;
      await el.updateComplete;
      const angles: number[] = [el.displayedAngleDeg];
      const t0 = performance.now();
      while (performance.now() - t0 < 1800) {
        await new Promise((r) => setTimeout(r, 150));
        angles.push(el.displayedAngleDeg);
      }
      const final = el.displayedAngleDeg;
      const midUrlDiffers = (() => {
        return grating.toDataURL() !== url45;
      })();
      el.playback = false;
      await el.updateComplete;
      const afterStop = el.displayedAngleDeg;
      // A playback frame for the screenshot: restart and stop partway.
      el.angleDeg = 60;
      await el.updateComplete;
      return { detail, differs: url0 !== url45, aria, role, tracesAria, rewardsText, dots, angles, final, midUrlDiffers, afterStop, hitMs: trial.hitMs };
    });
    expect(result.detail).toEqual({ angleDeg: 0, rewarded: 21, trials: 32 });
    expect(result.differs).toBe(true);
    expect(result.role).toBe('img');
    expect(result.aria).toContain('45°');
    expect(result.tracesAria).toContain('rewarded at');
    expect(result.rewardsText).toContain('21/32');
    expect(result.dots).toBe(21);
    // Playback starts near 0° (cursor ≈ 0) and ends at the clamp (cursor above threshold → 90°).
    expect(Math.abs(result.angles[0]!)).toBeLessThan(10);
    expect(new Set(result.angles.map((a) => a.toFixed(1))).size).toBeGreaterThan(3);
    expect(result.final).toBe(90);
    expect(result.midUrlDiffers).toBe(true);
    expect(result.afterStop).toBe(45);

    const el = await page.$('#bci');
    await shot(el, 'bci-view.png');
    expect(errors).toEqual([]);
  });

  it('events bubble out of the components to the document', async () => {
    const types = await page.evaluate(() => [...new Set((window.__events ?? []).map((e) => e.type))].sort());
    expect(types).toEqual(['cg-bci-drawn', 'cg-matrix-drawn', 'cg-plot-updated']);
  });

  it('logs no warnings from the components (beyond Lit dev mode and the tests\' own pixel reads)', () => {
    const own = warnings.filter((w) => !w.includes('Lit is in dev mode') && !w.includes('willReadFrequently'));
    expect(own).toEqual([]);
  });
});
