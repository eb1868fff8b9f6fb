/**
 * Reading NWB 2.x spike files (units and trials; the layout is described in `nwb.ts`, which
 * writes them) and counting spikes in trial windows for the Fisher analysis, over any
 * {@link FileAccess}: the same code reads a path in Node and a picked `File` in the browser.
 *
 * No Node or DOM APIs: safe to bundle for the browser.
 */
import { Hdf5Error, type Hdf5Reader } from './hdf5-core.js';
import type { FileAccess } from './file-access.js';
import type { ResponseMatrix } from '../analysis/data.js';

/** An NWB file that cannot be used; the message names the file, the dataset and the fix. */
export class NwbError extends Error {
  override readonly name = 'NwbError';
}

/** NWB schema version written into `nwb_version`. */
export const NWB_VERSION = '2.7.0';

/** Values of a table column, one per row: text, or numbers (integers are written as int32 when they fit). */
export type NwbColumnValues = readonly string[] | Float64Array | Int32Array;

/** One extra column of a DynamicTable. */
export interface NwbColumn {
  /** The column's `description` attribute. */
  readonly description: string;
  readonly values: NwbColumnValues;
}

/** A `/intervals/trials` table. */
export interface NwbTrials {
  /** Start of each trial, s. */
  readonly startTimeS: Float64Array;
  /** End of each trial, s. */
  readonly stopTimeS: Float64Array;
  /** Extra columns (e.g. `condition`), in order; each has one value per trial. */
  readonly columns: ReadonlyMap<string, NwbColumn>;
}

/** Spikes of sorted units, their columns and the trials, as written or read. */
export interface NwbSpikes {
  /** `identifier`: unique for the file. */
  readonly identifier: string;
  /** `session_description`. */
  readonly sessionDescription: string;
  /** `session_start_time`, ISO 8601. */
  readonly sessionStartTime: string;
  /** `/units/id`, one per unit (default when writing: 0, 1, …). */
  readonly unitIds?: Float64Array;
  /** Each unit's spike times, s (sorted when written). */
  readonly spikeTimesS: readonly Float64Array[];
  /** Extra unit columns (e.g. `population`), in order; each has one value per unit. */
  readonly unitColumns: ReadonlyMap<string, NwbColumn>;
  /** The trials table, or null when the file has none. */
  readonly trials: NwbTrials | null;
  /** `/units` `description` (default when writing: a generic one). */
  readonly unitsDescription?: string;
}

/** Read the extra 1-D columns of a table (those in `colnames`, else its datasets), leaving out `skip` and ragged columns. */
function readColumns(h5: Hdf5Reader, table: string, rows: number, skip: ReadonlySet<string>): Map<string, NwbColumn> {
  const names = h5.stringListAttribute(table, 'colnames') ?? h5.keys(table).filter((k) => h5.kind(`${table}/${k}`) === 'dataset');
  const columns = new Map<string, NwbColumn>();
  for (const name of names) {
    const path = `${table}/${name}`;
    // Leave out ragged columns (a VectorIndex `X_index` beside `X`) and the indices themselves.
    if (skip.has(name) || h5.kind(path) !== 'dataset' || h5.kind(`${path}_index`) === 'dataset') continue;
    const isIndex = h5.stringAttribute(path, 'neurodata_type') === 'VectorIndex' || (name.endsWith('_index') && h5.kind(`${table}/${name.slice(0, -'_index'.length)}`) === 'dataset');
    if (isIndex) continue;
    let values: NwbColumnValues;
    try {
      const column = h5.column(path);
      values = Array.isArray(column) ? column : (column as { values: Float64Array }).values;
    } catch (error) {
      if (error instanceof Hdf5Error) continue; // e.g. a 2-D column (waveforms): not a per-row value cortexgpu uses
      throw error;
    }
    if (values.length !== rows) continue;
    columns.set(name, { description: h5.stringAttribute(path, 'description') ?? '', values });
  }
  return columns;
}

/**
 * Read the units (spike times and 1-D columns) and the trials table of an NWB 2.x file already
 * open (see {@link readNwbSpikesFrom}).
 *
 * Ragged columns other than `spike_times` and columns that are not 1-D are left out.
 *
 * @param h5 the open file
 * @param path the file's name, for messages
 * @returns units' spike times (s, in file order), unit columns, and the trials (null when the file has no `/intervals/trials`)
 * @throws NwbError or Hdf5Error naming the file, the dataset and the fix: no `/units` table or
 *   `spike_times`, wrong dtypes, `spike_times_index` out of range or decreasing, lengths that do
 *   not match
 */
export function nwbSpikesFromReader(h5: Hdf5Reader, path: string): NwbSpikes {
  const text = (name: string): string => (h5.kind(name) === 'dataset' ? (h5.strings(name)[0] ?? '') : '');
  if (h5.kind('/units') !== 'group') {
    throw new NwbError(
      `'${path}' has no /units table (the sorted units' spike times); write the spikes as an NWB Units table ` +
        `(pynwb: nwbfile.add_unit(spike_times=...); MatNWB: types.core.Units) or give another file.`,
    );
  }
  if (h5.kind('/units/spike_times') !== 'dataset') {
    throw new NwbError(`'${path}' /units/spike_times is missing: the Units table must have a spike_times column (pynwb: add_unit(spike_times=...)).`);
  }
  const times = h5.numbers('/units/spike_times', 'float').values;
  let ends: Float64Array;
  if (h5.kind('/units/spike_times_index') === 'dataset') {
    ends = h5.numbers('/units/spike_times_index', 'integer').values;
  } else {
    throw new NwbError(`'${path}' /units/spike_times_index is missing: spike_times is a ragged column and needs its VectorIndex (the end of each unit's spikes); rewrite the file with pynwb or cortexgpu.`);
  }
  const nUnits = ends.length;
  let previous = 0;
  const spikeTimesS: Float64Array[] = [];
  for (let u = 0; u < nUnits; u++) {
    const end = ends[u]!;
    if (!Number.isInteger(end) || end < previous || end > times.length) {
      throw new NwbError(
        `'${path}' /units/spike_times_index entry ${u} (${end}) is out of range: entries must be non-decreasing ends of each unit's spikes in ` +
          `/units/spike_times, from ${previous} to ${times.length}; the file is corrupt, rewrite it.`,
      );
    }
    spikeTimesS.push(times.slice(previous, end));
    previous = end;
  }
  let unitIds: Float64Array;
  if (h5.kind('/units/id') === 'dataset') {
    unitIds = h5.numbers('/units/id', 'integer').values;
    if (unitIds.length !== nUnits) {
      throw new NwbError(`'${path}' /units/id has ${unitIds.length} entries but /units/spike_times_index has ${nUnits}; the table's columns must have one row per unit.`);
    }
  } else {
    unitIds = Float64Array.from({ length: nUnits }, (_, i) => i);
  }
  const unitColumns = readColumns(h5, '/units', nUnits, new Set(['spike_times', 'id']));

  let trials: NwbTrials | null = null;
  if (h5.kind('/intervals/trials') === 'group') {
    for (const name of ['start_time', 'stop_time']) {
      if (h5.kind(`/intervals/trials/${name}`) !== 'dataset') throw new NwbError(`'${path}' /intervals/trials/${name} is missing: a TimeIntervals table needs start_time and stop_time (s).`);
    }
    const startTimeS = h5.numbers('/intervals/trials/start_time', 'float').values;
    const stopTimeS = h5.numbers('/intervals/trials/stop_time', 'float').values;
    if (stopTimeS.length !== startTimeS.length) {
      throw new NwbError(`'${path}' /intervals/trials/stop_time has ${stopTimeS.length} entries but start_time has ${startTimeS.length}; give one per trial.`);
    }
    trials = { startTimeS, stopTimeS, columns: readColumns(h5, '/intervals/trials', startTimeS.length, new Set(['start_time', 'stop_time', 'id'])) };
  }
  return {
    identifier: text('/identifier'),
    sessionDescription: text('/session_description'),
    sessionStartTime: text('/session_start_time'),
    unitIds,
    spikeTimesS,
    unitColumns,
    trials,
    unitsDescription: h5.stringAttribute('/units', 'description') ?? '',
  };
}

/**
 * Read the units (spike times and 1-D columns) and the trials table of an NWB 2.x file through a
 * {@link FileAccess} (the real filesystem in Node, picked files in the browser).
 *
 * @param files where the file is
 * @param path the file
 * @returns as {@link nwbSpikesFromReader}
 * @throws NwbError or Hdf5Error naming the file, the dataset and the fix (also: not an HDF5 file)
 */
export async function readNwbSpikesFrom(files: FileAccess, path: string): Promise<NwbSpikes> {
  const h5 = await files.openHdf5(path);
  try {
    return nwbSpikesFromReader(h5, path);
  } finally {
    h5.close();
  }
}

/** What {@link nwbResponseMatrices} counts. */
export interface NwbCountOptions {
  /** Counting window [start, end) in ms after each trial's start (or aligned event). */
  readonly windowMs: readonly [number, number];
  /** Trials column whose value (s) is the alignment time instead of `start_time`. */
  readonly alignColumn?: string;
  /** Trials column giving each trial's condition. */
  readonly conditionColumn: string;
  /** Condition value of stimulus s_a. */
  readonly a: string;
  /** Condition value of stimulus s_b. */
  readonly b: string;
  /** Unit column selecting the units (with `unitsValue`), e.g. `population`. */
  readonly unitsColumn?: string;
  /** Value of `unitsColumn` a unit must have to be used. */
  readonly unitsValue?: string;
}

/** The (trials × neurons) spike counts of both conditions, and what was used. */
export interface NwbResponses {
  readonly a: ResponseMatrix;
  readonly b: ResponseMatrix;
  /** Indices (in file order) of the units used, the columns of both matrices. */
  readonly units: readonly number[];
  /** Indices of the trials of each condition, the rows of each matrix. */
  readonly trialsA: readonly number[];
  readonly trialsB: readonly number[];
}

function matches(value: string | number, wanted: string): boolean {
  if (typeof value === 'string') return value === wanted;
  return wanted.trim() !== '' && Number(wanted) === value;
}

function columnValue(values: NwbColumnValues, i: number): string | number {
  return (values as ArrayLike<string | number>)[i]!;
}

/** Number of sorted values in [lo, hi). */
function countInRange(sorted: Float64Array, lo: number, hi: number): number {
  const lowerBound = (x: number): number => {
    let l = 0;
    let h = sorted.length;
    while (l < h) {
      const m = (l + h) >>> 1;
      if (sorted[m]! < x) l = m + 1;
      else h = m;
    }
    return l;
  };
  return lowerBound(hi) - lowerBound(lo);
}

/**
 * Spike counts of each selected unit in each trial of two conditions: the spikes in
 * [t0 + start, t0 + end), t0 the trial's `start_time` (or its `alignColumn` value), for the
 * trials whose `conditionColumn` equals `a` or `b` (text compared as is, numbers numerically).
 *
 * @param data what {@link readNwbSpikes} returned
 * @param options window, columns and values
 * @param path the file, for messages
 * @returns the two (trials × units) count matrices, as `cortexgpu fisher` reads from .npy files
 * @throws NwbError naming the file, the table or column and the fix: no trials table, unknown
 *   columns, no trial or unit selected, a bad window
 */
export function nwbResponseMatrices(data: NwbSpikes, options: NwbCountOptions, path: string): NwbResponses {
  const [startMs, endMs] = options.windowMs;
  if (!(Number.isFinite(startMs) && Number.isFinite(endMs) && endMs > startMs)) {
    throw new NwbError(`--window ${startMs},${endMs}: the end must be after the start (ms, e.g. --window 0,500).`);
  }
  const trials = data.trials;
  if (trials === null) {
    throw new NwbError(
      `'${path}' has no /intervals/trials table, which --condition-column '${options.conditionColumn}' needs; ` +
        `add the trials to the file (pynwb: nwbfile.add_trial(start_time=..., stop_time=..., ${options.conditionColumn}=...)).`,
    );
  }
  const trialColumn = (name: string, flag: string): NwbColumnValues => {
    const column = trials.columns.get(name);
    if (column === undefined) {
      throw new NwbError(
        `'${path}' /intervals/trials has no column '${name}' (${flag}); its columns: start_time, stop_time${[...trials.columns.keys()].map((k) => `, ${k}`).join('')}. ` +
          `Pass one of them to ${flag}.`,
      );
    }
    return column.values;
  };
  const conditions = trialColumn(options.conditionColumn, '--condition-column');
  const align = options.alignColumn === undefined ? trials.startTimeS : trialColumn(options.alignColumn, '--align-column');
  if (options.alignColumn !== undefined && !(align instanceof Float64Array || align instanceof Int32Array)) {
    throw new NwbError(`'${path}' /intervals/trials/${options.alignColumn} holds text; --align-column needs a column of times (s).`);
  }
  const trialsA: number[] = [];
  const trialsB: number[] = [];
  for (let t = 0; t < conditions.length; t++) {
    const value = columnValue(conditions, t);
    if (matches(value, options.a)) trialsA.push(t);
    else if (matches(value, options.b)) trialsB.push(t);
  }
  const seen = [...new Set(Array.from(conditions as ArrayLike<string | number>, String))].slice(0, 10).join(', ');
  for (const [flag, value, list] of [['--a', options.a, trialsA], ['--b', options.b, trialsB]] as const) {
    if (list.length === 0) {
      throw new NwbError(`'${path}' /intervals/trials/${options.conditionColumn}: no trial has the value '${value}' (${flag}); values present: ${seen}.`);
    }
  }

  let units = data.spikeTimesS.map((_, i) => i);
  if (options.unitsColumn !== undefined || options.unitsValue !== undefined) {
    if (options.unitsColumn === undefined || options.unitsValue === undefined) {
      throw new NwbError('--units-column and --units-value go together (e.g. --units-column population --units-value E).');
    }
    const column = data.unitColumns.get(options.unitsColumn);
    if (column === undefined) {
      throw new NwbError(`'${path}' /units has no column '${options.unitsColumn}' (--units-column); its columns: ${[...data.unitColumns.keys()].join(', ') || 'none besides spike_times'}.`);
    }
    units = units.filter((u) => matches(columnValue(column.values, u), options.unitsValue!));
    if (units.length === 0) throw new NwbError(`'${path}' /units/${options.unitsColumn}: no unit has the value '${options.unitsValue}' (--units-value).`);
  }
  if (units.length === 0) throw new NwbError(`'${path}' /units has no units; the Fisher analysis needs at least one.`);

  const sorted = units.map((u) => {
    const t = data.spikeTimesS[u]!;
    for (let i = 1; i < t.length; i++) if (t[i]! < t[i - 1]!) return Float64Array.from(t).sort();
    return t;
  });
  const matrix = (rows: readonly number[]): ResponseMatrix => {
    const out = new Float64Array(rows.length * units.length);
    rows.forEach((t, r) => {
      const t0 = Number(columnValue(align, t));
      const lo = t0 + startMs / 1000;
      const hi = t0 + endMs / 1000;
      sorted.forEach((times, i) => {
        out[r * units.length + i] = countInRange(times, lo, hi);
      });
    });
    return { data: out, trials: rows.length, neurons: units.length };
  };
  return { a: matrix(trialsA), b: matrix(trialsB), units, trialsA, trialsB };
}
