/**
 * CPU reference backend: executes the same {@link NetworkPlan} as the GPU engine in float64
 * TypeScript, step by step, with the same random numbers (counter-based Philox), the same
 * order of operations and the same recorders. Meant for small networks and for testing every
 * GPU kernel against it; spike input is summed in float64 here (fixed point on the GPU).
 */
import type { NetworkSpec } from '../model/spec.js';
import { resolveRunTiming } from '../model/schema.js';
import { drawInitialState, planNetwork, type NetworkPlan, type PopulationPlan } from '../model/plan.js';
import { RecordingCollector, type Recording } from '../model/recording.js';
import { generateConnectivity, type Connectivity } from '../model/connectivity.js';
import { rngDraw, rngPoisson, rngUnit } from '../rng/philox.js';
import { outputIndex, type ModelNeuronContext, type NeuronModelDef } from '../model/models.js';

const DEG_TO_RAD = Math.PI / 180;

interface CpuPopulation {
  plan: PopulationPlan;
  state: Float64Array[];
  /** Spiking: ring [channel][slot][flat]; rate: summed input [flat]. */
  ring: Float64Array;
  /** Rate: output history [slot][flat]. */
  history: Float64Array;
  /** This step's spikes (flat ids). */
  spikes: number[];
  preferredDeg: Float64Array | null;
}

/** Report of {@link CpuSimulator.run}. */
export interface CpuRunReport {
  readonly steps: number;
  readonly simulatedMs: number;
  readonly wallS: number;
}


/**
 * A model's float64 update.
 * @throws Error for a model without one (every equation model has one)
 */
function modelUpdate(model: NeuronModelDef): NonNullable<NeuronModelDef['cpuSpikingUpdate']> {
  if (model.cpuSpikingUpdate === undefined) throw new Error(`model ${model.name} has no float64 update; define it with equations (defineNeuronModel)`);
  return model.cpuSpikingUpdate;
}

/** The float64 reference simulator. */
export class CpuSimulator {
  /** Steps simulated so far. */
  stepCount = 0;
  readonly collector: RecordingCollector;
  private readonly pops: CpuPopulation[];
  /** Synapses of spike projections, made by the reference generator (null for rate projections). */
  private readonly spikeSynapses: (Connectivity | null)[];

  /** @throws SpecError for invalid specs */
  constructor(spec: NetworkSpec | NetworkPlan) {
    this.plan = 'populations' in spec && 'dtMs' in spec ? spec : planNetwork(spec as NetworkSpec);
    this.spikeSynapses = this.plan.projections.map((proj) => (proj.mode === 'spike' ? generateConnectivity(proj.recipe) : null));
    this.collector = new RecordingCollector(this.plan);
    const batch = this.plan.batch;
    this.pops = this.plan.populations.map((pop) => {
      const total = pop.size * batch;
      const rate = pop.model.kind === 'rate';
      const history = new Float64Array(rate ? pop.ringSlots * total : 0);
      if (rate) {
        const r = pop.initialState[outputIndex(pop.model)]!;
        for (let slot = 0; slot < pop.ringSlots; slot++) for (let i = 0; i < total; i++) history[slot * total + i] = r[i]!;
      }
      const needsOrientation = pop.inputs.some((inp) => inp.kind === 'stimulus');
      let preferredDeg: Float64Array | null = null;
      if (needsOrientation) {
        preferredDeg = new Float64Array(pop.size);
        for (let n = 0; n < pop.size; n++) {
          preferredDeg[n] = pop.orientationRandom
            ? rngUnit(rngDraw(this.plan.seed, pop.orientationStream, n, 0, 0, 0)[0]) * 180
            : (n * 180) / pop.size;
        }
      }
      return {
        plan: pop,
        state: pop.initialState.map((values) => Float64Array.from(values)),
        ring: new Float64Array(Math.max(1, pop.model.inputChannels) * (rate ? 1 : pop.ringSlots) * total),
        history,
        spikes: [],
        preferredDeg,
      };
    });
  }

  readonly plan: NetworkPlan;
  private trialOffsetValue = 0;

  /** Global trial number of batch index 0 in the current trial block. */
  get trialOffset(): number {
    return this.trialOffsetValue;
  }

  /** Start a new block of trials, as `GpuSimulator.resetTrials`. */
  resetTrials(trialOffset = this.trialOffsetValue + this.plan.batch): void {
    const batch = this.plan.batch;
    for (const pop of this.pops) {
      const p = pop.plan;
      const state = drawInitialState(p, this.plan.seed, batch, trialOffset);
      pop.state = state.map((values) => Float64Array.from(values));
      pop.ring.fill(0);
      pop.spikes = [];
      if (p.model.kind === 'rate') {
        const total = p.size * batch;
        const r = state[outputIndex(p.model)]!;
        for (let slot = 0; slot < p.ringSlots; slot++) for (let i = 0; i < total; i++) pop.history[slot * total + i] = r[i]!;
      }
    }
    this.trialOffsetValue = trialOffset;
    this.stepCount = 0;
    this.collector.startTrialBlock(trialOffset);
  }

  /** Current simulated time, ms. */
  get timeMs(): number {
    return this.stepCount * this.plan.dtMs;
  }

  /** Drop the recordings so far (as `GpuSimulator.clearRecordings`). */
  clearRecordings(): void {
    (this as { collector: RecordingCollector }).collector = new RecordingCollector(this.plan, this.trialOffsetValue);
  }

  /**
   * The synapses of a projection (outgoing rows by source, in generation order), as the
   * reference generator made them from the plan's recipe.
   * @param projection index in the spec, or its name
   */
  connectivity(projection: number | string): Connectivity {
    const proj = typeof projection === 'number' ? this.plan.projections[projection] : this.plan.projections.find((p) => p.name === projection);
    if (!proj) throw new RangeError(`connectivity: no projection ${JSON.stringify(projection)} (have: ${this.plan.projections.map((p) => p.name).join(', ')})`);
    return this.spikeSynapses[proj.index] ?? proj.connectivity!;
  }

  /** Recordings so far, in the same format as the GPU engine's. */
  recordings(): Recording[] {
    return this.collector.recordings();
  }

  /** A state variable (flat `neuron·batch + trial`). */
  readState(population: string, variable: string): Float64Array {
    const pop = this.pops.find((p) => p.plan.name === population);
    if (!pop) throw new Error(`No population '${population}'`);
    const v = pop.plan.model.state.findIndex((s) => s.name === variable);
    if (v < 0) throw new Error(`Population '${population}' has no state variable '${variable}'`);
    return Float64Array.from(pop.state[v]!);
  }

  /**
   * Simulate `durationMs` more (whole steps); without it, the spec's `run.duration_ms`.
   * @throws SpecError when no duration is given here nor in the spec
   */
  run(durationMs?: number): CpuRunReport {
    const started = performance.now();
    const ms = durationMs ?? resolveRunTiming(this.plan.spec, { durationName: 'run(durationMs)' }).durationMs;
    const steps = Math.round(ms / this.plan.dtMs);
    for (let i = 0; i < steps; i++) this.step();
    return { steps, simulatedMs: steps * this.plan.dtMs, wallS: (performance.now() - started) / 1000 };
  }

  private externalInput(pop: CpuPopulation, n: number, b: number, step: number, out: { current: number; apical: number; syn: number[] }): void {
    out.current = 0;
    out.apical = 0;
    out.syn.fill(0);
    for (const inp of pop.plan.inputs) {
      if (step < inp.startStep || step >= inp.stopStep) continue;
      let value: number;
      if (inp.kind === 'poisson') {
        const count = rngPoisson(Math.fround(inp.lambda), this.plan.seed, inp.stream, n, step, b + this.trialOffsetValue, 0);
        out.syn[inp.channel]! += count * Math.fround(inp.weight);
        continue;
      } else if (inp.kind === 'dc') {
        value = inp.amplitude;
      } else if (inp.kind === 'trial_current') {
        value = inp.values[n * this.plan.batch + b]!;
      } else {
        const delta = 2 * (inp.orientationsDeg[b]! - pop.preferredDeg![n]!) * DEG_TO_RAD;
        value = inp.baseline + inp.amplitude * Math.exp(inp.kappa * (Math.cos(delta) - 1));
      }
      if (inp.channel === 0) out.current += value;
      else out.apical += value;
    }
  }

  /** Advance one step: gathers, updates, spike propagation, recorders (as the GPU). */
  step(): void {
    const plan = this.plan;
    const batch = plan.batch;
    const step = this.stepCount;

    // Rate projections gather r(t − delay) into their targets' input.
    for (const proj of plan.projections) {
      if (proj.mode === 'spike') continue;
      const src = this.pops[proj.source]!;
      const tgt = this.pops[proj.target]!;
      const slots = src.plan.ringSlots;
      const srcTotal = src.plan.size * batch;
      if (proj.mode === 'rate_dense') {
        const W = proj.dense!;
        const ns = src.plan.size;
        const base = ((step + slots - proj.constantDelaySteps) % slots) * srcTotal;
        const plane = proj.channel * tgt.plan.size * batch;
        for (let n = 0; n < tgt.plan.size; n++) {
          for (let b = 0; b < batch; b++) {
            let acc = 0;
            for (let j = 0; j < ns; j++) acc += W[n * ns + j]! * src.history[base + j * batch + b]!;
            tgt.ring[plane + n * batch + b]! += acc;
          }
        }
      } else {
        const inc = proj.incoming!;
        const plane = proj.channel * tgt.plan.size * batch;
        for (let n = 0; n < tgt.plan.size; n++) {
          for (let b = 0; b < batch; b++) {
            let acc = 0;
            for (let k = inc.rowPtr[n]!; k < inc.rowPtr[n + 1]!; k++) {
              const d = inc.delaySteps ? inc.delaySteps[k]! : inc.constantDelaySteps;
              acc += inc.weights[k]! * src.history[((step + slots - d) % slots) * srcTotal + inc.sources[k]! * batch + b]!;
            }
            tgt.ring[plane + n * batch + b]! += acc;
          }
        }
      }
    }

    // Neuron updates.
    const ext = { current: 0, apical: 0, syn: [0, 0, 0, 0] };
    const syn = [0, 0, 0, 0];
    for (const pop of this.pops) {
      const p = pop.plan;
      const total = p.size * batch;
      const ctx = { state: pop.state, flat: 0, neuron: 0, trial: 0, step, seed: plan.seed, noiseStream: p.noiseStream, derived: p.derived };
      const offset = this.trialOffsetValue;
      pop.spikes = [];
      if (p.model.kind === 'rate') {
        const update = modelUpdate(p.model);
        const slot = (step % p.ringSlots) * total;
        const output = pop.state[outputIndex(p.model)]!;
        const inputs = [0, 0, 0, 0];
        for (let flat = 0; flat < total; flat++) {
          const n = Math.floor(flat / batch);
          const b = flat % batch;
          this.externalInput(pop, n, b, step, ext);
          // Summed inputs: soma (recurrent + DC/stimulus) and apical, as engine/rate_neuron_update.wgsl.
          inputs[0] = ext.current;
          inputs[1] = ext.apical;
          if (p.model.inputChannels > 0) {
            inputs[0] += pop.ring[flat]!;
            pop.ring[flat] = 0;
          }
          if (p.model.inputChannels > 1) {
            inputs[1] += pop.ring[total + flat]!;
            pop.ring[total + flat] = 0;
          }
          Object.assign(ctx, { flat, neuron: n, trial: b + offset });
          const spiked = update(ctx as ModelNeuronContext, inputs, 0, 0);
          pop.history[slot + flat] = output[flat]!;
          if (spiked && p.emitsSpikes) pop.spikes.push(flat);
        }
      } else if (p.spikeTrains !== null) {
        // Spike-train source: walk each neuron's cursor (state 0) through its given steps and
        // emit every spike of this step, as engine/spike_train_steps.wgsl.
        const { trials, offsets, steps } = p.spikeTrains;
        const cursor = pop.state[0]!;
        for (let flat = 0; flat < total; flat++) {
          const n = Math.floor(flat / batch);
          const row = ((flat % batch + offset) % trials) * p.size + n;
          let k = offsets[row]! + cursor[flat]!;
          for (; k < offsets[row + 1]! && steps[k]! <= step; k++) if (steps[k] === step) pop.spikes.push(flat);
          cursor[flat] = k - offsets[row]!;
        }
      } else {
        const update = modelUpdate(p.model);
        const slot = step % p.ringSlots;
        for (let flat = 0; flat < total; flat++) {
          const n = Math.floor(flat / batch);
          const b = flat % batch;
          this.externalInput(pop, n, b, step, ext);
          for (let channel = 0; channel < 4; channel++) {
            syn[channel] = ext.syn[channel]!;
            if (channel < p.model.inputChannels) {
              const index = (channel * p.ringSlots + slot) * total + flat;
              syn[channel]! += pop.ring[index]!;
              pop.ring[index] = 0;
            }
          }
          Object.assign(ctx, { flat, neuron: n, trial: b + offset });
          if (update(ctx as ModelNeuronContext, syn, ext.current, ext.apical)) pop.spikes.push(flat);
        }
      }
    }

    // Spike propagation into ring buffers at step + delay.
    for (const proj of plan.projections) {
      if (proj.mode !== 'spike') continue;
      const src = this.pops[proj.source]!;
      const tgt = this.pops[proj.target]!;
      const c = this.spikeSynapses[proj.index]!;
      const slots = tgt.plan.ringSlots;
      const tgtTotal = tgt.plan.size * batch;
      const channelBase = proj.channel * slots * tgtTotal;
      for (const flat of src.spikes) {
        const j = Math.floor(flat / batch);
        const b = flat % batch;
        for (let k = c.rowPtr[j]!; k < c.rowPtr[j + 1]!; k++) {
          const d = c.delaySteps ? c.delaySteps[k]! : c.constantDelaySteps;
          tgt.ring[channelBase + ((step + d) % slots) * tgtTotal + c.targets[k]! * batch + b]! += proj.sign * c.weights[k]!;
        }
      }
    }

    this.record(step);
    this.stepCount++;
  }

  private record(step: number): void {
    const plan = this.plan;
    const batch = plan.batch;
    for (const r of plan.recorders) {
      const pop = this.pops[r.population]!;
      const type = r.spec.type;
      if (type === 'spikes') {
        const flats = pop.spikes.filter((flat) => this.collector.isRecorded(r.index, Math.floor(flat / batch)));
        this.collector.addSpikes(r.index, new Uint32Array(flats.length).fill(step), Uint32Array.from(flats));
      } else if (type === 'spike_counts') {
        if (step < r.startStep) continue;
        const window = Math.floor((step - r.startStep) / r.windowSteps);
        const nRec = r.neurons.length;
        const counts = new Uint32Array(nRec * batch);
        let any = false;
        for (const flat of pop.spikes) {
          const k = this.collector.recordedSlot(r.index, Math.floor(flat / batch));
          if (k < 0) continue;
          counts[k * batch + (flat % batch)]! += 1;
          any = true;
        }
        if (any || step === r.startStep + window * r.windowSteps) this.collector.addWindowCounts(r.index, window, 1, counts);
      } else if (type === 'state') {
        if (step % r.everySteps !== 0) continue;
        const values = pop.state[r.variableIndex]!;
        const row = new Float32Array(r.neurons.length * batch);
        r.neurons.forEach((n, k) => {
          for (let b = 0; b < batch; b++) row[k * batch + b] = values[n * batch + b]!;
        });
        this.collector.addStateSample(r.index, step * plan.dtMs, row);
      } else {
        const perTrial = new Float32Array(batch);
        if (pop.plan.model.kind === 'rate') {
          const total = pop.plan.size * batch;
          const base = (step % pop.plan.ringSlots) * total;
          for (let b = 0; b < batch; b++) {
            let sum = 0;
            for (let n = 0; n < pop.plan.size; n++) sum += pop.history[base + n * batch + b]!;
            perTrial[b] = sum / pop.plan.size;
          }
        } else {
          for (const flat of pop.spikes) perTrial[flat % batch]! += 1;
        }
        this.collector.addPopulationSteps(r.index, perTrial);
      }
    }
  }
}
