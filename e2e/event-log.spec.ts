// The event log panel and the charts' history, in real Chromium against the real `flylight
// serve`: events that happened before the page opened are there (launches, refusals with their
// reason, transitions, destroys), filters by kind, region and VM narrow them, the export
// downloads exactly what is shown (CSV read back with papaparse, JSON Lines), thousands of rows
// stay virtualised, and a reload starts the charts with the host's last minutes instead of
// "Collecting samples…". Screenshots land in screenshots/event-log-*.png to be looked at.

import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import Papa from 'papaparse';
import { ACTIVITY_COLUMNS } from '../src/shared/activity';
import { screenshot, waitLive } from './dashboard-scenario';
import { openAt, type Serve, serve, stop } from './serve';

test.use({ colorScheme: 'dark' });

let host: Serve | null = null;
let sinVm = '';
const REFUSALS = 1500;

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const s = host as Serve;
  return fetch(`${s.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
  });
}

const launch = (region: string, memory_gb: number, cores: number) =>
  api('/v1/vms', { method: 'POST', body: JSON.stringify({ region, memory_gb, cores }) });

test.beforeAll(async () => {
  // A flood of 1500 requests takes a while on a busy two-core machine.
  test.setTimeout(240_000);
  host = await serve();
  // Before any page opens: two launches fill MAD's cores, one SIN VM is launched and destroyed.
  for (let i = 0; i < 2; i++) expect((await launch('MAD', 256, 32)).status).toBe(201);
  sinVm = ((await (await launch('SIN', 8, 4)).json()) as { id: string }).id;
  expect((await api(`/v1/vms/${sinVm}?force=true`, { method: 'DELETE' })).status).toBe(200);
  // Then a flood of refusals (MAD is full), a few at a time.
  let left = REFUSALS;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (left-- > 0) {
        // A kept-alive connection the server has just closed is retried once, as a client would.
        const res = await launch('MAD', 256, 32).catch(() => launch('MAD', 256, 32));
        expect(res.status).toBe(409);
        await res.arrayBuffer();
      }
    }),
  );
});

test.afterAll(async () => {
  await stop(host);
});

const rows = (page: Page) => page.getByTestId('ev-rows');

async function openLog(page: Page): Promise<void> {
  await page.goto(openAt(host as Serve, '#/MAD'));
  await waitLive(page);
  await page.getByTestId('event-log-button').click();
  await expect(page.getByTestId('event-log')).toBeVisible();
}

test('the event log shows what happened before the page opened, filters it and exports what it shows', async ({
  page,
}) => {
  await openLog(page);
  const list = rows(page);
  // Thousands of events, a few dozen rows in the DOM.
  await expect(list).toHaveAttribute('data-total', /^\d+$/);
  expect(Number(await list.getAttribute('data-total'))).toBeGreaterThanOrEqual(REFUSALS);
  expect(Number(await list.getAttribute('data-rendered'))).toBeLessThan(80);
  expect(await list.locator('li').count()).toBeLessThan(80);
  await list.evaluate((el) => {
    el.scrollTop = el.scrollHeight / 2;
  });
  await expect(list.locator('li').first()).toBeVisible();
  expect(await list.locator('li').count()).toBeLessThan(80);
  const refusal = list.locator('li', { hasText: 'refused' }).first();
  await expect(refusal).toContainText('no machine in MAD has 256 GB and 32 cores free');
  await screenshot(page, 'event-log-dark');

  // By kind: only the launches (two in MAD, one in SIN).
  await page.getByTestId('ev-kind-launch').click();
  await expect(page.getByTestId('ev-kind-launch')).toHaveAttribute('aria-pressed', 'true');
  await expect(list).toHaveAttribute('data-total', '3');
  await expect(list.locator('li')).toHaveCount(3);
  await expect(list.locator('li:has(.ev-kind-launch)')).toHaveCount(3);
  // And by region.
  await page.getByTestId('ev-region').selectOption('SIN');
  await expect(list.locator('li')).toHaveCount(1);
  await expect(list.locator('li')).toContainText(sinVm);
  await page.getByTestId('ev-clear').click();

  // By VM: its whole life, launch to destroy; clicking its id does the same as typing it.
  await page.getByTestId('ev-vm').fill(sinVm);
  await expect(list.locator('li:has(.ev-kind-destroy)')).toHaveCount(1);
  await expect(list.locator('li:has(.ev-kind-launch)')).toHaveCount(1);
  const vmRows = Number(await list.getAttribute('data-total'));
  expect(vmRows).toBeGreaterThanOrEqual(3); // launch, at least one transition, destroy
  for (const text of await list.locator('li').allInnerTexts()) expect(text).toContain(sinVm);
  await expect(page.getByTestId('ev-count')).toContainText(`${vmRows} of`);

  // Export: exactly the rows shown, oldest first.
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ev-export-csv').click()]);
  expect(csvDownload.suggestedFilename()).toMatch(/^flylight-events-\d{8}-\d{6}\.csv$/);
  const csv = Papa.parse<Record<string, string>>(readFileSync(await csvDownload.path(), 'utf8'), {
    header: true,
    skipEmptyLines: true,
  });
  expect(csv.errors).toEqual([]);
  expect(csv.meta.fields).toEqual([...ACTIVITY_COLUMNS]);
  expect(csv.data).toHaveLength(vmRows);
  expect(csv.data.every((r) => r.vm_id === sinVm && r.region === 'SIN')).toBe(true);
  expect(csv.data[0].kind).toBe('launch');
  expect(csv.data.at(-1)?.kind).toBe('destroy');
  const seqs = csv.data.map((r) => Number(r.seq));
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

  const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ev-export-jsonl').click()]);
  expect(jsonl.suggestedFilename()).toMatch(/\.jsonl$/);
  const lines = readFileSync(await jsonl.path(), 'utf8')
    .trim()
    .split('\n');
  expect(lines).toHaveLength(vmRows);
  const parsed = lines.map((l) => JSON.parse(l) as { vm_id: string; kind: string; seq: number });
  expect(parsed.map((e) => e.seq)).toEqual(seqs);
  expect(parsed.every((e) => e.vm_id === sinVm)).toBe(true);

  // A filter nothing matches says so, and offers the way back.
  await page.getByTestId('ev-vm').fill('vm-nothing-like-this');
  await expect(page.getByTestId('ev-empty')).toContainText('No events match these filters');
  await expect(page.getByTestId('ev-export-csv')).toBeDisabled();
  await page.getByTestId('ev-empty').getByRole('button', { name: 'Clear the filters' }).click();
  await expect(rows(page)).toBeVisible();

  // New events arrive while it is open.
  const before = Number(await rows(page).getAttribute('data-total'));
  expect((await launch('MAD', 256, 32)).status).toBe(409);
  await expect.poll(async () => Number(await rows(page).getAttribute('data-total'))).toBe(before + 1);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('event-log')).toBeHidden();
});

test('the event log in the light theme, filtered, in a second window', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  const page = await context.newPage();
  await openLog(page);
  await page.getByTestId('ev-kind-launch').click();
  await page.getByTestId('ev-kind-destroy').click();
  await page.getByTestId('ev-kind-transition').click();
  await expect(rows(page).locator('li', { hasText: sinVm }).first()).toBeVisible();
  await screenshot(page, 'event-log-light');
  await context.close();
});

test('the charts start with the host’s last minutes after a reload, not with “Collecting samples…”', async ({
  page,
}) => {
  await page.goto(openAt(host as Serve, '#/MAD'));
  await waitLive(page);
  const fleet = page.getByTestId('chart-fleet');
  // The host has sampled since it started, long before this page.
  await expect.poll(async () => Number(await fleet.getAttribute('data-points'))).toBeGreaterThanOrEqual(5);
  const had = Number(await fleet.getAttribute('data-points'));
  await page.reload();
  await waitLive(page);
  // At once: a page sampling for itself would need two seconds for two points.
  await expect(fleet).not.toContainText('Collecting samples', { timeout: 1500 });
  expect(Number(await fleet.getAttribute('data-points'))).toBeGreaterThanOrEqual(had);
  await expect(page.getByTestId('chart-region')).not.toContainText('Collecting samples', { timeout: 1500 });
  // MAD's cores are 80% allocated: the region chart says so from its history.
  await expect(page.getByTestId('chart-region-cores')).toHaveText('80%');
  await screenshot(page, 'charts-after-reload');
});

test('a chart under the pointer shows the time and both values of the sample there', async ({ page }) => {
  await page.goto(openAt(host as Serve, '#/MAD'));
  await waitLive(page);
  const canvas = page.getByTestId('chart-region-canvas');
  await expect.poll(async () => Number(await canvas.getAttribute('data-drawn'))).toBeGreaterThanOrEqual(2);
  const box = await canvas.boundingBox();
  if (!box) throw new Error('the region chart has no box');
  await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2);
  const tip = page.getByTestId('chart-region-tip');
  await expect(tip).toBeVisible();
  await expect(tip).toContainText(/\d{1,2}:\d{2}:\d{2}/);
  await expect(tip).toContainText('Cores: 80%');
  await expect(tip).toContainText('Memory:');
  await screenshot(page, 'chart-hover');
  await page.mouse.move(box.x + box.width / 2, box.y - 60);
  await expect(tip).toHaveCount(0);
});
