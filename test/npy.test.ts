import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, type NpyData } from '../src/io/npy.js';

const PYTHON = '/usr/bin/python3';
const hasNumpy = ((): boolean => {
  try {
    execFileSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Bytes of a hand-made .npy file with the given header dict and data bytes. */
function handMade(dict: string, dataBytes: number): Uint8Array {
  const headerLength = Math.ceil((10 + dict.length + 1) / 64) * 64 - 10;
  const header = dict.padEnd(headerLength - 1, ' ') + '\n';
  const out = new Uint8Array(10 + headerLength + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, headerLength & 0xff, headerLength >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

describe('encodeNpy / decodeNpy', () => {
  const cases: { name: string; data: NpyData; shape: number[]; dtype: string }[] = [
    { name: 'float32 2-D', data: Float32Array.from([1.5, -2, 3.25, 1e-30, Infinity, -0]), shape: [2, 3], dtype: '<f4' },
    { name: 'float64 1-D', data: Float64Array.from([Math.PI, -1e300, 0.1]), shape: [3], dtype: '<f8' },
    { name: 'uint32 3-D', data: Uint32Array.from({ length: 24 }, (_, i) => 4294967295 - i), shape: [2, 3, 4], dtype: '<u4' },
    { name: 'int32', data: Int32Array.from([-2147483648, 0, 2147483647, -1]), shape: [4, 1], dtype: '<i4' },
    { name: 'uint8', data: Uint8Array.from([0, 127, 255]), shape: [3], dtype: '|u1' },
    { name: 'scalar', data: Float64Array.from([42]), shape: [], dtype: '<f8' },
    { name: 'empty', data: new Float32Array(0), shape: [0, 3], dtype: '<f4' },
  ];

  for (const c of cases) {
    it(`round-trips ${c.name}`, () => {
      const bytes = encodeNpy(c.data, c.shape);
      const decoded = decodeNpy(bytes);
      expect(decoded.dtype).toBe(c.dtype);
      expect(decoded.shape).toEqual(c.shape);
      expect(decoded.data.constructor).toBe(c.data.constructor);
      expect(Array.from(decoded.data)).toEqual(Array.from(c.data));
    });
  }

  it('pads the header so that data start at a multiple of 64 bytes, ending with a newline', () => {
    for (const shape of [[5], [1, 2, 3, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1], [123456789, 0]]) {
      const count = shape.reduce((a, b) => a * b, 1);
      const bytes = encodeNpy(new Float32Array(count), shape);
      const headerLength = bytes[8]! | (bytes[9]! << 8);
      expect((10 + headerLength) % 64).toBe(0);
      expect(bytes[10 + headerLength - 1]).toBe(0x0a);
      expect(bytes.length).toBe(10 + headerLength + count * 4);
      const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
      expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(.*\), \} *\n$/);
    }
    expect(new TextDecoder().decode(encodeNpy(new Uint8Array(2), [2]).subarray(0, 64))).toContain("'shape': (2,)");
  });

  it('decodes a subarray that is not aligned in its buffer', () => {
    const bytes = encodeNpy(Float64Array.from([1, 2, 3]), [3]);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(Array.from(decodeNpy(shifted.subarray(1)).data)).toEqual([1, 2, 3]);
  });

  it('refuses a shape that does not match the data', () => {
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/shape \(2, 3\) holds 6 elements but the data have 5/);
    expect(() => encodeNpy(new Float32Array(2), [-2])).toThrow(/non-negative integer/);
  });

  it('names what is wrong with a bad file', () => {
    expect(() => decodeNpy(new TextEncoder().encode('PK\x03\x04 not numpy at all'))).toThrow(/bad magic/);
    expect(() => decodeNpy(handMade("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", 16))).toThrow(/unsupported dtype '<i8'/);
    expect(() => decodeNpy(handMade("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8))).toThrow(/unsupported dtype '>f4'/);
    expect(() => decodeNpy(handMade("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16))).toThrow(/fortran_order True is not supported/);
    expect(() => decodeNpy(handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 12))).toThrow(/size mismatch: shape \(2, 2\) of <f4 needs 16 data bytes but the file has 12/);
    expect(() => decodeNpy(handMade("{'descr': '<f4', 'shape': (2,), }", 8))).toThrow(/malformed header/);
    const truncated = encodeNpy(new Float32Array(4), [4]).subarray(0, 40);
    expect(() => decodeNpy(truncated)).toThrow(/runs past the end/);
  });

  describe.skipIf(!hasNumpy)('with NumPy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortexgpu-npy-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('NumPy reads what encodeNpy writes', () => {
      writeFileSync(join(dir, 'f4.npy'), encodeNpy(Float32Array.from([1.5, -2, 3, 4, 5, 6]), [2, 3]));
      writeFileSync(join(dir, 'u4.npy'), encodeNpy(Uint32Array.from({ length: 24 }, (_, i) => i * 1000003), [2, 3, 4]));
      writeFileSync(join(dir, 'f8.npy'), encodeNpy(Float64Array.from([0.1, 0.2]), [2]));
      writeFileSync(join(dir, 'u1.npy'), encodeNpy(Uint8Array.from([7]), []));
      const script = [
        'import json, sys, numpy as np',
        'out = {}',
        'for name in ["f4", "u4", "f8", "u1"]:',
        '    a = np.load(sys.argv[1] + "/" + name + ".npy")',
        '    out[name] = {"dtype": a.dtype.str, "shape": list(a.shape), "values": a.ravel().tolist(), "c": bool(a.flags["C_CONTIGUOUS"])}',
        'print(json.dumps(out))',
      ].join('\n');
      const result = JSON.parse(execFileSync(PYTHON, ['-c', script, dir], { encoding: 'utf8' })) as Record<string, { dtype: string; shape: number[]; values: number[]; c: boolean }>;
      expect(result['f4']).toEqual({ dtype: '<f4', shape: [2, 3], values: [1.5, -2, 3, 4, 5, 6], c: true });
      expect(result['u4']!.shape).toEqual([2, 3, 4]);
      expect(result['u4']!.values[23]).toBe(23 * 1000003);
      expect(result['f8']!.values).toEqual([0.1, 0.2]);
      expect(result['u1']).toEqual({ dtype: '|u1', shape: [], values: [7], c: true });
    });

    it('decodeNpy reads what NumPy writes', () => {
      const script = [
        'import sys, numpy as np',
        'np.save(sys.argv[1] + "/np_i4.npy", np.arange(-6, 6, dtype="<i4").reshape(3, 4))',
        'np.save(sys.argv[1] + "/np_f8.npy", np.linspace(0, 1, 5))',
        'np.save(sys.argv[1] + "/np_fortran.npy", np.asfortranarray(np.ones((2, 3), dtype="<f4")))',
        'np.save(sys.argv[1] + "/np_i8.npy", np.arange(3, dtype="<i8"))',
      ].join('\n');
      execFileSync(PYTHON, ['-c', script, dir]);
      const i4 = decodeNpy(readFileSync(join(dir, 'np_i4.npy')));
      expect(i4.dtype).toBe('<i4');
      expect(i4.shape).toEqual([3, 4]);
      expect(Array.from(i4.data)).toEqual(Array.from({ length: 12 }, (_, i) => i - 6));
      expect(Array.from(decodeNpy(readFileSync(join(dir, 'np_f8.npy'))).data)).toEqual([0, 0.25, 0.5, 0.75, 1]);
      expect(() => decodeNpy(readFileSync(join(dir, 'np_fortran.npy')))).toThrow(/fortran_order True/);
      expect(() => decodeNpy(readFileSync(join(dir, 'np_i8.npy')))).toThrow(/unsupported dtype/);
    });
  });
});
