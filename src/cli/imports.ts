/**
 * `cortexgpu --import MODULE …`: ES modules of the user's, imported before the command runs, so
 * that neuron models they define in TypeScript/JavaScript are known to `models`, `run` and
 * `validate`:
 *
 * ```js
 * // my-models.mjs
 * import { defineNeuronModel, registerNeuronModel } from 'cortexgpu';
 * export const qif = defineNeuronModel({ name: 'qif', equations: '…', threshold: '…', reset: '…' });
 * registerNeuronModel(qif);
 * ```
 *
 * A module registers its models with `registerNeuronModel`; model definitions it exports
 * (named or default exports, or arrays of them) are registered too when no model of that name
 * is known yet — which also covers a module whose `cortexgpu` import resolved to another copy
 * of the package than the CLI's own (its registry is then not the CLI's).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NeuronModelDef } from '../model/models.js';
import { findNeuronModel, registerNeuronModel } from '../model/registry.js';
import { EquationError } from '../model/equations/index.js';

/** A module given to `--import` could not be imported (missing file, or the module threw). */
export class ImportModuleError extends Error {
  override readonly name = 'ImportModuleError';
}

function isModelDefinition(value: unknown): value is NeuronModelDef {
  const v = value as Partial<NeuronModelDef> | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.updateShader === 'string' && typeof v.derive === 'function' && Array.isArray(v.params);
}

/**
 * Import the given modules in order (paths relative to `cwd`; `file:` URLs also accepted) and
 * register the model definitions they export that are not known yet.
 * @returns the names of the models registered from exports (not those the modules registered themselves)
 * @throws ImportModuleError naming the module, for a missing file or an error thrown by it
 */
export async function importUserModules(specifiers: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const fromExports: string[] = [];
  for (const specifier of specifiers) {
    const url = specifier.startsWith('file:') ? specifier : pathToFileURL(resolve(cwd, specifier)).href;
    if (!specifier.startsWith('file:') && !existsSync(resolve(cwd, specifier))) {
      throw new ImportModuleError(`--import ${specifier}: no such file (${resolve(cwd, specifier)}); give the path of an ES module (.mjs, or .js in a "type": "module" package)`);
    }
    let exports: Record<string, unknown>;
    try {
      exports = (await import(url)) as Record<string, unknown>;
    } catch (error) {
      // The user's own code: an EquationError says what to fix; anything else keeps its stack (file and line).
      const detail = error instanceof EquationError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      throw new ImportModuleError(`--import ${specifier} failed: ${detail}`);
    }
    for (const value of Object.values(exports).flatMap((v) => (Array.isArray(v) ? v : [v]))) {
      if (isModelDefinition(value) && findNeuronModel(value.name) === undefined) {
        registerNeuronModel(value);
        fromExports.push(value.name);
      }
    }
  }
  return fromExports;
}
