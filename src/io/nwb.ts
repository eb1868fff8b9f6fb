/**
 * Spikes as NWB 2.x files (Neurodata Without Borders, the `core` namespace), written and read
 * through {@link ./hdf5.ts}.
 *
 * Layout written by {@link writeNwbSpikes} (and `cortexgpu run`'s `spikes.nwb`):
 *
 * - root group: attributes `namespace` = `core`, `neurodata_type` = `NWBFile`, `nwb_version`
 *   ({@link NWB_VERSION}), `object_id`; text datasets `identifier`, `session_description`,
 *   `session_start_time`, `timestamps_reference_time` (ISO 8601) and `file_create_date` (a 1-D
 *   list of ISO 8601 dates); the groups every NWBFile has: `acquisition`, `analysis`,
 *   `processing`, `stimulus/presentation`, `stimulus/templates`, `general`;
 * - `/units`: a DynamicTable of type `Units` (attributes `colnames`, `description`): `id`
 *   (ElementIdentifiers), `spike_times` (VectorData, float64 seconds, every unit's spikes one
 *   after the other, each unit's sorted) and `spike_times_index` (VectorIndex: the end of each
 *   unit's spikes in `spike_times`, its `target` attribute an object reference to
 *   `spike_times`), plus any extra 1-D column (VectorData of text or numbers, one value per unit);
 * - `/intervals/trials` (optional): a `TimeIntervals` table with `id`, `start_time`, `stop_time`
 *   (float64 seconds) and extra 1-D columns (e.g. `condition`).
 *
 * Every table, column and `id` dataset carries `neurodata_type`, `namespace` (`core`, or `hdmf-common`
 * for VectorData / VectorIndex / ElementIdentifiers), `object_id` and (columns and tables)
 * `description`.
 *
 * Trials of a batched simulation share one time axis: trial k covers
 * [k · T, (k + 1) · T) seconds, T the simulated duration, and the trials table records those
 * start and stop times (see {@link spikeRecordingsToNwb}).
 *
 * Reading and counting ({@link readNwbSpikesFrom}, {@link nwbResponseMatrices}) live in
 * `nwb-core.ts`, shared with the browser; this module writes files and reads paths.
 *
 * Node only (reads and writes files); no GPU code.
 */
import { randomUUID } from 'node:crypto';
import { hdf5Bytes, writeHdf5Atomic, type Hdf5WriteFile } from './hdf5.js';
import { nodeFileAccess } from './file-access-node.js';
import { NwbError, NWB_VERSION, readNwbSpikesFrom, type NwbColumn, type NwbColumnValues, type NwbSpikes } from './nwb-core.js';
import type { SpikeRecording } from '../model/recording.js';

export {
  NwbError, NWB_VERSION, nwbResponseMatrices, nwbSpikesFromReader, readNwbSpikesFrom,
  type NwbColumn, type NwbColumnValues, type NwbCountOptions, type NwbResponses, type NwbSpikes, type NwbTrials,
} from './nwb-core.js';

const CORE = 'core';
const HDMF = 'hdmf-common';

type H5Node = ReturnType<Hdf5WriteFile['create_group']>;
type H5Data = ReturnType<Hdf5WriteFile['create_dataset']>;

function typed(node: H5Node | H5Data | Hdf5WriteFile, neurodataType: string, namespace: string, description?: string): void {
  node.create_attribute('namespace', namespace);
  node.create_attribute('neurodata_type', neurodataType);
  node.create_attribute('object_id', randomUUID());
  if (description !== undefined) node.create_attribute('description', description);
}

function columnData(group: H5Node, name: string, values: NwbColumnValues): H5Data {
  if (values instanceof Float64Array) return group.create_dataset({ name, data: values, dtype: '<d' });
  if (values instanceof Int32Array) return group.create_dataset({ name, data: values, dtype: '<i' });
  return group.create_dataset({ name, data: [...values] });
}

function checkLength(what: string, values: { length: number }, rows: number): void {
  if (values.length !== rows) throw new NwbError(`${what} has ${values.length} values but the table has ${rows} rows; give one value per row.`);
}

/** Fill an open HDF5 file with the NWB layout of the module comment. */
function buildNwb(file: Hdf5WriteFile, data: NwbSpikes): void {
  const now = new Date().toISOString();
  typed(file, 'NWBFile', CORE);
  file.create_attribute('nwb_version', NWB_VERSION);
  file.create_dataset({ name: 'identifier', data: data.identifier });
  file.create_dataset({ name: 'session_description', data: data.sessionDescription });
  file.create_dataset({ name: 'session_start_time', data: data.sessionStartTime });
  file.create_dataset({ name: 'timestamps_reference_time', data: data.sessionStartTime });
  file.create_dataset({ name: 'file_create_date', data: [now] });
  for (const name of ['acquisition', 'analysis', 'processing', 'general']) file.create_group(name);
  const stimulus = file.create_group('stimulus');
  stimulus.create_group('presentation');
  stimulus.create_group('templates');

  const nUnits = data.spikeTimesS.length;
  const units = file.create_group('units');
  typed(units, 'Units', CORE, data.unitsDescription ?? 'spike times of each unit, s');
  units.create_attribute('colnames', ['spike_times', ...data.unitColumns.keys()]);
  const ids = data.unitIds ?? Float64Array.from({ length: nUnits }, (_, i) => i);
  checkLength('/units/id', ids, nUnits);
  typed(units.create_dataset({ name: 'id', data: Int32Array.from(ids), dtype: '<i' }), 'ElementIdentifiers', HDMF);
  let total = 0;
  for (const t of data.spikeTimesS) total += t.length;
  const times = new Float64Array(total);
  const index = new Int32Array(nUnits);
  let at = 0;
  data.spikeTimesS.forEach((t, u) => {
    const sorted = Float64Array.from(t).sort();
    times.set(sorted, at);
    at += sorted.length;
    index[u] = at;
  });
  const spikeTimes = units.create_dataset({ name: 'spike_times', data: times, dtype: '<d' });
  typed(spikeTimes, 'VectorData', HDMF, 'the spike times of each unit, s');
  const spikeIndex = units.create_dataset({ name: 'spike_times_index', data: index, dtype: '<i' });
  typed(spikeIndex, 'VectorIndex', HDMF, 'index into the spike_times dataset');
  spikeIndex.create_attribute('target', spikeTimes.create_reference());
  for (const [name, column] of data.unitColumns) {
    checkLength(`unit column '${name}'`, column.values, nUnits);
    typed(columnData(units, name, column.values), 'VectorData', HDMF, column.description);
  }

  if (data.trials !== null) {
    const t = data.trials;
    const nTrials = t.startTimeS.length;
    checkLength('/intervals/trials/stop_time', t.stopTimeS, nTrials);
    const intervals = file.create_group('intervals');
    const trials = intervals.create_group('trials');
    typed(trials, 'TimeIntervals', CORE, 'experimental trials');
    trials.create_attribute('colnames', ['start_time', 'stop_time', ...t.columns.keys()]);
    typed(trials.create_dataset({ name: 'id', data: Int32Array.from({ length: nTrials }, (_, i) => i), dtype: '<i' }), 'ElementIdentifiers', HDMF);
    typed(trials.create_dataset({ name: 'start_time', data: Float64Array.from(t.startTimeS), dtype: '<d' }), 'VectorData', HDMF, 'start time of each trial, s');
    typed(trials.create_dataset({ name: 'stop_time', data: Float64Array.from(t.stopTimeS), dtype: '<d' }), 'VectorData', HDMF, 'stop time of each trial, s');
    for (const [name, column] of t.columns) {
      checkLength(`trial column '${name}'`, column.values, nTrials);
      typed(columnData(trials, name, column.values), 'VectorData', HDMF, column.description);
    }
  }
}

/**
 * Write spikes as an NWB 2.x file, atomically (a temporary file in the same folder renamed into
 * place: nothing is left half-written).
 *
 * @param path the file (replaced if it exists)
 * @param data units, their spike times (s) and columns, and optionally the trials
 * @throws NwbError when a column's length does not match its table; Hdf5Error when the file
 *   cannot be written
 */
export async function writeNwbSpikes(path: string, data: NwbSpikes): Promise<void> {
  await writeHdf5Atomic(path, (file) => buildNwb(file, data));
}

/**
 * The bytes of the NWB file {@link writeNwbSpikes} would write (for writers that commit several
 * files together, e.g. the run folder).
 *
 * @param data as {@link writeNwbSpikes}
 * @returns the file's bytes
 */
export async function encodeNwbSpikes(data: NwbSpikes): Promise<Uint8Array> {
  return hdf5Bytes('spikes.nwb', (file) => buildNwb(file, data));
}

/**
 * Read the units (spike times and 1-D columns) and the trials table of an NWB 2.x file.
 *
 * Ragged columns other than `spike_times` and columns that are not 1-D are left out.
 *
 * @param path the file
 * @returns units' spike times (s, in file order), unit columns, and the trials (null when the file has no `/intervals/trials`)
 * @throws NwbError or Hdf5Error naming the file, the dataset and the fix: not an HDF5 file, no
 *   `/units` table or `spike_times`, wrong dtypes, `spike_times_index` out of range or decreasing,
 *   lengths that do not match
 */
export async function readNwbSpikes(path: string): Promise<NwbSpikes> {
  return readNwbSpikesFrom(nodeFileAccess, path);
}

/**
 * Spike recordings of a batched run as NWB units and trials: one unit per recorded neuron of
 * each recorder (in recorder order, then the recorder's neuron order), with columns
 * `population` (text), `neuron_index` (index in the population) and `recorder` (index of the
 * recorder in the spec). Trial k of the batch covers [k · T, (k + 1) · T) seconds, T =
 * `trialMs` / 1000; a spike at step s of trial k is at `(k · trialMs + s · dtMs) / 1000` s. The
 * trials table has `start_time`, `stop_time` and `batch_index` (k).
 *
 * @param recordings spike recordings, each with its recorder index
 * @param run integration step and simulated duration per trial (ms), trials in the batch, description
 * @returns what {@link writeNwbSpikes} writes
 */
export function spikeRecordingsToNwb(
  recordings: readonly { readonly recorder: number; readonly recording: SpikeRecording }[],
  run: { readonly dtMs: number; readonly trialMs: number; readonly batch: number; readonly description: string; readonly startTime?: string },
): NwbSpikes {
  const spikeTimesS: Float64Array[] = [];
  const population: string[] = [];
  const neuronIndex: number[] = [];
  const recorderIndex: number[] = [];
  for (const { recorder, recording: rec } of recordings) {
    const unitOf = new Map<number, number>();
    rec.neurons.forEach((neuron, i) => unitOf.set(neuron, i));
    const counts = new Int32Array(rec.neurons.length);
    for (let k = 0; k < rec.senders.length; k++) {
      const u = unitOf.get(rec.senders[k]!);
      if (u !== undefined) counts[u]! += 1;
    }
    const times = Array.from(counts, (n) => new Float64Array(n));
    counts.fill(0);
    for (let k = 0; k < rec.senders.length; k++) {
      const u = unitOf.get(rec.senders[k]!);
      if (u === undefined) continue;
      times[u]![counts[u]!++] = (rec.trials[k]! * run.trialMs + rec.steps[k]! * run.dtMs) / 1000;
    }
    for (let i = 0; i < rec.neurons.length; i++) {
      spikeTimesS.push(times[i]!.sort());
      population.push(rec.population);
      neuronIndex.push(rec.neurons[i]!);
      recorderIndex.push(recorder);
    }
  }
  const start = run.startTime ?? new Date().toISOString();
  return {
    identifier: randomUUID(),
    sessionDescription: run.description,
    sessionStartTime: start,
    spikeTimesS,
    unitColumns: new Map<string, NwbColumn>([
      ['population', { description: 'population of the unit (neuron)', values: population }],
      ['neuron_index', { description: 'index of the neuron in its population', values: Int32Array.from(neuronIndex) }],
      ['recorder', { description: 'index of the spike recorder in the spec', values: Int32Array.from(recorderIndex) }],
    ]),
    trials: {
      startTimeS: Float64Array.from({ length: run.batch }, (_, k) => (k * run.trialMs) / 1000),
      stopTimeS: Float64Array.from({ length: run.batch }, (_, k) => ((k + 1) * run.trialMs) / 1000),
      columns: new Map<string, NwbColumn>([['batch_index', { description: 'index of the trial in the simulated batch', values: Int32Array.from({ length: run.batch }, (_, k) => k) }]]),
    },
    unitsDescription: `spikes of every spike-recorded neuron; trial k of the batch covers [k·T, (k+1)·T) s, T = ${run.trialMs} ms`,
  };
}

