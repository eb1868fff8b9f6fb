/**
 * Small files for the data lab's tests: a SONATA network folder (a spec exported with
 * `exportSonata`) and an NWB recording with two conditions (written with `writeNwbSpikes`).
 */
import { join } from 'node:path';
import { exportSonata } from '../../src/io/sonata.js';
import { writeNwbSpikes, type NwbColumn, type NwbSpikes } from '../../src/io/nwb.js';
import type { NetworkSpec } from '../../src/model/spec.js';

/** A Poisson-driven E/I network of 100 LIF neurons, 200 ms. */
export const DATA_LAB_SPEC: NetworkSpec = {
  name: 'data_lab_net', dt_ms: 0.1, seed: 5, run: { duration_ms: 200 },
  populations: [
    { name: 'E', size: 80, model: 'lif_psc_exp', params: { tau_syn_ex_ms: 2, tau_syn_in_ms: 2 }, initial: { v_mV: { uniform: [-65, -50] } } },
    { name: 'I', size: 20, model: 'lif_psc_exp', params: { tau_syn_ex_ms: 2, tau_syn_in_ms: 2 }, initial: { v_mV: { uniform: [-65, -50] } } },
  ],
  projections: [
    { source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 40, delay_ms: 1.5 },
    { source: 'E', target: 'I', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 40, delay_ms: 1.5 },
    { source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: 4 }, weight: 160, delay_ms: 1.5, receptor: 'inhibitory' },
  ],
  inputs: [
    { type: 'poisson', target: 'E', rate_hz: 10, n_sources: 800, weight: 25 },
    { type: 'poisson', target: 'I', rate_hz: 10, n_sources: 800, weight: 25 },
  ],
  recorders: [{ type: 'spikes', population: 'E' }, { type: 'spikes', population: 'I' }],
};

/** A uniform [0, 1) generator from a seed (a 32-bit LCG). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A recording of `units` units over `trials` 1-s trials alternating between conditions `left`
 * and `right` (column `stimulus`); rates depend on the unit and the condition.
 */
export function dataLabSession(units = 8, trials = 60): NwbSpikes {
  const random = lcg(17);
  const stimulus = Array.from({ length: trials }, (_, t) => (t % 2 === 0 ? 'left' : 'right'));
  const start = Float64Array.from({ length: trials }, (_, t) => 1 + 1.2 * t);
  const spikeTimesS = Array.from({ length: units }, (_, u) => {
    const times: number[] = [];
    for (let t = 0; t < trials; t++) {
      const n = Math.floor((10 + 3 * u + (stimulus[t] === 'right' ? 3 + (u % 4) : 0)) * 2 * random());
      for (let k = 0; k < n; k++) times.push(start[t]! + random());
    }
    return Float64Array.from(times.sort((x, y) => x - y));
  });
  return {
    identifier: 'data-lab-session',
    sessionDescription: 'synthetic spikes for the data lab test',
    sessionStartTime: '2026-01-02T03:04:05.000Z',
    spikeTimesS,
    unitColumns: new Map<string, NwbColumn>([['area', { description: 'area', values: Array.from({ length: units }, (_, u) => (u < units / 2 ? 'V1' : 'LM')) }]]),
    trials: {
      startTimeS: start,
      stopTimeS: Float64Array.from(start, (s) => s + 1),
      columns: new Map<string, NwbColumn>([['stimulus', { description: 'stimulus side', values: stimulus }]]),
    },
  };
}

/**
 * Write the SONATA folder `DIR/net` and the NWB file `DIR/session.nwb`.
 *
 * @returns their paths
 */
export async function writeDataLabFiles(dir: string): Promise<{ sonataDir: string; nwbPath: string }> {
  const sonataDir = join(dir, 'net');
  await exportSonata(DATA_LAB_SPEC, sonataDir);
  const nwbPath = join(dir, 'session.nwb');
  await writeNwbSpikes(nwbPath, dataLabSession());
  return { sonataDir, nwbPath };
}
