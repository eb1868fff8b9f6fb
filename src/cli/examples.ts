/**
 * The example networks of `cortexgpu example`: every `examples/*.json` file shipped with the
 * package (each carries its own `description` and `run` block) plus the generated PD14
 * microcircuit at any scale. One list, read from the folder, so a new example file is offered
 * as soon as it exists.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSpecJson } from '../model/schema.js';
import type { NetworkSpec } from '../model/spec.js';

/** The `examples/` folder of the installed package (beside `dist/`). */
export const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

/** Name of the generated example (options `--scale`, `--background`, …). */
export const GENERATED_EXAMPLE = 'pd14';

/** One example network as `cortexgpu example` lists it. */
export interface ExampleEntry {
  /** What to type: `cortexgpu example NAME`. */
  readonly name: string;
  /** One line on the network and its regime. */
  readonly description: string;
  /** Where it comes from: a file of the package or the PD14 generator. */
  readonly source: string;
}

/** Every example file (`examples/NAME.json`), sorted by name. */
function exampleFiles(): string[] {
  try {
    return readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
}

/**
 * The examples, the generated PD14 network first.
 * @throws SpecError when a shipped example file does not validate (a packaging defect)
 */
export function listExamples(): ExampleEntry[] {
  const files = exampleFiles().map((file): ExampleEntry => {
    const spec = loadExampleFile(file);
    return { name: file.replace(/\.json$/, ''), description: spec.description ?? spec.name ?? '', source: `examples/${file}` };
  });
  return [
    {
      name: GENERATED_EXAMPLE,
      description: 'Potjans & Diesmann (2014) cortical microcircuit at any scale (--scale, --background poisson|dc, --duration)',
      source: 'generated (src/model/library/pd14.ts)',
    },
    ...files,
  ];
}

/** Names accepted by `cortexgpu example`. */
export function exampleNames(): string[] {
  // From the file names alone: listing the names need not parse every example.
  return [GENERATED_EXAMPLE, ...exampleFiles().map((file) => file.replace(/\.json$/, ''))];
}

/**
 * The spec of a shipped example file, validated.
 * @param name `NAME` or `NAME.json` of a file in `examples/`
 * @throws Error naming the known examples when there is no such file
 */
export function loadExample(name: string): NetworkSpec {
  const file = name.endsWith('.json') ? name : `${name}.json`;
  if (!exampleFiles().includes(file)) {
    throw new Error(`no example named '${name}'; known examples: ${exampleNames().join(', ')}`);
  }
  return loadExampleFile(file);
}

function loadExampleFile(file: string): NetworkSpec {
  return parseSpecJson(readFileSync(join(EXAMPLES_DIR, file), 'utf8'), `examples/${file}`);
}
