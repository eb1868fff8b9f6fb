/**
 * `<cg-simulation>`: the element that owns a running simulation in a page.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { acquireBrowserGpu, webgpuHelp } from '../gpu/browser.js';
import { bundledShaderLoader } from '../gpu/bundled-shaders.js';
import { DeviceLostError, GpuUnavailableError, type GpuContext } from '../gpu/context.js';
import { ContinuousDriver, type DriverFactory, type SimulationDriver } from '../gpu/driver.js';
import { NetworkTooLargeError } from '../gpu/memory.js';
import { DivergenceError, type GpuSimulator } from '../gpu/simulator.js';
import type { Recording } from '../model/recording.js';
import { SpecError } from '../model/schema.js';
import type { NetworkSpec } from '../model/spec.js';
import { emit, type SimulationErrorDetail, type SimulationErrorKind, type SimulationProgressDetail, type SimulationStateDetail } from './events.js';
import { SimulationLoopController, type LoopSuspension } from './simulation-loop-controller.js';

/** `cg-ready`: a (new) simulation is built and can run. */
export interface SimulationReadyDetail {
  readonly simulator: GpuSimulator;
  readonly driver: SimulationDriver;
  readonly context: GpuContext;
  /** One-line adapter description, e.g. `nvidia … [browser]`. */
  readonly adapter: string;
}

/** `cg-recordings`: what the recorders drained during one frame's advance. */
export interface SimulationRecordingsDetail {
  readonly recordings: readonly Recording[];
  /** Driver step count after the advance. */
  readonly stepCount: number;
  readonly dtMs: number;
}

/** Lifecycle of the host: `idle` (nothing to run), `loading`, `ready` (built; playing or paused), `error`. */
export type SimulationStatus = 'idle' | 'loading' | 'ready' | 'error';

/** One GPU device per page, shared by every host and view (views draw from the simulators' buffers). */
let sharedContext: Promise<GpuContext> | null = null;

function pageGpu(): Promise<GpuContext> {
  sharedContext ??= acquireBrowserGpu();
  const attempt = sharedContext;
  // A failed or lost context is not reused.
  attempt.then((ctx) => void ctx.device.lost.then(() => { if (sharedContext === attempt) sharedContext = null; }), () => { if (sharedContext === attempt) sharedContext = null; });
  return attempt;
}

/** Classify an error for `cg-error` and the status message. */
export function classifyError(error: unknown, context: GpuContext | null): SimulationErrorKind {
  if (error instanceof GpuUnavailableError) return 'no-webgpu';
  if (error instanceof DeviceLostError || context?.lostReason()) return 'device-lost';
  if (error instanceof DivergenceError) return 'diverged';
  if (error instanceof SpecError) return 'invalid-spec';
  if (error instanceof NetworkTooLargeError) return 'too-large';
  return 'failed';
}

/** Throughput over a sliding window of recent frames. */
class RateWindow {
  private samples: { t: number; neuronSteps: number; events: number }[] = [];
  constructor(private readonly windowMs = 1000) {}
  add(t: number, neuronSteps: number, events: number): void {
    this.samples.push({ t, neuronSteps, events });
    while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
  }
  clear(): void {
    this.samples = [];
  }
  /** Per-second rates over the window, or zeros with fewer than two frames. */
  rates(): { neuronStepsPerS: number; synapticEventsPerS: number } {
    if (this.samples.length < 2) return { neuronStepsPerS: 0, synapticEventsPerS: 0 };
    const span = (this.samples[this.samples.length - 1]!.t - this.samples[0]!.t) / 1000;
    let n = 0;
    let e = 0;
    for (const s of this.samples.slice(1)) {
      n += s.neuronSteps;
      e += s.events;
    }
    return { neuronStepsPerS: n / span, synapticEventsPerS: e / span };
  }
}

/**
 * Owns a network (a {@link NetworkSpec}, or a protocol through {@link driverFactory}) and its
 * simulation on the page's WebGPU device, and steps it once per animation frame while playing:
 * each frame simulates at most {@link stepsPerFrame} steps, fewer when the previous frame's GPU
 * work took longer than {@link frameBudgetMs}, so that the page stays responsive. GPU work is
 * submitted in one command buffer per frame and read back asynchronously; the main thread never
 * waits on the GPU. The loop pauses by itself while the element is off-screen or the tab hidden.
 *
 * Without WebGPU the element says so and how to enable it; when the device is lost it says so
 * and offers a restart (recordings already delivered through events are not affected).
 *
 * Children (views, controls, panels) go in the default slot; controls and panels find their host
 * through their `for` attribute or as an ancestor.
 *
 * @fires cg-ready - {@link SimulationReadyDetail}: a simulation was built (on start, reset, restart).
 * @fires cg-progress - {@link SimulationProgressDetail}: after every frame that advanced the simulation.
 * @fires cg-recordings - {@link SimulationRecordingsDetail}: recorder data drained in that frame.
 * @fires cg-state - {@link SimulationStateDetail}: play/pause, or suspension while off-screen or hidden.
 * @fires cg-error - {@link SimulationErrorDetail}: the simulation stopped (no WebGPU, device lost, divergence, bad spec, too large).
 * @csspart status - the loading / error message box.
 * @csspart help - the list of hints under an error.
 * @csspart restart - the Restart button shown after an error.
 * @attr state - reflects {@link status} for styling and tests.
 */
@customElement('cg-simulation')
export class SimulationElement extends LitElement {
  static override styles = css`
    :host { display: block; }
    [part='status'] { padding: 0.6rem 0.8rem; border-radius: 6px; background: #eef1f5; margin: 0.5rem 0; }
    [part='status'][data-kind='error'] { background: #fdecea; color: #8a1c12; }
    [part='help'] { margin: 0.4rem 0 0; padding-left: 1.3rem; }
    [part='restart'] { font: inherit; margin-top: 0.5rem; padding: 0.3rem 0.9rem; }
  `;

  /** The network to simulate (ignored when {@link driverFactory} is set). Changing it rebuilds the simulation. */
  @property({ attribute: false }) spec: NetworkSpec | null = null;
  /** Builds a protocol driver instead of running {@link spec} continuously. Changing it rebuilds. */
  @property({ attribute: false }) driverFactory: DriverFactory | null = null;
  /** Seed of connectivity and noise, a non-negative integer; applied on the next {@link reset}. */
  @property({ type: Number, reflect: true }) seed = 1;
  /** Most steps simulated per animation frame (1 … 10,000). */
  @property({ type: Number, attribute: 'steps-per-frame' }) stepsPerFrame = 20;
  /** GPU time a frame's advance should take, ms (2 … 1000); larger frames are cut back. */
  @property({ type: Number, attribute: 'frame-budget-ms' }) frameBudgetMs = 12;
  /** Whether the simulation is playing (set by {@link play} / {@link pause}). */
  @property({ type: Boolean, reflect: true }) playing = false;
  /**
   * Start playing as soon as the simulation is built: after `cg-ready` and after the activity
   * views inside the host have attached to the new simulator (at most 5 s), so they show it
   * from its first step.
   */
  @property({ type: Boolean }) autoplay = false;

  /** Lifecycle; reflected as the `state` attribute. */
  @property({ type: String, reflect: true, attribute: 'state' }) status: SimulationStatus = 'idle';
  @state() private message = '';
  @state() private help: string[] = [];
  @state() private errorKind: SimulationErrorKind | null = null;

  /** The GPU context in use, or null before the first build. */
  context: GpuContext | null = null;
  /** The current driver, or null. */
  driver: SimulationDriver | null = null;
  /** The latest progress report (null before the first frame). */
  lastProgress: SimulationProgressDetail | null = null;
  /** Steps simulated per frame right now (≤ {@link stepsPerFrame}; lowered when frames exceed the budget). */
  stepsThisFrame = 0;

  private readonly loop = new SimulationLoopController(this, {
    tick: () => this.frameTick(),
    onSuspensionChange: (suspended) => this.emitState(suspended),
  });
  private queue: Promise<unknown> = Promise.resolve();
  private buildGeneration = 0;
  private readonly rates = new RateWindow();

  /** The current simulator (the driver's), or null. */
  get simulator(): GpuSimulator | null {
    return this.driver?.simulator ?? null;
  }

  /** Steps since the last reset. */
  get stepCount(): number {
    return this.driver?.stepCount ?? 0;
  }

  /** Why the loop is suspended although playing (off-screen, hidden tab), or null. */
  get suspended(): LoopSuspension {
    return this.loop.suspended;
  }

  /** Start or resume stepping once per animation frame. */
  play(): void {
    if (this.status === 'error') return;
    this.playing = true;
  }

  /** Stop stepping after the frame in progress. */
  pause(): void {
    this.playing = false;
  }

  /**
   * Advance by `steps` steps (default: {@link stepsPerFrame}) now, e.g. single-stepping while paused.
   * Resolves when the steps are simulated and the events were sent.
   */
  step(steps = Math.max(1, Math.round(this.stepsPerFrame))): Promise<void> {
    return this.enqueue(() => this.advance(steps));
  }

  /** Rebuild the simulation from scratch with the current {@link seed}; keeps playing if it was. */
  reset(): Promise<void> {
    return this.enqueue(() => this.build());
  }

  /** After an error (device lost): acquire a new device and rebuild. */
  restart(): Promise<void> {
    this.context = null;
    return this.enqueue(() => this.build());
  }

  protected override firstUpdated(): void {
    if (this.spec || this.driverFactory) void this.reset();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if ((changed.has('spec') || changed.has('driverFactory')) && this.hasUpdated && (changed.get('spec') !== undefined || changed.get('driverFactory') !== undefined)) {
      void this.reset();
    }
    if (changed.has('playing')) {
      this.loop.enabled = this.playing && this.status === 'ready';
      if (changed.get('playing') !== undefined || this.playing) this.emitState(this.loop.suspended);
    }
    if (changed.has('status')) this.loop.enabled = this.playing && this.status === 'ready';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.playing = false;
  }

  /** Serialize builds and advances (a reset never overlaps a frame). */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async build(): Promise<void> {
    const generation = ++this.buildGeneration;
    this.driver?.destroy();
    this.driver = null;
    this.lastProgress = null;
    this.rates.clear();
    if (!this.spec && !this.driverFactory) {
      this.status = 'idle';
      return;
    }
    this.status = 'loading';
    this.errorKind = null;
    this.help = [];
    this.message = 'Building the network…';
    try {
      if (!this.context || this.context.lostReason()) this.context = await pageGpu();
      const context = this.context;
      // Report a loss even while paused (nothing else would touch the device).
      void context.device.lost.then((info) => {
        if (this.context === context && generation === this.buildGeneration) this.fail(new DeviceLostError(`${info.reason}${info.message ? `: ${info.message}` : ''}.`));
      });
      const seed = Math.max(0, Math.floor(this.seed));
      const env = { context, shaders: bundledShaderLoader, seed };
      const driver = this.driverFactory ? await this.driverFactory(env) : await ContinuousDriver.create(this.spec!, env);
      if (generation !== this.buildGeneration) {
        driver.destroy();
        return;
      }
      this.driver = driver;
      this.stepsThisFrame = Math.max(1, Math.round(this.stepsPerFrame));
      this.status = 'ready';
      this.message = '';
      emit<SimulationReadyDetail>(this, 'cg-ready', { simulator: driver.simulator, driver, context, adapter: context.info.label });
      if (this.autoplay) {
        await this.viewsAttached();
        if (generation === this.buildGeneration && this.status === 'ready') this.playing = true;
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** Activity views inside the host have attached their histories (bounded wait). */
  private async viewsAttached(): Promise<void> {
    const views = [...this.querySelectorAll('cg-activity-view')];
    if (views.length === 0) return;
    await Promise.race([Promise.all(views.map((v) => v.historyReady)), new Promise((resolve) => setTimeout(resolve, 5000))]);
  }

  private async frameTick(): Promise<void> {
    await this.enqueue(() => this.advance(this.stepsThisFrame, true));
  }

  private async advance(steps: number, adaptive = false): Promise<void> {
    const driver = this.driver;
    if (!driver || this.status !== 'ready') return;
    const started = performance.now();
    try {
      const result = await driver.advance(Math.max(1, Math.round(steps)));
      const now = performance.now();
      const frameMs = now - started;
      if (adaptive) this.adapt(frameMs);
      this.rates.add(now, result.neuronSteps, result.synapticEvents);
      const dtMs = driver.simulator.plan.dtMs;
      if (result.recordings.length > 0) emit<SimulationRecordingsDetail>(this, 'cg-recordings', { recordings: result.recordings, stepCount: driver.stepCount, dtMs });
      const progress: SimulationProgressDetail = {
        stepCount: driver.stepCount,
        simulatedMs: driver.stepCount * dtMs,
        stepsThisFrame: result.steps,
        frameMs,
        ...this.rates.rates(),
      };
      this.lastProgress = progress;
      emit(this, 'cg-progress', progress);
      if (result.finished) this.playing = false;
    } catch (error) {
      this.fail(error);
    }
  }

  /** Keep a frame's GPU work near the budget: halve on overrun, grow by half when well under. */
  private adapt(frameMs: number): void {
    const budget = Math.min(1000, Math.max(2, this.frameBudgetMs));
    const most = Math.max(1, Math.min(10000, Math.round(this.stepsPerFrame)));
    if (frameMs > 2 * budget) this.stepsThisFrame = Math.max(1, Math.floor(this.stepsThisFrame / 2));
    else if (frameMs < budget / 2) this.stepsThisFrame = Math.ceil(this.stepsThisFrame * 1.5);
    this.stepsThisFrame = Math.min(most, this.stepsThisFrame);
  }

  private fail(error: unknown): void {
    if (this.status === 'error' && this.errorKind === 'device-lost') return;
    const context = this.context;
    if (context && classifyError(error, context) === 'failed') {
      // A lost device often surfaces first as a failed GPU operation: let the loss be reported
      // (briefly) before calling it a failure, so the user is offered the right remedy.
      this.playing = false;
      void Promise.race([context.device.lost.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 250))]).then((lost) => {
        this.report(lost ? new DeviceLostError(`${context.lostReason() ?? 'lost'}.`) : error);
      });
      return;
    }
    this.report(error);
  }

  private report(error: unknown): void {
    if (this.status === 'error' && this.errorKind === 'device-lost') return;
    const kind = classifyError(error, this.context);
    const text = error instanceof Error ? error.message : String(error);
    this.errorKind = kind;
    this.status = 'error';
    this.playing = false;
    if (kind === 'no-webgpu') {
      this.message = `WebGPU is not available: ${text}`;
      this.help = webgpuHelp();
    } else if (kind === 'device-lost') {
      this.message = `The GPU device was lost: ${text} Results shown so far are kept; press Restart to continue with a new device.`;
      this.help = [];
    } else {
      this.message = text;
      this.help = kind === 'diverged' ? ['Lower the weights, the input or dt, then press Restart.'] : [];
    }
    emit<SimulationErrorDetail>(this, 'cg-error', { kind, message: this.message, error });
  }

  private emitState(suspended: LoopSuspension): void {
    emit<SimulationStateDetail>(this, 'cg-state', { playing: this.playing, suspended });
  }

  protected override render() {
    const showStatus = this.status === 'loading' || this.status === 'error';
    return html`
      ${showStatus
        ? html`<div part="status" role="status" aria-live="polite" data-kind=${this.status === 'error' ? 'error' : 'info'} data-error-kind=${this.errorKind ?? nothing}>
            ${this.message}
            ${this.help.length > 0 ? html`<ul part="help">${this.help.map((h) => html`<li>${h.split('`').map((piece, i) => (i % 2 === 1 ? html`<code>${piece}</code>` : piece))}</li>`)}</ul>` : nothing}
            ${this.status === 'error' && this.errorKind !== 'no-webgpu' ? html`<div><button part="restart" type="button" @click=${() => void this.restart()}>Restart</button></div>` : nothing}
          </div>`
        : nothing}
      <slot></slot>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cg-simulation': SimulationElement;
  }
}

/** The host a control refers to: the element with id `forId` in the same root, or the nearest ancestor host. */
export function findSimulationHost(from: Element, forId: string | null | undefined): SimulationElement | null {
  if (forId) {
    const root = from.getRootNode() as Document | ShadowRoot;
    const el = root.getElementById?.(forId) ?? document.getElementById(forId);
    return el instanceof SimulationElement ? el : null;
  }
  return from.closest('cg-simulation');
}
