/**
 * The BCI study at a small size with a fixed seed: every outcome of issue 4's "Done when".
 */
import { describe, expect, it } from 'vitest';
import { checkTargetGroups, resolveBciOptions, runBciExperiment } from '../src/experiments/bci.js';
import { bciFigures } from '../src/experiments/bci-figures.js';
import { nodeShaderLoader } from '../src/node/shaders.js';
import { testGpu } from './helpers/gpu.js';

describe('BCI study (small, seed 1)', () => {
  it('vectorized dendritic teaching learns, blocked does not, scalar is slower and slows with group size', async () => {
    const context = await testGpu();
    const r = await runBciExperiment(
      { excitatory: 1000, inhibitory: 250, trialsPerSession: 48, sessions: 8, sweepTargets: [8, 64], sweepSessions: 8, seed: 1 },
      { context, shaders: nodeShaderLoader },
    );
    const last = r.sessions.length - 1;
    const chance = r.options.chanceHitRate;
    const v = r.vectorized;
    const b = r.blocked;
    console.log(`hit rates — vectorized ${v.hit_rate.map((x) => x.toFixed(2)).join(' ')}; scalar ${r.scalar.hit_rate.map((x) => x.toFixed(2)).join(' ')}; blocked ${b.hit_rate.map((x) => x.toFixed(2)).join(' ')}; ` +
      `sessions to criterion ${JSON.stringify(r.sessions_to_criterion)} (${r.wall_s.toFixed(0)} s)`);

    // Calibrated chance, then ≥ 70 % with E1 up and E2 down under vectorized teaching.
    expect(Math.abs(r.baseline_hit_rate - chance)).toBeLessThan(0.1);
    expect(Math.max(...v.hit_rate)).toBeGreaterThanOrEqual(0.7);
    expect(v.hit_rate[last]!).toBeGreaterThanOrEqual(0.7);
    expect(v.e1_activity[last]!).toBeGreaterThan(v.e1_activity[0]!);
    expect(v.e2_activity[last]!).toBeLessThan(v.e2_activity[0]!);
    // Blocked dendrites: within 10 points of chance on average, and no session far off (sampling SE ≈ 5 points).
    const blockedMean = b.hit_rate.reduce((s, x) => s + x, 0) / b.hit_rate.length;
    expect(Math.abs(blockedMean - chance)).toBeLessThan(0.1);
    for (const rate of b.hit_rate) expect(Math.abs(rate - chance)).toBeLessThan(0.15);

    // Scalar teaching is slower, and slows with the number of trained neurons; vectorized does not.
    const sweep = r.sessions_to_criterion;
    const sessions = (x: number | null) => x ?? sweep.sessions + 1;
    expect(sweep.vectorized[0]).not.toBeNull();
    expect(sessions(sweep.scalar[0]!)).toBeGreaterThan(sessions(sweep.vectorized[0]!));
    expect(sessions(sweep.scalar[1]!)).toBeGreaterThan(sessions(sweep.scalar[0]!));
    expect(sessions(sweep.vectorized[1]!)).toBeLessThanOrEqual(sessions(sweep.vectorized[0]!) + 1);

    // Dendritic residuals: opposite signs in E1 and E2 under vectorized teaching, the same sign under scalar.
    const dv = v.dendritic_residual;
    expect(dv.E1.unrewarded.mean).toBeGreaterThan(0);
    expect(dv.E2.unrewarded.mean).toBeLessThan(0);
    expect(dv.E1.rewarded.mean).toBeLessThan(0);
    expect(dv.E2.rewarded.mean).toBeGreaterThan(0);
    for (const s of [dv.E1.unrewarded, dv.E2.unrewarded, dv.E1.rewarded, dv.E2.rewarded]) expect(s.p).toBeLessThan(0.01);
    const ds = r.scalar.dendritic_residual;
    expect(Math.sign(ds.E1.rewarded.mean)).toBe(Math.sign(ds.E2.rewarded.mean));
    expect(Math.sign(ds.E1.unrewarded.mean)).toBe(Math.sign(ds.E2.unrewarded.mean));
    for (const s of [ds.E1.unrewarded, ds.E2.unrewarded, ds.E1.rewarded, ds.E2.rewarded]) expect(s.p).toBeLessThan(0.01);
    // The apical residual of one session predicts the sign of the somatic change in the next.
    expect(v.residual_predicts_change.agreement).toBeGreaterThan(0.7);
    expect(v.residual_predicts_change.p).toBeLessThan(0.01);

    const figures = bciFigures(r);
    expect(figures.map((f) => f.name)).toEqual(['learning_curves.svg', 'dendritic_residuals.svg', 'target_activity.svg', 'sessions_to_criterion.svg']);
    for (const f of figures) expect(f.svg).not.toContain('NaN');
  });

  it('refuses invalid protocol settings with clear errors', () => {
    expect(() => checkTargetGroups([1, 2, 3], [3, 4, 5], 100)).toThrow(/E1 and E2 overlap in neurons 3/);
    expect(() => resolveBciOptions({ excitatory: 10, targetsPerGroup: 8 })).toThrow(/do not fit in 10 excitatory neurons/);
    expect(() => resolveBciOptions({ chanceHitRate: 0 })).toThrow(/chance 0 % or 100 %/);
    expect(() => resolveBciOptions({ chanceHitRate: 1 })).toThrow(/chance 0 % or 100 %/);
    expect(() => resolveBciOptions({ sweepTargets: [7] })).toThrow(/even integers/);
    expect(() => checkTargetGroups([1, 200], [3], 100)).toThrow(/not an excitatory neuron/);
  });
});
