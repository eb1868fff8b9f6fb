/**
 * The earlier rate-based model of the redundancy study, kept only for the live lab
 * (`redundancy-live.ts`, `demos/redundancy-lab/`): a sensory population of Poisson-spiking rate
 * units read out by rate projections, feedback weights set from a regression and normalised by
 * hand, a gain relaxing to a ceiling, passive viewing as the gain × 0.25.
 *
 * Issue 14 found that several of its effects are put in rather than produced (the decision area
 * reads rates that are not in the recorded spikes, the gain follows a fixed ceiling). The study
 * protocol (`cortexgpu experiment redundancy`) no longer uses it: see `redundancy.ts`. The lab
 * still does, and says so in its page.
 */
import type { NetworkSpec } from '../model/spec.js';
import { GpuSimulator } from '../gpu/simulator.js';
import type { PopulationRateRecording, SpikeCountRecording } from '../model/recording.js';
import { RandomStream } from '../rng/philox.js';

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
