import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';
import {
  RandomStream,
  rngDraw,
  rngUniform4,
  rngNormal2,
  rngPoisson,
  rngBernoulli,
} from '../src/rng/philox.js';

// Runs the real shaders/engine/philox.wgsl (through dawn.node, on the software Vulkan adapter when
// present) and compares it with the CPU twin in src/rng/philox.ts.

const LVP_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';
if (existsSync(LVP_ICD)) process.env['VK_ICD_FILENAMES'] ??= LVP_ICD;
Object.assign(globalThis, globals);

// Module-level strong references: dawn.node crashes if these are collected mid-run.
const gpu = create([]);
let adapter: GPUAdapter;
let device: GPUDevice;
let bindGroupLayout: GPUBindGroupLayout;
let pipelineLayout: GPUPipelineLayout;
let shaderModule: GPUShaderModule;
const pipelines = new Map<number, GPUComputePipeline>();

const PHILOX_WGSL = readFileSync(fileURLToPath(new URL('../shaders/engine/philox.wgsl', import.meta.url)), 'utf8');

const MODE_RAW = 0;
const MODE_UNIFORM = 1;
const MODE_NORMAL = 2;
const MODE_POISSON = 3;
const MODE_BERNOULLI = 4;
const MODE_MIXED = 5;

const TEST_KERNEL = /* wgsl */ `
struct Params {
  n: u32,
  mode: u32,
  seed: u32,
  stream: u32,
  lambda: f32,
  row_width: u32, // threads per row of a 2-D dispatch; flattened index = x + y * row_width
  p: f32,
  step: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> tuples: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<u32>>;

override WG_SIZE: u32 = 64u;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x + gid.y * params.row_width;
  if (gid.x >= params.row_width || i >= params.n) {
    return;
  }
  let s = params.seed;
  let st = params.stream;
  switch params.mode {
    case 0u: {
      let t = tuples[i];
      out[i] = rng_draw(s, st, t.x, t.y, t.z, t.w);
    }
    case 1u: {
      let t = tuples[i];
      out[i] = bitcast<vec4<u32>>(rng_uniform4(s, st, t.x, t.y, t.z, t.w));
    }
    case 2u: {
      let t = tuples[i];
      out[i] = vec4<u32>(bitcast<vec2<u32>>(rng_normal2(s, st, t.x, t.y, t.z, t.w)), 0u, 0u);
    }
    case 3u: {
      let t = tuples[i];
      out[i] = vec4<u32>(rng_poisson(params.lambda, s, st, t.x, t.y, t.z, t.w), 0u, 0u, 0u);
    }
    case 4u: {
      let t = tuples[i];
      out[i] = vec4<u32>(select(0u, 1u, rng_bernoulli(params.p, s, st, t.x, t.y, t.z, t.w)), 0u, 0u, 0u);
    }
    default: {
      // What a simulation kernel does: the element index is the counter, nothing else.
      let trial = i % 3u;
      let w = rng_draw(s, st, i, params.step, trial, 0u);
      let u = rng_uniform4(s, st, i, params.step, trial, 1u);
      let z = rng_normal2(s, st, i, params.step, trial, 2u);
      let k = rng_poisson(params.lambda, s, st, i, params.step, trial, 3u);
      out[i] = vec4<u32>(w.x ^ w.w, bitcast<u32>(u.y), bitcast<u32>(z.x), k);
    }
  }
}
`;

interface RunOptions {
  mode: number;
  seed: number;
  stream: number;
  n: number;
  tuples?: Uint32Array;
  lambda?: number;
  p?: number;
  step?: number;
  workgroupSize?: number;
  /** Spread the 1-D index over a 2-D dispatch with this many threads per row. */
  rowWidth?: number;
}

async function pipelineFor(workgroupSize: number): Promise<GPUComputePipeline> {
  let pipeline = pipelines.get(workgroupSize);
  if (!pipeline) {
    pipeline = await device.createComputePipelineAsync({
      layout: pipelineLayout,
      compute: { module: shaderModule, entryPoint: 'main', constants: { WG_SIZE: workgroupSize } },
    });
    pipelines.set(workgroupSize, pipeline);
  }
  return pipeline;
}

async function runKernel(o: RunOptions): Promise<Uint32Array> {
  const wg = o.workgroupSize ?? 64;
  const rowWidth = o.rowWidth ?? Math.ceil(o.n / wg) * wg;
  const params = new ArrayBuffer(32);
  const pu = new Uint32Array(params);
  const pf = new Float32Array(params);
  pu[0] = o.n;
  pu[1] = o.mode;
  pu[2] = o.seed;
  pu[3] = o.stream;
  pf[4] = o.lambda ?? 0;
  pu[5] = rowWidth;
  pf[6] = o.p ?? 0;
  pu[7] = o.step ?? 0;

  const paramBuf = device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(paramBuf, 0, params);
  const tupleBytes = Math.max(16, o.tuples?.byteLength ?? 0);
  const tupleBuf = device.createBuffer({ size: tupleBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  if (o.tuples) device.queue.writeBuffer(tupleBuf, 0, o.tuples);
  const outBytes = o.n * 16;
  const outBuf = device.createBuffer({ size: outBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readBuf = device.createBuffer({ size: outBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

  const bindGroup = device.createBindGroup({
    layout: bindGroupLayout,
    entries: [
      { binding: 0, resource: { buffer: paramBuf } },
      { binding: 1, resource: { buffer: tupleBuf } },
      { binding: 2, resource: { buffer: outBuf } },
    ],
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(await pipelineFor(wg));
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(rowWidth / wg), Math.ceil(o.n / rowWidth));
  pass.end();
  encoder.copyBufferToBuffer(outBuf, 0, readBuf, 0, outBytes);
  device.queue.submit([encoder.finish()]);
  await readBuf.mapAsync(GPUMapMode.READ);
  const result = new Uint32Array(readBuf.getMappedRange().slice(0));
  readBuf.unmap();
  for (const b of [paramBuf, tupleBuf, outBuf, readBuf]) b.destroy();
  return result;
}

/** Counter tuples (index, step, trial, draw): random words plus the extreme corners. */
function makeTuples(n: number, seed: number): Uint32Array {
  const rs = new RandomStream(seed, 0x7e57);
  const t = new Uint32Array(4 * n);
  for (let i = 0; i < t.length; i++) t[i] = rs.nextU32();
  const corners = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff];
  for (let i = 0; i < corners.length ** 2 && i < n; i++) {
    const a = corners[i % corners.length]!;
    const b = corners[Math.floor(i / corners.length)]!;
    t.set([a, b, a, b], 4 * i);
  }
  return t;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function f32Bits(x: number): number {
  f32[0] = x;
  return u32[0]!;
}
function bitsF32(b: number): number {
  u32[0] = b;
  return f32[0]!;
}

const N = 100_000;
const SEED = 0x5eed1234;
const STREAM = 0x00abcdef;
let tuples: Uint32Array;

beforeAll(async () => {
  const a = await gpu.requestAdapter();
  if (!a) throw new Error('no WebGPU adapter (is a Vulkan driver such as lavapipe installed?)');
  adapter = a;
  console.log(
    `WebGPU adapter: vendor=${adapter.info.vendor} architecture=${adapter.info.architecture} description=${adapter.info.description}`,
  );
  device = await adapter.requestDevice();
  device.addEventListener('uncapturederror', (e) => {
    console.error('WebGPU uncaptured error:', (e as GPUUncapturedErrorEvent).error.message);
  });
  shaderModule = device.createShaderModule({ code: PHILOX_WGSL + '\n' + TEST_KERNEL });
  const info = await shaderModule.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) throw new Error('WGSL errors:\n' + errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n'));
  bindGroupLayout = device.createBindGroupLayout({
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
      { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
    ],
  });
  pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] });
  tuples = makeTuples(N, 1);
}, 60_000);

describe('engine/philox.wgsl against the CPU implementation', () => {
  it('raw philox words are bit-identical', async () => {
    const out = await runKernel({ mode: MODE_RAW, seed: SEED, stream: STREAM, n: N, tuples });
    let mismatches = 0;
    for (let i = 0; i < N; i++) {
      const w = rngDraw(SEED, STREAM, tuples[4 * i]!, tuples[4 * i + 1]!, tuples[4 * i + 2]!, tuples[4 * i + 3]!);
      for (let j = 0; j < 4; j++) if (out[4 * i + j] !== w[j]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('uniforms are bit-identical', async () => {
    const out = await runKernel({ mode: MODE_UNIFORM, seed: SEED, stream: STREAM + 1, n: N, tuples });
    let mismatches = 0;
    for (let i = 0; i < N; i++) {
      const u = rngUniform4(SEED, STREAM + 1, tuples[4 * i]!, tuples[4 * i + 1]!, tuples[4 * i + 2]!, tuples[4 * i + 3]!);
      for (let j = 0; j < 4; j++) if (out[4 * i + j] !== f32Bits(u[j]!)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('normals agree within 1e-5', async () => {
    const out = await runKernel({ mode: MODE_NORMAL, seed: SEED, stream: STREAM + 2, n: N, tuples });
    let maxErr = 0;
    let exact = 0;
    for (let i = 0; i < N; i++) {
      const z = rngNormal2(SEED, STREAM + 2, tuples[4 * i]!, tuples[4 * i + 1]!, tuples[4 * i + 2]!, tuples[4 * i + 3]!);
      for (let j = 0; j < 2; j++) {
        const g = bitsF32(out[4 * i + j]!);
        maxErr = Math.max(maxErr, Math.abs(g - z[j]!));
        if (g === Math.fround(z[j]!)) exact++;
      }
    }
    console.log(`normals: max |gpu - cpu| = ${maxErr.toExponential(2)}, ${((100 * exact) / (2 * N)).toFixed(1)} % equal after f32 rounding`);
    expect(maxErr).toBeLessThan(1e-5);
  });

  it('bernoulli decisions are identical', async () => {
    const p = Math.fround(0.37);
    const out = await runKernel({ mode: MODE_BERNOULLI, seed: SEED, stream: STREAM + 3, n: N, tuples, p });
    let mismatches = 0;
    for (let i = 0; i < N; i++) {
      const b = rngBernoulli(p, SEED, STREAM + 3, tuples[4 * i]!, tuples[4 * i + 1]!, tuples[4 * i + 2]!, tuples[4 * i + 3]!);
      if (out[4 * i] !== (b ? 1 : 0)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('poisson counts agree for at least 99.9 % of draws', async () => {
    const n = N / 4;
    for (const lambda of [0.5, 5, 30, 100]) {
      const lam = Math.fround(lambda);
      const out = await runKernel({ mode: MODE_POISSON, seed: SEED, stream: STREAM + 4, n, tuples, lambda: lam });
      let mismatches = 0;
      let maxDiff = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const k = rngPoisson(lam, SEED, STREAM + 4, tuples[4 * i]!, tuples[4 * i + 1]!, tuples[4 * i + 2]!, tuples[4 * i + 3]!);
        const g = out[4 * i]!;
        sum += g;
        if (g !== k) {
          mismatches++;
          maxDiff = Math.max(maxDiff, Math.abs(g - k));
        }
      }
      console.log(`poisson lambda=${lambda}: ${mismatches}/${n} differ (max |diff| ${maxDiff}), gpu mean ${(sum / n).toFixed(3)}`);
      expect(mismatches / n).toBeLessThanOrEqual(0.001);
      expect(Math.abs(sum / n - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
    }
  });
});

describe('layout independence', () => {
  it('workgroup sizes 32, 64, 256 and a 2-D dispatch give bitwise-identical buffers', async () => {
    const common = { mode: MODE_MIXED, seed: SEED, stream: STREAM + 5, n: N, lambda: 30, step: 12345 };
    const ref = await runKernel({ ...common, workgroupSize: 64 });
    const variants = [
      await runKernel({ ...common, workgroupSize: 32 }),
      await runKernel({ ...common, workgroupSize: 256 }),
      await runKernel({ ...common, workgroupSize: 64, rowWidth: 64 * 7 }), // 2-D: 7 workgroups per row
      await runKernel({ ...common, workgroupSize: 32, rowWidth: 1000 }), // 2-D, ragged rows
    ];
    for (const v of variants) expect(Buffer.from(v.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    // And the kernel-style draws match the CPU.
    for (let i = 0; i < N; i += 97) {
      const trial = i % 3;
      const w = rngDraw(SEED, STREAM + 5, i, 12345, trial, 0);
      expect(ref[4 * i]).toBe((w[0] ^ w[3]) >>> 0);
      expect(ref[4 * i + 1]).toBe(f32Bits(rngUniform4(SEED, STREAM + 5, i, 12345, trial, 1)[1]));
    }
  });
});
