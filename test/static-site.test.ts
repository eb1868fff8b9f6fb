/**
 * `npm run build` produces a static site: every demo page (index, the labs, the playground,
 * the model editor, the minimal demo) is built with its script, with relative URLs, and with Lit's production build.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/browser.js';

describe('static site build', () => {
  it('builds every demo page with relative asset URLs', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'cortexgpu-site-'));
    try {
      await build({ configFile: join(repoRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
      for (const page of ['index.html', 'redundancy-lab/index.html', 'bci-lab/index.html', 'scaling/index.html', 'model-editor/index.html', 'minimal/index.html', 'data-lab/index.html']) {
        const file = join(outDir, page);
        expect(existsSync(file), page).toBe(true);
        const html = readFileSync(file, 'utf8');
        if (page !== 'index.html') expect(html, page).toMatch(/<script type="module"[^>]*src="\.\.?\/assets\//);
        expect(html).not.toMatch(/src="\/assets/);
      }
      // Lit's production build (no dev-mode warnings), also when built from the test runner (NODE_ENV=test).
      const scripts = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.js'));
      expect(scripts.length).toBeGreaterThan(0);
      for (const file of scripts) expect(readFileSync(join(outDir, 'assets', file), 'utf8'), file).not.toContain('lit.dev/msg/dev-mode');
      const index = readFileSync(join(outDir, 'index.html'), 'utf8');
      for (const link of ['./redundancy-lab/index.html', './bci-lab/index.html', './scaling/index.html', './model-editor/index.html', './data-lab/index.html']) expect(index).toContain(link);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
