// The dashboard of a shared fleet: two `flylight serve --store etcd://…` hosts on a real
// three-member etcd. The header's chip counts the hosts and the members that answer; its panel
// lists each host with the machines it owns and its lease, and the members with their leader.
// A host cut off from etcd (its only member killed) says its reads may be stale, and stops
// saying so once it renews its lease again. A host with its own store (LMDB) shows no chip.

import { join } from 'node:path';
import { type Browser, expect, type Page, test } from '@playwright/test';
import { bigRegionFile, type EtcdCluster, startEtcd } from '../test/helpers/etcd';
import { clusterOf, startPinnedPair } from '../test/helpers/etcd-pair';
import { type ServeProcess, startServe } from '../test/helpers/host';
import { SCREENSHOTS, waitLive } from './dashboard-scenario';

let etcd: EtcdCluster;
/** a: every member; p: only m0, so killing m0 cuts p off while a keeps the quorum. */
let a: ServeProcess;
let p: ServeProcess;

const view = clusterOf;
const dashboard = (h: ServeProcess): string => `${h.url}/?token=${h.token}`;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(90_000);
  etcd = await startEtcd(3);
  const common = ['--regions', bigRegionFile(24), '--flyd-interval', '300'];
  ({ a, p } = await startPinnedPair(etcd, common, 30_000));
});

test.afterAll(async () => {
  await Promise.all([a?.stop(), p?.stop()]);
  await etcd?.stop();
});

async function openPanel(page: Page): Promise<void> {
  await page.locator('[data-testid="cluster-chip"]').click();
  await expect(page.locator('[data-testid="cluster-panel"]')).toBeVisible();
}

/**
 * The header with the panel open, in one theme and window width, for a person to look at; the
 * header's parts side by side, none over another, the chip among them.
 */
async function shoot(browser: Browser, scheme: 'dark' | 'light', width = 1440): Promise<void> {
  const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: scheme });
  const page = await context.newPage();
  await page.goto(dashboard(a));
  await waitLive(page);
  await expect(page.locator('[data-testid="cluster-chip"]')).toHaveAttribute('data-tone', 'ok');
  const overlaps = await page.locator('header.header > *').evaluateAll((parts) => {
    const boxes = parts.map((p) => p.getBoundingClientRect()).filter((b) => b.width > 0);
    let n = 0;
    for (let i = 1; i < boxes.length; i++) if (boxes[i].left < boxes[i - 1].right - 0.5) n++;
    // …and the last one still inside the window.
    if (boxes[boxes.length - 1].right > parts[0].ownerDocument.documentElement.clientWidth + 0.5) n++;
    return n;
  });
  expect(overlaps, `header parts overlapping at ${width} px`).toBe(0);
  await openPanel(page);
  await page.screenshot({
    path: join(SCREENSHOTS, `cluster-panel-${scheme}-${width}.png`),
    clip: { x: 0, y: 0, width: Math.min(width, 1000), height: 440 },
  });
  await context.close();
}

test('the header shows the shared fleet: its hosts, what each owns, and the etcd members with their leader', async ({
  page,
  browser,
}) => {
  await page.goto(dashboard(a));
  await waitLive(page);
  const chip = page.locator('[data-testid="cluster-chip"]');
  await expect(chip).toHaveText(/^etcd\s*·\s*2 hosts\s*·\s*3\/3 members$/);
  await expect(chip).toHaveAttribute('data-hosts', '2');
  await expect(chip).toHaveAttribute('data-tone', 'ok');

  await openPanel(page);
  const panel = page.locator('[data-testid="cluster-panel"]');
  await expect(panel.locator('[data-testid="cluster-store"]')).toHaveText(etcd.storeUrl);
  const truth = await view(a);
  const hosts = panel.locator('[data-testid="cluster-host"]');
  await expect(hosts).toHaveCount(2);
  for (const h of truth.hosts) {
    const row = panel.locator(`[data-testid="cluster-host"][data-host-id="${h.id}"]`);
    await expect(row).toContainText(`${h.hostname}:${h.pid}`);
    await expect(row).toHaveAttribute('data-self', String(h.self));
    // Both own some of the 24 machines, and together all of them.
    expect(Number(await row.getAttribute('data-machines'))).toBeGreaterThan(0);
    await expect(row.locator('[data-testid="cluster-lease"]')).toContainText(/\d s \/ 5 s/);
  }
  const owned = await hosts.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-machines'))));
  expect(owned.reduce((x, y) => x + y, 0)).toBe(24);
  // The host this page talks to is marked as such.
  const self = truth.hosts.find((h) => h.self);
  await expect(panel.locator(`[data-host-id="${self?.id}"]`)).toContainText('this host');

  const members = panel.locator('[data-testid="cluster-member"]');
  await expect(members).toHaveCount(3);
  await expect(panel.locator('[data-testid="cluster-member"][data-healthy="true"]')).toHaveCount(3);
  const leader = panel.locator('[data-testid="cluster-member"][data-leader="true"]');
  await expect(leader).toHaveCount(1);
  await expect(leader).toContainText('leader');
  await expect(leader).toContainText(/http:\/\/127\.0\.0\.1:\d+/);

  // Escape closes it, and the page stays as it was.
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(chip).toBeFocused();

  await shoot(browser, 'dark');
  await shoot(browser, 'light');
  await shoot(browser, 'dark', 1024);
});

test('a host cut off from etcd says its reads may be stale, and stops saying so once it is back', async ({
  page,
  context,
}) => {
  test.setTimeout(90_000);
  await page.goto(dashboard(p));
  await waitLive(page);
  await expect(page.locator('[data-testid="cluster-chip"]')).toHaveAttribute('data-tone', 'ok');
  await expect(page.locator('[data-testid="stale-banner"]')).toHaveCount(0);

  await etcd.members[0].kill();
  // Once a whole lease TTL (5 s) passes without a renewal, the host marks its reads; the status
  // poll (every 2 s) brings the mark to the page.
  const banner = page.locator('[data-testid="stale-banner"]');
  await expect(banner).toBeVisible({ timeout: 15_000 });
  await expect(banner).toContainText('This host cannot renew its etcd lease — what you see may be stale.');
  await expect(banner.locator('[data-testid="stale-reason"]')).toHaveText(/etcd lease/);
  // The chip says what this host sees of etcd now: nothing it can reach.
  await expect(page.locator('[data-testid="cluster-chip"]')).toHaveAttribute('data-tone', 'bad');
  // The fleet's last known state is still on screen.
  await expect(page.locator('[data-testid="region-row"]').first()).toBeVisible();
  // The host that keeps the quorum says a member is down (and the cut-off host's lease lapsing):
  // amber, not red, and its reads are current.
  const other = await context.newPage();
  await other.goto(dashboard(a));
  await waitLive(other);
  const otherChip = other.locator('[data-testid="cluster-chip"]');
  await expect(otherChip).toHaveAttribute('data-tone', 'warn');
  await expect(otherChip).toContainText('2/3 members');
  await expect(otherChip).toHaveAttribute('title', /member m0 does not answer/);
  await expect(other.locator('[data-testid="stale-banner"]')).toHaveCount(0);
  await other.close();
  await page.screenshot({
    path: join(SCREENSHOTS, 'cluster-stale-banner.png'),
    clip: { x: 0, y: 0, width: 1440, height: 200 },
  });

  await etcd.members[0].restart();
  await expect(banner).toBeHidden({ timeout: 30_000 });
  await expect(page.locator('[data-testid="cluster-chip"]')).toHaveAttribute('data-tone', 'ok', { timeout: 15_000 });
});

test('a host with its own store (LMDB) shows no cluster chip, and stops asking', async ({ page }) => {
  const plain = await startServe([]);
  try {
    let asked = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/v1/cluster') asked++;
    });
    await page.goto(dashboard(plain));
    await waitLive(page);
    // Several status polls (every 2 s) go by: the one 404 was enough.
    await expect.poll(() => asked, { timeout: 10_000 }).toBeGreaterThan(0);
    await page.waitForTimeout(4500);
    expect(asked).toBe(1);
    await expect(page.locator('[data-testid="cluster-chip"]')).toHaveCount(0);
    await expect(page.locator('[data-testid="stale-banner"]')).toHaveCount(0);
  } finally {
    await plain.stop();
  }
});
