/**
 * Figures of run folders (`cortexgpu plot`): spike raster, population rates over time,
 * inter-spike-interval histogram and CV-ISI histogram, one column per run so that runs (e.g.
 * cortexgpu and Brian2 on the same spec) sit side by side.
 *
 * Three steps, each exported: {@link runPlotData} computes every plotted number (rates are
 * spikes / (recorded neurons × time), from `spike-statistics.ts`); {@link runPlotSpecs} turns
 * them into Vega-Lite specs with axis titles and units; {@link renderSvg} renders a spec to SVG
 * with Vega's headless renderer (no DOM, no canvas). PNG conversion is Node-only
 * (`src/cli/plot.ts`).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { RunFolder, RunSpikeRecording } from '../io/run-folder.js';
import { binnedSpikeRate, groupSpikeTrains, groupedTrainStatistics, interspikeIntervalCvs, interspikeIntervalsMs } from './spike-statistics.js';

/** A request {@link runPlotData} cannot satisfy (window outside a run, trial missing, ...). */
export class RunPlotError extends Error {
  override readonly name = 'RunPlotError';
}

/** Options of {@link runPlotData}. */
export interface RunPlotOptions {
  /** Start of the plotted window, ms ≥ 0; default: the largest `warmup_ms` of the runs (0 when a warm-up is not shorter than a run). */
  readonly fromMs?: number;
  /** End of the plotted window, ms, > fromMs and ≤ every run's duration; default: the shortest duration. */
  readonly toMs?: number;
  /** Raster rows per population: the first N recorded neurons (by index), integer ≥ 1; default 100. */
  readonly neurons?: number;
  /** Trial shown in the raster and rate plots, integer ≥ 0; default 0. ISI and CV histograms pool all trials. */
  readonly trial?: number;
  /** Width of the population-rate bins, ms, > 0 (rounded to whole steps); default 5. */
  readonly binMs?: number;
  /** Column title of each run; default: the summary's simulator (made unique with the folder name). */
  readonly labels?: readonly string[];
}

/** A histogram: `fraction[i]` of the values lie in `[edges[i], edges[i+1])` (bins may differ in width). */
export interface Histogram {
  /** Bin edges, ascending; length = bins + 1. Unit of the values (ms for ISIs; none for CVs). */
  readonly edges: Float64Array;
  /** Fraction of all values in each bin, in [0, 1]. */
  readonly fraction: Float64Array;
  /** Number of values. */
  readonly count: number;
  /** Values at or beyond the last edge (not drawn), as a fraction of `count`. */
  readonly beyondFraction: number;
}

/** Everything plotted for one spike recording of one run. */
export interface PopulationPlotData {
  /** Column (run) label. */
  readonly run: string;
  /** Row label: the population, with `(rK)` for a second recorder of the same population. */
  readonly population: string;
  /** Neurons in the population. */
  readonly size: number;
  /** Neurons the recorder followed; the denominator of every rate. */
  readonly nRecorded: number;
  /** Mean rate over the window, all recorded neurons and all trials, spikes/s per neuron (Hz). */
  readonly rateHz: number;
  /** Mean CV ISI over (neuron, trial) pairs with ≥ 3 spikes in the window; null when none. */
  readonly cvIsi: number | null;
  /** Raster (trial `trial`, first `rasterNeurons` recorded neurons): spike times, ms. */
  readonly rasterTimesMs: Float64Array;
  /** Raster: neuron index (in the population) of each spike. */
  readonly rasterNeurons: Uint32Array;
  /** Neuron indices shown as raster rows (ascending). */
  readonly rasterRows: Uint32Array;
  /** Start of each rate bin, ms. */
  readonly rateBinStartMs: Float64Array;
  /** Population rate of trial `trial` in each bin, spikes/s per recorded neuron (Hz). */
  readonly rateHzPerBin: Float64Array;
  /** Rate bin width actually used (whole steps), ms. */
  readonly binMs: number;
  /** Inter-spike intervals inside the window, ms, all trials. */
  readonly isiHistogram: Histogram;
  /** Mean of all those intervals (drawn or not), ms; null when there is none. */
  readonly isiMeanMs: number | null;
  /** CV ISI of each (neuron, trial) pair with ≥ 3 spikes in the window, all trials. */
  readonly cvHistogram: Histogram;
}

/** What {@link runPlotData} returns. */
export interface RunPlotData {
  /** Column labels, one per run, in order. */
  readonly runs: readonly string[];
  /** Network names, one per run. */
  readonly networks: readonly string[];
  /** Row labels in order of first appearance. */
  readonly populations: readonly string[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly trial: number;
  /** Raster rows requested per population. */
  readonly neurons: number;
  /** One entry per (run, spike recording). */
  readonly cells: readonly PopulationPlotData[];
}

/** Default raster rows per population. */
export const DEFAULT_RASTER_NEURONS = 100;
/** Default population-rate bin, ms. */
export const DEFAULT_RATE_BIN_MS = 5;
/** ISI bins per decade (the ISI axis is logarithmic: irregular and bursting trains span decades). */
const ISI_BINS_PER_DECADE = 20;
const CV_BIN = 0.05;

function rowLabel(rec: RunSpikeRecording): string {
  const extra = rec.stem.slice(`spikes_${rec.population}`.length).replace(/^_/, '');
  return extra === '' ? rec.population : `${rec.population} (${extra})`;
}

/** A "nice" step (1, 2 or 5 × 10^k) close to `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * power;
}

/**
 * Histogram of `values` as fractions over `edges` (values below the first edge are not
 * expected: ISIs and CVs are ≥ 0).
 */
export function histogram(values: Float64Array, edges: Float64Array): Histogram {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  let beyond = 0;
  for (const v of values) {
    if (v >= edges[bins]!) {
      beyond++;
      continue;
    }
    if (v < edges[0]!) continue;
    // Last edge ≤ v (binary search).
    let lo = 0;
    let hi = bins;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (edges[mid]! <= v) lo = mid;
      else hi = mid;
    }
    counts[lo]!++;
  }
  const n = values.length;
  return { edges, fraction: counts.map((c) => (n > 0 ? c / n : 0)), count: n, beyondFraction: n > 0 ? beyond / n : 0 };
}

/**
 * Logarithmic bin edges covering `[min, max]`: from the power of 10 at or below `min` to the
 * power of 10 above `max`, {@link ISI_BINS_PER_DECADE} bins per decade.
 */
function logEdges(min: number, max: number): Float64Array {
  const lo = Math.floor(Math.log10(min) + 1e-9);
  const hi = Math.max(lo + 1, Math.floor(Math.log10(max) + 1e-9) + 1);
  const n = (hi - lo) * ISI_BINS_PER_DECADE;
  return Float64Array.from({ length: n + 1 }, (_, i) => 10 ** (lo + i / ISI_BINS_PER_DECADE));
}

/** Smallest multiple of a nice step (about a fifth of x) that is ≥ x: a round axis end. */
function niceCeil(x: number): number {
  const step = niceStep(x / 5);
  return Math.ceil(x / step - 1e-9) * step;
}

/** Vega-Lite's default categorical colours (tableau10), so histograms match the rate legend. */
const CATEGORY_COLOURS = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

/** Edges 0, step, 2·step, … with the last edge above `top` (so `top` itself is drawn). */
function edgesUpTo(top: number, step: number): Float64Array {
  const bins = Math.floor(top / step + 1e-9) + 1;
  return Float64Array.from({ length: bins + 1 }, (_, i) => i * step);
}

/**
 * Every number the figures show, from one or more run folders.
 *
 * Rates divide by the number of *recorded* neurons of each recorder, so a recorded subset
 * gives the subset's rate. ISI histograms have logarithmic bins (20 per decade) shared across
 * runs per population, covering every interval; CV histograms use 0.05-wide bins shared by all.
 *
 * @throws RunPlotError when the window, trial or bin does not fit every run
 */
export function runPlotData(runs: readonly RunFolder[], options: RunPlotOptions = {}): RunPlotData {
  if (runs.length === 0) throw new RunPlotError('no run folder to plot.');
  const labels = runLabels(runs, options.labels);
  const minDuration = Math.min(...runs.map((r) => r.summary.durationMs));
  const warmup = Math.max(...runs.map((r) => r.summary.warmupMs));
  const fromMs = options.fromMs ?? (warmup < minDuration ? warmup : 0);
  const toMs = options.toMs ?? minDuration;
  if (!(fromMs >= 0) || !(toMs > fromMs)) throw new RunPlotError(`the window must satisfy 0 <= --from < --to (got ${fromMs} ms to ${toMs} ms).`);
  for (const run of runs) {
    if (toMs > run.summary.durationMs + 1e-9) {
      throw new RunPlotError(`--to ${toMs} ms is past the end of '${run.dir}' (${run.summary.durationMs} ms simulated).`);
    }
    if (options.trial !== undefined && options.trial >= run.summary.batch) {
      throw new RunPlotError(`--trial ${options.trial}: '${run.dir}' has ${run.summary.batch} trial${run.summary.batch === 1 ? '' : 's'} (0-${run.summary.batch - 1}).`);
    }
  }
  const trial = options.trial ?? 0;
  const neurons = options.neurons ?? DEFAULT_RASTER_NEURONS;
  if (!Number.isInteger(neurons) || neurons < 1) throw new RunPlotError(`--neurons must be an integer >= 1 (got ${neurons}).`);
  const binMsRequested = options.binMs ?? DEFAULT_RATE_BIN_MS;
  if (!(binMsRequested > 0)) throw new RunPlotError(`--bin must be a positive number of ms (got ${binMsRequested}).`);

  interface Partial {
    cell: Omit<PopulationPlotData, 'isiHistogram' | 'cvHistogram'>;
    isi: Float64Array;
    cvs: Float64Array;
  }
  const partial: Partial[] = [];
  for (const [r, run] of runs.entries()) {
    const { dtMs, batch } = run.summary;
    const fromStep = Math.round(fromMs / dtMs);
    const toStep = Math.max(fromStep + 1, Math.round(toMs / dtMs));
    const binSteps = Math.max(1, Math.round(binMsRequested / dtMs));
    const nBins = Math.floor((toStep - fromStep) / binSteps);
    if (nBins < 1) throw new RunPlotError(`--bin ${binMsRequested} ms is longer than the window (${fromMs}-${toMs} ms).`);
    for (const rec of run.spikes) {
      // Grouped once: the rate and CV statistics, the ISIs and the CV histogram all use them.
      const trains = groupSpikeTrains(rec, { batch, fromStep, toStep });
      const cvs = interspikeIntervalCvs(trains);
      const stats = groupedTrainStatistics(trains, cvs, { dtMs, windowSteps: toStep - fromStep, size: rec.populationSize });
      const rows = Uint32Array.from(rec.neurons).sort().slice(0, neurons);
      const shown = new Set(rows);
      const times: number[] = [];
      const ids: number[] = [];
      for (let i = 0; i < rec.steps.length; i++) {
        const step = rec.steps[i]!;
        if (step < fromStep || step >= toStep || rec.trials[i] !== trial || !shown.has(rec.senders[i]!)) continue;
        times.push(step * dtMs);
        ids.push(rec.senders[i]!);
      }
      const isi = interspikeIntervalsMs(trains, dtMs);
      partial.push({
        cell: {
          isiMeanMs: isi.length > 0 ? isi.reduce((a, b) => a + b, 0) / isi.length : null,
          run: labels[r]!,
          population: rowLabel(rec),
          size: rec.populationSize,
          nRecorded: stats.n_recorded,
          rateHz: stats.rate_hz,
          cvIsi: stats.cv_isi,
          rasterTimesMs: Float64Array.from(times),
          rasterNeurons: Uint32Array.from(ids),
          rasterRows: rows,
          rateBinStartMs: Float64Array.from({ length: nBins }, (_, b) => (fromStep + b * binSteps) * dtMs),
          rateHzPerBin: binnedSpikeRate(rec, { trial, fromStep, binSteps, nBins, dtMs }),
          binMs: binSteps * dtMs,
        },
        isi,
        cvs,
      });
    }
  }

  const populations = [...new Set(partial.map((p) => p.cell.population))];
  const isiEdges = new Map<string, Float64Array>();
  for (const pop of populations) {
    let min = Infinity;
    let max = 0;
    for (const p of partial) {
      if (p.cell.population !== pop) continue;
      for (const v of p.isi) {
        if (v > 0 && v < min) min = v;
        if (v > max) max = v;
      }
    }
    isiEdges.set(pop, min === Infinity ? logEdges(1, 10) : logEdges(min, max));
  }
  let cvTop = 0;
  for (const p of partial) for (const cv of p.cvs) cvTop = Math.max(cvTop, cv);
  const cvEdges = edgesUpTo(Math.max(0.5 - CV_BIN / 2, cvTop), CV_BIN);
  const cells = partial.map((p) => ({
    ...p.cell,
    isiHistogram: histogram(p.isi, isiEdges.get(p.cell.population)!),
    cvHistogram: histogram(p.cvs, cvEdges),
  }));
  return { runs: labels, networks: runs.map((r) => r.summary.network), populations, fromMs, toMs, trial, neurons, cells };
}

function runLabels(runs: readonly RunFolder[], given: readonly string[] | undefined): string[] {
  if (given !== undefined) {
    if (given.length !== runs.length) throw new RunPlotError(`--labels gives ${given.length} label${given.length === 1 ? '' : 's'} for ${runs.length} run folder${runs.length === 1 ? '' : 's'}.`);
    return [...given];
  }
  const labels = runs.map((r) => r.summary.simulator);
  return labels.map((l, i) => (labels.indexOf(l) !== labels.lastIndexOf(l) ? `${l} (${runs[i]!.dir})` : l));
}

// ---------------------------------------------------------------------------------------------
// Vega-Lite specs
// ---------------------------------------------------------------------------------------------

/** Names of the four figures, used as file stems. */
export type RunFigureName = 'raster' | 'rates' | 'isi' | 'cv_isi';

/** The figures {@link runPlotSpecs} builds, in this order. */
export const RUN_FIGURES: readonly RunFigureName[] = ['raster', 'rates', 'isi', 'cv_isi'];

const CELL_WIDTH = 420;
const fmt = (x: number, digits: number): string => x.toFixed(digits);
const cvText = (cv: number | null): string => (cv === null ? 'CV ISI –' : `CV ISI ${fmt(cv, 2)}`);

/** Cells of the grid: rows = populations, columns = runs (a missing cell is left empty). */
function grid(data: RunPlotData, cell: (c: PopulationPlotData) => Record<string, unknown>): Record<string, unknown> {
  return {
    vconcat: data.populations.map((pop) => ({
      hconcat: data.runs.map((run) => {
        const c = data.cells.find((x) => x.run === run && x.population === pop);
        return c === undefined ? { title: `${run} · ${pop}: not recorded`, mark: 'point', data: { values: [] }, width: CELL_WIDTH, height: 40 } : cell(c);
      }),
    })),
  };
}

/** A cell's title: what (bold) and its numbers (subtitle), left-aligned on the plot. */
function cellTitle(text: string, subtitle: string): Record<string, unknown> {
  return { text, subtitle, anchor: 'start', fontSize: 12, subtitleFontSize: 11 };
}

function windowText(data: RunPlotData): string {
  return `${fmt(data.fromMs, 0)}–${fmt(data.toMs, 0)} ms`;
}

/**
 * A titled Vega-Lite figure in the project's house style (white background, plain axis titles,
 * start-anchored title with a grey subtitle): what every figure of the run plots and the study
 * protocols is wrapped in.
 * @param subtitle one line or several
 * @param body the figure's marks, data, encodings or concatenations
 * @param config extra Vega-Lite config entries, merged over the house style's
 */
export function figureSpec(title: string, subtitle: string | readonly string[], body: Record<string, unknown>, config: Record<string, unknown> = {}): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, anchor: 'start', fontSize: 14 },
    background: 'white',
    padding: 10,
    config: { aria: false, axis: { titleFontWeight: 'normal', labelFontSize: 10, titleFontSize: 11 }, title: { subtitleColor: '#444' }, ...config },
    ...body,
  } as unknown as TopLevelSpec;
}

/**
 * Vega-Lite specs of the four figures: raster (x time in ms, y neuron index), population rates
 * (x time in ms, y rate in Hz = spikes/s per recorded neuron), ISI histogram (x interval in ms,
 * y fraction of intervals) and CV-ISI histogram (x CV, dimensionless; y fraction of neuron-trial
 * pairs). Every run is a column with the same axis domains, so columns compare directly.
 */
export function runPlotSpecs(data: RunPlotData): Record<RunFigureName, TopLevelSpec> {
  const networks = [...new Set(data.networks)].join(', ');
  const xTime = { field: 't', type: 'quantitative', title: 'time (ms)', scale: { domain: [data.fromMs, data.toMs], nice: false } };
  const trialText = `trial ${data.trial}`;

  const raster = figureSpec(`Spike raster, ${trialText}, ${windowText(data)}`, `${networks}; first ${data.neurons} recorded neurons per population`, grid(data, (c) => {
    const lo = c.rasterRows.length > 0 ? c.rasterRows[0]! : 0;
    const hi = c.rasterRows.length > 0 ? c.rasterRows[c.rasterRows.length - 1]! : 1;
    return {
      title: cellTitle(`${c.run} · ${c.population}`, `${fmt(c.rateHz, 2)} Hz, ${cvText(c.cvIsi)}; rows: ${c.rasterRows.length} of ${c.nRecorded} recorded, ${c.size} neurons`),
      width: CELL_WIDTH,
      height: Math.min(240, Math.max(80, 2 * c.rasterRows.length)),
      data: { values: Array.from(c.rasterTimesMs, (t, i) => ({ t, n: c.rasterNeurons[i] })) },
      mark: { type: 'square', size: 2.5, opacity: 1, color: '#1f4e79' },
      encoding: {
        x: xTime,
        y: { field: 'n', type: 'quantitative', title: 'neuron index', scale: { domain: [lo - 0.5, hi + 0.5], nice: false, zero: false }, axis: { format: 'd', tickMinStep: 1 } },
      },
    };
  }));

  let rateMax = 1;
  for (const c of data.cells) for (const r of c.rateHzPerBin) rateMax = Math.max(rateMax, r);
  const binMs = [...new Set(data.cells.map((c) => Number(c.binMs.toFixed(6))))].join(' / ');
  const rates = figureSpec(`Population rates, ${trialText}, ${binMs} ms bins, ${windowText(data)}`, `${networks}; spikes per second per recorded neuron`, {
    hconcat: data.runs.map((run) => {
      const cells = data.cells.filter((c) => c.run === run);
      return {
        title: cellTitle(run, `mean over all trials: ${cells.map((c) => `${c.population} ${fmt(c.rateHz, 2)} Hz`).join(', ')}`),
        width: CELL_WIDTH,
        height: 180,
        data: { values: cells.flatMap((c) => Array.from(c.rateHzPerBin, (r, b) => ({ t: c.rateBinStartMs[b]! + c.binMs / 2, rate: r, population: c.population }))) },
        mark: { type: 'line', strokeWidth: 1, interpolate: 'linear' },
        encoding: {
          x: xTime,
          y: { field: 'rate', type: 'quantitative', title: 'rate (Hz)', scale: { domain: [0, niceCeil(rateMax)], nice: false } },
          color: { field: 'population', type: 'nominal', title: 'population', scale: { domain: [...data.populations], range: CATEGORY_COLOURS } },
        },
      };
    }),
  });

  const histogramCell = (c: PopulationPlotData, h: Histogram, title: Record<string, unknown>, xTitle: string, yTitle: string, yMax: number, xScale: 'log' | 'linear'): Record<string, unknown> => ({
    title,
    width: CELL_WIDTH,
    height: 150,
    data: { values: Array.from(h.fraction, (f, i) => ({ lo: h.edges[i]!, hi: h.edges[i + 1]!, f })) },
    mark: { type: 'rect', color: CATEGORY_COLOURS[data.populations.indexOf(c.population) % CATEGORY_COLOURS.length] },
    encoding: {
      x: { field: 'lo', type: 'quantitative', title: xTitle, scale: { type: xScale, domain: [h.edges[0]!, h.edges[h.edges.length - 1]!], nice: false }, axis: { format: '~g' } },
      x2: { field: 'hi' },
      y: { field: 'f', type: 'quantitative', title: yTitle, scale: { domain: [0, niceCeil(yMax)], nice: false } },
      y2: { datum: 0 },
    },
  });
  const yMaxOf = (pick: (c: PopulationPlotData) => Histogram, pop: string): number =>
    Math.max(1e-6, ...data.cells.filter((c) => c.population === pop).flatMap((c) => Array.from(pick(c).fraction)));

  const isi = figureSpec(`Inter-spike intervals, all trials, ${windowText(data)}`, `${networks}; logarithmic bins, ${ISI_BINS_PER_DECADE} per decade`, grid(data, (c) => {
    const h = c.isiHistogram;
    return histogramCell(c, h,
      cellTitle(`${c.run} · ${c.population}`, `${h.count.toLocaleString('en-US')} intervals, mean ${c.isiMeanMs === null ? '–' : fmt(c.isiMeanMs, 1)} ms`),
      'inter-spike interval (ms)', 'fraction of intervals', yMaxOf((x) => x.isiHistogram, c.population), 'log');
  }));

  const cv = figureSpec(`CV of inter-spike intervals, all trials, ${windowText(data)}`, `${networks}; one value per neuron and trial with ≥ 3 spikes in the window`, grid(data, (c) =>
    histogramCell(c, c.cvHistogram,
      cellTitle(`${c.run} · ${c.population}`, `mean ${cvText(c.cvIsi)} over ${c.cvHistogram.count.toLocaleString('en-US')} neuron-trials`),
      'CV ISI (std / mean of intervals, dimensionless)', 'fraction of neuron-trials', yMaxOf((x) => x.cvHistogram, c.population), 'linear')));

  return { raster, rates, isi, cv_isi: cv };
}

/**
 * Render a Vega-Lite spec to an SVG document with Vega's headless renderer (works in Node and
 * browsers; text widths are estimated, fonts are the generic `sans-serif`).
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
