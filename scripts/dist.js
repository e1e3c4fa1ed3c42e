// `npm run dist [-- --linux|--mac|--win] [--x64|--arm64]`: builds the app and packs it as one
// file for a platform (default: this one) with electron-builder and electron-builder.config.js.
// What stops a build is said in one line, and checked before the build where it can be known
// up front: Electron's download host unreachable, lmdb's native binary for the target missing.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PLATFORMS = { '--linux': 'linux', '--mac': 'darwin', '--win': 'win32' };
const ARCHS = { '--x64': 'x64', '--arm64': 'arm64' };

/** @param {string} line @returns {never} */
function fail(line) {
  process.stderr.write(`npm run dist: ${line}\n`);
  process.exit(1);
}

/** @returns {{ platform: string, arch: string }} */
export function parseArgs(argv, here = { platform: process.platform, arch: process.arch }) {
  let platform = here.platform;
  let arch = here.arch;
  for (const a of argv) {
    if (a in PLATFORMS) platform = PLATFORMS[a];
    else if (a in ARCHS) arch = ARCHS[a];
    else
      throw new Error(`unknown option ${a} (allowed: ${[...Object.keys(PLATFORMS), ...Object.keys(ARCHS)].join(' ')})`);
  }
  return { platform, arch };
}

/** Where @electron/get keeps downloaded zips (its cache layout: <cache>/<hash>/<file>). */
function electronCacheDir(env = process.env) {
  if (env.electron_config_cache) return env.electron_config_cache;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'electron');
  if (process.platform === 'win32')
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'electron', 'Cache');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'electron');
}

function inCache(dir, file) {
  try {
    return readdirSync(dir).some((d) => {
      try {
        return statSync(join(dir, d, file)).isFile();
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Resolves null when `url` answers at all (any HTTP status), else the network error's words. */
function reach(url, timeoutMs = 10_000) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'HEAD', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(null);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (/** @type {NodeJS.ErrnoException} */ err) => resolve(err.code ? `${err.code}` : err.message));
    req.end();
  });
}

async function main() {
  /** @type {{ platform: string, arch: string }} */
  let target;
  try {
    target = parseArgs(process.argv.slice(2));
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  const { platform, arch } = target;

  // lmdb's prebuilt binary comes as an optional package per platform; npm installs this
  // machine's only. Shipping another platform's needs it installed.
  const lmdbPkg = `@lmdb/lmdb-${platform}-${arch}`;
  if (!statSafe(join(root, 'node_modules', lmdbPkg, 'package.json'))) {
    fail(
      `lmdb's native binary for ${platform}-${arch} is not installed (${lmdbPkg}); build on that platform, or run \`npm install --no-save --os=${platform} --cpu=${arch} ${lmdbPkg}\``,
    );
  }

  const version = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  const zip = `electron-v${version}-${platform}-${arch}.zip`;
  if (!inCache(electronCacheDir(), zip)) {
    const mirror = process.env.ELECTRON_MIRROR ?? 'https://github.com/electron/electron/releases/download/';
    const url = `${mirror.replace(/\/?$/, '/')}v${version}/${zip}`;
    const why = await reach(url);
    if (why) {
      fail(
        `cannot download Electron ${version} for ${platform}-${arch} from ${new URL(url).host} (${why}); run it where that host is reachable, or set ELECTRON_MIRROR to a mirror that is`,
      );
    }
  }

  const vite = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (vite.status !== 0) fail('the build (electron-vite build) failed; its output is above');

  const { Arch, build, Platform } = await import('electron-builder');
  const config = (await import('../electron-builder.config.js')).default;
  const platforms = { linux: Platform.LINUX, darwin: Platform.MAC, win32: Platform.WINDOWS };
  try {
    const files = await build({
      projectDir: root,
      config,
      targets: platforms[platform].createTarget(null, Arch[arch]),
      publish: 'never',
    });
    for (const f of files) if (!f.endsWith('.blockmap')) process.stdout.write(`built ${f}\n`);
  } catch (err) {
    // electron-builder's errors carry stacks from deep inside; the first line says what failed.
    const e = /** @type {{ message?: string, code?: string }} */ (err);
    const first = String(e?.message ?? err).split('\n')[0];
    fail(e?.code && !first.includes(e.code) ? `${first} (${e.code})` : first);
  }
}

function statSafe(p) {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
