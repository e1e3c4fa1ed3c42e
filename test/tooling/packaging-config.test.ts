// The packaging config (electron-builder.config.js): valid by electron-builder's own schema,
// the fuses as the security checklist wants them, and every file the BUILT main process loads
// at run time packed — and unpacked where a worker thread or the OS loader needs a real file.
// The files come from the bundles in out/ (npm test builds first), not from a list kept here.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative, resolve } from 'node:path';
import * as fileMatcher from 'app-builder-lib/out/fileMatcher.js';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { describe, expect, it } from 'vitest';
import config from '../../electron-builder.config.js';
import { ROOT } from '../helpers/host';

const OUT_MAIN = join(ROOT, 'out', 'main');

// How electron-builder builds the matchers for the app's files and for node_modules: exported
// by its module, though left out of its type declarations.
type Matcher = fileMatcher.FileMatcher;
const { getFileMatchers, getMainFileMatchers, getNodeModuleFileMatcher } = fileMatcher as typeof fileMatcher & {
  getMainFileMatchers(...args: unknown[]): Matcher[];
  getNodeModuleFileMatcher(...args: unknown[]): Matcher;
};

const APP = join(ROOT, 'dist', 'linux-unpacked', 'resources', 'app');
const same = (p: string) => p;
type Filter = (file: string, stat: unknown) => boolean;
const asFn = (filters: Filter[]) => (rel: string) => {
  const file = join(ROOT, rel);
  return filters.some((f) => f(file, statSync(file)));
};

/**
 * electron-builder's own matchers, built the way its packager builds them: the app's files
 * (our `files` plus its default exclusions), node_modules (only the exclusions of `files`
 * apply; production dependencies are shipped whole), and `asarUnpack`.
 */
function matchers() {
  const c = structuredClone(config);
  const debugLogger = new DebugLogger(false);
  const info = { projectDir: ROOT, buildResourcesDir: 'build', isPrepackedAppAsar: false, config: c, debugLogger };
  const main = getMainFileMatchers(ROOT, APP, same, {}, { info } as never, join(ROOT, 'dist'), false);
  const modules = getNodeModuleFileMatcher(ROOT, APP, same, {}, { config: c, debugLogger } as never);
  const unpack = getFileMatchers(c as never, 'asarUnpack', APP, {
    macroExpander: same,
    customBuildOptions: {},
    globalOutDir: join(ROOT, 'dist'),
    defaultSrc: ROOT,
  });
  return {
    packed: asFn(main.map((m) => m.createFilter() as Filter)),
    packedModule: asFn([modules.createFilter() as Filter]),
    unpacked: asFn((unpack ?? []).map((m) => m.createFilter() as Filter)),
  };
}

/** Relative imports of a built module, followed to every chunk they reach. */
function closure(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const text = readFileSync(entry, 'utf8');
  for (const m of text.matchAll(/(?:from|import\()\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    closure(resolve(entry, '..', m[1]), seen);
  }
  return seen;
}

function builtMain(): { index: string; workers: string[]; host: string } {
  const index = join(OUT_MAIN, 'index.js');
  if (!existsSync(index)) throw new Error('out/main is not built: run `npm run build` (npm test does) first');
  const chunks = readdirSync(join(OUT_MAIN, 'chunks')).map((f) => join(OUT_MAIN, 'chunks', f));
  const host = chunks.find((f) => /modulePath|worker-[\w-]+\.js/.test(readFileSync(f, 'utf8')));
  if (!host) throw new Error('no chunk of out/main names the worker bundles');
  // `?modulePath` imports become join(import.meta.dirname, "../worker-HASH.js").
  const workers = [...readFileSync(host, 'utf8').matchAll(/join\(import\.meta\.dirname,\s*"([^"]+)"\)/g)].map((m) =>
    resolve(host, '..', m[1]),
  );
  return { index, workers, host };
}

const rel = (p: string) => relative(ROOT, p).split('\\').join('/');

describe('electron-builder.config.js', () => {
  it("passes electron-builder's own schema validation, which does reject a wrong config", async () => {
    await expect(validateConfiguration(config as never, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(
      validateConfiguration({ ...config, asarUnpak: ['x'] } as never, new DebugLogger(false)),
    ).rejects.toThrow(/asarUnpak/);
  });

  it('builds one file per platform: AppImage, dmg, portable exe', () => {
    const targets = (c: { target: { target: string }[] }) => c.target.map((t) => t.target);
    expect(targets(config.linux as never)).toEqual(['AppImage']);
    expect(targets(config.mac as never)).toEqual(['dmg']);
    expect(targets(config.win as never)).toEqual(['portable']);
  });

  it('sets the Electron fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('packs every file the built main process loads, and unpacks what must be real files', () => {
    const { packed: included, unpacked } = matchers();
    const { index, workers, host } = builtMain();
    expect(workers.map((w) => rel(w))).toHaveLength(3);
    expect(rel(host)).toMatch(/^out\/main\/chunks\//);

    const indexText = readFileSync(index, 'utf8');
    const preload = /join\(__dirname,\s*"(\.\.\/preload\/[^"]+)"\)/.exec(indexText)?.[1];
    // The renderer: a file next to out/main (file://) or a directory served by the app's protocol.
    const renderer = /join\(\w+,\s*"\.\.",\s*"renderer"\)/.test(indexText)
      ? '../renderer/index.html'
      : /join\(__dirname,\s*"(\.\.\/renderer\/[^"]+)"\)/.exec(indexText)?.[1];
    expect(preload, 'the preload path in out/main/index.js').toBeDefined();
    expect(renderer, 'the renderer path in out/main/index.js').toBeDefined();

    // Inside app.asar: the entry, what it imports, the preload.
    const inAsar = [...closure(index), resolve(OUT_MAIN, preload as string)];
    // Real files for worker threads: each worker and all it imports, and what they read.
    const onDisk = [
      ...workers.flatMap((w) => [...closure(w)]),
      resolve(OUT_MAIN, renderer as string),
      join(ROOT, 'out', 'renderer', 'index.html'),
      join(ROOT, 'resources', 'regions.csv'),
    ];
    for (const f of [...inAsar, ...onDisk]) {
      expect(existsSync(f), `${rel(f)} exists`).toBe(true);
      expect(included(rel(f)), `${rel(f)} is packed`).toBe(true);
    }
    for (const f of onDisk) expect(unpacked(rel(f)), `${rel(f)} is unpacked`).toBe(true);
    expect(unpacked('out/main/index.js'), 'the entry stays in the checked app.asar').toBe(false);
    expect(unpacked(rel(resolve(OUT_MAIN, preload as string))), 'the preload stays in app.asar').toBe(false);
  });

  // Static imports, dynamic imports and the lazy loads a bundle does with createRequire (papaparse
  // is loaded on first use, so it shows up only as a require call). A specifier has no space or
  // comma: a string array holding "from" (["from", "to"]) is not an import.
  const IMPORTS = /(?:\bfrom|\bimport\(|createRequire\(import\.meta\.url\)\()\s*["']([^."'\s,][^"'\s,]*)["']/g;

  it("ships lmdb's native binary for this platform, unpacked, and every package the bundles import", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const imported = new Set<string>();
    for (const f of readdirSync(OUT_MAIN, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'))) {
      for (const m of readFileSync(join(OUT_MAIN, f), 'utf8').matchAll(IMPORTS)) {
        const name = m[1].startsWith('@') ? m[1].split('/').slice(0, 2).join('/') : m[1].split('/')[0];
        if (!isBuiltin(name) && name !== 'electron') imported.add(name);
      }
    }
    expect([...imported].sort()).toEqual(['cockatiel', 'etcd3', 'lmdb', 'papaparse', 'prom-client']);
    // electron-builder ships `dependencies` (and theirs), never devDependencies.
    for (const name of imported) expect(pkg.dependencies[name], `${name} is a dependency`).toBeDefined();

    const nativePkg = join('node_modules', '@lmdb', `lmdb-${process.platform}-${process.arch}`);
    const natives = readdirSync(join(ROOT, nativePkg)).filter((f) => f.endsWith('.node'));
    expect(
      natives.some((f) => f.startsWith('node.napi')),
      'an N-API build (same ABI in Electron)',
    ).toBe(true);
    const { packedModule, unpacked } = matchers();
    for (const f of natives)
      expect(packedModule(`${nativePkg}/${f}`.split('\\').join('/')), `${f} is packed`).toBe(true);
    for (const f of natives) expect(unpacked(`${nativePkg}/${f}`.split('\\').join('/')), `${f} is unpacked`).toBe(true);
    expect(unpacked('node_modules/lmdb/package.json'), 'lmdb itself, which workers import by name').toBe(true);
  });
});
