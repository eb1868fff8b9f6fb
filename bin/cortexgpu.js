#!/usr/bin/env node
// cortexgpu command line: a thin shim over the compiled CLI in dist/ (build it with `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('cortexgpu: the compiled CLI (dist/cli/main.js) is missing; run npm run build in the cortexgpu folder first.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
