/**
 * Reading a run folder: what `cortexgpu run --out DIR` writes (and `scripts/brian2_compare.py`
 * writes in the same layout), i.e. `summary.json` plus `.npy` recordings. Only what plots and
 * comparisons need is read: the summary's timing fields and every spike recording.
 *
 * Spike recordings are `spikes_POP.npy` (N × 3 unsigned integers: step, trial, neuron index in
 * the population; `spikes_POP_rK.npy` when a population has several spike recorders) with
 * `spikes_POP_neurons.npy`, the population indices of the recorded neurons. Which neurons were
 * recorded matters: a rate is spikes / (recorded neurons × time). Folders written before the
 * `_neurons.npy` companion existed are read when `summary.json` says the whole population was
 * recorded (`n_recorded` = `size`); otherwise the missing file is an error.
 *
 * Node only (reads files).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeNpy, type DecodedNpy } from './npy.js';
import type { SpikeRecording } from '../model/recording.js';

/** A run folder that cannot be read; the message names the file and what is wrong with it. */
export class RunFolderError extends Error {
  override readonly name = 'RunFolderError';
}

/** The fields of `summary.json` the readers use (any other field is kept in `raw`). */
export interface RunSummary {
  /** Network name (`network`), or the folder name when absent. */
  readonly network: string;
  /** Simulator that wrote the folder: `simulator` in the summary, else `'cortexgpu'`. */
  readonly simulator: string;
  /** Integration step, ms, > 0. */
  readonly dtMs: number;
  /** Simulated time, ms, > 0. */
  readonly durationMs: number;
  /** Trials simulated in parallel, integer ≥ 1 (1 when absent). */
  readonly batch: number;
  /** Initial time left out of the summary's statistics, ms, ≥ 0 (0 when absent). */
  readonly warmupMs: number;
  /** Population sizes by name (neurons, integer ≥ 1). */
  readonly populationSizes: ReadonlyMap<string, number>;
  /** The whole parsed summary. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** One spike recorder's data. */
export interface RunSpikeRecording extends SpikeRecording {
  /** File stem, e.g. `spikes_E` or `spikes_E_r3`. */
  readonly stem: string;
  /** Number of neurons in the population (not only the recorded ones). */
  readonly populationSize: number;
}

/** A run folder read by {@link readRunFolder}. */
export interface RunFolder {
  /** The folder as given. */
  readonly dir: string;
  readonly summary: RunSummary;
  /** Spike recordings, in the order of `summary.json`'s `files` (else by file name). */
  readonly spikes: readonly RunSpikeRecording[];
}

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new RunFolderError(`cannot read ${what} '${path}': ${why}.`);
  }
}

function decodeFile(bytes: Uint8Array, path: string): DecodedNpy {
  try {
    return decodeNpy(bytes);
  } catch (error) {
    throw new RunFolderError(`'${path}' is not a readable .npy file: ${(error as Error).message.replace(/^decodeNpy: /, '')}.`);
  }
}

function positiveNumber(raw: Record<string, unknown>, key: string, path: string, fallback?: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RunFolderError(`'${path}': "${key}" must be a positive number (got ${JSON.stringify(raw[key])}).`);
  }
  return value;
}

/**
 * Parse and check `summary.json` text.
 *
 * @param text the file's contents
 * @param path the file's path, for messages
 * @param folderName network name to use when the summary has none
 * @throws RunFolderError naming the file and the missing or invalid field
 */
export function parseRunSummary(text: string, path: string, folderName = 'run'): RunSummary {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RunFolderError(`'${path}' is not valid JSON: ${(error as Error).message}.`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RunFolderError(`'${path}' must hold a JSON object.`);
  const summary = raw as Record<string, unknown>;
  const dtMs = positiveNumber(summary, 'dt_ms', path);
  const durationMs = positiveNumber(summary, 'duration_ms', path);
  const batch = positiveNumber(summary, 'batch', path, 1);
  if (!Number.isInteger(batch)) throw new RunFolderError(`'${path}': "batch" must be an integer >= 1 (got ${batch}).`);
  const warmup = summary['warmup_ms'] ?? 0;
  if (typeof warmup !== 'number' || !(warmup >= 0)) throw new RunFolderError(`'${path}': "warmup_ms" must be a number >= 0 (got ${JSON.stringify(warmup)}).`);
  const pops = summary['populations'];
  if (typeof pops !== 'object' || pops === null || Array.isArray(pops)) {
    throw new RunFolderError(`'${path}': "populations" must be an object { NAME: { size, ... } }.`);
  }
  const populationSizes = new Map<string, number>();
  for (const [name, value] of Object.entries(pops as Record<string, unknown>)) {
    const size = (value as Record<string, unknown> | null)?.['size'];
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
      throw new RunFolderError(`'${path}': populations.${name}.size must be an integer >= 1 (got ${JSON.stringify(size)}).`);
    }
    populationSizes.set(name, size);
  }
  const network = typeof summary['network'] === 'string' ? summary['network'] : folderName;
  const simulator = typeof summary['simulator'] === 'string' ? summary['simulator'] : 'cortexgpu';
  return { network, simulator, dtMs, durationMs, batch, warmupMs: warmup, populationSizes, raw: summary };
}

/** Spike-file stems (`spikes_POP` or `spikes_POP_rK`) listed in the summary, else found in the folder. */
async function spikeStems(dir: string, summary: RunSummary): Promise<string[]> {
  const isSpikeFile = (name: string): boolean => /^spikes_.+\.npy$/.test(name) && !/_(times_ms|neurons)\.npy$/.test(name);
  const files = summary.raw['files'];
  let names: string[];
  if (Array.isArray(files)) {
    names = files.map((f) => (f as { name?: unknown } | null)?.name).filter((n): n is string => typeof n === 'string');
  } else {
    names = (await readdir(dir)).sort();
  }
  return names.filter(isSpikeFile).map((n) => n.slice(0, -'.npy'.length));
}

/** Population of a spike-file stem: `spikes_POP` or `spikes_POP_rK`, POP a population of the summary. */
function populationOfStem(stem: string, summary: RunSummary): string | undefined {
  const rest = stem.slice('spikes_'.length);
  if (summary.populationSizes.has(rest)) return rest;
  const match = /^(.+)_r\d+$/.exec(rest);
  return match !== null && summary.populationSizes.has(match[1]!) ? match[1] : undefined;
}

/**
 * Read `summary.json` and every spike recording of a run folder, checking shapes, dtypes and
 * index ranges.
 *
 * @param dir the folder (`cortexgpu run --out DIR`, or `scripts/brian2_compare.py --out DIR`)
 * @throws RunFolderError when the folder or `summary.json` is missing or malformed, when there is
 *   no spike recording, or when a spike file is malformed; the message names the file
 */
export async function readRunFolder(dir: string): Promise<RunFolder> {
  const info = await stat(dir).catch(() => null);
  if (info === null) throw new RunFolderError(`run folder '${dir}' does not exist.`);
  if (!info.isDirectory()) throw new RunFolderError(`'${dir}' is not a folder (expected the --out folder of 'cortexgpu run').`);
  const summaryPath = join(dir, 'summary.json');
  const summaryBytes = await readBytes(summaryPath, 'the run summary');
  const folderName = dir.replace(/[/\\]+$/, '').split(/[/\\]/).pop() ?? 'run';
  const summary = parseRunSummary(new TextDecoder().decode(summaryBytes), summaryPath, folderName);

  const stems = await spikeStems(dir, summary);
  if (stems.length === 0) {
    throw new RunFolderError(`no spike recordings in '${dir}' (no spikes_POP.npy listed in '${summaryPath}'); add a { "type": "spikes" } recorder to the spec and run again.`);
  }
  const perPopulation = new Map<string, number>();
  const parsed = stems.map((stem) => {
    const population = populationOfStem(stem, summary);
    if (population === undefined) {
      throw new RunFolderError(`'${join(dir, `${stem}.npy`)}' names no population of '${summaryPath}' (populations: ${[...summary.populationSizes.keys()].join(', ')}).`);
    }
    perPopulation.set(population, (perPopulation.get(population) ?? 0) + 1);
    return { stem, population };
  });

  const spikes: RunSpikeRecording[] = [];
  for (const { stem, population } of parsed) {
    const size = summary.populationSizes.get(population)!;
    const path = join(dir, `${stem}.npy`);
    const table = decodeFile(await readBytes(path, 'the spike recording'), path);
    if (table.shape.length !== 2 || table.shape[1] !== 3) {
      throw new RunFolderError(`'${path}' must be an N × 3 table (step, trial, neuron); its shape is (${table.shape.join(', ')}).`);
    }
    if (table.dtype !== '<u4' && table.dtype !== '<i4') {
      throw new RunFolderError(`'${path}' must hold 32-bit integers (<u4 or <i4); its dtype is ${table.dtype}.`);
    }
    const n = table.shape[0]!;
    const steps = new Uint32Array(n);
    const trials = new Uint32Array(n);
    const senders = new Uint32Array(n);
    const maxStep = Math.round(summary.durationMs / summary.dtMs);
    for (let k = 0; k < n; k++) {
      const step = table.data[3 * k]!;
      const trial = table.data[3 * k + 1]!;
      const neuron = table.data[3 * k + 2]!;
      if (step < 0 || step > maxStep || trial < 0 || trial >= summary.batch || neuron < 0 || neuron >= size) {
        throw new RunFolderError(
          `'${path}' row ${k}: (step ${step}, trial ${trial}, neuron ${neuron}) is outside the run ` +
            `(steps 0-${maxStep}, trials 0-${summary.batch - 1}, neurons 0-${size - 1} of population ${population}).`,
        );
      }
      steps[k] = step;
      trials[k] = trial;
      senders[k] = neuron;
    }

    const neuronsPath = join(dir, `${stem}_neurons.npy`);
    let neurons: Uint32Array;
    const neuronsBytes = await readFile(neuronsPath).catch(() => null);
    if (neuronsBytes !== null) {
      const list = decodeFile(neuronsBytes, neuronsPath);
      if (list.shape.length !== 1 || (list.dtype !== '<u4' && list.dtype !== '<i4')) {
        throw new RunFolderError(`'${neuronsPath}' must be a 1-D array of 32-bit integer neuron indices; it is (${list.shape.join(', ')}) ${list.dtype}.`);
      }
      neurons = Uint32Array.from(list.data as Uint32Array | Int32Array);
      const bad = (list.data as Uint32Array | Int32Array).findIndex((v) => v < 0 || v >= size);
      if (bad >= 0) throw new RunFolderError(`'${neuronsPath}' entry ${bad} (${list.data[bad]}) is not a neuron of population ${population} (size ${size}).`);
      if (new Set(neurons).size !== neurons.length) throw new RunFolderError(`'${neuronsPath}' lists a neuron twice.`);
    } else {
      const popSummary = (summary.raw['populations'] as Record<string, Record<string, unknown>>)[population]!;
      const nRecorded = popSummary['n_recorded'] ?? size;
      if (nRecorded !== size || perPopulation.get(population)! > 1) {
        throw new RunFolderError(
          `cannot tell which neurons '${path}' recorded: '${neuronsPath}' is missing and ${String(nRecorded)} of ${size} neurons were recorded ` +
            `(run the spec again with this version of cortexgpu, which writes the file).`,
        );
      }
      neurons = new Uint32Array(size).map((_, i) => i);
    }
    spikes.push({ type: 'spikes', population, stem, populationSize: size, neurons, steps, trials, senders });
  }
  return { dir, summary, spikes };
}
