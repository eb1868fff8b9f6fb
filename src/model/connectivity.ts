/**
 * Synaptic connectivity: turns a {@link ProjectionSpec} into explicit sparse arrays.
 *
 * Backend-free: the GPU engine uploads these arrays and the CPU reference walks them, so both
 * simulate exactly the same synapses. Every random draw comes from a counter-based stream keyed
 * by the network seed and the projection index (see `../rng/streams.ts`), so a network is
 * reproducible bit for bit and projections are independent of each other and of build order.
 *
 * Storage is compressed sparse rows by source (outgoing, what a spike scatter needs);
 * {@link toIncoming} transposes to rows by target (what a gather needs) and {@link toDense} expands
 * to a target-major matrix for dense rate projections.
 */

import type { ConnectorSpec, Distribution, ProjectionSpec } from './spec.js';
import { RandomStream, rngDraw, rngUnit, streamId } from '../rng/philox.js';
import { STREAM_PURPOSE } from '../rng/streams.js';

/** Largest synapse count a single projection may hold (indices are u32). */
const MAX_SYNAPSES = 0xffffffff;

/** Redraws per element before a clipped normal falls back to clamping (interval far in a tail). */
const MAX_REDRAWS = 1000;

const DEG_TO_RAD = Math.PI / 180;

/**
 * Preferred orientations of a population's neurons.
 *
 * @param mode `uniform`: neuron i at 180·i/size; `random`: i.i.d. uniform in [0, 180) drawn as
 *   `rngUnit(rngDraw(seed, streamId(STREAM_PURPOSE.preferredOrientation, populationIndex), i, 0, 0, 0)[0]) · 180`
 *   (the GPU kernels compute the same expression on the fly).
 * @param size Number of neurons, ≥ 0.
 * @param seed Network seed, u32.
 * @param populationIndex Index of the population in the spec (selects the random stream).
 * @returns Orientations in degrees, in [0, 180), one per neuron.
 */
export function preferredOrientationsDeg(
  mode: 'uniform' | 'random',
  size: number,
  seed: number,
  populationIndex: number,
): Float64Array {
  checkCount(size, 'size');
  const out = new Float64Array(size);
  if (mode === 'uniform') {
    for (let i = 0; i < size; i++) out[i] = (180 * i) / size;
  } else if (mode === 'random') {
    const stream = streamId(STREAM_PURPOSE.preferredOrientation, populationIndex);
    for (let i = 0; i < size; i++) out[i] = rngUnit(rngDraw(seed, stream, i, 0, 0, 0)[0]) * 180;
  } else {
    throw new Error(`unknown preferred_orientation mode '${String(mode)}'`);
  }
  return out;
}

/**
 * Draws `n` values from a distribution.
 *
 * - a number: every value equals it;
 * - `{ normal: { mean, std }, min?, max? }`: Gaussian; values outside [min, max] are redrawn
 *   (a truncated normal, as NEST's `redraw`), falling back to clamping after 1000 redraws of one
 *   element when the interval lies far in a tail;
 * - `{ uniform: [low, high] }`: uniform on [low, high).
 *
 * @param d The distribution (units are the caller's).
 * @param n Number of values, ≥ 0.
 * @param rng Stream the draws come from (advanced by the draws; nothing is drawn for constants).
 * @param clipMin Optional lower bound applied on top of `d` (e.g. dt for delays): for a normal
 *   it joins `min` (redraw), constants and uniform draws are clamped up to it.
 * @returns The values as float32.
 */
export function drawDistribution(d: Distribution, n: number, rng: RandomStream, clipMin?: number): Float32Array {
  checkCount(n, 'n');
  const out = new Float32Array(n);
  const lo = clipMin ?? -Infinity;
  if (typeof d === 'number') {
    out.fill(Math.max(d, lo));
    return out;
  }
  if ('normal' in d) {
    const { mean, std } = d.normal;
    if (!(std >= 0)) throw new Error(`normal distribution needs std ≥ 0, got ${std}`);
    const min = Math.max(d.min ?? -Infinity, lo);
    const max = d.max ?? Infinity;
    if (min > max) throw new Error(`normal distribution has empty range [${min}, ${max}]`);
    const clipped = min > -Infinity || max < Infinity;
    for (let i = 0; i < n; i++) {
      let v = mean + std * rng.normal();
      if (clipped && (v < min || v > max)) {
        let tries = 1;
        while ((v < min || v > max) && tries < MAX_REDRAWS) {
          v = mean + std * rng.normal();
          tries++;
        }
        if (v < min) v = min;
        else if (v > max) v = max;
      }
      out[i] = v;
    }
    return out;
  }
  if ('uniform' in d) {
    const [a, b] = d.uniform;
    if (!(b >= a)) throw new Error(`uniform distribution needs low ≤ high, got [${a}, ${b}]`);
    const w = b - a;
    for (let i = 0; i < n; i++) out[i] = Math.max(a + w * rng.uniform(), lo);
    return out;
  }
  throw new Error(`unknown distribution ${JSON.stringify(d)}`);
}

/**
 * Explicit synapses of one projection, stored as outgoing compressed sparse rows by source.
 * Synapse k of source s is at index `rowPtr[s] + k`; its target is `targets[...]`.
 */
export interface Connectivity {
  /** Number of source neurons. */
  sourceSize: number;
  /** Number of target neurons. */
  targetSize: number;
  /** Number of synapses (multapses counted separately), `rowPtr[sourceSize]`. */
  nSynapses: number;
  /** Row offsets by source, length sourceSize + 1, non-decreasing, from 0 to nSynapses. */
  rowPtr: Uint32Array;
  /** Target neuron of each synapse, in [0, targetSize). */
  targets: Uint32Array;
  /** Weight of each synapse: magnitudes (sign given by the receptor) or signed values as given in the spec. */
  weights: Float32Array;
  /** Delay of each synapse in steps (≥ 1); `null` when all delays are equal. */
  delaySteps: Uint32Array | null;
  /** The common delay in steps when `delaySteps` is null, else the largest delay. */
  constantDelaySteps: number;
  /** Largest delay in steps, ≥ 1 (sizes ring buffers and rate histories). */
  maxDelaySteps: number;
}

/** A population as seen by the connectivity builder. */
export interface ConnectivityPopulation {
  /** Number of neurons. */
  size: number;
  /** Preferred orientations in degrees (ring connectors); default uniform, 180·i/size. */
  preferredDeg?: Float64Array;
}

/** Parameters of a build that do not come from the projection spec. */
export interface ConnectivityOptions {
  /** Integration step, ms, > 0 (delays are rounded to whole steps). */
  dtMs: number;
  /** Network seed, u32. */
  seed: number;
  /** Index of the projection in the spec (selects its random streams). */
  projectionIndex: number;
  /** Whether source and target are the same population (autapse rules apply only then). */
  sameSource: boolean;
}

/**
 * Builds the synapses of a projection.
 *
 * Connectors (autapses, i.e. i→i when `sameSource`, are allowed unless `autapses: false`):
 * - `all_to_all`: every pair;
 * - `fixed_probability`: each pair independently with probability p (geometric skipping);
 * - `fixed_indegree`: each target gets exactly `indegree` uniformly drawn sources; with
 *   `multapses: false` the sources of a target are distinct;
 * - `fixed_total_number`: `n` synapses, source and target of each drawn uniformly (multapses allowed);
 * - `one_to_one`: source i to target i (sizes must match);
 * - `ring`: each pair independently with probability `p_max·exp(κ(cos 2(θpre−θpost) − 1))`
 *   (clamped to [0, 1]), θ the preferred orientations in degrees.
 *
 * Draws: which synapses exist from stream `streamId(connectivity, projectionIndex)`, weights
 * from `streamId(weights, projectionIndex)` and delays from `streamId(delays, projectionIndex)`,
 * both drawn in final synapse order. Delays become `max(1, round(delay_ms / dt))` steps; a
 * delay distribution is clipped below at dt; the default delay is one step.
 *
 * Rows are sorted by source; within a row synapses keep the order generated (increasing
 * target for per-source connectors, generation order otherwise), so the output is deterministic.
 *
 * @throws Error on invalid connector parameters or sizes.
 */
export function buildConnectivity(
  proj: ProjectionSpec,
  source: ConnectivityPopulation,
  target: ConnectivityPopulation,
  options: ConnectivityOptions,
): Connectivity {
  const ns = source.size;
  const nt = target.size;
  checkCount(ns, 'source size');
  checkCount(nt, 'target size');
  const { dtMs, seed, projectionIndex, sameSource } = options;
  if (!(dtMs > 0) || !Number.isFinite(dtMs)) throw new Error(`dtMs must be positive, got ${dtMs}`);
  if (sameSource && ns !== nt) throw new Error('sameSource requires equal source and target sizes');

  const rng = new RandomStream(seed, streamId(STREAM_PURPOSE.connectivity, projectionIndex));
  const { rowPtr, targets } = connect(proj.connector, source, target, sameSource, rng);
  const nSynapses = targets.length;

  const weights = proj.connector.type === 'matrix' ? matrixWeights(proj.connector.weights, rowPtr, targets) : drawDistribution(
    proj.weight ?? 0,
    nSynapses,
    new RandomStream(seed, streamId(STREAM_PURPOSE.weights, projectionIndex)),
  );

  const delay = proj.delay_ms;
  let delaySteps: Uint32Array | null = null;
  let constantDelaySteps = 1;
  let maxDelaySteps = 1;
  if (typeof delay === 'number') {
    constantDelaySteps = maxDelaySteps = toSteps(delay, dtMs);
  } else if (delay !== undefined && nSynapses > 0) {
    const ms = drawDistribution(
      delay,
      nSynapses,
      new RandomStream(seed, streamId(STREAM_PURPOSE.delays, projectionIndex)),
      dtMs,
    );
    const steps = new Uint32Array(nSynapses);
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < nSynapses; i++) {
      const s = toSteps(ms[i]!, dtMs);
      steps[i] = s;
      if (s < min) min = s;
      if (s > max) max = s;
    }
    maxDelaySteps = constantDelaySteps = max;
    if (min !== max) delaySteps = steps;
  }

  return { sourceSize: ns, targetSize: nt, nSynapses, rowPtr, targets, weights, delaySteps, constantDelaySteps, maxDelaySteps };
}

/**
 * Incoming view of a projection: compressed sparse rows by target. Synapse k of target t is at
 * index `rowPtr[t] + k`; within a row, synapses are ordered by source, then by outgoing order.
 */
export interface IncomingConnectivity {
  /** Row offsets by target, length targetSize + 1. */
  rowPtr: Uint32Array;
  /** Source neuron of each synapse. */
  sources: Uint32Array;
  /** Weight of each synapse (as in {@link Connectivity.weights}). */
  weights: Float32Array;
  /** Delay of each synapse in steps; `null` when all delays are equal. */
  delaySteps: Uint32Array | null;
  /** The common delay in steps when `delaySteps` is null, else the largest delay. */
  constantDelaySteps: number;
  /** Largest delay in steps. */
  maxDelaySteps: number;
}

/** Transposes outgoing connectivity to incoming rows by target (stable counting sort). */
export function toIncoming(c: Connectivity): IncomingConnectivity {
  const { sourceSize, targetSize, nSynapses, rowPtr, targets, weights, delaySteps } = c;
  const inPtr = new Uint32Array(targetSize + 1);
  for (let k = 0; k < nSynapses; k++) inPtr[targets[k]! + 1]!++;
  for (let t = 0; t < targetSize; t++) inPtr[t + 1]! += inPtr[t]!;
  const cursor = inPtr.slice(0, targetSize);
  const sources = new Uint32Array(nSynapses);
  const w = new Float32Array(nSynapses);
  const d = delaySteps ? new Uint32Array(nSynapses) : null;
  for (let s = 0; s < sourceSize; s++) {
    const end = rowPtr[s + 1]!;
    for (let k = rowPtr[s]!; k < end; k++) {
      const pos = cursor[targets[k]!]!++;
      sources[pos] = s;
      w[pos] = weights[k]!;
      if (d) d[pos] = delaySteps![k]!;
    }
  }
  return {
    rowPtr: inPtr,
    sources,
    weights: w,
    delaySteps: d,
    constantDelaySteps: c.constantDelaySteps,
    maxDelaySteps: c.maxDelaySteps,
  };
}

/**
 * Dense weight matrix, target-major: entry `[t · sourceSize + s]` is the sum of the weights of
 * all synapses s→t (multapses add up; 0 where none). Delays are ignored.
 *
 * @throws RangeError when the matrix would exceed 2^32 − 1 entries.
 */
export function toDense(c: Connectivity): Float32Array {
  const { sourceSize, targetSize, rowPtr, targets, weights } = c;
  const entries = sourceSize * targetSize;
  if (entries > MAX_SYNAPSES) throw new RangeError(`dense matrix of ${entries} entries is too large`);
  const m = new Float32Array(entries);
  for (let s = 0; s < sourceSize; s++) {
    const end = rowPtr[s + 1]!;
    for (let k = rowPtr[s]!; k < end; k++) m[targets[k]! * sourceSize + s]! += weights[k]!;
  }
  return m;
}

/** Bytes held by the arrays of a connectivity (row pointers, targets, weights, delays). */
export function connectivityBytes(c: Connectivity): number {
  return c.rowPtr.byteLength + c.targets.byteLength + c.weights.byteLength + (c.delaySteps?.byteLength ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Connectors

interface Rows {
  rowPtr: Uint32Array;
  targets: Uint32Array;
}

/** Synapses of the non-zero entries of a `[target][source]` matrix, by source. */
function matrixRows(matrix: readonly (readonly number[])[], ns: number, nt: number): Rows {
  if (matrix.length !== nt || matrix.some((row) => row.length !== ns)) {
    throw new Error(`matrix connector needs ${nt} rows (targets) of ${ns} columns (sources)`);
  }
  const rowPtr = new Uint32Array(ns + 1);
  for (let t = 0; t < nt; t++) for (let s = 0; s < ns; s++) if (matrix[t]![s] !== 0) rowPtr[s + 1]! += 1;
  for (let s = 0; s < ns; s++) rowPtr[s + 1]! += rowPtr[s]!;
  const targets = new Uint32Array(rowPtr[ns]!);
  const fill = rowPtr.slice(0, ns);
  for (let t = 0; t < nt; t++) for (let s = 0; s < ns; s++) if (matrix[t]![s] !== 0) targets[fill[s]!++] = t;
  return { rowPtr, targets };
}

/** The weights of `matrixRows`' synapses, in synapse order. */
function matrixWeights(matrix: readonly (readonly number[])[], rowPtr: Uint32Array, targets: Uint32Array): Float32Array {
  const weights = new Float32Array(targets.length);
  for (let s = 0; s + 1 < rowPtr.length; s++) {
    for (let k = rowPtr[s]!; k < rowPtr[s + 1]!; k++) weights[k] = matrix[targets[k]!]![s]!;
  }
  return weights;
}

function connect(
  conn: ConnectorSpec,
  source: ConnectivityPopulation,
  target: ConnectivityPopulation,
  sameSource: boolean,
  rng: RandomStream,
): Rows {
  const ns = source.size;
  const nt = target.size;
  switch (conn.type) {
    case 'all_to_all':
      return allToAll(ns, nt, sameSource && conn.autapses === false);
    case 'fixed_probability':
      checkProbability(conn.p, 'p');
      return bernoulliRows(ns, nt, sameSource && conn.autapses === false, conn.p, null, rng);
    case 'fixed_indegree':
      return fixedIndegree(ns, nt, conn.indegree, sameSource && conn.autapses === false, conn.multapses !== false, rng);
    case 'fixed_total_number':
      return fixedTotalNumber(ns, nt, conn.n, sameSource && conn.autapses === false, rng);
    case 'matrix':
      return matrixRows(conn.weights, ns, nt);
    case 'one_to_one': {
      if (ns !== nt) throw new Error(`one_to_one needs equal sizes, got ${ns} → ${nt}`);
      const rowPtr = new Uint32Array(ns + 1);
      const targets = new Uint32Array(ns);
      for (let i = 0; i < ns; i++) {
        rowPtr[i + 1] = i + 1;
        targets[i] = i;
      }
      return { rowPtr, targets };
    }
    case 'ring': {
      checkProbability(conn.p_max, 'p_max');
      if (!Number.isFinite(conn.kappa)) throw new Error(`ring kappa must be finite, got ${conn.kappa}`);
      const pre = source.preferredDeg ?? preferredOrientationsDeg('uniform', ns, 0, 0);
      const post = target.preferredDeg ?? preferredOrientationsDeg('uniform', nt, 0, 0);
      if (pre.length !== ns || post.length !== nt) throw new Error('preferredDeg length must equal population size');
      return bernoulliRows(ns, nt, sameSource && conn.autapses === false, conn.p_max, { pre, post, kappa: conn.kappa }, rng);
    }
    default:
      throw new Error(`unknown connector ${JSON.stringify(conn as unknown)}`);
  }
}

function allToAll(ns: number, nt: number, noAutapses: boolean): Rows {
  const perRow = noAutapses ? nt - 1 : nt;
  const total = ns * Math.max(perRow, 0);
  checkSynapseCount(total);
  const rowPtr = new Uint32Array(ns + 1);
  const targets = new Uint32Array(total);
  let k = 0;
  for (let s = 0; s < ns; s++) {
    for (let t = 0; t < nt; t++) {
      if (noAutapses && t === s) continue;
      targets[k++] = t;
    }
    rowPtr[s + 1] = k;
  }
  return { rowPtr, targets };
}

interface RingTuning {
  pre: Float64Array;
  post: Float64Array;
  kappa: number;
}

/**
 * Independent Bernoulli trial per pair, generated per source in increasing target order by
 * geometric skipping at a probability `q`. Without tuning q = p exactly; with ring tuning q is
 * an upper bound of the pair probability and each candidate is accepted with probability p/q
 * (thinning), which keeps every pair independent with its exact probability.
 */
function bernoulliRows(
  ns: number,
  nt: number,
  noAutapses: boolean,
  p: number,
  ring: RingTuning | null,
  rng: RandomStream,
): Rows {
  // Upper bound of the pair probability: exp(κ(c−1)) ≤ max(1, exp(−2κ)).
  const q = ring ? Math.min(1, p * Math.max(1, Math.exp(-2 * ring.kappa))) : p;
  const rowPtr = new Uint32Array(ns + 1);
  const expected = ns * nt * q;
  let buf: Uint32Array = new Uint32Array(Math.min(MAX_SYNAPSES, Math.ceil(expected + 6 * Math.sqrt(expected) + 16)));
  let k = 0;
  if (q > 0) {
    const logq = Math.log1p(-q); // -Infinity when q = 1: every position is a candidate
    const preRad = ring ? radians(ring.pre) : null;
    const postRad = ring ? radians(ring.post) : null;
    const kappa = ring ? ring.kappa : 0;
    for (let s = 0; s < ns; s++) {
      let t = -1;
      for (;;) {
        t += q >= 1 ? 1 : 1 + Math.floor(Math.log(rng.uniform()) / logq);
        if (t >= nt) break;
        if (ring) {
          const pr = p * Math.exp(kappa * (Math.cos(2 * (preRad![s]! - postRad![t]!)) - 1));
          if (rng.uniform() * q >= pr) continue;
        }
        if (noAutapses && t === s) continue;
        if (k === buf.length) buf = grow(buf, k);
        buf[k++] = t;
      }
      rowPtr[s + 1] = k;
    }
  }
  return { rowPtr, targets: buf.length === k ? buf : buf.slice(0, k) };
}

function fixedIndegree(ns: number, nt: number, indegree: number, noAutapses: boolean, multapses: boolean, rng: RandomStream): Rows {
  checkCount(indegree, 'indegree');
  const total = nt * indegree;
  checkSynapseCount(total);
  // Sources of a target are drawn from a universe of m candidates; without autapses the
  // candidate j ≥ t stands for source j + 1, so i→i never occurs and the rest stay uniform.
  const m = noAutapses ? ns - 1 : ns;
  if (indegree > 0 && m <= 0) throw new Error(`fixed_indegree: no possible source (source size ${ns})`);
  if (!multapses && indegree > m) {
    throw new Error(`fixed_indegree: indegree ${indegree} exceeds the ${m} distinct sources available`);
  }
  const src = new Uint32Array(total);
  if (multapses) {
    let k = 0;
    for (let t = 0; t < nt; t++) {
      for (let j = 0; j < indegree; j++) {
        let s = rng.uniformInt(m);
        if (noAutapses && s >= t) s++;
        src[k++] = s;
      }
    }
  } else {
    // Floyd's sampling: exactly `indegree` draws per target for a distinct uniform subset.
    // `mark[j] === t + 1` says candidate j is already taken for target t.
    const mark = new Uint32Array(m);
    let k = 0;
    for (let t = 0; t < nt; t++) {
      const stamp = t + 1;
      for (let j = m - indegree; j < m; j++) {
        const r = rng.uniformInt(j + 1);
        const c = mark[r] === stamp ? j : r;
        mark[c] = stamp;
        src[k++] = noAutapses && c >= t ? c + 1 : c;
      }
    }
  }
  // Counting sort by source; the row order is then increasing target (generation order).
  const rowPtr = new Uint32Array(ns + 1);
  for (let k = 0; k < total; k++) rowPtr[src[k]! + 1]!++;
  for (let s = 0; s < ns; s++) rowPtr[s + 1]! += rowPtr[s]!;
  const cursor = rowPtr.slice(0, ns);
  const targets = new Uint32Array(total);
  let k = 0;
  for (let t = 0; t < nt; t++) {
    for (let j = 0; j < indegree; j++) targets[cursor[src[k++]!]!++] = t;
  }
  return { rowPtr, targets };
}

function fixedTotalNumber(ns: number, nt: number, n: number, noAutapses: boolean, rng: RandomStream): Rows {
  checkCount(n, 'n');
  checkSynapseCount(n);
  if (n > 0 && (ns === 0 || nt === 0 || (noAutapses && nt < 2))) {
    throw new Error(`fixed_total_number: no possible pair for sizes ${ns} → ${nt}`);
  }
  const src = new Uint32Array(n);
  const tgt = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const s = rng.uniformInt(ns);
    let t: number;
    if (noAutapses) {
      t = rng.uniformInt(nt - 1);
      if (t >= s) t++;
    } else {
      t = rng.uniformInt(nt);
    }
    src[k] = s;
    tgt[k] = t;
  }
  const rowPtr = new Uint32Array(ns + 1);
  for (let k = 0; k < n; k++) rowPtr[src[k]! + 1]!++;
  for (let s = 0; s < ns; s++) rowPtr[s + 1]! += rowPtr[s]!;
  const cursor = rowPtr.slice(0, ns);
  const targets = new Uint32Array(n);
  for (let k = 0; k < n; k++) targets[cursor[src[k]!]!++] = tgt[k]!;
  return { rowPtr, targets };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function toSteps(delayMs: number, dtMs: number): number {
  if (!Number.isFinite(delayMs)) throw new Error(`delay must be finite, got ${delayMs}`);
  return Math.max(1, Math.round(delayMs / dtMs));
}

function radians(deg: Float64Array): Float64Array {
  const out = new Float64Array(deg.length);
  for (let i = 0; i < deg.length; i++) out[i] = deg[i]! * DEG_TO_RAD;
  return out;
}

function grow(buf: Uint32Array, used: number): Uint32Array {
  if (buf.length >= MAX_SYNAPSES) throw new RangeError('projection exceeds 2^32 − 1 synapses');
  const next = new Uint32Array(Math.min(MAX_SYNAPSES, Math.max(16, Math.ceil(buf.length * 1.5))));
  next.set(buf.subarray(0, used));
  return next;
}

function checkCount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer, got ${n}`);
}

function checkSynapseCount(n: number): void {
  if (n > MAX_SYNAPSES) throw new RangeError(`projection of ${n} synapses exceeds 2^32 − 1`);
}

function checkProbability(p: number, what: string): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`${what} must be in [0, 1], got ${p}`);
}
