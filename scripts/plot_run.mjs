#!/usr/bin/env node
// Draws an SVG figure of a `cortexgpu run` output folder: a spike raster (first trial) of
// every recorded population above its population rate. No plotting dependency: the figure
// is a few hundred SVG rectangles and one polyline per population.
// Usage: node scripts/plot_run.mjs OUT_DIR [FIGURE.svg] [--from MS] [--to MS] [--neurons N]
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeNpy } from '../dist/io/npy.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
const dir = positional[0];
if (!dir) {
  console.error('usage: node scripts/plot_run.mjs OUT_DIR [FIGURE.svg] [--from MS] [--to MS] [--neurons N]');
  process.exit(2);
}
const figure = positional[1] ?? join(dir, 'raster.svg');
const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
const fromMs = option('from', Math.max(0, summary.duration_ms - 300));
const toMs = option('to', summary.duration_ms);
const maxNeurons = option('neurons', 400);
const dt = summary.dt_ms;

const pops = readdirSync(dir)
  .map((f) => /^spikes_(.+)\.npy$/.exec(f))
  .filter((m) => m && !m[1].endsWith('_times_ms'))
  .map((m) => m[1]);
const width = 900;
const rasterHeight = 220;
const rateHeight = 70;
const left = 60;
const plotWidth = width - left - 20;
const x = (ms) => left + ((ms - fromMs) / (toMs - fromMs)) * plotWidth;
let y0 = 30;
const parts = [];
for (const pop of pops) {
  const { data, shape } = decodeNpy(new Uint8Array(readFileSync(join(dir, `spikes_${pop}.npy`))));
  const size = summary.populations[pop]?.size ?? 0;
  const shown = Math.min(maxNeurons, size);
  parts.push(`<text x="${left}" y="${y0 - 8}" font-size="13" font-family="sans-serif">${pop}: ${summary.populations[pop]?.rate_hz?.toFixed(1)} Hz, CV ISI ${summary.populations[pop]?.cv_isi?.toFixed(2) ?? '–'} (first ${shown} of ${size} neurons, trial 0)</text>`);
  for (let i = 0; i < shape[0]; i++) {
    const step = data[3 * i], trial = data[3 * i + 1], neuron = data[3 * i + 2];
    const ms = step * dt;
    if (trial !== 0 || neuron >= shown || ms < fromMs || ms >= toMs) continue;
    parts.push(`<rect x="${x(ms).toFixed(1)}" y="${(y0 + (neuron / shown) * rasterHeight).toFixed(1)}" width="1.2" height="${Math.max(0.6, rasterHeight / shown).toFixed(2)}" fill="#1f4e79"/>`);
  }
  parts.push(`<rect x="${left}" y="${y0}" width="${plotWidth}" height="${rasterHeight}" fill="none" stroke="#888"/>`);
  // Population rate in 1 ms bins (trial 0) from the spike counts.
  const bins = new Float64Array(Math.ceil(toMs - fromMs));
  for (let i = 0; i < shape[0]; i++) {
    const ms = data[3 * i] * dt;
    if (data[3 * i + 1] === 0 && ms >= fromMs && ms < toMs) bins[Math.floor(ms - fromMs)] += 1000 / size;
  }
  const rateTop = y0 + rasterHeight + 10;
  const peak = Math.max(1, ...bins);
  const points = Array.from(bins, (v, i) => `${x(fromMs + i + 0.5).toFixed(1)},${(rateTop + rateHeight - (v / peak) * rateHeight).toFixed(1)}`).join(' ');
  parts.push(`<polyline points="${points}" fill="none" stroke="#c0392b" stroke-width="1"/>`);
  parts.push(`<text x="${left - 6}" y="${rateTop + 10}" font-size="10" text-anchor="end" font-family="sans-serif">${peak.toFixed(0)} Hz</text>`);
  parts.push(`<rect x="${left}" y="${rateTop}" width="${plotWidth}" height="${rateHeight}" fill="none" stroke="#888"/>`);
  y0 = rateTop + rateHeight + 40;
}
parts.push(`<text x="${left}" y="${y0 - 15}" font-size="11" font-family="sans-serif">${fromMs} ms … ${toMs} ms · ${summary.network} · ${summary.adapter}</text>`);
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y0}" viewBox="0 0 ${width} ${y0}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
writeFileSync(figure, svg);
console.log(`wrote ${figure}`);
