/**
 * bench/model_build.mjs's core runs (no timing assertions: speed is the benchmark's business):
 * one model's parse → WGSL → pipeline build on this machine's GPU, the list of models it
 * measures, and scripts/brian2_build_time.py on the same description (numpy target; skipped
 * where Brian2 is not installed). Needs a current dist/.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_MODELS, equationModelsToMeasure, measureEquationModel } from '../bench/model_build.mjs';
import { testGpu } from './helpers/gpu.js';

const hasBrian2 = spawnSync('/usr/bin/python3', ['-c', 'import brian2'], { encoding: 'utf8' }).status === 0;

describe('bench/model_build.mjs', () => {
  it('measures one model: parse, WGSL and pipeline times, and the method chosen', async () => {
    const { device } = await testGpu();
    const result = await measureEquationModel(device, 'cuba', EXAMPLE_MODELS.cuba, 1);
    expect(result.method).toBe('exact');
    expect(result.wgsl_lines).toBeGreaterThan(5);
    expect(result.runs).toHaveLength(1);
    const run = result.runs[0]!;
    for (const k of ['parse_ms', 'wgsl_ms', 'pipeline_ms'] as const) expect(run[k]).toBeGreaterThan(0);
    expect(run.total_ms).toBeCloseTo(run.parse_ms + run.wgsl_ms + run.pipeline_ms, 9);
  }, 60_000);

  it('lists the catalogue\'s equation models and the CUBA, COBA and AdEx examples', () => {
    const models = equationModelsToMeasure();
    expect(models.map((m) => m.name)).toEqual(expect.arrayContaining(['cuba', 'coba', 'adex']));
    expect(new Set(models.map((m) => m.name)).size).toBe(models.length);
  });

  it.skipIf(!hasBrian2)('times Brian2 on the same description (numpy)', () => {
    const input = JSON.stringify([{ name: 'cuba', ...EXAMPLE_MODELS.cuba, method: 'exact' }]);
    const run = spawnSync('/usr/bin/python3', ['scripts/brian2_build_time.py', '--targets', 'numpy'], { input, encoding: 'utf8' });
    expect(run.status, run.stderr.slice(-500)).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { models: Record<string, Record<string, { total_s?: number; error?: string }>> };
    expect(out.models['cuba']!['numpy']!.error).toBeUndefined();
    expect(out.models['cuba']!['numpy']!.total_s).toBeGreaterThan(0);
  }, 60_000);
});
