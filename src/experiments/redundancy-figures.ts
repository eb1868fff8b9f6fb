/**
 * Figures of the redundancy study (SVG): ρ over days (task, passive, feedforward control);
 * population vs single-neuron information over days; ρ within the trial early vs late; the
 * covariance matrix of a recorded array sorted by preferred orientation, early vs late.
 */
import { figure, heatmapPanel, linePanel, type Series } from './svg-figures.js';
import type { RedundancyResults } from './redundancy.js';

/** One SVG document per figure, by file name. */
export function redundancyFigures(r: RedundancyResults): { name: string; svg: string }[] {
  const days = r.days;
  const condition = (label: string, values: { mean: number[]; se: number[] }, color: string, dashed = false): Series =>
    ({ label, x: days, y: values.mean, error: values.se, color, dashed, markers: true });
  const footer = `cortexgpu redundancy study · ${r.adapter} · ${r.options.sensoryNeurons} sensory neurons, ${r.options.arrays} arrays × ${r.options.arrayNeurons} · mean ± SE across arrays`;

  const rhoOverDays = figure([
    (box) => linePanel({
      title: 'Redundancy ρ = 1 − I/I_shuffle over learning',
      xLabel: 'day', yLabel: 'ρ',
      series: [
        condition('task', r.task.rho, '#0072B2'),
        condition('passive viewing', r.passive.rho, '#E69F00'),
        condition('feedforward learner', r.feedforward_control.rho, '#009E73', true),
      ],
      horizontalLines: [{ y: 0, color: '#999' }, { y: 0.5, label: 'half shared', color: '#ccc' }],
      legend: 'top-left',
    }, box),
  ], { columns: 1, panelWidth: 560, panelHeight: 340, caption: footer });

  const normalise = (values: { mean: number[]; se: number[] }): { mean: number[]; se: number[] } => {
    const first = values.mean[0]!;
    return { mean: values.mean.map((v) => v / first), se: values.se.map((v) => v / first) };
  };
  // Population, shuffled and single-neuron information of one condition, relative to day 1.
  const informationPanel = (title: string, series: RedundancyResults['task'], populationLabel: string) => (box: Parameters<typeof linePanel>[1]) =>
    linePanel({
      title,
      xLabel: 'day', yLabel: 'information / day 1',
      series: [
        condition(populationLabel, normalise(series.I_bc), '#0072B2'),
        condition('shuffled I_shuffle_bc', normalise(series.I_shuffle_bc), '#D55E00'),
        condition('mean single-neuron information', normalise(series.single_neuron_mean), '#CC79A7', true),
      ],
      horizontalLines: [{ y: 1, color: '#999' }],
      legend: 'top-left',
    }, box);
  const informationOverDays = figure([
    informationPanel('Task: population vs single-neuron information (relative to day 1)', r.task, 'population I_bc (96-neuron arrays)'),
    informationPanel('Feedforward learner (control)', r.feedforward_control, 'population I_bc'),
  ], { columns: 2, panelWidth: 460, panelHeight: 340, caption: footer });

  const w = r.within_trial;
  const withinTrial = figure([
    (box) => linePanel({
      title: 'ρ within the trial (100 ms windows sliding by 50 ms)',
      xLabel: 'window centre after stimulus onset (ms)', yLabel: 'ρ',
      series: [
        { label: `day ${w.early_day} (early)`, x: w.window_centers_ms, y: w.early.mean, error: w.early.se, color: '#999999', markers: true },
        { label: `day ${w.late_day} (late)`, x: w.window_centers_ms, y: w.late.mean, error: w.late.se, color: '#0072B2', markers: true },
      ],
      horizontalLines: [{ y: 0, color: '#ccc' }],
      legend: 'top-left',
    }, box),
  ], { columns: 1, panelWidth: 560, panelHeight: 340, caption: footer });

  // Noise correlations (diagonal left out, shown grey) on a common colour range: the 98th
  // percentile of |r| over both days, so that structure is visible rather than single outliers.
  const c = r.covariance;
  const correlations = (cov: readonly number[]): number[] =>
    cov.map((v, k) => {
      const i = Math.floor(k / c.neurons);
      const j = k % c.neurons;
      return i === j ? Number.NaN : v / Math.sqrt(cov[i * c.neurons + i]! * cov[j * c.neurons + j]!);
    });
  const early = correlations(c.early);
  const late = correlations(c.late);
  const magnitudes = [...early, ...late].filter(Number.isFinite).map(Math.abs).sort((x, y) => x - y);
  const limit = Math.max(1e-6, magnitudes[Math.floor(0.98 * (magnitudes.length - 1))] ?? 1e-6);
  const heatmap = (title: string, values: number[]) => (box: Parameters<typeof heatmapPanel>[1]) =>
    heatmapPanel({ title, values, rows: c.neurons, cols: c.neurons, colorScale: 'diverging', range: [-limit, limit], rowLabel: 'neuron (sorted by preferred orientation)', colLabel: 'neuron', colorbarLabel: 'noise correlation' }, box);
  const covariance = figure([
    heatmap(`Noise correlations, day ${w.early_day}`, early),
    heatmap(`Noise correlations, day ${w.late_day}`, late),
  ], { columns: 2, panelWidth: 460, panelHeight: 420, caption: `Array 1, stimulus a, daily window, neurons sorted by preferred orientation (0° → 180°); learned feedback adds correlations of the sign of f'_i f'_j (same-side neurons positive, opposite-side negative). ${footer}` });

  return [
    { name: 'rho_over_days.svg', svg: rhoOverDays },
    { name: 'information_over_days.svg', svg: informationOverDays },
    { name: 'rho_within_trial.svg', svg: withinTrial },
    { name: 'correlations_early_late.svg', svg: covariance },
  ];
}

/** The `results.json` layout of the CLI: flat per-day arrays with standard errors. */
export function redundancyResultsJson(r: RedundancyResults): unknown {
  const flat = (s: RedundancyResults['task']) => ({
    I_bc: s.I_bc.mean, I_bc_se: s.I_bc.se,
    I_shuffle_bc: s.I_shuffle_bc.mean, I_shuffle_bc_se: s.I_shuffle_bc.se,
    rho: s.rho.mean, rho_se: s.rho.se,
    single_neuron_mean: s.single_neuron_mean.mean, single_neuron_mean_se: s.single_neuron_mean.se,
    I_bc_estimator_se: s.I_bc_estimator_se,
  });
  return {
    study: r.study,
    adapter: r.adapter,
    information_units: 'deg^-2 (stimulus difference 90 deg)',
    standard_errors: 'across recorded arrays (between-array SD / sqrt(arrays)); I_bc_estimator_se is the mean of the per-array Kanitscheider SE',
    options: r.options,
    days: r.days,
    task: flat(r.task),
    passive: flat(r.passive),
    feedforward_control: flat(r.feedforward_control),
    behaviour: r.behaviour,
    within_trial: {
      window_centers_ms: r.within_trial.window_centers_ms,
      early: { day: r.within_trial.early_day, rho: r.within_trial.early.mean, rho_se: r.within_trial.early.se },
      late: { day: r.within_trial.late_day, rho: r.within_trial.late.mean, rho_se: r.within_trial.late.se },
    },
    other_task_rho: r.other_task_rho,
    after_switch: r.after_switch,
    covariance_array0: r.covariance,
    modelling_choices: r.modelling_choices,
    wall_s: r.wall_s,
  };
}
