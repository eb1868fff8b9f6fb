/**
 * Scrolling activity displays drawn by WebGPU straight from the simulation's GPU buffers: a
 * spike raster or a heatmap of one state variable of chosen neurons in one trial. Per-step
 * compute work attached to the simulator ({@link GpuSimulator.attachStepWork}) writes a ring
 * image on the GPU; {@link GpuActivityHistory.render} draws that image into a canvas with a
 * render pass. Nothing is read back per frame: the newest column is computed on the host from
 * {@link GpuSimulator.stepCount}.
 *
 * Image layout: `rows × columns`, column-major (`column · rows + row`), one 32-bit word per
 * pixel: spike counts (u32) for rasters, means over the column's steps (f32) for heatmaps.
 * Column `c` of the ring holds absolute columns `k` with `k mod columns == c`, absolute column
 * `k` covering steps `k · stepsPerColumn … (k + 1) · stepsPerColumn − 1`.
 */
import { WgslReflect, ResourceType } from 'wgsl_reflect/wgsl_reflect.module.js';
import type { Kernel } from '../kernels.js';
import { compileDiagnostics, composeShader, ShaderCompileError, type ShaderSourceLoader } from '../shaders.js';
import type { GpuSimulator, PopulationGpuBuffers } from '../simulator.js';
import { dispatchGrid } from '../schedule.js';

/** What an activity history shows. */
export type ActivityHistoryMode = 'raster' | 'heatmap';

/** Options of {@link GpuActivityHistory.create}. */
export interface ActivityHistoryOptions {
  /** Population name. */
  readonly population: string;
  /** `raster`: spikes (populations that emit spikes); `heatmap`: a state variable. */
  readonly mode: ActivityHistoryMode;
  /** Heatmap variable (default `r` if the model has it, else its first state variable). */
  readonly variable?: string;
  /** Neuron indices, one per display row, distinct (default: at most `maxRows` evenly spaced neurons). */
  readonly neurons?: readonly number[];
  /** Most rows (default 512). */
  readonly maxRows?: number;
  /** Columns of the ring image, i.e. the width of the time window (default 400). */
  readonly columns?: number;
  /** Simulation steps per column (default: steps in 1 ms, at least 1). */
  readonly stepsPerColumn?: number;
  /** Trial of the batch to display (default 0). */
  readonly trial?: number;
  /**
   * WGSL loader for the render shader (default: the loader the simulator was created with).
   */
  readonly shaders?: ShaderSourceLoader;
}

/** Options of {@link GpuActivityHistory.render}. */
export interface ActivityRenderOptions {
  /** Heatmap value drawn at the low end of the colour map (default {@link defaultHeatmapRange}). */
  readonly min?: number;
  /** Heatmap value drawn at the high end of the colour map. */
  readonly max?: number;
  /** Background (empty pixels, unwritten columns) as RGBA in [0, 1] (default white). */
  readonly background?: readonly [number, number, number, number];
  /** Raster spike colour as RGBA in [0, 1] (default near-black). */
  readonly foreground?: readonly [number, number, number, number];
}

/** A sensible fixed colour range for a state variable, by its name and unit suffix. */
export function defaultHeatmapRange(variable: string): { min: number; max: number } {
  if (variable.endsWith('_mV')) return { min: -75, max: -45 };
  if (variable.endsWith('_pA')) return { min: -500, max: 500 };
  if (variable.endsWith('_nS')) return { min: 0, max: 50 };
  if (variable.endsWith('_ms')) return { min: 0, max: 5 };
  return { min: 0, max: 1 };
}

const DEFAULT_MAX_ROWS = 512;
const DEFAULT_COLUMNS = 400;
const NO_ROW = 0xffffffff;
const RENDER_UNIFORM_BYTES = 64;
const WHITE = [1, 1, 1, 1] as const;
const INK = [0.08, 0.08, 0.12, 1] as const;

/** The resolved, validated options (what the history actually uses). */
export interface ActivityHistoryLayout {
  readonly population: string;
  readonly mode: ActivityHistoryMode;
  /** Heatmap variable, or null for rasters. */
  readonly variable: string | null;
  readonly neurons: readonly number[];
  readonly rows: number;
  readonly columns: number;
  readonly stepsPerColumn: number;
  readonly trial: number;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`GpuActivityHistory: option ${name} must be an integer ≥ 1 (got ${String(value)})`);
  return v;
}

/** Evenly spaced neuron indices: all of them when `size ≤ maxRows`, else `⌊i · size / maxRows⌋`. */
export function evenlySpacedNeurons(size: number, maxRows: number): number[] {
  const n = Math.min(size, maxRows);
  return Array.from({ length: n }, (_, i) => Math.floor((i * size) / n));
}

/**
 * Check options against a population and device limits; every error names the option and the
 * allowed range.
 */
export function resolveActivityHistoryOptions(
  pop: Pick<PopulationGpuBuffers, 'name' | 'size' | 'batch' | 'stateVariables' | 'spikes'>,
  options: ActivityHistoryOptions,
  dtMs: number,
  maxStorageBufferBindingSize: number,
): ActivityHistoryLayout {
  const mode = options.mode;
  if (mode !== 'raster' && mode !== 'heatmap') throw new RangeError(`GpuActivityHistory: option mode must be 'raster' or 'heatmap' (got ${JSON.stringify(mode)})`);
  let variable: string | null = null;
  if (mode === 'heatmap') {
    variable = options.variable ?? (pop.stateVariables.includes('r') ? 'r' : pop.stateVariables[0]!);
    if (!pop.stateVariables.includes(variable)) {
      throw new RangeError(`GpuActivityHistory: option variable '${variable}' is not a state variable of population '${pop.name}' (have: ${pop.stateVariables.join(', ')})`);
    }
  } else {
    if (!pop.spikes) throw new RangeError(`GpuActivityHistory: option mode 'raster' needs a population that emits spikes; '${pop.name}' does not (use mode 'heatmap')`);
    if (options.variable !== undefined) throw new RangeError(`GpuActivityHistory: option variable applies to mode 'heatmap' only`);
  }
  const maxRows = positiveInteger('maxRows', options.maxRows, DEFAULT_MAX_ROWS);
  const columns = positiveInteger('columns', options.columns, DEFAULT_COLUMNS);
  const stepsPerColumn = positiveInteger('stepsPerColumn', options.stepsPerColumn, Math.max(1, Math.round(1 / dtMs)));
  const trial = options.trial ?? 0;
  if (!Number.isInteger(trial) || trial < 0 || trial >= pop.batch) {
    throw new RangeError(`GpuActivityHistory: option trial must be an integer in [0, ${pop.batch - 1}] (batch ${pop.batch}; got ${String(options.trial)})`);
  }
  let neurons: number[];
  if (options.neurons) {
    neurons = Array.from(options.neurons);
    if (neurons.length === 0) throw new RangeError('GpuActivityHistory: option neurons must list at least one neuron');
    if (neurons.length > maxRows) throw new RangeError(`GpuActivityHistory: option neurons lists ${neurons.length} neurons, more than maxRows = ${maxRows}`);
    const seen = new Set<number>();
    for (const n of neurons) {
      if (!Number.isInteger(n) || n < 0 || n >= pop.size) {
        throw new RangeError(`GpuActivityHistory: option neurons: ${n} is out of range [0, ${pop.size - 1}] of population '${pop.name}'`);
      }
      if (seen.has(n)) throw new RangeError(`GpuActivityHistory: option neurons: neuron ${n} is listed twice (one row per neuron)`);
      seen.add(n);
    }
  } else {
    neurons = evenlySpacedNeurons(pop.size, maxRows);
  }
  const rows = neurons.length;
  const bytes = rows * columns * 4;
  if (bytes > maxStorageBufferBindingSize) {
    throw new RangeError(
      `GpuActivityHistory: options columns × rows = ${columns} × ${rows} need ${bytes} bytes, above the device's maxStorageBufferBindingSize (${maxStorageBufferBindingSize}); ` +
        `use at most ${Math.floor(maxStorageBufferBindingSize / (4 * rows))} columns or fewer rows (maxRows / neurons)`,
    );
  }
  return { population: pop.name, mode, variable, neurons, rows, columns, stepsPerColumn, trial };
}

/** A render pipeline of the display shader, per canvas format. */
interface RenderPipeline {
  readonly pipeline: GPURenderPipeline;
  readonly bindGroup: GPUBindGroup;
}

/**
 * A scrolling raster or state heatmap of one population, written by GPU work attached to every
 * simulated step and drawn with WebGPU. Create with {@link GpuActivityHistory.create}.
 */
export class GpuActivityHistory {
  /** The ring image (`rows × columns` words, column-major; u32 counts or f32 means). */
  readonly image: GPUBuffer;
  private readonly device: GPUDevice;
  private readonly buffers: GPUBuffer[] = [];
  private readonly detachers: (() => void)[] = [];
  private readonly pipelines = new Map<GPUTextureFormat, RenderPipeline>();
  private readonly renderUniform: GPUBuffer;
  private readonly renderLayout: GPUBindGroupLayout;
  private readonly renderModule: GPUShaderModule;
  /** Step count when drawing began (columns before it are shown empty). */
  private startStep: number;
  private lastSeenStep: number;
  private destroyed = false;

  private constructor(
    private readonly simulator: GpuSimulator,
    /** The resolved options. */
    readonly layout: ActivityHistoryLayout,
    image: GPUBuffer,
    renderModule: GPUShaderModule,
    renderLayout: GPUBindGroupLayout,
  ) {
    this.device = simulator.context.device;
    this.image = image;
    this.renderModule = renderModule;
    this.renderLayout = renderLayout;
    this.renderUniform = this.device.createBuffer({ size: RENDER_UNIFORM_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'activity history render info' });
    this.buffers.push(image, this.renderUniform);
    this.startStep = simulator.stepCount;
    this.lastSeenStep = simulator.stepCount;
  }

  /**
   * Validate options, allocate the ring image, compile the kernels and attach them to every
   * step of the simulator (column clear first, then spike counting or state sampling).
   * @throws RangeError naming the option and its allowed range
   */
  static async create(simulator: GpuSimulator, options: ActivityHistoryOptions): Promise<GpuActivityHistory> {
    let pop: PopulationGpuBuffers;
    try {
      pop = simulator.populationBuffers(options.population);
    } catch (err) {
      const have = simulator.plan.populations.map((p) => p.name).join(', ');
      throw new RangeError(`GpuActivityHistory: option population: no population '${options.population}' (have: ${have})`, { cause: err });
    }
    const device = simulator.context.device;
    const layout = resolveActivityHistoryOptions(pop, options, simulator.plan.dtMs, device.limits.maxStorageBufferBindingSize);
    const load = options.shaders ?? simulatorShaderLoader(simulator);
    const { module, bindGroupLayout } = await buildRenderShader(device, load);

    const cache = simulator.kernels;
    const clearKernel = await cache.get({ name: 'display/history_clear_column', parts: ['engine/common.wgsl', 'display/history_clear_column.wgsl'], dynamicBindings: ['clock'] });
    const workKernel =
      layout.mode === 'raster'
        ? await cache.get({ name: 'display/raster_accumulate', parts: ['engine/common.wgsl', 'display/raster_accumulate.wgsl'], dynamicBindings: ['clock'] })
        : await cache.get({ name: 'display/state_history_sample', parts: ['engine/common.wgsl', 'display/state_history_sample.wgsl'], dynamicBindings: ['clock'] });

    const image = device.createBuffer({
      size: layout.rows * layout.columns * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      label: `activity history ${layout.population} (${layout.mode})`,
    });
    const history = new GpuActivityHistory(simulator, layout, image, module, bindGroupLayout);
    try {
      history.attach(pop, clearKernel, workKernel);
    } catch (err) {
      history.destroy();
      throw err;
    }
    return history;
  }

  private uniform(kernel: Kernel, values: Record<string, number>): GPUBuffer {
    const data = kernel.packUniform('info', values);
    const buffer = this.device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: `${kernel.key} info` });
    this.device.queue.writeBuffer(buffer, 0, data);
    this.buffers.push(buffer);
    return buffer;
  }

  private storage(data: Uint32Array, label: string): GPUBuffer {
    const buffer = this.device.createBuffer({ size: Math.max(16, data.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, label });
    this.device.queue.writeBuffer(buffer, 0, data);
    this.buffers.push(buffer);
    return buffer;
  }

  private attach(pop: PopulationGpuBuffers, clearKernel: Kernel, workKernel: Kernel): void {
    const { rows, columns, stepsPerColumn, trial } = this.layout;
    const clock = this.simulator.stepClock;
    const maxWorkgroups = this.device.limits.maxComputeWorkgroupsPerDimension;
    const rowGrid = dispatchGrid(rows, maxWorkgroups);
    const clearInfo = this.uniform(clearKernel, { rows, columns, steps_per_column: stepsPerColumn });
    // Order matters: attachments run in the order attached, so the clear precedes this step's writes.
    this.detachers.push(
      this.simulator.attachStepWork({ kernel: clearKernel, bindGroup: clearKernel.bind({ clock, info: clearInfo, image: this.image }), size: rowGrid, every: stepsPerColumn }),
    );
    if (this.layout.mode === 'raster') {
      const rowMap = new Uint32Array(pop.size).fill(NO_ROW);
      this.layout.neurons.forEach((n, row) => (rowMap[n] = row));
      const info = this.uniform(workKernel, { batch: pop.batch, spike_block_words: pop.spikeBlockWords, lists: pop.spikeLists, trial, rows, columns, steps_per_column: stepsPerColumn });
      const bindGroup = workKernel.bind({ clock, info, spikes: pop.spikes!, row_map: this.storage(rowMap, 'activity history row map'), image: this.image });
      // Threads stride over the step's spikes: a few workgroups, however many spikes there are.
      const workgroups = Math.max(1, Math.min(64, Math.ceil((pop.size * pop.batch) / 64), maxWorkgroups));
      this.detachers.push(this.simulator.attachStepWork({ kernel: workKernel, bindGroup, size: [workgroups, 1] }));
    } else {
      const variable = pop.stateVariables.indexOf(this.layout.variable!);
      const info = this.uniform(workKernel, { size: pop.size, batch: pop.batch, variable, trial, rows, columns, steps_per_column: stepsPerColumn });
      const neurons = this.storage(Uint32Array.from(this.layout.neurons), 'activity history neurons');
      const bindGroup = workKernel.bind({ clock, info, state: pop.state, neurons, image: this.image });
      this.detachers.push(this.simulator.attachStepWork({ kernel: workKernel, bindGroup, size: rowGrid }));
    }
  }

  /** Display rows (neurons shown). */
  get rows(): number {
    return this.layout.rows;
  }

  /** Columns of the ring image. */
  get columns(): number {
    return this.layout.columns;
  }

  /** Steps each column covers. */
  get stepsPerColumn(): number {
    return this.layout.stepsPerColumn;
  }

  /** Simulated time the image spans, ms. */
  get spanMs(): number {
    return this.layout.columns * this.layout.stepsPerColumn * this.simulator.plan.dtMs;
  }

  /** Notice a `resetTrials()` (step count went back): drawing restarts at step 0. */
  private syncSteps(): number {
    const steps = this.simulator.stepCount;
    if (steps < this.lastSeenStep) this.startStep = 0;
    this.lastSeenStep = steps;
    return steps;
  }

  /**
   * Ring column of the newest column written (from the simulator's step count, submitted steps
   * included; no readback), or −1 when no step has been simulated since drawing began.
   */
  headColumn(): number {
    const steps = this.syncSteps();
    if (steps <= this.startStep) return -1;
    return Math.floor((steps - 1) / this.layout.stepsPerColumn) % this.layout.columns;
  }

  /** Columns written since drawing began (at most `columns`); the others are drawn empty. */
  filledColumns(): number {
    const steps = this.syncSteps();
    if (steps <= this.startStep) return 0;
    const spc = this.layout.stepsPerColumn;
    return Math.min(this.layout.columns, Math.floor((steps - 1) / spc) - Math.floor(this.startStep / spc) + 1);
  }

  private pipelineFor(format: GPUTextureFormat): RenderPipeline {
    let entry = this.pipelines.get(format);
    if (!entry) {
      const pipeline = this.device.createRenderPipeline({
        label: `activity history render (${format})`,
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [this.renderLayout] }),
        vertex: { module: this.renderModule, entryPoint: 'vs_main' },
        fragment: { module: this.renderModule, entryPoint: 'fs_main', targets: [{ format }] },
        primitive: { topology: 'triangle-list' },
      });
      const bindGroup = this.device.createBindGroup({
        layout: this.renderLayout,
        entries: [
          { binding: 0, resource: { buffer: this.renderUniform } },
          { binding: 1, resource: { buffer: this.image } },
        ],
      });
      entry = { pipeline, bindGroup };
      this.pipelines.set(format, entry);
    }
    return entry;
  }

  /**
   * Draw the history into a texture view with a render pass, newest column at the right, and
   * submit it (no readback). {@link render} does this for a canvas.
   */
  draw(target: GPUTextureView, format: GPUTextureFormat, options: ActivityRenderOptions = {}): void {
    if (this.destroyed) throw new Error('GpuActivityHistory: draw() after destroy()');
    const range = this.layout.variable ? defaultHeatmapRange(this.layout.variable) : { min: 0, max: 1 };
    const head = this.headColumn();
    const bytes = new ArrayBuffer(RENDER_UNIFORM_BYTES);
    const u32 = new Uint32Array(bytes);
    const f32 = new Float32Array(bytes);
    u32[0] = this.layout.rows;
    u32[1] = this.layout.columns;
    u32[2] = Math.max(head, 0);
    u32[3] = this.filledColumns();
    u32[4] = this.layout.mode === 'raster' ? 0 : 1;
    f32[6] = options.min ?? range.min;
    f32[7] = options.max ?? range.max;
    f32.set(options.background ?? WHITE, 8);
    f32.set(options.foreground ?? INK, 12);
    this.device.queue.writeBuffer(this.renderUniform, 0, bytes);
    const { pipeline, bindGroup } = this.pipelineFor(format);
    const background = options.background ?? WHITE;
    const encoder = this.device.createCommandEncoder({ label: 'activity history draw' });
    const pass = encoder.beginRenderPass({
      colorAttachments: [{ view: target, loadOp: 'clear', storeOp: 'store', clearValue: { r: background[0], g: background[1], b: background[2], a: background[3] } }],
    });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.draw(3);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** Draw into the canvas's current texture (the canvas must be configured on the simulator's device). */
  render(context: GPUCanvasContext, options: ActivityRenderOptions = {}): void {
    const texture = context.getCurrentTexture();
    this.draw(texture.createView(), texture.format, options);
  }

  /**
   * Read the ring image back (u32 counts for rasters, f32 bits for heatmaps; view the buffer
   * as `Float32Array`). FOR TESTS ONLY: it stalls on the GPU; displays use {@link render}.
   */
  async readImage(): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({ size: this.image.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(this.image, 0, staging, 0, this.image.size);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const copy = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    return copy;
  }

  /** Stop writing the image (removes the step work); drawing still shows what is there. */
  detach(): void {
    for (const d of this.detachers.splice(0)) d();
  }

  /** Detach and free the GPU buffers. */
  destroy(): void {
    if (this.destroyed) return;
    this.detach();
    this.destroyed = true;
    for (const b of this.buffers) b.destroy();
    this.pipelines.clear();
  }
}

/**
 * The loader the simulator was created with. GpuSimulator keeps it private; reading it here
 * avoids making every caller pass the loader again (a public accessor on the simulator would
 * be the cleaner fix).
 */
function simulatorShaderLoader(simulator: GpuSimulator): ShaderSourceLoader {
  const load = (simulator as unknown as { shaders?: ShaderSourceLoader }).shaders;
  if (typeof load !== 'function') throw new Error('GpuActivityHistory: option shaders is required (the simulator does not expose its WGSL loader)');
  return load;
}

/**
 * Compile the display shader (composed like the compute kernels, so compiler errors name the
 * WGSL file and line) and build its bind-group layout from wgsl_reflect reflection (not
 * `layout: 'auto'`): uniforms visible to both stages, storage buffers to the fragment stage.
 */
async function buildRenderShader(device: GPUDevice, load: ShaderSourceLoader): Promise<{ module: GPUShaderModule; bindGroupLayout: GPUBindGroupLayout }> {
  const shader = composeShader(load, ['display/activity_history_render.wgsl']);
  const module = device.createShaderModule({ code: shader.code, label: 'activity_history_render' });
  const info = await module.getCompilationInfo();
  const diagnostics = compileDiagnostics(shader, info.messages);
  if (diagnostics.length > 0) throw new ShaderCompileError(`WGSL compile error in activity_history_render:\n  ${diagnostics.join('\n  ')}`, diagnostics);
  const reflect = new WgslReflect(shader.code);
  const groups = reflect.getBindGroups();
  const entries: GPUBindGroupLayoutEntry[] = (groups[0] ?? []).filter(Boolean).map((v) => {
    if (v.resourceType === ResourceType.Uniform) return { binding: v.binding, visibility: GPUShaderStage.VERTEX | GPUShaderStage.FRAGMENT, buffer: { type: 'uniform' } };
    if (v.resourceType === ResourceType.Storage && v.access === 'read') return { binding: v.binding, visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'read-only-storage' } };
    throw new Error(`activity_history_render: unsupported binding '${v.name}' (uniforms and read-only storage only)`);
  });
  const uniform = (groups[0] ?? []).find((v) => v?.resourceType === ResourceType.Uniform);
  if (groups.length !== 1 || entries.length !== 2 || !uniform || uniform.type.size !== RENDER_UNIFORM_BYTES) {
    throw new Error(`activity_history_render: expected one uniform of ${RENDER_UNIFORM_BYTES} bytes and one storage buffer in group 0`);
  }
  return { module, bindGroupLayout: device.createBindGroupLayout({ label: 'activity history render', entries }) };
}
