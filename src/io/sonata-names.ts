/**
 * What SONATA export (`sonata.ts`) and import (`sonata-import-core.ts`) share: the error class,
 * NEST's names of the built-in models' parameters and state, and spike-file sorting.
 *
 * No Node or DOM APIs: safe to bundle for the browser.
 */
import type { NeuronModelDef } from '../model/models.js';

/** A spec that cannot be exported as SONATA; the message names the population or projection and what to do. */
export class SonataError extends Error {
  override readonly name: string = 'SonataError';
}

/**
 * NEST's names of the built-in models' state variables that NEST's models have too (initial
 * values per node): cortexgpu state variable → NEST state name. Variables of the NEST-derived
 * built-ins that NEST stores differently (the alpha currents' first stages, hh's rate functions)
 * are not listed: NEST would not accept them.
 */
export const NEST_STATE_NAMES: Readonly<Record<string, string>> = {
  v_mV: 'V_m', g_ex_nS: 'g_ex', g_in_nS: 'g_in', i_syn_ex_pA: 'I_syn_ex', i_syn_in_pA: 'I_syn_in', w_pA: 'w',
  V_m: 'V_m', I_syn_ex: 'I_syn_ex', I_syn_in: 'I_syn_in', g_ex: 'g_ex', g_in: 'g_in', w: 'w', U_m: 'U_m',
  m: 'Act_m', n: 'Act_n', h: 'Inact_h',
};

/** A built-in model's NEST names: NEST name → cortexgpu parameter, and NEST name → state variable. */
export interface NestNames {
  readonly params: ReadonlyMap<string, string>;
  readonly state: ReadonlyMap<string, string>;
}

/**
 * The NEST names of a model's parameters (its NEST aliases; models written with NEST's names
 * use them as they are) and of its state variables ({@link NEST_STATE_NAMES}): the one table
 * both SONATA export and import use.
 */
export function nestNamesOf(model: NeuronModelDef): NestNames {
  const aliasOf = new Map<string, string>();
  for (const [alias, canonical] of Object.entries(model.paramAliases ?? {})) if (!aliasOf.has(canonical)) aliasOf.set(canonical, alias);
  const params = new Map(model.params.map((p) => [aliasOf.get(p.name) ?? p.name, p.name]));
  const state = new Map(model.state.flatMap((v) => (NEST_STATE_NAMES[v.name] !== undefined ? [[NEST_STATE_NAMES[v.name]!, v.name] as [string, string]] : [])));
  return { params, state };
}

/** How the spikes of each population are ordered in a SONATA spike file (its `sorting` attribute). */
export type SonataSpikeSorting = 'by_time' | 'by_id' | 'none';

