// Writes docs/models.md, the neuron-model catalogue, from the model metadata (src/model/models.ts)
// through the same renderer as `cortexgpu models` (src/model/catalogue.ts, compiled into dist/).
// Run as `npm run docs:models`, which builds dist/ first; test/models-catalogue.test.ts fails
// while the committed page differs from what this writes.
import { writeFileSync } from 'node:fs';

const { renderModelCatalogueMarkdown } = await import(new URL('../dist/model/catalogue.js', import.meta.url).href);
const target = new URL('../docs/models.md', import.meta.url);
writeFileSync(target, renderModelCatalogueMarkdown());
process.stdout.write(`wrote ${target.pathname}\n`);
