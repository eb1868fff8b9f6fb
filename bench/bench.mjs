#!/usr/bin/env node
// The standard benchmark suite (issue #12; networks and rules: ../shared/benchmarks.md).
//
// For each network — COBA, Brunel 2000, PD14 at scale 0.1 and 1 (stored and procedural
// connectivity), a sparse and a dense rate network, and the covariance + linear Fisher kernel —
// it measures cortexgpu in Node (Dawn) and in headless Chrome (puppeteer, the bench page
// bench/browser/), and Brian2 C++ standalone on the same machine in the same run where the
// network exists there (COBA, Brunel), then appends one record per (network, runtime) to
// OUT/bench.jsonl and rewrites OUT/report.md with its SVG figures from all records of that file.
//
// Usage (npm run bench -- ARGS builds dist/ first; plain node needs a current dist/):
//   node bench/bench.mjs [--quick] [--only NAME,NAME] [--runtime node|chrome|both] [--no-brian2]
//     [--out DIR] [--duration-ms N] [--warmup-ms N] [--fisher-sizes N,N] [--steps-per-submit N]
//     [--chrome-gpu auto|on|off] [--software lavapipe|swiftshader] [--label TEXT] [--report-only] [--list]
//
//   --quick          the preset for a small machine: short runs (200–300 ms after a 50–100 ms
//                    warm-up), PD14 at scale 0.1 only, a 10,000-unit sparse and a 1,024-unit dense
//                    rate network, Fisher N = 256 and 512 (a few minutes on 2 cores, software GPU)
//   (default)        the full preset: every network, 10 s after 0.5 s warm-up (community rules),
//                    the 100,000-unit rate network, dense N = 4,096, Fisher N = 256 … 4,096
//   --only           networks by id (--list prints them); a network outside the preset is run with
//                    the preset's durations
//   --runtime        node, chrome or both (default both)
//   --no-brian2      skip Brian2 (skipped with a note anyway when python3-brian is missing:
//                    bash scripts/setup.sh --with-brian installs it)
//   --out DIR        records, report and figures go to DIR (default bench/results)
//   --duration-ms, --warmup-ms   override the preset's timed and warm-up durations (all networks)
//   --chrome-gpu     hardware-WebGPU Chromium flags on/off; auto: on when a GPU is detected
//   --software       force a software Vulkan driver in Node (lavapipe or swiftshader)
//   --report-only    rewrite the report from OUT/bench.jsonl without measuring
// The README's benchmark table is regenerated from the records by bench/readme-table.mjs
// (npm run bench:readme).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findNetwork, NETWORKS } from './lib/networks.mjs';
import { appendRecords, cpuDevice, makeRecord, readRecords, runContext } from './lib/records.mjs';
import { brian2Ratio, sig, si, writeReport } from './lib/report.mjs';
import { brian2Version, runBrian2 } from './lib/brian2.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (text) => process.stderr.write(`bench: ${text}\n`);
const fail = (text) => { process.stderr.write(`bench: ${text}\n`); process.exit(2); };

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    runtime: { type: 'string', default: 'both' },
    'no-brian2': { type: 'boolean', default: false },
    out: { type: 'string' },
    'duration-ms': { type: 'string' },
    'warmup-ms': { type: 'string' },
    'fisher-sizes': { type: 'string' },
    'steps-per-submit': { type: 'string' },
    'chrome-gpu': { type: 'string', default: 'auto' },
    software: { type: 'string' },
    label: { type: 'string' },
    'report-only': { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (args.help) {
  process.stdout.write('node bench/bench.mjs [--quick] [--only NAME,NAME] [--runtime node|chrome|both] [--no-brian2] [--out DIR]\n'
    + '  [--duration-ms N] [--warmup-ms N] [--fisher-sizes N,N] [--steps-per-submit N] [--chrome-gpu auto|on|off]\n'
    + '  [--software lavapipe|swiftshader] [--label TEXT] [--report-only] [--list]\n'
    + 'Appends records to OUT/bench.jsonl (default bench/results) and writes OUT/report.md and SVG figures. See the header of bench/bench.mjs.\n');
  process.exit(0);
}
if (args.list) {
  for (const n of NETWORKS) process.stdout.write(`${n.id.padEnd(20)} ${n.title}${n.quick ? '' : ' (not in --quick)'}${n.brian2Spec ? ' [Brian2]' : ''}\n`);
  process.exit(0);
}

/** A positive integer option, or undefined. */
function positive(name, { allowZero = false } = {}) {
  const text = args[name];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) fail(`--${name} must be a number ${allowZero ? '≥ 0' : '> 0'} (got '${text}')`);
  return n;
}

const preset = args.quick ? 'quick' : 'full';
const outDir = resolve(root, args.out ?? 'bench/results');
const recordsFile = join(outDir, 'bench.jsonl');
if (!['node', 'chrome', 'both'].includes(args.runtime)) fail(`--runtime must be node, chrome or both (got '${args.runtime}')`);
if (!['auto', 'on', 'off'].includes(args['chrome-gpu'])) fail(`--chrome-gpu must be auto, on or off (got '${args['chrome-gpu']}')`);
if (args.software !== undefined && !['lavapipe', 'swiftshader'].includes(args.software)) fail(`--software must be lavapipe or swiftshader (got '${args.software}')`);
const durationMs = positive('duration-ms');
const warmupMs = positive('warmup-ms', { allowZero: true });
const stepsPerSubmit = positive('steps-per-submit');
const fisherSizes = args['fisher-sizes']?.split(',').map((t) => {
  const n = Number(t);
  if (!Number.isInteger(n) || n < 2) fail(`--fisher-sizes must be integers ≥ 2, comma-separated (got '${args['fisher-sizes']}')`);
  return n;
});
let networks;
try {
  networks = args.only ? args.only.split(',').map((id) => findNetwork(id.trim())) : NETWORKS.filter((n) => preset === 'full' || n.quick !== null);
} catch (err) {
  fail(err.message);
}

if (args['report-only']) {
  const written = await writeReport(readRecords(recordsFile), outDir);
  log(`wrote ${written.join(', ')}`);
  process.exit(0);
}

const runtimes = args.runtime === 'both' ? ['node', 'chrome'] : [args.runtime];
const suiteStart = performance.now();
const run = { suite: 'cortexgpu-bench', ...runContext({ preset, label: args.label }) };
log(`${preset} preset, networks ${networks.map((n) => n.id).join(', ')}; runtimes ${runtimes.join(', ')}${args['no-brian2'] ? '' : ' + Brian2'}; records → ${recordsFile}`);

/** The protocol of a network in this preset, with overrides. */
function protocolOf(network) {
  const base = network[preset] ?? network.full;
  return { warmupMs: warmupMs ?? base.warmupMs, durationMs: durationMs ?? base.durationMs };
}

// ---------------------------------------------------------------------------------------------
// Runtimes: started once, before the first network (a failure to start is recorded per network)
// ---------------------------------------------------------------------------------------------

const started = new Map();
for (const name of runtimes) {
  const t0 = performance.now();
  try {
    if (name === 'node') {
      const { startNodeRuntime } = await import('./lib/node-runtime.mjs');
      started.set(name, await startNodeRuntime({ stepsPerSubmit, software: args.software }));
    } else {
      const { startChromeRuntime } = await import('./lib/chrome-runtime.mjs');
      started.set(name, await startChromeRuntime({ gpu: args['chrome-gpu'], stepsPerSubmit, log: (t) => log(`[chrome] ${t}`) }));
    }
    log(`${name}: ${started.get(name).adapter.label} (${started.get(name).runtimeVersion}; started in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (err) {
    started.set(name, { error: err instanceof Error ? err.message : String(err) });
    log(`${name}: could not start: ${started.get(name).error}`);
  }
}
const brian2 = args['no-brian2'] ? { version: null, reason: 'skipped (--no-brian2)' } : brian2Version();
if (!args['no-brian2'] && !brian2.version) log(`Brian2: ${brian2.reason}; Brian2 comparisons skipped`);

// ---------------------------------------------------------------------------------------------
// Networks
// ---------------------------------------------------------------------------------------------

const summary = [];
for (const network of networks) {
  const protocol = protocolOf(network);
  // Each record is appended as soon as it is made: a run stopped later (a time limit) keeps it.
  const records = [];
  const keep = (record) => {
    appendRecords(recordsFile, [record]);
    records.push(record);
    summary.push(record);
  };
  if (network.kind === 'fisher') {
    const sizes = fisherSizes ?? network.sizes[preset];
    for (const name of runtimes) {
      const rt = started.get(name);
      for (const n of sizes) {
        if (rt.error) { keep(makeRecord(run, { runtime: name, device: null, network, measurement: { neurons: n }, status: 'failed', error: `runtime did not start: ${rt.error}` })); continue; }
        try {
          log(`[fisher/${name}] N = ${n}`);
          const m = await rt.fisher(n);
          log(`[fisher/${name}] N = ${n}: ${sig(m.wall_s)} s (${sig(m.gflops_per_s)} GFLOP/s)`);
          keep(makeRecord(run, { runtime: name, runtimeVersion: rt.runtimeVersion, device: rt.adapter, network, measurement: m }));
        } catch (err) {
          log(`[fisher/${name}] N = ${n} failed: ${err.message}`);
          keep(makeRecord(run, { runtime: name, runtimeVersion: rt.runtimeVersion, device: rt.adapter, network, measurement: { neurons: n }, status: 'failed', error: String(err.message).slice(0, 500) }));
        }
      }
    }
    continue;
  }

  let spec;
  try {
    spec = network.spec(preset);
  } catch (err) {
    log(`[${network.id}] cannot build the spec: ${err.message}`);
    for (const name of runtimes) keep(makeRecord(run, { runtime: name, device: started.get(name).adapter ?? null, network, status: 'failed', error: `spec: ${String(err.message).slice(0, 500)}` }));
    continue;
  }
  for (const name of runtimes) {
    const rt = started.get(name);
    if (rt.error) { keep(makeRecord(run, { runtime: name, device: null, network, status: 'failed', error: `runtime did not start: ${rt.error}` })); continue; }
    const tag = `[${network.id}/${name}]`;
    try {
      log(`${tag} ${protocol.warmupMs} ms warm-up + ${protocol.durationMs} ms timed`);
      const m = await rt.simulate(spec, protocol, (t) => log(`${tag} ${t}`));
      log(`${tag} RTF ${sig(m.rtf)} (${sig(m.wall_s)} s loop), ${si(m.synaptic_events_per_s)} events/s, ${sig(m.dispatches_per_step.total)} dispatches/step, construction ${sig(m.construction_s)} s`);
      keep(makeRecord(run, { runtime: name, runtimeVersion: rt.runtimeVersion, device: rt.adapter, network, measurement: m }));
    } catch (err) {
      log(`${tag} failed: ${err.message}`);
      keep(makeRecord(run, { runtime: name, runtimeVersion: rt.runtimeVersion, device: rt.adapter, network, status: 'failed', error: String(err.message).slice(0, 500) }));
    }
  }
  if (network.brian2Spec && !args['no-brian2']) {
    if (!brian2.version) {
      keep(makeRecord(run, { runtime: 'brian2', device: cpuDevice(), network, status: 'skipped', note: brian2.reason }));
    } else {
      const tag = `[${network.id}/brian2]`;
      try {
        log(`${tag} ${network.brian2Spec}, ${protocol.warmupMs + protocol.durationMs} ms (C++ standalone: code generation and compilation first)`);
        const m = await runBrian2(network.brian2Spec, protocol, (t) => log(`${tag} ${t}`));
        const brianRecord = makeRecord(run, { runtime: 'brian2', runtimeVersion: `${m.version} (${m.device_mode}, 1 thread)`, device: cpuDevice(), network, measurement: m });
        // Speed of cortexgpu relative to Brian2, same run: Brian2 RTF / cortexgpu RTF, by runtime
        // (the report shows it on the cortexgpu rows too, found by run_id and network).
        const ratios = {};
        for (const r of records) if (r.status === 'ok') ratios[r.runtime] = m.rtf / r.rtf;
        brianRecord.speed_ratio_cortexgpu_over_brian2 = ratios;
        log(`${tag} RTF ${sig(m.rtf)} (${sig(m.wall_s)} s loop), ${si(m.synaptic_events_per_s)} events/s; cortexgpu/Brian2 speed: ${Object.entries(ratios).map(([k, v]) => `${k} ${sig(v, 2)}×`).join(', ') || '—'}`);
        keep(brianRecord);
      } catch (err) {
        log(`${tag} failed: ${err.message}`);
        keep(makeRecord(run, { runtime: 'brian2', device: cpuDevice(), network, status: 'failed', error: String(err.message).slice(0, 500) }));
      }
    }
  }
}

for (const rt of started.values()) await rt.close?.();

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const written = await writeReport(readRecords(recordsFile), outDir);
const lines = summary.map((r) => (r.status !== 'ok'
  ? `${r.network.padEnd(18)} ${r.runtime.padEnd(7)} ${r.status}: ${r.error ?? r.note ?? ''}`
  : r.kind === 'fisher'
    ? `${r.network.padEnd(18)} ${r.runtime.padEnd(7)} N ${String(r.neurons).padEnd(6)} ${sig(r.wall_s)} s`
    : `${r.network.padEnd(18)} ${r.runtime.padEnd(7)} RTF ${sig(r.rtf).padEnd(8)} events/s ${si(r.synaptic_events_per_s).padEnd(9)} dispatches/step ${r.dispatches_per_step ? sig(r.dispatches_per_step.total) : '—'}` +
      `${r.runtime !== 'brian2' && brian2Ratio(r, summary) !== null ? `  vs Brian2 ${sig(brian2Ratio(r, summary), 2)}×` : ''}`));
process.stdout.write(`${lines.join('\n')}\n`);
log(`${summary.length} record(s) appended to ${recordsFile}; wrote ${written.join(', ')}; suite took ${((performance.now() - suiteStart) / 1000).toFixed(0)} s`);
if (!existsSync(join(outDir, 'report.md'))) process.exit(1);
process.exit(summary.some((r) => r.status === 'failed') ? 1 : 0);
