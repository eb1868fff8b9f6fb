/**
 * Loads WGSL files bundled by Vite (browser demos, vitest): the same `shaders/<layer>/<name>.wgsl` files the
 * Node loader reads from disk, imported as raw text at build time.
 */
import type { ShaderSourceLoader } from './shaders.js';

const files = import.meta.glob('../../shaders/**/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** Loader over the bundled `shaders/` folder. */
export const bundledShaderLoader: ShaderSourceLoader = (fileName) => {
  const text = files[`../../shaders/${fileName}`];
  if (text === undefined) throw new Error(`WGSL file not bundled: shaders/${fileName}`);
  return text;
};
