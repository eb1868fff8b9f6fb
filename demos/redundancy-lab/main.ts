/**
 * Redundancy lab: the two-area network of the redundancy study, block by block, with live
 * learning, task vs passive viewing, cardinal vs oblique stimuli and the information panel.
 *
 * URL parameters (optional): `neurons` — sensory neurons, `trials` — trials per block (even),
 * `array` — neurons per recorded array. Defaults on a GPU: 4,800, 128 and 48. On a software
 * adapter (no GPU) every neuron-step costs about a microsecond, so the defaults there are 240,
 * 32 and 12: the first block's result appears within a few seconds of opening the page.
 */
import { RedundancyLabDriver, type RedundancyBlockResult } from '../../src/experiments/redundancy-live.js';
import type { ActivityViewElement, MatrixViewElement, SimulationElement, SimulationReadyDetail, TimeSeriesElement } from '../../src/ui/index.js';
import { connectDemo, numberParam, pageElement } from '../shared/demo-page.js';

const host = pageElement<SimulationElement>('#sim');
const heatmap = pageElement<ActivityViewElement>('#heatmap');
const raster = pageElement<ActivityViewElement>('#raster');
const covariance = pageElement<MatrixViewElement>('#covariance');
const rhoPlot = pageElement<TimeSeriesElement>('#rho-plot');
const infoPlot = pageElement<TimeSeriesElement>('#info-plot');
const withinPlot = pageElement<TimeSeriesElement>('#within-plot');
const behaviourPlot = pageElement<TimeSeriesElement>('#behaviour-plot');
const learningBox = pageElement<HTMLInputElement>('#learning');
const gainFixed = pageElement<HTMLInputElement>('#gain-fixed');
const gainSlider = pageElement<HTMLInputElement>('#gain');
const published = connectDemo(host, document.querySelector('#adapter'));
const blocks: RedundancyBlockResult[] = [];
published['blocks'] = blocks;

let driver: RedundancyLabDriver | null = null;

/** Push the form's settings to the driver (they apply from the next block). */
function applySettings(): void {
  if (!driver) return;
  const form = pageElement<HTMLFormElement>('#lab');
  driver.condition = (new FormData(form).get('condition') as 'task' | 'passive') ?? 'task';
  driver.stimuli = (new FormData(form).get('stimuli') as 'cardinal' | 'oblique') ?? 'cardinal';
  driver.learning = learningBox.checked;
  driver.gainOverride = gainFixed.checked ? Number(gainSlider.value) : null;
  pageElement('#gain-value').textContent = Number(gainSlider.value).toFixed(2);
  published['settings'] = { condition: driver.condition, stimuli: driver.stimuli, learning: driver.learning, gainOverride: driver.gainOverride };
}
pageElement<HTMLFormElement>('#lab').addEventListener('input', applySettings);
pageElement<HTMLFormElement>('#lab').addEventListener('change', applySettings);

/** Lab size on a software adapter and on a GPU (see the URL parameters above). */
const SIZES = { software: { neurons: 240, trials: 32, array: 12 }, gpu: { neurons: 4800, trials: 128, array: 48 } } as const;

host.driverFactory = async (env) => {
  const size = env.context.info.software ? SIZES.software : SIZES.gpu;
  const options = {
    sensoryNeurons: Math.round(numberParam('neurons', size.neurons)),
    trialsPerBlock: Math.round(numberParam('trials', size.trials)),
    arrayNeurons: Math.round(numberParam('array', size.array)),
  };
  published['size'] = options;
  return RedundancyLabDriver.create(env, options);
};

function onBlock(r: RedundancyBlockResult): void {
  blocks.push(r);
  const passive = r.condition === 'passive';
  rhoPlot.append(r.block, [passive ? null : r.rho, passive ? r.rho : null]);
  infoPlot.append(r.block, [r.I_bc, r.I_shuffle_bc]);
  behaviourPlot.append(r.block, [r.accuracy, r.feedbackGain]);
  withinPlot.data = { x: [...r.withinTrial.centersMs], y: [[...r.withinTrial.rho]] };
  covariance.sortBy = null;
  covariance.matrix = r.covariance.values;
  covariance.rows = r.covariance.neurons;
  pageElement('#day').textContent = String(r.day);
  pageElement('#block').textContent = String(r.block);
  if (blocks.length === 1) published['firstResultMs'] = performance.now();
  pageElement('#accuracy').textContent = `${(r.accuracy * 100).toFixed(0)} %`;
  pageElement('#feedback-gain').textContent = r.feedbackGain.toFixed(3);
  pageElement('#rho').textContent = Number.isFinite(r.rho) ? `${r.rho.toFixed(3)} ± ${r.rhoSe.toFixed(3)}` : '—';
}

host.addEventListener('cg-ready', (e) => {
  const ready = (e as CustomEvent<SimulationReadyDetail>).detail;
  driver = ready.driver as RedundancyLabDriver;
  driver.onBlock = onBlock;
  applySettings();
  blocks.length = 0;
  // Heatmap rows: every sensory neuron's rate, sorted by preferred orientation (tuning shows as a band).
  const n = driver.options.sensoryNeurons;
  const rows = Math.min(240, n);
  const sampled = Array.from({ length: rows }, (_, k) => Math.floor((k * n) / rows));
  const orientations = driver.preferredOrientations;
  sampled.sort((a, b) => orientations[a]! - orientations[b]!);
  heatmap.neurons = sampled;
  heatmap.min = 0;
  heatmap.max = 20;
  heatmap.stepsPerColumn = 1;
  heatmap.simulator = ready.simulator;
  raster.neurons = sampled;
  raster.stepsPerColumn = 1;
  raster.simulator = ready.simulator;
  rhoPlot.series = [{ label: 'task', color: '#2456a6' }, { label: 'passive', color: '#d68910' }];
  rhoPlot.clear();
  infoPlot.series = [{ label: 'I', color: '#2456a6' }, { label: 'I shuffle', color: '#5a6473', dash: true }];
  infoPlot.clear();
  behaviourPlot.series = [{ label: 'accuracy', color: '#1e8449' }, { label: 'feedback gain', color: '#8e44ad' }];
  behaviourPlot.clear();
  withinPlot.series = [{ label: 'ρ', color: '#2456a6' }];
  withinPlot.clear();
});
