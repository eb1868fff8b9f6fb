/**
 * BCI lab: the BCI network session by session with live learning; the teaching signal can be
 * switched at any time.
 *
 * URL parameters (optional): `excitatory` — pyramidal neurons (inhibitory neurons are a
 * quarter of that), `trials` — trials per session. Defaults on a GPU: 8,000 and 32. On a
 * software adapter (no GPU) every neuron-step costs about a microsecond, so the defaults there
 * are 400 and 16: the first session's result appears within a few seconds of opening the page.
 */
import { BciLabDriver, type BciSessionResult } from '../../src/experiments/bci-live.js';
import type { Teaching } from '../../src/experiments/bci.js';
import type { ActivityViewElement, BciViewElement, SimulationElement, SimulationReadyDetail, TimeSeriesElement } from '../../src/ui/index.js';
import { connectDemo, numberParam, pageElement } from '../shared/demo-page.js';

const host = pageElement<SimulationElement>('#sim');
const bci = pageElement<BciViewElement>('#bci');
const heatmap = pageElement<ActivityViewElement>('#heatmap');
const learningCurve = pageElement<TimeSeriesElement>('#learning-curve');
const activityPlot = pageElement<TimeSeriesElement>('#activity-plot');
const dendritePlot = pageElement<TimeSeriesElement>('#dendrite-plot');
const form = pageElement<HTMLFormElement>('#lab');
const published = connectDemo(host, document.querySelector('#adapter'));
const sessions: BciSessionResult[] = [];
published['sessions'] = sessions;

let driver: BciLabDriver | null = null;

function applySettings(): void {
  if (!driver) return;
  driver.teaching = (new FormData(form).get('teaching') as Teaching | null) ?? 'vectorized';
  published['teaching'] = driver.teaching;
}
form.addEventListener('change', applySettings);

/** Lab size on a software adapter and on a GPU (see the URL parameters above). */
const SIZES = { software: { excitatory: 400, trials: 16 }, gpu: { excitatory: 8000, trials: 32 } } as const;

host.driverFactory = async (env) => {
  const size = env.context.info.software ? SIZES.software : SIZES.gpu;
  const excitatory = Math.round(numberParam('excitatory', size.excitatory));
  const trialsPerSession = Math.round(numberParam('trials', size.trials));
  published['size'] = { excitatory, trialsPerSession };
  return BciLabDriver.create(env, { excitatory, inhibitory: Math.max(1, Math.round(excitatory / 4)), trialsPerSession });
};

function onSession(r: BciSessionResult): void {
  sessions.push(r);
  const training = r.phase === 'training';
  learningCurve.append(r.session, [r.hitRate, training ? null : r.hitRate, 0.25]);
  activityPlot.append(r.session, [r.e1Activity, r.e2Activity]);
  dendritePlot.append(r.session, [r.e1Dendrite, r.e2Dendrite]);
  bci.condition = r.teaching ?? 'baseline';
  if (r.threshold !== null) bci.threshold = r.threshold;
  bci.rewards = r.rewards;
  bci.trial = r.trial;
  pageElement('#session').textContent = String(r.session);
  if (sessions.length === 1) published['firstResultMs'] = performance.now();
  pageElement('#phase').textContent = training ? `training (${r.teaching})` : 'baseline';
  pageElement('#hit-rate').textContent = `${(r.hitRate * 100).toFixed(0)} %`;
  pageElement('#threshold').textContent = r.threshold !== null ? r.threshold.toFixed(3) : '—';
}

host.addEventListener('cg-ready', (e) => {
  const ready = (e as CustomEvent<SimulationReadyDetail>).detail;
  driver = ready.driver as BciLabDriver;
  driver.onSession = onSession;
  applySettings();
  sessions.length = 0;
  // Heatmap rows: E1, E2, then evenly spaced other pyramidal neurons.
  const { e1, e2 } = driver.targetGroups;
  const size = driver.options.excitatory;
  const others = Array.from({ length: 190 }, (_, k) => Math.floor((k * size) / 190)).filter((n) => !e1.includes(n) && !e2.includes(n));
  heatmap.neurons = [...e1, ...e2, ...others];
  heatmap.min = 0;
  heatmap.max = 3;
  heatmap.stepsPerColumn = 1;
  heatmap.simulator = ready.simulator;
  learningCurve.series = [{ label: 'training', color: '#2456a6' }, { label: 'baseline', color: '#5a6473' }, { label: 'chance', color: '#9aa4b2', dash: true }];
  learningCurve.yRange = [0, 1];
  learningCurve.clear();
  activityPlot.series = [{ label: 'E1', color: '#2456a6' }, { label: 'E2', color: '#c0392b' }];
  activityPlot.clear();
  dendritePlot.series = [{ label: 'E1 apical', color: '#2456a6', dash: true }, { label: 'E2 apical', color: '#c0392b', dash: true }];
  dendritePlot.clear();
});
