// Where the Electron binary is, or why it cannot run here — without requiring 'electron',
// whose index.js tries to download the binary on first use. Shared by `npm start` and the
// Electron e2e project.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** @returns {{ binary: string } | { why: string }} */
export function findElectron(env = process.env) {
  if (env.FLYLIGHT_HEADLESS === '1') return { why: 'FLYLIGHT_HEADLESS=1 is set' };
  const dir = join(root, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) {
    return {
      why: 'the Electron binary is not installed (run `npx install-electron` where its download host is reachable)',
    };
  }
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(binary)) return { why: `the Electron binary is missing at ${binary}` };
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { why: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  return { binary };
}
