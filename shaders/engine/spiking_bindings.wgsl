// Bindings of the kernels that integrate a merged group of spiking populations: the update
// kernel (engine/spiking_neuron_update.wgsl) and the persistent kernel (engine/step_persistent.wgsl,
// which binds the propagation buffers after these).

@group(0) @binding(0) var<uniform> clock: StepInfo;
@group(0) @binding(1) var<uniform> pops: array<PopInfo, N_MEMBERS>;
@group(0) @binding(2) var<storage, read> models: array<ModelParams>;
@group(0) @binding(3) var<storage, read_write> state: array<f32>;
// Read and cleared here, added to by the propagation kernels (atomic there).
@group(0) @binding(4) var<storage, read_write> syn_ring: array<atomic<i32>>;
@group(0) @binding(5) var<storage, read> tables: array<u32>;
@group(0) @binding(6) var<storage, read_write> spikes: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> window_counts: array<u32>;
@group(0) @binding(8) var<storage, read_write> status: array<atomic<u32>>;
