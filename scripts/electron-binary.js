// Where the Electron binary is, or why it cannot run here: the one place that works it out
// (`npm start`, the Electron e2e project and the Playwright config all ask here). It reads
// electron's path.txt itself instead of requiring 'electron', whose index.js tries to download
// the binary on first use.

import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project this script belongs to: `npm start` runs the app from here. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ binary: string } | { why: string }}
 */
export function findElectron(env = process.env) {
  if (env.FLYLIGHT_HEADLESS === '1') return { why: 'FLYLIGHT_HEADLESS=1 is set' };
  const dir = join(projectRoot, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) {
    return {
      why: 'the Electron binary is not installed (run `npx install-electron` where its download host is reachable)',
    };
  }
  const name = readFileSync(pathFile, 'utf8').trim();
  const binary = join(dir, 'dist', name);
  if (!name || !existsSync(binary) || !statSync(binary).isFile()) {
    return { why: `the Electron binary is missing at ${binary} (run \`npx install-electron\` to fetch it again)` };
  }
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    return { why: `the Electron binary at ${binary} is not executable` };
  }
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { why: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  return { binary };
}
