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
 * Concatenate shader pieces. `generated` pieces are named `<generated:…>` in diagnostics.
 * @param parts file names (loaded with `load`) or `{ name, text }` for generated code
 */
export function composeShader(load: ShaderSourceLoader, parts: readonly (string | { name: string; text: string })[]): ComposedShader {
  const pieces: ShaderPiece[] = [];
  const texts: string[] = [];
  let line = 1;
  for (const part of parts) {
    const file = typeof part === 'string' ? part : part.name;
    let text = typeof part === 'string' ? load(part) : part.text;
    if (!text.endsWith('\n')) text += '\n';
    const lineCount = text.split('\n').length - 1;
    pieces.push({ file, firstLine: line, lineCount });
    texts.push(text);
    line += lineCount;
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
