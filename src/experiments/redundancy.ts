/**
 * The redundancy study (Liu, Pletenev, Haefner & Snyder, Science 2026; science.md part A) as a
 * protocol in which every quantity is carried by spikes and every weight that changes is changed
 * by a local learning rule.
 *
 * - Sensory area (V4-like): spiking units whose rate follows a leaky input variable (von Mises
 *   tuning, private Ornstein–Uhlenbeck input noise) and that fire Poisson spikes at that rate.
 * - Decision area: two pools (choice "a", choice "b") of spiking leaky accumulators (τ 200 ms)
 *   that receive the sensory area's spikes through a signed readout; the choice is the sign of
 *   the pools' spike-count difference. The decision area sees nothing but sensory spikes.
 * - Feedback: spikes of each pool onto every sensory neuron through excitatory weights learned
 *   by a Hebbian covariance rule with weight decay (no ceiling, no normalisation).
 * - Passive viewing: the same network and weights with the decision area disengaged (its
 *   readout input gated off); no learning.
 * - Feedforward control: the same architecture without feedback, with shared input noise from
 *   two noise pools; its input weights from those pools follow an anti-Hebbian rule.
 *
 * Information, shuffled information, ρ and single-neuron information are computed from the
 * recorded spike counts of one array per network, per day; several independently built networks
 * (seeds) give means and standard errors across seeds.
 */
import type { NetworkSpec, ProjectionSpec, PopulationSpec, InputSpec } from '../model/spec.js';
import type { EquationModelDescription } from '../model/equations/compile.js';
import type { GpuContext } from '../gpu/context.js';
import type { ShaderSourceLoader } from '../gpu/shaders.js';
import { GpuSimulator } from '../gpu/simulator.js';
import { spikeCountsOfTrials, type SpikeCountRecording } from '../model/recording.js';
import { RandomStream } from '../rng/philox.js';
import { preferredOrientationsDeg } from '../model/connectivity.js';
import { fisherInformation, type FisherResult } from '../analysis/fisher.js';
import { mean, meanAndStandardError } from '../analysis/summary.js';

/** Parameters of the protocol (defaults: the full configuration). */
export interface RedundancyOptions {
  /** Sensory neurons per network (default 600). */
  readonly sensoryNeurons: number;
  /** Units in each of the two decision pools (default 8). */
  readonly poolUnits: number;
  /** Trials per day and condition, half per stimulus; one batch (default 192). */
  readonly trialsPerDay: number;
  /** Days of learning (default 10). */
  readonly days: number;
  /** Independently built networks (default 5). */
  readonly seeds: number;
  /** Trial duration, step and counting bin, ms (defaults 400, 5, 50). */
  readonly trialMs: number;
  readonly dtMs: number;
  readonly binMs: number;
  /** Start of the daily counting window after stimulus onset, ms (default 100). */
  readonly windowStartMs: number;
  /** Recorded neurons per network (one array, the same every day; default 64). */
  readonly arrayNeurons: number;
  /** Readout rule: learning rate (scaled by 1/sensoryNeurons) and decay per day (defaults 60 and 0.3). */
  readonly readoutRate: number;
  readonly readoutDecay: number;
  /** Feedback rule (Oja): learning rate per day, per count² (default 0.15). */
  readonly feedbackRate: number;
  /** Feedforward control: strength of the shared input noise and the anti-Hebbian rate (defaults 4 and 0.3). */
  readonly sharedNoise: number;
  readonly controlRate: number;
  /**
   * Run the passive-viewing block every day (default) or only on the first and last day (it
   * changes nothing in learning; the other days' passive values are then NaN).
   */
  readonly passiveEveryDay: boolean;
  /** First seed; network k uses seed + k (default 1). */
  readonly seed: number;
}

/** Defaults of the full configuration. */
export const REDUNDANCY_DEFAULTS: RedundancyOptions = {
  sensoryNeurons: 600,
  poolUnits: 8,
  trialsPerDay: 192,
  days: 10,
  seeds: 5,
  trialMs: 400,
  dtMs: 5,
  binMs: 50,
  windowStartMs: 100,
  arrayNeurons: 64,
  readoutRate: 60,
  readoutDecay: 0.3,
  feedbackRate: 0.15,
  sharedNoise: 4,
  controlRate: 0.3,
  passiveEveryDay: true,
  seed: 1,
};

/** The reduced configuration of `--quick` (a software GPU: about a minute). */
export const REDUNDANCY_QUICK: Partial<RedundancyOptions> = { sensoryNeurons: 240, trialsPerDay: 128, days: 8, seeds: 3, arrayNeurons: 32 };

/** Tuning of the sensory drive (rate units, Hz): baseline + amplitude · exp(κ (cos 2Δθ − 1)). */
const TUNING = { baseline: 4, amplitude: 6, kappa: 2 } as const;
/** Private input noise of sensory units (stationary SD, Hz; correlation time one 20 ms frame). */
const SENSORY_NOISE = 3;
/** Decision pools: accumulation time constant, private noise, target (homeostatic) rate per unit. */
const DECISION = { tauMs: 200, noise: 2, targetHz: 10, maxHz: 30 } as const;
/** Feedback latency, ms, and the decay of the feedback synapses' (NMDA-like) input, ms. */
const FEEDBACK_DELAY_MS = 50;
const FEEDBACK_TAU_MS = 100;
/** Initial feedback weights: uniform in [0, this] (naive: weak and unstructured). */
const FEEDBACK_INITIAL = 0.02;
/** Noise pools of the feedforward control: units per pool, their rate and noise. */
const NOISE_POOL = { units: 1, rateHz: 60, noise: 30, tauMs: 100 } as const;
/** The stimulus pair (deg) and ds: information in deg⁻². */
export const STIMULI = [0, 90] as const;
const DS = 90;

/**
 * A spiking unit whose rate follows a leaky input variable: τ dx/dt = −x + I + noise + engage·s
 * + s_fb, spikes with probability 1 − exp(−[min(x, rate_max)]₊·dt) per step (Poisson at rate
 * [x]₊ in Hz), s the fast (AMPA-like) synaptic input (each presynaptic spike adds its weight,
 * decaying with τ_s = 20 ms) and s_fb the slow (NMDA-like, τ_fb = 100 ms) input that feedback
 * synapses use. The sensory units use τ = 20 ms; the decision accumulators τ = 200 ms, a
 * maximum rate and the gate `engage` on their input.
 */
export const SPIKING_RATE_UNIT: EquationModelDescription = {
  summary: 'Poisson-spiking unit with a leaky input variable (rate [x]+ Hz), OU input noise and a gated synaptic input',
  equations: [
    'dx/dt = (-x + I + noise + engage*s + s_fb)/tau : 1',
    'dnoise/dt = -noise/tau_noise + sigma*sqrt(2/tau_noise)*xi_ou : 1',
    'ds/dt = -s/tau_s : 1',
    'ds_fb/dt = -s_fb/tau_fb : 1',
    'I : 1 (shared)',
  ].join('\n'),
  threshold: 'rand() < 1 - exp(-clip(x, 0, rate_max)*rate_unit*dt)',
  method: 'exact',
  current: 'I',
  on_pre_targets: ['s', 's_fb'],
  namespace: { tau: '20*ms', tau_noise: '20*ms', sigma: 0, tau_s: '20*ms', tau_fb: `${FEEDBACK_TAU_MS}*ms`, rate_unit: '1*Hz', rate_max: 1000, engage: 1 },
};

/** Statements of what in this model is a modelling choice or an assumption rather than a measured number. */
export const REDUNDANCY_MODELLING_CHOICES: readonly string[] = [
  'Sensory units are Poisson-spiking units whose rate [x]₊ (Hz) follows τ dx/dt = −x + drive + noise + feedback (τ 20 ms); they are not integrate-and-fire neurons. Tuning: von Mises, baseline 4 Hz, amplitude 6 Hz, κ 2; private Ornstein–Uhlenbeck input noise (SD 3 Hz, 20 ms).',
  'No recurrence within the sensory area (a simplification): without feedback its noise is private, so early redundancy is near zero by construction of the naive state, not by tuning.',
  'Feedback synapses act through a slow (NMDA-like) input with a 100 ms decay, feedforward and noise synapses through a 20 ms one: with the learned weights, the slow decay sets how much a decision spike moves a sensory rate (the gain\'s scale). With 20 ms feedback synapses the same rule converged at a gain of about 0.24 and ρ about 0.1 (README); the 100 ms value is a physiological choice made after seeing that.',
  'Decision area: two pools of 8 Poisson-spiking leaky accumulators (τ 200 ms, private noise SD 2 Hz, at most 30 Hz) reading sensory spikes through signed weights (+w onto pool b, −w onto pool a, split into excitatory and inhibitory synapses); choice = sign of the pools\' spike-count difference from 100 ms to trial end. The Poisson variability of these few units is the decision noise.',
  'Readout rule (local, reward-labelled Hebbian): once per day, Δw_j = η_r/N · ⟨label·(c_j − c̄_j)⟩ − β_r·w_j, label ±1 the stimulus revealed by the reward, c_j sensory spike counts; η_r 60, β_r 0.3 per day (choices, not fitted).',
  'Decision bias: homeostatic, each pool\'s constant input moves halfway towards the value that gives it 10 Hz per unit.',
  'Feedback rule (Oja 1982, local): once per day, Δu_ik = η_u·[cov(c_i, n_k) − var(c_i)·u_ik] over the day\'s task trials (pre: n_k, the spike count of pool k; post: c_i, the count of sensory neuron i), u ≥ 0 (excitatory), η_u 0.15. The decay proportional to the postsynaptic variance is part of the rule and keeps it stable (a plain covariance rule with constant decay ran away: see README); there is no ceiling and no rescaling of u: the gain is what the rule produces.',
  'Each pool\'s units share one weight vector (pool-level learning), a simplification.',
  'Passive viewing: the decision area disengaged (engage = 0: its readout input gated off; its units keep their bias and noise, so they still fire and feed back); same weights; no learning.',
  'Feedforward control: the same sensory area and readout rule, no feedback; shared input noise from two pools of 4 noise units (rate 10 Hz, OU noise SD 6 Hz) projecting onto sensory neurons in proportion to their drive by stimulus a (pool A) or b (pool B); these input weights follow an anti-Hebbian covariance rule Δv_ik = −η_v·cov(c_i, z_k) (η_v 0.3), v ≥ 0. That the control\'s redundancy can fall is a consequence of this chosen rule (the feedforward hypothesis: learning decorrelates shared input); it is not a test of that hypothesis.',
  'Measurement: one array of recorded sensory neurons per network (the same neurons every day), spike counts from 100 ms after onset to trial end, equal N and T every day and in every condition; linear Fisher information bias-corrected (Kanitscheider et al. 2015), ds = 90° so informations are in deg⁻².',
  'Statistics: each network (seed) gives one value per day and condition; means and standard errors are across seeds (SD/√seeds). Single-neuron information and noise correlations are per-neuron (per-pair) statistics averaged within a network first.',
];

/** Mean and standard error across seeds, per day. */
export interface DailyMeasure {
  readonly mean: number[];
  readonly se: number[];
  /** Per seed, per day. */
  readonly perSeed: number[][];
}

/** Per-day measures of one condition. */
export interface ConditionSeries {
  readonly I_bc: DailyMeasure;
  readonly I_shuffle_bc: DailyMeasure;
  readonly rho: DailyMeasure;
  /** Mean bias-corrected single-neuron information of the array's neurons. */
  readonly single_neuron: DailyMeasure;
  /** Mean noise correlation (stimulus-conditioned, averaged over the two stimuli) of all array pairs. */
  readonly noise_correlation: DailyMeasure;
  /** Mean noise correlation of pairs whose f' have the same sign, and of pairs with opposite signs. */
  readonly noise_correlation_same_side: DailyMeasure;
  readonly noise_correlation_opposite_side: DailyMeasure;
  /** Fraction of correct choices. */
  readonly accuracy: DailyMeasure;
  /** Mean sensory rate of the array, Hz. */
  readonly rate_hz: DailyMeasure;
}

/** Everything the protocol measured. */
export interface RedundancyResults {
  readonly study: 'redundancy';
  readonly adapter: string;
  readonly options: RedundancyOptions;
  /** Seed of each network. */
  readonly seeds: number[];
  readonly days: number[];
  readonly task: ConditionSeries;
  readonly passive: ConditionSeries;
  readonly feedforward_control: ConditionSeries;
  /** What learning produced, per day (before that day's learning): feedback and noise weights. */
  readonly learned: {
    /** Mean feedback weight (both pools, all sensory neurons). */
    readonly feedback_weight: DailyMeasure;
    /** Cosine between (u_b − u_a) and the sensory response difference (b − a) of the whole sensory area. */
    readonly feedback_alignment: DailyMeasure;
    /**
     * Feedback gain: regression slope of the feedback-driven rate difference on the
     * feedforward rate difference across sensory neurons (the g of science.md, measured).
     */
    readonly feedback_gain: DailyMeasure;
    /** Mean weight from the control's noise pools onto sensory neurons. */
    readonly control_noise_weight: DailyMeasure;
  };
  /** ρ in successive 100 ms windows of the trial, first and last day, task condition. */
  readonly within_trial: { readonly window_centers_ms: number[]; readonly first_day: DailyMeasure; readonly last_day: DailyMeasure };
  /** Noise correlations of the first network's array (sorted by preferred orientation), task, first and last day. */
  readonly correlations: { readonly neurons: number; readonly preferred_deg: number[]; readonly first_day: number[]; readonly last_day: number[] };
  readonly modelling_choices: readonly string[];
  readonly wall_s: number;
}

/** Environment of a run. */
export interface ExperimentEnvironment {
  readonly context: GpuContext;
  readonly shaders: ShaderSourceLoader;
  /** Progress messages (one line each). */
  readonly onProgress?: (message: string) => void;
}

/**
 * Validate options and fill defaults.
 * @throws RangeError naming the option
 */
export function resolveRedundancyOptions(given: Partial<RedundancyOptions> = {}): RedundancyOptions {
  const o = { ...REDUNDANCY_DEFAULTS, ...given };
  const integer = (name: keyof RedundancyOptions, min: number): void => {
    const v = o[name] as number;
    if (!Number.isInteger(v) || v < min) throw new RangeError(`redundancy: ${name} must be an integer ≥ ${min} (got ${v})`);
  };
  const nonNegative = (name: keyof RedundancyOptions): void => {
    const v = o[name] as number;
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`redundancy: ${name} must be a finite number ≥ 0 (got ${v})`);
  };
  integer('poolUnits', 1);
  integer('trialsPerDay', 8);
  integer('days', 2);
  integer('seeds', 2);
  integer('arrayNeurons', 2);
  integer('seed', 0);
  for (const name of ['readoutRate', 'readoutDecay', 'feedbackRate', 'sharedNoise', 'controlRate'] as const) nonNegative(name);
  if (o.readoutDecay > 1) throw new RangeError('redundancy: readoutDecay is a fraction per day in [0, 1]');
  if (o.trialsPerDay % 2 !== 0) throw new RangeError(`redundancy: trialsPerDay must be even (half per stimulus), got ${o.trialsPerDay}`);
  if (!Number.isInteger(o.sensoryNeurons) || o.sensoryNeurons < o.arrayNeurons) {
    throw new RangeError(`redundancy: sensoryNeurons must be an integer ≥ arrayNeurons = ${o.arrayNeurons} (got ${o.sensoryNeurons})`);
  }
  const perStimulus = o.trialsPerDay / 2;
  if (perStimulus < (o.arrayNeurons + 5) / 2) {
    throw new RangeError(`redundancy: ${perStimulus} trials per stimulus per day are too few for ${o.arrayNeurons}-neuron arrays (need ≥ (N+5)/2 = ${(o.arrayNeurons + 5) / 2}); raise trialsPerDay or lower arrayNeurons`);
  }
  const bins = o.trialMs / o.binMs;
  if (!(o.dtMs > 0) || !(o.binMs >= o.dtMs) || Math.abs(bins - Math.round(bins)) > 1e-9 || Math.round(bins) < 4) {
    throw new RangeError(`redundancy: need dtMs > 0, binMs ≥ dtMs and trialMs a multiple of binMs with at least 4 bins (got dt ${o.dtMs}, bin ${o.binMs}, trial ${o.trialMs})`);
  }
  const startBins = o.windowStartMs / o.binMs;
  if (!(o.windowStartMs >= FEEDBACK_DELAY_MS && Math.abs(startBins - Math.round(startBins)) < 1e-9 && o.windowStartMs <= o.trialMs - 2 * o.binMs)) {
    throw new RangeError(`redundancy: windowStartMs must be a multiple of binMs, ≥ the feedback latency ${FEEDBACK_DELAY_MS} ms and leave at least two bins (got ${o.windowStartMs})`);
  }
  return o;
}

/** Learned state of one network: everything that changes from day to day. */
export interface NetworkWeights {
  /** Signed readout weight of each sensory neuron (+w onto pool b, −w onto pool a). */
  readonly readout: Float64Array;
  /** Constant input of pools a and b (homeostatic bias). */
  readonly bias: [number, number];
  /** Feedback weights of pools a and b onto each sensory neuron (≥ 0); null in the control. */
  readonly feedback: [Float64Array, Float64Array] | null;
  /** Weights of the control's noise pools A and B onto each sensory neuron (≥ 0); null in the task network. */
  readonly noise: [Float64Array, Float64Array] | null;
}

const repeatRows = (rows: number, row: ArrayLike<number>): number[][] => Array.from({ length: rows }, () => Array.from(row));
const column = (values: ArrayLike<number>, cols: number): number[][] => Array.from(values, (v) => new Array<number>(cols).fill(v));

/**
 * The network of one seed for one day: the task network (with feedback) or the feedforward
 * control (with noise pools), with the day's learned weights as explicit matrices.
 * @param networkSeed seed of the network's construction (preferred orientations) and noise
 */
export function redundancyNetwork(o: RedundancyOptions, networkSeed: number, weights: NetworkWeights): NetworkSpec {
  const n = o.sensoryNeurons;
  const d = o.poolUnits;
  const populations: PopulationSpec[] = [
    { name: 'V4', size: n, model: 'spiking_rate_unit', preferred_orientation: 'random', params: { sigma: SENSORY_NOISE }, initial: { x: TUNING.baseline } },
    { name: 'PoolA', size: d, model: 'spiking_rate_unit', params: { tau: DECISION.tauMs, sigma: DECISION.noise, rate_max: DECISION.maxHz }, initial: { x: DECISION.targetHz } },
    { name: 'PoolB', size: d, model: 'spiking_rate_unit', params: { tau: DECISION.tauMs, sigma: DECISION.noise, rate_max: DECISION.maxHz }, initial: { x: DECISION.targetHz } },
  ];
  const projections: ProjectionSpec[] = [];
  const positive = weights.readout.map((w) => Math.max(0, w));
  const negative = weights.readout.map((w) => Math.max(0, -w));
  const add = (name: string, source: string, target: string, rows: number[][], onPre: string, delayMs: number): void => {
    if (rows.some((r) => r.some((v) => v > 0))) projections.push({ name, source, target, connector: { type: 'matrix', weights: rows }, on_pre: onPre, delay_ms: delayMs });
  };
  add('readout_b_exc', 'V4', 'PoolB', repeatRows(d, positive), 's += w', o.dtMs);
  add('readout_b_inh', 'V4', 'PoolB', repeatRows(d, negative), 's -= w', o.dtMs);
  add('readout_a_exc', 'V4', 'PoolA', repeatRows(d, negative), 's += w', o.dtMs);
  add('readout_a_inh', 'V4', 'PoolA', repeatRows(d, positive), 's -= w', o.dtMs);
  if (weights.feedback) {
    add('feedback_a', 'PoolA', 'V4', column(weights.feedback[0], d), 's_fb += w', FEEDBACK_DELAY_MS);
    add('feedback_b', 'PoolB', 'V4', column(weights.feedback[1], d), 's_fb += w', FEEDBACK_DELAY_MS);
  }
  const inputs: InputSpec[] = [
    { type: 'stimulus', target: 'V4', orientation_deg: stimulusPerTrial(o), amplitude: TUNING.amplitude, kappa: TUNING.kappa, baseline: TUNING.baseline },
    { type: 'dc', target: 'PoolA', amplitude: weights.bias[0] },
    { type: 'dc', target: 'PoolB', amplitude: weights.bias[1] },
  ];
  if (weights.noise) {
    for (const name of ['NoiseA', 'NoiseB']) {
      populations.push({ name, size: NOISE_POOL.units, model: 'spiking_rate_unit', params: { sigma: NOISE_POOL.noise, tau_noise: NOISE_POOL.tauMs }, initial: { x: NOISE_POOL.rateHz } });
      inputs.push({ type: 'dc', target: name, amplitude: NOISE_POOL.rateHz });
    }
    add('noise_a', 'NoiseA', 'V4', column(weights.noise[0], NOISE_POOL.units), 's += w', o.dtMs);
    add('noise_b', 'NoiseB', 'V4', column(weights.noise[1], NOISE_POOL.units), 's += w', o.dtMs);
  }
  return {
    name: weights.feedback ? 'redundancy_task_network' : 'redundancy_feedforward_control',
    dt_ms: o.dtMs,
    seed: networkSeed,
    batch: o.trialsPerDay,
    models: { spiking_rate_unit: SPIKING_RATE_UNIT },
    populations,
    projections,
    inputs,
    recorders: populations.map((p) => ({ type: 'spike_counts' as const, population: p.name, window_ms: o.binMs })),
  };
}

function stimulusPerTrial(o: RedundancyOptions): number[] {
  const half = o.trialsPerDay / 2;
  return Array.from({ length: o.trialsPerDay }, (_, t) => (t < half ? STIMULI[0] : STIMULI[1]));
}

function vonMises(thetaDeg: number, prefDeg: number): number {
  return TUNING.baseline + TUNING.amplitude * Math.exp(TUNING.kappa * (Math.cos((2 * (thetaDeg - prefDeg) * Math.PI) / 180) - 1));
}

/** Spike counts of one block: per population, bins × trials × neurons. */
interface BlockCounts {
  /** counts[pop][(bin·trials + t)·size + i] */
  readonly byPopulation: Map<string, { size: number; bins: number; counts: Uint32Array }>;
}

async function runBlock(sim: GpuSimulator, o: RedundancyOptions, trialOffset: number): Promise<BlockCounts> {
  await sim.resetTrials(trialOffset);
  sim.clearRecordings();
  await sim.run(o.trialMs);
  const byPopulation = new Map<string, { size: number; bins: number; counts: Uint32Array }>();
  for (const r of sim.recordings()) {
    if (r.type !== 'spike_counts') continue;
    const rec = r as SpikeCountRecording;
    byPopulation.set(rec.population, { size: rec.neurons.length, bins: rec.nWindows, counts: spikeCountsOfTrials(rec, sim.trialOffset, o.trialsPerDay) });
  }
  sim.clearRecordings();
  return { byPopulation };
}

/** Per-trial counts summed over bins [fromBin, toBin) and, for pools, over units: trials × size. */
function windowCounts(block: BlockCounts, population: string, trials: number, fromBin: number, toBin: number, sumUnits = false): Float64Array {
  const p = block.byPopulation.get(population);
  if (!p) throw new Error(`redundancy: no spike counts of ${population}`);
  const width = sumUnits ? 1 : p.size;
  const out = new Float64Array(trials * width);
  for (let b = fromBin; b < Math.min(toBin, p.bins); b++) {
    for (let t = 0; t < trials; t++) {
      const base = (b * trials + t) * p.size;
      for (let i = 0; i < p.size; i++) out[t * width + (sumUnits ? 0 : i)]! += p.counts[base + i]!;
    }
  }
  return out;
}

/** Covariance across trials between each column of x (trials × n) and the vector y (trials). */
function covarianceWith(x: Float64Array, n: number, y: Float64Array): Float64Array {
  const trials = y.length;
  const my = mean(y);
  const mx = new Float64Array(n);
  for (let t = 0; t < trials; t++) for (let i = 0; i < n; i++) mx[i]! += x[t * n + i]! / trials;
  const out = new Float64Array(n);
  for (let t = 0; t < trials; t++) {
    const dy = y[t]! - my;
    for (let i = 0; i < n; i++) out[i]! += ((x[t * n + i]! - mx[i]!) * dy) / (trials - 1);
  }
  return out;
}

/** What one block gave: choices, and the array's statistics. */
interface BlockMeasures {
  readonly accuracy: number;
  readonly fisher: FisherResult;
  readonly noiseCorrelation: { all: number; same: number; opposite: number; matrix: Float64Array };
  readonly rateHz: number;
  /** ρ per 100 ms window of the trial. */
  readonly withinTrial: number[];
  /** Whole-window counts of all sensory neurons (trials × N), pool counts (trials), choices. */
  readonly sensory: Float64Array;
  readonly pools: [Float64Array, Float64Array];
  readonly noisePools: [Float64Array, Float64Array] | null;
  readonly choiceB: boolean[];
}

function arrayResponses(counts: Float64Array, n: number, array: readonly number[], from: number, to: number): Float64Array {
  const m = array.length;
  const out = new Float64Array((to - from) * m);
  for (let t = from; t < to; t++) for (let k = 0; k < m; k++) out[(t - from) * m + k] = counts[t * n + array[k]!]!;
  return out;
}

function noiseCorrelations(a: Float64Array, b: Float64Array, m: number, fprime: ArrayLike<number>): BlockMeasures['noiseCorrelation'] {
  const cov = new Float64Array(m * m);
  for (const x of [a, b]) {
    const trials = x.length / m;
    const mu = new Float64Array(m);
    for (let t = 0; t < trials; t++) for (let i = 0; i < m; i++) mu[i]! += x[t * m + i]! / trials;
    for (let t = 0; t < trials; t++) {
      for (let i = 0; i < m; i++) {
        const di = x[t * m + i]! - mu[i]!;
        for (let j = 0; j < m; j++) cov[i * m + j]! += (di * (x[t * m + j]! - mu[j]!)) / (trials - 1) / 2;
      }
    }
  }
  const corr = new Float64Array(m * m);
  const sums = { all: [0, 0], same: [0, 0], opposite: [0, 0] };
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const denom = Math.sqrt(cov[i * m + i]! * cov[j * m + j]!);
      const r = denom > 0 ? cov[i * m + j]! / denom : 0;
      corr[i * m + j] = i === j ? 1 : r;
      if (j <= i || denom === 0) continue;
      sums.all[0]! += r;
      sums.all[1]! += 1;
      const side = Math.sign(fprime[i]!) * Math.sign(fprime[j]!) > 0 ? sums.same : sums.opposite;
      side[0]! += r;
      side[1]! += 1;
    }
  }
  const avg = (s: number[]): number => (s[1]! > 0 ? s[0]! / s[1]! : Number.NaN);
  return { all: avg(sums.all), same: avg(sums.same), opposite: avg(sums.opposite), matrix: corr };
}

function measureBlock(block: BlockCounts, o: RedundancyOptions, array: readonly number[], control: boolean, rng: RandomStream): BlockMeasures {
  const n = o.sensoryNeurons;
  const trials = o.trialsPerDay;
  const half = trials / 2;
  const bins = Math.round(o.trialMs / o.binMs);
  const from = Math.round(o.windowStartMs / o.binMs);
  const sensory = windowCounts(block, 'V4', trials, from, bins);
  const poolA = windowCounts(block, 'PoolA', trials, from, bins, true);
  const poolB = windowCounts(block, 'PoolB', trials, from, bins, true);
  const choiceB = Array.from({ length: trials }, (_, t) => {
    const diff = poolB[t]! - poolA[t]!;
    return diff === 0 ? rng.uniform() < 0.5 : diff > 0;
  });
  const accuracy = choiceB.filter((c, t) => c === t >= half).length / trials;
  const m = array.length;
  const a = arrayResponses(sensory, n, array, 0, half);
  const b = arrayResponses(sensory, n, array, half, trials);
  const fisher = fisherInformation(a, b, m, DS, { decoderFolds: 0 });
  const fprime = fisher.single_neuron.map((_, i) => {
    let sa = 0;
    let sb = 0;
    for (let t = 0; t < half; t++) {
      sa += a[t * m + i]!;
      sb += b[t * m + i]!;
    }
    return sb - sa;
  });
  const noiseCorrelation = noiseCorrelations(a, b, m, fprime);
  const windowS = (o.trialMs - o.windowStartMs) / 1000;
  const rateHz = (mean(a) + mean(b)) / 2 / windowS;
  // ρ in 100 ms windows (pairs of 50 ms bins when binMs = 50).
  const perWindow = Math.max(1, Math.round(100 / o.binMs));
  const withinTrial: number[] = [];
  for (let w0 = 0; w0 + perWindow <= bins; w0 += perWindow) {
    const c = windowCounts(block, 'V4', trials, w0, w0 + perWindow);
    try {
      const r = fisherInformation(arrayResponses(c, n, array, 0, half), arrayResponses(c, n, array, half, trials), m, DS, { decoderFolds: 0 });
      withinTrial.push(r.rho);
    } catch {
      withinTrial.push(Number.NaN);
    }
  }
  const noisePools: [Float64Array, Float64Array] | null = control
    ? [windowCounts(block, 'NoiseA', trials, from, bins, true), windowCounts(block, 'NoiseB', trials, from, bins, true)]
    : null;
  return { accuracy, fisher, noiseCorrelation, rateHz, withinTrial, sensory, pools: [poolA, poolB], noisePools, choiceB };
}

/**
 * One day's learning from the task block (local rules only; see {@link REDUNDANCY_MODELLING_CHOICES}).
 * Returns the next day's weights.
 */
export function learnFromDay(o: RedundancyOptions, weights: NetworkWeights, block: Pick<BlockMeasures, 'sensory' | 'pools' | 'noisePools' | 'choiceB'>): NetworkWeights {
  const n = o.sensoryNeurons;
  const trials = o.trialsPerDay;
  const half = trials / 2;
  const sensory = block.sensory;
  const meanCount = new Float64Array(n);
  for (let t = 0; t < trials; t++) for (let i = 0; i < n; i++) meanCount[i]! += sensory[t * n + i]! / trials;
  // Readout: the reward reveals the stimulus (a rewarded choice's label, or the other one).
  const readout = new Float64Array(n);
  const hebbian = new Float64Array(n);
  for (let t = 0; t < trials; t++) {
    const rewarded = block.choiceB[t] === t >= half;
    const label = (rewarded ? block.choiceB[t] : !block.choiceB[t]) ? 1 : -1;
    for (let i = 0; i < n; i++) hebbian[i]! += (label * (sensory[t * n + i]! - meanCount[i]!)) / trials;
  }
  for (let i = 0; i < n; i++) readout[i] = (1 - o.readoutDecay) * weights.readout[i]! + (o.readoutRate / n) * hebbian[i]!;
  // Homeostatic bias: halfway towards the input that gives the target rate per unit.
  const windowS = (o.trialMs - o.windowStartMs) / 1000;
  const bias = weights.bias.map((b, k) => {
    const rate = mean(block.pools[k]!) / o.poolUnits / windowS;
    return b + 0.5 * (DECISION.targetHz - rate);
  }) as [number, number];
  let feedback: [Float64Array, Float64Array] | null = null;
  const variance = new Float64Array(n);
  for (let t = 0; t < trials; t++) for (let i = 0; i < n; i++) variance[i]! += (sensory[t * n + i]! - meanCount[i]!) ** 2 / (trials - 1);
  if (weights.feedback) {
    feedback = [0, 1].map((k) => {
      // Oja's rule on each feedback synapse (pre: pool k, post: sensory neuron i): the Hebbian
      // covariance term minus the weight times the postsynaptic variance.
      const c = covarianceWith(sensory, n, block.pools[k]!);
      return weights.feedback![k]!.map((u, i) => Math.max(0, u + o.feedbackRate * (c[i]! - variance[i]! * u)));
    }) as [Float64Array, Float64Array];
  }
  let noise: [Float64Array, Float64Array] | null = null;
  if (weights.noise && block.noisePools) {
    noise = [0, 1].map((k) => {
      const c = covarianceWith(sensory, n, block.noisePools![k]!);
      return weights.noise![k]!.map((v, i) => Math.max(0, v - o.controlRate * c[i]!));
    }) as [Float64Array, Float64Array];
  }
  return { readout, bias, feedback, noise };
}

/** Initial (naive) weights of a network. */
function naiveWeights(o: RedundancyOptions, rng: RandomStream, kind: 'task' | 'control', preferred: Float64Array): NetworkWeights {
  const n = o.sensoryNeurons;
  const readout = Float64Array.from({ length: n }, () => (rng.normal() * 0.1) / n);
  const bias: [number, number] = [DECISION.targetHz, DECISION.targetHz];
  if (kind === 'task') {
    const feedback = [0, 1].map(() => Float64Array.from({ length: n }, () => rng.uniform() * FEEDBACK_INITIAL)) as [Float64Array, Float64Array];
    return { readout, bias, feedback, noise: null };
  }
  // Shared input noise along each stimulus' drive: pool A onto neurons driven by stimulus a, pool B by b.
  const noise = STIMULI.map((s) => Float64Array.from(preferred, (p) => (o.sharedNoise * (vonMises(s, p) - TUNING.baseline)) / TUNING.amplitude)) as [Float64Array, Float64Array];
  return { readout, bias, feedback: null, noise };
}

/** Measured feedback gain: slope of the feedback's rate difference (b − a) on the feedforward rate difference. */
function feedbackGain(o: RedundancyOptions, weights: NetworkWeights, preferred: Float64Array, poolRateDiffHz: number): { gain: number; alignment: number } {
  if (!weights.feedback) return { gain: 0, alignment: 0 };
  const tauS = FEEDBACK_TAU_MS / 1000;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < o.sensoryNeurons; i++) {
    const ff = vonMises(STIMULI[1], preferred[i]!) - vonMises(STIMULI[0], preferred[i]!);
    const du = weights.feedback[1][i]! - weights.feedback[0][i]!;
    sxy += ff * du;
    sxx += ff * ff;
    syy += du * du;
  }
  // Each spike of a pool adds u to s_fb (decaying with τ_fb): a pool rate difference ΔR gives Δx = τ_fb·Δu·ΔR.
  return { gain: (sxy / sxx) * tauS * poolRateDiffHz, alignment: syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0 };
}

function emptyMeasure(seeds: number): DailyMeasure {
  return { mean: [], se: [], perSeed: Array.from({ length: seeds }, () => []) };
}

function emptySeries(seeds: number): ConditionSeries {
  return {
    I_bc: emptyMeasure(seeds), I_shuffle_bc: emptyMeasure(seeds), rho: emptyMeasure(seeds), single_neuron: emptyMeasure(seeds),
    noise_correlation: emptyMeasure(seeds), noise_correlation_same_side: emptyMeasure(seeds), noise_correlation_opposite_side: emptyMeasure(seeds),
    accuracy: emptyMeasure(seeds), rate_hz: emptyMeasure(seeds),
  };
}

function record(series: ConditionSeries, seed: number, m: BlockMeasures | null): void {
  if (!m) {
    for (const measure of Object.values(series)) (measure as DailyMeasure).perSeed[seed]!.push(Number.NaN);
    return;
  }
  series.I_bc.perSeed[seed]!.push(m.fisher.I_bc);
  series.I_shuffle_bc.perSeed[seed]!.push(m.fisher.I_shuffle_bc);
  series.rho.perSeed[seed]!.push(m.fisher.rho);
  series.single_neuron.perSeed[seed]!.push(mean(m.fisher.single_neuron_bc));
  series.noise_correlation.perSeed[seed]!.push(m.noiseCorrelation.all);
  series.noise_correlation_same_side.perSeed[seed]!.push(m.noiseCorrelation.same);
  series.noise_correlation_opposite_side.perSeed[seed]!.push(m.noiseCorrelation.opposite);
  series.accuracy.perSeed[seed]!.push(m.accuracy);
  series.rate_hz.perSeed[seed]!.push(m.rateHz);
}

/** Fill mean and SE across seeds of every day from the per-seed values. */
function summarise(measure: DailyMeasure): void {
  const days = measure.perSeed[0]?.length ?? 0;
  for (let day = 0; day < days; day++) {
    const values = measure.perSeed.map((s) => s[day]!).filter(Number.isFinite);
    const { mean: m, se } = meanAndStandardError(values);
    measure.mean.push(values.length > 0 ? m : Number.NaN);
    measure.se.push(values.length > 0 ? se : Number.NaN);
  }
}

/**
 * Run the whole protocol on a GPU context: for each seed, a task network and a feedforward
 * control learn over the days; each day the task network runs a task block (engaged, learning
 * from it) and a passive block (disengaged, same weights), the control one block.
 * @throws RangeError for invalid options (naming the option)
 */
export async function runRedundancyExperiment(given: Partial<RedundancyOptions>, env: ExperimentEnvironment): Promise<RedundancyResults> {
  const o = resolveRedundancyOptions(given);
  const started = performance.now();
  const log = env.onProgress ?? (() => undefined);
  const seeds = Array.from({ length: o.seeds }, (_, k) => o.seed + k);
  const series = { task: emptySeries(o.seeds), passive: emptySeries(o.seeds), feedforward_control: emptySeries(o.seeds) };
  const learned = { feedback_weight: emptyMeasure(o.seeds), feedback_alignment: emptyMeasure(o.seeds), feedback_gain: emptyMeasure(o.seeds), control_noise_weight: emptyMeasure(o.seeds) };
  const withinFirst = emptyMeasure(o.seeds);
  const withinLast = emptyMeasure(o.seeds);
  const correlations = { neurons: o.arrayNeurons, preferred_deg: [] as number[], first_day: [] as number[], last_day: [] as number[] };
  let windowCenters: number[] = [];

  for (const [k, networkSeed] of seeds.entries()) {
    const rng = new RandomStream(networkSeed, 0x52454432);
    const preferred = preferredOrientationsDeg('random', o.sensoryNeurons, networkSeed, 0);
    // One recorded array per network: a random subset of sensory neurons, the same every day.
    const order = Array.from({ length: o.sensoryNeurons }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.uniformInt(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const array = order.slice(0, o.arrayNeurons).sort((x, y) => preferred[x]! - preferred[y]!);
    if (k === 0) correlations.preferred_deg = array.map((i) => preferred[i]!);
    let task = naiveWeights(o, rng, 'task', preferred);
    let control = naiveWeights(o, rng, 'control', preferred);
    let trial = 0;
    const nextTrials = (): number => {
      const t = trial;
      trial += o.trialsPerDay;
      return t;
    };
    for (let day = 0; day < o.days; day++) {
      // Task and passive viewing: one network built with today's weights.
      const sim = await GpuSimulator.create(redundancyNetwork(o, networkSeed, task), { context: env.context, shaders: env.shaders });
      let taskBlock: BlockMeasures;
      let passiveBlock: BlockMeasures | null;
      try {
        taskBlock = measureBlock(await runBlock(sim, o, nextTrials()), o, array, false, rng);
        if (o.passiveEveryDay || day === 0 || day === o.days - 1) {
          sim.setPopulationParams('PoolA', { engage: 0 });
          sim.setPopulationParams('PoolB', { engage: 0 });
          passiveBlock = measureBlock(await runBlock(sim, o, nextTrials()), o, array, false, rng);
        } else {
          passiveBlock = null;
        }
      } finally {
        sim.destroy();
      }
      const controlSim = await GpuSimulator.create(redundancyNetwork(o, networkSeed, control), { context: env.context, shaders: env.shaders });
      let controlBlock: BlockMeasures;
      try {
        controlBlock = measureBlock(await runBlock(controlSim, o, nextTrials()), o, array, true, rng);
      } finally {
        controlSim.destroy();
      }
      record(series.task, k, taskBlock);
      record(series.passive, k, passiveBlock);
      record(series.feedforward_control, k, controlBlock);
      const windowS = (o.trialMs - o.windowStartMs) / 1000;
      const half = o.trialsPerDay / 2;
      const poolDiff = (m: BlockMeasures): number => {
        const d = (from: number, to: number): number => mean(m.pools[1].subarray(from, to)) - mean(m.pools[0].subarray(from, to));
        return (d(half, o.trialsPerDay) - d(0, half)) / 2 / windowS;
      };
      const fb = feedbackGain(o, task, preferred, poolDiff(taskBlock));
      learned.feedback_weight.perSeed[k]!.push(task.feedback ? (mean(task.feedback[0]) + mean(task.feedback[1])) / 2 : 0);
      learned.feedback_alignment.perSeed[k]!.push(fb.alignment);
      learned.feedback_gain.perSeed[k]!.push(fb.gain);
      learned.control_noise_weight.perSeed[k]!.push(control.noise ? (mean(control.noise[0]) + mean(control.noise[1])) / 2 : 0);
      if (day === 0 || day === o.days - 1) {
        (day === 0 ? withinFirst : withinLast).perSeed[k]!.push(...taskBlock.withinTrial);
        if (k === 0) (day === 0 ? correlations.first_day : correlations.last_day).push(...taskBlock.noiseCorrelation.matrix);
      }
      windowCenters = taskBlock.withinTrial.map((_, w) => (w + 0.5) * 100);
      log(`seed ${networkSeed}, day ${day + 1}/${o.days}: accuracy ${(taskBlock.accuracy * 100).toFixed(0)} %, feedback gain ${fb.gain.toFixed(2)} (alignment ${fb.alignment.toFixed(2)}); ` +
        `ρ task ${taskBlock.fisher.rho.toFixed(3)}, passive ${passiveBlock?.fisher.rho.toFixed(3) ?? '–'}, control ${controlBlock.fisher.rho.toFixed(3)}; ` +
        `I_bc task ${taskBlock.fisher.I_bc.toExponential(2)}, passive ${passiveBlock?.fisher.I_bc.toExponential(2) ?? '–'}, control ${controlBlock.fisher.I_bc.toExponential(2)}`);
      // Learning from the day's task block (the control from its own block).
      task = learnFromDay(o, task, taskBlock);
      control = learnFromDay(o, control, controlBlock);
    }
  }
  for (const s of Object.values(series)) for (const m of Object.values(s)) summarise(m as DailyMeasure);
  for (const m of Object.values(learned)) summarise(m);
  // Within-trial: perSeed holds windows instead of days.
  summarise(withinFirst);
  summarise(withinLast);
  return {
    study: 'redundancy',
    adapter: env.context.info.label,
    options: o,
    seeds,
    days: Array.from({ length: o.days }, (_, d) => d + 1),
    ...series,
    learned,
    within_trial: { window_centers_ms: windowCenters, first_day: withinFirst, last_day: withinLast },
    correlations,
    modelling_choices: REDUNDANCY_MODELLING_CHOICES,
    wall_s: (performance.now() - started) / 1000,
  };
}
