/**
 * `<cg-activity-view>` in headless Chromium (WebGPU on SwiftShader without a GPU): a small
 * simulator built in the page, a raster and a heatmap view attached to it; the views announce
 * themselves, redraw only when the simulation advanced, and report an unknown population as
 * `cg-error`. Headless Chromium on SwiftShader does not composite WebGPU canvases (screenshots
 * of them are blank), so the drawn pixels are checked by running each view's own render
 * pipeline into an offscreen texture of the page's device and reading it back.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkSpec } from '../src/model/spec.js';
import type { ActivityViewElement, ActivityViewReadyDetail } from '../src/ui/activity-view.js';
import type { GpuSimulator } from '../src/gpu/simulator.js';
import type { SimulationErrorDetail } from '../src/ui/events.js';
import { BrowserHarness, chromiumPath, collectErrors, MISSING_CHROMIUM, screenshotPath } from './support/browser.js';

declare global {
  interface Window {
    __activity?: { sim: GpuSimulator; raster: ActivityViewElement; heat: ActivityViewElement };
    /** `import()` defined from a string, so that vitest does not rewrite it inside page.evaluate. */
    __import?: (url: string) => Promise<Record<string, any>>;
  }
}

const spec: NetworkSpec = {
  dt_ms: 0.1, seed: 3, batch: 1,
  populations: [{ name: 'E', size: 80, model: 'lif_psc_exp', params: { i_e_pA: 250 }, initial: { v_mV: { uniform: [-70, -52] } } }],
  inputs: [{ type: 'poisson', target: 'E', rate_hz: 50, n_sources: 400, weight: 100 }],
};

describe('<cg-activity-view> (headless Chromium, WebGPU)', () => {
  const harness = new BrowserHarness();
  beforeAll(() => harness.start());
  afterAll(() => harness.close());

  it('draws a raster and a heatmap from the simulator buffers, scrolls as it runs, reports bad options', async () => {
    expect(existsSync(chromiumPath), MISSING_CHROMIUM).toBe(true);
    const started = performance.now();
    const browser = await harness.launch();
    const page = await browser.newPage();
    await page.setViewport({ width: 700, height: 600 });
    const errors = collectErrors(page);
    await page.goto(`${harness.baseUrl}/index.html`, { waitUntil: 'load' });

    await page.evaluate('window.__import = (url) => import(url)');
    const urls = ['src/ui/activity-view.ts', 'src/gpu/browser.ts', 'src/gpu/bundled-shaders.ts', 'src/gpu/simulator.ts'].map((f) => harness.fileUrl(f));
    const ready = await page.evaluate(
      async (urls, spec) => {
        const [, gpu, shaders, simulator] = await Promise.all(urls.map((u) => window.__import!(u)));
        const context = await gpu.acquireBrowserGpu();
        const sim = await simulator.GpuSimulator.create(spec, { context, shaders: shaders.bundledShaderLoader });
        document.body.replaceChildren();
        document.body.style.margin = '8px';
        const make = (props: Record<string, unknown>) => {
          const el = document.createElement('cg-activity-view');
          Object.assign(el, props);
          el.style.width = '600px';
          el.style.setProperty('--cg-activity-height', '160px');
          el.style.marginBottom = '8px';
          const ready = new Promise<ActivityViewReadyDetail>((resolve, reject) => {
            el.addEventListener('cg-view-ready', (e) => resolve((e as CustomEvent<ActivityViewReadyDetail>).detail), { once: true });
            el.addEventListener('cg-error', (e) => reject(new Error((e as CustomEvent<SimulationErrorDetail>).detail.message)), { once: true });
          });
          document.body.append(el);
          el.simulator = sim;
          return { el, ready };
        };
        const raster = make({ population: 'E', mode: 'raster', columns: 200, stepsPerColumn: 1, label: 'E raster' });
        const heat = make({ population: 'E', mode: 'heatmap', variable: 'v_mV', columns: 100, min: -70, max: -50 });
        const details = [await raster.ready, await heat.ready];
        window.__activity = { sim, raster: raster.el, heat: heat.el };
        return details;
      },
      urls,
      spec,
    );
    expect(ready).toEqual([
      { rows: 80, columns: 200, population: 'E', mode: 'raster' },
      { rows: 80, columns: 100, population: 'E', mode: 'heatmap' },
    ]);
    const setupS = (performance.now() - started) / 1000;

    // Shadow DOM: canvas and caption parts.
    const parts = await page.evaluate(() => {
      const root = window.__activity!.raster.shadowRoot!;
      return {
        canvas: root.querySelector('canvas[part="canvas"]')?.getAttribute('aria-label'),
        caption: root.querySelector('figcaption[part="caption"]')?.textContent,
      };
    });
    expect(parts.canvas).toBe('E raster');
    expect(parts.caption).toMatch(/E · spikes · 80 neurons · trial 0 · last 20 ms/);

    const framesDrawn = () => page.evaluate(() => window.__activity!.raster.framesDrawn);
    await page.waitForFunction(() => window.__activity!.raster.framesDrawn > 0 && window.__activity!.heat.framesDrawn > 0, { timeout: 20_000 });
    const framesBefore = await framesDrawn();
    // Headless Chromium on SwiftShader does not composite WebGPU canvases (a canvas cleared to
    // red screenshots white, and drawImage of it is transparent), so the pixels are checked by
    // drawing each view's history with the same render pipeline into an offscreen texture of
    // the page's device, read back and shown in 2D canvases (also used for the docs screenshot).
    await page.evaluate(() => {
      (window as unknown as { __snapshot: unknown }).__snapshot = async (el: ActivityViewElement, width: number, height: number, id: string) => {
        const device = window.__activity!.sim.context.device;
        const texture = device.createTexture({ size: [width, height], format: 'rgba8unorm', usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC });
        el.history!.draw(texture.createView(), 'rgba8unorm', el.range);
        const bytesPerRow = Math.ceil((width * 4) / 256) * 256;
        const buffer = device.createBuffer({ size: bytesPerRow * height, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
        const encoder = device.createCommandEncoder();
        encoder.copyTextureToBuffer({ texture }, { buffer, bytesPerRow }, [width, height]);
        device.queue.submit([encoder.finish()]);
        await buffer.mapAsync(GPUMapMode.READ);
        const mapped = new Uint8Array(buffer.getMappedRange());
        const pixels = new Uint8ClampedArray(width * height * 4);
        for (let y = 0; y < height; y++) pixels.set(mapped.subarray(y * bytesPerRow, y * bytesPerRow + width * 4), y * width * 4);
        buffer.unmap();
        buffer.destroy();
        texture.destroy();
        let canvas = document.getElementById(id) as HTMLCanvasElement | null;
        if (!canvas) {
          canvas = document.createElement('canvas');
          canvas.id = id;
          canvas.style.display = 'block';
          canvas.style.marginBottom = '6px';
          document.body.append(canvas);
        }
        canvas.width = width;
        canvas.height = height;
        canvas.getContext('2d')!.putImageData(new ImageData(pixels, width, height), 0, 0);
        let nonWhite = 0;
        for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 250 || pixels[i + 1]! < 250 || pixels[i + 2]! < 250) nonWhite++;
        return { nonWhite, sum: pixels.reduce((s, v) => s + v, 0) };
      };
    });
    type Snap = { nonWhite: number; sum: number };
    const snapshot = (which: 'raster' | 'heat') =>
      page.evaluate(
        (w) => (window as unknown as { __snapshot: (el: ActivityViewElement, width: number, height: number, id: string) => Promise<Snap> }).__snapshot(window.__activity![w], 600, 160, `snap-${w}`),
        which,
      );
    const rasterBefore = await snapshot('raster');
    const heatBefore = await snapshot('heat');
    // Nothing simulated yet: every column is unwritten, drawn as background.
    expect(rasterBefore.nonWhite).toBe(0);
    expect(heatBefore.nonWhite).toBe(0);

    // Advance the simulation in a few pieces, letting frames draw in between.
    await page.evaluate(async () => {
      const { sim } = window.__activity!;
      for (let i = 0; i < 4; i++) {
        await sim.run(4);
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      }
    });
    await page.waitForFunction((n) => window.__activity!.raster.framesDrawn > n, { timeout: 20_000 }, framesBefore);
    const rasterAfter = await snapshot('raster');
    const heatAfter = await snapshot('heat');
    // Raster: 16 of 20 ms written, spikes as dark pixels; heatmap: 16 of 100 columns coloured.
    expect(rasterAfter.nonWhite).toBeGreaterThan(100);
    expect(heatAfter.nonWhite).toBeGreaterThan(0.14 * 600 * 160);
    expect(heatAfter.nonWhite).toBeLessThan(0.18 * 600 * 160);
    // The element's own canvas screenshots (compositing may be blank on software WebGPU; logged only).
    const rasterHandle = (await page.$('cg-activity-view'))!;
    const shot = Buffer.from(await rasterHandle.screenshot());
    console.log(`activity view: element screenshot ${shot.length} bytes; raster ${rasterAfter.nonWhite} dark px, heatmap ${heatAfter.nonWhite} coloured px`);
    // Nothing changes while the simulation stands still: no redraw.
    const idle = await framesDrawn();
    expect(idle).toBeGreaterThan(framesBefore);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    expect(await framesDrawn()).toBe(idle);

    // Docs screenshot only when CORTEXGPU_SCREENSHOTS is set (`npm run screenshots`).
    const docsShot = screenshotPath('activity-view.png');
    if (docsShot) {
      const clip = await page.evaluate(() => {
        const a = document.getElementById('snap-raster')!.getBoundingClientRect();
        const b = document.getElementById('snap-heat')!.getBoundingClientRect();
        return { x: a.x, y: a.y, width: Math.max(a.width, b.width), height: b.bottom - a.y };
      });
      writeFileSync(docsShot, await page.screenshot({ clip }));
    }

    // An unknown population: cg-error (kind 'failed') naming the option.
    const failure = await page.evaluate(async () => {
      const el = document.createElement('cg-activity-view');
      const error = new Promise<SimulationErrorDetail>((resolve) => el.addEventListener('cg-error', (e) => resolve((e as CustomEvent<SimulationErrorDetail>).detail), { once: true }));
      el.population = 'Nope';
      document.body.append(el);
      el.simulator = window.__activity!.sim;
      const detail = await error;
      el.remove();
      return { kind: detail.kind, message: detail.message };
    });
    expect(failure.kind).toBe('failed');
    expect(failure.message).toMatch(/option population: no population 'Nope' \(have: E\)/);

    // Disconnected views stop their frame loop.
    const stopped = await page.evaluate(async () => {
      const { sim, raster } = window.__activity!;
      raster.remove();
      const n = raster.framesDrawn;
      await sim.run(2);
      await new Promise((r) => setTimeout(r, 200));
      return raster.framesDrawn === n && raster.history === null;
    });
    expect(stopped).toBe(true);

    console.log(`activity view: set-up ${setupS.toFixed(1)} s, total ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  }, 120_000);
});
