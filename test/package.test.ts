/**
 * The npm package as a user gets it: `npm pack` (scripts skipped: dist/ must be current, which
 * `npm test`'s pretest ensures; `prepack` does a clean build for real packs), then
 *
 * - the tarball holds the build, shaders, CLI and examples, and every file the packed README and
 *   docs link to, and no docs asset that nothing links to (no screenshot bloat), no source maps;
 * - it installs into a fresh project offline, from the npm cache, at the versions of this
 *   repository's package-lock.json;
 * - the README's TypeScript API example (read from README.md now, so the test runs what the
 *   README shows) type-checks with a strict consumer tsconfig, without skipLibCheck, and runs
 *   on this machine's GPU (software Vulkan here).
 *
 * Writes only into os.tmpdir().
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, run, staleOutputs } from './helpers/dist.js';
const work = mkdtempSync(join(tmpdir(), 'cortexgpu-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const timings: Record<string, number> = {};
afterAll(() => {
  // Measured durations of the steps, for the suite-time budget.
  console.info(`package test timings (s): ${Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
});

/** Markdown link and image targets outside fenced code blocks (no URLs, no in-page anchors). */
function localLinks(markdown: string): string[] {
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '');
  const links: string[] = [];
  for (const match of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push(match[1]!);
  for (const match of text.matchAll(/<img\s[^>]*src="([^"]+)"/g)) links.push(match[1]!);
  return links
    .filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l) && !l.startsWith('#'))
    .map((l) => decodeURIComponent(l.replace(/#.*$/, '')));
}

/** The ```ts block that follows the "## TypeScript API" heading of README.md. */
function readmeApiExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## TypeScript API\s*$/m)[1];
  if (section === undefined) throw new Error('README.md has no "## TypeScript API" section');
  const block = /^```ts\n([\s\S]*?)^```/m.exec(section);
  if (block === null) throw new Error('README.md\'s "## TypeScript API" section has no ```ts block');
  return block[1]!;
}

/** A consumer project's lockfile: cortexgpu from the tarball, its dependencies as this repository locks them. */
function consumerLockfile(tarballName: string): object {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const spec = `file:${tarballName}`;
  const packages: Record<string, object> = {
    '': { name: 'cortexgpu-consumer', version: '1.0.0', dependencies: { cortexgpu: spec } },
    'node_modules/cortexgpu': {
      version: pkg['version'], resolved: spec, license: pkg['license'], dependencies: pkg['dependencies'], bin: pkg['bin'], engines: pkg['engines'],
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry['dev'] === true || entry['link'] === true) continue;
    const { devOptional, ...rest } = entry;
    packages[path] = devOptional === true ? { ...rest, optional: true } : rest;
  }
  return { name: 'cortexgpu-consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = join(root, 'node_modules', '.bin', 'tsc');
/** The consumer tsconfig of the task: strict, Node ESM, no skipLibCheck. */
const strictConsumer = { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022' };

let tarball = '';
let packed = new Set<string>();
const consumer = join(work, 'consumer');

beforeAll(async () => {
  const stale = staleOutputs();
  if (stale.length > 0) {
    throw new Error(`dist/ is older than ${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ` and ${stale.length - 5} more` : ''}: run npm run build:lib (npm test's pretest does) before this test`);
  }
  const pack = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], root, 120_000);
  timings['npm pack'] = pack.seconds;
  expect(pack.code, pack.stderr).toBe(0);
  const info = JSON.parse(pack.stdout) as { filename: string; size: number; unpackedSize: number; files: { path: string }[] }[];
  tarball = join(work, info[0]!.filename);
  packed = new Set(info[0]!.files.map((f) => f.path));
  console.info(`packed ${info[0]!.filename}: ${(info[0]!.size / 1e6).toFixed(2)} MB (${(info[0]!.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${packed.size} files)`);
}, 180_000);

describe('npm pack', () => {
  it('ships the library, shaders, CLI and examples, and no sources, tests or source maps', () => {
    for (const f of ['package.json', 'README.md', 'bin/cortexgpu.js', 'dist/index.js', 'dist/index.d.ts', 'dist/node/index.js', 'dist/node/index.d.ts', 'dist/cli/main.js']) {
      expect(packed.has(f), f).toBe(true);
    }
    const shaders = readdirSync(join(root, 'shaders'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.wgsl'));
    expect(shaders.length).toBeGreaterThan(30);
    for (const s of shaders) expect(packed.has(`shaders/${s}`), s).toBe(true);
    expect([...packed].filter((f) => /^(src|test|demos|scripts|node_modules)\//.test(f) || f.endsWith('.map'))).toEqual([]);
  });

  it('resolves every link of the packed README and docs inside the package, and ships no unlinked docs asset', () => {
    const markdown = [...packed].filter((f) => f === 'README.md' || (f.startsWith('docs/') && f.endsWith('.md')));
    const linked = new Set<string>();
    const missing: string[] = [];
    for (const md of markdown) {
      for (const link of localLinks(readFileSync(join(root, md), 'utf8'))) {
        const target = posix.normalize(posix.join(posix.dirname(md), link)).replace(/\/$/, '');
        linked.add(target);
        if (!packed.has(target) && ![...packed].some((f) => f.startsWith(`${target}/`))) missing.push(`${md} → ${link}`);
      }
    }
    const unlinked = [...packed].filter((f) => f.startsWith('docs/') && !f.endsWith('.md') && !linked.has(f));
    // missing: add the target to "files" in package.json (or make the link absolute);
    // unlinked: remove the asset that no shipped page shows from "files".
    expect({ missing, unlinked }).toEqual({ missing: [], unlinked: [] });
  });
});

describe('installed into a fresh project', () => {
  beforeAll(async () => {
    mkdirSync(consumer, { recursive: true });
    const tarballName = relative(consumer, tarball).split('\\').join('/');
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'cortexgpu-consumer', version: '1.0.0', private: true, type: 'module', dependencies: { cortexgpu: `file:${tarballName}` } }, null, 2));
    writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify(consumerLockfile(tarballName), null, 2));
    // Offline from the npm cache (filled by npm ci of this repository); the lockfile spares npm
    // the registry metadata, which npm ci never cached.
    let install = await run(npm, ['ci', '--offline', '--no-audit', '--no-fund'], consumer, 180_000);
    if (install.code !== 0) {
      console.warn(`offline install failed, retrying with --prefer-offline:\n${install.stderr}`);
      rmSync(join(consumer, 'package-lock.json'), { force: true });
      install = await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', `file:${tarballName}`], consumer, 300_000);
    }
    timings['npm install'] = install.seconds;
    expect(install.code, install.stderr).toBe(0);
    expect(existsSync(join(consumer, 'node_modules', 'cortexgpu', 'dist', 'index.js'))).toBe(true);
  }, 320_000);

  it('type-checks the README API example with a strict consumer tsconfig and no skipLibCheck', async () => {
    writeFileSync(join(consumer, 'example.ts'), readmeApiExample());
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...strictConsumer, outDir: 'build' }, include: ['example.ts'] }, null, 2));
    const check = await run(tsc, ['-p', 'tsconfig.json'], consumer, 120_000);
    timings['consumer tsc'] = check.seconds;
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.code).toBe(0);
    expect(existsSync(join(consumer, 'build', 'example.js'))).toBe(true);
  }, 130_000);

  it('runs the README API example on this machine\'s GPU', async () => {
    const example = join(consumer, 'build', 'example.js');
    expect(existsSync(example), 'the type-check test compiles the example').toBe(true);
    const result = await run(process.execPath, [example], consumer, 90_000);
    timings['README example'] = result.seconds;
    expect(result.timedOut, 'the README\'s TypeScript example must finish within 90 s here: it runs in the suite, on a software GPU').toBe(false);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stderr).not.toMatch(/\bError\b/);
  }, 100_000);

  it('runs the installed CLI: cortexgpu models', async () => {
    const bin = join(consumer, 'node_modules', '.bin', 'cortexgpu');
    const result = await run(bin, ['models', 'lif_psc_delta'], consumer, 60_000);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ {2}tau_m_ms +ms +10 +> 0 +membrane time constant$/m);
  }, 70_000);
});
