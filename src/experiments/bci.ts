/**
 * The BCI study of vectorized teaching signals (Francioni et al., Nature 2026; science.md part
 * B) as a protocol. A recurrent cortical network of two-compartment pyramidal rate units and
 * inhibitory units; two target groups E1 and E2 drive a cursor (mean E1 − mean E2) that turns
 * a grating; a baseline session calibrates the hit threshold to ~25 % chance; training over
 * sessions changes the basal weights from a context population onto the target neurons with
 * plasticity kernels on the GPU, under three teaching conditions:
 * - vectorized: each target's apical dendrite receives the performance error with the sign of
 *   its causal role (+ for E1, − for E2), which gates basal plasticity (dendrite-gated rule);
 * - scalar: one broadcast reward-prediction error reaches every apical dendrite, learning by
 *   node perturbation (R − R̄)(r − r̄)·x;
 * - blocked: vectorized, with the apical signal zeroed in the target neurons.
 *
 * Modelling choices (not published numbers) are listed in {@link BCI_MODELLING_CHOICES}.
 */
import type { NetworkSpec } from '../model/spec.js';
import type { GpuContext } from '../gpu/context.js';
import type { ShaderSourceLoader } from '../gpu/shaders.js';
import { GpuSimulator } from '../gpu/simulator.js';
import { GpuPlasticity } from '../gpu/plasticity/plasticity.js';
import type { StateRecording } from '../model/recording.js';
import { RandomStream } from '../rng/philox.js';
import { normalCdf, normalQuantile } from '../analysis/fisher.js';
import { mean, meanAndStandardError } from '../analysis/summary.js';

/** Parameters of the protocol. */
export interface BciOptions {
  /** Excitatory (two-compartment) and inhibitory units; ≥ 10,000 in all by default. */
  readonly excitatory: number;
  readonly inhibitory: number;
  /** Neurons in each target group E1 and E2 (default 4). */
  readonly targetsPerGroup: number;
  /** Context units whose basal synapses onto the targets are plastic (default 64). */
  readonly contextUnits: number;
  /** Trials per session (the batch, default 64) and training sessions (default 10). */
  readonly trialsPerSession: number;
  readonly sessions: number;
  /** Trial timeout and the teaching period after it, ms (defaults 800 and 200), step 10 ms. */
  readonly trialMs: number;
  readonly teachingMs: number;
  readonly dtMs: number;
  /** Chance hit rate the baseline session calibrates the threshold to (default 0.25). */
  readonly chanceHitRate: number;
  /** Hit rate that counts as learned, for sessions-to-criterion (default 0.7). */
  readonly criterion: number;
  /** Target-group sizes (E1 + E2) of the sessions-to-criterion sweep (default 8, 64, 256). */
  readonly sweepTargets: readonly number[];
  /** Sessions of each sweep run (default: sessions). */
  readonly sweepSessions: number;
  readonly seed: number;
}

/** Defaults of the full configuration. */
export const BCI_DEFAULTS: BciOptions = {
  excitatory: 8000,
  inhibitory: 2000,
  targetsPerGroup: 4,
  contextUnits: 64,
  trialsPerSession: 64,
  sessions: 10,
  trialMs: 800,
  teachingMs: 200,
  dtMs: 10,
  chanceHitRate: 0.25,
  criterion: 0.7,
  sweepTargets: [8, 64, 256],
  sweepSessions: 10,
  seed: 1,
};

/** `--quick`: a reduced network (under two minutes on a software GPU). */
export const BCI_QUICK: Partial<BciOptions> = { excitatory: 1000, inhibitory: 250, trialsPerSession: 48, sessions: 8, sweepSessions: 8 };

/** What in this model is a modelling choice rather than a published number. */
export const BCI_MODELLING_CHOICES: readonly string[] = [
  'Pyramidal cells are two-compartment rate units (soma τ 20 ms, apical τ 30 ms, threshold-linear, plateau σ((v_a − 1)/0.25) raising the somatic gain by up to 50 %), inhibitory cells are rate units; recurrence is sparse and weak (fixed in-degree).',
  'Each trial the target neurons receive basal input from 64 context units (the task context) through plastic weights; learning acts only on these weights.',
  'Cursor = mean rate of E1 − mean rate of E2; a hit when it crosses the threshold before the 800 ms timeout; the threshold is the (1 − chance) quantile of the peak cursor in a baseline session without learning.',
  'Vectorized teaching: after each trial the apical compartment of target neuron i receives c_i·g·e with c_i = +1 (E1) or −1 (E2) and e = (threshold + margin) − peak cursor (the performance error); basal weights change by the dendrite-gated rule ΔW = η·a·φ\'(v)·x̄ on the GPU, a being the measured apical depolarisation.',
  'Scalar teaching: every pyramidal apical compartment receives the same reward-prediction error g·(R − R̄); weights change by node perturbation ΔW = η(R − R̄)(r − r̄)x̄ on the GPU (exploration: the units\' own noise).',
  'Blocked: vectorized teaching with the apical input of the target neurons set to zero.',
  'Calcium readouts: soma = filtered rate, dendrite = filtered (0.5·rate + apical potential), plus readout noise; the dendritic residual is the dendritic signal minus its linear prediction from the soma (fitted per neuron on the baseline session), averaged over the teaching period.',
  'The cursor includes a trial-level decoder offset (SD 0.3 rate units) that does not average out over neurons, as imaging and decoding noise; with it the broadcast reward carries less about each neuron as groups grow (the node-perturbation slowdown of Werfel, Xie & Seung 2005).',
  'Rewards per minute count hits over the time spent in trials (hit trials end at the hit) plus a 1 s inter-trial interval.',
];

/** A mean with its standard error, t statistic and two-sided p value (normal approximation). */
export interface TrialStatistic {
  readonly mean: number;
  readonly se: number;
  readonly t: number;
  readonly p: number;
  readonly n: number;
}

/**
 * The grating angle shown for a cursor value: the cursor scaled so that the hit threshold turns
 * the grating by 90° (the target orientation), clipped to ±90°.
 */
export function cursorToGratingDeg(cursor: number, threshold: number): number {
  return Math.max(-90, Math.min(90, (90 * cursor) / Math.max(1e-9, Math.abs(threshold))));
}

/** Results of one teaching condition. */
export interface ConditionResult {
  readonly hit_rate: number[];
  /** Mean over trials of the largest grating angle reached (degrees; 90 = target). */
  readonly grating_angle_deg: number[];
  readonly rewards_per_min: number[];
  readonly e1_activity: number[];
  readonly e2_activity: number[];
  /** Dendritic residual by group and trial outcome, over all training trials. */
  readonly dendritic_residual: { E1: { rewarded: TrialStatistic; unrewarded: TrialStatistic }; E2: { rewarded: TrialStatistic; unrewarded: TrialStatistic } };
  /** Does a neuron's mean residual in session s predict the sign of its somatic change to s + 1? */
  readonly residual_predicts_change: { agreement: number; pairs: number; p: number };
  readonly sessions_to_criterion: number | null;
}

/** Everything the protocol measured. */
export interface BciResults {
  readonly study: 'bci';
  readonly adapter: string;
  readonly options: BciOptions;
  readonly threshold: number;
  readonly baseline_hit_rate: number;
  readonly sessions: number[];
  readonly vectorized: ConditionResult;
  readonly scalar: ConditionResult;
  readonly blocked: ConditionResult;
  /** Sessions to reach the criterion per rule and target count (null: not within the sweep's sessions). */
  readonly sessions_to_criterion: { targets: number[]; vectorized: (number | null)[]; scalar: (number | null)[]; sessions: number };
  readonly modelling_choices: readonly string[];
  readonly wall_s: number;
}

/** Environment of a run. */
export interface BciEnvironment {
  readonly context: GpuContext;
  readonly shaders: ShaderSourceLoader;
  readonly onProgress?: (message: string) => void;
}

/** Teaching signal condition. */
export type Teaching = 'vectorized' | 'scalar' | 'blocked';

const TEACHING_GAIN = 4;
const MARGIN = 0.5;
const LEARNING_RATE = { vectorized: 0.003, scalar: 0.6 };
const W_BOUNDS = { wMin: -2, wMax: 2 };
const SAMPLE_MS = 50;
const ITI_S = 1;
/** SD of a trial-level decoder offset added to the cursor (imaging and decoder noise that does not average out over neurons). */
const DECODER_NOISE = 0.3;

/** Validate options and fill defaults. */
export function resolveBciOptions(given: Partial<BciOptions> = {}): BciOptions {
  const o = { ...BCI_DEFAULTS, sweepSessions: given.sessions ?? BCI_DEFAULTS.sweepSessions, ...given };
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

/** The network: pyramidal (E, two-compartment), inhibitory (I) and context (X) populations. */
export function bciNetwork(o: BciOptions): NetworkSpec {
  const duration = o.trialMs + o.teachingMs;
  return {
    name: 'bci_cortex',
    dt_ms: o.dtMs,
    seed: o.seed,
    batch: o.trialsPerSession,
    populations: [
      {
        name: 'E', size: o.excitatory, model: 'two_compartment_rate',
        params: { tau_soma_ms: 20, tau_apical_ms: 30, coupling: 0.2, backprop: 0.1, plateau_threshold: 1, plateau_slope: 0.25, plateau_gain: 0.5, transfer: 'threshold_linear', noise_std: 1.2, calcium_tau_ms: 100, readout_noise: 0.02 },
        initial: { v_soma: 1 },
      },
      { name: 'I', size: o.inhibitory, model: 'rate', params: { tau_ms: 10, transfer: 'threshold_linear', noise_std: 0.5 } },
      { name: 'X', size: o.contextUnits, model: 'rate', params: { tau_ms: 20, transfer: 'threshold_linear', noise_std: 1 } },
    ],
    projections: [
      { name: 'EE', source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: 20, autapses: false }, weight: 0.01, delay_ms: o.dtMs },
      { name: 'EI', source: 'E', target: 'I', connector: { type: 'fixed_indegree', indegree: 20 }, weight: 0.02, delay_ms: o.dtMs },
      { name: 'IE', source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 0.02, delay_ms: o.dtMs, receptor: 'inhibitory' },
      { name: 'II', source: 'I', target: 'I', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 0.02, delay_ms: o.dtMs, receptor: 'inhibitory' },
      // Plastic context → pyramidal weights (dense; only target rows are non-zero).
      { name: 'context', source: 'X', target: 'E', connector: { type: 'all_to_all' }, weight: 0, delay_ms: o.dtMs },
    ],
    inputs: [
      { type: 'dc', target: 'E', amplitude: 1 },
      { type: 'dc', target: 'I', amplitude: 0.5 },
      { type: 'dc', target: 'X', amplitude: 1 },
      { type: 'trial_current', target: 'E', compartment: 'apical', start_ms: o.trialMs, stop_ms: duration },
    ],
    recorders: [],
  };
}

/** A network with its target groups and the host copy of the plastic weights. */
export interface Run {
  readonly sim: GpuSimulator;
  readonly e1: number[];
  readonly e2: number[];
  /** All target neurons in ascending order (the recorders' order). */
  readonly targets: number[];
  /** Causal role of each target, in `targets` order: +1 for E1, −1 for E2. */
  readonly role: number[];
  /** Host copy of the plastic weights of the targets (targets × context). */
  readonly weights: Float32Array;
}


/** Mean, SE, t against 0 and its two-sided p value (normal approximation). */
function statistic(values: readonly number[]): TrialStatistic {
  const { mean: m, se } = meanAndStandardError(values);
  const t = se > 0 ? m / se : 0;
  return { mean: m, se, t, p: 2 * (1 - normalCdf(Math.abs(t))), n: values.length };
}

/**
 * Per-trial traces of a session, sampled every 50 ms over trial and teaching period; value of
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
  /** Peak cursor per trial and the time of the first threshold crossing (ms, or null). */
  readonly peak: Float64Array;
  readonly hitMs: (number | null)[];
  /** Mean rate per target neuron and trial during the trial, [target][trial]. */
  readonly rate: Float64Array;
  /** Mean somatic potential (for φ') and context rate per trial. */
  readonly vSoma: Float64Array;
  readonly context: Float64Array;
  /** ΔF/F of soma and apical dendrite of each target during the teaching period, [target][trial]. */
  readonly dffSoma: Float64Array;
  readonly dffApical: Float64Array;
  /** Apical potential during teaching minus before it, [target][trial]. */
  readonly apicalSignal: Float64Array;
  readonly traces: SessionTraces;
}

/** Group-mean traces of every trial from a session's recordings (r, dff_soma, dff_apical). */
function sessionTraces(all: readonly StateRecording[], run: Run, batch: number, decoderOffset: Float64Array): SessionTraces {
  const rate = all[0]!;
  const samples = rate.timesMs.length;
  const nT = run.targets.length;
  const groupMean = (rec: StateRecording, s: number, b: number, role: number): number => {
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
      out.e1Soma[i] = groupMean(all[3]!, s, b, 1);
      out.e2Soma[i] = groupMean(all[3]!, s, b, -1);
      out.e1Dendrite[i] = groupMean(all[4]!, s, b, 1);
      out.e2Dendrite[i] = groupMean(all[4]!, s, b, -1);
    }
  }
  return { timesMs: Array.from(rate.timesMs), ...out };
}

/** Set up one network with given target groups and recorders. */
export async function createRun(o: BciOptions, env: BciEnvironment, e1: number[], e2: number[]): Promise<Run> {
  checkTargetGroups(e1, e2, o.excitatory);
  // Recorders list neurons in ascending order; keep that order and remember each one's group.
  const targets = [...e1, ...e2].sort((a, b) => a - b);
  const role = targets.map((n) => (e1.includes(n) ? 1 : -1));
  const spec = bciNetwork(o);
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
  const sim = await GpuSimulator.create(withRecorders, { context: env.context, shaders: env.shaders });
  // Initial context weights: small random, the same for every condition of a seed.
  const rng = new RandomStream(o.seed, 0x424349);
  const weights = Float32Array.from({ length: targets.length * o.contextUnits }, () => 0.02 * rng.normal());
  const run = { sim, e1, e2, targets, role, weights };
  pushWeights(run, o);
  return run;
}

function pushWeights(run: Run, o: BciOptions): void {
  const matrix = new Float32Array(o.excitatory * o.contextUnits);
  run.targets.forEach((neuron, k) => matrix.set(run.weights.subarray(k * o.contextUnits, (k + 1) * o.contextUnits), neuron * o.contextUnits));
  run.sim.setProjectionWeights('context', matrix);
}

/** Mean over samples in [fromMs, toMs) of a state recording, per selected neuron and trial: [neuron][trial]. */
function windowMean(rec: StateRecording, batch: number, fromMs: number, toMs: number): Float64Array {
  const n = rec.neurons.length;
  const out = new Float64Array(n * batch);
  let count = 0;
  for (let s = 0; s < rec.timesMs.length; s++) {
    const t = rec.timesMs[s]!;
    if (t < fromMs || t >= toMs) continue;
    count++;
    for (let b = 0; b < batch; b++) for (let k = 0; k < n; k++) out[k * batch + b]! += rec.values[(s * batch + b) * n + k]!;
  }
  return out.map((v) => v / Math.max(1, count));
}

/** Run one session: trials, then (unless calibrating) the teaching period with the given signals. */
export async function session(run: Run, o: BciOptions, threshold: number | null, teaching: Teaching | null, rewardBaseline: number): Promise<SessionData> {
  const sim = run.sim;
  const B = o.trialsPerSession;
  await sim.resetTrials();
  sim.clearRecordings();
  sim.setInput(3, { values: new Float32Array(o.excitatory * B) });
  await sim.run(o.trialMs);
  const recs = sim.recordings() as StateRecording[];
  const rateRec = recs[0]!;
  const nT = run.targets.length;
  const nE1 = run.e1.length;
  const nE2 = run.e2.length;
  const peak = new Float64Array(B).fill(-Infinity);
  const hitMs: (number | null)[] = new Array<number | null>(B).fill(null);
  const decoderRng = new RandomStream(o.seed, 0x4445_0000 + sim.trialOffset);
  const decoderOffset = Float64Array.from({ length: B }, () => DECODER_NOISE * decoderRng.normal());
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
      const cursor = e1 / nE1 - e2 / nE2 + decoderOffset[b]!;
      if (cursor > peak[b]!) peak[b] = cursor;
      if (threshold !== null && hitMs[b] === null && cursor >= threshold) hitMs[b] = t;
    }
  }
  const rate = windowMean(rateRec, B, SAMPLE_MS, o.trialMs);
  const vSoma = windowMean(recs[1]!, B, SAMPLE_MS, o.trialMs);
  const apicalBefore = windowMean(recs[2]!, B, o.trialMs - 2 * SAMPLE_MS, o.trialMs);
  const context = windowMean(recs[5]!, B, SAMPLE_MS, o.trialMs);

  // Teaching period: the outcome is known; apical signals per target neuron and trial.
  const values = new Float32Array(o.excitatory * B);
  if (teaching !== null && threshold !== null) {
    for (let b = 0; b < B; b++) {
      const rewarded = hitMs[b] !== null;
      const error = threshold + MARGIN - peak[b]!;
      const rpe = (rewarded ? 1 : 0) - rewardBaseline;
      if (teaching === 'scalar') {
        for (let n = 0; n < o.excitatory; n++) values[n * B + b] = TEACHING_GAIN * rpe;
      } else {
        run.targets.forEach((neuron, k) => {
          values[neuron * B + b] = teaching === 'blocked' ? 0 : TEACHING_GAIN * run.role[k]! * error;
        });
      }
    }
  }
  sim.setInput(3, { values });
  await sim.run(o.teachingMs);
  const all = sim.recordings() as StateRecording[];
  const end = o.trialMs + o.teachingMs;
  const dffSoma = windowMean(all[3]!, B, o.trialMs + SAMPLE_MS, end + 1);
  const dffApical = windowMean(all[4]!, B, o.trialMs + SAMPLE_MS, end + 1);
  const apicalDuring = windowMean(all[2]!, B, o.trialMs + SAMPLE_MS, end + 1);
  const apicalSignal = apicalDuring.map((v, i) => v - apicalBefore[i]!);
  const traces = sessionTraces(all, run, B, decoderOffset);
  sim.clearRecordings();
  return { peak, hitMs, rate, vSoma, context, dffSoma, dffApical, apicalSignal, traces };
}

/**
 * Calibrate the threshold on baseline sessions: the (1 − chance) quantile of the peak cursor,
 * from a normal fit (mean + Φ⁻¹(1 − chance)·SD), steadier than an empirical quantile of a few
 * dozen trials.
 */
export function calibrate(sessions: readonly SessionData[], chance: number): number {
  const peaks = sessions.flatMap((d) => Array.from(d.peak));
  const { mean: centre, se } = meanAndStandardError(peaks);
  const sd = se * Math.sqrt(peaks.length);
  if (!(sd > 0)) throw new RangeError('bci: the baseline cursor does not vary across trials, so no threshold gives a chance hit rate between 0 % and 100 %');
  return centre + normalQuantile(1 - chance) * sd;
}

/** Update the plastic weights on the GPU with the condition's rule. */
export async function learn(run: Run, plasticity: GpuPlasticity, o: BciOptions, data: SessionData, teaching: Teaching, rewardBaseline: number): Promise<void> {
  const B = o.trialsPerSession;
  const nT = run.targets.length;
  const w = plasticity.createDenseWeights(nT, o.contextUnits, run.weights);
  let updated: Float32Array;
  if (teaching === 'scalar') {
    const reward = Float32Array.from(data.hitMs, (h) => (h !== null ? 1 : 0));
    const meanRate = new Float32Array(nT);
    for (let k = 0; k < nT; k++) meanRate[k] = mean(data.rate.subarray(k * B, (k + 1) * B));
    updated = await plasticity.runNodePerturbation(w, { reward, rate: Float32Array.from(data.rate), meanRate, input: Float32Array.from(data.context), batch: B, rewardBaseline }, { learningRate: LEARNING_RATE.scalar, ...W_BOUNDS });
  } else {
    // φ' of the threshold-linear soma: 1 above threshold; a small floor below, so that a silenced
    // neuron can still be taught back (a surrogate gain, as in Sacramento-style models).
    const gain = Float32Array.from(data.vSoma, (v) => (v > 0 ? 1 : 0.1));
    updated = await plasticity.runDendriticGated(w, { apical: Float32Array.from(data.apicalSignal), gain, preTrace: Float32Array.from(data.context), batch: B }, { learningRate: LEARNING_RATE.vectorized, ...W_BOUNDS });
  }
  plasticity.releaseWeights(w);
  run.weights.set(updated);
  pushWeights(run, o);
}

/** Train one condition for `sessions` sessions; returns per-session measures and raw data. */
async function trainCondition(run: Run, plasticity: GpuPlasticity, o: BciOptions, threshold: number, teaching: Teaching, sessions: number, residualFit: ResidualFit | null, log: (m: string) => void, label: string, stopAtCriterion = false) {
  const B = o.trialsPerSession;
  const nT = run.targets.length;
  const hitRate: number[] = [];
  const gratingDeg: number[] = [];
  const rewardsPerMin: number[] = [];
  const e1Activity: number[] = [];
  const e2Activity: number[] = [];
  const residuals = { E1: { rewarded: [] as number[], unrewarded: [] as number[] }, E2: { rewarded: [] as number[], unrewarded: [] as number[] } };
  const perNeuronResidual: Float64Array[] = [];
  const perNeuronActivity: Float64Array[] = [];
  let rewardBaseline = o.chanceHitRate;
  let reached: number | null = null;
  for (let s = 0; s < sessions; s++) {
    const data = await session(run, o, threshold, teaching, rewardBaseline);
    const hits = data.hitMs.filter((h) => h !== null).length;
    const rate = hits / B;
    hitRate.push(rate);
    gratingDeg.push(mean(Array.from(data.peak, (c) => cursorToGratingDeg(c, threshold))));
    const timeS = data.hitMs.reduce((t: number, h) => t + (h !== null ? h : o.trialMs) / 1000 + ITI_S, 0);
    rewardsPerMin.push((hits / timeS) * 60);
    const groupMean = (role: number): number => {
      let sum = 0;
      let count = 0;
      run.role.forEach((r, k) => {
        if (r !== role) return;
        sum += mean(data.rate.subarray(k * B, (k + 1) * B));
        count++;
      });
      return sum / count;
    };
    e1Activity.push(groupMean(1));
    e2Activity.push(groupMean(-1));
    if (reached === null && rate >= o.criterion) reached = s + 1;
    // Dendritic residuals of the teaching period.
    const neuronResidual = new Float64Array(nT);
    const neuronActivity = new Float64Array(nT);
    for (let k = 0; k < nT; k++) {
      const fit = residualFit?.[k] ?? { intercept: 0, slope: 0 };
      for (let b = 0; b < B; b++) {
        const residual = data.dffApical[k * B + b]! - (fit.intercept + fit.slope * data.dffSoma[k * B + b]!);
        const group = run.role[k]! > 0 ? residuals.E1 : residuals.E2;
        (data.hitMs[b] !== null ? group.rewarded : group.unrewarded).push(residual);
        neuronResidual[k]! += residual / B;
      }
      neuronActivity[k] = mean(data.rate.subarray(k * B, (k + 1) * B));
    }
    perNeuronResidual.push(neuronResidual);
    perNeuronActivity.push(neuronActivity);
    await learn(run, plasticity, o, data, teaching, rewardBaseline);
    rewardBaseline = 0.7 * rewardBaseline + 0.3 * rate;
    log(`${label} session ${s + 1}/${sessions}: hit rate ${(rate * 100).toFixed(0)} %, E1 ${e1Activity[s]!.toFixed(3)}, E2 ${e2Activity[s]!.toFixed(3)}`);
    if (stopAtCriterion && reached !== null) break;
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
  // One-sided binomial test against 50 % (normal approximation).
  const z = pairs > 0 ? (agree - pairs / 2) / Math.sqrt(pairs / 4) : 0;
  return {
    hit_rate: hitRate,
    grating_angle_deg: gratingDeg,
    rewards_per_min: rewardsPerMin,
    e1_activity: e1Activity,
    e2_activity: e2Activity,
    dendritic_residual: {
      E1: { rewarded: statistic(residuals.E1.rewarded), unrewarded: statistic(residuals.E1.unrewarded) },
      E2: { rewarded: statistic(residuals.E2.rewarded), unrewarded: statistic(residuals.E2.unrewarded) },
    },
    residual_predicts_change: { agreement: pairs > 0 ? agree / pairs : 0.5, pairs, p: 1 - normalCdf(z) },
    sessions_to_criterion: reached,
  } satisfies ConditionResult;
}

/** Per-neuron linear fit of the apical from the somatic signal. */
export type ResidualFit = { intercept: number; slope: number }[];

/** Per-neuron linear prediction of the dendritic signal from the somatic one (baseline session). */
export function fitResiduals(data: SessionData, nT: number, B: number): ResidualFit {
  return Array.from({ length: nT }, (_, k) => {
    const x = data.dffSoma.subarray(k * B, (k + 1) * B);
    const y = data.dffApical.subarray(k * B, (k + 1) * B);
    const mx = mean(x);
    const my = mean(y);
    let sxy = 0;
    let sxx = 0;
    for (let b = 0; b < B; b++) {
      sxy += (x[b]! - mx) * (y[b]! - my);
      sxx += (x[b]! - mx) ** 2;
    }
    const slope = sxx > 0 ? sxy / sxx : 0;
    return { intercept: my - slope * mx, slope };
  });
}

/** Choose disjoint random target groups of the excitatory population. */
export function chooseTargets(o: BciOptions, perGroup: number, salt: number): [number[], number[]] {
  const rng = new RandomStream(o.seed, 0x5441 + salt);
  const order = Array.from({ length: o.excitatory }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.uniformInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return [order.slice(0, perGroup).sort((a, b) => a - b), order.slice(perGroup, 2 * perGroup).sort((a, b) => a - b)];
}

/**
 * Run the whole protocol: baseline calibration, the three teaching conditions, and the
 * sessions-to-criterion sweep over target-group sizes for the vectorized and scalar rules.
 * @throws RangeError for invalid settings (naming the setting)
 */
export async function runBciExperiment(given: Partial<BciOptions>, env: BciEnvironment): Promise<BciResults> {
  const o = resolveBciOptions(given);
  const started = performance.now();
  const log = env.onProgress ?? (() => undefined);
  const plasticity = await GpuPlasticity.create(env.context, env.shaders);

  const conditionRun = async (teaching: Teaching, perGroup: number, sessions: number, label: string, stopAtCriterion = false) => {
    const [e1, e2] = chooseTargets(o, perGroup, perGroup);
    const run = await createRun(o, env, e1, e2);
    // Baseline: two sessions without teaching or learning calibrate the threshold and the residual fit.
    const baseline = [await session(run, o, null, null, o.chanceHitRate), await session(run, o, null, null, o.chanceHitRate)];
    const threshold = calibrate(baseline, o.chanceHitRate);
    const baselineHits = baseline.flatMap((d) => Array.from(d.peak)).filter((p) => p >= threshold).length / (2 * o.trialsPerSession);
    const fit = fitResiduals(baseline[0]!, run.targets.length, o.trialsPerSession);
    const result = await trainCondition(run, plasticity, o, threshold, teaching, sessions, fit, log, label, stopAtCriterion);
    run.sim.destroy();
    return { threshold, baselineHits, result };
  };

  const vectorized = await conditionRun('vectorized', o.targetsPerGroup, o.sessions, 'vectorized');
  const scalar = await conditionRun('scalar', o.targetsPerGroup, o.sessions, 'scalar');
  const blocked = await conditionRun('blocked', o.targetsPerGroup, o.sessions, 'blocked');

  const sweep = { targets: [...o.sweepTargets], vectorized: [] as (number | null)[], scalar: [] as (number | null)[], sessions: o.sweepSessions };
  for (const total of o.sweepTargets) {
    for (const rule of ['vectorized', 'scalar'] as const) {
      // The main runs already measured the default group size (when the sweep has as many sessions).
      const main = rule === 'vectorized' ? vectorized : scalar;
      if (total === 2 * o.targetsPerGroup && o.sweepSessions === o.sessions) {
        sweep[rule].push(main.result.sessions_to_criterion);
        continue;
      }
      const { result } = await conditionRun(rule, total / 2, o.sweepSessions, `sweep ${total} targets, ${rule}`, true);
      sweep[rule].push(result.sessions_to_criterion);
    }
  }
  plasticity.destroy();
  return {
    study: 'bci',
    adapter: env.context.info.label,
    options: o,
    threshold: vectorized.threshold,
    baseline_hit_rate: vectorized.baselineHits,
    sessions: Array.from({ length: o.sessions }, (_, s) => s + 1),
    vectorized: vectorized.result,
    scalar: scalar.result,
    blocked: blocked.result,
    sessions_to_criterion: sweep,
    modelling_choices: BCI_MODELLING_CHOICES,
    wall_s: (performance.now() - started) / 1000,
  };
}
