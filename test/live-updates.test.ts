/**
 * Changing a running network without rebuilding it: dense weights, stimulus orientations and
 * amplitudes, Poisson rates (used by learning protocols and the UI).
 */
import { describe, expect, it } from 'vitest';
import type { NetworkSpec } from '../src/model/spec.js';
import type { PopulationRateRecording, SpikeCountRecording } from '../src/model/recording.js';
import { gpuSimulator } from './helpers/gpu.js';

describe('live updates', () => {
  it('setProjectionWeights and setInput take effect at the next run', async () => {
    const spec: NetworkSpec = {
      dt_ms: 1, seed: 2, batch: 2,
      populations: [
        { name: 'S', size: 8, model: 'rate', params: { tau_ms: 5, transfer: 'linear' } },
        { name: 'D', size: 1, model: 'rate', params: { tau_ms: 5, transfer: 'linear' } },
        { name: 'P', size: 50, model: 'poisson_source', params: { rate_hz: 0 } },
      ],
      projections: [{ source: 'S', target: 'D', connector: { type: 'matrix', weights: [[1, 1, 1, 1, 1, 1, 1, 1]] }, delay_ms: 1 }],
      inputs: [
        { type: 'stimulus', target: 'S', orientation_deg: [0, 90], amplitude: 1, kappa: 0, baseline: 0 },
        { type: 'stimulus', target: 'P', orientation_deg: 0, amplitude: 0, kappa: 0, baseline: 10 },
      ],
      recorders: [{ type: 'population_rate', population: 'D', bin_ms: 50 }, { type: 'spike_counts', population: 'P', window_ms: 100 }],
    };
    const sim = await gpuSimulator(spec);
    await sim.run(100);
    sim.setProjectionWeights(0, new Float32Array([2, 2, 2, 2, 0, 0, 0, 0]));
    sim.setInput(0, { amplitude: 3, orientation_deg: [0, 0] });
    sim.setInput(1, { baseline: 200 });
    await sim.run(100);
    const rate = sim.recordings()[0] as PopulationRateRecording;
    // D ≈ Σ w·r with r = amplitude (κ = 0): 8·1 = 8 before, 4·2·3 = 24 after.
    expect(rate.values[1 * 2 + 0]).toBeCloseTo(8, 1);
    expect(rate.values[3 * 2 + 1]).toBeCloseTo(24, 1);
    const counts = sim.recordings()[1] as SpikeCountRecording;
    const total = (w: number) => counts.counts.subarray(w * 2 * 50, (w + 1) * 2 * 50).reduce((s, v) => s + v, 0);
    // 10 Hz → 200 Hz: 100 spikes → 2,000 spikes per window (50 neurons, 2 trials, 100 ms), within Poisson error.
    expect(Math.abs(total(0) - 100)).toBeLessThan(40);
    expect(Math.abs(total(1) - 2000 * (1 - Math.exp(-0.2)) / 0.2)).toBeLessThan(200);
    expect(() => sim.setInput(0, { orientation_deg: [1, 2, 3] })).toThrow(/one per trial/);
    expect(() => sim.setProjectionWeights(0, new Float32Array(3))).toThrow(/needs 1 × 8 = 8 weights/);
  });
});

describe('trial_current inputs', () => {
  it('deliver a current to one neuron and trial, in the chosen compartment, within the time window', async () => {
    const spec: NetworkSpec = {
      dt_ms: 1, seed: 1, batch: 2,
      populations: [{ name: 'P', size: 4, model: 'two_compartment_rate', params: { tau_soma_ms: 5, tau_apical_ms: 5 } }],
      inputs: [{ type: 'trial_current', target: 'P', compartment: 'apical', start_ms: 20 }],
    };
    const sim = await gpuSimulator(spec);
    const values = new Float32Array(8);
    values[1 * 2 + 0] = 5; // neuron 1, trial 0
    sim.setInput(0, { values });
    await sim.run(10);
    expect(Math.max(...(await sim.readState('P', 'v_apical')))).toBeLessThan(1e-6);
    await sim.run(40);
    const apical = await sim.readState('P', 'v_apical');
    expect(apical[1 * 2 + 0]).toBeGreaterThan(4);
    apical.forEach((v, i) => { if (i !== 2) expect(Math.abs(v)).toBeLessThan(1e-6); });
    const soma = await sim.readState('P', 'v_soma');
    expect(soma[2]).toBeGreaterThan(0.5); // coupling carries the apical depolarisation to the soma
  });
});

describe('live parameter changes', () => {
  it('setPopulationParams changes the dynamics at the next step and refuses invalid or structural changes', async () => {
    const spec: NetworkSpec = {
      dt_ms: 0.1, seed: 1, batch: 1,
      populations: [{ name: 'N', size: 1, model: 'lif_psc_exp', params: { i_e_pA: 437.3, v_reset_mV: -70 }, initial: { v_mV: -70 } }],
      recorders: [{ type: 'spikes', population: 'N' }],
    };
    const sim = await gpuSimulator(spec);
    await sim.run(100);
    sim.setPopulationParams('N', { i_e_pA: 600 });
    expect(sim.populationParams('N')['i_e_pA']).toBe(600);
    await sim.run(100);
    const steps = Array.from((sim.recordings()[0] as { steps: Uint32Array }).steps);
    const isi = (from: number, to: number) => {
      const window = steps.filter((s) => s >= from && s < to);
      return (window[window.length - 1]! - window[0]!) / (window.length - 1);
    };
    // R·I = 10 mV/250 pF·ms … analytic t* = τ ln((RI + 5)/(RI − 15)) + t_ref, on the 0.1 ms grid
    // (held for t_ref/dt whole steps after the spike step, as NEST).
    const expected = (current: number) => 20 + Math.ceil(10 * Math.log((current / 25 + 5) / (current / 25 - 15)) / 0.1);
    expect(isi(0, 1000)).toBeCloseTo(expected(437.3), 5);
    expect(isi(1300, 2000)).toBeCloseTo(expected(600), 5);
    expect(() => sim.setPopulationParams('N', { tau_m_ms: -1 })).toThrow(/N\.tau_m_ms must be a finite number > 0 ms/);
    expect(() => sim.setPopulationParams('N', { v_reset_mV: -40 })).toThrow(/v_reset_mV must be below v_th_mV/);
    expect(() => sim.setPopulationParams('N', { t_ref_ms: 0.5 })).toThrow(/rebuild the simulator/);
    expect(() => sim.setPopulationParams('N', { nonsense: 1 })).toThrow(/has no parameter 'nonsense'/);
    expect(() => sim.setPopulationParams('M', { i_e_pA: 1 })).toThrow(/no population 'M'/);
  });
});
