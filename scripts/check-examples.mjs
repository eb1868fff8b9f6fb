#!/usr/bin/env node
// Runs every example network for its spec's run.duration_ms through the CLI, as a user would,
// and writes docs/examples.md: wall time of the whole command (construction included), each
// population's rate and CV ISI, the adapter. The regime claims in the examples' descriptions
// and the README are checked against this page. Usage: node scripts/check-examples.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listExamples } from '../dist/cli/examples.js';

const work = mkdtempSync(join(tmpdir(), 'cortexgpu-examples-'));
const rows = [];
let adapter = '';
try {
  for (const example of listExamples().filter((e) => e.source.startsWith('examples/'))) {
    const out = join(work, example.name);
    const started = performance.now();
    execFileSync(process.execPath, ['bin/cortexgpu.js', 'run', example.source, '--out', out, '--quiet'], { stdio: ['ignore', 'inherit', 'inherit'] });
    const wallS = (performance.now() - started) / 1000;
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    adapter = summary.adapter;
    const pops = Object.entries(summary.populations).map(([name, p]) => {
      if (p.mean_output !== undefined && p.rate_hz === null) return `${name} output ${p.mean_output.toFixed(3)}`;
      const rate = p.rate_hz === null ? '–' : `${p.rate_hz.toFixed(p.rate_hz < 10 ? 2 : 1)} Hz`;
      return `${name} ${rate}${typeof p.cv_isi === 'number' ? ` / ${p.cv_isi.toFixed(2)}` : ''}`;
    });
    rows.push({ name: example.name, duration: summary.duration_ms, warmup: summary.warmup_ms, batch: summary.batch, wallS, construction: summary.construction_s, pops });
    process.stderr.write(`${example.name}: ${wallS.toFixed(1)} s\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const lines = [
  '# Example networks: measured regime and run time',
  '',
  `Written by \`node scripts/check-examples.mjs\` on ${new Date().toISOString().slice(0, 10)}, adapter: ${adapter}.`,
  'Each example ran for its spec\'s `run.duration_ms` through `cortexgpu run`; "wall" is the whole',
  'command (Node start, device, construction, simulation, files). Rate (rate units: mean output)',
  'and CV ISI over the time after the warm-up, all trials.',
  '',
  '| example | simulated (warm-up) | trials | wall | construction | rate / CV ISI per population |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| \`${r.name}\` | ${r.duration} ms (${r.warmup} ms) | ${r.batch} | ${r.wallS.toFixed(1)} s | ${r.construction.toFixed(1)} s | ${r.pops.join('; ')} |`),
  '',
];
writeFileSync('docs/examples.md', lines.join('\n'));
console.log(lines.join('\n'));
