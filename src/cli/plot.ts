/**
 * `cortexgpu plot RUN_DIR [RUN_DIR ...]`: figures of run folders (spike raster, population
 * rates, ISI and CV-ISI histograms) as SVG and PNG, one column per run. The figures are
 * Vega-Lite specs rendered by Vega's headless SVG renderer (`src/analysis/run-plots.ts`);
 * PNGs are rasterised from the SVG by resvg.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { Resvg } from '@resvg/resvg-js';
import { join } from 'node:path';
import { readRunFolder, RunFolderError, type RunFolder } from '../io/run-folder.js';
import { RUN_FIGURES, RunPlotError, renderSvg, runPlotData, runPlotSpecs, type RunPlotData } from '../analysis/run-plots.js';
import { openOutput } from './output.js';
import { integerInRange, nonNegativeNumber, positiveNumber } from './options.js';
import type { CliIo } from './main.js';

/** A problem with a plot command's input (reported without a stack trace, exit code 2). */
export class PlotCommandError extends Error {
  override readonly name = 'PlotCommandError';
}

/** Image formats `plot` writes. */
export type PlotFormat = 'svg' | 'png';

/** Options of {@link plotRuns} (the CLI flags). */
export interface PlotCommandOptions {
  /** Output folder; default `RUN_DIR/plots` for one run folder (required for several). */
  readonly out?: string;
  /** Window start, ms ≥ 0 (default: the runs' warm-up). */
  readonly from?: number;
  /** Window end, ms (default: the end of the shortest run). */
  readonly to?: number;
  /** Raster rows per population (default 100). */
  readonly neurons?: number;
  /** Trial of the raster and rate plots (default 0). */
  readonly trial?: number;
  /** Rate bin, ms (default 5). */
  readonly bin?: number;
  /** Formats to write (default both). */
  readonly format?: readonly PlotFormat[];
  /** Column titles, one per run folder. */
  readonly labels?: readonly string[];
}

/** What {@link plotRuns} wrote. */
export interface PlotResult {
  /** The output folder. */
  readonly outDir: string;
  /** File names written into it. */
  readonly files: readonly string[];
  /** The plotted numbers. */
  readonly data: RunPlotData;
}

/** Rasterise an SVG document to PNG (2× the SVG's pixel size, white background). */
export function svgToPng(svg: string): Uint8Array {
  const png = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'Liberation Sans', sansSerifFamily: 'Liberation Sans' },
  }).render().asPng();
  return new Uint8Array(png);
}

/**
 * Read run folders and write the four figures into one output folder; nothing is written when
 * anything fails (the files are moved into place at the end).
 *
 * @throws PlotCommandError naming the file or option at fault
 */
export async function plotRuns(dirs: readonly string[], options: PlotCommandOptions = {}): Promise<PlotResult> {
  if (dirs.length === 0) throw new PlotCommandError('give at least one run folder.');
  if (dirs.length > 1 && options.out === undefined) throw new PlotCommandError('--out is required when plotting several run folders side by side.');
  const formats = options.format ?? ['svg', 'png'];
  let runs: RunFolder[];
  let data: RunPlotData;
  try {
    runs = [];
    for (const dir of dirs) runs.push(await readRunFolder(dir));
    data = runPlotData(runs, {
      ...(options.from !== undefined ? { fromMs: options.from } : {}),
      ...(options.to !== undefined ? { toMs: options.to } : {}),
      ...(options.neurons !== undefined ? { neurons: options.neurons } : {}),
      ...(options.trial !== undefined ? { trial: options.trial } : {}),
      ...(options.bin !== undefined ? { binMs: options.bin } : {}),
      ...(options.labels !== undefined ? { labels: options.labels } : {}),
    });
  } catch (error) {
    if (error instanceof RunFolderError || error instanceof RunPlotError) throw new PlotCommandError(error.message);
    throw error;
  }
  const outDir = options.out ?? join(dirs[0]!, 'plots');
  const output = await openOutput(outDir);
  try {
    const specs = runPlotSpecs(data);
    const files: { name: string; content: string | Uint8Array }[] = [];
    for (const figure of RUN_FIGURES) {
      const svg = await renderSvg(specs[figure]);
      if (formats.includes('svg')) files.push({ name: `${figure}.svg`, content: svg });
      if (formats.includes('png')) files.push({ name: `${figure}.png`, content: svgToPng(svg) });
    }
    await output.commit(files);
    return { outDir, files: files.map((f) => f.name), data };
  } catch (error) {
    await output.discard();
    throw error;
  }
}

function formatList(value: string): PlotFormat[] {
  const formats = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = formats.filter((f) => f !== 'svg' && f !== 'png');
  if (formats.length === 0 || bad.length > 0) throw new InvalidArgumentError(`--format must be svg, png or svg,png (got '${value}').`);
  return [...new Set(formats)] as PlotFormat[];
}

function labelList(value: string): string[] {
  return value.split(',').map((s) => s.trim());
}

/** A line per plotted population: what the figures show, for the terminal. */
function describe(result: PlotResult): string {
  const { data } = result;
  const lines = [`plotted ${data.fromMs}-${data.toMs} ms of ${data.runs.join(', ')}:`];
  for (const c of data.cells) {
    lines.push(`  ${c.run.padEnd(20)} ${c.population.padEnd(10)} ${c.rateHz.toFixed(2).padStart(8)} Hz  CV ISI ${c.cvIsi === null ? '   -' : c.cvIsi.toFixed(3)}  (${c.nRecorded} of ${c.size} neurons recorded)`);
  }
  lines.push(`wrote ${result.files.join(', ')} to ${result.outDir}`);
  return `${lines.join('\n')}\n`;
}

/** Add the `plot` command to the CLI program. */
export function registerPlotCommand(program: Command, io: CliIo): void {
  program
    .command('plot')
    .description('plot run folders (spike raster, population rates, ISI and CV ISI histograms) as SVG and PNG; several folders are drawn side by side')
    .argument('<run_dir...>', "output folder(s) of 'cortexgpu run' (or scripts/brian2_compare.py)")
    .option('--out <dir>', 'where the figures go (default: RUN_DIR/plots; required for several folders)')
    .option('--from <ms>', 'start of the plotted window, ms (default: the warm-up of the run)', nonNegativeNumber('--from'))
    .option('--to <ms>', 'end of the plotted window, ms (default: the end of the run)', positiveNumber('--to'))
    .option('--neurons <n>', 'raster rows per population: the first N recorded neurons (default 100)', integerInRange('--neurons', 1, 2 ** 26))
    .option('--trial <k>', 'trial shown in the raster and rate plots (default 0); histograms pool all trials', integerInRange('--trial', 0, 2 ** 31))
    .option('--bin <ms>', 'population-rate bin, ms (default 5)', positiveNumber('--bin'))
    .option('--format <list>', 'svg, png or svg,png (default)', formatList)
    .option('--labels <list>', 'comma-separated column titles, one per run folder (default: the simulator of each)', labelList)
    .option('--quiet', 'print nothing but errors')
    .action(async (dirs: string[], options: PlotCommandOptions & { quiet?: boolean }) => {
      const result = await plotRuns(dirs, options);
      if (options.quiet !== true) io.stdout.write(describe(result));
    });
}
