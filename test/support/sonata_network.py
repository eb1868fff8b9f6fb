"""A small SONATA point-neuron network written with h5py, as bmtk / NEST users write them, for
test/sonata-import.test.ts: python3 sonata_network.py ROOT [VARIANT ...] writes one network per
variant into ROOT/VARIANT ('ok' is the well-formed one; the others are malformed on purpose).

Network: population 'input' (2 virtual nodes) driven by a spike file; population 'cells' with two
node types (100: nest:iaf_psc_delta 'exc', nodes 0 and 2; 101: nest:iaf_psc_exp 'inh', node 1) and
a per-node initial V_m; edge population 'input_to_cells' in two edge groups:
  input 0 -> cells 0: group 0, syn_weight 16 mV, delay 1 ms (edge type 10);
  input 1 -> cells 2: group 1 (no per-edge data), edge type 11: syn_weight 6, nsyns 2, delay 2 ms;
  input 0 -> cells 1: group 0, syn_weight -50 (inhibitory), delay 0.5 ms.
Spikes: input 0 at 1.0 ms, input 1 at 1.5 ms, in the current layout (inputs/spikes.h5) and the
older one (inputs/spikes_old.h5, /spikes/gids and /spikes/timestamps).
"""
import json
import os
import sys

import h5py
import numpy as np


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)


def build(root, variant):
    net = os.path.join(root, 'network')
    models = os.path.join(root, 'components', 'point_neuron_models')
    synapses = os.path.join(root, 'components', 'synaptic_models')
    for d in (net, models, synapses, os.path.join(root, 'inputs')):
        os.makedirs(d)

    # Configs: manifests with variables defined by others, ${configdir} and $VAR forms.
    circuit = {
        'manifest': {'$BASE_DIR': '${configdir}', '$NETWORK_DIR': '$BASE_DIR/network', '$COMPONENTS_DIR': '${BASE_DIR}/components'},
        'components': {'point_neuron_models_dir': '$COMPONENTS_DIR/point_neuron_models', 'synaptic_models_dir': '$COMPONENTS_DIR/synaptic_models'},
        'networks': {
            'nodes': [
                {'nodes_file': '$NETWORK_DIR/input_nodes.h5', 'node_types_file': '$NETWORK_DIR/input_node_types.csv'},
                {'nodes_file': '$NETWORK_DIR/cells_nodes.h5', 'node_types_file': '$NETWORK_DIR/cells_node_types.csv'},
            ],
            'edges': [{'edges_file': '$NETWORK_DIR/edges.h5', 'edge_types_file': '$NETWORK_DIR/edge_types.csv'}],
        },
    }
    if variant == 'missing_components_dir':
        circuit['components']['point_neuron_models_dir'] = '$COMPONENTS_DIR/no_such_folder'
    if variant == 'bad_variable':
        circuit['networks']['edges'][0]['edges_file'] = '$NETWORK_DIRX/edges.h5'
    write(os.path.join(root, 'circuit_config.json'), json.dumps(circuit, indent=2))

    def simulation(spike_file, node_set='inputs'):
        return {
            'manifest': {'$BASE_DIR': '.', '$INPUT_DIR': '$BASE_DIR/inputs'},
            'target_simulator': 'NEST',
            'run': {'tstop': 10.0, 'dt': 0.1},
            'network': '$BASE_DIR/circuit_config.json',
            'node_sets_file': '$BASE_DIR/node_sets.json',
            'inputs': {'input_spikes': {'input_type': 'spikes', 'module': 'sonata', 'input_file': '$INPUT_DIR/' + spike_file, 'node_set': node_set}},
            'output': {'output_dir': '$BASE_DIR/output', 'spikes_file': 'spikes.h5', 'spikes_sort_order': 'time'},
        }
    write(os.path.join(root, 'simulation_config.json'), json.dumps(simulation(
        'no_such_spikes.h5' if variant == 'missing_spike_file' else 'spikes.h5', 'exc' if variant == 'spikes_onto_cells' else 'inputs'), indent=2))
    # The older spike layout, its node set selecting by model_type across populations.
    write(os.path.join(root, 'simulation_config_old.json'), json.dumps(simulation('spikes_old.h5', 'virtual_nodes'), indent=2))
    write(os.path.join(root, 'node_sets.json'), json.dumps({
        'inputs': {'population': 'input'}, 'exc': {'population': 'cells', 'pop_name': 'exc'}, 'virtual_nodes': {'model_type': 'virtual'}}))

    # Node types (space-delimited) and NEST parameter files.
    write(os.path.join(net, 'input_node_types.csv'), 'node_type_id model_type pop_name\n1 virtual input\n')
    inh_type = 'point_process nest:iaf_psc_exp inh.json'
    if variant == 'unknown_template':
        inh_type = 'point_process nest:glif_psc inh.json'
    if variant == 'biophysical':
        inh_type = 'biophysical ctdb:Biophys1.hoc inh.json'
    if variant == 'missing_model_type_column':
        write(os.path.join(net, 'cells_node_types.csv'), 'node_type_id model_template dynamics_params pop_name\n100 nest:iaf_psc_delta exc.json exc\n101 nest:iaf_psc_exp inh.json inh\n')
    else:
        write(os.path.join(net, 'cells_node_types.csv'), 'node_type_id model_type model_template dynamics_params pop_name\n100 point_process nest:iaf_psc_delta exc.json exc\n101 %s inh\n' % inh_type)
    exc = {'V_th': -55.0, 'E_L': -70.0, 'V_reset': -70.0, 't_ref': 2.0, 'tau_m': 10.0, 'C_m': 250.0}
    if variant == 'unknown_param':
        exc['tau_minus'] = 20.0
    write(os.path.join(models, 'exc.json'), json.dumps(exc))
    write(os.path.join(models, 'inh.json'), json.dumps({'V_th': -55.0, 'E_L': -70.0, 'tau_syn_ex': 2.0, 'tau_syn_in': 2.0}))

    with h5py.File(os.path.join(net, 'input_nodes.h5'), 'w') as h5:
        g = h5.create_group('nodes/input')
        g['node_type_id'] = np.array([1, 1])
        g['node_group_id'] = np.array([0, 0])
        g['node_group_index'] = np.array([0, 1])
        g.create_group('0')
    with h5py.File(os.path.join(net, 'cells_nodes.h5'), 'w') as h5:
        g = h5.create_group('nodes/cells')
        if variant != 'missing_node_type_id':
            g['node_type_id'] = np.array([100, 101, 100])
        g['node_group_id'] = np.array([0, 0, 0])
        g['node_group_index'] = np.array([0, 1, 2])
        g['0/x'] = np.array([0.0, 1.0, 2.0])
        g['0/dynamics_params/V_m'] = np.array([-70.0, -70.0, -65.0])

    # Edges: two groups; group 1 has no per-edge data (the edge type gives weight, delay, nsyns).
    edge_types = 'edge_type_id model_template dynamics_params syn_weight delay nsyns\n10 static_synapse static.json NULL NULL NULL\n11 %s static.json 6.0 2.0 2\n'
    write(os.path.join(net, 'edge_types.csv'), edge_types % ('stdp_synapse' if variant == 'stdp' else 'static_synapse'))
    write(os.path.join(synapses, 'static.json'), '{}')
    with h5py.File(os.path.join(net, 'edges.h5'), 'w') as h5:
        g = h5.create_group('edges/input_to_cells')
        sources = np.array([0, 1, 0], dtype=np.float64 if variant == 'float_source_ids' else np.int64)
        targets = np.array([0, 7, 1]) if variant == 'target_out_of_range' else np.array([0, 2]) if variant == 'mismatched_lengths' else np.array([0, 2, 1])
        g['source_node_id'] = sources
        g['target_node_id'] = targets
        if variant != 'missing_node_population':
            g['source_node_id'].attrs['node_population'] = 'input'
        g['target_node_id'].attrs['node_population'] = 'cells'
        g['edge_type_id'] = np.array([10, 11, 10])
        g['edge_group_id'] = np.array([0, 1, 0])
        g['edge_group_index'] = np.array([0, 0, 5 if variant == 'group_index_beyond' else 1])
        g['0/syn_weight'] = np.array([16.0, -50.0])
        g['0/delay'] = np.array([1.0, 0.05 if variant == 'delay_below_dt' else 0.5])
        g.create_group('1')

    # Spikes of the virtual nodes, in both layouts.
    with h5py.File(os.path.join(root, 'inputs', 'spikes.h5'), 'w') as h5:
        g = h5.create_group('spikes/input')
        g.attrs['sorting'] = 'by_time'
        g['timestamps'] = np.array([1.0, 1.5])
        g['timestamps'].attrs['units'] = 'ms'
        g['node_ids'] = np.array([0, 5] if variant == 'spike_ids_out_of_range' else [0, 1], dtype=np.uint64)
    with h5py.File(os.path.join(root, 'inputs', 'spikes_old.h5'), 'w') as h5:
        h5['spikes/gids'] = np.array([0, 1])
        h5['spikes/timestamps'] = np.array([1.0, 1.5])


if __name__ == '__main__':
    for v in sys.argv[2:]:
        build(os.path.join(sys.argv[1], v), v)
