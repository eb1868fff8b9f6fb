/**
 * Bad inputs to the Fisher-information analysis: every FisherError code, the response-file
 * loader, and `cortexgpu fisher` (on the CPU reference, `--cpu`) on .npy and .csv files,
 * where every problem must exit with 2, a clear message on stderr and nothing on stdout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FisherError, conditionStatistics, crossValidatedDecoder, equalizeTrials, fisherFromStatistics, fisherInformation,
  type FisherErrorCode, type FisherResult,
} from '../src/analysis/fisher.js';
import { DataFileError, loadResponseMatrix } from '../src/analysis/data.js';
import { encodeNpy } from '../src/io/npy.js';
import { RandomStream } from '../src/rng/philox.js';
import { cli } from './helpers/cli.js';

/** (trials × neurons) independent normals with mean `offset + slope·i` for neuron i. */
function responses(seed: number, trials: number, neurons: number, offset = 5, slope = 0): Float64Array {
  const stream = new RandomStream(seed, 77);
  return Float64Array.from({ length: trials * neurons }, (_, k) => offset + slope * (k % neurons) + stream.normal());
}

function expectFisherError(run: () => unknown, code: FisherErrorCode, ...fragments: (string | RegExp)[]): FisherError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(FisherError);
  const error = caught as FisherError;
  expect(error.code).toBe(code);
  expect(error.name).toBe('FisherError');
  for (const fragment of fragments) expect(error.message).toMatch(fragment);
  return error;
}

describe('FisherError codes', () => {
  const N = 6;
  const a = responses(1, 40, N);
  const b = responses(2, 40, N, 5.5);

  it('mismatch: rows that do not fit, unequal trials refused, statistics of different sizes', () => {
    expectFisherError(() => fisherInformation(a, b.subarray(0, b.length - 1), N, 1), 'mismatch', /condition b has 239 values/);
    expectFisherError(() => fisherInformation(a, responses(3, 30, N), N, 1, { unequalTrials: 'error' }), 'mismatch', /40 trials and condition b has 30/, /--unequal subsample/);
    const sa = conditionStatistics(a, 40, N);
    expectFisherError(() => fisherFromStatistics(sa, conditionStatistics(responses(4, 40, N + 1), 40, N + 1), 1), 'mismatch', /6 neurons but condition b has 7/);
    // Statistics with different trial counts are not a mismatch: the exact unequal-count estimator is used.
    expect(fisherFromStatistics(sa, conditionStatistics(responses(4, 30, N), 30, N), 1).trials_used).toEqual({ a: 40, b: 30 });
  });

  it('non_finite: names the first bad row and column', () => {
    const bad = Float64Array.from(b);
    bad[3 * N + 2] = NaN;
    bad[5 * N + 1] = Infinity;
    expectFisherError(() => fisherInformation(a, bad, N, 1), 'non_finite', /condition b: row 3, column 2 \(0-based; trial, neuron\) is NaN/);
    const inf = Float64Array.from(a);
    inf[N * 7] = -Infinity;
    expectFisherError(() => fisherInformation(inf, b, N, 1), 'non_finite', /condition a: row 7, column 0 .* is -Infinity/);
  });

  it('zero_variance: lists the constant neurons and suggests removing them or a ridge', () => {
    const ca = Float64Array.from(a);
    const cb = Float64Array.from(b);
    for (let t = 0; t < 40; t++) {
      ca[t * N + 1] = 0.1; // constant (0.1 is not exact in binary: the mean must still come out exact)
      cb[t * N + 1] = 0.3;
      ca[t * N + 4] = 2;
      cb[t * N + 4] = 2;
    }
    expectFisherError(() => fisherInformation(ca, cb, N, 1), 'zero_variance', /2 neurons with zero variance/, /: 1, 4\./, /remove them or add --ridge/);
    // With a ridge the analysis runs, records the ridge and says what it does to the estimates.
    const r = fisherInformation(ca, cb, N, 1, { ridge: 0.01, decoderFolds: 0 });
    expect(r.regularization).toEqual({ ridge: 0.01 });
    expect(r.warnings.join(' ')).toMatch(/ridge λ = 0.01 was added/);
    expect(r.single_neuron[1]).toBeCloseTo(0.2 ** 2 / 0.01, 8); // f'² / (0 + λ)
    expect(Number.isFinite(r.I_bc)).toBe(true);
  });

  it('too_few_trials: T < (N+5)/2 explains the validity condition; allowInvalidT flags the result', () => {
    const N2 = 20;
    const small = responses(5, 12, N2);
    const smallB = responses(6, 12, N2, 6);
    expectFisherError(() => fisherInformation(small, smallB, N2, 1), 'too_few_trials', /T = 12 trials per condition for N = 20 neurons/, /T ≥ \(N\+5\)\/2 = 12\.5/, /--allow-invalid-t/);
    const r = fisherInformation(small, smallB, N2, 1, { allowInvalidT: true, decoderFolds: 0 });
    expect(r.valid).toBe(false);
    expect(r.warnings.some((w) => /not valid \(valid = false\)/.test(w))).toBe(true);
    expect(Number.isNaN(r.I_bc_se)).toBe(true); // 2T − N − 5 = −1: no variance formula
    expectFisherError(() => fisherInformation(a.subarray(0, N), b, N, 1), 'too_few_trials', /condition a has 1 trial;/);
  });

  it('not_positive_definite: names the failing pivot and suggests a ridge', () => {
    const dependent = Float64Array.from(a);
    const dependentB = Float64Array.from(b);
    for (const x of [dependent, dependentB]) for (let t = 0; t < 40; t++) x[t * N + 3] = x[t * N + 0]! - 2 * x[t * N + 2]!;
    const error = expectFisherError(() => fisherInformation(dependent, dependentB, N, 1), 'not_positive_definite', /not positive definite: pivot 3 = /, /linearly dependent or T too small/, /--ridge λ/);
    expect(error.message).toMatch(/neuron 3 \(0-based\)/);
    // T < N: the pooled covariance is singular, and the message says why.
    const N3 = 30;
    expectFisherError(
      () => fisherInformation(responses(7, 14, N3), responses(8, 14, N3, 6), N3, 1, { allowInvalidT: true }),
      'not_positive_definite', /at most 2T − 2 = 26 degrees of freedom for N = 30 neurons/,
    );
    const fixed = fisherInformation(dependent, dependentB, N, 1, { ridge: 1e-3, decoderFolds: 0 });
    expect(fixed.regularization).toEqual({ ridge: 1e-3 });
  });

  it('bad_ds: zero, NaN and infinite stimulus differences', () => {
    for (const ds of [0, NaN, Infinity, -Infinity]) expectFisherError(() => fisherInformation(a, b, N, ds), 'bad_ds', /finite non-zero/);
    // A negative ds is fine: information depends on ds².
    const plus = fisherInformation(a, b, N, 0.5, { decoderFolds: 0 });
    const minus = fisherInformation(a, b, N, -0.5, { decoderFolds: 0 });
    expect(minus.I_bc).toBeCloseTo(plus.I_bc, 12);
  });
});

describe('unequal trial counts and the decoder', () => {
  const N = 8;
  const a = responses(11, 60, N, 5, 0.1);
  const b = responses(12, 50, N, 5.3, 0.1);

  it('subsamples the larger condition deterministically and says so', () => {
    const r1 = fisherInformation(a, b, N, 1, { seed: 4 });
    const r2 = fisherInformation(a, b, N, 1, { seed: 4 });
    const r3 = fisherInformation(a, b, N, 1, { seed: 5 });
    expect(r1).toEqual(r2);
    expect(r1.I_bc).not.toBe(r3.I_bc);
    expect(r1).toMatchObject({ T: 50, T_a: 60, T_b: 50 });
    expect(r1.warnings[0]).toMatch(/10 randomly chosen trials of condition a were dropped \(seed 4\) so that both conditions have T = 50/);
    // The kept trials are rows of a, in their original order.
    const { a: kept, trials } = equalizeTrials(a, b, N, 'subsample', 4);
    expect(trials).toBe(50);
    let row = 0;
    for (let t = 0; t < 60 && row < 50; t++) if (a[t * N] === kept[row * N]) row++;
    expect(row).toBe(50);
  });

  it('reduces folds to the trial count and regularises a singular training covariance', () => {
    const N2 = 12;
    const x = responses(13, 8, N2);
    const y = responses(14, 8, N2, 6);
    const d = crossValidatedDecoder(x, y, N2, 4, 1);
    expect(d.ridge).toBeGreaterThan(0); // 12 training trials for 12 neurons: singular
    expect(d.accuracy).toBeGreaterThan(0.5); // nearly unregularised at N ≈ trials: poor, but above chance
    const r = fisherInformation(x.subarray(0, 3), y.subarray(0, 3), 1, 1);
    expect(r.decoder!.folds).toBe(3);
    expect(r.warnings.join(' ')).toMatch(/the decoder uses 3 folds instead of 5: there are only 3 trials per condition/);
    expect(() => crossValidatedDecoder(x, y, N2, 9, 1)).toThrow(/folds must be an integer from 2 to the smaller trial count 8/);
  });
});

describe('loadResponseMatrix', () => {
  it('reads 2-D .npy of float and integer dtypes', () => {
    const values = [1, 2, 3, 4, 5, 6];
    for (const data of [Float32Array.from(values), Float64Array.from(values), Int32Array.from(values), Uint32Array.from(values)]) {
      const m = loadResponseMatrix(encodeNpy(data, [2, 3]), 'x.npy');
      expect(m).toEqual({ data: Float64Array.from(values), trials: 2, neurons: 3 });
    }
  });

  it('refuses other shapes, naming the shape and the expected layout', () => {
    expect(() => loadResponseMatrix(encodeNpy(new Float32Array(5), [5]), 'v.npy')).toThrow(/v\.npy: shape \(5,\) is 1-D .*\(trials × neurons\).*reshape\(-1, 1\)/);
    expect(() => loadResponseMatrix(encodeNpy(new Uint32Array(24), [2, 3, 4]), 'c.npy')).toThrow(/c\.npy: shape \(2, 3, 4\) is 3-D .*\(trials × neurons\)/);
    expect(() => loadResponseMatrix(encodeNpy(new Float32Array(0), [0, 3]), 'e.npy')).toThrow(/empty/);
    expect(() => loadResponseMatrix(new TextEncoder().encode('not npy'), 'bad.npy')).toThrow(DataFileError);
    expect(() => loadResponseMatrix(new Uint8Array(3), 'x.mat')).toThrow(/unsupported file type '\.mat'/);
  });

  it('reads CSV with or without a header, commas or whitespace; ragged rows name the line', () => {
    const text = (s: string): Uint8Array => new TextEncoder().encode(s);
    const expected = { data: Float64Array.from([1, 2.5, -3, 4e-1, 5, 6]), trials: 2, neurons: 3 };
    expect(loadResponseMatrix(text('n0,n1,n2\n1, 2.5, -3\n4e-1,5,6\n'), 'r.csv')).toEqual(expected);
    expect(loadResponseMatrix(text('# counts\r\n1 2.5\t-3\r\n\r\n0.4 5 6'), 'r.txt')).toEqual(expected);
    expect(() => loadResponseMatrix(text('a,b,c\n1,2,3\n\n4,5\n'), 'r.csv')).toThrow(/r\.csv: line 4 has 2 values but line 2 has 3/);
    expect(() => loadResponseMatrix(text('1,2,3\n4,x,6\n'), 'r.csv')).toThrow(/line 2, column 2: 'x' is not a number/);
    expect(() => loadResponseMatrix(text('1,,3\n'), 'r.csv')).toThrow(/line 1, column 2: empty field/);
    expect(() => loadResponseMatrix(text('a,b\n'), 'r.csv')).toThrow(/no rows of numbers/);
    expect(Number.isNaN(loadResponseMatrix(text('1,nan\n2,3\n'), 'r.csv').data[1])).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// cortexgpu fisher
// ---------------------------------------------------------------------------------------------


const work = mkdtempSync(join(tmpdir(), 'cortexgpu-fisher-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeNpy(name: string, data: Float32Array | Float64Array | Uint32Array, shape: number[]): string {
  const path = join(work, name);
  writeFileSync(path, encodeNpy(data, shape));
  return path;
}

function writeCsv(name: string, data: Float64Array, neurons: number, header = true): string {
  const rows: string[] = header ? [Array.from({ length: neurons }, (_, i) => `neuron_${i}`).join(',')] : [];
  for (let t = 0; t < data.length / neurons; t++) rows.push(Array.from(data.subarray(t * neurons, (t + 1) * neurons)).join(','));
  const path = join(work, name);
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

describe('cortexgpu fisher (--cpu)', () => {
  const N = 10;
  const T = 80;
  const a = responses(21, T, N, 5, 0.1);
  const b = responses(22, T, N, 5.4, 0.1);

  async function expectUserError(args: string[], ...fragments: RegExp[]): Promise<string> {
    const result = await cli('fisher', '--cpu', ...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    for (const fragment of fragments) expect(result.stderr).toMatch(fragment);
    return result.stderr;
  }

  it('prints one JSON object with every estimator from .npy files', async () => {
    const pa = writeNpy('a.npy', a, [T, N]);
    const pb = writeNpy('b.npy', b, [T, N]);
    const result = await cli('fisher', '--a', pa, '--b', pb, '--ds', '0.5', '--json', '--cpu');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const record = JSON.parse(result.stdout) as FisherResult & { adapter: string; backend: string; warnings: string[]; files: { a: string; b: string } };
    const reference = fisherInformation(a, b, N, 0.5);
    for (const key of ['N', 'T', 'I_naive', 'I_bc', 'I_bc_se', 'I_shuffle', 'I_shuffle_bc', 'redundancy', 'rho', 'single_neuron_bc', 'adapter', 'backend', 'warnings', 'valid', 'decoder']) {
      expect(record).toHaveProperty(key);
    }
    expect(record).toMatchObject({ N, T, T_a: T, T_b: T, ds: 0.5, backend: 'cpu', valid: true, warnings: [], regularization: null, files: { a: pa, b: pb } });
    expect(typeof record.adapter).toBe('string');
    expect(record.I_bc).toBe(reference.I_bc);
    expect(record.single_neuron_bc).toEqual(reference.single_neuron_bc);
    expect(record.decoder).toEqual(reference.decoder);
    expect(record.single_neuron_bc).toHaveLength(N);
  });

  it('reads CSV (with header) and float32 .npy the same way, and prints a table without --json', async () => {
    const pa = writeCsv('a.csv', a, N);
    const pb = writeCsv('b.csv', b, N, false);
    const json = await cli('fisher', '--a', pa, '--b', pb, '--ds', '0.5', '--json', '--cpu', '--decoder-folds', '0');
    expect(json.code).toBe(0);
    const record = JSON.parse(json.stdout) as FisherResult;
    expect(record.I_bc).toBeCloseTo(fisherInformation(a, b, N, 0.5).I_bc, 9); // CSV round trip of float64 text
    expect(record.decoder).toBeUndefined();
    const table = await cli('fisher', '--a', pa, '--b', pb, '--ds', '0.5', '--cpu');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/N = 10 neurons, T = 80 trials per condition/);
    expect(table.stdout).toMatch(/I_bc\s+\S+ ± \S+/);
    expect(table.stdout).toMatch(/rho/);
    const f32 = await cli('fisher', '--a', writeNpy('a32.npy', Float32Array.from(a), [T, N]), '--b', writeNpy('b32.npy', Float32Array.from(b), [T, N]), '--ds', '0.5', '--json', '--cpu');
    expect(f32.code).toBe(0);
    expect((JSON.parse(f32.stdout) as FisherResult).I_bc).toBeCloseTo(record.I_bc, 3);
  });

  it('subsamples unequal trial counts with a warning on stderr and in the JSON; --unequal error refuses', async () => {
    const pa = writeNpy('a.npy', a, [T, N]);
    const pb = writeNpy('b60.npy', b.slice(0, 60 * N), [60, N]);
    const result = await cli('fisher', '--a', pa, '--b', pb, '--ds', '1', '--json', '--cpu', '--seed', '3');
    expect(result.code).toBe(0);
    const record = JSON.parse(result.stdout) as FisherResult;
    expect(record).toMatchObject({ T: 60, T_a: 80, T_b: 60 });
    expect(record.warnings[0]).toMatch(/20 randomly chosen trials of condition a were dropped \(seed 3\)/);
    expect(result.stderr).toMatch(/cortexgpu: warning: unequal trial counts/);
    await expectUserError(['--a', pa, '--b', pb, '--ds', '1', '--unequal', 'error'], /FisherError: condition a has 80 trials and condition b has 60/);
  });

  it('exits with 2, a clear message and nothing on stdout for bad inputs', async () => {
    const pa = writeNpy('a.npy', a, [T, N]);
    const pb = writeNpy('b.npy', b, [T, N]);
    await expectUserError(['--a', pa, '--b', writeNpy('b11.npy', responses(23, T, N + 1), [T, N + 1]), '--ds', '1'], /FisherError: '.*a\.npy' has 10 neurons \(columns\) but '.*b11\.npy' has 11/);
    await expectUserError(['--a', pa, '--b', writeNpy('b1d.npy', b, [T * N]), '--ds', '1'], /b1d\.npy: shape \(800,\) is 1-D/, /\(trials × neurons\)/);
    await expectUserError(['--a', pa, '--b', writeNpy('b3d.npy', b, [4, 20, N]), '--ds', '1'], /b3d\.npy: shape \(4, 20, 10\) is 3-D/);
    const withNan = Float64Array.from(b);
    withNan[5 * N + 7] = NaN;
    await expectUserError(['--a', pa, '--b', writeCsv('nan.csv', withNan, N), '--ds', '1'], /nan\.csv: row 5, column 7 .* is NaN/);
    const constant = Float64Array.from(a);
    const constantB = Float64Array.from(b);
    for (let t = 0; t < T; t++) {
      constant[t * N + 6] = 3;
      constantB[t * N + 6] = 4;
    }
    await expectUserError(['--a', writeNpy('ca.npy', constant, [T, N]), '--b', writeNpy('cb.npy', constantB, [T, N]), '--ds', '1'], /zero variance .*: 6\./, /--ridge/);
    await expectUserError(['--a', writeNpy('sa.npy', a.slice(0, 7 * N), [7, N]), '--b', writeNpy('sb.npy', b.slice(0, 7 * N), [7, N]), '--ds', '1'], /T ≥ \(N\+5\)\/2 = 7\.5/);
    const ragged = join(work, 'ragged.csv');
    writeFileSync(ragged, '1,2,3\n4,5,6\n7,8\n');
    await expectUserError(['--a', ragged, '--b', pb, '--ds', '1'], /ragged\.csv: line 3 has 2 values but line 1 has 3/);
    await expectUserError(['--a', join(work, 'missing.npy'), '--b', pb, '--ds', '1'], /cannot read --a '.*missing\.npy': no such file/);
    await expectUserError(['--a', pa, '--b', pb, '--ds', '0'], /--ds must be a finite non-zero number/);
    await expectUserError(['--a', pa, '--b', pb, '--ds', '1', '--decoder-folds', '1'], /--decoder-folds must be 0 \(off\) or an integer from 2/);
    // With --allow-invalid-t the too-small T is computed and flagged.
    const flagged = await cli('fisher', '--cpu', '--json', '--allow-invalid-t', '--decoder-folds', '0', '--a', writeNpy('sa.npy', a.slice(0, 7 * N), [7, N]), '--b', writeNpy('sb.npy', b.slice(0, 7 * N), [7, N]), '--ds', '1');
    expect(flagged.code).toBe(0);
    expect((JSON.parse(flagged.stdout) as FisherResult).valid).toBe(false);
  });
});
