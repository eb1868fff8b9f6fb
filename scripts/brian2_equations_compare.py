#!/usr/bin/env python3
"""Brian2's CUBA example (equations pasted unchanged) at a chosen size, for the equation-model
comparison in test/equation-models.test.ts and docs/equations.md.

Prints one JSON object: rate_hz (spikes per neuron per second in [warmup, duration)) and cv_isi
(mean over neurons with >= 3 spikes in that window of std(ISI)/mean(ISI), population std), the
same definitions the test applies to cortexgpu's spikes.

usage: /usr/bin/python3 scripts/brian2_equations_compare.py [--neurons 4000] [--duration-ms 500]
       [--warmup-ms 100] [--seed 1]
"""
import argparse
import json
import sys
import time
import warnings

warnings.filterwarnings('ignore')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--neurons', type=int, default=4000)
    parser.add_argument('--duration-ms', type=float, default=500.0)
    parser.add_argument('--warmup-ms', type=float, default=100.0)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()

    from brian2 import (NeuronGroup, Synapses, SpikeMonitor, Network, defaultclock, ms, mV, seed, prefs)
    import numpy as np
    prefs.codegen.target = 'numpy'
    seed(args.seed)
    defaultclock.dt = 0.1 * ms

    taum = 20 * ms
    taue = 5 * ms
    taui = 10 * ms
    Vt = -50 * mV
    Vr = -60 * mV
    El = -49 * mV
    eqs = '''
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    '''
    n = args.neurons
    n_e = int(n * 0.8)
    P = NeuronGroup(n, eqs, threshold='v>Vt', reset='v = Vr', refractory=5 * ms, method='exact')
    P.v = 'Vr + rand() * (Vt - Vr)'
    P.ge = 0 * mV
    P.gi = 0 * mV
    we = (60 * 0.27 / 10) * mV  # 1.62 mV
    wi = (20 * 4.5 / 10) * mV   # 9 mV
    Ce = Synapses(P, P, on_pre='ge += we')
    Ci = Synapses(P, P, on_pre='gi -= wi')
    Ce.connect('i<n_e', p=0.02)
    Ci.connect('i>=n_e', p=0.02)
    s_mon = SpikeMonitor(P)
    net = Network(P, Ce, Ci, s_mon)
    started = time.time()
    net.run(args.duration_ms * ms)
    wall = time.time() - started

    t = np.asarray(s_mon.t / ms)
    i = np.asarray(s_mon.i)
    keep = t >= args.warmup_ms
    window_s = (args.duration_ms - args.warmup_ms) / 1000.0
    rate = keep.sum() / (n * window_s)
    cvs = []
    for k in range(n):
        times = np.sort(t[keep & (i == k)])
        if len(times) >= 3:
            isi = np.diff(times)
            cvs.append(isi.std() / isi.mean())
    out = {
        'simulator': 'brian2 ' + __import__('brian2').__version__,
        'neurons': n, 'duration_ms': args.duration_ms, 'warmup_ms': args.warmup_ms, 'seed': args.seed,
        'rate_hz': float(rate), 'cv_isi': float(np.mean(cvs)) if cvs else None, 'n_cv': len(cvs),
        'run_wall_s': wall,
    }
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
