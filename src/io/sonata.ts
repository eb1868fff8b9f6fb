/**
 * SONATA export (the format NEST, bmtk and PyNN read): a cortexgpu spec written as SONATA node
 * and edge populations with NEST point-neuron templates, so that a network that outgrows one GPU
 * can run on a cluster with NEST (`mpirun -np N python run_nest.py`).
 *
 * What is written (folder layout of SONATA's point-neuron examples):
 * - spike-train source populations (`spike_source_array`) as virtual nodes (model_type
 *   `virtual`) whose spikes (trial 0's trains) are in `inputs/<population>_spikes.h5`
 *   (`/spikes/<population>/timestamps` in ms and `node_ids`), named in the simulation config's
 *   `inputs` with a node set per population (`node_sets.json`);
 * - `network/<name>_nodes.h5`: one node population per spec population, one file each (NEST's
 *   reader takes every population of a nodes file with the file's one node types CSV):
 *   `/nodes/<name>/node_type_id`, `node_group_id`, `node_group_index`, group `0` with each
 *   neuron's initial state under `dynamics_params`; and `network/<name>_node_types.csv`
 *   (space-delimited: node_type_id, model_type `point_neuron`, model_template `nest:<model>`,
 *   dynamics_params, pop_name);
 * - `network/edges.h5`: one edge population per spike projection (`source_node_id` and
 *   `target_node_id` with their `node_population` attributes, `edge_type_id`, `edge_group_id`,
 *   `edge_group_index`, and in group `0` each synapse's `syn_weight` (signed: inhibitory
 *   receptors negative, as NEST's point neurons take them, conductance-based ones too) and `delay` in ms), and
 *   `network/edge_types.csv` (one `static_synapse` edge type per projection);
 * - `components/point_neuron_models/<population>.json`: the population's parameters under NEST's
 *   names and units;
 * - `circuit_config.json`, `simulation_config.json` (`run.dt`, `run.tstop`, `target_simulator:
 *   NEST`, and `cortexgpu: {seed, inputs_file}` for cortexgpu's import), `inputs.json` (the
 *   spec's Poisson and DC inputs, which SONATA does not describe) and
 *   `run_nest.py`, which builds the network with `nest.SonataNetwork`, adds those inputs as NEST
 *   generators and records spikes.
 *
 * The synapses are those the engine generates for the spec's seed (the float64 reference
 * generator of src/model/connectivity.ts makes the same ones), so the exported network is the
 * network cortexgpu simulates, synapse for synapse. Rate units, models without a NEST
 * counterpart and projections of rate units are refused by name. A batch of trials exports
 * as one network (the trials share its connectivity) with trial 0's initial state. Nothing is written half-way:
 * every file is written beside its final name and renamed when all are ready.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { NetworkSpec } from '../model/spec.js';
import { planNetwork, type NetworkPlan } from '../model/plan.js';
import { NEST_MODEL_OF } from '../model/models.js';
import { generateConnectivity } from '../model/connectivity.js';
import { writeHdf5Atomic, type Hdf5WriteFile } from './hdf5.js';
import { NEST_STATE_NAMES, nestNamesOf, SonataError, type SonataSpikeSorting } from './sonata-names.js';

export { NEST_STATE_NAMES, nestNamesOf, SonataError, type NestNames, type SonataSpikeSorting } from './sonata-names.js';

/** What {@link exportSonata} wrote. */
export interface SonataExport {
  /** Files written, relative to the output folder. */
  readonly files: readonly string[];
  /** Nodes per node population. */
  readonly nodes: Readonly<Record<string, number>>;
  /** Synapses per edge population. */
  readonly edges: Readonly<Record<string, number>>;
}

/** Sign of a NEST point-neuron weight for a receptor: inhibitory negative, anything else positive. */
function nestSign(receptor: string | undefined): number {
  return receptor === 'inhibitory' ? -1 : 1;
}

/** Edge population name of a projection: `<source>_to_<target>` or the projection's own name. */
export function sonataEdgePopulation(plan: NetworkPlan, projection: number): string {
  const p = plan.projections[projection]!;
  return plan.spec.projections?.[projection]?.name ?? `${plan.populations[p.source]!.name}_to_${plan.populations[p.target]!.name}_${projection}`;
}

/** A population's parameters under NEST's names ({@link nestNamesOf}). */
function nestParameters(plan: NetworkPlan, population: number): Record<string, number> {
  const pop = plan.populations[population]!;
  const out: Record<string, number> = {};
  for (const [nest, canonical] of nestNamesOf(pop.model).params) {
    const value = pop.params[canonical];
    if (typeof value === 'number') out[nest] = value;
  }
  return out;
}

/**
 * Write a spec as a SONATA network with NEST templates into `outDir` (created; files of the same
 * name are replaced).
 * @throws SonataError naming the population or projection that NEST's SONATA reader cannot take
 * @throws SpecError for an invalid spec
 */
export async function exportSonata(spec: NetworkSpec, outDir: string): Promise<SonataExport> {
  const plan = planNetwork(spec);
  const dt = plan.dtMs;
  for (const pop of plan.populations) {
    if (pop.spikeTrains) continue; // virtual nodes driven by a SONATA spike file
    if (pop.model.kind === 'rate') {
      throw new SonataError(`SONATA export: population '${pop.name}' is a rate population (model ${pop.model.name}); NEST's SONATA reader builds point neurons only. Export the spiking part of the network.`);
    }
    if (!NEST_MODEL_OF[pop.model.name]) {
      throw new SonataError(`SONATA export: population '${pop.name}' uses model ${pop.model.name}, which has no NEST counterpart (models with one: ${Object.keys(NEST_MODEL_OF).join(', ')}); NEST's SONATA reader needs a nest:<model> template.`);
    }
  }

  // Text files, and HDF5 files as builders: written straight to disk (PD14-sized edges do not
  // fit in memory twice).
  const files = new Map<string, string | ((file: Hdf5WriteFile) => void)>();
  const nodes: Record<string, number> = {};
  const edges: Record<string, number> = {};

  // Nodes: one population per spec population, one node type and one file each.
  for (const pop of plan.populations) {
    files.set(`network/${pop.name}_nodes.h5`, (file) => {
      const root = file.create_group('nodes');
      const g = root.create_group(pop.name);
      g.create_dataset({ name: 'node_type_id', data: new Int32Array(pop.size).fill(100 + pop.index), dtype: '<i' });
      g.create_dataset({ name: 'node_group_id', data: new Int32Array(pop.size), dtype: '<i' });
      g.create_dataset({ name: 'node_group_index', data: Int32Array.from({ length: pop.size }, (_, i) => i), dtype: '<i' });
      const group = g.create_group('0');
      if (pop.spikeTrains) return;
      // Each neuron's initial state (the spec's draws for its seed; trial 0 of a batch: a SONATA
      // network is one trial, the trials of a batch share the connectivity), under NEST's names
      // (V_m, and the synaptic conductances or currents, which self-sustained networks start from).
      const dyn = group.create_group('dynamics_params');
      pop.model.state.forEach((variable, v) => {
        const name = NEST_STATE_NAMES[variable.name];
        const values = pop.initialState[v]!;
        if (name) dyn.create_dataset({ name, data: Float64Array.from({ length: pop.size }, (_, n) => values[n * plan.batch]!), dtype: '<d' });
      });
    });
    nodes[pop.name] = pop.size;
  }
  const spikeInputs: Record<string, { input_type: string; module: string; input_file: string; node_set: string }> = {};
  for (const pop of plan.populations) {
    if (pop.spikeTrains) {
      // Spike-train sources are virtual nodes; their spikes (trial 0's trains) go to a SONATA
      // spike file, which NEST turns into spike generators.
      files.set(`network/${pop.name}_node_types.csv`, `node_type_id model_type pop_name\n${100 + pop.index} virtual ${pop.name}\n`);
      const t = pop.spikeTrains;
      const timestamps: number[] = [];
      const ids: number[] = [];
      for (let n = 0; n < pop.size; n++) {
        for (let k = t.offsets[n]!; k < t.offsets[n + 1]!; k++) {
          timestamps.push(t.steps[k]! * dt);
          ids.push(n);
        }
      }
      const order = timestamps.map((_, i) => i).sort((a, b) => timestamps[a]! - timestamps[b]! || ids[a]! - ids[b]!);
      files.set(`inputs/${pop.name}_spikes.h5`, (file) => {
        const g = file.create_group('spikes').create_group(pop.name);
        g.create_attribute('sorting', 'by_time');
        g.create_dataset({ name: 'timestamps', data: Float64Array.from(order, (i) => timestamps[i]!), dtype: '<d' });
        g.create_dataset({ name: 'node_ids', data: Int32Array.from(order, (i) => ids[i]!), dtype: '<i' });
      });
      spikeInputs[`${pop.name}_spikes`] = { input_type: 'spikes', module: 'h5', input_file: `$BASE_DIR/inputs/${pop.name}_spikes.h5`, node_set: pop.name };
      continue;
    }
    files.set(`network/${pop.name}_node_types.csv`, `node_type_id model_type model_template dynamics_params pop_name\n${100 + pop.index} point_neuron nest:${NEST_MODEL_OF[pop.model.name]} ${pop.name}.json ${pop.name}\n`);
    files.set(`components/point_neuron_models/${pop.name}.json`, `${JSON.stringify(nestParameters(plan, pop.index), null, 2)}\n`);
  }

  // Edges: one population per spike projection, the engine's synapses for this seed.
  const spikeProjections = plan.projections.filter((p) => p.mode === 'spike');
  const rate = plan.projections.find((p) => p.mode !== 'spike');
  if (rate) throw new SonataError(`SONATA export: projection ${rate.name} carries rates; NEST's SONATA reader connects spiking point neurons only.`);
  const edgeTypes: string[] = ['edge_type_id model_template dynamics_params', ...spikeProjections.map((proj) => `${100 + proj.index} static_synapse static_synapse.json`)];
  files.set('network/edges.h5', (file) => {
    const root = file.create_group('edges');
    for (const proj of spikeProjections) {
      const c = generateConnectivity(proj.recipe);
      const name = sonataEdgePopulation(plan, proj.index);
      const g = root.create_group(name);
      const sources = new Int32Array(c.nSynapses);
      for (let s = 0; s < c.sourceSize; s++) sources.fill(s, c.rowPtr[s]!, c.rowPtr[s + 1]!);
      const source = g.create_dataset({ name: 'source_node_id', data: sources, dtype: '<i' });
      source.create_attribute('node_population', plan.populations[proj.source]!.name);
      const target = g.create_dataset({ name: 'target_node_id', data: Int32Array.from(c.targets), dtype: '<i' });
      target.create_attribute('node_population', plan.populations[proj.target]!.name);
      g.create_dataset({ name: 'edge_type_id', data: new Int32Array(c.nSynapses).fill(100 + proj.index), dtype: '<i' });
      g.create_dataset({ name: 'edge_group_id', data: new Int32Array(c.nSynapses), dtype: '<i' });
      g.create_dataset({ name: 'edge_group_index', data: Int32Array.from({ length: c.nSynapses }, (_, i) => i), dtype: '<i' });
      const group = g.create_group('0');
      // NEST's point neurons take the receptor from the weight's sign (negative: inhibitory), for
      // current- and conductance-based models alike.
      const sign = nestSign(plan.spec.projections?.[proj.index]?.receptor);
      group.create_dataset({ name: 'syn_weight', data: Float64Array.from(c.weights, (w) => sign * Math.abs(w)), dtype: '<d' });
      const delays = c.delaySteps ? Float64Array.from(c.delaySteps, (d) => d * dt) : new Float64Array(c.nSynapses).fill(c.constantDelaySteps * dt);
      group.create_dataset({ name: 'delay', data: delays, dtype: '<d' });
      edges[name] = c.nSynapses;
    }
  });
  files.set('network/edge_types.csv', `${edgeTypes.join('\n')}\n`);
  files.set('components/synaptic_models/static_synapse.json', '{}\n');

  const circuit = {
    manifest: { $BASE_DIR: '${configdir}', $NETWORK_DIR: '$BASE_DIR/network', $COMPONENTS_DIR: '$BASE_DIR/components' },
    components: { point_neuron_models_dir: '$COMPONENTS_DIR/point_neuron_models', synaptic_models_dir: '$COMPONENTS_DIR/synaptic_models' },
    networks: {
      nodes: plan.populations.map((p) => ({ nodes_file: `$NETWORK_DIR/${p.name}_nodes.h5`, node_types_file: `$NETWORK_DIR/${p.name}_node_types.csv` })),
      edges: spikeProjections.length > 0 ? [{ edges_file: '$NETWORK_DIR/edges.h5', edge_types_file: '$NETWORK_DIR/edge_types.csv' }] : [],
    },
  };
  files.set('circuit_config.json', `${JSON.stringify(circuit, null, 2)}\n`);
  const durationMs = spec.run?.duration_ms ?? 1000;
  const simulation = {
    manifest: { $BASE_DIR: '${configdir}', $OUTPUT_DIR: '$BASE_DIR/output' },
    target_simulator: 'NEST',
    run: { tstop: durationMs, dt },
    network: '$BASE_DIR/circuit_config.json',
    ...(Object.keys(spikeInputs).length > 0 ? { inputs: spikeInputs } : {}),
    node_sets_file: '$BASE_DIR/node_sets.json',
    output: { output_dir: '$OUTPUT_DIR', spikes_file: 'spikes.h5' },
    // What SONATA does not describe, for cortexgpu's import (NEST and bmtk ignore the key): the
    // seed and the Poisson and DC inputs of inputs.json.
    cortexgpu: { seed: plan.seed, inputs_file: '$BASE_DIR/inputs.json' },
  };
  files.set('simulation_config.json', `${JSON.stringify(simulation, null, 2)}\n`);
  // One node set per population (the spike inputs name theirs).
  files.set('node_sets.json', `${JSON.stringify(Object.fromEntries(plan.populations.map((p) => [p.name, { population: p.name }])), null, 2)}\n`);
  files.set('inputs.json', `${JSON.stringify(exportInputs(plan), null, 2)}\n`);
  files.set('run_nest.py', runNestScript(plan, durationMs));

  await commitFiles(outDir, files);
  return { files: [...files.keys()], nodes, edges };
}

/**
 * The spec's inputs, which SONATA's files do not describe (NEST adds them as generators):
 * `inputs.json`, read by run_nest.py and by scripts/brian2_sonata.py. Poisson: one train of the
 * summed rate of the spec's `n_sources` (signed weight, one-step delay); DC: a current, pA.
 */
function exportInputs(plan: NetworkPlan): { population: string; type: string; rate_hz?: number; weight?: number; delay_ms?: number; amplitude?: number }[] {
  const out: { population: string; type: string; rate_hz?: number; weight?: number; delay_ms?: number; amplitude?: number }[] = [];
  for (const pop of plan.populations) {
    for (const inp of pop.inputs) {
      const spec = plan.spec.inputs![inp.index]!;
      if (spec.type === 'poisson') {
        const receptor = (spec as { receptor?: string }).receptor;
        out.push({ population: pop.name, type: 'poisson', rate_hz: ((spec as { n_sources?: number }).n_sources ?? 1) * spec.rate_hz, weight: nestSign(receptor) * Math.abs(inp.weight), delay_ms: plan.dtMs });
      } else if (spec.type === 'dc') {
        out.push({ population: pop.name, type: 'dc', amplitude: inp.amplitude });
      } else {
        throw new SonataError(`SONATA export: input ${inp.index} (${spec.type}) of population '${pop.name}' has no NEST generator; export networks with Poisson and DC inputs.`);
      }
    }
  }
  return out;
}

/** The NEST script: SonataNetwork, the inputs of inputs.json as generators, spike recorders, Simulate. */
function runNestScript(plan: NetworkPlan, durationMs: number): string {
  return [
    '#!/usr/bin/env python3',
    `"""Run the SONATA network exported by cortexgpu (${plan.spec.name ?? 'network'}) with NEST >= 3.5.`,
    '',
    'Serial: python3 run_nest.py; on a cluster: mpirun -np N python3 run_nest.py.',
    "The spec's inputs (inputs.json; SONATA has no Poisson drive) become NEST generators;",
    'spikes go to output/spikes_<population>-*.dat (one file per rank).',
    '"""',
    'import json',
    'import os',
    'import nest',
    '',
    'here = os.path.dirname(os.path.abspath(__file__))',
    'nest.ResetKernel()',
    `nest.SetKernelStatus({'resolution': ${plan.dtMs}, 'rng_seed': ${Math.max(1, plan.seed)}})`,
    "net = nest.SonataNetwork(os.path.join(here, 'simulation_config.json'))",
    'nodes = net.BuildNetwork()',
    "os.makedirs(os.path.join(here, 'output'), exist_ok=True)",
    "with open(os.path.join(here, 'inputs.json')) as f:",
    '    inputs = json.load(f)',
    'for inp in inputs:',
    "    if inp['type'] == 'poisson':",
    "        # A poisson_generator sends every target its own independent train.",
    "        gen = nest.Create('poisson_generator', params={'rate': inp['rate_hz']})",
    "        nest.Connect(gen, nodes[inp['population']], syn_spec={'weight': inp['weight'], 'delay': inp['delay_ms']})",
    '    else:',
    "        gen = nest.Create('dc_generator', params={'amplitude': inp['amplitude']})",
    "        nest.Connect(gen, nodes[inp['population']])",
    'for name, population in nodes.items():',
    "    recorder = nest.Create('spike_recorder', params={'record_to': 'ascii', 'label': os.path.join(here, 'output', 'spikes_' + name)})",
    '    nest.Connect(population, recorder)',
    `nest.Simulate(${durationMs})`,
    '',
  ].join('\n');
}

/**
 * Write every file beside its final name (HDF5 files built straight to disk), then rename all;
 * on failure remove what was written.
 */
async function commitFiles(outDir: string, files: ReadonlyMap<string, string | ((file: Hdf5WriteFile) => void)>): Promise<void> {
  const partial: string[] = [];
  try {
    for (const [name, data] of files) {
      const path = join(outDir, name);
      await mkdir(dirname(path), { recursive: true });
      partial.push(path);
      if (typeof data === 'string') await writeFile(`${path}.partial`, data);
      else await writeHdf5Atomic(`${path}.partial`, data);
    }
    for (const path of partial) await rename(`${path}.partial`, path);
  } catch (err) {
    await Promise.all(partial.map((path) => rm(`${path}.partial`, { force: true })));
    throw new SonataError(`SONATA export: could not write ${outDir} (${(err as Error).message}); nothing was left half-written. Check the folder is writable.`);
  }
}

/** The spikes of one SONATA node population, as {@link sonataSpikesWriter} writes them. */
export interface SonataPopulationSpikes {
  /** Node population name. */
  readonly population: string;
  /** Node id of each spike (within the population). */
  readonly nodeIds: Uint32Array;
  /** Time of each spike, ms. */
  readonly timestampsMs: Float64Array;
}

/**
 * A builder (for `writeHdf5Atomic` / `hdf5Bytes`) of a SONATA spike file in the output layout:
 * `/spikes/<population>/timestamps` (float64, ms, attribute `units` = `ms`) and `node_ids`
 * (uint64), the group's `sorting` attribute saying the order (`by_time`: by time, then node
 * id; `by_id`: by node id, then time; `none`: as given).
 */
export function sonataSpikesWriter(populations: readonly SonataPopulationSpikes[], sorting: SonataSpikeSorting = 'by_time'): (file: Hdf5WriteFile) => void {
  return (file) => {
    const root = file.create_group('spikes');
    for (const p of populations) {
      const n = p.nodeIds.length;
      const order = Array.from({ length: n }, (_, i) => i);
      const t = p.timestampsMs;
      const id = p.nodeIds;
      if (sorting === 'by_time') order.sort((a, b) => t[a]! - t[b]! || id[a]! - id[b]! || a - b);
      else if (sorting === 'by_id') order.sort((a, b) => id[a]! - id[b]! || t[a]! - t[b]! || a - b);
      const g = root.create_group(p.population);
      g.create_attribute('sorting', sorting);
      const times = g.create_dataset({ name: 'timestamps', data: Float64Array.from(order, (i) => t[i]!), dtype: '<d' });
      times.create_attribute('units', 'ms');
      g.create_dataset({ name: 'node_ids', data: BigUint64Array.from(order, (i) => BigInt(id[i]!)), dtype: '<Q' });
    }
  };
}
