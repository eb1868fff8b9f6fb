/**
 * SONATA import (src/io/sonata-import.ts, `cortexgpu run simulation_config.json`): spec → export
 * → import gives the same network synapse for synapse (sources, targets, weights, delays) with
 * the same parameters, initial state and spike trains; a network written by h5py (two node
 * types in one population, two edge groups, weights from edges and from edge types with nsyns,
 * a per-node V_m, virtual nodes driven by spike files in both layouts) runs through the CLI, its
 * targets fire when computed and spikes.h5 reads back with h5py; malformed networks are refused
 * with the file, the dataset or field and the fix named, and nothing is written.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSonata } from '../src/io/sonata.js';
import { importSonata, isSonataConfig, SonataImportError } from '../src/io/sonata-import.js';
import { planNetwork, type NetworkPlan } from '../src/model/plan.js';
import { generateConnectivity } from '../src/model/connectivity.js';
import { CpuSimulator } from '../src/cpu/simulator.js';
import type { SpikeRecording } from '../src/model/recording.js';
import type { NetworkSpec } from '../src/model/spec.js';
import { cli } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'cortexgpu-sonata-import-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PYTHON = '/usr/bin/python3';
const hasH5py = spawnSync(PYTHON, ['-c', 'import h5py']).status === 0;

/** Every synapse of a projection as (source, target, weight, delay in steps), in row order. */
function synapses(plan: NetworkPlan, projection: number): [number, number, number, number][] {
  const c = generateConnectivity(plan.projections[projection]!.recipe);
  const out: [number, number, number, number][] = [];
  for (let s = 0; s < c.sourceSize; s++) {
    for (let k = c.rowPtr[s]!; k < c.rowPtr[s + 1]!; k++) out.push([s, c.targets[k]!, c.weights[k]!, c.delaySteps ? c.delaySteps[k]! : c.constantDelaySteps]);
  }
  return out;
}

/** The original spec's network and the imported one are the same, population by population and synapse by synapse. */
async function expectRoundTrip(original: NetworkSpec, name: string): Promise<NetworkSpec> {
  const out = join(work, name);
  await exportSonata(original, out);
  const imported = await importSonata(join(out, 'simulation_config.json'));
  const a = planNetwork(original);
  const b = planNetwork(imported.spec);
  expect(b.dtMs).toBe(a.dtMs);
  expect(b.seed).toBe(a.seed);
  expect(imported.spec.run?.duration_ms).toBe(original.run?.duration_ms ?? 1000);
  expect(b.populations.map((p) => [p.name, p.size, p.model.name])).toEqual(a.populations.map((p) => [p.name, p.size, p.model.name]));
  a.populations.forEach((pa, i) => {
    const pb = b.populations[i]!;
    expect(pb.params, pa.name).toEqual(pa.params);
    expect(pb.initialState.map((v) => [...v]), pa.name).toEqual(pa.initialState.map((v) => [...v]));
    if (pa.spikeTrains) {
      expect([...pb.spikeTrains!.offsets]).toEqual([...pa.spikeTrains.offsets]);
      expect([...pb.spikeTrains!.steps]).toEqual([...pa.spikeTrains.steps]);
    }
  });
  expect(b.projections).toHaveLength(a.projections.length);
  a.projections.forEach((qa) => {
    const receptor = original.projections![qa.index]!.receptor ?? 'excitatory';
    const matches = b.projections.filter((qb) => qb.source === qa.source && qb.target === qa.target && (imported.spec.projections![qb.index]!.receptor ?? 'excitatory') === receptor);
    expect(matches, qa.name).toHaveLength(1);
    expect(imported.spec.projections![matches[0]!.index]!.connector.type).toBe('edge_list');
    expect(synapses(b, matches[0]!.index), qa.name).toEqual(synapses(a, qa.index));
  });
  return imported.spec;
}

describe('SONATA import', () => {
  it('spec → export → import: a Brunel-like network synapse for synapse, with its parameters and initial state', async () => {
    const lif = { tau_m_ms: 20, v_th_mV: 20, v_reset_mV: 10, e_l_mV: 0, t_ref_ms: 2 };
    const spec: NetworkSpec = {
      name: 'brunel_small', dt_ms: 0.1, seed: 11, run: { duration_ms: 300 },
      populations: [
        { name: 'E', size: 80, model: 'lif_psc_delta', params: lif, initial: { v_mV: { uniform: [0, 20] } } },
        { name: 'I', size: 20, model: 'lif_psc_delta', params: lif, initial: { v_mV: { uniform: [0, 20] } } },
      ],
      projections: [
        { source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: 8 }, weight: 0.2, delay_ms: { uniform: [1, 2] } },
        { source: 'E', target: 'I', connector: { type: 'fixed_indegree', indegree: 8 }, weight: 0.2, delay_ms: 1.5 },
        { source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: 2 }, weight: 1.0, delay_ms: 1.5, receptor: 'inhibitory' },
        { source: 'I', target: 'I', connector: { type: 'fixed_probability', p: 0.1 }, weight: { normal: { mean: 1, std: 0.1 }, min: 0 }, delay_ms: 1.5, receptor: 'inhibitory' },
      ],
      inputs: [{ type: 'poisson', target: 'E', rate_hz: 20, n_sources: 800, weight: 0.2 }, { type: 'dc', target: 'I', amplitude: 50 }],
      recorders: [{ type: 'spikes', population: 'E' }, { type: 'spikes', population: 'I' }],
    };
    const imported = await expectRoundTrip(spec, 'brunel');
    // The exported seed and inputs (cortexgpu's block of the simulation config) come back: the
    // imported network runs as the original, spike for spike (float64 CPU reference, 100 ms).
    expect(imported.inputs).toEqual([{ type: 'poisson', target: 'E', rate_hz: 16000, weight: 0.2 }, { type: 'dc', target: 'I', amplitude: 50 }]);
    const run = (s: NetworkSpec): SpikeRecording[] => {
      const sim = new CpuSimulator(s);
      sim.run(100);
      return sim.recordings() as SpikeRecording[];
    };
    const [origE, origI] = run(spec);
    const [impE, impI] = run(imported);
    expect(origE!.steps.length).toBeGreaterThan(100);
    expect([...impE!.steps]).toEqual([...origE!.steps]);
    expect([...impE!.senders]).toEqual([...origE!.senders]);
    expect([...impI!.steps]).toEqual([...origI!.steps]);
    expect([...impI!.senders]).toEqual([...origI!.senders]);
  });

  it('spec → export → import: virtual spike sources and models with NEST names (iaf_psc_alpha, iaf_cond_exp, aeif_cond_exp)', async () => {
    const spec: NetworkSpec = {
      dt_ms: 0.1, seed: 4, run: { duration_ms: 50 },
      populations: [
        { name: 'X', size: 3, model: 'spike_source_array', spike_times_ms: [[0.3, 1.0, 5.2], [], [2.0, 2.0, 7.7]] },
        { name: 'A', size: 6, model: 'iaf_psc_alpha', params: { tau_m: 15, V_th: -52, tau_syn_ex: 1.5 }, initial: { V_m: { normal: { mean: -65, std: 2 } } } },
        { name: 'C', size: 6, model: 'lif_cond_exp', params: { g_l_nS: 12, tau_syn_in_ms: 8 } },
        { name: 'D', size: 4, model: 'aeif_cond_exp', params: { b: 60, a: 2 } },
      ],
      projections: [
        { source: 'X', target: 'A', connector: { type: 'all_to_all' }, weight: 300, delay_ms: 0.5 },
        { source: 'X', target: 'C', connector: { type: 'fixed_probability', p: 0.5 }, weight: { uniform: [1, 3] }, delay_ms: { uniform: [0.2, 1] }, receptor: 'inhibitory' },
        { source: 'A', target: 'C', connector: { type: 'one_to_one' }, weight: 4, delay_ms: 1 },
        { source: 'A', target: 'D', connector: { type: 'fixed_total_number', n: 10 }, weight: 2, delay_ms: 0.3 },
      ],
    };
    await expectRoundTrip(spec, 'virtual');
  });

  it('tells SONATA configs from specs', () => {
    expect(isSonataConfig({ networks: { nodes: [] } })).toBe(true);
    expect(isSonataConfig({ network: 'circuit_config.json', run: { tstop: 10 } })).toBe(true);
    expect(isSonataConfig({ populations: [], manifest: {} })).toBe(false);
    expect(isSonataConfig([1])).toBe(false);
  });

  describe('a network written by h5py', () => {
    const variants = [
      'ok', 'missing_node_type_id', 'float_source_ids', 'target_out_of_range', 'unknown_template', 'missing_components_dir',
      'missing_model_type_column', 'group_index_beyond', 'bad_variable', 'missing_spike_file', 'biophysical', 'mismatched_lengths',
      'unknown_param', 'stdp', 'delay_below_dt', 'spike_ids_out_of_range', 'missing_node_population', 'spikes_onto_cells',
    ];
    const root = join(work, 'h5py');
    beforeAll(() => {
      if (hasH5py) execFileSync(PYTHON, ['test/support/sonata_network.py', root, ...variants]);
    });

    it.skipIf(!hasH5py)('imports it: node types split into populations, NEST defaults, per-node V_m, weights from edges and types with nsyns', async () => {
      const imported = await importSonata(join(root, 'ok', 'simulation_config.json'));
      const spec = imported.spec;
      expect(spec.dt_ms).toBe(0.1);
      expect(spec.run).toEqual({ duration_ms: 10 });
      expect(spec.populations.map((p) => [p.name, p.size, p.model])).toEqual([['input', 2, 'spike_source_array'], ['cells_exc', 2, 'lif_psc_delta'], ['cells_inh', 1, 'lif_psc_exp']]);
      expect(spec.populations[0]!.spike_times_ms).toEqual([[1.0], [1.5]]);
      // exc.json as given; inh.json completed with NEST iaf_psc_exp's defaults.
      expect(spec.populations[1]!.params).toEqual({ v_th_mV: -55, e_l_mV: -70, v_reset_mV: -70, t_ref_ms: 2, tau_m_ms: 10, c_m_pF: 250 });
      expect(spec.populations[2]!.params).toEqual({ e_l_mV: -70, v_th_mV: -55, v_reset_mV: -70, tau_syn_ex_ms: 2, tau_syn_in_ms: 2 });
      // Nodes 0 and 2 (V_m from the nodes file) and node 1.
      expect(spec.populations[1]!.initial).toEqual({ v_mV: [-70, -65] });
      expect(spec.populations[2]!.initial).toEqual({ v_mV: [-70] });
      expect(imported.populations.map((p) => [p.name, p.sonataPopulation, [...p.nodeIds]])).toEqual([['input', 'input', [0, 1]], ['cells_exc', 'cells', [0, 2]], ['cells_inh', 'cells', [1]]]);
      const [exc, inh] = spec.projections!;
      expect(exc).toMatchObject({ source: 'input', target: 'cells_exc', receptor: 'excitatory' });
      // input 0 → cells 0 (group 0: 16 mV, 1 ms); input 1 → cells 2 (edge type 11: 6 × nsyns 2, 2 ms).
      expect(exc!.connector).toMatchObject({ type: 'edge_list' });
      const c = exc!.connector as { sources: Uint32Array; targets: Uint32Array; weights: Float64Array; delays_ms: Float64Array };
      expect([...c.sources, ...c.targets, ...c.weights, ...c.delays_ms]).toEqual([0, 1, 0, 1, 16, 12, 1, 2]);
      // A negative syn_weight is inhibitory, its magnitude the weight.
      expect(inh).toMatchObject({ source: 'input', target: 'cells_inh', receptor: 'inhibitory', delay_ms: 0.5 });
      expect([...(inh!.connector as { weights: Float64Array }).weights]).toEqual([50]);
      expect(imported.output).toEqual({ spikesFile: 'spikes.h5', sorting: 'by_time' });
    });

    it.skipIf(!hasH5py)('cortexgpu run simulation_config.json: spike inputs in both layouts arrive, targets fire when computed, spikes.h5 reads with h5py', async () => {
      for (const config of ['simulation_config.json', 'simulation_config_old.json']) {
        const out = join(work, `run-${config}`);
        const result = await cli('run', join(root, 'ok', config), '--out', out);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).toMatch(/imported the SONATA network of .*: 3 populations \(1 virtual\), 2 edge-list projections/);
        // cells 0: input 0's spike (1.0 ms) + 1 ms delay, 16 mV from rest (-70 → -54 ≥ -55): fires at 2.0 ms.
        // cells 2: input 1's spike (1.5 ms) + 2 ms, 12 mV from its initial -65 mV decayed to -66.5: fires at 3.5 ms.
        // cells 1 is inhibited and silent.
        const read = execFileSync(PYTHON, ['-c', [
          'import sys, h5py',
          'f = h5py.File(sys.argv[1], "r")',
          'g = f["spikes/cells"]',
          'print(sorted(f["spikes"].keys()), g.attrs["sorting"], g["timestamps"].attrs["units"], g["node_ids"].dtype)',
          'print(list(g["timestamps"][:]), list(g["node_ids"][:]))',
        ].join('\n'), join(out, 'spikes.h5')], { encoding: 'utf8' }).trim().split('\n');
        expect(read[0]).toBe("['cells'] by_time ms uint64");
        expect(read[1]).toBe('[2.0, 3.5] [0, 2]');
        const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
        expect(summary.files.map((f: { name: string }) => f.name)).toContain('spikes.h5');
      }
      // A circuit config imports too: the same network without run length or inputs (run it with --duration).
      const circuit = await importSonata(join(root, 'ok', 'circuit_config.json'));
      expect(circuit.spec.run).toBeUndefined();
      expect(circuit.spec.populations.map((p) => p.name)).toEqual(['input', 'cells_exc', 'cells_inh']);
      expect(circuit.spec.populations[0]!.spike_times_ms).toEqual([[], []]);
    });

    const malformed: [string, RegExp][] = [
      ['missing_node_type_id', /cells_nodes\.h5' has no dataset \/nodes\/cells\/node_type_id; SONATA needs one node_type_id per node: write it/],
      ['float_source_ids', /edges\.h5' \/edges\/input_to_cells\/source_node_id must be integer; its dtype is float64\. Write it as int64 or int32/],
      ['target_out_of_range', /edges\.h5' \/edges\/input_to_cells\/target_node_id\[1\] = 7 is out of range: population 'cells' has 3 nodes \(ids 0 … 2\); fix the id/],
      ['unknown_template', /node type 101 of population 'cells' \('.*cells_node_types\.csv'\) has model_template 'nest:glif_psc', which cortexgpu does not have; supported templates: nest:iaf_psc_exp \(lif_psc_exp\), /],
      ['missing_components_dir', /circuit_config\.json: components\.point_neuron_models_dir is '.*no_such_folder', which is not a folder; give the folder holding the NEST parameter files/],
      ['missing_model_type_column', /node type 100 of '.*cells_node_types\.csv' has no model_type .*; add a model_type column/],
      ['group_index_beyond', /edges\.h5' \/edges\/input_to_cells\/edge_group_index\[2\] = 5 is beyond group \/edges\/input_to_cells\/0, which has 2 rows; edge_group_index must be below/],
      ['bad_variable', /circuit_config\.json: networks\.edges\[0\]\.edges_file uses \$NETWORK_DIRX, which is not defined \(defined: \$BASE_DIR, \$NETWORK_DIR, \$COMPONENTS_DIR.*\); add "\$NETWORK_DIRX" to the config's "manifest"/],
      ['missing_spike_file', /simulation_config\.json: inputs\.input_spikes\.input_file: cannot read '.*no_such_spikes\.h5': no such file; give the path of the SONATA spike file/],
      ['biophysical', /node type 101 of population 'cells' \('.*cells_node_types\.csv'\) is biophysical \(model_template ctdb:Biophys1\.hoc\): cortexgpu simulates point neurons only; use point_process nodes/],
      ['mismatched_lengths', /edges\.h5': \/edges\/input_to_cells\/target_node_id has 2 entries but \/edges\/input_to_cells\/source_node_id has 3; give one entry per edge in both/],
      ['unknown_param', /exc\.json': 'tau_minus' is not a parameter of nest:iaf_psc_delta as cortexgpu's lif_psc_delta has it \(parameters: tau_m, C_m, .*\); remove it/],
      ['stdp', /edge type 11 of '.*edge_types\.csv' uses model_template 'stdp_synapse': cortexgpu imports static synapses only/],
      ['delay_below_dt', /edges\.h5' \/edges\/input_to_cells\/0\/delay\[1\]: delay 0\.05 ms of edge 2 .* shorter than run\.dt = 0\.1 ms; delays must be at least one step/],
      ['spike_ids_out_of_range', /spikes\.h5' \/spikes\/input\/node_ids\[1\] = 5 is out of range: population 'input' has 2 nodes \(ids 0 … 1\); fix the id/],
      ['missing_node_population', /edges\.h5' \/edges\/input_to_cells\/source_node_id has no attribute node_population; .*add it/],
      ['spikes_onto_cells', /simulation_config\.json: inputs\.input_spikes: node set 'exc' selects no virtual nodes \(populations: cells\); spike inputs drive virtual nodes only/],
    ];
    it.skipIf(!hasH5py)(`refuses ${malformed.length} malformed networks naming the file, the dataset or field and the fix; nothing is written`, async () => {
      for (const [variant, message] of malformed) {
        const error = await importSonata(join(root, variant, 'simulation_config.json')).then(() => null, (e: unknown) => e);
        expect(error, variant).toBeInstanceOf(SonataImportError);
        expect((error as Error).message, variant).toMatch(message);
        const out = join(work, 'runs', variant);
        const result = await cli('run', join(root, variant, 'simulation_config.json'), '--out', out);
        expect(result.code, variant).toBe(2);
        expect(result.stderr, variant).toMatch(message);
        expect(result.stderr, variant).toMatch(/^cortexgpu: SonataImportError: SONATA import: /);
        expect(existsSync(out), variant).toBe(false);
      }
      // Not even a temporary folder is left beside the outputs.
      expect(existsSync(join(work, 'runs')) ? readdirSync(join(work, 'runs')) : []).toEqual([]);
    });
  });
});
