/**
 * A small layer over h5wasm (the HDF5 C library compiled to WebAssembly) for Node: open files
 * read-only, read datasets with dtype checks and attributes, and write files atomically.
 *
 * h5wasm's Node build (`h5wasm/node`) reads and writes the real filesystem (Emscripten's
 * NODERAWFS), so paths are ordinary file paths. Every error is an {@link Hdf5Error} whose message
 * names the file, the dataset or attribute path and what to do.
 *
 * Node only (reads and writes files); no GPU code.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Dataset as H5Dataset, File as H5File, Group as H5Group } from 'h5wasm/node';

/** An HDF5 file that cannot be read or written; the message names the file, the path inside it and the fix. */
export class Hdf5Error extends Error {
  override readonly name = 'Hdf5Error';
}

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

/** The 8-byte HDF5 signature; the superblock is at byte 0, 512, 1024, 2048, … */
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether the file starts (at 0, 512, 1024 or 2048 bytes) with the HDF5 signature. */
async function hasHdf5Signature(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    for (const offset of [0, 512, 1024, 2048]) {
      const buffer = new Uint8Array(8);
      const { bytesRead } = await handle.read(buffer, 0, 8, offset);
      if (bytesRead < 8) return false;
      if (HDF5_SIGNATURE.every((b, i) => buffer[i] === b)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/** Numeric element kinds a dataset may be required to have. */
export type Hdf5NumberKind = 'float' | 'integer' | 'number';

/** What kind of object a path names in a file. */
export type Hdf5ObjectKind = 'group' | 'dataset' | 'other' | 'missing';

/** A numeric dataset read by {@link Hdf5Reader.numbers}: values as float64 and the HDF5 dtype. */
export interface Hdf5Numbers {
  readonly values: Float64Array;
  /** h5wasm's dtype string, e.g. `<d` (float64), `<f` (float32), `<i` (int32), `<q` (int64). */
  readonly dtype: string;
  /** `float` or `integer`. */
  readonly kind: 'float' | 'integer';
  readonly shape: readonly number[];
}

/** An HDF5 file open for reading (see {@link openHdf5}); call {@link Hdf5Reader.close} when done. */
export interface Hdf5Reader {
  /** The path as given. */
  readonly path: string;
  /** What `objectPath` (e.g. `/units/spike_times`) is. */
  kind(objectPath: string): Hdf5ObjectKind;
  /** Names of a group's members (sorted); throws when `objectPath` is not a group. */
  keys(objectPath: string): string[];
  /** Whether the object has the attribute. */
  hasAttribute(objectPath: string, name: string): boolean;
  /** An attribute as a string (scalar) or undefined when absent; throws when it is not text. */
  stringAttribute(objectPath: string, name: string): string | undefined;
  /** An attribute as a list of strings (a scalar becomes one item), or undefined when absent. */
  stringListAttribute(objectPath: string, name: string): string[] | undefined;
  /** A 1-D (or scalar) numeric dataset, checked to be of `kind`. */
  numbers(objectPath: string, kind: Hdf5NumberKind): Hdf5Numbers;
  /** A 1-D (or scalar) text dataset. */
  strings(objectPath: string): string[];
  /** A 1-D dataset of numbers or text, whichever it holds. */
  column(objectPath: string): Hdf5Numbers | string[];
  /** Close the file (idempotent). */
  close(): void;
}

function describeDtype(dtype: unknown): string {
  return typeof dtype === 'string' ? dtype : JSON.stringify(dtype);
}

/** Kind of a dataset's elements from h5wasm's metadata: HDF5 class 0 integer, 1 float, 3 string. */
function elementKind(dataset: H5Dataset): 'integer' | 'float' | 'string' | 'other' {
  const meta = dataset.metadata;
  if (meta.type === 0) return 'integer';
  if (meta.type === 1) return 'float';
  if (meta.type === 3) return 'string';
  return 'other';
}

const DTYPE_NAMES: Readonly<Record<string, string>> = {
  '<d': 'float64', '<f': 'float32', '<i': 'int32', '<I': 'uint32', '<q': 'int64', '<Q': 'uint64', '<h': 'int16', '<H': 'uint16', '<b': 'int8', '<B': 'uint8',
  '>d': 'float64 (big-endian)', '>f': 'float32 (big-endian)', '>i': 'int32 (big-endian)', '>q': 'int64 (big-endian)',
};

function dtypeName(dataset: H5Dataset): string {
  const d = describeDtype(dataset.dtype);
  return DTYPE_NAMES[d] ?? (elementKind(dataset) === 'string' ? 'text' : d);
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
  if (!(await hasHdf5Signature(path))) {
    throw new Hdf5Error(`'${path}' is not an HDF5 file (no HDF5 signature); give an NWB 2.x file written by pynwb, MatNWB or 'cortexgpu run'.`);
  }
  const h5 = await loadH5wasm();
  let file: H5File;
  try {
    file = new h5.File(path, 'r');
  } catch (error) {
    throw new Hdf5Error(`cannot open '${path}' as an HDF5 file: ${(error as Error).message}.`);
  }
  let closed = false;
  const where = (objectPath: string): string => `'${path}' ${objectPath}`;
  const get = (objectPath: string): ReturnType<H5File['get']> => {
    try {
      return file.get(objectPath);
    } catch {
      return null;
    }
  };
  const kind = (objectPath: string): Hdf5ObjectKind => {
    if (objectPath === '/' || objectPath === '') return 'group';
    const entity = get(objectPath);
    if (entity === null || entity === undefined) return 'missing';
    if (entity instanceof h5.Group) return 'group';
    if (entity instanceof h5.Dataset) return 'dataset';
    return 'other';
  };
  const group = (objectPath: string): H5Group => {
    const entity = objectPath === '/' ? file : get(objectPath);
    if (!(entity instanceof h5.Group)) throw new Hdf5Error(`${where(objectPath)} is not a group (it is ${kind(objectPath)}).`);
    return entity;
  };
  const dataset = (objectPath: string): H5Dataset => {
    const entity = get(objectPath);
    if (entity instanceof h5.Dataset) return entity;
    throw new Hdf5Error(`${where(objectPath)}: ${entity === null || entity === undefined ? 'no such dataset' : 'not a dataset'}.`);
  };
  const attributeValue = (objectPath: string, name: string): unknown => {
    const owner = objectPath === '/' ? file : get(objectPath);
    if (owner === null || owner === undefined || !('attrs' in owner)) throw new Hdf5Error(`${where(objectPath)}: no such object (reading attribute '${name}').`);
    const attrs = owner.attrs;
    if (!(name in attrs)) return undefined;
    try {
      return owner.get_attribute(name, true);
    } catch (error) {
      throw new Hdf5Error(`${where(objectPath)}: cannot read attribute '${name}': ${(error as Error).message}.`);
    }
  };
  const toText = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const checkShape = (objectPath: string, d: H5Dataset): number[] => {
    const shape = d.shape ?? [];
    if (shape.length > 1) throw new Hdf5Error(`${where(objectPath)} must be 1-D; its shape is (${shape.join(', ')}).`);
    return shape;
  };

  const reader: Hdf5Reader = {
    path,
    kind,
    keys: (objectPath) => group(objectPath).keys().sort(),
    hasAttribute: (objectPath, name) => attributeValue(objectPath, name) !== undefined,
    stringAttribute(objectPath, name) {
      const value = attributeValue(objectPath, name);
      if (value === undefined) return undefined;
      const text = toText(Array.isArray(value) && value.length === 1 ? value[0] : value);
      if (text === undefined) throw new Hdf5Error(`${where(objectPath)}: attribute '${name}' must be text (got ${JSON.stringify(value)}).`);
      return text;
    },
    stringListAttribute(objectPath, name) {
      const value = attributeValue(objectPath, name);
      if (value === undefined) return undefined;
      const list = Array.isArray(value) ? value : [value];
      if (!list.every((v) => typeof v === 'string')) throw new Hdf5Error(`${where(objectPath)}: attribute '${name}' must be a list of text (got ${JSON.stringify(value)}).`);
      return list as string[];
    },
    numbers(objectPath, want) {
      const d = dataset(objectPath);
      const shape = checkShape(objectPath, d);
      const k = elementKind(d);
      if ((k !== 'integer' && k !== 'float') || (want === 'float' && k !== 'float') || (want === 'integer' && k !== 'integer')) {
        const expected = want === 'float' ? 'floating-point (float64 or float32)' : want === 'integer' ? 'integer' : 'numeric';
        throw new Hdf5Error(`${where(objectPath)} must be ${expected}; its dtype is ${dtypeName(d)}. Write it as ${want === 'integer' ? 'int64 or int32' : 'float64'}.`);
      }
      const raw = d.value;
      let values: Float64Array;
      if (typeof raw === 'number' || typeof raw === 'bigint') values = Float64Array.of(Number(raw));
      else if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) values = Float64Array.from(raw, (v) => Number(v));
      else if (ArrayBuffer.isView(raw) && !(raw instanceof DataView)) values = new Float64Array(raw as unknown as ArrayLike<number>); // typed-array conversion (fast)
      else throw new Hdf5Error(`${where(objectPath)}: cannot read its values (dtype ${dtypeName(d)}).`);
      return { values, dtype: describeDtype(d.dtype), kind: k, shape };
    },
    strings(objectPath) {
      const d = dataset(objectPath);
      checkShape(objectPath, d);
      if (elementKind(d) !== 'string') throw new Hdf5Error(`${where(objectPath)} must hold text; its dtype is ${dtypeName(d)}.`);
      const raw = d.json_value;
      const list = Array.isArray(raw) ? raw : [raw];
      return list.map((v) => String(v));
    },
    column(objectPath) {
      const d = dataset(objectPath);
      return elementKind(d) === 'string' ? reader.strings(objectPath) : reader.numbers(objectPath, 'number');
    },
    close() {
      if (!closed) file.close();
      closed = true;
    },
  };
  return reader;
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
