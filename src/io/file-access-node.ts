/**
 * {@link FileAccess} over the real filesystem (Node): `node:fs` reads, `node:path` paths,
 * HDF5 files opened by path with h5wasm's Node build.
 *
 * Node only.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { FileAccess } from './file-access.js';
import { openHdf5 } from './hdf5.js';

/** The real filesystem; relative paths are taken from the working folder. */
export const nodeFileAccess: FileAccess = {
  path: { join, dirname, basename, isAbsolute, resolve, cwd: () => process.cwd() },
  readText: (path) => readFile(path, 'utf8'),
  readBytes: async (path) => new Uint8Array(await readFile(path)),
  async kind(path) {
    const info = await stat(path).catch(() => null);
    return info === null ? 'missing' : info.isDirectory() ? 'folder' : 'file';
  },
  openHdf5,
};
