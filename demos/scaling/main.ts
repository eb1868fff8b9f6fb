/**
 * Scaling playground: build an excitatory–inhibitory network of the chosen model, size and
 * in-degree, run it live and show neuron-steps/s, synaptic events/s and GPU memory.
 *
 * URL parameters (optional): `model`, `neurons`, `indegree`, `batch` set the form's initial
 * values; without `neurons` the default is 100,000 on a GPU and 2,000 on a software adapter.
 */
import { ContinuousDriver } from '../../src/gpu/driver.js';
import { formatBytes } from '../../src/gpu/memory.js';
import type { NetworkSpec } from '../../src/model/spec.js';
import type { PopulationRateRecording } from '../../src/model/recording.js';
import { formatRate, type ActivityViewElement, type ParameterPanelElement, type SimulationElement, type SimulationReadyDetail, type SimulationRecordingsDetail, type TimeSeriesElement } from '../../src/ui/index.js';
import type { SimulationProgressDetail } from '../../src/ui/events.js';
import { connectDemo, numberParam, pageElement } from '../shared/demo-page.js';

type ModelChoice = 'lif_psc_exp' | 'lif_psc_delta' | 'rate';

/** The playground's network: 80 % excitatory, 20 % inhibitory, fixed in-degree, Poisson or DC drive. */
export function playgroundSpec(model: ModelChoice, neurons: number, indegree: number, batch: number): NetworkSpec {
  const nE = Math.max(1, Math.round(0.8 * neurons));
  const nI = Math.max(1, neurons - nE);
  const kE = Math.max(1, Math.round(0.8 * indegree));
  const kI = Math.max(1, indegree - kE);
  const recorders = [
    { type: 'population_rate' as const, population: 'E', bin_ms: model === 'rate' ? 1 : 0.1 },
    { type: 'population_rate' as const, population: 'I', bin_ms: model === 'rate' ? 1 : 0.1 },
  ];
  if (model === 'rate') {
    const params = { transfer: 'threshold_linear', tau_ms: 10, noise_std: 0.5 };
    return {
      name: `playground_rate_${neurons}`, dt_ms: 1, seed: 1, batch,
      populations: [{ name: 'E', size: nE, model: 'rate', params }, { name: 'I', size: nI, model: 'rate', params }],
      projections: [
        { source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: Math.min(kE, nE) }, weight: 0.5 / kE, delay_ms: 1 },
        { source: 'E', target: 'I', connector: { type: 'fixed_indegree', indegree: Math.min(kE, nE) }, weight: 0.5 / kE, delay_ms: 1 },
        { source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: Math.min(kI, nI) }, weight: 1 / kI, delay_ms: 1, receptor: 'inhibitory' },
        { source: 'I', target: 'I', connector: { type: 'fixed_indegree', indegree: Math.min(kI, nI) }, weight: 1 / kI, delay_ms: 1, receptor: 'inhibitory' },
      ],
      inputs: [{ type: 'dc', target: 'E', amplitude: 1 }, { type: 'dc', target: 'I', amplitude: 0.8 }],
      recorders,
    };
  }
  const synapse: Record<string, number> = model === 'lif_psc_exp' ? { tau_syn_ex_ms: 2, tau_syn_in_ms: 2 } : {};
  // Weights scaled with the in-degree so that the mean recurrent input stays the same (the
  // reference is the minimal demo: 16 excitatory inputs of 40 pA, 4 inhibitory of 160 pA).
  const scale = model === 'lif_psc_exp' ? 1 : 0.35;
  const wE = (scale * 40 * 16) / kE;
  const wI = (scale * 160 * 4) / kI;
  return {
    name: `playground_${model}_${neurons}`, dt_ms: 0.1, seed: 1, batch,
    populations: [
      { name: 'E', size: nE, model, params: synapse, initial: { v_mV: { uniform: [-65, -50] } } },
      { name: 'I', size: nI, model, params: synapse, initial: { v_mV: { uniform: [-65, -50] } } },
    ],
    projections: [
      { source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: Math.min(kE, nE) }, weight: wE, delay_ms: 1.5 },
      { source: 'E', target: 'I', connector: { type: 'fixed_indegree', indegree: Math.min(kE, nE) }, weight: wE, delay_ms: 1.5 },
      { source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: Math.min(kI, nI) }, weight: wI, delay_ms: 1.5, receptor: 'inhibitory' },
      { source: 'I', target: 'I', connector: { type: 'fixed_indegree', indegree: Math.min(kI, nI) }, weight: wI, delay_ms: 1.5, receptor: 'inhibitory' },
    ],
    inputs: [
      { type: 'poisson', target: 'E', rate_hz: 10, n_sources: 800, weight: scale * 23 },
      { type: 'poisson', target: 'I', rate_hz: 10, n_sources: 800, weight: scale * 23 },
    ],
    recorders,
  };
}

const host = pageElement<SimulationElement>('#sim');
const form = pageElement<HTMLFormElement>('#network');
const modelInput = pageElement<HTMLSelectElement>('#model');
const neuronsInput = pageElement<HTMLInputElement>('#neurons');
const indegreeInput = pageElement<HTMLInputElement>('#indegree');
const batchInput = pageElement<HTMLInputElement>('#batch');
const activity = pageElement<ActivityViewElement>('#activity');
const ratePlot = pageElement<TimeSeriesElement>('#rates');
const throughputPlot = pageElement<TimeSeriesElement>('#throughput');
const panel = pageElement<ParameterPanelElement>('#params');
const published = connectDemo(host, document.querySelector('#adapter'));

const params = new URLSearchParams(location.search);
modelInput.value = (['lif_psc_exp', 'lif_psc_delta', 'rate'] as const).find((m) => m === params.get('model')) ?? 'lif_psc_exp';
if (params.has('neurons')) neuronsInput.value = String(numberParam('neurons', 2000));
indegreeInput.value = String(numberParam('indegree', 100));
batchInput.value = String(numberParam('batch', 1));

function readForm(): { model: ModelChoice; neurons: number; indegree: number; batch: number } {
  return {
    model: modelInput.value as ModelChoice,
    neurons: Math.round(Number(neuronsInput.value)),
    indegree: Math.round(Number(indegreeInput.value)),
    batch: Math.round(Number(batchInput.value)),
  };
}

let wallStart = 0;
host.driverFactory = async (env) => {
  // Software adapters (no GPU) get a size that still runs at a few frames per second.
  if (!neuronsInput.value) neuronsInput.value = String(env.context.info.software ? 2000 : 100000);
  const { model, neurons, indegree, batch } = readForm();
  const spec = playgroundSpec(model, neurons, indegree, batch);
  published['spec'] = { model, neurons, indegree, batch };
  return ContinuousDriver.create(spec, env);
};

host.addEventListener('cg-ready', (e) => {
  const { simulator } = (e as CustomEvent<SimulationReadyDetail>).detail;
  const { model, neurons, indegree } = readForm();
  activity.mode = model === 'rate' ? 'heatmap' : 'raster';
  activity.variable = model === 'rate' ? 'r' : '';
  activity.min = model === 'rate' ? 0 : undefined;
  activity.max = model === 'rate' ? 3 : undefined;
  activity.simulator = simulator;
  panel.params = model === 'rate' ? ['tau_ms', 'gain', 'noise_std'] : ['tau_m_ms', 'v_th_mV', 'tau_syn_ex_ms', 'i_e_pA'];
  panel.populations = ['E', 'I'];
  ratePlot.series = [{ label: 'E', color: '#2456a6' }, { label: 'I', color: '#c0392b' }];
  ratePlot.yLabel = model === 'rate' ? 'mean rate (a.u.)' : 'rate (Hz)';
  ratePlot.clear();
  throughputPlot.series = [{ label: 'neuron-steps/s (M)', color: '#1e8449' }];
  throughputPlot.clear();
  wallStart = performance.now();
  pageElement('#memory').textContent = formatBytes(simulator.memory.totalBytes);
  pageElement('#synapses').textContent = formatRate(neurons * indegree);
  published['memoryBytes'] = simulator.memory.totalBytes;
  published['frames'] = 0;
});

host.addEventListener('cg-recordings', (e) => {
  const { recordings, stepCount, dtMs } = (e as CustomEvent<SimulationRecordingsDetail>).detail;
  const meanOf = (population: string): number | null => {
    const rec = recordings.find((r): r is PopulationRateRecording => r.type === 'population_rate' && r.population === population);
    if (!rec || rec.values.length === 0) return null;
    let sum = 0;
    for (const v of rec.values) sum += v;
    return sum / rec.values.length;
  };
  const rateE = meanOf('E');
  const rateI = meanOf('I');
  ratePlot.append(stepCount * dtMs, [rateE, rateI]);
  published['firstResultMs'] ??= performance.now();
  published['lastRates'] = { E: rateE, I: rateI };
});

host.addEventListener('cg-progress', (e) => {
  const p = (e as CustomEvent<SimulationProgressDetail>).detail;
  pageElement('#neuron-steps').textContent = formatRate(p.neuronStepsPerS);
  pageElement('#events').textContent = formatRate(p.synapticEventsPerS);
  const wallS = (performance.now() - wallStart) / 1000;
  pageElement('#rtf').textContent = wallS > 0 ? `${(p.simulatedMs / 1000 / wallS).toFixed(3)}×` : '—';
  if (p.neuronStepsPerS > 0) throughputPlot.append(wallS, [p.neuronStepsPerS / 1e6]);
  published['frames'] = (published['frames'] as number) + 1;
  published['progress'] = p;
});

form.addEventListener('submit', (e) => {
  e.preventDefault();
  if (!form.reportValidity()) return;
  void host.reset();
});
