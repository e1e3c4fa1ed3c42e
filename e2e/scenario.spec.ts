// Export and import of a scenario from the dashboard, in real Chromium against the real
// `flylight serve`: the ⋯ menu's "Export / import scenario…" downloads the fleet as one file;
// importing a broken file lists its problems as FILE:LINE and changes nothing; importing the
// downloaded file brings the fleet back, and the page shows it.

import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { runCli } from '../test/helpers/host';
import { screenshot, waitLive } from './dashboard-scenario';
import { cliEnv, openAt, type Serve, serve, stop } from './serve';

let host: Serve | null = null;
test.beforeAll(async () => {
  host = await serve();
});
test.afterAll(async () => {
  await stop(host);
});

const cli = async (args: string[]) => {
  const r = await runCli(args, cliEnv((host as Serve).url));
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};
const vmIds = async () =>
  (JSON.parse(await cli(['vms', '--json'])) as { vms: { id: string }[] }).vms.map((v) => v.id).sort();

async function openDialog(page: Page) {
  await page.locator('[data-testid="header-menu"]').click();
  await page.locator('[data-testid="menu-scenario"]').click();
  await expect(page.locator('[data-testid="scenario-dialog"]')).toBeVisible();
}

test('scenario: download the fleet, a broken import changes nothing, the download brings it back', async ({ page }) => {
  // Eight CLI processes and two imports: more than the default minute on a busy machine.
  test.setTimeout(180_000);
  const h = host as Serve;
  for (const region of ['SIN', 'AMS', 'SYD']) {
    await cli(['launch', '--vm-region', region, '--vm-memory', '4', '--vm-cores', '2']);
  }
  const before = await vmIds();
  expect(before).toHaveLength(3);
  await page.goto(openAt(h, '#/SIN'));
  await waitLive(page);

  await openDialog(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-testid="scenario-export"]').click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^flylight-scenario-.*\.json$/);
  const saved = join(tmpdir(), `scenario-${Date.now()}.json`);
  await download.saveAs(saved);
  const bundle = JSON.parse(readFileSync(saved, 'utf8'));
  expect(bundle.format).toBe('flylight-scenario-bundle');
  expect(Object.keys(bundle.files)).toEqual(['scenario.json', 'regions.csv', 'machines.csv', 'vms.csv']);
  await expect(page.locator('[data-testid="scenario-exported"]')).toContainText('Downloaded flylight-scenario-');

  // The fleet moves on.
  await cli(['reset', '--yes']);
  await cli(['launch', '--vm-region', 'NRT', '--vm-memory', '4', '--vm-cores', '2']);
  const moved = await vmIds();

  // A broken file: the regions.csv of the download with an unknown status, and a bad VM state.
  const broken = join(tmpdir(), `broken-${Date.now()}.json`);
  const files = { ...bundle.files };
  files['regions.csv'] = files['regions.csv'].replace('Degraded Performance', 'Melting');
  files['vms.csv'] = files['vms.csv'].replace(',started,', ',zooming,');
  writeFileSync(broken, JSON.stringify({ format: 'flylight-scenario-bundle', files }));
  await page.locator('[data-testid="scenario-files"]').setInputFiles(broken);
  await expect(page.locator('[data-testid="scenario-picked"]')).toContainText(
    'Picked scenario.json, regions.csv, machines.csv, vms.csv.',
  );
  await page.locator('[data-testid="scenario-import"]').click();
  const error = page.locator('[data-testid="scenario-error"]');
  await expect(error).toContainText('Not imported; nothing was changed:');
  await expect(error).toContainText(
    'regions.csv:6: region status "Melting" is not valid (Operational, Degraded Performance, Down; any case)',
  );
  await expect(error).toContainText(/vms\.csv:2: state "zooming" is not valid \(creating, starting, /);
  await screenshot(page, 'scenario-import-refused');
  expect(await vmIds()).toEqual(moved);

  // The download itself: the fleet is back, VM ids and all, and the page follows.
  await page.locator('[data-testid="scenario-files"]').setInputFiles(saved);
  await page.locator('[data-testid="scenario-import"]').click();
  await expect(page.locator('[data-testid="scenario-imported"]')).toContainText(
    'Imported: 35 regions, 215 machines, 3 VMs',
  );
  await screenshot(page, 'scenario-imported');
  expect(await vmIds()).toEqual(before);
  await page.locator('[data-testid="scenario-close"]').click();
  await expect(page.locator('[data-testid="scenario-dialog"]')).toBeHidden();
  await expect(page.locator('[data-testid="header-menu"]')).toBeFocused();
});
