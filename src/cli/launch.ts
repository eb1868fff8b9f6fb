/**
 * Starting the `cortexgpu` command line without Dawn's native log lines.
 *
 * Dawn (the `webgpu` package) writes two lines to the process's stderr whenever it enumerates a
 * Vulkan adapter whose driver reports more dynamic buffers than Dawn supports (lavapipe and most
 * desktop drivers report 500,000–1,000,000; Dawn caps them at 16):
 *
 *     Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
 *     Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
 *
 * They come from `NormalizeLimits` in Dawn's `Limits.cpp` during `requestAdapter()` — before any
 * device or limits are requested — through `fprintf(stderr, …)`, unconditionally: no Dawn
 * toggle, instance option or log level controls them, and Node cannot redirect a native
 * library's file descriptor 2. They describe nothing the user can act on (cortexgpu needs a
 * handful of dynamic buffers). So the `cortexgpu` binary runs the CLI in a child process whose
 * stderr passes through {@link DawnLogFilter}, which drops exactly these lines and forwards
 * everything else as it arrives (progress bars included). Set `CORTEXGPU_RAW_STDERR=1` to run
 * in-process with Dawn's output untouched.
 */
import { spawn } from 'node:child_process';

/** One of Dawn's limit-clamping notices (a whole line, without its newline). */
export const DAWN_LIMIT_NOTICE =
  /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;

const NOTICE_PREFIX = 'Warning: maxDynamic';

/** Environment variable set in the child process that runs the CLI. */
export const CHILD_MARKER = 'CORTEXGPU_CLI_CHILD';
/** Set to 1 to run the CLI in-process, with Dawn's native stderr output untouched. */
export const RAW_STDERR = 'CORTEXGPU_RAW_STDERR';
const CHILD_TTY = 'CORTEXGPU_CLI_STDERR_TTY';
const CHILD_COLUMNS = 'CORTEXGPU_CLI_STDERR_COLUMNS';

/**
 * Removes Dawn's limit-clamping notices ({@link DAWN_LIMIT_NOTICE}) from a text stream, passing
 * everything else through unchanged and without delay, except a trailing partial line that could
 * still become a notice (it starts like one), which waits for its newline.
 */
export class DawnLogFilter {
  private pending = '';

  /**
   * Feed a chunk of the stream.
   * @returns the text to forward now (possibly empty)
   */
  write(chunk: string): string {
    const text = this.pending + chunk;
    this.pending = '';
    let out = '';
    let start = 0;
    for (let newline = text.indexOf('\n', start); newline >= 0; newline = text.indexOf('\n', start)) {
      const line = text.slice(start, newline);
      if (!DAWN_LIMIT_NOTICE.test(line)) out += `${line}\n`;
      start = newline + 1;
    }
    const rest = text.slice(start);
    const couldBeNotice = rest.length > 0 && (NOTICE_PREFIX.startsWith(rest) || rest.startsWith(NOTICE_PREFIX));
    if (couldBeNotice) this.pending = rest;
    else out += rest;
    return out;
  }

  /** End of the stream: whatever is still held back (a partial line is never a whole notice). */
  end(): string {
    const rest = this.pending;
    this.pending = '';
    return rest;
  }
}

/**
 * Run the CLI (the `main` of `dist/cli/main.js`): in a child process with Dawn's notices
 * filtered from stderr, or in this process when this is that child or `CORTEXGPU_RAW_STDERR=1`.
 * stdin and stdout are the child's own (inherited), the exit code is passed on, SIGTERM and
 * SIGHUP are forwarded; Ctrl-C reaches the child directly (same process group) and is ignored
 * here, so the child's clean-up runs once.
 *
 * @param script absolute path of the script to re-run in the child (the `cortexgpu` binary)
 * @param mainModule URL of the compiled CLI module exporting `main(argv)`
 */
export async function launchCli(script: string, mainModule: string): Promise<void> {
  if (process.env[CHILD_MARKER] === '1' || process.env[RAW_STDERR] === '1') {
    if (process.env[CHILD_MARKER] === '1') {
      // The parent's stderr is the user's terminal: let progress bars draw as they would there.
      const stderr = process.stderr as NodeJS.WriteStream & { isTTY: boolean; columns: number };
      if (process.env[CHILD_TTY] === '1') stderr.isTTY = true;
      const columns = Number(process.env[CHILD_COLUMNS]);
      if (Number.isInteger(columns) && columns > 0) stderr.columns = columns;
    }
    const { main } = (await import(mainModule)) as { main: (argv: readonly string[]) => Promise<number> };
    await main(process.argv);
    return;
  }

  const env: NodeJS.ProcessEnv = { ...process.env, [CHILD_MARKER]: '1' };
  if (process.stderr.isTTY) {
    env[CHILD_TTY] = '1';
    if (process.stderr.columns) env[CHILD_COLUMNS] = String(process.stderr.columns);
  }
  const child = spawn(process.execPath, [...process.execArgv, script, ...process.argv.slice(2)], { stdio: ['inherit', 'inherit', 'pipe'], env });
  const filter = new DawnLogFilter();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    const text = filter.write(chunk);
    if (text !== '') process.stderr.write(text);
  });
  const ignore = (): void => {};
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c: number | null, s: NodeJS.Signals | null) => resolve([c, s]));
  });
  const rest = filter.end();
  if (rest !== '') process.stderr.write(rest);
  process.removeListener('SIGINT', ignore);
  process.removeListener('SIGTERM', forward);
  process.removeListener('SIGHUP', forward);
  if (signal !== null) {
    // Die of the same signal, as a shell expects (exit status 128 + n).
    process.kill(process.pid, signal);
    return;
  }
  process.exitCode = code ?? 1;
}
