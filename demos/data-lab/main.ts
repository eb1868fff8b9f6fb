/**
 * Data lab: open a SONATA network folder from disk, import it (the same importer as
 * `cortexgpu run simulation_config.json`) and run it on WebGPU with its raster and rates; open an
 * NWB file, choose two conditions from a trials column and a window, and compute the linear
 * Fisher information with the estimators of `cortexgpu fisher --nwb FILE --cpu`.
 *
 * Files are read in the page: the picked `File` objects are a {@link memoryFileAccess} (paths from
 * `webkitRelativePath`), HDF5 files are opened with h5wasm's ESM build. Every error (a malformed
 * file, a missing dataset, too few trials) is shown in the page with the file, the dataset and
 * the fix, as the CLI words it.
 *
 * For automated tests the page publishes `window.cortexgpuDataLab` ({@link DataLabState}) and
 * `document.body.dataset`: `state` (the simulation: `idle`, `loading`, `ready`, `error`),
 * `sonata` (`importing`, `imported`, `error`) and `nwb` (`reading`, `loaded`, `computing`,
 * `computed`, `error`).
 *
 * Imports name module files directly (nothing Node-only reaches the bundle).
 */
import { checkFiniteResponses, FISHER_DEFAULT_DECODER_FOLDS, FISHER_DEFAULT_SEED, fisherInformation, type FisherResult } from '../../src/analysis/fisher.js';
import { memoryFileAccess, posixPath, type MemoryFile } from '../../src/io/file-access.js';
import { openHdf5Bytes } from '../../src/io/hdf5-browser.js';
import { nwbResponseMatrices, readNwbSpikesFrom, type NwbColumnValues, type NwbSpikes } from '../../src/io/nwb-core.js';
import { importSonataFrom } from '../../src/io/sonata-import-core.js';
import type { SpikeRecording } from '../../src/model/recording.js';
import type { NetworkSpec } from '../../src/model/spec.js';
import type { SimulationErrorDetail, SimulationProgressDetail } from '../../src/ui/events.js';
import type { ActivityViewElement, SimulationElement, SimulationReadyDetail, SimulationRecordingsDetail, TimeSeriesElement } from '../../src/ui/index.js';
import { pageElement } from '../shared/demo-page.js';

/** One population of the imported network, as shown. */
export interface DataLabPopulation {
  readonly name: string;
  readonly size: number;
  readonly model: string;
  readonly sonataPopulation: string;
  readonly virtual: boolean;
}

/** One projection of the imported network, as shown. */
export interface DataLabProjection {
  readonly name: string;
  readonly source: string;
  readonly target: string;
  readonly receptor: string;
  readonly synapses: number;
}

/** What the page publishes as `window.cortexgpuDataLab`. */
export interface DataLabState {
  /** The imported network: the config read, its populations and projections; null before one. */
  sonata: { config: string; populations: DataLabPopulation[]; projections: DataLabProjection[]; notes: readonly string[] } | null;
  /** Spikes per (non-virtual) population since the network was built. */
  spikes: Record<string, number>;
  /** Simulated time since the network was built, ms. */
  simulatedMs: number;
  /** The NWB file read: units, trials and columns; null before one. */
  nwb: { file: string; units: number; trials: number; trialColumns: string[]; unitColumns: string[] } | null;
  /** The last Fisher analysis, with what it used; null before one (or after an error). */
  fisher: (FisherResult & { readonly units: number; readonly trialsA: number; readonly trialsB: number }) | null;
  /** Every error message shown, in order. */
  errors: string[];
}

declare global {
  interface Window {
    /** Set by the data lab page. */
    cortexgpuDataLab?: DataLabState;
  }
}

const published: DataLabState = { sonata: null, spikes: {}, simulatedMs: 0, nwb: null, fisher: null, errors: [] };
window.cortexgpuDataLab = published;

const COLORS = ['#2456a6', '#c0392b', '#1e8449', '#8e44ad', '#d68910', '#117a8b'];
/** Most rasters shown (one per non-virtual population). */
const MAX_RASTERS = 4;

// ---------------------------------------------------------------------------------------------
// Shared helpers

function setStatus(el: HTMLElement, kind: 'info' | 'done' | 'error', text: string): void {
  el.dataset.kind = kind;
  el.textContent = text;
  if (kind === 'error') published.errors.push(text);
}

/** An error's message for the page: our errors' messages already name the file, the dataset and the fix. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const known = ['SonataImportError', 'SonataError', 'Hdf5Error', 'NwbError', 'FisherError', 'FileAccessError'];
    return known.includes(error.name) ? error.message : `${error.name}: ${error.message}`;
  }
  return String(error);
}

function fillTable(table: HTMLTableElement, rows: readonly (readonly string[])[], textColumns: readonly number[] = []): void {
  const body = table.tBodies[0]!;
  body.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      cells.forEach((text, i) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (textColumns.includes(i)) td.className = 'text';
        tr.append(td);
      });
      return tr;
    }),
  );
}

function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x);
}

// ---------------------------------------------------------------------------------------------
// SONATA

const host = pageElement<SimulationElement>('#sim');
const folderInput = pageElement<HTMLInputElement>('#sonata-folder');
const sonataStatus = pageElement<HTMLDivElement>('#sonata-status');
const networkEl = pageElement<HTMLDivElement>('#network');
const runEl = pageElement<HTMLDivElement>('#run');
const rastersEl = pageElement<HTMLDivElement>('#rasters');
const ratesPlot = pageElement<TimeSeriesElement>('#rates-plot');
const ratesTable = pageElement<HTMLTableElement>('#rates-table');

/** The SONATA config of a picked folder: the shallowest simulation config, else circuit config. */
function findConfig(paths: readonly string[]): string | null {
  const depth = (p: string): number => p.split('/').length;
  const first = (pattern: RegExp): string | undefined =>
    paths.filter((p) => pattern.test(posixPath.basename(p))).sort((a, b) => depth(a) - depth(b) || a.localeCompare(b))[0];
  return first(/^simulation_config.*\.json$/i) ?? first(/^circuit_config.*\.json$/i) ?? first(/^config.*\.json$/i) ?? null;
}

/** The network being run: its spec, population sizes and the run length the config asks for. */
let running: { spec: NetworkSpec; sizes: Map<string, number>; durationMs: number | null; lastStep: number; paused: boolean } | null = null;

/**
 * Import a SONATA network from files keyed by their path in the picked folder and run it.
 *
 * @param files path (e.g. `net/simulation_config.json`) → file
 */
async function openSonata(files: ReadonlyMap<string, MemoryFile>): Promise<void> {
  document.body.dataset.sonata = 'importing';
  published.sonata = null;
  // A new pick replaces the network shown (also when it cannot be imported).
  running = null;
  networkEl.hidden = true;
  runEl.hidden = true;
  if (host.spec !== null) {
    host.spec = null;
    document.body.dataset.state = 'idle';
  }
  const config = findConfig([...files.keys()]);
  if (config === null) {
    document.body.dataset.sonata = 'error';
    const folder = [...files.keys()][0]?.split('/')[0] ?? 'the folder';
    setStatus(sonataStatus, 'error', `'${folder}' has no simulation_config.json or circuit_config.json (${files.size} files); pick the folder that holds the SONATA config (e.g. what 'cortexgpu export sonata' writes).`);
    return;
  }
  setStatus(sonataStatus, 'info', `Importing ${config}…`);
  let imported;
  try {
    imported = await importSonataFrom(memoryFileAccess(files, openHdf5Bytes), config);
  } catch (error) {
    document.body.dataset.sonata = 'error';
    setStatus(sonataStatus, 'error', describe(error));
    return;
  }
  const spec = imported.spec;
  const populations: DataLabPopulation[] = imported.populations.map((p, i) => ({
    name: p.name, size: spec.populations[i]!.size, model: String(spec.populations[i]!.model), sonataPopulation: p.sonataPopulation, virtual: p.virtual,
  }));
  const projections: DataLabProjection[] = (spec.projections ?? []).map((q, i) => ({
    name: q.name ?? `projection ${i}`, source: q.source, target: q.target, receptor: q.receptor ?? 'excitatory',
    synapses: q.connector.type === 'edge_list' ? q.connector.sources.length : Number.NaN,
  }));
  published.sonata = { config, populations, projections, notes: imported.notes };
  fillTable(pageElement('#populations-table'), populations.map((p) => [p.name, String(p.size), p.virtual ? 'spike-train source (virtual)' : p.model, p.sonataPopulation]), [2, 3]);
  fillTable(pageElement('#projections-table'), projections.map((q) => [q.name, `${q.source} → ${q.target}`, q.receptor, String(q.synapses)]), [1, 2]);
  networkEl.hidden = false;
  const neurons = populations.reduce((n, p) => n + p.size, 0);
  const synapses = projections.reduce((n, q) => n + q.synapses, 0);
  setStatus(
    sonataStatus,
    'done',
    `${config}: ${neurons} neurons in ${populations.length} populations, ${synapses} synapses in ${projections.length} projections; dt = ${spec.dt_ms ?? 0.1} ms` +
      `${spec.run?.duration_ms !== undefined ? `, tstop = ${spec.run.duration_ms} ms` : ''}.${imported.notes.length > 0 ? `\nNot used: ${imported.notes.join('; ')}.` : ''}`,
  );
  document.body.dataset.sonata = 'imported';

  // One raster per spiking population (up to MAX_RASTERS), rates of every one.
  const shown = populations.filter((p) => !p.virtual);
  rastersEl.replaceChildren(
    ...shown.slice(0, MAX_RASTERS).map((p) => {
      const view = document.createElement('cg-activity-view');
      view.population = p.name;
      view.columns = 200;
      view.maxRows = 200;
      view.label = `Spike raster of ${p.name}`;
      return view;
    }),
  );
  ratesPlot.series = shown.map((p, i) => ({ label: p.name, color: COLORS[i % COLORS.length]! }));
  ratesPlot.clear();
  published.spikes = Object.fromEntries(shown.map((p) => [p.name, 0]));
  published.simulatedMs = 0;
  running = { spec, sizes: new Map(shown.map((p) => [p.name, p.size])), durationMs: spec.run?.duration_ms ?? null, lastStep: 0, paused: false };
  showRates();
  runEl.hidden = false;
  document.body.dataset.state = 'loading';
  host.spec = spec;
}

function showRates(): void {
  if (running === null) return;
  const seconds = published.simulatedMs / 1000;
  fillTable(ratesTable, [...running.sizes].map(([name, size]) => {
    const spikes = published.spikes[name] ?? 0;
    return [name, String(size), String(spikes), seconds > 0 ? (spikes / size / seconds).toFixed(2) : '—'];
  }));
  pageElement('#simulated').textContent = `${published.simulatedMs.toFixed(1)} ms`;
  pageElement('#spike-total').textContent = String(Object.values(published.spikes).reduce((a, b) => a + b, 0));
}

host.addEventListener('cg-ready', (e) => {
  const detail = (e as CustomEvent<SimulationReadyDetail>).detail;
  document.body.dataset.state = 'ready';
  pageElement('#adapter').textContent = `Adapter: ${detail.adapter}`;
  for (const view of rastersEl.querySelectorAll<ActivityViewElement>('cg-activity-view')) view.simulator = detail.simulator;
  if (running) {
    running.lastStep = 0;
    running.paused = false;
    for (const name of Object.keys(published.spikes)) published.spikes[name] = 0;
    published.simulatedMs = 0;
    ratesPlot.clear();
    showRates();
  }
});

host.addEventListener('cg-error', (e) => {
  if (e.target !== host) return;
  const detail = (e as CustomEvent<SimulationErrorDetail>).detail;
  document.body.dataset.state = 'error';
  document.body.dataset.errorKind = detail.kind;
  published.errors.push(detail.message);
});

host.addEventListener('cg-recordings', (e) => {
  if (running === null) return;
  const { recordings, stepCount, dtMs } = (e as CustomEvent<SimulationRecordingsDetail>).detail;
  const frameS = ((stepCount - running.lastStep) * dtMs) / 1000;
  running.lastStep = stepCount;
  const frame = new Map<string, number>();
  for (const r of recordings) {
    if (r.type !== 'spikes' || !running.sizes.has(r.population)) continue;
    const n = (r as SpikeRecording).steps.length;
    frame.set(r.population, (frame.get(r.population) ?? 0) + n);
    published.spikes[r.population] = (published.spikes[r.population] ?? 0) + n;
  }
  published.simulatedMs = stepCount * dtMs;
  if (frameS > 0) ratesPlot.append(stepCount * dtMs, [...running.sizes].map(([name, size]) => (frame.get(name) ?? 0) / size / frameS));
  showRates();
});

host.addEventListener('cg-progress', (e) => {
  const p = (e as CustomEvent<SimulationProgressDetail>).detail;
  published.simulatedMs = p.simulatedMs;
  pageElement('#simulated').textContent = `${p.simulatedMs.toFixed(1)} ms`;
  // Stop once at the config's tstop; play continues past it.
  if (running && !running.paused && running.durationMs !== null && p.simulatedMs >= running.durationMs - 1e-9) {
    running.paused = true;
    host.pause();
  }
});

folderInput.addEventListener('change', () => {
  const list = [...(folderInput.files ?? [])];
  if (list.length === 0) return;
  void openSonata(new Map(list.map((f) => [f.webkitRelativePath || f.name, f])));
});

// ---------------------------------------------------------------------------------------------
// NWB

const nwbInput = pageElement<HTMLInputElement>('#nwb-file');
const nwbStatus = pageElement<HTMLDivElement>('#nwb-status');
const form = pageElement<HTMLFormElement>('#fisher-form');
const conditionSelect = pageElement<HTMLSelectElement>('#condition-column');
const valueA = pageElement<HTMLSelectElement>('#value-a');
const valueB = pageElement<HTMLSelectElement>('#value-b');
const alignSelect = pageElement<HTMLSelectElement>('#align-column');
const windowStart = pageElement<HTMLInputElement>('#window-start');
const windowEnd = pageElement<HTMLInputElement>('#window-end');
const dsInput = pageElement<HTMLInputElement>('#ds');
const unitsColumnSelect = pageElement<HTMLSelectElement>('#units-column');
const unitsValueSelect = pageElement<HTMLSelectElement>('#units-value');
const fisherTable = pageElement<HTMLTableElement>('#fisher-table');

let recording: { file: string; data: NwbSpikes } | null = null;

function options(select: HTMLSelectElement, items: readonly (readonly [value: string, label: string])[]): void {
  select.replaceChildren(...items.map(([value, label]) => new Option(label, value)));
}

/** Distinct values of a column, as text, in order of first appearance. */
function distinct(values: NwbColumnValues): string[] {
  return [...new Set(Array.from(values as ArrayLike<string | number>, String))];
}

function isNumeric(values: NwbColumnValues): boolean {
  return values instanceof Float64Array || values instanceof Int32Array;
}

function fillValues(): void {
  const column = recording?.data.trials?.columns.get(conditionSelect.value);
  const values = column ? distinct(column.values) : [];
  options(valueA, values.map((v) => [v, v]));
  options(valueB, values.map((v) => [v, v]));
  valueA.value = values[0] ?? '';
  valueB.value = values[1] ?? values[0] ?? '';
}

function fillUnitValues(): void {
  const column = recording?.data.unitColumns.get(unitsColumnSelect.value);
  const values = column ? distinct(column.values) : [];
  options(unitsValueSelect, values.map((v) => [v, v]));
  unitsValueSelect.disabled = column === undefined;
}

/**
 * Read an NWB file's units and trials and offer its columns for the analysis.
 *
 * @param name the file's name (in messages)
 * @param file its contents
 */
async function openNwb(name: string, file: MemoryFile): Promise<void> {
  document.body.dataset.nwb = 'reading';
  published.nwb = null;
  published.fisher = null;
  recording = null;
  form.hidden = true;
  fisherTable.hidden = true;
  setStatus(nwbStatus, 'info', `Reading ${name}…`);
  let data: NwbSpikes;
  try {
    data = await readNwbSpikesFrom(memoryFileAccess([[name, file]], openHdf5Bytes), name);
  } catch (error) {
    document.body.dataset.nwb = 'error';
    setStatus(nwbStatus, 'error', describe(error));
    return;
  }
  const trials = data.trials;
  const trialColumns = trials ? [...trials.columns.keys()] : [];
  const unitColumns = [...data.unitColumns.keys()];
  published.nwb = { file: name, units: data.spikeTimesS.length, trials: trials?.startTimeS.length ?? 0, trialColumns, unitColumns };
  if (trials === null || trialColumns.length === 0) {
    document.body.dataset.nwb = 'error';
    setStatus(
      nwbStatus,
      'error',
      trials === null
        ? `'${name}' has no /intervals/trials table, which the analysis needs (the two conditions come from one of its columns); add the trials to the file (pynwb: nwbfile.add_trial(start_time=..., stop_time=..., condition=...)).`
        : `'${name}' /intervals/trials has no column besides start_time and stop_time; add a column giving each trial's condition (pynwb: nwbfile.add_trial_column).`,
    );
    return;
  }
  recording = { file: name, data };
  const textFirst = [...trialColumns].sort((a, b) => Number(isNumeric(trials.columns.get(a)!.values)) - Number(isNumeric(trials.columns.get(b)!.values)));
  options(conditionSelect, trialColumns.map((c) => [c, c]));
  conditionSelect.value = textFirst[0]!;
  fillValues();
  options(alignSelect, [['', 'start_time'], ...trialColumns.filter((c) => isNumeric(trials.columns.get(c)!.values)).map((c) => [c, c] as const)]);
  let shortest = Number.POSITIVE_INFINITY;
  for (let t = 0; t < trials.startTimeS.length; t++) shortest = Math.min(shortest, trials.stopTimeS[t]! - trials.startTimeS[t]!);
  windowStart.value = '0';
  windowEnd.value = String(Number.isFinite(shortest) && shortest > 0 ? Math.round(shortest * 1000) : 500);
  options(unitsColumnSelect, [['', 'all units'], ...unitColumns.filter((c) => distinct(data.unitColumns.get(c)!.values).length <= 100).map((c) => [c, c] as const)]);
  unitsColumnSelect.value = '';
  fillUnitValues();
  form.hidden = false;
  document.body.dataset.nwb = 'loaded';
  setStatus(nwbStatus, 'done', `${name}: ${data.spikeTimesS.length} units, ${trials.startTimeS.length} trials (columns ${trialColumns.join(', ')}). Choose the two conditions and the window, then Compute.`);
}

/** Count the spikes of both conditions and compute the Fisher information (the CLI's `--cpu` defaults). */
function computeFisher(): void {
  if (recording === null) return;
  document.body.dataset.nwb = 'computing';
  published.fisher = null;
  fisherTable.hidden = true;
  const { file, data } = recording;
  try {
    const ds = Number(dsInput.value);
    if (!(Number.isFinite(ds) && ds !== 0)) throw new Error(`ds must be a non-zero number (got '${dsInput.value}'): the stimulus difference s_b − s_a.`);
    const counts = nwbResponseMatrices(data, {
      windowMs: [Number(windowStart.value), Number(windowEnd.value)],
      conditionColumn: conditionSelect.value,
      a: valueA.value,
      b: valueB.value,
      ...(alignSelect.value !== '' ? { alignColumn: alignSelect.value } : {}),
      ...(unitsColumnSelect.value !== '' ? { unitsColumn: unitsColumnSelect.value, unitsValue: unitsValueSelect.value } : {}),
    }, file);
    const labelA = `${file}[${conditionSelect.value}=${valueA.value}]`;
    const labelB = `${file}[${conditionSelect.value}=${valueB.value}]`;
    checkFiniteResponses(counts.a.data, counts.a.neurons, labelA);
    checkFiniteResponses(counts.b.data, counts.b.neurons, labelB);
    const r = fisherInformation(counts.a.data, counts.b.data, counts.a.neurons, ds, {
      unequalTrials: 'subsample',
      seed: FISHER_DEFAULT_SEED,
      decoderFolds: FISHER_DEFAULT_DECODER_FOLDS,
      allowInvalidT: false,
    });
    published.fisher = { ...r, units: counts.units.length, trialsA: counts.trialsA.length, trialsB: counts.trialsB.length };
    const rows: string[][] = [
      ['I_naive', fmt(r.I_naive), "f'ᵀ Σ⁻¹ f' (biased upward)"],
      ['I_bc', `${fmt(r.I_bc)} ± ${fmt(r.I_bc_se)}`, 'bias-corrected ± standard error'],
      ['I_shuffle', fmt(r.I_shuffle), 'decorrelated: sum of single-neuron informations'],
      ['I_shuffle_bc', fmt(r.I_shuffle_bc), 'shuffled, bias-corrected'],
      ['redundancy', fmt(r.redundancy), 'I_shuffle_bc − I_bc'],
      ['rho', fmt(r.rho), 'redundancy / I_shuffle_bc'],
    ];
    if (r.decoder !== undefined) {
      rows.push(['decoder', `${(100 * r.decoder.accuracy).toFixed(1)} %`, `cross-validated linear decoder accuracy (${r.decoder.folds} folds)`]);
      rows.push(['I_lower_bound', fmt(r.decoder.I_lower_bound), '(2·Φ⁻¹(accuracy))²/ds²']);
    }
    fillTable(fisherTable, rows, [2]);
    fisherTable.hidden = false;
    const trialsText = r.T_a === r.T_b ? `T = ${r.T} trials per condition (given: a ${r.T_a}, b ${r.T_b})` : `T_a = ${r.T_a}, T_b = ${r.T_b} trials`;
    setStatus(nwbStatus, 'done', `${labelA} vs ${labelB}: N = ${r.N} units, ${trialsText}; informations in 1/(unit of ds)².${r.warnings.length > 0 ? `\n${r.warnings.join('\n')}` : ''}`);
    document.body.dataset.nwb = 'computed';
  } catch (error) {
    document.body.dataset.nwb = 'error';
    setStatus(nwbStatus, 'error', describe(error));
  }
}

nwbInput.addEventListener('change', () => {
  const file = nwbInput.files?.[0];
  if (file) void openNwb(file.name, file);
});
conditionSelect.addEventListener('change', fillValues);
unitsColumnSelect.addEventListener('change', fillUnitValues);
form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (!form.reportValidity()) return;
  computeFisher();
});
