/**
 * A small SVG plotting module for the figures experiment protocols write into papers and
 * READMEs: line panels (with error bars, markers, reference lines and a legend), heatmaps
 * (diverging or sequential colour scale with a colour bar) and a {@link figure} that lays
 * panels out in a grid as one standalone SVG document.
 *
 * Everything returns plain strings and nothing here touches the DOM or Node, so the same code
 * runs in a browser, in a worker and in Node. Usage:
 *
 * ```ts
 * const svg = figure(
 *   [
 *     (box) => linePanel({ title: 'Information', xLabel: 'N', yLabel: 'I (rad⁻²)', series }, box),
 *     (box) => heatmapPanel({ title: 'Covariance', values, rows: n, cols: n }, box),
 *   ],
 *   { columns: 2, panelWidth: 360, panelHeight: 280, title: 'Figure 2', caption: 'Mean ± s.e.m.' },
 * );
 * ```
 *
 * Conventions: box coordinates are SVG user units (pixels at 100 % zoom); every text is
 * XML-escaped here, callers pass raw strings; elements carry `class` names (`plot-area`,
 * `series`, `series-line`, `marker`, `error-bar`, `tick-label`, `cells`, `colorbar`, …) so
 * figures can be restyled with CSS or inspected by tests.
 */

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** One line of a {@link linePanel}: y against x, optionally with ± error bars. */
export interface Series {
  /** Legend text; an empty string keeps the series out of the legend. */
  label: string;
  /** Abscissae; must have the same length as `y`. Non-finite values break the line. */
  x: readonly number[];
  /** Ordinates; non-finite values break the line (a gap), they are never drawn. */
  y: readonly number[];
  /** Half-lengths of vertical error bars (drawn from y − e to y + e with caps); same length as `y`. */
  error?: readonly number[];
  /** Any SVG colour; defaults to {@link DEFAULT_PALETTE}[index of the series mod 8]. */
  color?: string;
  /** Draw the line dashed. */
  dashed?: boolean;
  /** Draw a dot at every finite point inside the plot area (isolated points are only visible this way). */
  markers?: boolean;
}

/** A horizontal reference line across a {@link linePanel} (chance level, a theoretical value, …). */
export interface HorizontalLine {
  /** Ordinate of the line, in data units; lines outside the y range are not drawn. */
  y: number;
  /** Text written above the right end of the line. */
  label?: string;
  /** Any SVG colour; default mid grey. */
  color?: string;
}

/** Where a panel's legend sits inside its plot area, or `'none'` for no legend. */
export type LegendPosition = 'top-left' | 'top-right' | 'bottom-right' | 'none';

/** Everything a {@link linePanel} draws. */
export interface PanelSpec {
  /** Panel title, centred above the plot area (shrunk, then truncated with "…", if too long). */
  title: string;
  /** Label under the x axis. */
  xLabel: string;
  /** Label left of the y axis, written bottom to top. */
  yLabel: string;
  /** The lines, drawn in order (later series on top). */
  series: readonly Series[];
  /** Fixed y range [min, max]; data outside it is clipped. Default: nice ticks covering all y ± error and reference lines. */
  yRange?: [number, number];
  /** Fixed x range [min, max]; data outside it is clipped. Default: nice ticks covering all x. */
  xRange?: [number, number];
  /** Dashed horizontal reference lines, drawn under the series. */
  horizontalLines?: readonly HorizontalLine[];
  /** Legend position; default `'top-right'`. */
  legend?: LegendPosition;
}

/** Colour scales of a {@link heatmapPanel}: blue–white–red around a centre, or white → dark blue. */
export type ColorScaleName = 'diverging' | 'sequential';

/** Everything a {@link heatmapPanel} draws. */
export interface HeatmapSpec {
  /** Panel title; a note is appended when the matrix was average-pooled for drawing. */
  title: string;
  /** Row-major matrix, `rows × cols` values; non-finite values are drawn as grey "missing" cells. */
  values: ArrayLike<number>;
  /** Number of rows (drawn top to bottom, row 0 at the top). */
  rows: number;
  /** Number of columns (drawn left to right). */
  cols: number;
  /** Colour scale; default `'diverging'`. */
  colorScale?: ColorScaleName;
  /**
   * Values mapped to the two ends of the colour scale (values beyond are clamped). Default:
   * [−m, m] with m = max |value| for `'diverging'`, [min, max] of the values for `'sequential'`.
   */
  range?: [number, number];
  /** Label left of the rows (e.g. "neuron"). */
  rowLabel?: string;
  /** Label under the columns. */
  colLabel?: string;
  /** Label along the colour bar (e.g. "covariance (Hz²)"). */
  colorbarLabel?: string;
}

/** A rectangle in SVG user units: where a panel may draw (it keeps everything inside). */
export interface PanelBox {
  /** Left edge. */
  x: number;
  /** Top edge. */
  y: number;
  /** Width (> 0). */
  width: number;
  /** Height (> 0). */
  height: number;
}

/**
 * Draws one panel into the box {@link figure} assigns to it and returns the SVG fragment,
 * typically `(box) => linePanel(spec, box)` or `(box) => heatmapPanel(spec, box)`.
 */
export type PanelRenderer = (box: PanelBox) => string;

/** Grid layout of a {@link figure}. */
export interface FigureLayout {
  /** Panels per row (≥ 1); panels fill rows left to right, top to bottom. */
  columns: number;
  /** Width of every panel's box. */
  panelWidth: number;
  /** Height of every panel's box. */
  panelHeight: number;
  /** Figure title, above the grid (also the document's `<title>`). */
  title?: string;
  /** Caption under the grid, wrapped to the figure width. */
  caption?: string;
}

/** Options of {@link niceTicks}. */
export interface NiceTickOptions {
  /** Most ticks to return; default 6, at least 2 (`'within'`) or 3 (`'cover'`). */
  maxCount?: number;
  /**
   * `'cover'` (default): ticks extend to the first nice value ≤ min and the last ≥ max, and the
   * returned min/max are those ticks (an axis range that covers the data). `'within'`: only
   * ticks inside [min, max] (for a fixed axis range), which stays the returned range.
   */
  mode?: 'cover' | 'within';
  /** Smallest allowed step, e.g. 1 for integer indices; default none. */
  minStep?: number;
}

/** Result of {@link niceTicks}. */
export interface NiceTicks {
  /** Tick values, ascending, equally spaced by `step`. */
  ticks: number[];
  /** Spacing: 1, 2 or 5 × 10^k. */
  step: number;
  /** Axis minimum (first tick in `'cover'` mode, the requested min in `'within'` mode). */
  min: number;
  /** Axis maximum (last tick in `'cover'` mode, the requested max in `'within'` mode). */
  max: number;
}

/** Result of {@link poolMatrix}. */
export interface PooledMatrix {
  /** Row-major block means (NaN where a block has no finite value). */
  values: Float64Array;
  /** Rows after pooling. */
  rows: number;
  /** Columns after pooling. */
  cols: number;
  /** Original rows per pooled row (the last block may hold fewer). */
  rowFactor: number;
  /** Original columns per pooled column (the last block may hold fewer). */
  colFactor: number;
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

/**
 * Default series colours: the Okabe–Ito palette (distinguishable with the common colour-vision
 * deficiencies) with its yellow, unreadable on white, replaced by grey.
 */
export const DEFAULT_PALETTE: readonly string[] = Object.freeze([
  '#0072b2', // blue
  '#d55e00', // vermillion
  '#009e73', // bluish green
  '#cc79a7', // reddish purple
  '#e69f00', // orange
  '#56b4e9', // sky blue
  '#000000', // black
  '#999999', // grey
]);

/** Matrices with more rows or columns than this are average-pooled by {@link heatmapPanel}. */
export const HEATMAP_FULL_RESOLUTION_LIMIT = 512;

/** Largest side of a pooled heatmap: pooling factors are chosen so each side is ≤ this. */
export const HEATMAP_POOLED_SIZE = 256;

const FONT_FAMILY = 'Helvetica, Arial, sans-serif';
const TEXT_COLOR = '#222222';
const AXIS_COLOR = '#444444';
const GRID_COLOR = '#ebebeb';
const REFERENCE_LINE_COLOR = '#888888';
const MISSING_CELL_COLOR = '#c8c8c8';
const TITLE_FONT_SIZE = 13;
const FIGURE_TITLE_FONT_SIZE = 15;
const AXIS_LABEL_FONT_SIZE = 11;
const TICK_FONT_SIZE = 10;
const LEGEND_FONT_SIZE = 10;
const CAPTION_FONT_SIZE = 11;
const TICK_LENGTH = 4;
const MARKER_RADIUS = 2.6;
const ERROR_CAP_HALF_WIDTH = 3;
/** Average glyph advance of Helvetica/Arial in em, slightly generous: text widths are estimates. */
const AVERAGE_CHAR_WIDTH_EM = 0.57;
/** Colour bar drawn as this many stacked rectangles (no gradient ids to collide between panels). */
const COLORBAR_STEPS = 64;

const DIVERGING_ANCHORS = ['#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#ffffff', '#fddbc7', '#f4a582', '#d6604d', '#b2182b'];
const SEQUENTIAL_ANCHORS = ['#ffffff', '#deebf7', '#9ecae1', '#4292c6', '#2171b5', '#08306b'];

// ---------------------------------------------------------------------------------------------
// Text and markup helpers
// ---------------------------------------------------------------------------------------------

/**
 * Escapes text for XML content and attribute values (`& < > " '`) and drops the control
 * characters XML 1.0 forbids, so any string can go into an SVG document.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

type AttributeValue = string | number | undefined;

/** Coordinates with at most two decimals (sub-pixel precision is invisible and bloats files). */
function formatCoordinate(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return String(rounded === 0 ? 0 : rounded);
}

/** An element with escaped attributes; `content` is markup (already escaped) or absent for `<name/>`. */
function element(name: string, attributes: Record<string, AttributeValue>, content?: string): string {
  let markup = `<${name}`;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    markup += ` ${key}="${typeof value === 'number' ? formatCoordinate(value) : escapeXml(value)}"`;
  }
  return content === undefined ? `${markup}/>` : `${markup}>${content}</${name}>`;
}

/** A `<text>` element holding `text` (escaped here). */
function textElement(text: string, attributes: Record<string, AttributeValue>): string {
  return element('text', attributes, escapeXml(text));
}

/** Estimated rendered width of `text` at `fontSize` (no font metrics are available here). */
function estimateTextWidth(text: string, fontSize: number): number {
  return Array.from(text).length * fontSize * AVERAGE_CHAR_WIDTH_EM;
}

/** Shrinks the font (down to `minFontSize`), then truncates with "…", until `text` fits `maxWidth`. */
function fitText(text: string, maxWidth: number, fontSize: number, minFontSize: number): { text: string; fontSize: number } {
  let size = fontSize;
  while (size > minFontSize && estimateTextWidth(text, size) > maxWidth) size -= 0.5;
  const characters = Array.from(text);
  if (estimateTextWidth(text, size) <= maxWidth) return { text, fontSize: size };
  const keep = Math.max(1, Math.floor(maxWidth / (size * AVERAGE_CHAR_WIDTH_EM)) - 1);
  return { text: `${characters.slice(0, keep).join('').trimEnd()}…`, fontSize: size };
}

/** Average advance of running prose (many narrow letters and spaces), in em. */
const PROSE_CHAR_WIDTH_EM = 0.5;

/** Greedy word wrap of prose into lines no wider than `maxWidth` (over-long words stay whole). */
function wrapText(text: string, maxWidth: number, fontSize: number): string[] {
  const proseWidth = (line: string): number => Array.from(line).length * fontSize * PROSE_CHAR_WIDTH_EM;
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w.length > 0)) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (line !== '' && proseWidth(candidate) > maxWidth) {
        lines.push(line);
        line = word;
      } else {
        line = candidate;
      }
    }
    lines.push(line);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Ticks
// ---------------------------------------------------------------------------------------------

/** Removes floating-point noise such as 0.30000000000000004 from a tick value. */
function cleanTickValue(value: number): number {
  const cleaned = Number(value.toPrecision(12));
  return cleaned === 0 ? 0 : cleaned;
}

/**
 * "Nice" axis ticks: equally spaced values whose step is 1, 2 or 5 × 10^k, choosing the
 * smallest such step that needs at most `maxCount` ticks. In `'cover'` mode the ticks span the
 * whole of [min, max] (a degenerate range is widened first); in `'within'` mode they lie inside
 * it (a degenerate range gives the single tick `min`).
 *
 * @throws RangeError when min or max is not finite.
 */
export function niceTicks(min: number, max: number, options: NiceTickOptions = {}): NiceTicks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw new RangeError(`niceTicks: the range must be finite, got [${min}, ${max}]`);
  }
  const mode = options.mode ?? 'cover';
  // Covering a range that straddles 0 takes 3 nice ticks at least (−s, 0, s).
  const maxCount = Math.max(mode === 'cover' ? 3 : 2, Math.floor(options.maxCount ?? 6));
  const minStep = options.minStep ?? 0;
  let low = Math.min(min, max);
  let high = Math.max(min, max);
  if (low === high) {
    if (mode === 'within') return { ticks: [cleanTickValue(low)], step: Math.max(minStep, 1), min: low, max: high };
    const pad = low === 0 ? 1 : Math.abs(low) * 0.1;
    low -= pad;
    high += pad;
  }
  const span = high - low;
  if (!Number.isFinite(span)) throw new RangeError(`niceTicks: the range [${min}, ${max}] is too wide to subdivide`);
  // Tolerance (in steps) so that e.g. 1 / 0.2 = 5.000000000000001 still counts as on a tick.
  const tolerance = 1e-9;
  let exponent = Math.floor(Math.log10(span / maxCount));
  for (let attempt = 0; attempt < 64; attempt++, exponent++) {
    for (const mantissa of [1, 2, 5]) {
      const step = cleanTickValue(mantissa * 10 ** exponent);
      if (step < minStep) continue;
      const first = mode === 'cover' ? Math.floor(low / step + tolerance) : Math.ceil(low / step - tolerance);
      const last = mode === 'cover' ? Math.ceil(high / step - tolerance) : Math.floor(high / step + tolerance);
      if (last - first + 1 > maxCount) continue;
      const ticks: number[] = [];
      for (let i = first; i <= last; i++) ticks.push(cleanTickValue(i * step));
      if (mode === 'within') return { ticks, step, min: low, max: high };
      return { ticks, step, min: ticks[0] ?? low, max: ticks[ticks.length - 1] ?? high };
    }
  }
  throw new RangeError(`niceTicks: found no step for [${min}, ${max}]`);
}

/**
 * Tick label for `value` on an axis with the given step: as many decimals as the step needs,
 * exponent notation for very large or small magnitudes, and a true minus sign (U+2212).
 */
export function formatTickLabel(value: number, step: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  let text: string;
  if (magnitude >= 1e6 || step < 1e-4) {
    text = Number(value.toPrecision(6)).toExponential().replace('e+', 'e');
  } else {
    const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    text = value.toFixed(Math.min(decimals, 20));
  }
  return text.replace(/-/g, '\u2212');
}

/** Tick labels for an axis (same order as `ticks.ticks`). */
function tickLabels(ticks: NiceTicks): string[] {
  return ticks.ticks.map((t) => formatTickLabel(t, ticks.step));
}

/**
 * Ticks for a pixel length: starts from about one tick per `pixelsPerTick` and lowers the count
 * until the labels fit (horizontal axes: label widths side by side; vertical axes: font height).
 */
function ticksForAxis(
  min: number,
  max: number,
  mode: 'cover' | 'within',
  lengthPx: number,
  orientation: 'horizontal' | 'vertical',
  minStep?: number,
): NiceTicks {
  const pixelsPerTick = orientation === 'horizontal' ? 70 : 36;
  let maxCount = Math.min(orientation === 'horizontal' ? 10 : 8, Math.max(2, Math.floor(lengthPx / pixelsPerTick) + 1));
  for (;;) {
    const ticks = niceTicks(min, max, { maxCount, mode, minStep });
    if (maxCount <= 2) return ticks;
    const needed =
      orientation === 'horizontal'
        ? Math.max(...tickLabels(ticks).map((label) => estimateTextWidth(label, TICK_FONT_SIZE))) + 8
        : TICK_FONT_SIZE * 1.6;
    if (needed * ticks.ticks.length <= lengthPx) return ticks;
    maxCount--;
  }
}

// ---------------------------------------------------------------------------------------------
// Colour scales
// ---------------------------------------------------------------------------------------------

type Rgb = [number, number, number];

function parseHexColor(hex: string): Rgb {
  return [Number.parseInt(hex.slice(1, 3), 16), Number.parseInt(hex.slice(3, 5), 16), Number.parseInt(hex.slice(5, 7), 16)];
}

function toHexColor(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;
}

const COLOR_SCALE_ANCHORS: Record<ColorScaleName, readonly Rgb[]> = {
  diverging: DIVERGING_ANCHORS.map(parseHexColor),
  sequential: SEQUENTIAL_ANCHORS.map(parseHexColor),
};

/**
 * Colour at position `t` ∈ [0, 1] of a scale, as `#rrggbb`, by piecewise-linear interpolation
 * in sRGB between evenly spaced anchors: diverging runs #2166ac (blue) → #ffffff (white, at
 * t = 0.5) → #b2182b (red), sequential runs #ffffff (white) → #08306b (dark blue). `t` is
 * clamped to [0, 1]; NaN gives the grey used for missing cells.
 */
export function colorScaleColor(scale: ColorScaleName, t: number): string {
  if (Number.isNaN(t)) return MISSING_CELL_COLOR;
  const anchors = COLOR_SCALE_ANCHORS[scale];
  const position = Math.min(1, Math.max(0, t)) * (anchors.length - 1);
  const index = Math.min(anchors.length - 2, Math.floor(position));
  const fraction = position - index;
  const from = anchors[index] as Rgb;
  const to = anchors[index + 1] as Rgb;
  return toHexColor([0, 1, 2].map((c) => from[c]! + (to[c]! - from[c]!) * fraction) as Rgb);
}

// ---------------------------------------------------------------------------------------------
// Geometry
// ---------------------------------------------------------------------------------------------

interface PlotArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Linear map from a data interval onto a pixel interval. */
function linearScale(domainMin: number, domainMax: number, pixelMin: number, pixelMax: number): (value: number) => number {
  const slope = (pixelMax - pixelMin) / (domainMax - domainMin);
  return (value) => pixelMin + (value - domainMin) * slope;
}

/**
 * Liang–Barsky clipping of the segment (x0, y0)–(x1, y1) to `area`: the parameters t0 ≤ t1 of
 * the visible part along the segment, or null when none of it is visible.
 */
function clipSegment(x0: number, y0: number, x1: number, y1: number, area: PlotArea): [number, number] | null {
  const dx = x1 - x0;
  const dy = y1 - y0;
  let t0 = 0;
  let t1 = 1;
  const boundaries: [number, number][] = [
    [-dx, x0 - area.left],
    [dx, area.right - x0],
    [-dy, y0 - area.top],
    [dy, area.bottom - y0],
  ];
  for (const [p, q] of boundaries) {
    if (p === 0) {
      if (q < 0) return null;
      continue;
    }
    const t = q / p;
    if (p < 0) {
      if (t > t1) return null;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return null;
      if (t < t1) t1 = t;
    }
  }
  return [t0, t1];
}

function isInside(px: number, py: number, area: PlotArea): boolean {
  return px >= area.left - 1e-6 && px <= area.right + 1e-6 && py >= area.top - 1e-6 && py <= area.bottom + 1e-6;
}

/**
 * Path data of a polyline through the points, clipped to `area`; a non-finite coordinate ends
 * the current piece (a gap). Empty string when nothing is visible.
 */
function clippedPolylinePath(xs: readonly number[], ys: readonly number[], area: PlotArea): string {
  let path = '';
  let penAtPreviousPoint = false;
  for (let i = 1; i < xs.length; i++) {
    const x0 = xs[i - 1]!;
    const y0 = ys[i - 1]!;
    const x1 = xs[i]!;
    const y1 = ys[i]!;
    if (![x0, y0, x1, y1].every(Number.isFinite)) {
      penAtPreviousPoint = false;
      continue;
    }
    const clipped = clipSegment(x0, y0, x1, y1, area);
    if (clipped === null) {
      penAtPreviousPoint = false;
      continue;
    }
    const [t0, t1] = clipped;
    const endX = formatCoordinate(x0 + t1 * (x1 - x0));
    const endY = formatCoordinate(y0 + t1 * (y1 - y0));
    if (!(t0 === 0 && penAtPreviousPoint)) {
      path += `M${formatCoordinate(x0 + t0 * (x1 - x0))},${formatCoordinate(y0 + t0 * (y1 - y0))}`;
    }
    path += `L${endX},${endY}`;
    penAtPreviousPoint = t1 === 1;
  }
  return path;
}

function validateBox(box: PanelBox, caller: string): void {
  if (![box.x, box.y, box.width, box.height].every(Number.isFinite) || box.width <= 0 || box.height <= 0) {
    throw new RangeError(`${caller}: the box must have finite coordinates and a positive size, got ${JSON.stringify(box)}`);
  }
}

function validateRange(range: readonly [number, number], what: string): void {
  if (!Number.isFinite(range[0]) || !Number.isFinite(range[1]) || !(range[0] < range[1])) {
    throw new RangeError(`${what} must be two finite numbers [min, max] with min < max, got [${range[0]}, ${range[1]}]`);
  }
}

/** Finite minimum and maximum of the values, or null when there is none. */
function finiteExtent(values: Iterable<number>): [number, number] | null {
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return low <= high ? [low, high] : null;
}

// ---------------------------------------------------------------------------------------------
// Line panel
// ---------------------------------------------------------------------------------------------

/** Vertical space taken by a panel title (or a small top margin without one). */
function titleBandHeight(title: string): number {
  return title === '' ? 10 : TITLE_FONT_SIZE + 16;
}

function panelTitle(title: string, box: PanelBox, centreX: number): string {
  if (title === '') return '';
  const fitted = fitText(title, box.width - 8, TITLE_FONT_SIZE, 9);
  const halfWidth = estimateTextWidth(fitted.text, fitted.fontSize) / 2;
  // Centre on the plot area when that keeps the title inside the box, else on the box.
  const x = centreX - halfWidth >= box.x + 4 && centreX + halfWidth <= box.x + box.width - 4 ? centreX : box.x + box.width / 2;
  return textElement(fitted.text, {
    class: 'panel-title',
    x,
    y: box.y + 6 + fitted.fontSize,
    'text-anchor': 'middle',
    'font-size': fitted.fontSize,
    'font-weight': 'bold',
    fill: TEXT_COLOR,
  });
}

/** A rotated (bottom-to-top) label whose glyphs lie just right of `leftEdge`, centred on `centreY`. */
function verticalLabel(text: string, leftEdge: number, centreY: number, maxLength: number, className: string): string {
  if (text === '') return '';
  const fitted = fitText(text, maxLength, AXIS_LABEL_FONT_SIZE, 8);
  const baselineX = leftEdge + fitted.fontSize * 0.8;
  return textElement(fitted.text, {
    class: className,
    x: baselineX,
    y: centreY,
    transform: `rotate(-90 ${formatCoordinate(baselineX)} ${formatCoordinate(centreY)})`,
    'text-anchor': 'middle',
    'font-size': fitted.fontSize,
    fill: TEXT_COLOR,
  });
}

function legendMarkup(spec: PanelSpec, colors: readonly string[], area: PlotArea): string {
  const position = spec.legend ?? 'top-right';
  if (position === 'none') return '';
  const entries = spec.series.map((series, index) => ({ series, color: colors[index]! })).filter((entry) => entry.series.label !== '');
  if (entries.length === 0) return '';
  const rowHeight = LEGEND_FONT_SIZE + 5;
  const swatchWidth = 20;
  const padding = 6;
  const maxLabelWidth = Math.max(area.right - area.left - 2 * padding - swatchWidth - 3 * padding, 20);
  const labels = entries.map((entry) => fitText(entry.series.label, maxLabelWidth, LEGEND_FONT_SIZE, LEGEND_FONT_SIZE));
  const width = padding * 3 + swatchWidth + Math.max(...labels.map((label) => estimateTextWidth(label.text, LEGEND_FONT_SIZE)));
  const height = padding + entries.length * rowHeight + padding / 2;
  const x = position === 'top-left' ? area.left + padding : area.right - padding - width;
  const y = position === 'bottom-right' ? area.bottom - padding - height : area.top + padding;
  const parts: string[] = [
    element('rect', { x, y, width, height, rx: 2, fill: '#ffffff', 'fill-opacity': 0.85, stroke: '#cccccc', 'stroke-width': 0.8 }),
  ];
  entries.forEach((entry, row) => {
    const centreY = y + padding + row * rowHeight + rowHeight / 2 - 1;
    const swatchLeft = x + padding;
    parts.push(
      element('line', {
        x1: swatchLeft,
        y1: centreY,
        x2: swatchLeft + swatchWidth,
        y2: centreY,
        stroke: entry.color,
        'stroke-width': 1.8,
        'stroke-dasharray': entry.series.dashed === true ? '5 3' : undefined,
      }),
    );
    if (entry.series.markers === true) {
      parts.push(element('circle', { cx: swatchLeft + swatchWidth / 2, cy: centreY, r: MARKER_RADIUS, fill: entry.color }));
    }
    parts.push(
      textElement(labels[row]!.text, {
        x: swatchLeft + swatchWidth + padding,
        y: centreY + LEGEND_FONT_SIZE * 0.35,
        'font-size': LEGEND_FONT_SIZE,
        fill: TEXT_COLOR,
      }),
    );
  });
  return element('g', { class: 'legend' }, parts.join(''));
}

function validateSeries(series: Series, index: number): void {
  const name = `linePanel: series ${index} ("${series.label}")`;
  if (series.x.length !== series.y.length) {
    throw new RangeError(`${name}: x has ${series.x.length} values but y has ${series.y.length}`);
  }
  if (series.error !== undefined && series.error.length !== series.y.length) {
    throw new RangeError(`${name}: error has ${series.error.length} values but y has ${series.y.length}`);
  }
}

/**
 * An x axis as an SVG group: optional spine, tick marks with labels, and the axis label
 * (shrunk to fit). Shared by line panels and heatmaps.
 */
function horizontalAxis(
  ticks: readonly { x: number; label: string }[],
  layout: { spine: { from: number; to: number } | null; bottom: number; label: string; labelCenter: number; labelWidth: number },
): string {
  const { bottom } = layout;
  const items: string[] = layout.spine ? [element('line', { x1: layout.spine.from, y1: bottom, x2: layout.spine.to, y2: bottom, stroke: AXIS_COLOR })] : [];
  for (const tick of ticks) {
    items.push(element('line', { x1: tick.x, y1: bottom, x2: tick.x, y2: bottom + TICK_LENGTH, stroke: AXIS_COLOR }));
    items.push(textElement(tick.label, { class: 'tick-label', x: tick.x, y: bottom + TICK_LENGTH + 2 + TICK_FONT_SIZE, 'text-anchor': 'middle' }));
  }
  if (layout.label !== '') {
    const fitted = fitText(layout.label, layout.labelWidth, AXIS_LABEL_FONT_SIZE, 8);
    items.push(textElement(fitted.text, {
      class: 'axis-label',
      x: layout.labelCenter,
      y: bottom + TICK_LENGTH + 2 + TICK_FONT_SIZE + 6 + fitted.fontSize,
      'text-anchor': 'middle',
      'font-size': fitted.fontSize,
    }));
  }
  return element('g', { class: 'axis x-axis', 'font-size': TICK_FONT_SIZE, fill: TEXT_COLOR }, items.join(''));
}

/**
 * A line-plot panel as an SVG `<g>` fragment drawn inside `box`: title, left and bottom axes
 * with nice ticks and labels, light horizontal grid lines, dashed reference lines, one
 * `<path class="series-line">` per series with visible data, `<circle class="marker">` dots,
 * `<path class="error-bar">` bars with caps, and a legend.
 *
 * Without `xRange`/`yRange` the axes run between nice ticks covering the data (y includes the
 * error bars and reference lines). Lines are clipped geometrically to the plot area, markers and
 * error bars outside it are dropped (bars are cut at its edge, losing their cap), and
 * non-finite x, y or error values are skipped: a line breaks there and no "NaN" reaches the SVG.
 *
 * @throws RangeError when a series' x, y and error lengths differ, a range is not [min < max]
 *   with finite ends, or the box is degenerate.
 */
export function linePanel(spec: PanelSpec, box: PanelBox): string {
  validateBox(box, 'linePanel');
  spec.series.forEach(validateSeries);
  if (spec.xRange !== undefined) validateRange(spec.xRange, 'linePanel: xRange');
  if (spec.yRange !== undefined) validateRange(spec.yRange, 'linePanel: yRange');
  const colors = spec.series.map((series, index) => series.color ?? DEFAULT_PALETTE[index % DEFAULT_PALETTE.length]!);

  // Vertical layout first: the y ticks decide the left margin, which decides the x ticks.
  const top = box.y + titleBandHeight(spec.title);
  const bottomMargin = TICK_LENGTH + 4 + TICK_FONT_SIZE + (spec.xLabel === '' ? 6 : AXIS_LABEL_FONT_SIZE + 12);
  const bottom = Math.max(top + 10, box.y + box.height - bottomMargin);

  const yValues = function* (): Generator<number> {
    for (const series of spec.series) {
      for (let i = 0; i < series.y.length; i++) {
        const y = series.y[i]!;
        if (!Number.isFinite(series.x[i]!)) continue;
        yield y;
        const error = series.error?.[i];
        if (error !== undefined && Number.isFinite(error) && Number.isFinite(y)) {
          yield y - Math.abs(error);
          yield y + Math.abs(error);
        }
      }
    }
    for (const line of spec.horizontalLines ?? []) yield line.y;
  };
  const yTicks =
    spec.yRange !== undefined
      ? ticksForAxis(spec.yRange[0], spec.yRange[1], 'within', bottom - top, 'vertical')
      : ((extent) => ticksForAxis(extent[0], extent[1], 'cover', bottom - top, 'vertical'))(finiteExtent(yValues()) ?? [0, 1]);
  const yTickLabels = tickLabels(yTicks);
  const yTickLabelWidth = Math.max(0, ...yTickLabels.map((label) => estimateTextWidth(label, TICK_FONT_SIZE)));
  const yLabelBand = spec.yLabel === '' ? 4 : AXIS_LABEL_FONT_SIZE + 10;
  const left = box.x + yLabelBand + yTickLabelWidth + 4 + TICK_LENGTH;

  const xExtent = finiteExtent(spec.series.flatMap((series) => series.x.filter((x, i) => Number.isFinite(series.y[i]!) && Number.isFinite(x)))) ?? [0, 1];
  // Room on the right for half of the last x tick label (it is centred on the axis end).
  const provisionalRight = box.x + box.width - 12;
  const xTicksProvisional =
    spec.xRange !== undefined
      ? ticksForAxis(spec.xRange[0], spec.xRange[1], 'within', provisionalRight - left, 'horizontal')
      : ticksForAxis(xExtent[0], xExtent[1], 'cover', provisionalRight - left, 'horizontal');
  const lastXLabel = tickLabels(xTicksProvisional).at(-1) ?? '';
  const right = Math.max(left + 10, box.x + box.width - Math.max(12, estimateTextWidth(lastXLabel, TICK_FONT_SIZE) / 2 + 4));
  const xTicks =
    spec.xRange !== undefined
      ? ticksForAxis(spec.xRange[0], spec.xRange[1], 'within', right - left, 'horizontal')
      : ticksForAxis(xExtent[0], xExtent[1], 'cover', right - left, 'horizontal');
  const xTickLabels = tickLabels(xTicks);

  const area: PlotArea = { left, top, right, bottom };
  const xScale = linearScale(xTicks.min, xTicks.max, left, right);
  const yScale = linearScale(yTicks.min, yTicks.max, bottom, top);
  const parts: string[] = [];

  parts.push(element('rect', { class: 'plot-area', x: left, y: top, width: right - left, height: bottom - top, fill: 'none' }));

  // Grid, under everything else.
  const grid = yTicks.ticks.map((tick) => element('line', { x1: left, y1: yScale(tick), x2: right, y2: yScale(tick) })).join('');
  parts.push(element('g', { class: 'grid', stroke: GRID_COLOR, 'stroke-width': 0.8 }, grid));

  // Reference lines.
  const referenceLines: string[] = [];
  for (const line of spec.horizontalLines ?? []) {
    if (!Number.isFinite(line.y)) continue;
    const py = yScale(line.y);
    if (!isInside(left, py, area)) continue;
    const color = line.color ?? REFERENCE_LINE_COLOR;
    referenceLines.push(element('line', { x1: left, y1: py, x2: right, y2: py, stroke: color, 'stroke-width': 1, 'stroke-dasharray': '4 3' }));
    if (line.label !== undefined && line.label !== '') {
      const fitted = fitText(line.label, right - left - 8, 9, 9);
      const labelY = py - 3 - 9 < top ? py + 3 + 9 : py - 3;
      referenceLines.push(textElement(fitted.text, { x: right - 3, y: labelY, 'text-anchor': 'end', 'font-size': 9, fill: color }));
    }
  }
  if (referenceLines.length > 0) parts.push(element('g', { class: 'reference-lines' }, referenceLines.join('')));

  // Series.
  spec.series.forEach((series, index) => {
    const color = colors[index]!;
    const px = series.x.map((x) => (Number.isFinite(x) ? xScale(x) : Number.NaN));
    const py = series.y.map((y) => (Number.isFinite(y) ? yScale(y) : Number.NaN));
    const seriesParts: string[] = [];
    if (series.error !== undefined) {
      for (let i = 0; i < py.length; i++) {
        const error = series.error[i]!;
        const x = px[i]!;
        if (!Number.isFinite(error) || !Number.isFinite(x) || !Number.isFinite(py[i]!) || x < left - 1e-6 || x > right + 1e-6) continue;
        const low = yScale(series.y[i]! - Math.abs(error));
        const high = yScale(series.y[i]! + Math.abs(error));
        const barBottom = Math.min(bottom, low);
        const barTop = Math.max(top, high);
        if (!Number.isFinite(low) || !Number.isFinite(high) || barTop > barBottom) continue;
        let d = `M${formatCoordinate(x)},${formatCoordinate(barBottom)}V${formatCoordinate(barTop)}`;
        const capLeft = formatCoordinate(x - ERROR_CAP_HALF_WIDTH);
        const capRight = formatCoordinate(x + ERROR_CAP_HALF_WIDTH);
        if (low <= bottom + 1e-6) d += `M${capLeft},${formatCoordinate(low)}H${capRight}`;
        if (high >= top - 1e-6) d += `M${capLeft},${formatCoordinate(high)}H${capRight}`;
        seriesParts.push(element('path', { class: 'error-bar', d, fill: 'none' }));
      }
    }
    const d = clippedPolylinePath(px, py, area);
    if (d !== '') {
      seriesParts.push(
        element('path', {
          class: 'series-line',
          d,
          fill: 'none',
          'stroke-width': 1.6,
          'stroke-linejoin': 'round',
          'stroke-linecap': 'round',
          'stroke-dasharray': series.dashed === true ? '5 3' : undefined,
        }),
      );
    }
    if (series.markers === true) {
      for (let i = 0; i < px.length; i++) {
        if (!Number.isFinite(px[i]!) || !Number.isFinite(py[i]!) || !isInside(px[i]!, py[i]!, area)) continue;
        seriesParts.push(element('circle', { class: 'marker', cx: px[i]!, cy: py[i]!, r: MARKER_RADIUS, stroke: '#ffffff', 'stroke-width': 0.6 }));
      }
    }
    parts.push(element('g', { class: 'series', stroke: color, fill: color, 'stroke-width': 1 }, seriesParts.join('')));
  });

  // Axes: spines, ticks, tick labels, axis labels.
  const xAxis = horizontalAxis(
    xTicks.ticks.map((tick, i) => ({ x: xScale(tick), label: xTickLabels[i]! })),
    { spine: { from: left, to: right }, bottom, label: spec.xLabel, labelCenter: (left + right) / 2, labelWidth: box.width - 8 },
  );
  parts.push(xAxis);

  const yAxis: string[] = [element('line', { x1: left, y1: top, x2: left, y2: bottom, stroke: AXIS_COLOR })];
  yTicks.ticks.forEach((tick, i) => {
    const y = yScale(tick);
    yAxis.push(element('line', { x1: left - TICK_LENGTH, y1: y, x2: left, y2: y, stroke: AXIS_COLOR }));
    yAxis.push(textElement(yTickLabels[i]!, { class: 'tick-label', x: left - TICK_LENGTH - 3, y: y + TICK_FONT_SIZE * 0.35, 'text-anchor': 'end' }));
  });
  yAxis.push(verticalLabel(spec.yLabel, box.x + 2, (top + bottom) / 2, box.height - 8, 'axis-label'));
  parts.push(element('g', { class: 'axis y-axis', 'font-size': TICK_FONT_SIZE, fill: TEXT_COLOR }, yAxis.join('')));

  parts.push(legendMarkup(spec, colors, area));
  parts.push(panelTitle(spec.title, box, (left + right) / 2));
  return element('g', { class: 'panel line-panel', 'font-family': FONT_FAMILY }, parts.join(''));
}

// ---------------------------------------------------------------------------------------------
// Heatmap panel
// ---------------------------------------------------------------------------------------------

function validateMatrixShape(length: number, rows: number, cols: number, caller: string): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new RangeError(`${caller}: rows and cols must be positive integers, got ${rows} × ${cols}`);
  }
  if (length !== rows * cols) {
    throw new RangeError(`${caller}: values has ${length} entries but rows × cols = ${rows} × ${cols} = ${rows * cols}`);
  }
}

/**
 * Block-average a row-major `rows × cols` matrix so that it has at most `maxRows × maxCols`
 * entries: each side is divided by ceil(side / max) (1 when it already fits), edge blocks may be
 * smaller, and each block's value is the mean of its finite entries (NaN if it has none).
 *
 * @throws RangeError when the shape does not match `values.length` or a limit is not ≥ 1.
 */
export function poolMatrix(values: ArrayLike<number>, rows: number, cols: number, maxRows: number, maxCols: number): PooledMatrix {
  validateMatrixShape(values.length, rows, cols, 'poolMatrix');
  if (!(maxRows >= 1) || !(maxCols >= 1)) throw new RangeError(`poolMatrix: maxRows and maxCols must be ≥ 1, got ${maxRows} and ${maxCols}`);
  const rowFactor = Math.ceil(rows / Math.floor(maxRows));
  const colFactor = Math.ceil(cols / Math.floor(maxCols));
  const pooledRows = Math.ceil(rows / rowFactor);
  const pooledCols = Math.ceil(cols / colFactor);
  const sums = new Float64Array(pooledRows * pooledCols);
  const counts = new Uint32Array(pooledRows * pooledCols);
  for (let r = 0; r < rows; r++) {
    const pooledRowOffset = Math.floor(r / rowFactor) * pooledCols;
    for (let c = 0; c < cols; c++) {
      const value = values[r * cols + c]!;
      if (!Number.isFinite(value)) continue;
      const index = pooledRowOffset + Math.floor(c / colFactor);
      sums[index]! += value;
      counts[index]! += 1;
    }
  }
  const pooled = new Float64Array(pooledRows * pooledCols);
  for (let i = 0; i < pooled.length; i++) pooled[i] = counts[i]! > 0 ? sums[i]! / counts[i]! : Number.NaN;
  return { values: pooled, rows: pooledRows, cols: pooledCols, rowFactor, colFactor };
}

/** The colour-scale range of a heatmap: the given one, or the documented default from the data. */
function heatmapRange(spec: HeatmapSpec, scale: ColorScaleName): [number, number] {
  if (spec.range !== undefined) {
    validateRange(spec.range, 'heatmapPanel: range');
    return spec.range;
  }
  const extent = finiteExtent(Array.from(spec.values));
  if (extent === null) return scale === 'diverging' ? [-1, 1] : [0, 1];
  if (scale === 'diverging') {
    const largest = Math.max(Math.abs(extent[0]), Math.abs(extent[1]));
    return largest > 0 ? [-largest, largest] : [-1, 1];
  }
  return extent[0] < extent[1] ? extent : [extent[0] - 0.5, extent[0] + 0.5];
}

/**
 * A heatmap panel as an SVG `<g>` fragment drawn inside `box`: one `<rect>` per cell inside
 * `<g class="cells">` (square cells, row 0 at the top), row and column index ticks at cell
 * centres, axis labels, and a colour bar with nice ticks inside `<g class="colorbar">`.
 *
 * Matrices up to {@link HEATMAP_FULL_RESOLUTION_LIMIT} rows and columns are drawn cell by cell;
 * larger ones are average-pooled ({@link poolMatrix}) to at most {@link HEATMAP_POOLED_SIZE} per
 * side, and the title says so. Colours come from {@link colorScaleColor}; non-finite values are
 * grey.
 *
 * @throws RangeError when `values.length ≠ rows × cols`, a range is not [min < max] with finite
 *   ends, or the box is degenerate.
 */
export function heatmapPanel(spec: HeatmapSpec, box: PanelBox): string {
  validateBox(box, 'heatmapPanel');
  validateMatrixShape(spec.values.length, spec.rows, spec.cols, 'heatmapPanel');
  const scale = spec.colorScale ?? 'diverging';
  const [rangeMin, rangeMax] = heatmapRange(spec, scale);

  const needsPooling = spec.rows > HEATMAP_FULL_RESOLUTION_LIMIT || spec.cols > HEATMAP_FULL_RESOLUTION_LIMIT;
  const pooled = needsPooling
    ? poolMatrix(spec.values, spec.rows, spec.cols, HEATMAP_POOLED_SIZE, HEATMAP_POOLED_SIZE)
    : { values: spec.values, rows: spec.rows, cols: spec.cols, rowFactor: 1, colFactor: 1 };
  const title = needsPooling
    ? `${spec.title} (${spec.rows}×${spec.cols}, mean-pooled ${pooled.rowFactor}×${pooled.colFactor} → ${pooled.rows}×${pooled.cols})`
    : spec.title;

  // Layout: row label | row tick labels | cells | colour bar | its tick labels | its label.
  const rowLabel = spec.rowLabel ?? '';
  const colLabel = spec.colLabel ?? '';
  const colorbarLabel = spec.colorbarLabel ?? '';
  const top = box.y + titleBandHeight(title);
  const bottomMargin = TICK_LENGTH + 4 + TICK_FONT_SIZE + (colLabel === '' ? 6 : AXIS_LABEL_FONT_SIZE + 12);
  const availableHeight = Math.max(10, box.y + box.height - bottomMargin - top);

  // Widest colour-bar tick label for the tallest possible bar (the drawn bar may get fewer ticks).
  const colorbarTickWidth = Math.max(0, ...tickLabels(ticksForAxis(rangeMin, rangeMax, 'within', availableHeight, 'vertical')).map((label) => estimateTextWidth(label, TICK_FONT_SIZE)));
  const colorbarWidth = 12;
  const colorbarGap = 14;
  const rightMargin = colorbarGap + colorbarWidth + TICK_LENGTH + 3 + colorbarTickWidth + (colorbarLabel === '' ? 6 : AXIS_LABEL_FONT_SIZE + 12);

  // Widest row tick label for the tallest possible grid (the drawn grid may get fewer ticks).
  const rowTickWidth = Math.max(0, ...tickLabels(ticksForAxis(0, spec.rows - 1, 'within', availableHeight, 'vertical', 1)).map((label) => estimateTextWidth(label, TICK_FONT_SIZE)));
  const leftMargin = (rowLabel === '' ? 4 : AXIS_LABEL_FONT_SIZE + 10) + rowTickWidth + 4 + TICK_LENGTH;
  const availableWidth = Math.max(10, box.width - leftMargin - rightMargin);

  // Square cells (in original index units), centred horizontally in the space left, unless the
  // matrix is so elongated that they would leave over half of the height or width empty: then
  // cells stretch to fill the area.
  const squareUnit = Math.min(availableWidth / spec.cols, availableHeight / spec.rows);
  const stretch = squareUnit * spec.cols < availableWidth / 2 || squareUnit * spec.rows < availableHeight / 2;
  const unitX = stretch ? availableWidth / spec.cols : squareUnit;
  const unitY = stretch ? availableHeight / spec.rows : squareUnit;
  const gridWidth = unitX * spec.cols;
  const gridHeight = unitY * spec.rows;
  const left = box.x + leftMargin + (availableWidth - gridWidth) / 2;
  const right = left + gridWidth;
  const bottom = top + gridHeight;

  const parts: string[] = [];
  const cells: string[] = [];
  const span = rangeMax - rangeMin;
  for (let r = 0; r < pooled.rows; r++) {
    const y0 = top + r * pooled.rowFactor * unitY;
    const y1 = top + Math.min(spec.rows, (r + 1) * pooled.rowFactor) * unitY;
    for (let c = 0; c < pooled.cols; c++) {
      const x0 = left + c * pooled.colFactor * unitX;
      const x1 = left + Math.min(spec.cols, (c + 1) * pooled.colFactor) * unitX;
      const value = pooled.values[r * pooled.cols + c]!;
      const fill = Number.isFinite(value) ? colorScaleColor(scale, (value - rangeMin) / span) : MISSING_CELL_COLOR;
      cells.push(`<rect x="${formatCoordinate(x0)}" y="${formatCoordinate(y0)}" width="${formatCoordinate(x1 - x0)}" height="${formatCoordinate(y1 - y0)}" fill="${fill}"/>`);
    }
  }
  parts.push(element('g', { class: 'cells', 'shape-rendering': 'crispEdges' }, cells.join('')));
  parts.push(element('rect', { class: 'plot-area', x: left, y: top, width: gridWidth, height: gridHeight, fill: 'none', stroke: AXIS_COLOR, 'stroke-width': 0.8 }));

  // Index axes, ticks at cell centres.
  const colTicks = ticksForAxis(0, spec.cols - 1, 'within', gridWidth, 'horizontal', 1);
  const colTickLabels = tickLabels(colTicks);
  parts.push(horizontalAxis(
    colTicks.ticks.map((tick, i) => ({ x: left + (tick + 0.5) * unitX, label: colTickLabels[i]! })),
    { spine: null, bottom, label: colLabel, labelCenter: (left + right) / 2, labelWidth: box.width - 8 },
  ));

  const yAxis: string[] = [];
  const rowTicks = ticksForAxis(0, spec.rows - 1, 'within', gridHeight, 'vertical', 1);
  const rowTickLabels = tickLabels(rowTicks);
  rowTicks.ticks.forEach((tick, i) => {
    const y = top + (tick + 0.5) * unitY;
    yAxis.push(element('line', { x1: left - TICK_LENGTH, y1: y, x2: left, y2: y, stroke: AXIS_COLOR }));
    yAxis.push(textElement(rowTickLabels[i]!, { class: 'tick-label', x: left - TICK_LENGTH - 3, y: y + TICK_FONT_SIZE * 0.35, 'text-anchor': 'end' }));
  });
  yAxis.push(verticalLabel(rowLabel, left - TICK_LENGTH - 4 - rowTickWidth - AXIS_LABEL_FONT_SIZE - 6, (top + bottom) / 2, box.height - 8, 'axis-label'));
  parts.push(element('g', { class: 'axis y-axis', 'font-size': TICK_FONT_SIZE, fill: TEXT_COLOR }, yAxis.join('')));

  // Colour bar: stacked bands from rangeMin (bottom) to rangeMax (top), as tall as the grid.
  const barLeft = right + colorbarGap;
  const barHeight = gridHeight;
  const barTop = top;
  const barBottom = barTop + barHeight;
  const colorbarTicks = ticksForAxis(rangeMin, rangeMax, 'within', barHeight, 'vertical');
  const colorbarTickLabels = tickLabels(colorbarTicks);
  const colorbar: string[] = [];
  const bands: string[] = [];
  for (let i = 0; i < COLORBAR_STEPS; i++) {
    const bandBottom = barBottom - (i / COLORBAR_STEPS) * barHeight;
    const bandTop = barBottom - ((i + 1) / COLORBAR_STEPS) * barHeight;
    bands.push(element('rect', { x: barLeft, y: bandTop, width: colorbarWidth, height: bandBottom - bandTop, fill: colorScaleColor(scale, (i + 0.5) / COLORBAR_STEPS) }));
  }
  colorbar.push(element('g', { 'shape-rendering': 'crispEdges' }, bands.join('')));
  colorbar.push(element('rect', { x: barLeft, y: barTop, width: colorbarWidth, height: barHeight, fill: 'none', stroke: AXIS_COLOR, 'stroke-width': 0.8 }));
  const barScale = linearScale(rangeMin, rangeMax, barBottom, barTop);
  colorbarTicks.ticks.forEach((tick, i) => {
    const y = barScale(tick);
    colorbar.push(element('line', { x1: barLeft + colorbarWidth, y1: y, x2: barLeft + colorbarWidth + TICK_LENGTH, y2: y, stroke: AXIS_COLOR }));
    colorbar.push(
      textElement(colorbarTickLabels[i]!, { class: 'tick-label', x: barLeft + colorbarWidth + TICK_LENGTH + 3, y: y + TICK_FONT_SIZE * 0.35, 'text-anchor': 'start' }),
    );
  });
  colorbar.push(verticalLabel(colorbarLabel, barLeft + colorbarWidth + TICK_LENGTH + 3 + colorbarTickWidth + 6, (barTop + barBottom) / 2, box.height - 8, 'axis-label'));
  parts.push(element('g', { class: 'colorbar', 'font-size': TICK_FONT_SIZE, fill: TEXT_COLOR }, colorbar.join('')));

  parts.push(panelTitle(title, box, (left + right) / 2));
  return element('g', { class: 'panel heatmap-panel', 'font-family': FONT_FAMILY }, parts.join(''));
}

// ---------------------------------------------------------------------------------------------
// Figure
// ---------------------------------------------------------------------------------------------

/**
 * A standalone SVG document (`<svg xmlns="http://www.w3.org/2000/svg" …>`, white background)
 * with the panels in a grid of `layout.columns` columns, each drawn by calling its renderer with
 * its box (`panelWidth × panelHeight`), under an optional bold title and above an optional
 * wrapped caption. Renderers, rather than finished fragments, are taken so that panels are
 * drawn at their final position and size with no transforms or scaling of text.
 *
 * @throws RangeError when `columns` is not a positive integer or a panel size is not positive.
 */
export function figure(panels: readonly PanelRenderer[], layout: FigureLayout): string {
  if (!Number.isInteger(layout.columns) || layout.columns < 1) {
    throw new RangeError(`figure: columns must be a positive integer, got ${layout.columns}`);
  }
  if (!(layout.panelWidth > 0) || !(layout.panelHeight > 0) || !Number.isFinite(layout.panelWidth) || !Number.isFinite(layout.panelHeight)) {
    throw new RangeError(`figure: panelWidth and panelHeight must be positive, got ${layout.panelWidth} × ${layout.panelHeight}`);
  }
  const outerPadding = 8;
  const title = layout.title ?? '';
  const caption = layout.caption ?? '';
  const gridRows = Math.max(1, Math.ceil(panels.length / layout.columns));
  const width = layout.columns * layout.panelWidth + 2 * outerPadding;
  const titleHeight = title === '' ? 0 : FIGURE_TITLE_FONT_SIZE + 14;
  const captionLineHeight = CAPTION_FONT_SIZE + 4;
  const captionLines = caption === '' ? [] : wrapText(caption, width - 2 * outerPadding - 8, CAPTION_FONT_SIZE);
  const captionHeight = captionLines.length === 0 ? 0 : captionLines.length * captionLineHeight + 8;
  const gridTop = outerPadding + titleHeight;
  const height = gridTop + gridRows * layout.panelHeight + captionHeight + outerPadding;

  const parts: string[] = [];
  if (title !== '') parts.push(element('title', {}, escapeXml(title)));
  parts.push(element('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }));
  if (title !== '') {
    const fitted = fitText(title, width - 2 * outerPadding, FIGURE_TITLE_FONT_SIZE, 10);
    parts.push(
      textElement(fitted.text, {
        class: 'figure-title',
        x: width / 2,
        y: outerPadding + fitted.fontSize + 4,
        'text-anchor': 'middle',
        'font-size': fitted.fontSize,
        'font-weight': 'bold',
        fill: TEXT_COLOR,
      }),
    );
  }
  panels.forEach((renderPanel, index) => {
    const box: PanelBox = {
      x: outerPadding + (index % layout.columns) * layout.panelWidth,
      y: gridTop + Math.floor(index / layout.columns) * layout.panelHeight,
      width: layout.panelWidth,
      height: layout.panelHeight,
    };
    parts.push(renderPanel(box));
  });
  if (captionLines.length > 0) {
    const captionTop = gridTop + gridRows * layout.panelHeight + 8;
    const lines = captionLines.map((line, i) => textElement(line, { x: outerPadding + 4, y: captionTop + CAPTION_FONT_SIZE + i * captionLineHeight }));
    parts.push(element('g', { class: 'caption', 'font-size': CAPTION_FONT_SIZE, fill: '#333333' }, lines.join('')));
  }
  const root = element(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      width,
      height,
      viewBox: `0 0 ${formatCoordinate(width)} ${formatCoordinate(height)}`,
      'font-family': FONT_FAMILY,
      role: 'img',
    },
    `\n${parts.join('\n')}\n`,
  );
  return `${root}\n`;
}
