#!/usr/bin/env node
// Regenerate the README's benchmark table from the suite's records: the text between
// `<!-- bench:begin -->` and `<!-- bench:end -->` in README.md becomes the table of
// readmeTable() (bench/lib/report.mjs) over bench/results/bench.jsonl — the latest result of
// each network, runtime and device. Everything outside the markers is left as it is.
//
// Usage (needs a current dist/: npm run bench:readme builds it first):
//   node bench/readme-table.mjs [--records bench/results/bench.jsonl] [--readme README.md] [--check]
//   --check: change nothing; exit 1 when the README's table differs from the records'.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readRecords } from './lib/records.mjs';
import { readmeTable } from './lib/report.mjs';

export const BEGIN_MARKER = '<!-- bench:begin -->';
export const END_MARKER = '<!-- bench:end -->';

/**
 * `text` with the part between the markers replaced by `content` (surrounded by blank lines).
 * @throws Error when the markers are missing, repeated or out of order
 */
export function replaceBetweenMarkers(text, content) {
  const begin = text.indexOf(BEGIN_MARKER);
  const end = text.indexOf(END_MARKER);
  if (begin < 0 || end < 0 || end < begin || text.indexOf(BEGIN_MARKER, begin + 1) >= 0 || text.indexOf(END_MARKER, end + 1) >= 0) {
    throw new Error(`expected one ${BEGIN_MARKER} followed by one ${END_MARKER}`);
  }
  return `${text.slice(0, begin + BEGIN_MARKER.length)}\n\n${content.trim()}\n\n${text.slice(end)}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { values: args } = parseArgs({
    options: {
      records: { type: 'string', default: 'bench/results/bench.jsonl' },
      readme: { type: 'string', default: 'README.md' },
      check: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const readmePath = resolve(root, args.readme);
  const records = readRecords(resolve(root, args.records));
  if (records.length === 0) {
    process.stderr.write(`readme-table: no records in ${args.records} (run npm run bench first)\n`);
    process.exit(1);
  }
  const before = readFileSync(readmePath, 'utf8');
  let after;
  try {
    after = replaceBetweenMarkers(before, readmeTable(records));
  } catch (err) {
    process.stderr.write(`readme-table: ${args.readme}: ${err.message}\n`);
    process.exit(1);
  }
  if (args.check) {
    process.stderr.write(after === before ? 'readme-table: README table is current\n' : 'readme-table: README table differs from the records (npm run bench:readme)\n');
    process.exit(after === before ? 0 : 1);
  }
  if (after !== before) writeFileSync(readmePath, after);
  process.stderr.write(`readme-table: ${after === before ? 'unchanged' : 'updated'} ${args.readme} from ${records.length} record(s)\n`);
}
