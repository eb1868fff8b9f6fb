/**
 * `<cg-bci-view>`: the brain–computer-interface task of the BCI study — the grating the cursor
 * turns, one trial's traces and a session's trial outcomes.
 */
import { css, html, LitElement, nothing, type PropertyValues, type ReactiveController } from 'lit';
import { cursorToGratingDeg } from '../experiments/bci.js';
import type { BciTrialTrace } from '../experiments/bci-live.js';

export type { BciTrialTrace };
import { emit } from './events.js';

/** `cg-bci-drawn`: the view was drawn. */
export interface BciDrawnDetail {
  /** Grating angle drawn, degrees (the playback angle while playing back). */
  readonly angleDeg: number;
  /** Rewarded trials in `rewards`. */
  readonly rewarded: number;
  /** Trials in `rewards`. */
  readonly trials: number;
}

const INK = '#1d2430';
const MUTED = '#5a6473';
const GRID = '#d5dae1';
const E1 = '#2456a6';
const E2 = '#c0392b';
const ACCENT = '#1e8449';
const FONT = '11px system-ui, sans-serif';
/** Length of a playback of one trial, ms of wall time. */
export const BCI_PLAYBACK_MS = 1500;
/** Grating canvas side, CSS pixels. */
const GRATING_PX = 180;
/** Trace panel height, CSS pixels. */
const TRACES_PX = 220;

/**
 * Plays a trial back: moves the drawn grating angle along the trial's cursor trace over
 * {@link BCI_PLAYBACK_MS} with requestAnimationFrame; stops when the host is disconnected.
 */
class GratingPlaybackController implements ReactiveController {
  /** Angle to draw while playing (and after the end, until stopped), degrees; null when idle. */
  angle: number | null = null;
  /** Trial time shown, ms; null when idle. */
  timeMs: number | null = null;
  private frame = 0;
  private startedAt = 0;

  constructor(private readonly host: BciViewElement) {
    host.addController(this);
  }

  get running(): boolean {
    return this.frame !== 0;
  }

  play(): void {
    this.cancel();
    this.startedAt = performance.now();
    this.step(this.startedAt);
  }

  /** Stop and forget the playback angle. */
  stop(): void {
    this.cancel();
    this.angle = null;
    this.timeMs = null;
  }

  hostConnected(): void {
    if (this.host.playback && this.host.trial) this.play();
  }

  hostDisconnected(): void {
    this.cancel();
  }

  private cancel(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  private readonly step = (now: number): void => {
    this.frame = 0;
    const trial = this.host.trial;
    const n = trial ? Math.min(trial.cursor.length, trial.timesMs.length) : 0;
    if (!trial || n === 0) {
      this.stop();
      this.host.requestUpdate();
      return;
    }
    const t = Math.max(0, Math.min(1, (now - this.startedAt) / BCI_PLAYBACK_MS));
    const k = Math.round(t * (n - 1));
    this.angle = cursorToGratingDeg(trial.cursor[k]!, this.host.threshold);
    this.timeMs = trial.timesMs[k]!;
    this.host.requestUpdate();
    if (t < 1) this.frame = requestAnimationFrame(this.step);
  };
}

/**
 * The BCI task: a circular sinusoidal grating turned by the cursor (0° at the start of a trial,
 * ±90° = the target orientation, marked by green ticks), one trial's traces — E1 (blue) and E2
 * (red) somatic activity as solid lines, their dendritic (apical) activity dashed, and below
 * them the cursor (E1 − E2) with the hit threshold and the reward time — and a strip of the
 * session's trial outcomes (filled circle = rewarded) with the hit rate.
 *
 * Properties:
 * - `angleDeg` (degrees, −90…90, attribute `angle-deg`, default 0): grating angle shown when not playing back.
 * - `threshold` (cursor units, > 0, default 1): hit threshold of the cursor; also scales the
 *   cursor-to-angle map of playback (`cursorToGratingDeg`).
 * - `trial` ({@link BciTrialTrace} | null): the trial whose traces are drawn.
 * - `rewards` (boolean[]): outcomes of the last session's trials, in order.
 * - `condition` (string): label of the teaching condition, e.g. 'vectorized'.
 * - `playback` (boolean): while true and a trial is set, the grating follows the trial's cursor
 *   over about 1.5 s (once, then it holds the last angle; `replay()` starts again); a playhead
 *   marks the trial time on the traces.
 * - `displayedAngleDeg` (read-only, degrees): the angle currently drawn.
 *
 * Methods: `replay()` restarts the playback (when `playback` is on and a trial is set).
 *
 * Accessibility: both canvases have role="img" and an aria-label describing what they show; the
 * outcome strip has role="img" with the hit count.
 *
 * @fires cg-bci-drawn - after each drawing (every animation frame during playback); detail
 *   {@link BciDrawnDetail} `{ angleDeg, rewarded, trials }`.
 * @csspart grating - the grating canvas.
 * @csspart traces - the trace canvas.
 * @csspart rewards - the strip of trial outcomes and hit rate.
 * @csspart caption - the text line with condition, angle and hit rate.
 */
export class BciViewElement extends LitElement {
  static override properties = {
    angleDeg: { type: Number, attribute: 'angle-deg' },
    threshold: { type: Number },
    trial: { attribute: false },
    rewards: { attribute: false },
    condition: { type: String },
    playback: { type: Boolean },
  };

  static override styles = css`
    :host {
      display: block;
      font: 12px system-ui, sans-serif;
      color: #1d2430;
      min-width: 0;
    }
    .top {
      display: flex;
      gap: 12px;
      align-items: flex-start;
    }
    [part='grating'] {
      width: ${GRATING_PX}px;
      height: ${GRATING_PX}px;
      flex: none;
    }
    .side {
      flex: 1;
      min-width: 0;
    }
    [part='traces'] {
      display: block;
      width: 100%;
      height: ${TRACES_PX}px;
    }
    [part='rewards'] {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 3px;
      margin-top: 8px;
      padding: 0 2px;
    }
    .dot {
      width: 8px;
      height: 8px;
      border-radius: 50%;
      border: 1.5px solid #1e8449;
      box-sizing: border-box;
    }
    .dot.hit {
      background: #1e8449;
    }
    .rate {
      margin-left: 8px;
      color: #5a6473;
    }
    [part='caption'] {
      margin-top: 6px;
      padding: 0 2px;
      color: #5a6473;
    }
  `;

  declare angleDeg: number;
  declare threshold: number;
  declare trial: BciTrialTrace | null;
  declare rewards: boolean[];
  declare condition: string;
  declare playback: boolean;

  private readonly player = new GratingPlaybackController(this);
  private phase = 0;
  private resizeObserver: ResizeObserver | null = null;
  private tracesWidth = 0;

  constructor() {
    super();
    this.angleDeg = 0;
    this.threshold = 1;
    this.trial = null;
    this.rewards = [];
    this.condition = '';
    this.playback = false;
  }

  /** The grating angle currently drawn, degrees: the playback angle while playing back, else `angleDeg`. */
  get displayedAngleDeg(): number {
    const a = this.player.angle ?? this.angleDeg;
    return Number.isFinite(a) ? Math.max(-90, Math.min(90, a)) : 0;
  }

  /** Restart the playback of the trial (no effect unless `playback` is on and a trial is set). */
  replay(): void {
    if (this.playback && this.trial) this.player.play();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resizeObserver ??= new ResizeObserver(() => {
      const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas[part="traces"]');
      if (canvas && Math.round(canvas.clientWidth) !== this.tracesWidth) this.requestUpdate();
    });
    this.resizeObserver.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
  }

  private get rewardedCount(): number {
    return (this.rewards ?? []).reduce((n, r) => n + (r ? 1 : 0), 0);
  }

  protected override render() {
    const rewards = this.rewards ?? [];
    const hits = this.rewardedCount;
    const rate = rewards.length ? `${Math.round((100 * hits) / rewards.length)} %` : '—';
    const angle = this.displayedAngleDeg;
    const trial = this.trial;
    const tracesLabel = trial
      ? `Trial traces over ${Math.round(trial.timesMs[trial.timesMs.length - 1] ?? 0)} ms: E1 and E2 somatic (solid) and dendritic (dashed) activity; ` +
        `cursor E1 − E2 with hit threshold ${fmt(this.threshold)}; ${trial.hitMs !== null ? `rewarded at ${Math.round(trial.hitMs)} ms` : 'not rewarded'}`
      : 'Trial traces: no trial';
    return html`
      <div class="top">
        <canvas
          part="grating"
          role="img"
          aria-label=${`Grating at ${angle.toFixed(0)}° (0° = start, ±90° = target orientation)`}
        ></canvas>
        <div class="side">
          <canvas part="traces" role="img" aria-label=${tracesLabel}></canvas>
        </div>
      </div>
      <div part="rewards" role="img" aria-label=${`${hits} of ${rewards.length} trials rewarded`}>
        ${rewards.map((r) => html`<span class="dot ${r ? 'hit' : ''}"></span>`)}
        ${rewards.length ? html`<span class="rate">hit rate ${rate} (${hits}/${rewards.length})</span>` : html`<span class="rate">no trials yet</span>`}
      </div>
      <div part="caption">
        ${this.condition ? html`<strong>${this.condition}</strong> · ` : nothing}grating ${angle.toFixed(0)}°${trial
          ? trial.hitMs !== null
            ? ` · hit at ${Math.round(trial.hitMs)} ms`
            : ' · no hit'
          : nothing}
        · hit rate ${rate}
      </div>
    `;
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('playback') || changed.has('trial')) {
      if (this.playback && this.trial) {
        if (!this.player.running || changed.has('trial')) this.player.play();
      } else {
        this.player.stop();
      }
    }
  }

  protected override updated(): void {
    if (this.player.running) this.phase = (this.phase + 0.15) % (2 * Math.PI);
    this.drawGrating();
    this.drawTraces();
    emit<BciDrawnDetail>(this, 'cg-bci-drawn', { angleDeg: this.displayedAngleDeg, rewarded: this.rewardedCount, trials: (this.rewards ?? []).length });
  }

  private drawGrating(): void {
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas[part="grating"]');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    const side = Math.round(GRATING_PX * dpr);
    if (canvas.width !== side) canvas.width = side;
    if (canvas.height !== side) canvas.height = side;
    const image = ctx.createImageData(side, side);
    const px = image.data;
    const c = side / 2;
    const radius = side * 0.4;
    const cycles = 5; // stripes across the diameter
    const k = (2 * Math.PI * cycles) / (2 * radius);
    const theta = (this.displayedAngleDeg * Math.PI) / 180;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    for (let y = 0; y < side; y++) {
      const dy = c - (y + 0.5); // up is positive: positive angles turn counter-clockwise
      for (let x = 0; x < side; x++) {
        const dx = x + 0.5 - c;
        const r = Math.hypot(dx, dy);
        const o = (y * side + x) * 4;
        if (r > radius) continue; // transparent outside the aperture
        const lum = 0.5 + 0.5 * Math.cos(k * (dx * cos + dy * sin) + this.phase);
        // Ink-to-white stripes; soften the aperture edge over one pixel.
        px[o] = 29 + (247 - 29) * lum;
        px[o + 1] = 36 + (247 - 36) * lum;
        px[o + 2] = 48 + (247 - 48) * lum;
        px[o + 3] = 255 * Math.min(1, radius - r + 0.5);
      }
    }
    ctx.putImageData(image, 0, 0);
    // Aperture outline and the target orientation (stripes horizontal at ±90°).
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.strokeStyle = GRID;
    ctx.lineWidth = dpr;
    ctx.beginPath();
    ctx.arc(c, c, radius + dpr, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.strokeStyle = ACCENT;
    ctx.lineWidth = 3 * dpr;
    ctx.beginPath();
    ctx.moveTo(c - radius - 4 * dpr, c);
    ctx.lineTo(c - radius - 14 * dpr, c);
    ctx.moveTo(c + radius + 4 * dpr, c);
    ctx.lineTo(c + radius + 14 * dpr, c);
    ctx.stroke();
  }

  private drawTraces(): void {
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas[part="traces"]');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    const width = Math.max(200, Math.round(canvas.clientWidth || 420));
    this.tracesWidth = Math.round(canvas.clientWidth);
    const height = TRACES_PX;
    if (canvas.width !== Math.round(width * dpr)) canvas.width = Math.round(width * dpr);
    if (canvas.height !== Math.round(height * dpr)) canvas.height = Math.round(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    const trial = this.trial;
    const n = trial ? Math.min(trial.timesMs.length, trial.cursor.length) : 0;
    if (!trial || n < 2) {
      ctx.fillStyle = MUTED;
      ctx.textAlign = 'center';
      ctx.fillText('No trial', width / 2, height / 2);
      return;
    }
    const left = 44;
    const right = width - 8;
    const t0 = trial.timesMs[0]!;
    const t1 = trial.timesMs[n - 1]! > t0 ? trial.timesMs[n - 1]! : t0 + 1;
    const xOf = (t: number) => left + ((t - t0) / (t1 - t0)) * (right - left);
    const top = { y0: 14, y1: 118 };
    const bottom = { y0: 140, y1: height - 24 };

    const extent = (arrays: number[][], extra: number[] = []): [number, number] => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const a of arrays) for (let i = 0; i < Math.min(n, a.length); i++) if (Number.isFinite(a[i]!)) ((lo = Math.min(lo, a[i]!)), (hi = Math.max(hi, a[i]!)));
      for (const v of extra) if (Number.isFinite(v)) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
      if (!Number.isFinite(lo)) return [0, 1];
      if (hi - lo < 1e-12) return [lo - 0.5, hi + 0.5];
      const pad = 0.08 * (hi - lo);
      return [lo - pad, hi + pad];
    };
    const panel = (p: { y0: number; y1: number }, range: [number, number], label: string) => {
      const yOf = (v: number) => p.y1 - ((v - range[0]) / (range[1] - range[0])) * (p.y1 - p.y0);
      ctx.strokeStyle = GRID;
      ctx.lineWidth = 1;
      ctx.setLineDash([]);
      ctx.strokeRect(left + 0.5, p.y0 + 0.5, right - left, p.y1 - p.y0);
      ctx.fillStyle = MUTED;
      ctx.textAlign = 'right';
      ctx.fillText(fmt(range[1]), left - 4, p.y0 + 4);
      ctx.fillText(fmt(range[0]), left - 4, p.y1 - 4);
      ctx.save();
      ctx.translate(10, (p.y0 + p.y1) / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center';
      ctx.fillText(label, 0, 0);
      ctx.restore();
      return yOf;
    };
    const line = (values: number[], yOf: (v: number) => number, color: string, dashed: boolean, width = 1.5) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.setLineDash(dashed ? [5, 3] : []);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < Math.min(n, values.length); i++) {
        const v = values[i]!;
        if (!Number.isFinite(v)) {
          pen = false;
          continue;
        }
        const x = xOf(trial.timesMs[i]!);
        const y = yOf(v);
        if (pen) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        pen = true;
      }
      ctx.stroke();
      ctx.setLineDash([]);
    };

    const yAct = panel(top, extent([trial.e1Soma, trial.e2Soma, trial.e1Dendrite, trial.e2Dendrite]), 'activity');
    line(trial.e1Dendrite, yAct, E1, true, 1.2);
    line(trial.e2Dendrite, yAct, E2, true, 1.2);
    line(trial.e1Soma, yAct, E1, false);
    line(trial.e2Soma, yAct, E2, false);

    const yCur = panel(bottom, extent([trial.cursor], [this.threshold, 0]), 'cursor');
    ctx.strokeStyle = ACCENT;
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(left, yCur(this.threshold));
    ctx.lineTo(right, yCur(this.threshold));
    ctx.stroke();
    ctx.setLineDash([]);
    line(trial.cursor, yCur, INK, false);

    if (trial.hitMs !== null && Number.isFinite(trial.hitMs)) {
      const x = xOf(trial.hitMs);
      ctx.strokeStyle = ACCENT;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, top.y0);
      ctx.lineTo(x, bottom.y1);
      ctx.stroke();
      ctx.fillStyle = ACCENT;
      ctx.beginPath();
      ctx.moveTo(x, top.y0 - 1);
      ctx.lineTo(x - 5, top.y0 - 9);
      ctx.lineTo(x + 5, top.y0 - 9);
      ctx.closePath();
      ctx.fill();
      ctx.textAlign = x > right - 50 ? 'right' : 'left';
      ctx.fillText('reward', x + (x > right - 50 ? -8 : 8), top.y0 - 6);
    }
    if (this.player.timeMs !== null) {
      const x = xOf(this.player.timeMs);
      ctx.strokeStyle = MUTED;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, top.y0);
      ctx.lineTo(x, bottom.y1);
      ctx.stroke();
    }

    // Time axis and legend.
    ctx.fillStyle = MUTED;
    ctx.textAlign = 'left';
    ctx.fillText(`${fmt(t0)} ms`, left, height - 10);
    ctx.textAlign = 'right';
    ctx.fillText(`${fmt(t1)} ms`, right, height - 10);
    ctx.textAlign = 'left';
    const legend: [string, string, boolean][] = [
      ['E1', E1, false],
      ['E2', E2, false],
      ['dendrite', MUTED, true],
      ['threshold', ACCENT, true],
    ];
    let lx = left + 60;
    for (const [label, color, dashed] of legend) {
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.setLineDash(dashed ? [4, 3] : []);
      ctx.beginPath();
      ctx.moveTo(lx, height - 10);
      ctx.lineTo(lx + 14, height - 10);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = MUTED;
      ctx.fillText(label, lx + 18, height - 10);
      lx += 24 + ctx.measureText(label).width + 10;
      if (lx > right - 90) break;
    }
  }
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a === 0) return '0';
  return a >= 1e4 || a < 1e-2 ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

if (!customElements.get('cg-bci-view')) customElements.define('cg-bci-view', BciViewElement);

declare global {
  interface HTMLElementTagNameMap {
    'cg-bci-view': BciViewElement;
  }
}
