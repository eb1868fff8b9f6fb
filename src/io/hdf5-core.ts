/**
 * The HDF5 reader shared by Node and the browser: dtype-checked reads of datasets and
 * attributes of a file h5wasm has opened, with errors ({@link Hdf5Error}) that name the file,
 * the dataset or attribute path and what to do.
 *
 * How a file is opened is not here: `hdf5.ts` opens a path with h5wasm's Node build (the real
 * filesystem), `hdf5-browser.ts` opens bytes with h5wasm's ESM build (its in-memory
 * filesystem); both hand the open file to {@link hdf5Reader}.
 *
 * No Node or DOM APIs: safe to bundle for the browser.
 */
import type { Dataset as H5Dataset, File as H5File, Group as H5Group } from 'h5wasm';

/** An HDF5 file that cannot be read or written; the message names the file, the path inside it and the fix. */
export class Hdf5Error extends Error {
  override readonly name = 'Hdf5Error';
}

/** The classes of an h5wasm build (Node or ESM) the reader tells groups from datasets with. */
export interface H5wasmClasses {
  readonly Group: abstract new (...args: never[]) => H5Group;
  readonly Dataset: abstract new (...args: never[]) => H5Dataset;
}

/** The 8-byte HDF5 signature; the superblock is at byte 0, 512, 1024, 2048, … */
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Offsets at which the HDF5 superblock (and its signature) may start. */
export const HDF5_SIGNATURE_OFFSETS: readonly number[] = [0, 512, 1024, 2048];

/**
 * Whether the file starts (at 0, 512, 1024 or 2048 bytes) with the HDF5 signature.
 *
 * @param readAt reads up to 8 bytes at an offset (fewer at the end of the file)
 */
export async function hasHdf5Signature(readAt: (offset: number) => Promise<Uint8Array>): Promise<boolean> {
  for (const offset of HDF5_SIGNATURE_OFFSETS) {
    const buffer = await readAt(offset);
    if (buffer.length < 8) return false;
    if (HDF5_SIGNATURE.every((b, i) => buffer[i] === b)) return true;
  }
  return false;
}

/** The error for a file without the HDF5 signature. */
export function notHdf5Error(path: string): Hdf5Error {
  return new Hdf5Error(`'${path}' is not an HDF5 file (no HDF5 signature); give an NWB 2.x file written by pynwb, MatNWB or 'cortexgpu run'.`);
}

/** The error for a file h5wasm refuses to open. */
export function cannotOpenHdf5Error(path: string, error: unknown): Hdf5Error {
  return new Hdf5Error(`cannot open '${path}' as an HDF5 file: ${(error as Error).message}.`);
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
 * A reader over a file h5wasm has opened read-only.
 *
 * @param h5 the h5wasm build that opened the file (its Group and Dataset classes)
 * @param file the open file; the reader closes it
 * @param path the file's name as the user gave it (for messages)
 * @param onClose called once after the file is closed (e.g. to delete an in-memory copy)
 * @returns the reader
 */
export function hdf5Reader(h5: H5wasmClasses, file: H5File, path: string, onClose?: () => void): Hdf5Reader {
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
      if (closed) return;
      closed = true;
      try {
        file.close();
      } finally {
        onClose?.();
      }
    },
  };
  return reader;
}
