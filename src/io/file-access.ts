/**
 * How the readers of network and recording files (SONATA import, NWB) reach files: a small
 * interface, {@link FileAccess}, with one implementation over the real filesystem for Node
 * (`file-access-node.ts`) and one over files held in memory ({@link memoryFileAccess}: the
 * `File` objects of an `<input type="file" webkitdirectory>` in the browser, or any bytes).
 *
 * Paths in memory are POSIX paths ({@link posixPath}): `/` separates folders, relative paths are
 * taken from {@link FileAccess.path}'s `cwd()` (`/`), and `.` and `..` are resolved as a shell
 * would.
 *
 * No Node or DOM APIs beyond `Blob`: safe to bundle for the browser.
 */
import { Hdf5Error, type Hdf5Reader } from './hdf5-core.js';

/** Path operations of a {@link FileAccess}'s filesystem (the subset of `node:path` the readers use). */
export interface PathOps {
  join(...parts: string[]): string;
  dirname(path: string): string;
  basename(path: string): string;
  isAbsolute(path: string): boolean;
  /** The absolute path of `parts` joined, from {@link PathOps.cwd} when they are relative. */
  resolve(...parts: string[]): string;
  /** The working folder relative paths are taken from. */
  cwd(): string;
}

/** What a path names. */
export type FileKind = 'file' | 'folder' | 'missing';

/** A file that cannot be read; `code` is `ENOENT` (no such file), `EISDIR` (a folder) or as the system says. */
export class FileAccessError extends Error {
  override readonly name = 'FileAccessError';
  /**
   * @param message what went wrong, naming the file
   * @param code `ENOENT`, `EISDIR`, …
   */
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/**
 * Read access to a set of files: the real filesystem (Node) or files held in memory (browser).
 * Errors of {@link FileAccess.readText} and {@link FileAccess.readBytes} carry a `code`
 * (`ENOENT`, `EISDIR`, …) as Node's do; {@link FileAccess.openHdf5} throws `Hdf5Error`.
 */
export interface FileAccess {
  /** Path operations of this filesystem. */
  readonly path: PathOps;
  /** A text file (UTF-8). */
  readText(path: string): Promise<string>;
  /** A file's bytes. */
  readBytes(path: string): Promise<Uint8Array>;
  /** Whether `path` is a file, a folder or nothing. */
  kind(path: string): Promise<FileKind>;
  /** An HDF5 file opened read-only; close the reader when done. */
  openHdf5(path: string): Promise<Hdf5Reader>;
}

/** Collapse `.`, `..` and repeated slashes of an absolute POSIX path. */
function normalizeAbsolute(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** POSIX path operations (as `node:path/posix`) with `/` as the working folder. */
export const posixPath: PathOps = {
  join(...parts) {
    const joined = parts.filter((p) => p !== '').join('/');
    if (joined === '') return '.';
    const absolute = joined.startsWith('/');
    const out: string[] = [];
    for (const part of joined.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (part === '..' && absolute) continue;
      else out.push(part);
    }
    const body = out.join('/');
    return absolute ? `/${body}` : body === '' ? '.' : body;
  },
  dirname(path) {
    const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
    const at = trimmed.lastIndexOf('/');
    if (at < 0) return '.';
    if (at === 0) return '/';
    return trimmed.slice(0, at);
  },
  basename(path) {
    const trimmed = path.replace(/\/+$/, '');
    return trimmed.slice(trimmed.lastIndexOf('/') + 1);
  },
  isAbsolute: (path) => path.startsWith('/'),
  resolve(...parts) {
    let path = '/';
    for (const part of parts) {
      if (part === '') continue;
      path = part.startsWith('/') ? part : `${path}/${part}`;
    }
    return normalizeAbsolute(path);
  },
  cwd: () => '/',
};

/** The bytes of a file held in memory: a `Blob` (a browser `File`) or bytes. */
export type MemoryFile = Blob | Uint8Array;

/**
 * Read access to files held in memory, keyed by POSIX path (relative paths are under `/`; a
 * folder picked with `<input type="file" webkitdirectory>` gives each `File` a
 * `webkitRelativePath` such as `net/simulation_config.json`). Folders are the paths' prefixes.
 *
 * @param files path → file
 * @param openHdf5Bytes opens an HDF5 file from its bytes (`openHdf5Bytes` of `hdf5-browser.ts`)
 * @returns the access; relative paths given to it are taken from `/`
 */
export function memoryFileAccess(
  files: ReadonlyMap<string, MemoryFile> | Iterable<readonly [string, MemoryFile]>,
  openHdf5Bytes: (path: string, bytes: Uint8Array) => Promise<Hdf5Reader>,
): FileAccess {
  const byPath = new Map<string, MemoryFile>();
  for (const [path, file] of files) byPath.set(posixPath.resolve(path), file);
  const folders = new Set<string>(['/']);
  for (const path of byPath.keys()) {
    for (let dir = posixPath.dirname(path); dir !== '/' && !folders.has(dir); dir = posixPath.dirname(dir)) folders.add(dir);
  }
  const kind = (path: string): FileKind => {
    const key = posixPath.resolve(path);
    return byPath.has(key) ? 'file' : folders.has(key) ? 'folder' : 'missing';
  };
  const readBytes = async (path: string): Promise<Uint8Array> => {
    const file = byPath.get(posixPath.resolve(path));
    if (file === undefined) {
      throw kind(path) === 'folder'
        ? new FileAccessError(`EISDIR: illegal operation on a directory, read '${path}'`, 'EISDIR')
        : new FileAccessError(`ENOENT: no such file or directory, open '${path}'`, 'ENOENT');
    }
    return file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer());
  };
  return {
    path: posixPath,
    kind: async (path) => kind(path),
    readBytes,
    readText: async (path) => new TextDecoder().decode(await readBytes(path)),
    async openHdf5(path) {
      const what = kind(path);
      if (what !== 'file') {
        throw new Hdf5Error(what === 'folder' ? `cannot read '${path}': it is a folder (expected an HDF5/NWB file).` : `cannot read '${path}': no such file.`);
      }
      return openHdf5Bytes(path, await readBytes(path));
    },
  };
}
