/**
 * NWB 2.x spikes (src/io/nwb.ts over src/io/hdf5.ts): write → read round trip, a file written by
 * h5py, malformed files, `cortexgpu fisher --nwb` against the same counts as .npy files, and the
 * `spikes.nwb` of `cortexgpu run`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Hdf5Error, writeHdf5Atomic, type Hdf5WriteFile } from '../src/io/hdf5.js';
import { NwbError, nwbResponseMatrices, readNwbSpikes, writeNwbSpikes, type NwbColumn, type NwbSpikes } from '../src/io/nwb.js';
import { decodeNpy, encodeNpy } from '../src/io/npy.js';
import { cli } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'cortexgpu-nwb-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A small seeded generator (LCG) for reproducible synthetic spikes. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Synthetic session: `nUnits` units (populations E then I), trials of 1 s with conditions A, B and C. */
function syntheticSession(nUnits: number, nTrials: number, seed: number): NwbSpikes {
  const random = lcg(seed);
  const conditions = Array.from({ length: nTrials }, (_, t) => ['A', 'B', 'C'][t % 3]!);
  const start = Float64Array.from({ length: nTrials }, (_, t) => 2 + 1.25 * t);
  const stimTime = Float64Array.from(start, (s) => s + 0.05);
  const spikeTimesS = Array.from({ length: nUnits }, (_, u) => {
    const times: number[] = [];
    for (let t = 0; t < nTrials; t++) {
      const rate = 8 + 2 * u + (conditions[t] === 'B' ? 4 + (u % 3) : 0);
      const n = Math.floor(rate * random());
      for (let k = 0; k < n; k++) {
        const offset = random();
        // Keep spikes away from window edges so that any counting agrees.
        if ([0.1, 0.15, 0.6, 0.65].some((edge) => Math.abs(offset - edge) < 1e-6)) continue;
        times.push(start[t]! + offset);
      }
    }
    return Float64Array.from(times.sort((x, y) => x - y));
  });
  return {
    identifier: 'synthetic-session',
    sessionDescription: 'synthetic spikes for the tests',
    sessionStartTime: '2026-01-02T03:04:05.000Z',
    spikeTimesS,
    unitColumns: new Map<string, NwbColumn>([
      ['population', { description: 'population', values: Array.from({ length: nUnits }, (_, u) => (u < nUnits - 3 ? 'E' : 'I')) }],
      ['neuron_index', { description: 'index', values: Int32Array.from({ length: nUnits }, (_, u) => 100 + u) }],
      ['depth_um', { description: 'depth', values: Float64Array.from({ length: nUnits }, (_, u) => 12.5 * u) }],
    ]),
    trials: {
      startTimeS: start,
      stopTimeS: Float64Array.from(start, (s) => s + 1),
      columns: new Map<string, NwbColumn>([
        ['condition', { description: 'stimulus condition', values: conditions }],
        ['stim_time', { description: 'stimulus onset, s', values: stimTime }],
      ]),
    },
  };
}

/** Counts computed here, independently of src/io/nwb.ts: rows = trials of `condition`, columns = `units`. */
function expectedCounts(s: NwbSpikes, condition: string, units: readonly number[], startMs: number, endMs: number, align?: Float64Array): Float64Array {
  const trials = s.trials!;
  const conditions = trials.columns.get('condition')!.values as readonly string[];
  const rows = conditions.flatMap((c, t) => (c === condition ? [t] : []));
  const out = new Float64Array(rows.length * units.length);
  rows.forEach((t, r) => {
    const t0 = (align ?? trials.startTimeS)[t]!;
    units.forEach((u, i) => {
      out[r * units.length + i] = s.spikeTimesS[u]!.filter((x) => x >= t0 + startMs / 1000 && x < t0 + endMs / 1000).length;
    });
  });
  return out;
}

const hasH5py = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import h5py'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('NWB spikes', () => {
  it('round-trips spike times, unit columns and trials exactly', async () => {
    const session = syntheticSession(7, 12, 1);
    const path = join(work, 'round.nwb');
    await writeNwbSpikes(path, session);
    expect(readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const back = await readNwbSpikes(path);
    expect(back.identifier).toBe('synthetic-session');
    expect(back.sessionDescription).toBe('synthetic spikes for the tests');
    expect(back.sessionStartTime).toBe('2026-01-02T03:04:05.000Z');
    expect(Array.from(back.unitIds!)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(back.spikeTimesS.map((t) => Array.from(t))).toEqual(session.spikeTimesS.map((t) => Array.from(t)));
    expect([...back.unitColumns.keys()]).toEqual(['population', 'neuron_index', 'depth_um']);
    for (const [name, column] of session.unitColumns) {
      expect(Array.from(back.unitColumns.get(name)!.values as ArrayLike<unknown>)).toEqual(Array.from(column.values as ArrayLike<unknown>));
      expect(back.unitColumns.get(name)!.description).toBe(column.description);
    }
    expect(Array.from(back.trials!.startTimeS)).toEqual(Array.from(session.trials!.startTimeS));
    expect(Array.from(back.trials!.stopTimeS)).toEqual(Array.from(session.trials!.stopTimeS));
    expect(back.trials!.columns.get('condition')!.values).toEqual(session.trials!.columns.get('condition')!.values);
    expect(Array.from(back.trials!.columns.get('stim_time')!.values as Float64Array)).toEqual(Array.from(session.trials!.columns.get('stim_time')!.values as Float64Array));
  });

  it('writes the NWB schema attributes that h5py (and pynwb) read', async (context) => {
    if (!hasH5py) {
      context.skip('h5py is not installed (apt-get install python3-h5py, or bash scripts/setup.sh)');
      return;
    }
    const path = join(work, 'schema.nwb');
    await writeNwbSpikes(path, syntheticSession(4, 6, 2));
    const script = `
import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
s = lambda v: v.decode() if isinstance(v, bytes) else str(v)
u = f['units']
print(json.dumps({
  'root': {k: s(f.attrs[k]) for k in ('namespace', 'neurodata_type', 'nwb_version')},
  'datasets': [k for k in ('identifier', 'session_description', 'session_start_time', 'timestamps_reference_time', 'file_create_date') if k in f],
  'groups': sorted(k for k in f.keys() if isinstance(f[k], h5py.Group)),
  'units': s(u.attrs['neurodata_type']), 'colnames': [s(c) for c in u.attrs['colnames']],
  'target': f[u['spike_times_index'].attrs['target']].name,
  'index_type': s(u['spike_times_index'].attrs['neurodata_type']), 'id_type': s(u['id'].attrs['neurodata_type']),
  'trials': s(f['intervals/trials'].attrs['neurodata_type']), 'trial_cols': [s(c) for c in f['intervals/trials'].attrs['colnames']],
  'object_ids': all('object_id' in o.attrs for o in (f, u, u['spike_times'], f['intervals/trials'])),
}))
`;
    const info = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' })) as Record<string, unknown>;
    expect(info['root']).toEqual({ namespace: 'core', neurodata_type: 'NWBFile', nwb_version: '2.7.0' });
    expect(info['datasets']).toHaveLength(5);
    expect(info['groups']).toEqual(['acquisition', 'analysis', 'general', 'intervals', 'processing', 'stimulus', 'units']);
    expect(info).toMatchObject({
      units: 'Units', colnames: ['spike_times', 'population', 'neuron_index', 'depth_um'], target: '/units/spike_times',
      index_type: 'VectorIndex', id_type: 'ElementIdentifiers', trials: 'TimeIntervals', trial_cols: ['start_time', 'stop_time', 'condition', 'stim_time'], object_ids: true,
    });
  });

  it('reads an NWB-like file written by h5py', async (context) => {
    if (!hasH5py) {
      context.skip('h5py is not installed (apt-get install python3-h5py, or bash scripts/setup.sh)');
      return;
    }
    const path = join(work, 'h5py.nwb');
    const script = `
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1], 'w')
f.attrs['namespace'] = 'core'; f.attrs['neurodata_type'] = 'NWBFile'; f.attrs['nwb_version'] = '2.6.0'
text = h5py.string_dtype()
f.create_dataset('identifier', data='from-h5py', dtype=text)
f.create_dataset('session_description', data='written by h5py', dtype=text)
f.create_dataset('session_start_time', data='2020-05-06T07:08:09+00:00', dtype=text)
u = f.create_group('units')
u.attrs['neurodata_type'] = 'Units'; u.attrs['namespace'] = 'core'; u.attrs['description'] = 'units'
u.attrs['colnames'] = np.array(['spike_times', 'location', 'quality', 'waveform_mean'], dtype=object)
u.create_dataset('id', data=np.array([10, 11, 12], dtype='int64'))
st = u.create_dataset('spike_times', data=np.array([0.5, 1.25, 0.1, 0.2, 0.3], dtype='float64'))
ix = u.create_dataset('spike_times_index', data=np.array([2, 2, 5], dtype='uint8'))
ix.attrs['target'] = st.ref
u.create_dataset('location', data=np.array(['CA1', 'CA3', 'DG'], dtype=object), dtype=text)
u.create_dataset('quality', data=np.array([0.9, 0.5, 0.75], dtype='float32'))
u.create_dataset('waveform_mean', data=np.zeros((3, 4)))
t = f.create_group('intervals/trials')
t.attrs['neurodata_type'] = 'TimeIntervals'; t.attrs['colnames'] = np.array(['start_time', 'stop_time', 'condition', 'contrast'], dtype=object)
t.create_dataset('id', data=np.arange(2))
t.create_dataset('start_time', data=np.array([0.0, 1.0]))
t.create_dataset('stop_time', data=np.array([1.0, 2.0]))
t.create_dataset('condition', data=np.array(['left', 'right'], dtype=object), dtype=text)
t.create_dataset('contrast', data=np.array([1, 2], dtype='int64'))
f.close()
`;
    execFileSync('/usr/bin/python3', ['-c', script, path]);
    const data = await readNwbSpikes(path);
    expect(data.identifier).toBe('from-h5py');
    expect(data.sessionDescription).toBe('written by h5py');
    expect(Array.from(data.unitIds!)).toEqual([10, 11, 12]);
    expect(data.spikeTimesS.map((t) => Array.from(t))).toEqual([[0.5, 1.25], [], [0.1, 0.2, 0.3]]);
    expect(data.unitColumns.get('location')!.values).toEqual(['CA1', 'CA3', 'DG']);
    expect(Array.from(data.unitColumns.get('quality')!.values as Float64Array)).toEqual([0.9, 0.5, 0.75].map(Math.fround));
    expect(data.unitColumns.has('waveform_mean')).toBe(false); // 2-D: left out
    expect(data.trials!.columns.get('condition')!.values).toEqual(['left', 'right']);
    expect(Array.from(data.trials!.columns.get('contrast')!.values as Float64Array)).toEqual([1, 2]);
    // Numeric conditions are compared as numbers.
    const counts = nwbResponseMatrices(data, { windowMs: [0, 1000], conditionColumn: 'contrast', a: '1', b: '2.0' }, path);
    expect(Array.from(counts.a.data)).toEqual([1, 0, 3]);
    expect(Array.from(counts.b.data)).toEqual([1, 0, 0]);
  });

  describe('malformed files are refused with the file, the dataset and the fix', () => {
    const write = async (name: string, build: (f: Hdf5WriteFile) => void): Promise<string> => {
      const path = join(work, name);
      await writeHdf5Atomic(path, (f) => {
        f.create_attribute('neurodata_type', 'NWBFile');
        build(f);
      });
      return path;
    };
    const units = (f: Hdf5WriteFile, times: Float64Array | Int32Array, index: Int32Array): void => {
      const g = f.create_group('units');
      g.create_dataset({ name: 'spike_times', data: times, dtype: times instanceof Float64Array ? '<d' : '<i' });
      g.create_dataset({ name: 'spike_times_index', data: index, dtype: '<i' });
      g.create_dataset({ name: 'id', data: Int32Array.from(index, (_, i) => i), dtype: '<i' });
    };
    const refused = async (path: string, ...patterns: RegExp[]): Promise<void> => {
      const error = await readNwbSpikes(path).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error instanceof NwbError || error instanceof Hdf5Error).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain(path);
      for (const p of patterns) expect(message).toMatch(p);
    };

    it('no /units table', async () => {
      await refused(await write('no-units.nwb', () => undefined), /has no \/units table/, /add_unit|Units table/);
    });

    it('spike_times_index out of range', async () => {
      const path = await write('bad-index.nwb', (f) => units(f, Float64Array.of(0.1, 0.2, 0.3), Int32Array.of(2, 10)));
      await refused(path, /\/units\/spike_times_index entry 1 \(10\) is out of range/, /from 2 to 3/, /rewrite it/);
      const decreasing = await write('bad-index2.nwb', (f) => units(f, Float64Array.of(0.1, 0.2, 0.3), Int32Array.of(2, 1)));
      await refused(decreasing, /\/units\/spike_times_index entry 1 \(1\) is out of range/);
    });

    it('spike_times of the wrong dtype', async () => {
      const path = await write('int-times.nwb', (f) => units(f, Int32Array.of(1, 2, 3), Int32Array.of(3)));
      await refused(path, /\/units\/spike_times must be floating-point/, /its dtype is int32/, /Write it as float64/);
    });

    it('missing spike_times_index and mismatched id', async () => {
      const noIndex = await write('no-index.nwb', (f) => f.create_group('units').create_dataset({ name: 'spike_times', data: Float64Array.of(1), dtype: '<d' }));
      await refused(noIndex, /\/units\/spike_times_index is missing/, /VectorIndex/);
      const badId = await write('bad-id.nwb', (f) => {
        units(f, Float64Array.of(0.1, 0.2), Int32Array.of(1, 2));
        f.create_dataset({ name: 'units/extra', data: Int32Array.of(1), dtype: '<i' });
      });
      await expect(readNwbSpikes(badId)).resolves.toBeDefined(); // a column of the wrong length is left out, not fatal
    });

    it('not an HDF5 file, a missing file', async () => {
      const path = join(work, 'text.nwb');
      writeFileSync(path, 'this is not HDF5\n'.repeat(200));
      await refused(path, /is not an HDF5 file/, /NWB 2\.x file/);
      await refused(join(work, 'absent.nwb'), /no such file/);
    });

    it('fisher --nwb: no trials table, unknown condition column, unknown value, bad window', async () => {
      const noTrials = join(work, 'no-trials.nwb');
      await writeNwbSpikes(noTrials, { ...syntheticSession(4, 6, 3), trials: null });
      const base = ['fisher', '--window', '0,500', '--a', 'A', '--b', 'B', '--ds', '1', '--cpu'];
      const r1 = await cli(...base, '--nwb', noTrials, '--condition-column', 'condition');
      expect(r1.code).toBe(2);
      expect(r1.stderr).toContain(noTrials);
      expect(r1.stderr).toMatch(/has no \/intervals\/trials table, which --condition-column 'condition' needs; add the trials .*add_trial/);

      const good = join(work, 'good.nwb');
      await writeNwbSpikes(good, syntheticSession(4, 6, 3));
      const r2 = await cli(...base, '--nwb', good, '--condition-column', 'stimulus');
      expect(r2.code).toBe(2);
      expect(r2.stderr).toContain(good);
      expect(r2.stderr).toMatch(/\/intervals\/trials has no column 'stimulus' \(--condition-column\); its columns: start_time, stop_time, condition, stim_time\. Pass one of them to --condition-column/);

      const r3 = await cli('fisher', '--window', '0,500', '--a', 'A', '--b', 'Z', '--ds', '1', '--cpu', '--nwb', good, '--condition-column', 'condition');
      expect(r3.code).toBe(2);
      expect(r3.stderr).toMatch(/\/intervals\/trials\/condition: no trial has the value 'Z' \(--b\); values present: A, B, C/);

      const r4 = await cli(...base, '--nwb', good, '--condition-column', 'condition', '--units-column', 'area', '--units-value', 'V1');
      expect(r4.stderr).toMatch(/\/units has no column 'area' \(--units-column\); its columns: population, neuron_index, depth_um/);

      const r5 = await cli('fisher', '--window', '500,100', '--a', 'A', '--b', 'B', '--ds', '1', '--nwb', good, '--condition-column', 'condition');
      expect(r5.code).toBe(2);
      expect(r5.stderr).toMatch(/--window must be START_MS,END_MS with END > START/);

      const r6 = await cli('fisher', '--a', 'A', '--b', 'B', '--ds', '1', '--nwb', good, '--condition-column', 'condition');
      expect(r6.stderr).toMatch(/fisher --nwb needs --window START_MS,END_MS/);
    });
  });

  it('fisher --nwb equals fisher on the same counts written as .npy (all units, one population, an aligned window)', async () => {
    const session = syntheticSession(9, 150, 4);
    const path = join(work, 'fisher.nwb');
    await writeNwbSpikes(path, session);
    const strip = (stdout: string): Record<string, unknown> => {
      const { wall_s: _w, files: _f, ...rest } = JSON.parse(stdout) as Record<string, unknown>;
      return rest;
    };
    const npyFisher = async (name: string, a: Float64Array, b: Float64Array, n: number): Promise<Record<string, unknown>> => {
      const pa = join(work, `${name}_a.npy`);
      const pb = join(work, `${name}_b.npy`);
      writeFileSync(pa, encodeNpy(a, [a.length / n, n]));
      writeFileSync(pb, encodeNpy(b, [b.length / n, n]));
      const r = await cli('fisher', '--a', pa, '--b', pb, '--ds', '0.25', '--json', '--cpu');
      expect(r.code).toBe(0);
      return strip(r.stdout);
    };
    const all = Array.from({ length: 9 }, (_, u) => u);
    const fromNpy = await npyFisher('all', expectedCounts(session, 'A', all, 100, 600), expectedCounts(session, 'B', all, 100, 600), 9);
    const r = await cli('fisher', '--nwb', path, '--window', '100,600', '--condition-column', 'condition', '--a', 'A', '--b', 'B', '--ds', '0.25', '--json', '--cpu');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(strip(r.stdout)).toEqual(fromNpy);
    expect((JSON.parse(r.stdout) as { files: unknown }).files).toEqual({ a: `${path}[condition=A]`, b: `${path}[condition=B]` });
    expect(fromNpy['N']).toBe(9);
    expect(fromNpy['T']).toBe(50);

    const e = all.slice(0, 6);
    const fromNpyE = await npyFisher('e', expectedCounts(session, 'A', e, 100, 600), expectedCounts(session, 'B', e, 100, 600), 6);
    const rE = await cli('fisher', '--nwb', path, '--window', '100,600', '--condition-column', 'condition', '--a', 'A', '--b', 'B', '--ds', '0.25', '--json', '--cpu', '--units-column', 'population', '--units-value', 'E');
    expect(rE.code).toBe(0);
    expect(strip(rE.stdout)).toEqual(fromNpyE);

    const stim = session.trials!.columns.get('stim_time')!.values as Float64Array;
    const fromNpyAligned = await npyFisher('aligned', expectedCounts(session, 'A', all, 50, 550, stim), expectedCounts(session, 'B', all, 50, 550, stim), 9);
    const rAligned = await cli('fisher', '--nwb', path, '--window', '50,550', '--align-column', 'stim_time', '--condition-column', 'condition', '--a', 'A', '--b', 'B', '--ds', '0.25', '--json', '--cpu');
    expect(rAligned.code).toBe(0);
    expect(strip(rAligned.stdout)).toEqual(fromNpyAligned);

    // The table output names the file and the conditions.
    const table = await cli('fisher', '--nwb', path, '--window', '100,600', '--condition-column', 'condition', '--a', 'A', '--b', 'B', '--ds', '0.25', '--cpu');
    expect(table.stdout).toContain(`'${path}[condition=A]' (s_a) vs '${path}[condition=B]'`);
  });

  it('cortexgpu run writes spikes.nwb with the same spikes as the .npy files', async () => {
    const out = join(work, 'run');
    const result = await cli('run', 'examples/lif_small.json', '--duration', '100', '--warmup', '20', '--out', out, '--quiet');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(existsSync(join(out, 'spikes.nwb'))).toBe(true);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { dt_ms: number; duration_ms: number; batch: number; files: { name: string }[] };
    expect(summary.files.map((f) => f.name)).toContain('spikes.nwb');
    const nwb = await readNwbSpikes(join(out, 'spikes.nwb'));
    const population = nwb.unitColumns.get('population')!.values as readonly string[];
    const neuronIndex = nwb.unitColumns.get('neuron_index')!.values as Float64Array;
    expect(nwb.spikeTimesS).toHaveLength(200);
    expect(Array.from(nwb.trials!.startTimeS)).toEqual([0, 0.1]);
    expect(Array.from(nwb.trials!.stopTimeS)).toEqual([0.1, 0.2]);
    let total = 0;
    for (const pop of ['E', 'I']) {
      const table = decodeNpy(readFileSync(join(out, `spikes_${pop}.npy`))).data as Uint32Array;
      const neurons = decodeNpy(readFileSync(join(out, `spikes_${pop}_neurons.npy`))).data as Uint32Array;
      const expected = new Map<number, number[]>(Array.from(neurons, (n) => [n, []]));
      for (let k = 0; k < table.length / 3; k++) {
        expected.get(table[3 * k + 2]!)!.push((table[3 * k + 1]! * summary.duration_ms + table[3 * k]! * summary.dt_ms) / 1000);
      }
      for (const [neuron, times] of expected) {
        const u = population.findIndex((p, i) => p === pop && neuronIndex[i] === neuron);
        expect(u).toBeGreaterThanOrEqual(0);
        expect(Array.from(nwb.spikeTimesS[u]!)).toEqual(times.sort((x, y) => x - y));
        total += times.length;
      }
    }
    expect(total).toBeGreaterThan(20);
    expect(nwb.spikeTimesS.reduce((n, t) => n + t.length, 0)).toBe(total);
    expect(readdirSync(work).filter((f) => f.includes('cortexgpu-tmp'))).toEqual([]);
  });
});
