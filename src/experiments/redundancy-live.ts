/**
 * The redundancy study as a live lab: the two-area network of {@link redundancyNetwork} runs
 * block after block of trials (each block = one "day" when learning is on), a few steps per
 * animation frame (one block per frame), with the linear Fisher information of recorded arrays computed on the GPU
 * at the end of each block. Condition (task or passive viewing), stimulus pair (cardinal or
 * oblique), learning on/off and the feedback gain can change between blocks.
 */
import { neuronUpdatesPerStep, synapseReadsPerStep, type DriverAdvance, type DriverEnvironment, type SimulationDriver } from '../gpu/driver.js';
import type { InformationAnalysis } from '../gpu/analysis/information-analysis.js';
import { GpuSimulator } from '../gpu/simulator.js';
import { preferredOrientationsDeg } from '../model/connectivity.js';
import type { PopulationRateRecording } from '../model/recording.js';
import { RandomStream } from '../rng/philox.js';
import { mean, meanAndStandardError } from '../analysis/summary.js';
import { Learner, TASKS, redundancyNetwork, resolveRedundancyOptions, type BlockData, type RedundancyOptions } from './redundancy-lab-model.js';

/** Settings of the lab (network size and trial structure; fixed for a driver). */
export interface RedundancyLabOptions {
  /** Sensory neurons (default 960). */
  readonly sensoryNeurons: number;
  /** Trials per block, half per stimulus (default 128). */
  readonly trialsPerBlock: number;
  /** Recorded arrays and neurons per array (defaults 2 and 48). */
  readonly arrays: number;
  readonly arrayNeurons: number;
}

/** Defaults: small enough for a software adapter, a few blocks per minute. */
export const REDUNDANCY_LAB_DEFAULTS: RedundancyLabOptions = { sensoryNeurons: 960, trialsPerBlock: 128, arrays: 2, arrayNeurons: 48 };

/** What the lab measured at the end of one block. */
export interface RedundancyBlockResult {
  /** Block number (1 = first). */
  readonly block: number;
  /** Learning day the block belonged to (days advance only while learning is on). */
  readonly day: number;
  readonly condition: 'task' | 'passive';
  readonly stimuli: 'cardinal' | 'oblique';
  /** Fraction of correct choices in the block. */
  readonly accuracy: number;
  /** Feedback gain in effect during the block (task gain × passive factor in passive viewing). */
  readonly feedbackGain: number;
  /** The task gain at the start of the block (learned, or the fixed gain). */
  readonly taskGain: number;
  /** Mean over arrays of the bias-corrected information of the intact and the shuffled responses (deg⁻²), and ρ = 1 − I/I_shuffle. */
  readonly I_bc: number;
  readonly I_shuffle_bc: number;
  readonly rho: number;
  readonly rhoSe: number;
  /** Within-trial ρ per sliding window (centres in ms). */
  readonly withinTrial: { readonly centersMs: readonly number[]; readonly rho: readonly number[] };
  /** Noise covariance of array 0 (stimulus a, daily window), neurons sorted by preferred orientation. */
  readonly covariance: { readonly neurons: number; readonly values: Float64Array; readonly preferredDeg: readonly number[] };
  /** Decision-area belief (mean over trials of each stimulus) over the trial, per bin. */
  readonly belief: { readonly binMs: number; readonly a: readonly number[]; readonly b: readonly number[] };
}

/**
 * Live driver of the redundancy lab. Set {@link condition}, {@link stimuli}, {@link learning}
 * and {@link gainOverride} any time; they apply from the next block. {@link onBlock} receives
 * each block's measurements.
 */
export class RedundancyLabDriver implements SimulationDriver {
  /** Task engagement: `task` (full feedback gain) or `passive` (gain × passiveGainFactor). */
  condition: 'task' | 'passive' = 'task';
  /** Stimulus pair: cardinal (0°/90°, the trained task) or oblique (45°/135°). */
  stimuli: 'cardinal' | 'oblique' = 'cardinal';
  /** Learn from each task block's choices and rewards (one block = one day). */
  learning = true;
  /** Fixed feedback gain instead of the learned one (null: learned). */
  gainOverride: number | null = null;
  /** Called with each block's results. */
  onBlock: ((result: RedundancyBlockResult) => void) | null = null;

  /** Blocks finished, and learning days so far. */
  blocks = 0;
  day = 1;
  private stepInBlock = 0;
  private blockStarted = false;
  /** Settings in force for the block in progress (changes apply from the next block). */
  private blockSettings = { condition: 'task' as 'task' | 'passive', stimuli: 'cardinal' as 'cardinal' | 'oblique', learning: true, gain: 0, taskGain: 0 };
  private readonly stepsPerBlock: number;
  private readonly neuronsTimesBatch: number;
  private readonly synapsesTimesBatch: number;
  /** Array neurons sorted by preferred orientation, and their orientations. */
  readonly arrayOrder: number[];
  readonly preferredDeg: readonly number[];
  /** Preferred orientation of every sensory neuron, deg. */
  readonly preferredOrientations: Float64Array | readonly number[];

  private constructor(
    readonly simulator: GpuSimulator,
    readonly options: RedundancyOptions,
    readonly learner: Learner,
    private readonly dayAnalyses: InformationAnalysis[],
    private readonly withinAnalyses: InformationAnalysis[],
    readonly arrays: number[][],
  ) {
    this.stepsPerBlock = Math.round(options.trialMs / options.dtMs);
    this.neuronsTimesBatch = neuronUpdatesPerStep(simulator.plan);
    this.synapsesTimesBatch = synapseReadsPerStep(simulator.plan);
    const orientations = preferredOrientationsDeg('random', options.sensoryNeurons, simulator.plan.seed, 0);
    this.preferredOrientations = orientations;
    const first = arrays[0]!;
    this.arrayOrder = Array.from({ length: first.length }, (_, k) => k).sort((x, y) => orientations[first[x]!]! - orientations[first[y]!]!);
    this.preferredDeg = this.arrayOrder.map((k) => orientations[first[k]!]!);
  }

  /**
   * Build the lab's network and analyses.
   * @throws RangeError for invalid sizes (naming the option)
   */
  static async create(env: DriverEnvironment, given: Partial<RedundancyLabOptions> = {}): Promise<RedundancyLabDriver> {
    const lab = { ...REDUNDANCY_LAB_DEFAULTS, ...given };
    const o = resolveRedundancyOptions({ ...lab, blocksPerDay: 1, days: 2, seed: env.seed });
    const sim = await GpuSimulator.create(redundancyNetwork(o, true), { context: env.context, shaders: env.shaders });
    try {
      const rng = new RandomStream(o.seed, 0x4c4142);
      const order = Array.from({ length: o.sensoryNeurons }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.uniformInt(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const arrays = Array.from({ length: o.arrays }, (_, a) => order.slice(a * o.arrayNeurons, (a + 1) * o.arrayNeurons).sort((x, y) => x - y));
      const learner = new Learner(sim, o, true, rng);
      const half = o.trialsPerBlock / 2;
      const trialsA = Array.from({ length: half }, (_, t) => t);
      const trialsB = trialsA.map((t) => t + half);
      const dayWindowBins = Math.round(o.trialMs / o.binMs) - 2;
      const day: InformationAnalysis[] = [];
      const within: InformationAnalysis[] = [];
      for (const neurons of arrays) {
        day.push(await sim.attachInformation({ recorder: 0, neurons, trialsA, trialsB, ds: 90, windowBins: dayWindowBins, keepCounts: true }));
        within.push(await sim.attachInformation({ recorder: 0, neurons, trialsA, trialsB, ds: 90, windowBins: 2 }));
      }
      return new RedundancyLabDriver(sim, o, learner, day, within, arrays);
    } catch (error) {
      sim.destroy();
      throw error;
    }
  }

  /** Steps into the current block. */
  get stepCount(): number {
    return this.simulator.stepCount;
  }

  /** Feedback gain the next block will use. */
  get effectiveGain(): number {
    const g = this.gainOverride ?? this.learner.gain;
    return this.condition === 'passive' ? g * this.options.passiveGainFactor : g;
  }

  async advance(steps: number): Promise<DriverAdvance> {
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`advance(steps): expected an integer ≥ 1, got ${steps}`);
    const sim = this.simulator;
    if (!this.blockStarted) {
      this.blockSettings = { condition: this.condition, stimuli: this.stimuli, learning: this.learning, gain: this.effectiveGain, taskGain: this.gainOverride ?? this.learner.gain };
      const learnedGain = this.learner.gain;
      if (this.gainOverride !== null) this.learner.gain = this.gainOverride;
      this.learner.apply(this.condition === 'passive' ? this.options.passiveGainFactor : 1, TASKS[this.stimuli]);
      this.learner.gain = learnedGain;
      for (const a of [...this.dayAnalyses, ...this.withinAnalyses]) a.clear();
      await this.learner.beginBlock();
      this.blockStarted = true;
      this.stepInBlock = 0;
    }
    // Information windows span most of the trial and must lie inside one run: a block is
    // simulated in one piece (one command buffer of 80 steps by default), whatever `steps` asks.
    const n = this.stepsPerBlock - this.stepInBlock;
    const report = await sim.run(n * this.options.dtMs);
    this.stepInBlock += report.steps;
    if (this.stepInBlock >= this.stepsPerBlock) await this.finishBlock();
    // Block results go to onBlock; the recordings stay with the block until it ends.
    return { steps: report.steps, neuronSteps: this.neuronsTimesBatch * report.steps, synapticEvents: this.synapsesTimesBatch * report.steps, recordings: [] };
  }

  private async finishBlock(): Promise<void> {
    this.blockStarted = false;
    const o = this.options;
    const settings = this.blockSettings;
    const beliefRec = this.simulator.recordings().find((r): r is PopulationRateRecording => r.type === 'population_rate')!;
    const data: BlockData = this.learner.readBlock();
    const windows = await Promise.all(this.dayAnalyses.map(async (a) => (await a.results()).at(-1)));
    const valid = windows.filter((w) => w?.result);
    const rhos = valid.map((w) => w!.result!.rho);
    const within = await Promise.all(this.withinAnalyses.map((a) => a.results()));
    const centersMs = within[0]!.map((w) => w.centerMs);
    const withinRho = centersMs.map((_, k) => mean(within.map((ws) => ws[k]?.result?.rho ?? Number.NaN).filter(Number.isFinite)));
    const dailyIndex = windows[0]?.index ?? 0;
    const stats = await this.dayAnalyses[0]!.statistics(dailyIndex, 'a');
    const nA = this.arrayOrder.length;
    const sorted = new Float64Array(nA * nA);
    this.arrayOrder.forEach((i, r) => this.arrayOrder.forEach((j, c) => (sorted[r * nA + c] = stats.covariance[i * nA + j]!)));
    const half = o.trialsPerBlock / 2;
    const bins = beliefRec.values.length / beliefRec.nTrials;
    const beliefMean = (from: number): number[] => Array.from({ length: bins }, (_, bin) => {
      let sum = 0;
      for (let t = 0; t < half; t++) sum += beliefRec.values[bin * beliefRec.nTrials + this.simulator.trialOffset - beliefRec.firstTrial + from + t]!;
      return sum / half;
    });
    let correct = 0;
    data.stimulusB.forEach((isB, t) => {
      if ((data.belief[t]! > 0) === isB) correct++;
    });
    const accuracy = correct / data.stimulusB.length;
    if (settings.learning && settings.condition === 'task' && settings.stimuli === 'cardinal') {
      this.learner.learn([data], this.day - 1, 12);
      this.day++;
    }
    this.blocks++;
    const { mean: rho, se: rhoSe } = meanAndStandardError(rhos.length > 0 ? rhos : [Number.NaN]);
    this.onBlock?.({
      block: this.blocks,
      day: this.day,
      condition: settings.condition,
      stimuli: settings.stimuli,
      accuracy,
      feedbackGain: settings.gain,
      taskGain: settings.taskGain,
      I_bc: mean(valid.map((w) => w!.result!.I_bc)),
      I_shuffle_bc: mean(valid.map((w) => w!.result!.I_shuffle_bc)),
      rho,
      rhoSe,
      withinTrial: { centersMs, rho: withinRho },
      covariance: { neurons: nA, values: sorted, preferredDeg: this.preferredDeg },
      belief: { binMs: beliefRec.binMs, a: beliefMean(0), b: beliefMean(half) },
    });
  }

  destroy(): void {
    this.simulator.destroy();
  }
}
