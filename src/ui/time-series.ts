/**
 * `<cg-time-series>`: line plots of one or more series against a shared x axis, drawn with
 * uPlot inside the component's shadow root.
 */
import { css, html, LitElement, nothing, unsafeCSS, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import { emit } from './events.js';

/** One plotted series. */
export interface TimeSeriesSeries {
  /** Legend label (also used in the accessible summary). */
  readonly label: string;
  /** CSS colour of the line; defaults cycle through the palette (E1 blue, E2 red, accent green, …). */
  readonly color?: string;
  /** Draw the line dashed. */
  readonly dash?: boolean;
}

/** The plotted values: one x array and, per series, one y array of the same length. */
export interface TimeSeriesData {
  /** x values, ascending (e.g. time in ms). */
  readonly x: number[];
  /** y values per series; `null` leaves a gap. */
  readonly y: (number | null)[][];
  /** Optional lower edges of an error band per series (same shape as `y`). */
  readonly lower?: (number | null)[][];
  /** Optional upper edges of an error band per series (same shape as `y`). */
  readonly upper?: (number | null)[][];
}

/** `cg-plot-updated`: the plot was redrawn. */
export interface PlotUpdatedDetail {
  /** Number of x values plotted. */
  readonly points: number;
}

const PALETTE = ['#2456a6', '#c0392b', '#1e8449', '#5a6473', '#8e44ad', '#d68910'];
const INK = '#1d2430';
const MUTED = '#5a6473';
const GRID = '#d5dae1';
const FONT = '12px system-ui, sans-serif';
const DEFAULT_MAX_POINTS = 10_000;
/** Tick increments of an integer (count) axis. */
const INTEGER_INCREMENTS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000, 100_000, 1e6, 1e7, 1e8, 1e9];

/** `#rrggbb` or `#rgb` with an alpha, as `rgba()`; other colours get a neutral translucent grey. */
function translucent(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!m) return `rgba(90, 100, 115, ${alpha})`;
  let hex = m[1]!;
  if (hex.length === 3) hex = hex.split('').map((c) => c + c).join('');
  const v = parseInt(hex, 16);
  return `rgba(${(v >> 16) & 255}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`;
}

/**
 * Tick label with as many decimals as the tick increment needs (uPlot's default rounds ticks
 * 0.0005 apart to three decimals, so neighbours read alike); exponents for tiny or huge values.
 */
function formatTick(v: number, incr: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1e6 || incr < 1e-4) return v.toExponential(Math.max(0, Math.min(6, Math.ceil(Math.log10(Math.abs(v) / incr)))));
  let decimals = 0;
  while (decimals < 8 && Math.abs(incr * 10 ** decimals - Math.round(incr * 10 ** decimals)) > 1e-6 * 10 ** decimals) decimals++;
  return v.toFixed(decimals);
}

function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'no value';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

/**
 * Line plots with uPlot: one or more series against a shared x axis, optional error bands,
 * live appending of points (the chart is updated in place with `setData`, never recreated
 * for new points), and resizing with its container.
 *
 * Height: the CSS custom property `--cg-plot-height` (default 220px) sets the height of the
 * plotting area (axes included; the legend comes below it). Width follows the element's width.
 *
 * Properties:
 * - `heading` (string, attribute `heading`): title shown above the plot ('' for none).
 * - `xLabel`, `yLabel` (string, attributes `x-label`, `y-label`): axis labels, with units, e.g. 'time (ms)'.
 * - `series` ({@link TimeSeriesSeries}[]): labels, colours and dash of the series, in the order of `data.y`.
 *   Series without an entry get a label 'series k' and a palette colour.
 * - `data` ({@link TimeSeriesData}): the values. Setting it replaces everything (the arrays are copied);
 *   reading it returns the current values, including appended points. Missing y values are gaps.
 *   `lower`/`upper` (both needed for a series) draw a light band between thin dashed edges.
 * - `yRange` ([min, max] | null): fixed y range; null (default) fits the data.
 * - `xInteger` (boolean, attribute `x-integer`): the x values are counts (blocks, sessions, days):
 *   x ticks only at integers, and a single point gets the range x ± 1.
 * - `placeholder` (string, attribute `placeholder`, default 'No data yet'): neutral text shown
 *   (part `empty`) while there is no data.
 * - `maxPoints` (integer ≥ 1, attribute `max-points`, default 10,000): the most x values kept;
 *   older points are dropped when appending or setting data.
 * - `points` (read-only, integer ≥ 0): number of x values currently held.
 * - `tickLabels` (read-only): `{ x, y }`, the axes' tick labels as last drawn.
 *
 * Methods: `append(x, ys, lower?, upper?)` adds one x value and one y per series (redraws are
 * batched: many appends in one task cost one redraw); `clear()` removes all points.
 *
 * Legend: below the plot, each series' label with the value under the pointer, or its last
 * value while the pointer is elsewhere (never a blank '--').
 *
 * Accessibility: the plot container has role="img" and an aria-label naming each series and
 * its last value.
 *
 * @fires cg-plot-updated - after each redraw of the chart; detail {@link PlotUpdatedDetail} `{ points }`.
 * @csspart heading - the title above the plot.
 * @csspart plot - the plot container (role="img").
 * @csspart empty - the neutral placeholder shown while there is no data.
 * @cssprop --cg-plot-height - height of the plotting area (default 220px).
 */
export class TimeSeriesElement extends LitElement {
  static override properties = {
    heading: { type: String },
    xLabel: { type: String, attribute: 'x-label' },
    yLabel: { type: String, attribute: 'y-label' },
    series: { attribute: false },
    data: { attribute: false, noAccessor: true },
    yRange: { attribute: false },
    xInteger: { type: Boolean, attribute: 'x-integer' },
    placeholder: { type: String },
    maxPoints: { type: Number, attribute: 'max-points' },
  };

  static override styles = [
    unsafeCSS(uplotCss),
    css`
      :host {
        display: block;
        position: relative;
        font: 12px system-ui, sans-serif;
        color: #1d2430;
        min-width: 0;
      }
      [part='heading'] {
        font-size: 13px;
        font-weight: 600;
        margin: 0 0 4px;
      }
      .probe {
        position: absolute;
        visibility: hidden;
        width: 0;
        height: var(--cg-plot-height, 220px);
        pointer-events: none;
      }
      [part='plot'] {
        width: 100%;
        min-height: var(--cg-plot-height, 220px);
      }
      [part='plot'][hidden] {
        display: none;
      }
      [part='empty'] {
        display: flex;
        align-items: center;
        justify-content: center;
        height: var(--cg-plot-height, 220px);
        color: #5a6473;
        border: 1px dashed #d5dae1;
        border-radius: 4px;
      }
      .uplot {
        font-family: system-ui, sans-serif;
      }
    `,
  ];

  declare heading: string;
  declare xLabel: string;
  declare yLabel: string;
  declare series: TimeSeriesSeries[];
  declare yRange: [number, number] | null;
  declare xInteger: boolean;
  declare placeholder: string;
  declare maxPoints: number;

  private xs: number[] = [];
  private ys: (number | null)[][] = [];
  private lows: ((number | null)[] | null)[] = [];
  private highs: ((number | null)[] | null)[] = [];
  private chart: uPlot | null = null;
  /** Key of the chart's structure (series, bands, labels); a change rebuilds the chart. */
  private chartKey = '';
  private redrawQueued = false;
  private resizeObserver: ResizeObserver | null = null;

  constructor() {
    super();
    this.heading = '';
    this.xLabel = '';
    this.yLabel = '';
    this.series = [];
    this.yRange = null;
    this.xInteger = false;
    this.placeholder = 'No data yet';
    this.maxPoints = DEFAULT_MAX_POINTS;
  }

  /** Number of x values held (after trimming to `maxPoints`). */
  get points(): number {
    return this.xs.length;
  }

  /**
   * Tick labels of the x and y axes as last drawn (empty before the first drawing), e.g. to
   * check that a count axis shows integers only. Labels uPlot skipped for lack of room are null.
   */
  get tickLabels(): { x: (string | null)[]; y: (string | null)[] } {
    const labels = (k: number): (string | null)[] => {
      const axis = this.chart?.axes[k] as (uPlot.Axis & { _values?: (string | number | null)[] | null }) | undefined;
      return (axis?._values ?? []).map((v) => (v === null || v === undefined || v === '' ? null : String(v)));
    };
    return { x: labels(0), y: labels(1) };
  }

  get data(): TimeSeriesData {
    const hasBands = this.lows.some((l) => l !== null);
    return {
      x: this.xs,
      y: this.ys,
      ...(hasBands ? { lower: this.lows.map((l) => l ?? []), upper: this.highs.map((h) => h ?? []) } : {}),
    };
  }

  set data(value: TimeSeriesData | null | undefined) {
    const old = this.data;
    const x = value?.x ?? [];
    this.xs = Array.from(x, Number);
    const n = this.xs.length;
    const fit = (arr: readonly (number | null)[] | undefined): (number | null)[] =>
      Array.from({ length: n }, (_, i) => {
        const v = arr?.[i];
        return v === null || v === undefined || !Number.isFinite(v) ? null : v;
      });
    const y = value?.y ?? [];
    this.ys = y.map((arr) => fit(arr));
    this.lows = y.map((_, k) => (value?.lower?.[k] && value?.upper?.[k] ? fit(value.lower[k]) : null));
    this.highs = y.map((_, k) => (value?.lower?.[k] && value?.upper?.[k] ? fit(value.upper[k]) : null));
    this.trim();
    this.requestUpdate('data', old);
  }

  /**
   * Add one x value and one y value per series (null for a gap). With error bands, `lower` and
   * `upper` give the band edges of each series at this x. Keeps the last `maxPoints` values.
   */
  override append(x: number, ys: readonly (number | null)[], lower?: readonly (number | null)[], upper?: readonly (number | null)[]): void;
  /** `Element.append` (DOM nodes), kept for nodes and strings. */
  override append(...nodes: (Node | string)[]): void;
  override append(...args: unknown[]): void {
    if (typeof args[0] !== 'number') {
      super.append(...(args as (Node | string)[]));
      return;
    }
    this.appendPoint(args[0], args[1] as readonly (number | null)[], args[2] as readonly (number | null)[] | undefined, args[3] as readonly (number | null)[] | undefined);
  }

  private appendPoint(x: number, ys: readonly (number | null)[] = [], lower?: readonly (number | null)[], upper?: readonly (number | null)[]): void {
    const clean = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);
    const n = this.xs.length;
    // New series appearing in an append start with gaps.
    while (this.ys.length < ys.length) {
      this.ys.push(new Array<number | null>(n).fill(null));
      this.lows.push(null);
      this.highs.push(null);
    }
    const structural = this.ys.length !== this.chartSeriesCount();
    this.xs.push(x);
    this.ys.forEach((arr, k) => arr.push(clean(ys[k])));
    this.lows.forEach((arr, k) => arr?.push(clean(lower?.[k])));
    this.highs.forEach((arr, k) => arr?.push(clean(upper?.[k])));
    this.trim();
    if (structural || !this.chart) this.requestUpdate();
    else this.queueRedraw();
  }

  /** Remove all points (the series settings stay). */
  clear(): void {
    this.xs = [];
    this.ys = this.ys.map(() => []);
    this.lows = this.lows.map((l) => (l ? [] : null));
    this.highs = this.highs.map((h) => (h ? [] : null));
    this.requestUpdate();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resizeObserver ??= new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.destroyChart();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('maxPoints')) this.trim();
  }

  protected override render() {
    const empty = this.xs.length === 0;
    return html`
      ${this.heading ? html`<div part="heading">${this.heading}</div>` : nothing}
      <div class="probe"></div>
      <div part="plot" role="img" aria-label=${this.summary()} ?hidden=${empty}></div>
      ${empty ? html`<div part="empty">${this.placeholder}</div>` : nothing}
    `;
  }

  protected override updated(): void {
    if (this.xs.length === 0) {
      this.destroyChart();
      return;
    }
    const key = this.structureKey();
    if (!this.chart || key !== this.chartKey) {
      this.destroyChart();
      this.createChart(key);
    } else {
      this.redraw();
    }
  }

  /** Text for the aria-label: the series and their last values. */
  private summary(): string {
    const title = this.heading || 'Line plot';
    const n = this.xs.length;
    const names = this.effectiveSeries().map((s) => s.label);
    if (n === 0) return `${title}: no data${names.length ? ` (series ${names.join(', ')})` : ''}`;
    const last = this.effectiveSeries()
      .map((s, k) => `${s.label} ${formatValue(this.ys[k]?.[n - 1])}`)
      .join(', ');
    const xName = this.xLabel || 'x';
    return `${title}: ${names.length} series, ${n} points; last values at ${xName} ${formatValue(this.xs[n - 1])}: ${last}${this.yLabel ? ` (${this.yLabel})` : ''}`;
  }

  private effectiveSeries(): Required<TimeSeriesSeries>[] {
    const count = Math.max(this.ys.length, 0);
    return Array.from({ length: count }, (_, k) => {
      const s = this.series?.[k];
      return { label: s?.label ?? `series ${k + 1}`, color: s?.color ?? PALETTE[k % PALETTE.length]!, dash: s?.dash ?? false };
    });
  }

  private structureKey(): string {
    return JSON.stringify([this.effectiveSeries(), this.lows.map((l) => l !== null), this.xLabel, this.yLabel, this.xInteger]);
  }

  private chartSeriesCount(): number {
    return this.chart ? this.chartYCount : -1;
  }
  private chartYCount = 0;

  private trim(): void {
    const max = Math.max(1, Math.floor(this.maxPoints || DEFAULT_MAX_POINTS));
    const drop = this.xs.length - max;
    if (drop <= 0) return;
    this.xs.splice(0, drop);
    for (const arr of this.ys) arr.splice(0, drop);
    for (const arr of this.lows) arr?.splice(0, drop);
    for (const arr of this.highs) arr?.splice(0, drop);
  }

  private alignedData(): uPlot.AlignedData {
    const bands: (number | null)[][] = [];
    this.lows.forEach((l, k) => {
      if (l && this.highs[k]) bands.push(l, this.highs[k]!);
    });
    return [this.xs, ...this.ys, ...bands] as uPlot.AlignedData;
  }

  private size(): { width: number; height: number } {
    const plot = this.renderRoot.querySelector<HTMLElement>('[part="plot"]');
    const probe = this.renderRoot.querySelector<HTMLElement>('.probe');
    const width = Math.max(120, Math.floor(plot?.clientWidth || this.clientWidth || 480));
    const height = Math.max(80, Math.floor(probe?.getBoundingClientRect().height || 220));
    return { width, height };
  }

  private createChart(key: string): void {
    const target = this.renderRoot.querySelector<HTMLElement>('[part="plot"]');
    if (!target) return;
    const series = this.effectiveSeries();
    // Legend values: the point under the pointer, else the series' last value (uPlot's live
    // legend would show '--' while the pointer is off the plot).
    const value = (_u: uPlot, raw: number, sidx: number, idx: number | null): string => {
      if (idx !== null && idx !== undefined) return raw === null || raw === undefined ? '' : formatValue(raw);
      const values = sidx === 0 ? this.xs : this.alignedData()[sidx] as (number | null)[] | undefined;
      for (let i = (values?.length ?? 0) - 1; i >= 0; i--) {
        const v = values![i];
        if (v !== null && v !== undefined && Number.isFinite(v)) return formatValue(v);
      }
      return '';
    };
    const uSeries: uPlot.Series[] = [{ label: this.xLabel || 'x', value }];
    for (const s of series) {
      uSeries.push({ label: s.label, stroke: s.color, width: 1.5, spanGaps: false, value, ...(s.dash ? { dash: [6, 4] } : {}) });
    }
    const uBands: uPlot.Band[] = [];
    let idx = series.length + 1;
    this.lows.forEach((l, k) => {
      if (!l || !this.highs[k]) return;
      const s = series[k]!;
      const edge = { stroke: translucent(s.color, 0.5), width: 1, dash: [3, 3], points: { show: false } };
      uSeries.push({ label: `${s.label} lower`, value, ...edge }, { label: `${s.label} upper`, value, ...edge });
      uBands.push({ series: [idx + 1, idx], fill: translucent(s.color, 0.15) });
      idx += 2;
    });
    const axis = (label: string): uPlot.Axis => ({
      label,
      values: (_u, splits, _axis, _space, incr) => splits.map((v) => (v === null || v === undefined ? '' : formatTick(v, incr))),
      stroke: INK,
      font: FONT,
      labelFont: FONT,
      grid: { stroke: GRID, width: 1 },
      ticks: { stroke: GRID, width: 1 },
    });
    const yAxis = axis(this.yLabel);
    // Wide enough for the longest tick label (uPlot's fixed 50 px lets '0.00150' run into the axis label).
    yAxis.size = (u, values, axisIdx, cycleNum) => {
      const a = u.axes[axisIdx] as uPlot.Axis & { _size?: number; ticks?: { size?: number }; gap?: number };
      if (cycleNum > 1 && a._size) return a._size;
      const longest = (values ?? []).reduce((w, v) => (v && v.length > w.length ? v : w), '');
      u.ctx.font = FONT;
      return Math.ceil((a.ticks?.size ?? 10) + (a.gap ?? 5) + u.ctx.measureText(longest).width + 4);
    };
    const xAxis = axis(this.xLabel);
    // Counts: only integer increments, so no tick lands at 1.5.
    if (this.xInteger) xAxis.incrs = INTEGER_INCREMENTS;
    const opts: uPlot.Options = {
      ...this.size(),
      series: uSeries,
      bands: uBands,
      scales: {
        x: {
          time: false,
          ...(this.xInteger
            ? { range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => (!Number.isFinite(min) || !Number.isFinite(max) ? [0, 1] : min === max ? [min - 1, max + 1] : [min, max]) }
            : {}),
        },
        y: {
          range: (_u, min, max) => {
            if (this.yRange) return [this.yRange[0], this.yRange[1]];
            if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
            return uPlot.rangeNum(min, max, 0.1, true);
          },
        },
      },
      axes: [xAxis, yAxis],
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      hooks: {
        draw: [() => emit<PlotUpdatedDetail>(this, 'cg-plot-updated', { points: this.xs.length })],
      },
    };
    this.chartKey = key;
    this.chartYCount = series.length;
    this.chart = new uPlot(opts, this.alignedData(), target);
    const legend = target.querySelector<HTMLElement>('.u-legend');
    if (legend) legend.style.color = MUTED;
  }

  private destroyChart(): void {
    this.chart?.destroy();
    this.chart = null;
    this.chartKey = '';
  }

  private queueRedraw(): void {
    if (this.redrawQueued) return;
    this.redrawQueued = true;
    queueMicrotask(() => {
      this.redrawQueued = false;
      // The aria-label and the empty state are rendered by Lit; the chart is updated in place.
      this.requestUpdate();
    });
  }

  private redraw(): void {
    const chart = this.chart;
    if (!chart) return;
    chart.setData(this.alignedData(), true);
    // Pointer off the plot: the legend shows the new last values.
    if (chart.cursor.idx === null || chart.cursor.idx === undefined) chart.setLegend({ idxs: chart.series.map(() => null) });
  }

  private resize(): void {
    if (!this.chart) return;
    const { width, height } = this.size();
    if (width !== this.chart.width || height !== this.chart.height) this.chart.setSize({ width, height });
  }
}

if (!customElements.get('cg-time-series')) customElements.define('cg-time-series', TimeSeriesElement);

declare global {
  interface HTMLElementTagNameMap {
    'cg-time-series': TimeSeriesElement;
  }
}
