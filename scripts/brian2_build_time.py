#!/usr/bin/env python3
"""Brian2's build time for neuron models given as cortexgpu equation descriptions (which are in
Brian2's syntax): NeuronGroup creation (parsing, unit checks) plus code generation and
compilation of its code objects (state update, threshold, reset), for bench/model_build.mjs.

Reads a JSON array on stdin, one object per model:
  {"name", "equations", "threshold", "reset", "refractory", "method", "namespace"}
(namespace values are quantity strings such as "20*ms" or numbers; reset statements may be
separated by ";" as in cortexgpu, which this script turns into Brian2's newlines).

For each code-generation target (numpy, cython) — after an untimed warm-up build of another
model in the same target, reported as "warmup" — and each model:
  group_s    NeuronGroup(...) creation;
  build_s    Network(group).run(defaultclock.dt): code generation, compilation and one step
             (the step itself is microseconds for 1 neuron);
  total_s    group_s + build_s.
Cython compiles into a fresh, empty cache directory per model, so its time includes the
Cython -> C -> gcc compilation a first run pays (Brian2 reuses its cache on later runs).

Targets share caches within one process (sympy conversions, state-updater analysis), so
bench/model_build.mjs runs the script once per target.

Prints one JSON object on stdout: {"brian2": version, "python": version, "warmup", "models": {name:
{target: {group_s, build_s, total_s} or {error}}}}.

usage: /usr/bin/python3 scripts/brian2_build_time.py [--targets numpy,cython] < models.json
"""
import argparse
import json
import shutil
import sys
import tempfile
import time
import warnings

warnings.filterwarnings('ignore')


# The same warm-up model as bench/model_build.mjs: linear (exact), with a refractory period.
WARMUP_MODEL = {'name': 'warmup', 'equations': 'dx/dt = (1.5 - x)/tau_x : 1 (unless refractory)', 'threshold': 'x > 1', 'reset': 'x = 0',
                'refractory': '1*ms', 'namespace': {'tau_x': '7*ms'}, 'method': 'exact'}


def quantity(value, units):
    """A namespace value: numbers as they are, strings evaluated with Brian2's units."""
    if isinstance(value, (int, float)):
        return value
    return eval(str(value).replace('^', '**'), {'__builtins__': {}}, units)


def build(model, target, units):
    import brian2
    from brian2 import NeuronGroup, Network, defaultclock, ms, prefs, start_scope

    start_scope()
    prefs.codegen.target = target
    defaultclock.dt = 0.1 * ms
    cache = None
    if target == 'cython':
        cache = tempfile.mkdtemp(prefix='brian2-build-time-')
        prefs.codegen.runtime.cython.cache_dir = cache
    try:
        namespace = {k: quantity(v, units) for k, v in (model.get('namespace') or {}).items()}
        kwargs = {'namespace': namespace}
        if model.get('threshold'):
            kwargs['threshold'] = model['threshold']
        if model.get('reset'):
            kwargs['reset'] = '\n'.join(s.strip() for s in model['reset'].replace(';', '\n').split('\n') if s.strip())
        refractory = model.get('refractory')
        if refractory:
            try:
                kwargs['refractory'] = quantity(refractory, {**units, **namespace})
            except Exception:
                kwargs['refractory'] = refractory
        if model.get('method'):
            kwargs['method'] = model['method']
        started = time.perf_counter()
        group = NeuronGroup(1, model['equations'], **kwargs)
        created = time.perf_counter()
        net = Network(group)
        net.run(defaultclock.dt)
        done = time.perf_counter()
        return {'group_s': created - started, 'build_s': done - created, 'total_s': done - started}
    except Exception as error:  # reported per model; the benchmark prints it
        return {'error': f'{type(error).__name__}: {error}'.splitlines()[0][:300]}
    finally:
        if cache is not None:
            shutil.rmtree(cache, ignore_errors=True)
        del brian2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--targets', default='numpy,cython')
    args = parser.parse_args()
    models = json.load(sys.stdin)

    import brian2
    from brian2 import units as brian2_units
    from brian2.units import allunits

    units = {k: getattr(allunits, k) for k in dir(allunits) if not k.startswith('_')}
    units.update({k: getattr(brian2_units, k) for k in dir(brian2_units) if not k.startswith('_')})
    brian2.prefs.logging.console_log_level = 'ERROR'

    targets = [t for t in args.targets.split(',') if t]
    results = {model['name']: {} for model in models}
    warmup = {}
    for target in targets:
        # Untimed first build of another model: Brian2's lazy imports, template loading and (for
        # cython) the Cython compiler's start-up are paid once per process, not per model.
        warmup[target] = build(WARMUP_MODEL, target, units)
        for model in models:
            results[model['name']][target] = build(model, target, units)
    print(json.dumps({'brian2': brian2.__version__, 'python': sys.version.split()[0], 'warmup': warmup, 'models': results}))


if __name__ == '__main__':
    main()
