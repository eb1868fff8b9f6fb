/**
 * Compute kernels: one descriptor interface, explicit bind-group layouts built from
 * wgsl_reflect reflection (never `layout: 'auto'`), a pipeline cache keyed by a deterministic
 * shader key, uniform structs packed by member name, and bind groups checked by binding name.
 */
import { WgslReflect, ResourceType, type ArrayInfo, type StructInfo, type VariableInfo } from 'wgsl_reflect/wgsl_reflect.module.js';
import { compileDiagnostics, composeShader, ShaderCompileError, type ComposedShader, type ShaderPart, type ShaderSourceLoader } from './shaders.js';

/** What a kernel is made of. */
export interface KernelDescriptor {
  /** Human-readable part of the shader key, e.g. `spiking_update/lif_psc_exp`. */
  readonly name: string;
  /** Library files, generated code and the main file, in order. */
  readonly parts: readonly ShaderPart[];
  /** Names of uniform bindings read with a dynamic offset (one entry per step). */
  readonly dynamicBindings?: readonly string[];
}

/**
 * A uniform struct as reflected from the WGSL: what packing by member name needs. (cortexgpu's
 * own type, so that wgsl_reflect's types stay out of the public declarations.)
 */
export interface UniformStructInfo {
  /** WGSL struct name. */
  readonly name: string;
  /** Byte size of the struct. */
  readonly size: number;
  readonly members: readonly UniformMemberInfo[];
}

/** One member of a reflected uniform struct. */
export interface UniformMemberInfo {
  readonly name: string;
  /** Byte offset in the struct. */
  readonly offset: number;
  /** WGSL type name (`f32`, `u32`, `vec4f`, `vec4`...). */
  readonly type: string;
  /** Component type of a templated type (`f32` of `vec4<f32>`), when reflection gives one. */
  readonly format?: string;
}

/** One binding of a kernel, from reflection. */
export interface BindingInfo {
  readonly name: string;
  readonly binding: number;
  readonly type: GPUBufferBindingType;
  readonly dynamic: boolean;
  /** Byte size of the struct for uniforms (0 for runtime-sized arrays). */
  readonly size: number;
  /** The struct of the binding, or of its elements for an array of structs. */
  readonly struct: UniformStructInfo | null;
  /** Byte stride of the elements of an array of structs (0 otherwise). */
  readonly arrayStride: number;
}

/** A resource for one binding: a whole buffer or a range of it. */
export type BindingResource = GPUBuffer | { readonly buffer: GPUBuffer; readonly offset?: number; readonly size?: number };

/** Uniform-buffer alignment of dynamic offsets required by WebGPU's default limits. */
export const DYNAMIC_OFFSET_ALIGNMENT = 256;

/** A compiled kernel. */
export class Kernel {
  constructor(
    /** Deterministic cache key: name plus a hash of the composed WGSL. */
    readonly key: string,
    readonly shader: ComposedShader,
    readonly pipeline: GPUComputePipeline,
    readonly layout: GPUBindGroupLayout,
    readonly bindings: readonly BindingInfo[],
    private readonly device: GPUDevice,
  ) {}

  /** The reflected binding of that name; throws naming the kernel's bindings when absent. */
  binding(name: string): BindingInfo {
    const info = this.bindings.find((b) => b.name === name);
    if (!info) throw new Error(`Kernel ${this.key} has no binding '${name}' (it has: ${this.bindings.map((b) => b.name).join(', ')})`);
    return info;
  }

  /**
   * Pack numbers into the uniform struct of a binding by member name (f32, u32, i32 members).
   * Every member must be given and every value must name a member, so a model's host-side
   * constants can never silently drift from its WGSL struct.
   */
  packUniform(bindingName: string, values: Readonly<Record<string, number | readonly number[]>>): ArrayBuffer {
    const info = this.binding(bindingName);
    const struct = info.struct;
    if (!struct || info.arrayStride > 0) throw new Error(`Binding '${bindingName}' of ${this.key} is not a struct`);
    const bytes = new ArrayBuffer(Math.max(16, Math.ceil(struct.size / 16) * 16));
    this.packStruct(new DataView(bytes), 0, struct, values);
    return bytes;
  }

  /**
   * Pack one struct per element into a binding that is an array of structs (a uniform
   * `array<S, N>` or a storage `array<S>`), by member name as {@link packUniform}.
   */
  packStructArray(bindingName: string, elements: readonly Readonly<Record<string, number | readonly number[]>>[]): ArrayBuffer {
    const info = this.binding(bindingName);
    const struct = info.struct;
    if (!struct || info.arrayStride === 0) throw new Error(`Binding '${bindingName}' of ${this.key} is not an array of structs`);
    const bytes = new ArrayBuffer(Math.max(16, Math.ceil((elements.length * info.arrayStride) / 16) * 16));
    const view = new DataView(bytes);
    elements.forEach((values, i) => this.packStruct(view, i * info.arrayStride, struct, values));
    return bytes;
  }

  private packStruct(view: DataView, base: number, struct: UniformStructInfo, values: Readonly<Record<string, number | readonly number[]>>): void {
    const seen = new Set<string>();
    for (const member of struct.members) {
      if (member.name.startsWith('_pad')) continue;
      const value = values[member.name];
      if (value === undefined) throw new Error(`Uniform ${struct.name}.${member.name} of kernel ${this.key} has no value`);
      seen.add(member.name);
      const type = member.type;
      const format = member.format;
      const vector = /^vec([234])/.exec(type);
      if (vector) {
        // vecN<T>: an array of N numbers of the component type.
        const length = Number(vector[1]);
        const component = format ?? (type.endsWith('f') ? 'f32' : type.endsWith('u') ? 'u32' : type.endsWith('i') ? 'i32' : 'f32');
        const items = typeof value === 'number' ? new Array<number>(length).fill(value) : value;
        if (items.length !== length) throw new Error(`Uniform ${struct.name}.${member.name} needs ${length} values (got ${items.length})`);
        items.forEach((item, k) => writeScalar(view, base + member.offset + 4 * k, component, item, `${struct.name}.${member.name}`));
      } else {
        if (typeof value !== 'number') throw new Error(`Uniform ${struct.name}.${member.name} is a scalar (got ${value.length} values)`);
        writeScalar(view, base + member.offset, type, value, `${struct.name}.${member.name}`);
      }
    }
    for (const key of Object.keys(values)) {
      if (!seen.has(key)) throw new Error(`Value '${key}' is not a member of ${struct.name} in kernel ${this.key}`);
    }
  }

  /** Create a bind group from resources named like the kernel's bindings. */
  bind(resources: Readonly<Record<string, BindingResource>>, label?: string): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = this.bindings.map((b) => {
      const resource = resources[b.name];
      if (!resource) throw new Error(`Kernel ${this.key}: no buffer given for binding '${b.name}'`);
      if ('buffer' in resource && !(resource instanceof GPUBuffer)) {
        return { binding: b.binding, resource: { buffer: resource.buffer, offset: resource.offset ?? 0, size: resource.size } };
      }
      const buffer = resource as GPUBuffer;
      return { binding: b.binding, resource: b.dynamic ? { buffer, size: b.size } : { buffer } };
    });
    return this.device.createBindGroup({ layout: this.layout, entries, label: label ?? this.key });
  }
}

function writeScalar(view: DataView, offset: number, type: string, value: number, name: string): void {
  if (type === 'f32') view.setFloat32(offset, value, true);
  else if (type === 'u32') view.setUint32(offset, value >>> 0, true);
  else if (type === 'i32') view.setInt32(offset, value | 0, true);
  else throw new Error(`Uniform ${name}: unsupported member type ${type}`);
}

/** FNV-1a, 32-bit, as 8 hex digits: a stable fingerprint of shader text. */
export function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The parts of wgsl_reflect's struct reflection that uniform packing uses. */
function uniformStruct(struct: StructInfo): UniformStructInfo {
  return {
    name: struct.name,
    size: struct.size,
    members: struct.members.map((m) => {
      const format = (m.type as { format?: { name?: string } | null }).format?.name;
      return { name: m.name, offset: m.offset, type: m.type.name, ...(format !== undefined ? { format } : {}) };
    }),
  };
}

/** Element stride of an array of this struct: size rounded up to the struct's alignment (at least 16 in the uniform address space). */
function structStride(struct: StructInfo, uniform: boolean): number {
  const alignment = Math.max(uniform ? 16 : 4, struct.align ?? 4);
  return Math.ceil(struct.size / alignment) * alignment;
}

function bindingType(v: VariableInfo): GPUBufferBindingType {
  if (v.resourceType === ResourceType.Uniform) return 'uniform';
  if (v.resourceType === ResourceType.Storage) return v.access === 'read' ? 'read-only-storage' : 'storage';
  throw new Error(`Unsupported resource '${v.name}' (only buffers are used by cortexgpu kernels)`);
}

const sharedCaches = new WeakMap<GPUDevice, WeakMap<ShaderSourceLoader, KernelCache>>();

/**
 * The kernel cache of a device and shader loader, shared by every simulator and analysis built
 * on them: a network rebuilt on the same device (a new day, session, seed or sweep point)
 * compiles and reflects no shader it has compiled before. Kernels are immutable, so sharing is
 * safe; the cache lives as long as the device (a new device after a loss starts an empty one).
 * @param device the device the kernels are compiled for
 * @param load the loader of `shaders/<layer>/<name>.wgsl` the kernels are composed from
 */
export function kernelCacheFor(device: GPUDevice, load: ShaderSourceLoader): KernelCache {
  let byLoader = sharedCaches.get(device);
  if (!byLoader) {
    byLoader = new WeakMap();
    sharedCaches.set(device, byLoader);
  }
  let cache = byLoader.get(load);
  if (!cache) {
    cache = new KernelCache(device, load);
    byLoader.set(load, cache);
  }
  return cache;
}

/**
 * Kernels a cache keeps (least recently used dropped first). Networks of the same models share
 * a handful; what makes more is editing equations, where each compiled model is a new shader.
 * A dropped kernel stays valid for whatever already holds it.
 */
export const MAX_CACHED_KERNELS = 256;

/**
 * Compiles each kernel once per device: kernels are looked up by name, dynamic bindings and the
 * full composed WGSL (a hash alone could silently hand one model's kernel to another), and the
 * least recently used are dropped beyond the capacity.
 */
export class KernelCache {
  /** Kernels (or their builds in flight), least recently used first (a Map keeps insertion order). */
  private readonly kernels = new Map<string, Promise<Kernel>>();

  /**
   * @param device the device the kernels are compiled for
   * @param load the loader of `shaders/<layer>/<name>.wgsl`
   * @param capacity most kernels kept, an integer ≥ 1 (default {@link MAX_CACHED_KERNELS})
   * @throws RangeError for another capacity
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly load: ShaderSourceLoader,
    private readonly capacity: number = MAX_CACHED_KERNELS,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`KernelCache capacity: expected an integer ≥ 1, got ${capacity}`);
  }

  /** Number of kernels the cache holds, builds in flight included. */
  get size(): number {
    return this.kernels.size;
  }

  /** Get (or build) the kernel of a descriptor. */
  get(descriptor: KernelDescriptor): Promise<Kernel> {
    const shader = composeShader(this.load, descriptor.parts);
    const dynamic = (descriptor.dynamicBindings ?? []).join(',');
    const lookup = `${descriptor.name}\n${dynamic}\n${shader.code}`;
    let kernel = this.kernels.get(lookup);
    if (kernel) {
      this.kernels.delete(lookup);
      this.kernels.set(lookup, kernel);
      return kernel;
    }
    kernel = this.build(`${descriptor.name}#${fingerprint(shader.code + '|' + dynamic)}`, shader, descriptor);
    this.kernels.set(lookup, kernel);
    kernel.catch(() => {
      if (this.kernels.get(lookup) === kernel) this.kernels.delete(lookup);
    });
    while (this.kernels.size > this.capacity) this.kernels.delete(this.kernels.keys().next().value!);
    return kernel;
  }

  private async build(key: string, shader: ComposedShader, descriptor: KernelDescriptor): Promise<Kernel> {
    const module = this.device.createShaderModule({ code: shader.code, label: key });
    const info = await module.getCompilationInfo();
    const diagnostics = compileDiagnostics(shader, info.messages);
    if (diagnostics.length > 0) {
      throw new ShaderCompileError(`WGSL compile error in kernel ${descriptor.name}:\n  ${diagnostics.join('\n  ')}`, diagnostics);
    }
    const reflect = new WgslReflect(shader.code);
    const dynamic = new Set(descriptor.dynamicBindings ?? []);
    const groups = reflect.getBindGroups();
    if (groups.length > 1) throw new Error(`Kernel ${descriptor.name} uses bind group ${groups.length - 1}; cortexgpu kernels use group 0 only`);
    const bindings: BindingInfo[] = (groups[0] ?? []).filter(Boolean).map((v) => {
      const element = v.type.isArray ? (v.type as ArrayInfo).format : null;
      const arrayOfStructs = element !== null && element.isStruct;
      return {
        name: v.name,
        binding: v.binding,
        type: bindingType(v),
        dynamic: dynamic.has(v.name),
        size: v.resourceType === ResourceType.Uniform ? Math.max(16, Math.ceil(v.type.size / 16) * 16) : 0,
        struct: v.type.isStruct ? uniformStruct(v.type as StructInfo) : arrayOfStructs ? uniformStruct(element as StructInfo) : null,
        // Array stride of a struct: its size rounded up to its alignment (16 for uniform arrays).
        arrayStride: arrayOfStructs ? structStride(element as StructInfo, v.resourceType === ResourceType.Uniform) : 0,
      };
    });
    for (const name of dynamic) {
      if (!bindings.some((b) => b.name === name)) throw new Error(`Kernel ${descriptor.name}: dynamic binding '${name}' not found`);
    }
    const layout = this.device.createBindGroupLayout({
      label: key,
      entries: bindings.map((b) => ({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: b.type, hasDynamicOffset: b.dynamic },
      })),
    });
    this.device.pushErrorScope('validation');
    const pipeline = this.device.createComputePipeline({
      label: key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    const error = await this.device.popErrorScope();
    if (error) throw new ShaderCompileError(`Pipeline for kernel ${descriptor.name} is invalid: ${error.message}`, [error.message]);
    return new Kernel(key, shader, pipeline, layout, bindings, this.device);
  }
}
