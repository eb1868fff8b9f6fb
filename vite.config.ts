/**
 * Vite configuration of the browser demos.
 *
 * Every `demos/<name>/index.html` (and `demos/index.html`, the index page) is a page of a
 * multi-page build written to `demos-dist/`. The demos import the engine straight from `src/`
 * and the WGSL kernels from `shaders/`, both outside the Vite root, so the dev server may
 * serve files from the whole repository.
 *
 * - `npx vite` — dev server on http://localhost:5173/ (WebGPU needs a secure context:
 *   localhost or https).
 * - `npx vite build` — static site in `demos-dist/` (relative URLs, servable from any folder).
 *   A build always resolves packages' `production` export condition (Lit's production build,
 *   without dev-mode warnings), also when started from a test runner that sets
 *   NODE_ENV=test; the dev server resolves `development`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

const repoRoot = dirname(fileURLToPath(import.meta.url));
const demosRoot = resolve(repoRoot, 'demos');

/** All `index.html` files under `demos/`, keyed by their folder (`index` for the top page). */
function demoPages(): Record<string, string> {
  const pages: Record<string, string> = {};
  const entries = readdirSync(demosRoot, { recursive: true, encoding: 'utf8' });
  for (const entry of entries.sort()) {
    if (entry.split(/[\\/]/).pop() !== 'index.html') continue;
    if (entry.split(/[\\/]/).includes('node_modules')) continue;
    const folder = dirname(entry).split('\\').join('/');
    pages[folder === '.' ? 'index' : folder] = join(demosRoot, entry);
  }
  return pages;
}

export default defineConfig(({ command }) => ({
  root: demosRoot,
  base: './',
  // Keep Vite's dependency cache in the repository's node_modules, not under demos/.
  cacheDir: resolve(repoRoot, 'node_modules/.vite'),
  resolve: {
    conditions: defaultClientConditions.map((c) => (c === 'development|production' ? (command === 'build' ? 'production' : 'development') : c)),
  },
  server: {
    fs: {
      // shaders/, src/ and examples/ live outside the Vite root.
      allow: [repoRoot],
    },
  },
  build: {
    outDir: resolve(repoRoot, 'demos-dist'),
    emptyOutDir: true,
    // WebGPU browsers all support top-level await and modern syntax.
    target: 'es2022',
    rolldownOptions: {
      input: demoPages(),
    },
  },
}));
