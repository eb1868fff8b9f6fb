/**
 * `<cg-parameter-panel>`: sliders generated from the neuron models' parameter metadata (names,
 * units, ranges) and from the network's inputs, changing a running simulation live.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { GpuSimulator } from '../gpu/simulator.js';
import { knobsForSimulator, type ParameterKnob } from './parameter-knobs.js';
import { emit } from './events.js';
import { findSimulationHost, type SimulationElement, type SimulationReadyDetail } from './simulation-host.js';

export { knobsForSimulator, niceStep, parameterRange, type KnobOptions, type ParameterKnob } from './parameter-knobs.js';

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
