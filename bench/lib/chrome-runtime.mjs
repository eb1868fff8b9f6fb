// The suite's headless-Chrome runtime: builds the bench page (bench/browser/) with Vite into a
// temporary folder, serves it on 127.0.0.1 (a secure context, as WebGPU requires), opens it in
// headless Chromium through puppeteer with the browser tests' flags (bench/lib/chromium.mjs) —
// the hardware-WebGPU flags instead when the machine has a GPU — and runs networks and the
// Fisher kernel in the page (page.evaluate), with progress lines back through page.exposeFunction.
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_FLAGS, chromiumPath, hasHardwareGpu, MISSING_CHROMIUM, WEBGPU_FLAGS, WEBGPU_HARDWARE_FLAGS } from './chromium.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pageRoot = join(root, 'bench', 'browser');

const CONTENT_TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.map': 'application/json' };

/** Bundle bench/browser/ (the page, the engine from src/, shaders/) into `outDir`. */
async function buildPage(outDir, cacheDir) {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: pageRoot,
    base: './',
    logLevel: 'error',
    // Vite's cache stays in the temporary folder (not node_modules/.vite, shared with other work).
    cacheDir,
    build: {
      outDir, emptyOutDir: true, target: 'es2022', reportCompressedSize: false, chunkSizeWarningLimit: 4096,
      // The engine's Node-only branches (shader files from disk, os.totalmem) are never taken in
      // the page; the bundler's notes about externalising them are noise here.
      rolldownOptions: { onLog: (level, entry, handler) => { if (level !== 'warn') handler(level, entry); } },
    },
  });
}

/** A static file server for `dir` on a free port of 127.0.0.1. */
async function serve(dir) {
  const base = resolve(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(base, path === '/' ? 'index.html' : path));
    if (!file.startsWith(base + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/` };
}

/**
 * Start the Chrome runtime: build and serve the page, launch Chromium, open the page.
 * @param {{ gpu?: 'auto' | 'on' | 'off', stepsPerSubmit?: number, log?: (text: string) => void, timeoutMs?: number }} [options]
 *   gpu: hardware-WebGPU flags (`on`), the browser tests' software flags (`off`), or by {@link hasHardwareGpu} (`auto`)
 */
export async function startChromeRuntime(options = {}) {
  const baseLog = options.log ?? (() => {});
  // Lines from the page go to the current network's log while one runs (see simulate).
  let current = null;
  const log = (text) => (current ?? baseLog)(text);
  if (!existsSync(chromiumPath)) throw new Error(MISSING_CHROMIUM);
  const work = mkdtempSync(join(tmpdir(), 'cortexgpu-bench-chrome-'));
  let server = null;
  let browser = null;
  try {
    const buildStart = performance.now();
    await buildPage(join(work, 'site'), join(work, 'vite-cache'));
    log(`bench page built in ${((performance.now() - buildStart) / 1000).toFixed(1)} s`);
    const served = await serve(join(work, 'site'));
    server = served.server;

    const wantHardware = options.gpu === 'on' || ((options.gpu ?? 'auto') === 'auto' && hasHardwareGpu());
    const { default: puppeteer } = await import('puppeteer');
    const timeout = options.timeoutMs ?? 30 * 60_000;
    let profiles = 0;

    /** Open (or reopen, after a failure) the bench page in `b`. */
    const openPage = async (b) => {
      const p = await b.newPage();
      p.setDefaultTimeout(timeout);
      p.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warn') log(`page ${msg.type()}: ${msg.text()}`); });
      p.on('pageerror', (err) => log(`page error: ${err instanceof Error ? err.message : String(err)}`));
      await p.exposeFunction('benchLog', (text) => log(text));
      await p.goto(served.url, { waitUntil: 'load' });
      await p.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), { timeout: 60_000, polling: 50 });
      if ((await p.evaluate(() => document.body.dataset.state)) !== 'ready') throw new Error(`bench page failed to load: ${await p.$eval('#status', (el) => el.textContent)}`);
      return p;
    };

    /** Launch Chromium with the hardware or the software WebGPU flags and ask the page for its adapter. */
    const launch = async (hardware) => {
      const flags = [...BASE_FLAGS, ...(hardware ? WEBGPU_HARDWARE_FLAGS : WEBGPU_FLAGS)];
      // puppeteer edits the args array it is given (it merges --enable-features): pass a copy.
      const b = await puppeteer.launch({ headless: true, executablePath: chromiumPath, userDataDir: join(work, `profile-${profiles++}`), args: [...flags], protocolTimeout: timeout });
      try {
        const p = await openPage(b);
        const info = await p.evaluate(() => /** @type {any} */ (window).cortexgpuBench.adapter());
        return { b, p, info, flags };
      } catch (err) {
        await b.close().catch(() => undefined);
        throw err;
      }
    };

    let launched;
    try {
      launched = await launch(wantHardware);
    } catch (err) {
      if (!wantHardware) throw err;
      // A GPU was expected but Chromium offered no adapter with the hardware flags: fall back.
      log(`no WebGPU adapter with the hardware flags (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); retrying with the software flags`);
      launched = await launch(false);
    }
    browser = launched.b;
    const liveBrowser = launched.b;
    const { info: adapter, flags } = launched;
    let page = launched.p;
    const version = await liveBrowser.version();
    const hardware = flags.includes('--use-angle=vulkan');
    log(`Chrome ${version}, flags: ${hardware ? 'hardware WebGPU' : 'software WebGPU (browser tests)'}; adapter ${adapter.label}`);
    if (wantHardware && adapter.software) log(`WARNING: a GPU was expected but Chromium's adapter is a software one (${adapter.label}); recorded as such`);

    /** Run `fn` in the page; after a failure the page is reopened (fresh device) and the error rethrown. */
    const inPage = async (fn, ...args) => {
      try {
        return await page.evaluate(fn, ...args);
      } catch (err) {
        await page.close().catch(() => undefined);
        page = await openPage(liveBrowser);
        throw err;
      }
    };

    const closeAll = async () => {
      await liveBrowser.close().catch(() => undefined);
      await new Promise((ok) => served.server.close(() => ok(undefined)));
      rmSync(work, { recursive: true, force: true });
    };
    return {
      runtime: 'chrome',
      runtimeVersion: `${version}, flags ${flags.filter((f) => !BASE_FLAGS.includes(f)).join(' ')}`,
      adapter: { vendor: adapter.vendor, architecture: adapter.architecture, device: adapter.device, description: adapter.description, software: adapter.software, runtime: 'browser', label: adapter.label },
      userAgent: adapter.userAgent,
      async simulate(spec, protocol, networkLog) {
        current = networkLog ?? null;
        try {
          return await inPage((s, p) => /** @type {any} */ (window).cortexgpuBench.simulate(s, p), spec, { ...protocol, ...(options.stepsPerSubmit ? { stepsPerSubmit: options.stepsPerSubmit } : {}) });
        } finally {
          current = null;
        }
      },
      fisher(n) {
        return inPage((k) => /** @type {any} */ (window).cortexgpuBench.fisher(k), n);
      },
      close: closeAll,
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    if (server) await new Promise((ok) => server.close(() => ok(undefined)));
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}
