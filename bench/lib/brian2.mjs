// The suite's Brian2 comparison: scripts/brian2_compare.py (Brian2 C++ standalone, one thread,
// the same spec JSON) run as a subprocess with /usr/bin/python3, its summary.json read back.
//
// What Brian2's numbers mean (scripts/brian2_compare.py): `wall_s` is Brian2's own timing of the
// simulation loop (network.run inside the compiled binary), separate from construction (numpy
// connectivity, code generation, C++ compilation). Brian2 cannot discard a warm-up inside one
// standalone run, so its loop covers warm-up + measured time and its RTF divides by both; it
// records every spike (SpikeMonitor), which its loop time includes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const PYTHON = '/usr/bin/python3';

/** Brian2's version, or null when `import brian2` fails (with the reason). */
export function brian2Version() {
  const probe = spawnSync(PYTHON, ['-W', 'ignore', '-c', 'import brian2; print(brian2.__version__)'], { encoding: 'utf8' });
  if (probe.error) return { version: null, reason: `${PYTHON} not found (${probe.error.message})` };
  if (probe.status !== 0) return { version: null, reason: `${PYTHON} cannot import brian2 (install it: bash scripts/setup.sh --with-brian)` };
  return { version: probe.stdout.trim().split('\n').pop(), reason: null };
}

/**
 * Run scripts/brian2_compare.py on a spec file for warmup + duration ms and return the suite's
 * measurement fields (as measure.mjs's, where they apply).
 * @param {string} specFile path relative to the repository
 * @param {{ warmupMs: number, durationMs: number }} protocol
 * @param {(text: string) => void} [log]
 */
export async function runBrian2(specFile, protocol, log = () => {}) {
  const out = mkdtempSync(join(tmpdir(), 'cortexgpu-bench-brian2-'));
  try {
    const totalMs = protocol.warmupMs + protocol.durationMs;
    const args = ['scripts/brian2_compare.py', specFile, '--duration', String(totalMs), '--warmup', String(protocol.warmupMs), '--out', out, '--device', 'cpp_standalone'];
    const started = performance.now();
    const { code, output } = await new Promise((resolve) => {
      const child = spawn(PYTHON, args, { cwd: root, env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONWARNINGS: 'ignore' } });
      let text = '';
      const take = (chunk) => {
        text += chunk;
        for (const line of String(chunk).split('\n')) if (line.startsWith('[brian2_compare]')) log(line.slice('[brian2_compare] '.length));
      };
      child.stdout.on('data', take);
      child.stderr.on('data', (chunk) => { text += chunk; });
      child.on('close', (status) => resolve({ code: status, output: text }));
      child.on('error', (err) => resolve({ code: -1, output: String(err) }));
    });
    const processS = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`scripts/brian2_compare.py exited with ${code}: ${output.trim().split('\n').slice(-5).join(' | ')}`);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const spec = JSON.parse(readFileSync(join(root, specFile), 'utf8'));

    // Spikes of each population over the whole run: the length of its spike-time file.
    const spikes = {};
    for (const file of summary.files ?? []) {
      const m = /^spikes_(.+)_times_ms\.npy$/.exec(file.name);
      if (m) spikes[m[1]] = file.shape[0];
    }
    const sizes = new Map(spec.populations.map((p) => [p.name, p.size]));
    // n_synapses is keyed by projection name, in spec order (json keeps Python's dict order).
    const counts = Object.values(summary.n_synapses ?? {});
    let events = 0;
    (spec.projections ?? []).forEach((p, i) => { events += (spikes[p.source] ?? 0) * ((counts[i] ?? 0) / (sizes.get(p.source) ?? 1)); });
    const totalSpikes = Object.values(spikes).reduce((a, b) => a + b, 0);
    const neurons = spec.populations.reduce((n, p) => n + p.size, 0);
    const wallS = summary.wall_s;
    const simulatedMs = summary.duration_ms;
    return {
      version: summary.simulator,
      device_mode: summary.device,
      threads: 1,
      network_name: summary.network,
      neurons,
      batch: 1,
      synapses: counts.reduce((a, b) => a + b, 0),
      synapses_exact: true,
      dt_ms: summary.dt_ms,
      warmup_ms: 0,
      warmup_in_loop_ms: protocol.warmupMs,
      simulated_ms: simulatedMs,
      steps: summary.steps,
      wall_s: wallS,
      rtf: wallS / (simulatedMs / 1000),
      neuron_steps_per_s: (neurons * summary.steps) / wallS,
      spikes: totalSpikes,
      mean_rate_hz: totalSpikes / (neurons * simulatedMs / 1000),
      spikes_by_population: spikes,
      synaptic_events: events,
      synaptic_events_per_s: events / wallS,
      dispatches_per_step: null,
      construction_s: summary.construction_s,
      total_s: summary.total_s,
      process_s: processS,
      timing_detail_s: summary.timing_detail_s,
      gpu_memory_bytes: null,
      steps_per_submit: null,
      cpu: `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores; Brian2 uses one thread)`,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
