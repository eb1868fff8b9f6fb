/**
 * Minimal cortexgpu demo: acquire WebGPU, simulate a small E/I network of LIF neurons for
 * 500 ms in chunks, draw a spike raster and print per-population rates.
 *
 * For automated tests the page publishes its outcome:
 * - `document.body.dataset.state`: `loading` → `running` → `done`, or `error` (the message
 *   is in `#status`; `document.body.dataset.errorKind` says `no-webgpu`, `device-lost` or `failed`);
 * - `window.cortexgpuResult`: a {@link DemoResult} once the run is done.
 *
 * URL parameters (all optional): `duration_ms` (default 500) and `lose_device_at_ms`, which
 * destroys the device once after that much simulated time, to exercise the device-loss
 * message and the Restart button.
 *
 * Imports name the engine's module files directly (not `src/index.ts`) so that nothing
 * Node-only reaches the bundle.
 */
import { acquireBrowserGpu, webgpuHelp } from '../../src/gpu/browser.js';
import { bundledShaderLoader } from '../../src/gpu/bundled-shaders.js';
import { DeviceLostError, GpuUnavailableError, type GpuContext } from '../../src/gpu/context.js';
import { GpuSimulator } from '../../src/gpu/simulator.js';
import type { PopulationRateRecording, Recording, SpikeRecording } from '../../src/model/recording.js';
import type { NetworkSpec, RecorderSpec } from '../../src/model/spec.js';

/** Per-population outcome of the run (trial 0 … batch−1 pooled). */
export interface PopulationResult {
  /** Neurons in the population. */
  readonly size: number;
  /** Neurons whose spikes were recorded. */
  readonly recorded: number;
  /** Spikes of the recorded neurons over the whole run, all trials. */
  readonly spikes: number;
  /** Mean firing rate of the recorded neurons, spikes/s per neuron. */
  readonly rate_hz: number;
  /** Mean of the `population_rate` recorder over its complete bins (Hz), or null without one. */
  readonly population_rate_hz: number | null;
}

/** One line per recorder, for a quick look at what came back. */
export interface RecordingSummary {
  readonly type: Recording['type'];
  readonly population: string;
  /** Spikes (spikes), complete bins × trials (population_rate), samples (state), windows (spike_counts). */
  readonly length: number;
}

/** What the page publishes as `window.cortexgpuResult` when the run has finished. */
export interface DemoResult {
  /** One-line adapter description, e.g. `google swiftshader [software] [browser]`. */
  readonly adapter: string;
  readonly adapterInfo: { readonly vendor: string; readonly architecture: string; readonly device: string; readonly description: string; readonly software: boolean };
  /** Where the network came from: `examples/lif_small.json` or `embedded`. */
  readonly specSource: string;
  readonly steps: number;
  readonly simulatedMs: number;
  /** Wall-clock seconds of the simulation (after set-up). */
  readonly wallS: number;
  /** Wall-clock seconds of set-up: connectivity, uploads, shader compilation. */
  readonly setupS: number;
  readonly populations: Readonly<Record<string, PopulationResult>>;
  readonly recordings: readonly RecordingSummary[];
}

declare global {
  interface Window {
    /** Set by the minimal demo when its run is done. */
    cortexgpuResult?: DemoResult;
  }
}

/** Built-in network: 160 excitatory and 40 inhibitory LIF neurons, Poisson-driven. */
const EMBEDDED_SPEC: NetworkSpec = {
  name: 'minimal_ei',
  dt_ms: 0.1,
  seed: 20240601,
  batch: 1,
  populations: [
    { name: 'E', size: 160, model: 'lif_psc_exp', params: { tau_syn_ex_ms: 2, tau_syn_in_ms: 2 }, initial: { v_mV: { uniform: [-65, -50] } } },
    { name: 'I', size: 40, model: 'lif_psc_exp', params: { tau_syn_ex_ms: 2, tau_syn_in_ms: 2 }, initial: { v_mV: { uniform: [-65, -50] } } },
  ],
  projections: [
    { source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: 16 }, weight: 40, delay_ms: 1.5, receptor: 'excitatory' },
    { source: 'E', target: 'I', connector: { type: 'fixed_indegree', indegree: 16 }, weight: 40, delay_ms: 1.5, receptor: 'excitatory' },
    { source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: 4 }, weight: 160, delay_ms: 1.5, receptor: 'inhibitory' },
    { source: 'I', target: 'I', connector: { type: 'fixed_indegree', indegree: 4 }, weight: 160, delay_ms: 1.5, receptor: 'inhibitory' },
  ],
  inputs: [
    { type: 'poisson', target: 'E', rate_hz: 10, n_sources: 800, weight: 23, receptor: 'excitatory' },
    { type: 'poisson', target: 'I', rate_hz: 10, n_sources: 800, weight: 23, receptor: 'excitatory' },
  ],
  recorders: [
    { type: 'spikes', population: 'E' },
    { type: 'spikes', population: 'I' },
    { type: 'population_rate', population: 'E', bin_ms: 5 },
    { type: 'population_rate', population: 'I', bin_ms: 5 },
  ],
};

/** `examples/lif_small.json` when the repository has it (bundled at build time), else {} . */
const exampleSpecs = import.meta.glob('../../examples/lif_small.json', { eager: true, import: 'default' }) as Record<string, NetworkSpec>;

/** The network to simulate, with spike and population-rate recorders on every spiking population. */
function chooseSpec(): { spec: NetworkSpec; source: string } {
  const example = exampleSpecs['../../examples/lif_small.json'];
  const source = example ? 'examples/lif_small.json' : 'embedded';
  const base = example ?? EMBEDDED_SPEC;
  const recorders: RecorderSpec[] = [...(base.recorders ?? [])];
  for (const pop of base.populations) {
    if (pop.model === 'rate') continue;
    if (!recorders.some((r) => r.type === 'spikes' && r.population === pop.name)) recorders.push({ type: 'spikes', population: pop.name });
    if (!recorders.some((r) => r.type === 'population_rate' && r.population === pop.name)) recorders.push({ type: 'population_rate', population: pop.name, bin_ms: 5 });
  }
  return { spec: { ...base, recorders }, source };
}

// ---------------------------------------------------------------------------------------------
// Page elements and state

function element<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`The page has no #${id}`);
  return el as T;
}

const statusEl = element<HTMLDivElement>('status');
const restartButton = element<HTMLButtonElement>('restart');
const progressEl = element<HTMLProgressElement>('progress');
const canvas = element<HTMLCanvasElement>('raster');
const adapterEl = element<HTMLSpanElement>('adapter');
const ratesTable = element<HTMLTableElement>('rates');
const descriptionEl = element<HTMLParagraphElement>('description');

type PageState = 'loading' | 'running' | 'done' | 'error';
type ErrorKind = 'no-webgpu' | 'device-lost' | 'failed';

function setState(state: PageState, errorKind?: ErrorKind): void {
  document.body.dataset.state = state;
  if (errorKind) document.body.dataset.errorKind = errorKind;
  else delete document.body.dataset.errorKind;
}

function showStatus(kind: 'info' | 'done' | 'error', text: string, items: readonly string[] = []): void {
  statusEl.dataset.kind = kind;
  statusEl.replaceChildren(document.createTextNode(text));
  if (items.length > 0) {
    const list = document.createElement('ul');
    for (const item of items) {
      const li = document.createElement('li');
      // Items may contain `code` spans written as `…`; render them without innerHTML.
      item.split('`').forEach((part, i) => {
        if (i % 2 === 1) {
          const code = document.createElement('code');
          code.textContent = part;
          li.append(code);
        } else li.append(part);
      });
      list.append(li);
    }
    statusEl.append(list);
  }
}

// ---------------------------------------------------------------------------------------------
// Drawing

const POPULATION_COLORS = ['#2456a6', '#c0392b', '#1e8449', '#8e44ad', '#d68910', '#117a8b'];

/** Draw trial 0's spikes of every spike recording, populations stacked, with a rate strip below. */
function drawRaster(recordings: readonly Recording[], durationMs: number, dtMs: number): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const width = canvas.width;
  const height = canvas.height;
  const left = 44;
  const right = 18;
  const top = 8;
  const rateHeight = 70;
  const rasterBottom = height - rateHeight - 50;
  const plotWidth = width - left - right;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.font = '12px system-ui, sans-serif';

  const spikeRecs = recordings.filter((r): r is SpikeRecording => r.type === 'spikes');
  const rows = spikeRecs.reduce((n, r) => n + r.neurons.length, 0);
  const rowHeight = rows > 0 ? (rasterBottom - top) / rows : 1;
  const xOf = (ms: number): number => left + (ms / durationMs) * plotWidth;
  const dot = Math.max(1, Math.min(3, rowHeight));

  let row = 0;
  spikeRecs.forEach((rec, k) => {
    const color = POPULATION_COLORS[k % POPULATION_COLORS.length]!;
    const slot = new Int32Array(rec.neurons.length === 0 ? 0 : Math.max(...rec.neurons) + 1).fill(-1);
    rec.neurons.forEach((n, i) => (slot[n] = i));
    ctx.fillStyle = color;
    for (let i = 0; i < rec.steps.length; i++) {
      if (rec.trials[i] !== 0) continue;
      const s = slot[rec.senders[i]!] ?? -1;
      if (s < 0) continue;
      ctx.fillRect(xOf(rec.steps[i]! * dtMs) - dot / 2, top + (row + s) * rowHeight, dot, dot);
    }
    ctx.fillText(rec.population, 6, top + (row + rec.neurons.length / 2) * rowHeight + 4);
    row += rec.neurons.length;
    ctx.strokeStyle = '#d5dae1';
    ctx.beginPath();
    ctx.moveTo(left, top + row * rowHeight);
    ctx.lineTo(width - right, top + row * rowHeight);
    ctx.stroke();
  });

  // Population rates (trial 0), one line per population.
  const rateTop = rasterBottom + 8;
  const rateRecs = recordings.filter((r): r is PopulationRateRecording => r.type === 'population_rate');
  const batch = Math.max(1, ...spikeRecs.map((r) => (r.trials.length ? Math.max(...r.trials) + 1 : 1)));
  let maxRate = 1;
  for (const r of rateRecs) for (let b = 0; b < r.values.length; b += batch) maxRate = Math.max(maxRate, r.values[b]!);
  ctx.strokeStyle = '#d5dae1';
  ctx.strokeRect(left, rateTop, plotWidth, rateHeight);
  rateRecs.forEach((r) => {
    const k = spikeRecs.findIndex((s) => s.population === r.population);
    ctx.strokeStyle = POPULATION_COLORS[(k < 0 ? 0 : k) % POPULATION_COLORS.length]!;
    ctx.beginPath();
    const bins = Math.floor(r.values.length / batch);
    for (let bin = 0; bin < bins; bin++) {
      const x = xOf((bin + 0.5) * r.binMs);
      const y = rateTop + rateHeight - (r.values[bin * batch]! / maxRate) * rateHeight;
      if (bin === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
  });
  ctx.fillStyle = '#5a6473';
  ctx.fillText(`${maxRate.toFixed(0)} Hz`, 4, rateTop + 10);
  ctx.fillText('rate', 4, rateTop + rateHeight - 2);

  // Time axis.
  const axisY = height - 34;
  ctx.fillStyle = '#1d2430';
  ctx.strokeStyle = '#1d2430';
  ctx.beginPath();
  ctx.moveTo(left, axisY - 6);
  ctx.lineTo(width - right, axisY - 6);
  ctx.stroke();
  const tick = durationMs > 200 ? 100 : durationMs > 50 ? 25 : 10;
  ctx.textAlign = 'center';
  for (let t = 0; t <= durationMs + 1e-9; t += tick) {
    const x = xOf(t);
    ctx.beginPath();
    ctx.moveTo(x, axisY - 6);
    ctx.lineTo(x, axisY - 2);
    ctx.stroke();
    ctx.fillText(`${t}`, x, axisY + 10);
  }
  ctx.fillText('time (ms)', left + plotWidth / 2, axisY + 26);
  ctx.textAlign = 'start';
}

// ---------------------------------------------------------------------------------------------
// Results

function summarize(recordings: readonly Recording[], spec: NetworkSpec, simulatedMs: number): { populations: Record<string, PopulationResult>; summary: RecordingSummary[] } {
  const batch = spec.batch ?? 1;
  const populations: Record<string, PopulationResult> = {};
  for (const pop of spec.populations) {
    const spikes = recordings.find((r): r is SpikeRecording => r.type === 'spikes' && r.population === pop.name);
    if (!spikes) continue;
    const rate = recordings.find((r): r is PopulationRateRecording => r.type === 'population_rate' && r.population === pop.name);
    const recorded = spikes.neurons.length;
    const seconds = simulatedMs / 1000;
    let populationRate: number | null = null;
    if (rate && rate.values.length > 0) populationRate = rate.values.reduce((a, b) => a + b, 0) / rate.values.length;
    populations[pop.name] = {
      size: pop.size,
      recorded,
      spikes: spikes.steps.length,
      rate_hz: recorded > 0 && seconds > 0 ? spikes.steps.length / (recorded * batch * seconds) : 0,
      population_rate_hz: populationRate,
    };
  }
  const summary = recordings.map((r): RecordingSummary => {
    switch (r.type) {
      case 'spikes':
        return { type: r.type, population: r.population, length: r.steps.length };
      case 'population_rate':
        return { type: r.type, population: r.population, length: r.values.length };
      case 'state':
        return { type: r.type, population: r.population, length: r.timesMs.length };
      case 'spike_counts':
        return { type: r.type, population: r.population, length: r.nWindows };
    }
  });
  return { populations, summary };
}

function showRates(populations: Readonly<Record<string, PopulationResult>>): void {
  const body = ratesTable.tBodies[0]!;
  body.replaceChildren();
  for (const [name, p] of Object.entries(populations)) {
    const tr = document.createElement('tr');
    for (const text of [name, `${p.recorded} / ${p.size}`, `${p.spikes}`, p.rate_hz.toFixed(2)]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  }
  ratesTable.hidden = false;
}

// ---------------------------------------------------------------------------------------------
// The run

/** Current GPU context and simulator, released on restart. */
let current: { context: GpuContext; sim: GpuSimulator | null; disposed: boolean } | null = null;
/** Whether the `lose_device_at_ms` test hook has already destroyed a device. */
let deviceLossSimulated = false;

function numberParam(name: string, fallback: number): number {
  const raw = new URLSearchParams(location.search).get(name);
  if (raw === null || raw.trim() === '') return fallback;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** When a failure happened because the device was lost, the reason; waits briefly for the `lost` promise. */
async function lossReason(context: GpuContext, err: unknown): Promise<string | null> {
  if (err instanceof DeviceLostError) return context.lostReason() ?? err.message;
  const settled = await Promise.race([
    context.device.lost.then((info) => `${info.reason}: ${info.message}`),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 250)),
  ]);
  return settled ?? context.lostReason();
}

function showDeviceLost(reason: string): void {
  setState('error', 'device-lost');
  showStatus('error', `The GPU device was lost (${reason}). The browser may have reset the GPU (driver crash, timeout, or another tab using too much memory). Press Restart to acquire a new device and run again.`);
  restartButton.hidden = false;
}

async function start(): Promise<void> {
  window.cortexgpuResult = undefined;
  restartButton.hidden = true;
  ratesTable.hidden = true;
  progressEl.value = 0;
  setState('loading');

  if (!('gpu' in navigator) || !navigator.gpu) {
    setState('error', 'no-webgpu');
    showStatus('error', 'WebGPU is not available in this browser (navigator.gpu is missing), so the simulation cannot run. To enable it:', webgpuHelp());
    return;
  }

  const { spec, source } = chooseSpec();
  const durationMs = numberParam('duration_ms', 500);
  // Simulated device loss happens once per page load, so that Restart then recovers.
  const loseAtMs = deviceLossSimulated ? Number.POSITIVE_INFINITY : numberParam('lose_device_at_ms', Number.POSITIVE_INFINITY);
  const dtMs = spec.dt_ms ?? 0.1;
  const neurons = spec.populations.reduce((n, p) => n + p.size, 0);
  descriptionEl.textContent = `${spec.name ?? 'network'} (${source}): ${neurons} neurons in ${spec.populations.map((p) => `${p.name} (${p.size} ${p.model})`).join(', ')}; ${durationMs} ms at dt = ${dtMs} ms.` +
    ((spec.batch ?? 1) > 1 ? ` ${spec.batch} independent trials; the raster shows the first, rates average all.` : '');

  showStatus('info', 'Requesting a WebGPU adapter and device…');
  let context: GpuContext;
  try {
    context = await acquireBrowserGpu();
  } catch (err) {
    setState('error', 'no-webgpu');
    const message = err instanceof GpuUnavailableError ? err.message : `Could not acquire a WebGPU device: ${(err as Error).message}`;
    showStatus('error', message, webgpuHelp());
    restartButton.hidden = false;
    return;
  }
  const session = { context, sim: null as GpuSimulator | null, disposed: false };
  current = session;
  adapterEl.textContent = context.info.label;
  console.info(`cortexgpu: running on ${context.info.label}`);
  // A loss while idle (after the run) is reported too; a loss during the run surfaces as an error of run().
  void context.device.lost.then((info) => {
    if (session.disposed || current !== session || document.body.dataset.state === 'running') return;
    showDeviceLost(`${info.reason}: ${info.message}`);
  });

  try {
    setState('running');
    showStatus('info', 'Building the network and compiling shaders…');
    const setupStart = performance.now();
    const sim = await GpuSimulator.create(spec, { context, shaders: bundledShaderLoader });
    session.sim = sim;
    const setupS = (performance.now() - setupStart) / 1000;

    const chunkMs = Math.max(dtMs, Math.min(50, durationMs));
    let doneMs = 0;
    let wallS = 0;
    drawRaster([], durationMs, dtMs);
    while (doneMs < durationMs - 1e-9) {
      const ms = Math.min(chunkMs, durationMs - doneMs);
      const report = await sim.run(ms, {
        onProgress: (p) => {
          const total = doneMs + p.simulatedMs;
          progressEl.value = total / durationMs;
          showStatus('info', `Simulating… ${total.toFixed(0)} / ${durationMs} ms`);
        },
      });
      doneMs += report.simulatedMs;
      wallS += report.wallS;
      progressEl.value = doneMs / durationMs;
      showStatus('info', `Simulating… ${doneMs.toFixed(0)} / ${durationMs} ms (${(wallS > 0 ? doneMs / 1000 / wallS : 0).toFixed(2)}× real time)`);
      drawRaster(sim.recordings(), durationMs, dtMs);
      if (doneMs >= loseAtMs) {
        deviceLossSimulated = true;
        context.device.destroy();
      }
      if (report.steps === 0) break;
    }

    const recordings = sim.recordings();
    const { populations, summary } = summarize(recordings, spec, doneMs);
    drawRaster(recordings, durationMs, dtMs);
    showRates(populations);
    const info = context.info;
    window.cortexgpuResult = {
      adapter: info.label,
      adapterInfo: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, software: info.software },
      specSource: source,
      steps: sim.stepCount,
      simulatedMs: doneMs,
      wallS,
      setupS,
      populations,
      recordings: summary,
    };
    const rateText = Object.entries(populations).map(([name, p]) => `${name} ${p.rate_hz.toFixed(1)} Hz`).join(', ');
    showStatus('done', `Done: ${doneMs.toFixed(0)} ms simulated in ${wallS.toFixed(2)} s (+ ${setupS.toFixed(2)} s set-up) — ${rateText}.`);
    setState('done');
  } catch (err) {
    const lost = await lossReason(context, err);
    if (lost) {
      showDeviceLost(lost);
      return;
    }
    console.error(err);
    setState('error', 'failed');
    showStatus('error', `The simulation failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    restartButton.hidden = false;
  }
}

restartButton.addEventListener('click', () => {
  if (current) {
    current.disposed = true;
    current.sim?.destroy();
    if (!current.context.lostReason()) current.context.device.destroy();
    current = null;
  }
  void start();
});

void start();
