/**
 * The BCI study as a live lab: one network with E1/E2 target groups runs session after session
 * (all trials of a session in parallel, as the batch), a session per animation frame; two
 * baseline sessions calibrate the hit threshold, then after every session's trials an outcome
 * unit carries each trial's error to the targets' apical dendrites through learned feedback
 * weights (per neuron: vectorized; one shared weight: scalar; none onto the targets: blocked;
 * switchable at any time), and the basal and feedback weights learn on the GPU.
 */
import { neuronUpdatesPerStep, synapseReadsPerStep, type DriverAdvance, type DriverEnvironment, type SimulationDriver } from '../gpu/driver.js';
import { GpuPlasticity } from '../gpu/plasticity/plasticity.js';
import type { GpuSimulator } from '../gpu/simulator.js';
import { mean } from '../analysis/summary.js';
import { calibrate, chooseTargets, correlation, createRun, cursorToGratingDeg, learn, resolveBciOptions, session, type BciLearningRates, type BciOptions, type CursorTask, type Run, type SessionData, type Teaching } from './bci.js';

/**
 * Lab defaults: a network small enough for software adapters (a session takes a few seconds
 * there). The lab does not sweep learning rates: it uses {@link BCI_LAB_RATES}, values inside the
 * protocol's sweep grids.
 */
export const BCI_LAB_DEFAULTS: Partial<BciOptions> = { excitatory: 1600, inhibitory: 400, trialsPerSession: 32, targetsPerGroup: 4, contextUnits: 64, twoSided: false /* the one-sided task the page explains */ };

/** Learning rates the lab uses unless `learningRates` is given. */
export const BCI_LAB_RATES: BciLearningRates = { dendritic: 0.03, neuromodulatory: 1 };

/** One trial's traces, sampled at `timesMs`. */
export interface BciTrialTrace {
  /** Sample times from the trial's start, ms (ascending). */
  readonly timesMs: number[];
  /** Cursor, mean E1 − mean E2 activity (the same units as `threshold`). */
  readonly cursor: number[];
  /** Somatic activity of the E1 and E2 target groups. */
  readonly e1Soma: number[];
  readonly e2Soma: number[];
  /** Dendritic (apical) activity of the E1 and E2 target groups. */
  readonly e1Dendrite: number[];
  readonly e2Dendrite: number[];
  /** Time of the hit (cursor reached the threshold), ms; null for an unrewarded trial. */
  readonly hitMs: number | null;
}

/** What the lab measured in one session. */
export interface BciSessionResult {
  /** Session number (1 = first); baseline sessions are 1 and 2. */
  readonly session: number;
  readonly phase: 'baseline' | 'training';
  readonly teaching: Teaching | null;
  /** Hit threshold on the cursor (null during the first baseline session). */
  readonly threshold: number | null;
  readonly hitRate: number;
  /** Per trial: rewarded (threshold crossed) or not. */
  readonly rewards: boolean[];
  /** Mean E1 and E2 rates over the session's trials. */
  readonly e1Activity: number;
  readonly e2Activity: number;
  /** Correlation across targets of the learned feedback weights with the roles (null: shared weight). */
  readonly feedbackRoleCorrelation: number | null;
  /** Mean apical ΔF/F of E1 and E2 during the teaching period. */
  readonly e1Dendrite: number;
  readonly e2Dendrite: number;
  /** Mean largest grating angle reached (deg; 90 = target). */
  readonly gratingDeg: number;
  /** A representative trial: the first rewarded one, else trial 0. */
  readonly trial: BciTrialTrace;
}

/**
 * Live driver of the BCI lab. Set {@link teaching} any time (applies from the next session);
 * {@link onSession} receives each session's results.
 */
export class BciLabDriver implements SimulationDriver {
  /** Teaching signal of training sessions. */
  teaching: Teaching = 'vectorized';
  /** Called with each session's results. */
  onSession: ((result: BciSessionResult) => void) | null = null;
  /** Sessions done. */
  sessions = 0;
  threshold: number | null = null;
  private task: CursorTask | null = null;
  private readonly baseline: SessionData[] = [];
  private readonly rates: BciLearningRates;
  private steps = 0;
  private readonly stepsPerSession: number;
  private readonly neuronsTimesBatch: number;
  private readonly synapsesTimesBatch: number;

  private constructor(
    private readonly run: Run,
    private readonly plasticity: GpuPlasticity,
    readonly options: BciOptions,
  ) {
    this.rates = options.learningRates ?? BCI_LAB_RATES;
    this.stepsPerSession = Math.round((options.trialMs + options.teachingMs) / options.dtMs);
    this.neuronsTimesBatch = neuronUpdatesPerStep(run.sim.plan);
    this.synapsesTimesBatch = synapseReadsPerStep(run.sim.plan);
  }

  /**
   * Build the lab network.
   * @throws RangeError for invalid options (naming the option)
   */
  static async create(env: DriverEnvironment, given: Partial<BciOptions> = {}): Promise<BciLabDriver> {
    const o = resolveBciOptions({ ...BCI_LAB_DEFAULTS, ...given, seed: env.seed });
    const [e1, e2] = chooseTargets(o, o.targetsPerGroup, o.targetsPerGroup);
    const run = await createRun(o, env, e1, e2);
    const plasticity = await GpuPlasticity.create(env.context, env.shaders);
    return new BciLabDriver(run, plasticity, o);
  }

  get simulator(): GpuSimulator {
    return this.run.sim;
  }

  /** Steps simulated since the lab started. */
  get stepCount(): number {
    return this.steps;
  }

  /** E1 and E2 neuron indices in the excitatory population. */
  get targetGroups(): { readonly e1: readonly number[]; readonly e2: readonly number[] } {
    return { e1: this.run.e1, e2: this.run.e2 };
  }

  /** Simulates one whole session (trials in parallel), whatever `steps` asks: learning happens between sessions. */
  async advance(steps: number): Promise<DriverAdvance> {
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`advance(steps): expected an integer ≥ 1, got ${steps}`);
    const o = this.options;
    const training = this.threshold !== null;
    if (training && this.teaching === 'scalar') this.run.feedback.fill(this.run.feedback.reduce((a, b) => a + b, 0) / this.run.feedback.length);
    const correlationNow = training && this.teaching !== 'scalar' ? correlation(this.run.feedback, this.run.role) : null;
    const data = await session(this.run, o, this.task, training ? this.teaching : null);
    this.sessions++;
    this.steps += this.stepsPerSession;
    if (!training) {
      this.baseline.push(data);
      if (this.baseline.length === 2) {
        const task = calibrate(this.baseline, o.chanceHitRate);
        this.task = task;
        this.threshold = task.threshold;
      }
    } else {
      await learn(this.run, this.plasticity, o, data, this.teaching, this.rates);
    }
    this.onSession?.(this.summarize(data, training, correlationNow));
    return { steps: this.stepsPerSession, neuronSteps: this.neuronsTimesBatch * this.stepsPerSession, synapticEvents: this.synapsesTimesBatch * this.stepsPerSession, recordings: [] };
  }

  private summarize(data: SessionData, training: boolean, feedbackRoleCorrelation: number | null): BciSessionResult {
    const o = this.options;
    const B = o.trialsPerSession;
    const threshold = this.threshold;
    const rewards = data.hitMs.map((h) => training && h !== null);
    if (!training && threshold !== null) data.peak.forEach((p, b) => (rewards[b] = p >= threshold));
    const groupMean = (values: Float64Array, role: number): number => mean(this.run.role.flatMap((r, k) => (r === role ? [mean(values.subarray(k * B, (k + 1) * B))] : [])));
    const shown = Math.max(0, rewards.indexOf(true));
    const tr = data.traces;
    const pick = (series: Float64Array): number[] => tr.timesMs.map((_, s) => series[s * B + shown]!);
    const teachingFrom = tr.timesMs.findIndex((t) => t > o.trialMs);
    const teachingMean = (series: Float64Array): number => {
      let sum = 0;
      let count = 0;
      for (let s = Math.max(0, teachingFrom); s < tr.timesMs.length; s++) for (let b = 0; b < B; b++) {
        sum += series[s * B + b]!;
        count++;
      }
      return count > 0 ? sum / count : 0;
    };
    return {
      session: this.sessions,
      phase: training ? 'training' : 'baseline',
      teaching: training ? this.teaching : null,
      threshold,
      hitRate: rewards.filter(Boolean).length / B,
      rewards,
      e1Activity: groupMean(data.rate, 1),
      e2Activity: groupMean(data.rate, -1),
      feedbackRoleCorrelation,
      e1Dendrite: teachingMean(tr.e1Dendrite),
      e2Dendrite: teachingMean(tr.e2Dendrite),
      gratingDeg: threshold !== null ? mean(Array.from(data.peak, (c) => cursorToGratingDeg(c, threshold))) : 0,
      trial: { timesMs: [...tr.timesMs], cursor: pick(tr.cursor), e1Soma: pick(tr.e1Soma), e2Soma: pick(tr.e2Soma), e1Dendrite: pick(tr.e1Dendrite), e2Dendrite: pick(tr.e2Dendrite), hitMs: rewards[shown] ? data.hitMs[shown] ?? null : null },
    };
  }

  destroy(): void {
    this.run.sim.destroy();
    this.plasticity.destroy();
  }
}
