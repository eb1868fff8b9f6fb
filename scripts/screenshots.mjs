#!/usr/bin/env node
/**
 * Refresh the README's screenshots (docs/screenshots/*.png) from the running demos and components.
 *
 *   npm run screenshots            # all browser tests, screenshots into docs/screenshots/
 *   npm run screenshots -- demos   # only test files whose path contains "demos"
 *
 * The browser tests take screenshots only when CORTEXGPU_SCREENSHOTS names a folder; a plain
 * `npm test` writes nothing tracked. This script runs the browser project of the test suite
 * (headless Chromium, software WebGPU when there is no GPU) with that variable set to
 * docs/screenshots/, then lists what changed. The pages are those the tests check, in the
 * state the tests reach, so a screenshot never shows a demo that fails its test.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const folder = join(repoRoot, 'docs/screenshots');
const started = Date.now();
const filters = process.argv.slice(2);
const vitest = join(repoRoot, 'node_modules/.bin/vitest');
const result = spawnSync(vitest, ['run', '--project', 'browser', ...filters], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: { ...process.env, CORTEXGPU_SCREENSHOTS: folder },
});
if (result.error) {
  console.error(`screenshots: could not run vitest (${result.error.message}); run npm install first.`);
  process.exit(1);
}
const written = readdirSync(folder)
  .filter((name) => name.endsWith('.png') && statSync(join(folder, name)).mtimeMs >= started)
  .sort();
console.log(`\nscreenshots: ${written.length} written to docs/screenshots/: ${written.join(', ') || 'none'}`);
if (result.status !== 0) console.error('screenshots: some browser tests failed; their screenshots may be missing.');
process.exit(result.status ?? 1);
