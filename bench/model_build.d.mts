// Types of bench/model_build.mjs's exports, for test/model-build-bench.test.ts.
import type { EquationModelDescription } from '../dist/index.js';

export declare const EXAMPLE_MODELS: Readonly<Record<'cuba' | 'coba' | 'adex', EquationModelDescription>>;

export interface BuildRun {
  parse_ms: number;
  wgsl_ms: number;
  pipeline_ms: number;
  total_ms: number;
}

export declare function equationModelsToMeasure(): { name: string; source: 'built-in' | 'registered' | 'example'; description: EquationModelDescription }[];

export declare function measureEquationModel(device: GPUDevice, name: string, description: EquationModelDescription, repeat?: number): Promise<{ method: string; wgsl_lines: number; runs: BuildRun[] }>;

export declare function warmUp(device: GPUDevice): Promise<void>;
