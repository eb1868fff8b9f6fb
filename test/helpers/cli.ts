/** The command line called in-process (`main(argv, io)`), capturing stdout, stderr and the exit code. */
import { main, type CliIo } from '../../src/cli/main.js';

/** What one CLI call printed and returned. */
export interface CliResult {
  /** Exit code `main` returned. */
  readonly code: number;
  /** Every exit code passed to `io.exit` (normally one, equal to `code`). */
  readonly exitCalls: readonly number[];
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `cortexgpu ARGS…` in this process. */
export async function cli(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const exitCalls: number[] = [];
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    exit: (c) => exitCalls.push(c),
  };
  const code = await main(['node', 'cortexgpu', ...args], io);
  return { code, exitCalls, stdout, stderr };
}
