/**
 * NumPy `.npy` files (format version 1.0 written; 1.0, 2.0 and 3.0 read), without Node APIs so
 * that the browser can produce downloads with the same code.
 *
 * Layout: the magic `\x93NUMPY`, two version bytes, the header length (little-endian uint16 in
 * version 1.0), then a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with spaces and ended by
 * a newline so that the data start at a multiple of 64 bytes, then the raw little-endian data in
 * C (row-major) order.
 */

/** Arrays that {@link encodeNpy} writes. */
export type NpyData = Float32Array | Float64Array | Uint32Array | Int32Array | Uint8Array;

/** NumPy dtype strings of the supported element types (little-endian; one byte needs none). */
export type NpyDtype = '<f4' | '<f8' | '<u4' | '<i4' | '|u1';

/** What {@link decodeNpy} returns: the data (a fresh, aligned array), its shape and its dtype. */
export interface DecodedNpy {
  readonly data: NpyData;
  /** Size of each dimension, C order; `[]` for a scalar. */
  readonly shape: number[];
  readonly dtype: NpyDtype;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Data start at a multiple of this many bytes (what NumPy itself does since 1.x). */
const HEADER_ALIGNMENT = 64;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface DtypeInfo {
  readonly dtype: NpyDtype;
  readonly itemBytes: number;
  readonly make: (length: number) => NpyData;
}

const DTYPES: readonly DtypeInfo[] = [
  { dtype: '<f4', itemBytes: 4, make: (n) => new Float32Array(n) },
  { dtype: '<f8', itemBytes: 8, make: (n) => new Float64Array(n) },
  { dtype: '<u4', itemBytes: 4, make: (n) => new Uint32Array(n) },
  { dtype: '<i4', itemBytes: 4, make: (n) => new Int32Array(n) },
  { dtype: '|u1', itemBytes: 1, make: (n) => new Uint8Array(n) },
];

/** Spellings NumPy may write for the same dtype (one-byte types have no byte order). */
const DTYPE_ALIASES: Readonly<Record<string, NpyDtype>> = { '<u1': '|u1', '|u1': '|u1', '=u1': '|u1' };

function dtypeOf(data: NpyData): DtypeInfo {
  const info = data instanceof Float32Array ? DTYPES[0]
    : data instanceof Float64Array ? DTYPES[1]
    : data instanceof Uint32Array ? DTYPES[2]
    : data instanceof Int32Array ? DTYPES[3]
    : data instanceof Uint8Array ? DTYPES[4]
    : undefined;
  if (info === undefined) {
    throw new TypeError('encodeNpy: data must be a Float32Array, Float64Array, Uint32Array, Int32Array or Uint8Array');
  }
  return info;
}

/** Copy `count` items of `itemBytes` from `src` to `dst`, swapping bytes when the host is big-endian. */
function copyLittleEndian(src: Uint8Array, dst: Uint8Array, itemBytes: number): void {
  if (HOST_LITTLE_ENDIAN || itemBytes === 1) {
    dst.set(src);
    return;
  }
  for (let i = 0; i < src.length; i += itemBytes) {
    for (let b = 0; b < itemBytes; b++) dst[i + b] = src[i + itemBytes - 1 - b]!;
  }
}

function shapeLiteral(shape: readonly number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/**
 * Encode an array as a `.npy` file (format version 1.0, C order).
 *
 * @param data the elements in C (row-major) order; the element type gives the dtype
 *   (`<f4`, `<f8`, `<u4`, `<i4`, `|u1`)
 * @param shape size of each dimension, non-negative integers whose product equals
 *   `data.length` (`[]` for a scalar: one element)
 * @returns the file's bytes; the header is padded so that data start at a multiple of 64 bytes
 * @throws RangeError when the shape is invalid or does not match the data
 */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  const info = dtypeOf(data);
  let count = 1;
  for (const [axis, n] of shape.entries()) {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`encodeNpy: shape[${axis}] must be a non-negative integer (got ${n})`);
    count *= n;
  }
  if (count !== data.length) {
    throw new RangeError(`encodeNpy: shape ${shapeLiteral(shape)} holds ${count} elements but the data have ${data.length}`);
  }
  const dict = `{'descr': '${info.dtype}', 'fortran_order': False, 'shape': ${shapeLiteral(shape)}, }`;
  const preamble = MAGIC.length + 2 + 2;
  // Spaces, then the newline, so that preamble + header is a multiple of the alignment.
  const headerBytes = Math.ceil((preamble + dict.length + 1) / HEADER_ALIGNMENT) * HEADER_ALIGNMENT - preamble;
  if (headerBytes > 0xffff) throw new RangeError(`encodeNpy: header of ${headerBytes} bytes does not fit format version 1.0 (shape has too many dimensions)`);
  const header = dict.padEnd(headerBytes - 1, ' ') + '\n';

  const out = new Uint8Array(preamble + headerBytes + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1; // major version
  out[7] = 0; // minor version
  out[8] = headerBytes & 0xff;
  out[9] = headerBytes >>> 8;
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
  copyLittleEndian(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), out.subarray(preamble + headerBytes), info.itemBytes);
  return out;
}

/** Value of `'key': …` in the header dict, as raw text up to the next top-level comma or brace. */
function headerEntry(header: string, key: string): string | undefined {
  const match = new RegExp(`['"]${key}['"]\\s*:\\s*`).exec(header);
  if (match === null) return undefined;
  let i = match.index + match[0].length;
  const start = i;
  let depth = 0;
  let quote: string | null = null;
  for (; i < header.length; i++) {
    const c = header[i]!;
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if ((c === ',' || c === '}') && depth === 0) break;
  }
  return header.slice(start, i).trim();
}

/**
 * Decode a `.npy` file written by NumPy or {@link encodeNpy}.
 *
 * @param bytes the whole file
 * @returns a copy of the data (properly aligned), the shape and the dtype
 * @throws Error naming what is wrong: bad magic, unknown format version, malformed header,
 *   unsupported dtype (supported: `<f4`, `<f8`, `<u4`, `<i4`, `|u1`), Fortran order, or a data
 *   size that does not match the shape
 */
export function decodeNpy(bytes: Uint8Array): DecodedNpy {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error('decodeNpy: bad magic: not a .npy file (it must start with \\x93NUMPY)');
  }
  const major = bytes[6]!;
  let headerStart: number;
  let headerBytes: number;
  if (major === 1) {
    headerStart = 10;
    headerBytes = bytes[8]! | (bytes[9]! << 8);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error('decodeNpy: file ends inside the preamble');
    headerStart = 12;
    headerBytes = (bytes[8]! | (bytes[9]! << 8) | (bytes[10]! << 16) | (bytes[11]! << 24)) >>> 0;
  } else {
    throw new Error(`decodeNpy: unsupported .npy format version ${major}.${bytes[7]} (supported: 1.0, 2.0, 3.0)`);
  }
  const dataStart = headerStart + headerBytes;
  if (dataStart > bytes.length) throw new Error(`decodeNpy: header of ${headerBytes} bytes runs past the end of the file (${bytes.length} bytes)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descr = headerEntry(header, 'descr');
  const fortran = headerEntry(header, 'fortran_order');
  const shapeText = headerEntry(header, 'shape');
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`decodeNpy: malformed header, expected the keys 'descr', 'fortran_order' and 'shape' (got ${JSON.stringify(header.trim())})`);
  }
  const dtypeName = descr.replace(/^['"]|['"]$/g, '');
  const dtype = DTYPE_ALIASES[dtypeName] ?? (DTYPES.some((d) => d.dtype === dtypeName) ? (dtypeName as NpyDtype) : undefined);
  if (dtype === undefined) {
    throw new Error(`decodeNpy: unsupported dtype ${descr} (supported: ${DTYPES.map((d) => d.dtype).join(', ')}); convert the array, e.g. a.astype('<f4')`);
  }
  if (fortran === 'True') {
    throw new Error("decodeNpy: fortran_order True is not supported; save a C-ordered array (np.ascontiguousarray(a))");
  }
  if (fortran !== 'False') throw new Error(`decodeNpy: malformed header, fortran_order must be True or False (got ${fortran})`);
  if (!/^\(\s*(\d+\s*(,\s*\d+\s*)*,?\s*)?\)$/.test(shapeText)) {
    throw new Error(`decodeNpy: malformed header, shape must be a tuple of non-negative integers (got ${shapeText})`);
  }
  const shape = (shapeText.match(/\d+/g) ?? []).map(Number);

  const info = DTYPES.find((d) => d.dtype === dtype)!;
  const count = shape.reduce((a, b) => a * b, 1);
  const available = bytes.length - dataStart;
  if (count * info.itemBytes !== available) {
    throw new Error(
      `decodeNpy: size mismatch: shape ${shapeLiteral(shape)} of ${dtype} needs ${count * info.itemBytes} data bytes but the file has ${available}`,
    );
  }
  const data = info.make(count);
  copyLittleEndian(bytes.subarray(dataStart), new Uint8Array(data.buffer), info.itemBytes);
  return { data, shape, dtype };
}
