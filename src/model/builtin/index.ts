/**
 * The built-in neuron models: each an equation description in Brian2's syntax (one file per
 * model), compiled like any user model. `also` lists other names (NEST's, PyNN's) that specs may
 * use for the model.
 */
import type { EquationModelDescription } from '../equations/compile.js';
import { aeifCondExp } from './aeif_cond_exp.js';
import { hhCondExpTraub } from './hh_cond_exp_traub.js';
import { iafCondAlpha, iafPscAlpha } from './iaf_psc_alpha.js';
import { izhikevich } from './izhikevich.js';
import { lifCondExp } from './lif_cond_exp.js';
import { lifPscDelta } from './lif_psc_delta.js';
import { lifPscExp } from './lif_psc_exp.js';
import { poissonSource } from './poisson_source.js';
import { rateUnit } from './rate.js';
import { twoCompartmentLif } from './two_compartment_lif.js';
import { twoCompartmentRate } from './two_compartment_rate.js';

/** A built-in model: a named equation description and its other names. */
export interface BuiltinModel extends EquationModelDescription {
  readonly name: string;
  /** Other names accepted in specs (NEST, PyNN). */
  readonly also?: readonly string[];
  /**
   * NEST's model of the same dynamics, with the same parameters under the names of
   * `aliases` (SONATA export writes `model_template: nest:<this>`), when NEST has one.
   */
  readonly nest?: string;
  /**
   * NEST's defaults (by NEST name: parameters, and initial state such as `V_m`) where they differ
   * from this description's: what a SONATA import takes for values a NEST parameter file leaves
   * out. NEST keeps a neuron's initial `V_m` at its default when only `E_L` is set.
   */
  readonly nestDefaults?: Readonly<Record<string, number>>;
}

/** Every built-in description, in catalogue order. */
export const BUILTIN_MODELS: readonly BuiltinModel[] = [
  rateUnit, lifPscExp, lifPscDelta, lifCondExp, poissonSource, twoCompartmentRate, twoCompartmentLif,
  iafPscAlpha, iafCondAlpha, aeifCondExp, izhikevich, hhCondExpTraub,
];
