import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  colorScaleColor,
  DEFAULT_PALETTE,
  escapeXml,
  figure,
  formatTickLabel,
  heatmapPanel,
  linePanel,
  niceTicks,
  poolMatrix,
  type PanelBox,
  type PanelSpec,
  type Series,
} from '../src/experiments/svg-figures.js';

// ---------------------------------------------------------------------------------------------
// A minimal XML well-formedness checker (Node has no DOMParser): a stack parser that builds a
// tree and rejects unbalanced or mismatched tags, unquoted or duplicate attributes, raw '<' in
// attribute values and '&' that does not start a known entity or character reference.
// ---------------------------------------------------------------------------------------------

interface XmlElement {
  name: string;
  attributes: Map<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITY = /^&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;
const NAME = /^[A-Za-z_][\w.:-]*/;

function decodeEntities(raw: string, where: number): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '&') {
      out += raw[i];
      continue;
    }
    const match = ENTITY.exec(raw.slice(i));
    if (match === null) throw new Error(`bad '&' near offset ${where + i}: ${raw.slice(i, i + 12)}`);
    const name = match[1]!;
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    out += named[name] ?? String.fromCodePoint(name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10));
    i += match[0].length - 1;
  }
  return out;
}

function parseXml(source: string): XmlElement {
  let pos = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const fail = (message: string): never => {
    throw new Error(`${message} at offset ${pos}: ${JSON.stringify(source.slice(pos, pos + 40))}`);
  };
  while (pos < source.length) {
    if (source.startsWith('<?', pos)) {
      const end = source.indexOf('?>', pos);
      if (end < 0 || root !== null || stack.length > 0) fail('misplaced or unterminated processing instruction');
      pos = end + 2;
    } else if (source.startsWith('<!--', pos)) {
      const end = source.indexOf('-->', pos);
      if (end < 0) fail('unterminated comment');
      pos = end + 3;
    } else if (source.startsWith('</', pos)) {
      const name = NAME.exec(source.slice(pos + 2))?.[0] ?? fail('bad closing tag');
      pos += 2 + name.length;
      while (/\s/.test(source[pos] ?? '')) pos++;
      if (source[pos] !== '>') fail('closing tag not terminated');
      pos++;
      const open = stack.pop() ?? fail(`closing </${name}> without an open element`);
      if (open.name !== name) fail(`</${name}> closes <${open.name}>`);
    } else if (source[pos] === '<') {
      const name = NAME.exec(source.slice(pos + 1))?.[0] ?? fail('bad tag name');
      pos += 1 + name.length;
      const created: XmlElement = { name, attributes: new Map(), children: [], text: '' };
      for (;;) {
        const spaceStart = pos;
        while (/\s/.test(source[pos] ?? '')) pos++;
        if (source.startsWith('/>', pos) || source[pos] === '>') break;
        if (pos === spaceStart) fail('attributes must be separated by white space');
        const attribute = NAME.exec(source.slice(pos))?.[0] ?? fail('bad attribute name');
        pos += attribute.length;
        if (source[pos] !== '=') fail(`attribute ${attribute} without '='`);
        pos++;
        const quote = source[pos];
        if (quote !== '"' && quote !== "'") fail(`attribute ${attribute} value not quoted`);
        const end = source.indexOf(quote!, pos + 1);
        if (end < 0) fail('unterminated attribute value');
        const raw = source.slice(pos + 1, end);
        if (raw.includes('<')) fail(`'<' inside attribute ${attribute}`);
        if (created.attributes.has(attribute)) fail(`duplicate attribute ${attribute}`);
        created.attributes.set(attribute, decodeEntities(raw, pos + 1));
        pos = end + 1;
      }
      const parent = stack.at(-1);
      if (parent !== undefined) parent.children.push(created);
      else if (root === null) root = created;
      else fail('second root element');
      if (source.startsWith('/>', pos)) {
        pos += 2;
      } else {
        pos++;
        stack.push(created);
      }
    } else {
      const end = source.indexOf('<', pos);
      const raw = source.slice(pos, end < 0 ? source.length : end);
      const parent = stack.at(-1);
      if (parent === undefined) {
        if (raw.trim() !== '') fail('text outside the root element');
      } else {
        if (raw.includes('>') && raw.includes(']]>')) fail("']]>' in text");
        parent.text += decodeEntities(raw, pos);
      }
      pos += raw.length;
    }
  }
  if (stack.length > 0) throw new Error(`unclosed elements: ${stack.map((e) => e.name).join(' > ')}`);
  if (root === null) throw new Error('no root element');
  return root;
}

/** Parses a fragment by wrapping it in a root element. */
function parseFragment(fragment: string): XmlElement {
  return parseXml(`<root>${fragment}</root>`);
}

function descendants(element: XmlElement): XmlElement[] {
  return element.children.flatMap((child) => [child, ...descendants(child)]);
}

function hasClass(element: XmlElement, className: string): boolean {
  return (element.attributes.get('class') ?? '').split(/\s+/).includes(className);
}

function byClass(root: XmlElement, className: string): XmlElement[] {
  return descendants(root).filter((e) => hasClass(e, className));
}

function numberAttribute(element: XmlElement, name: string): number {
  const value = Number(element.attributes.get(name));
  if (!Number.isFinite(value)) throw new Error(`<${element.name}> ${name}=${element.attributes.get(name)}`);
  return value;
}

function parseTickLabel(text: string): number {
  return Number(text.replace(/\u2212/g, '-'));
}

/** The [min, max] of the numbers in an axis group's tick labels. */
function axisTickValues(panel: XmlElement, axisClass: string): number[] {
  const [axis] = byClass(panel, axisClass);
  return byClass(axis!, 'tick-label').map((label) => parseTickLabel(label.text));
}

function isNiceStep(step: number): boolean {
  const exponent = Math.floor(Math.log10(step) + 1e-12);
  const mantissa = step / 10 ** exponent;
  return [1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-9);
}

const BOX: PanelBox = { x: 10, y: 20, width: 420, height: 300 };

// ---------------------------------------------------------------------------------------------

describe('the XML checker itself', () => {
  it('accepts well-formed markup and rejects broken markup', () => {
    expect(parseXml('<?xml version="1.0"?><a x="1"><b/>t &amp; u<c y=\'2\'></c></a>').children).toHaveLength(2);
    for (const broken of ['<a><b></a></b>', '<a>', '<a x=1/>', '<a x="1" x="2"/>', '<a>&bogus;</a>', '<a/><b/>', '<a x="<"/>']) {
      expect(() => parseXml(broken), broken).toThrow();
    }
  });
});

describe('niceTicks', () => {
  const ranges: [number, number][] = [
    [0, 1],
    [0.13, 0.87],
    [-3.7, 12.2],
    [1e-7, 3.3e-6],
    [123456, 987654],
    [-0.004, -0.001],
    [17, 17],
    [0, 0],
    [5, 5.000001],
  ];
  for (const [min, max] of ranges) {
    for (const maxCount of [2, 4, 6, 10]) {
      it(`covers [${min}, ${max}] with at most ${maxCount} nice ticks`, () => {
        const { ticks, step, min: axisMin, max: axisMax } = niceTicks(min, max, { maxCount });
        expect(isNiceStep(step)).toBe(true);
        expect(ticks.length).toBeGreaterThanOrEqual(2);
        expect(ticks.length).toBeLessThanOrEqual(Math.max(3, maxCount)); // covering takes 3 at least
        expect(ticks[0]).toBeLessThanOrEqual(min);
        expect(ticks.at(-1)).toBeGreaterThanOrEqual(max);
        expect([axisMin, axisMax]).toEqual([ticks[0], ticks.at(-1)]);
        for (let i = 0; i < ticks.length; i++) {
          expect(Math.abs(ticks[i]! / step - Math.round(ticks[i]! / step))).toBeLessThan(1e-6);
          if (i > 0) expect(ticks[i]! - ticks[i - 1]!).toBeCloseTo(step, 12);
        }
      });
    }
  }

  it('picks the tightest nice ticks', () => {
    expect(niceTicks(0, 1, { maxCount: 6 }).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 0.87, { maxCount: 5 }).ticks).toEqual([0, 0.5, 1]); // 0.2 would need 6 ticks
    expect(niceTicks(-3.7, 12.2, { maxCount: 6 }).ticks).toEqual([-5, 0, 5, 10, 15]);
  });

  it("keeps ticks inside the range in 'within' mode and honours minStep", () => {
    const within = niceTicks(0.13, 0.87, { mode: 'within', maxCount: 6 });
    expect(within.ticks).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect([within.min, within.max]).toEqual([0.13, 0.87]);
    expect(niceTicks(0, 3, { mode: 'within', maxCount: 10, minStep: 1 }).ticks).toEqual([0, 1, 2, 3]);
    expect(niceTicks(0, 0, { mode: 'within', minStep: 1 }).ticks).toEqual([0]);
  });

  it('rejects non-finite ranges', () => {
    expect(() => niceTicks(0, Number.NaN)).toThrow(RangeError);
    expect(() => niceTicks(-Infinity, 1)).toThrow(RangeError);
  });

  it('formats labels with the decimals the step needs and a true minus sign', () => {
    expect(formatTickLabel(0.30000000000000004, 0.1)).toBe('0.3');
    expect(formatTickLabel(-5, 5)).toBe('\u22125');
    expect(formatTickLabel(2.5e-6, 5e-7)).toBe('2.5e\u22126');
    expect(formatTickLabel(3000000, 1000000)).toBe('3e6');
    expect(formatTickLabel(0, 0.01)).toBe('0');
  });
});

describe('linePanel', () => {
  const series: Series[] = [
    { label: 'linear', x: [0, 1, 2, 3, 4], y: [0.5, 1.5, 2.5, 3.5, 4.5], error: [0.2, 0.2, 0.3, 0.3, 0.4], markers: true },
    { label: 'square', x: [0, 1, 2, 3, 4], y: [0, 1, 4, 9, 16], dashed: true },
    { label: '', x: [0, 2, 4], y: [3, 3, 3], color: 'rebeccapurple', markers: true },
  ];
  const spec: PanelSpec = { title: 'Three series', xLabel: 'x (a.u.)', yLabel: 'y (a.u.)', series, horizontalLines: [{ y: 10, label: 'threshold' }] };

  it('is well-formed and draws one path per series, the markers and the error bars', () => {
    const panel = parseFragment(linePanel(spec, BOX)).children[0]!;
    expect(panel.name).toBe('g');
    expect(byClass(panel, 'series')).toHaveLength(3);
    expect(byClass(panel, 'series-line')).toHaveLength(3);
    expect(byClass(panel, 'marker')).toHaveLength(5 + 3);
    const errorBars = byClass(panel, 'error-bar');
    expect(errorBars).toHaveLength(5);
    for (const bar of errorBars) expect(bar.attributes.get('d')!.match(/H/g)).toHaveLength(2); // two caps each
    expect(byClass(panel, 'series-line')[1]!.attributes.get('stroke-dasharray')).toBeDefined();
    expect(byClass(panel, 'series-line')[0]!.attributes.get('stroke-dasharray')).toBeUndefined();
    // Unlabelled series stay out of the legend; the default palette is used in order.
    const [legend] = byClass(panel, 'legend');
    expect(descendants(legend!).filter((e) => e.name === 'text').map((e) => e.text)).toEqual(['linear', 'square']);
    expect(byClass(panel, 'series').map((g) => g.attributes.get('stroke'))).toEqual([DEFAULT_PALETTE[0], DEFAULT_PALETTE[1], 'rebeccapurple']);
    expect(descendants(panel).some((e) => e.name === 'text' && e.text === 'threshold')).toBe(true);
  });

  it('has nice y ticks covering the data and the error bars, and nice x ticks covering x', () => {
    const panel = parseFragment(linePanel(spec, BOX));
    const yTicks = axisTickValues(panel, 'y-axis');
    expect(yTicks[0]).toBeLessThanOrEqual(0);
    expect(yTicks.at(-1)).toBeGreaterThanOrEqual(16);
    expect(isNiceStep(yTicks[1]! - yTicks[0]!)).toBe(true);
    const xTicks = axisTickValues(panel, 'x-axis');
    expect(xTicks[0]).toBeLessThanOrEqual(0);
    expect(xTicks.at(-1)).toBeGreaterThanOrEqual(4);
    expect(isNiceStep(xTicks[1]! - xTicks[0]!)).toBe(true);
    expect(yTicks.length).toBeGreaterThanOrEqual(3);
    expect(xTicks.length).toBeGreaterThanOrEqual(3);
  });

  it('skips non-finite values as gaps and never writes NaN or Infinity', () => {
    const gappy: PanelSpec = {
      title: 'gaps',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          label: 'with gaps',
          x: [0, 1, 2, 3, 4, 5, 6, Number.NaN, 8],
          y: [1, 2, Number.NaN, 4, 5, Infinity, 7, 8, 9],
          error: [0.1, Number.NaN, 0.1, -Infinity, 0.1, 0.1, 0.1, 0.1, 0.1],
          markers: true,
        },
        { label: 'all missing', x: [0, 1], y: [Number.NaN, Number.NaN] },
      ],
      horizontalLines: [{ y: Number.NaN, label: 'nan line' }],
    };
    const svg = linePanel(gappy, BOX);
    expect(svg).not.toMatch(/NaN|Infinity/);
    const panel = parseFragment(svg);
    const lines = byClass(panel, 'series-line');
    expect(lines).toHaveLength(1); // the all-missing series draws no path
    // Pieces: 0–1, 3–4 (pen lifted at the NaN y), then nothing joins 6 to 8 (x is NaN): 2 subpaths.
    expect(lines[0]!.attributes.get('d')!.match(/M/g)).toHaveLength(2);
    expect(byClass(panel, 'marker')).toHaveLength(6); // finite (x, y) at indices 0, 1, 3, 4, 6, 8
    expect(byClass(panel, 'error-bar')).toHaveLength(4); // indices 0, 4, 6, 8
  });

  it('clips lines to the plot area when a range is fixed and drops markers outside it', () => {
    const clipped: PanelSpec = {
      title: 'clipped',
      xLabel: 'x',
      yLabel: 'y',
      yRange: [0, 1],
      xRange: [0.5, 3.5],
      series: [{ label: 'steep', x: [0, 1, 2, 3, 4], y: [0, 0.5, 5, -3, 0.5], error: [0.1, 0.1, 0.1, 0.1, 0.1], markers: true }],
      legend: 'none',
    };
    const panel = parseFragment(linePanel(clipped, BOX));
    const [area] = byClass(panel, 'plot-area');
    const left = numberAttribute(area!, 'x');
    const top = numberAttribute(area!, 'y');
    const right = left + numberAttribute(area!, 'width');
    const bottom = top + numberAttribute(area!, 'height');
    for (const path of [...byClass(panel, 'series-line'), ...byClass(panel, 'error-bar')]) {
      const d = path.attributes.get('d')!;
      const xs = [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => Number(m[1]));
      const ys = [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => Number(m[2]));
      expect(xs.length).toBeGreaterThan(0);
      for (const x of xs) {
        expect(x).toBeGreaterThanOrEqual(left - 0.01);
        expect(x).toBeLessThanOrEqual(right + 0.01);
      }
      for (const y of ys) {
        expect(y).toBeGreaterThanOrEqual(top - 0.01);
        expect(y).toBeLessThanOrEqual(bottom + 0.01);
      }
    }
    expect(byClass(panel, 'marker')).toHaveLength(1); // only (1, 0.5) is inside x ∈ [0.5, 3.5], y ∈ [0, 1]
    expect(byClass(panel, 'legend')).toHaveLength(0);
    const yTicks = axisTickValues(panel, 'y-axis');
    expect(yTicks[0]).toBeGreaterThanOrEqual(0);
    expect(yTicks.at(-1)).toBeLessThanOrEqual(1);
  });

  it('escapes text and rejects inconsistent series', () => {
    const nasty = 'a < b & "c" \u0001 \'d\' >';
    const svg = linePanel({ title: nasty, xLabel: nasty, yLabel: nasty, series: [{ label: nasty, x: [0, 1], y: [0, 1] }] }, BOX);
    const texts = descendants(parseFragment(svg)).filter((e) => e.name === 'text').map((e) => e.text);
    expect(texts).toContain('a < b & "c"  \'d\' >');
    expect(escapeXml('<&>"\'')).toBe('&lt;&amp;&gt;&quot;&apos;');
    expect(() => linePanel({ ...spec, series: [{ label: 'bad', x: [0, 1], y: [0] }] }, BOX)).toThrow(/x has 2 values but y has 1/);
    expect(() => linePanel({ ...spec, yRange: [1, 1] }, BOX)).toThrow(RangeError);
  });
});

describe('colour scales', () => {
  it('interpolates between the documented endpoints', () => {
    expect(colorScaleColor('diverging', 0)).toBe('#2166ac');
    expect(colorScaleColor('diverging', 0.5)).toBe('#ffffff');
    expect(colorScaleColor('diverging', 1)).toBe('#b2182b');
    expect(colorScaleColor('sequential', 0)).toBe('#ffffff');
    expect(colorScaleColor('sequential', 1)).toBe('#08306b');
    expect(colorScaleColor('diverging', -3)).toBe('#2166ac');
    expect(colorScaleColor('sequential', 7)).toBe('#08306b');
  });

  it('is continuous and monotone in darkness for the sequential scale', () => {
    const luminance = (hex: string): number => [1, 3, 5].reduce((sum, i) => sum + Number.parseInt(hex.slice(i, i + 2), 16), 0);
    let previous = Infinity;
    for (let i = 0; i <= 100; i++) {
      const current = luminance(colorScaleColor('sequential', i / 100));
      expect(current).toBeLessThanOrEqual(previous);
      if (i > 0) expect(previous - current).toBeLessThan(40);
      previous = current;
    }
  });
});

describe('heatmapPanel and poolMatrix', () => {
  function cellsOf(svg: string): XmlElement[] {
    const [cells] = byClass(parseFragment(svg), 'cells');
    return cells!.children;
  }

  it('draws one rect per cell for small matrices, in the right colours', () => {
    const rows = 10;
    const cols = 20;
    const values = Float64Array.from({ length: rows * cols }, (_, i) => (i % cols) - 10);
    values[5] = Number.NaN;
    const svg = heatmapPanel({ title: 'small', values, rows, cols, rowLabel: 'row', colLabel: 'column', colorbarLabel: 'value' }, BOX);
    expect(svg).not.toMatch(/NaN/);
    const cells = cellsOf(svg);
    expect(cells).toHaveLength(rows * cols);
    // Default diverging range is symmetric: [-10, 10], so value -10 is the blue end and 0 white.
    expect(cells[0]!.attributes.get('fill')).toBe('#2166ac');
    expect(cells[10]!.attributes.get('fill')).toBe('#ffffff');
    expect(cells[5]!.attributes.get('fill')).not.toMatch(/^#(2166ac|ffffff|b2182b)$/);
    const panel = parseFragment(svg);
    const colorbarTicks = axisTickValues(panel, 'colorbar');
    expect(colorbarTicks[0]).toBeGreaterThanOrEqual(-10);
    expect(colorbarTicks.at(-1)).toBeLessThanOrEqual(10);
    expect(colorbarTicks).toContain(0);
    expect(byClass(panel, 'panel-title')[0]!.text).toBe('small');
  });

  it('uses the sequential scale over [min, max] by default', () => {
    const cells = cellsOf(heatmapPanel({ title: 's', values: [2, 3, 4, 6], rows: 2, cols: 2, colorScale: 'sequential' }, BOX));
    expect(cells.map((c) => c.attributes.get('fill'))[0]).toBe('#ffffff');
    expect(cells.map((c) => c.attributes.get('fill'))[3]).toBe('#08306b');
  });

  it('average-pools matrices larger than 512 to at most 256 per side and says so', () => {
    const rows = 600;
    const cols = 1030;
    const values = new Float32Array(rows * cols).map((_, i) => Math.sin(i));
    const svg = heatmapPanel({ title: 'large', values, rows, cols }, { x: 0, y: 0, width: 700, height: 500 });
    const cells = cellsOf(svg);
    expect(cells).toHaveLength(Math.ceil(rows / 3) * Math.ceil(cols / 5)); // factors ceil(600/256)=3, ceil(1030/256)=5
    expect(byClass(parseFragment(svg), 'panel-title')[0]!.text).toMatch(/pooled/);
    // 512 × 512 is still drawn cell by cell.
    expect(cellsOf(heatmapPanel({ title: 'full', values: new Float64Array(512 * 512), rows: 512, cols: 512 }, BOX))).toHaveLength(512 * 512);
  });

  it('pools by block means of the finite values', () => {
    // 3 × 5 matrix pooled to ≤ 2 × 2: factors 2 and 3, blocks of 2×3, 2×2, 1×3, 1×2.
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, Number.NaN];
    const pooled = poolMatrix(values, 3, 5, 2, 2);
    expect([pooled.rows, pooled.cols, pooled.rowFactor, pooled.colFactor]).toEqual([2, 2, 2, 3]);
    expect(Array.from(pooled.values)).toEqual([(1 + 2 + 3 + 6 + 7 + 8) / 6, (4 + 5 + 9 + 10) / 4, 12, 14]);
    expect(Number.isNaN(poolMatrix([Number.NaN, 1], 1, 2, 1, 1).values[0]!)).toBe(false);
    expect(Number.isNaN(poolMatrix([Number.NaN, Number.NaN], 1, 2, 1, 1).values[0]!)).toBe(true);
    expect(() => poolMatrix([1, 2, 3], 2, 2, 1, 1)).toThrow(/3 entries/);
  });

  it('rejects a shape that does not match the values', () => {
    expect(() => heatmapPanel({ title: 'bad', values: [1, 2, 3], rows: 2, cols: 2 }, BOX)).toThrow(RangeError);
    expect(() => heatmapPanel({ title: 'bad', values: [1, 2], rows: 1, cols: 2, range: [1, -1] }, BOX)).toThrow(RangeError);
  });
});

describe('figure', () => {
  const outputDirectory = mkdtempSync(join(tmpdir(), 'svg-figures-'));
  afterAll(() => {
    if (process.env['KEEP_SVG_FIGURES_DEMO'] === undefined) rmSync(outputDirectory, { recursive: true, force: true });
    else console.log(`demo figure kept in ${outputDirectory}`);
  });

  it('lays panels out in a grid in a standalone SVG document', () => {
    const boxes: PanelBox[] = [];
    const svg = figure(
      [0, 1, 2].map((i) => (box: PanelBox) => {
        boxes.push(box);
        return `<g class="stub" data-index="${i}"/>`;
      }),
      { columns: 2, panelWidth: 300, panelHeight: 200, title: 'Grid & <layout>', caption: 'word '.repeat(80) },
    );
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attributes.get('xmlns')).toBe('http://www.w3.org/2000/svg');
    expect(root.children[0]!.name).toBe('title');
    expect(root.children[0]!.text).toBe('Grid & <layout>');
    expect(root.children[1]!.attributes.get('fill')).toBe('#ffffff');
    expect(byClass(root, 'stub')).toHaveLength(3);
    expect(boxes.map((b) => [b.x, b.y])).toEqual([
      [boxes[0]!.x, boxes[0]!.y],
      [boxes[0]!.x + 300, boxes[0]!.y],
      [boxes[0]!.x, boxes[0]!.y + 200],
    ]);
    const width = numberAttribute(root, 'width');
    const height = numberAttribute(root, 'height');
    expect(width).toBeGreaterThanOrEqual(600);
    expect(height).toBeGreaterThan(400); // two panel rows plus title and the wrapped caption
    const captionLines = byClass(root, 'caption')[0]!.children;
    expect(captionLines.length).toBeGreaterThan(1);
    expect(() => figure([], { columns: 0, panelWidth: 1, panelHeight: 1 })).toThrow(RangeError);
  });

  it('renders the demo figure: two line panels with error bars and a heatmap', () => {
    const n = [10, 20, 50, 100, 200, 500, 1000];
    const saturating = (limit: number, half: number): number[] => n.map((k) => (limit * k) / (k + half));
    const information: Series[] = [
      { label: 'I_bc (GPU)', x: n, y: saturating(40, 150), error: n.map((k) => 8 / Math.sqrt(k / 10)), markers: true },
      { label: 'I_shuffle', x: n, y: n.map((k) => 0.06 * k), error: n.map((k) => 0.004 * k), markers: true, dashed: true },
      { label: 'theory', x: n, y: saturating(42, 170), color: '#777777' },
    ];
    const time = Array.from({ length: 200 }, (_, i) => i * 0.5);
    const rates: Series[] = [
      { label: 'excitatory', x: time, y: time.map((t) => 8 + 3 * Math.sin(t / 6) + (t > 40 && t < 45 ? Number.NaN : 0)) },
      { label: 'inhibitory', x: time, y: time.map((t) => 22 + 6 * Math.cos(t / 9)), error: time.map((t, i) => (i % 20 === 0 ? 1.5 + t / 100 : Number.NaN)) },
    ];
    const size = 64;
    const covariance = Float64Array.from({ length: size * size }, (_, k) => {
      const i = Math.floor(k / size);
      const j = k % size;
      return (i === j ? 1 : 0) + 0.6 * Math.exp(-Math.abs(i - j) / 8) * Math.cos((i - j) / 5) - 0.15;
    });
    const svg = figure(
      [
        (box) =>
          linePanel(
            {
              title: 'Linear Fisher information vs population size',
              xLabel: 'neurons N',
              yLabel: 'information (rad⁻²)',
              series: information,
              horizontalLines: [{ y: 40, label: 'I_∞ = 40 rad⁻²', color: '#b2182b' }],
              legend: 'top-left',
            },
            box,
          ),
        (box) => linePanel({ title: 'Population rates', xLabel: 'time (ms)', yLabel: 'rate (Hz)', series: rates, yRange: [0, 35], legend: 'bottom-right' }, box),
        (box) =>
          heatmapPanel(
            { title: 'Noise covariance', values: covariance, rows: size, cols: size, rowLabel: 'neuron i', colLabel: 'neuron j', colorbarLabel: 'covariance (Hz²)' },
            box,
          ),
      ],
      {
        columns: 3,
        panelWidth: 380,
        panelHeight: 300,
        title: 'svg-figures demo',
        caption: 'Left: information (mean ± s.d. over 10 seeds) saturates towards I_∞ while the shuffled estimate grows linearly. Middle: rates with a recording gap. Right: a covariance matrix on the diverging scale.',
      },
    );
    const root = parseXml(svg);
    expect(byClass(root, 'panel')).toHaveLength(3);
    expect(byClass(root, 'error-bar').length).toBeGreaterThan(10);
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    const directory = join(outputDirectory, 'docs', 'figures');
    mkdirSync(directory, { recursive: true });
    const path = join(directory, 'svg-figures-demo.svg');
    writeFileSync(path, svg);
    expect(existsSync(path)).toBe(true);
  });
});
