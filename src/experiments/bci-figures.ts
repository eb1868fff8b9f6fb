/**
 * Figures of the BCI study as Vega-Lite specs rendered to SVG by Vega's headless renderer
 * ({@link renderSvg}): learning curves, the feedback–role correlation and the learned feedback
 * weights, dendritic residuals by group and outcome, E1/E2 activity, the learning-rate and
 * decoder-noise sweeps, and sessions-to-criterion against the number of target neurons. Every
 * error bar is ± SE across independently built networks; per-network values are drawn as dots.
 */
import type { TopLevelSpec } from 'vega-lite';
import { figureSpec, renderSvg } from '../analysis/run-plots.js';
import { targetModelOf, type BciResults, type ConditionResult, type Teaching } from './bci.js';

const COLORS: Record<Teaching, string> = { vectorized: '#0072B2', scalar: '#D55E00', blocked: '#777777' };
const LABELS: Record<Teaching, string> = { vectorized: 'vectorized', scalar: 'scalar (shared feedback)', blocked: 'blocked (no apical input to targets)' };
const WIDTH = 420;
const HEIGHT = 260;

const topLevel = (title: string, subtitle: string, body: Record<string, unknown>): TopLevelSpec => figureSpec(title, subtitle, body, { legend: { labelLimit: 260 } });

function conditions(r: BciResults): { teaching: Teaching; c: ConditionResult }[] {
  return (['vectorized', 'scalar', 'blocked'] as const).flatMap((teaching) => (r[teaching] ? [{ teaching, c: r[teaching] }] : []));
}

/** Line with ± SE error bars per session and condition. */
function sessionPanel(title: string, yTitle: string, rows: Record<string, unknown>[], yDomain: [number, number] | null, rules: { y: number; label: string }[], colorDomain: string[], colorRange: string[]): Record<string, unknown> {
  const y = { field: 'y', type: 'quantitative', title: yTitle, ...(yDomain ? { scale: { domain: yDomain } } : {}) };
  const x = { field: 'session', type: 'quantitative', title: 'session', axis: { tickMinStep: 1, format: 'd' } };
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: colorDomain, range: colorRange }, legend: { orient: 'bottom', columns: 1 } };
  return {
    title: { text: title, anchor: 'start', fontSize: 12 },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      { data: { values: rows }, mark: { type: 'line', point: true }, encoding: { x, y, color, strokeDash: { field: 'dash', type: 'nominal', legend: null } } },
      { data: { values: rows }, mark: { type: 'errorbar', ticks: true }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color } },
      ...(rules.length > 0
        ? [
            { data: { values: rules }, mark: { type: 'rule', color: '#bbb', strokeDash: [4, 3] }, encoding: { y: { field: 'y', type: 'quantitative' } } },
            { data: { values: rules }, mark: { type: 'text', align: 'left', dx: 3, dy: -6, color: '#888', fontSize: 10 }, encoding: { y: { field: 'y', type: 'quantitative' }, x: { datum: 1 }, text: { field: 'label' } } },
          ]
        : []),
    ],
  };
}

/** The figures' Vega-Lite specs, by file name (`.svg`). */
export function bciFigureSpecs(r: BciResults): Record<string, TopLevelSpec> {
  const o = r.options;
  const footer = `${r.seeds.length} networks per condition (seeds ${r.seeds.join(', ')}), mean ± SE across networks · ${targetModelOf(o).networkSummary(o)}, ${o.targetsPerGroup} + ${o.targetsPerGroup} targets, ${o.trialsPerSession} trials per session · ${r.adapter}`;
  const conds = conditions(r);
  const specs: Record<string, TopLevelSpec> = {};

  const hitRows = conds.flatMap(({ teaching, c }) => c.hit_rate_mean.map((m, s) => ({ session: s + 1, y: m, lo: m - c.hit_rate_se[s]!, hi: m + c.hit_rate_se[s]!, series: LABELS[teaching], dash: 'solid' })));
  specs['learning_curves.svg'] = topLevel('Hit rate over sessions', footer, sessionPanel('hit rate', 'hit rate', hitRows, [0, 1],
    [{ y: o.chanceHitRate, label: 'calibrated chance' }, { y: o.criterion, label: 'criterion' }], conds.map((x) => LABELS[x.teaching]), conds.map((x) => COLORS[x.teaching])));

  const activityRows = conds.flatMap(({ teaching, c }) => [
    ...c.e1_activity_mean.map((m, s) => ({ session: s + 1, y: m, lo: m - c.e1_activity_se[s]!, hi: m + c.e1_activity_se[s]!, series: `E1, ${teaching}`, dash: 'solid' })),
    ...c.e2_activity_mean.map((m, s) => ({ session: s + 1, y: m, lo: m - c.e2_activity_se[s]!, hi: m + c.e2_activity_se[s]!, series: `E2, ${teaching}`, dash: 'dashed' })),
  ]);
  specs['target_activity.svg'] = topLevel('Target activity across sessions (E1 must rise, E2 fall)', footer, sessionPanel('mean rate during the trial', 'rate (model units)', activityRows, null, [],
    conds.flatMap((x) => [`E1, ${x.teaching}`, `E2, ${x.teaching}`]), conds.flatMap((x) => [COLORS[x.teaching], COLORS[x.teaching]])));

  // Feedback–role correlation per session, and the learned weights by role.
  const corrConds = conds.filter(({ c }) => c.feedback_role_correlation.some((v) => v !== null));
  const corrRows = corrConds.flatMap(({ teaching, c }) => c.feedback_role_correlation.flatMap((m, s) => (m === null ? [] : [{ session: s + 1, y: m, lo: m - (c.feedback_role_correlation_se[s] ?? 0), hi: m + (c.feedback_role_correlation_se[s] ?? 0), series: LABELS[teaching], dash: 'solid' }])));
  const weightRows = corrConds.flatMap(({ teaching, c }) => c.per_seed.flatMap((seed) => seed.feedback_weights.map((w, k) => ({ role: seed.roles[k]! > 0 ? 'E1 (+1)' : 'E2 (−1)', w, series: LABELS[teaching], seed: seed.seed }))));
  specs['feedback_weights.svg'] = topLevel('Learned feedback weights: does each target\'s signal take the sign of its role?', footer, {
    hconcat: [
      sessionPanel('correlation across targets of feedback weight and role (+1 E1, −1 E2), during each session', 'correlation', corrRows, [-1, 1], [{ y: 0, label: '' }], corrConds.map((x) => LABELS[x.teaching]), corrConds.map((x) => COLORS[x.teaching])),
      {
        title: { text: 'learned feedback weight per target neuron, after the last session', anchor: 'start', fontSize: 12 },
        width: 260,
        height: HEIGHT,
        data: { values: weightRows },
        mark: { type: 'point', filled: true, opacity: 0.7 },
        encoding: {
          x: { field: 'role', type: 'nominal', title: 'causal role', axis: { labelAngle: 0 } },
          xOffset: { field: 'series', type: 'nominal' },
          y: { field: 'w', type: 'quantitative', title: 'feedback weight B_i (outcome → apical)' },
          color: { field: 'series', type: 'nominal', title: null, scale: { domain: corrConds.map((x) => LABELS[x.teaching]), range: corrConds.map((x) => COLORS[x.teaching]) }, legend: { orient: 'bottom', columns: 1 } },
        },
      },
    ],
  });

  // Dendritic residuals: condition × group × outcome, mean ± SE across networks, dots per network.
  const residualRows = conds.flatMap(({ teaching, c }) => (['E1', 'E2'] as const).flatMap((group) => (['rewarded', 'unrewarded'] as const).map((outcome) => {
    const s = c.dendritic_residual[group][outcome];
    return { condition: teaching, group, outcome, mean: s.mean, lo: s.mean - s.se, hi: s.mean + s.se };
  }))).filter((row) => Number.isFinite(row.mean));
  const residualSeeds = conds.flatMap(({ teaching, c }) => (['E1', 'E2'] as const).flatMap((group) => (['rewarded', 'unrewarded'] as const).flatMap((outcome) =>
    c.dendritic_residual[group][outcome].per_seed.flatMap((v) => (v === null ? [] : [{ condition: teaching, group, outcome, v }])))));
  const outcomeColor = { field: 'outcome', type: 'nominal', title: 'trial outcome', scale: { domain: ['rewarded', 'unrewarded'], range: ['#009E73', '#CC79A7'] } };
  specs['dendritic_residuals.svg'] = topLevel('Dendritic residual (dendrite ΔF/F minus its prediction from the soma), outcome period', footer, {
    hconcat: conds.map(({ teaching }) => ({
      title: { text: LABELS[teaching], anchor: 'start', fontSize: 12 },
      width: 200,
      height: HEIGHT,
      layer: [
        { data: { values: residualRows.filter((x) => x.condition === teaching) }, mark: { type: 'bar', opacity: 0.6 }, encoding: { x: { field: 'group', type: 'nominal', title: null, axis: { labelAngle: 0 } }, xOffset: { field: 'outcome', type: 'nominal' }, y: { field: 'mean', type: 'quantitative', title: 'residual ΔF/F' }, color: outcomeColor } },
        { data: { values: residualRows.filter((x) => x.condition === teaching) }, mark: { type: 'errorbar', ticks: true }, encoding: { x: { field: 'group', type: 'nominal' }, xOffset: { field: 'outcome', type: 'nominal' }, y: { field: 'lo', type: 'quantitative', title: 'residual ΔF/F' }, y2: { field: 'hi' } } },
        { data: { values: residualSeeds.filter((x) => x.condition === teaching) }, mark: { type: 'point', filled: true, size: 18, color: 'black', opacity: 0.6 }, encoding: { x: { field: 'group', type: 'nominal' }, xOffset: { field: 'outcome', type: 'nominal' }, y: { field: 'v', type: 'quantitative' } } },
      ],
    })),
    resolve: { scale: { y: 'shared' } },
  });

  const sweepPanels: Record<string, unknown>[] = [];
  if (r.learning_rate_sweep) {
    const rows = (['dendritic', 'neuromodulatory'] as const).flatMap((route) => r.learning_rate_sweep![route].map((p) => ({ route: `${route} route alone`, rate: p.rate, y: p.score_mean, lo: p.score_mean - (p.score_se ?? 0), hi: p.score_mean + (p.score_se ?? 0) })));
    sweepPanels.push({
      title: { text: `learning-rate sweep (each route alone, ${r.sweep_seeds.length} sweep network(s), ${r.learning_rate_sweep.sessions} sessions)`, anchor: 'start', fontSize: 12 },
      width: 320,
      height: 200,
      data: { values: rows },
      facet: { row: { field: 'route', type: 'nominal', title: null } },
      spec: {
        width: 320,
        height: 140,
        layer: [
          { mark: { type: 'line', point: true }, encoding: { x: { field: 'rate', type: 'quantitative', title: 'learning rate η', scale: { type: 'log' } }, y: { field: 'y', type: 'quantitative', title: 'mean hit rate (sessions 2 on)', scale: { domain: [0, 1] } } } },
          { mark: { type: 'errorbar', ticks: true }, encoding: { x: { field: 'rate', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'lo', type: 'quantitative', title: 'mean hit rate' }, y2: { field: 'hi' } } },
        ],
      },
    });
  }
  const scaleSweep = r.condition_scale_sweep;
  if (scaleSweep) {
    const shown = (['vectorized', 'scalar', 'blocked'] as const).filter((teaching) => scaleSweep.score_mean[teaching] !== undefined);
    const rows = shown.flatMap((teaching) => scaleSweep.scales.map((scale, i) => ({ scale, y: scaleSweep.score_mean[teaching]![i]!, series: LABELS[teaching], chosen: scaleSweep.chosen[teaching] === scale })));
    const seriesScale = { domain: shown.map((t) => LABELS[t]), range: shown.map((t) => COLORS[t]) };
    const color = { field: 'series', type: 'nominal', title: null, scale: seriesScale, legend: { orient: 'bottom', columns: 1 } };
    sweepPanels.push({
      title: { text: `step size per condition (both routes × factor; filled: chosen)`, anchor: 'start', fontSize: 12 },
      width: 320,
      height: 200,
      data: { values: rows },
      layer: [
        { mark: { type: 'line' }, encoding: { x: { field: 'scale', type: 'quantitative', title: 'factor on both routes\' rates', scale: { type: 'log' } }, y: { field: 'y', type: 'quantitative', title: `mean hit rate (sessions 2–${scaleSweep.sessions})`, scale: { domain: [0, 1] } }, color } },
        { mark: { type: 'point', size: 50 }, encoding: { x: { field: 'scale', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'y', type: 'quantitative' }, color, fill: { condition: { test: 'datum.chosen', field: 'series', type: 'nominal', scale: seriesScale, legend: null }, value: 'white' } } },
      ],
    });
  }
  if (r.decoder_noise_sweep.noise.length > 0) {
    const n = r.decoder_noise_sweep;
    const rows = (['vectorized', 'scalar'] as const).flatMap((teaching) => n.noise.map((noise, i) => ({ noise, y: n[teaching].final_mean[i]!, lo: n[teaching].final_mean[i]! - n[teaching].final_se[i]!, hi: n[teaching].final_mean[i]! + n[teaching].final_se[i]!, series: LABELS[teaching] })));
    const color = { field: 'series', type: 'nominal', title: null, scale: { domain: [LABELS.vectorized, LABELS.scalar], range: [COLORS.vectorized, COLORS.scalar] }, legend: { orient: 'bottom', columns: 1 } };
    sweepPanels.push({
      title: { text: 'decoder-noise sweep: hit rate of the last two sessions', anchor: 'start', fontSize: 12 },
      width: 320,
      height: 200,
      data: { values: rows },
      layer: [
        { mark: { type: 'line', point: true }, encoding: { x: { field: 'noise', type: 'quantitative', title: 'decoder offset SD (rate units)' }, y: { field: 'y', type: 'quantitative', title: 'hit rate', scale: { domain: [0, 1] } }, color } },
        { mark: { type: 'errorbar', ticks: true }, encoding: { x: { field: 'noise', type: 'quantitative' }, y: { field: 'lo', type: 'quantitative', title: 'hit rate' }, y2: { field: 'hi' }, color } },
      ],
    });
  }
  if (sweepPanels.length > 0) specs['sweeps.svg'] = topLevel('Sweeps: learning rates of each route, step size per condition, decoder noise', footer, { hconcat: sweepPanels });

  const sweep = r.sessions_to_criterion;
  if (sweep.targets.length > 0) {
    const notReached = sweep.sessions + 1;
    const rows = (['vectorized', 'scalar'] as const).flatMap((teaching) => sweep.targets.map((targets, i) => ({ targets, y: sweep[teaching][i] ?? notReached, series: LABELS[teaching] })));
    specs['sessions_to_criterion.svg'] = topLevel(`Sessions to ${Math.round(o.criterion * 100)} % hits vs target neurons (one network per size)`, `${notReached} = not reached within ${sweep.sessions} sessions · ${r.adapter}`, {
      width: WIDTH,
      height: HEIGHT,
      data: { values: rows },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'targets', type: 'quantitative', title: 'target neurons (E1 + E2)', scale: { type: 'log' } },
        y: { field: 'y', type: 'quantitative', title: 'sessions to criterion', scale: { domain: [0, notReached + 1] } },
        color: { field: 'series', type: 'nominal', title: null, scale: { domain: [LABELS.vectorized, LABELS.scalar], range: [COLORS.vectorized, COLORS.scalar] } },
      },
    });
  }
  return specs;
}

/** One SVG document per figure, by file name. */
export async function bciFigures(r: BciResults): Promise<{ name: string; svg: string }[]> {
  const specs = bciFigureSpecs(r);
  return Promise.all(Object.entries(specs).map(async ([name, spec]) => ({ name, svg: await renderSvg(spec) })));
}
