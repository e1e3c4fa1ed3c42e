// The VM list, the VM and machine drawers and the deep links, in real Chromium against the real
// `flylight serve`: filter by state, region and machine, sort by a column, act on a VM behind a
// confirmation, scroll a large generated fleet with a bounded DOM, open both drawers (live
// state, timeline, "why here?", a machine's VMs and actions), links to a region, a machine and
// a VM (unknown ones say so), and the browser's Back button.

import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { CLI } from '../test/helpers/host';
import { screenshot, waitLive } from './dashboard-scenario';
import { openAt, type Serve, serve, stop } from './serve';

type VmBody = { id: string; region: string; machine_id: string; state: string };

let host: Serve | null = null;
test.beforeAll(async () => {
  host = await serve(0, ['--strategy', 'binpack']);
});
test.afterAll(async () => {
  await stop(host);
});

async function api<T>(h: Serve, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(h.url + path, {
    ...init,
    headers: { authorization: `Bearer ${h.token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  const body = (await res.json()) as T;
  if (res.status >= 400) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}
const launch = (h: Serve, region: string, count: number, cores = 1, memory_gb = 1) =>
  api<{ vms: VmBody[] }>(h, '/v1/vms', { method: 'POST', body: JSON.stringify({ region, cores, memory_gb, count }) });

const rows = (page: Page) => page.locator('[data-testid="vm-row"]');
const row = (page: Page, id: string) => page.locator(`[data-testid="vm-row"][data-vm-id="${id}"]`);
/** Types an address into the bar, as a person would: a hashchange, not a reload. */
const goHash = (page: Page, hash: string) =>
  page.evaluate((h) => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = h;
  }, hash);
const count = (page: Page) => page.locator('[data-testid="vm-list-count"]');

test('VM list: filter by state, region and machine, sort by a column, stop and destroy with a confirmation', async ({
  page,
}) => {
  const h = host as Serve;
  const sin = (await launch(h, 'SIN', 6, 2, 4)).vms;
  const nrt = (await launch(h, 'NRT', 4)).vms;
  await api(h, `/v1/vms/${sin[0].id}/stop`, { method: 'POST' });
  await api(h, `/v1/vms/${sin[1].id}/suspend`, { method: 'POST' });

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(openAt(h, '#/vms'));
  await waitLive(page);
  await expect(page.locator('[data-testid="tab-vms"]')).toHaveAttribute('aria-selected', 'true');
  await expect(count(page)).toHaveText('10');
  await expect(rows(page)).toHaveCount(10);
  await screenshot(page, 'vm-list-1440-dark');

  // State: stopped and suspended together.
  await page.locator('[data-testid="vm-filter-stopped"]').click();
  await page.locator('[data-testid="vm-filter-suspended"]').click();
  await expect(count(page)).toHaveText('2');
  await expect(row(page, sin[0].id)).toContainText('stopped');
  await expect(row(page, sin[1].id)).toContainText('suspended');
  await page.locator('[data-testid="vm-filter-all"]').click();
  await expect(count(page)).toHaveText('10');

  // Region: a step in the history, and the URL says it.
  await page.locator('[data-testid="vm-filter-region"]').selectOption('NRT');
  await expect(page).toHaveURL(/#\/NRT\/vms$/);
  await expect(count(page)).toHaveText('4');
  for (const v of nrt) await expect(row(page, v.id)).toBeVisible();

  // Sort by id, both ways (the store sorts; the first row follows).
  const ids = nrt.map((v) => v.id).sort();
  await page.locator('[data-testid="sort-id"]').click();
  await expect(rows(page).first()).toHaveAttribute('data-vm-id', ids[0]);
  await expect(page.locator('th[aria-sort="ascending"]')).toContainText('VM');
  await page.locator('[data-testid="sort-id"]').click();
  await expect(rows(page).first()).toHaveAttribute('data-vm-id', ids[ids.length - 1]);

  // Machine: only that machine's VMs.
  await page.goBack();
  await expect(page).toHaveURL(/#\/vms$/);
  await expect(count(page)).toHaveText('10');
  const machine = sin[2].machine_id;
  const onMachine = [...sin, ...nrt].filter((v) => v.machine_id === machine).length;
  await page.locator('[data-testid="vm-filter-machine"]').fill(machine);
  await expect(count(page)).toHaveText(String(onMachine));
  await page.locator('[data-testid="vm-filter-machine"]').fill('');
  await expect(count(page)).toHaveText('10');

  // Stop from the row: no question asked, the row turns stopped.
  const target = row(page, sin[3].id);
  await target.hover();
  await target.locator('[data-testid="vm-op-stop"]').click();
  await expect(target.locator('[data-testid="vm-state"]')).toHaveAttribute('data-state', 'stopped');
  await expect(target.locator('[data-testid="vm-op-start"]')).toBeEnabled();
  await expect(target.locator('[data-testid="vm-op-stop"]')).toBeDisabled();

  // Destroy a started VM: the dialog says it needs force; Cancel keeps it, confirming removes it.
  const doomed = row(page, sin[4].id);
  await doomed.locator('[data-testid="vm-op-destroy"]').click();
  const dialog = page.locator('[data-testid="confirm-dialog"]');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(`Force-destroy ${sin[4].id}?`);
  await expect(page.locator('[data-testid="confirm-cancel"]')).toBeFocused();
  await screenshot(page, 'vm-destroy-confirm-1440-dark');
  await page.locator('[data-testid="confirm-cancel"]').click();
  await expect(dialog).toBeHidden();
  await expect(doomed).toBeVisible();
  await doomed.locator('[data-testid="vm-op-destroy"]').click();
  await page.locator('[data-testid="confirm-ok"]').click();
  await expect(dialog).toBeHidden();
  await expect(doomed).toHaveCount(0);
  await expect(count(page)).toHaveText('9');
  await expect(page.locator('[data-testid="vm-action-note"]')).toContainText(`${sin[4].id} is destroyed`);

  // Light theme at the small size.
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1024, height: 700 });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await screenshot(page, 'vm-list-1024-light');
  await page.setViewportSize({ width: 1440, height: 900 });
  await screenshot(page, 'vm-list-1440-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1024, height: 700 });
  await screenshot(page, 'vm-list-1024-dark');
});

test('drawers: a VM (live state, timeline, why here?, its machine) and a machine (VMs, chart, drain with a confirmation)', async ({
  page,
}) => {
  const h = host as Serve;
  const [vm] = (await launch(h, 'AMS', 2, 2, 4)).vms;
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(openAt(h, '#/AMS/vms'));
  await waitLive(page);
  await row(page, vm.id).click();
  await expect(page).toHaveURL(new RegExp(`#/vms/${vm.id}$`));
  const drawer = page.locator('[data-testid="vm-drawer"]');
  await expect(drawer.locator('[data-testid="drawer-title"]')).toHaveText(vm.id);
  await expect(drawer.locator('[data-testid="vm-state"]').first()).toHaveAttribute('data-state', 'started');
  await expect(drawer.locator('[data-testid="vm-overview"]')).toContainText(vm.machine_id);
  await expect(drawer.locator('[data-testid="timeline-item"]').first()).toHaveAttribute('data-to', 'started');
  const why = drawer.locator('[data-testid="why-here"]');
  await expect(why).toHaveAttribute('data-path', 'plan');
  await expect(why).toContainText('binpack plan for a batch of 2');
  await expect(why.locator('[data-testid="why-verdicts"] tr.is-chosen').first()).toContainText(vm.machine_id);
  await screenshot(page, 'vm-drawer-1440-dark');

  // Live: a stop elsewhere (the CLI, another window) moves the badge and the timeline.
  await api(h, `/v1/vms/${vm.id}/stop`, { method: 'POST' });
  await expect(drawer.locator('[data-testid="vm-state"]').first()).toHaveAttribute('data-state', 'stopped');
  await expect(drawer.locator('[data-testid="timeline-item"]').first()).toHaveAttribute('data-to', 'stopped');
  await expect(drawer.locator('[data-testid="drawer-op-start"]')).toBeEnabled();
  await drawer.locator('[data-testid="drawer-op-start"]').click();
  await expect(drawer.locator('[data-testid="vm-state"]').first()).toHaveAttribute('data-state', 'started');

  // Its machine, from the drawer: a step in the history too.
  await drawer.locator('[data-testid="vm-machine-link"]').click();
  const md = page.locator('[data-testid="machine-drawer"]');
  await expect(page).toHaveURL(new RegExp(`#/machines/${vm.machine_id}$`));
  await expect(md.locator('[data-testid="drawer-title"]')).toHaveText(vm.machine_id);
  await expect(md.locator(`[data-testid="machine-vm"][data-vm-id="${vm.id}"]`)).toBeVisible();
  await expect(md.locator('[data-testid="machine-status-history"] [data-testid="status-item"]')).not.toHaveCount(0);

  // Drain, behind a confirmation; the status follows live.
  await md.locator('[data-testid="machine-op-drain"]').click();
  await expect(page.locator('[data-testid="confirm-dialog"]')).toContainText(`Drain ${vm.machine_id}?`);
  await page.locator('[data-testid="confirm-ok"]').click();
  await expect(md.locator('[data-testid="machine-drawer-status"]')).toHaveText('draining');
  await expect(md.locator('[data-testid="machine-op-online"]')).toBeEnabled();
  await expect(md.locator('[data-testid="machine-status-history"] [data-testid="status-item"]').first()).toContainText(
    'draining',
  );
  await screenshot(page, 'machine-drawer-1440-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1024, height: 700 });
  await screenshot(page, 'machine-drawer-1024-light');
  await md.locator('[data-testid="machine-op-online"]').click();
  await page.locator('[data-testid="confirm-ok"]').click();
  await expect(md.locator('[data-testid="machine-drawer-status"]')).not.toHaveText('draining');

  // Back: the VM's drawer again, then Escape closes it.
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`#/vms/${vm.id}$`));
  await expect(drawer).toBeVisible();
  await screenshot(page, 'vm-drawer-1024-light');
  await drawer.press('Escape');
  await expect(drawer).toBeHidden();
  await expect(page).toHaveURL(/#\/AMS\/vms$/);
});

test('machine drawer: its allocation over time comes from the host, so a drawer opened later (and after a reload) shows the past', async ({
  page,
}) => {
  const h = host as Serve;
  // Three launches a second apart onto one machine (binpack fills it first), before any page is open.
  const first = (await launch(h, 'LHR', 1, 2, 4)).vms[0];
  const launchedAt = Date.now();
  for (let i = 0; i < 2; i++) {
    await new Promise((r) => setTimeout(r, 1100));
    await launch(h, 'LHR', 1, 2, 4);
  }
  const id = first.machine_id;
  type Hist = { points: { t: number; cores_allocated: number }[] };
  await expect
    .poll(async () => (await api<Hist>(h, `/v1/machines/${id}/history`)).points.length, { timeout: 10_000 })
    .toBeGreaterThanOrEqual(3);
  await new Promise((r) => setTimeout(r, 1500));

  const opened = Date.now();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(openAt(h, `#/machines/${id}`));
  await waitLive(page);
  const chart = page.locator('[data-testid="machine-drawer"] [data-testid="machine-chart"]');
  const shows = async () => {
    await expect(chart).toBeVisible();
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
    // The chart starts at the first launch, seconds before this page opened.
    const from = Number(await chart.getAttribute('data-from'));
    expect(from).toBeLessThan(opened - 2000);
    expect(from).toBeGreaterThanOrEqual(launchedAt - 5000);
    // Three steps up: the cores line passes through three heights, not one flat line.
    const d = (await chart.locator('.recharts-area-curve').first().getAttribute('d')) ?? '';
    const heights = new Set([...d.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => Math.round(Number(m[2]))));
    expect(heights.size).toBeGreaterThanOrEqual(3);
  };
  await shows();
  await screenshot(page, 'machine-drawer-history-1440-dark');
  await page.reload();
  await waitLive(page);
  await shows();
});

test('deep links: a region, a machine and a VM open cold; unknown ones say so; Back walks the steps', async ({
  page,
}) => {
  test.setTimeout(150_000); // six cold page loads on a shared machine
  const h = host as Serve;
  const [vm] = (await launch(h, 'SYD', 1)).vms;
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1440, height: 900 });

  // A VM, cold: its drawer, with its region behind it.
  await page.goto(openAt(h, `#/vms/${vm.id}`));
  await waitLive(page);
  await expect(page.locator('[data-testid="vm-drawer"] [data-testid="drawer-title"]')).toHaveText(vm.id);
  await expect(page.locator('[data-testid="region-header"]')).toHaveAttribute('data-region', 'SYD');

  // A machine, typed into the address bar.
  await goHash(page, `#/machines/${vm.machine_id}`);
  await expect(page.locator('[data-testid="machine-drawer"] [data-testid="drawer-title"]')).toHaveText(vm.machine_id);

  // Unknown VM, machine, region and address: each says so.
  await goHash(page, '#/vms/vm-0000000000aa');
  await expect(page.locator('[data-testid="drawer-missing"]')).toContainText('No VM vm-0000000000aa');
  await expect(page.locator('[data-testid="drawer-missing"]')).toContainText('may have been destroyed');
  await screenshot(page, 'vm-unknown-1440-dark');
  await goHash(page, '#/machines/xyz-m99');
  await expect(page.locator('[data-testid="drawer-missing"]')).toContainText('No machine xyz-m99');
  await page.goto(openAt(h, '#/regions/XYZ'));
  await waitLive(page);
  await expect(page.locator('[data-testid="not-found"]')).toContainText('No region XYZ');
  await expect(page.locator('[data-testid="fleet-overview"]')).toHaveCount(0);
  await goHash(page, '#/what/is/this');
  await expect(page.locator('[data-testid="not-found"]')).toContainText('Nothing at this address');

  // A destroyed VM: its drawer says it was destroyed and keeps its history.
  await api(h, `/v1/vms/${vm.id}?force=true`, { method: 'DELETE' });
  await goHash(page, `#/vms/${vm.id}`);
  await expect(page.locator('[data-testid="drawer-gone"]')).toContainText(`${vm.id} was destroyed`);
  await expect(page.locator('[data-testid="timeline-item"]').first()).toHaveAttribute('data-to', 'destroyed');

  // Back walks every step: clicks are history entries.
  await page.goto(openAt(h, '#/SIN'));
  await waitLive(page);
  await page.locator('[data-testid="region-row"][data-region="NRT"]').click();
  await expect(page).toHaveURL(/#\/NRT$/);
  await page.locator('[data-testid="tab-vms"]').click();
  await expect(page).toHaveURL(/#\/NRT\/vms$/);
  await page.goBack();
  await expect(page).toHaveURL(/#\/NRT$/);
  await expect(page.locator('[data-testid="region-header"]')).toHaveAttribute('data-region', 'NRT');
  await page.goBack();
  await expect(page).toHaveURL(/#\/SIN$/);
  await expect(page.locator('[data-testid="region-header"]')).toHaveAttribute('data-region', 'SIN');
  await page.goForward();
  await expect(page.locator('[data-testid="region-header"]')).toHaveAttribute('data-region', 'NRT');
});

test('VM list: a large generated fleet scrolls with a bounded DOM, pages fetched as they come into view', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'flylight-e2e-fleet-'));
  const csv = join(dir, 'fleet.csv');
  execFileSync(process.execPath, [CLI, 'gen-fleet', '--machines', '400', '--regions', '4', '--out', csv]);
  const big = await serve(0, ['--regions', csv]);
  try {
    // 12 rounds of a 100-VM batch in each of the 4 regions.
    const regions = ['AMS', 'ARN', 'ATL', 'BOG'];
    for (let round = 0; round < 12; round++) await Promise.all(regions.map((r) => launch(big, r, 100)));
    const last = await api<{ vms: VmBody[] }>(big, `/v1/vms?sort=id&order=desc&limit=1`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(openAt(big, '#/vms'));
    await waitLive(page);
    await expect(count(page)).toHaveText('4,800');
    await page.locator('[data-testid="sort-id"]').click();
    await expect(page.locator('th[aria-sort="ascending"]')).toContainText('VM');
    // The re-sorted first page is fetched after the click: wait for its rows, then count them.
    await expect.poll(() => rows(page).count(), { timeout: 15_000 }).toBeGreaterThan(10);
    expect(await rows(page).count()).toBeLessThan(80);

    // To the bottom in steps, as a wheel would: the DOM stays small, the last VM arrives.
    const viewport = page.locator('[data-testid="vm-viewport"]');
    for (let i = 1; i <= 10; i++) {
      await viewport.evaluate((el, f) => {
        el.scrollTop = el.scrollHeight * f;
      }, i / 10);
    }
    await expect(rows(page).last()).toHaveAttribute('data-vm-id', last.vms[0].id);
    expect(await rows(page).count()).toBeLessThan(80);
    await expect(page.locator('.vm-row.is-loading')).toHaveCount(0);
    await screenshot(page, 'vm-list-large-1440-dark');
  } finally {
    await stop(big);
  }
});
