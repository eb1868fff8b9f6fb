/**
 * Loads WGSL files from the repository's `shaders/` folder in Node (source and built trees
 * both sit two levels below the project root).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ShaderSourceLoader } from '../gpu/shaders.js';

/** Absolute path of the `shaders/` folder. */
export const SHADER_DIR = fileURLToPath(new URL('../../shaders/', import.meta.url));

const cache = new Map<string, string>();

/** Read `shaders/<fileName>` (cached); a missing file names the folder searched. */
export const nodeShaderLoader: ShaderSourceLoader = (fileName) => {
  let text = cache.get(fileName);
  if (text === undefined) {
    try {
      text = readFileSync(SHADER_DIR + fileName, 'utf8');
    } catch {
      throw new Error(`WGSL file not found: ${SHADER_DIR}${fileName}`);
    }
    cache.set(fileName, text);
  }
  return text;
};
