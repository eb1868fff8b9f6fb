/**
 * Spiking two-compartment targets for the BCI study (issue 14, point 3), opt-in with
 * `targetModel: 'spiking'`. The target neurons are a separate population T of spiking
 * pyramidal cells written as an equations model ({@link SPIKING_PYRAMIDAL}): a LIF soma with
 * spike-triggered adaptation, a leaky apical compartment with a regenerative calcium plateau
 * that depolarises the soma (plateaus → bursts), back-propagating spikes that depolarise the
 * apical compartment, and the calcium indicators of both compartments as state variables that
 * are recorded and read, never used by learning.
 *
 * Everything that projects onto T carries spikes: the context units X (rate units emitting
 * Poisson spikes), the outcome units O (ON and OFF halves carrying the positive and negative
 * part of the signed error as Poisson spikes) and Poisson background. The basal (dendritic)
 * route is burst-dependent (Payeur et al. 2021): ΔW_ij = η·⟨(B_i − P̄_i·E_i)·x̄_j⟩ over the
 * session's trials, with burst and event counts B, E of the outcome period counted by the
 * model itself (state variables `n_burst`, `n_event`). The GPU's dendrite-gated kernel computes
 * it (apical = B − P̄E, gain 1).
 *
 * Spike projections have no live weight update in the engine, so the network is rebuilt with
 * the current weights (matrix connectors) before each session (about 0.2 s here).
 */
import type { EquationModelDescription } from '../model/equations/compile.js';
import type { NetworkSpec, ProjectionSpec } from '../model/spec.js';
import { spikeCountsOfTrials, stateWindowMean, type SpikeCountRecording, type StateRecording } from '../model/recording.js';
import { GpuSimulator } from '../gpu/simulator.js';
import type { BciEnvironment, BciOptions, BciTargetModelImpl, OutcomeReadout, Run, SessionData, Teaching, TrialReadout } from './bci.js';

/** Integration step of the spiking variant, ms (bursts need inter-spike intervals well below 16 ms resolved). */
export const SPIKING_DT_MS = 1;
/**
 * Default learning-rate grids of the spiking variant: the dendritic grid reaches higher than the
 * rate variant's (0.01–0.3), because B − P̄·E (bursts per outcome period) is smaller than the
 * rate model's apical depolarisation; chosen after a first --quick run whose sweep had only the
 * rate grid (README).
 */
export const SPIKING_RATE_GRID = { dendritic: [0.1, 0.3, 1, 3, 10], neuromodulatory: [0.03, 0.1, 0.3, 1, 3] } as const;
/** Decoded rates are in units of this many spikes/s (so that rate-unit settings keep their scale). */
export const SPIKING_RATE_UNIT_HZ = 10;
/** Somatic depolarisation per context spike per unit of basal weight, mV. */
const BASAL_MV = 2;
/** Apical depolarisation per outcome spike per unit of feedback weight, mV. */
const FEEDBACK_MV = 1;
/** Units in each half (ON, OFF) of the outcome population, and their spikes/s per unit of error. */
const OUTCOME_UNITS = 10;
const OUTCOME_HZ = 50;
/** Spikes/s of a context unit per unit of its rate. */
const CONTEXT_HZ = 10;
const BIN_MS = 50;

/**
 * Spiking two-compartment pyramidal cell (layer-5 style), in mV and ms.
 * - soma: LIF, τ_s dv/dt = E_L − v + g_e − g_i + g_sa·(v_a − v) + plateau_drive·p − w (refractory 2 ms),
 *   spike-triggered adaptation w (b 2 mV, τ 100 ms);
 * - apical: τ_a dv_a/dt = E_L − v_a + g_a + I_apical + g_as·(v − v_a) + plateau_self·p, each somatic
 *   spike adds `bap` (back-propagation);
 * - plateau: τ_p dp/dt = σ((v_a − θ_p)/slope) − p, regenerative through plateau_self, driving
 *   the soma through plateau_drive: a plateau makes the soma fire at high frequency (bursts);
 * - calcium indicators: ca_s jumps by 1 per spike and decays (τ 100 ms); ca_d follows the
 *   plateau (τ 100 ms) plus a small jump per back-propagating spike; dff_* add readout noise;
 * - events and bursts (Payeur et al. 2021): a spike more than t_burst (16 ms) after the previous
 *   one starts an event (`n_event` += 1); the second spike of an event within t_burst makes it
 *   a burst (`n_burst` += 1; later spikes of the same burst add nothing). `tsl` is the time since
 *   the last spike.
 */
export const SPIKING_PYRAMIDAL: EquationModelDescription = {
  summary: 'Spiking two-compartment pyramidal cell: LIF soma with adaptation, apical compartment with a regenerative calcium plateau that drives bursts, calcium indicators and burst/event counters',
  equations: [
    'dv/dt = (EL - v + ge - gi + g_sa*(va - v) + plateau_drive*p - wad)/tau_s : volt (unless refractory)',
    'dva/dt = (EL - va + ga + I_apical + g_as*(v - va) + plateau_self*p)/tau_a : volt',
    'dp/dt = (1/(1 + exp(-(va - theta_p)/slope_p)) - p)/tau_p : 1',
    'dge/dt = -ge/tau_e : volt',
    'dgi/dt = -gi/tau_i : volt',
    'dga/dt = -ga/tau_ga : volt',
    'dwad/dt = -wad/tau_w : volt',
    'dtsl/dt = 1 : second',
    'dca_s/dt = -ca_s/tau_ca : 1',
    'dca_d/dt = (p - ca_d)/tau_ca : 1',
    'dff_soma = ca_s + readout_noise*randn() : 1',
    'dff_apical = ca_d + readout_noise*randn() : 1',
    'n_event : 1',
    'n_burst : 1',
    'in_burst : 1',
    'I_apical : volt (shared)',
  ].join('\n'),
  threshold: 'v > v_th',
  reset: 'v = v_r; wad += b_ad; va += bap; ca_s += 1; ca_d += ca_bap; n_burst += int(tsl < t_burst)*(1 - in_burst); n_event += int(tsl >= t_burst); in_burst = int(tsl < t_burst); tsl = 0*ms',
  refractory: '2*ms',
  apical_current: 'I_apical',
  receptors: { excitatory: 'ge += w', inhibitory: 'gi += w', apical: 'ga += w' },
  namespace: {
    EL: '-70*mV', v_th: '-50*mV', v_r: '-60*mV', tau_s: '15*ms', tau_a: '20*ms', tau_p: '40*ms', tau_e: '5*ms', tau_i: '10*ms', tau_ga: '10*ms',
    tau_w: '100*ms', b_ad: '2*mV', g_sa: 0.1, g_as: 0.1, plateau_drive: '20*mV', plateau_self: '3*mV', theta_p: '-55*mV', slope_p: '2*mV',
    bap: '1*mV', t_burst: '16*ms', tau_ca: '100*ms', ca_bap: 0.05, readout_noise: 0.02,
  },
};

/** Modelling choices of the spiking variant (added to the list in results.json). */
export const BCI_SPIKING_CHOICES: readonly string[] = [
  'Spiking targets (`targetModel: \'spiking\'`, `--spiking-targets`): the 2·targetsPerGroup target neurons are their own population T of spiking two-compartment cells (equations model `bci_pyramidal`, spec `models`): LIF soma (τ 15 ms, E_L −70, threshold −50, reset −60 mV, refractory 2 ms, adaptation 2 mV / 100 ms); apical compartment (τ 20 ms, coupling 0.1 both ways) with a regenerative plateau p, τ_p dp/dt = σ((v_a + 55 mV)/2 mV) − p (τ_p 40 ms, self-excitation 3 mV), driving the soma with 20 mV·p; each spike depolarises the apical compartment by 1 mV (back-propagation). dt 1 ms.',
  'Spiking network: only T is spiking; the E/I rate network is not simulated in this variant (excitatory/inhibitory only size the validation). T receives Poisson background (2 kHz × 2.3 mV excitatory, 400 Hz × 2 mV inhibitory; about 7 Hz without apical input), a tonic apical drive (8 mV), the context units X (the same rate units as in the rate variant, emitting Poisson spikes at 10 Hz per unit rate) through the plastic basal weights (2 mV per spike per unit weight), and the outcome units through the learned feedback weights. Signed weights become an excitatory and an inhibitory projection (the engine takes magnitudes; the receptor gives the sign).',
  'Outcome as spikes: 10 ON units carry max(0, d·e) and 10 OFF units max(0, −d·e) as Poisson spikes (50 Hz per unit error); target i receives the ON units through B_i and the OFF units through −B_i (1 mV per spike per unit weight), so one learned weight carries the signed error.',
  'Cursor from spikes: target spike counts in 50 ms bins, as rates in units of 10 Hz (mean E1 − mean E2 plus the decoder offset, in the same units); a neuron\'s trial rate is its spike count over the trial in the same units.',
  'Events and bursts are counted by the model (state variables n_event, n_burst): a spike more than 16 ms after the previous one starts an event; a second spike within 16 ms makes that event a burst (Payeur et al. 2021).',
  'Burst-dependent basal rule (the dendritic route in spiking mode): ΔW_ij = η_a·⟨(B_i − P̄_i·E_i)·x̄_j⟩ over the session\'s trials, B and E the neuron\'s bursts and events in the outcome period, P̄_i its burst probability over the session\'s outcome periods (ΣB/ΣE; the session stands in for a slow running average, since weights change once per session), x̄_j the context rate during the trial. The neuromodulatory route and the feedback rule are unchanged, on spike-count rates.',
  'Calcium observables (spiking): somatic indicator = spike train filtered with τ 100 ms; dendritic indicator = the plateau variable filtered with τ 100 ms plus 0.05 per back-propagating spike; each plus readout noise (SD 0.02 per step). They are recorded and read; no learning rule reads them.',
  'Learning-rate grids (spiking): dendritic 0.1, 0.3, 1, 3, 10 (the burst signal B − P̄E is smaller than the rate model\'s apical depolarisation; the rate grid 0.01–0.1 chose 0.03 and nothing was learned in a first --quick run; 10 was added after 3, the top of the first spiking grid, was chosen), neuromodulatory 0.03 … 3 as in the rate variant; each chosen by the same sweep. --quick sweeps 4 sessions per point and skips the decoder-noise sweep (time).',
  'The network is rebuilt with the current weights before each session (spike projections have no live weight update in the engine); trials continue the global trial numbering, so noise and cues are those the rate variant would draw.',
];

/** Split a signed target-major matrix into excitatory and inhibitory magnitude matrices (empty ones dropped). */
function signedProjections(name: string, source: string, target: string, rows: number[][], extra: Partial<ProjectionSpec>, delayMs: number): ProjectionSpec[] {
  const out: ProjectionSpec[] = [];
  for (const [suffix, sign, receptor] of [['exc', 1, 'excitatory'], ['inh', -1, 'inhibitory']] as const) {
    const part = rows.map((r) => r.map((w) => Math.max(0, sign * w)));
    if (part.some((r) => r.some((w) => w > 0))) out.push({ ...extra, name: `${name}_${suffix}`, source, target, connector: { type: 'matrix', weights: part }, delay_ms: delayMs, receptor });
  }
  return out;
}

/**
 * The spiking network of one session: T (targets, in `run.targets` order 0…n−1), X (context),
 * O (outcome: ON then OFF units); basal and feedback weights as given.
 * @param feedback feedback weight per target as the condition expresses it (zeros: blocked)
 */
export function bciSpikingNetwork(o: BciOptions, seed: number, nTargets: number, basal: ArrayLike<number>, feedback: ArrayLike<number>): NetworkSpec {
  const basalRows = Array.from({ length: nTargets }, (_, i) => Array.from({ length: o.contextUnits }, (_, j) => BASAL_MV * basal[i * o.contextUnits + j]!));
  // ON units reach target i with +B_i, OFF units with −B_i.
  const feedbackRows = Array.from({ length: nTargets }, (_, i) => Array.from({ length: 2 * OUTCOME_UNITS }, (_, u) => FEEDBACK_MV * feedback[i]! * (u < OUTCOME_UNITS ? 1 : -1)));
  const delay = o.dtMs;
  return {
    name: 'bci_spiking_targets',
    dt_ms: o.dtMs,
    seed,
    batch: o.trialsPerSession,
    models: { bci_pyramidal: SPIKING_PYRAMIDAL },
    populations: [
      { name: 'T', size: nTargets, model: 'bci_pyramidal', initial: { v: -65, va: -65, tsl: 1000 } },
      { name: 'X', size: o.contextUnits, model: 'rate', params: { tau_ms: 20, transfer: 'threshold_linear', noise_std: 1, spike_rate_hz: CONTEXT_HZ } },
      { name: 'O', size: 2 * OUTCOME_UNITS, model: 'rate', params: { tau_ms: 10, transfer: 'threshold_linear', noise_std: 0, spike_rate_hz: OUTCOME_HZ } },
    ],
    projections: [
      ...signedProjections('context', 'X', 'T', basalRows, {}, delay),
      ...signedProjections('feedback', 'O', 'T', feedbackRows, { compartment: 'apical' }, delay),
    ],
    inputs: [
      { type: 'poisson', target: 'T', rate_hz: 2000, weight: 2.3 },
      { type: 'poisson', target: 'T', rate_hz: 400, weight: 2, receptor: 'inhibitory' },
      { type: 'dc', target: 'T', amplitude: 8, compartment: 'apical' },
      { type: 'dc', target: 'X', amplitude: o.twoSided ? 0.5 : 1 },
      { type: 'trial_current', target: 'X' },
      { type: 'trial_current', target: 'O' },
    ],
    recorders: [
      { type: 'spike_counts', population: 'T', window_ms: BIN_MS },
      { type: 'state', population: 'T', variable: 'dff_soma', neurons: 'all', every_ms: BIN_MS },
      { type: 'state', population: 'T', variable: 'dff_apical', neurons: 'all', every_ms: BIN_MS },
      { type: 'state', population: 'X', variable: 'r', neurons: 'all', every_ms: BIN_MS },
    ],
  };
}

const CUE = 4;
const OUTCOME = 5;

/** Decoded rates (units of 10 Hz) of T per 50 ms bin in the current trial block, [(bin·batch + b)·nT + k], timed at each bin's end. */
function binRates(sim: GpuSimulator, batch: number): { timesMs: number[]; values: Float64Array } {
  const rec = sim.recordings()[0] as SpikeCountRecording;
  const bins = rec.nWindows;
  const counts = spikeCountsOfTrials(rec, sim.trialOffset, batch);
  const scale = 1000 / (BIN_MS * SPIKING_RATE_UNIT_HZ);
  return { timesMs: Array.from({ length: bins }, (_, w) => (w + 1) * BIN_MS), values: Float64Array.from(counts, (c) => c * scale) };
}

/** Counter state (`n_burst`, `n_event`) of T, [target][trial] (flat `neuron·batch + trial`, as read). */
async function counters(sim: GpuSimulator): Promise<{ bursts: Float32Array; events: Float32Array }> {
  return { bursts: await sim.readState('T', 'n_burst'), events: await sim.readState('T', 'n_event') };
}

/** The spiking target model (see the module comment). */
export const SPIKING_TARGETS: BciTargetModelImpl = {
  name: 'spiking',
  modellingChoices: BCI_SPIKING_CHOICES,
  populationSize: (_o, nTargets) => nTargets,
  networkSummary: (o) => `${2 * o.targetsPerGroup} spiking targets (no E/I network)`,
  async build(o: BciOptions, env: BciEnvironment, run: Pick<Run, 'seed' | 'targets' | 'weights'>, feedback: ArrayLike<number>): Promise<GpuSimulator> {
    return GpuSimulator.create(bciSpikingNetwork(o, run.seed, run.targets.length, run.weights, feedback), { context: env.context, shaders: env.shaders });
  },
  // Weights take effect when the next session rebuilds the network.
  pushWeights: () => undefined,
  async beginSession(run: Run, o: BciOptions, teaching: Teaching | null): Promise<void> {
    const feedback = teaching !== null && teaching !== 'blocked' ? run.feedback : new Float32Array(run.targets.length);
    const offset = run.sim.trialOffset + o.trialsPerSession;
    run.sim.destroy();
    run.sim = await SPIKING_TARGETS.build(o, run.env, run, feedback);
    await run.sim.resetTrials(offset);
    run.sim.clearRecordings();
  },
  cueInput: CUE,
  outcomeInput: OUTCOME,
  outcomeValues(o: BciOptions, signed: ArrayLike<number>): Float32Array {
    const B = o.trialsPerSession;
    const out = new Float32Array(2 * OUTCOME_UNITS * B);
    for (let u = 0; u < 2 * OUTCOME_UNITS; u++) for (let b = 0; b < B; b++) out[u * B + b] = Math.max(0, (u < OUTCOME_UNITS ? 1 : -1) * signed[b]!);
    return out;
  },
  async readTrial(run: Run, o: BciOptions): Promise<TrialReadout> {
    const B = o.trialsPerSession;
    const nT = run.targets.length;
    const samples = binRates(run.sim, B);
    const bins = Math.min(samples.timesMs.length, Math.round(o.trialMs / BIN_MS));
    const rate = new Float64Array(nT * B);
    for (let s = 0; s < bins; s++) for (let b = 0; b < B; b++) for (let k = 0; k < nT; k++) rate[k * B + b]! += samples.values[(s * B + b) * nT + k]! / bins;
    const recs = run.sim.recordings();
    return { samples, rate, vSoma: null, context: stateWindowMean(recs[3] as StateRecording, B, BIN_MS, o.trialMs), counters: await counters(run.sim) };
  },
  async readOutcome(run: Run, o: BciOptions, trial: TrialReadout): Promise<OutcomeReadout> {
    const B = o.trialsPerSession;
    const nT = run.targets.length;
    const recs = run.sim.recordings();
    const end = o.trialMs + o.teachingMs;
    const before = trial.counters!;
    const after = await counters(run.sim);
    const bursts = Float64Array.from(after.bursts, (v, i) => v - before.bursts[i]!);
    const events = Float64Array.from(after.events, (v, i) => v - before.events[i]!);
    // B − P̄·E with P̄ the neuron's burst probability over this session's outcome periods.
    const apicalSignal = new Float64Array(nT * B);
    for (let k = 0; k < nT; k++) {
      let sb = 0;
      let se = 0;
      for (let b = 0; b < B; b++) {
        sb += bursts[k * B + b]!;
        se += events[k * B + b]!;
      }
      const p = se > 0 ? sb / se : 0;
      for (let b = 0; b < B; b++) apicalSignal[k * B + b] = bursts[k * B + b]! - p * events[k * B + b]!;
    }
    const soma = recs[1] as StateRecording;
    const apical = recs[2] as StateRecording;
    return {
      samples: binRates(run.sim, B),
      dffSoma: stateWindowMean(soma, B, o.trialMs + BIN_MS, end + 1),
      dffApical: stateWindowMean(apical, B, o.trialMs + BIN_MS, end + 1),
      apicalSignal, bursts, events, dffSomaRec: soma, dffApicalRec: apical,
    };
  },
  dendriticGain: (data: SessionData) => new Float32Array(data.rate.length).fill(1),
};
