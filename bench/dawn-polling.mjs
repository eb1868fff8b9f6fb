#!/usr/bin/env node
// Dawn's busy polling loop against paced polling (src/node/polling.ts), in one process, on the
// same workloads, alternating busy/paced/paced/busy so that drift weighs on both alike. Wall time
// and CPU time (all threads of the process, so the software GPU's threads too) per mode; results
// are identical in both modes (checked). Appends to bench/results/dawn_polling.jsonl with the
// adapter named. Usage (needs a current dist/: npx tsc -p tsconfig.json):
//   node bench/dawn-polling.mjs [--software lavapipe|swiftshader]
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import os from 'node:os';
import { createNodeSimulator, nodeGpu, nodeShaderLoader, paceDawnPolling, stopPacingDawnPolling } from '../dist/node/index.js';
import { runRedundancyExperiment } from '../dist/experiments/redundancy.js';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, arg, i, all) => (arg.startsWith('--') ? [...acc, [arg.slice(2), all[i + 1]]] : acc), []));
const context = await nodeGpu({ polling: 'busy', ...(args.software ? { software: args.software } : {}) });
const commit = (() => { try { return execSync('git rev-parse --short HEAD').toString().trim(); } catch { return null; } })();

/** Workloads: each returns a fingerprint of its result, to check that both modes agree. */
const workloads = {
  // The redundancy test's configuration, shortened: many short batched runs and rebuilt networks.
  redundancy_small: async () => {
    const r = await runRedundancyExperiment({ sensoryNeurons: 120, trialsPerDay: 128, arrayNeurons: 24, days: 3, seeds: 2, seed: 11, passiveEveryDay: false }, { context, shaders: nodeShaderLoader });
    return r.task.rho.mean.map((v) => v.toFixed(12)).join(',');
  },
  // One long run of a spiking network (examples/lif_small.json, 1 s of network time).
  lif_small_1s: async () => {
    const spec = JSON.parse(readFileSync(new URL('../examples/lif_small.json', import.meta.url), 'utf8'));
    const sim = await createNodeSimulator(spec, { context });
    try {
      await sim.run(1000);
      // Every recorded spike (step and sender), not only counts.
      return JSON.stringify(sim.recordings().map((r) => (r.type === 'spikes' ? [Array.from(r.steps), Array.from(r.senders)] : r.type)));
    } finally {
      sim.destroy();
    }
  },
};

async function measure(mode, run) {
  if (mode === 'paced') paceDawnPolling(); else stopPacingDawnPolling();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const fingerprint = await run();
  const wallS = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { wallS, cpuS: (used.user + used.system) / 1e6, fingerprint };
}

mkdirSync('bench/results', { recursive: true });
for (const [name, run] of Object.entries(workloads)) {
  await run(); // warm-up: pipeline compilation is not timed
  const samples = { busy: [], paced: [] };
  let fingerprint = null;
  for (const mode of ['busy', 'paced', 'paced', 'busy']) {
    const m = await measure(mode, run);
    if (fingerprint !== null && m.fingerprint !== fingerprint) throw new Error(`${name}: results differ between modes`);
    fingerprint = m.fingerprint;
    samples[mode].push(m);
  }
  const mean = (xs, key) => xs.reduce((a, x) => a + x[key], 0) / xs.length;
  const record = {
    bench: 'dawn_polling', workload: name, date: new Date().toISOString(), commit, adapter: context.info.label,
    cpus: os.cpus().length, busy_wall_s: mean(samples.busy, 'wallS'), paced_wall_s: mean(samples.paced, 'wallS'),
    busy_cpu_s: mean(samples.busy, 'cpuS'), paced_cpu_s: mean(samples.paced, 'cpuS'), identical_results: true,
  };
  record.wall_ratio_busy_over_paced = record.busy_wall_s / record.paced_wall_s;
  appendFileSync('bench/results/dawn_polling.jsonl', JSON.stringify(record) + '\n');
  console.log(`${name}: wall ${record.busy_wall_s.toFixed(2)} s busy, ${record.paced_wall_s.toFixed(2)} s paced (×${record.wall_ratio_busy_over_paced.toFixed(2)}); CPU ${record.busy_cpu_s.toFixed(1)} s busy, ${record.paced_cpu_s.toFixed(1)} s paced [${record.adapter}]`);
}
process.exit(0);
