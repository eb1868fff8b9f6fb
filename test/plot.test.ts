/**
 * `cortexgpu plot`: figures of run folders (synthetic folders with known spikes, and one real
 * run through the CLI with a recorded subset), the plotted numbers, and bad input.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { encodeNpy } from '../src/io/npy.js';
import { readRunFolder } from '../src/io/run-folder.js';
import { runPlotData } from '../src/analysis/run-plots.js';


const work = mkdtempSync(join(tmpdir(), 'cortexgpu-plot-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const DT = 0.1;
const DURATION = 1000;

/**
 * A run folder with known spikes, 2 trials:
 * - E: 80 neurons, 10 recorded (0, 3, …, 27), each firing regularly every 50 ms (20 Hz, CV 0),
 *   neuron k first at step 10 + k (so spikes are spread in time);
 * - I: 20 neurons, all recorded, each firing 5 spikes (5 Hz) with intervals 100, 300, 100,
 *   300 ms (mean 200 ms, CV 0.5).
 */
function writeSyntheticRun(dir: string, options: { simulator?: string; withNeuronsFile?: boolean } = {}): void {
  mkdirSync(dir, { recursive: true });
  const rows = (spikes: [number, number, number][]): Uint32Array => {
    spikes.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    return Uint32Array.from(spikes.flat());
  };
  const eNeurons = Array.from({ length: 10 }, (_, i) => 3 * i);
  const e: [number, number, number][] = [];
  for (let trial = 0; trial < 2; trial++) {
    for (const n of eNeurons) for (let step = 10 + n; step < DURATION / DT; step += 500) e.push([step, trial, n]);
  }
  const i: [number, number, number][] = [];
  for (let trial = 0; trial < 2; trial++) {
    for (let n = 0; n < 20; n++) {
      let step = 5 * n;
      for (let k = 0; k < 5; k++) {
        i.push([step, trial, n]);
        step += k % 2 === 0 ? 1000 : 3000;
      }
    }
  }
  const eTable = rows(e);
  const iTable = rows(i);
  writeFileSync(join(dir, 'spikes_E.npy'), encodeNpy(eTable, [eTable.length / 3, 3]));
  writeFileSync(join(dir, 'spikes_I.npy'), encodeNpy(iTable, [iTable.length / 3, 3]));
  if (options.withNeuronsFile !== false) {
    writeFileSync(join(dir, 'spikes_E_neurons.npy'), encodeNpy(Uint32Array.from(eNeurons), [10]));
    writeFileSync(join(dir, 'spikes_I_neurons.npy'), encodeNpy(Uint32Array.from({ length: 20 }, (_, k) => k), [20]));
  }
  const summary = {
    network: 'synthetic',
    ...(options.simulator !== undefined ? { simulator: options.simulator } : {}),
    dt_ms: DT, duration_ms: DURATION, steps: DURATION / DT, batch: 2, warmup_ms: 0, wall_s: 1,
    populations: { E: { size: 80, rate_hz: 20, cv_isi: 0, n_recorded: 10 }, I: { size: 20, rate_hz: 5, cv_isi: 0.5, n_recorded: 20 } },
    files: [{ name: 'spikes_E.npy' }, { name: 'spikes_I.npy' }],
  };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
}

describe('cortexgpu plot of a synthetic run folder', () => {
  const run = join(work, 'synthetic');
  writeSyntheticRun(run);

  it('plots the rate of the recorded subset, not of the population', async () => {
    const data = runPlotData([await readRunFolder(run)], { binMs: 10 });
    expect(data.fromMs).toBe(0);
    expect(data.toMs).toBe(DURATION);
    const e = data.cells.find((c) => c.population === 'E')!;
    expect(e.nRecorded).toBe(10);
    expect(e.size).toBe(80);
    expect(e.rateHz).toBeCloseTo(20, 10); // 80 neurons would give 2.5 Hz
    expect(e.cvIsi).toBe(0);
    // Binned rate of trial 0: mean 20 Hz; every 50 ms period holds one spike per neuron.
    expect(e.rateHzPerBin.length).toBe(100);
    expect(e.rateHzPerBin.reduce((a, b) => a + b, 0) / e.rateHzPerBin.length).toBeCloseTo(20, 10);
    expect(e.binMs).toBeCloseTo(10, 12);
    // Raster: the 10 recorded neurons of trial 0, 20 spikes each.
    expect(Array.from(e.rasterRows)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    expect(e.rasterTimesMs.length).toBe(200);
    // ISIs all 50 ms; CVs all 0.
    const isi = e.isiHistogram;
    expect(isi.count).toBe(2 * 10 * 19);
    const bin50 = isi.edges.findIndex((lo, k) => lo <= 50 && 50 < isi.edges[k + 1]!);
    expect(isi.fraction[bin50]).toBe(1);
    expect(e.isiMeanMs).toBeCloseTo(50, 10);
    expect(e.cvHistogram.count).toBe(20);
    expect(e.cvHistogram.fraction[0]).toBe(1);

    const i = data.cells.find((c) => c.population === 'I')!;
    expect(i.rateHz).toBeCloseTo(5, 10);
    expect(i.cvIsi).toBeCloseTo(0.5, 10); // intervals 100, 300: std 100 / mean 200
    expect(i.cvHistogram.count).toBe(40);
    expect(i.cvHistogram.beyondFraction).toBe(0);
    expect(i.cvHistogram.fraction[Math.floor(0.5 / 0.05 + 1e-9)]).toBe(1);
    expect(e.isiHistogram.beyondFraction).toBe(0);
    expect(i.isiMeanMs).toBeCloseTo(200, 10);
  });

  it('honours --from, --to, --neurons and --trial', async () => {
    const data = runPlotData([await readRunFolder(run)], { fromMs: 100, toMs: 600, neurons: 3, trial: 1, binMs: 50 });
    const e = data.cells.find((c) => c.population === 'E')!;
    expect(Array.from(e.rasterRows)).toEqual([0, 3, 6]);
    expect(e.rasterTimesMs.every((t) => t >= 100 && t < 600)).toBe(true);
    expect(e.rasterTimesMs.length).toBe(3 * 10);
    expect(e.rateHzPerBin.length).toBe(10);
    expect(Array.from(e.rateHzPerBin).every((r) => Math.abs(r - 20) < 1e-9)).toBe(true);
    expect(e.rateHz).toBeCloseTo(20, 10);
  });

  it('writes SVG and PNG with titled axes, units and ticks', async () => {
    const out = join(work, 'figures');
    const result = await cli('plot', run, '--out', out, '--bin', '10');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/E\s+20\.00 Hz/);
    expect(readdirSync(out).sort()).toEqual(['cv_isi.png', 'cv_isi.svg', 'isi.png', 'isi.svg', 'raster.png', 'raster.svg', 'rates.png', 'rates.svg']);
    const svg = (name: string): string => readFileSync(join(out, `${name}.svg`), 'utf8');
    const axisTitles = (text: string): string[] => [...text.matchAll(/role-axis-title[\s\S]*?<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    const tickLabels = (text: string): string[] => [...text.matchAll(/role-axis-label[\s\S]*?<\/g>/g)].flatMap((m) => [...m[0].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]!));
    for (const [name, titles] of [
      ['raster', ['time (ms)', 'neuron index']],
      ['rates', ['time (ms)', 'rate (Hz)']],
      ['isi', ['inter-spike interval (ms)', 'fraction of intervals']],
      ['cv_isi', ['CV ISI (std / mean of intervals, dimensionless)', 'fraction of neuron-trials']],
    ] as const) {
      const text = svg(name);
      expect(text.startsWith('<svg')).toBe(true);
      for (const title of titles) expect(axisTitles(text)).toContain(title);
      expect(text).toContain('role-axis-tick');
      expect(tickLabels(text).length).toBeGreaterThan(4);
      const png = readFileSync(join(out, `${name}.png`));
      expect(Array.from(png.subarray(0, 8))).toEqual(PNG_MAGIC);
      expect(png.length).toBeGreaterThan(5000);
    }
    // Time ticks of the rate plot span the window; the rate axis reaches past 20 Hz.
    const rateTicks = tickLabels(svg('rates')).map((t) => Number(t.replace(/,/g, ''))).filter(Number.isFinite);
    expect(rateTicks).toContain(0);
    expect(rateTicks).toContain(1000);
    expect(svg('rates')).toContain('E 20.00 Hz');
    expect(svg('raster')).toContain('rows: 10 of 10 recorded, 80 neurons');
  });

  it('draws several run folders side by side, one column each', async () => {
    const other = join(work, 'synthetic-b2');
    writeSyntheticRun(other, { simulator: 'brian2 2.5.1' });
    const out = join(work, 'side-by-side');
    const result = await cli('plot', run, other, '--out', out, '--format', 'svg', '--quiet');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['cv_isi.svg', 'isi.svg', 'raster.svg', 'rates.svg']);
    const raster = readFileSync(join(out, 'raster.svg'), 'utf8');
    expect(raster).toContain('cortexgpu · E');
    expect(raster).toContain('brian2 2.5.1 · E');
    const labelled = await cli('plot', run, other, '--out', join(work, 'labelled'), '--format', 'png', '--labels', 'A,B', '--quiet');
    expect(labelled.code).toBe(0);
    expect(readdirSync(join(work, 'labelled')).sort()).toEqual(['cv_isi.png', 'isi.png', 'raster.png', 'rates.png']);
  });

  it('writes into RUN_DIR/plots by default', async () => {
    const result = await cli('plot', run, '--format', 'svg', '--quiet');
    expect(result.code).toBe(0);
    expect(existsSync(join(run, 'plots', 'raster.svg'))).toBe(true);
  });
});

describe('cortexgpu plot of a real run with a recorded subset', () => {
  it('plots the rate of the recorded neurons, as summary.json reports it', async () => {
    const spec = JSON.parse(readFileSync('examples/lif_small.json', 'utf8')) as { recorders: unknown[] };
    spec.recorders = [
      { type: 'spikes', population: 'E', neurons: { first: 40 } },
      { type: 'spikes', population: 'I' },
    ];
    const specPath = join(work, 'subset.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const runDir = join(work, 'subset-run');
    const ran = await cli('run', specPath, '--duration', '200', '--warmup', '50', '--out', runDir, '--quiet');
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { populations: Record<string, { rate_hz: number; n_recorded: number }>; total_s: number; wall_s: number };
    expect(summary.populations['E']!.n_recorded).toBe(40);
    expect(summary.total_s).toBeGreaterThan(summary.wall_s);
    expect(existsSync(join(runDir, 'spikes_E_neurons.npy'))).toBe(true);

    const folder = await readRunFolder(runDir);
    const e = folder.spikes.find((s) => s.population === 'E')!;
    expect(e.neurons.length).toBe(40);
    // The rate by hand: spikes after the warm-up / (40 neurons × 2 trials × 0.15 s).
    let count = 0;
    for (const step of e.steps) if (step >= 500 && step < 2000) count++;
    const expected = count / (40 * 2 * 0.15);
    expect(expected).toBeGreaterThan(1);

    const data = runPlotData([folder]);
    expect(data.fromMs).toBe(50);
    const cell = data.cells.find((c) => c.population === 'E')!;
    expect(cell.rateHz).toBeCloseTo(expected, 10);
    expect(cell.rateHz).toBeCloseTo(summary.populations['E']!.rate_hz, 10);
    expect(cell.nRecorded).toBe(40);
    expect(cell.rasterRows.length).toBe(40);

    const result = await cli('plot', runDir, '--format', 'png', '--quiet');
    expect(result.code).toBe(0);
    expect(Array.from(readFileSync(join(runDir, 'plots', 'rates.png')).subarray(0, 8))).toEqual(PNG_MAGIC);
  });
});

describe('cortexgpu plot refuses bad input, naming the file, and writes nothing', () => {
  const expectRefused = async (args: string[], pattern: RegExp, out: string): Promise<void> => {
    const result = await cli('plot', ...args, '--out', out);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(existsSync(out)).toBe(false);
  };

  it('a missing folder, a missing or malformed summary.json', async () => {
    await expectRefused([join(work, 'nope')], /run folder '.*nope' does not exist/, join(work, 'o1'));
    const empty = join(work, 'empty');
    mkdirSync(empty);
    await expectRefused([empty], /cannot read the run summary '.*empty\/summary\.json': no such file/, join(work, 'o2'));
    const broken = join(work, 'broken-summary');
    mkdirSync(broken);
    writeFileSync(join(broken, 'summary.json'), '{ "dt_ms": 0.1, ');
    await expectRefused([broken], /broken-summary\/summary\.json' is not valid JSON/, join(work, 'o3'));
    writeFileSync(join(broken, 'summary.json'), JSON.stringify({ dt_ms: 0.1, populations: {} }));
    await expectRefused([broken], /summary\.json': "duration_ms" must be a positive number/, join(work, 'o3'));
  });

  it('no spike recordings', async () => {
    const dir = join(work, 'no-spikes');
    mkdirSync(dir);
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ dt_ms: 0.1, duration_ms: 100, populations: { E: { size: 4 } }, files: [{ name: 'population_rate_E.npy' }] }));
    await expectRefused([dir], /no spike recordings in '.*no-spikes'/, join(work, 'o4'));
  });

  it('a malformed .npy, a wrong shape, indices outside the run, a missing neuron list', async () => {
    const bad = join(work, 'bad-npy');
    writeSyntheticRun(bad);
    writeFileSync(join(bad, 'spikes_I.npy'), 'not numpy at all');
    await expectRefused([bad], /'.*bad-npy\/spikes_I\.npy' is not a readable \.npy file: bad magic/, join(work, 'o5'));
    writeFileSync(join(bad, 'spikes_I.npy'), encodeNpy(new Uint32Array(4), [2, 2]));
    await expectRefused([bad], /spikes_I\.npy' must be an N × 3 table/, join(work, 'o5'));
    writeFileSync(join(bad, 'spikes_I.npy'), encodeNpy(Uint32Array.from([5, 0, 20]), [1, 3]));
    await expectRefused([bad], /spikes_I\.npy' row 0: \(step 5, trial 0, neuron 20\) is outside the run/, join(work, 'o5'));

    const old = join(work, 'no-neuron-list');
    writeSyntheticRun(old, { withNeuronsFile: false });
    await expectRefused([old], /cannot tell which neurons '.*spikes_E\.npy' recorded: '.*spikes_E_neurons\.npy' is missing and 10 of 80/, join(work, 'o6'));
  });

  it('a window, trial or option the run does not have', async () => {
    const run = join(work, 'synthetic-options');
    writeSyntheticRun(run);
    await expectRefused([run, '--to', '2000'], /--to 2000 ms is past the end of '.*synthetic-options' \(1000 ms simulated\)/, join(work, 'o7'));
    await expectRefused([run, '--trial', '2'], /--trial 2: '.*' has 2 trials \(0-1\)/, join(work, 'o7'));
    await expectRefused([run, '--from', '500', '--to', '400'], /0 <= --from < --to/, join(work, 'o7'));
    await expectRefused([run, '--format', 'jpg'], /--format must be svg, png or svg,png/, join(work, 'o7'));
    await expectRefused([run, run, '--labels', 'one'], /--labels gives 1 label for 2 run folders/, join(work, 'o7'));
    const several = await cli('plot', run, run);
    expect(several.code).toBe(2);
    expect(several.stderr).toMatch(/--out is required when plotting several run folders/);
  });
});
