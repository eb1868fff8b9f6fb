/**
 * The `cortexgpu` command line:
 *
 * - `cortexgpu run SPEC.json --duration MS --out DIR`: simulate a network spec on the GPU and
 *   write `summary.json` plus one `.npy` file per recorder into DIR (and `spikes.nwb`, every
 *   spike recorder's spikes as NWB 2.x units, when the spec has spike recorders); SPEC may be a
 *   SONATA simulation or circuit config (`src/io/sonata-import.ts`), whose run also writes
 *   `spikes.h5` in SONATA's output layout;
 * - `cortexgpu validate SPEC.json`: check a spec, describe it and estimate its GPU memory against
 *   the budget and the adapter's limits (refused with exit code 2 when it will not fit);
 * - `cortexgpu info`: the adapter, the device limits cortexgpu uses and the default memory budget;
 * - `cortexgpu example pd14`: print a built-in network spec as JSON;
 * - `cortexgpu models [NAME]`: the neuron models, or one model's parameters (`src/cli/models.ts`);
 * - `cortexgpu fisher --a A.npy --b B.npy --ds DS`: linear Fisher information, shuffled
 *   information and redundancy of (trials × neurons) responses to two stimuli; or with
 *   `--nwb FILE.nwb --window START_MS,END_MS --condition-column COL --a A --b B`, of spike counts
 *   of an NWB file's units in the trials of two conditions (`src/io/nwb.ts`);
 * - `cortexgpu plot RUN_DIR [RUN_DIR ...]`: raster, rate, ISI and CV-ISI figures of run folders
 *   (`src/cli/plot.ts`).
 *
 * `--import MODULE` (before or after the command, repeatable) imports ES modules first, e.g. ones
 * that register neuron models written in TypeScript (`src/cli/imports.ts`).
 *
 * Exit codes: 0 success; 2 a problem with the input or the machine that the message explains
 * (invalid spec or options, missing or unreadable file, network too large, no GPU, diverging
 * dynamics, lost device, data the Fisher analysis cannot use); 1 an unexpected error (printed with its stack: a bug to report); 130 a run stopped
 * with Ctrl-C. A failed or interrupted run writes nothing, except that a run whose dynamics
 * diverged writes the recordings of the steps before the divergence and a summary.json with
 * `"status": "diverged"` and where (then exits with code 2).
 *
 * {@link main} takes its argv and output streams as arguments so that tests can call it
 * in-process; `bin/cortexgpu.js` calls it with `process.argv`.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { resolveSpikeTrainFiles } from '../node/spike-train-files.js';
import { resolveEdgeListFiles } from '../node/edge-list-files.js';
import { openOutput, OutputPathError } from './output.js';
import { integerInRange, nonNegativeNumber, nonZeroNumber, positiveNumber } from './options.js';
import { ExperimentUsageError, registerExperimentCommand } from './experiment.js';
import { registerModelsCommand } from './models.js';
import { ImportModuleError, importUserModules } from './imports.js';
import { PlotCommandError, registerPlotCommand } from './plot.js';
import { divergenceSummary, recordingsBeforeStep } from './divergence.js';
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { exportSonata, SonataError, sonataSpikesWriter, type SonataPopulationSpikes } from '../io/sonata.js';
import { importSonata, isSonataConfig, type SonataImport } from '../io/sonata-import.js';
import { hdf5Bytes } from '../io/hdf5.js';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { createNodeSimulator } from '../node/index.js';
import { nodeGpu } from '../node/gpu.js';
import { DivergenceError, type GpuSimulator, type RunProgress, type RunReport } from '../gpu/simulator.js';
import { DeviceLostError, GpuUnavailableError, type GpuContext } from '../gpu/context.js';
import { DEFAULT_MEMORY_BUDGET_RULE, NetworkTooLargeError, defaultMemoryBudget, formatBytes, type MemoryBudget } from '../gpu/memory.js';
import { checkMemoryEstimate, estimateNetworkMemory, type MemoryEstimate, type MemoryItem, type MemoryVerdict, type ProjectionMemory } from '../gpu/sizing.js';
import { SpecError, parseSpecJson, resolveRunTiming, resolveSpecDefaults, validateSpec, type RunTiming } from '../model/schema.js';
import { GENERATED_EXAMPLE, listExamples, loadExample } from './examples.js';
import { estimateSynapses } from '../model/plan.js';
import { findNeuronModel } from '../model/registry.js';
import type { NetworkSpec } from '../model/spec.js';
import type { Recording, SpikeRecording } from '../model/recording.js';
import { encodeNpy, type NpyData } from '../io/npy.js';
import { Hdf5Error } from '../io/hdf5.js';
import { NwbError, encodeNwbSpikes, nwbResponseMatrices, readNwbSpikes, spikeRecordingsToNwb } from '../io/nwb.js';
import { rateFromPopulationRate, spikeStatistics } from '../analysis/spike-statistics.js';
import { pd14Spec } from '../model/library/pd14.js';
import {
  FISHER_DEFAULT_DECODER_FOLDS, FISHER_DEFAULT_SEED, FisherError, checkFiniteResponses, fisherInformation,
  type FisherOptions, type FisherResult,
} from '../analysis/fisher.js';
import { DataFileError, loadResponseMatrix, type ResponseMatrix } from '../analysis/data.js';
import { computeFisherGpu } from '../gpu/analysis/fisher-gpu.js';
import { nodeShaderLoader } from '../node/shaders.js';

/** Where the CLI writes and how it ends; injectable for tests. */
export interface CliIo {
  /** Results (JSON for `example`, descriptions, the run summary). */
  readonly stdout: { write(text: string): unknown };
  /** Messages, progress and errors; a progress bar is drawn only when `isTTY` is true. */
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  /** Called once with the exit code when the command ends (default: sets `process.exitCode`). */
  readonly exit: (code: number) => void;
}

/** A problem the user can fix, reported as one message without a stack trace (exit code 2). */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** A run stopped by Ctrl-C (exit code 130, as shells report SIGINT). */
export class CliInterruptedError extends Error {
  override readonly name = 'CliInterruptedError';
}

/** Exit code for errors the message explains (input, machine). */
export const EXIT_USER_ERROR = 2;
/** Exit code for unexpected errors (bugs). */
export const EXIT_INTERNAL_ERROR = 1;
/** Exit code of a run interrupted by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

const DEFAULT_IO: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (code) => {
    process.exitCode = code;
  },
};

/**
 * Run the command line.
 *
 * @param argv as `process.argv`: the first two entries (node and the script) are skipped
 * @param io output streams and exit; defaults to the process's
 * @returns the exit code (also passed to `io.exit`)
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const out: CliIo = { ...DEFAULT_IO, ...io };
  let code = 0;
  try {
    await buildProgram(out).parseAsync([...argv], { from: 'node' });
  } catch (error) {
    code = reportError(error, out);
  }
  out.exit(code);
  return code;
}

/** Print an error the way its kind deserves and return the exit code. */
function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
    return EXIT_USER_ERROR;
  }
  if (error instanceof CliInterruptedError) {
    io.stderr.write(`cortexgpu: ${error.message}\n`);
    return EXIT_INTERRUPTED;
  }
  if (
    error instanceof CliUsageError || error instanceof SpecError || error instanceof NetworkTooLargeError ||
    error instanceof GpuUnavailableError || error instanceof DivergenceError || error instanceof DeviceLostError ||
    error instanceof FisherError || error instanceof DataFileError || error instanceof OutputPathError || error instanceof ExperimentUsageError ||
    error instanceof PlotCommandError || error instanceof ImportModuleError || error instanceof NwbError || error instanceof Hdf5Error ||
    error instanceof SonataError
  ) {
    const kind = error instanceof CliUsageError || error instanceof SpecError || error instanceof OutputPathError || error instanceof ExperimentUsageError || error instanceof PlotCommandError || error instanceof ImportModuleError ? '' : `${error.name}: `;
    io.stderr.write(`cortexgpu: ${kind}${error.message}\n`);
    return EXIT_USER_ERROR;
  }
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  io.stderr.write(`cortexgpu: unexpected error (please report it with the command and spec that caused it):\n${detail}\n`);
  return EXIT_INTERNAL_ERROR;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------
// Program
// ---------------------------------------------------------------------------------------------

interface RunOptions {
  duration?: number;
  out: string;
  warmup?: number;
  stepsPerSubmit?: number;
  stepsPerDispatch?: number;
  merge?: boolean;
  persistent?: 'auto' | 'on' | 'off';
  software?: 'lavapipe' | 'swiftshader';
  gpuMemoryGib?: number;
  quiet?: boolean;
  saveConnectivity?: boolean;
}

function buildProgram(io: CliIo): Command {
  const program = new Command('cortexgpu');
  program
    .description('WebGPU simulator of large rate and spiking neural populations')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)')
    .option(
      '--import <module>',
      'ES module (.mjs path) to import before the command, repeatable: e.g. one that registers neuron models (registerNeuronModel, or exported definitions), so that models, validate and run know them',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .hook('preAction', async () => {
      await importUserModules(program.opts<{ import?: string[] }>().import ?? []);
    });

  const gpuMemoryHelp = `GPU memory the network may use, GiB (> 0; default: ${DEFAULT_MEMORY_BUDGET_RULE}; \`cortexgpu info\` shows this machine's)`;
  const softwareOption = (): Option =>
    new Option('--software <driver>', 'use a software Vulkan driver even when a GPU exists').choices(['lavapipe', 'swiftshader']);

  program
    .command('run')
    .description(
      'simulate a network spec and write summary.json and one .npy file per recorder into DIR, and, when the spec has spike recorders, ' +
        'spikes.nwb: every spike recorder\'s spikes as NWB 2.x units (columns population, neuron_index, recorder; trial k of the batch ' +
        'at [k·T, (k+1)·T) s, T the duration, listed in /intervals/trials with batch_index)',
    )
    .argument('<spec>', 'network spec (JSON file), or a SONATA simulation_config.json / circuit_config.json (imported; the run also writes the spikes in SONATA\'s layout, spikes.h5)')
    .option('--duration <ms>', 'simulated time, ms (> 0; default: the spec\'s run.duration_ms, or a SONATA config\'s run.tstop)', positiveNumber('--duration'))
    .requiredOption('--out <dir>', 'output folder (created if needed; existing files of the same name are replaced)')
    .option('--warmup <ms>', 'initial time left out of the rate and CV statistics, ms, shorter than the run (default: the spec\'s run.warmup_ms, else min(200, duration/5)); recordings keep everything', nonNegativeNumber('--warmup'))
    .option('--steps-per-submit <n>', 'steps encoded per GPU command buffer (1-10000; default 200)', integerInRange('--steps-per-submit', 1, 10000))
    .option('--steps-per-dispatch <n>', 'at most this many steps per update dispatch (1-64; default: the most the network allows, its minimum synaptic delay; results are bitwise the same)', integerInRange('--steps-per-dispatch', 1, 64))
    .option('--no-merge', 'one update dispatch per population instead of one per neuron model (results are bitwise the same)')
    .addOption(new Option('--persistent <mode>', 'persistent mode, one workgroup advancing a whole command buffer: auto (for small networks, timed against the dispatch schedule once past the first 500 steps, the faster kept), on, off (results are bitwise the same)').choices(['auto', 'on', 'off']))
    .addOption(softwareOption())
    .option('--gpu-memory-gib <gib>', gpuMemoryHelp, positiveNumber('--gpu-memory-gib'))
    .option('--quiet', 'print nothing but errors')
    .option('--save-connectivity', 'also write each projection\'s synapses, read back from the GPU: synapses_<projection>.npy (N × 3 uint32: source, target, delay in steps; rows by source, each sorted by target) and weights_<projection>.npy (N float32, the spec\'s weights)')
    .action(async (specPath: string, options: RunOptions) => {
      await runCommand(specPath, options, io);
    });

  program
    .command('validate')
    .description(
      'check a network spec, describe it (populations, sizes, expected synapses) and estimate its GPU memory per population and projection ' +
        'against the budget and the limits of the adapter `run` would use; exits with 2 when it will not fit',
    )
    .argument('<spec>', 'network spec (JSON file)')
    .addOption(softwareOption())
    .option('--gpu-memory-gib <gib>', gpuMemoryHelp, positiveNumber('--gpu-memory-gib'))
    .option('--json', 'print the description and the memory estimate as one JSON object instead')
    .action(async (specPath: string, options: ValidateOptions) => {
      await validateCommand(specPath, options, io);
    });

  program
    .command('export')
    .description('write a network spec in another format: sonata — a SONATA network with NEST point-neuron templates (nodes.h5, edges.h5 with the engine\'s synapses for the spec\'s seed, type CSVs, NEST parameter files, circuit and simulation configs) and run_nest.py, to run it on a cluster with NEST (mpirun -np N python3 run_nest.py)')
    .addArgument(new Argument('<format>', 'output format').choices(['sonata']))
    .argument('<spec>', 'network spec (JSON file)')
    .requiredOption('--out <dir>', 'output folder (created; files of the same name are replaced)')
    .action(async (_format: string, specPath: string, options: { out: string }) => {
      const spec = await readSpec(specPath);
      const result = await exportSonata(spec, options.out);
      const synapses = Object.values(result.edges).reduce((a, b) => a + b, 0);
      io.stdout.write(`wrote a SONATA network to ${options.out}: ${Object.keys(result.nodes).length} node populations (${Object.values(result.nodes).reduce((a, b) => a + b, 0)} neurons), ` +
        `${Object.keys(result.edges).length} edge populations (${synapses} synapses); run it with NEST: cd ${options.out} && mpirun -np 4 python3 run_nest.py\n`);
    });

  program
    .command('info')
    .description('print the WebGPU adapter, the device limits cortexgpu uses and the default memory budget of a network')
    .addOption(softwareOption())
    .action(async (options: { software?: 'lavapipe' | 'swiftshader' }) => {
      const context = await nodeGpu({ verbose: false, ...(options.software ? { software: options.software } : {}) });
      io.stdout.write(describeContext(context));
    });

  program
    .command('example')
    .description('print an example network spec as JSON (redirect it into a file to edit or run it); without NAME, list the examples')
    .argument('[name]', 'example network (pd14 is generated at any --scale; the others are the files in examples/)')
    .option('--scale <s>', 'pd14: neuron-count scale, (0, 1] (default 0.1)', positiveNumber('--scale'))
    .addOption(new Option('--background <kind>', 'pd14: background input (default poisson)').choices(['poisson', 'dc']))
    .option('--record-fraction <f>', 'pd14: fraction of each population whose spikes are recorded, (0, 1]', positiveNumber('--record-fraction'))
    .option('--k-scale <k>', 'pd14: in-degree scale, (0, 1] (default 1: full in-degrees); below 1, synapse numbers × k, weights / √k and a DC current per population restoring the lost mean input (the reference\'s K_scaling; e.g. --scale 0.1 --k-scale 0.1)', positiveNumber('--k-scale'))
    .option('--seed <n>', 'seed of every random draw', integerInRange('--seed', 0, 2 ** 32 - 1))
    .option('--dt <ms>', 'integration step, ms', positiveNumber('--dt'))
    .option('--duration <ms>', 'run.duration_ms written into the spec, ms', positiveNumber('--duration'))
    .action((name: string | undefined, options: ExampleOptions) => {
      io.stdout.write(name === undefined ? formatExampleList() : formatSpecJson(exampleSpec(name, options)));
    });

  program
    .command('fisher')
    .description(
      'linear Fisher information, shuffled information and redundancy from (trials × neurons) responses to two stimuli: ' +
        '.npy/.csv files (--a A.npy --b B.npy), or the spike counts of an NWB file\'s units in the trials of two conditions ' +
        '(--nwb FILE.nwb --window START_MS,END_MS --condition-column COL --a VALUE --b VALUE)',
    )
    .option('--a <file|value>', 'responses to stimulus s_a: (trials × neurons) .npy (float32, float64 or integer counts) or .csv; with --nwb, the condition value of s_a')
    .option('--b <file|value>', 'responses to stimulus s_b = s_a + ds: the same neurons in the same order; with --nwb, the condition value of s_b')
    .option('--nwb <file>', 'NWB 2.x file: count each unit\'s spikes in --window of each trial of /intervals/trials whose --condition-column is --a or --b')
    .option('--window <start,end>', 'with --nwb: counting window [START, END) in ms after each trial\'s start_time (or --align-column), e.g. 0,500', windowOption)
    .option('--align-column <col>', 'with --nwb: trials column of the times (s) the window is relative to (default: start_time)')
    .option('--condition-column <col>', 'with --nwb: trials column holding each trial\'s condition')
    .option('--units-column <col>', 'with --nwb: units column selecting the units, with --units-value (e.g. population)')
    .option('--units-value <value>', 'with --nwb: value of --units-column a unit must have (e.g. E)')
    .requiredOption('--ds <ds>', 'stimulus difference s_b − s_a (non-zero); informations are in 1/(unit of ds)², e.g. rad⁻²', nonZeroNumber('--ds'))
    .option('--json', 'print one JSON object on stdout instead of a table')
    .option('--ridge <lambda>', 'add λ (response units²) to the diagonal of the pooled covariance (opt-in, recorded in the output)', nonNegativeNumber('--ridge'))
    .addOption(
      new Option('--unequal <mode>', 'unequal trial counts: subsample the larger condition (seeded, with a warning), use the exact unequal-count estimator (all trials), or refuse')
        .choices(['subsample', 'exact', 'error'])
        .default('subsample'),
    )
    .option('--cpu', 'compute with the float64 CPU reference instead of the GPU')
    .option('--decoder-folds <k>', 'folds of the cross-validated linear decoder (0 = off)', decoderFoldsOption, FISHER_DEFAULT_DECODER_FOLDS)
    .option('--allow-invalid-t', 'compute even when T < (N+5)/2 (the results are flagged valid: false)')
    .option('--seed <n>', 'seed of the trial subsampling and of the decoder folds', integerInRange('--seed', 0, 2 ** 32 - 1), FISHER_DEFAULT_SEED)
    .addOption(softwareOption())
    .action(async (options: FisherCliOptions) => {
      await fisherCommand(options, io);
    });

  registerExperimentCommand(program, io, softwareOption);
  registerModelsCommand(program, io);
  registerPlotCommand(program, io);
  return program;
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by commands
// ---------------------------------------------------------------------------------------------

/** Read and validate a spec file (or import a SONATA config); a missing or unreadable file is a usage error. */
async function readSpec(specPath: string): Promise<NetworkSpec> {
  return (await readSpecOrSonata(specPath)).spec;
}

/**
 * A spec file, or a SONATA simulation or circuit config imported as a spec (with where its
 * populations' neurons come from, for spikes.h5).
 */
async function readSpecOrSonata(specPath: string): Promise<{ spec: NetworkSpec; sonata: SonataImport | null }> {
  let text: string;
  try {
    text = await readFile(specPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new CliUsageError(`cannot read the spec file '${specPath}': ${why}.`);
  }
  // A SONATA config (networks / network / manifest, no populations) is imported.
  if (/"(networks|network|manifest)"\s*:/.test(text)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch {
      parsed = undefined;
    }
    if (isSonataConfig(parsed)) {
      const sonata = await importSonata(specPath);
      return { spec: sonata.spec, sonata };
    }
  }
  return { spec: await readSpecFile(specPath, text), sonata: null };
}

/** A cortexgpu spec file's text, with .npy files it names read next to it, validated. */
async function readSpecFile(specPath: string, text: string): Promise<NetworkSpec> {
  // Spike trains (spike_times_npy) and edge lists given as .npy files are read next to the spec, then validated.
  const spikeFiles = text.includes('"spike_times_npy"');
  const edgeFiles = text.includes('"edge_list"');
  if (spikeFiles || edgeFiles) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch {
      return parseSpecJson(text, specPath);
    }
    if (spikeFiles) parsed = await resolveSpikeTrainFiles(parsed, dirname(specPath), specPath);
    if (edgeFiles) {
      parsed = await resolveEdgeListFiles(parsed, dirname(specPath), specPath);
      // Typed arrays from the files do not survive JSON text: validate the object itself.
      try {
        return validateSpec(parsed);
      } catch (error) {
        if (error instanceof SpecError) throw new SpecError(error.issues, { source: specPath, omittedIssues: error.omittedIssues });
        throw error;
      }
    }
    return parseSpecJson(JSON.stringify(parsed), specPath);
  }
  return parseSpecJson(text, specPath);
}

/** A spec as JSON with one line per population, projection, input and recorder. */
export function formatSpecJson(spec: NetworkSpec): string {
  const inline = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
    if (typeof value === 'object' && value !== null) {
      return `{ ${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')} }`;
    }
    return JSON.stringify(value);
  };
  const lines = Object.entries(spec)
    .filter(([, v]) => v !== undefined)
    .map(([key, value]) => {
      if (Array.isArray(value)) {
        const items = value.map((item) => `    ${inline(item)}`).join(',\n');
        return `  ${JSON.stringify(key)}: [${value.length > 0 ? `\n${items}\n  ` : ''}]`;
      }
      return `  ${JSON.stringify(key)}: ${inline(value)}`;
    });
  return `{\n${lines.join(',\n')}\n}\n`;
}

interface ExampleOptions {
  scale?: number;
  background?: 'poisson' | 'dc';
  recordFraction?: number;
  kScale?: number;
  seed?: number;
  dt?: number;
  duration?: number;
}

/** `cortexgpu example` without a name: every example with its description. */
function formatExampleList(): string {
  const entries = listExamples();
  const width = Math.max(...entries.map((e) => e.name.length));
  const lines = entries.map((e) => `  ${e.name.padEnd(width)}  ${e.description}`);
  return `Example networks (cortexgpu example NAME > spec.json; cortexgpu run spec.json --out DIR):\n${lines.join('\n')}\n`;
}

/** The spec of one example with the options applied; options that do not apply are refused by name. */
function exampleSpec(name: string, options: ExampleOptions): NetworkSpec {
  let spec: NetworkSpec;
  if (name === GENERATED_EXAMPLE) {
    const scale = options.scale ?? 0.1;
    if (scale > 1) throw new CliUsageError(`--scale must be in (0, 1] (got ${scale}).`);
    if (options.recordFraction !== undefined && options.recordFraction > 1) throw new CliUsageError(`--record-fraction must be in (0, 1] (got ${options.recordFraction}).`);
    if (options.kScale !== undefined && options.kScale > 1) throw new CliUsageError(`--k-scale must be in (0, 1] (got ${options.kScale}).`);
    if (options.duration !== undefined && options.duration <= 100) throw new CliUsageError(`--duration must be longer than pd14's 100 ms warm-up (got ${options.duration}).`);
    spec = pd14Spec({
      scale,
      background: options.background ?? 'poisson',
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.dt !== undefined ? { dt_ms: options.dt } : {}),
      ...(options.recordFraction !== undefined ? { recordFraction: options.recordFraction } : {}),
      ...(options.kScale !== undefined ? { kScale: options.kScale } : {}),
      ...(options.duration !== undefined ? { durationMs: options.duration } : {}),
    });
  } else {
    const pd14Only = (['scale', 'background', 'recordFraction', 'kScale'] as const).filter((k) => options[k] !== undefined);
    if (pd14Only.length > 0) {
      const flags = pd14Only.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
      throw new CliUsageError(`${flags} ${pd14Only.length === 1 ? 'applies' : 'apply'} only to the generated pd14 example, not to '${name}'.`);
    }
    try {
      spec = loadExample(name);
    } catch (error) {
      if (error instanceof SpecError) throw error;
      throw new CliUsageError((error as Error).message);
    }
    const run = options.duration !== undefined
      ? { ...spec.run, duration_ms: options.duration, ...(spec.run?.warmup_ms !== undefined && spec.run.warmup_ms >= options.duration ? { warmup_ms: options.duration / 5 } : {}) }
      : spec.run;
    spec = {
      ...spec,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.dt !== undefined ? { dt_ms: options.dt } : {}),
      ...(run !== undefined ? { run } : {}),
    };
  }
  return validateSpec(spec);
}

interface ValidateOptions {
  software?: 'lavapipe' | 'swiftshader';
  gpuMemoryGib?: number;
  json?: boolean;
}

/**
 * `validate`: the description of the spec, then its GPU memory (estimated from the spec, nothing
 * built) against the budget `run` would use on this machine's adapter and that adapter's
 * per-buffer limits; a network that will not fit is refused (NetworkTooLargeError, exit code 2).
 */
async function validateCommand(specPath: string, options: ValidateOptions, io: CliIo): Promise<void> {
  const spec = await readSpec(specPath);
  const estimate = estimateNetworkMemory(spec);
  // The adapter `run` would get: its limits and whether it is software decide the check.
  let context: GpuContext | null = null;
  let noAdapter: string | null = null;
  try {
    context = await nodeGpu({ verbose: false, ...(options.software ? { software: options.software } : {}) });
  } catch (error) {
    if (!(error instanceof GpuUnavailableError)) throw error;
    noAdapter = error.message;
  }
  const budget: MemoryBudget = options.gpuMemoryGib !== undefined
    ? { bytes: options.gpuMemoryGib * 1024 ** 3, rule: 'set by --gpu-memory-gib' }
    : context !== null
      ? defaultMemoryBudget(context.info, totalmem())
      : (() => {
        const assumed = defaultMemoryBudget({ runtime: 'node', software: false }, totalmem());
        return { bytes: assumed.bytes, rule: `${assumed.rule}, assumed: no WebGPU adapter here` };
      })();
  const verdict = checkMemoryEstimate(estimate, budget, context?.limits ?? null);
  if (options.json === true) {
    io.stdout.write(`${JSON.stringify(validationJson(spec, specPath, estimate, verdict, context, noAdapter), null, 2)}\n`);
  } else {
    io.stdout.write(describeSpec(spec, specPath));
    io.stdout.write(formatMemoryTable(estimate, verdict, context, noAdapter));
  }
  if (!verdict.fits) {
    const first = verdict.problems[0]!;
    throw new NetworkTooLargeError(`'${specPath}' will not fit ${context !== null ? `on ${context.info.label}` : 'the assumed budget'}:\n${verdict.message}`, first.requiredBytes, first.availableBytes);
  }
}

/** The memory table of `validate`: every population, projection and recorder, the total, the budget and the verdict. */
function formatMemoryTable(estimate: MemoryEstimate, verdict: MemoryVerdict, context: GpuContext | null, noAdapter: string | null): string {
  const size = (bytes: number): string => formatBytes(bytes, { exact: false });
  const items: (MemoryItem | ProjectionMemory)[] = [...estimate.populations, ...estimate.projections, ...estimate.recorders, estimate.engine];
  const width = Math.min(44, Math.max(...items.map((item) => item.owner.length), 'budget'.length));
  const line = (label: string, bytes: string, detail: string): string => `  ${label.padEnd(width)} ${bytes.padStart(11)}   ${detail}`;
  const lines = [
    `GPU memory (estimated from the spec before building; batch ${estimate.batch}, ${estimate.stepsPerSubmit} steps per command buffer):`,
    ...items.map((item) => {
      const synapses = 'synapses' in item ? `~${Math.round(item.synapses).toLocaleString('en-US')} synapses; ` : '';
      return line(item.owner, size(item.bytes), `${synapses}${item.layout}`);
    }),
    line('total', size(verdict.totalBytes), percentOf(verdict.totalBytes, verdict.budget.bytes)),
    line('budget', size(verdict.budget.bytes), verdict.budget.rule),
  ];
  if (context !== null) {
    const bindings = estimate.buffers.filter((b) => b.storageBinding).sort((a, b) => b.bytes - a.bytes);
    const rows = [...estimate.projections].sort((a, b) => b.largestRowBytes - a.largestRowBytes);
    const biggest = bindings[0];
    const row = rows[0];
    lines.push(
      `  adapter ${context.info.label}: maxStorageBufferBindingSize ${size(context.limits.maxStorageBufferBindingSize)}, maxBufferSize ${size(context.limits.maxBufferSize)}`,
      ...(biggest !== undefined ? [`  largest storage binding: ${size(biggest.bytes)} (${biggest.owner}, ${biggest.purpose})`] : []),
      ...(row !== undefined && row.largestRowBytes > 0 ? [`  largest synapse row: up to ${Math.round(row.largestRowSynapses).toLocaleString('en-US')} synapses, ${size(row.largestRowBytes)} per array (${row.owner})`] : []),
    );
  } else {
    lines.push(`  per-buffer limits not checked: ${noAdapter ?? 'no adapter'}`);
  }
  for (const note of estimate.notes) lines.push(`  note: ${note}`);
  lines.push(verdict.fits ? 'memory: OK, fits the budget and the device limits' : `memory: DOES NOT FIT (${verdict.problems.length} problem${verdict.problems.length === 1 ? '' : 's'}, see the message on stderr)`);
  return `${lines.join('\n')}\n`;
}

/** `12.5 % of the budget`, with a precision that suits the size. */
function percentOf(bytes: number, budgetBytes: number): string {
  if (!(budgetBytes > 0)) return '';
  const pct = (100 * bytes) / budgetBytes;
  const text = pct >= 100 ? pct.toFixed(0) : pct >= 1 ? pct.toFixed(1) : pct >= 0.01 ? pct.toFixed(2) : '< 0.01';
  return `${text} % of the budget`;
}

/** `validate --json`: the spec's summary and the memory estimate, bytes as numbers. */
function validationJson(spec: NetworkSpec, specPath: string, estimate: MemoryEstimate, verdict: MemoryVerdict, context: GpuContext | null, noAdapter: string | null): Record<string, unknown> {
  const { dt_ms, seed, batch, name } = resolveSpecDefaults(spec);
  const item = (it: MemoryItem): Record<string, unknown> => ({
    name: it.name, owner: it.owner, bytes: it.bytes, layout: it.layout,
    buffers: it.buffers.map((b) => ({ purpose: b.purpose, bytes: b.bytes })),
  });
  return {
    spec_file: specPath,
    valid: true,
    network: name,
    dt_ms,
    seed,
    batch,
    populations: spec.populations.map((p) => ({ name: p.name, model: p.model, size: p.size })),
    memory: {
      fits: verdict.fits,
      total_bytes: verdict.totalBytes,
      budget_bytes: verdict.budget.bytes,
      budget_rule: verdict.budget.rule,
      adapter: context?.info.label ?? null,
      no_adapter: noAdapter,
      limits: context === null ? null : { maxBufferSize: context.limits.maxBufferSize, maxStorageBufferBindingSize: context.limits.maxStorageBufferBindingSize },
      steps_per_submit: estimate.stepsPerSubmit,
      populations: estimate.populations.map(item),
      projections: estimate.projections.map((p) => ({
        ...item(p), mode: p.mode, synapses: p.synapses, procedural: p.procedural, per_synapse_delays: p.perSynapseDelays,
        largest_row_synapses: p.largestRowSynapses, largest_row_bytes: p.largestRowBytes,
      })),
      recorders: estimate.recorders.map(item),
      engine: item(estimate.engine),
      largest: verdict.largest.map((it) => ({ owner: it.owner, bytes: it.bytes })),
      problems: verdict.problems.map((p) => ({ owner: p.owner, purpose: p.purpose, limit: p.limit, required_bytes: p.requiredBytes, available_bytes: p.availableBytes, message: p.message })),
      advice: verdict.advice,
      notes: estimate.notes,
    },
  };
}

function describeSpec(spec: NetworkSpec, source: string): string {
  const { dt_ms, seed, batch, name } = resolveSpecDefaults(spec);
  const sizes = new Map(spec.populations.map((p) => [p.name, p.size]));
  const neurons = spec.populations.reduce((s, p) => s + p.size, 0);
  const lines = [`${source}: valid network spec '${name}' (dt ${dt_ms} ms, batch ${batch}, seed ${seed})`];
  if (spec.description !== undefined) lines.push(`  ${spec.description}`);
  if (spec.run?.duration_ms !== undefined) {
    const timing = resolveRunTiming(spec);
    lines.push(`run: ${timing.durationMs} ms, warm-up ${timing.warmupMs} ms${timing.source.warmup === 'default' ? ' (default)' : ''}`);
  } else {
    lines.push('run: no run.duration_ms in the spec; give --duration to run');
  }
  lines.push(`populations (${spec.populations.length}, ${neurons.toLocaleString('en-US')} neurons):`);
  for (const p of spec.populations) lines.push(`  ${p.name.padEnd(16)} ${p.model.padEnd(15)} ${p.size.toLocaleString('en-US').padStart(12)} neurons`);
  const projections = spec.projections ?? [];
  let synapses = 0;
  const projectionLines = projections.map((q, i) => {
    const n = estimateSynapses(q, sizes.get(q.source)!, sizes.get(q.target)!);
    synapses += n;
    const label = q.name ?? `${q.source}->${q.target}#${i}`;
    return `  ${label.padEnd(24)} ${q.connector.type.padEnd(18)} ${Math.round(n).toLocaleString('en-US').padStart(14)} synapses${q.receptor === 'inhibitory' ? ' (inhibitory)' : ''}`;
  });
  lines.push(`projections (${projections.length}, ~${Math.round(synapses).toLocaleString('en-US')} synapses expected):`, ...projectionLines);
  const inputs = spec.inputs ?? [];
  if (inputs.length > 0) lines.push(`inputs (${inputs.length}): ${inputs.map((i) => `${i.type}→${i.target}`).join(', ')}`);
  const recorders = spec.recorders ?? [];
  lines.push(`recorders (${recorders.length})${recorders.length > 0 ? `: ${recorders.map((r) => `${r.type}(${r.population}${r.type === 'state' ? `.${r.variable}` : ''})`).join(', ')}` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** The limits cortexgpu asks for (see `openContext`) and the default memory budget ({@link defaultMemoryBudget}). */
function describeContext(context: GpuContext): string {
  const info = context.info;
  const limitNames = [
    'maxBufferSize', 'maxStorageBufferBindingSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupsPerDimension',
    'maxUniformBuffersPerShaderStage', 'maxDynamicUniformBuffersPerPipelineLayout',
  ];
  const limits = context.limits as unknown as Record<string, number>;
  const bytes = (name: string): boolean => name.endsWith('Size') && name !== 'maxComputeWorkgroupSizeX';
  const budget = defaultMemoryBudget(info, totalmem());
  const lines = [
    `adapter: ${info.label}`,
    `  vendor: ${info.vendor || '-'}, architecture: ${info.architecture || '-'}, device: ${info.device || '-'}, description: ${info.description || '-'}`,
    `  software: ${info.software ? 'yes' : 'no'}, runtime: ${info.runtime}`,
    'limits granted to cortexgpu:',
    ...limitNames.map((name) => `  ${name.padEnd(42)} ${bytes(name) ? formatBytes(limits[name] ?? 0) : String(limits[name])}`),
    `default memory budget of a network: ${formatBytes(budget.bytes, { exact: false })}, ${budget.rule}; change it with run / validate --gpu-memory-gib`,
  ];
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// fisher
// ---------------------------------------------------------------------------------------------

interface FisherCliOptions {
  a?: string;
  b?: string;
  nwb?: string;
  window?: [number, number];
  alignColumn?: string;
  conditionColumn?: string;
  unitsColumn?: string;
  unitsValue?: string;
  ds: number;
  json?: boolean;
  ridge?: number;
  unequal: 'subsample' | 'exact' | 'error';
  cpu?: boolean;
  decoderFolds: number;
  allowInvalidT?: boolean;
  seed: number;
  software?: 'lavapipe' | 'swiftshader';
}

function decoderFoldsOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n === 1 || n > 1000) {
    throw new InvalidArgumentError(`--decoder-folds must be 0 (off) or an integer from 2 to 1000 (got '${value}').`);
  }
  return n;
}

/** Read a response file; unreadable files are usage errors, unusable contents DataFileErrors. */
async function readResponses(path: string, option: string): Promise<ResponseMatrix> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new CliUsageError(`cannot read ${option} '${path}': ${why}.`);
  }
  return loadResponseMatrix(bytes, path);
}

function windowOption(value: string): [number, number] {
  const parts = value.split(',').map((p) => p.trim());
  const [start, end] = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || !Number.isFinite(start) || !Number.isFinite(end) || !(end! > start!)) {
    throw new InvalidArgumentError(`--window must be START_MS,END_MS with END > START (got '${value}'), e.g. --window 0,500.`);
  }
  return [start!, end!];
}

/**
 * The two response matrices of `fisher` and how to name them: from --a/--b files, or counted
 * from an NWB file's units and trials (--nwb).
 */
async function fisherResponses(options: FisherCliOptions): Promise<{ a: ResponseMatrix; b: ResponseMatrix; labelA: string; labelB: string }> {
  if (options.a === undefined || options.b === undefined) {
    throw new CliUsageError(options.nwb === undefined
      ? 'fisher needs --a A.npy --b B.npy (response files), or --nwb FILE.nwb --window START_MS,END_MS --condition-column COL --a VALUE --b VALUE.'
      : 'fisher --nwb needs --a VALUE and --b VALUE: the values of --condition-column of the two stimuli\'s trials.');
  }
  const nwbOnly = (['window', 'alignColumn', 'conditionColumn', 'unitsColumn', 'unitsValue'] as const).filter((k) => options[k] !== undefined);
  if (options.nwb === undefined) {
    if (nwbOnly.length > 0) throw new CliUsageError(`--${nwbOnly[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with --nwb FILE.nwb.`);
    const [a, b] = await Promise.all([readResponses(options.a, '--a'), readResponses(options.b, '--b')]);
    return { a, b, labelA: options.a, labelB: options.b };
  }
  if (options.window === undefined) throw new CliUsageError('fisher --nwb needs --window START_MS,END_MS: the counting window after each trial\'s start (e.g. --window 0,500).');
  if (options.conditionColumn === undefined) throw new CliUsageError('fisher --nwb needs --condition-column COL: the trials column whose values --a and --b select.');
  const data = await readNwbSpikes(options.nwb);
  const counts = nwbResponseMatrices(data, {
    windowMs: options.window,
    conditionColumn: options.conditionColumn,
    a: options.a,
    b: options.b,
    ...(options.alignColumn !== undefined ? { alignColumn: options.alignColumn } : {}),
    ...(options.unitsColumn !== undefined ? { unitsColumn: options.unitsColumn } : {}),
    ...(options.unitsValue !== undefined ? { unitsValue: options.unitsValue } : {}),
  }, options.nwb);
  const label = (value: string): string => `${options.nwb}[${options.conditionColumn}=${value}]`;
  return { a: counts.a, b: counts.b, labelA: label(options.a), labelB: label(options.b) };
}

async function fisherCommand(options: FisherCliOptions, io: CliIo): Promise<void> {
  const { a, b, labelA, labelB } = await fisherResponses(options);
  if (a.neurons !== b.neurons) {
    throw new FisherError(
      'mismatch',
      `'${labelA}' has ${a.neurons} neurons (columns) but '${labelB}' has ${b.neurons}; both files must be (trials × neurons) ` +
        'matrices of the same neurons in the same order.',
    );
  }
  checkFiniteResponses(a.data, a.neurons, labelA);
  checkFiniteResponses(b.data, b.neurons, labelB);
  const fisherOptions: FisherOptions = {
    unequalTrials: options.unequal,
    seed: options.seed,
    decoderFolds: options.decoderFolds,
    allowInvalidT: options.allowInvalidT === true,
    ...(options.ridge !== undefined && options.ridge > 0 ? { ridge: options.ridge } : {}),
  };

  const start = performance.now();
  let result: FisherResult;
  let adapter: string;
  if (options.cpu === true) {
    result = fisherInformation(a.data, b.data, a.neurons, options.ds, fisherOptions);
    adapter = 'cpu (float64 reference)';
  } else {
    const context = await nodeGpu({ verbose: true, ...(options.software ? { software: options.software } : {}) });
    result = await computeFisherGpu(context, a.data, b.data, a.neurons, options.ds, { ...fisherOptions, shaders: nodeShaderLoader });
    adapter = context.info.label;
  }
  const wallS = (performance.now() - start) / 1000;
  const backend = options.cpu === true ? 'cpu' : 'gpu';

  for (const warning of result.warnings) io.stderr.write(`cortexgpu: warning: ${warning}\n`);
  if (options.json === true) {
    const record = { ...result, adapter, backend, files: { a: labelA, b: labelB }, wall_s: wallS };
    io.stdout.write(`${JSON.stringify(record)}\n`);
  } else {
    io.stdout.write(formatFisherTable(result, { adapter, backend, a: labelA, b: labelB, wallS }));
  }
}

function formatFisherTable(r: FisherResult, about: { adapter: string; backend: string; a: string; b: string; wallS: number }): string {
  const fmt = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(5)).toString() : String(x));
  const row = (name: string, value: string, meaning: string): string => `  ${name.padEnd(14)} ${value.padStart(22)}   ${meaning}`;
  const lines = [
    `linear Fisher information of '${about.a}' (s_a) vs '${about.b}' (s_b = s_a + ${r.ds}) on ${about.adapter} [${about.backend}], ${about.wallS.toFixed(2)} s`,
    (r.trials_used.a === r.trials_used.b
      ? `N = ${r.N} neurons, T = ${r.T} trials per condition (given: a ${r.T_a}, b ${r.T_b}); ` +
        `${r.valid ? 'valid' : 'NOT valid'}: T ${r.valid ? '≥' : '<'} (N+5)/2 = ${(r.N + 5) / 2}`
      : `N = ${r.N} neurons, T_a = ${r.T_a} and T_b = ${r.T_b} trials (exact unequal-count estimator); ` +
        `${r.valid ? 'valid' : 'NOT valid'}: T_a + T_b ${r.valid ? '≥' : '<'} N + 5 = ${r.N + 5}`),
    `informations in 1/(unit of ds)²${r.regularization !== null ? `; ridge λ = ${r.regularization.ridge} on the covariance diagonal` : ''}`,
    row('I_naive', fmt(r.I_naive), "f'ᵀ Σ⁻¹ f' (biased upward)"),
    row('I_bc', `${fmt(r.I_bc)} ± ${fmt(r.I_bc_se)}`, 'bias-corrected ± standard error (Kanitscheider et al. 2015)'),
    row('I_shuffle', fmt(r.I_shuffle), 'decorrelated: sum of single-neuron informations'),
    row('I_shuffle_bc', fmt(r.I_shuffle_bc), 'shuffled, bias-corrected'),
    row('redundancy', fmt(r.redundancy), 'I_shuffle_bc − I_bc (> 0: information shared among neurons)'),
    row('rho', fmt(r.rho), 'redundancy / I_shuffle_bc'),
  ];
  if (r.decoder !== undefined) {
    lines.push(
      row('decoder', `${(100 * r.decoder.accuracy).toFixed(1)} %`, `cross-validated linear decoder accuracy (${r.decoder.folds} folds)`),
      row('I_lower_bound', fmt(r.decoder.I_lower_bound), "(2·Φ⁻¹(accuracy))²/ds², a lower bound on I"),
    );
  }
  const order = r.single_neuron_bc.map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0]);
  const mean = r.single_neuron_bc.reduce((s, v) => s + v, 0) / r.N;
  lines.push(
    `single neurons (bias-corrected): mean ${fmt(mean)}; most informative: ${order.slice(0, 5).map(([v, i]) => `#${i} ${fmt(v)}`).join(', ')}` +
      `${r.N > 5 ? ' (all in --json)' : ''}`,
  );
  if (r.warnings.length > 0) lines.push(`${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'} on stderr`);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// run
// ---------------------------------------------------------------------------------------------

/** Statistics of one population in summary.json. */
interface PopulationSummary {
  size: number;
  /** Mean rate, Hz, after the warmup (spiking populations); null when nothing records it. */
  rate_hz: number | null;
  cv_isi: number | null;
  /** Where rate_hz comes from. */
  rate_from: 'spikes' | 'population_rate' | null;
  /** Spiking populations recorded by a spike recorder: neurons recorded. */
  n_recorded?: number;
  /** Rate populations: mean output after the warmup (rate units). */
  mean_output?: number | null;
}

/** One file written by `run`. */
interface OutputFile {
  readonly name: string;
  readonly recorder: number;
  readonly description: string;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

async function runCommand(specPath: string, options: RunOptions, io: CliIo): Promise<void> {
  const quiet = options.quiet === true;
  const commandStart = performance.now();
  const { spec, sonata } = await readSpecOrSonata(specPath);
  if (sonata !== null && !quiet) {
    const virtual = sonata.populations.filter((p) => p.virtual).length;
    io.stderr.write(`cortexgpu: imported the SONATA network of ${specPath}: ${sonata.populations.length} population${sonata.populations.length === 1 ? '' : 's'} (${virtual} virtual), ${(spec.projections ?? []).length} edge-list projection${(spec.projections ?? []).length === 1 ? '' : 's'}\n`);
    for (const note of sonata.notes) io.stderr.write(`cortexgpu: note: ${note}\n`);
  }
  const { dt_ms: dtMs, batch, name } = resolveSpecDefaults(spec);
  const timing = runTiming(spec, options);
  // Results go to a temporary folder beside DIR and are moved in at the end: a failure leaves no partial output.
  const output = await openOutput(options.out);
  // Ctrl-C stops the run after the command buffer in progress and removes the partial output
  // (a second Ctrl-C kills the process at once).
  const interrupt = new AbortController();
  const onSigint = (): void => interrupt.abort();
  process.once('SIGINT', onSigint);
  // Set when the dynamics diverged; reported (exit code 2) after the recordings are written.
  let diverged: DivergenceError | null = null;

  try {
    const context = await nodeGpu({ verbose: !quiet, ...(options.software ? { software: options.software } : {}) });
    const constructionStart = performance.now();
    const sim = await createNodeSimulator(spec, {
      context,
      ...(options.stepsPerSubmit !== undefined ? { stepsPerSubmit: options.stepsPerSubmit } : {}),
      ...(options.gpuMemoryGib !== undefined ? { memoryBudgetBytes: options.gpuMemoryGib * 1024 ** 3 } : {}),
      schedule: {
        ...(options.stepsPerDispatch !== undefined ? { stepsPerDispatch: options.stepsPerDispatch } : {}),
        ...(options.merge === false ? { mergePopulations: false } : {}),
        ...(options.persistent !== undefined ? { persistent: options.persistent === 'auto' ? 'auto' as const : options.persistent === 'on' } : {}),
      },
    });
    const constructionS = (performance.now() - constructionStart) / 1000;
    if (!quiet) {
      io.stderr.write(`cortexgpu: built '${name}' in ${constructionS.toFixed(2)} s (${formatBytes(sim.memory.totalBytes)} of GPU memory); simulating ${timing.durationMs} ms (warm-up ${timing.warmupMs} ms)\n`);
    }

    const progress = progressReporter(io, quiet);
    let report: RunReport;
    // A diverging run keeps (and writes) what was recorded before the first non-finite state.
    let divergence: DivergenceError | null = null;
    const loopStart = performance.now();
    try {
      report = await sim.run(timing.durationMs, { onProgress: progress.update, signal: interrupt.signal });
    } catch (error) {
      if (!(error instanceof DivergenceError)) throw error;
      divergence = error;
      const wallS = (performance.now() - loopStart) / 1000;
      const neurons = spec.populations.reduce((n, p) => n + p.size, 0) * batch;
      report = { steps: error.step, simulatedMs: error.step * dtMs, wallS, neuronStepsPerS: (neurons * error.step) / Math.max(wallS, 1e-9), aborted: false };
    } finally {
      progress.stop();
    }
    if (report.aborted) throw new CliInterruptedError(`interrupted after ${report.simulatedMs} ms of simulated time; nothing was written to '${options.out}'.`);
    const recordings = divergence === null ? sim.recordings() : recordingsBeforeStep(sim.recordings(), divergence.step, dtMs);
    const connectivityFiles = options.saveConnectivity ? await connectivityOutputFiles(sim) : [];
    const connectivityTimings = sim.connectivityTimings();
    const dispatches = sim.dispatchesPerStep(0, Math.max(1, report.steps));
    // Persistent mode: whether it ran (persistent_mode) and why (persistent: measured costs, requested, not possible…).
    const stepsPerDispatch = { steps: sim.stepsPerDispatch, reason: sim.stepsPerDispatchReason, persistent: sim.persistentReason, persistent_mode: sim.persistent };
    sim.destroy();

    const divergenceInfo = divergence === null ? null : divergenceSummary(divergence, dtMs, options.out);
    // A run cut short by a divergence may end before the warm-up: its statistics then use every step kept.
    const warmupMs = divergence !== null && timing.warmupMs >= report.simulatedMs ? 0 : timing.warmupMs;
    const populations = populationSummaries(spec, recordings, { dtMs, batch, warmupMs, totalSteps: report.steps });
    const files = [...outputFiles(recordings, dtMs, batch), ...connectivityFiles];
    // Every spike recorder's spikes as one NWB 2.x file (the same steps as the .npy files, also after a divergence).
    const nwb = await nwbOutputFile(recordings, { dtMs, trialMs: report.simulatedMs, batch, name, specPath });
    if (nwb !== null) files.push(nwb);
    // A SONATA network's spikes also in SONATA's output layout.
    if (sonata !== null) files.push(await sonataSpikesOutputFile(spec, sonata, recordings, dtMs));

    const simulatedS = report.simulatedMs / 1000;
    const summary = {
      network: name,
      // "ok", or "diverged": then `divergence` says where, and the files hold the steps before it.
      status: divergence === null ? 'ok' : 'diverged',
      divergence: divergenceInfo,
      adapter: context.info.label,
      adapter_info: {
        vendor: context.info.vendor,
        architecture: context.info.architecture,
        device: context.info.device,
        description: context.info.description,
        software: context.info.software,
        runtime: context.info.runtime,
      },
      date: new Date().toISOString(),
      spec_file: specPath,
      dt_ms: dtMs,
      duration_ms: report.simulatedMs,
      requested_duration_ms: timing.durationMs,
      steps: report.steps,
      batch,
      steps_per_submit: sim.stepsPerSubmit,
      // Steps one update dispatch advances, and what limits it (e.g. the minimum delay).
      steps_per_dispatch: stepsPerDispatch,
      warmup_ms: warmupMs,
      wall_s: report.wallS,
      rtf: simulatedS > 0 ? report.wallS / simulatedS : null,
      neuron_steps_per_s: report.neuronStepsPerS,
      // Compute dispatches per step over this run, by stage of the step.
      dispatches_per_step: { total: dispatches.total, by_stage: dispatches.byStage },
      construction_s: constructionS,
      // Of which generating spike projections on the GPU: counting and filling passes, s.
      connectivity_generation: (() => {
        const t = connectivityTimings;
        return { synapses: t.reduce((n, x) => n + x.synapses, 0), count_s: t.reduce((n, x) => n + x.countS, 0), fill_s: t.reduce((n, x) => n + x.fillS, 0) };
      })(),
      // Spec reading, GPU acquisition, construction, the loop, read-back and statistics (not Node's start-up).
      total_s: (performance.now() - commandStart) / 1000,
      gpu_memory_bytes: { total: sim.memory.totalBytes, by_owner: sim.memory.byOwner },
      populations,
      files: files.map((f) => ({ name: f.name, recorder: f.recorder, shape: f.shape, description: f.description })),
    };

    await output.commit([...files.map((f) => ({ name: f.name, content: f.bytes })), { name: 'summary.json', content: `${JSON.stringify(summary, null, 2)}\n` }]);
    if (divergence !== null) {
      diverged = new DivergenceError(divergenceInfo!.message, divergence.population, divergence.neuron, divergence.trial, divergence.step, divergence.variable);
    }

    if (!quiet) io.stdout.write(formatRunSummary(summary.populations, report, summary.rtf, options.out, files.length + 1, nwb === null ? 0 : 1, sonata === null ? 0 : 1));
  } catch (error) {
    await output.discard();
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  if (diverged !== null) throw diverged;
}

/** Duration and warm-up of `run`: flags override the spec's `run` block; errors name the flag or spec key. */
function runTiming(spec: NetworkSpec, options: RunOptions): RunTiming {
  try {
    return resolveRunTiming(spec, {
      ...(options.duration !== undefined ? { durationMs: options.duration } : {}),
      ...(options.warmup !== undefined ? { warmupMs: options.warmup } : {}),
      durationName: '--duration MS',
      warmupName: '--warmup',
    });
  } catch (error) {
    if (error instanceof SpecError) throw new CliUsageError(error.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    throw error;
  }
}

/** Progress on stderr: a bar on terminals, a line every ~10 % otherwise; only for runs expected to take > 2 s. */
function progressReporter(io: CliIo, quiet: boolean): { update: (p: RunProgress) => void; stop: () => void } {
  let bar: InstanceType<typeof cliProgress.SingleBar> | null = null;
  let started = false;
  let lastDecile = 0;
  const update = (p: RunProgress): void => {
    if (quiet || p.stepsTotal === 0) return;
    const fraction = p.stepsDone / p.stepsTotal;
    if (!started) {
      const expectedS = fraction > 0 ? p.wallS / fraction : Infinity;
      if (expectedS <= 2 && p.wallS < 2) return;
      started = true;
      if (io.stderr.isTTY === true) {
        bar = new cliProgress.SingleBar({
          stream: io.stderr as NodeJS.WritableStream,
          format: 'simulating [{bar}] {percentage}% | {value}/{total} ms | {duration_formatted} elapsed, eta {eta_formatted}',
          hideCursor: true,
          clearOnComplete: true,
        }, cliProgress.Presets.shades_classic);
        bar.start(Math.round((p.stepsTotal * p.simulatedMs) / Math.max(1, p.stepsDone)), 0);
      }
    }
    if (bar !== null) {
      bar.update(Math.round(p.simulatedMs));
      return;
    }
    const decile = Math.floor(fraction * 10 + 1e-9);
    if (decile > lastDecile) {
      lastDecile = decile;
      const remaining = fraction > 0 ? (p.wallS * (1 - fraction)) / fraction : 0;
      io.stderr.write(`cortexgpu: ${Math.round(fraction * 100)}% (${p.simulatedMs.toFixed(0)} ms simulated, ${p.wallS.toFixed(1)} s, ~${remaining.toFixed(0)} s left)\n`);
    }
  };
  const stop = (): void => {
    if (bar !== null) bar.stop();
    bar = null;
  };
  return { update, stop };
}

function populationSummaries(
  spec: NetworkSpec, recordings: readonly Recording[], run: { dtMs: number; batch: number; warmupMs: number; totalSteps: number },
): Record<string, PopulationSummary> {
  const recorders = spec.recorders ?? [];
  const out: Record<string, PopulationSummary> = {};
  const fromStep = Math.min(run.totalSteps - 1, Math.max(0, Math.round(run.warmupMs / run.dtMs)));
  for (const pop of spec.populations) {
    const isRate = findNeuronModel(pop.model, spec)?.kind === 'rate';
    const spikes = recordings.find((r, i) => r.type === 'spikes' && recorders[i]?.population === pop.name);
    const rates = recordings.find((r, i) => r.type === 'population_rate' && recorders[i]?.population === pop.name);
    const summary: PopulationSummary = { size: pop.size, rate_hz: null, cv_isi: null, rate_from: null };
    if (spikes?.type === 'spikes' && run.totalSteps > 0) {
      const stats = spikeStatistics(spikes, { dtMs: run.dtMs, batch: run.batch, fromStep, toStep: run.totalSteps, populationSize: pop.size });
      Object.assign(summary, { rate_hz: stats.rate_hz, cv_isi: stats.cv_isi, rate_from: 'spikes', n_recorded: stats.n_recorded });
    } else if (rates?.type === 'population_rate') {
      const value = rateFromPopulationRate(rates, fromStep * run.dtMs, run.totalSteps * run.dtMs, rates.nTrials);
      if (isRate) summary.mean_output = value;
      else Object.assign(summary, { rate_hz: value, rate_from: value === null ? null : 'population_rate' });
    }
    out[pop.name] = summary;
  }
  return out;
}

/**
 * Each projection's synapses as two `.npy` files: `synapses_<name>.npy` (N × 3 uint32: source,
 * target, delay in steps) and `weights_<name>.npy` (N float32). Names keep letters, digits,
 * `-`, `_` and `.`; other characters become `_`.
 */
async function connectivityOutputFiles(sim: GpuSimulator): Promise<OutputFile[]> {
  const files: OutputFile[] = [];
  const taken = new Set<string>();
  for (const proj of sim.plan.projections) {
    let stem = proj.name.replace(/[^A-Za-z0-9._-]/g, '_');
    if (taken.has(stem)) stem = `${stem}_p${proj.index}`;
    taken.add(stem);
    const c = await sim.connectivity(proj.index);
    const table = new Uint32Array(3 * c.nSynapses);
    for (let s = 0; s < c.sourceSize; s++) {
      for (let k = c.rowPtr[s]!; k < c.rowPtr[s + 1]!; k++) {
        table[3 * k] = s;
        table[3 * k + 1] = c.targets[k]!;
        table[3 * k + 2] = c.delaySteps ? c.delaySteps[k]! : c.constantDelaySteps;
      }
    }
    files.push({ name: `synapses_${stem}.npy`, recorder: -1, description: `synapses of projection ${proj.name}: source, target, delay (steps)`, shape: [c.nSynapses, 3], bytes: encodeNpy(table, [c.nSynapses, 3]) });
    files.push({ name: `weights_${stem}.npy`, recorder: -1, description: `weights of projection ${proj.name}, as in the spec`, shape: [c.nSynapses], bytes: encodeNpy(c.weights, [c.nSynapses]) });
  }
  return files;
}

/**
 * `spikes.nwb`: the spikes of every spike recorder as NWB units (see `spikeRecordingsToNwb` in
 * `src/io/nwb.ts`), or null when the spec has no spike recorder.
 */
async function nwbOutputFile(
  recordings: readonly Recording[], run: { dtMs: number; trialMs: number; batch: number; name: string; specPath: string },
): Promise<OutputFile | null> {
  const spikes = recordings.flatMap((recording, recorder) => (recording.type === 'spikes' ? [{ recorder, recording: recording as SpikeRecording }] : []));
  if (spikes.length === 0) return null;
  const data = spikeRecordingsToNwb(spikes, {
    dtMs: run.dtMs, trialMs: run.trialMs, batch: run.batch, description: `cortexgpu run of '${run.name}' (spec ${run.specPath})`,
  });
  const bytes = await encodeNwbSpikes(data);
  return {
    name: 'spikes.nwb', recorder: -1, shape: [data.spikeTimesS.length],
    description: 'spikes of every spike recorder as NWB 2.x units (one per recorded neuron; columns population, neuron_index, recorder); trial k at [k·T, (k+1)·T) s, T = duration_ms',
    bytes,
  };
}

/**
 * The spikes of an imported SONATA network as a SONATA spike file (`spikes.h5` or the config's
 * `output.spikes_file`): `/spikes/<node population>/timestamps` (ms) and `node_ids` (the nodes'
 * SONATA ids), sorted as `output.spikes_sort_order` says (default by time).
 */
async function sonataSpikesOutputFile(spec: NetworkSpec, sonata: SonataImport, recordings: readonly Recording[], dtMs: number): Promise<OutputFile> {
  const origin = new Map(sonata.populations.map((p) => [p.name, p]));
  const byPopulation = new Map<string, { ids: number[]; times: number[] }>();
  for (const p of sonata.populations) if (!p.virtual && !byPopulation.has(p.sonataPopulation)) byPopulation.set(p.sonataPopulation, { ids: [], times: [] });
  recordings.forEach((recording, index) => {
    const recorder = spec.recorders?.[index];
    if (recording.type !== 'spikes' || recorder === undefined) return;
    const from = origin.get(recorder.population);
    if (from === undefined) return;
    const out = byPopulation.get(from.sonataPopulation) ?? { ids: [], times: [] };
    byPopulation.set(from.sonataPopulation, out);
    for (let k = 0; k < recording.steps.length; k++) {
      out.ids.push(from.nodeIds[recording.senders[k]!]!);
      out.times.push(recording.steps[k]! * dtMs);
    }
  });
  const populations: SonataPopulationSpikes[] = [...byPopulation].map(([population, s]) => ({ population, nodeIds: Uint32Array.from(s.ids), timestampsMs: Float64Array.from(s.times) }));
  const bytes = await hdf5Bytes(sonata.output.spikesFile, sonataSpikesWriter(populations, sonata.output.sorting));
  return {
    name: sonata.output.spikesFile, recorder: -1, shape: [populations.reduce((n, p) => n + p.nodeIds.length, 0)],
    description: `spikes in SONATA's output layout: /spikes/<node population>/timestamps (ms) and node_ids (SONATA node ids), sorted ${sonata.output.sorting}`,
    bytes,
  };
}

/** One `.npy` (plus companions) per recorder; names are unique even with several recorders of one kind. */
function outputFiles(recordings: readonly Recording[], dtMs: number, batch: number): OutputFile[] {
  const files: OutputFile[] = [];
  const taken = new Set<string>();
  const unique = (base: string, recorder: number): string => {
    const stem = taken.has(base) ? `${base}_r${recorder}` : base;
    taken.add(stem);
    return stem;
  };
  const add = (name: string, recorder: number, description: string, data: NpyData, shape: number[]): void => {
    files.push({ name, recorder, description, shape, bytes: encodeNpy(data, shape) });
  };
  recordings.forEach((rec, index) => {
    switch (rec.type) {
      case 'spikes': {
        const stem = unique(`spikes_${rec.population}`, index);
        const n = rec.steps.length;
        const table = new Uint32Array(n * 3);
        const times = new Float64Array(n);
        for (let k = 0; k < n; k++) {
          table[3 * k] = rec.steps[k]!;
          table[3 * k + 1] = rec.trials[k]!;
          table[3 * k + 2] = rec.senders[k]!;
          times[k] = rec.steps[k]! * dtMs;
        }
        add(`${stem}.npy`, index, 'spikes, one row (step, trial, neuron) each, sorted by step, trial, neuron', table, [n, 3]);
        add(`${stem}_times_ms.npy`, index, 'time of each spike, ms (step · dt)', times, [n]);
        add(`${stem}_neurons.npy`, index, 'population index of each recorded neuron', rec.neurons, [rec.neurons.length]);
        break;
      }
      case 'spike_counts': {
        const stem = unique(`spike_counts_${rec.population}`, index);
        const nRec = rec.neurons.length;
        add(`${stem}.npy`, index, `spike counts per ${rec.windowMs} ms window from ${rec.startMs} ms, [window, trial, recorded neuron]`, rec.counts, [rec.nWindows, rec.nTrials, nRec]);
        add(`${stem}_neurons.npy`, index, 'population index of each recorded neuron', rec.neurons, [nRec]);
        break;
      }
      case 'state': {
        const stem = unique(`state_${rec.population}_${rec.variable}`, index);
        const nRec = rec.neurons.length;
        add(`${stem}.npy`, index, `${rec.variable} samples, [sample, trial, recorded neuron]`, rec.values, [rec.timesMs.length, batch, nRec]);
        add(`${stem}_times_ms.npy`, index, 'time of each sample, ms', rec.timesMs, [rec.timesMs.length]);
        add(`${stem}_neurons.npy`, index, 'population index of each recorded neuron', rec.neurons, [nRec]);
        break;
      }
      case 'population_rate': {
        const stem = unique(`population_rate_${rec.population}`, index);
        const nBins = Math.floor(rec.values.length / rec.nTrials);
        const unit = rec.unit === 'Hz' ? 'spikes/s per neuron' : 'mean output';
        add(`${stem}.npy`, index, `population rate (${unit}) in ${rec.binMs} ms bins, [bin, trial]`, rec.values, [nBins, rec.nTrials]);
        break;
      }
    }
  });
  return files;
}

function formatRunSummary(populations: Record<string, PopulationSummary>, report: RunReport, rtf: number | null, outDir: string, fileCount: number, nwbCount = 0, h5Count = 0): string {
  const fmt = (x: number | null | undefined, digits: number): string => (x === null || x === undefined ? '-' : x.toFixed(digits));
  const lines = [
    `simulated ${report.simulatedMs} ms (${report.steps} steps) in ${report.wallS.toFixed(2)} s: ${rtf === null ? '-' : rtf.toFixed(3)} × real time, ${(report.neuronStepsPerS / 1e6).toFixed(1)} M neuron-steps/s`,
    `${'population'.padEnd(16)} ${'size'.padStart(10)} ${'rate (Hz)'.padStart(10)} ${'CV ISI'.padStart(8)}`,
    ...Object.entries(populations).map(([popName, s]) =>
      `${popName.padEnd(16)} ${String(s.size).padStart(10)} ${(s.mean_output !== undefined ? `${fmt(s.mean_output, 3)}*` : fmt(s.rate_hz, 2)).padStart(10)} ${fmt(s.cv_isi, 3).padStart(8)}`),
    ...(Object.values(populations).some((s) => s.mean_output !== undefined) ? ['* rate population: mean output'] : []),
    `wrote summary.json and ${fileCount - 1} .npy${nwbCount > 0 ? '/.nwb' : ''}${h5Count > 0 ? '/.h5' : ''} file${fileCount === 2 ? '' : 's'} to ${outDir}`,
  ];
  return `${lines.join('\n')}\n`;
}
