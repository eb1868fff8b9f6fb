// The timing protocol of the benchmark suite, shared by every runtime: Node (Dawn) imports it
// from bench/lib/node-runtime.mjs, the headless-Chrome bench page (bench/browser/main.mjs)
// bundles it with Vite. It imports nothing, so the same file runs in both.
//
// Protocol (the community rules of ../shared/benchmarks.md, as far as they apply):
//   1. the spec's recorders are replaced by one `population_rate` recorder per population with
//      a bin of one step: no spike recording during the timed run; the per-step counts give the
//      exact number of spikes, hence synaptic events (spikes × out-degree of each projection);
//   2. construction (GpuSimulator.create: planning, connectivity generated on the GPU, uploads,
//      pipelines) is timed on its own;
//   3. a warm-up run is discarded (its recordings cleared);
//   4. the timed run: RunReport.wallS is the simulation loop (encoding, submits, drains).
// Dispatches per step (sim.dispatchesPerStep over the timed steps), GPU memory (sim.memory)
// and steps per submit are read from the simulator before it is destroyed.
// What bounds the speed: the cost of one dispatch is measured once per runtime on a network of
// one neuron at one step per dispatch (measureDispatchCost); a network's dispatch overhead is
// that cost × its dispatches per step × steps, and the rest of its loop is kernel time (the GPU
// work and whatever of the host's encoding grows with it).

/** The dispatch-cost probe: one LIF neuron, no synapses, no recorders. */
export const DISPATCH_PROBE_SPEC = {
  name: 'dispatch cost probe (one neuron)',
  dt_ms: 0.1,
  seed: 1,
  populations: [{ name: 'probe', size: 1, model: 'lif_psc_exp' }],
  recorders: [],
};

/**
 * Wall-clock cost of one compute dispatch in this runtime: the probe network run at one step per
 * dispatch (its update and its propagation pass: 2 dispatches per step; never the persistent
 * schedule, which would run it in one dispatch per command buffer), loop time / dispatches.
 * @param {(spec: object, options?: object) => Promise<any>} create builds a GpuSimulator (runtime-specific)
 * @param {number} [steps] timed steps (default 3,000)
 */
export async function measureDispatchCost(create, steps = 3000) {
  const sim = await create(DISPATCH_PROBE_SPEC, { schedule: { stepsPerDispatch: 1, persistent: false } });
  try {
    await sim.run(20);
    const report = await sim.run(steps * DISPATCH_PROBE_SPEC.dt_ms);
    const perStep = sim.dispatchesPerStep(0, report.steps).total;
    return { dispatch_cost_us: (report.wallS / report.steps / perStep) * 1e6, probe_steps: report.steps, probe_dispatches_per_step: perStep };
  } finally {
    sim.destroy();
  }
}

/**
 * Name of spec projection `index`, as the engine names it (`name`, else `SOURCE->TARGET#index`).
 * @param {{ name?: string, source: string, target: string }} projection
 * @param {number} index
 */
export function projectionName(projection, index) {
  return projection.name ?? `${projection.source}->${projection.target}#${index}`;
}

/**
 * The spec as timed: every recorder replaced by a `population_rate` recorder of one step per
 * population (spike counts per step for spiking populations, mean output for rate units).
 * @template {{ dt_ms: number, populations: { name: string }[], recorders?: unknown[] }} S
 * @param {S} spec
 * @returns {S}
 */
export function timingSpec(spec) {
  return {
    ...spec,
    recorders: spec.populations.map((p) => ({ type: 'population_rate', population: p.name, bin_ms: spec.dt_ms })),
  };
}

/**
 * Synapses of one projection expected from its connector (exact except fixed_probability,
 * which gives the mean). Used where the engine reports no count (projections built on the host).
 * @param {{ connector: Record<string, unknown> & { type: string }, source: string, target: string }} projection
 * @param {Map<string, number>} sizes population sizes by name
 * @returns {{ synapses: number, exact: boolean }}
 */
export function expectedSynapses(projection, sizes) {
  const ns = sizes.get(projection.source) ?? 0;
  const nt = sizes.get(projection.target) ?? 0;
  const c = projection.connector;
  const self = projection.source === projection.target && c.autapses === false;
  switch (c.type) {
    case 'fixed_indegree': return { synapses: Number(c.indegree) * nt, exact: true };
    case 'fixed_total_number': return { synapses: Number(c.n), exact: true };
    case 'fixed_probability': return { synapses: Number(c.p) * (ns * nt - (self ? nt : 0)), exact: false };
    case 'all_to_all': return { synapses: ns * nt - (self ? nt : 0), exact: true };
    case 'one_to_one': return { synapses: Math.min(ns, nt), exact: true };
    case 'matrix': return { synapses: /** @type {number[][]} */ (c.weights).reduce((n, row) => n + row.filter((w) => w !== 0).length, 0), exact: true };
    default: return { synapses: Number.NaN, exact: false };
  }
}

/**
 * Build, warm up and time one network.
 * @param {(spec: object) => Promise<any>} create builds a GpuSimulator from a spec (runtime-specific)
 * @param {any} spec the network (its recorders are replaced, see {@link timingSpec})
 * @param {{ warmupMs: number, durationMs: number, log?: (text: string) => void, now?: () => number, dispatchCostUs?: number }} protocol
 *   dispatchCostUs: this runtime's cost of one dispatch (measureDispatchCost), for the bounds
 */
export async function measureSimulation(create, spec, protocol) {
  const log = protocol.log ?? (() => {});
  const now = protocol.now ?? (() => performance.now());
  const timed = timingSpec(spec);
  const batch = timed.batch ?? 1;
  const sizes = new Map(timed.populations.map((p) => [p.name, p.size]));
  const neurons = timed.populations.reduce((n, p) => n + p.size, 0);

  const t0 = now();
  const sim = await create(timed);
  const constructionS = (now() - t0) / 1000;
  try {
    log(`built in ${constructionS.toFixed(2)} s; warm-up ${protocol.warmupMs} ms`);
    const warm = protocol.warmupMs > 0 ? await sim.run(protocol.warmupMs) : { steps: 0, simulatedMs: 0, wallS: 0 };
    sim.clearRecordings();
    log(`warm-up ${warm.wallS.toFixed(2)} s; timed run ${protocol.durationMs} ms`);
    const report = await sim.run(protocol.durationMs);
    if (report.aborted) throw new Error('the timed run was aborted');

    // Spikes of each spiking population in the timed run (per-step counts, all trials).
    const spikes = {};
    const meanOutput = {};
    for (const rec of sim.recordings()) {
      if (rec.type !== 'population_rate') continue;
      const size = sizes.get(rec.population) ?? 0;
      let sum = 0;
      for (let i = 0; i < rec.values.length; i++) sum += rec.values[i];
      if (rec.unit === 'Hz') spikes[rec.population] = Math.round(sum * size * (rec.binMs / 1000));
      else meanOutput[rec.population] = rec.values.length > 0 ? sum / rec.values.length : null;
    }

    // Synapses per projection: the engine's count where it generated them, else the connector's.
    const generated = new Map(sim.connectivityTimings().map((t) => [t.projection, t]));
    let synapses = 0;
    let synapsesExact = true;
    let events = 0;
    let connectivityS = 0;
    const projections = (timed.projections ?? []).map((p, index) => {
      const name = projectionName(p, index);
      const gen = generated.get(name);
      const expected = expectedSynapses(p, sizes);
      const n = gen ? gen.synapses : expected.synapses;
      if (!gen && !expected.exact) synapsesExact = false;
      if (gen) connectivityS += gen.countS + gen.fillS;
      synapses += n;
      // A spike travels along every synapse of its source's row; a rate unit sends every step.
      const sourceSpikes = spikes[p.source];
      const sent = sourceSpikes !== undefined ? sourceSpikes * (n / (sizes.get(p.source) ?? 1)) : n * report.steps * batch;
      events += sent;
      return { name, synapses: n, synapses_from: gen ? 'engine' : expected.exact ? 'connector' : 'connector (expected)', procedural: p.procedural === true, events: sent };
    });

    const dispatches = sim.dispatchesPerStep(warm.steps, Math.max(1, report.steps));
    const simulatedS = report.simulatedMs / 1000;
    const cost = protocol.dispatchCostUs;
    const overheadS = cost !== undefined ? (cost * 1e-6) * dispatches.total * report.steps : null;
    const bounds = overheadS === null ? null : {
      dispatch_cost_us: cost,
      dispatch_overhead_s: overheadS,
      kernel_s: Math.max(0, report.wallS - overheadS),
      // RTF with dispatches free, and which of the two takes most of the loop.
      kernel_rtf: Math.max(0, report.wallS - overheadS) / simulatedS,
      bound_by: overheadS > report.wallS / 2 ? 'dispatches' : 'kernels',
    };
    const totalSpikes = Object.values(spikes).reduce((a, b) => a + b, 0);
    return {
      network_name: timed.name ?? null,
      neurons,
      batch,
      synapses,
      synapses_exact: synapsesExact,
      dt_ms: timed.dt_ms,
      warmup_ms: warm.simulatedMs,
      warmup_wall_s: warm.wallS,
      simulated_ms: report.simulatedMs,
      steps: report.steps,
      wall_s: report.wallS,
      rtf: report.wallS / simulatedS,
      neuron_steps_per_s: report.neuronStepsPerS,
      spikes: Object.keys(spikes).length > 0 ? totalSpikes : null,
      mean_rate_hz: Object.keys(spikes).length > 0 ? totalSpikes / (simulatedS * batch * timed.populations.filter((p) => spikes[p.name] !== undefined).reduce((n, p) => n + p.size, 0)) : null,
      spikes_by_population: spikes,
      mean_output_by_population: meanOutput,
      synaptic_events: events,
      synaptic_events_per_s: events / report.wallS,
      dispatches_per_step: dispatches,
      steps_per_dispatch: sim.stepsPerDispatch ?? null,
      steps_per_dispatch_reason: sim.stepsPerDispatchReason ?? null,
      persistent: sim.persistent ? sim.persistentReason : null,
      persistent_reason: sim.persistentReason ?? null,
      bounds,
      construction_s: constructionS,
      connectivity_generation_s: connectivityS,
      gpu_memory_bytes: sim.memory.totalBytes,
      steps_per_submit: sim.stepsPerSubmit,
      projections,
    };
  } finally {
    sim.destroy();
  }
}
