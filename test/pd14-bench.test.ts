/**
 * bench/pd14.mjs end to end on a tiny network (scale 0.02, in-degree scale 0.02, Poisson drive,
 * 20 ms warm-up, 50 ms measured): it runs, writes its JSON and markdown, and reports every
 * population. No assertion on rates or speed (the benchmark's business). Needs a current dist/.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root, run, staleOutputs } from './helpers/dist.js';

const work = mkdtempSync(join(tmpdir(), 'cortexgpu-pd14-bench-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bench/pd14.mjs', () => {
  it('runs a tiny PD14 and writes per-population rates, CV ISI and correlations as JSON and markdown', async () => {
    const stale = staleOutputs();
    if (stale.length > 0) throw new Error(`dist/ is older than ${stale.slice(0, 5).join(', ')}: run npx tsc -p tsconfig.json before this test`);
    const out = join(work, 'pd14.json');
    const result = await run(process.execPath, [
      'bench/pd14.mjs', '--scale', '0.02', '--k-scale', '0.02', '--background', 'poisson', '--warmup-ms', '20', '--duration-ms', '50',
      '--cc-neurons', '20', '--cc-bin-ms', '5,1', '--out', out,
    ], root, 120_000);
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8')) as {
      network: string; k_scale: number; duration_ms: number; warmup_ms: number; construction_s: number; rtf: number;
      populations: { name: string; size: number; reference_rate_hz: number; rate_hz: number; dc_compensation_pA: number; cc: Record<string, { n_neurons: number; n_bins: number }> }[];
    };
    expect(json).toMatchObject({ network: 'pd14_scale0.02_k0.02_poisson', k_scale: 0.02, warmup_ms: 20, duration_ms: 50 });
    expect(json.construction_s).toBeGreaterThan(0);
    expect(json.rtf).toBeGreaterThan(0);
    expect(json.populations.map((p) => p.name)).toEqual(['L23E', 'L23I', 'L4E', 'L4I', 'L5E', 'L5I', 'L6E', 'L6I']);
    for (const p of json.populations) {
      expect(p.rate_hz).toBeGreaterThanOrEqual(0);
      expect(p.dc_compensation_pA).toBeGreaterThan(0); // Poisson background: positive compensation
      expect(p.cc['5']).toMatchObject({ n_neurons: Math.min(20, p.size), n_bins: 10 });
      expect(p.cc['1']).toMatchObject({ n_bins: 50 });
    }
    const markdown = readFileSync(join(work, 'pd14.md'), 'utf8');
    expect(markdown).toMatch(/\| population \| N \| ref\. rate \(Hz\) \| rate \(Hz\) \|/);
    expect(markdown.split('\n').filter((l) => /^\| L\d+[EI] \|/.test(l))).toHaveLength(8);
    expect(result.stdout).toContain(markdown);
  }, 120_000);
});
