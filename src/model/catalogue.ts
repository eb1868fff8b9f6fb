/**
 * The model catalogue: every neuron model of {@link NEURON_MODELS} with its parameters (unit,
 * default, allowed range, meaning), state variables and inputs, generated from the model
 * definitions themselves and rendered as terminal text (`cortexgpu models`), JSON
 * (`cortexgpu models --json`) and Markdown (`docs/models.md`, written by `npm run docs:models`).
 * Nothing here restates a number: a changed default in `models.ts` changes every rendering.
 */
import { NEURON_MODELS, type NeuronModelDef, type ParamMeta } from './models.js';
import { findNeuronModel, registeredNeuronModels } from './registry.js';
import { editDistance } from './schema.js';
import type { NeuronModelName } from './spec.js';

/**
 * One numeric parameter of a model, as the catalogue shows it: the registry's metadata
 * ({@link ParamMeta}: name, unit, default, bounds) plus the range in words.
 */
export interface CatalogueParameter extends Pick<ParamMeta, 'name' | 'unit' | 'default' | 'min' | 'minExclusive' | 'max'> {
  /** The allowed range in words: `> 0`, `≥ 0`, `any finite number`, `[0, 1]`, ... */
  readonly range: string;
  /** What the parameter is (one line). */
  readonly meaning: string;
}

/** A parameter that takes one of a few names (e.g. the rate transfer function). */
export interface CatalogueChoiceParameter {
  readonly name: string;
  readonly choices: readonly string[];
  readonly default: string;
  readonly meaning: string;
}

/** One state variable of a model. */
export interface CatalogueStateVariable {
  /** Name in a population's `initial` and in `state` recorders (e.g. `v_mV`). */
  readonly name: string;
  readonly unit: string;
  /** Initial value when `initial` leaves it out: a number, or the parameter it equals (`e_l_mV`). */
  readonly initial: string;
  readonly meaning: string;
}

/** What a model receives: receptors, compartments and the units of weights and currents. */
export interface CatalogueInputs {
  /** `receptor` values projections and inputs may name (empty: the model receives nothing). */
  readonly receptors: readonly string[];
  /** How receptors reach the model (separate channels, one signed channel, ...). */
  readonly receptorNote: string;
  /** `compartment` values projections and inputs may name. */
  readonly compartments: readonly string[];
  /** Unit of projection weights (and, for spiking models, Poisson-input weights) onto the model; empty when it receives none. */
  readonly weightUnit: string;
  /** Unit of DC and stimulus inputs onto the model. */
  readonly currentUnit: string;
  /** Whether any input (`inputs`: DC, stimulus, Poisson, trial currents) may target the model. */
  readonly acceptsInputs: boolean;
}

/** One model of the catalogue. */
export interface CatalogueModel {
  readonly name: NeuronModelName | (string & {});
  /** `spiking`, `rate` or `source`. */
  readonly kind: NeuronModelDef['kind'];
  /** One line. */
  readonly summary: string;
  /** The full description. */
  readonly description: string;
  readonly parameters: readonly CatalogueParameter[];
  readonly choiceParameters: readonly CatalogueChoiceParameter[];
  /** Rules between parameters that validation enforces, in words (empty: none). */
  readonly constraints: readonly string[];
  readonly state: readonly CatalogueStateVariable[];
  readonly inputs: CatalogueInputs;
}

/** A model name that is not in the catalogue; the message lists the known names. */
export class UnknownModelError extends Error {
  override readonly name = 'UnknownModelError';
  constructor(
    /** The name asked for. */
    readonly requested: string,
    /** Every known model name. */
    readonly known: readonly string[],
  ) {
    const near = nearNames(requested, known);
    super(`unknown model '${requested}'${near.length > 0 ? ` (did you mean ${near.map((n) => `'${n}'`).join(' or ')}?)` : ''}; the models are ${known.join(', ')}`);
  }
}

/** The allowed range of a numeric parameter in words (`> 0`, `≥ 0`, `[0, 1]`, `any finite number`). */
export function formatRange(p: Pick<ParamMeta, 'min' | 'minExclusive' | 'max'>): string {
  const lower = p.min === undefined ? undefined : `${p.minExclusive === true ? '>' : '≥'} ${p.min}`;
  if (p.min !== undefined && p.max !== undefined) return `${p.minExclusive === true ? '(' : '['}${p.min}, ${p.max}]`;
  if (lower !== undefined) return lower;
  if (p.max !== undefined) return `≤ ${p.max}`;
  return 'any finite number';
}

function catalogueEntry(model: NeuronModelDef): CatalogueModel {
  // Receptors the model declares (what "receptor" does without on_pre); equation models also take on_pre.
  const declared = model.onPre === undefined || model.receptorRoute === undefined
    ? ['excitatory', 'inhibitory']
    : ['excitatory', 'inhibitory'].filter((r) => model.receptorRoute!(r, 'soma') !== undefined);
  const receptors = model.kind === 'source' ? [] : declared;
  const onPreNote = `projections and Poisson inputs may instead say what a spike does with on_pre, e.g. "VAR += w" (VAR one of the model's inputs; weights in ${model.weightUnit})`;
  const receptorNote = model.acceptsInputs === false
    ? 'receives no projections and no inputs: its spikes are given (spike_times_ms, or .npy files in spike_times_npy)'
    : model.kind === 'source'
    ? 'receives no projections or Poisson inputs; DC and stimulus inputs add to its rate'
    : receptors.length === 0
      ? `defined by equations: projections and Poisson inputs say what a spike does with on_pre, e.g. "VAR += w" or "VAR -= w" (weights in ${model.weightUnit})`
      : `${model.kind === 'rate'
        ? 'one input channel per compartment: "inhibitory" flips the sign of the weight; without a receptor, rate-to-rate weights may be signed'
        : model.receptors === 2
          ? 'separate excitatory and inhibitory channels; weights are magnitudes ≥ 0 and the receptor gives the sign'
          : 'one signed channel; weights are magnitudes ≥ 0 and "inhibitory" flips the sign'}${model.onPre !== undefined && model.kind !== 'rate' ? `; ${onPreNote}` : ''}`;
  return {
    name: model.name,
    kind: model.kind,
    summary: model.summary,
    description: model.doc,
    parameters: model.params.map((p) => ({
      name: p.name,
      unit: p.unit,
      default: p.default,
      ...(p.min !== undefined ? { min: p.min } : {}),
      ...(p.minExclusive !== undefined ? { minExclusive: p.minExclusive } : {}),
      ...(p.max !== undefined ? { max: p.max } : {}),
      range: formatRange(p),
      meaning: p.doc,
    })),
    choiceParameters: model.choiceParams.map((p) => ({ name: p.name, choices: p.choices, default: p.default, meaning: p.doc })),
    constraints: model.constraints ?? [],
    state: model.state.map((s) => ({ name: s.name, unit: s.unit, initial: s.initialDoc ?? String(s.initial({})), meaning: s.doc })),
    inputs: {
      receptors,
      receptorNote,
      compartments: model.kind === 'source' ? [] : model.apicalChannel !== undefined ? ['soma', 'apical'] : ['soma'],
      weightUnit: model.weightUnit,
      currentUnit: model.currentUnit,
      acceptsInputs: model.acceptsInputs !== false,
    },
  };
}

/** Every model, in the order of {@link NEURON_MODELS}, then the registered models. */
export function modelCatalogue(): CatalogueModel[] {
  return [...Object.values(NEURON_MODELS), ...registeredNeuronModels()].map(catalogueEntry);
}

/** One model of the catalogue; throws {@link UnknownModelError} listing the known names. */
export function catalogueModel(name: string): CatalogueModel {
  const model = findNeuronModel(name);
  if (model === undefined) throw new UnknownModelError(name, [...Object.keys(NEURON_MODELS), ...registeredNeuronModels().map((m) => m.name)]);
  return catalogueEntry(model);
}

// ---------------------------------------------------------------------------------------------
// Terminal text
// ---------------------------------------------------------------------------------------------

/** Width that descriptions are wrapped to in terminal text. */
const TEXT_WIDTH = 100;

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length > 0 && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  if (line.length > 0) lines.push(indent + line);
  return lines;
}

/** Rows as columns padded to the widest cell (the last column is not padded). */
function columns(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row) => indent + row.map((cell, i) => (i < row.length - 1 ? cell + ' '.repeat((widths[i] ?? 0) - [...cell].length) : cell)).join('  ').trimEnd());
}

/** A unit for prose: `1` reads as "dimensionless". */
const unitWords = (unit: string): string => (unit === '1' ? 'dimensionless' : `in ${unit}`);

function receptorText(m: CatalogueModel): string {
  if (m.inputs.receptors.length === 0) return m.inputs.receptorNote;
  return `${m.inputs.receptors.join('/')} receptors onto ${m.inputs.compartments.join(' or ')}; weights ${unitWords(m.inputs.weightUnit)}`;
}

/** The list of every model (`cortexgpu models`): name, kind, summary, state variables, inputs. */
export function renderModelListText(models: readonly CatalogueModel[] = modelCatalogue()): string {
  const nameWidth = Math.max(...models.map((m) => m.name.length));
  const kindWidth = Math.max(...models.map((m) => m.kind.length));
  const indent = ' '.repeat(nameWidth + kindWidth + 4);
  const lines = [`${models.length} neuron models (population "model"). Parameters, units, defaults and ranges of one: cortexgpu models NAME`, ''];
  for (const m of models) {
    const head = `${m.name.padEnd(nameWidth)}  ${m.kind.padEnd(kindWidth)}  `;
    const summary = wrap(m.summary, TEXT_WIDTH, indent);
    lines.push(head + (summary[0] ?? '').trimStart(), ...summary.slice(1));
    lines.push(...wrap(`state: ${m.state.length > 0 ? m.state.map((s) => s.name).join(', ') : 'none'}`, TEXT_WIDTH, indent));
    lines.push(...wrap(`inputs: ${receptorText(m)}`, TEXT_WIDTH, indent));
  }
  return `${lines.join('\n')}\n`;
}

/** One model in full (`cortexgpu models NAME`): description, parameter, state and input tables. */
export function renderModelText(m: CatalogueModel): string {
  const lines = [`${m.name} (${m.kind}): ${m.summary}`, '', ...wrap(m.description, TEXT_WIDTH, ''), ''];
  lines.push('Parameters (population "params"; any left out takes its default):');
  const rows: string[][] = [['name', 'unit', 'default', 'range', 'meaning']];
  for (const p of m.parameters) rows.push([p.name, p.unit, String(p.default), p.range, p.meaning]);
  for (const p of m.choiceParameters) rows.push([p.name, '-', p.default, p.choices.join(' | '), p.meaning]);
  lines.push(...(rows.length > 1 ? columns(rows, '  ') : ['  none']));
  for (const c of m.constraints) lines.push(...wrap(`constraint: ${c}`, TEXT_WIDTH, '  '));
  lines.push('');
  lines.push('State variables (population "initial"; "state" recorders):');
  const state: string[][] = [['name', 'unit', 'initial', 'meaning'], ...m.state.map((s) => [s.name, s.unit, s.initial, s.meaning])];
  lines.push(...(m.state.length > 0 ? columns(state, '  ') : ['  none']), '');
  lines.push('Inputs:');
  if (m.inputs.receptors.length > 0) {
    lines.push(...wrap(`receptor: ${m.inputs.receptors.join(', ')} (${m.inputs.receptorNote})`, TEXT_WIDTH, '  '));
    lines.push(`  compartment: ${m.inputs.compartments.join(', ')}${m.inputs.compartments.includes('apical') ? ' (apical: the apical dendrite; signed input)' : ''}`);
    lines.push(`  ${m.kind === 'spiking' ? 'projection and Poisson-input weights' : 'projection weights'}: ${m.inputs.weightUnit}`);
  } else {
    lines.push(...wrap(m.inputs.receptorNote, TEXT_WIDTH, '  '));
  }
  if (m.inputs.acceptsInputs) lines.push(`  DC and stimulus inputs: ${m.inputs.currentUnit}`);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Markdown (docs/models.md)
// ---------------------------------------------------------------------------------------------

/** Escape a table cell: pipes and line breaks would end the cell. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string): string => `\`${text}\``;

/**
 * The catalogue as a Markdown page: an index of the models, then per model its description,
 * parameter table (unit, default, range, meaning), state variables and inputs. `docs/models.md`
 * is this text (written by `npm run docs:models`; a test fails when the page is stale).
 */
export function renderModelCatalogueMarkdown(models: readonly CatalogueModel[] = modelCatalogue()): string {
  const out: string[] = [
    '# Neuron models',
    '',
    '<!-- Generated by `npm run docs:models` from src/model/models.ts; do not edit by hand. -->',
    '',
    'Every neuron model of cortexgpu: set a population\'s `model` to its name, its `params` to any of the',
    'parameters below (the rest take their defaults), and its `initial` to initial values of state',
    'variables. Units are part of the names. The same catalogue is printed by `cortexgpu models`',
    '(`cortexgpu models NAME` for one model, `--json` for a machine-readable version) and is',
    '`modelCatalogue()` in the TypeScript API.',
    '',
    '| model | kind | description |',
    '|---|---|---|',
    ...models.map((m) => `| [${code(m.name)}](#${m.name}) | ${m.kind} | ${cell(m.summary)} |`),
    '',
    'Units: `1` is dimensionless; `input` is the unit of a rate model\'s input (weight × rate, DC',
    'amplitude); `steps` counts integration steps.',
  ];
  for (const m of models) {
    out.push('', `## ${m.name}`, '', `*${m.kind}.* ${m.description}`, '');
    if (m.parameters.length + m.choiceParameters.length > 0) {
      out.push('| parameter | unit | default | range | meaning |', '|---|---|---|---|---|');
      for (const p of m.parameters) out.push(`| ${code(p.name)} | ${cell(p.unit)} | ${p.default} | ${cell(p.range)} | ${cell(p.meaning)} |`);
      for (const p of m.choiceParameters) out.push(`| ${code(p.name)} | — | ${code(p.default)} | ${p.choices.map(code).join(', ')} | ${cell(p.meaning)} |`);
      out.push('');
    }
    if (m.constraints.length > 0) out.push(`Constraint${m.constraints.length > 1 ? 's' : ''}: ${m.constraints.join('; ')}.`, '');
    if (m.state.length > 0) {
      out.push('| state variable | unit | initial | meaning |', '|---|---|---|---|');
      for (const s of m.state) out.push(`| ${code(s.name)} | ${cell(s.unit)} | ${/^[-0-9.e]+$/.test(s.initial) ? s.initial : code(s.initial)} | ${cell(s.meaning)} |`);
      out.push('');
    } else {
      out.push('No state variables.', '');
    }
    if (m.inputs.receptors.length > 0) {
      out.push(
        `Inputs: receptors ${m.inputs.receptors.map(code).join(', ')} (${m.inputs.receptorNote}); ` +
          `compartments ${m.inputs.compartments.map(code).join(', ')}; weights in ${m.inputs.weightUnit}; ` +
          `DC and stimulus inputs in ${m.inputs.currentUnit}.`,
      );
    } else {
      out.push(`Inputs: ${m.inputs.receptorNote}${m.inputs.acceptsInputs ? ` (in ${m.inputs.currentUnit})` : ''}.`);
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * Known names the user probably meant: those that start with `name` (`lif_psc` → both
 * `lif_psc_*`), else the nearest by edit distance when it is near enough to be a typo.
 */
function nearNames(name: string, known: readonly string[]): string[] {
  const lower = name.toLowerCase();
  if (lower.length >= 2) {
    const prefixed = known.filter((k) => k.startsWith(lower));
    if (prefixed.length > 0) return prefixed;
  }
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(lower, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? [best] : [];
}
