// The standard networks of the benchmark suite (../shared/benchmarks.md, "Standard networks"):
// what each is, how its spec is made, and how long it runs in the quick and full presets.
// Node-only (reads examples/*.json, uses pd14Spec from dist/); the browser page receives the
// finished spec from the driver. bench/rate_network.mjs builds its network with rateNetworkSpec.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pd14Spec } from '../../dist/node/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A spec from examples/, parsed. */
function example(file) {
  return JSON.parse(readFileSync(`${root}${file}`, 'utf8'));
}

/**
 * Sparse or dense random rate network: N threshold-linear units with white input noise and DC
 * drive. Sparse: fixed in-degree K, weights N(−0.005, 0.02) (bench/rate_network.mjs's network,
 * as examples/rate_network_100k.json); dense: all-to-all, weights N(−0.5/N, 0.5/√N) (spectral
 * radius about 0.5, stable), stored as a dense matrix by the engine.
 * @param {{ n: number, k?: number, batch?: number, dense?: boolean, dt?: number, seed?: number }} options
 */
export function rateNetworkSpec({ n, k = 100, batch = 1, dense = false, dt = 1, seed = 1 }) {
  const projection = dense
    ? { source: 'R', target: 'R', connector: { type: 'all_to_all' }, weight: { normal: { mean: -0.5 / n, std: 0.5 / Math.sqrt(n) } }, delay_ms: dt }
    : { source: 'R', target: 'R', connector: { type: 'fixed_indegree', indegree: k }, weight: { normal: { mean: -0.005, std: 0.02 } }, delay_ms: dt };
  return {
    name: dense ? `rate_dense_${n}_b${batch}` : `rate_${n}x${k}_b${batch}`,
    dt_ms: dt, seed, batch,
    populations: [{ name: 'R', size: n, model: 'rate', params: { tau_ms: 10, transfer: 'threshold_linear', noise_std: 0.5 } }],
    projections: [projection],
    inputs: [{ type: 'dc', target: 'R', amplitude: 1.0 }],
    recorders: [{ type: 'population_rate', population: 'R', bin_ms: 10 }],
  };
}

/** PD14 at `scale` with a Poisson background (seed 55, as bench/pd14.mjs); every projection procedural if asked. */
function pd14(scale, procedural = false) {
  const spec = pd14Spec({ scale, background: 'poisson', seed: 55 });
  return procedural ? { ...spec, name: `${spec.name}_procedural`, projections: spec.projections.map((p) => ({ ...p, procedural: true })) } : spec;
}

/**
 * @typedef {{ warmupMs: number, durationMs: number }} Protocol
 * @typedef {{
 *   id: string, kind: 'spiking' | 'rate' | 'fisher', title: string, drive: string | null,
 *   spec?: (preset: 'quick' | 'full') => any, brian2Spec?: string,
 *   quick: Protocol | null, full: Protocol, sizes?: { quick: number[], full: number[] }, gpuSubset?: boolean,
 * }} BenchNetwork
 * quick: null when the network is not in the quick preset (it can still be asked for with --only).
 */

/** @type {BenchNetwork[]} */
export const NETWORKS = [
  {
    id: 'coba', kind: 'spiking', title: 'COBA (Vogels–Abbott), 4,000 LIF, 2 %', drive: 'none (self-sustained after initial conductances)',
    spec: () => example('examples/coba.json'), brian2Spec: 'examples/coba.json',
    quick: { warmupMs: 100, durationMs: 300 }, full: { warmupMs: 500, durationMs: 10_000 }, gpuSubset: true,
  },
  {
    id: 'brunel2000', kind: 'spiking', title: 'Brunel 2000 A, 10,000 LIF, 10⁷ synapses', drive: 'Poisson (ν_ext = 2 ν_thr)',
    spec: () => example('examples/brunel2000.json'), brian2Spec: 'examples/brunel2000.json',
    quick: { warmupMs: 100, durationMs: 300 }, full: { warmupMs: 500, durationMs: 10_000 }, gpuSubset: true,
  },
  {
    id: 'pd14_0.1', kind: 'spiking', title: 'PD14 microcircuit, scale 0.1', drive: 'Poisson',
    spec: () => pd14(0.1), quick: { warmupMs: 100, durationMs: 200 }, full: { warmupMs: 500, durationMs: 10_000 },
  },
  {
    id: 'pd14_1', kind: 'spiking', title: 'PD14 microcircuit, full scale (77,169 LIF, 3·10⁸ synapses)', drive: 'Poisson',
    spec: () => pd14(1), quick: null, full: { warmupMs: 500, durationMs: 10_000 }, gpuSubset: true,
  },
  {
    id: 'pd14_1_procedural', kind: 'spiking', title: 'PD14 full scale, procedural connectivity', drive: 'Poisson',
    spec: () => pd14(1, true), quick: null, full: { warmupMs: 500, durationMs: 10_000 }, gpuSubset: true,
  },
  {
    id: 'rate_sparse', kind: 'rate', title: 'sparse rate network (K = 100)', drive: 'DC + white noise',
    spec: (preset) => (preset === 'quick' ? rateNetworkSpec({ n: 10_000, k: 100 }) : example('examples/rate_network_100k.json')),
    quick: { warmupMs: 20, durationMs: 200 }, full: { warmupMs: 50, durationMs: 1_000 },
  },
  {
    id: 'rate_dense', kind: 'rate', title: 'dense rate network (all-to-all)', drive: 'DC + white noise',
    spec: (preset) => rateNetworkSpec({ n: preset === 'quick' ? 1_024 : 4_096, dense: true }),
    quick: { warmupMs: 20, durationMs: 200 }, full: { warmupMs: 50, durationMs: 1_000 },
  },
  {
    id: 'fisher', kind: 'fisher', title: 'covariance + linear Fisher information', drive: null,
    quick: { warmupMs: 0, durationMs: 0 }, full: { warmupMs: 0, durationMs: 0 },
    sizes: { quick: [256, 512], full: [256, 512, 1_024, 2_048, 4_096] }, gpuSubset: true,
  },
];

/** The network of an id, or a RangeError listing the ids. */
export function findNetwork(id) {
  const network = NETWORKS.find((n) => n.id === id);
  if (!network) throw new RangeError(`unknown network '${id}' (known: ${NETWORKS.map((n) => n.id).join(', ')})`);
  return network;
}
