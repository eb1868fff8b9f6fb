import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { parseSpecJson } from '../src/model/schema.js';
import { PD14_PARAMETERS } from '../src/model/library/pd14-parameters.js';
import { pd14DcCompensation, pd14MeanWeightsPa, pd14Spec, pd14SynapseCount, pspToPscAmplitude } from '../src/model/library/pd14.js';
import type { NetworkSpec, PoissonInputSpec } from '../src/model/spec.js';

const P = PD14_PARAMETERS;
const W = 87.80849352920843; // PSC amplitude (pA) of a 0.15 mV PSP, τ_m 10 ms, τ_s 0.5 ms, C 250 pF (NEST's formula, numpy)
const RATES = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829];

/** Mean weight (pA, signed) and synapse count of a projection of a spec. */
function projection(spec: NetworkSpec, source: string, target: string): { n: number; meanPa: number } | null {
  const p = spec.projections?.find((q) => q.source === source && q.target === target);
  if (!p) return null;
  const mean = (p.weight as { normal: { mean: number } }).normal.mean;
  return { n: (p.connector as { n: number }).n, meanPa: p.receptor === 'inhibitory' ? -mean : mean };
}

describe('PD14 in-degree scaling with DC compensation (K_scaling)', () => {
  it('computes the compensating DC as a hand computation does (L5I, k = 0.25, DC background)', () => {
    // I = τ_syn (1 − √k) · 10⁻³ · Σ_s J_s · K_s/N · ν_s, with the full-scale in-degrees of L5I
    // (K = ln(1 − C)/ln(1 − 1/(N_pre N_post)) / N_post, computed with numpy) and the reference rates.
    const indegreesL5I = [1165.66766302082, 159.08399125473787, 570.5792469809403, 12.067077628338913, 300.0956789232252, 404.1726536706366, 124.33239483511001, 0];
    const signs = [1, -4, 1, -4, 1, -4, 1, -4];
    let input = 0; // pA · Hz
    for (let s = 0; s < 8; s++) input += signs[s]! * W * indegreesL5I[s]! * RATES[s]!;
    const hand = 0.5 * (1 - Math.sqrt(0.25)) * 1e-3 * input;
    expect(hand).toBeCloseTo(-222.754883004, 6);
    const dc = pd14DcCompensation(0.25, 'dc');
    expect(dc[5]).toBeCloseTo(hand, 9);
  });

  it('matches an independent float64 (numpy) computation for every population, DC and Poisson background', () => {
    // numpy: PSC from NEST's postsynaptic_potential_to_current, J with g = −4 and 2 w for L4E → L23E.
    const expected: Record<string, number[]> = {
      'dc 0.1': [-355.227453438, -247.874860515, -391.37476056, -341.321325071, -354.909801505, -304.627207965, -652.628823845, -350.634762528],
      'poisson 0.1': [29.035009174, 112.371198184, 112.969721619, 114.990349281, 125.41827676, 151.684466387, 43.84688964, 153.709719651],
      'dc 0.25': [-259.755687482, -181.255429949, -286.187959315, -249.587002884, -259.523408429, -222.754883004, -477.226766026, -256.397338983],
    };
    for (const [key, values] of Object.entries(expected)) {
      const [background, k] = key.split(' ') as ['dc' | 'poisson', string];
      const dc = pd14DcCompensation(Number(k), background);
      values.forEach((v, i) => expect(dc[i]).toBeCloseTo(v, 6));
    }
    expect(pspToPscAmplitude(0.15, 10, 0.5, 250)).toBeCloseTo(W, 9);
    expect(pd14MeanWeightsPa()[0]![2]).toBeCloseTo(2 * W, 9); // L4E → L23E
    expect(pd14MeanWeightsPa()[4]![5]).toBeCloseTo(-4 * W, 9); // L5I → L5E
    expect(pd14DcCompensation(1, 'poisson').every((x) => x === 0)).toBe(true);
    expect(() => pd14DcCompensation(0, 'dc')).toThrow(RangeError);
    expect(() => pd14DcCompensation(1.5, 'dc')).toThrow(RangeError);
    expect(() => pd14DcCompensation(0.5, 'dc', P, [1, 2, 3])).toThrow(/fullScaleRatesHz/);
  });

  it('scales synapse numbers by k, weights by 1/√k, keeps the default spec unchanged at k = 1', () => {
    const scale = 0.1;
    const k = 0.1;
    expect(pd14Spec({ scale, background: 'poisson', kScale: 1 })).toEqual(pd14Spec({ scale, background: 'poisson' }));
    const base = pd14Spec({ scale, background: 'poisson' });
    const spec = pd14Spec({ scale, background: 'poisson', kScale: k });
    expect(spec.name).toBe('pd14_scale0.1_k0.1_poisson');
    expect(spec.populations.map((p) => p.size)).toEqual(base.populations.map((p) => p.size));
    const l4eToL23e = projection(spec, 'L4E', 'L23E')!;
    expect(l4eToL23e.n).toBe(Math.round(pd14SynapseCount(0.0437, 21915, 20683) * scale * k));
    expect(l4eToL23e.meanPa).toBeCloseTo((2 * W) / Math.sqrt(k), 4);
    expect(projection(spec, 'L23I', 'L23E')!.meanPa).toBeCloseTo((-4 * W) / Math.sqrt(k), 4);
    const inputs = spec.inputs as PoissonInputSpec[];
    expect(inputs.map((i) => i.n_sources)).toEqual(P.background.K_ext.map((K) => Math.round(K * k)));
    expect(inputs[0]!.weight).toBeCloseTo(W / Math.sqrt(k), 4);
    const compensation = pd14DcCompensation(k, 'poisson');
    spec.populations.forEach((p, i) => expect(p.params!['i_e_pA']).toBeCloseTo(compensation[i]!, 5));
    expect(() => pd14Spec({ scale, background: 'dc', kScale: 0 })).toThrow(RangeError);
    expect(() => pd14Spec({ scale, background: 'dc', kScale: 2 })).toThrow(RangeError);
  });

  it('keeps every population\'s mean input at the full model\'s when the network fires at the reference rates', () => {
    // Mean current (pA) of the built spec if every source fires at its reference rate:
    // Σ (n / N_target) · J · ν · τ_syn + i_e (+ Poisson: K_ext · w · 8 Hz · τ_syn).
    const meanInput = (spec: NetworkSpec): number[] => spec.populations.map((target) => {
      let current = Number(target.params!['i_e_pA']);
      spec.populations.forEach((source, s) => {
        const p = projection(spec, source.name, target.name);
        if (p) current += (p.n / target.size) * p.meanPa * RATES[s]! * 0.5e-3;
      });
      for (const input of (spec.inputs ?? []) as PoissonInputSpec[]) {
        if (input.target === target.name) current += (input.n_sources ?? 1) * input.weight * input.rate_hz * 0.5e-3;
      }
      return current;
    });
    // At scale 1 (only the spec is built), so that population sizes are not rounded: what is
    // left is the rounding of synapse numbers (millions) and of K_ext · k (exact for k = 0.1).
    for (const background of ['dc', 'poisson'] as const) {
      const full = meanInput(pd14Spec({ scale: 1, background }));
      const scaled = meanInput(pd14Spec({ scale: 1, background, kScale: 0.1 }));
      scaled.forEach((x, i) => expect(Math.abs(x - full[i]!)).toBeLessThan(0.01));
      // Without the compensation the scaled network would miss (1 − √k) of its mean input: ≥ 29 pA here.
      pd14DcCompensation(0.1, background).forEach((c, i) => expect(Math.abs(scaled[i]! - c - full[i]!)).toBeGreaterThan(20));
    }
  });

  it('cortexgpu example pd14 --k-scale writes the scaled spec; bad values and other examples are refused', async () => {
    const result = await cli('example', 'pd14', '--scale', '0.05', '--k-scale', '0.05', '--background', 'dc');
    expect(result.code).toBe(0);
    const spec = parseSpecJson(result.stdout, 'example');
    expect(spec).toEqual(pd14Spec({ scale: 0.05, background: 'dc', kScale: 0.05 }));
    expect(spec.populations[0]!.params!['i_e_pA']).toBeCloseTo((1600 * 8 * W * 0.5) / 1000 + pd14DcCompensation(0.05, 'dc')[0]!, 4);
    const tooLarge = await cli('example', 'pd14', '--k-scale', '2');
    expect(tooLarge.code).toBe(2);
    expect(tooLarge.stderr).toMatch(/--k-scale must be in \(0, 1\]/);
    const elsewhere = await cli('example', 'coba', '--k-scale', '0.5');
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/--k-scale applies only to the generated pd14 example/);
  });
});
