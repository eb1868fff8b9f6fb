#!/usr/bin/env node
// PD14 (Potjans & Diesmann 2014 cortical microcircuit) benchmark and validation run.
//
// Builds the network with the library's pd14Spec (any --scale, optional in-degree scaling
// --k-scale with DC compensation), runs it on the GPU through the public Node API
// (createNodeSimulator, as `cortexgpu run` does), discards a warm-up, then reports per population:
// mean rate against the reference table (parameters.json: one full-scale NEST run with DC
// drive), the spread of single-neuron rates, CV ISI, and pairwise spike-count correlations of
// the first --cc-neurons recorded neurons in bins of --cc-bin-ms; plus construction time
// (simulator creation: planning, connectivity, upload, pipelines) and real-time factor
// (wall time of the measured run / simulated time; spikes are recorded during it).
//
// Usage (needs a current dist/: npm run bench:pd14 -- ARGS builds it first):
//   node bench/pd14.mjs [--scale 0.1] [--k-scale 1] [--background dc|poisson] [--duration-ms 1000]
//     [--warmup-ms 500] [--seed 55] [--cc-neurons 200] [--cc-bin-ms 5[,1]] [--record-fraction F]
//     [--steps-per-submit N] [--software lavapipe|swiftshader] [--out FILE.json] [--md FILE.md] [--label TEXT]
// Spikes of every neuron are recorded unless --record-fraction F < 1 (the first F of each population).
// Writes FILE.json (default bench/results/pd14_scale<scale>_k<k>_<background>_seed<seed>.json) and
// the markdown table beside it (FILE.md), and prints the table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { cpus, hostname } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createNodeSimulator, nodeGpu, pd14Spec, pd14DcCompensation, spikeStatistics, spikeCountCorrelations,
} from '../dist/node/index.js';
import { PD14_PARAMETERS } from '../dist/model/library/pd14-parameters.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '0.1' },
    'k-scale': { type: 'string', default: '1' },
    background: { type: 'string', default: 'dc' },
    'duration-ms': { type: 'string', default: '1000' },
    'warmup-ms': { type: 'string', default: '500' },
    seed: { type: 'string', default: '55' },
    'cc-neurons': { type: 'string', default: '200' },
    'cc-bin-ms': { type: 'string', default: '5' },
    'record-fraction': { type: 'string' },
    'steps-per-submit': { type: 'string' },
    software: { type: 'string' },
    out: { type: 'string' },
    md: { type: 'string' },
    label: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (args.help) {
  process.stdout.write(`${readUsage()}\n`);
  process.exit(0);
}

/** The comment block above, as --help text. */
function readUsage() {
  return 'node bench/pd14.mjs [--scale 0.1] [--k-scale 1] [--background dc|poisson] [--duration-ms 1000] [--warmup-ms 500] [--seed 55]\n'
    + '  [--cc-neurons 200] [--cc-bin-ms 5[,1]] [--record-fraction F] [--steps-per-submit N] [--software lavapipe|swiftshader]\n'
    + '  [--out FILE.json] [--md FILE.md] [--label TEXT]\n'
    + 'k-scale < 1: in-degrees × k, weights / √k, DC compensation of the lost mean input (NEST microcircuit K_scaling).';
}

function number(name, { min = -Infinity, max = Infinity, integer = false, exclusiveMin = false } = {}) {
  const text = args[name];
  const n = Number(text);
  const ok = text !== undefined && text.trim() !== '' && Number.isFinite(n) && (exclusiveMin ? n > min : n >= min) && n <= max && (!integer || Number.isInteger(n));
  if (!ok) {
    process.stderr.write(`bench/pd14: --${name} must be ${integer ? 'an integer' : 'a number'} in ${exclusiveMin ? '(' : '['}${min}, ${max}] (got '${text}')\n`);
    process.exit(2);
  }
  return n;
}

const scale = number('scale', { min: 0, max: 1, exclusiveMin: true });
const kScale = number('k-scale', { min: 0, max: 1, exclusiveMin: true });
const background = args.background;
if (background !== 'dc' && background !== 'poisson') {
  process.stderr.write(`bench/pd14: --background must be dc or poisson (got '${background}')\n`);
  process.exit(2);
}
const durationMs = number('duration-ms', { min: 0, exclusiveMin: true });
const warmupMs = number('warmup-ms', { min: 0 });
const seed = number('seed', { min: 0, max: 2 ** 32 - 1, integer: true });
const ccNeurons = number('cc-neurons', { min: 2, integer: true });
const ccBins = args['cc-bin-ms'].split(',').map((t) => Number(t));
if (ccBins.some((b) => !(b > 0))) {
  process.stderr.write(`bench/pd14: --cc-bin-ms must be positive numbers of ms, comma-separated (got '${args['cc-bin-ms']}')\n`);
  process.exit(2);
}
// Every neuron's spikes by default (the library's default records 10 % above scale 0.1, too few
// for 200-neuron correlation samples of the small populations).
const recordFraction = args['record-fraction'] !== undefined ? number('record-fraction', { min: 0, max: 1, exclusiveMin: true }) : 1;
const stepsPerSubmit = args['steps-per-submit'] !== undefined ? number('steps-per-submit', { min: 1, integer: true }) : undefined;
if (args.software !== undefined && args.software !== 'lavapipe' && args.software !== 'swiftshader') {
  process.stderr.write(`bench/pd14: --software must be lavapipe or swiftshader (got '${args.software}')\n`);
  process.exit(2);
}

const tag = `pd14_scale${scale}_k${kScale}_${background}_seed${seed}`;
const outJson = args.out ?? `${root}bench/results/${tag}.json`;
const outMd = args.md ?? outJson.replace(/\.json$/i, '') + '.md';

const log = (text) => process.stderr.write(`bench/pd14: ${text}\n`);

// ---------------------------------------------------------------------------------------------
// Build
// ---------------------------------------------------------------------------------------------

const commandStart = performance.now();
const specStart = performance.now();
const generated = pd14Spec({
  scale,
  background,
  seed,
  kScale,
  durationMs: Math.max(durationMs + warmupMs, 100.1),
  recordFraction,
});
// Spikes only (the generator also adds population-rate recorders, not needed here).
const spec = { ...generated, recorders: generated.recorders.filter((r) => r.type === 'spikes') };
const specS = (performance.now() - specStart) / 1000;
const dtMs = spec.dt_ms;
const neurons = spec.populations.reduce((n, p) => n + p.size, 0);
const synapses = spec.projections.reduce((n, p) => n + p.connector.n, 0);
log(`${spec.name}: ${neurons.toLocaleString('en-US')} neurons, ${synapses.toLocaleString('en-US')} synapses; warm-up ${warmupMs} ms, measured ${durationMs} ms`);

const gpuStart = performance.now();
const context = await nodeGpu({ verbose: true, ...(args.software ? { software: args.software } : {}) });
const gpuS = (performance.now() - gpuStart) / 1000;
const constructionStart = performance.now();
const sim = await createNodeSimulator(spec, { context, ...(stepsPerSubmit !== undefined ? { stepsPerSubmit } : {}) });
const constructionS = (performance.now() - constructionStart) / 1000;
log(`built in ${constructionS.toFixed(2)} s (${(sim.memory.totalBytes / 2 ** 20).toFixed(1)} MiB of GPU memory)`);

// ---------------------------------------------------------------------------------------------
// Run: warm-up (recordings dropped), then the measured window
// ---------------------------------------------------------------------------------------------

const progress = (what) => {
  let last = 0;
  return (p) => {
    const decile = Math.floor((10 * p.stepsDone) / Math.max(1, p.stepsTotal));
    if (decile > last) {
      last = decile;
      log(`${what} ${Math.round((100 * p.stepsDone) / p.stepsTotal)}% (${p.simulatedMs.toFixed(0)} ms simulated, ${p.wallS.toFixed(1)} s)`);
    }
  };
};
const warm = warmupMs > 0 ? await sim.run(warmupMs, { onProgress: progress('warm-up') }) : { steps: 0, simulatedMs: 0, wallS: 0 };
sim.clearRecordings();
const measured = await sim.run(durationMs, { onProgress: progress('measured') });
const recordings = sim.recordings();
const gpuMemoryBytes = sim.memory.totalBytes;
sim.destroy();

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------

const fromStep = warm.steps;
const toStep = warm.steps + measured.steps;
const windowS = (measured.steps * dtMs) / 1000;
const reference = PD14_PARAMETERS.reference_mean_rates_Hz_full_scale_dc;
const compensation = kScale < 1 ? pd14DcCompensation(kScale, background) : spec.populations.map(() => 0);

const populations = spec.populations.map((pop, i) => {
  const rec = recordings.find((r) => r.type === 'spikes' && r.population === pop.name);
  if (!rec) throw new Error(`no spike recording of ${pop.name}`);
  const stats = spikeStatistics(rec, { dtMs, batch: 1, fromStep, toStep, populationSize: pop.size });
  // Single-neuron rates (trial 0): spread and silent fraction.
  const counts = new Map();
  for (const n of rec.neurons) counts.set(n, 0);
  for (let k = 0; k < rec.steps.length; k++) {
    const step = rec.steps[k];
    if (step < fromStep || step >= toStep || rec.trials[k] !== 0) continue;
    counts.set(rec.senders[k], (counts.get(rec.senders[k]) ?? 0) + 1);
  }
  const rates = [...counts.values()].map((c) => c / windowS);
  const mean = rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length);
  const sd = Math.sqrt(rates.reduce((a, r) => a + (r - mean) ** 2, 0) / Math.max(1, rates.length));
  const silent = rates.filter((r) => r === 0).length / Math.max(1, rates.length);
  // Correlations: the first ccNeurons recorded neurons (neurons of a population are exchangeable).
  const ccSet = rec.neurons.slice(0, Math.min(ccNeurons, rec.neurons.length));
  const cc = {};
  for (const binMs of ccBins) {
    const c = spikeCountCorrelations(rec, { dtMs, binMs, fromStep, toStep, neurons: ccSet });
    cc[String(binMs)] = { n_neurons: c.n_neurons, n_bins: c.n_bins, n_pairs: c.n_pairs, n_defined: c.n_defined, mean: c.mean, sd: c.sd };
  }
  const ref = reference[i];
  return {
    name: pop.name,
    size: pop.size,
    n_recorded: stats.n_recorded,
    i_e_pA: pop.params.i_e_pA,
    dc_compensation_pA: compensation[i],
    reference_rate_hz: ref,
    rate_hz: stats.rate_hz,
    rate_rel_diff: ref > 0 ? stats.rate_hz / ref - 1 : null,
    rate_sd_hz: sd,
    cc_neurons: ccSet.length,
    silent_fraction: silent,
    cv_isi: stats.cv_isi,
    cc,
  };
});

const simulatedS = windowS;
let commit = null;
try { commit = execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim(); } catch { /* not a checkout */ }
const result = {
  benchmark: 'pd14',
  label: args.label ?? null,
  date: new Date().toISOString(),
  commit,
  host: hostname(),
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  node: process.version,
  adapter: context.info.label,
  adapter_software: context.info.software,
  network: spec.name,
  scale,
  k_scale: kScale,
  background,
  seed,
  dt_ms: dtMs,
  neurons,
  synapses,
  warmup_ms: warm.simulatedMs,
  duration_ms: measured.simulatedMs,
  steps_per_submit: stepsPerSubmit ?? null,
  record_fraction: recordFraction,
  spike_recording: 'the first record_fraction of each population, during warm-up and measurement',
  cc_neurons: ccNeurons,
  cc_bin_ms: ccBins,
  spec_s: specS,
  gpu_acquire_s: gpuS,
  construction_s: constructionS,
  warmup_wall_s: warm.wallS,
  wall_s: measured.wallS,
  rtf: measured.wallS / simulatedS,
  rtf_warmup: warm.simulatedMs > 0 ? warm.wallS / (warm.simulatedMs / 1000) : null,
  neuron_steps_per_s: measured.neuronStepsPerS,
  gpu_memory_bytes: gpuMemoryBytes,
  total_s: (performance.now() - commandStart) / 1000,
  reference: 'reference_mean_rates_Hz_full_scale_dc of parameters.json (one full-scale NEST run, DC drive; indicative)',
  populations,
};

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

const f = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));
const pct = (x) => (x === null ? '–' : `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(0)} %`);
const ccHeader = ccBins.map((b) => `CC ${b} ms (mean ± sd)`);
const header = ['population', 'N', 'ref. rate (Hz)', 'rate (Hz)', 'vs ref.', 'rate sd (Hz)', 'silent', 'CV ISI', 'CC n', ...ccHeader];
const rows = populations.map((p) => [
  p.name, String(p.size), f(p.reference_rate_hz, 3), f(p.rate_hz), pct(p.rate_rel_diff), f(p.rate_sd_hz), `${(100 * p.silent_fraction).toFixed(0)} %`, f(p.cv_isi), String(p.cc_neurons),
  ...ccBins.map((b) => { const c = p.cc[String(b)]; return `${f(c.mean, 4)} ± ${f(c.sd, 4)}`; }),
]);
const line = (cells) => `| ${cells.join(' | ')} |`;
const title = `PD14 scale ${scale}, in-degree scale ${kScale}${kScale < 1 ? ' (weights / √k, DC compensation)' : ''}, ${background === 'dc' ? 'DC' : 'Poisson'} background, seed ${seed}: `
  + `${neurons.toLocaleString('en-US')} neurons, ${synapses.toLocaleString('en-US')} synapses; ${f(result.warmup_ms, 0)} ms warm-up, ${f(result.duration_ms, 0)} ms measured`;
const footer = `${result.date.slice(0, 10)}, commit ${commit ?? '?'}, ${result.adapter}, ${result.cpu}; construction ${f(constructionS)} s, `
  + `RTF ${f(result.rtf, 1)} (measured window, spikes recorded), warm-up RTF ${f(result.rtf_warmup, 1)}, GPU memory ${(gpuMemoryBytes / 2 ** 20).toFixed(0)} MiB. `
  + `Rates and CV ISI over all recorded neurons (${populations.map((p) => p.n_recorded).reduce((a, b) => a + b, 0).toLocaleString('en-US')}; CV of neurons with ≥ 3 spikes); `
  + `rate sd and silent: across neurons; CC: Pearson correlation of spike counts of the first CC n recorded neurons of each population (at most ${ccNeurons}), pairs with a silent neuron left out.`;
const markdown = `${title}\n\n${line(header)}\n${line(header.map(() => '---'))}\n${rows.map(line).join('\n')}\n\n${footer}\n`;

mkdirSync(dirname(outJson), { recursive: true });
writeFileSync(outJson, `${JSON.stringify(result, null, 2)}\n`);
mkdirSync(dirname(outMd), { recursive: true });
writeFileSync(outMd, markdown);
process.stdout.write(`${markdown}\nwrote ${outJson} and ${outMd}\n`);
context.device.destroy?.();
process.exit(0);
