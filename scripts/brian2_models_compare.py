#!/usr/bin/env python3
"""Brian2's documented example models (equation strings pasted unchanged from Brian2 2.5.1's
examples) run in Brian2, for the comparison in test/brian2-models.test.ts and docs/equations.md:

* COBAHH (examples/COBAHH.py): 4000 Hodgkin-Huxley neurons, 3200 E / 800 I, p = 0.02,
  exponential_euler, dt 0.1 ms; reports the mean rate over [warmup, duration) for each seed
  (one network realisation each) and their mean.
* AdEx (examples/frompapers/Brette_Gerstner_2005.py, regular spiking, method 'euler', dt 0.1 ms):
  one neuron per constant current I, spike counts over the duration.
* Izhikevich (examples/frompapers/Izhikevich_2003.py, the excitatory neuron with r = 0:
  a = 0.02, b = 0.2, c = -65, d = 8, method 'euler', dt 1 ms as in the example, I_noise = 0):
  one neuron per constant I, spike counts over the duration.

Prints one JSON object (the last line of stdout).

usage: /usr/bin/python3 scripts/brian2_models_compare.py [--models cobahh,adex,izhikevich]
       [--neurons 4000] [--duration-ms 500] [--warmup-ms 100] [--seeds 1,2,3]
       [--single-duration-ms 1000] [--adex-currents-nA 0.7,0.8,1,1.5,2,3]
       [--izhikevich-currents 5,7,10,15,20,30]
"""
import argparse
import json
import sys
import time
import warnings

warnings.filterwarnings('ignore')

# --- strings pasted unchanged from Brian2 2.5.1's examples -----------------------------------

COBAHH_EQS = '''
dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-
         g_na*(m*m*m)*h*(v-ENa)-
         g_kd*(n*n*n*n)*(v-EK))/Cm : volt
dm/dt = alpha_m*(1-m)-beta_m*m : 1
dn/dt = alpha_n*(1-n)-beta_n*n : 1
dh/dt = alpha_h*(1-h)-beta_h*h : 1
dge/dt = -ge*(1./taue) : siemens
dgi/dt = -gi*(1./taui) : siemens
alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz
'''

ADEX_EQS = """
dvm/dt = (gL*(EL - vm) + gL*DeltaT*exp((vm - VT)/DeltaT) + I - w)/C : volt
dw/dt = (a*(vm - EL) - w)/tauw : amp
I : amp
"""

IZHIKEVICH_EQS = """dv/dt = (0.04*v**2 + 5*v + 140 - u + I + I_noise )/ms : 1
         du/dt = (a*(b*v - u))/ms  : 1
         I : 1
         I_noise : 1
         a : 1
         b : 1
         c : 1
         d : 1
       """


def run_cobahh_seed(args, run_seed):
    from brian2 import (NeuronGroup, Synapses, SpikeMonitor, Network, Equations, defaultclock, seed,
                        umetre, ufarad, cm, siemens, msiemens, mV, ms, nS)
    import numpy as np
    seed(run_seed)
    defaultclock.dt = 0.1 * ms
    # Parameters (examples/COBAHH.py)
    area = 20000*umetre**2
    Cm = (1*ufarad*cm**-2) * area
    gl = (5e-5*siemens*cm**-2) * area
    El = -60*mV
    EK = -90*mV
    ENa = 50*mV
    g_na = (100*msiemens*cm**-2) * area
    g_kd = (30*msiemens*cm**-2) * area
    VT = -63*mV
    taue = 5*ms
    taui = 10*ms
    Ee = 0*mV
    Ei = -80*mV
    we = 6*nS
    wi = 67*nS
    eqs = Equations(COBAHH_EQS)
    n_total = args.neurons
    n_e = int(round(0.8 * n_total))
    P = NeuronGroup(n_total, model=eqs, threshold='v>-20*mV', refractory=3*ms,
                    method='exponential_euler')
    Pe = P[:n_e]
    Pi = P[n_e:]
    Ce = Synapses(Pe, P, on_pre='ge+=we')
    Ci = Synapses(Pi, P, on_pre='gi+=wi')
    Ce.connect(p=0.02)
    Ci.connect(p=0.02)
    P.v = 'El + (randn() * 5 - 5)*mV'
    P.ge = '(randn() * 1.5 + 4) * 10.*nS'
    P.gi = '(randn() * 12 + 20) * 10.*nS'
    mon = SpikeMonitor(P)
    net = Network(P, Ce, Ci, mon)
    started = time.time()
    net.run(args.duration_ms * ms)
    wall = time.time() - started
    t = np.asarray(mon.t / ms)
    i = np.asarray(mon.i)
    keep = t >= args.warmup_ms
    window_s = (args.duration_ms - args.warmup_ms) / 1000.0
    return {
        'seed': run_seed,
        'rate_hz': float(keep.sum() / (n_total * window_s)),
        'rate_e_hz': float((keep & (i < n_e)).sum() / (n_e * window_s)),
        'rate_i_hz': float((keep & (i >= n_e)).sum() / ((n_total - n_e) * window_s)),
        'rate_bins_hz': [float(((t >= a) & (t < a + 100)).sum() / (n_total * 0.1))
                         for a in np.arange(0, args.duration_ms, 100.0)],
        'run_wall_s': wall,
    }


def run_cobahh(b2, args):
    runs = []
    for run_seed in args.seeds:
        b2.start_scope()
        runs.append(run_cobahh_seed(args, run_seed))
    return {
        'neurons': args.neurons, 'duration_ms': args.duration_ms, 'warmup_ms': args.warmup_ms,
        'seeds': args.seeds, 'rate_hz': sum(r['rate_hz'] for r in runs) / len(runs), 'runs': runs,
    }


def run_adex(b2, args):
    from brian2 import NeuronGroup, SpikeMonitor, Network, defaultclock, pF, nS, mV, ms, nA
    defaultclock.dt = 0.1 * ms
    # Parameters (examples/frompapers/Brette_Gerstner_2005.py, regular spiking)
    C = 281 * pF
    gL = 30 * nS
    EL = -70.6 * mV
    VT = -50.4 * mV
    DeltaT = 2 * mV
    Vcut = VT + 5 * DeltaT
    tauw, a, b, Vr = 144*ms, 4*nS, 0.0805*nA, -70.6*mV
    currents = args.adex_currents_nA
    neuron = NeuronGroup(len(currents), model=ADEX_EQS, threshold='vm>Vcut',
                         reset="vm=Vr; w+=b", method='euler')
    neuron.vm = EL
    neuron.I = currents * nA
    mon = SpikeMonitor(neuron)
    net = Network(neuron, mon)
    net.run(args.single_duration_ms * ms)
    counts = [int(c) for c in mon.count[:]]
    return {'duration_ms': args.single_duration_ms, 'dt_ms': 0.1, 'currents_nA': currents, 'counts': counts}


def run_izhikevich(b2, args):
    from brian2 import NeuronGroup, SpikeMonitor, Network, defaultclock, ms
    defaultclock.dt = 1 * ms
    currents = args.izhikevich_currents
    N = NeuronGroup(len(currents), IZHIKEVICH_EQS, threshold="v>=30", reset="v=c; u+=d", method="euler")
    N.v = -65
    # The example's excitatory neuron with r = 0 (regular spiking).
    N.a = 0.02
    N.b = 0.2
    N.c = -65
    N.d = 8
    N.u = "b*v"
    N.I = currents
    N.I_noise = 0
    mon = SpikeMonitor(N)
    net = Network(N, mon)
    net.run(args.single_duration_ms * ms)
    counts = [int(c) for c in mon.count[:]]
    return {'duration_ms': args.single_duration_ms, 'dt_ms': 1.0, 'currents': currents, 'counts': counts}


def floats(text):
    return [float(x) for x in text.split(',') if x.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--models', default='cobahh,adex,izhikevich')
    parser.add_argument('--neurons', type=int, default=4000)
    parser.add_argument('--duration-ms', type=float, default=500.0)
    parser.add_argument('--warmup-ms', type=float, default=100.0)
    parser.add_argument('--seeds', type=lambda t: [int(x) for x in t.split(',')], default=[1],
                        help='COBAHH: one network per seed; rate_hz is the mean over them')
    parser.add_argument('--single-duration-ms', type=float, default=1000.0)
    parser.add_argument('--adex-currents-nA', type=floats, default=floats('0.7,0.8,1,1.5,2,3'))
    parser.add_argument('--izhikevich-currents', type=floats, default=floats('5,7,10,15,20,30'))
    parser.add_argument('--target', default='numpy', choices=['numpy', 'cython'])
    args = parser.parse_args()

    import brian2 as b2
    b2.prefs.codegen.target = args.target
    out = {'simulator': 'brian2 ' + b2.__version__, 'target': args.target}
    started = time.time()
    for name in args.models.split(','):
        b2.start_scope()
        out[name] = {'cobahh': run_cobahh, 'adex': run_adex, 'izhikevich': run_izhikevich}[name](b2, args)
    out['wall_s'] = time.time() - started
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
