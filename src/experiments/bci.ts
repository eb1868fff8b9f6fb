/**
 * The BCI study of vectorized teaching signals (Francioni et al., Nature 2026; science.md part
 * B) as a protocol. A recurrent cortical network of two-compartment pyramidal rate units and
 * inhibitory units; two target groups E1 and E2 drive a cursor (mean E1 − mean E2) that turns
 * a grating; baseline sessions calibrate the hit threshold to ~25 % chance; training over
 * sessions changes the basal weights from a context population onto the target neurons.
 *
 * Nothing in the model knows a target's causal role. After each trial an outcome unit O
 * carries the task error (the grating's remaining rotation to the target, the same for every
 * condition) and reaches the apical dendrite of each target through a feedback weight B_i.
 * The feedback weights are learned by a local covariance rule (the outcome's covariance with
 * the neuron's own activity), so whether B_i takes the sign of the neuron's role is an outcome.
 * Two routes change the basal weights, both on the GPU:
 * - dendritic: ΔW = η_a·a·φ'(v)·x̄, a the measured apical depolarisation (dendrite-gated rule);
 * - neuromodulatory: ΔW = η_n·(P − P̄)(r − r̄)·x̄, one broadcast prediction error of the
 *   performance P = −error (three-factor / node perturbation).
 * Conditions:
 * - vectorized: each target has its own learned feedback weight; both routes;
 * - scalar: one feedback weight shared by all targets (a broadcast), learned by the same rule
 *   from their mean activity; both routes;
 * - blocked: vectorized, with the apical input of the target neurons removed; the
 *   neuromodulatory route stays, so whether learning fails is an outcome.
 * Each route's learning rate is chosen by a sweep on networks not used for the reported runs;
 * every condition is run on ≥ 3 independently built networks and summarised across them.
 *
 * Modelling choices (not published numbers) are listed in {@link BCI_MODELLING_CHOICES}.
 *
 * Target model (`targetModel`): 'rate' (default, above) or 'spiking' — spiking two-compartment
 * targets with plateau-driven bursts and a burst-dependent basal rule (`bci-spiking.ts`). What
 * differs between the two is one {@link BciTargetModelImpl} (network, readouts, basal gain).
 */
import type { NetworkSpec } from '../model/spec.js';
import type { GpuContext } from '../gpu/context.js';
import type { ShaderSourceLoader } from '../gpu/shaders.js';
import { GpuSimulator } from '../gpu/simulator.js';
import { GpuPlasticity } from '../gpu/plasticity/plasticity.js';
import { stateWindowMean, type StateRecording } from '../model/recording.js';
import { RandomStream } from '../rng/philox.js';
import { normalQuantile } from '../analysis/fisher.js';
import { mean, meanAndStandardError } from '../analysis/summary.js';
import { SPIKING_DT_MS, SPIKING_RATE_GRID, SPIKING_TARGETS } from './bci-spiking.js';

/** Teaching signal condition. */
export type Teaching = 'vectorized' | 'scalar' | 'blocked';

/** Neuron model of the target neurons. */
export type BciTargetModel = 'rate' | 'spiking';

/** Learning rates of the two routes onto the basal weights and of the feedback weights. */
export interface BciLearningRates {
  /** η_a of the dendrite-gated basal rule (per unit of apical depolarisation × context rate). */
  readonly dendritic: number;
  /** η_n of the neuromodulatory three-factor rule (per unit of prediction error × rate × context rate). */
  readonly neuromodulatory: number;
}

/** Parameters of the protocol. */
export interface BciOptions {
  /** Excitatory (two-compartment) and inhibitory units; 2,500 in all by default. */
  readonly excitatory: number;
  readonly inhibitory: number;
  /** Neurons in each target group E1 and E2 (default 16). */
  readonly targetsPerGroup: number;
  /**
   * Two-sided task (default): on each trial a cue (half of the context units raised) asks for
   * the cursor up (E1 above E2) or down (E2 above E1), drawn at random per trial; the outcome
   * unit carries the signed error (which way the grating still had to turn). false: the
   * one-sided task (always up, no cue), in which one weight update can solve the task.
   */
  readonly twoSided: boolean;
  /** Context units whose basal synapses onto the targets are plastic (default 64). */
  readonly contextUnits: number;
  /** Trials per session (the batch, default 64) and training sessions (default 10). */
  readonly trialsPerSession: number;
  readonly sessions: number;
  /** Trial timeout and the teaching period after it, ms (defaults 800 and 200), step 10 ms. */
  readonly trialMs: number;
  readonly teachingMs: number;
  readonly dtMs: number;
  /** Chance hit rate the baseline sessions calibrate the threshold to (default 0.25). */
  readonly chanceHitRate: number;
  /** Hit rate that counts as learned, for sessions-to-criterion (default 0.7). */
  readonly criterion: number;
  /** Independently built networks per condition (default 5; `--quick` 3). */
  readonly seeds: number;
  /** SD of the trial-level decoder offset added to the cursor (default 0.1 rate units). */
  readonly decoderNoise: number;
  /** Decoder-noise SDs of the noise sweep (run on the sweep networks; empty: none). */
  readonly decoderNoiseSweep: readonly number[];
  /** Fixed learning rates; null (default): chosen by the learning-rate sweep. */
  readonly learningRates: BciLearningRates | null;
  /** Grids of the learning-rate sweep, one per route. */
  readonly rateGrid: { readonly dendritic: readonly number[]; readonly neuromodulatory: readonly number[] };
  /**
   * Factors of the per-condition step-size sweep: after each route's rate is chosen alone, every
   * condition runs with both rates scaled by each factor and keeps its best (default 0.25, 0.5, 1;
   * empty: no such sweep, every condition uses the routes' rates).
   */
  readonly conditionScales: readonly number[];
  /** Sessions of each learning-rate sweep run (default 6). */
  readonly rateSweepSessions: number;
  /** Networks per sweep point, built from seeds disjoint from the reported ones (default 2). */
  readonly sweepSeeds: number;
  /** Learning rate η_B of the feedback weights (covariance rule). */
  readonly feedbackLearningRate: number;
  /** Conditions to run (default all three). */
  readonly conditions: readonly Teaching[];
  /** Target-group sizes (E1 + E2) of the sessions-to-criterion sweep (default 8, 64, 256; empty: none). */
  readonly sweepTargets: readonly number[];
  /** Sessions of each group-size sweep run (default: sessions). */
  readonly sweepSessions: number;
  /** First seed; the reported networks use seed, seed + 1, …; sweeps use seeds from seed + 1000. */
  readonly seed: number;
  /**
   * Target neurons (default 'rate'): 'rate' — two-compartment rate units inside the E/I rate
   * network, dendrite-gated basal rule; 'spiking' — a separate population of spiking
   * two-compartment cells (equations model, apical plateaus driving bursts) receiving spiking
   * context, outcome and background input, burst-dependent basal rule, cursor from spike
   * counts in 50 ms bins (rates in units of 10 Hz); dtMs defaults to 1 ms and must be ≤ 1 ms,
   * rateGrid defaults to `SPIKING_RATE_GRID` (the burst signal has its own scale).
   * See `bci-spiking.ts` and its modelling choices.
   */
  readonly targetModel: BciTargetModel;
}

/** Defaults of the full configuration. */
export const BCI_DEFAULTS: BciOptions = {
  excitatory: 2000,
  inhibitory: 500,
  targetsPerGroup: 16,
  twoSided: true,
  contextUnits: 64,
  trialsPerSession: 64,
  sessions: 10,
  trialMs: 800,
  teachingMs: 200,
  dtMs: 10,
  chanceHitRate: 0.25,
  criterion: 0.7,
  seeds: 5,
  decoderNoise: 0.1,
  decoderNoiseSweep: [0, 0.3, 0.6],
  learningRates: null,
  rateGrid: { dendritic: [0.01, 0.03, 0.1, 0.3], neuromodulatory: [0.03, 0.1, 0.3, 1, 3] },
  conditionScales: [0.25, 0.5, 1],
  rateSweepSessions: 6,
  sweepSeeds: 2,
  feedbackLearningRate: 100,
  conditions: ['vectorized', 'scalar', 'blocked'],
  sweepTargets: [8, 64, 256],
  sweepSessions: 10,
  seed: 1,
  targetModel: 'rate',
};

/** `--quick`: a reduced network, 3 networks per condition, no group-size sweep (under 5 minutes on a software GPU). */
export const BCI_QUICK: Partial<BciOptions> = { excitatory: 200, inhibitory: 50, trialsPerSession: 40, sessions: 8, seeds: 3, sweepSeeds: 1, decoderNoiseSweep: [0, 0.3], sweepTargets: [] };

/** `--quick --spiking-targets`: on top of {@link BCI_QUICK}, what keeps the spiking variant (1 ms steps) under 5 minutes on a software GPU. */
export const BCI_SPIKING_QUICK: Partial<BciOptions> = { decoderNoiseSweep: [], rateSweepSessions: 4 };

/** What in this model is a modelling choice rather than a published number. */
export const BCI_MODELLING_CHOICES: readonly string[] = [
  'Pyramidal cells are two-compartment rate units (soma τ 20 ms, apical τ 30 ms, threshold-linear, plateau σ((v_a − 1)/0.25) raising the somatic gain by up to 50 %), inhibitory cells are rate units; recurrence is sparse and weak (fixed in-degree).',
  'Each trial the target neurons receive basal input from 64 context units (the task context) through plastic weights; learning acts only on these weights and on the feedback weights.',
  'Two-sided task (default): each trial asks at random for the cursor up (E1 above E2) or down; a cue raises the first half of the context units on up trials and the second half on down trials (tonic drive 0.5, cue +1), so no single direction of weight change solves both; hits, errors and the residuals and activities below are taken in the trial\'s required direction. One-sided (`twoSided: false`, the earlier task and the browser lab): always up, tonic drive 1, no cue.',
  'Reward prediction: the broadcast prediction error of the three-factor rule is P − P̄(cue), P̄ the session\'s mean performance on trials with the same cue (a cue-dependent critic that keeps up with learning; a running average over past sessions made the rule Hebbian after each improvement and rates ran away); the feedback synapse uses the signed outcome minus its mean given the cue within the session.',
  'Cursor = mean rate of E1 − mean rate of E2 plus a trial-level decoder offset (imaging and decoder noise; SD 0.1 rate units by default, about the spread of the targets\' own peak cursor; 0, 0.3 and 0.6 in the sweep); a hit when it crosses the threshold before the 800 ms timeout; the threshold is the (1 − chance) quantile of the peak cursor in two baseline sessions without learning (normal fit).',
  'Outcome: after each trial one linear outcome unit O carries the signed error d·e, d = ±1 the required direction and e = max(0, threshold − peak of d·cursor)/SD_baseline (0 on hits), for 200 ms (which way the grating still had to turn); every condition receives this same signal. It reaches each target\'s apical compartment through a feedback weight B_i (O → apical projection in the simulated network).',
  'Feedback weights start small and random (SD 0.1, independent of role) and learn by an anti-Hebbian covariance rule at the O → apical synapse: ΔB_i = η_B·⟨(S − ⟨S | cue⟩)(r_i − ⟨r_i⟩)⟩ over the session\'s trials, S = −d·e (the covariance of performance with the neuron\'s own trial rate, as a postsynaptic eligibility trace); clipped to ±3. Only target neurons carry plastic feedback weights (an assumption: other neurons\' covariance with the outcome is ~0).',
  'Scalar: one feedback weight shared by all targets (the mean of the per-neuron updates), i.e. a broadcast signal that cannot differ between neurons; otherwise identical to vectorized.',
  'Two routes change the basal weights in every condition: dendrite-gated ΔW = η_a·a·φ\'(v)·x̄ with a the measured apical depolarisation during the outcome period (φ\' = 1 above threshold, 0.1 below, a surrogate gain) and the neuromodulatory three-factor rule ΔW = η_n·(P − P̄)(r − r̄)·x̄ with one broadcast prediction error (P̄ as above). Weights are clipped to ±2.',
  'Blocked: the feedback weights onto the target neurons are set to zero in the network (their apical compartments receive no outcome input); the neuromodulatory route and everything else stay.',
  'Learning rates: η_a and η_n are each chosen by a sweep of that route alone on networks not used for the reported runs (score: mean hit rate over the sweep sessions after the first; the smallest rate within 0.02 of the best score wins); then, since both routes act together, each condition runs on the same sweep networks with both rates scaled by 0.25, 0.5 and 1 and keeps its best factor (the same score and tie rule), so each condition is compared at its own best step size; η_B = 100 is fixed (not swept).',
  'Calcium readouts: soma = filtered rate, dendrite = filtered (0.5·rate + apical potential), plus readout noise; the dendritic residual is the dendritic signal minus its linear prediction from the soma (fitted per neuron on the first baseline session), averaged over the outcome period. These readouts are computed from the same rate model whose apical potential gates plasticity (the rate model has no separate spiking/burst mechanism).',
  'Statistics: per neuron first (its mean over trials), then per network (mean over the group\'s neurons), then mean ± SE across independently built networks (seeds); trials are never pooled as independent samples.',
  'Rewards per minute count hits over the time spent in trials (hit trials end at the hit) plus a 1 s inter-trial interval.',
];

/** A mean across networks with its standard error and the per-network values. */
export interface SeedStatistic {
  readonly mean: number;
  readonly se: number;
  /** Networks with a value (a network without e.g. any rewarded trial has none). */
  readonly n: number;
  readonly per_seed: (number | null)[];
}

/**
 * The grating angle shown for a cursor value: the cursor scaled so that the hit threshold turns
 * the grating by 90° (the target orientation), clipped to ±90°.
 */
export function cursorToGratingDeg(cursor: number, threshold: number): number {
  return Math.max(-90, Math.min(90, (90 * cursor) / Math.max(1e-9, Math.abs(threshold))));
}

/**
 * The outcome signal of a trial: how far the cursor stayed below the hit threshold at its best,
 * in units of the baseline spread of the peak cursor, max(0, threshold − peak)/spread (0 on hits).
 */
export function trialError(peakCursor: number, task: CursorTask): number {
  return Math.max(0, task.threshold - peakCursor) / task.spread;
}

/** The calibrated task: hit threshold on the cursor and the baseline SD of the peak cursor (> 0). */
export interface CursorTask {
  readonly threshold: number;
  readonly spread: number;
}

/** One condition on one network. */
export interface SeedConditionResult {
  readonly seed: number;
  readonly threshold: number;
  readonly hit_rate: number[];
  readonly grating_angle_deg: number[];
  readonly rewards_per_min: number[];
  readonly e1_activity: number[];
  readonly e2_activity: number[];
  /** Correlation across targets of the learned feedback weight with the role (+1 E1, −1 E2), per session (null for a shared weight). */
  readonly feedback_role_correlation: (number | null)[];
  /** Learned feedback weights at the end, in `targets` order, with each target's role. */
  readonly feedback_weights: number[];
  readonly roles: number[];
  /** Group mean of per-neuron mean residuals (null: no trial of that outcome). */
  readonly dendritic_residual: { E1: { rewarded: number | null; unrewarded: number | null }; E2: { rewarded: number | null; unrewarded: number | null } };
  /** The same over the second half of the sessions only (after the feedback weights had time to learn). */
  readonly dendritic_residual_late: { E1: { rewarded: number | null; unrewarded: number | null }; E2: { rewarded: number | null; unrewarded: number | null } };
  /** Fraction of neuron-sessions whose residual sign matches the sign of the next session's somatic change. */
  readonly residual_predicts_change: number | null;
  readonly sessions_to_criterion: number | null;
}

/** Results of one teaching condition, summarised across networks. */
export interface ConditionResult {
  readonly hit_rate_mean: number[];
  readonly hit_rate_se: number[];
  readonly grating_angle_deg_mean: number[];
  readonly rewards_per_min_mean: number[];
  readonly e1_activity_mean: number[];
  readonly e1_activity_se: number[];
  readonly e2_activity_mean: number[];
  readonly e2_activity_se: number[];
  /** Mean (and SE) across networks of the feedback–role correlation per session; null where the weight is shared. */
  readonly feedback_role_correlation: (number | null)[];
  readonly feedback_role_correlation_se: (number | null)[];
  readonly dendritic_residual: { E1: { rewarded: SeedStatistic; unrewarded: SeedStatistic }; E2: { rewarded: SeedStatistic; unrewarded: SeedStatistic } };
  /** The same over the second half of the sessions. */
  readonly dendritic_residual_late: { E1: { rewarded: SeedStatistic; unrewarded: SeedStatistic }; E2: { rewarded: SeedStatistic; unrewarded: SeedStatistic } };
  /** E1 minus E2 residual on unrewarded trials, per network (all sessions): positive when the signals follow the roles. */
  readonly residual_e1_minus_e2_unrewarded: SeedStatistic;
  readonly residual_predicts_change: SeedStatistic;
  readonly per_seed: SeedConditionResult[];
}

/** One point of the learning-rate sweep. */
export interface RateSweepPoint {
  readonly rate: number;
  /** Mean hit rate over the sweep's sessions after the first (nothing is learned before session 1 ends), mean ± SE across sweep networks (SE null with one network). */
  readonly score_mean: number;
  readonly score_se: number | null;
  readonly final_hit_rate_mean: number;
}

/** Hit rates of one condition across the decoder-noise sweep (mean and SE across sweep networks). */
export interface NoiseSweepSeries {
  /** Hit rate of the last two sessions. */
  readonly final_mean: number[];
  readonly final_se: number[];
  readonly mean_over_sessions: number[];
}

/** Everything the protocol measured. */
export interface BciResults {
  readonly study: 'bci';
  readonly adapter: string;
  readonly options: BciOptions;
  /** Seeds of the reported networks (one network per seed, all conditions run on each). */
  readonly seeds: number[];
  readonly sweep_seeds: number[];
  readonly threshold_mean: number;
  readonly baseline_hit_rate_mean: number;
  readonly baseline_hit_rate_se: number;
  readonly sessions: number[];
  readonly learning_rates: BciLearningRates & { readonly feedback: number; readonly chosen_by: 'sweep' | 'given'; readonly per_condition: Partial<Record<Teaching, BciLearningRates>> };
  /** Each condition with both routes' rates scaled by each factor (null when rates were given or no factors): hit-rate score per factor. */
  readonly condition_scale_sweep: { scales: number[]; sessions: number; score_mean: Partial<Record<Teaching, number[]>>; chosen: Partial<Record<Teaching, number>> } | null;
  /** Each route alone, its rate swept (null when rates were given). */
  readonly learning_rate_sweep: { dendritic: RateSweepPoint[]; neuromodulatory: RateSweepPoint[]; sessions: number; best_at_grid_edge: { dendritic: boolean; neuromodulatory: boolean } } | null;
  readonly vectorized?: ConditionResult;
  readonly scalar?: ConditionResult;
  readonly blocked?: ConditionResult;
  /** Final and mean hit rate per decoder-noise SD (sweep networks; chosen rates). */
  readonly decoder_noise_sweep: { noise: number[]; vectorized: NoiseSweepSeries & { feedback_role_correlation_final: (number | null)[] }; scalar: NoiseSweepSeries };
  /** Sessions to reach the criterion per rule and target count (null: not within the sweep's sessions). */
  readonly sessions_to_criterion: { targets: number[]; vectorized: (number | null)[]; scalar: (number | null)[]; sessions: number };
  /** Each target effect of the study, stated from the numbers (see {@link bciEffects}). */
  readonly effects: BciEffect[];
  readonly modelling_choices: readonly string[];
  readonly wall_s: number;
}

/** A target effect and whether the measurement shows it. */
export interface BciEffect {
  readonly effect: string;
  readonly emerged: boolean;
  readonly measured: string;
}

/** Environment of a run. */
export interface BciEnvironment {
  readonly context: GpuContext;
  readonly shaders: ShaderSourceLoader;
  readonly onProgress?: (message: string) => void;
}

const W_BOUNDS = { wMin: -2, wMax: 2 };
const FEEDBACK_BOUNDS = { wMin: -3, wMax: 3 };
const FEEDBACK_INITIAL_SD = 0.1;
const SAMPLE_MS = 50;
const ITI_S = 1;

/** Validate options and fill defaults. */
export function resolveBciOptions(given: Partial<BciOptions> = {}): BciOptions {
  const spiking = given.targetModel === 'spiking' ? { ...(given.dtMs === undefined ? { dtMs: SPIKING_DT_MS } : {}), ...(given.rateGrid === undefined ? { rateGrid: SPIKING_RATE_GRID } : {}) } : {};
  const o: BciOptions = { ...BCI_DEFAULTS, sweepSessions: given.sessions ?? BCI_DEFAULTS.sweepSessions, ...given, ...spiking };
  if (o.targetModel !== 'rate' && o.targetModel !== 'spiking') throw new RangeError(`bci: targetModel must be 'rate' or 'spiking' (got ${String(o.targetModel)})`);
  if (o.targetModel === 'spiking' && !(o.dtMs <= SPIKING_DT_MS)) throw new RangeError(`bci: spiking targets need dtMs ≤ ${SPIKING_DT_MS} ms (got ${o.dtMs}); bursts are spikes less than 16 ms apart`);
  const int = (name: keyof BciOptions, min: number): void => {
    const v = o[name] as number;
    if (!Number.isInteger(v) || v < min) throw new RangeError(`bci: ${name} must be an integer ≥ ${min} (got ${v})`);
  };
  int('excitatory', 2);
  int('inhibitory', 1);
  int('targetsPerGroup', 1);
  int('contextUnits', 1);
  int('trialsPerSession', 8);
  int('sessions', 1);
  int('sweepSessions', 1);
  int('seeds', 1);
  int('sweepSeeds', 1);
  int('rateSweepSessions', 1);
  if (2 * o.targetsPerGroup > o.excitatory) {
    throw new RangeError(`bci: E1 and E2 (${o.targetsPerGroup} each) do not fit in ${o.excitatory} excitatory neurons; lower targetsPerGroup or raise excitatory`);
  }
  for (const n of o.sweepTargets) {
    if (!Number.isInteger(n) || n < 2 || n % 2 !== 0 || n > o.excitatory) {
      throw new RangeError(`bci: sweepTargets entries must be even integers in [2, excitatory = ${o.excitatory}] (got ${n}): E1 and E2 take half each`);
    }
  }
  if (!(o.chanceHitRate > 0 && o.chanceHitRate < 1)) {
    throw new RangeError(`bci: chanceHitRate must lie strictly between 0 and 1 (got ${o.chanceHitRate}); a threshold that makes chance 0 % or 100 % cannot be learned against`);
  }
  if (!(o.criterion > o.chanceHitRate && o.criterion <= 1)) throw new RangeError(`bci: criterion must lie in (chanceHitRate, 1] (got ${o.criterion})`);
  if (!(o.dtMs > 0) || o.trialMs < 10 * o.dtMs || o.teachingMs < 2 * o.dtMs) throw new RangeError(`bci: need dtMs > 0, trialMs ≥ 10 steps and teachingMs ≥ 2 steps (got ${o.dtMs}, ${o.trialMs}, ${o.teachingMs})`);
  const nonNegative = (name: string, v: number): void => {
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`bci: ${name} must be a finite number ≥ 0 (got ${v})`);
  };
  nonNegative('decoderNoise', o.decoderNoise);
  o.decoderNoiseSweep.forEach((v) => nonNegative('decoderNoiseSweep entries', v));
  nonNegative('feedbackLearningRate', o.feedbackLearningRate);
  if (o.learningRates !== null) {
    nonNegative('learningRates.dendritic', o.learningRates.dendritic);
    nonNegative('learningRates.neuromodulatory', o.learningRates.neuromodulatory);
  } else {
    for (const route of ['dendritic', 'neuromodulatory'] as const) {
      if (o.rateGrid[route].length === 0) throw new RangeError(`bci: rateGrid.${route} is empty; give at least one learning rate to sweep (or fixed learningRates)`);
      o.rateGrid[route].forEach((v) => nonNegative(`rateGrid.${route} entries`, v));
    }
    o.conditionScales.forEach((v) => { if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`bci: conditionScales entries must be finite numbers > 0 (got ${v})`); });
  }
  if (o.conditions.length === 0 || o.conditions.some((c) => !['vectorized', 'scalar', 'blocked'].includes(c))) {
    throw new RangeError(`bci: conditions must list some of vectorized, scalar, blocked (got ${o.conditions.join(', ') || 'none'})`);
  }
  return o;
}

/** Check explicit target groups: disjoint, inside the excitatory population. */
export function checkTargetGroups(e1: readonly number[], e2: readonly number[], excitatory: number): void {
  const all = [...e1, ...e2];
  const bad = all.find((i) => !Number.isInteger(i) || i < 0 || i >= excitatory);
  if (bad !== undefined) throw new RangeError(`bci: target neuron ${bad} is not an excitatory neuron (0 … ${excitatory - 1})`);
  const overlap = e1.filter((i) => e2.includes(i));
  if (overlap.length > 0) throw new RangeError(`bci: E1 and E2 overlap in neurons ${overlap.join(', ')}; a neuron cannot both raise and lower the cursor`);
  if (new Set(e1).size !== e1.length || new Set(e2).size !== e2.length) throw new RangeError('bci: a target group lists a neuron twice');
}

/** The network: pyramidal (E, two-compartment), inhibitory (I), context (X) and outcome (O) populations. */
export function bciNetwork(o: BciOptions, seed: number = o.seed): NetworkSpec {
  return {
    name: 'bci_cortex',
    dt_ms: o.dtMs,
    seed,
    batch: o.trialsPerSession,
    populations: [
      {
        name: 'E', size: o.excitatory, model: 'two_compartment_rate',
        params: { tau_soma_ms: 20, tau_apical_ms: 30, coupling: 0.2, backprop: 0.1, plateau_threshold: 1, plateau_slope: 0.25, plateau_gain: 0.5, transfer: 'threshold_linear', noise_std: 1.2, calcium_tau_ms: 100, readout_noise: 0.02 },
        initial: { v_soma: 1 },
      },
      { name: 'I', size: o.inhibitory, model: 'rate', params: { tau_ms: 10, transfer: 'threshold_linear', noise_std: 0.5 } },
      { name: 'X', size: o.contextUnits, model: 'rate', params: { tau_ms: 20, transfer: 'threshold_linear', noise_std: 1 } },
      // The outcome unit: silent during the trial, the trial's error during the outcome period.
      { name: 'O', size: 1, model: 'rate', params: { tau_ms: 10, transfer: 'linear', noise_std: 0 } },
    ],
    projections: [
      { name: 'EE', source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: 20, autapses: false }, weight: 0.01, delay_ms: o.dtMs },
      { name: 'EI', source: 'E', target: 'I', connector: { type: 'fixed_indegree', indegree: 20 }, weight: 0.02, delay_ms: o.dtMs },
      { name: 'IE', source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 0.02, delay_ms: o.dtMs, receptor: 'inhibitory' },
      { name: 'II', source: 'I', target: 'I', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 0.02, delay_ms: o.dtMs, receptor: 'inhibitory' },
      // Plastic context → pyramidal weights (dense; only target rows are non-zero).
      { name: 'context', source: 'X', target: 'E', connector: { type: 'all_to_all' }, weight: 0, delay_ms: o.dtMs },
      // Learned feedback: outcome → apical dendrites of the targets (dense; only target rows are non-zero).
      { name: 'feedback', source: 'O', target: 'E', connector: { type: 'all_to_all' }, weight: 0, delay_ms: o.dtMs, compartment: 'apical' },
    ],
    inputs: [
      { type: 'dc', target: 'E', amplitude: 1 },
      { type: 'dc', target: 'I', amplitude: 0.5 },
      // Two-sided: a weaker tonic drive plus the cue (input CUE_INPUT); one-sided: tonic drive only.
      { type: 'dc', target: 'X', amplitude: o.twoSided ? 0.5 : 1 },
      { type: 'trial_current', target: 'O' },
      { type: 'trial_current', target: 'X' },
    ],
    recorders: [],
  };
}

/** Index of the outcome unit's trial_current input in {@link bciNetwork}. */
const OUTCOME_INPUT = 3;
/** Index of the context units' cue input (per unit and trial). */
const CUE_INPUT = 4;

/**
 * The required direction of each trial of the block starting at `trialOffset` (+1 up: E1 above
 * E2; −1 down), drawn from the network's seed; all +1 in the one-sided task.
 */
export function trialDirections(o: BciOptions, seed: number, trialOffset: number): Float64Array {
  if (!o.twoSided) return new Float64Array(o.trialsPerSession).fill(1);
  const rng = new RandomStream(seed, 0x4449_0000 + trialOffset);
  return Float64Array.from({ length: o.trialsPerSession }, () => (rng.uniformInt(2) === 0 ? 1 : -1));
}

/** Cue current of the context units, [unit · batch + trial]: the first half +1 on up trials, the second half +1 on down trials (zeros one-sided). */
export function cueValues(o: BciOptions, direction: ArrayLike<number>): Float32Array {
  const B = o.trialsPerSession;
  const out = new Float32Array(o.contextUnits * B);
  if (!o.twoSided) return out;
  const half = Math.floor(o.contextUnits / 2);
  for (let j = 0; j < o.contextUnits; j++) for (let b = 0; b < B; b++) out[j * B + b] = (j < half) === (direction[b]! > 0) ? 1 : 0;
  return out;
}

/** What a session reads from the targets at the end of the trial period. */
export interface TrialReadout {
  /** Decoded rate of each target per sample (rate units), `values[(s·batch + b)·nT + k]`, sampled at `timesMs`. */
  readonly samples: { readonly timesMs: ArrayLike<number>; readonly values: ArrayLike<number> };
  /** Mean rate per target and trial over the trial, [target][trial]. */
  readonly rate: Float64Array;
  /** Mean somatic potential per target and trial (rate targets; null for spiking ones). */
  readonly vSoma: Float64Array | null;
  /** Mean context rate per unit and trial, [unit][trial]. */
  readonly context: Float64Array;
  /** Spiking targets: burst and event counters at the end of the trial (flat `neuron·batch + trial`). */
  readonly counters?: { readonly bursts: Float32Array; readonly events: Float32Array };
}

/** What a session reads at the end of the outcome period. */
export interface OutcomeReadout {
  /** Decoded rates over the whole session (as {@link TrialReadout.samples}). */
  readonly samples: { readonly timesMs: ArrayLike<number>; readonly values: ArrayLike<number> };
  /** Somatic and dendritic ΔF/F over the outcome period, [target][trial] (observables only). */
  readonly dffSoma: Float64Array;
  readonly dffApical: Float64Array;
  /** Teaching signal of the dendritic route, [target][trial]: rate, apical depolarisation; spiking, B − P̄·E. */
  readonly apicalSignal: Float64Array;
  /** Spiking targets: bursts and events in the outcome period, [target][trial] (null for rate targets). */
  readonly bursts: Float64Array | null;
  readonly events: Float64Array | null;
  /** ΔF/F recordings of the session (for the traces). */
  readonly dffSomaRec: StateRecording;
  readonly dffApicalRec: StateRecording;
}

/**
 * Everything that differs between rate and spiking targets, in one place ({@link RATE_TARGETS},
 * `SPIKING_TARGETS` in `bci-spiking.ts`): the network, how weights reach it, how a session's
 * rates, apical teaching signal and ΔF/F are read, and the postsynaptic gain of the basal rule.
 */
export interface BciTargetModelImpl {
  readonly name: BciTargetModel;
  readonly modellingChoices: readonly string[];
  /** Size of the population the targets are chosen from. */
  populationSize(o: BciOptions, nTargets: number): number;
  /** What the simulated network holds, in words (for figure footers and summaries), e.g. "2500 rate units". */
  networkSummary(o: BciOptions): string;
  /** Build the simulator for the run's basal weights and the given feedback weights (in `targets` order). */
  build(o: BciOptions, env: BciEnvironment, run: Pick<Run, 'seed' | 'targets' | 'weights'>, feedback: ArrayLike<number>): Promise<GpuSimulator>;
  /** Put the host basal weights into the network (or leave them for the next build). */
  pushWeights(run: Run, o: BciOptions): void;
  /** Start a session's trial block with the feedback weights the condition expresses (null: calibration, none). */
  beginSession(run: Run, o: BciOptions, teaching: Teaching | null): Promise<void>;
  /** Indices of the context cue and the outcome trial_current inputs. */
  readonly cueInput: number;
  readonly outcomeInput: number;
  /** Values of the outcome input for the signed error of each trial. */
  outcomeValues(o: BciOptions, signed: ArrayLike<number>): Float32Array;
  readTrial(run: Run, o: BciOptions): Promise<TrialReadout>;
  readOutcome(run: Run, o: BciOptions, trial: TrialReadout): Promise<OutcomeReadout>;
  /** Postsynaptic gain of the dendritic route per target and trial. */
  dendriticGain(data: SessionData): Float32Array;
}

/** The target model of the options. */
export function targetModelOf(o: BciOptions): BciTargetModelImpl {
  return o.targetModel === 'spiking' ? SPIKING_TARGETS : RATE_TARGETS;
}

/** A network with its target groups and the host copies of the plastic weights. */
export interface Run {
  /** The simulator (spiking targets: rebuilt with the current weights before each session). */
  sim: GpuSimulator;
  /** What the target model changes (network, readouts, basal gain). */
  readonly model: BciTargetModelImpl;
  readonly env: BciEnvironment;
  readonly seed: number;
  readonly e1: number[];
  readonly e2: number[];
  /** All target neurons in ascending order (the recorders' order). */
  readonly targets: number[];
  /** Causal role of each target, in `targets` order: +1 for E1, −1 for E2 (used by the cursor and by the analysis, never by learning). */
  readonly role: number[];
  /** Basal weights of the targets (targets × context), and their initial values. */
  readonly weights: Float32Array;
  readonly initialWeights: Float32Array;
  /** Learned feedback weight of each target (outcome → apical), and the initial values. */
  readonly feedback: Float32Array;
  readonly initialFeedback: Float32Array;
}

/**
 * Per-trial traces of a session, sampled every 50 ms over trial and outcome period; value of
 * trial b at sample s is at `s·batch + b`.
 */
export interface SessionTraces {
  readonly timesMs: readonly number[];
  /** Cursor (mean E1 rate − mean E2 rate + decoder offset). */
  readonly cursor: Float64Array;
  /** Group means of somatic and apical ΔF/F. */
  readonly e1Soma: Float64Array;
  readonly e2Soma: Float64Array;
  readonly e1Dendrite: Float64Array;
  readonly e2Dendrite: Float64Array;
}

/** Session data read back from the GPU. */
export interface SessionData {
  /** Required direction per trial (+1 up, −1 down; all +1 one-sided). */
  readonly direction: Float64Array;
  /** Peak of the cursor in the required direction (direction × cursor) per trial and the time of the first threshold crossing (ms, or null). */
  readonly peak: Float64Array;
  readonly hitMs: (number | null)[];
  /** The error magnitude per trial (0 on hits); zeros without a threshold. The outcome unit carries direction × error. */
  readonly error: Float64Array;
  /** Mean rate per target neuron and trial during the trial, [target][trial]. */
  readonly rate: Float64Array;
  /** Mean somatic potential (for φ'; null for spiking targets) and context rate per trial. */
  readonly vSoma: Float64Array | null;
  readonly context: Float64Array;
  /** ΔF/F of soma and apical dendrite of each target during the outcome period, [target][trial]. */
  readonly dffSoma: Float64Array;
  readonly dffApical: Float64Array;
  /** Teaching signal of the dendritic route, [target][trial]: rate targets, the apical potential during the outcome period minus before it; spiking targets, B − P̄·E. */
  readonly apicalSignal: Float64Array;
  /** Spiking targets: bursts and events per target in the outcome period, [target][trial] (null for rate targets). */
  readonly bursts: Float64Array | null;
  readonly events: Float64Array | null;
  readonly traces: SessionTraces;
}

/** Group-mean traces of every trial from a session's decoded rates and ΔF/F recordings (ΔF/F at the last sample not after each rate sample). */
function sessionTraces(outcome: OutcomeReadout, run: Run, batch: number, decoderOffset: Float64Array): SessionTraces {
  const rate = outcome.samples;
  const samples = rate.timesMs.length;
  const nT = run.targets.length;
  const sampleAt = (rec: StateRecording): number[] => {
    const index: number[] = [];
    let j = 0;
    for (let s = 0; s < samples; s++) {
      while (j + 1 < rec.timesMs.length && rec.timesMs[j + 1]! <= rate.timesMs[s]!) j++;
      index.push(j);
    }
    return index;
  };
  const at = { soma: sampleAt(outcome.dffSomaRec), apical: sampleAt(outcome.dffApicalRec) };
  const groupMean = (rec: { readonly values: ArrayLike<number> }, s: number, b: number, role: number): number => {
    let sum = 0;
    let count = 0;
    for (let k = 0; k < nT; k++) {
      if (run.role[k] !== role) continue;
      sum += rec.values[(s * batch + b) * nT + k]!;
      count++;
    }
    return sum / Math.max(1, count);
  };
  const out = { cursor: new Float64Array(samples * batch), e1Soma: new Float64Array(samples * batch), e2Soma: new Float64Array(samples * batch), e1Dendrite: new Float64Array(samples * batch), e2Dendrite: new Float64Array(samples * batch) };
  for (let s = 0; s < samples; s++) {
    for (let b = 0; b < batch; b++) {
      const i = s * batch + b;
      out.cursor[i] = groupMean(rate, s, b, 1) - groupMean(rate, s, b, -1) + decoderOffset[b]!;
      out.e1Soma[i] = groupMean(outcome.dffSomaRec, at.soma[s]!, b, 1);
      out.e2Soma[i] = groupMean(outcome.dffSomaRec, at.soma[s]!, b, -1);
      out.e1Dendrite[i] = groupMean(outcome.dffApicalRec, at.apical[s]!, b, 1);
      out.e2Dendrite[i] = groupMean(outcome.dffApicalRec, at.apical[s]!, b, -1);
    }
  }
  return { timesMs: Array.from(rate.timesMs), ...out };
}

/**
 * Set up one network (built from `seed`) with given target groups and recorders; initial basal
 * and feedback weights are small and random, drawn from the seed (independent of the roles).
 */
export async function createRun(o: BciOptions, env: BciEnvironment, e1: number[], e2: number[], seed: number = o.seed): Promise<Run> {
  const model = targetModelOf(o);
  checkTargetGroups(e1, e2, model.populationSize(o, e1.length + e2.length));
  // Recorders list neurons in ascending order; keep that order and remember each one's group.
  const targets = [...e1, ...e2].sort((a, b) => a - b);
  const role = targets.map((n) => (e1.includes(n) ? 1 : -1));
  const rng = new RandomStream(seed, 0x424349);
  const initialWeights = Float32Array.from({ length: targets.length * o.contextUnits }, () => 0.02 * rng.normal());
  const initialFeedback = Float32Array.from({ length: targets.length }, () => FEEDBACK_INITIAL_SD * rng.normal());
  const weights = Float32Array.from(initialWeights);
  const sim = await model.build(o, env, { seed, targets, weights }, new Float32Array(targets.length));
  const run: Run = { sim, model, env, seed, e1, e2, targets, role, weights, initialWeights, feedback: Float32Array.from(initialFeedback), initialFeedback };
  run.model.pushWeights(run, o);
  return run;
}

/** The rate network with its recorders (targets' r, v_soma, v_apical, dff_soma, dff_apical; context r). */
async function buildRateNetwork(o: BciOptions, env: BciEnvironment, run: Pick<Run, 'seed' | 'targets'>): Promise<GpuSimulator> {
  const targets = run.targets;
  const spec = bciNetwork(o, run.seed);
  const every = SAMPLE_MS;
  const withRecorders: NetworkSpec = {
    ...spec,
    recorders: [
      { type: 'state', population: 'E', variable: 'r', neurons: targets, every_ms: every },
      { type: 'state', population: 'E', variable: 'v_soma', neurons: targets, every_ms: every },
      { type: 'state', population: 'E', variable: 'v_apical', neurons: targets, every_ms: every },
      { type: 'state', population: 'E', variable: 'dff_soma', neurons: targets, every_ms: every },
      { type: 'state', population: 'E', variable: 'dff_apical', neurons: targets, every_ms: every },
      { type: 'state', population: 'X', variable: 'r', neurons: 'all', every_ms: every },
    ],
  };
  return GpuSimulator.create(withRecorders, { context: env.context, shaders: env.shaders });
}

/** Back to the initial weights for a new condition; a scalar condition starts from one shared feedback weight (the mean). */
export function resetPlasticity(run: Run, o: BciOptions, teaching: Teaching): void {
  run.weights.set(run.initialWeights);
  run.feedback.set(run.initialFeedback);
  if (teaching === 'scalar') run.feedback.fill(mean(run.initialFeedback));
  run.model.pushWeights(run, o);
}

function pushRateWeights(run: Run, o: BciOptions): void {
  const matrix = new Float32Array(o.excitatory * o.contextUnits);
  run.targets.forEach((neuron, k) => matrix.set(run.weights.subarray(k * o.contextUnits, (k + 1) * o.contextUnits), neuron * o.contextUnits));
  run.sim.setProjectionWeights('context', matrix);
}

/** Put the feedback weights the condition expresses into the rate network (blocked: none onto the targets). */
function pushRateFeedback(run: Run, o: BciOptions, teaching: Teaching | null): void {
  const matrix = new Float32Array(o.excitatory);
  if (teaching !== null && teaching !== 'blocked') run.targets.forEach((neuron, k) => (matrix[neuron] = run.feedback[k]!));
  run.sim.setProjectionWeights('feedback', matrix);
}

/** Rate targets: two-compartment rate units inside the E/I rate network (the default). */
export const RATE_TARGETS: BciTargetModelImpl = {
  name: 'rate',
  modellingChoices: [],
  populationSize: (o) => o.excitatory,
  networkSummary: (o) => `${o.excitatory + o.inhibitory} rate units`,
  build: (o, env, run) => buildRateNetwork(o, env, run),
  pushWeights: pushRateWeights,
  async beginSession(run, o, teaching) {
    await run.sim.resetTrials();
    run.sim.clearRecordings();
    pushRateFeedback(run, o, teaching);
  },
  cueInput: CUE_INPUT,
  outcomeInput: OUTCOME_INPUT,
  outcomeValues: (_o, signed) => Float32Array.from(signed),
  async readTrial(run, o) {
    const B = o.trialsPerSession;
    const recs = run.sim.recordings() as StateRecording[];
    return {
      samples: recs[0]!,
      rate: stateWindowMean(recs[0]!, B, SAMPLE_MS, o.trialMs),
      vSoma: stateWindowMean(recs[1]!, B, SAMPLE_MS, o.trialMs),
      context: stateWindowMean(recs[5]!, B, SAMPLE_MS, o.trialMs),
    };
  },
  async readOutcome(run, o) {
    const B = o.trialsPerSession;
    const all = run.sim.recordings() as StateRecording[];
    const end = o.trialMs + o.teachingMs;
    const apicalBefore = stateWindowMean(all[2]!, B, o.trialMs - 2 * SAMPLE_MS, o.trialMs);
    const apicalDuring = stateWindowMean(all[2]!, B, o.trialMs + SAMPLE_MS, end + 1);
    return {
      samples: all[0]!,
      dffSoma: stateWindowMean(all[3]!, B, o.trialMs + SAMPLE_MS, end + 1),
      dffApical: stateWindowMean(all[4]!, B, o.trialMs + SAMPLE_MS, end + 1),
      apicalSignal: apicalDuring.map((v, i) => v - apicalBefore[i]!),
      bursts: null,
      events: null,
      dffSomaRec: all[3]!,
      dffApicalRec: all[4]!,
    };
  },
  // φ' of the threshold-linear soma: 1 above threshold; a small floor below, so that a silenced
  // neuron can still be taught back (a surrogate gain, as in Sacramento-style models).
  dendriticGain: (data) => Float32Array.from(data.vSoma ?? [], (v) => (v > 0 ? 1 : 0.1)),
};

/**
 * Run one session: the trials, then the outcome period in which the outcome unit carries each
 * trial's error (zero while calibrating, `threshold` null) and reaches the targets' apical
 * dendrites through the feedback weights the condition expresses.
 */
export async function session(run: Run, o: BciOptions, task: CursorTask | null, teaching: Teaching | null, decoderNoise: number = o.decoderNoise): Promise<SessionData> {
  const threshold = task?.threshold ?? null;
  const model = run.model;
  const B = o.trialsPerSession;
  await model.beginSession(run, o, teaching);
  const sim = run.sim;
  const direction = trialDirections(o, run.seed, sim.trialOffset);
  sim.setInput(model.cueInput, { values: cueValues(o, direction) });
  sim.setInput(model.outcomeInput, { values: model.outcomeValues(o, new Float64Array(B)) });
  await sim.run(o.trialMs);
  const trial = await model.readTrial(run, o);
  const rateRec = trial.samples;
  const nT = run.targets.length;
  const nE1 = run.e1.length;
  const nE2 = run.e2.length;
  const peak = new Float64Array(B).fill(-Infinity);
  const hitMs: (number | null)[] = new Array<number | null>(B).fill(null);
  const decoderRng = new RandomStream(run.seed, 0x4445_0000 + sim.trialOffset);
  const decoderOffset = Float64Array.from({ length: B }, () => decoderNoise * decoderRng.normal());
  for (let s = 0; s < rateRec.timesMs.length; s++) {
    const t = rateRec.timesMs[s]!;
    if (t < SAMPLE_MS) continue; // skip the initial transient sample
    for (let b = 0; b < B; b++) {
      const row = (s * B + b) * nT;
      let e1 = 0;
      let e2 = 0;
      for (let k = 0; k < nT; k++) {
        if (run.role[k]! > 0) e1 += rateRec.values[row + k]!;
        else e2 += rateRec.values[row + k]!;
      }
      const cursor = direction[b]! * (e1 / nE1 - e2 / nE2 + decoderOffset[b]!);
      if (cursor > peak[b]!) peak[b] = cursor;
      if (threshold !== null && hitMs[b] === null && cursor >= threshold) hitMs[b] = t;
    }
  }
  const { rate, vSoma, context } = trial;

  // Outcome period: the outcome unit carries the trial's signed error (the same signal in every condition).
  const error = new Float64Array(B);
  if (task !== null && teaching !== null) for (let b = 0; b < B; b++) error[b] = trialError(peak[b]!, task);
  sim.setInput(model.outcomeInput, { values: model.outcomeValues(o, Float64Array.from(error, (e, b) => direction[b]! * e)) });
  await sim.run(o.teachingMs);
  const outcome = await model.readOutcome(run, o, trial);
  const { dffSoma, dffApical, apicalSignal, bursts, events } = outcome;
  const traces = sessionTraces(outcome, run, B, decoderOffset);
  sim.clearRecordings();
  return { direction, peak, hitMs, error, rate, vSoma, context, dffSoma, dffApical, apicalSignal, bursts, events, traces };
}

/**
 * Calibrate the threshold on baseline sessions: the (1 − chance) quantile of the peak cursor,
 * from a normal fit (mean + Φ⁻¹(1 − chance)·SD), steadier than an empirical quantile of a few
 * dozen trials.
 */
export function calibrate(sessions: readonly SessionData[], chance: number): CursorTask {
  const peaks = sessions.flatMap((d) => Array.from(d.peak));
  const { mean: centre, se } = meanAndStandardError(peaks);
  const sd = se * Math.sqrt(peaks.length);
  if (!(sd > 0)) throw new RangeError('bci: the baseline cursor does not vary across trials, so no threshold gives a chance hit rate between 0 % and 100 %');
  return { threshold: centre + normalQuantile(1 - chance) * sd, spread: sd };
}

/**
 * Learn from one session on the GPU: the dendrite-gated and the neuromodulatory route on the
 * basal weights, then the feedback weights by the covariance of performance with each target's
 * rate (shared in the scalar condition). Nothing here reads the targets' roles.
 *
 * The reward prediction P̄ of the three-factor rule is this session's mean performance given the
 * cue (a critic that keeps up with learning). A lagging prediction — a running average over past
 * sessions, as in earlier versions — makes P − P̄ positive on almost every trial after an
 * improvement, and the rule then becomes Hebbian, ΔW ∝ cov(r, x̄): it reinforced whatever the
 * cue drove in E1 and E2 alike until rates ran away (a `--quick` network fell from 100 % to 40–50 %
 * hits).
 */
export async function learn(run: Run, plasticity: GpuPlasticity, o: BciOptions, data: SessionData, teaching: Teaching, rates: BciLearningRates): Promise<void> {
  const B = o.trialsPerSession;
  const nT = run.targets.length;
  const rate = Float32Array.from(data.rate);
  const meanRate = new Float32Array(nT);
  for (let k = 0; k < nT; k++) meanRate[k] = mean(data.rate.subarray(k * B, (k + 1) * B));
  // Broadcast reward-prediction error of each trial: P − P̄(cue), P = −error.
  const rpe = minusCueMean(Array.from(data.error, (e) => -e), data.direction);
  // The signed outcome the feedback synapse sees, −direction·error, minus its mean given the cue.
  const feedbackSignal = minusCueMean(Array.from(data.error, (e, b) => -data.direction[b]! * e), data.direction);
  const w = plasticity.createDenseWeights(nT, o.contextUnits, run.weights);
  let updated: Float32Array = run.weights;
  if (rates.dendritic > 0) {
    const gain = run.model.dendriticGain(data);
    updated = await plasticity.runDendriticGated(w, { apical: Float32Array.from(data.apicalSignal), gain, preTrace: Float32Array.from(data.context), batch: B }, { learningRate: rates.dendritic, ...W_BOUNDS });
  }
  if (rates.neuromodulatory > 0) {
    updated = await plasticity.runNodePerturbation(w, { reward: rpe, rate, meanRate, input: Float32Array.from(data.context), batch: B, rewardBaseline: 0 }, { learningRate: rates.neuromodulatory, ...W_BOUNDS });
  }
  plasticity.releaseWeights(w);
  run.weights.set(updated);
  run.model.pushWeights(run, o);

  // Feedback weights: ΔB_i = η_B·⟨(S − ⟨S | cue⟩)(r_i − ⟨r_i⟩)⟩, S = −direction·error (the covariance kernel with one source of activity 1).
  const fb = plasticity.createDenseWeights(nT, 1, run.feedback);
  const learned = await plasticity.runNodePerturbation(fb, { reward: feedbackSignal, rate, meanRate, input: new Float32Array(B).fill(1), batch: B, rewardBaseline: 0 }, { learningRate: o.feedbackLearningRate, ...FEEDBACK_BOUNDS });
  plasticity.releaseWeights(fb);
  if (teaching === 'scalar') {
    // One shared weight: the mean of the per-neuron changes.
    const shared = mean(Array.from(learned, (v, k) => v - run.feedback[k]!)) + run.feedback[0]!;
    run.feedback.fill(Math.max(FEEDBACK_BOUNDS.wMin, Math.min(FEEDBACK_BOUNDS.wMax, shared)));
  } else {
    run.feedback.set(learned);
  }
}

/** Per-trial values minus their mean over this session's trials with the same cue (direction). */
function minusCueMean(values: readonly number[], direction: ArrayLike<number>): Float32Array {
  const cueMean = (d: number): number => {
    const same = values.filter((_, b) => direction[b] === d);
    return same.length > 0 ? mean(same) : 0;
  };
  const up = cueMean(1);
  const down = cueMean(-1);
  return Float32Array.from(values, (v, b) => v - (direction[b]! > 0 ? up : down));
}

/** Pearson correlation (null when either side does not vary). */
export function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx > 1e-20 && syy > 1e-20 ? sxy / Math.sqrt(sxx * syy) : null;
}

/** Per-neuron linear fit of the apical from the somatic signal. */
export type ResidualFit = { intercept: number; slope: number }[];

/** Per-neuron linear prediction of the dendritic signal from the somatic one (baseline session). */
export function fitResiduals(data: SessionData, nT: number, B: number): ResidualFit {
  return Array.from({ length: nT }, (_, k) => linearFit(data.dffSoma.subarray(k * B, (k + 1) * B), data.dffApical.subarray(k * B, (k + 1) * B)));
}

/** Least-squares line y ≈ intercept + slope·x (slope 0 when x does not vary). */
export function linearFit(x: ArrayLike<number>, y: ArrayLike<number>): { intercept: number; slope: number } {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { intercept: my - slope * mx, slope };
}

/** Choose disjoint random target groups of the excitatory population (spiking targets: of the target population). */
export function chooseTargets(o: BciOptions, perGroup: number, salt: number, seed: number = o.seed): [number[], number[]] {
  const rng = new RandomStream(seed, 0x5441 + salt);
  const order = Array.from({ length: targetModelOf(o).populationSize(o, 2 * perGroup) }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.uniformInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return [order.slice(0, perGroup).sort((a, b) => a - b), order.slice(perGroup, 2 * perGroup).sort((a, b) => a - b)];
}

/** The baseline of a network: threshold, chance hit rate and residual fit. */
export interface Baseline {
  readonly task: CursorTask;
  readonly hitRate: number;
  readonly fit: ResidualFit;
}

/** Two sessions without teaching or learning calibrate the threshold and the residual fit. */
export async function runBaseline(run: Run, o: BciOptions, decoderNoise: number = o.decoderNoise): Promise<Baseline> {
  resetPlasticity(run, o, 'vectorized');
  const sessions = [await session(run, o, null, null, decoderNoise), await session(run, o, null, null, decoderNoise)];
  const task = calibrate(sessions, o.chanceHitRate);
  const peaks = sessions.flatMap((d) => Array.from(d.peak));
  const hitRate = peaks.filter((p) => p >= task.threshold).length / peaks.length;
  return { task, hitRate, fit: fitResiduals(sessions[0]!, run.targets.length, o.trialsPerSession) };
}

/** Train one condition on one network for `sessions` sessions (from the initial weights). */
export async function trainCondition(
  run: Run, plasticity: GpuPlasticity, o: BciOptions, base: Baseline, teaching: Teaching, rates: BciLearningRates, sessions: number,
  log: (m: string) => void, label: string, options: { stopAtCriterion?: boolean; decoderNoise?: number } = {},
): Promise<SeedConditionResult> {
  const B = o.trialsPerSession;
  const nT = run.targets.length;
  const threshold = base.task.threshold;
  resetPlasticity(run, o, teaching);
  const hitRate: number[] = [];
  const gratingDeg: number[] = [];
  const rewardsPerMin: number[] = [];
  const e1Activity: number[] = [];
  const e2Activity: number[] = [];
  const feedbackCorrelation: (number | null)[] = [];
  // Per neuron: sums and counts of residuals over rewarded and unrewarded trials.
  const residualSum = { rewarded: new Float64Array(nT), unrewarded: new Float64Array(nT) };
  const residualCount = { rewarded: new Float64Array(nT), unrewarded: new Float64Array(nT) };
  const lateSum = { rewarded: new Float64Array(nT), unrewarded: new Float64Array(nT) };
  const lateCount = { rewarded: new Float64Array(nT), unrewarded: new Float64Array(nT) };
  const lateFrom = Math.floor(sessions / 2);
  const perNeuronResidual: Float64Array[] = [];
  const perNeuronActivity: Float64Array[] = [];
  let reached: number | null = null;
  for (let s = 0; s < sessions; s++) {
    // The feedback weights in effect during this session's outcome period (learned from earlier sessions).
    feedbackCorrelation.push(teaching === 'scalar' ? null : correlation(run.feedback, run.role));
    const data = await session(run, o, base.task, teaching, options.decoderNoise ?? o.decoderNoise);
    const hits = data.hitMs.filter((h) => h !== null).length;
    const rate = hits / B;
    hitRate.push(rate);
    gratingDeg.push(mean(Array.from(data.peak, (c) => cursorToGratingDeg(c, threshold))));
    const timeS = data.hitMs.reduce((t: number, h) => t + (h !== null ? h : o.trialMs) / 1000 + ITI_S, 0);
    rewardsPerMin.push((hits / timeS) * 60);
    const neuronResidual = new Float64Array(nT);
    const neuronActivity = new Float64Array(nT);
    for (let k = 0; k < nT; k++) {
      const fit = base.fit[k]!;
      for (let b = 0; b < B; b++) {
        // Signed by the trial's required direction (unchanged in the one-sided task).
        const residual = data.direction[b]! * (data.dffApical[k * B + b]! - (fit.intercept + fit.slope * data.dffSoma[k * B + b]!));
        const outcome = data.hitMs[b] !== null ? 'rewarded' : 'unrewarded';
        residualSum[outcome][k]! += residual;
        residualCount[outcome][k]!++;
        if (s >= lateFrom) {
          lateSum[outcome][k]! += residual;
          lateCount[outcome][k]!++;
        }
        neuronResidual[k]! += residual / B;
      }
      // Rate signed by the required direction: E1 should rise on up and fall on down trials.
      neuronActivity[k] = mean(Array.from(data.rate.subarray(k * B, (k + 1) * B), (r, b) => data.direction[b]! * r));
    }
    e1Activity.push(mean(Array.from(neuronActivity).filter((_, k) => run.role[k]! > 0)));
    e2Activity.push(mean(Array.from(neuronActivity).filter((_, k) => run.role[k]! < 0)));
    perNeuronResidual.push(neuronResidual);
    perNeuronActivity.push(neuronActivity);
    if (reached === null && rate >= o.criterion) reached = s + 1;
    await learn(run, plasticity, o, data, teaching, rates);
    const c = feedbackCorrelation[s];
    log(`${label} session ${s + 1}/${sessions}: hit rate ${(rate * 100).toFixed(0)} %, E1 ${e1Activity[s]!.toFixed(3)}, E2 ${e2Activity[s]!.toFixed(3)}${c !== null && c !== undefined ? `, feedback–role r ${c.toFixed(2)}` : ''}`);
    if (options.stopAtCriterion && reached !== null) break;
  }
  // Residual in session s vs the sign of the somatic change from s to s + 1, per neuron.
  let agree = 0;
  let pairs = 0;
  for (let s = 0; s + 1 < perNeuronActivity.length; s++) {
    for (let k = 0; k < nT; k++) {
      const change = perNeuronActivity[s + 1]![k]! - perNeuronActivity[s]![k]!;
      const residual = perNeuronResidual[s]![k]!;
      if (change === 0 || residual === 0) continue;
      pairs++;
      if (Math.sign(change) === Math.sign(residual)) agree++;
    }
  }
  const groupResidual = (role: number, outcome: 'rewarded' | 'unrewarded', sum = residualSum, count = residualCount): number | null => {
    const values: number[] = [];
    for (let k = 0; k < nT; k++) if (run.role[k] === role && count[outcome][k]! > 0) values.push(sum[outcome][k]! / count[outcome][k]!);
    return values.length > 0 ? mean(values) : null;
  };
  return {
    seed: run.seed,
    threshold,
    hit_rate: hitRate,
    grating_angle_deg: gratingDeg,
    rewards_per_min: rewardsPerMin,
    e1_activity: e1Activity,
    e2_activity: e2Activity,
    feedback_role_correlation: feedbackCorrelation,
    feedback_weights: Array.from(run.feedback),
    roles: [...run.role],
    dendritic_residual: {
      E1: { rewarded: groupResidual(1, 'rewarded'), unrewarded: groupResidual(1, 'unrewarded') },
      E2: { rewarded: groupResidual(-1, 'rewarded'), unrewarded: groupResidual(-1, 'unrewarded') },
    },
    dendritic_residual_late: {
      E1: { rewarded: groupResidual(1, 'rewarded', lateSum, lateCount), unrewarded: groupResidual(1, 'unrewarded', lateSum, lateCount) },
      E2: { rewarded: groupResidual(-1, 'rewarded', lateSum, lateCount), unrewarded: groupResidual(-1, 'unrewarded', lateSum, lateCount) },
    },
    residual_predicts_change: pairs > 0 ? agree / pairs : null,
    sessions_to_criterion: reached,
  };
}

/** Mean and SE across networks of values that may be missing. */
export function seedStatistic(values: readonly (number | null)[]): SeedStatistic {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const { mean: m, se } = meanAndStandardError(present);
  return { mean: present.length > 0 ? m : NaN, se, n: present.length, per_seed: [...values] };
}

/** Per-session mean and SE across networks. */
function sessionStatistic(perSeed: readonly (readonly (number | null)[])[]): { mean: (number | null)[]; se: (number | null)[] } {
  const sessions = Math.max(0, ...perSeed.map((s) => s.length));
  const out = { mean: [] as (number | null)[], se: [] as (number | null)[] };
  for (let s = 0; s < sessions; s++) {
    const stat = seedStatistic(perSeed.map((series) => series[s] ?? null));
    out.mean.push(stat.n > 0 ? stat.mean : null);
    out.se.push(stat.n > 0 ? stat.se : null);
  }
  return out;
}

/** Summarise one condition across networks. */
export function summarizeCondition(perSeed: SeedConditionResult[]): ConditionResult {
  const numbers = (series: (number | null)[]): number[] => series.map((v) => v ?? NaN);
  const hit = sessionStatistic(perSeed.map((r) => r.hit_rate));
  const e1 = sessionStatistic(perSeed.map((r) => r.e1_activity));
  const e2 = sessionStatistic(perSeed.map((r) => r.e2_activity));
  const corr = sessionStatistic(perSeed.map((r) => r.feedback_role_correlation));
  const residual = (group: 'E1' | 'E2', outcome: 'rewarded' | 'unrewarded', late = false): SeedStatistic => seedStatistic(perSeed.map((r) => (late ? r.dendritic_residual_late : r.dendritic_residual)[group][outcome]));
  return {
    hit_rate_mean: numbers(hit.mean),
    hit_rate_se: numbers(hit.se),
    grating_angle_deg_mean: numbers(sessionStatistic(perSeed.map((r) => r.grating_angle_deg)).mean),
    rewards_per_min_mean: numbers(sessionStatistic(perSeed.map((r) => r.rewards_per_min)).mean),
    e1_activity_mean: numbers(e1.mean),
    e1_activity_se: numbers(e1.se),
    e2_activity_mean: numbers(e2.mean),
    e2_activity_se: numbers(e2.se),
    feedback_role_correlation: corr.mean,
    feedback_role_correlation_se: corr.se,
    dendritic_residual: {
      E1: { rewarded: residual('E1', 'rewarded'), unrewarded: residual('E1', 'unrewarded') },
      E2: { rewarded: residual('E2', 'rewarded'), unrewarded: residual('E2', 'unrewarded') },
    },
    dendritic_residual_late: {
      E1: { rewarded: residual('E1', 'rewarded', true), unrewarded: residual('E1', 'unrewarded', true) },
      E2: { rewarded: residual('E2', 'rewarded', true), unrewarded: residual('E2', 'unrewarded', true) },
    },
    residual_e1_minus_e2_unrewarded: seedStatistic(perSeed.map((r) => {
      const e1 = r.dendritic_residual.E1.unrewarded;
      const e2 = r.dendritic_residual.E2.unrewarded;
      return e1 !== null && e2 !== null ? e1 - e2 : null;
    })),
    residual_predicts_change: seedStatistic(perSeed.map((r) => r.residual_predicts_change)),
    per_seed: perSeed,
  };
}

/** A built network with its baseline, reused by every condition run on it. */
interface Prepared {
  readonly run: Run;
  readonly base: Baseline;
}

async function prepare(o: BciOptions, env: BciEnvironment, seed: number, perGroup: number, decoderNoise: number = o.decoderNoise): Promise<Prepared> {
  const [e1, e2] = chooseTargets(o, perGroup, perGroup, seed);
  const run = await createRun(o, env, e1, e2, seed);
  return { run, base: await runBaseline(run, o, decoderNoise) };
}

/**
 * State, from the numbers, whether each target effect of the issue emerged: a difference counts
 * when it exceeds twice its standard error across networks (a hit-rate gap also needs ≥ 10 points;
 * the feedback–role correlation needs a mean above 0.5).
 */
export function bciEffects(r: Pick<BciResults, 'vectorized' | 'scalar' | 'blocked' | 'options'>): BciEffect[] {
  const effects: BciEffect[] = [];
  const v = r.vectorized;
  const fmt = (m: number | null | undefined, se: number | null | undefined): string => (m === null || m === undefined || !Number.isFinite(m) ? 'n/a' : `${m.toFixed(2)} ± ${(se ?? 0).toFixed(2)}`);
  if (v) {
    const last = v.hit_rate_mean.length - 1;
    const c0 = v.feedback_role_correlation[0];
    const cEnd = v.feedback_role_correlation[last];
    const cEndSe = v.feedback_role_correlation_se[last];
    effects.push({
      effect: 'feedback–role correlation rises from ~0 to clearly positive (vectorized)',
      emerged: cEnd !== null && cEnd !== undefined && cEndSe !== null && cEndSe !== undefined && cEnd > 0.5 && cEnd - 2 * cEndSe > 0,
      measured: `session 1 ${fmt(c0, v.feedback_role_correlation_se[0])}, session ${last + 1} ${fmt(cEnd, cEndSe)} (mean ± SE across networks)`,
    });
    effects.push({
      effect: `vectorized hit rate ≥ ${Math.round(r.options.criterion * 100)} % at the end`,
      emerged: v.hit_rate_mean[last]! >= r.options.criterion,
      measured: `session 1 ${fmt(v.hit_rate_mean[0], v.hit_rate_se[0])}, session ${last + 1} ${fmt(v.hit_rate_mean[last], v.hit_rate_se[last])}`,
    });
    const d = v.dendritic_residual;
    const opposite = (a: SeedStatistic, b: SeedStatistic): boolean => Math.sign(a.mean) === -Math.sign(b.mean) && Math.abs(a.mean) > 2 * a.se && Math.abs(b.mean) > 2 * b.se;
    effects.push({
      effect: 'dendritic residuals of opposite sign in E1 and E2 under vectorized teaching (unrewarded trials)',
      emerged: opposite(d.E1.unrewarded, d.E2.unrewarded),
      measured: `E1 − E2 (unrewarded, per network) ${fmt(v.residual_e1_minus_e2_unrewarded.mean, v.residual_e1_minus_e2_unrewarded.se)}; all sessions: unrewarded E1 ${fmt(d.E1.unrewarded.mean, d.E1.unrewarded.se)}, E2 ${fmt(d.E2.unrewarded.mean, d.E2.unrewarded.se)}; rewarded E1 ${fmt(d.E1.rewarded.mean, d.E1.rewarded.se)}, E2 ${fmt(d.E2.rewarded.mean, d.E2.rewarded.se)}; second half, unrewarded: E1 ${fmt(v.dendritic_residual_late.E1.unrewarded.mean, v.dendritic_residual_late.E1.unrewarded.se)}, E2 ${fmt(v.dendritic_residual_late.E2.unrewarded.mean, v.dendritic_residual_late.E2.unrewarded.se)}`,
    });
  }
  // Paired across networks: every condition runs on the same networks.
  const pairedGap = (a: ConditionResult, b: ConditionResult): { mean: number; se: number } => {
    const gaps = a.per_seed.map((ra, i) => mean(ra.hit_rate.slice(-2)) - mean(b.per_seed[i]!.hit_rate.slice(-2)));
    return meanAndStandardError(gaps);
  };
  for (const other of ['blocked', 'scalar'] as const) {
    const c = r[other];
    if (!v || !c) continue;
    const gap = pairedGap(v, c);
    effects.push({
      effect: `${other} below vectorized (hit rate of the last two sessions, paired by network; counts from 10 points and 2 SE)`,
      emerged: gap.mean > 2 * gap.se && gap.mean >= 0.1,
      measured: `vectorized − ${other} = ${gap.mean.toFixed(3)} ± ${gap.se.toFixed(3)}`,
    });
  }
  return effects;
}

/** Score of a sweep run: mean hit rate over its sessions after the first (nothing is learned before session 1 ends). */
function sweepScore(r: SeedConditionResult): number {
  return mean(r.hit_rate.length > 1 ? r.hit_rate.slice(1) : r.hit_rate);
}

/** The smallest setting whose score is within 0.02 of the best (a tie goes to the gentler step). */
function gentlestBest(settings: readonly number[], scores: readonly number[]): number {
  const top = Math.max(...scores);
  return Math.min(...settings.filter((_, i) => scores[i]! >= top - 0.02));
}

/**
 * Run the whole protocol: the learning-rate sweep of each route (unless rates are given), then
 * every condition on `seeds` independently built networks (the same networks for all
 * conditions), the decoder-noise sweep and the sessions-to-criterion sweep over group sizes.
 * @throws RangeError for invalid settings (naming the setting)
 */
export async function runBciExperiment(given: Partial<BciOptions>, env: BciEnvironment): Promise<BciResults> {
  const o = resolveBciOptions(given);
  const started = performance.now();
  const log = env.onProgress ?? (() => undefined);
  const plasticity = await GpuPlasticity.create(env.context, env.shaders);
  const sweepSeeds = Array.from({ length: o.sweepSeeds }, (_, k) => o.seed + 1000 + k);
  const seeds = Array.from({ length: o.seeds }, (_, k) => o.seed + k);

  // 1. Learning rates: each route alone, swept on networks not used for the reported runs.
  let rates: BciLearningRates;
  let rateSweep: BciResults['learning_rate_sweep'] = null;
  let sweepNetworks: Prepared[] = [];
  /** One sweep point: a condition trained for the sweep's sessions on every sweep network (in order). */
  const onSweepNetworks = async (teaching: Teaching, pointRates: BciLearningRates): Promise<SeedConditionResult[]> => {
    const runs: SeedConditionResult[] = [];
    for (const p of sweepNetworks) runs.push(await trainCondition(p.run, plasticity, o, p.base, teaching, pointRates, o.rateSweepSessions, () => undefined, ''));
    return runs;
  };
  if (o.learningRates !== null) {
    rates = o.learningRates;
  } else {
    sweepNetworks = [];
    for (const seed of sweepSeeds) sweepNetworks.push(await prepare(o, env, seed, o.targetsPerGroup));
    const sweepRoute = async (route: keyof BciLearningRates): Promise<RateSweepPoint[]> => {
      const points: RateSweepPoint[] = [];
      for (const rate of o.rateGrid[route]) {
        const routeRates: BciLearningRates = { dendritic: route === 'dendritic' ? rate : 0, neuromodulatory: route === 'neuromodulatory' ? rate : 0 };
        const runs = await onSweepNetworks('vectorized', routeRates);
        const scores = runs.map(sweepScore);
        const finals = runs.map((r) => r.hit_rate[r.hit_rate.length - 1]!);
        const s = meanAndStandardError(scores);
        points.push({ rate, score_mean: s.mean, score_se: scores.length > 1 ? s.se : null, final_hit_rate_mean: mean(finals) });
        log(`learning-rate sweep, ${route} route alone, η = ${rate}: mean hit rate ${(s.mean * 100).toFixed(0)} % over sessions 2–${o.rateSweepSessions}`);
      }
      return points;
    };
    const dendritic = await sweepRoute('dendritic');
    const neuromodulatory = await sweepRoute('neuromodulatory');
    const best = (points: RateSweepPoint[]): number => gentlestBest(points.map((p) => p.rate), points.map((p) => p.score_mean));
    rates = { dendritic: best(dendritic), neuromodulatory: best(neuromodulatory) };
    const edge = (points: RateSweepPoint[], rate: number): boolean => points.length > 1 && (rate === points[0]!.rate || rate === points[points.length - 1]!.rate);
    rateSweep = { dendritic, neuromodulatory, sessions: o.rateSweepSessions, best_at_grid_edge: { dendritic: edge(dendritic, rates.dendritic), neuromodulatory: edge(neuromodulatory, rates.neuromodulatory) } };
    log(`chosen learning rates: dendritic ${rates.dendritic}, neuromodulatory ${rates.neuromodulatory}`);
  }
  // 1b. Both routes act together in every condition, so each condition gets its own step size:
  // both rates scaled by a common factor, the best factor per condition (the fair comparison
  // of issue 14: each rule at its best).
  const perConditionRates: Partial<Record<Teaching, BciLearningRates>> = {};
  for (const teaching of o.conditions) perConditionRates[teaching] = rates;
  let scaleSweep: BciResults['condition_scale_sweep'] = null;
  if (o.learningRates === null && o.conditionScales.length > 0) {
    scaleSweep = { scales: [...o.conditionScales], sessions: o.rateSweepSessions, score_mean: {}, chosen: {} };
    for (const teaching of o.conditions) {
      const scores: number[] = [];
      for (const scale of o.conditionScales) {
        const scaled = { dendritic: rates.dendritic * scale, neuromodulatory: rates.neuromodulatory * scale };
        const perNetwork = (await onSweepNetworks(teaching, scaled)).map(sweepScore);
        scores.push(mean(perNetwork));
        log(`step-size sweep, ${teaching}, both routes × ${scale}: mean hit rate ${(mean(perNetwork) * 100).toFixed(0)} % over sessions 2–${o.rateSweepSessions}`);
      }
      const chosen = gentlestBest(o.conditionScales, scores);
      scaleSweep.score_mean[teaching] = scores;
      scaleSweep.chosen[teaching] = chosen;
      perConditionRates[teaching] = { dendritic: rates.dendritic * chosen, neuromodulatory: rates.neuromodulatory * chosen };
    }
  }

  // 2. Every condition on every reported network.
  const perCondition: Record<Teaching, SeedConditionResult[]> = { vectorized: [], scalar: [], blocked: [] };
  const baselines: Baseline[] = [];
  for (const seed of seeds) {
    const p = await prepare(o, env, seed, o.targetsPerGroup);
    baselines.push(p.base);
    for (const teaching of o.conditions) {
      perCondition[teaching].push(await trainCondition(p.run, plasticity, o, p.base, teaching, perConditionRates[teaching]!, o.sessions, log, `seed ${seed}, ${teaching}`));
    }
    p.run.sim.destroy();
  }
  const conditions: Partial<Record<Teaching, ConditionResult>> = {};
  for (const teaching of o.conditions) conditions[teaching] = summarizeCondition(perCondition[teaching]);

  // 3. Decoder-noise sweep (sweep networks, chosen rates, vectorized and scalar).
  const noiseSweep: BciResults['decoder_noise_sweep'] = { noise: [...o.decoderNoiseSweep], vectorized: { final_mean: [], final_se: [], mean_over_sessions: [], feedback_role_correlation_final: [] }, scalar: { final_mean: [], final_se: [], mean_over_sessions: [] } };
  if (o.decoderNoiseSweep.length > 0) {
    if (sweepNetworks.length === 0) for (const seed of sweepSeeds) sweepNetworks.push(await prepare(o, env, seed, o.targetsPerGroup));
    for (const noise of o.decoderNoiseSweep) {
      const finals = { vectorized: [] as number[], scalar: [] as number[] };
      const means = { vectorized: [] as number[], scalar: [] as number[] };
      const correlations: (number | null)[] = [];
      for (const p of sweepNetworks) {
        const base = await runBaseline(p.run, o, noise);
        for (const teaching of ['vectorized', 'scalar'] as const) {
          const r = await trainCondition(p.run, plasticity, o, base, teaching, perConditionRates[teaching] ?? rates, o.sessions, () => undefined, '', { decoderNoise: noise });
          finals[teaching].push(mean(r.hit_rate.slice(-2)));
          if (teaching === 'vectorized') correlations.push(correlation(r.feedback_weights, r.roles));
          means[teaching].push(mean(r.hit_rate));
        }
      }
      for (const teaching of ['vectorized', 'scalar'] as const) {
        const f = meanAndStandardError(finals[teaching]);
        noiseSweep[teaching].final_mean.push(f.mean);
        noiseSweep[teaching].final_se.push(f.se);
        noiseSweep[teaching].mean_over_sessions.push(mean(means[teaching]));
      }
      const c = seedStatistic(correlations);
      noiseSweep.vectorized.feedback_role_correlation_final.push(c.n > 0 ? c.mean : null);
      log(`decoder noise ${noise}: final hit rate vectorized ${(mean(finals.vectorized) * 100).toFixed(0)} %, scalar ${(mean(finals.scalar) * 100).toFixed(0)} %`);
    }
  }
  for (const p of sweepNetworks) p.run.sim.destroy();

  // 4. Sessions to criterion against the number of target neurons (one network per size).
  const sweep = { targets: [...o.sweepTargets], vectorized: [] as (number | null)[], scalar: [] as (number | null)[], sessions: o.sweepSessions };
  for (const total of o.sweepTargets) {
    const p = await prepare(o, env, o.seed + 2000 + total, total / 2);
    for (const rule of ['vectorized', 'scalar'] as const) {
      const r = await trainCondition(p.run, plasticity, o, p.base, rule, perConditionRates[rule] ?? rates, o.sweepSessions, log, `sweep ${total} targets, ${rule}`, { stopAtCriterion: true });
      sweep[rule].push(r.sessions_to_criterion);
    }
    p.run.sim.destroy();
  }
  await plasticity.destroy();
  const baselineHits = meanAndStandardError(baselines.map((b) => b.hitRate));
  const partial = { ...conditions, options: o };
  return {
    study: 'bci',
    adapter: env.context.info.label,
    options: o,
    seeds,
    sweep_seeds: o.learningRates === null || o.decoderNoiseSweep.length > 0 ? sweepSeeds : [],
    threshold_mean: mean(baselines.map((b) => b.task.threshold)),
    baseline_hit_rate_mean: baselineHits.mean,
    baseline_hit_rate_se: baselineHits.se,
    sessions: Array.from({ length: o.sessions }, (_, s) => s + 1),
    learning_rates: { ...rates, feedback: o.feedbackLearningRate, chosen_by: o.learningRates === null ? 'sweep' : 'given', per_condition: perConditionRates },
    learning_rate_sweep: rateSweep,
    condition_scale_sweep: scaleSweep,
    ...conditions,
    decoder_noise_sweep: noiseSweep,
    sessions_to_criterion: sweep,
    effects: bciEffects(partial),
    modelling_choices: [...BCI_MODELLING_CHOICES, ...targetModelOf(o).modellingChoices],
    wall_s: (performance.now() - started) / 1000,
  };
}
