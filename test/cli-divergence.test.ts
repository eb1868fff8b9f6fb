/**
 * Issue 15, item 7: no Dawn warnings reach users of the `cortexgpu` binary, and a diverging run
 * writes what was recorded before the divergence, with `"status": "diverged"` and where.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../src/cli/main.js';
import { DAWN_LIMIT_NOTICE, DawnLogFilter } from '../src/cli/launch.js';
import { decodeNpy } from '../src/io/npy.js';
import { readNwbSpikes } from '../src/io/nwb.js';

const work = mkdtempSync(join(tmpdir(), 'cortexgpu-divergence-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A rate population whose recurrent weights explode (x grows ×~10 per ms) beside a Poisson population. */
const divergingSpec = {
  dt_ms: 1, batch: 2, seed: 3,
  populations: [
    { name: 'Runaway', size: 10, model: 'rate', params: { tau_ms: 5, transfer: 'linear' }, initial: { x: 1 } },
    { name: 'P', size: 20, model: 'poisson_source', params: { rate_hz: 100 } },
  ],
  projections: [{ source: 'Runaway', target: 'Runaway', connector: { type: 'all_to_all' }, weight: 5 }],
  recorders: [
    { type: 'state', population: 'Runaway', variable: 'x', neurons: [0, 3], every_ms: 1 },
    { type: 'population_rate', population: 'Runaway', bin_ms: 5 },
    { type: 'spikes', population: 'P' },
    { type: 'spike_counts', population: 'P', window_ms: 10 },
  ],
};
const smallSpec = {
  dt_ms: 1, batch: 1, seed: 1,
  populations: [{ name: 'P', size: 20, model: 'poisson_source', params: { rate_hz: 20 } }],
  recorders: [{ type: 'spikes', population: 'P' }],
};

function writeSpec(name: string, spec: object): string {
  const path = join(work, name);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s), isTTY: false }, exit: () => {} };
  const code = await main(['node', 'cortexgpu', ...args], io);
  return { code, stdout, stderr };
}

/** Run the `cortexgpu` binary (dist/ must be built: `npm test` builds it first). */
function bin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/cortexgpu.js', ...args], { encoding: 'utf8', env: { ...process.env, CORTEXGPU_RAW_STDERR: '' } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

describe('a diverging run', () => {
  it('writes the recordings before the divergence and summary.json with status "diverged" and where; exit code 2', async () => {
    const out = join(work, 'diverged');
    const result = await cli('run', writeSpec('diverging.json', divergingSpec), '--duration', '2000', '--out', out, '--quiet');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^cortexgpu: DivergenceError: Population 'Runaway': state variable (x|r) of neuron \d+, trial \d+ became NaN or infinite at step \d+/);
    expect(result.stderr).toMatch(/The recordings of the \d+ steps before it \(\d+ ms\) were written to '.*diverged' \(summary.json: "status": "diverged"\)/);
    expect(result.stderr).not.toMatch(/simulator\.recordings\(\)/);

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, any>;
    expect(summary['status']).toBe('diverged');
    const where = summary['divergence'] as Record<string, any>;
    expect(where).toMatchObject({ population: 'Runaway', variable: expect.stringMatching(/^(x|r)$/) });
    const step = where['step'] as number;
    expect(step).toBeGreaterThan(10);
    expect(step).toBeLessThan(2000);
    expect(where['time_ms']).toBe(step);
    expect(where['neuron']).toBeGreaterThanOrEqual(0);
    expect(where['neuron']).toBeLessThan(10);
    expect([0, 1]).toContain(where['trial']);
    expect(summary).toMatchObject({ steps: step, duration_ms: step, requested_duration_ms: 2000, warmup_ms: 0 });

    // Every file listed is there, loadable, and holds exactly the steps before the divergence.
    const npyFiles = (summary['files'] as { name: string; shape: number[] }[]).filter((f) => f.name.endsWith('.npy'));
    expect(npyFiles.map((f) => f.name).sort()).toEqual(readdirSync(out).filter((f) => f.endsWith('.npy')).sort());
    expect((summary['files'] as { name: string }[]).map((f) => f.name)).toContain('spikes.nwb');
    const load = (name: string) => decodeNpy(readFileSync(join(out, name)));
    for (const file of npyFiles) expect(load(file.name).shape).toEqual(file.shape);
    const state = load('state_Runaway_x.npy');
    expect(state.shape).toEqual([step, 2, 2]);
    expect(Array.from(state.data as Float32Array).every(Number.isFinite)).toBe(true);
    expect(Array.from(load('state_Runaway_x_times_ms.npy').data as Float64Array)).toEqual(Array.from({ length: step }, (_, k) => k));
    expect(load('population_rate_Runaway.npy').shape).toEqual([Math.floor(step / 5), 2]);
    expect(load('spike_counts_P.npy').shape).toEqual([Math.floor(step / 10), 2, 20]);
    const spikes = load('spikes_P.npy');
    const table = spikes.data as Uint32Array;
    expect(spikes.shape[0]).toBeGreaterThan(0);
    for (let k = 0; k < spikes.shape[0]!; k++) expect(table[3 * k]).toBeLessThan(step);
    // spikes.nwb follows the same rule: the same spikes, each before the divergence within its trial.
    const nwb = await readNwbSpikes(join(out, 'spikes.nwb'));
    expect(nwb.spikeTimesS.reduce((n, t) => n + t.length, 0)).toBe(spikes.shape[0]);
    expect(Array.from(nwb.trials!.stopTimeS)).toEqual([step / 1000, (2 * step) / 1000]);
    // Nothing is left behind beside the output folder.
    expect(readdirSync(work).filter((f) => f.includes('cortexgpu-tmp'))).toEqual([]);
  });

  it('a run that does not diverge has "status": "ok" and no divergence', async () => {
    const out = join(work, 'ok');
    const result = await cli('run', writeSpec('small.json', smallSpec), '--duration', '50', '--warmup', '10', '--out', out, '--quiet');
    expect(result.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, any>;
    expect(summary['status']).toBe('ok');
    expect(summary['divergence']).toBeNull();
    expect(summary['steps']).toBe(50);
  });
});

describe('Dawn notices', () => {
  it('the filter drops exactly the two limit notices, also when split across chunks', () => {
    const notices = ['Uniform', 'Storage'].map((kind) => `Warning: maxDynamic${kind}BuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.`);
    for (const n of notices) expect(DAWN_LIMIT_NOTICE.test(n)).toBe(true);
    const text = `${notices[0]}\n${notices[1]}\ncortexgpu: adapter X\nWarning: something else\nsimulating [====    ] 50%\r`;
    const expected = 'cortexgpu: adapter X\nWarning: something else\nsimulating [====    ] 50%\r';
    for (const size of [1, 7, 64, text.length]) {
      const filter = new DawnLogFilter();
      let out = '';
      for (let i = 0; i < text.length; i += size) out += filter.write(text.slice(i, i + size));
      out += filter.end();
      expect(out).toBe(expected);
    }
    // Text that is not a notice is passed on at once (progress bars without newlines).
    expect(new DawnLogFilter().write('simulating [==')).toBe('simulating [==');
  });

  it('`cortexgpu info` and a small `run` print no Warning lines; exit codes pass through the launcher', async () => {
    const info = await bin('info');
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^adapter: /);
    expect(info.stderr).not.toMatch(/^Warning/m);

    const run = await bin('run', writeSpec('small-bin.json', smallSpec), '--duration', '50', '--warmup', '10', '--out', join(work, 'bin-run'));
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/cortexgpu: adapter /);
    expect(run.stderr).not.toMatch(/^Warning/m);
    expect(run.stdout).toMatch(/wrote summary\.json/);

    const diverged = await bin('run', writeSpec('diverging-bin.json', divergingSpec), '--duration', '2000', '--out', join(work, 'bin-diverged'), '--quiet');
    expect(diverged.code).toBe(2);
    expect(diverged.stderr).toMatch(/DivergenceError/);
    expect(diverged.stderr).not.toMatch(/^Warning/m);
  });
});
