/**
 * Writing command results so that a failure leaves nothing half-written: files go to a
 * temporary folder beside the destination and are moved into place at the end.
 */
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** A usage problem with the output path (reported without a stack trace). */
export class OutputPathError extends Error {
  override readonly name = 'OutputPathError';
}

/** Move the finished results into place: rename the folder, or its files into an existing DIR. */
export async function commitOutput(tmpDir: string, outDir: string): Promise<void> {
  try {
    await rename(tmpDir, outDir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EISDIR' && code !== 'EPERM') throw error;
  }
  await mkdir(outDir, { recursive: true });
  for (const entry of await readdir(tmpDir)) await rename(join(tmpDir, entry), join(outDir, entry));
  await rm(tmpDir, { recursive: true, force: true });
}

/** Check that `out` can become an output folder (exists as a folder or can be created). */
export async function checkOutputFolder(out: string): Promise<void> {
  const existing = await stat(resolve(out)).catch(() => null);
  if (existing !== null && !existing.isDirectory()) throw new OutputPathError(`--out '${out}' exists and is not a folder; choose another path.`);
}

/** A temporary folder beside the destination, created before a long computation (fail fast). */
export interface PendingOutput {
  /** Write the files and move them into place. */
  commit(files: readonly { name: string; content: string | Uint8Array }[]): Promise<void>;
  /** Remove everything this output created (after a failure). */
  discard(): Promise<void>;
}

/**
 * Prepare `out`: check it, create missing parent folders and a temporary folder beside it, so
 * an unwritable destination is reported before any work; nothing remains after `discard()`.
 */
export async function openOutput(out: string): Promise<PendingOutput> {
  const outDir = resolve(out);
  await checkOutputFolder(out);
  const parent = dirname(outDir);
  let createdParent: string | undefined;
  try {
    createdParent = await mkdir(parent, { recursive: true });
  } catch (error) {
    throw new OutputPathError(`cannot create the folder '${parent}' for --out: ${(error as Error).message}.`);
  }
  let tmpDir: string;
  try {
    tmpDir = await mkdtemp(join(parent, `.${basename(outDir)}.cortexgpu-tmp-`));
  } catch (error) {
    if (createdParent !== undefined) await rm(createdParent, { recursive: true, force: true });
    throw new OutputPathError(`cannot write into '${parent}' (for --out '${out}'): ${(error as Error).message}.`);
  }
  const discard = async (): Promise<void> => {
    await rm(tmpDir, { recursive: true, force: true });
    if (createdParent !== undefined) await rm(createdParent, { recursive: true, force: true });
  };
  return {
    discard,
    async commit(files) {
      try {
        for (const file of files) await writeFile(join(tmpDir, file.name), file.content);
        await commitOutput(tmpDir, outDir);
      } catch (error) {
        await discard();
        throw error;
      }
    },
  };
}
