#!/usr/bin/python3
"""Reference run of a cortexgpu network spec in Brian2, with an optional comparison.

Purpose
-------
Reads a cortexgpu network spec (the JSON format of ``cortexgpu run SPEC.json``,
see ``src/model/spec.ts``), builds the same network in Brian2 directly from the
JSON (nothing about the network is hard-coded here), simulates it, records all
spikes, and reports per population:

* mean firing rate (Hz), averaged over all neurons of the population;
* mean coefficient of variation of the inter-spike intervals, over the neurons
  with at least 3 spikes;

both computed from spikes at t >= ``--warmup`` only, with standard errors;
plus the wall-clock time of the Brian2 run: total, and the simulation loop
alone (Brian2's own timing of ``network.run``) apart from network setup and
code generation / compilation.

The output folder has cortexgpu's run-folder layout (``summary.json`` with the
same fields and meanings -- ``wall_s`` is the simulation loop, ``total_s``
everything -- plus ``spikes_POP.npy``, ``spikes_POP_times_ms.npy`` and
``spikes_POP_neurons.npy``), so ``cortexgpu plot`` draws it like a cortexgpu
run, side by side with one.

When ``--cortexgpu RUN_DIR`` is given (a ``cortexgpu run --out`` folder), the
statistics of both runs are computed here from their spike files with the same
code, and a comparison is written: rate and CV ISI per population with a
verdict against a stated tolerance (``REL_TOLERANCE``, ``SE_FACTOR``), and
loop-vs-loop and total-vs-total wall-clock times.

Only the subset of the spec format used by ``examples/brunel2000.json`` and
``examples/coba.json`` is supported; anything else stops the script with a
message naming the unsupported feature:

* populations of model ``lif_psc_delta`` (dv/dt = (e_l - v)/tau_m; a spike
  arriving on the excitatory receptor adds ``weight`` mV to v, on the
  inhibitory receptor subtracts it) and ``lif_cond_exp``
  (C dv/dt = g_l(e_l - v) + g_ex(e_ex - v) + g_in(e_in - v); g_ex and g_in
  decay exponentially with tau_syn_ex_ms / tau_syn_in_ms; a spike adds
  ``weight`` nS to g_ex or g_in depending on the receptor). All parameters
  must be given explicitly in the spec;
* initial values: a constant, ``{"uniform": [lo, hi]}`` or
  ``{"normal": {"mean", "std"}, "min"?, "max"?}`` (clipped to min / max);
* projections with connector ``fixed_indegree`` (``indegree``, ``autapses``
  and ``multapses`` both default true) or ``fixed_probability`` (``p``,
  ``autapses`` default true); constant ``weight`` (a magnitude, the receptor
  gives sign / channel) and constant ``delay_ms`` (rounded to whole steps,
  default one step);
* ``poisson`` inputs: ``n_sources`` independent Poisson trains per target
  neuron at ``rate_hz``, each spike adding ``weight`` to the receptor
  (Brian2 ``PoissonInput``);
* ``batch`` must be 1. Recorders in the spec are ignored: all spikes of every
  population are recorded. ``description`` is ignored; ``run`` (``duration_ms``,
  ``warmup_ms``) gives the defaults of ``--duration`` and ``--warmup``.

Modelling choices (documented because cortexgpu may differ):

* threshold ``v >= v_th``; after a spike v is set to v_reset and held there
  (not integrated) for n = round(t_ref_ms / dt) steps after the step of the
  spike, as cortexgpu (and NEST) do: the shortest ISI is t_ref + dt and the ISI
  under a constant drive is t_ref plus the time to threshold rounded up to the
  grid. Brian2's ``refractory=t_ref`` alone holds v one step less (it
  integrates again in the step where ``timestep(t - lastspike) >=
  timestep(refractory)``), so Brian2 is given ``(n + 1)·dt``;
  ``--refractory-convention brian2`` passes t_ref unchanged instead;
* ``lif_psc_delta``: spikes arriving while the target is refractory are
  discarded (as in Brunel 2000 and NEST's iaf_psc_delta; in Brian2 this is
  what ``(unless refractory)`` does: writes to v are suppressed while the
  neuron is refractory). With ``--refractory-input keep`` v is instead not
  clamped: it stops evolving but still receives inputs during t_ref;
* ``lif_cond_exp``: conductances keep integrating input during refractoriness;
  v is integrated with Brian2's ``exponential_euler`` (exact for the
  conductances, exponential Euler for v given the conductances);
  ``lif_psc_delta`` is integrated exactly;
* connectivity and initial values are drawn with numpy from the spec's
  ``seed``; Brian2's own generator (Poisson input) is seeded with it as well.
  The realisation therefore differs from cortexgpu's; only statistics are
  comparable.

Device: Brian2's C++ standalone mode (compiled in a temporary directory) is
tried first; if it fails, the script prints a note and falls back to runtime
mode (Cython code generation if available, otherwise numpy).
``--device runtime`` skips the standalone attempt.

Usage
-----
    /usr/bin/python3 scripts/brian2_compare.py examples/brunel2000.json \\
        --duration 1000 --out out/brian2/brunel2000 \\
        [--cortexgpu out/brunel2000] [--warmup 200]

Outputs (in ``--out DIR``):

* ``summary.json``: cortexgpu's summary format plus ``simulator``, ``device``,
  ``timing_detail_s`` and the settings used; the spike files listed in
  ``files``;
* with ``--cortexgpu``: ``comparison.md`` (Markdown tables with verdicts) and
  ``comparison.json``.

Runs with Debian's python3-brian (Brian2 2.5.1) and numpy; nothing else.
"""

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
import warnings

import numpy as np

SUPPORTED_MODELS = {
    'lif_psc_delta': {
        'params': ['tau_m_ms', 'e_l_mV', 'v_th_mV', 'v_reset_mV', 't_ref_ms'],
        'initial': ['v_mV'],
    },
    'lif_cond_exp': {
        'params': ['c_m_pF', 'g_l_nS', 'e_l_mV', 'e_ex_mV', 'e_in_mV', 'v_th_mV',
                   'v_reset_mV', 't_ref_ms', 'tau_syn_ex_ms', 'tau_syn_in_ms'],
        'initial': ['v_mV', 'g_ex_nS', 'g_in_nS'],
    },
}
RECEPTORS = ('excitatory', 'inhibitory')


class StandaloneFailed(Exception):
    """Compiling or running the C++ standalone project failed."""


class SpecError(Exception):
    """The spec uses something this script does not support (or is malformed)."""


# --------------------------------------------------------------------------------------
# Spec validation
# --------------------------------------------------------------------------------------

def _check_keys(obj, allowed, where):
    if not isinstance(obj, dict):
        raise SpecError(f'{where}: expected a JSON object, got {type(obj).__name__}')
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise SpecError(f'{where}: unsupported key(s) {unknown} '
                        f'(this script supports only {sorted(allowed)})')


def _number(x, where, minimum=None, positive=False):
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise SpecError(f'{where}: expected a finite number, got {x!r} '
                        '(distributions / strings are not supported here)')
    if positive and not x > 0:
        raise SpecError(f'{where}: must be > 0, got {x!r}')
    if minimum is not None and x < minimum:
        raise SpecError(f'{where}: must be >= {minimum}, got {x!r}')
    return float(x)


def _check_distribution(d, where):
    if isinstance(d, (int, float)) and not isinstance(d, bool):
        _number(d, where)
        return
    if not isinstance(d, dict):
        raise SpecError(f'{where}: unsupported distribution {d!r}')
    if 'uniform' in d:
        _check_keys(d, ['uniform'], where)
        u = d['uniform']
        if not (isinstance(u, list) and len(u) == 2):
            raise SpecError(f'{where}: "uniform" must be [lo, hi]')
        lo, hi = _number(u[0], where + '.uniform[0]'), _number(u[1], where + '.uniform[1]')
        if hi < lo:
            raise SpecError(f'{where}: uniform hi < lo')
    elif 'normal' in d:
        _check_keys(d, ['normal', 'min', 'max'], where)
        _check_keys(d['normal'], ['mean', 'std'], where + '.normal')
        for k in ('mean', 'std'):
            if k not in d['normal']:
                raise SpecError(f'{where}.normal: missing "{k}"')
        _number(d['normal']['mean'], where + '.normal.mean')
        _number(d['normal']['std'], where + '.normal.std', minimum=0)
        for k in ('min', 'max'):
            if k in d:
                _number(d[k], f'{where}.{k}')
    else:
        raise SpecError(f'{where}: unsupported distribution {d!r} '
                        '(supported: constant, uniform, normal)')


def validate_spec(spec):
    """Check that `spec` only uses supported features; returns a normalised copy."""
    _check_keys(spec, ['name', 'description', 'dt_ms', 'seed', 'batch', 'run', 'populations',
                       'projections', 'inputs', 'recorders'], 'spec')
    out = {
        'name': str(spec.get('name', 'unnamed')),
        'dt_ms': _number(spec.get('dt_ms', 0.1), 'dt_ms', positive=True),
        'seed': int(_number(spec.get('seed', 1), 'seed', minimum=0)),
        'run': {},
    }
    run = spec.get('run', {})
    _check_keys(run, ['duration_ms', 'warmup_ms'], 'spec.run')
    if 'duration_ms' in run:
        out['run']['duration_ms'] = _number(run['duration_ms'], 'run.duration_ms', positive=True)
    if 'warmup_ms' in run:
        out['run']['warmup_ms'] = _number(run['warmup_ms'], 'run.warmup_ms', minimum=0)
    batch = spec.get('batch', 1)
    if batch != 1:
        raise SpecError(f'batch = {batch!r}: only batch 1 is supported')

    pops = spec.get('populations')
    if not isinstance(pops, list) or not pops:
        raise SpecError('spec.populations: expected a non-empty list')
    out['populations'] = []
    names = set()
    for k, p in enumerate(pops):
        where = f'populations[{k}]'
        _check_keys(p, ['name', 'size', 'model', 'params', 'initial'], where)
        name = p.get('name')
        if not isinstance(name, str) or not name:
            raise SpecError(f'{where}: missing name')
        if name in names:
            raise SpecError(f'{where}: duplicate population name {name!r}')
        names.add(name)
        where = f'population {name!r}'
        size = p.get('size')
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise SpecError(f'{where}: size must be a positive integer')
        model = p.get('model')
        if model not in SUPPORTED_MODELS:
            raise SpecError(f'{where}: model {model!r} not supported '
                            f'(supported: {sorted(SUPPORTED_MODELS)})')
        req = SUPPORTED_MODELS[model]
        params = p.get('params', {})
        _check_keys(params, req['params'], where + '.params')
        missing = [q for q in req['params'] if q not in params]
        if missing:
            raise SpecError(f'{where}: parameter(s) {missing} not given; this script does not '
                            "know cortexgpu's defaults, so every parameter must be explicit")
        params = {q: _number(params[q], f'{where}.params.{q}') for q in req['params']}
        for q in req['params']:
            if q.startswith(('tau_', 'c_m', 'g_l')) and not params[q] > 0:
                raise SpecError(f'{where}.params.{q} must be > 0')
        if params['t_ref_ms'] < 0:
            raise SpecError(f'{where}.params.t_ref_ms must be >= 0')
        initial = p.get('initial', {})
        _check_keys(initial, req['initial'], where + '.initial')
        for q, d in initial.items():
            _check_distribution(d, f'{where}.initial.{q}')
        out['populations'].append({'name': name, 'size': size, 'model': model,
                                   'params': params, 'initial': dict(initial)})
    models = {p['name']: p['model'] for p in out['populations']}
    sizes = {p['name']: p['size'] for p in out['populations']}

    out['projections'] = []
    for k, pr in enumerate(spec.get('projections', []) or []):
        where = f'projections[{k}]'
        _check_keys(pr, ['name', 'source', 'target', 'connector', 'weight', 'delay_ms',
                         'receptor'], where)
        for end in ('source', 'target'):
            if pr.get(end) not in names:
                raise SpecError(f'{where}: unknown {end} population {pr.get(end)!r}')
        conn = pr.get('connector')
        if not isinstance(conn, dict) or 'type' not in conn:
            raise SpecError(f'{where}: connector missing or without "type"')
        ctype = conn['type']
        if ctype == 'fixed_indegree':
            _check_keys(conn, ['type', 'indegree', 'autapses', 'multapses'], where + '.connector')
            indeg = conn.get('indegree')
            if isinstance(indeg, bool) or not isinstance(indeg, int) or indeg < 0:
                raise SpecError(f'{where}: indegree must be a non-negative integer')
        elif ctype == 'fixed_probability':
            _check_keys(conn, ['type', 'p', 'autapses'], where + '.connector')
            pp = _number(conn.get('p'), where + '.connector.p', minimum=0)
            if pp > 1:
                raise SpecError(f'{where}: p must be <= 1')
        else:
            raise SpecError(f'{where}: connector type {ctype!r} not supported '
                            '(supported: fixed_indegree, fixed_probability)')
        for flag in ('autapses', 'multapses'):
            if flag in conn and not isinstance(conn[flag], bool):
                raise SpecError(f'{where}.connector.{flag} must be true or false')
        if ctype == 'fixed_indegree' and conn.get('multapses', True) is False:
            pool = sizes[pr['source']] - (1 if (pr['source'] == pr['target']
                                                and not conn.get('autapses', True)) else 0)
            if conn['indegree'] > pool:
                raise SpecError(f'{where}: indegree {conn["indegree"]} > {pool} possible '
                                'distinct sources with multapses: false')
        receptor = pr.get('receptor', 'excitatory')
        if receptor not in RECEPTORS:
            raise SpecError(f'{where}: receptor {receptor!r} not supported')
        weight = _number(pr.get('weight'), where + '.weight', minimum=0)
        delay = _number(pr.get('delay_ms', out['dt_ms']), where + '.delay_ms', minimum=0)
        delay_steps = max(1, int(round(delay / out['dt_ms'])))
        out['projections'].append({
            'name': pr.get('name', f'{pr["source"]}->{pr["target"]}#{k}'),
            'source': pr['source'], 'target': pr['target'], 'connector': dict(conn),
            'weight': weight, 'delay_steps': delay_steps, 'receptor': receptor,
            'target_model': models[pr['target']],
        })

    out['inputs'] = []
    for k, inp in enumerate(spec.get('inputs', []) or []):
        where = f'inputs[{k}]'
        if not isinstance(inp, dict) or inp.get('type') != 'poisson':
            raise SpecError(f'{where}: input type {inp.get("type") if isinstance(inp, dict) else inp!r} '
                            'not supported (only "poisson")')
        _check_keys(inp, ['type', 'target', 'rate_hz', 'n_sources', 'weight', 'receptor'], where)
        if inp.get('target') not in names:
            raise SpecError(f'{where}: unknown target population {inp.get("target")!r}')
        n_src = inp.get('n_sources', 1)
        if isinstance(n_src, bool) or not isinstance(n_src, int) or n_src < 1:
            raise SpecError(f'{where}: n_sources must be a positive integer')
        receptor = inp.get('receptor', 'excitatory')
        if receptor not in RECEPTORS:
            raise SpecError(f'{where}: receptor {receptor!r} not supported')
        out['inputs'].append({
            'target': inp['target'], 'n_sources': n_src, 'receptor': receptor,
            'rate_hz': _number(inp.get('rate_hz'), where + '.rate_hz', minimum=0),
            'weight': _number(inp.get('weight'), where + '.weight', minimum=0),
            'target_model': models[inp['target']],
        })

    for k, rec in enumerate(spec.get('recorders', []) or []):
        if not isinstance(rec, dict) or rec.get('type') not in (
                'spikes', 'population_rate', 'spike_counts', 'state'):
            raise SpecError(f'recorders[{k}]: unknown recorder {rec!r}')
    return out


# --------------------------------------------------------------------------------------
# Random draws (numpy, seeded from the spec)
# --------------------------------------------------------------------------------------

def draw_distribution(d, n, rng):
    if isinstance(d, (int, float)):
        return np.full(n, float(d))
    if 'uniform' in d:
        lo, hi = d['uniform']
        return rng.uniform(lo, hi, size=n)
    vals = rng.normal(d['normal']['mean'], d['normal']['std'], size=n)
    return np.clip(vals, d.get('min', -np.inf), d.get('max', np.inf))


def draw_connections(conn, n_src, n_tgt, same_pop, rng):
    """Return (pre, post) index arrays (int32) for one projection."""
    autapses = conn.get('autapses', True) or not same_pop
    if conn['type'] == 'fixed_indegree':
        k = conn['indegree']
        multapses = conn.get('multapses', True)
        pool = n_src if autapses else n_src - 1
        if k == 0 or n_tgt == 0:
            return np.zeros(0, np.int32), np.zeros(0, np.int32)
        if pool < 1:
            raise SpecError('fixed_indegree: no admissible source (single-neuron population '
                            'without autapses)')
        post = np.repeat(np.arange(n_tgt, dtype=np.int64), k)
        if multapses:
            pre = rng.integers(0, pool, size=n_tgt * k, dtype=np.int64)
        else:
            pre = np.concatenate([rng.choice(pool, size=k, replace=False)
                                  for _ in range(n_tgt)]).astype(np.int64)
        if not autapses:
            # Drew from pool = n_src - 1 values; skip the target's own index.
            pre = pre + (pre >= post)
        return pre.astype(np.int32), post.astype(np.int32)

    # fixed_probability: every (source, target) pair independently with probability p.
    p = float(conn['p'])
    pres, posts = [], []
    chunk = max(1, int(4_000_000 // max(n_src, 1)))
    for t0 in range(0, n_tgt, chunk):
        t1 = min(n_tgt, t0 + chunk)
        mask = rng.random((t1 - t0, n_src)) < p
        if not autapses:
            rows = np.arange(t0, t1)
            mask[rows - t0, rows] = False
        tt, ss = np.nonzero(mask)
        pres.append(ss.astype(np.int32))
        posts.append((tt + t0).astype(np.int32))
    return np.concatenate(pres), np.concatenate(posts)


# --------------------------------------------------------------------------------------
# Brian2 network
# --------------------------------------------------------------------------------------

def build_network(b2, spec, refractory_input, refractory_convention='cortexgpu'):
    """Create all Brian2 objects; returns (Network, {pop: SpikeMonitor}, info)."""
    ms, mV, nS, pF, Hz = b2.ms, b2.mV, b2.nS, b2.pF, b2.Hz
    b2.start_scope()
    b2.defaultclock.dt = spec['dt_ms'] * ms
    b2.seed(spec['seed'])
    rng = np.random.default_rng(spec['seed'])

    groups, monitors, objects = {}, {}, []
    info = {'n_synapses': {}, 'methods': {}}
    for pop in spec['populations']:
        q = pop['params']
        if pop['model'] == 'lif_psc_delta':
            if refractory_input == 'drop':
                # (unless refractory) also makes Brian2 discard every write to v (synaptic
                # and Poisson input) while the neuron is refractory.
                eqs = 'dv/dt = (e_l - v) / tau_m : volt (unless refractory)'
            else:
                eqs = 'dv/dt = int(not_refractory) * (e_l - v) / tau_m : volt'
            namespace = {'tau_m': q['tau_m_ms'] * ms, 'e_l': q['e_l_mV'] * mV,
                         'v_th': q['v_th_mV'] * mV, 'v_reset': q['v_reset_mV'] * mV}
            method = 'exact'
        else:  # lif_cond_exp
            eqs = '''
            dv/dt = (g_l * (e_l - v) + g_ex * (e_ex - v) + g_in * (e_in - v)) / c_m : volt (unless refractory)
            dg_ex/dt = -g_ex / tau_ex : siemens
            dg_in/dt = -g_in / tau_in : siemens
            '''
            namespace = {'c_m': q['c_m_pF'] * pF, 'g_l': q['g_l_nS'] * nS,
                         'e_l': q['e_l_mV'] * mV, 'e_ex': q['e_ex_mV'] * mV,
                         'e_in': q['e_in_mV'] * mV, 'v_th': q['v_th_mV'] * mV,
                         'v_reset': q['v_reset_mV'] * mV,
                         'tau_ex': q['tau_syn_ex_ms'] * ms, 'tau_in': q['tau_syn_in_ms'] * ms}
            method = 'exponential_euler'
        g = b2.NeuronGroup(pop['size'], eqs, threshold='v >= v_th', reset='v = v_reset',
                           refractory=refractory_period(q['t_ref_ms'], spec['dt_ms'],
                                                        refractory_convention) * ms,
                           method=method,
                           namespace=namespace, name=f'pop_{pop["name"]}')
        # Default initial state: v at rest, conductances 0; then the spec's `initial`.
        g.v = q['e_l_mV'] * mV
        units = {'v_mV': ('v', mV), 'g_ex_nS': ('g_ex', nS), 'g_in_nS': ('g_in', nS)}
        for key, dist in pop['initial'].items():
            var, unit = units[key]
            setattr(g, var, draw_distribution(dist, pop['size'], rng) * unit)
        groups[pop['name']] = g
        info['methods'][pop['name']] = method
        mon = b2.SpikeMonitor(g, name=f'spikes_{pop["name"]}')
        monitors[pop['name']] = mon
        objects += [g, mon]

    sizes = {p['name']: p['size'] for p in spec['populations']}
    for k, pr in enumerate(spec['projections']):
        pre, post = draw_connections(pr['connector'], sizes[pr['source']], sizes[pr['target']],
                                     pr['source'] == pr['target'], rng)
        info['n_synapses'][pr['name']] = int(pre.size)
        if pre.size == 0:
            continue
        exc = pr['receptor'] == 'excitatory'
        if pr['target_model'] == 'lif_psc_delta':
            w = (1 if exc else -1) * pr['weight'] * mV
            on_pre = 'v_post += w_syn'
        else:
            w = pr['weight'] * nS
            on_pre = 'g_ex_post += w_syn' if exc else 'g_in_post += w_syn'
        s = b2.Synapses(groups[pr['source']], groups[pr['target']], on_pre=on_pre,
                        delay=pr['delay_steps'] * spec['dt_ms'] * ms,
                        namespace={'w_syn': w}, name=f'syn_{k}')
        s.connect(i=pre, j=post)
        objects.append(s)

    for k, inp in enumerate(spec['inputs']):
        exc = inp['receptor'] == 'excitatory'
        if inp['target_model'] == 'lif_psc_delta':
            var = 'v'
            weight = (1 if exc else -1) * inp['weight'] * mV
        else:
            var = 'g_ex' if exc else 'g_in'
            weight = inp['weight'] * nS
        objects.append(b2.PoissonInput(groups[inp['target']], var, N=inp['n_sources'],
                                       rate=inp['rate_hz'] * Hz, weight=weight))
    return b2.Network(*objects), monitors, info


def refractory_period(t_ref_ms, dt_ms, convention):
    """The ``refractory`` (ms) to give Brian2 for a spec's ``t_ref_ms``.

    Brian2 integrates v again in the step where ``timestep(t - lastspike) >=
    timestep(refractory)``, so ``refractory = n·dt`` holds v for n - 1 steps after the spike
    step (shortest ISI n·dt); cortexgpu (``lif_fire``), like NEST, holds it for
    n = round(t_ref/dt) steps (shortest ISI (n + 1)·dt, and the ISI under a constant drive is
    t_ref plus the time to threshold rounded up to the grid). ``cortexgpu`` asks Brian2 for
    (n + 1)·dt, which holds v for the same n steps.
    """
    n = int(round(t_ref_ms / dt_ms))
    if convention == 'brian2' or n == 0:
        return t_ref_ms
    return (n + 1) * dt_ms


def run_standalone(b2, spec, duration_ms, refractory_input, threads, keep_build,
                   refractory_convention='cortexgpu'):
    build_dir = tempfile.mkdtemp(prefix='brian2_standalone_')
    b2.set_device('cpp_standalone', directory=build_dir, build_on_run=False)
    if threads:
        b2.prefs.devices.cpp_standalone.openmp_threads = threads
    try:
        t0 = time.perf_counter()
        net, monitors, info = build_network(b2, spec, refractory_input, refractory_convention)
        net.run(duration_ms * b2.ms)
        t_py = time.perf_counter()
        try:
            b2.device.build(directory=build_dir, compile=True, run=True, debug=False)
        except Exception as e:  # noqa: BLE001 - compiler / run failure: caller falls back
            raise StandaloneFailed(f'{type(e).__name__}: {str(e).strip()[:500]}') from e
        t1 = time.perf_counter()
        spikes = {name: (np.asarray(m.i[:], dtype=np.int64), np.asarray(m.t[:] / b2.ms))
                  for name, m in monitors.items()}
        timers = b2.device.timers
        compile_s = sum(v for v in timers.get('compile', {}).values() if v)
        timing = {
            'wall_s': t1 - t0,
            'python_setup_s': t_py - t0,
            'compile_s': compile_s,
            'run_binary_s': timers.get('run_binary'),
            'wall_run_s': getattr(b2.device, '_last_run_time', None),
        }
        timing['wall_build_s'] = t_py - t0 + compile_s
        return spikes, timing, info, build_dir
    finally:
        if not keep_build:
            shutil.rmtree(build_dir, ignore_errors=True)


def run_runtime(b2, spec, duration_ms, refractory_input, codegen, refractory_convention='cortexgpu'):
    b2.prefs.codegen.target = codegen
    t0 = time.perf_counter()
    net, monitors, info = build_network(b2, spec, refractory_input, refractory_convention)
    t1 = time.perf_counter()
    # Code generation / compilation happens in before_run; time it separately.
    net.run(0 * b2.ms)  # code generation + compilation; the real run reuses the cache
    t2 = time.perf_counter()
    net.run(duration_ms * b2.ms)
    t3 = time.perf_counter()
    spikes = {name: (np.asarray(m.i[:], dtype=np.int64), np.asarray(m.t[:] / b2.ms))
              for name, m in monitors.items()}
    timing = {'wall_s': t3 - t0, 'python_setup_s': t1 - t0, 'codegen_s': t2 - t1,
              'wall_build_s': t2 - t0, 'wall_run_s': t3 - t2}
    return spikes, timing, info


# --------------------------------------------------------------------------------------
# Statistics and output
# --------------------------------------------------------------------------------------

# Agreement criterion of the comparison (stated in comparison.md).
REL_TOLERANCE = 0.10   # relative difference always accepted (different random realisations)
SE_FACTOR = 2.0        # ... or this many combined standard errors, whichever is larger
BLOCK_MS = 100.0       # blocks for the standard error of the rate over time


def population_stats(steps, neurons, recorded, size, dt_ms, warmup_ms, duration_ms):
    """Rate and CV ISI of one population's recorded spikes, with standard errors.

    ``steps``/``neurons``: step and population index of every spike (one trial);
    ``recorded``: the recorded neurons (rates divide by their number, not by ``size``).
    Same definitions as cortexgpu's ``spikeStatistics``: spikes in steps
    [round(warmup/dt), round(duration/dt)); CV = std(ISI, ddof=0)/mean(ISI) per neuron with
    >= 3 spikes in the window, averaged over those neurons.
    """
    recorded = np.asarray(recorded, dtype=np.int64)
    n_rec = recorded.size
    from_step = int(round(warmup_ms / dt_ms))
    to_step = int(round(duration_ms / dt_ms))
    keep = (steps >= from_step) & (steps < to_step) & np.isin(neurons, recorded)
    steps, neurons = steps[keep], neurons[keep]
    window_s = (to_step - from_step) * dt_ms * 1e-3
    rate = steps.size / (n_rec * window_s) if n_rec else 0.0
    # Per-neuron rates: SE across neurons.
    counts = np.bincount(neurons, minlength=size)[recorded]
    per_neuron = counts / window_s
    se_neurons = float(per_neuron.std(ddof=1) / math.sqrt(n_rec)) if n_rec > 1 else 0.0
    # Population rate in BLOCK_MS blocks: SE over time (slow network fluctuations, which the
    # SE across neurons misses because they are shared by all neurons).
    block_steps = max(1, int(round(BLOCK_MS / dt_ms)))
    n_blocks = (to_step - from_step) // block_steps
    se_blocks = 0.0
    if n_blocks >= 2 and n_rec:
        in_blocks = steps < from_step + n_blocks * block_steps
        per_block = np.bincount((steps[in_blocks] - from_step) // block_steps, minlength=n_blocks)
        block_rates = per_block / (n_rec * block_steps * dt_ms * 1e-3)
        se_blocks = float(block_rates.std(ddof=1) / math.sqrt(n_blocks))
    order = np.lexsort((steps, neurons))
    steps, neurons = steps[order], neurons[order]
    per = np.bincount(neurons, minlength=size)
    starts = np.concatenate([[0], np.cumsum(per)[:-1]])
    cvs = []
    for n in np.nonzero(per >= 3)[0]:
        isi = np.diff(steps[starts[n]:starts[n] + per[n]]).astype(np.float64)
        m = isi.mean()
        if m > 0:
            cvs.append(isi.std() / m)
    cvs = np.asarray(cvs)
    return {
        'size': int(size),
        'n_recorded': int(n_rec),
        'rate_hz': float(rate),
        'rate_se_hz': max(se_neurons, se_blocks),
        'rate_se_neurons_hz': se_neurons,
        'rate_se_blocks_hz': se_blocks,
        'cv_isi': float(cvs.mean()) if cvs.size else None,
        'cv_isi_se': float(cvs.std(ddof=1) / math.sqrt(cvs.size)) if cvs.size > 1 else None,
        'n_neurons_cv': int(cvs.size),
        'n_spikes': int(steps.size),
        'fraction_silent': float(np.mean(counts == 0)) if n_rec else None,
    }


def read_run_folder_spikes(run_dir, summary):
    """Spikes of a run folder (cortexgpu's layout): {pop: (steps, neurons, recorded)}, trial 0."""
    out = {}
    for name, pop in summary['populations'].items():
        path = os.path.join(run_dir, f'spikes_{name}.npy')
        if not os.path.exists(path):
            continue
        table = np.load(path)
        if table.ndim != 2 or table.shape[1] != 3:
            raise ValueError(f'{path}: expected an N x 3 table (step, trial, neuron), got {table.shape}')
        table = table[table[:, 1] == 0].astype(np.int64)
        npath = os.path.join(run_dir, f'spikes_{name}_neurons.npy')
        if os.path.exists(npath):
            recorded = np.load(npath).astype(np.int64)
        elif pop.get('n_recorded', pop['size']) == pop['size']:
            recorded = np.arange(pop['size'])
        else:
            raise ValueError(f'{npath} is missing: cannot tell which neurons were recorded')
        out[name] = (table[:, 0], table[:, 2], recorded)
    return out


def write_run_folder(out_dir, spike_steps, summary):
    """Write Brian2's spikes in cortexgpu's run-folder layout (``cortexgpu plot`` reads it)."""
    files = []
    for name, (steps, neurons) in spike_steps.items():
        size = summary['populations'][name]['size']
        order = np.lexsort((neurons, steps))
        steps, neurons = steps[order], neurons[order]
        table = np.stack([steps, np.zeros_like(steps), neurons], axis=1).astype('<u4')
        stem = f'spikes_{name}'
        np.save(os.path.join(out_dir, f'{stem}.npy'), table)
        np.save(os.path.join(out_dir, f'{stem}_times_ms.npy'), (steps * summary['dt_ms']).astype('<f8'))
        np.save(os.path.join(out_dir, f'{stem}_neurons.npy'), np.arange(size, dtype='<u4'))
        files += [
            {'name': f'{stem}.npy', 'shape': list(table.shape),
             'description': 'spikes, one row (step, trial, neuron) each, sorted by step, trial, neuron'},
            {'name': f'{stem}_times_ms.npy', 'shape': [int(steps.size)],
             'description': 'time of each spike, ms (step · dt)'},
            {'name': f'{stem}_neurons.npy', 'shape': [int(size)],
             'description': 'population index of each recorded neuron'},
        ]
    summary['files'] = files
    with open(os.path.join(out_dir, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)
        f.write('\n')


def _fmt(x, digits=2):
    if x is None:
        return '—'
    if isinstance(x, (int, float)):
        return f'{x:.{digits}f}'
    return str(x)


def verdict(c, b, se_c, se_b):
    """Agreement of two estimates: |c - b| <= max(REL_TOLERANCE * mean, SE_FACTOR * SE)."""
    if c is None or b is None:
        return {'cortexgpu': c, 'brian2': b, 'verdict': 'n/a'}
    se = math.sqrt((se_c or 0.0) ** 2 + (se_b or 0.0) ** 2)
    tol = max(REL_TOLERANCE * abs(c + b) / 2, SE_FACTOR * se)
    diff = c - b
    return {'cortexgpu': c, 'brian2': b, 'diff': diff,
            'rel_diff': diff / b if b else None, 'combined_se': se, 'tolerance': tol,
            'verdict': 'agree' if abs(diff) <= tol else 'DIFFER'}


def write_comparison(out_dir, spec, brian, brian_stats, cgpu, cgpu_stats, cgpu_dir):
    """comparison.md and comparison.json: statistics with verdicts, loop and total times."""
    pops = [p for p in brian_stats]
    pops += [p for p in cgpu_stats if p not in pops]
    rows, comp_pops = [], {}
    for name in pops:
        c, b = cgpu_stats.get(name, {}), brian_stats.get(name, {})
        r = verdict(c.get('rate_hz'), b.get('rate_hz'), c.get('rate_se_hz'), b.get('rate_se_hz'))
        v = verdict(c.get('cv_isi'), b.get('cv_isi'), c.get('cv_isi_se'), b.get('cv_isi_se'))
        comp_pops[name] = {'size': b.get('size', c.get('size')),
                           'n_recorded': {'cortexgpu': c.get('n_recorded'), 'brian2': b.get('n_recorded')},
                           'rate_hz': r, 'cv_isi': v,
                           'verdict': 'agree' if r['verdict'] == v['verdict'] == 'agree' else 'DIFFER'}

        def cell(x, se, digits):
            return '—' if x is None else f'{x:.{digits}f} ± {se:.{digits}f}' if se else f'{x:.{digits}f}'

        def delta(d, digits):
            if d['verdict'] == 'n/a':
                return '—', '—'
            rel = f' ({100 * d["rel_diff"]:+.1f} %)' if d.get('rel_diff') is not None else ''
            return f'{d["diff"]:+.{digits}f}{rel}', f'±{d["tolerance"]:.{digits}f}'

        rd, rt = delta(r, 2)
        vd, vt = delta(v, 3)
        rows.append(f'| {name} | {cell(c.get("rate_hz"), c.get("rate_se_hz"), 2)} | '
                    f'{cell(b.get("rate_hz"), b.get("rate_se_hz"), 2)} | {rd} | {rt} | **{r["verdict"]}** | '
                    f'{cell(c.get("cv_isi"), c.get("cv_isi_se"), 3)} | '
                    f'{cell(b.get("cv_isi"), b.get("cv_isi_se"), 3)} | {vd} | {vt} | **{v["verdict"]}** |')

    notes = []
    for key in ('dt_ms', 'duration_ms'):
        if cgpu.get(key) is not None and abs(cgpu[key] - brian[key]) > 1e-9:
            notes.append(f'**Warning:** {key} differs: cortexgpu {cgpu[key]}, Brian2 {brian[key]}.')
    if cgpu.get('warmup_ms') is not None and abs(cgpu['warmup_ms'] - brian['warmup_ms']) > 1e-9:
        notes.append(f'Note: cortexgpu\'s summary used a {cgpu["warmup_ms"]} ms warm-up; both columns '
                     f'here are recomputed from the spikes with {brian["warmup_ms"]} ms.')
    for name in pops:
        cs = cgpu.get('populations', {}).get(name, {}).get('size')
        bs = brian['populations'].get(name, {}).get('size')
        if cs is not None and bs is not None and cs != bs:
            notes.append(f'**Warning:** population {name} size differs: cortexgpu {cs}, Brian2 {bs}.')
        if name not in cgpu_stats or name not in brian_stats:
            notes.append(f'**Warning:** population {name} has spikes in only one of the runs.')
        own = cgpu.get('populations', {}).get(name, {}).get('rate_hz')
        if own is not None and name in cgpu_stats and cgpu.get('warmup_ms') == brian['warmup_ms'] \
                and abs(own - cgpu_stats[name]['rate_hz']) > 1e-6 * max(1.0, own):
            notes.append(f'**Warning:** population {name}: rate recomputed from the spikes '
                         f'({cgpu_stats[name]["rate_hz"]:.4f} Hz) differs from cortexgpu\'s summary ({own:.4f} Hz).')

    ct, bt = cgpu.get('total_s'), brian.get('total_s')
    timing = {
        'loop': {'cortexgpu': cgpu.get('wall_s'), 'brian2': brian.get('wall_s')},
        'total': {'cortexgpu': ct, 'brian2': bt},
        'cortexgpu_construction_s': cgpu.get('construction_s'),
        'brian2_setup_s': brian['timing_detail_s'].get('python_setup_s'),
        'brian2_compile_s': brian['timing_detail_s'].get('compile_s', brian['timing_detail_s'].get('codegen_s')),
    }

    def ratio(a, b):
        return f'{a / b:.2f}' if a and b else '—'

    loop_c, loop_b = timing['loop']['cortexgpu'], timing['loop']['brian2']
    md = [
        f'# cortexgpu vs Brian2: {spec["name"]}',
        '',
        f'- spec: `{brian["spec_file"]}`; dt = {brian["dt_ms"]} ms, duration = {brian["duration_ms"]} ms, '
        f'statistics from t >= {brian["warmup_ms"]} ms (both columns recomputed from the spike files by this script)',
        f'- cortexgpu: run folder `{cgpu_dir}` (adapter: {cgpu.get("adapter", "?")})',
        f'- Brian2: {brian["simulator"]}, device `{brian["device"]}`, run folder `{out_dir}`',
        '',
        '| population | rate Hz cortexgpu | rate Hz Brian2 | Δ rate | tolerance | rate | '
        'CV ISI cortexgpu | CV ISI Brian2 | Δ CV | tolerance | CV |',
        '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|',
        *rows,
        '',
        f'**Verdict criterion:** two values agree when |Δ| ≤ max({REL_TOLERANCE:.0%} of their mean, '
        f'{SE_FACTOR:g} · SE), SE = √(SE_cortexgpu² + SE_Brian2²). Rate SE: the larger of the SE across '
        f'recorded neurons and the SE over {BLOCK_MS:g} ms blocks of the population rate (slow network '
        'fluctuations, shared by all neurons, which the SE across neurons does not see). CV SE: across '
        'neurons with ≥ 3 spikes. The relative floor covers what one run cannot measure: the two '
        'simulators draw different connectivity, initial states and inputs from the same distributions, '
        'so only statistical agreement is expected, and a network-to-network spread of some per cent is '
        'normal; a modelling error (a wrong synapse, reset or refractory rule) moves these statistics '
        'by more.',
        '',
        '| wall-clock, s | cortexgpu | Brian2 | cortexgpu / Brian2 |',
        '|---|---:|---:|---:|',
        f'| simulation loop only | {_fmt(loop_c)} | {_fmt(loop_b)} | {ratio(loop_c, loop_b)} |',
        f'| total (construction + loop + output) | {_fmt(ct)} | {_fmt(bt)} | {ratio(ct, bt)} |',
        f'| of which construction | {_fmt(timing["cortexgpu_construction_s"])} (GPU buffers, pipelines, connectivity) | '
        f'{_fmt(timing["brian2_setup_s"])} setup + {_fmt(timing["brian2_compile_s"])} code generation / compilation | |',
        '',
        'Loop: cortexgpu `wall_s` (the run loop, recordings drained) vs Brian2\'s own timing of its '
        'simulation loop (standalone: `network.run` inside the compiled binary). Total: cortexgpu '
        '`total_s` (spec, GPU device, construction, loop, read-back, statistics) vs Brian2 from the '
        'first network object to results in memory (connectivity drawn by numpy, code generation, '
        'C++ compilation, binary run). Neither includes the interpreter\'s start-up and imports.',
    ]
    if notes:
        md += [''] + notes
    with open(os.path.join(out_dir, 'comparison.md'), 'w') as f:
        f.write('\n'.join(md) + '\n')
    comp = {
        'network': spec['name'],
        'spec_file': brian['spec_file'],
        'cortexgpu_run': cgpu_dir,
        'brian2_run': out_dir,
        'warmup_ms': brian['warmup_ms'],
        'criterion': {'relative': REL_TOLERANCE, 'se_factor': SE_FACTOR, 'block_ms': BLOCK_MS},
        'populations': comp_pops,
        'wall_s': timing,
        'cortexgpu_stats': cgpu_stats,
        'brian2_stats': brian_stats,
        'warnings': notes,
    }
    with open(os.path.join(out_dir, 'comparison.json'), 'w') as f:
        json.dump(comp, f, indent=2)
        f.write('\n')
    return comp


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('spec', help='cortexgpu network spec JSON')
    ap.add_argument('--duration', type=float, default=None,
                    help="simulated time, ms (default: the spec's run.duration_ms, else 1000)")
    ap.add_argument('--warmup', type=float, default=None,
                    help="initial transient excluded from the statistics, ms (default: the spec's "
                         'run.warmup_ms, else min(200, duration/5), as `cortexgpu run`)')
    ap.add_argument('--out', required=True, help='output directory (a run folder: summary.json + spikes_*.npy)')
    ap.add_argument('--cortexgpu', metavar='RUN_DIR',
                    help="cortexgpu run folder (or its summary.json) to compare against")
    ap.add_argument('--device', choices=['auto', 'cpp_standalone', 'runtime'], default='auto',
                    help='auto: C++ standalone, falling back to runtime if it fails (default)')
    ap.add_argument('--codegen', choices=['auto', 'cython', 'numpy'], default='auto',
                    help='code generation target in runtime mode (auto: cython if available)')
    ap.add_argument('--threads', type=int, default=0,
                    help='OpenMP threads for C++ standalone (0 = single-threaded, default)')
    ap.add_argument('--refractory-input', choices=['drop', 'keep'], default='drop',
                    help='lif_psc_delta: discard (default) or apply spikes arriving while '
                         'the target neuron is refractory (v is then not clamped at reset)')
    ap.add_argument('--refractory-convention', choices=['cortexgpu', 'brian2'], default='cortexgpu',
                    help='cortexgpu (default): v is held at v_reset for round(t_ref/dt) steps after '
                         'the spike step, as in cortexgpu and NEST (shortest ISI t_ref + dt); '
                         "brian2: Brian2's own refractory=t_ref, which holds it one step less "
                         '(shortest ISI t_ref)')
    ap.add_argument('--keep-build', action='store_true',
                    help='keep the C++ standalone build directory (path is printed)')
    args = ap.parse_args(argv)

    try:
        with open(args.spec) as f:
            raw = json.load(f)
        spec = validate_spec(raw)
    except SpecError as e:
        sys.exit(f'brian2_compare: unsupported or invalid spec {args.spec}: {e}')
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f'brian2_compare: cannot read spec {args.spec}: {e}')

    # Flags override the spec's run block, as in `cortexgpu run`.
    if args.duration is None:
        args.duration = spec['run'].get('duration_ms', 1000.0)
    if args.warmup is None:
        args.warmup = spec['run'].get('warmup_ms', min(200.0, args.duration / 5))
    if not args.duration > 0:
        ap.error('--duration must be > 0')
    if not 0 <= args.warmup < args.duration:
        ap.error('--warmup must be >= 0 and smaller than --duration')

    cgpu, cgpu_dir, cgpu_spikes = None, None, None
    if args.cortexgpu:
        cgpu_dir = args.cortexgpu if os.path.isdir(args.cortexgpu) else os.path.dirname(args.cortexgpu)
        path = os.path.join(cgpu_dir, 'summary.json')
        try:
            with open(path) as f:
                cgpu = json.load(f)
            if not isinstance(cgpu, dict) or not isinstance(cgpu.get('populations'), dict):
                raise ValueError('no "populations" object')
            cgpu_spikes = read_run_folder_spikes(cgpu_dir, cgpu)
        except (OSError, ValueError) as e:
            sys.exit(f'brian2_compare: cannot read the cortexgpu run folder {cgpu_dir}: {e}')

    # Brian2 (and pythran, which it imports) emit deprecation noise with this numpy.
    warnings.filterwarnings('ignore', category=FutureWarning)
    warnings.filterwarnings('ignore', category=DeprecationWarning)
    import brian2 as b2

    n_neurons = sum(p['size'] for p in spec['populations'])
    print(f'[brian2_compare] {spec["name"]}: {len(spec["populations"])} populations, '
          f'{n_neurons} neurons, {len(spec["projections"])} projections, '
          f'{len(spec["inputs"])} Poisson inputs; dt={spec["dt_ms"]} ms, '
          f'duration={args.duration} ms, Brian2 {b2.__version__}', flush=True)

    device_used, timing, spikes, info = None, None, None, None
    if args.device in ('auto', 'cpp_standalone'):
        try:
            spikes, timing, info, build_dir = run_standalone(
                b2, spec, args.duration, args.refractory_input, args.threads, args.keep_build,
                args.refractory_convention)
            device_used = 'cpp_standalone'
            if args.keep_build:
                print(f'[brian2_compare] standalone project kept in {build_dir}')
        except SpecError as e:
            sys.exit(f'brian2_compare: unsupported or invalid spec {args.spec}: {e}')
        except StandaloneFailed as e:
            if args.device == 'cpp_standalone':
                sys.exit(f'brian2_compare: C++ standalone mode failed: {e}')
            print(f'[brian2_compare] NOTE: C++ standalone mode failed ({e}); '
                  'falling back to runtime mode.', flush=True)
            b2.device.reinit()
            b2.set_device('runtime')
    if device_used is None:
        if args.codegen == 'auto':
            from brian2.devices.device import auto_target
            candidates = ['cython', 'numpy'] if auto_target().class_name == 'cython' else ['numpy']
        else:
            candidates = [args.codegen]
        for n_try, codegen in enumerate(candidates):
            try:
                spikes, timing, info = run_runtime(b2, spec, args.duration,
                                                   args.refractory_input, codegen,
                                                   args.refractory_convention)
                device_used = f'runtime ({codegen})'
                break
            except SpecError as e:
                sys.exit(f'brian2_compare: unsupported or invalid spec {args.spec}: {e}')
            except Exception as e:  # noqa: BLE001 - e.g. Cython cannot compile: try numpy
                if n_try + 1 == len(candidates):
                    raise
                print(f'[brian2_compare] NOTE: runtime mode with {codegen} code generation '
                      f'failed ({type(e).__name__}: {str(e).strip()[:300]}); trying '
                      f'{candidates[n_try + 1]}.', flush=True)

    dt = spec['dt_ms']
    spike_steps = {name: (np.rint(t_ms / dt).astype(np.int64), idx.astype(np.int64))
                   for name, (idx, t_ms) in spikes.items()}
    populations = {}
    for pop in spec['populations']:
        steps, neurons = spike_steps[pop['name']]
        populations[pop['name']] = population_stats(steps, neurons, np.arange(pop['size']), pop['size'],
                                                    dt, args.warmup, args.duration)

    summary = {
        'network': spec['name'],
        'simulator': f'brian2 {b2.__version__}',
        'adapter': f'brian2-{device_used.split(" ")[0]}',
        'device': device_used,
        'spec_file': args.spec,
        'dt_ms': dt,
        'duration_ms': args.duration,
        'steps': int(round(args.duration / dt)),
        'batch': 1,
        'warmup_ms': args.warmup,
        # Same meanings as in cortexgpu's summary: wall_s is the simulation loop only.
        'wall_s': timing.get('wall_run_s'),
        'total_s': timing['wall_s'],
        'construction_s': timing.get('wall_build_s'),
        'rtf': timing['wall_run_s'] / (args.duration / 1000) if timing.get('wall_run_s') else None,
        'timing_detail_s': timing,
        'seed': spec['seed'],
        'refractory_input': args.refractory_input,
        'refractory_convention': args.refractory_convention,
        'integration_methods': info['methods'],
        'n_synapses': info['n_synapses'],
        'populations': {name: {'size': s['size'], 'rate_hz': s['rate_hz'], 'cv_isi': s['cv_isi'],
                               'rate_from': 'spikes', 'n_recorded': s['n_recorded']}
                        for name, s in populations.items()},
    }
    os.makedirs(args.out, exist_ok=True)
    write_run_folder(args.out, spike_steps, summary)

    run_s = timing.get('wall_run_s')
    print(f'[brian2_compare] device: {device_used}; wall total {timing["wall_s"]:.2f} s, '
          f'build {timing.get("wall_build_s", float("nan")):.2f} s, simulation loop '
          + (f'{run_s:.2f} s' if run_s is not None else 'n/a'))
    print(f'[brian2_compare] synapses: {sum(info["n_synapses"].values())}')
    for name, s in populations.items():
        cv = f'{s["cv_isi"]:.3f}' if s['cv_isi'] is not None else 'n/a'
        print(f'[brian2_compare]   {name}: rate {s["rate_hz"]:.2f} Hz, CV ISI {cv} '
              f'({s["n_neurons_cv"]}/{s["size"]} neurons with >= 3 spikes)')
    if all(s['n_spikes'] == 0 for s in populations.values()):
        print(f'[brian2_compare] NOTE: no spikes after {args.warmup} ms: activity died out.')
    print(f'[brian2_compare] wrote the run folder {args.out} (summary.json, spikes_*.npy)')
    if cgpu is not None:
        cgpu_stats = {}
        for name, (steps, neurons, recorded) in cgpu_spikes.items():
            size = cgpu['populations'][name]['size']
            cgpu_stats[name] = population_stats(steps, neurons, recorded, size, cgpu.get('dt_ms', dt),
                                                args.warmup, cgpu.get('duration_ms', args.duration))
        comp = write_comparison(args.out, spec, summary, populations, cgpu, cgpu_stats, cgpu_dir)
        for name, p in comp['populations'].items():
            print(f'[brian2_compare]   {name}: {p["verdict"]} (rate {p["rate_hz"]["verdict"]}, '
                  f'CV ISI {p["cv_isi"]["verdict"]})')
        print(f'[brian2_compare] wrote {os.path.join(args.out, "comparison.md")} and comparison.json')
    return 0


if __name__ == '__main__':
    sys.exit(main())
