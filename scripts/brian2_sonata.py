#!/usr/bin/python3
"""Build a SONATA network exported by ``cortexgpu export sonata`` in Brian2, from its files alone.

An independent engine as a check of the export: the nodes, node types, NEST parameter files and
edges are read with h5py (nothing from cortexgpu's spec or code), the network is simulated in
Brian2 (C++ standalone) and the mean rate of each population after a warm-up is compared with a
cortexgpu run folder (``cortexgpu run SPEC --out DIR``) of the same spec: the two simulators
share the connectivity synapse for synapse, not the random input, so rates should agree within a
few per cent (tolerance ``--tolerance``, default 10 %).

Supported templates (what ``cortexgpu export`` writes for the NEST-derived built-ins):
``nest:iaf_psc_delta`` (v += w on arrival), ``nest:iaf_psc_exp`` (exponential currents, excitatory
for w > 0, inhibitory for w < 0), ``nest:iaf_cond_exp`` (exponential conductances, |w| nS). Other
templates stop the script with a message naming them. Refractoriness follows NEST's convention
(the membrane is held for round(t_ref/dt) steps), as ``scripts/brian2_compare.py`` explains.

Usage::

    python3 scripts/brian2_sonata.py SONATA_DIR [--cortexgpu RUN_DIR] [--warmup MS] [--duration MS]
        [--tolerance 0.1] [--out comparison.json]
"""
import argparse
import csv
import json
import os
import sys
import tempfile

import numpy as np


def fail(message):
    sys.stderr.write(f'brian2_sonata: {message}\n')
    sys.exit(2)


def resolve(path, manifest, base):
    """Expand ${configdir} and $VARIABLES of a SONATA manifest."""
    path = path.replace('${configdir}', base)
    for _ in range(5):
        for key, value in manifest.items():
            path = path.replace(key, value.replace('${configdir}', base))
    return path


def read_network(folder):
    import h5py
    sim_path = os.path.join(folder, 'simulation_config.json')
    if not os.path.exists(sim_path):
        fail(f'{sim_path}: no simulation_config.json; pass the folder `cortexgpu export sonata` wrote')
    with open(sim_path) as f:
        sim = json.load(f)
    manifest = sim.get('manifest', {})
    circuit_path = resolve(sim['network'], manifest, folder)
    with open(circuit_path) as f:
        circuit = json.load(f)
    cman = circuit.get('manifest', {})
    models_dir = resolve(circuit['components']['point_neuron_models_dir'], cman, folder)
    populations = {}
    for entry in circuit['networks']['nodes']:
        nodes_file = resolve(entry['nodes_file'], cman, folder)
        types_file = resolve(entry['node_types_file'], cman, folder)
        with open(types_file) as f:
            types = {int(row['node_type_id']): row for row in csv.DictReader(f, delimiter=' ')}
        with h5py.File(nodes_file, 'r') as h5:
            for name in h5['nodes']:
                g = h5['nodes'][name]
                type_ids = np.asarray(g['node_type_id'])
                if len(set(type_ids.tolist())) != 1 or int(type_ids[0]) not in types:
                    continue  # a population of another node-types file
                t = types[int(type_ids[0])]
                if t['model_type'] == 'virtual':
                    populations[name] = {'size': len(type_ids), 'template': 'virtual', 'params': {}, 'initial': {}}
                    continue
                with open(os.path.join(models_dir, t['dynamics_params'])) as f:
                    params = json.load(f)
                dyn = g['0/dynamics_params'] if 'dynamics_params' in g['0'] else {}
                initial = {key: np.asarray(dyn[key]) for key in dyn}
                populations[name] = {'size': len(type_ids), 'template': t['model_template'], 'params': params, 'initial': initial}
    edges = []
    for entry in circuit['networks']['edges']:
        with h5py.File(resolve(entry['edges_file'], cman, folder), 'r') as h5:
            for name in h5['edges']:
                g = h5['edges'][name]
                edges.append({
                    'name': name,
                    'source': g['source_node_id'].attrs['node_population'],
                    'target': g['target_node_id'].attrs['node_population'],
                    'i': np.asarray(g['source_node_id']), 'j': np.asarray(g['target_node_id']),
                    'w': np.asarray(g['0/syn_weight']), 'delay': np.asarray(g['0/delay']),
                })
    inputs_path = os.path.join(folder, 'inputs.json')
    inputs = json.load(open(inputs_path)) if os.path.exists(inputs_path) else []
    # Virtual nodes: their spikes from the simulation config's spike inputs (SONATA spike files).
    for entry in sim.get('inputs', {}).values():
        if entry.get('input_type') != 'spikes':
            continue
        with h5py.File(resolve(entry['input_file'], manifest, folder), 'r') as h5:
            for name in h5['spikes']:
                if name in populations:
                    populations[name]['spikes'] = (np.asarray(h5['spikes'][name]['node_ids']), np.asarray(h5['spikes'][name]['timestamps']))
    return sim, populations, edges, inputs


def build(b2, sim, populations, edges, inputs, seed):
    ms, mV, pA, pF, nS, Hz = b2.ms, b2.mV, b2.pA, b2.pF, b2.nS, b2.Hz
    dt = sim['run']['dt']
    b2.defaultclock.dt = dt * ms
    b2.seed(seed)
    groups, monitors, objects = {}, {}, []
    for name, pop in populations.items():
        if pop['template'] == 'virtual':
            ids, times = pop.get('spikes', (np.zeros(0, dtype=int), np.zeros(0)))
            g = b2.SpikeGeneratorGroup(pop['size'], ids, times * ms, name=f'pop_{name}')
            groups[name] = g
            monitors[name] = b2.SpikeMonitor(g, name=f'spikes_{name}')
            objects += [g, monitors[name]]
            continue
        p = pop['params']
        n_ref = int(round(p.get('t_ref', 2.0) / dt))
        refractory = (n_ref + 1) * dt * ms if n_ref > 0 else 0 * ms  # NEST: held n_ref steps
        ns = {'c_m': p.get('C_m', 250.0) * pF, 'e_l': p['E_L'] * mV,
              'v_th': p['V_th'] * mV, 'v_reset': p['V_reset'] * mV, 'i_e': p.get('I_e', 0.0) * pA}
        if 'tau_m' in p:
            ns['tau_m'] = p['tau_m'] * ms
        template = pop['template']
        if template == 'nest:iaf_psc_delta':
            eqs = 'dv/dt = (e_l - v) / tau_m + i_e / c_m : volt (unless refractory)'
        elif template == 'nest:iaf_psc_exp':
            eqs = '''dv/dt = (e_l - v) / tau_m + (i_ex + i_in + i_e) / c_m : volt (unless refractory)
                     di_ex/dt = -i_ex / tau_ex : amp
                     di_in/dt = -i_in / tau_in : amp'''
            ns.update({'tau_ex': p.get('tau_syn_ex', 2.0) * ms, 'tau_in': p.get('tau_syn_in', 2.0) * ms})
        elif template == 'nest:iaf_cond_exp':
            eqs = '''dv/dt = (g_l * (e_l - v) + g_ex * (e_ex - v) + g_in * (e_in - v) + i_e) / c_m : volt (unless refractory)
                     dg_ex/dt = -g_ex / tau_ex : siemens
                     dg_in/dt = -g_in / tau_in : siemens'''
            ns.update({'g_l': p.get('g_L', 16.6667) * nS, 'e_ex': p.get('E_ex', 0.0) * mV, 'e_in': p.get('E_in', -85.0) * mV,
                       'tau_ex': p.get('tau_syn_ex', 0.2) * ms, 'tau_in': p.get('tau_syn_in', 2.0) * ms})
        else:
            fail(f"population {name}: template {template} is not supported here (nest:iaf_psc_delta, nest:iaf_psc_exp, nest:iaf_cond_exp)")
        g = b2.NeuronGroup(pop['size'], eqs, threshold='v >= v_th', reset='v = v_reset', refractory=refractory,
                           method='exact' if template != 'nest:iaf_cond_exp' else 'exponential_euler', namespace=ns, name=f'pop_{name}')
        # Initial state per node (NEST names): V_m, and conductances / currents where given.
        init = pop['initial']
        g.v = (init['V_m'] if 'V_m' in init else np.full(pop['size'], p['E_L'])) * mV
        for nest_name, var, unit in (('g_ex', 'g_ex', nS), ('g_in', 'g_in', nS), ('I_syn_ex', 'i_ex', pA), ('I_syn_in', 'i_in', pA)):
            if nest_name in init and var in g.variables:
                setattr(g, var, init[nest_name] * unit)
        pop['template'] = template
        groups[name] = g
        monitors[name] = b2.SpikeMonitor(g, name=f'spikes_{name}')
        objects += [g, monitors[name]]
    for k, e in enumerate(edges):
        template = populations[e['target']]['template']
        for sign in (1, -1):
            keep = e['w'] > 0 if sign > 0 else e['w'] < 0
            if not keep.any():
                continue
            if template == 'nest:iaf_psc_delta':
                on_pre, unit = 'v_post += w_syn', mV
            elif template == 'nest:iaf_psc_exp':
                on_pre, unit = ('i_ex_post += w_syn' if sign > 0 else 'i_in_post += w_syn'), pA
            else:
                on_pre, unit = ('g_ex_post += w_syn' if sign > 0 else 'g_in_post += w_syn'), nS
            s = b2.Synapses(groups[e['source']], groups[e['target']], 'w_syn : ' + ('volt' if unit is mV else 'amp' if unit is pA else 'siemens'),
                            on_pre=on_pre, name=f'syn_{k}_{"ex" if sign > 0 else "in"}')
            s.connect(i=e['i'][keep], j=e['j'][keep])
            w = e['w'][keep] if template != 'nest:iaf_cond_exp' else np.abs(e['w'][keep])
            s.w_syn = w * unit
            s.delay = e['delay'][keep] * ms
            objects.append(s)
    for inp in inputs:
        g = groups[inp['population']]
        template = populations[inp['population']]['template']
        if inp['type'] == 'poisson':
            w = inp['weight']
            if template == 'nest:iaf_psc_delta':
                var, weight = 'v', w * mV
            elif template == 'nest:iaf_psc_exp':
                var, weight = ('i_ex' if w > 0 else 'i_in'), w * pA
            else:
                var, weight = ('g_ex' if w > 0 else 'g_in'), abs(w) * nS
            # One train of the summed rate, as N trains of rate/N with a small per-step probability
            # (PoissonInput draws binomial counts: N trains at p = rate/N · dt).
            n_trains = max(1, int(np.ceil(inp['rate_hz'] * dt / 1000.0 / 0.01)))
            objects.append(b2.PoissonInput(g, var, N=n_trains, rate=inp['rate_hz'] / n_trains * Hz, weight=weight))
        else:
            g.namespace['i_e'] = g.namespace['i_e'] + inp['amplitude'] * pA
    return b2.Network(*objects), monitors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('folder')
    parser.add_argument('--cortexgpu', help='a cortexgpu run folder of the same spec, to compare rates with')
    parser.add_argument('--warmup', type=float, default=200.0, help='ms left out of the rates (default 200)')
    parser.add_argument('--duration', type=float, help='simulated ms (default: run.tstop)')
    parser.add_argument('--tolerance', type=float, default=0.1, help='relative rate tolerance (default 0.1)')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--out', help='write the comparison as JSON')
    args = parser.parse_args(argv)
    try:
        import brian2 as b2
    except ImportError:
        fail('Brian2 is not installed (bash scripts/setup.sh --with-brian)')
    sim, populations, edges, inputs = read_network(args.folder)
    duration = args.duration or sim['run']['tstop']
    build_dir = tempfile.mkdtemp(prefix='brian2_sonata_')
    b2.set_device('cpp_standalone', directory=build_dir)
    net, monitors = build(b2, sim, populations, edges, inputs, args.seed)
    net.run(duration * b2.ms)
    rates = {}
    for name, mon in monitors.items():
        t = np.asarray(mon.t / b2.ms)
        kept = np.count_nonzero(t >= args.warmup)
        rates[name] = kept / (populations[name]['size'] * (duration - args.warmup) / 1000.0)
    result = {'folder': args.folder, 'duration_ms': duration, 'warmup_ms': args.warmup, 'synapses': int(sum(len(e['i']) for e in edges)),
              'brian2_rates_hz': rates}
    print(f"Brian2 from SONATA: {len(populations)} populations, {result['synapses']} synapses, {duration} ms")
    ok = True
    if args.cortexgpu:
        with open(os.path.join(args.cortexgpu, 'summary.json')) as f:
            summary = json.load(f)
        result['cortexgpu_rates_hz'] = {}
        for name, rate in rates.items():
            c = summary['populations'][name]['rate_hz']
            rel = (rate - c) / c if c else float('inf')
            agree = abs(rel) <= args.tolerance
            ok = ok and agree
            result['cortexgpu_rates_hz'][name] = c
            print(f'  {name}: Brian2 {rate:.2f} Hz, cortexgpu {c:.2f} Hz ({100 * rel:+.1f} %): {"agree" if agree else "DIFFER"}')
        result['agree'] = ok
    else:
        for name, rate in rates.items():
            print(f'  {name}: {rate:.2f} Hz')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
