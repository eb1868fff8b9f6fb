/**
 * SONATA import from the real filesystem (Node): `cortexgpu run simulation_config.json`. The
 * importer itself, what it reads and how it maps SONATA to a spec, is `sonata-import-core.ts`
 * (shared with the browser, which reads a picked folder through the same code).
 *
 * Node only (reads files).
 */
import { nodeFileAccess } from './file-access-node.js';
import { importSonataFrom, type SonataImport } from './sonata-import-core.js';

export { importSonataFrom, isSonataConfig, SonataImportError, type SonataImport, type SonataPopulationOrigin } from './sonata-import-core.js';

/**
 * Read a SONATA simulation config (or circuit config) and its network into a cortexgpu spec.
 *
 * @param path the `simulation_config.json` or `circuit_config.json`
 * @returns the spec (edge-list projections synapse for synapse, spike recorders on every
 *   non-virtual population; `run.duration_ms` from `run.tstop` when given, `dt_ms` from
 *   `run.dt`, default 0.1 ms), where each spec population's neurons come from, and the output
 *   settings
 * @throws SonataImportError (or Hdf5Error for unreadable datasets) naming the file, the dataset
 *   or field and what to do
 */
export async function importSonata(path: string): Promise<SonataImport> {
  return importSonataFrom(nodeFileAccess, path);
}
