/**
 * Response matrices from files a modeler brings: `.npy` (2-D, float32/float64 or integer
 * counts) and text tables (`.csv`, `.tsv`, `.txt`: numbers separated by commas or whitespace,
 * with an optional header row). Node-free: the caller reads the bytes (Node's `readFile`, a
 * browser `File.arrayBuffer()`), so the browser can use the same loader.
 *
 * The expected layout is (trials × neurons): one row per trial, one column per neuron, the
 * same neurons in the same order in both conditions' files.
 */
import { decodeNpy } from '../io/npy.js';

/** A file that cannot be read as a (trials × neurons) matrix; the message names the file and the problem. */
export class DataFileError extends Error {
  override readonly name = 'DataFileError';
}

/** A (trials × neurons) response matrix in float64. */
export interface ResponseMatrix {
  /** Responses, row-major: data[t·neurons + i] is neuron i on trial t. */
  data: Float64Array;
  /** Number of rows (trials), ≥ 1. */
  trials: number;
  /** Number of columns (neurons), ≥ 1. */
  neurons: number;
}

const EXPECTED = 'expected a 2-D (trials × neurons) matrix: one row per trial, one column per neuron';

/**
 * Read a (trials × neurons) response matrix from a file's bytes.
 *
 * - `.npy`: a 2-D C-ordered array of dtype float32, float64, int32, uint32 or uint8 (counts);
 *   other shapes are refused with the shape and what is expected (e.g. a `spike_counts_*.npy`
 *   from `cortexgpu run` is [window, trial, neuron]: pick one window).
 * - `.csv`, `.tsv`, `.txt`: one row per line, numbers separated by commas (if the line has
 *   any) or by whitespace; an optional first row of column names (all non-numeric); empty
 *   lines and lines starting with `#` are skipped; `nan`/`inf` are read as such (and rejected
 *   later by the analysis with their position). Rows of different lengths are refused with
 *   the line number.
 * A file whose name has another extension is read as `.npy` when it starts with the `.npy`
 * magic bytes and refused otherwise.
 *
 * @param bytes the whole file
 * @param fileName the file's name or path, used for the format (extension) and in messages
 * @throws DataFileError naming the file and what is wrong
 */
export function loadResponseMatrix(bytes: Uint8Array, fileName: string): ResponseMatrix {
  const extension = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  const isNpyMagic = bytes.length >= 6 && bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === 'NUMPY';
  if (extension === 'npy' || (isNpyMagic && !['csv', 'tsv', 'txt'].includes(extension))) return loadNpy(bytes, fileName);
  if (extension === 'csv' || extension === 'tsv' || extension === 'txt') return loadText(bytes, fileName);
  throw new DataFileError(`${fileName}: unsupported file type '${extension === '' ? '(no extension)' : `.${extension}`}'; use a .npy or .csv file (${EXPECTED}).`);
}

function loadNpy(bytes: Uint8Array, fileName: string): ResponseMatrix {
  let decoded: ReturnType<typeof decodeNpy>;
  try {
    decoded = decodeNpy(bytes);
  } catch (error) {
    throw new DataFileError(`${fileName}: ${(error as Error).message.replace(/^decodeNpy: /, '')}.`.replace(/\.\.$/, '.'));
  }
  const { shape, data, dtype } = decoded;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  if (shape.length !== 2) {
    const hint =
      shape.length === 0 ? 'it holds a single number'
      : shape.length === 1 ? 'for one neuron save it as a column, a.reshape(-1, 1)'
      : shape.length === 3 ? "select a 2-D slice, e.g. a[w] for window w of a spike_counts file from 'cortexgpu run' ([window, trial, neuron])"
      : 'reshape it to two dimensions';
    throw new DataFileError(`${fileName}: shape ${shapeText} is ${shape.length}-D (${dtype}); ${EXPECTED} (${hint}).`);
  }
  const [trials, neurons] = shape as [number, number];
  if (trials === 0 || neurons === 0) throw new DataFileError(`${fileName}: shape ${shapeText} is empty; ${EXPECTED}.`);
  return { data: Float64Array.from(data), trials, neurons };
}

/** A text field as a number, or null when it is not one (`nan`, `inf`, `-inf` are numbers here). */
function parseNumber(field: string): number | null {
  const lower = field.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (field === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(field)) return null;
  return Number(field);
}

function loadText(bytes: Uint8Array, fileName: string): ResponseMatrix {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataFileError(`${fileName}: not a UTF-8 text file; a .csv file must hold numbers as text (${EXPECTED}).`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r\n|\n|\r/);
  const values: number[] = [];
  let neurons = -1;
  let firstDataLine = 0;
  let trials = 0;
  let sawFirstRow = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    const lineNumber = index + 1;
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.includes(',') ? line.split(',').map((f) => f.trim()) : line.split(/\s+/);
    const numbers = fields.map(parseNumber);
    if (!sawFirstRow) {
      sawFirstRow = true;
      if (numbers.every((n) => n === null)) continue; // header row of column names
    }
    const bad = numbers.findIndex((n) => n === null);
    if (bad >= 0) {
      const field = fields[bad]!;
      throw new DataFileError(
        `${fileName}: line ${lineNumber}, column ${bad + 1}: ${field === '' ? 'empty field' : `'${field.length > 40 ? `${field.slice(0, 40)}…` : field}' is not a number`}` +
          ' (only the first row may be a header of names).',
      );
    }
    if (neurons < 0) {
      neurons = fields.length;
      firstDataLine = lineNumber;
    } else if (fields.length !== neurons) {
      throw new DataFileError(
        `${fileName}: line ${lineNumber} has ${fields.length} value${fields.length === 1 ? '' : 's'} but line ${firstDataLine} has ${neurons}; ` +
          `every row must have one value per neuron (${EXPECTED}).`,
      );
    }
    for (const n of numbers) values.push(n!);
    trials++;
  }
  if (trials === 0) throw new DataFileError(`${fileName}: no rows of numbers found; ${EXPECTED}.`);
  return { data: Float64Array.from(values), trials, neurons };
}
