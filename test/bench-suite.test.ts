/**
 * `npm run bench` (bench/bench.mjs) end to end on a tiny run in Node: COBA for 20 ms after its
 * quick warm-up and the Fisher kernel at N = 32, no Chrome, no Brian2, everything written to a
 * temporary folder. Checks the JSONL records' fields, that report.md and the SVG figures are
 * written, and that bench/readme-table.mjs rewrites only the part of a README between its
 * markers. No assertion on speed (the benchmark's business). Needs a current dist/.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root, run, staleOutputs } from './helpers/dist.js';

const work = mkdtempSync(join(tmpdir(), 'cortexgpu-bench-suite-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface BenchRecord {
  status: string; runtime: string; network: string; kind: string; commit: string | null; date: string; preset: string;
  device: { label: string; software: boolean; runtime: string; vendor: string; architecture: string; description: string };
  neurons: number; synapses: number; simulated_ms: number; warmup_ms: number; wall_s: number; rtf: number;
  neuron_steps_per_s: number; synaptic_events: number; synaptic_events_per_s: number; spikes: number;
  dispatches_per_step: { total: number; byStage: Record<string, number> };
  construction_s: number; gpu_memory_bytes: number; steps_per_submit: number; recording: string;
  trials_per_condition?: number; gflops_per_s?: number;
  bounds: { dispatch_cost_us: number; dispatch_overhead_s: number; kernel_s: number; bound_by: string };
}

describe('bench/bench.mjs', () => {
  it('measures COBA and the Fisher kernel in Node and writes records, report and figures', async () => {
    const stale = staleOutputs();
    if (stale.length > 0) throw new Error(`dist/ is older than ${stale.slice(0, 5).join(', ')}: run npx tsc -p tsconfig.json before this test`);
    const out = join(work, 'results');
    const result = await run(process.execPath, [
      'bench/bench.mjs', '--quick', '--only', 'coba,fisher', '--runtime', 'node', '--no-brian2', '--duration-ms', '20', '--fisher-sizes', '32', '--out', out,
    ], root, 60_000);
    expect(result.code, result.stderr.slice(-2000)).toBe(0);

    const records = readFileSync(join(out, 'bench.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as BenchRecord);
    expect(records.map((r) => `${r.network}/${r.runtime}`)).toEqual(['coba/node', 'fisher/node']);
    const coba = records[0]!;
    expect(coba).toMatchObject({ status: 'ok', kind: 'spiking', preset: 'quick', neurons: 4000, simulated_ms: 20, warmup_ms: 100, steps_per_submit: 200 });
    expect(coba.recording).toMatch(/population_rate/);
    expect(Date.parse(coba.date)).toBeGreaterThan(0);
    expect(coba.device.runtime).toBe('node');
    expect(coba.device.label).toContain('[node]');
    expect(typeof coba.device.software).toBe('boolean');
    // COBA: 2 % of 4,000² ≈ 320,000 synapses (counted by the engine).
    expect(coba.synapses).toBeGreaterThan(300_000);
    expect(coba.synapses).toBeLessThan(340_000);
    for (const k of ['wall_s', 'rtf', 'neuron_steps_per_s', 'construction_s', 'gpu_memory_bytes'] as const) expect(coba[k], k).toBeGreaterThan(0);
    expect(coba.rtf).toBeCloseTo(coba.wall_s / 0.02, 9);
    expect(coba.neuron_steps_per_s).toBeCloseTo((4000 * 200) / coba.wall_s, 3);
    // Events = spikes × mean out-degree (≈ 80 for COBA).
    expect(coba.spikes).toBeGreaterThan(0);
    expect(coba.synaptic_events / coba.spikes).toBeGreaterThan(70);
    expect(coba.synaptic_events / coba.spikes).toBeLessThan(90);
    expect(coba.synaptic_events_per_s).toBeCloseTo(coba.synaptic_events / coba.wall_s, -2);
    expect(coba.dispatches_per_step.total).toBeGreaterThan(0);
    expect(Object.values(coba.dispatches_per_step.byStage).reduce((a, b) => a + b, 0)).toBeCloseTo(coba.dispatches_per_step.total, 9);
    // The bounds split the loop: dispatch overhead (the probe's cost per dispatch × dispatches) cannot exceed it.
    expect(coba.bounds.dispatch_cost_us).toBeGreaterThan(0);
    expect(coba.bounds.dispatch_overhead_s).toBeLessThanOrEqual(coba.wall_s);
    const fisher = records[1]!;
    expect(fisher).toMatchObject({ status: 'ok', kind: 'fisher', neurons: 32, trials_per_condition: 40 });
    expect(fisher.wall_s).toBeGreaterThan(0);

    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/^# cortexgpu benchmark report/);
    expect(report).toMatch(/\| runtime \| device \| simulated \| loop wall \| RTF \|/);
    expect(report).toContain('| Node (Dawn) |');
    expect(report).toContain('## Covariance + linear Fisher information');
    for (const figure of ['rtf.svg', 'events_per_s.svg', 'fisher.svg']) {
      expect(existsSync(join(out, figure)), figure).toBe(true);
      expect(readFileSync(join(out, figure), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
      expect(report).toContain(`](${figure})`);
    }

    // README table: only the text between the markers changes; a second pass is a no-op.
    const readme = join(work, 'README.md');
    copyFileSync(join(root, 'README.md'), readme);
    const before = readFileSync(readme, 'utf8');
    expect(before).toContain('<!-- bench:begin -->');
    const table = await run(process.execPath, ['bench/readme-table.mjs', '--records', join(out, 'bench.jsonl'), '--readme', readme], root, 30_000);
    expect(table.code, table.stderr).toBe(0);
    const after = readFileSync(readme, 'utf8');
    const [head, rest] = before.split('<!-- bench:begin -->') as [string, string];
    const tail = rest.slice(rest.indexOf('<!-- bench:end -->'));
    expect(after.startsWith(`${head}<!-- bench:begin -->`)).toBe(true);
    expect(after.endsWith(tail)).toBe(true);
    expect(after).toMatch(/\| COBA .*\(`coba`\) \| 4\.00 k \/ 3\d\d k \| Node \(Dawn\) \|/);
    expect(after).toMatch(/\| T = 1\.25 N trials \| Node \(Dawn\) \|.*N 32:/);
    const check = await run(process.execPath, ['bench/readme-table.mjs', '--records', join(out, 'bench.jsonl'), '--readme', readme, '--check'], root, 30_000);
    expect(check.code, check.stderr).toBe(0);
  }, 90_000);

  it('refuses unknown networks and runtimes, naming what is known', async () => {
    const network = await run(process.execPath, ['bench/bench.mjs', '--only', 'nope', '--out', work], root, 30_000);
    expect(network.code).toBe(2);
    expect(network.stderr).toMatch(/unknown network 'nope' \(known: coba, brunel2000, /);
    const runtime = await run(process.execPath, ['bench/bench.mjs', '--runtime', 'safari', '--out', work], root, 30_000);
    expect(runtime.code).toBe(2);
    expect(runtime.stderr).toContain('--runtime must be node, chrome or both');
  }, 60_000);
});
