/**
 * Every GPU kernel against the float64 CPU reference: the same plan, random numbers and
 * order of operations, so trajectories agree up to float32 rounding (and the fixed-point
 * quantisation of spike input on the GPU) until a threshold crossing differs.
 */
import { describe, expect, it } from 'vitest';
import { CpuSimulator } from '../src/cpu/simulator.js';
import type { NetworkSpec, PopulationSpec } from '../src/model/spec.js';
import type { SpikeRecording, StateRecording, PopulationRateRecording } from '../src/model/recording.js';
import { gpuSimulator } from './helpers/gpu.js';

function spikeKeys(rec: SpikeRecording): Set<string> {
  const keys = new Set<string>();
  for (let i = 0; i < rec.steps.length; i++) keys.add(`${rec.steps[i]}:${rec.trials[i]}:${rec.senders[i]}`);
  return keys;
}

/** Fraction of spikes present in both, over the larger count. */
function spikeAgreement(a: SpikeRecording, b: SpikeRecording): number {
  const ka = spikeKeys(a);
  const kb = spikeKeys(b);
  let common = 0;
  for (const k of ka) if (kb.has(k)) common++;
  return common / Math.max(1, ka.size, kb.size);
}

async function runBoth(spec: NetworkSpec, durationMs: number) {
  const gpu = await gpuSimulator(spec, 64);
  await gpu.run(durationMs);
  const cpu = new CpuSimulator(spec);
  cpu.run(durationMs);
  return { gpu, cpu, g: gpu.recordings(), c: cpu.recordings() };
}

function lifNetwork(model: PopulationSpec['model'], params: Record<string, number>, weightE: number, weightI: number, initial: Record<string, unknown>): NetworkSpec {
  return {
    dt_ms: 0.1, seed: 11, batch: 3,
    populations: [
      { name: 'E', size: 96, model, params, initial: initial as PopulationSpec['initial'] },
      { name: 'I', size: 24, model, params, initial: initial as PopulationSpec['initial'] },
      { name: 'P', size: 40, model: 'poisson_source', params: { rate_hz: 30 } },
    ],
    projections: [
      { source: 'E', target: 'E', connector: { type: 'fixed_probability', p: 0.1 }, weight: { normal: { mean: weightE, std: weightE / 5 }, min: 0 }, delay_ms: { uniform: [0.5, 3] }, receptor: 'excitatory' },
      { source: 'E', target: 'I', connector: { type: 'fixed_indegree', indegree: 10 }, weight: weightE, delay_ms: 1.0, receptor: 'excitatory' },
      { source: 'I', target: 'E', connector: { type: 'fixed_probability', p: 0.2 }, weight: weightI, delay_ms: { uniform: [0.5, 2] }, receptor: 'inhibitory' },
      { source: 'I', target: 'I', connector: { type: 'fixed_total_number', n: 50 }, weight: weightI, delay_ms: 0.7, receptor: 'inhibitory' },
      { source: 'P', target: 'E', connector: { type: 'fixed_indegree', indegree: 5 }, weight: weightE, delay_ms: 0.3, receptor: 'excitatory' },
    ],
    inputs: [
      { type: 'poisson', target: 'E', rate_hz: 800, n_sources: 2, weight: weightE, receptor: 'excitatory' },
      { type: 'poisson', target: 'I', rate_hz: 800, n_sources: 2, weight: weightE, receptor: 'excitatory' },
      { type: 'poisson', target: 'E', rate_hz: 200, n_sources: 1, weight: weightI, receptor: 'inhibitory', start_ms: 20, stop_ms: 120 },
    ],
    recorders: [
      { type: 'spikes', population: 'E' },
      { type: 'spikes', population: 'I', neurons: { first: 12 } },
      { type: 'state', population: 'E', variable: 'v_mV', neurons: [0, 5, 50], every_ms: 0.5 },
      { type: 'population_rate', population: 'E', bin_ms: 10 },
      { type: 'spike_counts', population: 'E', window_ms: 25, neurons: { first: 30 } },
      { type: 'spikes', population: 'P' },
    ],
  };
}

const LIF_CASES: [string, NetworkSpec][] = [
  ['lif_psc_exp', lifNetwork('lif_psc_exp', { i_e_pA: 300, tau_syn_ex_ms: 2, tau_syn_in_ms: 4 }, 60, 120, { v_mV: { uniform: [-70, -52] } })],
  ['lif_psc_delta', lifNetwork('lif_psc_delta', { i_e_pA: 300 }, 1.0, 2.0, { v_mV: { uniform: [-70, -52] } })],
  ['lif_cond_exp', lifNetwork('lif_cond_exp', { i_e_pA: 150 }, 3, 12, { v_mV: { uniform: [-60, -51] }, g_ex_nS: { normal: { mean: 5, std: 2 }, min: 0 } })],
];

describe('GPU kernels vs float64 CPU reference', () => {
  for (const [name, spec] of LIF_CASES) {
    it(`${name} network with heterogeneous delays, Poisson sources and inputs`, async () => {
      const { g, c } = await runBoth(spec, 150);
      const gE = g[0] as SpikeRecording;
      const cE = c[0] as SpikeRecording;
      // Sub-threshold traces agree closely until the first diverging spike; compare the first 5 ms.
      const gv = g[2] as StateRecording;
      const cv = c[2] as StateRecording;
      expect(gv.values.length).toBe(cv.values.length);
      for (let i = 0; i < 10 * 9; i++) expect(Math.abs(gv.values[i]! - cv.values[i]!)).toBeLessThan(2e-3);
      const agreement = spikeAgreement(gE, cE);
      const poisson = spikeAgreement(g[5] as SpikeRecording, c[5] as SpikeRecording);
      console.log(`${name}: GPU ${gE.steps.length} vs CPU ${cE.steps.length} E spikes, identical ${(agreement * 100).toFixed(1)} %; Poisson sources identical ${(poisson * 100).toFixed(2)} %`);
      expect(gE.steps.length).toBeGreaterThan(100);
      expect(poisson).toBe(1);
      expect(agreement).toBeGreaterThan(0.9);
      expect(Math.abs(gE.steps.length - cE.steps.length) / cE.steps.length).toBeLessThan(0.05);
      // Population rate and spike counts are consistent with the spikes on each backend.
      const gRate = g[3] as PopulationRateRecording;
      const cRate = c[3] as PopulationRateRecording;
      expect(gRate.values.length).toBe(15 * 3);
      const total = (r: PopulationRateRecording) => r.values.reduce((s, v) => s + v, 0);
      expect(total(gRate)).toBeCloseTo(total(cRate) * (gE.steps.length / cE.steps.length), 0);
      const gc = g[4] as { counts: Uint32Array; nWindows: number };
      const cc = c[4] as { counts: Uint32Array; nWindows: number };
      expect(gc.nWindows).toBe(6);
      expect(cc.nWindows).toBe(6);
      const sum = (a: Uint32Array) => a.reduce((s, v) => s + v, 0);
      const firstThirty = Array.from(gE.senders).filter((n) => n < 30).length;
      expect(sum(gc.counts)).toBe(firstThirty);
    });
  }

  it('rate units: sparse and dense projections, OU and white noise, stimulus drive', async () => {
    const unit = (transfer: string, extra: Record<string, number | string> = {}): PopulationSpec['params'] => ({ tau_ms: 10, transfer, gain: 0.8, threshold: 0.1, ...extra });
    const spec: NetworkSpec = {
      dt_ms: 0.5, seed: 5, batch: 4,
      populations: [
        { name: 'S', size: 64, model: 'rate', params: unit('threshold_linear', { noise_std: 0.3, noise_tau_ms: 5 }), preferred_orientation: 'random', initial: { x: { normal: { mean: 0.2, std: 0.1 } } } },
        { name: 'D', size: 16, model: 'rate', params: unit('power_law', { exponent: 2, noise_std: 0.2 }) },
        { name: 'L', size: 8, model: 'rate', params: unit('linear', { noise_std: 0.1 }) },
      ],
      projections: [
        { source: 'S', target: 'S', connector: { type: 'ring', p_max: 0.5, kappa: 2 }, weight: { uniform: [0, 0.05] }, delay_ms: { uniform: [0.5, 3] } },
        { source: 'S', target: 'D', connector: { type: 'all_to_all' }, weight: { normal: { mean: 0.02, std: 0.01 } }, delay_ms: 1 },
        { source: 'D', target: 'S', connector: { type: 'all_to_all' }, weight: 0.01, delay_ms: 2, receptor: 'inhibitory' },
        { source: 'D', target: 'L', connector: { type: 'fixed_indegree', indegree: 4 }, weight: 0.3 },
        { source: 'L', target: 'L', connector: { type: 'one_to_one' }, weight: 0.2, delay_ms: 0.5 },
      ],
      inputs: [
        { type: 'stimulus', target: 'S', orientation_deg: [0, 45, 90, 135], amplitude: 1.5, kappa: 2, baseline: 0.1, start_ms: 10 },
        { type: 'dc', target: 'D', amplitude: 0.2, stop_ms: 80 },
      ],
      recorders: [
        { type: 'state', population: 'S', variable: 'r', neurons: 'all', every_ms: 5 },
        { type: 'population_rate', population: 'D', bin_ms: 5 },
        { type: 'state', population: 'L', variable: 'x', neurons: 'all', every_ms: 0.5 },
      ],
    };
    const { gpu, cpu, g, c } = await runBoth(spec, 100);
    for (const name of ['S', 'D', 'L']) {
      for (const variable of ['x', 'r', 'noise']) {
        const a = await gpu.readState(name, variable);
        const b = cpu.readState(name, variable);
        let maxDiff = 0;
        let scale = 0;
        for (let i = 0; i < a.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
          scale = Math.max(scale, Math.abs(b[i]!));
        }
        expect(maxDiff, `${name}.${variable}`).toBeLessThan(1e-4 * Math.max(1, scale));
      }
    }
    const gs = g[0] as StateRecording;
    const cs = c[0] as StateRecording;
    expect(gs.values.length).toBe(cs.values.length);
    for (let i = 0; i < gs.values.length; i++) expect(gs.values[i]).toBeCloseTo(cs.values[i]!, 4);
    const gr = g[1] as PopulationRateRecording;
    const cr = c[1] as PopulationRateRecording;
    for (let i = 0; i < gr.values.length; i++) expect(gr.values[i]).toBeCloseTo(cr.values[i]!, 4);
    // The stimulus makes trials differ: population S responds differently to 0° and 90°.
    expect(gs.values.some((v) => v > 0.05)).toBe(true);
  });
});

describe('Poisson spiking of rate units', () => {
  it('emits the same spikes on GPU and CPU and drives a LIF population through spike projections', async () => {
    const spec: NetworkSpec = {
      dt_ms: 0.5, seed: 17, batch: 3,
      populations: [
        { name: 'S', size: 40, model: 'rate', params: { tau_ms: 10, transfer: 'threshold_linear', gain: 1, spike_rate_hz: 40, noise_std: 0.2 }, preferred_orientation: 'random' },
        { name: 'L', size: 20, model: 'lif_psc_exp', params: { i_e_pA: 360, tau_syn_ex_ms: 2 } },
      ],
      projections: [{ source: 'S', target: 'L', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 80, delay_ms: 1 }],
      inputs: [{ type: 'stimulus', target: 'S', orientation_deg: [0, 60, 120], amplitude: 1.5, kappa: 1, baseline: 0.2 }],
      recorders: [
        { type: 'spikes', population: 'S' },
        { type: 'spike_counts', population: 'S', window_ms: 20 },
        { type: 'spikes', population: 'L' },
      ],
    };
    const { g, c } = await runBoth(spec, 100);
    const gs = g[0] as SpikeRecording;
    const agreement = spikeAgreement(gs, c[0] as SpikeRecording);
    const lif = spikeAgreement(g[2] as SpikeRecording, c[2] as SpikeRecording);
    console.log(`rate-unit spikes: ${gs.steps.length} on the GPU, identical ${(agreement * 100).toFixed(2)} %; LIF driven by them identical ${(lif * 100).toFixed(1)} %`);
    expect(gs.steps.length).toBeGreaterThan(100);
    expect(agreement).toBeGreaterThan(0.995);
    expect((g[2] as SpikeRecording).steps.length).toBeGreaterThan(20);
    expect(lif).toBeGreaterThan(0.9);
    const counts = g[1] as unknown as { counts: Uint32Array; nWindows: number };
    expect(counts.nWindows).toBe(5);
    expect(counts.counts.reduce((s, v) => s + v, 0)).toBe(gs.steps.length);
  });
});

describe('two-compartment neurons', () => {
  it('rate and LIF two-compartment models with apical projections and inputs match the CPU reference', async () => {
    const spec: NetworkSpec = {
      dt_ms: 0.5, seed: 23, batch: 2,
      populations: [
        { name: 'In', size: 30, model: 'rate', params: { tau_ms: 5, transfer: 'threshold_linear', noise_std: 0.3, spike_rate_hz: 60 } },
        { name: 'Pyr', size: 20, model: 'two_compartment_rate', params: { noise_std: 0.1, readout_noise: 0.05, plateau_threshold: 0.5, spike_rate_hz: 30 } },
        { name: 'L5', size: 16, model: 'two_compartment_lif', params: { i_e_pA: 300, readout_noise: 0.02 }, initial: { v_mV: { uniform: [-65, -52] } } },
      ],
      projections: [
        { source: 'In', target: 'Pyr', connector: { type: 'fixed_indegree', indegree: 6 }, weight: 0.2, delay_ms: 1 },
        { source: 'In', target: 'Pyr', connector: { type: 'all_to_all' }, weight: 0.03, delay_ms: 2, compartment: 'apical' },
        { source: 'In', target: 'L5', connector: { type: 'fixed_indegree', indegree: 8 }, weight: 40, delay_ms: 1 },
        { source: 'In', target: 'L5', connector: { type: 'fixed_indegree', indegree: 8 }, weight: 60, delay_ms: { uniform: [1, 3] }, compartment: 'apical' },
        { source: 'In', target: 'L5', connector: { type: 'fixed_indegree', indegree: 4 }, weight: 30, delay_ms: 1, receptor: 'inhibitory' },
      ],
      inputs: [
        { type: 'dc', target: 'In', amplitude: 1 },
        { type: 'dc', target: 'Pyr', amplitude: 0.8, compartment: 'apical', start_ms: 20 },
        { type: 'dc', target: 'L5', amplitude: 150, compartment: 'apical', start_ms: 20 },
      ],
      recorders: [
        { type: 'spikes', population: 'L5' },
        { type: 'state', population: 'Pyr', variable: 'dff_apical', neurons: 'all', every_ms: 5 },
        { type: 'state', population: 'L5', variable: 'v_apical_mV', neurons: [0, 1, 2], every_ms: 1 },
      ],
    };
    const { gpu, cpu, g, c } = await runBoth(spec, 80);
    for (const variable of ['v_soma', 'v_apical', 'r', 'plateau', 'ca_soma', 'ca_apical', 'dff_soma', 'dff_apical']) {
      const a = await gpu.readState('Pyr', variable);
      const b = cpu.readState('Pyr', variable);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
      expect(worst, `Pyr.${variable}`).toBeLessThan(1e-4);
    }
    // Apical drive opens the plateau: plateau activation rises after the apical DC starts.
    const plateau = await gpu.readState('Pyr', 'plateau');
    expect(plateau.reduce((s, v) => s + v, 0) / plateau.length).toBeGreaterThan(0.5);
    const gs = g[0] as SpikeRecording;
    const agreement = spikeAgreement(gs, c[0] as SpikeRecording);
    console.log(`two-compartment LIF: ${gs.steps.length} spikes, identical ${(agreement * 100).toFixed(1)} %`);
    expect(gs.steps.length).toBeGreaterThan(20);
    expect(agreement).toBeGreaterThan(0.9);
    const va = g[2] as StateRecording;
    const vaCpu = c[2] as StateRecording;
    for (let i = 0; i < 30; i++) expect(Math.abs(va.values[i]! - vaCpu.values[i]!)).toBeLessThan(1e-2);
  });

  it('rejects apical projections onto single-compartment models', async () => {
    const { SpecError, validateSpec } = await import('../src/model/schema.js');
    const bad = () => validateSpec({
      populations: [{ name: 'A', size: 2, model: 'rate' }, { name: 'B', size: 2, model: 'rate' }],
      projections: [{ source: 'A', target: 'B', connector: { type: 'one_to_one' }, weight: 1, compartment: 'apical' }],
    });
    expect(bad).toThrow(SpecError);
    expect(bad).toThrow(/projections\[0\]\.compartment: targets the apical compartment, but "B"/);
  });
});
