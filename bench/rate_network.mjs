#!/usr/bin/env node
// Throughput of a large sparse rate network: N units, K synapses per unit (fixed in-degree),
// batch B, for a number of steps. Prints neuron-steps/s and synaptic events/s and appends a
// JSON record to bench/results/ (device named). The network is the benchmark suite's sparse rate
// network (rateNetworkSpec in bench/lib/networks.mjs; `npm run bench -- --only rate_sparse`). Usage:
//   node bench/rate_network.mjs [--n 100000] [--k 100] [--batch 16] [--steps 1000] [--software lavapipe|swiftshader]
import { mkdirSync, appendFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { createNodeSimulator, nodeGpu } from '../dist/node/index.js';
import { rateNetworkSpec } from './lib/networks.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, arg, i, all) => (arg.startsWith('--') ? [...acc, [arg.slice(2), all[i + 1]]] : acc), []));
const n = Number(args.n ?? 100000);
const k = Number(args.k ?? 100);
const batch = Number(args.batch ?? 16);
const steps = Number(args.steps ?? 1000);
const dt = 1;

const spec = rateNetworkSpec({ n, k, batch, dt });

const context = await nodeGpu({ ...(args.software ? { software: args.software } : {}) });
const t0 = performance.now();
const sim = await createNodeSimulator(spec, { context });
const constructionS = (performance.now() - t0) / 1000;
// Warm-up (pipeline creation, first submits), then the timed run.
await sim.run(10 * dt);
const report = await sim.run(steps * dt);
const rates = sim.recordings()[0].values;
const meanRate = rates.reduce((s, v) => s + v, 0) / rates.length;
const record = {
  date: new Date().toISOString(),
  commit: (() => { try { return execSync('git rev-parse --short HEAD').toString().trim(); } catch { return null; } })(),
  device: context.info.label,
  runtime: 'node (dawn)',
  network: spec.name, neurons: n, synapses_per_neuron: k, batch, steps, dt_ms: dt,
  construction_s: constructionS,
  wall_s: report.wallS,
  neuron_steps_per_s: (n * batch * steps) / report.wallS,
  synaptic_events_per_s: (n * k * batch * steps) / report.wallS,
  gpu_memory_bytes: sim.memory.totalBytes,
  mean_output: meanRate,
};
console.log(JSON.stringify(record, null, 2));
console.log(`${n} rate units × ${k} synapses × batch ${batch}, ${steps} steps on ${context.info.label}: ` +
  `${(record.neuron_steps_per_s / 1e6).toFixed(2)} M neuron-steps/s, ${(record.synaptic_events_per_s / 1e9).toFixed(3)} G synaptic events/s (wall ${report.wallS.toFixed(1)} s)`);
mkdirSync('bench/results', { recursive: true });
appendFileSync('bench/results/rate_network.jsonl', JSON.stringify(record) + '\n');
process.exit(0);
