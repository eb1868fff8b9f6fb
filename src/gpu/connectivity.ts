/**
 * Connectivity generated on the GPU from a {@link ConnectivityRecipe}
 * (`shaders/engine/connectivity_generate.wgsl`): a counting pass (row lengths and in-degrees by
 * integer atomics), the row offsets summed on the host (O(sources), read back once), then a
 * filling pass per storage-binding chunk of rows. The synapse arrays never exist on the host;
 * {@link downloadConnectivity} reads them back on request. Explicit `matrix` and `edge_list`
 * connectors are user data already on the host and are uploaded.
 */
import { dispatchGrid } from './schedule.js';
import { generateConnectivity, isExplicitKind, isPerSourceKind, GENERATED_CONNECTOR_CODES, FLOAT32_BIG, type Connectivity, type ConnectivityRecipe, type SynapseDistribution } from '../model/connectivity.js';
import type { KernelCache, Kernel } from './kernels.js';

/** Units one dispatch generates (keeps single dispatches short on any device). */
const UNITS_PER_DISPATCH = 1 << 22;

/** One chunk of rows (sources [begin, end)) whose synapse arrays fit one storage binding each. */
export interface SynapseChunk {
  readonly begin: number;
  readonly end: number;
  /** Synapses in the chunk (rows are contiguous; offsets relative to the chunk's first row). */
  readonly synapses: number;
  /** Row offsets relative to the chunk, length end − begin + 1. */
  readonly rowPtr: GPUBuffer;
  readonly targets: GPUBuffer;
  /** Weights as given in the spec (float32; the propagation kernel applies sign and fixed-point scale). */
  readonly weights: GPUBuffer;
  /** Delays in steps, or null when the projection has one delay. */
  readonly delays: GPUBuffer | null;
  /**
   * Index of the chunk's first synapse in `targets`, `weights` and `delays`, and of its first
   * row offset in `rowPtr` (0 unless the chunk lives in a bank shared with other chunks).
   */
  readonly synapseOffset?: number;
  readonly rowOffset?: number;
  /**
   * Set when the chunk's delays are packed into `targets` (in a synapse bank): each word is
   * target | delay << delayShift, and `delays` is null.
   */
  readonly delayShift?: number;
}

/** A projection's synapses on the device. */
export interface DeviceConnectivity {
  readonly recipe: ConnectivityRecipe;
  /** Row offsets by source (host, O(sources)): what chunking and downloads need. */
  readonly rowPtr: Uint32Array;
  /** Synapses per target (host, O(targets)): what the fixed-point scale needs. */
  readonly inDegree: Uint32Array;
  readonly nSynapses: number;
  readonly chunks: readonly SynapseChunk[];
  /** Wall-clock seconds of the counting pass (with its read-back) and of the filling passes. */
  readonly timings: { readonly countS: number; readonly fillS: number };
  /**
   * Procedural projections: no chunks; the buffers the propagation kernel regenerates rows
   * from (`gen` uniform, orientations, row lengths, delay table). Null for stored ones.
   */
  readonly procedural: { readonly gen: GPUBuffer; readonly orientations: GPUBuffer; readonly rowLengths: GPUBuffer; readonly delayThresholds: GPUBuffer } | null;
}

/** What generation needs from the simulator: buffer allocation that the simulator tracks. */
export interface ConnectivityAllocator {
  readonly device: GPUDevice;
  readonly cache: KernelCache;
  readonly limits: GPUSupportedLimits;
  /** A tracked storage buffer (destroyed with the simulator), optionally initialised. */
  storage(label: string, bytes: number, data?: ArrayBufferView): GPUBuffer;
  /** Track buffers made elsewhere (uniforms) so that they are destroyed with the simulator. */
  adopt?(buffers: readonly GPUBuffer[]): void;
}

// Compiled once per device and shared by every simulator on it (pipelines are device objects).
const kernels = new WeakMap<GPUDevice, Promise<[Kernel, Kernel]>>();

function generationKernels(device: GPUDevice, cache: KernelCache): Promise<[Kernel, Kernel]> {
  let k = kernels.get(device);
  if (!k) {
    const make = (pass: number): Promise<Kernel> => cache.get({
      name: `connectivity_generate/${pass === 0 ? 'count' : 'fill'}`,
      parts: ['engine/common.wgsl', 'engine/philox.wgsl', { name: 'generated:pass', text: `const PASS: u32 = ${pass}u;` }, 'engine/connectivity_rows.wgsl', 'engine/connectivity_generate.wgsl'],
    });
    k = Promise.all([make(0), make(1)]);
    kernels.set(device, k);
  }
  return k;
}

/** The values of the `GenInfo` uniform of a recipe (engine/connectivity_rows.wgsl). */
export function generationUniforms(recipe: ConnectivityRecipe): Record<string, number> {
  const clip = (x: number): number => Math.max(-FLOAT32_BIG, Math.min(FLOAT32_BIG, x));
  const w: SynapseDistribution = recipe.weight;
  if (isExplicitKind(recipe.kind)) throw new Error(`a ${recipe.kind} connector is uploaded, not generated`);
  return {
    kind: GENERATED_CONNECTOR_CODES[recipe.kind],
    source_size: recipe.sourceSize,
    target_size: recipe.targetSize,
    seed: recipe.seed,
    stream_connectivity: recipe.streams.connectivity,
    stream_values: recipe.streams.values,
    no_autapses: recipe.noAutapses ? 1 : 0,
    threshold: Math.min(recipe.threshold, 0xffffffff),
    all_pairs: recipe.threshold >= 2 ** 32 ? 1 : 0,
    count: recipe.count,
    candidates: recipe.candidates,
    has_delays: recipe.delay ? 1 : 0,
    d_first: recipe.delay?.firstStep ?? 0,
    d_count: recipe.delay?.thresholds.length ?? 0,
    w_kind: w.kind,
    w_a: w.a,
    w_b: w.b,
    w_lo: clip(w.lo),
    w_hi: clip(w.hi),
    p_max: recipe.pMax,
    kappa: recipe.kappa,
  };
}

/**
 * What a kernel that regenerates a recipe's rows from a table of words reads (the merged
 * propagation kernel): the GenInfo struct packed as the generation kernel's `gen` uniform (the
 * layout from reflection), orientations in radians (sources, then targets), row lengths and the
 * delay step table, or null where the recipe has none.
 */
export async function generationTables(device: GPUDevice, cache: KernelCache, recipe: ConnectivityRecipe): Promise<{ gen: Uint32Array; orientations: Float32Array | null; rowLengths: Uint32Array | null; delayThresholds: Uint32Array | null }> {
  const [count] = await generationKernels(device, cache);
  return {
    gen: new Uint32Array(count.packUniform('gen', generationUniforms(recipe))),
    orientations: recipe.orientations ? Float32Array.from([...recipe.orientations.pre, ...recipe.orientations.post], (deg) => (deg * Math.PI) / 180) : null,
    rowLengths: recipe.rowLengths ?? null,
    delayThresholds: recipe.delay && recipe.delay.thresholds.length > 0 ? recipe.delay.thresholds : null,
  };
}

/**
 * The buffers every kernel that generates a recipe's rows binds (engine/connectivity_rows.wgsl): the
 * `gen` uniform, orientations, row lengths and the delay table (placeholders where unused).
 * @param make allocates a storage buffer (tracked by the caller)
 */
export function generationResources(
  device: GPUDevice,
  recipe: ConnectivityRecipe,
  kernel: Kernel,
  make: (what: string, bytes: number, data?: ArrayBufferView) => GPUBuffer,
  uniforms: GPUBuffer[],
): { gen: GPUBuffer; orientations: GPUBuffer; rowLengths: GPUBuffer; delayThresholds: GPUBuffer } {
  const gen = uniformBuffer(device, 'generation info', kernel.packUniform('gen', generationUniforms(recipe)));
  uniforms.push(gen);
  const ns = recipe.sourceSize;
  const nt = recipe.targetSize;
  return {
    gen,
    orientations: recipe.orientations
      ? make('orientations', (ns + nt) * 4, Float32Array.from([...recipe.orientations.pre, ...recipe.orientations.post], (deg) => (deg * Math.PI) / 180))
      : make('no orientations', 16),
    rowLengths: recipe.rowLengths ? make('row lengths', recipe.rowLengths.byteLength, recipe.rowLengths) : make('no row lengths', 16),
    delayThresholds: recipe.delay && recipe.delay.thresholds.length > 0 ? make('delay table', recipe.delay.thresholds.byteLength, recipe.delay.thresholds) : make('no delay table', 16),
  };
}

/** A storage buffer (copy source and destination too) of at least `bytes`, optionally initialised; the caller destroys it. */
export function createStorageBuffer(device: GPUDevice, label: string, bytes: number, data?: ArrayBufferView): GPUBuffer {
  const size = Math.max(16, Math.ceil(bytes / 4) * 4);
  const buffer = device.createBuffer({ label, size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, mappedAtCreation: data !== undefined });
  if (data) {
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    buffer.unmap();
  }
  return buffer;
}

function uniformBuffer(device: GPUDevice, label: string, bytes: ArrayBuffer): GPUBuffer {
  const buffer = device.createBuffer({ label, size: bytes.byteLength, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(bytes));
  buffer.unmap();
  return buffer;
}

/**
 * Generate one projection's synapses on the device.
 * @param label names the buffers (the projection's name)
 * @throws RangeError when one neuron's row exceeds a storage binding, or the projection 2³² − 1 synapses
 */
export async function generateOnDevice(alloc: ConnectivityAllocator, recipe: ConnectivityRecipe, label: string, options: { readonly procedural?: boolean } = {}): Promise<DeviceConnectivity> {
  const { device, limits } = alloc;
  const procedural = options.procedural === true;
  if (isExplicitKind(recipe.kind)) return uploadConnectivity(alloc, generateConnectivity(recipe), recipe, label);
  const [count, fill] = await generationKernels(device, alloc.cache);
  const ns = recipe.sourceSize;
  const nt = recipe.targetSize;
  const scratch: GPUBuffer[] = [];
  const temp = (what: string, bytes: number, data?: ArrayBufferView): GPUBuffer => {
    const buffer = createStorageBuffer(device, `${label} ${what}`, bytes, data);
    scratch.push(buffer);
    return buffer;
  };
  try {
    // A procedural projection keeps the generation inputs for its propagation kernel.
    const keep: GPUBuffer[] = [];
    const resources = generationResources(device, recipe, count, procedural ? (what, bytes, data) => alloc.storage(`${label} ${what}`, bytes, data) : temp, procedural ? keep : scratch);
    const { gen, orientations, rowLengths, delayThresholds } = resources;
    if (procedural) alloc.adopt?.(keep);
    const maxWorkgroups = limits.maxComputeWorkgroupsPerDimension;
    const perSource = isPerSourceKind(recipe.kind);
    const dispatchUnits = (kernel: Kernel, resources: Record<string, GPUBuffer>, from: number, to: number, chunk: { begin: number; end: number }): void => {
      const encoder = device.createCommandEncoder({ label: `${label} generation` });
      for (let begin = from; begin < to; begin += UNITS_PER_DISPATCH) {
        const end = Math.min(to, begin + UNITS_PER_DISPATCH);
        const range = uniformBuffer(device, `${label} generation range`, kernel.packUniform('range', { unit_begin: begin, unit_end: end, chunk_begin: chunk.begin, chunk_end: chunk.end }));
        scratch.push(range);
        const pass = encoder.beginComputePass();
        pass.setPipeline(kernel.pipeline);
        pass.setBindGroup(0, kernel.bind({ gen, range, orientations, row_lengths: rowLengths, delay_thresholds: delayThresholds, ...resources }));
        const [x, y] = dispatchGrid(end - begin, maxWorkgroups);
        pass.dispatchWorkgroups(x, y);
        pass.end();
      }
      device.queue.submit([encoder.finish()]);
    };

    // 1. Count.
    const countStart = performance.now();
    const rowLength = temp('row counts', ns * 4);
    const inDegreeBuffer = temp('in-degrees', nt * 4);
    const none = { targets: temp('unused targets', 16), weights: temp('unused weights', 16), delays: temp('unused delays', 16) };
    dispatchUnits(count, { row_cursor: rowLength, in_degree: inDegreeBuffer, ...none }, 0, recipe.units, { begin: 0, end: ns });
    const [lengths, inDegree] = await Promise.all([readU32(device, rowLength, ns), readU32(device, inDegreeBuffer, nt)]);

    // 2. Row offsets on the host.
    const rowPtr = new Uint32Array(ns + 1);
    let total = 0;
    for (let s = 0; s < ns; s++) {
      total += lengths[s]!;
      if (total > 0xffffffff) throw new RangeError(`projection ${label} has more than 2^32 − 1 synapses; split it into several projections`);
      rowPtr[s + 1] = total;
    }

    const countS = (performance.now() - countStart) / 1000;
    if (procedural) return { recipe, rowPtr, inDegree, nSynapses: total, chunks: [], timings: { countS, fillS: 0 }, procedural: resources };
    // 3. Fill, chunk by chunk.
    const fillStart = performance.now();
    const chunks: SynapseChunk[] = [];
    const dummyIn = temp('unused in-degrees', 16);
    for (const { begin, end } of rowChunks(rowPtr, limits.maxStorageBufferBindingSize, label)) {
      const lo = rowPtr[begin]!;
      const synapses = rowPtr[end]! - lo;
      const localPtr = rowPtr.slice(begin, end + 1).map((v) => v - lo);
      const chunkLabel = `${label} sources [${begin}, ${end})`;
      const chunk: SynapseChunk = {
        begin, end, synapses,
        rowPtr: alloc.storage(`${chunkLabel} row_ptr`, localPtr.byteLength, localPtr),
        targets: alloc.storage(`${chunkLabel} targets`, synapses * 4),
        weights: alloc.storage(`${chunkLabel} weights`, synapses * 4),
        delays: recipe.delay ? alloc.storage(`${chunkLabel} delays`, synapses * 4) : null,
      };
      const cursor = temp('row cursors', (end - begin) * 4, localPtr.subarray(0, end - begin));
      const units: [number, number] = perSource ? [begin, end] : [0, recipe.units];

      dispatchUnits(fill, { row_cursor: cursor, in_degree: dummyIn, targets: chunk.targets, weights: chunk.weights, delays: chunk.delays ?? none.delays }, units[0], units[1], { begin, end });
      chunks.push(chunk);
    }
    await device.queue.onSubmittedWorkDone();
    return { recipe, rowPtr, inDegree, nSynapses: total, chunks, timings: { countS, fillS: (performance.now() - fillStart) / 1000 }, procedural: null };
  } finally {
    for (const b of scratch) b.destroy();
  }
}

/** Upload host-built synapses (explicit matrix and edge-list connectors) in the device layout. */
function uploadConnectivity(alloc: ConnectivityAllocator, c: Connectivity, recipe: ConnectivityRecipe, label: string): DeviceConnectivity {
  const inDegree = new Uint32Array(c.targetSize);
  for (let k = 0; k < c.nSynapses; k++) inDegree[c.targets[k]!]!++;
  const chunks = rowChunks(c.rowPtr, alloc.limits.maxStorageBufferBindingSize, label).map(({ begin, end }) => {
    const lo = c.rowPtr[begin]!;
    const hi = c.rowPtr[end]!;
    const chunkLabel = `${label} sources [${begin}, ${end})`;
    const localPtr = c.rowPtr.slice(begin, end + 1).map((v) => v - lo);
    return {
      begin, end, synapses: hi - lo,
      rowPtr: alloc.storage(`${chunkLabel} row_ptr`, localPtr.byteLength, localPtr),
      targets: alloc.storage(`${chunkLabel} targets`, (hi - lo) * 4, c.targets.subarray(lo, hi)),
      weights: alloc.storage(`${chunkLabel} weights`, (hi - lo) * 4, c.weights.subarray(lo, hi)),
      delays: c.delaySteps ? alloc.storage(`${chunkLabel} delays`, (hi - lo) * 4, c.delaySteps.subarray(lo, hi)) : null,
    };
  });
  return { recipe, rowPtr: c.rowPtr, inDegree, nSynapses: c.nSynapses, chunks, timings: { countS: 0, fillS: 0 }, procedural: null };
}

/** Largest power of two such that `bound·scale` stays below 2^31 (with a margin). */
export function fixedPointScale(bound: number): number {
  if (!(bound > 0)) return 2 ** 20;
  const exponent = Math.floor(Math.log2((0.99 * 2147483647) / bound));
  return 2 ** Math.min(30, exponent);
}

/**
 * Fixed-point scale of each of a target population's 4 spike input channels: the most weight
 * one neuron can receive in one step is bounded by Σ over projections onto the channel of the
 * neuron's in-degree × the largest |weight| the projection's distribution can draw.
 */
export function channelScales(targetSize: number, incoming: readonly { readonly channel: number; readonly inDegree: Uint32Array; readonly maxAbsWeight: number }[]): number[] {
  const bounds = [0, 1, 2, 3].map(() => new Float64Array(targetSize));
  for (const q of incoming) {
    const bound = bounds[q.channel]!;
    for (let t = 0; t < targetSize; t++) bound[t]! += q.inDegree[t]! * q.maxAbsWeight;
  }
  return bounds.map((bound) => {
    let m = 0;
    for (let t = 0; t < bound.length; t++) if (bound[t]! > m) m = bound[t]!;
    return fixedPointScale(m);
  });
}

/**
 * Read a projection's synapses back from the device, rows sorted by (target, delay, weight) so
 * that the list does not depend on the order in which the filling pass wrote them.
 */
export async function downloadConnectivity(device: GPUDevice, dc: DeviceConnectivity): Promise<Connectivity> {
  const { rowPtr, nSynapses, recipe } = dc;
  const targets = new Uint32Array(nSynapses);
  const weights = new Float32Array(nSynapses);
  const delays = recipe.delay || isExplicitKind(recipe.kind) && dc.chunks.some((c) => c.delays || c.delayShift) ? new Uint32Array(nSynapses) : null;
  for (const chunk of dc.chunks) {
    const lo = rowPtr[chunk.begin]!;
    const at = chunk.synapseOffset ?? 0;
    const words = await readU32(device, chunk.targets, chunk.synapses, at);
    if (chunk.delayShift) {
      const shift = chunk.delayShift;
      const mask = 2 ** shift - 1;
      for (let k = 0; k < words.length; k++) {
        targets[lo + k] = words[k]! & mask;
        if (delays) delays[lo + k] = words[k]! >>> shift;
      }
    } else {
      targets.set(words, lo);
    }
    weights.set(new Float32Array((await readU32(device, chunk.weights, chunk.synapses, at)).buffer), lo);
    if (delays && chunk.delays) delays.set(await readU32(device, chunk.delays, chunk.synapses, at), lo);
  }
  sortRows(rowPtr, targets, weights, delays);
  let maxDelaySteps = recipe.constantDelaySteps;
  if (delays) {
    maxDelaySteps = 1;
    for (let k = 0; k < nSynapses; k++) if (delays[k]! > maxDelaySteps) maxDelaySteps = delays[k]!;
  }
  return {
    sourceSize: recipe.sourceSize, targetSize: recipe.targetSize, nSynapses, rowPtr: rowPtr.slice(), targets, weights,
    delaySteps: delays, constantDelaySteps: maxDelaySteps, maxDelaySteps,
  };
}

/** Sort each row's synapses by (target, delay, weight), in place: the canonical order of a synapse list. */
export function sortRows(rowPtr: Uint32Array, targets: Uint32Array, weights: Float32Array, delays: Uint32Array | null): void {
  const before = (a: number, b: number): boolean => targets[a]! < targets[b]! || (targets[a] === targets[b] && (delays ? delays[a]! - delays[b]! : 0) < 0)
    || (targets[a] === targets[b] && (delays ? delays[a] === delays[b] : true) && weights[a]! < weights[b]!);
  let keys = new Float64Array(0);
  for (let s = 0; s + 1 < rowPtr.length; s++) {
    const lo = rowPtr[s]!;
    const hi = rowPtr[s + 1]!;
    let sorted = true;
    for (let k = lo + 1; k < hi && sorted; k++) if (before(k, k - 1)) sorted = false;
    if (sorted) continue;
    // Sort by target with the position as tie-break (packed exactly in a float64), then order
    // runs of equal targets (multapses) by delay and weight.
    const n = hi - lo;
    if (n >= 2 ** 26) throw new RangeError(`sortRows: a row of ${n} synapses is too long to sort here (at most 2^26)`);
    if (keys.length < n) keys = new Float64Array(n);
    const view = keys.subarray(0, n);
    // Exact while target < 2^27 (target · 2^26 + i < 2^53).
    for (let i = 0; i < n; i++) view[i] = Math.min(targets[lo + i]!, 2 ** 27 - 1) * 2 ** 26 + i;
    view.sort();
    const order = Array.from(view, (key) => lo + (key % 2 ** 26));
    for (let i = 0; i < n;) {
      let j = i + 1;
      while (j < n && targets[order[j]!] === targets[order[i]!]) j++;
      if (j - i > 1) {
        const run = order.slice(i, j).sort((a, b) => (delays ? delays[a]! - delays[b]! : 0) || weights[a]! - weights[b]!);
        for (let k = i; k < j; k++) order[k] = run[k - i]!;
      }
      i = j;
    }
    const t = order.map((k) => targets[k]!);
    const w = order.map((k) => weights[k]!);
    const d = delays ? order.map((k) => delays[k]!) : null;
    targets.set(t, lo);
    weights.set(w, lo);
    if (d) delays!.set(d, lo);
  }
}

async function readU32(device: GPUDevice, buffer: GPUBuffer, count: number, offset = 0): Promise<Uint32Array> {
  const bytes = Math.max(4, count * 4);
  const staging = device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, offset * 4, staging, 0, Math.min(staging.size, buffer.size - offset * 4));
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Uint32Array(staging.getMappedRange().slice(0, count * 4));
  staging.unmap();
  staging.destroy();
  return out;
}

/**
 * Split CSR rows into ranges whose synapse arrays fit one storage binding.
 * @throws RangeError naming the projection when one neuron's row alone is too large
 */
export function rowChunks(rowPtr: Uint32Array, maxBindingBytes: number, label = 'projection'): { begin: number; end: number }[] {
  const rows = rowPtr.length - 1;
  const maxSynapses = Math.floor(maxBindingBytes / 4);
  const chunks: { begin: number; end: number }[] = [];
  let begin = 0;
  while (begin < rows) {
    let end = begin + 1;
    // Grow the range while it fits (binary search on the prefix sums).
    let lo = begin + 1;
    let hi = rows;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (rowPtr[mid]! - rowPtr[begin]! <= maxSynapses) {
        end = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (rowPtr[end]! - rowPtr[begin]! > maxSynapses) {
      throw new RangeError(`${label}: neuron ${begin} has ${rowPtr[end]! - rowPtr[begin]!} outgoing synapses, more than one storage binding holds (${maxSynapses}, maxStorageBufferBindingSize); reduce the target population or the connection probability`);
    }
    chunks.push({ begin, end });
    begin = end;
  }
  if (chunks.length === 0) chunks.push({ begin: 0, end: rows });
  return chunks;
}
