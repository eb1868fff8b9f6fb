#!/usr/bin/env node
// cortexgpu command line: a thin shim over the compiled CLI in dist/ (build it with `npm run build`).
// The CLI runs in a child process whose stderr is passed on without Dawn's native limit notices
// (see src/cli/launch.ts); CORTEXGPU_RAW_STDERR=1 runs it in this process instead.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
const launcher = new URL('../dist/cli/launch.js', import.meta.url);
if (!existsSync(entry) || !existsSync(launcher)) {
  process.stderr.write('cortexgpu: the compiled CLI (dist/cli/main.js) is missing; run npm run build in the cortexgpu folder first.\n');
  process.exit(1);
}
const { launchCli } = await import(launcher.href);
await launchCli(fileURLToPath(import.meta.url), entry.href);
