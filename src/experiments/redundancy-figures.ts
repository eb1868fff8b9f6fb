/**
 * Figures of the redundancy study as Vega-Lite specs rendered to SVG (Vega's headless renderer,
 * `renderSvg` of `src/analysis/run-plots.ts`): ρ over days (task, passive viewing, feedforward
 * control), population and single-neuron information over days, what learning produced
 * (feedback gain and alignment, the control's noise weights), ρ within the trial on the first
 * and last day, and the noise correlations of one recorded array on the first and last day.
 * Every error bar is ± one standard error across independently built networks (seeds).
 */
import type { TopLevelSpec } from 'vega-lite';
import { figureSpec, renderSvg } from '../analysis/run-plots.js';
import type { DailyMeasure, RedundancyResults } from './redundancy.js';

const CONDITIONS = [
  { key: 'task', label: 'task (engaged)', colour: '#0072B2' },
  { key: 'passive', label: 'passive viewing (disengaged)', colour: '#E69F00' },
  { key: 'feedforward_control', label: 'feedforward control', colour: '#009E73' },
] as const;

interface Row {
  readonly x: number;
  readonly series: string;
  readonly mean: number;
  readonly lo: number;
  readonly hi: number;
}

function rows(x: readonly number[], series: string, m: DailyMeasure, scale = 1): Row[] {
  return x.map((xi, i) => ({ x: xi, series, mean: m.mean[i]! * scale, lo: (m.mean[i]! - m.se[i]!) * scale, hi: (m.mean[i]! + m.se[i]!) * scale }))
    .filter((r) => Number.isFinite(r.mean) && Number.isFinite(r.lo) && Number.isFinite(r.hi));
}

/** A line-with-error-bars panel: one series per colour. */
function linePanel(title: string, subtitle: string, xTitle: string, yTitle: string, data: Row[], colours: { domain: string[]; range: string[] }, extraLayers: Record<string, unknown>[] = []): Record<string, unknown> {
  const color = { field: 'series', type: 'nominal', title: null, scale: colours, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 400 } };
  return {
    title: { text: title, subtitle, anchor: 'start', fontSize: 12, subtitleFontSize: 10 },
    width: 340,
    height: 220,
    data: { values: data },
    layer: [
      ...extraLayers,
      { mark: { type: 'line', point: true }, encoding: { x: { field: 'x', type: 'quantitative', title: xTitle, axis: { tickMinStep: 1 } }, y: { field: 'mean', type: 'quantitative', title: yTitle, scale: { zero: false } }, color } },
      { mark: { type: 'errorbar', ticks: true }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' }, color } },
    ],
  };
}


const rule = (y: number): Record<string, unknown> => ({ data: { values: [{ y }] }, mark: { type: 'rule', color: '#bbb', strokeDash: [4, 3] }, encoding: { y: { field: 'y', type: 'quantitative' } } });

/** Vega-Lite specs of the study's figures, by file name (without `.svg`). */
export function redundancyFigureSpecs(r: RedundancyResults): Record<string, TopLevelSpec> {
  const o = r.options;
  const footer = [
    `${r.seeds.length} networks (seeds ${r.seeds.join(', ')}), ${o.sensoryNeurons} sensory neurons, arrays of ${o.arrayNeurons}, ${o.trialsPerDay / 2} trials per stimulus per day; mean ± SE across seeds`,
    r.adapter,
  ];
  const conditionColours = { domain: CONDITIONS.map((c) => c.label), range: CONDITIONS.map((c) => c.colour) };
  const byCondition = (pick: (s: RedundancyResults['task']) => DailyMeasure, scale = 1): Row[] => CONDITIONS.flatMap((c) => rows(r.days, c.label, pick(r[c.key]), scale));

  const rho = figureSpec('Redundancy ρ = 1 − I/I_shuffle of recorded spike counts over learning', footer, {
    hconcat: [
      linePanel('ρ per day', 'bias-corrected linear Fisher information, one array per network', 'day', 'ρ', byCondition((s) => s.rho), conditionColours, [rule(0)]),
      linePanel('Mean noise correlation, same-side pairs', "pairs whose f' have the same sign", 'day', 'noise correlation', byCondition((s) => s.noise_correlation_same_side), conditionColours, [rule(0)]),
    ],
  });

  const information = figureSpec('Population and single-neuron information of the recorded arrays', footer, {
    hconcat: [
      linePanel('Population information I_bc', 'bias-corrected, deg⁻² × 10³', 'day', 'I_bc (10⁻³ deg⁻²)', byCondition((s) => s.I_bc, 1e3), conditionColours),
      linePanel('Mean single-neuron information', 'bias-corrected, deg⁻² × 10⁵', 'day', 'j (10⁻⁵ deg⁻²)', byCondition((s) => s.single_neuron, 1e5), conditionColours),
      linePanel('Fraction of correct choices', 'decision pools (passive: readout gated off)', 'day', 'accuracy', byCondition((s) => s.accuracy), conditionColours, [rule(0.5)]),
    ],
  });

  const learnedColours = { domain: ['feedback gain g (task network)', 'alignment: cos(u_b − u_a, response difference)', 'control: mean noise-pool weight'], range: ['#0072B2', '#56B4E9', '#009E73'] };
  const learned = figureSpec('What the local rules produced (measured before each day\'s learning)', footer, {
    hconcat: [
      linePanel('Feedback', 'gain: slope of feedback-driven on feedforward rate difference', 'day', 'value', [
        ...rows(r.days, learnedColours.domain[0]!, r.learned.feedback_gain),
        ...rows(r.days, learnedColours.domain[1]!, r.learned.feedback_alignment),
      ], learnedColours, [rule(0)]),
      linePanel('Feedforward control', 'anti-Hebbian weights from the shared noise pools', 'day', 'weight per spike', rows(r.days, learnedColours.domain[2]!, r.learned.control_noise_weight), learnedColours),
    ],
  });

  const withinColours = { domain: [`day 1`, `day ${r.days.length}`], range: ['#999999', '#0072B2'] };
  const within = figureSpec('ρ within the trial, task condition (100 ms windows after stimulus onset)', footer, {
    ...linePanel('ρ per window', 'feedback arrives after 50 ms', 'window centre (ms)', 'ρ', [
      ...rows(r.within_trial.window_centers_ms, withinColours.domain[0]!, r.within_trial.first_day),
      ...rows(r.within_trial.window_centers_ms, withinColours.domain[1]!, r.within_trial.last_day),
    ], withinColours, [rule(0)]),
  });

  const c = r.correlations;
  const cells = (values: readonly number[], day: string): Record<string, unknown>[] => values.flatMap((v, k) => {
    const i = Math.floor(k / c.neurons);
    const j = k % c.neurons;
    return i === j ? [] : [{ i, j, v, day }];
  });
  const offDiagonal = (values: readonly number[]): number[] => values.filter((v, k) => Math.floor(k / c.neurons) !== k % c.neurons && Number.isFinite(v)).map(Math.abs);
  const magnitudes = [...offDiagonal(c.first_day), ...offDiagonal(c.last_day)].sort((x, y) => x - y);
  const limit = Math.max(0.05, magnitudes[Math.floor(0.98 * (magnitudes.length - 1))] ?? 0.05);
  const heat = (values: readonly number[], day: string): Record<string, unknown> => ({
    title: { text: `Noise correlations, ${day}`, anchor: 'start', fontSize: 12 },
    width: 260,
    height: 260,
    data: { values: cells(values, day) },
    mark: 'rect',
    encoding: {
      x: { field: 'j', type: 'ordinal', title: 'neuron (by preferred orientation)', axis: null },
      y: { field: 'i', type: 'ordinal', title: 'neuron (by preferred orientation)', axis: null },
      color: { field: 'v', type: 'quantitative', title: 'r', scale: { scheme: 'redblue', reverse: true, domain: [-limit, limit], clamp: true } },
    },
  });
  const correlations = figureSpec('Noise correlations of one recorded array (first network), task condition', ['neurons sorted by preferred orientation (0° → 180°); stimulus-conditioned, averaged over the two stimuli; colour scale clipped at the 98th percentile of |r|', ...footer], {
    hconcat: [heat(c.first_day, 'day 1'), heat(c.last_day, `day ${r.days.length}`)],
  });

  return { rho_over_days: rho, information_over_days: information, learned_weights: learned, rho_within_trial: within, correlations_first_last: correlations };
}

/** The figures as SVG documents, by file name. */
export async function redundancyFigures(r: RedundancyResults): Promise<{ name: string; svg: string }[]> {
  const specs = redundancyFigureSpecs(r);
  const out: { name: string; svg: string }[] = [];
  for (const [name, spec] of Object.entries(specs)) out.push({ name: `${name}.svg`, svg: await renderSvg(spec) });
  return out;
}

/**
 * The `results.json` layout of the CLI: per condition and day, `rho_mean`, `rho_se`, `I_bc_mean`,
 * `I_bc_se` (and the other measures the same way), with every seed's values.
 */
export function redundancyResultsJson(r: RedundancyResults): unknown {
  const flat = (m: DailyMeasure): { mean: number[]; se: number[]; per_seed: number[][] } => ({ mean: m.mean, se: m.se, per_seed: m.perSeed });
  const condition = (s: RedundancyResults['task']): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, m] of Object.entries(s) as [string, DailyMeasure][]) {
      out[`${name}_mean`] = m.mean;
      out[`${name}_se`] = m.se;
      out[`${name}_per_seed`] = m.perSeed;
    }
    return out;
  };
  return {
    study: r.study,
    adapter: r.adapter,
    information_units: 'deg^-2 (stimulus difference 90 deg)',
    standard_errors: 'across seeds (independently built networks): SD / sqrt(seeds); per_seed holds each network\'s values',
    seeds: r.seeds,
    options: r.options,
    days: r.days,
    task: condition(r.task),
    passive: condition(r.passive),
    feedforward_control: condition(r.feedforward_control),
    learned: Object.fromEntries(Object.entries(r.learned).map(([k, m]) => [k, flat(m)])),
    within_trial: { window_centers_ms: r.within_trial.window_centers_ms, first_day: flat(r.within_trial.first_day), last_day: flat(r.within_trial.last_day) },
    correlations_first_network: r.correlations,
    modelling_choices: r.modelling_choices,
    wall_s: r.wall_s,
  };
}
