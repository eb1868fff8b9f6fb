/**
 * Float64 references of the GPU plasticity rules (`shaders/plasticity/`): the same
 * formulas in the same order of operations, on host arrays. Rules, parameters and validation:
 * `src/model/plasticity.ts`.
 */
import {
  checkPositiveInteger,
  checkFinite,
  validateLearningRuleParams,
  validateStdpParams,
  stdpDecays,
  checkLength,
  type LearningRuleParams,
  type StdpParams,
  type DendriticGatedData,
  type NodePerturbationData,
  type StdpSpikeData,
  type HostPlasticWeights,
  type HostStdpState,
} from '../model/plasticity.js';

/**
 * Dense float64 weights, `initial` copied (else zeros).
 * @param targets rows, positive integer
 * @param sources columns, positive integer
 * @param initial targets·sources values, target-major
 */
export function createHostWeights(targets: number, sources: number, initial?: ArrayLike<number>): HostPlasticWeights {
  checkPositiveInteger('targets', targets);
  checkPositiveInteger('sources', sources);
  const values = new Float64Array(targets * sources);
  if (initial !== undefined) {
    checkLength('initial', initial, values.length, `${targets} targets × ${sources} sources`);
    values.set(initial);
  }
  return { targets, sources, values };
}

function clip(value: number, wMin: number, wMax: number): number {
  return Math.min(Math.max(value, wMin), wMax);
}

/**
 * ΔW_ij = η · Σ_b apical[i,b] · gain[i,b] · preTrace[j,b] / B, then clip W to [wMin, wMax]
 * (in place). Reference of `plasticity/plasticity_dendritic_gated.wgsl`.
 */
export function applyDendriticGated(w: HostPlasticWeights, data: DendriticGatedData, params: LearningRuleParams): void {
  validateLearningRuleParams(params);
  const { targets, sources } = w;
  const batch = data.batch;
  checkPositiveInteger('batch', batch);
  checkLength('apical', data.apical, targets * batch, 'targets × batch');
  checkLength('gain', data.gain, targets * batch, 'targets × batch');
  checkLength('preTrace', data.preTrace, sources * batch, 'sources × batch');
  for (let i = 0; i < targets; i++) {
    for (let j = 0; j < sources; j++) {
      let sum = 0;
      for (let b = 0; b < batch; b++) sum += data.apical[i * batch + b]! * data.gain[i * batch + b]! * data.preTrace[j * batch + b]!;
      const s = i * sources + j;
      w.values[s] = clip(w.values[s]! + params.learningRate * (sum / batch), params.wMin, params.wMax);
    }
  }
}

/**
 * ΔW_ij = η · Σ_b (R_b − R̄) · (r_ib − r̄_i) · x_jb / B, then clip W to [wMin, wMax] (in place).
 * Reference of `plasticity/plasticity_node_perturbation.wgsl`.
 */
export function applyNodePerturbation(w: HostPlasticWeights, data: NodePerturbationData, params: LearningRuleParams): void {
  validateLearningRuleParams(params);
  checkFinite('rewardBaseline', data.rewardBaseline);
  const { targets, sources } = w;
  const batch = data.batch;
  checkPositiveInteger('batch', batch);
  checkLength('reward', data.reward, batch, 'one per trial');
  checkLength('rate', data.rate, targets * batch, 'targets × batch');
  checkLength('meanRate', data.meanRate, targets, 'one per target');
  checkLength('input', data.input, sources * batch, 'sources × batch');
  for (let i = 0; i < targets; i++) {
    const rMean = data.meanRate[i]!;
    for (let j = 0; j < sources; j++) {
      let sum = 0;
      for (let b = 0; b < batch; b++) {
        sum += (data.reward[b]! - data.rewardBaseline) * (data.rate[i * batch + b]! - rMean) * data.input[j * batch + b]!;
      }
      const s = i * sources + j;
      w.values[s] = clip(w.values[s]! + params.learningRate * (sum / batch), params.wMin, params.wMax);
    }
  }
}

/** Zero STDP traces for weights `w` and `batch` trials. */
export function createHostStdpState(w: HostPlasticWeights, batch: number): HostStdpState {
  checkPositiveInteger('batch', batch);
  return { batch, preTrace: new Float64Array(w.sources * batch), postTrace: new Float64Array(w.targets * batch) };
}

/**
 * One step of pair-based STDP (all-to-all pairing), in place on `w` and `state`:
 * 1. with x, y the traces after the previous step, decayed by one step,
 *    ΔW_ij = Σ_b (A+ · post_ib · x_jb·e^{−dt/τ+} − A− · pre_jb · y_ib·e^{−dt/τ−}) / B, W clipped;
 * 2. traces ← traces · e^{−dt/τ} + spikes.
 * Reference of `plasticity/plasticity_stdp_pair.wgsl` + `plasticity/plasticity_stdp_trace_update.wgsl`.
 */
export function applyStdpStep(w: HostPlasticWeights, state: HostStdpState, spikes: StdpSpikeData, params: StdpParams): void {
  validateStdpParams(params);
  const { targets, sources } = w;
  const batch = state.batch;
  checkLength('preTrace', state.preTrace, sources * batch, 'sources × batch');
  checkLength('postTrace', state.postTrace, targets * batch, 'targets × batch');
  checkLength('preSpikes', spikes.preSpikes, sources * batch, 'sources × batch');
  checkLength('postSpikes', spikes.postSpikes, targets * batch, 'targets × batch');
  const decay = stdpDecays(params);
  for (let i = 0; i < targets; i++) {
    for (let j = 0; j < sources; j++) {
      let sum = 0;
      for (let b = 0; b < batch; b++) {
        const post = i * batch + b;
        const pre = j * batch + b;
        if (spikes.postSpikes[post] !== 0) sum += params.aPlus * (state.preTrace[pre]! * decay.plus);
        if (spikes.preSpikes[pre] !== 0) sum -= params.aMinus * (state.postTrace[post]! * decay.minus);
      }
      const s = i * sources + j;
      w.values[s] = clip(w.values[s]! + sum / batch, params.wMin, params.wMax);
    }
  }
  for (let k = 0; k < state.preTrace.length; k++) state.preTrace[k] = state.preTrace[k]! * decay.plus + (spikes.preSpikes[k] !== 0 ? 1 : 0);
  for (let k = 0; k < state.postTrace.length; k++) state.postTrace[k] = state.postTrace[k]! * decay.minus + (spikes.postSpikes[k] !== 0 ? 1 : 0);
}
