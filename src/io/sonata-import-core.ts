/**
 * SONATA import: a SONATA point-neuron network (bmtk PointNet, NEST's `SonataNetwork`, what
 * `cortexgpu export sonata` writes) read into a cortexgpu spec, so that the engine runs it
 * unchanged (`cortexgpu run simulation_config.json`).
 *
 * What is read:
 * - a simulation config (`run.dt`, `run.tstop`, `inputs`, `node_sets_file` or `node_sets`,
 *   `output`, and `network`: the circuit config) or a circuit config (`networks`,
 *   `components`); each file's `manifest` variables (`$BASE_DIR`, `${configdir}`, variables
 *   defined by others) are substituted in its strings, and relative paths are taken from the
 *   folder of the file that holds them;
 * - node populations (`/nodes/<population>/node_type_id`, `node_group_id`,
 *   `node_group_index`, groups with per-node attributes and `dynamics_params`) with their node
 *   types CSV (space-delimited: `node_type_id`, `model_type`, `model_template`,
 *   `dynamics_params`, `pop_name`, …); point neurons (`model_type` `point_process` or
 *   `point_neuron`) with a `nest:<model>` template become populations of the built-in model of
 *   that NEST model (one spec population per node type), their parameters from the
 *   `dynamics_params` JSON in `components.point_neuron_models_dir` under NEST's names, units and
 *   defaults; virtual nodes become spike-train sources (`spike_source_array`);
 * - edge populations (`/edges/<population>/source_node_id` and `target_node_id` with their
 *   `node_population` attributes, `edge_type_id`, `edge_group_id`, `edge_group_index`, one or
 *   more groups) with their edge types CSV: each synapse's weight (`syn_weight` per edge, else
 *   the type's `dynamics_params` JSON `weight`, else its `syn_weight` column, else NEST's 1) times
 *   `nsyns` (per edge or per type, default 1; bmtk's point-neuron rule) and delay (the same
 *   order, NEST's default 1 ms); `static_synapse` only. A negative weight is inhibitory (NEST's
 *   point neurons take the receptor from the sign): each edge population becomes edge-list
 *   projections, one per (source population, target population, sign), synapse for synapse;
 * - `inputs` of type `spikes` (SONATA spike files, `/spikes/<population>/timestamps` and
 *   `node_ids`, or the older `/spikes/gids` and `/spikes/timestamps`; times in ms unless the
 *   timestamps' `units` attribute says `s`) drive the virtual nodes of their `node_set`.
 *
 * - `cortexgpu: {seed, inputs_file}` of a simulation config written by `cortexgpu export sonata`
 *   (not SONATA; NEST and bmtk ignore it): the spec's seed and its Poisson and DC inputs
 *   (`inputs.json`), so that an exported network imports as the network it was.
 *
 * Every non-virtual population gets a spike recorder. What cortexgpu cannot simulate is refused
 * by name (biophysical cells, unknown templates, other synapse models, other input types), and
 * every error names the file, the dataset or field and what to do. Nothing is written.
 *
 * The files are read through a {@link FileAccess}: the real filesystem in Node
 * (`importSonata(path)` of `sonata-import.ts`), or the files of a folder picked in the browser
 * ({@link importSonataFrom} with `memoryFileAccess`); paths are resolved with the access's path
 * operations (POSIX in the browser).
 *
 * No Node or DOM APIs: safe to bundle for the browser.
 */
import { NEST_DEFAULTS_OF, NEST_MODEL_OF, NEURON_MODELS } from '../model/models.js';
import type { NeuronModelDef } from '../model/models.js';
import { SpecError, validateSpec } from '../model/schema.js';
import type { InputSpec, NetworkSpec, PopulationSpec, ProjectionSpec, RecorderSpec, Receptor } from '../model/spec.js';
import type { FileAccess } from './file-access.js';
import { Hdf5Error, type Hdf5Reader } from './hdf5-core.js';
import { nestNamesOf, SonataError, type SonataSpikeSorting } from './sonata-names.js';

/** A SONATA network that cannot be imported; the message names the file, the dataset or field, and what to do. */
export class SonataImportError extends SonataError {
  override readonly name: string = 'SonataImportError';
}

/** Where the neurons of one spec population come from. */
export interface SonataPopulationOrigin {
  /** The spec population's name. */
  readonly name: string;
  /** The SONATA node population its nodes belong to. */
  readonly sonataPopulation: string;
  /** Node id (within the SONATA population) of each of its neurons, in order. */
  readonly nodeIds: Uint32Array;
  /** Whether its nodes are virtual (spike-train sources). */
  readonly virtual: boolean;
}

/** What {@link importSonata} returns. */
export interface SonataImport {
  /** The network as a cortexgpu spec (edge-list projections, spike recorders on every non-virtual population). */
  readonly spec: NetworkSpec;
  /** The config file read (as given). */
  readonly configPath: string;
  /** Per spec population (in the spec's order), where its neurons come from. */
  readonly populations: readonly SonataPopulationOrigin[];
  /** The simulation config's output: spike file name and the order of its spikes (`output.spikes_sort_order`). */
  readonly output: { readonly spikesFile: string; readonly sorting: SonataSpikeSorting };
  /** Parts of the config that were not used (e.g. reports), for the user to know. */
  readonly notes: readonly string[];
}

/**
 * Whether parsed JSON looks like a SONATA config (a simulation or circuit config) rather than a
 * cortexgpu spec: it has `networks`, `network` or `manifest`, and no `populations`.
 */
export function isSonataConfig(json: unknown): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const record = json as Record<string, unknown>;
  return !('populations' in record) && ('networks' in record || 'network' in record || 'manifest' in record);
}

// ---------------------------------------------------------------------------------------------
// Configs

type Json = unknown;
type JsonObject = Record<string, Json>;

const fail = (message: string): never => {
  throw new SonataImportError(`SONATA import: ${message}`);
};

/** A config file with its manifest substituted. */
interface LoadedConfig {
  readonly files: FileAccess;
  readonly path: string;
  readonly dir: string;
  readonly json: JsonObject;
}

async function readText(files: FileAccess, path: string, what: string): Promise<string> {
  try {
    return await files.readText(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    return fail(`cannot read ${what} '${path}': ${why}; check the path.`);
  }
}

async function readJsonFile(files: FileAccess, path: string, what: string): Promise<Json> {
  const text = await readText(files, path, what);
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as Json;
  } catch (error) {
    return fail(`${what} '${path}' is not valid JSON (${(error as Error).message}); fix its syntax.`);
  }
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Substitute a config's manifest variables in all its strings: `$NAME` and `${NAME}`, where the
 * manifest defines `$NAME` (values may use other variables) and `${configdir}` is the config's
 * folder (`${workingdir}` the working folder, `${configfname}` its file name).
 */
function substituteManifest(json: JsonObject, path: string, files: FileAccess): JsonObject {
  const { basename, dirname, resolve } = files.path;
  const dir = dirname(resolve(path));
  const builtins: Record<string, string> = { configdir: dir, workingdir: files.path.cwd(), configfname: basename(path) };
  const manifest = json['manifest'];
  if (manifest !== undefined && (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest))) {
    fail(`${path}: "manifest" must be an object of variables such as {"$BASE_DIR": "\${configdir}"} (got ${JSON.stringify(manifest)}).`);
  }
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries((manifest as JsonObject | undefined) ?? {})) {
    if (typeof value !== 'string') fail(`${path}: manifest.${key} must be a string (got ${JSON.stringify(value)}).`);
    raw[key.replace(/^\$/, '')] = value as string;
  }
  const resolved = new Map<string, string>();
  const value = (name: string, usedAt: string, stack: readonly string[]): string => {
    if (resolved.has(name)) return resolved.get(name)!;
    if (Object.hasOwn(raw, name)) {
      if (stack.includes(name)) fail(`${path}: manifest variable $${name} refers to itself (${[...stack, name].map((v) => `$${v}`).join(' → ')}); give it a path that does not.`);
      const text = expand(raw[name]!, `manifest.$${name}`, [...stack, name]);
      resolved.set(name, text);
      return text;
    }
    if (Object.hasOwn(builtins, name)) return builtins[name]!;
    const defined = [...Object.keys(raw).map((k) => `$${k}`), '${configdir}', '${workingdir}'];
    return fail(`${path}: ${usedAt} uses $${name}, which is not defined (defined: ${defined.join(', ')}); add "$${name}" to the config's "manifest" or write the path out.`);
  };
  const expand = (text: string, usedAt: string, stack: readonly string[]): string =>
    text.replace(VARIABLE, (_match, braced: string | undefined, bare: string | undefined) => value((braced ?? bare)!, usedAt, stack));
  const walk = (node: Json, at: string): Json => {
    if (typeof node === 'string') return node.includes('$') ? expand(node, at, []) : node;
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${at}[${i}]`));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'manifest' && at === '' ? v : walk(v, at === '' ? k : `${at}.${k}`)]));
    }
    return node;
  };
  return walk(json, '') as JsonObject;
}

async function loadConfig(files: FileAccess, path: string, what: string): Promise<LoadedConfig> {
  const json = await readJsonFile(files, path, what);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(`${what} '${path}' must hold a JSON object (got ${JSON.stringify(json)?.slice(0, 40)}).`);
  return { files, path, dir: files.path.dirname(files.path.resolve(path)), json: substituteManifest(json as JsonObject, path, files) };
}

/** A path of a config, resolved against the config's folder. */
function configPath(config: LoadedConfig, value: Json, field: string): string {
  if (typeof value !== 'string' || value === '') return fail(`${config.path}: ${field} must be a path (got ${JSON.stringify(value)}); give the file or folder, relative to the config.`);
  return config.files.path.isAbsolute(value) ? value : config.files.path.join(config.dir, value);
}

/** One `networks.nodes` or `networks.edges` entry, paths resolved. */
interface NetworkFiles {
  readonly h5: string;
  readonly types: string;
  /** Where it was given: the config file and field. */
  readonly where: string;
}

/** The merged configuration the importer works from. */
interface Sonata {
  readonly files: FileAccess;
  readonly configPath: string;
  readonly nodes: readonly NetworkFiles[];
  readonly edges: readonly NetworkFiles[];
  /** components.point_neuron_models_dir / synaptic_models_dir, resolved, with where they were given. */
  readonly components: ReadonlyMap<string, { readonly dir: string; readonly where: string }>;
  readonly run: { readonly dt?: number; readonly durationMs?: number; readonly where: string } | null;
  readonly inputs: readonly { readonly name: string; readonly spec: JsonObject; readonly config: LoadedConfig }[];
  readonly nodeSets: Readonly<Record<string, Json>>;
  readonly nodeSetsWhere: string;
  readonly output: { readonly spikesFile: string; readonly sorting: SonataSpikeSorting };
  /** cortexgpu's own block of an exported simulation config: seed and inputs.json. */
  readonly cortexgpu: { readonly seed?: number; readonly inputs: readonly JsonObject[]; readonly inputsFile: string } | null;
  readonly notes: string[];
}

function asObject(value: Json, where: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`${where} must be an object (got ${JSON.stringify(value)}).`);
  return value as JsonObject;
}

async function readSonata(files: FileAccess, path: string): Promise<Sonata> {
  const { basename, resolve } = files.path;
  const top = await loadConfig(files, path, 'SONATA config');
  const configs: LoadedConfig[] = [top];
  if (top.json['network'] !== undefined) configs.push(await loadConfig(files, configPath(top, top.json['network'], '"network" (the circuit config)'), 'circuit config'));
  const notes: string[] = [];
  const nodes: NetworkFiles[] = [];
  const edges: NetworkFiles[] = [];
  const components = new Map<string, { dir: string; where: string }>();
  // The simulation config's entries come first and win (as a circuit's own would be overridden).
  for (const config of configs) {
    const networks = config.json['networks'];
    if (networks !== undefined) {
      const n = asObject(networks, `${config.path}: "networks"`);
      for (const key of ['nodes', 'edges'] as const) {
        const list = n[key] ?? [];
        if (!Array.isArray(list)) fail(`${config.path}: networks.${key} must be a list of {"${key}_file": …, "${key === 'nodes' ? 'node' : 'edge'}_types_file": …} (got ${JSON.stringify(list)}).`);
        (list as Json[]).forEach((entry, i) => {
          const where = `${config.path}: networks.${key}[${i}]`;
          const e = asObject(entry, where);
          const h5Key = `${key}_file`;
          const typesKey = `${key === 'nodes' ? 'node' : 'edge'}_types_file`;
          if (e[h5Key] === undefined) fail(`${where}.${h5Key} is missing; give the HDF5 file of the ${key}.`);
          if (e[typesKey] === undefined) fail(`${where}.${typesKey} is missing; give the ${key === 'nodes' ? 'node' : 'edge'} types CSV file.`);
          const files = { h5: configPath(config, e[h5Key], `networks.${key}[${i}].${h5Key}`), types: configPath(config, e[typesKey], `networks.${key}[${i}].${typesKey}`), where };
          // The same pair listed by both configs counts once.
          const known = key === 'nodes' ? nodes : edges;
          if (!known.some((f) => resolve(f.h5) === resolve(files.h5) && resolve(f.types) === resolve(files.types))) known.push(files);
        });
      }
    }
    const comps = config.json['components'];
    if (comps !== undefined) {
      for (const [key, value] of Object.entries(asObject(comps, `${config.path}: "components"`))) {
        if (!components.has(key)) components.set(key, { dir: configPath(config, value, `components.${key}`), where: `${config.path}: components.${key}` });
      }
    }
  }
  if (nodes.length === 0) {
    fail(`${path}: no node populations: the config needs "networks": {"nodes": [{"nodes_file": …, "node_types_file": …}]} (a circuit config) or "network": "circuit_config.json" (a simulation config).`);
  }

  // Run parameters.
  let run: Sonata['run'] = null;
  const runJson = top.json['run'];
  if (runJson !== undefined) {
    const r = asObject(runJson, `${top.path}: "run"`);
    const number = (key: string): number | undefined => {
      const v = r[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`${top.path}: run.${key} must be a number of ms (got ${JSON.stringify(v)}).`);
      return v;
    };
    const dt = number('dt');
    const tstop = number('tstop');
    const duration = number('duration');
    const tstart = number('tstart') ?? 0;
    if (dt !== undefined && !(dt > 0 && dt <= 10)) fail(`${top.path}: run.dt must be in (0, 10] ms (got ${dt}); give the integration step in ms.`);
    const end = tstop ?? (duration !== undefined ? tstart + duration : undefined);
    if (end !== undefined && !(end > tstart)) fail(`${top.path}: run.tstop must be after run.tstart (got tstart ${tstart} ms, tstop ${end} ms).`);
    if (tstart !== 0) notes.push(`run.tstart = ${tstart} ms: the run simulates ${end !== undefined ? end - tstart : '?'} ms from time 0`);
    run = { ...(dt !== undefined ? { dt } : {}), ...(end !== undefined ? { durationMs: end - tstart } : {}), where: `${top.path}: run` };
  }

  // Inputs, node sets and output.
  const inputs: Sonata['inputs'][number][] = [];
  const inputsJson = top.json['inputs'];
  if (inputsJson !== undefined) {
    for (const [name, spec] of Object.entries(asObject(inputsJson, `${top.path}: "inputs"`))) inputs.push({ name, spec: asObject(spec, `${top.path}: inputs.${name}`), config: top });
  }
  let nodeSets: Record<string, Json> = {};
  let nodeSetsWhere = `${top.path}: node_sets`;
  if (top.json['node_sets_file'] !== undefined) {
    const file = configPath(top, top.json['node_sets_file'], 'node_sets_file');
    nodeSets = asObject(await readJsonFile(files, file, 'node sets file'), `node sets file '${file}'`);
    nodeSetsWhere = `node sets file '${file}'`;
  } else if (top.json['node_sets'] !== undefined) {
    nodeSets = asObject(top.json['node_sets'], `${top.path}: "node_sets"`);
  }
  let spikesFile = 'spikes.h5';
  let sorting: SonataSpikeSorting = 'by_time';
  const output = top.json['output'];
  if (output !== undefined) {
    const o = asObject(output, `${top.path}: "output"`);
    if (typeof o['spikes_file'] === 'string' && /\.h5$/i.test(o['spikes_file'])) spikesFile = basename(o['spikes_file']);
    const order = o['spikes_sort_order'];
    if (order !== undefined) {
      const map: Record<string, SonataSpikeSorting> = { time: 'by_time', by_time: 'by_time', id: 'by_id', node_id: 'by_id', by_id: 'by_id', none: 'none' };
      if (typeof order !== 'string' || !Object.hasOwn(map, order)) fail(`${top.path}: output.spikes_sort_order must be "time", "id" or "none" (got ${JSON.stringify(order)}).`);
      sorting = map[order as string]!;
    }
  }
  for (const key of ['reports', 'conditions']) if (top.json[key] !== undefined) notes.push(`"${key}" of ${top.path} is not used (cortexgpu records the spikes of every non-virtual population)`);
  let cortexgpu: Sonata['cortexgpu'] = null;
  if (top.json['cortexgpu'] !== undefined) {
    const c = asObject(top.json['cortexgpu'], `${top.path}: "cortexgpu"`);
    const seed = c['seed'];
    if (seed !== undefined && !(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= 2 ** 32 - 1)) fail(`${top.path}: cortexgpu.seed must be an integer from 0 to 2^32 − 1 (got ${JSON.stringify(seed)}).`);
    let list: JsonObject[] = [];
    let inputsFile = '';
    if (c['inputs_file'] !== undefined) {
      inputsFile = configPath(top, c['inputs_file'], 'cortexgpu.inputs_file');
      const json = await readJsonFile(files, inputsFile, 'inputs file');
      if (!Array.isArray(json)) fail(`inputs file '${inputsFile}' must hold a list of inputs ({"population", "type": "poisson" | "dc", …}), as cortexgpu export writes it.`);
      list = (json as Json[]).map((entry, i) => asObject(entry, `inputs file '${inputsFile}' entry ${i}`));
    }
    cortexgpu = { ...(seed !== undefined ? { seed: seed as number } : {}), inputs: list, inputsFile };
  }
  return { files, configPath: path, nodes, edges, components, run, inputs, nodeSets, nodeSetsWhere, output: { spikesFile, sorting }, cortexgpu, notes };
}

// ---------------------------------------------------------------------------------------------
// Type CSVs

/** A types CSV: its columns and one record per row (missing values, `NULL` and `NONE` undefined). */
interface TypesTable {
  readonly path: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyMap<number, Readonly<Record<string, string | undefined>>>;
}

/** Split a space-delimited line, honouring double quotes. */
function splitFields(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"]|"")*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) out.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!);
  return out;
}

async function readTypes(files: FileAccess, path: string, idColumn: 'node_type_id' | 'edge_type_id', required: readonly string[]): Promise<TypesTable> {
  const kind = idColumn === 'node_type_id' ? 'node types' : 'edge types';
  const text = await readText(files, path, `${kind} file`);
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) fail(`${kind} file '${path}' is empty; it needs a header line (${[idColumn, ...required].join(' ')} …) and one line per type.`);
  const columns = splitFields(lines[0]!);
  for (const column of [idColumn, ...required]) {
    if (!columns.includes(column)) fail(`${kind} file '${path}' has no column '${column}' (columns: ${columns.join(', ')}); add it to the header and give each type's value (space-delimited).`);
  }
  const rows = new Map<number, Record<string, string | undefined>>();
  lines.slice(1).forEach((line, i) => {
    const fields = splitFields(line);
    if (fields.length !== columns.length) fail(`${kind} file '${path}' line ${i + 2} has ${fields.length} fields but the header has ${columns.length} columns (${columns.join(' ')}); separate fields by spaces and quote values that contain spaces.`);
    const row: Record<string, string | undefined> = {};
    columns.forEach((c, k) => {
      const v = fields[k]!;
      row[c] = v === '' || v === 'NULL' || v === 'NONE' || v === 'None' ? undefined : v;
    });
    const id = Number(row[idColumn]);
    if (!Number.isInteger(id)) fail(`${kind} file '${path}' line ${i + 2}: ${idColumn} must be an integer (got ${JSON.stringify(row[idColumn])}).`);
    if (rows.has(id)) fail(`${kind} file '${path}' line ${i + 2}: ${idColumn} ${id} appears twice; give each type one line.`);
    rows.set(id, row);
  });
  return { path, columns, rows };
}

// ---------------------------------------------------------------------------------------------
// HDF5 helpers

/** An integer dataset, checked to exist, with the fix named when it does not. */
function integers(h5: Hdf5Reader, path: string, what: string): Float64Array {
  if (h5.kind(path) !== 'dataset') fail(`'${h5.path}' has no dataset ${path}${h5.kind(path) === 'missing' ? '' : ` (it is a ${h5.kind(path)})`}; SONATA needs ${what}: write it (e.g. with h5py) as an integer dataset.`);
  return h5.numbers(path, 'integer').values;
}

function numbersOf(h5: Hdf5Reader, path: string): Float64Array {
  return h5.numbers(path, 'number').values;
}

function sameLength(h5: Hdf5Reader, a: string, na: number, b: string, nb: number): void {
  if (na !== nb) fail(`'${h5.path}': ${b} has ${nb} entries but ${a} has ${na}; give one entry per ${a.includes('/edges/') ? 'edge' : 'node'} in both.`);
}

/**
 * Which group, and which row of it, each of the `n` nodes or edges of a population is in:
 * `<kind>_group_id` and `<kind>_group_index` (each as long as `lengthPath`), or, when neither is
 * written, the population's only group in file order.
 * @throws SonataImportError naming the file and dataset when one of the two is missing or
 *   malformed, or when several groups exist without them
 */
function groupMembership(h5: Hdf5Reader, file: string, base: string, kind: 'node' | 'edge', lengthPath: string, n: number): { groupNames: string[]; groupIds: Float64Array; groupIndex: Float64Array } {
  const groupNames = numberedGroups(h5, base);
  if (h5.kind(`${base}/${kind}_group_id`) === 'dataset' || h5.kind(`${base}/${kind}_group_index`) === 'dataset') {
    const groupIds = integers(h5, `${base}/${kind}_group_id`, `${kind}_group_id (one per ${kind}, with ${kind}_group_index)`);
    const groupIndex = integers(h5, `${base}/${kind}_group_index`, `${kind}_group_index (one per ${kind}, with ${kind}_group_id)`);
    sameLength(h5, lengthPath, n, `${base}/${kind}_group_id`, groupIds.length);
    sameLength(h5, lengthPath, n, `${base}/${kind}_group_index`, groupIndex.length);
    return { groupNames, groupIds, groupIndex };
  }
  if (groupNames.length > 1) fail(`'${file}' ${base} has groups ${groupNames.join(', ')} but no ${kind}_group_id / ${kind}_group_index datasets saying which ${kind} is in which; write both (one entry per ${kind}).`);
  return {
    groupNames,
    groupIds: new Float64Array(n).fill(groupNames.length === 1 ? Number(groupNames[0]) : 0),
    groupIndex: Float64Array.from({ length: n }, (_, i) => i),
  };
}

/** The numbered groups (`0`, `1`, …) of a node or edge population. */
function numberedGroups(h5: Hdf5Reader, path: string): string[] {
  return h5.keys(path).filter((key) => /^\d+$/.test(key) && h5.kind(`${path}/${key}`) === 'group');
}

/** Rows of a 1-D dataset of numbers or text (undefined for other kinds, which the import does not read). */
function rowCount(h5: Hdf5Reader, path: string): number | undefined {
  try {
    const c = h5.column(path);
    return Array.isArray(c) ? c.length : c.values.length;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Nodes

/** A spec population in the making: nodes of one node type (and per-node model) of one SONATA population. */
interface PopulationDraft {
  key: string;
  name: string;
  readonly sonataPopulation: string;
  readonly typeId: number;
  readonly modelType: string;
  readonly modelTemplate: string | undefined;
  readonly dynamicsParams: string | undefined;
  readonly label: string | undefined;
  /** The node types file(s) it comes from, for messages. */
  readonly typesFile: string;
  nodeIds: number[];
  /** Filled in when the population is resolved. */
  model?: NeuronModelDef;
  params?: Record<string, number>;
  initial?: Record<string, number | number[]>;
  spikeTimes?: number[][];
}

/** A SONATA node population: its size and where each node went. */
interface NodePopulation {
  readonly name: string;
  readonly size: number;
  readonly file: string;
  /** Draft index of each node. */
  readonly draftOf: Int32Array;
  /** Index of each node in its draft population. */
  readonly localOf: Uint32Array;
  /** Per-node dynamics_params datasets: NEST name → values by node (NaN where the node's group lacks it). */
  readonly perNode: ReadonlyMap<string, { readonly values: Float64Array; readonly dataset: string }>;
}

const POINT_TYPES = ['point_process', 'point_neuron'];

/** NEST model name → built-in model, from NEST_MODEL_OF (model → NEST name) inverted. */
const BUILTIN_OF_NEST: ReadonlyMap<string, string> = new Map(Object.entries(NEST_MODEL_OF).map(([model, nest]) => [nest, model]));

function supportedTemplates(): string {
  return [...BUILTIN_OF_NEST].map(([nest, model]) => `nest:${nest} (${model})`).join(', ');
}

async function readNodes(sonata: Sonata): Promise<{ drafts: PopulationDraft[]; populations: Map<string, NodePopulation> }> {
  const drafts: PopulationDraft[] = [];
  const populations = new Map<string, NodePopulation>();
  // A nodes file listed in several entries (one per node types file) takes the types of all of them.
  const byFile = new Map<string, NetworkFiles[]>();
  const { resolve } = sonata.files.path;
  for (const files of sonata.nodes) byFile.set(resolve(files.h5), [...(byFile.get(resolve(files.h5)) ?? []), files]);
  for (const entries of byFile.values()) {
    const files = entries.length === 1 ? entries[0]! : { ...entries[0]!, types: entries.map((e) => e.types).join("' and '") };
    const types = await mergedTypes(sonata.files, entries.map((e) => e.types));
    const h5 = await openSonataHdf5(sonata.files, files.h5, 'nodes file', files.where);
    try {
      if (h5.kind('/nodes') !== 'group') fail(`'${files.h5}' has no group /nodes; a SONATA nodes file holds /nodes/<population>/node_type_id, … (given in ${files.where}).`);
      for (const pop of h5.keys('/nodes')) {
        if (h5.kind(`/nodes/${pop}`) !== 'group') continue;
        if (populations.has(pop)) fail(`node population '${pop}' is in '${files.h5}' and in '${populations.get(pop)!.file}'; give each population once.`);
        const base = `/nodes/${pop}`;
        const typeIds = integers(h5, `${base}/node_type_id`, 'one node_type_id per node');
        const n = typeIds.length;
        if (h5.kind(`${base}/node_id`) === 'dataset') {
          const ids = integers(h5, `${base}/node_id`, 'node ids');
          sameLength(h5, `${base}/node_type_id`, n, `${base}/node_id`, ids.length);
          const bad = ids.findIndex((v, i) => v !== i);
          if (bad >= 0) fail(`'${files.h5}' ${base}/node_id[${bad}] = ${ids[bad]}: node ids must be 0, 1, 2, … in order (SONATA ≥ 0.1 numbers nodes by their row); renumber them or leave node_id out.`);
        }
        const { groupNames, groupIds, groupIndex } = groupMembership(h5, files.h5, base, 'node', `${base}/node_type_id`, n);
        // Per-node attributes of each group used: model overrides and dynamics_params values.
        const groups = new Map<number, { strings: Map<string, string[]>; dynamics: Map<string, Float64Array>; length: number | undefined; path: string }>();
        for (const g of new Set(groupIds)) {
          const gPath = `${base}/${g}`;
          const strings = new Map<string, string[]>();
          const dynamics = new Map<string, Float64Array>();
          let length: number | undefined;
          let lengthFrom = '';
          const note = (dataset: string, count: number): void => {
            if (length === undefined) {
              length = count;
              lengthFrom = dataset;
            } else if (count !== length) fail(`'${files.h5}': ${dataset} has ${count} entries but ${lengthFrom} has ${length}; every dataset of group ${gPath} needs one entry per node of the group.`);
          };
          if (h5.kind(gPath) === 'group') {
            for (const key of h5.keys(gPath)) {
              const path = `${gPath}/${key}`;
              if (['model_type', 'model_template', 'dynamics_params'].includes(key) && h5.kind(path) === 'dataset') {
                const values = h5.strings(path);
                note(path, values.length);
                strings.set(key, values);
              } else if (key === 'dynamics_params' && h5.kind(path) === 'group') {
                for (const name of h5.keys(path)) {
                  if (h5.kind(`${path}/${name}`) !== 'dataset') continue;
                  const values = numbersOf(h5, `${path}/${name}`);
                  note(`${path}/${name}`, values.length);
                  dynamics.set(name, values);
                }
              } else if (h5.kind(path) === 'dataset') {
                const count = rowCount(h5, path);
                if (count !== undefined) note(path, count);
              }
            }
          } else if (groupNames.length > 0) {
            fail(`'${files.h5}': node_group_id names group ${g} but ${gPath} does not exist (groups: ${groupNames.join(', ') || 'none'}); write the group or fix node_group_id.`);
          }
          groups.set(g, { strings, dynamics, length, path: gPath });
        }
        const draftOf = new Int32Array(n);
        const localOf = new Uint32Array(n);
        const byKey = new Map<string, number>();
        const perNode = new Map<string, { values: Float64Array; dataset: string }>();
        for (let i = 0; i < n; i++) {
          const typeId = typeIds[i]!;
          const row = types.rows.get(typeId);
          if (row === undefined) fail(`'${files.h5}' ${base}/node_type_id[${i}] = ${typeId} is not a node type of '${files.types}' (types: ${[...types.rows.keys()].join(', ')}); add the type or fix the id.`);
          const group = groups.get(groupIds[i]!)!;
          const index = groupIndex[i]!;
          if (group.length !== undefined && (index < 0 || index >= group.length)) {
            fail(`'${files.h5}' ${base}/node_group_index[${i}] = ${index} is beyond group ${group.path}, which has ${group.length} rows; node_group_index must be below the group's dataset lengths.`);
          }
          const attr = (key: string): string | undefined => group.strings.get(key)?.[index] ?? row![key];
          const modelType = attr('model_type');
          if (modelType === undefined) fail(`node type ${typeId} of '${files.types}' has no model_type (and ${group.path} gives none per node); add a model_type column (point_process, or virtual for spike sources).`);
          const modelTemplate = attr('model_template');
          const dynamicsParams = attr('dynamics_params');
          const key = `${typeId}|${modelType}|${modelTemplate ?? ''}|${dynamicsParams ?? ''}`;
          let d = byKey.get(key);
          if (d === undefined) {
            d = drafts.length;
            byKey.set(key, d);
            drafts.push({ key, name: '', sonataPopulation: pop, typeId, modelType: modelType!, modelTemplate, dynamicsParams, label: row!['pop_name'], typesFile: types.path, nodeIds: [] });
          }
          const draft = drafts[d]!;
          draftOf[i] = d;
          localOf[i] = draft.nodeIds.length;
          draft.nodeIds.push(i);
          for (const [name, values] of group.dynamics) {
            let entry = perNode.get(name);
            if (entry === undefined) {
              entry = { values: new Float64Array(n).fill(Number.NaN), dataset: `${base}/<group>/dynamics_params/${name}` };
              perNode.set(name, entry);
            }
            entry.values[i] = values[index]!;
          }
        }
        populations.set(pop, { name: pop, size: n, file: files.h5, draftOf, localOf, perNode });
      }
    } finally {
      h5.close();
    }
  }
  nameDrafts(drafts);
  return { drafts, populations };
}

/** The node types of one or more CSV files (a type id given twice is refused). */
async function mergedTypes(files: FileAccess, paths: readonly string[]): Promise<TypesTable> {
  const tables = await Promise.all(paths.map((p) => readTypes(files, p, 'node_type_id', [])));
  if (tables.length === 1) return tables[0]!;
  const rows = new Map<number, Readonly<Record<string, string | undefined>>>();
  const from = new Map<number, string>();
  for (const t of tables) {
    for (const [id, row] of t.rows) {
      if (rows.has(id)) fail(`node type ${id} is in '${from.get(id)}' and in '${t.path}', which describe the same nodes file; give each type once.`);
      rows.set(id, row);
      from.set(id, t.path);
    }
  }
  return { path: paths.join("' and '"), columns: [...new Set(tables.flatMap((t) => t.columns))], rows };
}

/** Open an HDF5 file of the network, naming the config entry when it cannot be read. */
async function openSonataHdf5(files: FileAccess, path: string, what: string, where: string): Promise<Hdf5Reader> {
  try {
    return await files.openHdf5(path);
  } catch (error) {
    if (error instanceof Hdf5Error) return fail(`${what} of ${where}: ${error.message.replace(/ give an NWB 2\.x file .*$/, ' give a SONATA HDF5 file.')}`);
    throw error;
  }
}

/** A valid spec name from any text: letters, digits and _, starting with a letter, at most 64 characters. */
function specName(text: string): string {
  const name = text.replace(/[^A-Za-z0-9_]/g, '_').replace(/^[^A-Za-z]+/, '');
  return (name === '' ? `p_${text.replace(/[^A-Za-z0-9_]/g, '_')}` : name).slice(0, 64);
}

/** Unique names from a list of wishes (suffixes _2, _3, … on clashes). */
function uniqueNames(wishes: readonly string[]): string[] {
  const taken = new Set<string>();
  return wishes.map((wish) => {
    let name = specName(wish);
    for (let k = 2; taken.has(name); k++) name = `${specName(wish).slice(0, 60)}_${k}`;
    taken.add(name);
    return name;
  });
}

/** Spec population names: the SONATA population's name, or with the node type's pop_name (else its id) when it holds several. */
function nameDrafts(drafts: PopulationDraft[]): void {
  const wishes = drafts.map((d) => {
    const siblings = drafts.filter((o) => o.sonataPopulation === d.sonataPopulation);
    if (siblings.length === 1) return d.sonataPopulation;
    const labels = siblings.map((o) => o.label);
    const labelUnique = d.label !== undefined && labels.filter((l) => l === d.label).length === 1;
    return `${d.sonataPopulation}_${labelUnique ? d.label! : `type${d.typeId}`}`;
  });
  uniqueNames(wishes).forEach((name, i) => (drafts[i]!.name = name));
}

/** Resolve each draft's model, parameters and initial state. */
async function resolveModels(sonata: Sonata, drafts: PopulationDraft[], populations: Map<string, NodePopulation>): Promise<void> {
  const jsonCache = new Map<string, JsonObject>();
  for (const d of drafts) {
    const where = `node type ${d.typeId} of population '${d.sonataPopulation}' ('${d.typesFile}')`;
    if (d.modelType === 'virtual') {
      d.model = NEURON_MODELS.spike_source_array;
      continue;
    }
    if (d.modelType === 'biophysical') {
      fail(`${where} is biophysical (model_template ${d.modelTemplate ?? 'none'}): cortexgpu simulates point neurons only; use point_process nodes with a nest: template (bmtk PointNet), or run this network with NEURON (bmtk BioNet).`);
    }
    if (!POINT_TYPES.includes(d.modelType)) {
      fail(`${where} has model_type '${d.modelType}', which cortexgpu does not simulate; use point_process (or point_neuron) nodes with a nest: template, or virtual nodes for spike sources.`);
    }
    const template = d.modelTemplate;
    if (template === undefined) fail(`${where} (point_process) has no model_template; give one of ${supportedTemplates()} in the node types file.`);
    const nestName = /^nest:/.test(template!) ? template!.slice(5) : undefined;
    const builtin = nestName !== undefined ? BUILTIN_OF_NEST.get(nestName) : undefined;
    if (builtin === undefined) {
      fail(`${where} has model_template '${template}', which cortexgpu does not have; supported templates: ${supportedTemplates()}.`);
    }
    const model = NEURON_MODELS[builtin as keyof typeof NEURON_MODELS];
    d.model = model;
    const names = nestNamesOf(model);
    const params: Record<string, number> = {};
    const initial: Record<string, number | number[]> = {};
    const set = (nest: string, value: Json, source: string): void => {
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${source}: '${nest}' must be a number (got ${JSON.stringify(value)}); NEST parameters are numbers in NEST's units (ms, mV, pA, nS, pF).`);
      const param = names.params.get(nest);
      const state = names.state.get(nest);
      if (param !== undefined) params[param] = value as number;
      else if (state !== undefined) initial[state] = value as number;
      else {
        fail(`${source}: '${nest}' is not a parameter of nest:${nestName} as cortexgpu's ${model.name} has it (parameters: ${[...names.params.keys()].join(', ')}; initial state: ${[...names.state.keys()].join(', ')}); remove it or use another template.`);
      }
    };
    // NEST's defaults first, then the type's parameter file, then per-node values.
    for (const [nest, value] of Object.entries(NEST_DEFAULTS_OF[model.name] ?? {})) set(nest, value, `NEST defaults of ${nestName}`);
    if (d.dynamicsParams !== undefined) {
      const comp = sonata.components.get('point_neuron_models_dir');
      if (comp === undefined) fail(`${where} names dynamics_params '${d.dynamicsParams}', but the config has no components.point_neuron_models_dir; add "components": {"point_neuron_models_dir": "…"} to ${sonata.configPath} or its circuit config.`);
      if ((await sonata.files.kind(comp!.dir)) !== 'folder') fail(`${comp!.where} is '${comp!.dir}', which is not a folder; give the folder holding the NEST parameter files (${d.dynamicsParams}).`);
      const file = sonata.files.path.isAbsolute(d.dynamicsParams!) ? d.dynamicsParams! : sonata.files.path.join(comp!.dir, d.dynamicsParams!);
      let json = jsonCache.get(file);
      if (json === undefined) {
        json = asObject(await readJsonFile(sonata.files, file, `dynamics_params file of ${where}`), `dynamics_params file '${file}'`);
        jsonCache.set(file, json);
      }
      for (const [nest, value] of Object.entries(json)) set(nest, value, `dynamics_params file '${file}'`);
    }
    // Per-node values (group dynamics_params): state becomes per-neuron initial values;
    // parameters must be the same for every node of the population.
    const pop = populations.get(d.sonataPopulation)!;
    for (const [nest, { values, dataset }] of pop.perNode) {
      const perNeuron = d.nodeIds.map((id) => values[id]!);
      if (perNeuron.every((v) => Number.isNaN(v))) continue;
      const state = names.state.get(nest);
      const param = names.params.get(nest);
      if (state !== undefined) {
        const fallback = initial[state];
        const missing = perNeuron.findIndex((v) => Number.isNaN(v));
        if (missing >= 0 && typeof fallback !== 'number') fail(`'${pop.file}' ${dataset}: node ${d.nodeIds[missing]} has no value and ${where} gives no default; give every node of the type a value.`);
        initial[state] = perNeuron.map((v) => (Number.isNaN(v) ? (fallback as number) : v));
        if (!perNeuron.every((v) => Number.isFinite(v) || Number.isNaN(v))) fail(`'${pop.file}' ${dataset} holds a value that is not finite; give finite values.`);
      } else if (param !== undefined) {
        const first = perNeuron[0]!;
        const other = perNeuron.findIndex((v) => v !== first && !(Number.isNaN(v) && Number.isNaN(first)));
        if (other >= 0) {
          fail(`'${pop.file}' ${dataset}: parameter ${nest} differs between nodes of ${where} (${first} and ${perNeuron[other]}); cortexgpu's populations share their parameters: give nodes with different ${nest} different node types.`);
        }
        if (!Number.isNaN(first)) set(nest, first, `'${pop.file}' ${dataset}`);
      } else {
        fail(`'${pop.file}' ${dataset}: '${nest}' is not a parameter of nest:${nestName} as cortexgpu's ${model.name} has it (parameters: ${[...names.params.keys()].join(', ')}; initial state: ${[...names.state.keys()].join(', ')}); remove it.`);
      }
    }
    d.params = params;
    d.initial = initial;
  }
}

// ---------------------------------------------------------------------------------------------
// Edges

/** Synapses of one (source population, target population, receptor) bucket, in list order. */
interface EdgeBucket {
  readonly edgePopulation: string;
  readonly source: number;
  readonly target: number;
  readonly receptor: Receptor;
  count: number;
  sources?: Uint32Array;
  targets?: Uint32Array;
  weights?: Float64Array;
  delays?: Float64Array;
}

/** Per edge type: synapse model check and the weight, delay and nsyns it gives its edges. */
interface EdgeTypeValues {
  readonly weight: number | undefined;
  readonly delay: number | undefined;
  readonly nsyns: number | undefined;
}

const SYNAPSE_KEYS = new Set(['weight', 'syn_weight', 'delay', 'nsyns', 'synapse_model', 'model_template']);

async function edgeTypeValues(sonata: Sonata, types: TypesTable): Promise<Map<number, EdgeTypeValues>> {
  const out = new Map<number, EdgeTypeValues>();
  for (const [id, row] of types.rows) {
    const where = `edge type ${id} of '${types.path}'`;
    const template = row['model_template'] ?? 'static_synapse';
    if (template.replace(/^nest:/, '') !== 'static_synapse') {
      fail(`${where} uses model_template '${template}': cortexgpu imports static synapses only (static_synapse); use static_synapse or leave the column out.`);
    }
    // bmtk PointNet's default weight function is syn_weight × nsyns, what the import computes.
    if (row['weight_function'] !== undefined && row['weight_function'] !== 'default_weight_fnc') {
      fail(`${where} has weight_function '${row['weight_function']}': cortexgpu cannot run bmtk's Python weight functions; write each edge's final weight into syn_weight and remove the column.`);
    }
    const num = (key: string, value: string | undefined): number | undefined => {
      if (value === undefined) return undefined;
      const v = Number(value);
      if (!Number.isFinite(v)) fail(`${where}: ${key} must be a number (got ${JSON.stringify(value)}).`);
      return v;
    };
    let weight = num('syn_weight', row['syn_weight']);
    let delay = num('delay', row['delay']);
    let nsyns = num('nsyns', row['nsyns']);
    const dyn = row['dynamics_params'];
    if (dyn !== undefined) {
      const comp = sonata.components.get('synaptic_models_dir');
      if (comp === undefined) fail(`${where} names dynamics_params '${dyn}', but the config has no components.synaptic_models_dir; add "components": {"synaptic_models_dir": "…"} to ${sonata.configPath} or its circuit config.`);
      if ((await sonata.files.kind(comp!.dir)) !== 'folder') fail(`${comp!.where} is '${comp!.dir}', which is not a folder; give the folder holding the synapse parameter files (${dyn}).`);
      const file = sonata.files.path.isAbsolute(dyn) ? dyn : sonata.files.path.join(comp!.dir, dyn);
      const json = asObject(await readJsonFile(sonata.files, file, `dynamics_params file of ${where}`), `dynamics_params file '${file}'`);
      for (const [key, value] of Object.entries(json)) {
        if (!SYNAPSE_KEYS.has(key)) fail(`dynamics_params file '${file}' (${where}): '${key}' is not a parameter of a static synapse cortexgpu takes (weight, delay, nsyns); remove it.`);
        if (key === 'synapse_model' || key === 'model_template') {
          if (String(value).replace(/^nest:/, '') !== 'static_synapse') fail(`dynamics_params file '${file}' (${where}) sets ${key} '${String(value)}': cortexgpu imports static synapses only.`);
          continue;
        }
        if (typeof value !== 'number' || !Number.isFinite(value)) fail(`dynamics_params file '${file}' (${where}): '${key}' must be a number (got ${JSON.stringify(value)}).`);
        // NEST: the JSON updates the CSV's values.
        if (key === 'weight' || key === 'syn_weight') weight = value as number;
        else if (key === 'delay') delay = value as number;
        else nsyns = value as number;
      }
    }
    out.set(id, { weight, delay, nsyns });
  }
  return out;
}

async function readEdges(sonata: Sonata, dtMs: number, drafts: PopulationDraft[], populations: Map<string, NodePopulation>): Promise<EdgeBucket[]> {
  const buckets: EdgeBucket[] = [];
  const seen = new Map<string, string>();
  for (const files of sonata.edges) {
    const types = await readTypes(sonata.files, files.types, 'edge_type_id', []);
    const typeValues = await edgeTypeValues(sonata, types);
    const h5 = await openSonataHdf5(sonata.files, files.h5, 'edges file', files.where);
    try {
      if (h5.kind('/edges') !== 'group') fail(`'${files.h5}' has no group /edges; a SONATA edges file holds /edges/<population>/source_node_id, … (given in ${files.where}).`);
      for (const edgePop of h5.keys('/edges')) {
        const base = `/edges/${edgePop}`;
        if (h5.kind(base) !== 'group') continue;
        if (seen.has(edgePop)) fail(`edge population '${edgePop}' is in '${files.h5}' and in '${seen.get(edgePop)}'; give each population once.`);
        seen.set(edgePop, files.h5);
        const src = integers(h5, `${base}/source_node_id`, 'source_node_id (one per edge)');
        const tgt = integers(h5, `${base}/target_node_id`, 'target_node_id (one per edge)');
        const n = src.length;
        sameLength(h5, `${base}/source_node_id`, n, `${base}/target_node_id`, tgt.length);
        const endPopulation = (dataset: string): NodePopulation => {
          const name = h5.stringAttribute(`${base}/${dataset}`, 'node_population');
          if (name === undefined) fail(`'${files.h5}' ${base}/${dataset} has no attribute node_population; SONATA names the node population of the ids there: add it (h5py: ds.attrs['node_population'] = 'NAME').`);
          const pop = populations.get(name!);
          if (pop === undefined) fail(`'${files.h5}' ${base}/${dataset}: node_population '${name}' is not a node population of the network (populations: ${[...populations.keys()].join(', ')}); fix the attribute or add its nodes file to networks.nodes.`);
          return pop!;
        };
        const sPop = endPopulation('source_node_id');
        const tPop = endPopulation('target_node_id');
        const typeIds = integers(h5, `${base}/edge_type_id`, 'edge_type_id (one per edge)');
        sameLength(h5, `${base}/source_node_id`, n, `${base}/edge_type_id`, typeIds.length);
        const { groupNames, groupIds, groupIndex } = groupMembership(h5, files.h5, base, 'edge', `${base}/source_node_id`, n);
        const groups = new Map<number, { weight?: Float64Array; delay?: Float64Array; nsyns?: Float64Array; length: number | undefined; path: string }>();
        for (const g of new Set(groupIds)) {
          const gPath = `${base}/${g}`;
          const entry: { weight?: Float64Array; delay?: Float64Array; nsyns?: Float64Array; length: number | undefined; path: string } = { length: undefined, path: gPath };
          if (h5.kind(gPath) === 'group') {
            let lengthFrom = '';
            for (const key of h5.keys(gPath)) {
              const path = `${gPath}/${key}`;
              if (key === 'dynamics_params' && h5.kind(path) === 'group' && h5.keys(path).length > 0) {
                fail(`'${files.h5}' ${path}: per-edge synapse parameters (${h5.keys(path).join(', ')}) are not supported; static synapses take syn_weight and delay (per edge in ${gPath}, or per type).`);
              }
              if (h5.kind(path) !== 'dataset') continue;
              const values = key === 'syn_weight' || key === 'delay' || key === 'nsyns' ? numbersOf(h5, path) : undefined;
              const count = values?.length ?? rowCount(h5, path);
              if (count === undefined) continue;
              if (entry.length === undefined) {
                entry.length = count;
                lengthFrom = path;
              } else if (count !== entry.length) fail(`'${files.h5}': ${path} has ${count} entries but ${lengthFrom} has ${entry.length}; every dataset of group ${gPath} needs one entry per edge of the group.`);
              if (key === 'syn_weight') entry.weight = values!;
              else if (key === 'delay') entry.delay = values!;
              else if (key === 'nsyns') entry.nsyns = values!;
            }
          } else if (groupNames.length > 0) {
            fail(`'${files.h5}': edge_group_id names group ${g} but ${gPath} does not exist (groups: ${groupNames.join(', ') || 'none'}); write the group or fix edge_group_id.`);
          }
          groups.set(g, entry);
        }
        // Every edge's (bucket, weight, delay): one pass to count, one to fill.
        const bucketOf = new Int32Array(n);
        const weights = new Float64Array(n);
        const delays = new Float64Array(n);
        // Bucket by (source population, target population, sign), keyed by number: this loop runs once per edge.
        const index = new Map<number, number>();
        let lastType = Number.NaN;
        let type: EdgeTypeValues | undefined;
        let lastGroup = Number.NaN;
        let group = groups.values().next().value!;
        const virtualDraft = drafts.map((d) => d.modelType === 'virtual');
        for (let k = 0; k < n; k++) {
          const s = src[k]!;
          const t = tgt[k]!;
          if (s < 0 || s >= sPop.size) fail(`'${files.h5}' ${base}/source_node_id[${k}] = ${s} is out of range: population '${sPop.name}' has ${sPop.size} nodes (ids 0 … ${sPop.size - 1}); fix the id or the node_population attribute.`);
          if (t < 0 || t >= tPop.size) fail(`'${files.h5}' ${base}/target_node_id[${k}] = ${t} is out of range: population '${tPop.name}' has ${tPop.size} nodes (ids 0 … ${tPop.size - 1}); fix the id or the node_population attribute.`);
          if (typeIds[k] !== lastType) {
            lastType = typeIds[k]!;
            type = typeValues.get(lastType);
          }
          if (type === undefined) fail(`'${files.h5}' ${base}/edge_type_id[${k}] = ${typeIds[k]} is not an edge type of '${files.types}' (types: ${[...typeValues.keys()].join(', ')}); add the type or fix the id.`);
          if (groupIds[k] !== lastGroup) {
            lastGroup = groupIds[k]!;
            group = groups.get(lastGroup)!;
          }
          const gi = groupIndex[k]!;
          if (group.length !== undefined && (gi < 0 || gi >= group.length)) {
            fail(`'${files.h5}' ${base}/edge_group_index[${k}] = ${gi} is beyond group ${group.path}, which has ${group.length} rows; edge_group_index must be below the group's dataset lengths.`);
          }
          const w = group.weight?.[gi] ?? type!.weight ?? 1;
          const nsyns = group.nsyns?.[gi] ?? type!.nsyns ?? 1;
          const delay = group.delay?.[gi] ?? type!.delay ?? 1;
          if (!Number.isFinite(w) || !Number.isFinite(nsyns) || nsyns < 0) fail(`'${files.h5}' edge ${k} of ${base}: weight ${w} × nsyns ${nsyns} is not a finite weight; give finite syn_weight and nsyns ≥ 0.`);
          if (!(delay >= dtMs * (1 - 1e-9)) || delay > 1000) fail(`'${files.h5}' ${group.delay !== undefined ? `${group.path}/delay[${gi}]` : `edge type ${typeIds[k]} of '${files.types}'`}: delay ${delay} ms of edge ${k} of ${base} is ${delay > 1000 ? 'longer than 1000 ms' : `shorter than run.dt = ${dtMs} ms`}; delays must be at least one step (and at most 1000 ms): fix the delay or the step.`);
          weights[k] = w * nsyns;
          delays[k] = delay;
          const sd = sPop.draftOf[s]!;
          const td = tPop.draftOf[t]!;
          if (virtualDraft[td]) fail(`'${files.h5}' ${base}/target_node_id[${k}] = ${t} is a virtual node of population '${tPop.name}': virtual nodes only send spikes; remove the edges onto them.`);
          const inhibitory = weights[k]! < 0;
          const key = (sd * drafts.length + td) * 2 + (inhibitory ? 1 : 0);
          let b = index.get(key);
          if (b === undefined) {
            b = buckets.length;
            index.set(key, b);
            buckets.push({ edgePopulation: edgePop, source: sd, target: td, receptor: inhibitory ? 'inhibitory' : 'excitatory', count: 0 });
          }
          bucketOf[k] = b;
          buckets[b]!.count++;
        }
        for (const b of index.values()) {
          const bucket = buckets[b]!;
          bucket.sources = new Uint32Array(bucket.count);
          bucket.targets = new Uint32Array(bucket.count);
          bucket.weights = new Float64Array(bucket.count);
          bucket.delays = new Float64Array(bucket.count);
          bucket.count = 0;
        }
        for (let k = 0; k < n; k++) {
          const bucket = buckets[bucketOf[k]!]!;
          const at = bucket.count++;
          bucket.sources![at] = sPop.localOf[src[k]!]!;
          bucket.targets![at] = tPop.localOf[tgt[k]!]!;
          bucket.weights![at] = Math.abs(weights[k]!);
          bucket.delays![at] = delays[k]!;
        }
      }
    } finally {
      h5.close();
    }
  }
  return buckets;
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** The nodes a node set selects, per SONATA population (null: all of them). */
type Selection = Map<string, Set<number> | null>;

function resolveNodeSet(sonata: Sonata, name: string, populations: Map<string, NodePopulation>, drafts: PopulationDraft[], where: string, stack: readonly string[] = []): Selection {
  const set = sonata.nodeSets[name];
  if (set === undefined) {
    // NEST names a virtual population by its node set; take a population's name as all of it.
    if (populations.has(name)) return new Map([[name, null]]);
    return fail(`${where}: node_set '${name}' is not defined in the ${sonata.nodeSetsWhere} (node sets: ${Object.keys(sonata.nodeSets).join(', ') || 'none'}) and is not a node population; define it, e.g. "${name}": {"population": "…"}.`);
  }
  if (stack.includes(name)) fail(`${sonata.nodeSetsWhere}: node set '${name}' includes itself (${[...stack, name].join(' → ')}).`);
  if (Array.isArray(set)) {
    const out: Selection = new Map();
    for (const member of set) {
      if (typeof member !== 'string') fail(`${sonata.nodeSetsWhere}: node set '${name}' lists ${JSON.stringify(member)}; a compound node set lists names of node sets.`);
      for (const [pop, nodes] of resolveNodeSet(sonata, member as string, populations, drafts, where, [...stack, name])) {
        const prev = out.get(pop);
        if (prev === null || nodes === null) out.set(pop, null);
        else out.set(pop, new Set([...(prev ?? []), ...nodes]));
      }
    }
    return out;
  }
  const rule = asObject(set, `${sonata.nodeSetsWhere}: node set '${name}'`);
  const popRule = rule['population'];
  const pops = popRule === undefined ? [...populations.keys()] : Array.isArray(popRule) ? popRule.map(String) : [String(popRule)];
  const out: Selection = new Map();
  for (const pop of pops) {
    const p = populations.get(pop);
    if (p === undefined) fail(`${sonata.nodeSetsWhere}: node set '${name}' names population '${pop}', which the network does not have (populations: ${[...populations.keys()].join(', ')}).`);
    const ids = rule['node_id'] ?? rule['node_ids'];
    let nodes: Set<number> | null = null;
    if (ids !== undefined) {
      const list = Array.isArray(ids) ? ids : [ids];
      nodes = new Set(list.map(Number));
    }
    // Other keys select by node-type attributes the importer knows (model_type, model_template, pop_name, node_type_id).
    for (const [key, value] of Object.entries(rule)) {
      if (['population', 'node_id', 'node_ids'].includes(key)) continue;
      const wanted = new Set((Array.isArray(value) ? value : [value]).map(String));
      const attr = (d: PopulationDraft): string | undefined => (key === 'model_type' ? d.modelType : key === 'model_template' ? d.modelTemplate : key === 'pop_name' ? d.label : key === 'node_type_id' ? String(d.typeId) : undefined);
      if (!['model_type', 'model_template', 'pop_name', 'node_type_id'].includes(key)) {
        fail(`${sonata.nodeSetsWhere}: node set '${name}' selects by '${key}', which cortexgpu's import does not read (it selects by population, node_id, node_type_id, model_type, model_template and pop_name); use those.`);
      }
      const keep = new Set<number>();
      for (let i = 0; i < p!.size; i++) if (wanted.has(attr(drafts[p!.draftOf[i]!]!) ?? '') && (nodes === null || nodes.has(i))) keep.add(i);
      nodes = keep;
    }
    out.set(pop, nodes);
  }
  return out;
}

/** Read the spike inputs into the virtual populations' spike times. */
async function readInputs(sonata: Sonata, drafts: PopulationDraft[], populations: Map<string, NodePopulation>): Promise<void> {
  for (const d of drafts) if (d.modelType === 'virtual') d.spikeTimes = d.nodeIds.map(() => []);
  for (const { name, spec, config } of sonata.inputs) {
    const where = `${config.path}: inputs.${name}`;
    const type = spec['input_type'];
    if (type !== 'spikes') {
      fail(`${where} has input_type ${JSON.stringify(type)}: cortexgpu imports spike inputs only (input_type "spikes", a SONATA spike file driving virtual nodes); remove it or give its drive as virtual nodes with spikes.`);
    }
    const module = spec['module'];
    if (module !== undefined && !['h5', 'hdf5', 'sonata'].includes(String(module))) {
      fail(`${where} has module ${JSON.stringify(module)}: cortexgpu reads SONATA HDF5 spike files (module "h5" or "sonata"); convert the spikes to one.`);
    }
    if (spec['input_file'] === undefined) fail(`${where} has no input_file; give the SONATA spike file (HDF5).`);
    const file = configPath(config, spec['input_file'], `inputs.${name}.input_file`);
    if ((await sonata.files.kind(file)) === 'missing') fail(`${where}.input_file: cannot read '${file}': no such file; give the path of the SONATA spike file.`);
    const nodeSet = spec['node_set'];
    if (typeof nodeSet !== 'string') fail(`${where} has no node_set; give the node set (or virtual population) the spikes drive.`);
    const selected = resolveNodeSet(sonata, nodeSet as string, populations, drafts, where);
    // The populations with virtual nodes in the set (spike inputs drive virtual nodes only).
    const hasVirtual = (pop: string, nodes: Set<number> | null): boolean => {
      const p = populations.get(pop)!;
      for (let i = 0; i < p.size; i++) if ((nodes === null || nodes.has(i)) && drafts[p.draftOf[i]!]!.modelType === 'virtual') return true;
      return false;
    };
    const selection = new Map([...selected].filter(([pop, nodes]) => hasVirtual(pop, nodes)));
    if (selection.size === 0) {
      fail(`${where}: node set '${nodeSet}' selects no virtual nodes (populations: ${[...selected.keys()].join(', ') || 'none'}); spike inputs drive virtual nodes only: select a population of model_type virtual.`);
    }
    const h5 = await openSonataHdf5(sonata.files, file, 'spike file', where);
    try {
      if (h5.kind('/spikes') !== 'group') fail(`'${file}' has no group /spikes; a SONATA spike file holds /spikes/<population>/timestamps and node_ids (or /spikes/gids and /spikes/timestamps).`);
      const oldLayout = h5.kind('/spikes/timestamps') === 'dataset' || h5.kind('/spikes/gids') === 'dataset';
      for (const [pop, nodes] of selection) {
        const p = populations.get(pop)!;
        let base: string;
        let idsName: string;
        if (oldLayout) {
          if (selection.size > 1) fail(`'${file}' has the older layout (/spikes/gids, /spikes/timestamps) without population names, but node set '${nodeSet}' of ${where} spans populations ${[...selection.keys()].join(', ')}; write /spikes/<population>/timestamps and node_ids.`);
          base = '/spikes';
          idsName = 'gids';
        } else {
          base = `/spikes/${pop}`;
          if (h5.kind(base) !== 'group') fail(`'${file}' has no group ${base} (groups: ${h5.keys('/spikes').join(', ') || 'none'}); the spikes of population '${pop}' (node set '${nodeSet}' of ${where}) go to ${base}/timestamps and ${base}/node_ids.`);
          idsName = h5.kind(`${base}/node_ids`) === 'dataset' ? 'node_ids' : 'gids';
        }
        const timesPath = `${base}/timestamps`;
        if (h5.kind(timesPath) !== 'dataset') fail(`'${file}' has no dataset ${timesPath}; write each spike's time (float64, ms) there.`);
        const times = h5.numbers(timesPath, 'number').values;
        const ids = integers(h5, `${base}/${idsName}`, `${base}/node_ids (the node of each spike)`);
        sameLength(h5, timesPath, times.length, `${base}/${idsName}`, ids.length);
        const units = h5.stringAttribute(timesPath, 'units') ?? h5.stringAttribute(base, 'units');
        const scale = units === undefined || units === 'ms' ? 1 : units === 's' ? 1000 : fail(`'${file}' ${timesPath} has units '${units}'; give spike times in ms (or s).`);
        for (let k = 0; k < ids.length; k++) {
          const id = ids[k]!;
          if (id < 0 || id >= p.size) fail(`'${file}' ${base}/${idsName}[${k}] = ${id} is out of range: population '${pop}' has ${p.size} nodes (ids 0 … ${p.size - 1}); fix the id.`);
          const t = times[k]! * scale;
          if (!Number.isFinite(t) || t < 0) fail(`'${file}' ${timesPath}[${k}] = ${times[k]} is not a time ≥ 0; give finite spike times from 0.`);
          if (nodes !== null && !nodes.has(id)) continue;
          const d = drafts[p.draftOf[id]!]!;
          if (d.modelType !== 'virtual') fail(`'${file}' ${base}/${idsName}[${k}] = ${id}: node ${id} of population '${pop}' is ${d.modelType}, not virtual; spike inputs drive virtual nodes only: select virtual nodes in node set '${nodeSet}'.`);
          d.spikeTimes![p.localOf[id]!]!.push(t);
        }
      }
    } finally {
      h5.close();
    }
  }
  for (const d of drafts) for (const list of d.spikeTimes ?? []) list.sort((a, b) => a - b);
}

/**
 * The Poisson and DC inputs of `cortexgpu export sonata`'s inputs.json (entries
 * `{population, type: "poisson", rate_hz, weight}`: one train of the summed rate, weight signed
 * by receptor; `{population, type: "dc", amplitude}`), onto every spec population of the node
 * population.
 */
function exportedInputs(sonata: Sonata, drafts: readonly PopulationDraft[]): InputSpec[] {
  const out: InputSpec[] = [];
  (sonata.cortexgpu?.inputs ?? []).forEach((entry, i) => {
    const where = `inputs file '${sonata.cortexgpu!.inputsFile}' entry ${i}`;
    const targets = drafts.filter((d) => d.sonataPopulation === entry['population'] && d.modelType !== 'virtual');
    if (targets.length === 0) fail(`${where}: population ${JSON.stringify(entry['population'])} is not a non-virtual node population of the network; fix the name.`);
    const number = (key: string): number => {
      const v = entry[key];
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`${where}: ${key} must be a number (got ${JSON.stringify(v)}).`);
      return v;
    };
    for (const d of targets) {
      if (entry['type'] === 'poisson') {
        const weight = number('weight');
        out.push({ type: 'poisson', target: d.name, rate_hz: number('rate_hz'), weight: Math.abs(weight), ...(weight < 0 ? { receptor: 'inhibitory' as const } : {}) });
      } else if (entry['type'] === 'dc') {
        out.push({ type: 'dc', target: d.name, amplitude: number('amplitude') });
      } else {
        fail(`${where}: type ${JSON.stringify(entry['type'])} is not an input cortexgpu export writes (poisson, dc).`);
      }
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The importer

/**
 * Read a SONATA simulation config (or circuit config) and its network into a cortexgpu spec,
 * through a {@link FileAccess} (Node: `importSonata(path)` of `sonata-import.ts`; browser: the
 * picked folder's files with `memoryFileAccess`).
 *
 * @param files where the files are
 * @param path the `simulation_config.json` or `circuit_config.json` (relative paths in it are
 *   taken from its folder, with `files.path`)
 * @returns the spec (edge-list projections synapse for synapse, spike recorders on every
 *   non-virtual population; `run.duration_ms` from `run.tstop` when given, `dt_ms` from
 *   `run.dt`, default 0.1 ms), where each spec population's neurons come from, and the output
 *   settings
 * @throws SonataImportError (or Hdf5Error for unreadable datasets) naming the file, the dataset
 *   or field and what to do
 */
export async function importSonataFrom(files: FileAccess, path: string): Promise<SonataImport> {
  try {
    return await importNetwork(files, path);
  } catch (error) {
    // Datasets of the wrong dtype or shape: the HDF5 layer's message names the file, dataset and fix.
    if (error instanceof Hdf5Error) throw new SonataImportError(`SONATA import: ${error.message}`);
    throw error;
  }
}

async function importNetwork(files: FileAccess, path: string): Promise<SonataImport> {
  const { basename, dirname, resolve } = files.path;
  const sonata = await readSonata(files, path);
  const dtMs = sonata.run?.dt ?? 0.1;
  const { drafts, populations } = await readNodes(sonata);
  await resolveModels(sonata, drafts, populations);
  const buckets = await readEdges(sonata, dtMs, drafts, populations);
  await readInputs(sonata, drafts, populations);

  const specPopulations: PopulationSpec[] = drafts.map((d) => {
    if (d.modelType === 'virtual') return { name: d.name, size: d.nodeIds.length, model: 'spike_source_array', spike_times_ms: d.spikeTimes! };
    const initial = d.initial ?? {};
    return {
      name: d.name, size: d.nodeIds.length, model: d.model!.name,
      ...(Object.keys(d.params ?? {}).length > 0 ? { params: d.params! } : {}),
      ...(Object.keys(initial).length > 0 ? { initial } : {}),
    };
  });
  // Projection names: the edge population's, followed, when it splits, by what tells its parts
  // apart: the source's and the target's node type (when they vary) and exc / inh (when one
  // pair of populations has both).
  const label = (d: PopulationDraft): string => (d.name.startsWith(`${d.sonataPopulation}_`) ? d.name.slice(d.sonataPopulation.length + 1) : d.name);
  const names = uniqueNames(buckets.map((b) => {
    const group = buckets.filter((o) => o.edgePopulation === b.edgePopulation);
    const parts = [b.edgePopulation];
    if (new Set(group.map((o) => o.source)).size > 1) parts.push(label(drafts[b.source]!));
    if (new Set(group.map((o) => o.target)).size > 1) parts.push(label(drafts[b.target]!));
    if (group.some((o) => o.source === b.source && o.target === b.target && o.receptor !== b.receptor)) parts.push(b.receptor === 'inhibitory' ? 'inh' : 'exc');
    return parts.join('_');
  }));
  const projections: ProjectionSpec[] = buckets.map((b, i) => {
    const delays = b.delays!;
    const constant = delays.every((d) => d === delays[0]);
    return {
      name: names[i]!, source: drafts[b.source]!.name, target: drafts[b.target]!.name, receptor: b.receptor,
      connector: { type: 'edge_list', sources: b.sources!, targets: b.targets!, weights: b.weights!, ...(constant ? {} : { delays_ms: delays }) },
      ...(constant && delays.length > 0 ? { delay_ms: delays[0]! } : {}),
    };
  });
  const recorders: RecorderSpec[] = drafts.filter((d) => d.modelType !== 'virtual').map((d) => ({ type: 'spikes', population: d.name }));
  const inputs = exportedInputs(sonata, drafts);
  const spec: NetworkSpec = {
    name: basename(dirname(resolve(path))) || 'sonata',
    description: `SONATA network imported from ${path}`,
    dt_ms: dtMs,
    ...(sonata.cortexgpu?.seed !== undefined ? { seed: sonata.cortexgpu.seed } : {}),
    populations: specPopulations,
    projections,
    ...(inputs.length > 0 ? { inputs } : {}),
    recorders,
    ...(sonata.run?.durationMs !== undefined ? { run: { duration_ms: sonata.run.durationMs } } : {}),
  };
  try {
    validateSpec(spec);
  } catch (error) {
    if (!(error instanceof SpecError)) throw error;
    const where = (issuePath: string): string => {
      const m = /^populations\[(\d+)\]/.exec(issuePath);
      if (m) {
        const d = drafts[Number(m[1])]!;
        return `node type ${d.typeId} of population '${d.sonataPopulation}' (spec population ${d.name})`;
      }
      const q = /^projections\[(\d+)\]/.exec(issuePath);
      if (q) return `edge population '${buckets[Number(q[1])]!.edgePopulation}'`;
      return issuePath;
    };
    fail(`the network of ${path} is not one cortexgpu can simulate:\n${error.issues.map((i) => `  ${where(i.path)}: ${i.path}: ${i.message}`).join('\n')}`);
  }
  return {
    spec,
    configPath: path,
    populations: drafts.map((d) => ({ name: d.name, sonataPopulation: d.sonataPopulation, nodeIds: Uint32Array.from(d.nodeIds), virtual: d.modelType === 'virtual' })),
    output: sonata.output,
    notes: sonata.notes,
  };
}
