/**
 * A fluent TypeScript API for building network specs. It produces exactly the data of the JSON
 * format (`spec.ts`), so a network built here and one loaded from a file behave the same.
 */
import { validateSpec } from './schema.js';
import type { InputSpec, NetworkSpec, PopulationSpec, ProjectionSpec, RecorderSpec, RunSpec } from './spec.js';

/** Top-level settings of a {@link Network}; every field is optional. */
export interface NetworkOptions {
  /** Human-readable name. Default `network` (applied when the spec is resolved). */
  readonly name?: string;
  /** Integration step, ms, in (0, 10]. Default 0.1. */
  readonly dt_ms?: number;
  /** Seed of every random draw, integer 0 … 2^32−1. Default 1. */
  readonly seed?: number;
  /** Number of independent trials simulated in parallel, integer 1 … 4096. Default 1. */
  readonly batch?: number;
  /** One-line description of the network. */
  readonly description?: string;
  /** Run length and warm-up, ms (`sim.run()` without a duration uses `duration_ms`). */
  readonly run?: RunSpec;
}

/**
 * Builder of a {@link NetworkSpec}: add populations, projections, inputs and recorders in any
 * order (references are resolved by name when the spec is validated), then call
 * {@link Network.toSpec}.
 *
 * @example
 * ```ts
 * const spec = new Network({ name: 'ei', dt_ms: 0.1, seed: 7 })
 *   .population({ name: 'E', size: 800, model: 'lif_psc_exp' })
 *   .population({ name: 'I', size: 200, model: 'lif_psc_exp' })
 *   .project({ source: 'E', target: 'I', connector: { type: 'fixed_probability', p: 0.1 }, weight: 20, delay_ms: 1.5 })
 *   .project({ source: 'I', target: 'E', connector: { type: 'fixed_indegree', indegree: 20 }, weight: 80, receptor: 'inhibitory' })
 *   .input({ type: 'poisson', target: 'E', rate_hz: 8, n_sources: 100, weight: 20 })
 *   .record({ type: 'spikes', population: 'E' })
 *   .toSpec(); // throws SpecError if anything is wrong
 * ```
 */
export class Network {
  private readonly options: NetworkOptions;
  private readonly populations: PopulationSpec[] = [];
  private readonly projections: ProjectionSpec[] = [];
  private readonly inputs: InputSpec[] = [];
  private readonly recorders: RecorderSpec[] = [];

  /** @param options top-level settings; omitted ones take their defaults */
  constructor(options: NetworkOptions = {}) {
    this.options = { ...options };
  }

  /** Add a population of identical neurons. @returns this builder */
  population(spec: PopulationSpec): this {
    this.populations.push(spec);
    return this;
  }

  /** Add a projection between two populations (by name). @returns this builder */
  project(spec: ProjectionSpec): this {
    this.projections.push(spec);
    return this;
  }

  /** Add an external input (Poisson, DC or stimulus) onto a population. @returns this builder */
  input(spec: InputSpec): this {
    this.inputs.push(spec);
    return this;
  }

  /** Add a recorder of a population. @returns this builder */
  record(spec: RecorderSpec): this {
    this.recorders.push(spec);
    return this;
  }

  /**
   * The validated spec. Options left undefined and empty lists are omitted, so the result
   * matches a hand-written JSON spec of the same network. Each call returns a new object (the
   * population, projection, input and recorder objects themselves are shared, not copied).
   *
   * @throws SpecError listing every problem found
   */
  toSpec(): NetworkSpec {
    const { name, description, dt_ms, seed, batch, run } = this.options;
    const spec: NetworkSpec = {
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(dt_ms !== undefined ? { dt_ms } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(batch !== undefined ? { batch } : {}),
      populations: [...this.populations],
      ...(this.projections.length > 0 ? { projections: [...this.projections] } : {}),
      ...(this.inputs.length > 0 ? { inputs: [...this.inputs] } : {}),
      ...(this.recorders.length > 0 ? { recorders: [...this.recorders] } : {}),
      ...(run !== undefined ? { run } : {}),
    };
    return validateSpec(spec);
  }
}
