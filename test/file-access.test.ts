/**
 * File access for the browser (src/io/file-access.ts, hdf5-browser.ts): POSIX paths as
 * node:path/posix resolves them; a SONATA folder and an NWB file held in memory (as the data lab
 * page holds picked files) read with h5wasm's ESM build give what the Node readers give from the
 * filesystem; errors name the file as the Node readers do.
 */
import { readdirSync, readFileSync, rmSync, mkdtempSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryFileAccess, posixPath } from '../src/io/file-access.js';
import { openHdf5Bytes } from '../src/io/hdf5-browser.js';
import { openHdf5 } from '../src/io/hdf5.js';
import { readNwbSpikes, readNwbSpikesFrom } from '../src/io/nwb.js';
import { importSonata, importSonataFrom } from '../src/io/sonata-import.js';
import { writeDataLabFiles } from './helpers/data-lab.js';

const work = mkdtempSync(join(tmpdir(), 'cortexgpu-file-access-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every file under `dir`, keyed by its path relative to `base` (as webkitRelativePath gives it). */
function filesUnder(dir: string, base: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out.set(relative(base, full).split('\\').join('/'), new Uint8Array(readFileSync(full)));
  }
  return out;
}

describe('file access in memory (the browser)', () => {
  it('resolves POSIX paths as node:path/posix does', () => {
    const cases = [['a', 'b'], ['/a', '../b'], ['a/./b', '..', 'c'], ['a', '../..', 'x'], ['/a/b/', 'c//d'], ['', 'a'], ['.', '.']];
    for (const parts of cases) expect(posixPath.join(...parts), parts.join(' ')).toBe(posix.join(...parts));
    for (const p of ['/a/b/c.h5', 'a/b', 'a', '/a', '/', 'a/b/']) {
      expect(posixPath.dirname(p), p).toBe(posix.dirname(p));
      expect(posixPath.basename(p), p).toBe(posix.basename(p));
    }
    for (const parts of [['a/b', '../c'], ['/x', 'y/../z'], ['a', '/b', 'c']]) expect(posixPath.resolve(...parts)).toBe(posix.resolve('/', ...parts));
  });

  it('imports a SONATA folder and reads an NWB file from memory as the Node readers do from disk', async () => {
    const { sonataDir, nwbPath } = await writeDataLabFiles(work);
    const files = memoryFileAccess(filesUnder(sonataDir, work), openHdf5Bytes);
    const fromMemory = await importSonataFrom(files, 'net/simulation_config.json');
    const fromDisk = await importSonata(join(sonataDir, 'simulation_config.json'));
    const { description: _a, ...memorySpec } = fromMemory.spec;
    const { description: _b, ...diskSpec } = fromDisk.spec;
    expect(memorySpec).toEqual(diskSpec);
    expect(fromMemory.populations).toEqual(fromDisk.populations);
    expect(fromMemory.spec.description).toBe('SONATA network imported from net/simulation_config.json');

    const nwb = memoryFileAccess([['session.nwb', new Uint8Array(readFileSync(nwbPath))]], openHdf5Bytes);
    expect(await readNwbSpikesFrom(nwb, 'session.nwb')).toEqual(await readNwbSpikes(nwbPath));
  });

  it('names the file in errors as the Node readers do', async () => {
    const junk = join(work, 'junk.nwb');
    writeFileSync(junk, 'not hdf5 at all');
    const nodeError = await openHdf5(junk).catch((e: Error) => e);
    const memory = memoryFileAccess([[junk, new Uint8Array(readFileSync(junk))]], openHdf5Bytes);
    const memoryError = await memory.openHdf5(junk).catch((e: Error) => e);
    expect(memoryError).toBeInstanceOf(Error);
    expect((memoryError as Error).message).toBe((nodeError as Error).message);
    await expect(memory.openHdf5('/nowhere.nwb')).rejects.toThrow("cannot read '/nowhere.nwb': no such file.");
    await expect(memory.openHdf5(posixPath.dirname(junk))).rejects.toThrow('it is a folder');

    // A SONATA folder without its nodes file: the importer's message, with the picked path.
    const { sonataDir } = { sonataDir: join(work, 'net') };
    const files = filesUnder(sonataDir, work);
    const nodes = [...files.keys()].find((k) => k.endsWith('_nodes.h5') || k.endsWith('nodes.h5'))!;
    files.delete(nodes);
    await expect(importSonataFrom(memoryFileAccess(files, openHdf5Bytes), 'net/simulation_config.json')).rejects.toThrow(`cannot read '/${nodes}': no such file`);
  });
});
