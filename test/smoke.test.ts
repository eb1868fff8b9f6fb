import { describe, expect, it } from 'vitest';
import { gpuSimulator } from './helpers/gpu.js';

describe('smoke', () => {
  it('runs a small LIF network', async () => {
    const sim = await gpuSimulator({
      dt_ms: 0.1, seed: 3, batch: 2,
      populations: [{ name: 'E', size: 100, model: 'lif_psc_exp', params: { i_e_pA: 400 } }],
      projections: [{ source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 20, delay_ms: 1.0 }],
      inputs: [{ type: 'poisson', target: 'E', rate_hz: 1000, n_sources: 1, weight: 50 }],
      recorders: [{ type: 'spikes', population: 'E' }, { type: 'population_rate', population: 'E', bin_ms: 10 }, { type: 'state', population: 'E', variable: 'v_mV', neurons: [0, 1], every_ms: 1 }],
    });
    console.log('before', (await sim.readState('E','v_mV')).slice(0,4));
    const report = await sim.run(100);
    console.log('after', (await sim.readState('E','v_mV')).slice(0,4), (await sim.readState('E','refractory_steps')).slice(0,4));
    const recs = sim.recordings();
    console.log(report, recs.map((r) => r.type), (recs[0] as any).steps.length, (recs[1] as any).values.slice(0, 10), (recs[2] as any).values.slice(0, 8));
    expect((recs[0] as any).steps.length).toBeGreaterThan(0);
  });
});
