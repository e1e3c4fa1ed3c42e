// `npm run dist`'s packager run for real, with a stand-in Electron: electron-builder packs the
// built app with electron-builder.config.js from an "Electron distribution" the test writes (a
// script carrying Electron's fuse wire, as the real binary does), so everything but the real
// Electron binary is the real thing. Then the packed app is checked the way Electron reads it:
// the archive's entries and unpacked flags, the fuse wire flipped, and the host started from
// the unpacked files (real worker threads, lmdb's native binary from the package) with Node.

import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractFile, statFile } from '@electron/asar';
import { Arch, build, Platform } from 'electron-builder';
import { describe, expect, it } from 'vitest';
import config from '../../electron-builder.config.js';
import { ROOT } from '../helpers/host';

// @electron/fuses finds the wire after this sentinel: a version byte, a length byte, then one
// '0'/'1' per fuse. Electron's own defaults, in FuseV1Options order.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const DEFAULT_WIRE = '10110001';

function standInElectron(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flylight-electron-dist-'));
  mkdirSync(join(dir, 'resources'));
  const bin = join(dir, 'electron');
  writeFileSync(bin, `#!/bin/sh\n# ${SENTINEL}\x01\x08${DEFAULT_WIRE}\nexit 0\n`, 'latin1');
  chmodSync(bin, 0o755);
  writeFileSync(
    join(dir, 'version'),
    JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')).version,
  );
  writeFileSync(join(dir, 'LICENSE'), '');
  return dir;
}

describe.runIf(process.platform === 'linux')('packaging with a stand-in Electron', () => {
  it('packs the app, flips the fuses, and the unpacked host runs', { timeout: 240_000 }, async () => {
    const output = mkdtempSync(join(tmpdir(), 'flylight-dist-'));
    await build({
      projectDir: ROOT,
      config: { ...config, electronDist: standInElectron(), directories: { output } },
      targets: Platform.LINUX.createTarget('dir', Arch.x64),
      publish: 'never',
    });
    const app = join(output, 'linux-unpacked');
    const resources = join(app, 'resources');
    const asar = join(resources, 'app.asar');
    const unpackedDir = join(resources, 'app.asar.unpacked');

    // Fuses, in FuseV1Options order: RunAsNode off, cookie encryption on, NODE_OPTIONS off,
    // --inspect off, asar integrity on, only app.asar on; the last two left as Electron ships.
    const binary = readFileSync(join(app, 'flylight'), 'latin1');
    const at = binary.indexOf(SENTINEL) + SENTINEL.length;
    expect(binary.slice(at + 2, at + 10)).toBe('01001101');

    const pkg = JSON.parse(extractFile(asar, 'package.json').toString());
    expect(pkg.main).toBe('./out/main/index.js');
    const inAsar = (f: string) => statFile(asar, f) as { unpacked?: boolean };
    expect(inAsar('out/main/index.js').unpacked ?? false).toBe(false);
    expect(inAsar('out/preload/index.cjs').unpacked ?? false).toBe(false);
    const workers = readdirSync(join(unpackedDir, 'out', 'main')).filter((f) => /^worker-.*\.js$/.test(f));
    expect(workers).toHaveLength(3);
    for (const f of workers) expect(inAsar(`out/main/${f}`).unpacked).toBe(true);
    // The unpacked workers are ES modules by their package.json, not by Node's guess.
    expect(JSON.parse(readFileSync(join(unpackedDir, 'package.json'), 'utf8')).type).toBe('module');
    expect(existsSync(join(unpackedDir, 'resources', 'regions.csv'))).toBe(true);
    expect(existsSync(join(unpackedDir, 'out', 'renderer', 'index.html'))).toBe(true);
    expect(existsSync(join(unpackedDir, 'node_modules', '@lmdb', 'lmdb-linux-x64', 'node.napi.glibc.node'))).toBe(true);
    // Vite bundled the renderer's libraries: none of them is shipped again.
    for (const lib of ['react', 'react-dom', 'recharts', 'zustand', '@xterm']) {
      expect(existsSync(join(unpackedDir, 'node_modules', lib)), lib).toBe(false);
    }

    // The host from the packed files: its chunk, its three workers, lmdb's native binary.
    const chunk = readdirSync(join(unpackedDir, 'out', 'main', 'chunks')).find((f) => f.startsWith('host-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'flylight-packed-'));
    const script = `
      const mod = await import(${JSON.stringify(join(unpackedDir, 'out', 'main', 'chunks', String(chunk)))});
      const { startHost } = Object.values(mod).find((v) => v && typeof v.startHost === 'function');
      const host = await startHost({ host: '127.0.0.1', port: 0, regionsFile: ${JSON.stringify(join(unpackedDir, 'resources', 'regions.csv'))},
        flydIntervalMs: 100, numCandidates: 5, dataDir: ${JSON.stringify(dataDir)}, staticDir: null, rpcTimeoutMs: 5000, logFormat: 'silent' });
      const res = await fetch(host.url + '/healthz');
      console.log(JSON.stringify({ status: res.status, workers: host.workers().map((w) => w.state) }));
      await host.stop();`;
    // A file, not `-e`: worker threads inherit the parent's execArgv.
    const scriptFile = join(dataDir, '..', `${dataDir.split(/[\\/]/).pop()}-run.mjs`);
    writeFileSync(scriptFile, script);
    const child = spawn(process.execPath, [scriptFile], { cwd: tmpdir() });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code, err).toBe(0);
    expect(JSON.parse(out.trim().split('\n').pop() as string)).toEqual({
      status: 200,
      workers: ['ready', 'ready', 'ready'],
    });
    expect(existsSync(join(dataDir, 'store.lmdb'))).toBe(true);
  });
});
