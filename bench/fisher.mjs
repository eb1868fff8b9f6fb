#!/usr/bin/env node
// Covariance + linear Fisher information: GPU (blocked accumulation, Cholesky, solve) against
// the float64 CPU reference on the same data, for several population sizes. Appends records to
// bench/results/fisher.jsonl with the adapter named. The data and the GPU timing are those of
// the benchmark suite (bench/lib/fisher-core.mjs; `npm run bench -- --only fisher` times the GPU
// side alone in Node and headless Chrome). Usage (needs a current dist/: npx tsc -p tsconfig.json):
//   node bench/fisher.mjs [--sizes 256,1024,4096] [--trials-factor 1.25] [--software lavapipe|swiftshader] [--skip-cpu-above N]
import { mkdirSync, appendFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { nodeGpu } from '../dist/node/index.js';
import { computeFisherGpu } from '../dist/gpu/analysis/fisher-gpu.js';
import { fisherInformation } from '../dist/analysis/fisher.js';
import { RandomStream } from '../dist/rng/philox.js';
import { fisherInputs, measureFisher, warmUpFisher } from './lib/fisher-core.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, arg, i, all) => (arg.startsWith('--') ? [...acc, [arg.slice(2), all[i + 1]]] : acc), []));
const sizes = (args.sizes ?? '256,1024,4096').split(',').map(Number);
const trialsFactor = Number(args['trials-factor'] ?? 1.25);
const skipCpuAbove = Number(args['skip-cpu-above'] ?? Infinity);
const context = await nodeGpu({ ...(args.software ? { software: args.software } : {}) });
const commit = (() => { try { return execSync('git rev-parse --short HEAD').toString().trim(); } catch { return null; } })();
const engine = { computeFisherGpu, RandomStream, context };

mkdirSync('bench/results', { recursive: true });
// Warm-up on a small problem so pipeline compilation is not timed.
await warmUpFisher(engine);
for (const n of sizes) {
  const inputs = fisherInputs(RandomStream, n, trialsFactor);
  const trials = inputs.trials;
  const gpu = await measureFisher(engine, n, { inputs });
  const gpuS = gpu.wall_s;
  let cpu = null;
  let cpuS = null;
  if (n <= skipCpuAbove) {
    const t0 = performance.now();
    cpu = fisherInformation(inputs.a, inputs.b, n, 1, { decoderFolds: 0 });
    cpuS = (performance.now() - t0) / 1000;
  }
  const record = {
    date: new Date().toISOString(), commit, device: context.info.label, runtime: 'node (dawn)',
    neurons: n, trials_per_condition: trials,
    gpu_s: gpuS, cpu_float64_s: cpuS, speedup_cpu_over_gpu_time: cpuS === null ? null : cpuS / gpuS,
    I_naive_gpu: gpu.I_naive, I_naive_cpu: cpu?.I_naive ?? null,
    relative_difference: cpu ? Math.abs(gpu.I_naive - cpu.I_naive) / cpu.I_naive : null,
    flops_covariance: gpu.flops_covariance, flops_cholesky: gpu.flops_cholesky,
  };
  console.log(`N = ${n}, T = ${trials}: GPU ${gpuS.toFixed(2)} s, CPU float64 ${cpuS === null ? 'skipped' : cpuS.toFixed(2) + ' s'}` +
    `${cpuS === null ? '' : `, ratio CPU/GPU ${(cpuS / gpuS).toFixed(2)}, |ΔI|/I = ${record.relative_difference.toExponential(2)}`} on ${context.info.label}`);
  appendFileSync('bench/results/fisher.jsonl', JSON.stringify(record) + '\n');
}
process.exit(0);
