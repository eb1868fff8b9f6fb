/**
 * GPU memory before building (`src/gpu/sizing.ts`, `src/gpu/memory.ts`): the estimate of a small
 * spec worked out by hand, delay bounds, refusals by per-row limits and by the budget, and the
 * default-budget rule. Pure: no device.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_BUDGET_RULE, defaultMemoryBudget, GPU_MEMORY_BUDGET_BYTES } from '../src/gpu/memory.js';
import { MEMORY_LAYOUT, checkMemoryEstimate, delayStepRange, estimateNetworkMemory } from '../src/gpu/sizing.js';
import { validateSpec } from '../src/model/schema.js';
import type { NetworkSpec } from '../src/model/spec.js';

const GIB = 1024 ** 3;

/** E: 10 LIF neurons (5 state variables); R, Q: 4 and 10 rate units (4 state variables, 1 input channel); batch 2, dt 0.1 ms. */
const small: NetworkSpec = validateSpec({
  dt_ms: 0.1,
  batch: 2,
  populations: [
    { name: 'E', model: 'lif_psc_exp', size: 10 },
    { name: 'R', model: 'rate', size: 4 },
    { name: 'Q', model: 'rate', size: 10 },
  ],
  projections: [
    // 30 synapses, delays 1 ± 0.5 ms: steps 1 … round(4 ms / 0.1) = 40, stored per synapse.
    { name: 'EE', source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: 3 }, weight: 10, delay_ms: { normal: { mean: 1, std: 0.5 } } },
    // Rates gathered: all_to_all with one delay → a dense 10 × 4 matrix.
    { name: 'QR', source: 'Q', target: 'R', connector: { type: 'all_to_all' }, weight: 0.1 },
    // 8 expected synapses, constant 0.5 ms delay (5 steps): sparse rate CSR by target.
    { name: 'RR', source: 'R', target: 'R', connector: { type: 'fixed_probability', p: 0.5 }, weight: 0.1, delay_ms: 0.5 },
  ],
  recorders: [{ type: 'spikes', population: 'E', neurons: { first: 5 } }],
});

describe('memory estimate', () => {
  it('matches the layout worked out by hand', () => {
    const est = estimateNetworkMemory(small);
    const bytes = (owner: string): number => [...est.populations, ...est.projections, ...est.recorders, est.engine].find((i) => i.owner === owner)!.bytes;
    // E: state 5 × 10 × 2 × 4 = 400; ring 2 channels (lif_psc_exp) × 42 slots (the delay table of
    // N(1, 0.5) ms ends at 41 steps) × 20 × 4 = 6,720; spike lists 2 × (1 + 2 + 20) × 4 = 184 (one
    // step per dispatch: rate units are in the network).
    expect(bytes('population E')).toBe(400 + 6720 + 184);
    // R: state 4 × 4 × 2 × 4 = 128; rate input 1 × 8 × 4 = 32; history (5 + 1) slots × 8 × 4 = 192; no spikes.
    expect(bytes('population R')).toBe(128 + 32 + 192);
    // Q: state 4 × 10 × 2 × 4 = 320; rate input 1 × 20 × 4 = 80; history (1 + 1) slots × 20 × 4 = 160.
    expect(bytes('population Q')).toBe(320 + 80 + 160);
    // EE: row pointers 11 × 4; 30 synapses × (8 + 4 delay); scratch (10 + 10) × 4.
    expect(bytes('projection EE')).toBe(44 + 360 + 80);
    // QR: dense 10 × 4 × 4.
    expect(bytes('projection QR')).toBe(160);
    // RR: row pointers (4 + 1) × 4; 8 synapses × 8.
    expect(bytes('projection RR')).toBe(20 + 64);
    // Spikes of 5 neurons, batch 2, refractory 21 steps: ≤ 5 · 2 · ⌈200/21⌉ = 100 per 200 steps;
    // record (2 + 2 · 100) × 4 = 808 and its staging copy, recorded-neuron map 10 × 4.
    expect(bytes('recorder 0 (spikes E)')).toBe(808 * 2 + 40);
    // Step uniforms 200 × 256, status 8 words and its staging.
    expect(bytes('engine')).toBe(200 * 256 + 64);
    expect(est.totalBytes).toBe(7304 + 352 + 560 + 484 + 160 + 84 + 1656 + 51264);
    expect(est.projections.map((p) => p.mode)).toEqual(['spike', 'rate_dense', 'rate_sparse']);
    expect(est.projections.map((p) => p.synapses)).toEqual([30, 40, 8]);
    expect(est.projections[0]!.perSynapseDelays).toBe(true);
    expect(MEMORY_LAYOUT.synapseBytes + MEMORY_LAYOUT.delayBytes).toBe(12);
  });

  it('bounds delays as the connectivity generator draws them', () => {
    expect(delayStepRange(undefined, 0.1)).toEqual({ min: 1, max: 1 });
    expect(delayStepRange(1.5, 0.1)).toEqual({ min: 15, max: 15 });
    expect(delayStepRange(0.01, 0.1)).toEqual({ min: 1, max: 1 }); // at least one step
    expect(delayStepRange({ uniform: [0.5, 2] }, 0.1)).toEqual({ min: 5, max: 20 });
    expect(delayStepRange({ normal: { mean: 1.5, std: 0.75 } }, 0.1)).toEqual({ min: 1, max: 61 }); // the step table ends near mean + 6.1 std
    expect(delayStepRange({ normal: { mean: 1.5, std: 0.75 }, min: 0.5, max: 3 }, 0.1)).toEqual({ min: 5, max: 30 }); // clip bounds win
  });

  it('refuses a row larger than one binding, naming the projection, and a total over budget, naming the largest items', () => {
    const spec = validateSpec({
      populations: [{ name: 'hub', model: 'lif_psc_exp', size: 1 }, { name: 'T', model: 'lif_psc_exp', size: 1000 }],
      projections: [{ name: 'hub_out', source: 'hub', target: 'T', connector: { type: 'fixed_total_number', n: 1_000_000 }, weight: 1 }],
    });
    const est = estimateNetworkMemory(spec);
    expect(est.projections[0]!.largestRowSynapses).toBe(1_000_000); // all from the one source neuron
    const limits = { maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 1024 ** 2 };
    const row = checkMemoryEstimate(est, { bytes: GIB, rule: 'test' }, limits);
    expect(row.fits).toBe(false);
    expect(row.problems.map((p) => [p.owner, p.limit])).toEqual([['projection hub_out', 'maxStorageBufferBindingSize']]);
    expect(row.message).toContain('one source neuron has up to 1,000,000 synapses');
    // Without a device the rows are not checked; the total still is.
    expect(checkMemoryEstimate(est, { bytes: GIB, rule: 'test' }, null).fits).toBe(true);
    const total = checkMemoryEstimate(est, { bytes: 1024 ** 2, rule: 'a tiny budget' }, null);
    expect(total.problems.map((p) => p.limit)).toEqual(['budget']);
    expect(total.largest[0]!.owner).toBe('projection hub_out');
    expect(total.message).toMatch(/more than the budget of 1\.00 MiB \(a tiny budget\); largest: projection hub_out 7\.63 MiB/);
    expect(total.advice).toContain('--gpu-memory-gib');
  });

  it('counts buffers the engine shares between populations as one binding (the spike rings of all spiking populations)', () => {
    // Two populations whose rings each take 0.6 MiB: each fits a 1 MiB binding, together they do not.
    const spec = validateSpec({
      dt_ms: 0.1,
      populations: [{ name: 'A', size: 75_000, model: 'lif_psc_delta' }, { name: 'B', size: 75_000, model: 'lif_psc_delta' }],
      projections: [{ source: 'A', target: 'B', connector: { type: 'one_to_one' }, weight: 1 }, { source: 'B', target: 'A', connector: { type: 'one_to_one' }, weight: 1 }],
    });
    const est = estimateNetworkMemory(spec);
    const limits = { maxBufferSize: 4 * GIB, maxStorageBufferBindingSize: 1024 ** 2 };
    const row = checkMemoryEstimate(est, { bytes: GIB, rule: 'test' }, limits);
    expect(row.fits).toBe(false);
    expect(row.problems.map((p) => [p.purpose, p.limit])).toContainEqual(['spike ring buffers of all spiking populations', 'maxStorageBufferBindingSize']);
    expect(row.problems.find((p) => p.purpose === 'spike ring buffers of all spiking populations')!.owner).toBe('population A, B');
  });

  it('states the default budget rule that it applies', () => {
    const host = 64 * GIB;
    expect(defaultMemoryBudget({ runtime: 'browser', software: true }, host).bytes).toBe(4 * GIB);
    expect(defaultMemoryBudget({ runtime: 'node', software: true }, host)).toEqual({ bytes: 16 * GIB, rule: 'a quarter of host memory (64 GiB), the default on a software adapter' });
    expect(defaultMemoryBudget({ runtime: 'node', software: false }, host).bytes).toBe(GPU_MEMORY_BUDGET_BYTES);
    expect(DEFAULT_MEMORY_BUDGET_RULE).toBe('4 GiB in browsers, a quarter of host memory on software adapters in Node, 16 GiB on GPUs in Node');
  });
});
