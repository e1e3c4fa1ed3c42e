// A worker thread killed under the dashboard: the page says "Recovering…", then shows the right
// numbers again. The host runs in this process (the built bundle, real worker threads, a real
// port) because killing a worker is a test-only hook no client can reach. Also here: a change
// that reaches the page while it is still loading the region's machines (the first seconds
// after a start, or a resync) flashes its card like any other.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { builtDashboard, loadHostBundle, testConfig } from '../test/helpers/host';
import { expectAllocated, machineCard, screenshot, waitLive } from './dashboard-scenario';

const TOKEN = 'E'.repeat(43);
type Host = Awaited<ReturnType<Awaited<ReturnType<typeof loadHostBundle>>['startHost']>>;
let host: Host;

test.beforeAll(async () => {
  const { startHost } = await loadHostBundle();
  host = await startHost(
    testConfig({
      token: TOKEN,
      staticDir: builtDashboard(),
      flydIntervalMs: 300,
      dataDir: mkdtempSync(join(tmpdir(), 'flylight-e2e-recovery-')),
    }),
  );
});
test.afterAll(async () => {
  await host?.stop();
});

test('dashboard: a store worker killed mid-session shows recovering, then the right numbers', async ({ page }) => {
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  await page.goto(`${host.url}/?token=${TOKEN}#/SIN`);
  await waitLive(page);
  const res = await fetch(`${host.url}/v1/vms`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ region: 'SIN', memory_gb: 16, cores: 8 }),
  });
  const vm = (await res.json()) as { machine_id: string };
  await expectAllocated(page, vm.machine_id, 8, 3000);

  // A restart takes a fraction of a second: record every label the badge shows meanwhile.
  await page.evaluate(() => {
    // Runs in the page; typed by hand because the e2e project has no DOM library.
    const g = globalThis as unknown as {
      document: { querySelector(s: string): { textContent: string | null } };
      MutationObserver: new (cb: () => void) => { observe(node: unknown, opts: object): void };
      badgeLabels: string[];
    };
    const badge = g.document.querySelector('[data-testid="connection"]');
    g.badgeLabels = [];
    new g.MutationObserver(() => g.badgeLabels.push(badge.textContent ?? '')).observe(badge, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await host.crashWorker('store');
  await expect
    .poll(() => page.evaluate(() => (globalThis as unknown as { badgeLabels: string[] }).badgeLabels))
    .toContain('Recovering…');
  await expect(page.locator('[data-testid="connection"]')).toHaveText('Live', { timeout: 15_000 });
  await screenshot(page, 'dashboard-recovered');

  // The durable store brought the VM back; the page resynced to it.
  await expect(machineCard(page, vm.machine_id)).toHaveAttribute('data-cores-allocated', '8');
  const after = await fetch(`${host.url}/v1/vms`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ region: 'SIN', memory_gb: 4, cores: 2 }),
  });
  expect(after.status).toBe(201);
});

test('dashboard: a change that lands while the region’s machines are loading still flashes its card', async ({
  page,
}) => {
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  // Hold the page's first machines request until the launch's events have reached the page,
  // as a slow first answer does (a cold host, a loaded machine).
  let release: () => void = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  let held = 0;
  await page.route('**/v1/regions/SIN/machines*', async (route) => {
    if (held++ === 0) await released;
    await route.continue();
  });
  await page.goto(`${host.url}/?token=${TOKEN}#/SIN`);
  await waitLive(page);
  const row = page.locator('[data-testid="region-row"][data-region="SIN"]');
  const before = Number(await row.getAttribute('data-cores-allocated'));
  const res = await fetch(`${host.url}/v1/vms`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ region: 'SIN', memory_gb: 8, cores: 4 }),
  });
  expect(res.status).toBe(201);
  const vm = (await res.json()) as { machine_id: string };
  // The region's totals come with the machine's event: the page has it, its cards are not shown yet.
  await expect.poll(async () => Number(await row.getAttribute('data-cores-allocated'))).toBeGreaterThan(before);
  await expect(page.locator('[data-testid="machine-card"]')).toHaveCount(0);
  expect(held).toBe(1);
  release();
  await expectAllocated(page, vm.machine_id, 4, 5000);
});
