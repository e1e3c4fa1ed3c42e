// Where things are on disk. The package root is found by walking up from this module, because
// bundling moves code into chunks and Electron, the CLI and tests all start from other places.

import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'flylight') {
          root = dir;
          return dir;
        }
      } catch {
        // not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the flylight package root');
    dir = up;
  }
}

export function defaultRegionsFile(): string {
  return join(packageRoot(), 'resources', 'regions.csv');
}

/** The scenarios shipped with Flylight (`serve --scenario NAME`), one directory each. */
export function shippedScenariosDir(): string {
  return join(packageRoot(), 'resources', 'scenarios');
}

/** The built dashboard, or null when `npm run build` has not produced it. */
export function builtDashboardDir(): string | null {
  const dir = join(packageRoot(), 'out', 'renderer');
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

/** XDG data directory for the headless host (Electron uses its own userData). */
export function defaultDataDir(): string {
  const xdg = process.env.XDG_DATA_HOME;
  return resolve(xdg?.startsWith('/') ? xdg : join(homedir(), '.local', 'share'), 'flylight');
}

/** XDG config directory: where the API token lives. */
export function defaultConfigDir(): string {
  const xdg = process.env.XDG_CONFIG_HOME;
  return resolve(xdg?.startsWith('/') ? xdg : join(homedir(), '.config'), 'flylight');
}

/**
 * Creates `dir` (and its missing parents) readable by this user only, and tightens it if it was
 * there already: the fleet, the logs and the token are nobody else's business. The mode is
 * set with chmod, so the umask cannot loosen it. A directory owned by someone else (chmod is
 * refused) is left as it is.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch {
    // not ours to change; what we create inside it is still private
  }
}
