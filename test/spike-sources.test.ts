/**
 * Spike-train sources (model spike_source_array, PyNN's SpikeSourceArray): the given trains,
 * rounded to steps, are emitted identically on the GPU and by the CPU reference (several spikes
 * of a neuron in one step included, per-trial trains, batch > 1, several steps per dispatch),
 * arrive after exactly the projection's delay, and malformed specs are refused by field.
 */
import { describe, expect, it } from 'vitest';
import { CpuSimulator } from '../src/cpu/simulator.js';
import { decodeNpy, encodeNpy } from '../src/io/npy.js';
import { findSpecIssues, validateSpec } from '../src/model/schema.js';
import { spikeTimeToStep, spikeTimesFromArrays } from '../src/model/spike_trains.js';
import type { NetworkSpec } from '../src/model/spec.js';
import type { PopulationRateRecording, Recording, SpikeCountRecording, SpikeRecording, StateRecording } from '../src/model/recording.js';
import { estimateNetworkMemory } from '../src/gpu/sizing.js';
import { gpuSimulator } from './helpers/gpu.js';
import { resolveSpikeTrainFiles } from '../src/node/spike-train-files.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Spikes as sorted "step:trial:neuron" strings (duplicates kept). */
function spikeList(rec: Recording): string[] {
  const r = rec as SpikeRecording;
  const out: string[] = [];
  for (let i = 0; i < r.steps.length; i++) out.push(`${r.steps[i]}:${r.trials[i]}:${r.senders[i]}`);
  return out.sort();
}

/** The trains of a per-trial `spike_times_ms`, rounded to steps, as {@link spikeList} writes them. */
function expectedSpikes(trains: readonly (readonly (readonly number[])[])[], dtMs: number, trialOffset = 0): string[] {
  const out: string[] = [];
  trains.forEach((neurons, t) => neurons.forEach((times, n) => times.forEach((ms) => out.push(`${spikeTimeToStep(ms, dtMs)}:${t + trialOffset}:${n}`))));
  return out.sort();
}

// Per-trial trains (batch 2): 3.3 and 3.34 ms fall in one step, as do the two 7.0 ms spikes.
const TRAINS: number[][][] = [
  [[1.0, 5.25, 12.0], [], [3.3, 3.34, 20.05], [0.0, 7.0, 7.0, 7.05]],
  [[2.0], [4.4, 4.4], [0.3, 9.99], [15.0, 15.01, 15.02]],
];

function drivenNetwork(trains: NetworkSpec['populations'][number]['spike_times_ms'], batch: number): NetworkSpec {
  return {
    dt_ms: 0.1, seed: 3, batch,
    populations: [
      { name: 'X', size: 4, model: 'spike_source_array', spike_times_ms: trains },
      { name: 'L', size: 12, model: 'lif_psc_exp', params: { i_e_pA: 390 }, initial: { v_mV: { uniform: [-70, -56] } } },
    ],
    projections: [
      { source: 'X', target: 'L', connector: { type: 'fixed_probability', p: 0.6 }, weight: 400, delay_ms: 1.5 },
      { source: 'L', target: 'L', connector: { type: 'fixed_probability', p: 0.3 }, weight: 50, delay_ms: 2.0, receptor: 'inhibitory' },
    ],
    recorders: [
      { type: 'spikes', population: 'X' },
      { type: 'spikes', population: 'L' },
      { type: 'population_rate', population: 'X', bin_ms: 1 },
      { type: 'spike_counts', population: 'X', window_ms: 5 },
    ],
  };
}

describe('spike_source_array', () => {
  it('rounds times to the step whose interval contains them', () => {
    expect(spikeTimeToStep(0, 0.1)).toBe(0);
    expect(spikeTimeToStep(0.3, 0.1)).toBe(3);
    expect(spikeTimeToStep(0.34, 0.1)).toBe(3);
    expect(spikeTimeToStep(0.3999, 0.1)).toBe(3);
    expect(spikeTimeToStep(5.25, 0.1)).toBe(52);
    expect(spikeTimeToStep(1.0, 0.25)).toBe(4);
  });

  it('GPU and CPU emit the given trains (per trial, two spikes in a step, batch 2, 15 steps per dispatch) and drive LIF neurons identically', async () => {
    const spec = drivenNetwork(TRAINS, 2);
    const gpu = await gpuSimulator(spec, 64);
    expect(gpu.stepsPerDispatch).toBe(15);
    await gpu.run(30);
    const cpu = new CpuSimulator(spec);
    cpu.run(30);
    const g = gpu.recordings();
    const c = cpu.recordings();
    const expected = expectedSpikes(TRAINS, 0.1);
    expect(spikeList(c[0]!)).toEqual(expected);
    expect(spikeList(g[0]!)).toEqual(expected);
    // Neurons that spike twice in a step are listed twice.
    expect(expected.filter((k) => k === '33:0:2')).toHaveLength(2);
    // 7.0, 7.0 and 7.05 ms are all in step 70 ([7.0, 7.1) ms).
    expect(expected.filter((k) => k === '70:0:3')).toHaveLength(3);
    expect(expected.filter((k) => k === '150:1:3')).toHaveLength(3);
    const targetSpikes = spikeList(c[1]!);
    expect(targetSpikes.length).toBeGreaterThan(10);
    expect(spikeList(g[1]!)).toEqual(targetSpikes);
    // Population rate and spike counts count every spike, duplicates included.
    expect(Array.from((g[2] as PopulationRateRecording).values)).toEqual(Array.from((c[2] as PopulationRateRecording).values));
    expect(Array.from((g[3] as SpikeCountRecording).counts)).toEqual(Array.from((c[3] as SpikeCountRecording).counts));
    const counts = (c[3] as SpikeCountRecording).counts;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(expected.length);

    // A new trial block (global trials 2, 3) takes the trains again (trial g uses list g mod 2).
    await gpu.resetTrials();
    gpu.clearRecordings();
    cpu.resetTrials();
    cpu.clearRecordings();
    await gpu.run(30);
    cpu.run(30);
    const again = expectedSpikes(TRAINS, 0.1, 2);
    expect(spikeList(cpu.recordings()[0]!)).toEqual(again);
    expect(spikeList(gpu.recordings()[0]!)).toEqual(again);
    expect(spikeList(gpu.recordings()[1]!)).toEqual(spikeList(cpu.recordings()[1]!));
    gpu.destroy();
  });

  it('trains given once per neuron repeat in every trial; one step per dispatch gives the same spikes', async () => {
    const trains = TRAINS[0]!;
    const spec = drivenNetwork(trains, 3);
    const expected = expectedSpikes([trains, trains, trains], 0.1);
    const one = await gpuSimulator(spec, 40, { stepsPerDispatch: 1 });
    await one.run(25);
    const many = await gpuSimulator(spec, 45);
    await many.run(25);
    const cpu = new CpuSimulator(spec);
    cpu.run(25);
    for (const recs of [one.recordings(), many.recordings(), cpu.recordings()]) {
      expect(spikeList(recs[0]!)).toEqual(expected);
      expect(spikeList(recs[1]!)).toEqual(spikeList(cpu.recordings()[1]!));
    }
    one.destroy();
    many.destroy();
  });

  it('a network of sources only runs in persistent mode', async () => {
    const spec: NetworkSpec = {
      dt_ms: 0.1, batch: 2,
      populations: [{ name: 'X', size: 4, model: 'spike_source_array', spike_times_ms: TRAINS }],
      recorders: [{ type: 'spikes', population: 'X' }],
    };
    const gpu = await gpuSimulator(spec, 50, { persistent: true });
    await gpu.run(25);
    expect(spikeList(gpu.recordings()[0]!)).toEqual(expectedSpikes(TRAINS, 0.1));
    gpu.destroy();
  });

  it('a spike of step s reaches its target in step s + delay (delta synapse: the potential jumps by the weight, twice for two spikes)', async () => {
    const tau = 10;
    const spec: NetworkSpec = {
      dt_ms: 0.1, batch: 1,
      populations: [
        { name: 'X', size: 2, model: 'spike_source_array', spike_times_ms: [[2.0], [4.01, 4.05]] },
        { name: 'V', size: 2, model: 'lif_psc_delta', params: { tau_m_ms: tau, e_l_mV: -65, v_th_mV: -50 }, initial: { v_mV: -65 } },
      ],
      projections: [{ source: 'X', target: 'V', connector: { type: 'one_to_one' }, weight: 2, delay_ms: 1.5 }],
      recorders: [{ type: 'state', population: 'V', variable: 'v_mV', neurons: 'all', every_ms: 0.1 }],
    };
    const expectV = (neuron: number, step: number): number => {
      // Neuron 0: 2 mV at step 20 + 15; neuron 1: 4 mV (two spikes in step 40) at step 40 + 15.
      const arrival = neuron === 0 ? 35 : 55;
      const jump = neuron === 0 ? 2 : 4;
      return step < arrival ? -65 : -65 + jump * Math.exp((-(step - arrival) * 0.1) / tau);
    };
    const gpu = await gpuSimulator(spec, 100);
    await gpu.run(8);
    const cpu = new CpuSimulator(spec);
    cpu.run(8);
    for (const recs of [gpu.recordings(), cpu.recordings()]) {
      const v = recs[0] as StateRecording;
      for (let step = 0; step < 80; step++) {
        for (let n = 0; n < 2; n++) expect(v.values[step * 2 + n]!, `neuron ${n} step ${step}`).toBeCloseTo(expectV(n, step), 3);
      }
    }
    gpu.destroy();
  });

  it('.npy arrays (times_ms, neurons, trials) make the same trains', () => {
    const times = new Float64Array([5.25, 1.0, 12.0, 3.34, 3.3, 20.05, 7.0, 0.0, 7.05, 7.0, 2.0, 4.4, 4.4, 0.3, 9.99, 15.0, 15.02, 15.01]);
    const neurons = new Uint32Array([0, 0, 0, 2, 2, 2, 3, 3, 3, 3, 0, 1, 1, 2, 2, 3, 3, 3]);
    const trials = new Uint32Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    const round = (a: Float64Array | Uint32Array, shape: number[]) => decodeNpy(encodeNpy(a, shape)).data;
    const trains = spikeTimesFromArrays(round(times, [18]), round(neurons, [18]), 4, round(trials, [18]), 2);
    expect(trains).toEqual(TRAINS);
    const spec = drivenNetwork(trains, 2);
    const cpu = new CpuSimulator(spec);
    cpu.run(25);
    expect(spikeList(cpu.recordings()[0]!)).toEqual(expectedSpikes(TRAINS, 0.1));
    expect(() => spikeTimesFromArrays([1, 2], [0], 4)).toThrow(/neurons has 1 entries but times_ms has 2/);
    expect(() => spikeTimesFromArrays([1, -2], [0, 1], 4)).toThrow(/times_ms\[1\] must be a finite time ≥ 0 ms/);
    expect(() => spikeTimesFromArrays([1, 2], [0, 4], 4)).toThrow(/neurons\[1\] must be an integer neuron index from 0 to 3/);
  });

  it('spike_times_npy: .npy files next to the spec become spike_times_ms; problems name the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortexgpu-trains-'));
    writeFileSync(join(dir, 'times.npy'), encodeNpy(new Float32Array([4.4, 1.0, 0.5, 4.4]), [4]));
    writeFileSync(join(dir, 'neurons.npy'), encodeNpy(new Int32Array([1, 0, 1, 1]), [4]));
    writeFileSync(join(dir, 'trials.npy'), encodeNpy(new Uint32Array([0, 1, 1, 1]), [4]));
    const raw = (trials: boolean): unknown => ({
      dt_ms: 0.1, batch: 2,
      populations: [{ name: 'X', size: 2, model: 'spike_source_array', spike_times_npy: { times_ms: 'times.npy', neurons: 'neurons.npy', ...(trials ? { trials: 'trials.npy' } : {}) } }],
    });
    const perNeuron = validateSpec(await resolveSpikeTrainFiles(raw(false), dir));
    expect(perNeuron.populations[0]!.spike_times_ms).toEqual([[1.0], [0.5, 4.400000095367432, 4.400000095367432]]);
    const perTrial = validateSpec(await resolveSpikeTrainFiles(raw(true), dir));
    expect(perTrial.populations[0]!.spike_times_ms).toEqual([[[], [4.400000095367432]], [[1.0], [0.5, 4.400000095367432]]]);
    await expect(resolveSpikeTrainFiles({ populations: [{ name: 'X', size: 2, model: 'spike_source_array', spike_times_npy: { times_ms: 'nope.npy', neurons: 'neurons.npy' } }] }, dir))
      .rejects.toThrow(/populations\[0\]\.spike_times_npy\.times_ms: cannot read '.*nope\.npy': no such file/);
    await expect(resolveSpikeTrainFiles({ populations: [{ name: 'X', size: 1, model: 'spike_source_array', spike_times_npy: { times_ms: 'times.npy', neurons: 'neurons.npy' } }] }, dir))
      .rejects.toThrow(/populations\[0\]\.spike_times_npy: spike trains: neurons\[0\] must be an integer neuron index from 0 to 0 \(got 1\)/);
    // Unresolved files are refused by validation with what to do.
    expect(() => validateSpec(raw(false))).toThrow(/populations\[0\]\.spike_times_npy: names \.npy files, which are read by cortexgpu run/);
  });

  it('counts the spike trains in the memory estimate', () => {
    const items = estimateNetworkMemory(drivenNetwork(TRAINS, 2)).populations;
    const x = items.find((p) => p.name === 'X')!;
    const trains = x.buffers.find((b) => b.purpose.startsWith('spike trains'))!;
    expect(trains.bytes).toBe((2 * 4 + 1 + 18) * 4);
  });

  it('refuses malformed specs, naming the field', () => {
    const base = (populations: unknown[], extra: Record<string, unknown> = {}): unknown => ({ dt_ms: 0.1, populations, ...extra });
    const issues = (spec: unknown): string[] => findSpecIssues(spec).map((i) => `${i.path}: ${i.message}`);
    const src = (spike_times_ms: unknown, size = 2): Record<string, unknown> => ({ name: 'X', size, model: 'spike_source_array', spike_times_ms });
    const lif = { name: 'L', size: 2, model: 'lif_psc_exp' };

    expect(issues(base([lif, src([[1], [NaN]])]))).toEqual([expect.stringMatching(/^populations\[1\]\.spike_times_ms\[1\]\[0\]: must be a finite time ≥ 0 ms .*\(got NaN\)/)]);
    expect(issues(base([src([[1, -0.5], []])]))[0]).toMatch(/^populations\[0\]\.spike_times_ms\[0\]\[1\]: must be a finite time ≥ 0 ms/);
    expect(issues(base([src([[3, 1], []])]))[0]).toMatch(/^populations\[0\]\.spike_times_ms\[0\]\[1\]: spike times must be sorted \(non-decreasing\) .*got 1 ms after 3 ms/);
    expect(issues(base([src([[1], ['2']])]))[0]).toMatch(/^populations\[0\]\.spike_times_ms\[1\]\[0\]: must be a finite time/);
    expect(issues(base([src([[1], [2], []])]))[0]).toMatch(/^populations\[0\]\.spike_times_ms: needs one list of spike times per neuron: 2 lists \(size\) \(got 3\)/);
    expect(issues(base([src([[1], 2])]))[0]).toMatch(/^populations\[0\]\.spike_times_ms\[1\]: must be a list of spike times/);
    expect(issues(base([src(5)]))[0]).toMatch(/^populations\[0\]\.spike_times_ms: /);
    expect(issues(base([src([[[1], []]])], { batch: 2 }))[0]).toMatch(/^populations\[0\]\.spike_times_ms: given per trial, needs one list of per-neuron lists per trial: 2 \(the batch\) \(got 1\)/);
    expect(issues(base([src([[[1], []], [[2]]])], { batch: 2 }))[0]).toMatch(/^populations\[0\]\.spike_times_ms\[1\]: needs one list of spike times per neuron: 2 lists/);
    expect(issues(base([{ name: 'X', size: 2, model: 'spike_source_array' }]))[0]).toMatch(/^populations\[0\]\.spike_times_ms: is required for model spike_source_array/);
    expect(issues(base([{ ...lif, spike_times_ms: [[1], []] }]))[0]).toMatch(/^populations\[0\]\.spike_times_ms: only spike-train sources/);
    expect(issues(base([src([[1e12], []])]))[0]).toMatch(/^populations\[0\]\.spike_times_ms\[0\]\[0\]: must be a finite time ≥ 0 ms and ≤ .* \(step 2\^32 − 2\)/);
    expect(issues(base([{ ...src([[1], []]), initial: { emitted: 1 } }]))[0]).toMatch(/^populations\[0\]\.initial: model spike_source_array has no initial state to set/);
    // Inputs and projections onto a source are refused by name.
    expect(issues(base([lif, src([[1], []])], { inputs: [{ type: 'dc', target: 'X', amplitude: 1 }] }))[0]).toMatch(/^inputs\[0\]\.target: cannot target "X", a spike_source_array population: it takes no inputs/);
    expect(issues(base([lif, src([[1], []])], { inputs: [{ type: 'poisson', target: 'X', rate_hz: 1, weight: 1 }] }))[0]).toMatch(/^inputs\[0\]\.target: cannot target "X"/);
    expect(issues(base([lif, src([[1], []])], { projections: [{ source: 'L', target: 'X', connector: { type: 'one_to_one' }, weight: 1 }] }))[0]).toMatch(/^projections\[0\]\.target: cannot target a spike_source_array population/);
    // Absurd sizes are refused with a clear message: a train of 2^24 + 1 spikes, 2^26 + 2 spikes in all.
    const many = new Array<number>(2 ** 24 + 1).fill(1);
    expect(issues(base([src([many, []])]))).toEqual([expect.stringMatching(/^populations\[0\]\.spike_times_ms\[0\]: has 16777217 spikes, more than 16777216 \(2\^24\) for one neuron/)]);
    expect(issues(base([src([many, many, many, many], 4)]))).toEqual([expect.stringMatching(/^populations\[0\]\.spike_times_ms: holds 67108868 spikes, more than 67108864 \(2\^26\) in one population/)]);
    // A valid spec with the NEST and PyNN names of the model.
    expect(() => validateSpec(base([{ ...src([[1], []]), model: 'spike_generator' }, { ...src([[], [0.1]]), name: 'Y', model: 'SpikeSourceArray' }]))).not.toThrow();
  });
});
