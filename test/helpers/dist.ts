/**
 * For tests that use the package as its users do (the compiled dist/, a child process): the
 * repository root, a check that dist/ is current, and running a program with a time limit.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (with a trailing separator). */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** What a program did. */
export interface Run {
  code: number;
  /** Killed at the time limit. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Run a program; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(file: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<Run> {
  const start = performance.now();
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, timedOut: error !== null && error.killed === true, stdout, stderr: `${stderr}${error !== null && typeof error.code !== 'number' ? `\n${error.message}` : ''}`, seconds: (performance.now() - start) / 1000 });
    });
  });
}

/** Source files (src/**\/*.ts, not declarations) whose compiled output is missing or older. */
export function staleOutputs(): string[] {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const rel = relative(join(root, 'src'), path).replace(/\.ts$/, '');
        const outputs = [join(root, 'dist', `${rel}.js`), join(root, 'dist', `${rel}.d.ts`)];
        if (outputs.some((o) => !existsSync(o) || statSync(o).mtimeMs < statSync(path).mtimeMs)) stale.push(relative(root, path));
      }
    }
  };
  walk(join(root, 'src'));
  return stale;
}
