// Export and import of a scenario from the dashboard, in real Chromium against the real
// `flylight serve`, agreeing with the CLI: the ⋯ menu's "Export / import scenario…" writes the
// same files into a folder as `flylight scenario export DIR` writes into DIR; importing a broken
// folder lists its problems as FILE:LINE and changes nothing; the dashboard imports the CLI's
// export and the CLI imports the dashboard's; without a folder picker each file is downloaded.
//
// The folder picker is the browser's own dialog, which no test can click: the page's
// showDirectoryPicker is given a real directory handle instead — a folder in the page's origin
// private file system — and the test reads the files the page wrote there.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { runCli } from '../test/helpers/host';
import { screenshot, waitLive } from './dashboard-scenario';
import { cliEnv, openAt, type Serve, serve, stop } from './serve';

const FILES = ['machines.csv', 'regions.csv', 'scenario.json', 'vms.csv'];

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

/** The parts of the File System Access API used here, in the page (e2e has no DOM types). */
type Dir = {
  getDirectoryHandle(name: string, o?: { create: boolean }): Promise<Dir>;
  [Symbol.asyncIterator](): AsyncIterator<[string, { getFile(): Promise<{ text(): Promise<string> }> }]>;
};
type PageGlobal = {
  navigator: { storage: { getDirectory(): Promise<Dir> } };
  showDirectoryPicker?: () => Promise<Dir>;
};

/** The folder picker answers with a folder "snap" in the origin private file system. */
async function pickerAnswersWithAFolder(page: Page) {
  await page.addInitScript(() => {
    const w = globalThis as unknown as PageGlobal;
    w.showDirectoryPicker = async () =>
      (await w.navigator.storage.getDirectory()).getDirectoryHandle('snap', { create: true });
  });
}

/** What the page wrote into that folder, copied to a directory on disk. */
async function folderOnDisk(page: Page): Promise<string> {
  const files = await page.evaluate(async () => {
    const w = globalThis as unknown as PageGlobal;
    const dir = await (await w.navigator.storage.getDirectory()).getDirectoryHandle('snap');
    const out: Record<string, string> = {};
    for await (const [name, handle] of dir) out[name] = await (await handle.getFile()).text();
    return out;
  });
  const dir = mkdtempSync(join(tmpdir(), 'flylight-dash-export-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A file's text without the export's time (two exports differ only there). */
const timeless = (dir: string, name: string) =>
  readFileSync(join(dir, name), 'utf8').replace(/"exported_at": "[^"]*"/, '"exported_at": "…"');

test('scenario: the dashboard exports the same files as the CLI, a broken folder changes nothing, and each imports the other', async ({
  page,
}) => {
  // Several CLI processes and three imports: more than the default minute on a busy machine.
  test.setTimeout(180_000);
  const h = host as Serve;
  for (const region of ['SIN', 'AMS', 'SYD']) {
    await cli(['launch', '--vm-region', region, '--vm-memory', '4', '--vm-cores', '2']);
  }
  const before = await vmIds();
  expect(before).toHaveLength(3);
  await pickerAnswersWithAFolder(page);
  await page.goto(openAt(h, '#/SIN'));
  await waitLive(page);

  // Export from the dashboard and from the CLI, of the same fleet: the same files.
  await openDialog(page);
  await page.locator('[data-testid="scenario-export"]').click();
  await expect(page.locator('[data-testid="scenario-exported"]')).toHaveText(
    'Wrote scenario.json, regions.csv, machines.csv, vms.csv to the folder snap.',
  );
  const fromDashboard = await folderOnDisk(page);
  const fromCli = mkdtempSync(join(tmpdir(), 'flylight-cli-export-'));
  await cli(['scenario', 'export', fromCli]);
  expect(readdirSync(fromDashboard).sort()).toEqual(FILES);
  expect(readdirSync(fromCli).sort()).toEqual(FILES);
  for (const name of FILES) expect(timeless(fromDashboard, name), name).toBe(timeless(fromCli, name));
  expect(readFileSync(join(fromDashboard, 'vms.csv'), 'utf8').trim().split('\n')).toHaveLength(4);

  // The fleet moves on.
  await cli(['reset', '--yes']);
  await cli(['launch', '--vm-region', 'NRT', '--vm-memory', '4', '--vm-cores', '2']);
  const moved = await vmIds();

  // A broken folder: the export with an unknown region status and a bad VM state.
  const broken = join(mkdtempSync(join(tmpdir(), 'flylight-broken-')), 'broken');
  mkdirSync(broken);
  for (const name of FILES) writeFileSync(join(broken, name), readFileSync(join(fromDashboard, name), 'utf8'));
  writeFileSync(join(broken, 'notes.txt'), 'not part of a scenario');
  const regions = readFileSync(join(broken, 'regions.csv'), 'utf8');
  writeFileSync(join(broken, 'regions.csv'), regions.replace('Degraded Performance', 'Melting'));
  const vms = readFileSync(join(broken, 'vms.csv'), 'utf8');
  writeFileSync(join(broken, 'vms.csv'), vms.replace(',started,', ',zooming,'));
  await page.locator('[data-testid="scenario-folder"]').setInputFiles(broken);
  await expect(page.locator('[data-testid="scenario-picked"]')).toContainText(
    'Picked scenario.json, regions.csv, machines.csv, vms.csv. Left out (not part of a scenario): broken/notes.txt.',
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

  // The CLI's export, imported by the dashboard: the fleet is back, VM ids and all.
  await page.locator('[data-testid="scenario-folder"]').setInputFiles(fromCli);
  await page.locator('[data-testid="scenario-import"]').click();
  await expect(page.locator('[data-testid="scenario-imported"]')).toContainText(
    'Imported: 35 regions, 215 machines, 3 VMs',
  );
  await screenshot(page, 'scenario-imported');
  expect(await vmIds()).toEqual(before);
  await page.locator('[data-testid="scenario-close"]').click();
  await expect(page.locator('[data-testid="scenario-dialog"]')).toBeHidden();
  await expect(page.locator('[data-testid="header-menu"]')).toBeFocused();

  // The dashboard's export, imported by the CLI.
  await cli(['reset', '--yes']);
  expect(await vmIds()).toEqual([]);
  await cli(['scenario', 'import', fromDashboard, '--yes']);
  expect(await vmIds()).toEqual(before);
});

test('scenario: where the browser cannot write to a folder, each file is downloaded under its name', async ({
  page,
}) => {
  await page.addInitScript(() => {
    delete (globalThis as unknown as PageGlobal).showDirectoryPicker;
  });
  await page.goto(openAt(host as Serve, '#/SIN'));
  await waitLive(page);
  await openDialog(page);
  const names: string[] = [];
  page.on('download', (d) => names.push(d.suggestedFilename()));
  await page.locator('[data-testid="scenario-export"]').click();
  await expect(page.locator('[data-testid="scenario-exported"]')).toHaveText(
    'Downloaded scenario.json, regions.csv, machines.csv, vms.csv: keep them in one folder to import them.',
  );
  await expect.poll(() => [...names].sort()).toEqual(FILES);
});
