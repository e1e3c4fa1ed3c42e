// The same scenario in the desktop window, through Playwright's Electron driver: the window
// talks to the host over IPC (no token, no port), the console pane's commands pass the proxy
// worker's gate, and the preload exposes one typed object and nothing else. Where no Electron
// binary can run (no binary, no display) the project is skipped with the reason.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { findElectron } from '../scripts/electron-binary.js';
import { ROOT } from '../test/helpers/host';
import {
  expectAllocated,
  launchedInConsole,
  screenshot,
  selectRegionByKeyboard,
  terminal,
  typeInConsole,
  waitLive,
} from './dashboard-scenario';

const found = findElectron();
test.skip('why' in found, `Electron e2e skipped: ${'why' in found ? found.why : ''}`);

test('desktop window: select SIN, launch from the console over IPC, see the machine change', async () => {
  const home = mkdtempSync(join(tmpdir(), 'flylight-electron-'));
  const app = await electron.launch({
    executablePath: 'binary' in found ? found.binary : undefined,
    args: [ROOT],
    // A private config/user-data dir, a free port and a quick FlyD for the test.
    env: { ...process.env, XDG_CONFIG_HOME: home, FLYLIGHT_PORT: '0', FLYLIGHT_FLYD_INTERVAL: '300' },
  });
  try {
    const page = await app.firstWindow();
    await waitLive(page);

    // The security checklist, as the page sees it.
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    expect(
      await page.evaluate(() => Object.keys((globalThis as unknown as { flylight: object }).flylight).sort()),
    ).toEqual(['onConnection', 'onEvent', 'request']);

    await selectRegionByKeyboard(page, 'singapore', 'SIN');
    await typeInConsole(page, 'launch --vm-region SIN --vm-memory 8 --vm-cores 4');
    const first = await launchedInConsole(page, 0);
    await expect(terminal(page)).toContainText(`${first.vm} on ${first.machine} (SIN): 8 GB, 4 cores`);
    await expectAllocated(page, first.machine, 4, 3000);

    // Errors cross IPC in the HTTP API's shape and print in the CLI's words.
    await typeInConsole(page, 'launch --vm-region SIN --vm-memory 999 --vm-cores 4');
    await expect(terminal(page)).toContainText('error: --vm-memory must be a whole number of GB from 1 to 256');
    await screenshot(page, 'electron-sin');
  } finally {
    await app.close();
  }
});
