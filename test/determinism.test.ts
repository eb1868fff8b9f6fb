/**
 * Reproducibility: the same spec and seed give bitwise-identical spikes; trials of a batch do
 * not depend on the batch size or on how steps are grouped into command buffers (counter-based
 * RNG keyed by neuron, step and trial; exact fixed-point spike input).
 */
import { describe, expect, it } from 'vitest';
import type { NetworkSpec } from '../src/model/spec.js';
import type { SpikeRecording } from '../src/model/recording.js';
import { gpuSimulator } from './helpers/gpu.js';

function network(batch: number): NetworkSpec {
  return {
    dt_ms: 0.1, seed: 77, batch,
    populations: [
      { name: 'E', size: 400, model: 'lif_psc_exp', params: { tau_syn_ex_ms: 0.5, tau_syn_in_ms: 0.5 }, initial: { v_mV: { normal: { mean: -60, std: 5 } } } },
      { name: 'I', size: 100, model: 'lif_psc_exp', initial: { v_mV: { uniform: [-65, -50] } } },
    ],
    projections: [
      { source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: 40 }, weight: { normal: { mean: 87.8, std: 8.8 }, min: 0 }, delay_ms: { normal: { mean: 1.5, std: 0.75 } } },
      { source: 'E', target: 'I', connector: { type: 'fixed_indegree', indegree: 40 }, weight: 87.8, delay_ms: 1.5 },
      { source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 351, delay_ms: 0.8, receptor: 'inhibitory' },
      { source: 'I', target: 'I', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 351, delay_ms: 0.8, receptor: 'inhibitory' },
    ],
    inputs: [
      { type: 'poisson', target: 'E', rate_hz: 8, n_sources: 2000, weight: 87.8 },
      { type: 'poisson', target: 'I', rate_hz: 8, n_sources: 1900, weight: 87.8 },
    ],
    recorders: [{ type: 'spikes', population: 'E' }, { type: 'spikes', population: 'I' }, { type: 'spike_counts', population: 'E', window_ms: 30, start_ms: 10, neurons: { first: 100 } }],
  };
}

async function spikes(batch: number, stepsPerSubmit: number, split = false): Promise<SpikeRecording[]> {
  const sim = await gpuSimulator(network(batch), stepsPerSubmit);
  if (split) {
    await sim.run(85);
    await sim.run(115);
  } else {
    await sim.run(200);
  }
  return sim.recordings() as SpikeRecording[];
}

function trialSpikes(rec: SpikeRecording, trial: number): string {
  const out: string[] = [];
  for (let i = 0; i < rec.steps.length; i++) if (rec.trials[i] === trial) out.push(`${rec.steps[i]}:${rec.senders[i]}`);
  return out.join(',');
}

describe('reproducibility', () => {
  it('same spec and seed give bitwise-identical recorded spikes, independent of batch size and chunking', async () => {
    const a = await spikes(3, 100);
    const b = await spikes(3, 100);
    const c = await spikes(3, 37, true);
    const single = await spikes(1, 100);
    const total = a[0]!.steps.length + a[1]!.steps.length;
    console.log(`determinism: ${total} spikes in 3 trials × 200 ms`);
    expect(a[0]!.steps.length).toBeGreaterThan(200);
    for (let r = 0; r < 2; r++) {
      for (const key of ['steps', 'trials', 'senders'] as const) {
        expect(Buffer.from(b[r]![key].buffer, b[r]![key].byteOffset, b[r]![key].byteLength).equals(Buffer.from(a[r]![key].buffer, a[r]![key].byteOffset, a[r]![key].byteLength))).toBe(true);
        expect(Array.from(c[r]![key])).toEqual(Array.from(a[r]![key]));
      }
      // Spike counts per window agree with the spikes, also across run() boundaries.
      if (r === 0) {
        const counts = (c[2] as unknown as { counts: Uint32Array; nWindows: number });
        const reference = (a[2] as unknown as { counts: Uint32Array; nWindows: number });
        expect(counts.nWindows).toBe(7);
        expect(Array.from(counts.counts)).toEqual(Array.from(reference.counts));
        let inWindows = 0;
        for (let i = 0; i < a[0]!.steps.length; i++) if (a[0]!.senders[i]! < 100 && a[0]!.steps[i]! >= 100 && a[0]!.steps[i]! < 100 + 7 * 300) inWindows++;
        expect(counts.counts.reduce((x, y) => x + y, 0)).toBe(inWindows);
      }
      // Trial 0 of the batch equals a run with batch 1; trials differ from each other.
      expect(trialSpikes(single[r]!, 0)).toBe(trialSpikes(a[r]!, 0));
      expect(trialSpikes(a[r]!, 1)).not.toBe(trialSpikes(a[r]!, 0));
    }
  });
});

describe('trial blocks', () => {
  it('two blocks of 2 trials reproduce one batch of 4 trials bitwise (noise and initial state keyed by global trial)', async () => {
    const four = await gpuSimulator(network(4), 100);
    await four.run(60);
    const two = await gpuSimulator(network(2), 100);
    await two.run(60);
    await two.resetTrials();
    expect(two.trialOffset).toBe(2);
    expect(two.stepCount).toBe(0);
    await two.run(60);
    const a = four.recordings()[0] as SpikeRecording;
    const b = two.recordings()[0] as SpikeRecording;
    for (let trial = 0; trial < 4; trial++) {
      expect(trialSpikes(b, trial).length).toBeGreaterThan(0);
      expect(trialSpikes(b, trial)).toBe(trialSpikes(a, trial));
    }
    const counts = two.recordings()[2] as unknown as { nTrials: number; nWindows: number };
    expect(counts.nTrials).toBe(4);
  });
});
