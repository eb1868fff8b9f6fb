/**
 * Spike trains from `.npy` files (Node): a population of model `spike_source_array` may give
 * `"spike_times_npy": {"times_ms": "X_times.npy", "neurons": "X_neurons.npy", "trials": "X_trials.npy"}`
 * instead of `spike_times_ms`: one-dimensional arrays with one entry per spike (time in ms; neuron
 * index; optionally trial index, 0 … batch−1), in any order (each neuron's spikes are sorted by
 * time). Paths are relative to the spec file. {@link resolveSpikeTrainFiles} reads them and
 * writes `spike_times_ms` (per neuron, or per trial when `trials` is given: `batch` lists);
 * `cortexgpu run` and `validate` do this before validating.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { decodeNpy } from '../io/npy.js';
import { SpecError } from '../model/schema.js';
import { spikeTimesFromArrays } from '../model/spike_trains.js';

const FILE_KEYS = ['times_ms', 'neurons', 'trials'] as const;

/**
 * Replace every population's `spike_times_npy` by the `spike_times_ms` its files hold.
 * @param spec a parsed (not yet validated) spec; returned unchanged when no population uses files
 * @param baseDir folder that relative paths start from (the spec file's)
 * @param source named in errors (the spec file)
 * @throws SpecError naming the field (`populations[2].spike_times_npy.times_ms: cannot read …`)
 */
export async function resolveSpikeTrainFiles(spec: unknown, baseDir: string, source?: string): Promise<unknown> {
  const populations = (spec as { populations?: unknown } | null)?.populations;
  if (!Array.isArray(populations) || !populations.some((p) => (p as Record<string, unknown> | null)?.['spike_times_npy'] !== undefined)) return spec;
  const fail = (path: string, message: string): never => {
    throw new SpecError([{ path, message }], source !== undefined ? { source } : {});
  };
  const batch = (spec as { batch?: unknown }).batch;
  const resolved = await Promise.all(populations.map(async (raw: unknown, i) => {
    const pop = raw as Record<string, unknown> | null;
    const files = pop?.['spike_times_npy'];
    if (files === undefined || pop === null) return raw;
    const path = `populations[${i}].spike_times_npy`;
    if (pop['spike_times_ms'] !== undefined) fail(path, 'give spike_times_ms or spike_times_npy, not both; remove one');
    if (typeof files !== 'object' || files === null || Array.isArray(files)) {
      return fail(path, 'must be an object of .npy file names, e.g. {"times_ms": "X_times.npy", "neurons": "X_neurons.npy"} (optional "trials")');
    }
    const record = files as Record<string, unknown>;
    for (const key of Object.keys(record)) if (!(FILE_KEYS as readonly string[]).includes(key)) fail(`${path}.${key}`, `unknown key; use ${FILE_KEYS.join(', ')}`);
    const arrays: Partial<Record<(typeof FILE_KEYS)[number], ArrayLike<number>>> = {};
    for (const key of FILE_KEYS) {
      const name = record[key];
      if (name === undefined) {
        if (key !== 'trials') fail(`${path}.${key}`, `is required: the .npy file of each spike's ${key === 'times_ms' ? 'time, ms' : 'neuron index'}`);
        continue;
      }
      if (typeof name !== 'string') return fail(`${path}.${key}`, `must be a .npy file name (got ${JSON.stringify(name)})`);
      const file = isAbsolute(name) ? name : join(baseDir, name);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(file));
      } catch (error) {
        return fail(`${path}.${key}`, `cannot read '${file}': ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
      }
      try {
        const decoded = decodeNpy(bytes);
        if (decoded.shape.length !== 1) fail(`${path}.${key}`, `'${name}' must be one-dimensional, one entry per spike (got shape [${decoded.shape.join(', ')}])`);
        arrays[key] = decoded.data;
      } catch (error) {
        if (error instanceof SpecError) throw error;
        fail(`${path}.${key}`, `'${name}': ${(error as Error).message}`);
      }
    }
    const size = pop['size'];
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) return fail(`populations[${i}].size`, 'must be a positive integer to read spike trains from files');
    let times: number[][] | number[][][];
    try {
      times = spikeTimesFromArrays(arrays.times_ms!, arrays.neurons!, size, arrays.trials, arrays.trials !== undefined && typeof batch === 'number' ? batch : undefined);
    } catch (error) {
      return fail(path, (error as Error).message);
    }
    const { spike_times_npy: _files, ...rest } = pop;
    return { ...rest, spike_times_ms: times };
  }));
  return { ...(spec as object), populations: resolved };
}
