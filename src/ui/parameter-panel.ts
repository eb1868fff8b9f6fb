/**
 * `<cg-parameter-panel>`: sliders generated from the neuron models' parameter metadata (names,
 * units, ranges) and from the network's inputs, changing a running simulation live.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { GpuSimulator } from '../gpu/simulator.js';
import type { ParamMeta } from '../model/models.js';
import { emit } from './events.js';
import { findSimulationHost, type SimulationElement, type SimulationReadyDetail } from './simulation-host.js';

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

/** `cg-parameter-change`: a value was applied to the simulation. */
export interface ParameterChangeDetail {
  readonly id: string;
  readonly group: string;
  readonly name: string;
  readonly value: number;
}

/** `cg-parameter-refused`: the simulation refused a value (the slider returns to the old value). */
export interface ParameterRefusedDetail extends ParameterChangeDetail {
  readonly message: string;
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

/**
 * A labelled slider and number field per parameter. By default the knobs come from the bound
 * host's simulator ({@link knobsForSimulator}, filtered by {@link populations} and
 * {@link params}) and are rebuilt on every `cg-ready`; pages can instead set {@link knobs}
 * (e.g. protocol settings such as a feedback gain). Values apply on input, live, without
 * rebuilding the network; a refused value (outside the model's range, or a change that needs
 * new buffers) is reported and the slider returns to the previous value.
 *
 * @fires cg-parameter-change - {@link ParameterChangeDetail}: a value was applied.
 * @fires cg-parameter-refused - {@link ParameterRefusedDetail}: a value was refused.
 * @csspart group - a fieldset per population or input.
 * @csspart knob - one parameter row.
 * @csspart slider - a range input.
 * @csspart number - a number input.
 * @csspart message - the last refusal message.
 */
@customElement('cg-parameter-panel')
export class ParameterPanelElement extends LitElement {
  static override styles = css`
    :host { display: block; font: 13px/1.4 system-ui, sans-serif; color: #1d2430; }
    fieldset { border: 1px solid #d5dae1; border-radius: 6px; margin: 0 0 0.6rem; padding: 0.3rem 0.6rem 0.5rem; }
    legend { font-weight: 600; padding: 0 0.3rem; }
    [part='knob'] { display: grid; grid-template-columns: minmax(8rem, 11rem) 1fr 5.5rem; align-items: center; gap: 0.5rem; margin: 0.15rem 0; }
    input[type='range'] { width: 100%; }
    input[type='number'] { width: 100%; font: inherit; }
    input:focus-visible { outline: 2px solid #d68910; outline-offset: 1px; }
    .unit { color: #5a6473; }
    [part='message'] { color: #8a1c12; background: #fdecea; border-radius: 4px; padding: 0.3rem 0.5rem; }
  `;

  /** Id of the `<cg-simulation>` whose simulator the knobs act on. */
  @property({ type: String, attribute: 'for' }) htmlFor = '';
  /** Only these populations (default all). */
  @property({ attribute: false }) populations: readonly string[] | null = null;
  /** Only these parameter names (default every numeric model parameter). */
  @property({ attribute: false }) params: readonly string[] | null = null;
  /** Include the network's inputs (default true). */
  @property({ type: Boolean }) inputs = true;
  /** Explicit knobs; when set, the panel shows these instead of generating them. */
  @property({ attribute: false }) knobs: readonly ParameterKnob[] | null = null;

  @state() private generated: ParameterKnob[] = [];
  @state() private values = new Map<string, number>();
  @state() private message = '';
  private bound: SimulationElement | null = null;

  /** The knobs shown. */
  get shownKnobs(): readonly ParameterKnob[] {
    return this.knobs ?? this.generated;
  }

  /** Current value of a knob (after live changes). */
  knobValue(id: string): number | undefined {
    return this.values.get(id) ?? this.shownKnobs.find((k) => k.id === id)?.value;
  }

  /**
   * Set a knob's value programmatically, as a user would; returns whether it was applied.
   * Values are clamped to the knob's range.
   */
  setValue(id: string, value: number): boolean {
    const knob = this.shownKnobs.find((k) => k.id === id);
    if (!knob) throw new RangeError(`cg-parameter-panel: no knob '${id}' (have: ${this.shownKnobs.map((k) => k.id).join(', ')})`);
    const v = Math.min(knob.max, Math.max(knob.min, value));
    const detail = { id: knob.id, group: knob.group, name: knob.name, value: v };
    try {
      knob.apply(v);
    } catch (error) {
      this.message = error instanceof Error ? error.message : String(error);
      emit(this, 'cg-parameter-refused', { ...detail, message: this.message });
      this.requestUpdate();
      return false;
    }
    this.message = '';
    this.values = new Map(this.values).set(knob.id, v);
    emit<ParameterChangeDetail>(this, 'cg-parameter-change', detail);
    return true;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    queueMicrotask(() => this.bind());
    requestAnimationFrame(() => this.bind());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.bound?.removeEventListener('cg-ready', this.onReady);
    this.bound = null;
  }

  private bind(): void {
    const host = findSimulationHost(this, this.htmlFor);
    if (host === this.bound) return;
    this.bound?.removeEventListener('cg-ready', this.onReady);
    this.bound = host;
    if (!host) return;
    host.addEventListener('cg-ready', this.onReady);
    if (host.simulator) this.regenerate(host.simulator);
  }

  private readonly onReady = (e: Event): void => {
    this.regenerate((e as CustomEvent<SimulationReadyDetail>).detail.simulator);
  };

  private regenerate(sim: GpuSimulator): void {
    this.generated = knobsForSimulator(sim, { ...(this.populations ? { populations: this.populations } : {}), ...(this.params ? { params: this.params } : {}), inputs: this.inputs });
    this.values = new Map();
    this.message = '';
  }

  private onInput(knob: ParameterKnob, e: Event): void {
    const input = e.target as HTMLInputElement;
    const value = Number(input.value);
    if (!Number.isFinite(value) || !this.setValue(knob.id, value)) input.value = String(this.knobValue(knob.id));
  }

  protected override render() {
    const groups = new Map<string, ParameterKnob[]>();
    for (const knob of this.shownKnobs) groups.set(knob.group, [...(groups.get(knob.group) ?? []), knob]);
    return html`
      ${[...groups].map(([group, knobs]) => html`
        <fieldset part="group">
          <legend>${group}</legend>
          ${knobs.map((knob) => {
            const id = `knob-${knob.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
            const value = String(this.knobValue(knob.id));
            return html`<div part="knob" title=${knob.doc ?? ''}>
              <label for=${id}>${knob.name}${knob.unit ? html` <span class="unit">(${knob.unit})</span>` : nothing}</label>
              <input part="slider" id=${id} type="range" min=${knob.min} max=${knob.max} step=${knob.step} .value=${value} @input=${(e: Event) => this.onInput(knob, e)} />
              <input part="number" type="number" aria-label=${`${knob.name} (${knob.unit || 'value'}), ${group}`} min=${knob.min} max=${knob.max} step=${knob.step} .value=${value} @change=${(e: Event) => this.onInput(knob, e)} />
            </div>`;
          })}
        </fieldset>`)}
      ${this.message ? html`<div part="message" role="alert">${this.message}</div>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cg-parameter-panel': ParameterPanelElement;
  }
}
