// Benchmark records: one JSON object per (network, runtime) and run, appended to
// bench/results/bench.jsonl (or OUT/bench.jsonl). The fields are those ../shared/benchmarks.md
// asks every result to carry; `status` is `ok`, `failed` (with `error`) or `skipped` (with `note`).
import { execSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Version of the record layout; bump when a field changes meaning. */
export const RECORD_SCHEMA = 1;

/** Fields of every measured simulation record (checked by test/bench-suite.test.ts). */
export const SIMULATION_FIELDS = [
  'date', 'commit', 'device', 'runtime', 'network', 'neurons', 'synapses', 'simulated_ms', 'wall_s', 'rtf',
  'neuron_steps_per_s', 'synaptic_events_per_s', 'dispatches_per_step', 'construction_s', 'gpu_memory_bytes', 'steps_per_submit',
];

/** The short commit and whether the work tree had changes (null outside a git checkout). */
export function gitState() {
  try {
    const commit = execSync('git rev-parse --short HEAD', { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain --untracked-files=no', { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** What every record of one invocation shares. */
export function runContext({ preset, label }) {
  const { commit, dirty } = gitState();
  const date = new Date().toISOString();
  return {
    schema: RECORD_SCHEMA,
    run_id: `${date.replace(/[-:]/g, '').slice(0, 15)}-${Math.random().toString(36).slice(2, 6)}`,
    date,
    commit,
    dirty,
    preset,
    label: label ?? null,
    host: { name: hostname(), cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
  };
}

/** The device of a record: the adapter description for the GPU runtimes, the CPU for Brian2. */
export function cpuDevice() {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  return { vendor: '', architecture: 'cpu', device: '', description: `${model}, one thread`, software: true, runtime: 'cpu', label: `${model} (1 thread) [cpu]` };
}

/**
 * A record: run context, runtime, device, network, then the measurement (measure.mjs,
 * fisher-core.mjs or brian2.mjs fields), rounded synaptic events.
 */
export function makeRecord(run, { runtime, runtimeVersion, device, network, measurement = null, status = 'ok', error = null, note = null }) {
  const record = {
    ...run,
    date: new Date().toISOString(),
    status,
    runtime,
    runtime_version: runtimeVersion ?? null,
    device,
    network: network.id,
    network_title: network.title,
    kind: network.kind,
    drive: network.drive ?? null,
    recording: network.kind === 'fisher' ? null : runtime === 'brian2' ? 'all spikes (SpikeMonitor)' : 'population_rate, one-step bins (no spike recording)',
    ...(measurement ?? {}),
    error,
    note,
  };
  if (typeof record.synaptic_events === 'number') record.synaptic_events = Math.round(record.synaptic_events);
  if (Array.isArray(record.projections)) record.projections = record.projections.map((p) => ({ ...p, events: Math.round(p.events) }));
  return record;
}

/** Append records to a JSONL file (created with its folder). */
export function appendRecords(file, records) {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** All records of a JSONL file ([] when it does not exist); unparsable lines are skipped. */
export function readRecords(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').flatMap((line) => {
    try { return [JSON.parse(line)]; } catch { return []; }
  });
}

/** Key of a result row: network, runtime, device (and N for Fisher). */
export function recordKey(r) {
  return `${r.network}|${r.runtime}|${r.device?.label ?? '?'}|${r.kind === 'fisher' ? r.neurons : ''}`;
}

/**
 * The latest record of each (network, runtime, device[, N]) — the latest successful one where
 * there is one, else the latest failure or skip — in first-appearance order.
 */
export function latestRecords(records) {
  const best = new Map();
  for (const r of records) {
    if (r.suite !== undefined && r.suite !== 'cortexgpu-bench') continue;
    const key = recordKey(r);
    const prev = best.get(key);
    if (!prev || r.status === 'ok' || prev.status !== 'ok') best.set(key, r);
  }
  return [...best.values()];
}
