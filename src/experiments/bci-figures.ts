/**
 * Figures of the BCI study (SVG): learning curves, dendritic residuals by group, E1/E2
 * activity across sessions, and sessions-to-criterion against the number of target neurons.
 */
import { figure, linePanel, type Series } from './svg-figures.js';
import type { BciResults } from './bci.js';

const COLORS = { vectorized: '#0072B2', scalar: '#D55E00', blocked: '#999999' } as const;

/** One SVG document per figure, by file name. */
export function bciFigures(r: BciResults): { name: string; svg: string }[] {
  const sessions = r.sessions;
  const footer = `cortexgpu BCI study · ${r.adapter} · ${r.options.excitatory + r.options.inhibitory} neurons, ${r.options.targetsPerGroup} + ${r.options.targetsPerGroup} targets, ${r.options.trialsPerSession} trials per session`;
  const conditions = ['vectorized', 'scalar', 'blocked'] as const;

  const learning = figure([
    (box) => linePanel({
      title: 'Hit rate over sessions',
      xLabel: 'session', yLabel: 'hit rate',
      series: conditions.map((c): Series => ({ label: c === 'blocked' ? 'vectorized, dendrites blocked' : c, x: sessions, y: r[c].hit_rate, color: COLORS[c], markers: true })),
      yRange: [0, 1],
      horizontalLines: [{ y: r.options.chanceHitRate, label: 'calibrated chance', color: '#bbb' }, { y: r.options.criterion, label: 'criterion', color: '#ddd' }],
      legend: 'bottom-right',
    }, box),
  ], { columns: 1, panelWidth: 560, panelHeight: 340, caption: footer });

  const residuals = figure(conditions.map((c) => (box) => {
    const d = r[c].dendritic_residual;
    return linePanel({
      title: `Dendritic residual, ${c === 'blocked' ? 'blocked' : c}`,
      xLabel: 'group (1 = E1, 2 = E2)', yLabel: 'residual ΔF/F',
      series: [
        { label: 'rewarded', x: [1, 2], y: [d.E1.rewarded.mean, d.E2.rewarded.mean], error: [d.E1.rewarded.se, d.E2.rewarded.se], color: '#009E73', markers: true },
        { label: 'unrewarded', x: [1, 2], y: [d.E1.unrewarded.mean, d.E2.unrewarded.mean], error: [d.E1.unrewarded.se, d.E2.unrewarded.se], color: '#CC79A7', markers: true },
      ],
      xRange: [0.5, 2.5],
      horizontalLines: [{ y: 0, color: '#bbb' }],
      legend: 'top-right',
    }, box);
  }), { columns: 3, panelWidth: 330, panelHeight: 300, caption: `Dendritic signal minus its prediction from the soma, mean ± SE over trials. ${footer}` });

  const activity = figure([
    (box) => linePanel({
      title: 'Target activity across sessions',
      xLabel: 'session', yLabel: 'mean rate during the trial',
      series: conditions.flatMap((c): Series[] => [
        { label: `E1, ${c}`, x: sessions, y: r[c].e1_activity, color: COLORS[c], markers: true },
        { label: `E2, ${c}`, x: sessions, y: r[c].e2_activity, color: COLORS[c], dashed: true, markers: true },
      ]),
      legend: 'top-left',
    }, box),
  ], { columns: 1, panelWidth: 560, panelHeight: 340, caption: `Solid: E1 (must rise); dashed: E2 (must fall). ${footer}` });

  const sweep = r.sessions_to_criterion;
  const notReached = sweep.sessions + 1;
  const asNumbers = (values: (number | null)[]): number[] => values.map((v) => v ?? notReached);
  const criterion = figure([
    (box) => linePanel({
      title: `Sessions to ${Math.round(r.options.criterion * 100)} % hits vs target neurons`,
      xLabel: 'target neurons (E1 + E2)', yLabel: 'sessions to criterion',
      series: [
        { label: 'vectorized', x: sweep.targets, y: asNumbers(sweep.vectorized), color: COLORS.vectorized, markers: true },
        { label: 'scalar', x: sweep.targets, y: asNumbers(sweep.scalar), color: COLORS.scalar, markers: true },
      ],
      yRange: [0, notReached + 1],
      horizontalLines: [{ y: notReached, label: `not reached within ${sweep.sessions}`, color: '#bbb' }],
      legend: 'top-left',
    }, box),
  ], { columns: 1, panelWidth: 560, panelHeight: 340, caption: footer });

  return [
    { name: 'learning_curves.svg', svg: learning },
    { name: 'dendritic_residuals.svg', svg: residuals },
    { name: 'target_activity.svg', svg: activity },
    { name: 'sessions_to_criterion.svg', svg: criterion },
  ];
}
