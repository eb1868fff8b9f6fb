#!/usr/bin/env node
// Covariance + linear Fisher information: GPU (blocked accumulation, Cholesky, solve) against
// the float64 CPU reference on the same data, for several population sizes. Appends records to
// bench/results/fisher.jsonl with the adapter named. Usage:
//   node bench/fisher.mjs [--sizes 256,1024,4096] [--trials-factor 1.25] [--software lavapipe|swiftshader] [--skip-cpu-above N]
import { mkdirSync, appendFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { nodeGpu } from '../dist/node/index.js';
import { computeFisherGpu } from '../dist/gpu/analysis/fisher-gpu.js';
import { fisherInformation } from '../dist/analysis/fisher.js';
import { RandomStream } from '../dist/rng/philox.js';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, arg, i, all) => (arg.startsWith('--') ? [...acc, [arg.slice(2), all[i + 1]]] : acc), []));
const sizes = (args.sizes ?? '256,1024,4096').split(',').map(Number);
const trialsFactor = Number(args['trials-factor'] ?? 1.25);
const skipCpuAbove = Number(args['skip-cpu-above'] ?? Infinity);
const context = await nodeGpu({ ...(args.software ? { software: args.software } : {}) });
const commit = (() => { try { return execSync('git rev-parse --short HEAD').toString().trim(); } catch { return null; } })();

/** Correlated counts with means around 50: a shared gain plus private Poisson-like noise. */
function responses(trials, n, shift, seed) {
  const rng = new RandomStream(seed, 7);
  const x = new Float64Array(trials * n);
  for (let t = 0; t < trials; t++) {
    const shared = rng.normal();
    for (let i = 0; i < n; i++) {
      const mean = 50 + 10 * Math.sin(i) + shift * Math.cos(0.01 * i);
      x[t * n + i] = Math.max(0, Math.round(mean + 3 * shared + Math.sqrt(mean) * rng.normal()));
    }
  }
  return x;
}

mkdirSync('bench/results', { recursive: true });
for (const n of sizes) {
  const trials = Math.ceil(n * trialsFactor);
  const a = responses(trials, n, 0, 1);
  const b = responses(trials, n, 2, 2);
  // Warm-up on a small problem so pipeline compilation is not timed.
  await computeFisherGpu(context, a.subarray(0, 64 * n).slice(0, 64 * Math.min(n, 32)), b.subarray(0, 64 * Math.min(n, 32)), Math.min(n, 32), 1, { decoderFolds: 0 }).catch(() => null);
  let t0 = performance.now();
  const gpu = await computeFisherGpu(context, a, b, n, 1, { decoderFolds: 0 });
  const gpuS = (performance.now() - t0) / 1000;
  let cpu = null;
  let cpuS = null;
  if (n <= skipCpuAbove) {
    t0 = performance.now();
    cpu = fisherInformation(a, b, n, 1, { decoderFolds: 0 });
    cpuS = (performance.now() - t0) / 1000;
  }
  const record = {
    date: new Date().toISOString(), commit, device: context.info.label, runtime: 'node (dawn)',
    neurons: n, trials_per_condition: trials,
    gpu_s: gpuS, cpu_float64_s: cpuS, speedup_cpu_over_gpu_time: cpuS === null ? null : cpuS / gpuS,
    I_naive_gpu: gpu.I_naive, I_naive_cpu: cpu?.I_naive ?? null,
    relative_difference: cpu ? Math.abs(gpu.I_naive - cpu.I_naive) / cpu.I_naive : null,
    flops_covariance: 2 * 2 * n * n * trials, flops_cholesky: (n ** 3) / 3,
  };
  console.log(`N = ${n}, T = ${trials}: GPU ${gpuS.toFixed(2)} s, CPU float64 ${cpuS === null ? 'skipped' : cpuS.toFixed(2) + ' s'}` +
    `${cpuS === null ? '' : `, ratio CPU/GPU ${(cpuS / gpuS).toFixed(2)}, |ΔI|/I = ${record.relative_difference.toExponential(2)}`} on ${context.info.label}`);
  appendFileSync('bench/results/fisher.jsonl', JSON.stringify(record) + '\n');
}
process.exit(0);
