/**
 * `<cg-controls>`: play, pause, single step, reset, seed and steps per frame for a simulation host.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { SimulationProgressDetail, SimulationStateDetail } from './events.js';
import { findSimulationHost, type SimulationElement } from './simulation-host.js';

/**
 * Transport controls bound to a `<cg-simulation>`: the host named by the `for` attribute, or
 * the nearest enclosing one, or the element set as {@link simulation}.
 *
 * Keyboard: every control is a native button or labelled input (Tab to reach, Enter/Space to
 * press). While focus is inside the controls (not in a text field), `k` toggles play/pause and
 * `.` advances one step.
 *
 * @csspart play - the Play/Pause toggle (aria-pressed while playing).
 * @csspart step - the single-step button.
 * @csspart reset - the Reset button (rebuilds with the seed).
 * @csspart seed - the seed input.
 * @csspart steps-per-frame - the steps-per-frame input.
 * @csspart readout - simulated time, steps per frame and throughput.
 */
@customElement('cg-controls')
export class ControlsElement extends LitElement {
  static override styles = css`
    :host { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 0.8rem; font: 14px/1.4 system-ui, sans-serif; color: #1d2430; }
    button { font: inherit; padding: 0.3rem 0.8rem; border-radius: 5px; border: 1px solid #9aa4b2; background: #fff; cursor: pointer; }
    button[aria-pressed='true'] { background: #2456a6; color: #fff; border-color: #2456a6; }
    button:focus-visible, input:focus-visible { outline: 2px solid #d68910; outline-offset: 1px; }
    button:disabled { opacity: 0.5; cursor: default; }
    label { display: inline-flex; align-items: center; gap: 0.35rem; }
    input[type='number'] { width: 6.5em; font: inherit; }
    [part='readout'] { color: #5a6473; font-variant-numeric: tabular-nums; }
  `;

  /** Id of the `<cg-simulation>` to control (in the same document or shadow root). */
  @property({ type: String, attribute: 'for' }) htmlFor = '';
  /** The host to control, when not found through `for` or as an ancestor. */
  @property({ attribute: false }) simulation: SimulationElement | null = null;

  @state() private playing = false;
  @state() private ready = false;
  @state() private progress: SimulationProgressDetail | null = null;
  @state() private seedValue = 1;
  @state() private stepsPerFrameValue = 20;
  private bound: SimulationElement | null = null;

  /** The host these controls act on. */
  get host(): SimulationElement | null {
    return this.simulation ?? findSimulationHost(this, this.htmlFor);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Hosts may be defined after the controls: bind on the next frame too.
    queueMicrotask(() => this.bind());
    requestAnimationFrame(() => this.bind());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unbind();
  }

  protected override updated(): void {
    if (this.host !== this.bound) this.bind();
  }

  private bind(): void {
    const host = this.host;
    if (host === this.bound) return;
    this.unbind();
    this.bound = host;
    if (!host) return;
    host.addEventListener('cg-state', this.onState);
    host.addEventListener('cg-progress', this.onProgress);
    host.addEventListener('cg-ready', this.onReady);
    host.addEventListener('cg-error', this.onError);
    this.playing = host.playing;
    this.ready = host.status === 'ready';
    this.seedValue = host.seed;
    this.stepsPerFrameValue = host.stepsPerFrame;
  }

  private unbind(): void {
    const host = this.bound;
    if (!host) return;
    host.removeEventListener('cg-state', this.onState);
    host.removeEventListener('cg-progress', this.onProgress);
    host.removeEventListener('cg-ready', this.onReady);
    host.removeEventListener('cg-error', this.onError);
    this.bound = null;
  }

  private readonly onState = (e: Event): void => {
    this.playing = (e as CustomEvent<SimulationStateDetail>).detail.playing;
  };
  private readonly onProgress = (e: Event): void => {
    this.progress = (e as CustomEvent<SimulationProgressDetail>).detail;
  };
  private readonly onReady = (): void => {
    this.ready = true;
    this.progress = null;
    this.playing = this.bound?.playing ?? false;
  };
  private readonly onError = (): void => {
    this.ready = false;
    this.playing = false;
  };

  /** Toggle play/pause on the host. */
  togglePlay(): void {
    const host = this.host;
    if (!host) return;
    if (host.playing) host.pause();
    else host.play();
    this.playing = host.playing;
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.composedPath()[0];
    if (target instanceof HTMLInputElement) return;
    if (e.key === 'k') {
      e.preventDefault();
      this.togglePlay();
    } else if (e.key === '.') {
      e.preventDefault();
      void this.host?.step(1);
    }
  }

  private setSeed(e: Event): void {
    const value = Number((e.target as HTMLInputElement).value);
    const host = this.host;
    if (!host || !Number.isInteger(value) || value < 0) return;
    this.seedValue = value;
    host.seed = value;
  }

  private setStepsPerFrame(e: Event): void {
    const value = Math.round(Number((e.target as HTMLInputElement).value));
    const host = this.host;
    if (!host || !(value >= 1 && value <= 10000)) return;
    this.stepsPerFrameValue = value;
    host.stepsPerFrame = value;
    host.stepsThisFrame = value;
  }

  protected override render() {
    const p = this.progress;
    const simulatedS = p ? (p.simulatedMs / 1000).toFixed(3) : '0.000';
    const throughput = p && p.neuronStepsPerS > 0 ? `${formatRate(p.neuronStepsPerS)} neuron-steps/s` : '';
    return html`
      <div role="group" aria-label="Simulation controls" @keydown=${(e: KeyboardEvent) => this.onKey(e)} style="display: contents">
        <button part="play" type="button" aria-pressed=${this.playing ? 'true' : 'false'} ?disabled=${!this.ready} @click=${() => this.togglePlay()} title="Play / pause (k)">${this.playing ? 'Pause' : 'Play'}</button>
        <button part="step" type="button" ?disabled=${!this.ready || this.playing} @click=${() => void this.host?.step(1)} title="One step (.)">Step</button>
        <button part="reset" type="button" ?disabled=${!this.host} @click=${() => void this.host?.reset()} title="Rebuild with the seed">Reset</button>
        <label>Seed <input part="seed" type="number" min="0" step="1" .value=${String(this.seedValue)} @change=${(e: Event) => this.setSeed(e)} /></label>
        <label>Steps per frame <input part="steps-per-frame" type="number" min="1" max="10000" step="1" .value=${String(this.stepsPerFrameValue)} @change=${(e: Event) => this.setStepsPerFrame(e)} /></label>
        <span part="readout" aria-live="off">t = ${simulatedS} s${p ? ` · ${p.stepsThisFrame} steps/frame` : ''}${throughput ? ` · ${throughput}` : ''}</span>
      </div>
    `;
  }
}

/** 12345678 → "12.3 M". */
export function formatRate(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)} G`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(0);
}

declare global {
  interface HTMLElementTagNameMap {
    'cg-controls': ControlsElement;
  }
}
