/**
 * cortexgpu public API (environment-neutral: browser and Node). Node programs import
 * `src/node/index.ts` (package entry `cortexgpu/node`), which adds device acquisition via Dawn.
 */
export type * from './model/spec.js';
export { NEURON_MODELS, resolveParams, type NeuronModelDef, type ParamMeta, type StateVarMeta } from './model/models.js';
export {
  modelCatalogue, catalogueModel, renderModelCatalogueMarkdown, UnknownModelError,
  type CatalogueModel, type CatalogueParameter, type CatalogueChoiceParameter, type CatalogueStateVariable, type CatalogueInputs,
} from './model/catalogue.js';
export { SpecError, validateSpec, parseSpecJson, resolveRunTiming, DEFAULT_WARMUP_MAX_MS, type RunTiming } from './model/schema.js';
export { Network } from './model/network.js';
export { planNetwork, type NetworkPlan } from './model/plan.js';
export { spikeTimesFromArrays, spikeTimeToStep, SPIKE_SOURCE_ARRAY, MAX_SPIKE_TRAIN_SPIKES, MAX_SPIKES_PER_TRAIN, type SpikeTrainTable } from './model/spike_trains.js';
export type { Recording, SpikeRecording, SpikeCountRecording, StateRecording, PopulationRateRecording } from './model/recording.js';
export { GpuSimulator, DivergenceError, type GpuSimulatorOptions, type RunOptions, type RunProgress, type RunReport } from './gpu/simulator.js';
export { GpuUnavailableError, DeviceLostError, type GpuContext, type AdapterDescription } from './gpu/context.js';
export {
  NetworkTooLargeError, formatBytes, defaultMemoryBudget, DEFAULT_MEMORY_BUDGET_RULE, type MemoryBudget, type MemoryProblem,
} from './gpu/memory.js';
export {
  estimateNetworkMemory, checkMemoryEstimate, MEMORY_LAYOUT,
  type MemoryEstimate, type MemoryEstimateOptions, type MemoryItem, type ProjectionMemory, type MemoryVerdict, type BufferLimits,
} from './gpu/sizing.js';
export { ShaderCompileError, type ShaderSourceLoader } from './gpu/shaders.js';
export { acquireBrowserGpu } from './gpu/browser.js';
export { CpuSimulator } from './cpu/simulator.js';
export { spikeStatistics, rateFromPopulationRate, type PopulationStatistics } from './analysis/spike-statistics.js';
export {
  binSpikeCounts, pairwiseCorrelations, summarizeCorrelations, spikeCountCorrelations,
  type BinnedSpikeCounts, type CorrelationSummary, type SpikeCountBinning, type SpikeCountCorrelationOptions, type SpikeCountCorrelations,
} from './analysis/spike-correlations.js';
export { encodeNpy, decodeNpy, type DecodedNpy, type NpyData } from './io/npy.js';
export { memoryFileAccess, posixPath, FileAccessError, type FileAccess, type FileKind, type MemoryFile, type PathOps } from './io/file-access.js';
export { Hdf5Error, type Hdf5Reader, type Hdf5Numbers, type Hdf5NumberKind, type Hdf5ObjectKind } from './io/hdf5-core.js';
export { openHdf5Bytes } from './io/hdf5-browser.js';
export {
  NwbError, readNwbSpikesFrom, nwbSpikesFromReader, nwbResponseMatrices,
  type NwbColumn, type NwbColumnValues, type NwbCountOptions, type NwbResponses, type NwbSpikes, type NwbTrials,
} from './io/nwb-core.js';
export { importSonataFrom, isSonataConfig, SonataImportError, type SonataImport, type SonataPopulationOrigin } from './io/sonata-import-core.js';
export { pd14Spec, pd14DcCompensation, type Pd14Options } from './model/library/pd14.js';
export {
  defineNeuronModel, EquationError, INTEGRATION_METHODS, generateWgsl, generateJsSource, isEquationModel,
  type EquationModelDescription, type EquationNeuronModelDef, type IntegrationMethod, type CompiledEquationModel,
} from './model/equations/index.js';
export { registerNeuronModel, unregisterNeuronModel, registeredNeuronModels, findNeuronModel } from './model/registry.js';
