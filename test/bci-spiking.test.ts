/**
 * Spiking two-compartment targets of the BCI study (issue 14, point 3), at a small size: the
 * targets fire at plausible rates, apical input produces plateaus and bursts, the dendritic
 * calcium indicator follows apical input while the somatic one follows spikes, and the learning
 * effect that holds across three networks. Every number comes from a simulation.
 */
import { describe, expect, it } from 'vitest';
import { correlation, linearFit, resolveBciOptions, runBciExperiment, seedStatistic } from '../src/experiments/bci.js';
import { SPIKING_TARGETS, bciSpikingNetwork } from '../src/experiments/bci-spiking.js';
import { GpuSimulator } from '../src/gpu/simulator.js';
import type { SpikeCountRecording, StateRecording } from '../src/model/recording.js';
import { nodeShaderLoader } from '../src/node/shaders.js';
import { testGpu } from './helpers/gpu.js';

describe('BCI study, spiking two-compartment targets', () => {
  it('targets fire at a few Hz; apical input makes plateaus and bursts; dendritic ΔF/F follows apical input, somatic ΔF/F follows spikes', async () => {
    const context = await testGpu();
    const B = 32;
    const n = 16;
    const o = resolveBciOptions({ targetModel: 'spiking', trialsPerSession: B, contextUnits: 16 });
    // Every target receives the outcome units through a feedback weight of 2; basal weights 0.
    const spec = bciSpikingNetwork(o, 3, n, new Float32Array(n * o.contextUnits), new Float32Array(n).fill(2));
    const sim = await GpuSimulator.create(spec, { context, shaders: nodeShaderLoader });
    // Trials 0–15: no outcome input; trials 16–31: an error of 1 (ON units, apical excitation).
    const withInput = (b: number): boolean => b >= B / 2;
    sim.setInput(SPIKING_TARGETS.outcomeInput, { values: SPIKING_TARGETS.outcomeValues(o, Float64Array.from({ length: B }, (_, b) => (withInput(b) ? 1 : 0))) });
    await sim.run(600);
    const bursts = await sim.readState('T', 'n_burst');
    const events = await sim.readState('T', 'n_event');
    const recs = sim.recordings();
    const counts = recs[0] as SpikeCountRecording;
    const dffSoma = recs[1] as StateRecording;
    const dffApical = recs[2] as StateRecording;
    sim.destroy();

    // Per neuron and trial: spikes, and mean ΔF/F from 100 ms on.
    const spikes = new Float64Array(n * B);
    for (let w = 0; w < counts.nWindows; w++) for (let b = 0; b < B; b++) for (let k = 0; k < n; k++) spikes[k * B + b]! += counts.counts[(w * counts.nTrials + b) * n + k]!;
    const windowMean = (rec: StateRecording): Float64Array => {
      const out = new Float64Array(n * B);
      const samples = rec.timesMs.map((t, s) => (t >= 100 ? s : -1)).filter((s) => s >= 0);
      for (const s of samples) for (let b = 0; b < B; b++) for (let k = 0; k < n; k++) out[k * B + b]! += rec.values[(s * B + b) * n + k]! / samples.length;
      return out;
    };
    const soma = windowMean(dffSoma);
    const apical = windowMean(dffApical);
    const sum = (values: ArrayLike<number>, input: boolean): number => {
      let s = 0;
      for (let k = 0; k < n; k++) for (let b = 0; b < B; b++) if (withInput(b) === input) s += values[k * B + b]!;
      return s;
    };
    const cells = (n * B) / 2;
    const rateHz = (input: boolean): number => sum(spikes, input) / cells / 0.6;
    const burstFraction = (input: boolean): number => sum(bursts, input) / sum(events, input);
    const meanOf = (values: ArrayLike<number>, input: boolean): number => sum(values, input) / cells;
    console.log(`rate ${rateHz(false).toFixed(1)} Hz without apical input, ${rateHz(true).toFixed(1)} Hz with; burst fraction ${burstFraction(false).toFixed(3)} / ${burstFraction(true).toFixed(3)}; ` +
      `dF/F soma ${meanOf(soma, false).toFixed(3)} / ${meanOf(soma, true).toFixed(3)}, dendrite ${meanOf(apical, false).toFixed(3)} / ${meanOf(apical, true).toFixed(3)}`);

    // Targets fire at plausible rates without apical input, and more with it.
    expect(rateHz(false)).toBeGreaterThan(2);
    expect(rateHz(false)).toBeLessThan(20);
    expect(rateHz(true)).toBeGreaterThan(rateHz(false));
    // Apical input makes bursts: the burst fraction (bursts per event) at least doubles.
    expect(burstFraction(true)).toBeGreaterThan(2 * burstFraction(false) + 0.05);
    // Somatic ΔF/F follows the spike count, neuron by neuron and trial by trial.
    expect(correlation(spikes, soma) ?? 0).toBeGreaterThan(0.7);
    // Dendritic ΔF/F follows the apical input: beyond what its spikes predict (linear fit of the
    // dendritic on the somatic signal without apical input), it rises with apical input.
    const fit = linearFit(soma.filter((_, i) => !withInput(i % B)), apical.filter((_, i) => !withInput(i % B)));
    const residual = Float64Array.from(apical, (a, i) => a - (fit.intercept + fit.slope * soma[i]!));
    expect(meanOf(apical, true)).toBeGreaterThan(3 * meanOf(apical, false));
    expect(meanOf(residual, true)).toBeGreaterThan(0.1);
    expect(Math.abs(meanOf(residual, false))).toBeLessThan(0.02);
  });

  it('the protocol runs on spiking targets; the learning effect that holds across three networks', async () => {
    const context = await testGpu();
    const started = performance.now();
    const r = await runBciExperiment(
      {
        targetModel: 'spiking', targetsPerGroup: 12, trialsPerSession: 24, sessions: 4, seeds: 3, seed: 4, trialMs: 400, teachingMs: 200,
        learningRates: { dendritic: 0.03, neuromodulatory: 0.1 }, conditions: ['vectorized'], decoderNoiseSweep: [], sweepTargets: [],
      },
      { context, shaders: nodeShaderLoader },
    );
    const v = r.vectorized!;
    const last = r.sessions.length - 1;
    const f = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : x.toFixed(2));
    const gap = v.residual_e1_minus_e2_unrewarded;
    console.log(`spiking: hits ${v.hit_rate_mean.map(f).join(' ')} (SE ${v.hit_rate_se.map(f).join(' ')}); feedback–role r ${v.feedback_role_correlation.map(f).join(' ')} (SE ${v.feedback_role_correlation_se.map(f).join(' ')}); ` +
      `residual E1 − E2 unrewarded ${f(gap.mean)} ± ${f(gap.se)}; ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(r.options.dtMs).toBe(1);
    expect(r.modelling_choices.some((c) => c.startsWith('Spiking targets'))).toBe(true);
    expect(Math.abs(r.baseline_hit_rate_mean - r.options.chanceHitRate)).toBeLessThan(0.15);
    // The feedback weights learn the sign of each target's role (covariance of the outcome with
    // the neuron's own spike-count rate): from random to positive beyond 2 SE across networks.
    const gains = seedStatistic(v.per_seed.map((s) => s.feedback_role_correlation[last]! - s.feedback_role_correlation[0]!));
    expect(gains.mean - 2 * gains.se).toBeGreaterThan(0);
    expect(v.feedback_role_correlation[last]! - 2 * v.feedback_role_correlation_se[last]!).toBeGreaterThan(0);
    // The dendritic calcium residual (beyond what the somatic signal predicts) takes the role's
    // sign on unrewarded trials: E1 above E2, beyond 2 SE across networks.
    expect(gap.n).toBe(3);
    expect(gap.mean - 2 * gap.se).toBeGreaterThan(0);
  });

  it('refuses a spiking step that cannot resolve bursts, and an unknown target model', () => {
    expect(() => resolveBciOptions({ targetModel: 'spiking', dtMs: 10 })).toThrow(/spiking targets need dtMs ≤ 1 ms/);
    expect(() => resolveBciOptions({ targetModel: 'lif' as never })).toThrow(/targetModel must be 'rate' or 'spiking'/);
    expect(resolveBciOptions({}).targetModel).toBe('rate');
    expect(resolveBciOptions({}).dtMs).toBe(10);
    expect(resolveBciOptions({ targetModel: 'spiking' }).dtMs).toBe(1);
  });
});
