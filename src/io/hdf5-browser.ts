/**
 * HDF5 files from bytes (a `File` picked in the browser, a fetched download), read through
 * h5wasm's ESM build: the bytes are written into h5wasm's in-memory filesystem (Emscripten's
 * MEMFS), opened read-only and handed to the shared reader ({@link ./hdf5-core.ts}); closing the
 * reader deletes the in-memory copy.
 *
 * No Node APIs: works in the browser (and in Node, which the tests use).
 */
import { cannotOpenHdf5Error, Hdf5Error, hasHdf5Signature, hdf5Reader, notHdf5Error, type Hdf5Reader } from './hdf5-core.js';

/** h5wasm's ESM build, loaded once. */
type H5wasmEsm = typeof import('h5wasm');
let h5wasmPromise: Promise<H5wasmEsm> | null = null;

/** Load and initialise h5wasm's ESM build (once per page). */
export async function loadH5wasmEsm(): Promise<H5wasmEsm> {
  h5wasmPromise ??= (async () => {
    const module = await import('h5wasm');
    await module.ready;
    return module;
  })();
  return h5wasmPromise;
}

let nextFileId = 0;

/**
 * Open an HDF5 file held in memory, read-only.
 *
 * @param path the file's name as the user knows it (in messages only)
 * @param bytes the whole file
 * @returns a reader; close it when done (which frees the in-memory copy)
 * @throws Hdf5Error when the bytes are not an HDF5 file, naming `path`
 */
export async function openHdf5Bytes(path: string, bytes: Uint8Array): Promise<Hdf5Reader> {
  if (!(await hasHdf5Signature(async (offset) => bytes.subarray(offset, offset + 8)))) throw notHdf5Error(path);
  const h5 = await loadH5wasmEsm();
  const fs = h5.FS;
  if (fs === null) throw new Hdf5Error(`cannot open '${path}': h5wasm's in-memory filesystem is not ready.`);
  const name = `/cortexgpu-${++nextFileId}.h5`;
  fs.writeFile(name, bytes);
  const remove = (): void => {
    try {
      fs.unlink(name);
    } catch {
      // already gone
    }
  };
  let file: InstanceType<H5wasmEsm['File']>;
  try {
    file = new h5.File(name, 'r');
  } catch (error) {
    remove();
    throw cannotOpenHdf5Error(path, error);
  }
  return hdf5Reader(h5, file, path, remove);
}
