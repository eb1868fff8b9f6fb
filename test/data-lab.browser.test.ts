/**
 * The data lab demo (demos/data-lab/) in headless Chromium (software WebGPU), from its production
 * build: a SONATA folder written by `exportSonata` is picked with the folder input (files with
 * their webkitRelativePath, as a user's pick gives them), imported as Node imports it, and runs
 * (spikes appear, rates are shown); an NWB file written by `writeNwbSpikes` is picked, two
 * conditions and a window are chosen, and the page's Fisher information equals
 * `cortexgpu fisher --nwb … --cpu --json`; a file that is not HDF5 is refused in the page with
 * its name and the fix. No console errors or warnings.
 */
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, ElementHandle } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSonata } from '../src/io/sonata-import.js';
import type { DataLabState } from '../demos/data-lab/main.js';
import { cli } from './helpers/cli.js';
import { writeDataLabFiles } from './helpers/data-lab.js';
import { BrowserHarness, collectErrors } from './support/browser.js';

const work = mkdtempSync(join(tmpdir(), 'cortexgpu-data-lab-'));

describe('data lab demo (headless Chromium, WebGPU)', () => {
  const harness = new BrowserHarness();
  let browser: Browser;
  let files: { sonataDir: string; nwbPath: string };
  beforeAll(async () => {
    const started = performance.now();
    [, files] = await Promise.all([harness.start({ site: 'built', pages: ['data-lab'] }), writeDataLabFiles(work)]);
    browser = await harness.launch();
    console.log(`data lab: built in ${harness.buildS.toFixed(1)} s, ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  });
  afterAll(async () => {
    await harness.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('runs a picked SONATA folder and computes the Fisher information of a picked NWB file as the CLI does', async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    const errors = collectErrors(page, { warnings: true });
    await page.goto(`${harness.baseUrl}/data-lab/index.html`, { waitUntil: 'load' });
    const state = (): Promise<DataLabState> => page.evaluate(() => JSON.parse(JSON.stringify(window.cortexgpuDataLab)) as DataLabState);

    // SONATA: pick the folder (Chromium enumerates it, setting each file's webkitRelativePath).
    const started = performance.now();
    const folderInput = (await page.$('#sonata-folder')) as ElementHandle<HTMLInputElement>;
    await folderInput.uploadFile(files.sonataDir);
    await page.waitForFunction(() => ['imported', 'error'].includes(document.body.dataset.sonata ?? ''), { timeout: 30_000, polling: 50 });
    const status = await page.$eval('#sonata-status', (el) => el.textContent ?? '');
    expect(await page.evaluate(() => document.body.dataset.sonata), status).toBe('imported');
    const importedS = (performance.now() - started) / 1000;
    const node = await importSonata(join(files.sonataDir, 'simulation_config.json'));
    const shown = (await state()).sonata!;
    expect(shown.config).toBe('net/simulation_config.json');
    expect(shown.populations.map((p) => [p.name, p.size])).toEqual(node.spec.populations.map((p) => [p.name, p.size]));
    expect(shown.projections.map((q) => [q.source, q.target, q.synapses])).toEqual(
      node.spec.projections!.map((q) => [q.source, q.target, q.connector.type === 'edge_list' ? q.connector.sources.length : -1]),
    );
    expect(await page.$$eval('#populations-table tbody tr', (rows) => rows.length)).toBe(node.spec.populations.length);

    // It runs on WebGPU: spikes appear in every population and the rates table shows them.
    await page.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error', { timeout: 60_000, polling: 50 });
    expect(await page.evaluate(() => document.body.dataset.state), (await state()).errors.join('\n')).toBe('ready');
    const readyS = (performance.now() - started) / 1000;
    await page.waitForFunction(() => Object.values(window.cortexgpuDataLab!.spikes).every((n) => n > 0), { timeout: 60_000, polling: 100 });
    const run = await state();
    const rates = await page.$$eval('#rates-table tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rates.map((r) => r[0])).toEqual(['E', 'I']);
    for (const row of rates) expect(Number(row[3]), row.join(' ')).toBeGreaterThan(0);
    console.log(`data lab: SONATA folder imported and ${run.simulatedMs.toFixed(0)} ms simulated (spikes ${JSON.stringify(run.spikes)}) in ${((performance.now() - started) / 1000).toFixed(1)} s (imported ${importedS.toFixed(1)} s, built ${readyS.toFixed(1)} s)`);

    // NWB: pick the file, choose the conditions and the window, compute.
    const nwbStarted = performance.now();
    const nwbInput = (await page.$('#nwb-file')) as ElementHandle<HTMLInputElement>;
    await nwbInput.uploadFile(files.nwbPath);
    await page.waitForFunction(() => ['loaded', 'error'].includes(document.body.dataset.nwb ?? ''), { timeout: 30_000, polling: 50 });
    expect(await page.evaluate(() => document.body.dataset.nwb), await page.$eval('#nwb-status', (el) => el.textContent ?? '')).toBe('loaded');
    expect((await state()).nwb).toMatchObject({ file: 'session.nwb', units: 8, trials: 60, trialColumns: ['stimulus'], unitColumns: ['area'] });
    await page.select('#condition-column', 'stimulus');
    await page.select('#value-a', 'left');
    await page.select('#value-b', 'right');
    await page.$eval('#window-start', (el) => ((el as HTMLInputElement).value = '100'));
    await page.$eval('#window-end', (el) => ((el as HTMLInputElement).value = '900'));
    await page.$eval('#ds', (el) => ((el as HTMLInputElement).value = '0.5'));
    await page.click('#compute');
    await page.waitForFunction(() => ['computed', 'error'].includes(document.body.dataset.nwb ?? ''), { timeout: 30_000, polling: 50 });
    expect(await page.evaluate(() => document.body.dataset.nwb), await page.$eval('#nwb-status', (el) => el.textContent ?? '')).toBe('computed');
    const fisher = (await state()).fisher!;
    const r = await cli('fisher', '--nwb', files.nwbPath, '--window', '100,900', '--condition-column', 'stimulus', '--a', 'left', '--b', 'right', '--ds', '0.5', '--json', '--cpu');
    expect(r.code, r.stderr).toBe(0);
    const expected = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['N', 'T', 'T_a', 'T_b', 'I_naive', 'I_bc', 'I_bc_se', 'I_shuffle', 'I_shuffle_bc', 'redundancy', 'rho', 'valid', 'single_neuron_bc', 'decoder']) {
      expect((fisher as unknown as Record<string, unknown>)[key], key).toEqual(expected[key]);
    }
    const table = await page.$$eval('#fisher-table tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const shownIbc = table.find((row) => row[0] === 'I_bc')![1]!;
    expect(Number(shownIbc.split(' ± ')[0])).toBeCloseTo(expected['I_bc'] as number, 4);
    console.log(`data lab: NWB file read and Fisher information computed in ${((performance.now() - nwbStarted) / 1000).toFixed(1)} s (I_bc ${shownIbc})`);

    // A file that is not HDF5 is refused in the page, naming it and the fix.
    const junk = join(work, 'broken.nwb');
    writeFileSync(junk, 'this is not an HDF5 file');
    await nwbInput.uploadFile(junk);
    await page.waitForFunction(() => document.body.dataset.nwb === 'error', { timeout: 30_000, polling: 50 });
    const message = await page.$eval('#nwb-status', (el) => el.textContent ?? '');
    expect(message).toContain("'broken.nwb' is not an HDF5 file (no HDF5 signature); give an NWB 2.x file");
    expect(await page.$eval('#fisher-table', (el) => (el as HTMLElement).hidden)).toBe(true);

    // A SONATA folder whose nodes file is not HDF5: refused in the page, naming the file and the fix.
    const broken = join(work, 'broken-net');
    cpSync(files.sonataDir, broken, { recursive: true });
    const nodesFile = readdirSync(join(broken, 'network')).filter((f) => f.endsWith('_nodes.h5')).sort()[0]!;
    writeFileSync(join(broken, 'network', nodesFile), 'not HDF5');
    await folderInput.uploadFile(broken);
    await page.waitForFunction(() => document.body.dataset.sonata === 'error', { timeout: 30_000, polling: 50 });
    const sonataMessage = await page.$eval('#sonata-status', (el) => el.textContent ?? '');
    expect(sonataMessage).toContain(`SONATA import: nodes file of /broken-net/circuit_config.json: networks.nodes[0]: '/broken-net/network/${nodesFile}' is not an HDF5 file (no HDF5 signature); give a SONATA HDF5 file.`);
    expect(await page.$eval('#network', (el) => (el as HTMLElement).hidden)).toBe(true);

    expect(errors).toEqual([]);
    await page.close();
  });
});
