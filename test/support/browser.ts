/**
 * Shared harness of the browser tests: a Vite dev server over `demos/` (which also serves the
 * repository's `src/` and `shaders/` through `/@fs/`), headless Chromium with software WebGPU,
 * console-error collection and main-thread long-task measurement.
 *
 * Demo tests can serve the production build instead (`start({ site: 'built' })`: `vite build` into
 * a temporary folder, served by `vite preview`), which is what users get: Lit's production build,
 * no dev-mode warnings, no on-demand transforms.
 *
 * Screenshots: the tests write none unless `CORTEXGPU_SCREENSHOTS` names a folder
 * ({@link screenshotPath}); `npm run screenshots` sets it to `docs/screenshots/`, so the suite
 * itself writes nothing tracked.
 *
 * Chromium comes from Debian (`/usr/bin/chromium`) or PUPPETEER_EXECUTABLE_PATH (path and flags:
 * `bench/lib/chromium.mjs`, shared with `npm run bench`); tests fail, rather than skip, when it is
 * missing, so CI cannot pass without running them.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { BASE_FLAGS, chromiumPath, MISSING_CHROMIUM, WEBGPU_FLAGS } from '../../bench/lib/chromium.mjs';
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export { BASE_FLAGS, chromiumPath, MISSING_CHROMIUM, WEBGPU_FLAGS } from '../../bench/lib/chromium.mjs';

/**
 * Where a test should write the screenshot `name` (e.g. `scaling.png`): a file in the folder named
 * by the environment variable `CORTEXGPU_SCREENSHOTS` (created if needed), or null when it is
 * unset — then no screenshot is taken, and the suite writes nothing in the repository.
 */
export function screenshotPath(name: string): `${string}.png` | null {
  const dir = process.env.CORTEXGPU_SCREENSHOTS;
  if (!dir) return null;
  const folder = resolve(repoRoot, dir);
  mkdirSync(folder, { recursive: true });
  return join(folder, name) as `${string}.png`;
}

/**
 * Console errors, uncaught exceptions and failed requests of a page, as text; with
 * `warnings: true` console warnings too.
 */
export function collectErrors(page: Page, options: { warnings?: boolean } = {}): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
    if (options.warnings && msg.type() === 'warn') errors.push(`console.warn: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err instanceof Error ? err.message : String(err)}`));
  page.on('requestfailed', (req) => errors.push(`request failed: ${req.url()} (${req.failure()?.errorText ?? '?'})`));
  return errors;
}

declare global {
  interface Window {
    /** Main-thread tasks longer than 50 ms seen by the test's PerformanceObserver (start and duration, ms). */
    __longTasks?: { start: number; duration: number }[];
  }
}

/**
 * Record every main-thread long task (> 50 ms) of the page from its first script on, into
 * `window.__longTasks`; read them with {@link longTasksSince}.
 */
export async function observeLongTasks(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks!.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** Long tasks that started at or after `sinceMs` (page time, `performance.now()`). */
export async function longTasksSince(page: Page, sinceMs: number): Promise<{ start: number; duration: number }[]> {
  return page.evaluate((since) => (window.__longTasks ?? []).filter((t) => t.start >= since), sinceMs);
}

/**
 * A Vite server over demos/ (dev server, or the production build served by `vite preview`) and
 * browsers with fresh profiles; `close()` releases everything.
 */
export class BrowserHarness {
  baseUrl = '';
  /** Seconds the production build took (0 for the dev server). */
  buildS = 0;
  private server: ViteDevServer | null = null;
  private previewServer: PreviewServer | null = null;
  private readonly browsers: Browser[] = [];
  private readonly profiles: string[] = [];

  /**
   * Start a server on a free port of 127.0.0.1 (a secure context, as WebGPU requires): the dev
   * server (default), or with `site: 'built'` the production build of the demos in a temporary
   * folder, served statically. `pages` (with `site: 'built'`) builds only those demo folders
   * (e.g. `['data-lab']`), for a test of one page.
   */
  async start(options: { site?: 'dev' | 'built'; pages?: readonly string[] } = {}): Promise<void> {
    if (options.site === 'built') {
      const outDir = mkdtempSync(join(tmpdir(), 'cortexgpu-site-'));
      this.profiles.push(outDir);
      const started = performance.now();
      const input = options.pages === undefined ? {} : { rolldownOptions: { input: Object.fromEntries(options.pages.map((page) => [page, join(repoRoot, 'demos', page, 'index.html')])) } };
      await build({ configFile: join(repoRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true, ...input } });
      this.buildS = (performance.now() - started) / 1000;
      this.previewServer = await preview({ configFile: join(repoRoot, 'vite.config.ts'), logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false }, build: { outDir } });
      const address = this.previewServer.httpServer.address() as AddressInfo | null;
      if (!address || typeof address !== 'object') throw new Error('Vite preview server did not report its address');
      this.baseUrl = `http://127.0.0.1:${address.port}`;
      return;
    }
    this.server = await createServer({
      configFile: join(repoRoot, 'vite.config.ts'),
      logLevel: 'warn',
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    });
    await this.server.listen();
    const address = this.server.httpServer?.address() as AddressInfo | null;
    if (!address || typeof address !== 'object') throw new Error('Vite dev server did not report its address');
    this.baseUrl = `http://127.0.0.1:${address.port}`;
  }

  /** URL under which the dev server serves a repository file (e.g. `src/ui/index.ts`). */
  fileUrl(pathInRepo: string): string {
    return `${this.baseUrl}/@fs${join(repoRoot, pathInRepo)}`;
  }

  /** Launch Chromium with a fresh, empty profile (WebGPU on unless `webgpu` is false). */
  async launch(webgpu = true): Promise<Browser> {
    if (!existsSync(chromiumPath)) throw new Error(MISSING_CHROMIUM);
    const userDataDir = mkdtempSync(join(tmpdir(), 'cortexgpu-chromium-'));
    this.profiles.push(userDataDir);
    const args = webgpu ? [...BASE_FLAGS, ...WEBGPU_FLAGS] : [...BASE_FLAGS];
    const browser = await puppeteer.launch({ headless: true, executablePath: chromiumPath, userDataDir, args });
    this.browsers.push(browser);
    return browser;
  }

  async close(): Promise<void> {
    for (const browser of this.browsers) await browser.close().catch(() => undefined);
    await this.server?.close();
    await this.previewServer?.close();
    for (const dir of this.profiles) rmSync(dir, { recursive: true, force: true });
  }
}
