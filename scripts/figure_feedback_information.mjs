#!/usr/bin/env node
// Figure for docs/analysis.md: the feedback model of science.md (case 3), simulated by the
// engine for several feedback gains g and analysed by the GPU information path. Population
// information stays at I0 while shuffled (sum of single-neuron) information and redundancy grow.
// Usage: node scripts/figure_feedback_information.mjs [OUT.svg] (also writes OUT.json)
import { writeFileSync } from 'node:fs';
import { createNodeSimulator, nodeGpu, nodeShaderLoader } from '../dist/node/index.js';
import { computeFisherGpu } from '../dist/gpu/analysis/fisher-gpu.js';
import { feedbackModel } from '../dist/model/library/feedback-model.js';

const out = process.argv[2] ?? 'docs/figures/feedback_information.svg';
const n = 24;
const steps = 4000;
const dTheta = 6;
const context = await nodeGpu();
const rows = [];
for (const g of [0, 0.2, 0.41, 0.7, 1, 1.5]) {
  const model = feedbackModel({ neurons: n, amplitude: 4, kappa: 1.5, baseline: 1, theta0Deg: 40, dThetaDeg: dTheta, noiseStd: 0.8, gain: g, seed: 3 });
  const sim = await createNodeSimulator(model.spec, { context });
  await sim.run(steps);
  const rec = sim.recordings()[0];
  const rowsOf = (trial) => {
    const x = new Float64Array((steps - 5) * n);
    for (let s = 5; s < steps; s++) for (let i = 0; i < n; i++) x[(s - 5) * n + i] = rec.values[(s * 2 + trial) * n + i];
    return x;
  };
  const r = await computeFisherGpu(context, rowsOf(0), rowsOf(1), n, dTheta, { decoderFolds: 0, shaders: nodeShaderLoader });
  const I0 = model.I0;
  const Jsum = model.singleNeuron.reduce((s, x) => s + x, 0);
  rows.push({ g, I0, I_bc: r.I_bc, I_bc_se: r.I_bc_se, I_shuffle_bc: r.I_shuffle_bc, rho: r.rho, rho_closed_form: 1 - I0 / Jsum, I_shuffle_closed_form: Jsum });
  sim.destroy();
  console.log(`g = ${g}: I_bc ${r.I_bc.toFixed(4)} ± ${r.I_bc_se.toFixed(4)} (I0 ${I0.toFixed(4)}), I_shuffle_bc ${r.I_shuffle_bc.toFixed(4)}, rho ${r.rho.toFixed(3)} (closed form ${(1 - I0 / Jsum).toFixed(3)})`);
}
writeFileSync(out.replace(/\.svg$/, '.json'), JSON.stringify({ adapter: context.info.label, neurons: n, samples_per_condition: steps - 5, rows }, null, 2));

// Two panels: information (deg⁻²) and ρ against g.
const W = 800, H = 300, left = 60, panel = 300, top = 30, height = 210;
const gMax = 1.5;
const x = (g, offset) => offset + (g / gMax) * panel;
const yMax = Math.max(...rows.map((r) => Math.max(r.I_shuffle_bc, r.I_shuffle_closed_form))) * 1.1;
const yInfo = (v) => top + height - (v / yMax) * height;
const yRho = (v) => top + height - v * height;
const parts = [`<rect width="100%" height="100%" fill="white"/>`];
const axes = (offset, label, ticks, y) => {
  parts.push(`<rect x="${offset}" y="${top}" width="${panel}" height="${height}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${offset + panel / 2}" y="${top + height + 35}" font-size="12" text-anchor="middle" font-family="sans-serif">feedback gain g</text>`);
  parts.push(`<text x="${offset}" y="${top - 10}" font-size="12" font-family="sans-serif">${label}</text>`);
  for (const t of ticks) parts.push(`<text x="${offset - 5}" y="${y(t) + 4}" font-size="10" text-anchor="end" font-family="sans-serif">${t.toFixed(2)}</text>`);
  for (const g of [0, 0.5, 1, 1.5]) parts.push(`<text x="${x(g, offset)}" y="${top + height + 15}" font-size="10" text-anchor="middle" font-family="sans-serif">${g}</text>`);
};
axes(left, 'information (deg⁻²)', [0, yMax / 2, yMax], yInfo);
axes(left + panel + 100, 'redundancy ρ = 1 − I/I_shuffle', [0, 0.5, 1], yRho);
const line = (points, color, dash = '') => parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${color}" stroke-width="1.5" ${dash ? `stroke-dasharray="${dash}"` : ''}/>`);
line(rows.map((r) => `${x(r.g, left)},${yInfo(r.I0)}`), '#1f4e79', '4 3');
line(rows.map((r) => `${x(r.g, left)},${yInfo(r.I_shuffle_closed_form)}`), '#c0392b', '4 3');
line(rows.map((r) => `${x(r.g, left + panel + 100)},${yRho(r.rho_closed_form)}`), '#555', '4 3');
for (const r of rows) {
  parts.push(`<circle cx="${x(r.g, left)}" cy="${yInfo(r.I_bc)}" r="3.5" fill="#1f4e79"/>`);
  parts.push(`<line x1="${x(r.g, left)}" x2="${x(r.g, left)}" y1="${yInfo(r.I_bc - r.I_bc_se)}" y2="${yInfo(r.I_bc + r.I_bc_se)}" stroke="#1f4e79"/>`);
  parts.push(`<circle cx="${x(r.g, left)}" cy="${yInfo(r.I_shuffle_bc)}" r="3.5" fill="#c0392b"/>`);
  parts.push(`<circle cx="${x(r.g, left + panel + 100)}" cy="${yRho(r.rho)}" r="3.5" fill="#333"/>`);
}
parts.push(`<text x="${left + 8}" y="${top + 16}" font-size="11" fill="#1f4e79" font-family="sans-serif">● I_bc (population), dashed: I0</text>`);
parts.push(`<text x="${left + 8}" y="${top + 30}" font-size="11" fill="#c0392b" font-family="sans-serif">● I_shuffle_bc, dashed: Σ J_i closed form</text>`);
parts.push(`<text x="${left + panel + 108}" y="${top + 16}" font-size="11" fill="#333" font-family="sans-serif">● estimated, dashed: closed form</text>`);
writeFileSync(out, `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg>\n`);
console.log(`wrote ${out}`);
process.exit(0);
