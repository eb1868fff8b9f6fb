/**
 * Plasticity rules as data: their parameters, the data they consume, and validation shared by
 * the GPU kernels (`src/gpu/plasticity/`) and the float64 references (`src/cpu/plasticity.ts`),
 * so that both backends accept and refuse exactly the same settings.
 *
 * Conventions of every rule:
 * - weights are a dense target-major matrix W[i][j] (targets × sources), flat `i·sources + j`;
 * - activity is batch-minor: entry `neuron·batch + trial`; the B trials share the weights and
 *   each contributes its own term, and the change is the mean over trials (so a learning rate
 *   means the same thing at any batch size);
 * - after every update the weights are clipped to [wMin, wMax] (also where the change is 0).
 */

/** Host data of one activity vector: flat `neuron·batch + trial` (or one value per trial). */
export type HostVector = Float64Array | Float32Array;

/** Learning rate and weight bounds of the rate-based rules. */
export interface LearningRuleParams {
  /** η, weight units per unit of the rule's product (≥ 0, finite). */
  readonly learningRate: number;
  /** Lower weight bound (finite, ≤ wMax). */
  readonly wMin: number;
  /** Upper weight bound (finite, ≥ wMin). */
  readonly wMax: number;
}

/** Parameters of pair-based STDP with exponential traces (all-to-all pairing). */
export interface StdpParams {
  /** Potentiation per pre-before-post pair at Δt → 0⁺, weight units (≥ 0, finite). */
  readonly aPlus: number;
  /** Depression per post-before-pre pair at Δt → 0⁺, weight units (≥ 0, finite). */
  readonly aMinus: number;
  /** Time constant of the presynaptic trace, ms (> 0, finite). */
  readonly tauPlusMs: number;
  /** Time constant of the postsynaptic trace, ms (> 0, finite). */
  readonly tauMinusMs: number;
  /** Simulation step, ms (> 0, finite). */
  readonly dtMs: number;
  /** Lower weight bound (finite, ≤ wMax). */
  readonly wMin: number;
  /** Upper weight bound (finite, ≥ wMin). */
  readonly wMax: number;
}

/** Host inputs of the dendrite-gated basal rule (each flat `neuron·batch + trial`). */
export interface DendriticGatedData {
  /** Apical (dendritic) error signal of each target, targets × batch. */
  readonly apical: HostVector;
  /** Postsynaptic gain φ'(v) of each target, targets × batch. */
  readonly gain: HostVector;
  /** Presynaptic (eligibility) trace of each source, sources × batch. */
  readonly preTrace: HostVector;
  /** Number of trials B (positive integer). */
  readonly batch: number;
}

/** Host inputs of the node-perturbation rule. */
export interface NodePerturbationData {
  /** Reward R_b of each trial, length batch. */
  readonly reward: HostVector;
  /** Rate r of each target, targets × batch (flat `i·batch + b`). */
  readonly rate: HostVector;
  /** Mean rate r̄ of each target, length targets. */
  readonly meanRate: HostVector;
  /** Presynaptic activity x of each source, sources × batch. */
  readonly input: HostVector;
  /** Number of trials B (positive integer). */
  readonly batch: number;
  /** Reward baseline R̄ (finite), same units as the rewards. */
  readonly rewardBaseline: number;
}

/** Host spikes of one step: 0 or 1 per entry (any nonzero value counts as one spike). */
export interface StdpSpikeData {
  /** Presynaptic spikes, sources × batch (flat `j·batch + b`). */
  readonly preSpikes: ArrayLike<number>;
  /** Postsynaptic spikes, targets × batch (flat `i·batch + b`). */
  readonly postSpikes: ArrayLike<number>;
}

/** Dense float64 weights on the host. */
export interface HostPlasticWeights {
  /** Number of postsynaptic neurons (rows). */
  readonly targets: number;
  /** Number of presynaptic neurons (columns). */
  readonly sources: number;
  /** W[i][j] at `i·sources + j`. */
  readonly values: Float64Array;
}

/** Host traces of pair-based STDP: their values after the last step (0 initially). */
export interface HostStdpState {
  readonly batch: number;
  /** Presynaptic traces x, sources × batch. */
  readonly preTrace: Float64Array;
  /** Postsynaptic traces y, targets × batch. */
  readonly postTrace: Float64Array;
}

/** Throw a RangeError naming `name` unless `value` is a positive integer. */
export function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

/** Throw a RangeError naming `name` unless `value` is finite, also after rounding to float32. */
export function checkFinite(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !Number.isFinite(Math.fround(value))) {
    throw new RangeError(`${name} must be a finite number (representable as float32), got ${value}`);
  }
}

function checkNonNegative(name: string, value: number): void {
  checkFinite(name, value);
  if (value < 0) throw new RangeError(`${name} must be ≥ 0, got ${value}`);
}

function checkPositive(name: string, value: number): void {
  checkFinite(name, value);
  if (value <= 0) throw new RangeError(`${name} must be > 0, got ${value}`);
}

function checkBounds(wMin: number, wMax: number): void {
  checkFinite('wMin', wMin);
  checkFinite('wMax', wMax);
  if (Math.fround(wMin) > Math.fround(wMax)) throw new RangeError(`wMin must be ≤ wMax, got wMin = ${wMin} > wMax = ${wMax}`);
}

/** Validate the learning rate and bounds of a rate-based rule; RangeError naming the parameter. */
export function validateLearningRuleParams(params: LearningRuleParams): void {
  checkNonNegative('learningRate', params.learningRate);
  checkBounds(params.wMin, params.wMax);
}

/** Validate STDP parameters; RangeError naming the parameter. */
export function validateStdpParams(params: StdpParams): void {
  checkNonNegative('aPlus', params.aPlus);
  checkNonNegative('aMinus', params.aMinus);
  checkPositive('tauPlusMs', params.tauPlusMs);
  checkPositive('tauMinusMs', params.tauMinusMs);
  checkPositive('dtMs', params.dtMs);
  checkBounds(params.wMin, params.wMax);
}

/** Per-step decay factors e^{−dt/τ+} (pre trace) and e^{−dt/τ−} (post trace), in (0, 1). */
export function stdpDecays(params: StdpParams): { readonly plus: number; readonly minus: number } {
  return { plus: Math.exp(-params.dtMs / params.tauPlusMs), minus: Math.exp(-params.dtMs / params.tauMinusMs) };
}

/** Throw a RangeError unless `data` has `expected` values. */
export function checkLength(name: string, data: ArrayLike<number>, expected: number, what: string): void {
  if (data.length !== expected) throw new RangeError(`${name} must have ${expected} values (${what}), got ${data.length}`);
}

