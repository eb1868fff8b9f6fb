/**
 * A small layer over h5wasm (the HDF5 C library compiled to WebAssembly) for Node: open files
 * read-only, read datasets with dtype checks and attributes, and write files atomically.
 *
 * h5wasm's Node build (`h5wasm/node`) reads and writes the real filesystem (Emscripten's
 * NODERAWFS), so paths are ordinary file paths. Every error is an {@link Hdf5Error} whose message
 * names the file, the dataset or attribute path and what to do.
 *
 * The reader itself (and its checks) is {@link ./hdf5-core.ts}, shared with the browser
 * (`hdf5-browser.ts`); this module opens and writes files of the real filesystem.
 *
 * Node only (reads and writes files); no GPU code.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { File as H5File } from 'h5wasm/node';
import { cannotOpenHdf5Error, Hdf5Error, hasHdf5Signature, hdf5Reader, notHdf5Error, type Hdf5Reader } from './hdf5-core.js';

export { Hdf5Error, hdf5Reader, hasHdf5Signature, type H5wasmClasses, type Hdf5NumberKind, type Hdf5Numbers, type Hdf5ObjectKind, type Hdf5Reader } from './hdf5-core.js';

/** The h5wasm module (Node build), loaded once. */
type H5wasmModule = typeof import('h5wasm/node');
let h5wasmPromise: Promise<H5wasmModule> | null = null;

/** Load and initialise h5wasm's Node build (once per process). */
export async function loadH5wasm(): Promise<H5wasmModule> {
  h5wasmPromise ??= (async () => {
    const module = await import('h5wasm/node');
    await module.ready;
    return module;
  })();
  return h5wasmPromise;
}

/** Whether the file at `path` has the HDF5 signature. */
async function fileHasHdf5Signature(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    return await hasHdf5Signature(async (offset) => {
      const buffer = new Uint8Array(8);
      const { bytesRead } = await handle.read(buffer, 0, 8, offset);
      return buffer.subarray(0, bytesRead);
    });
  } finally {
    await handle.close();
  }
}

/**
 * Open an HDF5 file read-only.
 *
 * @param path the file
 * @returns a reader; close it when done
 * @throws Hdf5Error when the file is missing, is a folder, or is not an HDF5 file
 */
export async function openHdf5(path: string): Promise<Hdf5Reader> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    const why = info.code === 'ENOENT' ? 'no such file' : info.code === 'EACCES' ? 'permission denied' : info.message;
    throw new Hdf5Error(`cannot read '${path}': ${why}.`);
  }
  if (info.isDirectory()) throw new Hdf5Error(`cannot read '${path}': it is a folder (expected an HDF5/NWB file).`);
  if (!(await fileHasHdf5Signature(path))) throw notHdf5Error(path);
  const h5 = await loadH5wasm();
  let file: H5File;
  try {
    file = new h5.File(path, 'r');
  } catch (error) {
    throw cannotOpenHdf5Error(path, error);
  }
  return hdf5Reader(h5, file, path);
}

/**
 * Open an HDF5 file, run `body` and close the file whatever happens.
 *
 * @param path the file
 * @param body what to read
 * @returns what `body` returns
 * @throws Hdf5Error as {@link openHdf5}, or whatever `body` throws
 */
export async function withHdf5<T>(path: string, body: (reader: Hdf5Reader) => T | Promise<T>): Promise<T> {
  const reader = await openHdf5(path);
  try {
    return await body(reader);
  } finally {
    reader.close();
  }
}

/** An h5wasm file open for writing, as {@link writeHdf5Atomic} hands it to its callback. */
export type Hdf5WriteFile = H5File;

/**
 * Write an HDF5 file atomically: `build` fills a temporary file in the same folder, which is
 * closed and renamed to `path`; on any error the temporary file is removed and `path` is left
 * as it was (absent, or its previous contents).
 *
 * @param path the file to write (replaced if it exists)
 * @param build fills the file (create groups, datasets, attributes with h5wasm's API)
 * @throws Hdf5Error naming the file when the folder cannot be written or `build` fails
 */
export async function writeHdf5Atomic(path: string, build: (file: Hdf5WriteFile) => void): Promise<void> {
  const h5 = await loadH5wasm();
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  let file: H5File | null = null;
  try {
    try {
      file = new h5.File(tmp, 'w');
    } catch (error) {
      throw new Hdf5Error(`cannot create '${path}' (temporary file '${tmp}'): ${(error as Error).message}; check that the folder exists and is writable.`);
    }
    try {
      build(file);
    } catch (error) {
      if (error instanceof Hdf5Error) throw error;
      throw new Hdf5Error(`writing '${path}' failed: ${(error as Error).message}.`);
    }
    file.close();
    file = null;
    await rename(tmp, path);
  } catch (error) {
    try {
      (file as H5File | null)?.close();
    } catch {
      // already failing: keep the first error
    }
    await rm(tmp, { force: true });
    if (error instanceof Hdf5Error) throw error;
    throw new Hdf5Error(`cannot write '${path}': ${(error as Error).message}.`);
  }
}

/**
 * Build an HDF5 file in a private temporary folder and return its bytes (for writers, such as the
 * run folder, that commit all their files together).
 *
 * @param name file name used in messages
 * @param build fills the file
 * @returns the file's bytes
 * @throws Hdf5Error when `build` fails
 */
export async function hdf5Bytes(name: string, build: (file: Hdf5WriteFile) => void): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'cortexgpu-h5-'));
  try {
    const path = join(dir, basename(name));
    await writeHdf5Atomic(path, build);
    return new Uint8Array(await readFile(path));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
