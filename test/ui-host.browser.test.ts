/**
 * Browser tests of <cg-simulation>, <cg-controls> and <cg-parameter-panel>: their public
 * properties, methods and events, on a small LIF network in headless Chromium (software WebGPU).
 */
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness, collectErrors } from './support/browser.js';

/** A small E network: 120 LIF neurons with Poisson drive. */
const SPEC = {
  name: 'host_test', dt_ms: 0.1, seed: 4, batch: 1,
  populations: [{ name: 'E', size: 120, model: 'lif_psc_exp', params: { tau_syn_ex_ms: 2, tau_syn_in_ms: 2 }, initial: { v_mV: { uniform: [-65, -50] } } }],
  projections: [{ source: 'E', target: 'E', connector: { type: 'fixed_indegree', indegree: 10 }, weight: 30, delay_ms: 1 }],
  inputs: [{ type: 'poisson', target: 'E', rate_hz: 10, n_sources: 800, weight: 30 }],
  recorders: [{ type: 'spikes', population: 'E' }],
};

describe('simulation host, controls and parameter panel (headless Chromium)', () => {
  const harness = new BrowserHarness();
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    await harness.start();
    const browser = await harness.launch();
    page = await browser.newPage();
    errors = collectErrors(page);
    await page.goto(`${harness.baseUrl}/index.html`, { waitUntil: 'load' });
    // Vitest rewrites import() inside functions handed to evaluate; define the importer from a string.
    await page.evaluate(`window.__uiModule = import(${JSON.stringify(harness.fileUrl('src/ui/index.ts'))})`);
    await page.evaluate('window.__uiModule.then(() => true)');
  });
  afterAll(() => harness.close());

  it('host: builds from a spec, emits cg-ready, steps, plays, pauses, resets with a seed', async () => {
    const out = await page.evaluate(async (spec) => {
      const events: Record<string, unknown[]> = {};
      const host = document.createElement('cg-simulation');
      for (const type of ['cg-ready', 'cg-progress', 'cg-recordings', 'cg-state', 'cg-error']) host.addEventListener(type, (e) => (events[type] ??= []).push((e as CustomEvent).detail));
      host.stepsPerFrame = 25;
      host.spec = spec as never;
      // On screen whatever the page's length (the loop pauses itself while off-screen).
      host.style.cssText = 'position: fixed; top: 0; left: 0; width: 20rem;';
      document.body.append(host);
      const until = async (test: () => boolean, ms = 60_000): Promise<void> => {
        const start = performance.now();
        while (!test()) {
          if (performance.now() - start > ms) throw new Error('timed out');
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await until(() => host.status === 'ready');
      const ready = events['cg-ready']![0] as { adapter: string; simulator: { plan: { batch: number } } };
      const stateAttr = host.getAttribute('state');
      await host.step(10);
      const afterStep = host.stepCount;
      const progress = events['cg-progress']!.at(-1) as { stepCount: number; stepsThisFrame: number; simulatedMs: number };
      host.play();
      await until(() => host.stepCount >= 200);
      host.pause();
      await new Promise((r) => setTimeout(r, 300));
      const paused = host.stepCount;
      await new Promise((r) => setTimeout(r, 300));
      const stillPaused = host.stepCount;
      const states = (events['cg-state'] ?? []).map((d) => (d as { playing: boolean }).playing);
      const spikes = (events['cg-recordings'] ?? []).reduce((n: number, d) => n + ((d as { recordings: { type: string; steps?: Uint32Array }[] }).recordings.find((r) => r.type === 'spikes')?.steps?.length ?? 0), 0);
      host.seed = 9;
      await host.reset();
      const afterReset = { steps: host.stepCount, seed: host.simulator!.plan.seed, readyEvents: events['cg-ready']!.length, seedAttr: host.getAttribute('seed') };
      host.remove();
      return { adapter: ready.adapter, stateAttr, afterStep, progress, paused, stillPaused, states, spikes, afterReset, errors: events['cg-error'] ?? [] };
    }, SPEC);
    expect(out.adapter).toContain('[browser]');
    expect(out.stateAttr).toBe('ready');
    expect(out.afterStep).toBe(10);
    expect(out.progress.stepCount).toBe(10);
    expect(out.progress.stepsThisFrame).toBe(10);
    expect(out.progress.simulatedMs).toBeCloseTo(1, 9);
    expect(out.paused).toBeGreaterThanOrEqual(200);
    expect(out.stillPaused).toBe(out.paused);
    expect(out.states).toContain(true);
    expect(out.states.at(-1)).toBe(false);
    expect(out.spikes).toBeGreaterThan(0);
    expect(out.afterReset).toEqual({ steps: 0, seed: 9, readyEvents: 2, seedAttr: '9' });
    expect(out.errors).toEqual([]);
  }, 120_000);

  it('host: an invalid spec is reported with the field named (cg-error, invalid-spec)', async () => {
    const out = await page.evaluate(async (spec) => {
      const host = document.createElement('cg-simulation');
      const errorsSeen: { kind: string; message: string }[] = [];
      host.addEventListener('cg-error', (e) => errorsSeen.push((e as CustomEvent).detail));
      host.spec = { ...spec, populations: [{ ...spec.populations[0], size: -5 }] } as never;
      document.body.append(host);
      const start = performance.now();
      while (host.status !== 'error' && performance.now() - start < 30_000) await new Promise((r) => setTimeout(r, 50));
      const status = host.shadowRoot!.querySelector('[part="status"]')?.textContent ?? '';
      host.remove();
      return { errorsSeen, status };
    }, SPEC);
    expect(out.errorsSeen[0]?.kind).toBe('invalid-spec');
    expect(out.status).toMatch(/populations\[0\]\.size/);
  }, 60_000);

  it('controls: bind through `for`, reflect host state, disable Step while playing, keyboard k and .', async () => {
    const out = await page.evaluate(async (spec) => {
      const host = document.createElement('cg-simulation');
      host.id = 'ctl-host';
      host.spec = spec as never;
      const controls = document.createElement('cg-controls');
      controls.setAttribute('for', 'ctl-host');
      document.body.append(host, controls);
      const until = async (test: () => boolean): Promise<void> => {
        const start = performance.now();
        while (!test() && performance.now() - start < 60_000) await new Promise((r) => setTimeout(r, 50));
      };
      await until(() => host.status === 'ready');
      await controls.updateComplete;
      const root = controls.shadowRoot!;
      const part = (name: string) => root.querySelector(`[part="${name}"]`) as HTMLButtonElement & HTMLInputElement;
      const boundHost = controls.host === host;
      const labels = [...root.querySelectorAll('label')].map((l) => l.textContent?.trim().split(/\s+/)[0]);
      part('step').click();
      await until(() => host.stepCount === 1);
      const afterStepButton = host.stepCount;
      part('play').click();
      await controls.updateComplete;
      const pressed = part('play').getAttribute('aria-pressed');
      const stepDisabled = part('step').disabled;
      part('play').dispatchEvent(new KeyboardEvent('keydown', { key: 'k', bubbles: true, composed: true }));
      await controls.updateComplete;
      const playingAfterK = host.playing;
      const before = host.stepCount;
      part('play').dispatchEvent(new KeyboardEvent('keydown', { key: '.', bubbles: true, composed: true }));
      await until(() => host.stepCount === before + 1);
      const stepsInput = part('steps-per-frame');
      stepsInput.value = '7';
      stepsInput.dispatchEvent(new Event('change'));
      const seedInput = part('seed');
      seedInput.value = '42';
      seedInput.dispatchEvent(new Event('change'));
      const result = { boundHost, labels, afterStepButton, pressed, stepDisabled, playingAfterK, dotStep: host.stepCount - before, stepsPerFrame: host.stepsPerFrame, seed: host.seed };
      host.remove();
      controls.remove();
      return result;
    }, SPEC);
    expect(out.boundHost).toBe(true);
    expect(out.labels).toEqual(['Seed', 'Steps']);
    expect(out.afterStepButton).toBe(1);
    expect(out.pressed).toBe('true');
    expect(out.stepDisabled).toBe(true);
    expect(out.playingAfterK).toBe(false);
    expect(out.dotStep).toBe(1);
    expect(out.stepsPerFrame).toBe(7);
    expect(out.seed).toBe(42);
  }, 120_000);

  it('parameter panel: knobs from model metadata with units and ranges; live change applies; refusal is reported', async () => {
    const out = await page.evaluate(async (spec) => {
      const host = document.createElement('cg-simulation');
      host.spec = spec as never;
      const panel = document.createElement('cg-parameter-panel');
      host.append(panel);
      document.body.append(host);
      const start = performance.now();
      while ((host.status !== 'ready' || panel.shownKnobs.length === 0) && performance.now() - start < 60_000) await new Promise((r) => setTimeout(r, 50));
      await panel.updateComplete;
      const knobs = panel.shownKnobs.map((k) => ({ id: k.id, unit: k.unit, min: k.min, max: k.max }));
      const changes: unknown[] = [];
      const refusals: { message: string }[] = [];
      panel.addEventListener('cg-parameter-change', (e) => changes.push((e as CustomEvent).detail));
      panel.addEventListener('cg-parameter-refused', (e) => refusals.push((e as CustomEvent).detail));
      // Through the DOM, as a user: the membrane time constant slider.
      const slider = panel.shadowRoot!.querySelector('#knob-E_tau_m_ms') as HTMLInputElement;
      const label = panel.shadowRoot!.querySelector('label[for="knob-E_tau_m_ms"]')?.textContent ?? '';
      slider.value = '15';
      slider.dispatchEvent(new Event('input'));
      const tau = host.simulator!.populationParams('E')['tau_m_ms'];
      // A reset above threshold is refused by the simulator; the panel reports it.
      const refused = panel.setValue('E.v_reset_mV', -40);
      await panel.updateComplete;
      const message = panel.shadowRoot!.querySelector('[part="message"]')?.textContent ?? '';
      const input = panel.setValue('input0.rate_hz', 0);
      host.remove();
      return { knobs, label, tau, changes, refused, refusals, message, input, knobValue: panel.knobValue('E.tau_m_ms') };
    }, SPEC);
    const tauKnob = out.knobs.find((k) => k.id === 'E.tau_m_ms')!;
    expect(tauKnob.unit).toBe('ms');
    expect(tauKnob.min).toBeGreaterThan(0);
    expect(out.knobs.some((k) => k.id === 'input0.rate_hz' && k.unit === 'Hz')).toBe(true);
    expect(out.label).toContain('tau_m_ms');
    expect(out.tau).toBe(15);
    expect(out.knobValue).toBe(15);
    expect(out.changes[0]).toMatchObject({ id: 'E.tau_m_ms', value: 15 });
    expect(out.refused).toBe(false);
    expect(out.refusals[0]?.message).toMatch(/v_reset_mV/);
    expect(out.message).toMatch(/v_reset_mV/);
    expect(out.input).toBe(true);
    expect(errors, errors.join('\n')).toEqual([]);
  }, 120_000);
});
