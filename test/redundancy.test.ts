/**
 * The redundancy study at a small size on real simulations, several independently built networks
 * (seeds): the effects are asserted against the spread across seeds. Nothing is set by a
 * schedule: the decision area reads sensory spikes, feedback and readout weights change only
 * through the local rules, and every number asserted is measured from recorded spike counts.
 */
import { describe, expect, it } from 'vitest';
import { REDUNDANCY_DEFAULTS, redundancyNetwork, resolveRedundancyOptions, runRedundancyExperiment, type DailyMeasure } from '../src/experiments/redundancy.js';
import { redundancyFigureSpecs, redundancyResultsJson } from '../src/experiments/redundancy-figures.js';
import { nodeShaderLoader } from '../src/node/shaders.js';
import { testGpu } from './helpers/gpu.js';

/** Combined SE of a difference of two independent means. */
const combined = (m: DailyMeasure, i: number, n: DailyMeasure, j: number): number => Math.hypot(m.se[i]!, n.se[j]!);

describe('redundancy study (small, 3 seeds)', () => {
  it('learned spiking feedback makes the recorded counts redundant in the task, less when disengaged, not without feedback', async () => {
    const context = await testGpu();
    const r = await runRedundancyExperiment(
      { sensoryNeurons: 120, trialsPerDay: 128, arrayNeurons: 24, days: 7, seeds: 3, seed: 11, passiveEveryDay: false },
      { context, shaders: nodeShaderLoader },
    );
    const first = 0;
    const last = r.days.length - 1;
    const { task, passive, feedforward_control: control } = r;
    const show = (m: DailyMeasure): string => m.mean.map((v, i) => `${v.toFixed(3)}±${m.se[i]!.toFixed(3)}`).join(' ');
    console.log(`ρ task ${show(task.rho)}\nρ passive ${show(passive.rho)}\nρ control ${show(control.rho)}\nsame-side r control ${show(control.noise_correlation_same_side)}\nI_bc task ${show(task.I_bc)}\ngain ${show(r.learned.feedback_gain)} (${r.wall_s.toFixed(0)} s)`);
    expect(r.seeds).toEqual([11, 12, 13]);

    // Learning happened through the rules: above-chance choices, feedback aligned with the task.
    expect(task.accuracy.mean[last]!).toBeGreaterThan(0.75);
    expect(r.learned.feedback_alignment.mean[last]!).toBeGreaterThan(0.8);
    // Task: ρ starts near 0 and rises far beyond the spread across seeds.
    expect(Math.abs(task.rho.mean[first]!)).toBeLessThan(0.15);
    expect(task.rho.mean[last]! - task.rho.mean[first]!).toBeGreaterThan(3 * combined(task.rho, last, task.rho, first));
    expect(task.rho.mean[last]!).toBeGreaterThan(0.3);
    // Population information does not rise beyond its SE (feedback adds no information).
    expect(task.I_bc.mean[last]! - task.I_bc.mean[first]!).toBeLessThan(2 * combined(task.I_bc, last, task.I_bc, first));
    // Passive viewing (disengaged decision area, same weights): below the task.
    expect(task.rho.mean[last]! - passive.rho.mean[last]!).toBeGreaterThan(2 * combined(task.rho, last, passive.rho, last));
    // Feedforward control: starts with shared input noise (positive same-side noise correlations) and its ρ does not rise.
    const sameSide = control.noise_correlation_same_side;
    expect(sameSide.mean[first]!).toBeGreaterThan(2 * sameSide.se[first]!);
    expect(control.rho.mean[last]! - control.rho.mean[first]!).toBeLessThan(2 * combined(control.rho, last, control.rho, first));

    // Outputs: results.json fields per day and figure specs without NaN.
    const json = redundancyResultsJson(r) as Record<string, Record<string, number[]>>;
    for (const c of ['task', 'passive', 'feedforward_control']) {
      for (const f of ['rho_mean', 'rho_se', 'I_bc_mean', 'I_bc_se']) expect(json[c]![f]).toHaveLength(r.days.length);
    }
    expect(Object.keys(redundancyFigureSpecs(r))).toEqual(['rho_over_days', 'information_over_days', 'learned_weights', 'rho_within_trial', 'correlations_first_last']);
  }, 120_000);

  it('the decision area reads sensory spikes only; impossible settings are refused with the option named', () => {
    const o = resolveRedundancyOptions({ sensoryNeurons: 50, arrayNeurons: 10, trialsPerDay: 16 });
    const zeros = new Float64Array(50);
    const spec = redundancyNetwork(o, 1, { readout: zeros.map((_, i) => (i % 2 ? 0.1 : -0.1)), bias: [10, 10], feedback: [zeros.map(() => 0.1), zeros.map(() => 0.1)], noise: null });
    // Every population is a spiking model; every projection is a spike projection (on_pre), none carries rates.
    expect(spec.populations.every((p) => p.model === 'spiking_rate_unit')).toBe(true);
    expect(spec.projections!.every((p) => typeof p.on_pre === 'string')).toBe(true);
    expect(spec.projections!.filter((p) => p.target.startsWith('Pool')).every((p) => p.source === 'V4')).toBe(true);
    expect(() => resolveRedundancyOptions({ sensoryNeurons: 10 })).toThrow(/sensoryNeurons must be an integer ≥ arrayNeurons = 64/);
    expect(() => resolveRedundancyOptions({ trialsPerDay: 60 })).toThrow(/too few for 64-neuron arrays/);
    expect(() => resolveRedundancyOptions({ trialMs: 130 })).toThrow(/trialMs a multiple of binMs/);
    expect(() => resolveRedundancyOptions({ seeds: 1 })).toThrow(/seeds must be an integer ≥ 2/);
    expect(REDUNDANCY_DEFAULTS.seeds).toBeGreaterThanOrEqual(5);
  });
});
