/**
 * Edge lists from `.npy` files (Node): in a JSON spec, each array of an `edge_list` connector
 * (`sources`, `targets`, `weights`, `delays_ms`) may be the name of a one-dimensional `.npy` file
 * instead, relative to the spec file:
 * `"connector": {"type": "edge_list", "sources": "E_to_I_sources.npy", "targets": "E_to_I_targets.npy", "weights": "E_to_I_weights.npy"}`.
 * {@link resolveEdgeListFiles} reads them and puts their values (typed arrays) into the spec;
 * `cortexgpu run` and `validate` do this before validating. Indices as `<u4`/`<i4` (or floats
 * holding integers), weights and delays as `<f8` or `<f4`.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { decodeNpy } from '../io/npy.js';
import { SpecError } from '../model/schema.js';

const ARRAY_KEYS = ['sources', 'targets', 'weights', 'delays_ms'] as const;

/**
 * Replace every `.npy` file name in the projections' `edge_list` connectors by the array it holds.
 * @param spec a parsed (not yet validated) spec; returned unchanged when no edge list names a file
 * @param baseDir folder that relative paths start from (the spec file's)
 * @param source named in errors (the spec file)
 * @returns the spec with the arrays read (typed arrays as the files hold them)
 * @throws SpecError naming the field (`projections[2].connector.sources: cannot read …`)
 */
export async function resolveEdgeListFiles(spec: unknown, baseDir: string, source?: string): Promise<unknown> {
  const projections = (spec as { projections?: unknown } | null)?.projections;
  const named = (p: unknown): boolean => {
    const connector = (p as { connector?: Record<string, unknown> } | null)?.connector;
    return connector?.['type'] === 'edge_list' && ARRAY_KEYS.some((key) => typeof connector[key] === 'string');
  };
  if (!Array.isArray(projections) || !projections.some(named)) return spec;
  const fail = (path: string, message: string): never => {
    throw new SpecError([{ path, message }], source !== undefined ? { source } : {});
  };
  const resolved = await Promise.all(projections.map(async (raw: unknown, i) => {
    if (!named(raw)) return raw;
    const projection = raw as Record<string, unknown>;
    const connector = { ...(projection['connector'] as Record<string, unknown>) };
    for (const key of ARRAY_KEYS) {
      const name = connector[key];
      if (typeof name !== 'string') continue;
      const path = `projections[${i}].connector.${key}`;
      const file = isAbsolute(name) ? name : join(baseDir, name);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(file));
      } catch (error) {
        return fail(path, `cannot read '${file}': ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}; give the .npy file's path relative to the spec file`);
      }
      try {
        const decoded = decodeNpy(bytes);
        if (decoded.shape.length !== 1) fail(path, `'${name}' must be one-dimensional, one entry per synapse (got shape [${decoded.shape.join(', ')}])`);
        connector[key] = decoded.data;
      } catch (error) {
        if (error instanceof SpecError) throw error;
        const index = key === 'sources' || key === 'targets';
        fail(path, `'${name}': ${(error as Error).message}${index ? `; save neuron indices as uint32 or int32 (a.astype('<u4'))` : ''}`);
      }
    }
    return { ...projection, connector };
  }));
  return { ...(spec as object), projections: resolved };
}
