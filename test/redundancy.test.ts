/**
 * The redundancy study at a small size with a fixed seed: every effect of the issue's
 * "Done when", each beyond its standard error (across recorded arrays).
 */
import { describe, expect, it } from 'vitest';
import { runRedundancyExperiment, resolveRedundancyOptions } from '../src/experiments/redundancy.js';
import { redundancyFigures, redundancyResultsJson } from '../src/experiments/redundancy-figures.js';
import { nodeShaderLoader } from '../src/node/shaders.js';
import { testGpu } from './helpers/gpu.js';

const combined = (a: number, b: number): number => Math.sqrt(a * a + b * b);

describe('redundancy study (small, seed 3)', () => {
  it('learned feedback makes sensory information redundant in the task, not passively, not without feedback', async () => {
    const context = await testGpu();
    const r = await runRedundancyExperiment(
      { sensoryNeurons: 576, arrays: 6, days: 7, blocksPerDay: 1, seed: 3 },
      { context, shaders: nodeShaderLoader, onProgress: (m) => console.log(m) },
    );
    const last = r.days.length - 1;
    const task = r.task.rho;
    const passive = r.passive.rho;
    const control = r.feedforward_control.rho;
    console.log(`ρ task ${task.mean.map((v) => v.toFixed(3)).join(' ')}; passive ${passive.mean[last]!.toFixed(3)}; control ${control.mean.map((v) => v.toFixed(3)).join(' ')} (${r.wall_s.toFixed(0)} s)`);

    // Early: no redundancy; late, in the task: at least 0.4, far beyond the SE.
    expect(Math.abs(task.mean[0]!)).toBeLessThan(0.1);
    expect(task.mean[last]!).toBeGreaterThanOrEqual(0.4);
    expect(task.mean[last]! - task.mean[0]!).toBeGreaterThan(3 * combined(task.se[last]!, task.se[0]!));
    // Passive viewing: clearly below the task; the feedforward learner's ρ does not rise.
    expect(task.mean[last]! - passive.mean[last]!).toBeGreaterThan(3 * combined(task.se[last]!, passive.se[last]!));
    expect(control.mean[last]! - control.mean[0]!).toBeLessThan(2 * combined(control.se[last]!, control.se[0]!) + 0.05);
    expect(control.mean[last]!).toBeLessThan(0.1);

    // Within a late trial, ρ rises over at least 200 ms after onset.
    const w = r.within_trial;
    const at = (ms: number) => w.window_centers_ms.indexOf(ms);
    const late = w.late;
    expect(late.mean[at(250)]! - late.mean[at(50)]!).toBeGreaterThan(3 * combined(late.se[at(250)]!, late.se[at(50)]!));
    expect(late.mean[at(150)]!).toBeGreaterThan(late.mean[at(50)]!);
    expect(late.mean[at(250)]!).toBeGreaterThan(late.mean[at(150)]!);

    // Single-neuron information rises ≥ 1.5×; population information does not fall by more than 10 %.
    const single = r.task.single_neuron_mean;
    expect(single.mean[last]! / single.mean[0]!).toBeGreaterThanOrEqual(1.5);
    expect(single.mean[last]! - single.mean[0]!).toBeGreaterThan(3 * combined(single.se[last]!, single.se[0]!));
    const population = r.task.I_bc;
    expect(population.mean[last]! + population.se[last]!).toBeGreaterThanOrEqual(0.9 * population.mean[0]!);

    // Task specificity: the trained feedback adds no redundancy for the other task's stimuli.
    expect(r.other_task_rho.mean).toBeLessThan(task.mean[last]! - 3 * combined(r.other_task_rho.se, task.se[last]!));
    // Outputs: results.json layout and four figures.
    const json = redundancyResultsJson(r) as { task: { rho: number[]; rho_se: number[] }; within_trial: { window_centers_ms: number[] } };
    expect(json.task.rho).toHaveLength(r.days.length);
    expect(json.within_trial.window_centers_ms.length).toBeGreaterThan(4);
    const figures = redundancyFigures(r);
    expect(figures.map((f) => f.name)).toEqual(['rho_over_days.svg', 'information_over_days.svg', 'rho_within_trial.svg', 'correlations_early_late.svg']);
    for (const f of figures) expect(f.svg).not.toContain('NaN');
  });

  it('refuses impossible settings with the option named', () => {
    expect(() => resolveRedundancyOptions({ sensoryNeurons: 100 })).toThrow(/sensoryNeurons must be an integer ≥ arrays × arrayNeurons = 768/);
    expect(() => resolveRedundancyOptions({ trialsPerBlock: 60, blocksPerDay: 1 })).toThrow(/too few for 96-neuron arrays/);
    expect(() => resolveRedundancyOptions({ trialMs: 130 })).toThrow(/trialMs a multiple of binMs/);
    expect(() => resolveRedundancyOptions({ passiveGainFactor: 2 })).toThrow(/passiveGainFactor/);
  });
});
