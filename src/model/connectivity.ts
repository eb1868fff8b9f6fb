/**
 * Synaptic connectivity: a {@link ProjectionSpec} resolved into a {@link ConnectivityRecipe}
 * (numbers only), and the float64 CPU reference that turns a recipe into explicit sparse arrays.
 *
 * Backend-free. The GPU engine generates the same synapses from the same recipe in
 * `shaders/engine/connectivity_generate.wgsl` and keeps no host copy; both walk *generation units*
 * (a source row for per-source connectors, a target for fixed in-degree, one synapse for fixed
 * total number) whose draws are keyed by (seed, projection, unit, position) on the counter-based
 * Philox streams of `../rng/streams.ts`. Which synapses exist is decided by integer arithmetic
 * only (32-bit words compared with thresholds, multiply-high for uniform integers), so the GPU
 * and the CPU reference make identical synapses; weights and delays are drawn per synapse from
 * (unit, position) and agree to float32 rounding. Nothing depends on dispatch layout or build
 * order, and projections are independent of each other.
 *
 * Storage is compressed sparse rows by source (outgoing, what a spike scatter needs);
 * {@link toIncoming} transposes to rows by target (what a gather needs) and {@link toDense} expands
 * to a target-major matrix for dense rate projections.
 */

import type { Distribution, EdgeListArray, ProjectionSpec } from './spec.js';
import { RandomStream, logFactorial, rngDraw, rngDrawInto, rngNormal2, rngUnit, streamId } from '../rng/philox.js';
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
  const resolved = synapseDistribution(d, clipMin);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = sample(resolved, () => rng.uniform(), () => rng.normal());
  return out;
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
 * Connectors as the generator implements them, with the code the WGSL kernel switches on.
 * `fixed_indegree_distinct` is fixed in-degree without multapses.
 */
export const GENERATED_CONNECTOR_CODES = {
  all_to_all: 0, one_to_one: 1, fixed_probability: 2, ring: 3, fixed_indegree: 4, fixed_indegree_distinct: 5, fixed_total_number: 6,
} as const;

/** A connector kind the generator implements. */
export type GeneratedConnectorKind = keyof typeof GENERATED_CONNECTOR_CODES;

/**
 * Spec connectors whose generation unit is a source row (so a spike can regenerate its row:
 * procedural connectivity); fixed in-degree is generated per target, matrix is data.
 */
export const PER_SOURCE_CONNECTORS: readonly string[] = ['fixed_probability', 'fixed_total_number', 'all_to_all', 'one_to_one', 'ring'];

/** Whether a recipe's generation unit is a source row. */
export function isPerSourceKind(kind: ConnectivityRecipe['kind']): boolean {
  return PER_SOURCE_CONNECTORS.includes(kind);
}

/**
 * Connectors whose synapses are data in the spec (a weight matrix, a list of synapses), built on
 * the host by {@link generateConnectivity} and uploaded, never generated on the device.
 */
export const EXPLICIT_CONNECTORS: readonly string[] = ['matrix', 'edge_list'];

/** Whether a recipe's synapses are given as data (uploaded rather than generated). */
export function isExplicitKind(kind: ConnectivityRecipe['kind']): kind is 'matrix' | 'edge_list' {
  return EXPLICIT_CONNECTORS.includes(kind);
}

/** The synapses of an `edge_list` connector as a recipe holds them (the spec's arrays, not copied). */
export interface EdgeList {
  readonly sources: EdgeListArray;
  readonly targets: EdgeListArray;
  readonly weights: EdgeListArray;
  /** Per-synapse delays, ms; null when every synapse has the recipe's constant delay. */
  readonly delaysMs: EdgeListArray | null;
}

/**
 * A distribution resolved for per-synapse draws: `kind` 0 constant `a`; 1 uniform on [a, b);
 * 2 normal (mean a, standard deviation b) redrawn outside [lo, hi] (clamped after 1000 draws).
 * Constants and uniform draws are raised to `lo`.
 */
export interface SynapseDistribution {
  readonly kind: 0 | 1 | 2;
  readonly a: number;
  readonly b: number;
  readonly lo: number;
  readonly hi: number;
}

/** Bound of |z| of a Box–Muller normal from 24-bit uniforms: sqrt(−2 ln 2⁻²⁴) = 5.768. */
const NORMAL_BOUND = 5.77;

/** Stand-in for ±∞ in float32 uniforms (WGSL may assume finite values). */
export const FLOAT32_BIG = 3e38;

/**
 * Everything the generators need to make one projection's synapses, as numbers (the GPU kernel
 * reads the same values from a uniform block).
 */
export interface ConnectivityRecipe {
  /** Connector; `matrix` and `edge_list` are explicit data, uploaded rather than generated. */
  readonly kind: GeneratedConnectorKind | 'matrix' | 'edge_list';
  readonly sourceSize: number;
  readonly targetSize: number;
  /** Network seed, u32. */
  readonly seed: number;
  /**
   * Philox streams: which synapses exist, and each synapse's values (weight from words 0–1,
   * delay from word 2 of one draw).
   */
  readonly streams: { readonly connectivity: number; readonly values: number };
  /** Whether i→i synapses are excluded (recurrent projections with `autapses: false`). */
  readonly noAutapses: boolean;
  /** Number of generation units: sources, or targets (fixed in-degree). */
  readonly units: number;
  /**
   * fixed_total_number: synapses per source, a multinomial draw made here (O(sources)) by
   * conditional binomials; each row's targets are then drawn on the device. Null otherwise.
   */
  readonly rowLengths: Uint32Array | null;
  /**
   * fixed_probability: a synapse exists when the pair's 32-bit word is below this threshold
   * (⌊p·2³²⌋; 2³² means always).
   */
  readonly threshold: number;
  /** ring: p_max and κ. */
  readonly pMax: number;
  readonly kappa: number;
  /** fixed in-degree: sources per target; fixed total number: synapses. */
  readonly count: number;
  /** fixed in-degree: candidate sources (source size, less one without autapses). */
  readonly candidates: number;
  /** ring: preferred orientations of sources and targets, degrees. */
  readonly orientations: { readonly pre: Float64Array; readonly post: Float64Array } | null;
  /** matrix connector: the `[target][source]` weights. */
  readonly matrix: readonly (readonly number[])[] | null;
  /** edge_list connector: the synapses, one entry each. */
  readonly edges: EdgeList | null;
  /**
   * Weight distribution (in the spec's units). For an edge list nothing is drawn from it: it is
   * uniform over the range of the list's weights [min, max], which bounds the fixed-point input
   * scale and marks the weights as per synapse.
   */
  readonly weight: SynapseDistribution;
  /**
   * Distribution of delays in steps (from a delay distribution in ms), or null for one delay for
   * all synapses. For an edge list whose delays differ, the distribution of its delays in steps
   * (the fraction of synapses up to each step), so `firstStep` is its shortest delay and
   * `firstStep + thresholds.length` its longest; nothing is drawn from it.
   */
  readonly delay: DelayTable | null;
  /** Integration step, ms. */
  readonly dtMs: number;
  /** The common delay in steps when `delay` is null. */
  readonly constantDelaySteps: number;
  /** Upper bound of every synapse's delay in steps (sizes ring buffers before building). */
  readonly maxDelaySteps: number;
  /** Expected number of synapses. */
  readonly expectedSynapses: number;
}

/**
 * Resolves a projection spec into a {@link ConnectivityRecipe}, checking the connector's
 * parameters against the sizes.
 * @throws Error on invalid connector parameters or sizes.
 */
export function connectivityRecipe(
  proj: ProjectionSpec,
  source: ConnectivityPopulation,
  target: ConnectivityPopulation,
  options: ConnectivityOptions,
): ConnectivityRecipe {
  const ns = source.size;
  const nt = target.size;
  checkCount(ns, 'source size');
  checkCount(nt, 'target size');
  const { dtMs, seed, projectionIndex, sameSource } = options;
  if (!(dtMs > 0) || !Number.isFinite(dtMs)) throw new Error(`dtMs must be positive, got ${dtMs}`);
  if (sameSource && ns !== nt) throw new Error('sameSource requires equal source and target sizes');
  const conn = proj.connector;
  const noAutapses = sameSource && 'autapses' in conn && conn.autapses === false;
  let kind: ConnectivityRecipe['kind'];
  let units = ns;
  let threshold = 0;
  let pMax = 0;
  let kappa = 0;
  let count = 0;
  let candidates = 0;
  let orientations: ConnectivityRecipe['orientations'] = null;
  let rowLengths: Uint32Array | null = null;
  let expected: number;
  switch (conn.type) {
    case 'all_to_all':
      kind = 'all_to_all';
      expected = ns * Math.max(0, noAutapses ? nt - 1 : nt);
      checkSynapseCount(expected);
      break;
    case 'one_to_one':
      if (ns !== nt) throw new Error(`one_to_one needs equal sizes, got ${ns} → ${nt}`);
      kind = 'one_to_one';
      expected = ns;
      break;
    case 'fixed_probability':
      checkProbability(conn.p, 'p');
      kind = 'fixed_probability';
      threshold = Math.min(2 ** 32, Math.floor(conn.p * 2 ** 32));
      expected = conn.p * ns * (noAutapses ? nt - 1 : nt);
      break;
    case 'ring': {
      checkProbability(conn.p_max, 'p_max');
      if (!Number.isFinite(conn.kappa)) throw new Error(`ring kappa must be finite, got ${conn.kappa}`);
      kind = 'ring';
      pMax = conn.p_max;
      kappa = conn.kappa;
      const pre = source.preferredDeg ?? preferredOrientationsDeg('uniform', ns, 0, 0);
      const post = target.preferredDeg ?? preferredOrientationsDeg('uniform', nt, 0, 0);
      if (pre.length !== ns || post.length !== nt) throw new Error('preferredDeg length must equal population size');
      orientations = { pre, post };
      expected = conn.p_max * ns * nt;
      break;
    }
    case 'fixed_indegree': {
      checkCount(conn.indegree, 'indegree');
      const multapses = conn.multapses !== false;
      kind = multapses ? 'fixed_indegree' : 'fixed_indegree_distinct';
      units = nt;
      count = conn.indegree;
      candidates = noAutapses ? ns - 1 : ns;
      if (count > 0 && candidates <= 0) throw new Error(`fixed_indegree: no possible source (source size ${ns})`);
      if (!multapses && count > candidates) throw new Error(`fixed_indegree: indegree ${count} exceeds the ${candidates} distinct sources available`);
      expected = nt * count;
      checkSynapseCount(expected);
      break;
    }
    case 'fixed_total_number':
      checkCount(conn.n, 'n');
      checkSynapseCount(conn.n);
      if (conn.n > 0 && (ns === 0 || nt === 0 || (noAutapses && nt < 2))) throw new Error(`fixed_total_number: no possible pair for sizes ${ns} → ${nt}`);
      kind = 'fixed_total_number';
      count = conn.n;
      expected = conn.n;
      rowLengths = multinomialRowLengths(conn.n, ns, seed >>> 0, streamId(STREAM_PURPOSE.connectivity, projectionIndex));
      break;
    case 'matrix':
      kind = 'matrix';
      if (conn.weights.length !== nt || conn.weights.some((row) => row.length !== ns)) {
        throw new Error(`matrix connector needs ${nt} rows (targets) of ${ns} columns (sources)`);
      }
      expected = conn.weights.reduce((n, row) => n + row.filter((w) => w !== 0).length, 0);
      break;
    case 'edge_list': {
      kind = 'edge_list';
      const n = conn.sources.length;
      if (conn.targets.length !== n || conn.weights.length !== n || (conn.delays_ms !== undefined && conn.delays_ms.length !== n)) {
        throw new Error(`edge_list connector needs arrays of equal length (sources ${n}, targets ${conn.targets.length}, weights ${conn.weights.length}${conn.delays_ms !== undefined ? `, delays_ms ${conn.delays_ms.length}` : ''})`);
      }
      checkSynapseCount(n);
      expected = n;
      break;
    }
    default:
      throw new Error(`unknown connector ${JSON.stringify(conn as unknown)}`);
  }
  const delaySpec = proj.delay_ms;
  let delay: DelayTable | null = null;
  let constantDelaySteps = 1;
  let maxDelaySteps = 1;
  let edges: EdgeList | null = null;
  let weight = synapseDistribution(proj.weight ?? 0);
  // Explicit weights: their range, which bounds the fixed-point input scale of spiking targets.
  if (conn.type === 'matrix') weight = valueRange(conn.weights.flat(), 'matrix');
  if (conn.type === 'edge_list') {
    if (conn.delays_ms !== undefined && delaySpec !== undefined) throw new Error('edge_list connector: give delays_ms per synapse or the projection\'s delay_ms, not both');
    if (delaySpec !== undefined && typeof delaySpec !== 'number') throw new Error('edge_list connector: the projection\'s delay_ms must be a constant (give delays_ms per synapse)');
    edges = { sources: conn.sources, targets: conn.targets, weights: conn.weights, delaysMs: conn.delays_ms ?? null };
    weight = valueRange(conn.weights);
    if (conn.delays_ms !== undefined) {
      delay = edgeDelayTable(conn.delays_ms, dtMs);
      maxDelaySteps = constantDelaySteps = delay.firstStep + delay.thresholds.length;
      if (delay.thresholds.length === 0) {
        // One delay for every synapse: no per-synapse delays are stored.
        delay = null;
        edges = { ...edges, delaysMs: null };
      }
    } else if (typeof delaySpec === 'number') {
      constantDelaySteps = maxDelaySteps = toSteps(delaySpec, dtMs);
    }
  } else if (typeof delaySpec === 'number') {
    constantDelaySteps = maxDelaySteps = toSteps(delaySpec, dtMs);
  } else if (delaySpec !== undefined) {
    delay = delayTable(synapseDistribution(delaySpec, dtMs), dtMs);
    maxDelaySteps = constantDelaySteps = delay.firstStep + delay.thresholds.length;
  }
  return {
    kind, sourceSize: ns, targetSize: nt, seed: seed >>> 0,
    streams: {
      connectivity: streamId(STREAM_PURPOSE.connectivity, projectionIndex),
      values: streamId(STREAM_PURPOSE.weights, projectionIndex),
    },
    noAutapses, units, rowLengths, threshold, pMax, kappa, count, candidates, orientations,
    matrix: conn.type === 'matrix' ? conn.weights : null,
    edges,
    weight,
    delay, dtMs, constantDelaySteps, maxDelaySteps, expectedSynapses: expected,
  };
}

/** Uniform over [min, max] of the values (0 for none): the range of explicit (edge list, matrix) weights. */
function valueRange(values: EdgeListArray, connector = 'edge_list'): SynapseDistribution {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!Number.isFinite(v)) throw new Error(`${connector} connector: weights[${k}] must be finite, got ${v}`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (values.length === 0) lo = hi = 0;
  return { kind: 1, a: lo, b: hi, lo: -Infinity, hi: Infinity };
}

/**
 * The step distribution of an edge list's delays (ms): its shortest delay in steps and the
 * thresholds round(2³²·P(steps ≤ firstStep + i)) of the fraction of synapses up to each step.
 * @throws Error on a delay that is not finite
 */
function edgeDelayTable(delaysMs: EdgeListArray, dtMs: number): DelayTable {
  const n = delaysMs.length;
  if (n === 0) return { firstStep: 1, thresholds: new Uint32Array(0) };
  let first = Infinity;
  let last = 0;
  for (let k = 0; k < n; k++) {
    const d = delaysMs[k]!;
    if (!Number.isFinite(d)) throw new Error(`edge_list connector: delays_ms[${k}] must be finite, got ${d}`);
    const steps = toSteps(d, dtMs);
    if (steps < first) first = steps;
    if (steps > last) last = steps;
  }
  const counts = new Float64Array(last - first + 1);
  for (let k = 0; k < n; k++) counts[toSteps(delaysMs[k]!, dtMs) - first]! += 1;
  const thresholds = new Uint32Array(last - first);
  let cumulative = 0;
  for (let i = 0; i < thresholds.length; i++) {
    cumulative += counts[i]!;
    thresholds[i] = Math.min(0xffffffff, Math.round((cumulative / n) * 2 ** 32));
  }
  return { firstStep: first, thresholds };
}

/** A spec distribution resolved for per-synapse draws, with an optional lower clip. */
export function synapseDistribution(d: Distribution, clipMin = -Infinity): SynapseDistribution {
  if (typeof d === 'number') {
    if (!Number.isFinite(d)) throw new Error(`a constant must be finite, got ${d}`);
    return { kind: 0, a: d, b: 0, lo: clipMin, hi: Infinity };
  }
  if ('normal' in d) {
    const { mean, std } = d.normal;
    if (!(std >= 0)) throw new Error(`normal distribution needs std ≥ 0, got ${std}`);
    const lo = Math.max(d.min ?? -Infinity, clipMin);
    const hi = d.max ?? Infinity;
    if (lo > hi) throw new Error(`normal distribution has empty range [${lo}, ${hi}]`);
    return { kind: 2, a: mean, b: std, lo, hi };
  }
  if ('uniform' in d) {
    const [a, b] = d.uniform;
    if (!(b >= a)) throw new Error(`uniform distribution needs low ≤ high, got [${a}, ${b}]`);
    return { kind: 1, a, b, lo: clipMin, hi: Infinity };
  }
  throw new Error(`unknown distribution ${JSON.stringify(d)}`);
}

/** The largest value a draw can take (normals: the Box–Muller bound or the clip). */
export function distributionUpperBound(d: SynapseDistribution): number {
  if (d.kind === 0) return Math.max(d.a, d.lo);
  if (d.kind === 1) return Math.max(d.b, d.lo);
  return Math.max(d.lo, Math.min(d.hi, d.a + NORMAL_BOUND * d.b));
}

/** The largest |value| a draw can take. */
export function distributionAbsBound(d: SynapseDistribution): number {
  if (d.kind === 0) return Math.abs(Math.max(d.a, d.lo));
  const lower = d.kind === 1 ? Math.max(d.a, d.lo) : Math.min(d.hi, Math.max(d.lo, d.a - NORMAL_BOUND * d.b));
  return Math.max(Math.abs(lower), Math.abs(distributionUpperBound(d)));
}

/**
 * One synapse's weight, keyed by its generation unit and position: word 0 (uniform) or
 * Box–Muller of words 0 and 1 (normal) of `rngDraw(seed, values stream, unit, position, 0, r)`,
 * r counting redraws. Float64 here; the GPU computes the same in float32.
 */
export function synapseDraw(d: SynapseDistribution, seed: number, stream: number, unit: number, position: number): number {
  let redraw = 0;
  return sample(d, () => rngUnit(rngDraw(seed, stream, unit, position, 0, 0)[0]), () => rngNormal2(seed, stream, unit, position, 0, redraw++)[0]);
}

/**
 * One value of a resolved distribution from a source of uniforms and normals: constants and
 * uniforms raised to `lo`; normals redrawn outside [lo, hi] (clamped after 1000 draws).
 */
function sample(d: SynapseDistribution, uniform: () => number, normal: () => number): number {
  if (d.kind === 0) return Math.max(d.a, d.lo);
  if (d.kind === 1) return Math.max(d.a + (d.b - d.a) * uniform(), d.lo);
  let v = 0;
  for (let r = 0; r < MAX_REDRAWS; r++) {
    v = d.a + d.b * normal();
    if (v >= d.lo && v <= d.hi) return v;
  }
  return Math.min(Math.max(v, d.lo), d.hi);
}

/**
 * Delays drawn as whole steps from the distribution that rounding a continuous delay gives:
 * P(steps ≤ firstStep + i) = F((firstStep + i + ½)·dt), F the delay distribution's CDF (a normal
 * truncated to [lo, hi] as NEST's redraw; a uniform raised to lo). A synapse's delay is
 * `firstStep` plus the number of thresholds ≤ its 32-bit word, so GPU and CPU draw identical
 * integers. `thresholds[i]` = round(2³²·P(steps ≤ firstStep + i)); the last step has no threshold.
 */
export interface DelayTable {
  /** Smallest delay in steps, ≥ 1. */
  readonly firstStep: number;
  /** Increasing u32 thresholds, one fewer than the steps the distribution covers. */
  readonly thresholds: Uint32Array;
}

/** Most steps a delay distribution may cover. */
const MAX_DELAY_TABLE = 1 << 16;

/** Standard normal CDF Φ(x) (erfc with fractional error below 1.2·10⁻⁷). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

/**
 * The step table of a delay distribution in ms (already clipped below at dt).
 * @throws RangeError when the distribution spans more than 65,536 steps
 */
export function delayTable(d: SynapseDistribution, dtMs: number): DelayTable {
  let cdf: (ms: number) => number;
  let from: number;
  let to: number;
  if (d.kind === 0 || (d.kind === 2 && d.b === 0) || (d.kind === 1 && d.b === d.a)) {
    const v = d.kind === 2 ? Math.min(Math.max(d.a, d.lo), d.hi) : Math.max(d.a, d.lo);
    return { firstStep: toSteps(v, dtMs), thresholds: new Uint32Array(0) };
  } else if (d.kind === 1) {
    cdf = (x) => (x < d.lo ? 0 : Math.min(1, Math.max(0, (x - d.a) / (d.b - d.a))));
    from = Math.max(d.a, d.lo);
    to = Math.max(d.b, d.lo);
  } else {
    const lo = (d.lo - d.a) / d.b;
    const hi = (d.hi - d.a) / d.b;
    const z = normalCdf(hi) - normalCdf(lo);
    if (!(z > 1e-12)) {
      // The interval lies far in a tail: the redraws give up and clamp to the nearer bound.
      return { firstStep: toSteps(Math.min(Math.max(d.a, d.lo), d.hi), dtMs), thresholds: new Uint32Array(0) };
    }
    const base = normalCdf(lo);
    cdf = (x) => (x < d.lo ? 0 : x >= d.hi ? 1 : Math.min(1, Math.max(0, (normalCdf((x - d.a) / d.b) - base) / z)));
    from = Math.max(d.lo, d.a - 8.5 * d.b);
    to = Math.min(d.hi, d.a + 8.5 * d.b);
  }
  const first = toSteps(from, dtMs);
  const last = Math.max(first, toSteps(to, dtMs));
  if (last - first >= MAX_DELAY_TABLE) throw new RangeError(`delay distribution spans ${last - first + 1} steps of ${dtMs} ms, more than ${MAX_DELAY_TABLE}; narrow it or use a larger dt`);
  const thresholds: number[] = [];
  for (let k = first; k < last; k++) thresholds.push(Math.min(0xffffffff, Math.max(0, Math.round(cdf((k + 0.5) * dtMs) * 2 ** 32))));
  // Drop steps of zero probability at the ends (thresholds of 0 before, of 2³² after).
  let begin = 0;
  while (begin < thresholds.length && thresholds[begin] === 0) begin++;
  let end = thresholds.length;
  while (end > begin && thresholds[end - 1] === 0xffffffff) end--;
  return { firstStep: first + begin, thresholds: Uint32Array.from(thresholds.slice(begin, end)) };
}

/** One synapse's delay in steps: word 2 of `rngDraw(seed, values stream, unit, position, 0, 0)` located in the table (as the WGSL kernel). */
export function delayDraw(t: DelayTable, seed: number, stream: number, unit: number, position: number): number {
  const w = rngDraw(seed, stream, unit, position, 0, 0)[2];
  // Number of thresholds ≤ w (binary search).
  let lo = 0;
  let hi = t.thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t.thresholds[mid]! <= w) lo = mid + 1;
    else hi = mid;
  }
  return t.firstStep + lo;
}

/** High 32 bits of the 64-bit product of two u32: a uniform integer in [0, n) from a word (Lemire). Same as WGSL `philox_mulhilo(a, b).x`. */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const mid = ((al * bl) >>> 16) + ((al * bh) & 0xffff) + ((ah * bl) & 0xffff);
  return (ah * bh + ((al * bh) >>> 16) + ((ah * bl) >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * Calls `visit(unit, position, source, target)` for every synapse of one generation unit, in
 * generation order: the rules both generators follow.
 * - all_to_all / one_to_one: unit = source s, position = target;
 * - fixed_probability: unit = s; pair (s, t) exists when word t mod 4 of
 *   `rngDraw(seed, connectivity, s, ⌊t/4⌋, 0, 0)` is below the threshold;
 * - ring: as fixed_probability with rngUnit(word) < p_max·exp(κ(cos 2(θs − θt) − 1));
 * - fixed_indegree: unit = target t, position j: source = mulhi(word j mod 4 of
 *   `rngDraw(…, t, ⌊j/4⌋, 0, 0)`, candidates), shifted past t without autapses;
 * - fixed_indegree without multapses: selection sampling (Knuth's algorithm S) over the
 *   candidates i = 0, 1, …: candidate i (word i mod 4 of `rngDraw(…, t, ⌊i/4⌋, 1, 0)`) is taken
 *   when mulhi(word, candidates − i) < indegree − taken; position = how many were taken before;
 * - fixed_total_number: unit = source s with `rowLengths[s]` synapses (a multinomial drawn by
 *   {@link multinomialRowLengths}); position j: target = mulhi(word j mod 4 of
 *   `rngDraw(…, s, ⌊j/4⌋, 0, 0)`, nt) (without autapses: over nt − 1, shifted past s).
 */
export function visitUnit(r: ConnectivityRecipe, unit: number, visit: (unit: number, position: number, source: number, target: number) => void, words: Uint32Array = new Uint32Array(4)): void {
  const { seed, targetSize: nt, noAutapses } = r;
  const stream = r.streams.connectivity;
  switch (r.kind) {
    case 'all_to_all':
      for (let t = 0; t < nt; t++) if (!(noAutapses && t === unit)) visit(unit, t, unit, t);
      return;
    case 'one_to_one':
      visit(unit, unit, unit, unit);
      return;
    case 'fixed_probability': {
      if (r.threshold <= 0) return;
      const all = r.threshold >= 2 ** 32;
      for (let t = 0; t < nt; t++) {
        if ((t & 3) === 0 && !all) rngDrawInto(words, seed, stream, unit, t >>> 2, 0, 0);
        if ((all || words[t & 3]! < r.threshold) && !(noAutapses && t === unit)) visit(unit, t, unit, t);
      }
      return;
    }
    case 'ring': {
      const { pre, post } = r.orientations!;
      const theta = pre[unit]! * DEG_TO_RAD;
      for (let t = 0; t < nt; t++) {
        if ((t & 3) === 0) rngDrawInto(words, seed, stream, unit, t >>> 2, 0, 0);
        // The pair probability in float32, as the kernel computes it.
        const p = Math.fround(r.pMax * Math.exp(r.kappa * (Math.cos(2 * (theta - post[t]! * DEG_TO_RAD)) - 1)));
        if (rngUnit(words[t & 3]!) < p && !(noAutapses && t === unit)) visit(unit, t, unit, t);
      }
      return;
    }
    case 'fixed_indegree':
      for (let j = 0; j < r.count; j++) {
        if ((j & 3) === 0) rngDrawInto(words, seed, stream, unit, j >>> 2, 0, 0);
        let s = mulhi32(words[j & 3]!, r.candidates);
        if (noAutapses && s >= unit) s++;
        visit(unit, j, s, unit);
      }
      return;
    case 'fixed_indegree_distinct': {
      let taken = 0;
      const m = r.candidates;
      for (let i = 0; i < m && taken < r.count; i++) {
        if ((i & 3) === 0) rngDrawInto(words, seed, stream, unit, i >>> 2, 1, 0);
        if (mulhi32(words[i & 3]!, m - i) < r.count - taken) {
          visit(unit, taken, noAutapses && i >= unit ? i + 1 : i, unit);
          taken++;
        }
      }
      return;
    }
    case 'fixed_total_number': {
      const n = r.rowLengths![unit]!;
      for (let j = 0; j < n; j++) {
        if ((j & 3) === 0) rngDrawInto(words, seed, stream, unit, j >>> 2, 0, 0);
        let t: number;
        if (noAutapses) {
          t = mulhi32(words[j & 3]!, nt - 1);
          if (t >= unit) t++;
        } else {
          t = mulhi32(words[j & 3]!, nt);
        }
        visit(unit, j, unit, t);
      }
      return;
    }
    case 'matrix':
    case 'edge_list':
      throw new Error(`a ${r.kind} connector has no generation units`);
  }
}

/**
 * Binomial(n, p) from one uniform u ∈ (0, 1) by inversion, walking out from the mode (float64;
 * expected O(√(np)) steps).
 */
export function binomialInversion(n: number, p: number, u: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomialInversion(n, 1 - p, 1 - u);
  const q = 1 - p;
  const ratio = p / q;
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const pm = Math.exp(logFactorial(n) - logFactorial(mode) - logFactorial(n - mode) + mode * Math.log(p) + (n - mode) * Math.log1p(-p));
  let lo = mode;
  let hi = mode;
  let pLo = pm;
  let pHi = pm;
  let cumulative = pm;
  if (u < cumulative) return mode;
  for (;;) {
    const nextLo = lo > 0 ? (pLo * lo) / ((n - lo + 1) * ratio) : 0;
    const nextHi = hi < n ? (pHi * (n - hi) * ratio) / (hi + 1) : 0;
    if (!(nextLo > 0) && !(nextHi > 0)) return hi; // u beyond the representable tail
    if (nextHi >= nextLo) {
      hi++;
      pHi = nextHi;
      cumulative += pHi;
      if (u < cumulative) return hi;
    } else {
      lo--;
      pLo = nextLo;
      cumulative += pLo;
      if (u < cumulative) return lo;
    }
  }
}

/**
 * Synapses per source of `n` synapses whose sources are uniform over `sources`: a multinomial
 * drawn by conditional binomials, row s taking Binomial(remaining, 1/(sources − s)) with the
 * uniform of word 0 of `rngDraw(seed, stream, s, 0, 2, 0)` (trial 2: apart from the rows' draws).
 */
export function multinomialRowLengths(n: number, sources: number, seed: number, stream: number): Uint32Array {
  const out = new Uint32Array(sources);
  let remaining = n;
  for (let s = 0; s < sources && remaining > 0; s++) {
    const k = s === sources - 1 ? remaining : binomialInversion(remaining, 1 / (sources - s), rngUnit(rngDraw(seed, stream, s, 0, 2, 0)[0]));
    out[s] = k;
    remaining -= k;
  }
  return out;
}

/**
 * The float64 CPU reference of connectivity generation: the synapses of a recipe as outgoing
 * compressed sparse rows. Rows hold their synapses in generation order (increasing target for
 * all_to_all, fixed_probability and ring; draw order for fixed_total_number; increasing
 * target unit for fixed in-degree).
 */
export function generateConnectivity(r: ConnectivityRecipe): Connectivity {
  const ns = r.sourceSize;
  const nt = r.targetSize;
  let rowPtr: Uint32Array;
  let targets: Uint32Array;
  let weights: Float32Array;
  let delaySteps: Uint32Array | null = null;
  if (r.kind === 'matrix') {
    ({ rowPtr, targets } = matrixRows(r.matrix!, ns, nt));
    weights = matrixWeights(r.matrix!, rowPtr, targets);
  } else if (r.kind === 'edge_list') {
    ({ rowPtr, targets, weights, delaySteps } = edgeListRows(r.edges!, ns, nt, r.dtMs));
  } else {
    const words = new Uint32Array(4);
    rowPtr = new Uint32Array(ns + 1);
    const count = (_u: number, _j: number, s: number): void => {
      rowPtr[s + 1]!++;
    };
    for (let u = 0; u < r.units; u++) visitUnit(r, u, count, words);
    for (let s = 0; s < ns; s++) rowPtr[s + 1]! += rowPtr[s]!;
    const n = rowPtr[ns]!;
    checkSynapseCount(n);
    targets = new Uint32Array(n);
    weights = new Float32Array(n);
    delaySteps = r.delay ? new Uint32Array(n) : null;
    const cursor = rowPtr.slice(0, ns);
    const fill = (u: number, j: number, s: number, t: number): void => {
      const k = cursor[s]!++;
      targets[k] = t;
      weights[k] = synapseDraw(r.weight, r.seed, r.streams.values, u, j);
      if (delaySteps) delaySteps[k] = delayDraw(r.delay!, r.seed, r.streams.values, u, j);
    };
    for (let u = 0; u < r.units; u++) visitUnit(r, u, fill, words);
  }
  const nSynapses = targets.length;
  let maxDelaySteps = r.constantDelaySteps;
  if (delaySteps) {
    maxDelaySteps = 1;
    for (let k = 0; k < nSynapses; k++) if (delaySteps[k]! > maxDelaySteps) maxDelaySteps = delaySteps[k]!;
  }
  return { sourceSize: ns, targetSize: nt, nSynapses, rowPtr, targets, weights, delaySteps, constantDelaySteps: maxDelaySteps, maxDelaySteps };
}

/**
 * Builds the synapses of a projection on the CPU: {@link generateConnectivity} of its
 * {@link connectivityRecipe}.
 *
 * Connectors (autapses, i.e. i→i when `sameSource`, are allowed unless `autapses: false`):
 * - `all_to_all`: every pair;
 * - `fixed_probability`: each pair independently with probability p;
 * - `fixed_indegree`: each target gets exactly `indegree` uniformly drawn sources; with
 *   `multapses: false` the sources of a target are distinct;
 * - `fixed_total_number`: `n` synapses, source and target of each drawn uniformly (multapses allowed);
 * - `one_to_one`: source i to target i (sizes must match);
 * - `ring`: each pair independently with probability `p_max·exp(κ(cos 2(θpre−θpost) − 1))`
 *   (clamped to [0, 1]), θ the preferred orientations in degrees;
 * - `matrix`: the non-zero entries of a `[target][source]` weight matrix;
 * - `edge_list`: the listed synapses, each row in list order.
 *
 * Delays become `max(1, round(delay_ms / dt))` steps; a delay distribution is clipped below at
 * dt; the default delay is one step. See {@link visitUnit} for the draws.
 *
 * @throws Error on invalid connector parameters or sizes.
 */
export function buildConnectivity(
  proj: ProjectionSpec,
  source: ConnectivityPopulation,
  target: ConnectivityPopulation,
  options: ConnectivityOptions,
): Connectivity {
  return generateConnectivity(connectivityRecipe(proj, source, target, options));
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

/**
 * The synapses of an edge list by source (a stable counting sort: each row keeps the list's
 * order), with weights in float32 and delays in steps (null when the list has none).
 * @throws RangeError naming the first index out of range
 */
function edgeListRows(e: EdgeList, ns: number, nt: number, dtMs: number): Rows & { weights: Float32Array; delaySteps: Uint32Array | null } {
  const n = e.sources.length;
  const rowPtr = new Uint32Array(ns + 1);
  for (let k = 0; k < n; k++) {
    const s = e.sources[k]!;
    const t = e.targets[k]!;
    if (!Number.isInteger(s) || s < 0 || s >= ns) throw new RangeError(`edge_list connector: sources[${k}] = ${s} is not a neuron of the source population (0 … ${ns - 1})`);
    if (!Number.isInteger(t) || t < 0 || t >= nt) throw new RangeError(`edge_list connector: targets[${k}] = ${t} is not a neuron of the target population (0 … ${nt - 1})`);
    rowPtr[s + 1]!++;
  }
  for (let s = 0; s < ns; s++) rowPtr[s + 1]! += rowPtr[s]!;
  const cursor = rowPtr.slice(0, ns);
  const targets = new Uint32Array(n);
  const weights = new Float32Array(n);
  const delaySteps = e.delaysMs ? new Uint32Array(n) : null;
  for (let k = 0; k < n; k++) {
    const at = cursor[e.sources[k]!]!++;
    targets[at] = e.targets[k]!;
    weights[at] = e.weights[k]!;
    if (delaySteps) delaySteps[at] = toSteps(e.delaysMs![k]!, dtMs);
  }
  return { rowPtr, targets, weights, delaySteps };
}

/** The weights of `matrixRows`' synapses, in synapse order. */
function matrixWeights(matrix: readonly (readonly number[])[], rowPtr: Uint32Array, targets: Uint32Array): Float32Array {
  const weights = new Float32Array(targets.length);
  for (let s = 0; s + 1 < rowPtr.length; s++) {
    for (let k = rowPtr[s]!; k < rowPtr[s + 1]!; k++) weights[k] = matrix[targets[k]!]![s]!;
  }
  return weights;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function toSteps(delayMs: number, dtMs: number): number {
  if (!Number.isFinite(delayMs)) throw new Error(`delay must be finite, got ${delayMs}`);
  return Math.max(1, Math.round(delayMs / dtMs));
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
