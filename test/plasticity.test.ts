/**
 * GPU plasticity rules (dendrite-gated, node perturbation, pair STDP) against their float64
 * references: weight changes, exact clipping, analytic STDP windows, batching as a trial mean,
 * determinism, save/restore (incl. .npy) and parameter validation.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuPlasticity, type PlasticWeights } from '../src/gpu/plasticity/plasticity.js';
import {
  applyDendriticGated,
  applyNodePerturbation,
  applyStdpStep,
  createHostStdpState,
  createHostWeights,
} from '../src/cpu/plasticity.js';
import {
  type DendriticGatedData,
  type LearningRuleParams,
  type NodePerturbationData,
  type StdpParams,
} from '../src/model/plasticity.js';
import { decodeNpy, encodeNpy } from '../src/io/npy.js';
import { nodeShaderLoader } from '../src/node/shaders.js';
import { RandomStream } from '../src/rng/philox.js';
import { testGpu } from './helpers/gpu.js';

let plasticity: GpuPlasticity;

beforeAll(async () => {
  plasticity = await GpuPlasticity.create(await testGpu(), nodeShaderLoader);
});

/** Largest relative error of the weight change: max|ΔW_gpu − ΔW_ref| / max|ΔW_ref|. */
const DELTA_TOLERANCE = 1e-5;

function uniform(rng: RandomStream, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
}

function normal(rng: RandomStream, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

function bernoulli(rng: RandomStream, n: number, p: number): Uint32Array {
  return Uint32Array.from({ length: n }, () => (rng.uniform() < p ? 1 : 0));
}

function dendriticData(rng: RandomStream, targets: number, sources: number, batch: number): DendriticGatedData {
  return { apical: normal(rng, targets * batch, 1), gain: uniform(rng, targets * batch, 0, 1), preTrace: uniform(rng, sources * batch, 0, 2), batch };
}

function nodePerturbationData(rng: RandomStream, targets: number, sources: number, batch: number): NodePerturbationData {
  return {
    reward: uniform(rng, batch, 0, 1),
    rate: uniform(rng, targets * batch, 0, 20),
    meanRate: uniform(rng, targets, 5, 15),
    input: uniform(rng, sources * batch, 0, 10),
    batch,
    rewardBaseline: 0.4,
  };
}

/** Trial `b` of batch-minor data (`neuron·batch + b`). */
function trialOf<T extends Float32Array | Uint32Array>(data: T, batch: number, b: number): T {
  const n = data.length / batch;
  const out = new (data.constructor as new (length: number) => T)(n);
  for (let k = 0; k < n; k++) out[k] = data[k * batch + b]!;
  return out;
}

/** Trial `b` of a step-major spike train ([step][neuron·batch + b]). */
function trialOfTrain(train: Uint32Array, steps: number, batch: number, b: number): Uint32Array {
  const perStep = train.length / steps;
  const out = new Uint32Array((perStep / batch) * steps);
  for (let s = 0; s < steps; s++) out.set(trialOf(train.subarray(s * perStep, (s + 1) * perStep), batch, b), (s * perStep) / batch);
  return out;
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * Compare GPU weights after one update with the float64 reference: entries the reference moves
 * clearly beyond a bound must sit exactly on the (f32) bound; the others' ΔW must agree to
 * DELTA_TOLERANCE relative to the largest |ΔW|. Returns the error and the number clipped.
 */
function compareUpdate(w0: Float32Array, gpu: Float32Array, unclipped: Float64Array, bounds: LearningRuleParams): { relative: number; clipped: number } {
  let scale = 0;
  for (let s = 0; s < w0.length; s++) scale = Math.max(scale, Math.abs(unclipped[s]! - w0[s]!));
  const band = DELTA_TOLERANCE * scale;
  let worst = 0;
  let clipped = 0;
  for (let s = 0; s < w0.length; s++) {
    const target = unclipped[s]!;
    if (target < bounds.wMin - band || target > bounds.wMax + band) {
      clipped++;
      expect(gpu[s], `synapse ${s} clipped`).toBe(Math.fround(target < bounds.wMin ? bounds.wMin : bounds.wMax));
    } else if (target >= bounds.wMin + band && target <= bounds.wMax - band) {
      worst = Math.max(worst, Math.abs(gpu[s]! - w0[s]! - (target - w0[s]!)) / scale);
    }
    expect(gpu[s]!).toBeGreaterThanOrEqual(Math.fround(bounds.wMin));
    expect(gpu[s]!).toBeLessThanOrEqual(Math.fround(bounds.wMax));
  }
  return { relative: worst, clipped };
}

/** Bounds wide enough never to bind. */
const OPEN: Pick<LearningRuleParams, 'wMin' | 'wMax'> = { wMin: -1e30, wMax: 1e30 };

describe('dendrite-gated basal rule', () => {
  for (const [targets, sources, batch] of [[37, 53, 1], [37, 53, 5], [70, 129, 5]] as const) {
    it(`matches float64 and clips exactly (${targets}×${sources}, batch ${batch})`, async () => {
      const rng = new RandomStream(11, targets * 1000 + batch);
      const w0 = uniform(rng, targets * sources, -0.1, 0.1);
      const data = dendriticData(rng, targets, sources, batch);
      const params = { learningRate: 0.08, wMin: -0.12, wMax: 0.11 };
      const w = plasticity.createDenseWeights(targets, sources, w0);
      const gpu = await plasticity.runDendriticGated(w, data, params);
      const ref = createHostWeights(targets, sources, w0);
      applyDendriticGated(ref, data, { ...params, ...OPEN });
      const { relative, clipped } = compareUpdate(w0, gpu, ref.values, params);
      console.log(`dendrite-gated ${targets}×${sources} B=${batch}: max rel. ΔW error ${relative.toExponential(2)}, ${clipped} clipped`);
      expect(relative).toBeLessThan(DELTA_TOLERANCE);
      expect(clipped).toBeGreaterThan(0);
      expect(clipped).toBeLessThan(targets * sources / 2);
      // The clipped reference itself agrees with the GPU too.
      const clippedRef = createHostWeights(targets, sources, w0);
      applyDendriticGated(clippedRef, data, params);
      clippedRef.values.forEach((v, s) => expect(Math.abs(gpu[s]! - v)).toBeLessThan(1e-6));
      plasticity.releaseWeights(w);
    });
  }

  it('updates every synapse of a matrix larger than one dispatch row', async () => {
    const context = await testGpu();
    const sources = 1031;
    const targets = Math.ceil((context.limits.maxComputeWorkgroupsPerDimension * 64) / sources) + 3;
    const rng = new RandomStream(12, 1);
    const data = dendriticData(rng, targets, sources, 1);
    const w = plasticity.createDenseWeights(targets, sources);
    const params = { learningRate: 0.5, ...OPEN };
    const gpu = await plasticity.runDendriticGated(w, data, params);
    const ref = createHostWeights(targets, sources);
    applyDendriticGated(ref, data, params);
    let scale = 0;
    let worst = 0;
    for (let s = 0; s < ref.values.length; s++) scale = Math.max(scale, Math.abs(ref.values[s]!));
    for (let s = 0; s < ref.values.length; s++) worst = Math.max(worst, Math.abs(gpu[s]! - ref.values[s]!) / scale);
    console.log(`dendrite-gated ${targets}×${sources} (${targets * sources} synapses, 2-D dispatch): max rel. error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(DELTA_TOLERANCE);
    plasticity.releaseWeights(w);
  });
});

describe('node-perturbation rule', () => {
  for (const [targets, sources, batch] of [[41, 67, 1], [41, 67, 5], [100, 75, 5]] as const) {
    it(`matches float64 and clips exactly (${targets}×${sources}, batch ${batch})`, async () => {
      const rng = new RandomStream(21, targets * 1000 + batch);
      const w0 = uniform(rng, targets * sources, -0.1, 0.1);
      const data = nodePerturbationData(rng, targets, sources, batch);
      const params = { learningRate: 0.004, wMin: -0.1, wMax: 0.12 };
      const w = plasticity.createDenseWeights(targets, sources, w0);
      const gpu = await plasticity.runNodePerturbation(w, data, params);
      const ref = createHostWeights(targets, sources, w0);
      applyNodePerturbation(ref, data, { ...params, ...OPEN });
      const { relative, clipped } = compareUpdate(w0, gpu, ref.values, params);
      console.log(`node perturbation ${targets}×${sources} B=${batch}: max rel. ΔW error ${relative.toExponential(2)}, ${clipped} clipped`);
      expect(relative).toBeLessThan(DELTA_TOLERANCE);
      expect(clipped).toBeGreaterThan(0);
      expect(clipped).toBeLessThan(targets * sources / 2);
      plasticity.releaseWeights(w);
    });
  }
});

describe('pair-based STDP', () => {
  const params: StdpParams = { aPlus: 0.01, aMinus: 0.0105, tauPlusMs: 16.8, tauMinusMs: 33.7, dtMs: 0.5, wMin: -1, wMax: 1 };

  /** Weight change of one synapse from one pre and one post spike, post `lagSteps` steps after pre (< 0: before). */
  async function singlePair(lagSteps: number): Promise<number> {
    const steps = 3 + Math.abs(lagSteps);
    const pre = new Uint32Array(steps);
    const post = new Uint32Array(steps);
    const first = 2;
    pre[lagSteps >= 0 ? first : first - lagSteps] = 1;
    post[lagSteps >= 0 ? first + lagSteps : first] = 1;
    const w = plasticity.createDenseWeights(1, 1);
    const state = plasticity.createStdpState(w, 1);
    const [value] = await plasticity.runStdp(w, state, { steps, preSpikes: pre, postSpikes: post }, params);
    plasticity.releaseWeights(w);
    plasticity.releaseStdpState(state);
    return value!;
  }

  it('potentiates pre-before-post by A+·exp(−Δt/τ+) and depresses post-before-pre by A−·exp(−Δt/τ−)', async () => {
    for (const lag of [1, 4, 20, 67]) {
      const dt = lag * params.dtMs;
      const ltp = await singlePair(lag);
      const ltd = await singlePair(-lag);
      const expectedLtp = params.aPlus * Math.exp(-dt / params.tauPlusMs);
      const expectedLtd = -params.aMinus * Math.exp(-dt / params.tauMinusMs);
      expect(Math.abs(ltp - expectedLtp) / expectedLtp, `LTP at Δt = ${dt} ms`).toBeLessThan(DELTA_TOLERANCE);
      expect(Math.abs(ltd - expectedLtd) / -expectedLtd, `LTD at Δt = ${dt} ms`).toBeLessThan(DELTA_TOLERANCE);
    }
    expect(await singlePair(0)).toBe(0); // spikes of the same step do not pair
  });

  for (const batch of [1, 5]) {
    it(`matches float64 over 200 steps of random spike trains (29×67, batch ${batch})`, async () => {
      const targets = 29;
      const sources = 67;
      const steps = 200;
      const rng = new RandomStream(31, batch);
      const w0 = uniform(rng, targets * sources, 0, 0.05);
      const preSpikes = bernoulli(rng, steps * sources * batch, 0.08);
      const postSpikes = bernoulli(rng, steps * targets * batch, 0.1);
      const bounded: StdpParams = { ...params, aPlus: 0.004, aMinus: 0.0044, wMin: 0, wMax: 0.06 };
      const w = plasticity.createDenseWeights(targets, sources, w0);
      const state = plasticity.createStdpState(w, batch);
      const gpu = await plasticity.runStdp(w, state, { steps, preSpikes, postSpikes }, bounded);
      const traces = await plasticity.readStdpTraces(state);

      const ref = createHostWeights(targets, sources, w0);
      const refState = createHostStdpState(ref, batch);
      for (let s = 0; s < steps; s++) {
        applyStdpStep(ref, refState, {
          preSpikes: preSpikes.subarray(s * sources * batch, (s + 1) * sources * batch),
          postSpikes: postSpikes.subarray(s * targets * batch, (s + 1) * targets * batch),
        }, bounded);
      }
      let scale = 0;
      let worst = 0;
      let atBound = 0;
      for (let k = 0; k < w0.length; k++) scale = Math.max(scale, Math.abs(ref.values[k]! - w0[k]!));
      for (let k = 0; k < w0.length; k++) {
        worst = Math.max(worst, Math.abs(gpu[k]! - ref.values[k]!) / scale);
        if (gpu[k] === 0 || gpu[k] === Math.fround(0.06)) atBound++;
        expect(gpu[k]!).toBeGreaterThanOrEqual(0);
        expect(gpu[k]!).toBeLessThanOrEqual(Math.fround(0.06));
      }
      let traceError = 0;
      refState.preTrace.forEach((v, k) => (traceError = Math.max(traceError, Math.abs(traces.preTrace[k]! - v) / Math.max(1, v))));
      refState.postTrace.forEach((v, k) => (traceError = Math.max(traceError, Math.abs(traces.postTrace[k]! - v) / Math.max(1, v))));
      console.log(`STDP 200 steps B=${batch}: max rel. weight error ${worst.toExponential(2)} (of max |ΔW| ${scale.toFixed(4)}), trace error ${traceError.toExponential(2)}, ${atBound} at a bound`);
      expect(worst).toBeLessThan(DELTA_TOLERANCE);
      expect(traceError).toBeLessThan(1e-5);
      expect(atBound).toBeGreaterThan(0);
      plasticity.releaseWeights(w);
      plasticity.releaseStdpState(state);
    });
  }
});

describe('batching', () => {
  const targets = 23;
  const sources = 45;
  const batch = 5;

  /** max|ΔW_batch − mean_b ΔW_b| / max|ΔW_batch|. */
  function meanMismatch(w0: Float32Array, batched: Float32Array, singles: Float32Array[]): number {
    let scale = 0;
    let worst = 0;
    for (let s = 0; s < w0.length; s++) scale = Math.max(scale, Math.abs(batched[s]! - w0[s]!));
    for (let s = 0; s < w0.length; s++) {
      const mean = singles.reduce((sum, single) => sum + (single[s]! - w0[s]!), 0) / singles.length;
      worst = Math.max(worst, Math.abs(batched[s]! - w0[s]! - mean) / scale);
    }
    return worst;
  }

  async function fresh<T>(w0: Float32Array, run: (w: PlasticWeights) => Promise<T>): Promise<T> {
    const w = plasticity.createDenseWeights(targets, sources, w0);
    const result = await run(w);
    plasticity.releaseWeights(w);
    return result;
  }

  it('the update of a batch is the mean of its single-trial updates (every rule)', async () => {
    const rng = new RandomStream(41, 1);
    const w0 = uniform(rng, targets * sources, -0.05, 0.05);
    const rate = { learningRate: 0.01, ...OPEN };

    const dendritic = dendriticData(rng, targets, sources, batch);
    const dendriticBatched = await fresh(w0, (w) => plasticity.runDendriticGated(w, dendritic, rate));
    const dendriticSingles: Float32Array[] = [];
    for (let b = 0; b < batch; b++) {
      const single = { apical: trialOf(dendritic.apical as Float32Array, batch, b), gain: trialOf(dendritic.gain as Float32Array, batch, b), preTrace: trialOf(dendritic.preTrace as Float32Array, batch, b), batch: 1 };
      dendriticSingles.push(await fresh(w0, (w) => plasticity.runDendriticGated(w, single, rate)));
    }
    expect(meanMismatch(w0, dendriticBatched, dendriticSingles)).toBeLessThan(DELTA_TOLERANCE);

    const node = nodePerturbationData(rng, targets, sources, batch);
    const nodeBatched = await fresh(w0, (w) => plasticity.runNodePerturbation(w, node, rate));
    const nodeSingles: Float32Array[] = [];
    for (let b = 0; b < batch; b++) {
      const single = {
        reward: (node.reward as Float32Array).subarray(b, b + 1),
        rate: trialOf(node.rate as Float32Array, batch, b),
        meanRate: node.meanRate,
        input: trialOf(node.input as Float32Array, batch, b),
        batch: 1,
        rewardBaseline: node.rewardBaseline,
      };
      nodeSingles.push(await fresh(w0, (w) => plasticity.runNodePerturbation(w, single, rate)));
    }
    expect(meanMismatch(w0, nodeBatched, nodeSingles)).toBeLessThan(DELTA_TOLERANCE);

    const steps = 40;
    const stdp: StdpParams = { aPlus: 0.01, aMinus: 0.012, tauPlusMs: 20, tauMinusMs: 20, dtMs: 1, ...OPEN };
    const preSpikes = bernoulli(rng, steps * sources * batch, 0.1);
    const postSpikes = bernoulli(rng, steps * targets * batch, 0.1);
    const stdpRun = (w: PlasticWeights, pre: Uint32Array, post: Uint32Array, trials: number): Promise<Float32Array> => {
      const state = plasticity.createStdpState(w, trials);
      return plasticity.runStdp(w, state, { steps, preSpikes: pre, postSpikes: post }, stdp).finally(() => plasticity.releaseStdpState(state));
    };
    const stdpBatched = await fresh(w0, (w) => stdpRun(w, preSpikes, postSpikes, batch));
    const stdpSingles: Float32Array[] = [];
    for (let b = 0; b < batch; b++) {
      stdpSingles.push(await fresh(w0, (w) => stdpRun(w, trialOfTrain(preSpikes, steps, batch, b), trialOfTrain(postSpikes, steps, batch, b), 1)));
    }
    expect(meanMismatch(w0, stdpBatched, stdpSingles)).toBeLessThan(DELTA_TOLERANCE);
  });
});

describe('determinism', () => {
  it('two runs of each rule give bitwise equal weights', async () => {
    const targets = 50;
    const sources = 77;
    const batch = 7;
    const rng = new RandomStream(51, 1);
    const w0 = uniform(rng, targets * sources, -0.1, 0.1);
    const dendritic = dendriticData(rng, targets, sources, batch);
    const node = nodePerturbationData(rng, targets, sources, batch);
    const steps = 30;
    const train = { steps, preSpikes: bernoulli(rng, steps * sources * batch, 0.1), postSpikes: bernoulli(rng, steps * targets * batch, 0.1) };
    const stdp: StdpParams = { aPlus: 0.01, aMinus: 0.012, tauPlusMs: 20, tauMinusMs: 25, dtMs: 1, wMin: -0.2, wMax: 0.2 };
    const once = async (): Promise<Float32Array[]> => {
      const w = plasticity.createDenseWeights(targets, sources, w0);
      const a = await plasticity.runDendriticGated(w, dendritic, { learningRate: 0.05, wMin: -0.2, wMax: 0.2 });
      const b = await plasticity.runNodePerturbation(w, node, { learningRate: 0.001, wMin: -0.2, wMax: 0.2 });
      const state = plasticity.createStdpState(w, batch);
      const c = await plasticity.runStdp(w, state, train, stdp);
      plasticity.releaseStdpState(state);
      plasticity.releaseWeights(w);
      return [a, b, c];
    };
    const first = await once();
    const second = await once();
    first.forEach((weights, k) => expect(bitsEqual(weights, second[k]!), `rule ${k}`).toBe(true));
    expect(bitsEqual(first[2]!, w0)).toBe(false);
  });
});

describe('saving and restoring weights', () => {
  it('restores saved weights bitwise and round-trips through .npy', async () => {
    const targets = 13;
    const sources = 71;
    const rng = new RandomStream(61, 1);
    const w = plasticity.createDenseWeights(targets, sources, uniform(rng, targets * sources, -1, 1));
    const data = dendriticData(rng, targets, sources, 3);
    const params = { learningRate: 0.1, wMin: -1, wMax: 1 };
    await plasticity.runDendriticGated(w, data, params);
    const saved = await plasticity.saveWeights(w);
    const npy = await plasticity.weightsToNpy(w);
    const learned = await plasticity.runDendriticGated(w, data, params);
    expect(bitsEqual(learned, saved)).toBe(false);
    plasticity.restoreWeights(w, saved);
    expect(bitsEqual(await plasticity.readWeights(w), saved)).toBe(true);

    const decoded = decodeNpy(npy);
    expect(decoded.shape).toEqual([targets, sources]);
    expect(decoded.dtype).toBe('<f4');
    expect(bitsEqual(decoded.data as Float32Array, saved)).toBe(true);
    const copy = plasticity.createDenseWeights(targets, sources);
    plasticity.weightsFromNpy(copy, npy);
    expect(bitsEqual(await plasticity.readWeights(copy), saved)).toBe(true);
    plasticity.weightsFromNpy(copy, encodeNpy(Float64Array.from(learned), [targets, sources]));
    expect(bitsEqual(await plasticity.readWeights(copy), learned)).toBe(true);

    expect(() => plasticity.restoreWeights(w, new Float32Array(targets * sources - 1))).toThrow(RangeError);
    expect(() => plasticity.weightsFromNpy(w, encodeNpy(saved, [sources, targets]))).toThrow(/shape \(13, 71\)/);
    expect(() => plasticity.weightsFromNpy(w, encodeNpy(new Int32Array(targets * sources), [targets, sources]))).toThrow(/float32 or float64/);
    plasticity.releaseWeights(w);
    plasticity.releaseWeights(copy);
  });
});

describe('invalid parameters', () => {
  it('throw RangeErrors naming the parameter, on the GPU and in the reference', async () => {
    const targets = 4;
    const sources = 3;
    const batch = 2;
    const rng = new RandomStream(71, 1);
    const w = plasticity.createDenseWeights(targets, sources);
    const host = createHostWeights(targets, sources);
    const dendritic = dendriticData(rng, targets, sources, batch);
    const node = nodePerturbationData(rng, targets, sources, batch);
    const good = { learningRate: 0.1, wMin: -1, wMax: 1 };
    const rateCases: [Partial<LearningRuleParams>, RegExp][] = [
      [{ learningRate: -0.1 }, /learningRate/],
      [{ learningRate: Number.NaN }, /learningRate/],
      [{ wMin: 2 }, /wMin must be ≤ wMax/],
      [{ wMax: Number.POSITIVE_INFINITY }, /wMax/],
      [{ wMin: -1e39 }, /wMin/],
    ];
    for (const [bad, message] of rateCases) {
      const params = { ...good, ...bad };
      await expect(plasticity.runDendriticGated(w, dendritic, params)).rejects.toThrow(message);
      await expect(plasticity.runNodePerturbation(w, node, params)).rejects.toThrow(message);
      expect(() => applyDendriticGated(host, dendritic, params)).toThrow(message);
      expect(() => applyNodePerturbation(host, node, params)).toThrow(message);
    }
    await expect(plasticity.runDendriticGated(w, { ...dendritic, batch: 0 }, good)).rejects.toThrow(/batch/);
    await expect(plasticity.runDendriticGated(w, { ...dendritic, batch: 1.5 }, good)).rejects.toThrow(/batch/);
    await expect(plasticity.runDendriticGated(w, { ...dendritic, apical: new Float32Array(3) }, good)).rejects.toThrow(/apical/);
    await expect(plasticity.runNodePerturbation(w, { ...node, rewardBaseline: Number.NaN }, good)).rejects.toThrow(/rewardBaseline/);
    await expect(plasticity.runNodePerturbation(w, { ...node, meanRate: new Float32Array(targets * batch) }, good)).rejects.toThrow(/meanRate/);
    expect(() => applyNodePerturbation(host, { ...node, reward: new Float32Array(1) }, good)).toThrow(/reward/);

    const tooSmall = plasticity.context.device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE });
    const fine = plasticity.context.device.createBuffer({ size: 64, usage: GPUBufferUsage.STORAGE });
    const encoder = plasticity.context.device.createCommandEncoder();
    expect(() => plasticity.encodeDendriticGated(encoder, w, { apical: fine, gain: tooSmall, preTrace: fine, batch }, good)).toThrow(/gain must hold 8 values/);

    const stdp: StdpParams = { aPlus: 0.01, aMinus: 0.01, tauPlusMs: 20, tauMinusMs: 20, dtMs: 0.1, wMin: 0, wMax: 1 };
    const stdpCases: [Partial<StdpParams>, RegExp][] = [
      [{ aPlus: -1 }, /aPlus/],
      [{ aMinus: Number.NaN }, /aMinus/],
      [{ tauPlusMs: 0 }, /tauPlusMs/],
      [{ tauMinusMs: -5 }, /tauMinusMs/],
      [{ dtMs: Number.POSITIVE_INFINITY }, /dtMs/],
      [{ wMin: 1.5 }, /wMin must be ≤ wMax/],
    ];
    const state = plasticity.createStdpState(w, batch);
    const hostState = createHostStdpState(host, batch);
    const train = { steps: 1, preSpikes: new Uint32Array(sources * batch), postSpikes: new Uint32Array(targets * batch) };
    for (const [bad, message] of stdpCases) {
      await expect(plasticity.runStdp(w, state, train, { ...stdp, ...bad })).rejects.toThrow(message);
      expect(() => applyStdpStep(host, hostState, train, { ...stdp, ...bad })).toThrow(message);
    }
    await expect(plasticity.runStdp(w, state, { ...train, steps: 2 }, stdp)).rejects.toThrow(/preSpikes/);
    expect(() => plasticity.createStdpState(w, 0)).toThrow(/batch/);
    const other = plasticity.createDenseWeights(sources, targets);
    await expect(plasticity.runStdp(other, state, train, stdp)).rejects.toThrow(/state was made for 4×3/);

    expect(() => plasticity.createDenseWeights(0, 5)).toThrow(/targets/);
    expect(() => plasticity.createDenseWeights(5, 2.5)).toThrow(/sources/);
    expect(() => plasticity.createDenseWeights(2, 2, new Float32Array(3))).toThrow(/4 values/);
    expect(() => createHostWeights(-1, 2)).toThrow(/targets/);
    for (const b of [tooSmall, fine, w.buffer, other.buffer]) b.destroy();
    plasticity.releaseStdpState(state);
    await plasticity.flush();
  });
});
