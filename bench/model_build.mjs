#!/usr/bin/env node
// Build time of each equation model: parse and check (compileEquationModel), WGSL generation
// (generateWgsl), and the GPU pipeline of its update kernel (the engine's KernelCache with the
// descriptor GpuSimulator builds, modelUpdateKernel), next to Brian2's NeuronGroup creation +
// code generation + compilation of the same description (scripts/brian2_build_time.py, numpy
// and cython targets). Models: every equation model of the catalogue (built-in or registered),
// plus the CUBA, COBA and AdEx examples of docs/equations.md (so there is always one of each
// integration method); the hand-written built-ins get their pipeline time only.
//
// Protocol, the same on both sides: one untimed warm-up build of another model (JIT, Dawn and
// driver start-up; Brian2's imports and templates), then "first" = the first build of each
// model. cortexgpu also repeats each build (--repeat, default 5; each pipeline gets a unique
// comment so that Dawn's object cache cannot answer it) and reports the median.
//
// Prints a table and appends one JSON record to bench/results/model_build.jsonl. Usage:
//   node bench/model_build.mjs [--repeat 5] [--no-brian2] [--targets numpy,cython] [--software lavapipe|swiftshader]
// (needs a current dist/: npx tsc -p tsconfig.json; npm run bench:models builds it first)
import { appendFileSync, mkdirSync } from 'node:fs';
import { execSync, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NEURON_MODELS, modelCatalogue, findNeuronModel, isEquationModel, nodeGpu, nodeShaderLoader } from '../dist/node/index.js';
import { compileEquationModel, equationModelDef, generateWgsl } from '../dist/model/equations/index.js';
import { KernelCache } from '../dist/gpu/kernels.js';
import { modelUpdateKernel } from '../dist/gpu/simulator.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The examples of docs/equations.md and test/equation-models.test.ts: exact, exponential_euler, rk4. */
export const EXAMPLE_MODELS = {
  cuba: {
    equations: 'dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)\ndge/dt = -ge/taue : volt\ndgi/dt = -gi/taui : volt',
    threshold: 'v>Vt', reset: 'v = Vr', refractory: '5*ms',
    namespace: { taum: '20*ms', taue: '5*ms', taui: '10*ms', Vt: '-50*mV', Vr: '-60*mV', El: '-49*mV' },
  },
  coba: {
    equations: 'dv/dt = (gl*(El-v) + ge*(Ee-v) + gi*(Ei-v) + I)/C : volt (unless refractory)\ndge/dt = -ge/taue : siemens\ndgi/dt = -gi/taui : siemens\nI : amp',
    threshold: 'v > -50*mV', reset: 'v = -60*mV', refractory: '5*ms', current: 'I',
    namespace: { gl: '10*nS', El: '-60*mV', Ee: '0*mV', Ei: '-80*mV', C: '200*pF', taue: '5*ms', taui: '10*ms' },
  },
  adex: {
    equations: 'dv/dt = (gL*(EL - v) + gL*DeltaT*exp((v - VT)/DeltaT) + I - w)/C : volt\ndw/dt = (a*(v - EL) - w)/tauw : amp\nI : amp',
    threshold: 'v > VT + 5*DeltaT', reset: 'v = Vr; w += b', current: 'I',
    namespace: { C: '281*pF', gL: '30*nS', EL: '-70.6*mV', VT: '-50.4*mV', DeltaT: '2*mV', tauw: '144*ms', a: '4*nS', b: '0.0805*nA', Vr: '-70.6*mV' },
  },
};

/** An untimed model for warm-up (not one of those measured). */
const WARMUP = { equations: 'dx/dt = (1.5 - x)/tau_x : 1 (unless refractory)', threshold: 'x > 1', reset: 'x = 0', refractory: '1*ms', namespace: { tau_x: '7*ms' } };

/**
 * The models to measure: equation models of the catalogue (built-ins first, then registered
 * ones), then the examples whose names are not taken.
 * @returns {{ name: string, source: string, description: object }[]}
 */
export function equationModelsToMeasure() {
  const models = [];
  for (const entry of modelCatalogue()) {
    const def = findNeuronModel(entry.name);
    if (def && isEquationModel(def)) models.push({ name: def.name, source: Object.hasOwn(NEURON_MODELS, def.name) ? 'built-in' : 'registered', description: def.description });
  }
  for (const [name, description] of Object.entries(EXAMPLE_MODELS)) {
    if (!models.some((m) => m.name === name)) models.push({ name, source: 'example', description });
  }
  return models;
}

let nonce = 0;

/** Build the model's update pipeline in a fresh kernel cache; a unique comment defeats Dawn's object cache. */
async function buildPipeline(device, def) {
  const descriptor = modelUpdateKernel(def);
  const cache = new KernelCache(device, nodeShaderLoader);
  const started = performance.now();
  await cache.get({ ...descriptor, parts: [...descriptor.parts, { name: 'bench-nonce', text: `// build ${++nonce}` }] });
  return performance.now() - started;
}

/**
 * Time one equation model's build: parse + check, WGSL, pipeline (ms), `repeat` times.
 * @param {GPUDevice} device
 * @param {string} name
 * @param {object} description an equation description (Brian2 syntax)
 * @param {number} [repeat]
 * @returns {Promise<{ method: string, wgsl_lines: number, runs: { parse_ms: number, wgsl_ms: number, pipeline_ms: number, total_ms: number }[] }>}
 */
export async function measureEquationModel(device, name, description, repeat = 5) {
  const runs = [];
  let method = '';
  let wgslLines = 0;
  for (let r = 0; r < repeat; r++) {
    let t = performance.now();
    const compiled = compileEquationModel(name, description);
    const parse = performance.now() - t;
    t = performance.now();
    const wgsl = generateWgsl(compiled);
    const wgslMs = performance.now() - t;
    // The definition (also the CPU reference's update) is not part of the GPU path's time.
    const def = equationModelDef(name, description);
    const pipeline = await buildPipeline(device, def);
    method = compiled.method;
    wgslLines = wgsl.split('\n').length;
    runs.push({ parse_ms: parse, wgsl_ms: wgslMs, pipeline_ms: pipeline, total_ms: parse + wgslMs + pipeline });
  }
  return { method, wgsl_lines: wgslLines, runs };
}

/** Untimed builds so that the first measured model does not pay JIT and driver start-up. */
export async function warmUp(device) {
  await measureEquationModel(device, 'warmup', WARMUP, 1);
  await buildPipeline(device, NEURON_MODELS.lif_psc_exp);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Brian2's times for these descriptions, one Python process per target; null when Brian2 is missing. */
function brian2Times(models, targets) {
  const input = JSON.stringify(models.map(({ name, description: d, method }) => ({
    name, equations: d.equations, threshold: d.threshold ?? null, reset: d.reset ?? null, refractory: d.refractory ?? null,
    // The method cortexgpu chose, so that both integrate the same way.
    method, namespace: d.namespace ?? {},
  })));
  const out = { models: {}, warmup: {} };
  for (const target of targets) {
    const run = spawnSync('/usr/bin/python3', [`${root}scripts/brian2_build_time.py`, '--targets', target], { input, encoding: 'utf8', maxBuffer: 16 << 20 });
    if (run.status !== 0) {
      console.error(`Brian2 (${target}) failed or is missing: ${(run.stderr ?? run.error?.message ?? '').trim().split('\n').slice(-3).join(' | ')}`);
      return null;
    }
    const result = JSON.parse(run.stdout.trim().split('\n').pop());
    out.brian2 = result.brian2;
    out.python = result.python;
    out.warmup[target] = result.warmup[target];
    for (const [name, byTarget] of Object.entries(result.models)) out.models[name] = { ...out.models[name], ...byTarget };
  }
  return out;
}

async function main() {
  const args = Object.fromEntries(process.argv.slice(2).reduce((acc, arg, i, all) => (arg.startsWith('--') ? [...acc, [arg.slice(2), all[i + 1]?.startsWith('--') === false ? all[i + 1] : true]] : acc), []));
  const repeat = Number(args.repeat ?? 5);
  const targets = String(args.targets ?? 'numpy,cython').split(',').filter(Boolean);
  const context = await nodeGpu({ verbose: false, ...(args.software ? { software: args.software } : {}) });
  const { device } = context;

  let t = performance.now();
  await warmUp(device);
  const warmupMs = performance.now() - t;

  const models = [];
  for (const m of equationModelsToMeasure()) {
    const result = await measureEquationModel(device, m.name, m.description, repeat);
    models.push({ ...m, ...result });
  }
  const handWritten = [];
  for (const entry of modelCatalogue()) {
    const def = findNeuronModel(entry.name);
    if (!def || isEquationModel(def)) continue;
    const times = [];
    for (let r = 0; r < repeat; r++) times.push(await buildPipeline(device, def));
    handWritten.push({ name: def.name, pipeline_first_ms: times[0], pipeline_median_ms: median(times) });
  }

  const brian2 = args['no-brian2'] ? null : brian2Times(models, targets);

  const f = (ms) => (ms === undefined ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);
  const b2 = (name, target) => {
    const r = brian2?.models[name]?.[target];
    return r === undefined ? '—' : r.error ? `error: ${r.error}` : f(r.total_s * 1000);
  };
  const rows = models.map((m) => {
    const first = m.runs[0];
    return [m.name, m.source, m.method, f(first.parse_ms), f(first.wgsl_ms), f(first.pipeline_ms), f(first.total_ms), f(median(m.runs.map((r) => r.total_ms))), ...targets.map((tg) => b2(m.name, tg))];
  });
  const header = ['model', 'source', 'method', 'parse+check', 'WGSL', 'pipeline', 'total', `median of ${repeat}`, ...targets.map((tg) => `Brian2 ${tg}`)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(`Model build time on ${context.info.label}; cortexgpu: first build after warm-up, and median of ${repeat}; Brian2 ${brian2?.brian2 ?? '(not run)'}: NeuronGroup + code generation + compilation (cython: empty cache)`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  if (handWritten.length > 0) {
    console.log(`\nHand-written built-in models (WGSL under shaders/), pipeline only: ${handWritten.map((h) => `${h.name} ${f(h.pipeline_first_ms)} (median ${f(h.pipeline_median_ms)})`).join(', ')}`);
  }

  const record = {
    date: new Date().toISOString(),
    commit: (() => { try { return execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim(); } catch { return null; } })(),
    device: context.info.label,
    runtime: 'node (dawn)',
    repeat,
    warmup_ms: warmupMs,
    models: models.map((m) => ({
      name: m.name, source: m.source, method: m.method, wgsl_lines: m.wgsl_lines,
      first: m.runs[0],
      median: { parse_ms: median(m.runs.map((r) => r.parse_ms)), wgsl_ms: median(m.runs.map((r) => r.wgsl_ms)), pipeline_ms: median(m.runs.map((r) => r.pipeline_ms)), total_ms: median(m.runs.map((r) => r.total_ms)) },
      brian2: brian2?.models[m.name] ?? null,
    })),
    hand_written: handWritten,
    brian2: brian2 ? { version: brian2.brian2, python: brian2.python, warmup: brian2.warmup } : null,
  };
  mkdirSync(`${root}bench/results`, { recursive: true });
  appendFileSync(`${root}bench/results/model_build.jsonl`, `${JSON.stringify(record)}\n`);
  console.log('\nappended to bench/results/model_build.jsonl');
  context.device.destroy?.();
  process.exit(0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
