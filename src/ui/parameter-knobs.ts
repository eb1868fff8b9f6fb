/**
 * The rows of `<cg-parameter-panel>` (`src/ui/parameter-panel.ts`): one knob per numeric model
 * parameter of each population, taken from the model definition the network plan found for the
 * population's `model` name (a built-in, a model of the spec's `models`, or one registered with
 * `registerNeuronModel`), and one per input rate or amplitude. Free of Lit and the DOM, so Node
 * code and tests can build the same rows.
 */
import type { GpuSimulator } from '../gpu/simulator.js';
import type { ParamMeta } from '../model/models.js';

/** One slider: what it changes, its range and how a value is applied. */
export interface ParameterKnob {
  /** Unique id, e.g. `E.tau_m_ms` or `input0.rate_hz`. */
  readonly id: string;
  /** Group heading (population or input). */
  readonly group: string;
  readonly name: string;
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  readonly step: number;
  /** Current value. */
  readonly value: number;
  /** One line of documentation (tooltip). */
  readonly doc?: string;
  /** Apply a value; throws (with a message saying why) when the change is refused. */
  readonly apply: (value: number) => void;
}

/** A step of about 1/200 of the range, rounded to 1, 2 or 5 × 10^k. */
export function niceStep(min: number, max: number): number {
  const raw = (max - min) / 200;
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * power;
}

/** Slider range of a model parameter: its declared bounds, else a span around the default. */
export function parameterRange(meta: ParamMeta, current: number): { min: number; max: number } {
  const anchor = Number.isFinite(current) ? current : meta.default;
  let min: number;
  let max: number;
  if (meta.unit === 'mV') {
    min = Math.min(anchor, meta.default) - 30;
    max = Math.max(anchor, meta.default) + 30;
  } else if (anchor > 0) {
    min = 0;
    max = Math.max(anchor, meta.default) * 4;
  } else if (anchor < 0) {
    min = anchor * 4;
    max = -anchor * 4;
  } else {
    min = 0;
    max = Math.max(1, Math.abs(meta.default) * 4);
  }
  if (meta.min !== undefined) min = Math.max(min, meta.min);
  if (meta.max !== undefined) max = Math.min(max, meta.max);
  if (meta.minExclusive && min === meta.min) min = meta.min + niceStep(min, max);
  if (!(max > min)) max = min + 1;
  return { min, max };
}

/** Knob list options. */
export interface KnobOptions {
  /** Populations to include (default all). */
  readonly populations?: readonly string[];
  /** Parameter names to include (default: every numeric parameter of the model). */
  readonly params?: readonly string[];
  /** Include the network's inputs (Poisson rates, DC amplitudes, stimulus orientation and amplitude); default true. */
  readonly inputs?: boolean;
}

/**
 * Knobs for a simulator: every numeric model parameter of the chosen populations (applied with
 * `setPopulationParams`, without rebuilding) and the inputs' rates and amplitudes (`setInput`).
 */
export function knobsForSimulator(sim: GpuSimulator, options: KnobOptions = {}): ParameterKnob[] {
  const knobs: ParameterKnob[] = [];
  for (const pop of sim.plan.populations) {
    if (options.populations && !options.populations.includes(pop.name)) continue;
    const current = sim.populationParams(pop.name);
    for (const meta of pop.model.params) {
      if (options.params && !options.params.includes(meta.name)) continue;
      const value = Number(current[meta.name] ?? meta.default);
      const { min, max } = parameterRange(meta, value);
      knobs.push({
        id: `${pop.name}.${meta.name}`, group: `${pop.name} (${pop.model.name})`, name: meta.name, unit: meta.unit, min, max, step: niceStep(min, max), value, doc: meta.doc,
        apply: (v) => sim.setPopulationParams(pop.name, { [meta.name]: v }),
      });
    }
  }
  if (options.inputs === false) return knobs;
  (sim.plan.spec.inputs ?? []).forEach((input, index) => {
    if (options.populations && !options.populations.includes(input.target)) return;
    const group = `input ${index}: ${input.type} → ${input.target}`;
    if (input.type === 'poisson') {
      const max = Math.max(20, input.rate_hz * 4);
      knobs.push({ id: `input${index}.rate_hz`, group, name: 'rate_hz', unit: 'Hz', min: 0, max, step: niceStep(0, max), value: input.rate_hz, doc: 'rate of each Poisson source', apply: (v) => sim.setInput(index, { rate_hz: v }) });
    } else if (input.type === 'dc') {
      const span = Math.max(1, Math.abs(input.amplitude) * 4);
      knobs.push({ id: `input${index}.amplitude`, group, name: 'amplitude', unit: '', min: -span, max: span, step: niceStep(-span, span), value: input.amplitude, doc: 'constant input', apply: (v) => sim.setInput(index, { amplitude: v }) });
    } else if (input.type === 'stimulus') {
      const orientation = typeof input.orientation_deg === 'number' ? input.orientation_deg : (input.orientation_deg[0] ?? 0);
      knobs.push({ id: `input${index}.orientation_deg`, group, name: 'orientation_deg', unit: 'deg', min: 0, max: 180, step: 1, value: orientation, doc: 'stimulus orientation (all trials)', apply: (v) => sim.setInput(index, { orientation_deg: v }) });
      const span = Math.max(1, Math.abs(input.amplitude) * 4);
      knobs.push({ id: `input${index}.amplitude`, group, name: 'amplitude', unit: '', min: 0, max: span, step: niceStep(0, span), value: input.amplitude, doc: 'tuned drive amplitude', apply: (v) => sim.setInput(index, { amplitude: v }) });
    }
  });
  return knobs;
}
