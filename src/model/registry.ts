/**
 * Where a population's `model` name is looked up: the built-in models, the spec's own `models`
 * (equation descriptions, compiled once per description object), and models registered with
 * {@link registerNeuronModel}.
 */
import { builtinModel, type NeuronModelDef } from './models.js';
import { equationModelDef, type EquationModelDescription } from './equations/index.js';

const registered = new Map<string, NeuronModelDef>();
const compiledSpecModels = new WeakMap<object, Map<string, NeuronModelDef>>();

/** A value of a spec's `models`: an equation description, or a definition built in TypeScript. */
export type SpecModelEntry = EquationModelDescription | NeuronModelDef;

function isDefinition(value: SpecModelEntry): value is NeuronModelDef {
  return typeof (value as NeuronModelDef).derive === 'function' && typeof (value as NeuronModelDef).updateShader === 'string';
}

/**
 * Make a model available by name to every spec (e.g. a model from {@link defineNeuronModel}):
 * populations may then say `"model": NAME`, and it shows in the model catalogue.
 * @throws Error when the name is a built-in model's
 */
export function registerNeuronModel(model: NeuronModelDef): void {
  if (builtinModel(model.name) !== undefined) throw new Error(`registerNeuronModel: '${model.name}' is a built-in model; choose another name`);
  registered.set(model.name, model);
}

/** Remove a registered model (tests, editors). */
export function unregisterNeuronModel(name: string): boolean {
  return registered.delete(name);
}

/** The registered models, in order of registration. */
export function registeredNeuronModels(): NeuronModelDef[] {
  return [...registered.values()];
}

/**
 * The model of one entry of a spec's `models`, compiled once per description object.
 * @throws EquationError for a malformed description
 */
export function specModel(name: string, entry: SpecModelEntry): NeuronModelDef {
  if (isDefinition(entry)) return entry;
  let byName = compiledSpecModels.get(entry);
  if (byName === undefined) {
    byName = new Map();
    compiledSpecModels.set(entry, byName);
  }
  let def = byName.get(name);
  if (def === undefined) {
    def = equationModelDef(name, entry);
    byName.set(name, def);
  }
  return def;
}

/**
 * Look a model name up: built-ins, then the spec's `models`, then registered models.
 * @throws EquationError when the spec's description of that name is malformed
 */
export function findNeuronModel(name: string, spec?: { readonly models?: Readonly<Record<string, SpecModelEntry>> }): NeuronModelDef | undefined {
  const builtin = builtinModel(name);
  if (builtin !== undefined) return builtin;
  const entry = spec?.models && Object.hasOwn(spec.models, name) ? spec.models[name] : undefined;
  if (entry !== undefined) return specModel(name, entry);
  return registered.get(name);
}
