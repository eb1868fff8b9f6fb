/**
 * The model catalogue: `cortexgpu models [NAME] [--json]` and `docs/models.md` are generated
 * from the model metadata (src/model/models.ts), complete, and the committed page is current.
 * No GPU needed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { NEURON_MODELS } from '../src/model/models.js';
import { UnknownModelError, catalogueModel, formatRange, modelCatalogue, renderModelCatalogueMarkdown, type CatalogueModel } from '../src/model/catalogue.js';
import { parseSpecJson } from '../src/model/schema.js';


const modelNames = Object.keys(NEURON_MODELS);

describe('model metadata', () => {
  it('gives every model a one-line summary and every parameter and state variable a meaning and unit', () => {
    for (const model of Object.values(NEURON_MODELS)) {
      expect(model.summary, model.name).toMatch(/^\S.*\.$/);
      expect(model.summary.includes('\n'), model.name).toBe(false);
      expect(model.summary.length, model.name).toBeLessThanOrEqual(140);
      for (const p of model.params) {
        expect(p.doc.length, `${model.name}.${p.name}`).toBeGreaterThan(3);
        expect(p.unit.length, `${model.name}.${p.name}`).toBeGreaterThan(0);
        // The default satisfies the declared range.
        if (p.min !== undefined) expect(p.minExclusive === true ? p.default > p.min : p.default >= p.min, `${model.name}.${p.name}`).toBe(true);
        if (p.max !== undefined) expect(p.default <= p.max, `${model.name}.${p.name}`).toBe(true);
      }
      for (const c of model.choiceParams) expect(c.choices).toContain(c.default);
      for (const s of model.state) {
        expect(s.doc.length, `${model.name}.${s.name}`).toBeGreaterThan(3);
        // initialDoc names a parameter whose default is the initial value at default parameters,
        // or says in words how the value is computed (stored subexpressions, expressions).
        const param = model.params.find((p) => p.name === s.initialDoc);
        if (s.initialDoc !== undefined) expect(s.initialDoc.length, `${model.name}.${s.name}.initialDoc`).toBeGreaterThan(0);
        if (param !== undefined) {
          const defaults = Object.fromEntries(model.params.map((p) => [p.name, p.default]));
          expect(s.initial(defaults)).toBe(param!.default);
        }
      }
    }
  });
});

describe('modelCatalogue', () => {
  it('lists every model with the values of its definition', () => {
    const catalogue = modelCatalogue();
    expect(catalogue.map((m) => m.name)).toEqual(modelNames);
    for (const entry of catalogue) {
      const model = NEURON_MODELS[entry.name as keyof typeof NEURON_MODELS];
      expect(entry.kind).toBe(model.kind);
      expect(entry.parameters.map((p) => [p.name, p.unit, p.default, p.meaning])).toEqual(model.params.map((p) => [p.name, p.unit, p.default, p.doc]));
      expect(entry.choiceParameters.map((p) => p.name)).toEqual(model.choiceParams.map((p) => p.name));
      expect(entry.state.map((s) => s.name)).toEqual(model.state.map((s) => s.name));
      expect(entry.inputs.weightUnit).toBe(model.weightUnit);
      expect(entry.inputs.compartments.includes('apical')).toBe(model.apicalChannel !== undefined);
    }
  });

  it('states ranges the way validation enforces them', () => {
    expect(formatRange({ min: 0, minExclusive: true })).toBe('> 0');
    expect(formatRange({ min: 0 })).toBe('≥ 0');
    expect(formatRange({})).toBe('any finite number');
    expect(formatRange({ min: 0, max: 1 })).toBe('[0, 1]');
    // A value just outside a catalogue range is refused by the spec validator, one inside accepted.
    const tau = catalogueModel('lif_psc_exp').parameters.find((p) => p.name === 'tau_m_ms')!;
    expect(tau.range).toBe('> 0');
    const spec = (value: number): string => JSON.stringify({ populations: [{ name: 'E', size: 1, model: 'lif_psc_exp', params: { tau_m_ms: value } }] });
    expect(() => parseSpecJson(spec(0), 'x.json')).toThrow(/tau_m_ms/);
    expect(() => parseSpecJson(spec(1e-3), 'x.json')).not.toThrow();
  });

  it('states the cross-parameter rule that validation enforces (v_reset_mV < v_th_mV)', () => {
    for (const model of Object.values(NEURON_MODELS)) {
      const hasThreshold = model.params.some((p) => p.name === 'v_th_mV') && model.params.some((p) => p.name === 'v_reset_mV');
      expect(catalogueModel(model.name).constraints.some((c) => c.startsWith('v_reset_mV < v_th_mV')), model.name).toBe(hasThreshold);
      if (!hasThreshold) continue;
      const spec = JSON.stringify({ populations: [{ name: 'E', size: 1, model: model.name, params: { v_th_mV: -50, v_reset_mV: -50 } }] });
      expect(() => parseSpecJson(spec, 'x.json'), model.name).toThrow(/v_reset_mV must be below v_th_mV/);
    }
  });

  it('refuses an unknown name, listing the known ones', () => {
    expect(() => catalogueModel('lif')).toThrow(UnknownModelError);
    expect(() => catalogueModel('toString')).toThrow(UnknownModelError);
    expect(() => catalogueModel('lif_psc_exq')).toThrow(/did you mean 'lif_psc_exp'\?/);
    expect(() => catalogueModel('xyz')).toThrow(new RegExp(`^unknown model 'xyz'; the models are ${modelNames.join(', ')}$`));
  });
});

describe('cortexgpu models', () => {
  it('lists every model with kind, summary, state variables and inputs', async () => {
    const { code, stdout, stderr } = await cli('models');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const model of Object.values(NEURON_MODELS)) {
      expect(stdout).toMatch(new RegExp(`^${model.name} +${model.kind} `, 'm'));
      for (const s of model.state) expect(stdout).toContain(s.name);
    }
    expect(stdout).toContain('excitatory/inhibitory receptors onto soma or apical');
  });

  it('shows one model: each parameter with unit, default, range and meaning', async () => {
    const { code, stdout } = await cli('models', 'lif_cond_exp');
    expect(code).toBe(0);
    for (const p of NEURON_MODELS.lif_cond_exp.params) {
      expect(stdout).toMatch(new RegExp(`^  ${p.name} +${p.unit} +${p.default} +${formatRange(p).replace(/[()[\]]/g, '\\$&')} +${p.doc.replace(/[()[\]&]/g, '\\$&')}$`, 'm'));
    }
    expect(stdout).toMatch(/^ {2}v_mV +mV +e_l_mV +membrane potential$/m);
    expect(stdout).toContain('projection and Poisson-input weights: nS');
    const rate = await cli('models', 'rate');
    expect(rate.stdout).toMatch(/^ {2}transfer +- +linear +linear \| threshold_linear \| power_law +transfer function φ$/m);
  });

  it('prints JSON: every model, or one', async () => {
    const all = await cli('models', '--json');
    expect(all.code).toBe(0);
    const parsed = JSON.parse(all.stdout) as CatalogueModel[];
    expect(parsed).toEqual(JSON.parse(JSON.stringify(modelCatalogue())));
    const one = await cli('models', 'two_compartment_lif', '--json');
    const model = JSON.parse(one.stdout) as CatalogueModel;
    expect(model.name).toBe('two_compartment_lif');
    expect(model.inputs.compartments).toEqual(['soma', 'apical']);
    expect(model.parameters.find((p) => p.name === 'coupling_nS')).toMatchObject({ unit: 'nS', default: 5, min: 0, range: '≥ 0' });
  });

  it('refuses an unknown model with exit code 2 and the list of known names', async () => {
    const { code, stdout, stderr } = await cli('models', 'lif_psc');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^cortexgpu: unknown model 'lif_psc' \(did you mean 'lif_psc_exp' or 'lif_psc_delta'\?\); the models are /);
    for (const name of modelNames) expect(stderr).toContain(name);
  });
});

describe('docs/models.md', () => {
  it('is current: the committed page equals the catalogue rendered now (else run npm run docs:models)', () => {
    const committed = readFileSync(new URL('../docs/models.md', import.meta.url), 'utf8');
    const rendered = renderModelCatalogueMarkdown();
    if (committed !== rendered) {
      expect.fail('docs/models.md is stale: it differs from the catalogue rendered from src/model/models.ts; run `npm run docs:models` and commit docs/models.md');
    }
  });

  it('documents every parameter of every model with its default and range', () => {
    const page = renderModelCatalogueMarkdown();
    for (const model of Object.values(NEURON_MODELS)) {
      expect(page).toContain(`\n## ${model.name}\n`);
      for (const p of model.params) expect(page).toContain(`| \`${p.name}\` | ${p.unit} | ${p.default} | ${formatRange(p)} |`);
    }
  });
});
