// The browser tests' Chromium finder, with stand-ins: PATH pointed at directories the test
// writes (a fake system chromium, or none), and a fake `playwright` command that records its
// calls and either "downloads" the browser or fails as it does without the internet here.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSTALL_HINT, installFailure, locateChromium } from '../../e2e/chromium';

// The real `playwright install chromium` output here, where cdn.playwright.dev is unreachable.
const OFFLINE = `Downloading Chrome for Testing 159.0.8154.6 (playwright chromium v1255) from https://cdn.playwright.dev/builds/cft/159.0.8154.6/linux64/chrome-linux64.zip
Error: getaddrinfo ENOTFOUND cdn.playwright.dev
    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:internal/dns/promises:99:17) {
  errno: -3008,
  code: 'ENOTFOUND',
}
Failed to install browsers
Error: Failed to download Chrome for Testing 159.0.8154.6 (playwright chromium v1255), caused by
Error: Download failure, code=1
    at ChildProcess.<anonymous> (/x/node_modules/playwright-core/lib/coreBundle.js:34127:32)`;

function script(dir: string, name: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

function world() {
  const root = mkdtempSync(join(tmpdir(), 'flylight-chromium-'));
  const emptyPath = join(root, 'empty-bin');
  mkdirSync(emptyPath);
  const browser = join(root, 'ms-playwright', 'chromium', 'chrome');
  const calls = join(root, 'calls');
  const offline = join(root, 'offline.txt');
  writeFileSync(offline, OFFLINE);
  mkdirSync(dirname(browser), { recursive: true });
  // Shell builtins only: the PATH the finder gets holds no system tools.
  const playwright = (succeed: boolean) =>
    script(
      join(root, 'tools'),
      'playwright',
      `echo "$@" >> ${calls}\n${
        succeed ? `: > ${browser}\nexit 0` : `while IFS= read -r l; do echo "$l"; done < ${offline} >&2\nexit 1`
      }`,
    );
  const invocations = () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []);
  return { root, emptyPath, browser, playwright, invocations };
}

describe.skipIf(process.platform === 'win32')('locateChromium', () => {
  it('takes CHROMIUM_PATH first, and says so in one line when it does not exist', () => {
    const w = world();
    const chrome = script(w.root, 'my-chrome', 'exit 0');
    const base = { playwrightChromium: () => w.browser, playwright: w.playwright(true), say: () => {} };
    expect(locateChromium({ ...base, env: { CHROMIUM_PATH: chrome, PATH: w.emptyPath } })).toEqual({ path: chrome });
    const missing = locateChromium({ ...base, env: { CHROMIUM_PATH: join(w.root, 'nope'), PATH: w.emptyPath } });
    expect(missing).toEqual({
      error: `CHROMIUM_PATH is ${join(w.root, 'nope')}, which does not exist; ${INSTALL_HINT}`,
    });
    expect(w.invocations()).toEqual([]);
  });

  it("finds the system's chromium on PATH without downloading anything", () => {
    const w = world();
    const bin = join(w.root, 'usr-bin');
    const chromium = script(bin, 'chromium', 'exit 0');
    script(bin, 'google-chrome', 'exit 0');
    const found = locateChromium({
      env: { PATH: [w.emptyPath, bin].join(':') },
      playwrightChromium: () => w.browser,
      playwright: w.playwright(true),
    });
    expect(found).toEqual({ path: chromium });
    expect(w.invocations()).toEqual([]);
  });

  it("with none on the system, fetches Playwright's own once, then uses it", () => {
    const w = world();
    const said: string[] = [];
    const opts = {
      env: { PATH: w.emptyPath },
      playwrightChromium: () => w.browser,
      playwright: w.playwright(true),
      say: (l: string) => said.push(l),
    };
    expect(locateChromium(opts)).toEqual({ path: w.browser, installed: true });
    expect(w.invocations()).toEqual(['install chromium']);
    expect(said).toEqual(['No Chromium found: fetching Playwright’s own, once (`npx playwright install chromium`)']);
    // The next run (and every Playwright worker) finds it without another download.
    expect(locateChromium(opts)).toEqual({ path: w.browser });
    expect(w.invocations()).toEqual(['install chromium']);
  });

  it('where the download cannot be reached, fails in one line naming the install command', () => {
    const w = world();
    const found = locateChromium({
      env: { PATH: w.emptyPath },
      playwrightChromium: () => w.browser,
      playwright: w.playwright(false),
      say: () => {},
    });
    expect(w.invocations()).toEqual(['install chromium']);
    expect(found).toEqual({
      error:
        'No Chromium for the browser tests, and Playwright could not download its own (getaddrinfo ENOTFOUND cdn.playwright.dev); ' +
        'install one with `sudo apt-get install chromium` (or set CHROMIUM_PATH to a Chromium/Chrome)',
    });
    expect('error' in found && found.error.includes('\n')).toBe(false);
  });

  it('says why when the playwright command itself is missing', () => {
    const w = world();
    const found = locateChromium({
      env: { PATH: w.emptyPath },
      playwrightChromium: () => w.browser,
      playwright: join(w.root, 'no-such-playwright'),
      say: () => {},
    });
    expect('error' in found && found.error).toMatch(
      /could not download its own \(spawnSync .*ENOENT\); install one with/,
    );
  });
});

describe('installFailure', () => {
  it("picks the cause, not Playwright's generic wrapper lines", () => {
    expect(installFailure(OFFLINE)).toBe('getaddrinfo ENOTFOUND cdn.playwright.dev');
    expect(installFailure('something odd\n')).toBe('something odd');
  });
});
