/**
 * WGSL sources: loading (the same files from `shaders/` in Node and in the browser),
 * composition of a kernel from library files, a generated prelude and a main file, and
 * mapping of compiler messages back to the file and line they came from.
 */

/** Returns the text of a file under `shaders/`, e.g. `engine/spiking_neuron_update.wgsl`. */
export type ShaderSourceLoader = (fileName: string) => string;

/** One piece of a composed shader. */
interface ShaderPiece {
  readonly file: string;
  readonly firstLine: number;
  readonly lineCount: number;
}

/**
 * A part of a kernel: a file under `shaders/`, generated code (`{ name, text }`), or a template
 * file instantiated once per entry of `instances`, each `{{KEY}}` in its text replaced by the
 * entry's value (as Brian2's templates: one file, code per use).
 */
export type ShaderPart =
  | string
  | { readonly name: string; readonly text: string }
  | { readonly template: string; readonly instances: readonly Readonly<Record<string, string | number>>[] };

/** A kernel's full WGSL text and where each of its lines came from. */
export interface ComposedShader {
  readonly code: string;
  readonly pieces: readonly ShaderPiece[];
}

/** Thrown when WGSL fails to compile; the message names file and line of each error. */
export class ShaderCompileError extends Error {
  override readonly name = 'ShaderCompileError';
  constructor(
    message: string,
    /** `file:line:column message` for each compiler error. */
    readonly diagnostics: readonly string[],
  ) {
    super(message);
  }
}

/**
 * Concatenate shader pieces. Generated pieces keep their `name` in diagnostics; a template's
 * instances are named by the template file.
 * @param parts see {@link ShaderPart}
 * @throws Error when a template instance leaves a `{{KEY}}` without a value
 */
export function composeShader(load: ShaderSourceLoader, parts: readonly ShaderPart[]): ComposedShader {
  const pieces: ShaderPiece[] = [];
  const texts: string[] = [];
  let line = 1;
  const add = (file: string, body: string): void => {
    const text = body.endsWith('\n') ? body : body + '\n';
    const lineCount = text.split('\n').length - 1;
    pieces.push({ file, firstLine: line, lineCount });
    texts.push(text);
    line += lineCount;
  };
  for (const part of parts) {
    if (typeof part === 'string') add(part, load(part));
    else if ('text' in part) add(part.name, part.text);
    else {
      const source = load(part.template);
      for (const values of part.instances) {
        add(part.template, source.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
          const value = values[key];
          if (value === undefined) throw new Error(`shaders/${part.template}: no value for {{${key}}}`);
          return String(value);
        }));
      }
    }
  }
  return { code: texts.join(''), pieces };
}

/** Map a line of a composed shader (1-based) to `file:line`. */
export function locateLine(shader: ComposedShader, line: number): { file: string; line: number } {
  for (const piece of shader.pieces) {
    if (line >= piece.firstLine && line < piece.firstLine + piece.lineCount) {
      return { file: piece.file, line: line - piece.firstLine + 1 };
    }
  }
  return { file: '<unknown>', line };
}

/** Turn compilation messages into errors naming the original file and line. */
export function compileDiagnostics(shader: ComposedShader, messages: readonly GPUCompilationMessage[]): string[] {
  return messages
    .filter((m) => m.type === 'error')
    .map((m) => {
      const where = locateLine(shader, m.lineNum);
      return `shaders/${where.file}:${where.line}:${m.linePos} ${m.message}`;
    });
}
