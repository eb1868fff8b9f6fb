/**
 * SONATA export (src/io/sonata.ts, `cortexgpu export sonata`): the nodes and edges written are
 * the network the engine simulates (the reference generator's synapses for the spec's seed,
 * signed weights, delays in ms, trial 0's initial membrane potentials), in SONATA's layout with
 * NEST templates and parameter names; h5py reads the files; specs NEST cannot take are refused
 * by name and nothing is left half-written.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportSonata, sonataEdgePopulation, SonataError } from '../src/io/sonata.js';
import { openHdf5 } from '../src/io/hdf5.js';
import { planNetwork } from '../src/model/plan.js';
import { generateConnectivity } from '../src/model/connectivity.js';
import { parseSpecJson } from '../src/model/schema.js';
import type { NetworkSpec } from '../src/model/spec.js';
import { cli } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'cortexgpu-sonata-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const lifSmall = (): NetworkSpec => parseSpecJson(readFileSync('examples/lif_small.json', 'utf8'), 'examples/lif_small.json');

describe('SONATA export', () => {
  it('writes the engine\'s network: nodes, edges synapse for synapse, NEST templates and parameters, configs and run_nest.py', async () => {
    const spec = lifSmall();
    const out = join(work, 'lif_small');
    const result = await exportSonata(spec, out);
    expect(result.nodes).toEqual({ E: 160, I: 40 });
    const plan = planNetwork(spec);
    // One nodes file per population (NEST's reader takes every population of a nodes file with its one node types CSV).
    const nodes = await openHdf5(join(out, 'network/E_nodes.h5'));
    const nodesI = await openHdf5(join(out, 'network/I_nodes.h5'));
    try {
      expect(nodes.keys('/nodes')).toEqual(['E']);
      expect(nodesI.keys('/nodes')).toEqual(['I']);
      expect(nodes.numbers('/nodes/E/node_type_id', 'integer').values.every((v) => v === 100)).toBe(true);
      expect([...nodesI.numbers('/nodes/I/node_group_index', 'integer').values]).toEqual([...Array(40).keys()]);
      // Trial 0's initial membrane potentials, as the engine draws them.
      const vE = nodes.numbers('/nodes/E/0/dynamics_params/V_m', 'float').values;
      const drawn = plan.populations[0]!.initialState[plan.populations[0]!.model.state.findIndex((s) => s.name === 'v_mV')]!;
      expect([...vE]).toEqual(Array.from({ length: 160 }, (_, n) => drawn[n * plan.batch]!));
    } finally {
      nodes.close();
      nodesI.close();
    }
    const edges = await openHdf5(join(out, 'network/edges.h5'));
    try {
      let total = 0;
      for (const proj of plan.projections) {
        const name = sonataEdgePopulation(plan, proj.index);
        const c = generateConnectivity(proj.recipe);
        const sources = edges.numbers(`/edges/${name}/source_node_id`, 'integer').values;
        const targets = edges.numbers(`/edges/${name}/target_node_id`, 'integer').values;
        const weights = edges.numbers(`/edges/${name}/0/syn_weight`, 'float').values;
        const delays = edges.numbers(`/edges/${name}/0/delay`, 'float').values;
        expect(sources.length).toBe(c.nSynapses);
        expect(edges.stringAttribute(`/edges/${name}/source_node_id`, 'node_population')).toBe(plan.populations[proj.source]!.name);
        expect(edges.stringAttribute(`/edges/${name}/target_node_id`, 'node_population')).toBe(plan.populations[proj.target]!.name);
        for (let s = 0; s < c.sourceSize; s++) {
          for (let k = c.rowPtr[s]!; k < c.rowPtr[s + 1]!; k++) {
            expect(sources[k]).toBe(s);
            expect(targets[k]).toBe(c.targets[k]);
            expect(weights[k]).toBe((spec.projections![proj.index]!.receptor === 'inhibitory' ? -1 : 1) * Math.abs(c.weights[k]!));
            expect(delays[k]).toBeCloseTo((c.delaySteps ? c.delaySteps[k]! : c.constantDelaySteps) * plan.dtMs, 12);
          }
        }
        // Inhibitory projections carry negative weights, as NEST's point neurons take them.
        const inhibitory = spec.projections![proj.index]!.receptor === 'inhibitory';
        expect(weights.every((w) => (inhibitory ? w <= 0 : w >= 0))).toBe(true);
        total += c.nSynapses;
      }
      expect(Object.values(result.edges).reduce((a, b) => a + b, 0)).toBe(total);
    } finally {
      edges.close();
    }
    expect(readFileSync(join(out, 'network/E_node_types.csv'), 'utf8')).toBe('node_type_id model_type model_template dynamics_params pop_name\n100 point_neuron nest:iaf_psc_exp E.json E\n');
    expect(JSON.parse(readFileSync(join(out, 'components/point_neuron_models/E.json'), 'utf8'))).toMatchObject({ tau_m: 10, C_m: 250, E_L: -65, V_th: -50, V_reset: -65, t_ref: 2, tau_syn_ex: 0.5 });
    const simulation = JSON.parse(readFileSync(join(out, 'simulation_config.json'), 'utf8'));
    expect(simulation).toMatchObject({ target_simulator: 'NEST', run: { dt: 0.1, tstop: 1000 }, network: '$BASE_DIR/circuit_config.json' });
    const circuit = JSON.parse(readFileSync(join(out, 'circuit_config.json'), 'utf8'));
    expect(circuit.networks.nodes).toEqual([
      { nodes_file: '$NETWORK_DIR/E_nodes.h5', node_types_file: '$NETWORK_DIR/E_node_types.csv' },
      { nodes_file: '$NETWORK_DIR/I_nodes.h5', node_types_file: '$NETWORK_DIR/I_node_types.csv' },
    ]);
    const script = readFileSync(join(out, 'run_nest.py'), 'utf8');
    expect(script).toContain("nest.SonataNetwork(os.path.join(here, 'simulation_config.json'))");
    expect(script).toContain("nest.Create('poisson_generator', params={'rate': inp['rate_hz']})");
    // 150 Poisson sources of 8 Hz each: one generator of 1,200 Hz per population.
    expect(JSON.parse(readFileSync(join(out, 'inputs.json'), 'utf8'))).toEqual([
      { population: 'E', type: 'poisson', rate_hz: 1200, weight: 500, delay_ms: 0.1 },
      { population: 'I', type: 'poisson', rate_hz: 1200, weight: 500, delay_ms: 0.1 },
    ]);
    expect(readdirSync(join(out, 'network')).some((f) => f.endsWith('.partial'))).toBe(false);
  });

  it('writes spike-train sources as virtual nodes driven by a SONATA spike file', async () => {
    const spec: NetworkSpec = {
      dt_ms: 0.1, seed: 3,
      populations: [
        { name: 'X', size: 3, model: 'spike_source_array', spike_times_ms: [[1.0, 5.26], [], [3.3, 3.34]] },
        { name: 'E', size: 5, model: 'lif_psc_delta' },
      ],
      projections: [{ source: 'X', target: 'E', connector: { type: 'all_to_all' }, weight: 2, delay_ms: 1 }],
    };
    const out = join(work, 'virtual');
    const result = await exportSonata(spec, out);
    expect(result.nodes).toEqual({ X: 3, E: 5 });
    expect(result.edges).toEqual({ X_to_E_0: 15 });
    expect(readFileSync(join(out, 'network/X_node_types.csv'), 'utf8')).toBe('node_type_id model_type pop_name\n100 virtual X\n');
    const spikes = await openHdf5(join(out, 'inputs/X_spikes.h5'));
    try {
      // Times on the step grid (the steps the engine emits them in), sorted by time.
      expect([...spikes.numbers('/spikes/X/timestamps', 'float').values].map((t) => Math.round(t * 10) / 10)).toEqual([1.0, 3.3, 3.3, 5.2]);
      expect([...spikes.numbers('/spikes/X/node_ids', 'integer').values]).toEqual([0, 2, 2, 0]);
      expect(spikes.stringAttribute('/spikes/X', 'sorting')).toBe('by_time');
    } finally {
      spikes.close();
    }
    const simulation = JSON.parse(readFileSync(join(out, 'simulation_config.json'), 'utf8'));
    expect(simulation.inputs).toEqual({ X_spikes: { input_type: 'spikes', module: 'h5', input_file: '$BASE_DIR/inputs/X_spikes.h5', node_set: 'X' } });
    expect(JSON.parse(readFileSync(join(out, 'node_sets.json'), 'utf8'))).toEqual({ X: { population: 'X' }, E: { population: 'E' } });
  });

  it('writes files h5py reads (NEST reads SONATA with the HDF5 C library)', async () => {
    const out = join(work, 'h5py');
    await exportSonata(lifSmall(), out);
    if (spawnSync('/usr/bin/python3', ['-c', 'import h5py']).status !== 0) {
      console.log('h5py is not installed (bash scripts/setup.sh installs python3-h5py); skipping the h5py read');
      return;
    }
    const script = join(work, 'read.py');
    writeFileSync(script, [
      'import sys, h5py',
      'n = h5py.File(sys.argv[1] + "/network/E_nodes.h5", "r")',
      'e = h5py.File(sys.argv[1] + "/network/edges.h5", "r")',
      'print(sorted(n["nodes"].keys()), len(n["nodes/E/node_type_id"]), n["nodes/E/0/dynamics_params/V_m"].dtype)',
      'print(sum(len(e["edges"][p]["source_node_id"]) for p in e["edges"]), e["edges"][list(e["edges"])[0]]["source_node_id"].attrs["node_population"])',
    ].join('\n'));
    const output = execFileSync('/usr/bin/python3', [script, out], { encoding: 'utf8' }).trim().split('\n');
    expect(output[0]).toBe("['E'] 160 float64");
    expect(output[1]).toBe('5600 E');
  });

  it('refuses what NEST\'s SONATA reader cannot build, naming the population or projection, and writes nothing', async () => {
    const rate: NetworkSpec = { dt_ms: 1, populations: [{ name: 'R', size: 4, model: 'rate' }] };
    await expect(exportSonata(rate, join(work, 'rate'))).rejects.toThrow(SonataError);
    await expect(exportSonata(rate, join(work, 'rate'))).rejects.toThrow(/population 'R' is a rate population/);
    expect(existsSync(join(work, 'rate'))).toBe(false);
    const twoCompartment: NetworkSpec = { dt_ms: 0.1, populations: [{ name: 'P', size: 4, model: 'two_compartment_lif' }] };
    await expect(exportSonata(twoCompartment, join(work, 'tc'))).rejects.toThrow(/population 'P' uses model two_compartment_lif, which has no NEST counterpart \(models with one: lif_psc_exp, .*\)/);
    // A file where the output folder should be: an error naming it, no partial files.
    const blocked = join(work, 'blocked');
    writeFileSync(blocked, 'not a folder');
    await expect(exportSonata(lifSmall(), blocked)).rejects.toThrow(/SONATA export: could not write .*blocked.*nothing was left half-written/);
  });

  it('cortexgpu export sonata SPEC --out DIR', async () => {
    const out = join(work, 'cli');
    const result = await cli('export', 'sonata', 'examples/lif_small.json', '--out', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/wrote a SONATA network to .*: 2 node populations \(200 neurons\), 4 edge populations \(5600 synapses\); run it with NEST: cd .* && mpirun -np 4 python3 run_nest\.py/);
    expect(existsSync(join(out, 'network/edges.h5'))).toBe(true);
    const bad = await cli('export', 'sonata', join(work, 'missing.json'), '--out', join(work, 'x'));
    expect(bad.code).toBe(2);
  });
});
