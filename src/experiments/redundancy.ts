/**
 * The redundancy study (Liu, Pletenev, Haefner & Snyder, Science 2026; science.md part A) as a
 * protocol: a sensory (V4-like) population of Poisson-spiking rate units with orientation
 * tuning, noise and orientation-dependent recurrent excitation and inhibition; a decision area
 * of leaky evidence accumulators that reads it out; feedback from the decision area onto the
 * sensory neurons. Over "days" the readout, the feedback direction and the feedback gain are
 * learned from the network's own choices and rewards; information, shuffled information,
 * redundancy and single-neuron information of recorded 96-neuron "arrays" are measured on the
 * GPU, in the task, in passive viewing (feedback gain reduced) and in a feedforward-only
 * learner (no feedback; learning sharpens tuning and readout).
 *
 * Modelling choices (not published numbers) are listed in {@link REDUNDANCY_MODELLING_CHOICES}.
 */
import type { NetworkSpec } from '../model/spec.js';
import type { GpuContext } from '../gpu/context.js';
import type { ShaderSourceLoader } from '../gpu/shaders.js';
import { GpuSimulator } from '../gpu/simulator.js';
import type { InformationAnalysis, InformationWindow } from '../gpu/analysis/information-analysis.js';
import type { PopulationRateRecording, SpikeCountRecording } from '../model/recording.js';
import { RandomStream } from '../rng/philox.js';
import { preferredOrientationsDeg } from '../model/connectivity.js';
import { mean, meanAndStandardError } from '../analysis/summary.js';

/** Parameters of the protocol (defaults: the full configuration). */
export interface RedundancyOptions {
  /** Sensory neurons, ≥ 8 × arrayNeurons (default 20,000). */
  readonly sensoryNeurons: number;
  /** Accumulator units of the decision area (default 16). */
  readonly decisionUnits: number;
  /** Trials per block (the batch), half per stimulus (default 256). */
  readonly trialsPerBlock: number;
  /** Task blocks per day (default 2). */
  readonly blocksPerDay: number;
  /** Days of learning (default 12). */
  readonly days: number;
  /** Days of the other task after a switch, to show the feedback re-aiming (default 0). */
  readonly switchDays: number;
  /** Trial duration and step, ms (defaults 400 and 5). */
  readonly trialMs: number;
  readonly dtMs: number;
  /** Counting bin, ms (default 50); within-trial windows are two bins, the daily window all bins from 100 ms. */
  readonly binMs: number;
  /** Recorded arrays (disjoint random subsets) and neurons per array (defaults 8 and 96). */
  readonly arrays: number;
  readonly arrayNeurons: number;
  /** `experience`: learned from choices and reward; `schedule`: gain and direction set by a schedule. */
  readonly learning: 'experience' | 'schedule';
  /** Feedback gain in passive viewing, relative to the task (default 0.25). */
  readonly passiveGainFactor: number;
  readonly seed: number;
}

/** Defaults of the full configuration. */
export const REDUNDANCY_DEFAULTS: RedundancyOptions = {
  sensoryNeurons: 20000,
  decisionUnits: 16,
  trialsPerBlock: 256,
  blocksPerDay: 2,
  days: 12,
  switchDays: 0,
  trialMs: 400,
  dtMs: 5,
  binMs: 50,
  arrays: 8,
  arrayNeurons: 96,
  learning: 'experience',
  passiveGainFactor: 0.25,
  seed: 1,
};

/** The reduced configuration of `--quick` (software GPUs: a few minutes at most). */
export const REDUNDANCY_QUICK: Partial<RedundancyOptions> = { sensoryNeurons: 1200, blocksPerDay: 1, days: 8, arrays: 8 };

/** Statements of what in this model is a modelling choice rather than a published number. */
export const REDUNDANCY_MODELLING_CHOICES: readonly string[] = [
  'Sensory neurons are rate units (τ 20 ms, threshold-linear) that emit Poisson spikes at their rate; information is measured on spike counts, as in the recordings.',
  'Tuning: von Mises with baseline 4 Hz, amplitude 6 Hz, κ 2 (a low-contrast, noisy stimulus); "frame-by-frame stimulus noise" is Ornstein–Uhlenbeck input noise with a 20 ms (one-frame) correlation time, private to each neuron.',
  'Recurrence: orientation-tuned excitation (ring, p_max 0.05, κ 2) and untuned inhibition (p 0.02), weak enough that early redundancy is near zero.',
  'Decision area: 16 linear leaky accumulators (τ 200 ms) with strong private (decision) noise (σ 10, a belief SD of about 0.1 of the stimulus separation at trial end), reading out wᵀr; choice = sign of their mean in the last 50 ms. The decision noise is what feedback spreads across sensory neurons as shared variability.',
  'Feedback: decision units → sensory neurons with weights g·u_i/16 and a 50 ms latency; passive viewing scales g by 0.25.',
  'Learning (experience mode), once per day from that day\'s trials: the readout w by a logistic-regression step on whole-trial counts with the label revealed by the reward; the feedback direction u by the regression of sensory counts on the belief on rewarded trials (running average, norm matched to the mean response difference); the gain by Δg = 0.45·(accuracy − 0.5)·(g_max − g) with g_max 1.2 and g_0 0.02.',
  'Feedforward control: no feedback; learning raises the stimulus amplitude and tuning width κ by (1 + 0.25·(accuracy − 0.5)) per day (sharper, stronger tuning) and learns the same readout.',
  'Arrays: disjoint random sets of 96 sensory neurons, equal N and T on every day (one or two blocks of 256 trials per day, 128 per stimulus per block).',
  'Standard errors: across arrays (between-array spread / √arrays) for the daily means; the per-array estimator SE is reported too.',
];

/** Mean and standard error across arrays, per day. */
export interface DailyMeasure {
  readonly mean: number[];
  readonly se: number[];
}

/** Per-day measures of one condition. */
export interface ConditionSeries {
  readonly I_bc: DailyMeasure;
  readonly I_shuffle_bc: DailyMeasure;
  readonly rho: DailyMeasure;
  readonly single_neuron_mean: DailyMeasure;
  /** Mean over arrays of the estimator's own standard error of I_bc. */
  readonly I_bc_estimator_se: number[];
}

/** Everything the protocol measured. */
export interface RedundancyResults {
  readonly study: 'redundancy';
  readonly adapter: string;
  readonly options: RedundancyOptions;
  readonly days: number[];
  readonly task: ConditionSeries;
  readonly passive: ConditionSeries;
  readonly feedforward_control: ConditionSeries;
  /** Behaviour per day: fraction correct in the task, feedback gain, |cos| of u with the task axis. */
  readonly behaviour: { accuracy: number[]; feedback_gain: number[]; feedback_alignment: number[]; control_accuracy: number[] };
  readonly within_trial: { window_centers_ms: number[]; early: DailyMeasure; late: DailyMeasure; early_day: number; late_day: number };
  /** Covariance of array 0 (spike counts, daily window, stimulus a), sorted by preferred orientation, early and late. */
  readonly covariance: { neurons: number; preferred_deg: number[]; early: number[]; late: number[] };
  /** Task specificity: on the last cardinal day, ρ for oblique stimuli (no learning). */
  readonly other_task_rho: { mean: number; se: number };
  /** After a switch to the oblique task (switchDays > 0): per-day ρ for the new task. */
  readonly after_switch: { rho: DailyMeasure; feedback_alignment: number[] } | null;
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

const TUNING = { baseline: 4, amplitude: 6, kappa: 2 };
const NOISE = { sensory: 3, decision: 10, tauMs: 20 };
const FEEDBACK_DELAY_MS = 50;
const G_MAX = 1.2;
const G_START = 0.02;
/** The two discrimination tasks: stimulus orientations (deg) of the cardinal and oblique pairs. */
export const TASKS = { cardinal: [0, 90], oblique: [45, 135] } as const;


/** Validate options and fill defaults. */
export function resolveRedundancyOptions(given: Partial<RedundancyOptions> = {}): RedundancyOptions {
  const o = { ...REDUNDANCY_DEFAULTS, ...given };
  const positiveInteger = (name: keyof RedundancyOptions, min = 1): void => {
    const v = o[name] as number;
    if (!Number.isInteger(v) || v < min) throw new RangeError(`redundancy: ${name} must be an integer ≥ ${min} (got ${v})`);
  };
  positiveInteger('decisionUnits');
  positiveInteger('trialsPerBlock', 8);
  positiveInteger('blocksPerDay');
  positiveInteger('days', 2);
  positiveInteger('arrays', 2);
  positiveInteger('arrayNeurons', 2);
  if (!Number.isInteger(o.switchDays) || o.switchDays < 0) throw new RangeError(`redundancy: switchDays must be an integer ≥ 0 (got ${o.switchDays})`);
  if (o.trialsPerBlock % 2 !== 0) throw new RangeError(`redundancy: trialsPerBlock must be even (half per stimulus), got ${o.trialsPerBlock}`);
  if (!Number.isInteger(o.sensoryNeurons) || o.sensoryNeurons < o.arrays * o.arrayNeurons) {
    throw new RangeError(`redundancy: sensoryNeurons must be an integer ≥ arrays × arrayNeurons = ${o.arrays * o.arrayNeurons} (got ${o.sensoryNeurons})`);
  }
  const trialsPerCondition = (o.trialsPerBlock / 2) * o.blocksPerDay;
  if (trialsPerCondition < (o.arrayNeurons + 5) / 2) {
    throw new RangeError(`redundancy: ${trialsPerCondition} trials per stimulus per day are too few for ${o.arrayNeurons}-neuron arrays (need ≥ (N+5)/2 = ${(o.arrayNeurons + 5) / 2}); raise trialsPerBlock or blocksPerDay`);
  }
  if (!(o.dtMs > 0) || !(o.binMs >= o.dtMs) || o.trialMs < 4 * o.binMs || Math.abs(o.trialMs / o.binMs - Math.round(o.trialMs / o.binMs)) > 1e-9) {
    throw new RangeError(`redundancy: need dtMs > 0, binMs ≥ dtMs and trialMs a multiple of binMs with at least 4 bins (got dt ${o.dtMs}, bin ${o.binMs}, trial ${o.trialMs})`);
  }
  if (!(o.passiveGainFactor >= 0 && o.passiveGainFactor <= 1)) throw new RangeError(`redundancy: passiveGainFactor must lie in [0, 1] (got ${o.passiveGainFactor})`);
  return o;
}

/** The network spec (feedback optional: the feedforward control has none). */
export function redundancyNetwork(o: RedundancyOptions, withFeedback: boolean): NetworkSpec {
  const n = o.sensoryNeurons;
  const ringIndegree = 0.05 * n * Math.exp(-TUNING.kappa) * besselI0(TUNING.kappa);
  const inhIndegree = 0.02 * n;
  return {
    name: withFeedback ? 'redundancy_two_area' : 'redundancy_feedforward_control',
    dt_ms: o.dtMs,
    seed: o.seed + (withFeedback ? 0 : 1000),
    batch: o.trialsPerBlock,
    populations: [
      {
        name: 'V4', size: n, model: 'rate', preferred_orientation: 'random',
        params: { tau_ms: 20, transfer: 'threshold_linear', gain: 1, threshold: 0, noise_std: NOISE.sensory, noise_tau_ms: NOISE.tauMs, spike_rate_hz: 1 },
        initial: { x: TUNING.baseline },
      },
      { name: 'Decision', size: o.decisionUnits, model: 'rate', params: { tau_ms: 200, transfer: 'linear', noise_std: NOISE.decision } },
    ],
    projections: [
      { name: 'V4_ring_excitation', source: 'V4', target: 'V4', connector: { type: 'ring', p_max: 0.05, kappa: TUNING.kappa, autapses: false }, weight: 0.15 / ringIndegree, delay_ms: o.dtMs },
      { name: 'V4_inhibition', source: 'V4', target: 'V4', connector: { type: 'fixed_probability', p: 0.02, autapses: false }, weight: 0.15 / inhIndegree, delay_ms: o.dtMs, receptor: 'inhibitory' },
      { name: 'readout', source: 'V4', target: 'Decision', connector: { type: 'all_to_all' }, weight: 0, delay_ms: o.dtMs },
      ...(withFeedback ? [{ name: 'feedback', source: 'Decision', target: 'V4', connector: { type: 'all_to_all' as const }, weight: 0, delay_ms: FEEDBACK_DELAY_MS }] : []),
    ],
    inputs: [
      { type: 'stimulus', target: 'V4', orientation_deg: 0, amplitude: TUNING.amplitude, kappa: TUNING.kappa, baseline: TUNING.baseline },
      { type: 'dc', target: 'Decision', amplitude: 0 },
    ],
    recorders: [
      { type: 'spike_counts', population: 'V4', window_ms: o.binMs },
      { type: 'population_rate', population: 'Decision', bin_ms: o.binMs },
    ],
  };
}

function besselI0(x: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 60; k++) {
    term *= (x * x) / 4 / (k * k);
    sum += term;
  }
  return sum;
}

/** Trial-summed counts of every sensory neuron (trials × N) and the belief at trial end per trial. */
export interface BlockData {
  readonly counts: Float64Array;
  readonly belief: Float64Array;
  readonly stimulusB: boolean[];
}

/**
 * One network (task network with feedback, or the feedforward control) and its learning state:
 * readout w, feedback direction u and gain, tuning of the feedforward learner. Used by the
 * protocol and, block by block, by the live lab driver.
 */
export class Learner {
  readonly n: number;
  w: Float64Array;
  u: Float64Array;
  bias = 0;
  gain: number;
  amplitude = TUNING.amplitude;
  kappa = TUNING.kappa;
  /** Running mean response difference (stimulus b − a) and mean response, from experience. */
  meanDiff: Float64Array;
  meanResponse: Float64Array;
  task: readonly [number, number] = TASKS.cardinal;

  constructor(
    readonly sim: GpuSimulator,
    readonly o: RedundancyOptions,
    readonly feedback: boolean,
    rng: RandomStream,
  ) {
    this.n = o.sensoryNeurons;
    // Naive start: a random readout (chance performance) and a random feedback direction.
    this.w = Float64Array.from({ length: this.n }, () => rng.normal() * 1e-3);
    this.u = Float64Array.from({ length: this.n }, () => rng.normal());
    this.meanDiff = new Float64Array(this.n);
    this.meanResponse = new Float64Array(this.n).fill((TUNING.baseline + TUNING.amplitude / 2) * (o.trialMs / 1000));
    this.gain = feedback ? G_START : 0;
    const norm = Math.hypot(...this.u);
    this.u = this.u.map((v) => (v / norm) * 0.1);
  }

  /** Push readout, bias, feedback and stimulus to the GPU for a block with this gain factor and task. */
  apply(gainFactor: number, task: readonly [number, number]): void {
    const o = this.o;
    const trialS = o.trialMs / 1000;
    // Readout in rate units: counts = rate·trial duration.
    const rows = new Float32Array(o.decisionUnits * this.n);
    for (let d = 0; d < o.decisionUnits; d++) for (let i = 0; i < this.n; i++) rows[d * this.n + i] = this.w[i]! * trialS;
    this.sim.setProjectionWeights('readout', rows);
    let offset = 0;
    for (let i = 0; i < this.n; i++) offset += this.w[i]! * this.meanResponse[i]!;
    this.sim.setInput(1, { amplitude: -offset });
    if (this.feedback) {
      const fb = new Float32Array(this.n * o.decisionUnits);
      // u is in counts per trial; feedback adds rate: g·u/trial·d per unit of belief.
      for (let i = 0; i < this.n; i++) for (let d = 0; d < o.decisionUnits; d++) fb[i * o.decisionUnits + d] = (this.gain * gainFactor * this.u[i]!) / trialS / o.decisionUnits;
      this.sim.setProjectionWeights('feedback', fb);
    }
    const half = o.trialsPerBlock / 2;
    this.sim.setInput(0, {
      orientation_deg: Array.from({ length: o.trialsPerBlock }, (_, t) => (t < half ? task[0] : task[1])),
      amplitude: this.amplitude,
      kappa: this.kappa,
    });
  }

  /** Run one block of trials and read what learning needs. */
  async block(): Promise<BlockData> {
    await this.beginBlock();
    await this.sim.run(this.o.trialMs);
    return this.readBlock();
  }

  /** Start a block: fresh trials, empty recordings. */
  async beginBlock(): Promise<void> {
    await this.sim.resetTrials();
    this.sim.clearRecordings();
  }

  /** After `trialMs` of a block: whole-trial counts and end-of-trial beliefs; clears the recordings. */
  readBlock(): BlockData {
    const o = this.o;
    const [countsRec, beliefRec] = this.sim.recordings() as [SpikeCountRecording, PopulationRateRecording];
    const trials = o.trialsPerBlock;
    const offset = this.sim.trialOffset - countsRec.firstTrial;
    const counts = new Float64Array(trials * this.n);
    for (let w = 0; w < countsRec.nWindows; w++) {
      for (let t = 0; t < trials; t++) {
        const row = countsRec.counts.subarray(((w * countsRec.nTrials) + offset + t) * this.n, ((w * countsRec.nTrials) + offset + t + 1) * this.n);
        for (let i = 0; i < this.n; i++) counts[t * this.n + i]! += row[i]!;
      }
    }
    const bins = beliefRec.values.length / beliefRec.nTrials;
    const beliefOffset = this.sim.trialOffset - beliefRec.firstTrial;
    const belief = Float64Array.from({ length: trials }, (_, t) => beliefRec.values[(bins - 1) * beliefRec.nTrials + beliefOffset + t]!);
    const stimulusB = Array.from({ length: trials }, (_, t) => t >= trials / 2);
    this.sim.clearRecordings();
    return { counts, belief, stimulusB };
  }

  /** Learning from one day's task blocks (experience mode) or the schedule. Returns accuracy. */
  learn(blocks: readonly BlockData[], day: number, totalDays: number): number {
    const o = this.o;
    const n = this.n;
    let correct = 0;
    let total = 0;
    const sumA = new Float64Array(n);
    const sumB = new Float64Array(n);
    let countA = 0;
    let countB = 0;
    for (const blk of blocks) {
      blk.stimulusB.forEach((isB, t) => {
        const choiceB = blk.belief[t]! > 0;
        if (choiceB === isB) correct++;
        total++;
        const target = isB ? sumB : sumA;
        for (let i = 0; i < n; i++) target[i]! += blk.counts[t * n + i]!;
        if (isB) countB++;
        else countA++;
      });
    }
    const accuracy = correct / total;
    const mA = sumA.map((v) => v / countA);
    const mB = sumB.map((v) => v / countB);
    // Experience: mean responses and their difference as the animal would estimate them from reward-labelled trials.
    for (let i = 0; i < n; i++) {
      this.meanDiff[i] = 0.5 * this.meanDiff[i]! + 0.5 * (mB[i]! - mA[i]!);
      this.meanResponse[i] = 0.5 * (mA[i]! + mB[i]!);
    }

    if (o.learning === 'schedule') {
      this.w = Float64Array.from(this.meanDiff);
      this.u = Float64Array.from(this.meanDiff);
      if (this.feedback) this.gain = G_START + (G_MAX - G_START) / (1 + Math.exp(-(day - totalDays / 2) / (totalDays / 8)));
    } else {
      // Readout: reward-labelled Hebbian learning. The reward reveals the stimulus (a correct
      // choice's label, or the other one), so Δw ∝ label·(x − x̄) moves w towards the mean
      // response difference that separates the two stimuli.
      const hebbian = new Float64Array(n);
      for (const blk of blocks) {
        for (let t = 0; t < blk.stimulusB.length; t++) {
          const choiceB = blk.belief[t]! > 0;
          const rewarded = choiceB === blk.stimulusB[t];
          const label = (rewarded ? choiceB : !choiceB) ? 1 : -1;
          for (let i = 0; i < n; i++) hebbian[i]! += (label * (blk.counts[t * n + i]! - this.meanResponse[i]!)) / total;
        }
      }
      for (let i = 0; i < n; i++) this.w[i] = 0.5 * this.w[i]! + hebbian[i]!;
      // Feedback direction: regression of sensory counts on the belief over rewarded trials.
      if (this.feedback) {
        const cov = new Float64Array(n);
        let beliefVar = 0;
        for (const blk of blocks) {
          for (let t = 0; t < blk.stimulusB.length; t++) {
            if ((blk.belief[t]! > 0) !== blk.stimulusB[t]) continue;
            const d = blk.belief[t]!;
            beliefVar += d * d;
            for (let i = 0; i < n; i++) cov[i]! += d * (blk.counts[t * n + i]! - this.meanResponse[i]!);
          }
        }
        if (beliefVar > 0) for (let i = 0; i < n; i++) this.u[i] = 0.5 * this.u[i]! + 0.5 * (cov[i]! / beliefVar);
        this.gain = Math.max(0, this.gain + 0.45 * (accuracy - 0.5) * (G_MAX - this.gain));
      }
    }
    // Scale: the readout maps the mean response difference to a belief difference of 1
    // (wᵀΔm = 1) once it is aligned; the feedback direction has the norm of Δm (so a belief of
    // ±1/2 adds ±g·Δm/2: tuning slope (1 + g)·f', as in the minimal model).
    const normW = Math.hypot(...this.w);
    const normD = Math.hypot(...this.meanDiff);
    const projection = this.w.reduce((acc, wi, i) => acc + wi * this.meanDiff[i]!, 0);
    if (projection > 0.1 * normW * normD) this.w = this.w.map((v) => v / projection);
    else if (normW > 0 && normD > 0) this.w = this.w.map((v) => v / (normW * normD));
    if (this.feedback) {
      const normU = Math.hypot(...this.u);
      if (normU > 0 && normD > 0) this.u = this.u.map((v) => (v / normU) * normD);
    } else {
      // Feedforward learner: stronger, sharper tuning with performance above chance.
      this.amplitude *= 1 + 0.25 * Math.max(0, accuracy - 0.5);
      this.kappa *= 1 + 0.25 * Math.max(0, accuracy - 0.5);
    }
    return accuracy;
  }

  /** |cos| between the feedback direction and the current task's mean response difference. */
  alignment(): number {
    let dot = 0;
    for (let i = 0; i < this.n; i++) dot += this.u[i]! * this.meanDiff[i]!;
    return Math.abs(dot) / Math.max(1e-12, Math.hypot(...this.u) * Math.hypot(...this.meanDiff));
  }
}

interface ArrayAnalyses {
  day: InformationAnalysis[];
  within: InformationAnalysis[];
}

async function attachArrays(sim: GpuSimulator, arrays: readonly number[][], o: RedundancyOptions, dayWindowBins: number): Promise<ArrayAnalyses> {
  const half = o.trialsPerBlock / 2;
  const trialsA = Array.from({ length: half }, (_, t) => t);
  const trialsB = trialsA.map((t) => t + half);
  const ds = 90; // the two stimuli of a task are 90° apart; information in deg⁻²
  const day: InformationAnalysis[] = [];
  const within: InformationAnalysis[] = [];
  for (const neurons of arrays) {
    // keepCounts: the learning rules read the whole-trial counts of every sensory neuron.
    day.push(await sim.attachInformation({ recorder: 0, neurons, trialsA, trialsB, ds, windowBins: dayWindowBins, keepCounts: true }));
    within.push(await sim.attachInformation({ recorder: 0, neurons, trialsA, trialsB, ds, windowBins: 2 }));
  }
  return { day, within };
}

function setPaused(analyses: ArrayAnalyses, paused: boolean): void {
  for (const a of [...analyses.day, ...analyses.within]) a.paused = paused;
}

/** Per-array results of the daily window (the last one, ending at trial end). */
async function dailyWindow(analyses: readonly InformationAnalysis[]): Promise<InformationWindow[]> {
  const out: InformationWindow[] = [];
  for (const a of analyses) {
    const windows = await a.results();
    const last = windows[windows.length - 1];
    if (!last || !last.result) throw new Error(`information analysis failed: ${last?.error ?? 'no complete window'}`);
    out.push(last);
  }
  return out;
}

function emptySeries(): ConditionSeries {
  const m = (): DailyMeasure => ({ mean: [], se: [] });
  return { I_bc: m(), I_shuffle_bc: m(), rho: m(), single_neuron_mean: m(), I_bc_estimator_se: [] };
}

function pushDay(series: ConditionSeries, windows: readonly InformationWindow[]): void {
  const add = (target: DailyMeasure, values: number[]): void => {
    const { mean, se } = meanAndStandardError(values);
    target.mean.push(mean);
    target.se.push(se);
  };
  add(series.I_bc, windows.map((w) => w.result!.I_bc));
  add(series.I_shuffle_bc, windows.map((w) => w.result!.I_shuffle_bc));
  add(series.rho, windows.map((w) => w.result!.rho));
  add(series.single_neuron_mean, windows.map((w) => mean(w.result!.single_neuron_bc)));
  series.I_bc_estimator_se.push(mean(windows.map((w) => w.result!.I_bc_se)));
}

async function withinTrial(analyses: readonly InformationAnalysis[]): Promise<{ centers: number[]; rho: DailyMeasure }> {
  const perArray = await Promise.all(analyses.map((a) => a.results()));
  const centers = perArray[0]!.map((w) => w.centerMs);
  const rho: DailyMeasure = { mean: [], se: [] };
  centers.forEach((_, k) => {
    const { mean, se } = meanAndStandardError(perArray.map((windows) => windows[k]?.result?.rho ?? Number.NaN).filter(Number.isFinite));
    rho.mean.push(mean);
    rho.se.push(se);
  });
  return { centers, rho };
}

function clearAll(analyses: ArrayAnalyses): void {
  for (const a of [...analyses.day, ...analyses.within]) a.clear();
}

/**
 * Run the whole protocol on a GPU context.
 * @throws RangeError for invalid options (naming the option)
 */
export async function runRedundancyExperiment(given: Partial<RedundancyOptions>, env: ExperimentEnvironment): Promise<RedundancyResults> {
  const o = resolveRedundancyOptions(given);
  const started = performance.now();
  const log = env.onProgress ?? (() => undefined);
  const rng = new RandomStream(o.seed, 0x52454455);
  const dayWindowBins = Math.round(o.trialMs / o.binMs) - 2;

  const taskSim = await GpuSimulator.create(redundancyNetwork(o, true), { context: env.context, shaders: env.shaders });
  const controlSim = await GpuSimulator.create(redundancyNetwork(o, false), { context: env.context, shaders: env.shaders });
  // Disjoint random arrays of recorded neurons (same on every day and in every condition).
  const order = Array.from({ length: o.sensoryNeurons }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.uniformInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const arrays = Array.from({ length: o.arrays }, (_, a) => order.slice(a * o.arrayNeurons, (a + 1) * o.arrayNeurons).sort((x, y) => x - y));
  const task = new Learner(taskSim, o, true, rng);
  const control = new Learner(controlSim, o, false, rng);
  const taskAnalyses = await attachArrays(taskSim, arrays, o, dayWindowBins);
  const passiveAnalyses = await attachArrays(taskSim, arrays, o, dayWindowBins);
  const controlAnalyses = await attachArrays(controlSim, arrays, o, dayWindowBins);

  const series = { task: emptySeries(), passive: emptySeries(), feedforward_control: emptySeries() };
  const behaviour = { accuracy: [] as number[], feedback_gain: [] as number[], feedback_alignment: [] as number[], control_accuracy: [] as number[] };
  let earlyWithin: { centers: number[]; rho: DailyMeasure } | null = null;
  let lateWithin: { centers: number[]; rho: DailyMeasure } | null = null;
  const covariance = { neurons: o.arrayNeurons, preferred_deg: [] as number[], early: [] as number[], late: [] as number[] };
  let otherTask = { mean: Number.NaN, se: Number.NaN };

  /** Task blocks with feedback at full gain (analyses of the task condition running). */
  const taskBlocks = async (stimuli: readonly [number, number]): Promise<{ windows: InformationWindow[]; blocks: BlockData[] }> => {
    clearAll(taskAnalyses);
    setPaused(passiveAnalyses, true);
    setPaused(taskAnalyses, false);
    task.apply(1, stimuli);
    const blocks: BlockData[] = [];
    for (let b = 0; b < o.blocksPerDay; b++) blocks.push(await task.block());
    setPaused(taskAnalyses, true);
    return { windows: await dailyWindow(taskAnalyses.day), blocks };
  };
  const dailyIndex = Math.round(o.trialMs / o.binMs) - dayWindowBins;

  for (let day = 0; day < o.days; day++) {
    const g = task.gain;
    const alignment = task.alignment();
    const { windows, blocks } = await taskBlocks(TASKS.cardinal);
    pushDay(series.task, windows);
    if (day === 0) earlyWithin = await withinTrial(taskAnalyses.within);
    if (day === o.days - 1) lateWithin = await withinTrial(taskAnalyses.within);
    if (day === 0 || day === o.days - 1) {
      const stats = await taskAnalyses.day[0]!.statistics(dailyIndex, 'a');
      (day === 0 ? covariance.early : covariance.late).push(...Array.from(stats.covariance));
    }

    // Passive viewing of the same stimuli with the same network: feedback gain reduced, no learning.
    clearAll(passiveAnalyses);
    setPaused(passiveAnalyses, false);
    task.apply(o.passiveGainFactor, TASKS.cardinal);
    for (let b = 0; b < o.blocksPerDay; b++) await task.block();
    setPaused(passiveAnalyses, true);
    pushDay(series.passive, await dailyWindow(passiveAnalyses.day));

    // Learning from the task blocks' choices and rewards.
    const accuracy = task.learn(blocks, day, o.days);
    behaviour.accuracy.push(accuracy);
    behaviour.feedback_gain.push(g);
    behaviour.feedback_alignment.push(alignment);

    // Feedforward control learner.
    clearAll(controlAnalyses);
    control.apply(0, TASKS.cardinal);
    const controlBlocks: BlockData[] = [];
    for (let b = 0; b < o.blocksPerDay; b++) controlBlocks.push(await control.block());
    pushDay(series.feedforward_control, await dailyWindow(controlAnalyses.day));
    behaviour.control_accuracy.push(control.learn(controlBlocks, day, o.days));
    log(`day ${day + 1}/${o.days}: accuracy ${(accuracy * 100).toFixed(0)} %, feedback gain ${g.toFixed(2)}, alignment ${alignment.toFixed(2)}; ` +
      `ρ task ${series.task.rho.mean[day]!.toFixed(3)}, passive ${series.passive.rho.mean[day]!.toFixed(3)}, control ${series.feedforward_control.rho.mean[day]!.toFixed(3)}`);
  }

  // Task specificity: the trained (cardinal) network viewing the oblique pair, task engaged, no learning.
  {
    const other = await taskBlocks(TASKS.oblique);
    otherTask = meanAndStandardError(other.windows.map((w) => w.result!.rho));
    log(`oblique stimuli after cardinal training: ρ ${otherTask.mean.toFixed(3)} ± ${otherTask.se.toFixed(3)}`);
  }
  let afterSwitch: RedundancyResults['after_switch'] = null;
  if (o.switchDays > 0) {
    afterSwitch = { rho: { mean: [], se: [] }, feedback_alignment: [] };
    task.meanDiff.fill(0);
    for (let day = 0; day < o.switchDays; day++) {
      const { windows, blocks } = await taskBlocks(TASKS.oblique);
      task.learn(blocks, o.days + day, o.days + o.switchDays);
      const m = meanAndStandardError(windows.map((w) => w.result!.rho));
      afterSwitch.rho.mean.push(m.mean);
      afterSwitch.rho.se.push(m.se);
      afterSwitch.feedback_alignment.push(task.alignment());
      log(`switched to oblique, day ${day + 1}/${o.switchDays}: ρ ${m.mean.toFixed(3)}, alignment ${task.alignment().toFixed(2)}`);
    }
  }

  // Covariances of array 0 sorted by preferred orientation.
  const orientations = preferredOrientationsDeg('random', o.sensoryNeurons, taskSim.plan.seed, 0);
  const sortedOrder = Array.from({ length: o.arrayNeurons }, (_, k) => k).sort((x, y) => orientations[arrays[0]![x]!]! - orientations[arrays[0]![y]!]!);
  const sortMatrix = (m: number[]): number[] => sortedOrder.flatMap((i) => sortedOrder.map((j) => m[i * o.arrayNeurons + j]!));
  covariance.preferred_deg = sortedOrder.map((k) => orientations[arrays[0]![k]!]!);
  covariance.early = sortMatrix(covariance.early);
  covariance.late = sortMatrix(covariance.late);
  const within = earlyWithin!;
  const result: RedundancyResults = {
    study: 'redundancy',
    adapter: env.context.info.label,
    options: o,
    days: Array.from({ length: o.days }, (_, d) => d + 1),
    ...series,
    behaviour,
    within_trial: { window_centers_ms: within.centers, early: within.rho, late: lateWithin!.rho, early_day: 1, late_day: o.days },
    covariance,
    other_task_rho: otherTask,
    after_switch: afterSwitch,
    modelling_choices: REDUNDANCY_MODELLING_CHOICES,
    wall_s: (performance.now() - started) / 1000,
  };
  taskSim.destroy();
  controlSim.destroy();
  return result;
}

