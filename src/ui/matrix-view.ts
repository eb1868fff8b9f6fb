/**
 * `<cg-matrix-view>`: a matrix (covariance, correlation, weights) as a heat map on a 2D canvas
 * with a diverging blue–white–red colour scale and a legend.
 */
import { css, html, LitElement, nothing, type PropertyValues } from 'lit';
import { emit } from './events.js';

/** How the values are interpreted. */
export type MatrixKind = 'covariance' | 'correlation' | 'weights';

/** `cg-matrix-drawn`: the matrix was drawn with this colour range. */
export interface MatrixDrawnDetail {
  readonly rows: number;
  readonly cols: number;
  /** Value drawn at the blue end of the scale. */
  readonly min: number;
  /** Value drawn at the red end of the scale. */
  readonly max: number;
}

type Rgb = readonly [number, number, number];
const WHITE: Rgb = [247, 247, 247];
const NEG: readonly Rgb[] = [WHITE, [146, 197, 222], [67, 147, 195], [33, 102, 172], [5, 48, 97]];
const POS: readonly Rgb[] = [WHITE, [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31]];

function ramp(stops: readonly Rgb[], t: number): Rgb {
  const x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/**
 * Colour of `v` on the diverging scale of range [min, max]: white at 0, red towards `max` for
 * positive values and blue towards `min` for negative ones (a side that the range does not
 * reach is scaled by the other side's magnitude).
 */
export function divergingColor(v: number, min: number, max: number): Rgb {
  const scale = Math.max(Math.abs(min), Math.abs(max)) || 1;
  if (v >= 0) return ramp(POS, v / (max > 0 ? max : scale));
  return ramp(NEG, -v / (min < 0 ? -min : scale));
}

function rgbCss(c: Rgb): string {
  return `rgb(${Math.round(c[0])}, ${Math.round(c[1])}, ${Math.round(c[2])})`;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}

/** The validated, transformed matrix ready to draw, or the reason it cannot be drawn. */
type Prepared =
  | { readonly ok: true; readonly values: Float64Array; readonly rows: number; readonly cols: number; readonly rowOrder: number[]; readonly colOrder: number[]; readonly min: number; readonly max: number }
  | { readonly ok: false; readonly message: string; readonly empty?: boolean };

/**
 * A matrix as a heat map: one canvas pixel per cell (scaled up without smoothing), a diverging
 * blue–white–red colour map centred on 0, a legend strip labelled min / 0 / max, and a caption
 * that shows row, column and value under the pointer.
 *
 * Size: the CSS custom property `--cg-matrix-size` (default 280px) sets the canvas width.
 *
 * Properties:
 * - `matrix` (Float32Array | Float64Array | number[]): values in row-major order, `rows × cols` long.
 * - `rows`, `cols` (integers ≥ 1; 0 = automatic, the default): shape. With both 0 the matrix is
 *   square (its length must be a perfect square); with one given, the other is length / it.
 * - `kind` ('covariance' | 'correlation' | 'weights', attribute `kind`, default 'covariance'):
 *   'correlation' normalises a square covariance matrix by the square roots of its diagonal
 *   (C_ij / √(C_ii C_jj), values in [−1, 1], diagonal exactly 1; a non-positive diagonal is an error).
 * - `order` (number[] | null): explicit permutation of display positions → original indices; it
 *   reorders rows when its length is `rows` and columns when its length is `cols` (both when square).
 * - `sortBy` (number[] | null): one key per index (e.g. preferred orientations, degrees); indices
 *   are shown by ascending key (stable). Ignored when `order` is set.
 * - `excludeDiagonal` (boolean, attribute `exclude-diagonal`): the automatic colour range ignores
 *   the diagonal (of a square matrix), so large variances do not wash out covariances.
 * - `heading` (string): title above the canvas.
 * - `placeholder` (string, attribute `placeholder`, default 'No data yet'): neutral text shown
 *   (part `empty`) while no matrix is set — an empty view is not an error.
 * - `range` ([min, max] | null): fixed colour range; default (null) is symmetric ±max|value| for
 *   signed data, [0, max] for non-negative weights and [min, 0] for non-positive weights.
 * - `drawnRange` (read-only, [min, max] | null): the colour range of the last drawing, null when
 *   nothing is drawn (no or bad input).
 * - `displayOrder` (read-only, { rows: number[]; cols: number[] } | null): the original index
 *   shown at each row / column position of the last drawing.
 *
 * No matrix (null or empty) shows the neutral placeholder (part `empty`). Bad input (length ≠ rows × cols, NaN or infinite values, a bad permutation or key list,
 * correlation of a non-square matrix or one with a non-positive variance) does not throw: a
 * message (part `message`) is shown instead and no event fires.
 *
 * @fires cg-matrix-drawn - after each drawing; detail {@link MatrixDrawnDetail} `{ rows, cols, min, max }`.
 * @csspart heading - the title.
 * @csspart canvas - the heat-map canvas (role="img").
 * @csspart legend - the colour-scale strip with its labels.
 * @csspart caption - the line under the legend: a summary, or row, column and value under the pointer.
 * @csspart message - the explanation shown instead of the drawing for bad input (error colour).
 * @csspart empty - the neutral placeholder shown while no matrix is set.
 * @cssprop --cg-matrix-size - width of the canvas (default 280px).
 */
export class MatrixViewElement extends LitElement {
  static override properties = {
    matrix: { attribute: false },
    rows: { type: Number },
    cols: { type: Number },
    kind: { type: String },
    order: { attribute: false },
    sortBy: { attribute: false },
    excludeDiagonal: { type: Boolean, attribute: 'exclude-diagonal' },
    heading: { type: String },
    placeholder: { type: String },
    range: { attribute: false },
    hover: { state: true },
  };

  static override styles = css`
    :host {
      display: inline-block;
      font: 12px system-ui, sans-serif;
      color: #1d2430;
      --size: var(--cg-matrix-size, 280px);
    }
    [part='heading'] {
      font-size: 13px;
      font-weight: 600;
      margin: 0 0 4px;
    }
    [part='canvas'] {
      display: block;
      width: var(--size);
      height: auto;
      image-rendering: pixelated;
      border: 1px solid #d5dae1;
      cursor: crosshair;
    }
    [part='legend'] {
      width: var(--size);
      margin-top: 6px;
    }
    .strip {
      height: 10px;
      border: 1px solid #d5dae1;
    }
    .labels {
      position: relative;
      height: 16px;
      color: #5a6473;
    }
    .labels span {
      position: absolute;
      top: 1px;
      white-space: nowrap;
    }
    [part='caption'] {
      width: var(--size);
      min-height: 1.4em;
      color: #5a6473;
      font-variant-numeric: tabular-nums;
    }
    [part='message'],
    [part='empty'] {
      width: var(--size);
      padding: 12px;
      box-sizing: border-box;
      border: 1px dashed #d5dae1;
      border-radius: 4px;
    }
    [part='message'] {
      color: #c0392b;
    }
    [part='empty'] {
      display: flex;
      align-items: center;
      justify-content: center;
      aspect-ratio: 1;
      color: #5a6473;
    }
  `;

  declare matrix: Float32Array | Float64Array | number[] | null;
  declare rows: number;
  declare cols: number;
  declare kind: MatrixKind;
  declare order: number[] | null;
  declare sortBy: number[] | null;
  declare excludeDiagonal: boolean;
  declare heading: string;
  declare placeholder: string;
  declare range: [number, number] | null;
  /** Cell under the pointer, in display positions. */
  declare private hover: { r: number; c: number } | null;

  private prepared: Prepared = { ok: false, empty: true, message: '' };
  private drawn: Extract<Prepared, { ok: true }> | null = null;

  constructor() {
    super();
    this.matrix = null;
    this.rows = 0;
    this.cols = 0;
    this.kind = 'covariance';
    this.order = null;
    this.sortBy = null;
    this.excludeDiagonal = false;
    this.heading = '';
    this.placeholder = 'No data yet';
    this.range = null;
    this.hover = null;
  }

  /** Colour range of the last drawing, [min, max]; null when nothing is drawn. */
  get drawnRange(): [number, number] | null {
    return this.drawn ? [this.drawn.min, this.drawn.max] : null;
  }

  /** Original row and column index at each display position of the last drawing. */
  get displayOrder(): { rows: number[]; cols: number[] } | null {
    return this.drawn ? { rows: [...this.drawn.rowOrder], cols: [...this.drawn.colOrder] } : null;
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.size === 1 && changed.has('hover')) return;
    this.prepared = this.prepare();
  }

  protected override render() {
    const p = this.prepared;
    const heading = this.heading ? html`<div part="heading">${this.heading}</div>` : nothing;
    if (!p.ok && p.empty) return html`${heading}<div part="empty" role="status">${this.placeholder}</div>`;
    if (!p.ok) return html`${heading}<div part="message" role="status">${p.message}</div>`;
    const { min, max } = p;
    const stops = Array.from({ length: 21 }, (_, k) => {
      const v = min + ((max - min) * k) / 20;
      return `${rgbCss(divergingColor(v, min, max))} ${k * 5}%`;
    });
    const zeroAt = min < 0 && max > 0 ? ((0 - min) / (max - min)) * 100 : null;
    return html`
      ${heading}
      <canvas
        part="canvas"
        width=${p.cols}
        height=${p.rows}
        role="img"
        aria-label=${this.describe(p)}
        @pointermove=${this.onPointerMove}
        @pointerleave=${this.onPointerLeave}
      ></canvas>
      <div part="legend" aria-hidden="true">
        <div class="strip" style="background: linear-gradient(to right, ${stops.join(', ')})"></div>
        <div class="labels">
          <span style="left: 0">${fmt(min)}</span>
          ${zeroAt !== null && zeroAt > 12 && zeroAt < 88 ? html`<span style="left: ${zeroAt}%; transform: translateX(-50%)">0</span>` : nothing}
          <span style="right: 0">${fmt(max)}</span>
        </div>
      </div>
      <div part="caption" aria-live="polite">${this.captionText(p)}</div>
    `;
  }

  protected override updated(changed: PropertyValues): void {
    if (changed.size === 1 && changed.has('hover')) return;
    const p = this.prepared;
    if (!p.ok) {
      this.drawn = null;
      return;
    }
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas[part="canvas"]');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const image = ctx.createImageData(p.cols, p.rows);
    const px = image.data;
    for (let r = 0; r < p.rows; r++) {
      const i = p.rowOrder[r]!;
      for (let c = 0; c < p.cols; c++) {
        const j = p.colOrder[c]!;
        const rgb = divergingColor(p.values[i * p.cols + j]!, p.min, p.max);
        const o = (r * p.cols + c) * 4;
        px[o] = rgb[0];
        px[o + 1] = rgb[1];
        px[o + 2] = rgb[2];
        px[o + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
    this.drawn = p;
    emit<MatrixDrawnDetail>(this, 'cg-matrix-drawn', { rows: p.rows, cols: p.cols, min: p.min, max: p.max });
  }

  private describe(p: Extract<Prepared, { ok: true }>): string {
    const what = this.heading || `${this.kind} matrix`;
    const sorted = this.order ? ', explicitly ordered' : this.sortBy ? ', sorted by key' : '';
    return `${what}: ${p.rows} × ${p.cols}${sorted}; colour scale from ${fmt(p.min)} (blue) through 0 (white) to ${fmt(p.max)} (red)`;
  }

  private captionText(p: Extract<Prepared, { ok: true }>): string {
    const h = this.hover;
    if (h && h.r < p.rows && h.c < p.cols) {
      const i = p.rowOrder[h.r]!;
      const j = p.colOrder[h.c]!;
      return `(i ${i}, j ${j}): ${fmt(p.values[i * p.cols + j]!)}`;
    }
    return `${p.rows} × ${p.cols} ${this.kind}; range ${fmt(p.min)} to ${fmt(p.max)}${this.excludeDiagonal ? ' (diagonal excluded)' : ''}`;
  }

  private readonly onPointerMove = (event: PointerEvent): void => {
    const p = this.prepared;
    const canvas = event.currentTarget as HTMLCanvasElement;
    if (!p.ok) return;
    const box = canvas.getBoundingClientRect();
    const c = Math.floor(((event.clientX - box.left) / box.width) * p.cols);
    const r = Math.floor(((event.clientY - box.top) / box.height) * p.rows);
    this.hover = r >= 0 && r < p.rows && c >= 0 && c < p.cols ? { r, c } : null;
  };

  private readonly onPointerLeave = (): void => {
    this.hover = null;
  };

  /** Validate the inputs and compute the values, display order and colour range. */
  private prepare(): Prepared {
    const m = this.matrix;
    if (!m || m.length === 0) return { ok: false, empty: true, message: '' };
    const n = m.length;
    let rows = Math.floor(this.rows || 0);
    let cols = Math.floor(this.cols || 0);
    if (rows < 0 || cols < 0) return { ok: false, message: `Invalid shape ${this.rows} × ${this.cols}.` };
    if (!rows && !cols) {
      const side = Math.round(Math.sqrt(n));
      if (side * side !== n) return { ok: false, message: `A matrix of ${n} values is not square; set rows and cols.` };
      rows = cols = side;
    } else if (!rows) rows = n / cols;
    else if (!cols) cols = n / rows;
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows * cols !== n) {
      return { ok: false, message: `Matrix length ${n} does not equal rows × cols (${this.rows || '?'} × ${this.cols || '?'}).` };
    }
    const values = Float64Array.from(m as ArrayLike<number>);
    for (let k = 0; k < n; k++) {
      if (!Number.isFinite(values[k]!)) {
        const what = Number.isNaN(values[k]!) ? 'NaN' : 'an infinite value';
        return { ok: false, message: `The matrix contains ${what} at row ${Math.floor(k / cols)}, column ${k % cols}.` };
      }
    }
    const kind = this.kind;
    if (kind !== 'covariance' && kind !== 'correlation' && kind !== 'weights') return { ok: false, message: `Unknown kind '${String(kind)}'.` };
    if (kind === 'correlation') {
      if (rows !== cols) return { ok: false, message: 'A correlation needs a square covariance matrix.' };
      const sd = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        const v = values[i * cols + i]!;
        if (!(v > 0)) return { ok: false, message: `Cannot normalise to a correlation: variance ${fmt(v)} at index ${i} is not positive.` };
        sd[i] = Math.sqrt(v);
      }
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          values[i * cols + j] = i === j ? 1 : Math.max(-1, Math.min(1, values[i * cols + j]! / (sd[i]! * sd[j]!)));
        }
      }
    }

    let rowOrder = Array.from({ length: rows }, (_, i) => i);
    let colOrder = Array.from({ length: cols }, (_, j) => j);
    let perm: number[] | null = null;
    if (this.order) {
      const o = Array.from(this.order);
      const len = o.length;
      const seen = new Set(o);
      if ((len !== rows && len !== cols) || seen.size !== len || o.some((v) => !Number.isInteger(v) || v < 0 || v >= len)) {
        return { ok: false, message: `order must be a permutation of 0…${rows - 1}${rows !== cols ? ` or 0…${cols - 1}` : ''}.` };
      }
      perm = o;
    } else if (this.sortBy) {
      const keys = Array.from(this.sortBy);
      const len = keys.length;
      if (len !== rows && len !== cols) return { ok: false, message: `sortBy has ${len} keys; it needs ${rows}${rows !== cols ? ` or ${cols}` : ''}.` };
      if (keys.some((k) => typeof k !== 'number' || Number.isNaN(k))) return { ok: false, message: 'sortBy contains a key that is not a number.' };
      perm = Array.from({ length: len }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
    }
    if (perm) {
      if (perm.length === rows) rowOrder = perm;
      if (perm.length === cols) colOrder = perm;
    }

    let min: number;
    let max: number;
    if (this.range) {
      [min, max] = this.range;
      if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) return { ok: false, message: `Invalid range [${min}, ${max}].` };
    } else {
      let lo = Infinity;
      let hi = -Infinity;
      const skipDiagonal = this.excludeDiagonal && rows === cols && rows > 1;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          if (skipDiagonal && i === j) continue;
          const v = values[i * cols + j]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      const absMax = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
      if (kind === 'weights' && lo >= 0) [min, max] = [0, hi > 0 ? hi : 1];
      else if (kind === 'weights' && hi <= 0) [min, max] = [lo < 0 ? lo : -1, 0];
      else [min, max] = [-absMax, absMax];
    }
    return { ok: true, values, rows, cols, rowOrder, colOrder, min, max };
  }
}

if (!customElements.get('cg-matrix-view')) customElements.define('cg-matrix-view', MatrixViewElement);

declare global {
  interface HTMLElementTagNameMap {
    'cg-matrix-view': MatrixViewElement;
  }
}
