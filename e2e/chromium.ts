// Finds a Chromium for the browser tests: CHROMIUM_PATH, the system's, or Playwright's own —
// which is fetched once with `playwright install chromium` when none is there (a fresh laptop).
// Where that download cannot be reached either, one line says which command installs one;
// never a silent skip.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { findOnPath } from '../test/helpers/executable';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
export const INSTALL_HINT =
  'install one with `sudo apt-get install chromium` (or set CHROMIUM_PATH to a Chromium/Chrome)';

export interface LocateOptions {
  env?: NodeJS.ProcessEnv;
  /** Where Playwright keeps its own Chromium (it need not exist). */
  playwrightChromium?: () => string;
  /** The `playwright` command that can download it. */
  playwright?: string;
  /** Progress for the one-time download. */
  say?: (line: string) => void;
}

export type Located = { path: string; installed?: true } | { error: string };

function onPath(env: NodeJS.ProcessEnv): string | undefined {
  return findOnPath(SYSTEM_NAMES, env);
}

/** The reason in a failed `playwright install`'s output, e.g. "getaddrinfo ENOTFOUND cdn.playwright.dev". */
export function installFailure(output: string): string {
  const lines = output.split(/\r?\n/).map((l) => l.trim());
  const error = lines.find((l) => /^Error: (?!Failed to download|Download failure)/.test(l));
  return (error ?? lines.filter(Boolean).pop() ?? 'no output').replace(/^Error: /, '');
}

export function locateChromium(opts: LocateOptions = {}): Located {
  const env = opts.env ?? process.env;
  if (env.CHROMIUM_PATH) {
    return existsSync(env.CHROMIUM_PATH)
      ? { path: env.CHROMIUM_PATH }
      : { error: `CHROMIUM_PATH is ${env.CHROMIUM_PATH}, which does not exist; ${INSTALL_HINT}` };
  }
  const system = onPath(env);
  if (system) return { path: system };

  const own = opts.playwrightChromium ?? (() => chromium.executablePath());
  if (existsSync(own())) return { path: own() };

  const playwright = opts.playwright ?? join(ROOT, 'node_modules', '.bin', 'playwright');
  (opts.say ?? ((l) => process.stderr.write(`${l}\n`)))(
    'No Chromium found: fetching Playwright’s own, once (`npx playwright install chromium`)',
  );
  const run = spawnSync(playwright, ['install', 'chromium'], { env, encoding: 'utf8', timeout: 10 * 60_000 });
  if (run.status === 0 && existsSync(own())) return { path: own(), installed: true };
  const why = run.error ? run.error.message : installFailure(`${run.stdout ?? ''}\n${run.stderr ?? ''}`);
  return {
    error: `No Chromium for the browser tests, and Playwright could not download its own (${why}); ${INSTALL_HINT}`,
  };
}

/** For playwright.config.ts: the Chromium, or one line on stderr and exit code 1. */
export function findChromium(): string {
  const found = locateChromium();
  if ('path' in found) return found.path;
  process.stderr.write(`${found.error}\n`);
  process.exit(1);
}
