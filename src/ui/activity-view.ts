/**
 * `<cg-activity-view>`: a scrolling spike raster or state heatmap of one population, drawn with
 * WebGPU straight from the simulator's GPU buffers ({@link GpuActivityHistory}); no readback.
 */
import { LitElement, css, html, type PropertyValues, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { GpuActivityHistory, defaultHeatmapRange, type ActivityHistoryMode } from '../gpu/display/activity-history.js';
import type { GpuSimulator } from '../gpu/simulator.js';
import { emit, type SimulationErrorDetail } from './events.js';

/** `cg-view-ready`: the view's history is attached to the simulator and drawing. */
export interface ActivityViewReadyDetail {
  readonly rows: number;
  readonly columns: number;
  readonly population: string;
  readonly mode: ActivityHistoryMode;
}

/** Calls `frame` once per animation frame while its host is connected; stops when it is disconnected. */
export class AnimationFrameController implements ReactiveController {
  private handle = 0;

  constructor(
    host: ReactiveControllerHost,
    private readonly frame: (time: number) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    if (this.handle === 0) this.handle = requestAnimationFrame(this.tick);
  }

  hostDisconnected(): void {
    if (this.handle !== 0) cancelAnimationFrame(this.handle);
    this.handle = 0;
  }

  private readonly tick = (time: number): void => {
    this.handle = requestAnimationFrame(this.tick);
    this.frame(time);
  };
}

/** Properties whose change rebuilds the GPU history. */
const HISTORY_PROPERTIES = ['simulator', 'population', 'mode', 'variable', 'maxRows', 'neurons', 'columns', 'stepsPerColumn', 'trial'] as const;

/**
 * A scrolling spike raster (`mode="raster"`) or heatmap of a state variable (`mode="heatmap"`)
 * of one population and trial of a {@link GpuSimulator}, newest time at the right. Per-step GPU
 * work attached to the simulator writes a ring image; the canvas is redrawn from it in every
 * animation frame in which something changed (steps simulated, range, size), without readback.
 *
 * Properties: `simulator` (set by the page; null detaches), `population`, `mode`, `variable`
 * (heatmap; default `r` or the first state variable), `maxRows` (attribute `max-rows`, default
 * 512), `columns` (default 400), `stepsPerColumn` (attribute `steps-per-column`, default 1 ms
 * of steps), `trial` (default 0), `min` / `max` (heatmap colour range; unset: a fixed range
 * for the variable, see `range`), `label` (the canvas's aria-label). Read-only: `framesDrawn`,
 * `history`, `range`.
 *
 * @fires cg-view-ready - {@link ActivityViewReadyDetail} `{ rows, columns, population, mode }`: the history is attached.
 * @fires cg-error - {@link SimulationErrorDetail} (kind `failed`): the history could not be built (bad option, GPU error).
 * @csspart canvas - the WebGPU canvas (role="img"), one pixel per row and column, scaled by CSS.
 * @csspart caption - population, mode, rows and the time span shown.
 * @csspart snapshot - a 2D copy over the canvas, present only after {@link ActivityViewElement.snapshot}.
 * @cssprop --cg-activity-height - height of the canvas (default 200px).
 */
export class ActivityViewElement extends LitElement {
  static override properties = {
    simulator: { attribute: false },
    population: { type: String },
    mode: { type: String },
    variable: { type: String },
    maxRows: { type: Number, attribute: 'max-rows' },
    neurons: { attribute: false },
    columns: { type: Number },
    stepsPerColumn: { type: Number, attribute: 'steps-per-column' },
    trial: { type: Number },
    min: { type: Number },
    max: { type: Number },
    label: { type: String },
    caption: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
      font: 12px system-ui, sans-serif;
      color: #1d2430;
    }
    figure {
      margin: 0;
      position: relative;
    }
    [part='snapshot'] {
      position: absolute;
      left: 0;
      top: 0;
      width: 100%;
      height: var(--cg-activity-height, 200px);
      image-rendering: pixelated;
      border: 1px solid #d5dae1;
      box-sizing: border-box;
    }
    [part='canvas'] {
      display: block;
      width: 100%;
      height: var(--cg-activity-height, 200px);
      image-rendering: pixelated;
      border: 1px solid #d5dae1;
      box-sizing: border-box;
    }
    [part='caption'] {
      margin-top: 4px;
      color: #5a6473;
      font-variant-numeric: tabular-nums;
    }
  `;

  /** The simulator to draw from (set by the page); null removes the history. */
  declare simulator: GpuSimulator | null;
  /** Population name. */
  declare population: string;
  /** `raster` (spikes) or `heatmap` (a state variable). */
  declare mode: ActivityHistoryMode;
  /** Heatmap state variable; empty: `r` if present, else the model's first state variable. */
  declare variable: string;
  /** Most display rows (neurons, evenly spaced) when {@link neurons} is not set. */
  declare maxRows: number;
  /** Neurons to show, one row each, top to bottom (e.g. sorted by preferred orientation); null: evenly spaced. */
  declare neurons: readonly number[] | null;
  /** Columns (time bins) shown. */
  declare columns: number;
  /** Steps per column; 0: the steps of 1 ms. */
  declare stepsPerColumn: number;
  /** Trial of the batch shown. */
  declare trial: number;
  /** Heatmap value at the low end of the colour map (unset: see {@link range}). */
  declare min: number | undefined;
  /** Heatmap value at the high end of the colour map. */
  declare max: number | undefined;
  /** aria-label of the canvas (default: a description of what is shown). */
  declare label: string;
  declare private caption: string;

  /** Draws done so far (one per animation frame in which something changed). */
  framesDrawn = 0;

  private current: GpuActivityHistory | null = null;
  private context: GPUCanvasContext | null = null;
  private configuredDevice: GPUDevice | null = null;
  private generation = 0;
  /** The rebuild in progress (or the last one). */
  private pending: Promise<void> = Promise.resolve();
  /** What the last drawing showed, to skip frames in which nothing changed. */
  private lastDrawn = '';

  constructor() {
    super();
    this.simulator = null;
    this.population = '';
    this.mode = 'raster';
    this.variable = '';
    this.maxRows = 512;
    this.neurons = null;
    this.columns = 400;
    this.stepsPerColumn = 0;
    this.trial = 0;
    this.min = undefined;
    this.max = undefined;
    this.label = '';
    this.caption = '';
    new AnimationFrameController(this, () => this.drawFrame());
  }

  /**
   * Resolves once the history for the current properties is attached to the simulator (or the
   * attempt failed, see `cg-error`). The host waits for this before autoplay starts, so that a
   * view set up in a `cg-ready` handler sees the simulation from its first step.
   */
  get historyReady(): Promise<void> {
    return this.updateComplete.then(() => this.pending);
  }

  /** The GPU history being drawn, or null while none is attached. */
  get history(): GpuActivityHistory | null {
    return this.current;
  }

  /** Heatmap colour range in use: `min` / `max` where set, else a fixed range for the variable. */
  get range(): { min: number; max: number } {
    const fallback = defaultHeatmapRange(this.current?.layout.variable ?? (this.variable || 'r'));
    return { min: this.min ?? fallback.min, max: this.max ?? fallback.max };
  }

  override render() {
    const label = this.label || `${this.mode === 'raster' ? 'Spike raster' : 'Heatmap'} of population ${this.population || '(none)'}`;
    return html`<figure>
      <canvas part="canvas" role="img" aria-label=${label}></canvas>
      <figcaption part="caption">${this.caption}</figcaption>
    </figure>`;
  }

  override updated(changed: PropertyValues<this>): void {
    if (HISTORY_PROPERTIES.some((p) => changed.has(p))) this.pending = this.rebuild();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.generation++;
    this.dropHistory();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-attached after a disconnect: build again (the first connection builds from updated()).
    if (this.hasUpdated && !this.current) void this.rebuild();
  }

  private dropHistory(): void {
    this.current?.destroy();
    this.current = null;
    this.lastDrawn = '';
  }

  private get canvas(): HTMLCanvasElement | null {
    return this.renderRoot.querySelector('canvas');
  }

  private async rebuild(): Promise<void> {
    const generation = ++this.generation;
    this.dropHistory();
    const sim = this.simulator;
    if (!sim || !this.population || !this.isConnected) {
      this.caption = sim ? 'No population chosen.' : 'No simulation.';
      return;
    }
    try {
      await this.updateComplete;
      const history = await GpuActivityHistory.create(sim, {
        population: this.population,
        mode: this.mode,
        ...(this.mode === 'heatmap' && this.variable ? { variable: this.variable } : {}),
        maxRows: this.neurons ? Math.max(this.maxRows, this.neurons.length) : this.maxRows,
        ...(this.neurons ? { neurons: [...this.neurons] } : {}),
        columns: this.columns,
        ...(this.stepsPerColumn > 0 ? { stepsPerColumn: this.stepsPerColumn } : {}),
        trial: this.trial,
      });
      if (generation !== this.generation || !this.isConnected) {
        history.destroy();
        return;
      }
      const canvas = this.canvas!;
      canvas.width = history.columns;
      canvas.height = history.rows;
      const device = sim.context.device;
      if (!this.context || this.configuredDevice !== device) {
        const context = canvas.getContext('webgpu');
        if (!context) throw new Error('This canvas has no WebGPU context (canvas.getContext("webgpu") returned null).');
        context.configure({ device, format: navigator.gpu.getPreferredCanvasFormat(), alphaMode: 'opaque' });
        this.context = context;
        this.configuredDevice = device;
      }
      this.current = history;
      const { layout } = history;
      const what = layout.mode === 'raster' ? 'spikes' : `${layout.variable} (mean per column)`;
      this.caption = `${layout.population} · ${what} · ${layout.rows} neurons · trial ${layout.trial} · last ${formatMs(history.spanMs)}`;
      emit<ActivityViewReadyDetail>(this, 'cg-view-ready', { rows: layout.rows, columns: layout.columns, population: layout.population, mode: layout.mode });
    } catch (error) {
      if (generation !== this.generation) return;
      const message = error instanceof Error ? error.message : String(error);
      this.caption = message;
      emit<SimulationErrorDetail>(this, 'cg-error', { kind: 'failed', message, error });
    }
  }

  /**
   * Copy what the view shows into a 2D canvas laid over the WebGPU canvas (part `snapshot`),
   * and return its pixels. For screenshots and tests only: it reads the image back once.
   * Headless browsers on software adapters do not composite WebGPU canvases into page
   * screenshots, so captures of the page use this copy. The copy stays until
   * {@link clearSnapshot} (or the next rebuild).
   * @returns RGBA pixels, `columns × rows`, row-major; null when nothing is attached
   */
  async snapshot(): Promise<ImageData | null> {
    const history = this.current;
    const sim = this.simulator;
    if (!history || !sim) return null;
    const device = sim.context.device;
    const width = history.columns;
    const height = history.rows;
    const texture = device.createTexture({ size: [width, height], format: 'rgba8unorm', usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC });
    history.draw(texture.createView(), 'rgba8unorm', this.range);
    const bytesPerRow = Math.ceil((width * 4) / 256) * 256;
    const buffer = device.createBuffer({ size: bytesPerRow * height, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
    const encoder = device.createCommandEncoder({ label: 'activity view snapshot' });
    encoder.copyTextureToBuffer({ texture }, { buffer, bytesPerRow }, [width, height]);
    device.queue.submit([encoder.finish()]);
    await buffer.mapAsync(GPUMapMode.READ);
    const mapped = new Uint8Array(buffer.getMappedRange());
    const image = new ImageData(width, height);
    for (let y = 0; y < height; y++) image.data.set(mapped.subarray(y * bytesPerRow, y * bytesPerRow + width * 4), y * width * 4);
    buffer.unmap();
    buffer.destroy();
    texture.destroy();
    let copy = this.renderRoot.querySelector<HTMLCanvasElement>('canvas[part="snapshot"]');
    if (!copy) {
      copy = document.createElement('canvas');
      copy.setAttribute('part', 'snapshot');
      copy.setAttribute('aria-hidden', 'true');
      this.renderRoot.querySelector('figure')?.append(copy);
    }
    copy.width = width;
    copy.height = height;
    copy.getContext('2d')?.putImageData(image, 0, 0);
    return image;
  }

  /** Remove the copy made by {@link snapshot}. */
  clearSnapshot(): void {
    this.renderRoot.querySelector('canvas[part="snapshot"]')?.remove();
  }

  private drawFrame(): void {
    const history = this.current;
    const context = this.context;
    if (!history || !context || !this.simulator) return;
    const { min, max } = this.range;
    // The trial offset tells blocks apart when a driver restarts the step count every block.
    const key = `${this.simulator.trialOffset}|${this.simulator.stepCount}|${min}|${max}`;
    if (key === this.lastDrawn) return;
    try {
      history.render(context, { min, max });
      this.lastDrawn = key;
      this.framesDrawn++;
    } catch (error) {
      // A destroyed simulator or lost device: stop drawing and say so once.
      this.dropHistory();
      const message = error instanceof Error ? error.message : String(error);
      this.caption = message;
      emit<SimulationErrorDetail>(this, 'cg-error', { kind: 'failed', message, error });
    }
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 2)} s` : `${Number(ms.toFixed(2))} ms`;
}

if (!customElements.get('cg-activity-view')) customElements.define('cg-activity-view', ActivityViewElement);

declare global {
  interface HTMLElementTagNameMap {
    'cg-activity-view': ActivityViewElement;
  }
}
