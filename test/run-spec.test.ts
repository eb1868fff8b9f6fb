/**
 * The spec's `run` block (duration and warm-up), how the CLI and the simulators use it, and the
 * `example` command for every bundled network.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { CpuSimulator } from '../src/cpu/simulator.js';
import { SpecError, findSpecIssues, parseSpecJson, resolveRunTiming } from '../src/model/schema.js';
import type { NetworkSpec } from '../src/model/spec.js';


const work = mkdtempSync(join(tmpdir(), 'cortexgpu-run-spec-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A small E network driven by Poisson input, with a run block. */
function smallSpec(run?: NetworkSpec['run']): NetworkSpec {
  return {
    name: 'run_block', dt_ms: 0.1, seed: 4,
    populations: [{ name: 'E', size: 20, model: 'lif_psc_delta', params: { tau_m_ms: 20, e_l_mV: 0, v_th_mV: 20, v_reset_mV: 10, t_ref_ms: 2 } }],
    inputs: [{ type: 'poisson', target: 'E', rate_hz: 20, n_sources: 1000, weight: 0.2, receptor: 'excitatory' }],
    recorders: [{ type: 'spikes', population: 'E' }],
    ...(run !== undefined ? { run } : {}),
  };
}

describe('run block in a spec', () => {
  it('accepts duration and warm-up and refuses a warm-up not shorter than the run, naming the key', () => {
    expect(findSpecIssues(smallSpec({ duration_ms: 500, warmup_ms: 100 }))).toEqual([]);
    const tooLong = findSpecIssues(smallSpec({ duration_ms: 200, warmup_ms: 200 }));
    expect(tooLong.map((i) => i.path)).toEqual(['run.warmup_ms']);
    expect(tooLong[0]!.message).toMatch(/shorter than run\.duration_ms/);
    expect(findSpecIssues(smallSpec({ duration_ms: -5 })).map((i) => i.path)).toEqual(['run.duration_ms']);
    const unknown = findSpecIssues({ ...smallSpec(), run: { duration: 100 } });
    expect(unknown[0]!.path).toBe('run.duration');
    expect(unknown[0]!.message).toMatch(/duration_ms/);
  });

  it('resolves flags over the spec, defaults the warm-up to min(200 ms, duration / 5) and names the source', () => {
    expect(resolveRunTiming(smallSpec({ duration_ms: 2000 }))).toMatchObject({ durationMs: 2000, warmupMs: 200, source: { duration: 'spec', warmup: 'default' } });
    expect(resolveRunTiming(smallSpec({ duration_ms: 200 })).warmupMs).toBe(40);
    expect(resolveRunTiming(smallSpec({ duration_ms: 2000, warmup_ms: 50 }), { durationMs: 300 })).toMatchObject({ durationMs: 300, warmupMs: 50, source: { duration: 'option', warmup: 'spec' } });
    expect(() => resolveRunTiming(smallSpec())).toThrow(SpecError);
    expect(() => resolveRunTiming(smallSpec())).toThrow(/run\.duration_ms/);
    expect(() => resolveRunTiming(smallSpec({ duration_ms: 300 }), { warmupMs: 300, warmupName: '--warmup' })).toThrow(/--warmup: must be ≥ 0 ms and shorter than the run/);
  });

  it('CpuSimulator.run() without a duration runs the spec\'s run.duration_ms', () => {
    const sim = new CpuSimulator(smallSpec({ duration_ms: 12.5 }));
    expect(sim.run().steps).toBe(125);
    expect(() => new CpuSimulator(smallSpec()).run()).toThrow(/run\.duration_ms/);
  });

  it('cortexgpu run takes the duration and warm-up from the spec; flags override; bad warm-ups are refused before building', async () => {
    const file = join(work, 'with-run.json');
    writeFileSync(file, JSON.stringify(smallSpec({ duration_ms: 150, warmup_ms: 30 })));
    const fromSpec = await cli('run', file, '--out', join(work, 'a'), '--quiet');
    expect(fromSpec.stderr).toBe('');
    expect(fromSpec.code).toBe(0);
    expect(JSON.parse(readFileSync(join(work, 'a', 'summary.json'), 'utf8'))).toMatchObject({ duration_ms: 150, warmup_ms: 30, steps: 1500 });

    const overridden = await cli('run', file, '--duration', '80', '--out', join(work, 'b'), '--quiet');
    expect(overridden.code).toBe(0);
    expect(JSON.parse(readFileSync(join(work, 'b', 'summary.json'), 'utf8'))).toMatchObject({ duration_ms: 80, warmup_ms: 30 });

    const refused = await cli('run', file, '--warmup', '150', '--out', join(work, 'c'), '--quiet');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--warmup: must be ≥ 0 ms and shorter than the run \(got 150 ms for a 150 ms run\)/);

    const bare = join(work, 'no-run.json');
    writeFileSync(bare, JSON.stringify(smallSpec()));
    const missing = await cli('run', bare, '--out', join(work, 'd'), '--quiet');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/run\.duration_ms.*--duration/);
  });
});

describe('cortexgpu example', () => {
  const files = readdirSync('examples').filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));

  it('lists the generated pd14 network and every examples/*.json file with its description', async () => {
    const listed = await cli('example');
    expect(listed.code).toBe(0);
    for (const name of ['pd14', ...files]) expect(listed.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });

  it.each(files)('prints %s: a valid spec with a description and a run block, equal to the file', async (name) => {
    const printed = await cli('example', name);
    expect(printed.code).toBe(0);
    const spec = parseSpecJson(printed.stdout, `example ${name}`);
    expect(spec).toEqual(JSON.parse(readFileSync(`examples/${name}.json`, 'utf8')));
    expect(spec.description?.length).toBeGreaterThan(20);
    expect(resolveRunTiming(spec).durationMs).toBeGreaterThan(0);
  });

  it('generates pd14 at any scale with a run block, applies --seed/--duration, and refuses pd14 options elsewhere', async () => {
    const pd14 = await cli('example', 'pd14', '--scale', '0.02', '--duration', '500', '--seed', '9');
    expect(pd14.code).toBe(0);
    const spec = parseSpecJson(pd14.stdout);
    expect(spec).toMatchObject({ seed: 9, run: { duration_ms: 500, warmup_ms: 100 } });
    expect(spec.populations).toHaveLength(8);
    const refused = await cli('example', 'coba', '--scale', '0.5');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--scale applies only to the generated pd14 example, not to 'coba'/);
    const unknown = await cli('example', 'brunel');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no example named 'brunel'; known examples: pd14, brunel2000/);
  });

  it('the README\'s spec example is examples/ei_balanced.json, character for character', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Model-spec format'));
    const block = /```json\n([\s\S]*?)```/.exec(section);
    expect(block?.[1]).toBe(readFileSync('examples/ei_balanced.json', 'utf8'));
  });

  it('ei_balanced (the README network) runs in the asynchronous irregular regime: a few to 20 Hz, CV ISI near 1', async () => {
    const out = join(work, 'ei');
    const run = await cli('run', 'examples/ei_balanced.json', '--out', out, '--quiet');
    expect(run.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { populations: Record<string, { rate_hz: number; cv_isi: number }> };
    for (const pop of ['E', 'I']) {
      const { rate_hz: rate, cv_isi: cv } = summary.populations[pop]!;
      console.log(`ei_balanced ${pop}: ${rate.toFixed(2)} Hz, CV ISI ${cv.toFixed(3)}`);
      expect(rate).toBeGreaterThan(3);
      expect(rate).toBeLessThan(20);
      expect(cv).toBeGreaterThan(0.8);
      expect(cv).toBeLessThan(1.2);
    }
  });
});
