// A region of 1,500 machines in real Chromium: the grid keeps only the rows near the viewport
// in the DOM, scrolls through the whole region, and the palette still brings a far machine
// into view (its card is not rendered until it is scrolled to).

import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { CLI } from '../test/helpers/host';
import { machineCard, screenshot, waitLive } from './dashboard-scenario';
import { launchVm, openAt, type Serve, serve, stop } from './serve';

let host: Serve | null = null;
test.beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'flylight-grid-')), 'fleet.csv');
  execFileSync(process.execPath, [
    CLI,
    'gen-fleet',
    '--regions',
    '2',
    '--machines',
    '3000',
    '--seed',
    '1',
    '--out',
    file,
  ]);
  host = await serve(0, ['--regions', file]);
});
test.afterAll(async () => {
  await stop(host);
});

const cards = (page: Page) => page.locator('[data-testid="machine-card"]');

test('a 1,500-machine region: only visible rows are rendered, the whole region scrolls, the palette finds a far machine', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(openAt(host as Serve));
  await waitLive(page);
  await page.locator('[data-testid="region-row"][data-region="AMS"]').click();
  await expect(cards(page).first()).toBeVisible();
  const grid = page.locator('[data-testid="machine-grid"]');
  await expect(grid).toHaveAttribute('data-windowed', 'true');
  await expect(page.locator('.toolbar .count').first()).toContainText('1,500');
  const rendered = await cards(page).count();
  expect(rendered).toBeGreaterThan(0);
  expect(rendered).toBeLessThan(200);
  // The grid is as tall as all of its rows, so the scrollbar is the whole region's.
  const height = await grid.evaluate((el) => el.getBoundingClientRect().height);
  expect(height).toBeGreaterThan((1500 / 6) * 150);
  await screenshot(page, 'machine-grid-windowed');

  // Scrolled to the bottom: the last machine (by name) is on screen, the first is gone.
  await page.locator('.detail').evaluate((pane) => {
    pane.scrollTop = pane.scrollHeight;
  });
  await expect(machineCard(page, 'ams-g002998')).toBeVisible();
  await expect(machineCard(page, 'ams-g000000')).toHaveCount(0);
  expect(await cards(page).count()).toBeLessThan(200);

  // Back to the top, then the palette goes to a machine in the middle of the region.
  await page.locator('.detail').evaluate((pane) => {
    pane.scrollTop = 0;
  });
  await expect(machineCard(page, 'ams-g001500')).toHaveCount(0);
  await page.keyboard.press('Control+k');
  await page.keyboard.type('ams-g001500');
  await expect(page.locator('[data-testid="palette"] [cmdk-item][data-selected="true"]')).toContainText('ams-g001500');
  await page.keyboard.press('Enter');
  const far = machineCard(page, 'ams-g001500');
  await expect(far).toBeVisible();
  await expect(far).toHaveAttribute('data-focused', 'true');
  await expect(far).toBeInViewport();
});

test('a big region shows its first page while the rest loads, laid out for the whole region; the rest fills in', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  // Hold the whole region's answer (not the first page's) until the test lets it go.
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => {
    release = r;
  });
  const asked: string[] = [];
  await page.route(/\/v1\/regions\/ARN\/machines/, async (route) => {
    const url = route.request().url();
    asked.push(new URL(url).search);
    if (!url.includes('limit=')) await held;
    await route.continue();
  });
  await page.goto(openAt(host as Serve));
  await waitLive(page);
  await page.locator('[data-testid="region-row"][data-region="ARN"]').click();
  // The first page only, as real cards, while the whole region is held.
  await expect(cards(page).first()).toBeVisible();
  expect(asked[0]).toMatch(/form=columns&limit=\d+/);
  await expect(page.locator('.toolbar .count').first()).toContainText('1,500');
  const grid = page.locator('[data-testid="machine-grid"]');
  await expect(grid).toHaveAttribute('data-windowed', 'true');
  // Already the whole region's height: nothing jumps when the rest arrives.
  const before = await grid.evaluate((el) => el.getBoundingClientRect().height);
  expect(before).toBeGreaterThan((1500 / 6) * 150);
  await expect(machineCard(page, 'arn-g000001')).toBeVisible();
  await screenshot(page, 'machine-grid-first-page');

  release();
  await expect.poll(() => asked.length).toBe(2);
  expect(asked[1]).toBe('?form=columns');
  await expect(machineCard(page, 'arn-g000001')).toBeVisible();
  expect(await grid.evaluate((el) => el.getBoundingClientRect().height)).toBeCloseTo(before, -1);
  // The rest is there: scrolled to the bottom, the region's last machine shows.
  await page.locator('.detail').evaluate((pane) => {
    pane.scrollTop = pane.scrollHeight;
  });
  await expect(machineCard(page, 'arn-g002999')).toBeVisible();
});

test('the rows have one fixed height, and a card that outgrows it (a VM launched onto it) makes every row that tall', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const s = host as Serve;
  const res = await launchVm(s, 'AMS');
  expect(res.status).toBe(201);
  const { machine_id: machine } = (await res.json()) as { machine_id: string };

  await page.goto(openAt(s));
  await waitLive(page);
  await page.locator('[data-testid="region-row"][data-region="AMS"]').click();
  await expect(cards(page).first()).toBeVisible();
  const rows = page.locator('[data-testid="machine-grid"] > .machine-grid');
  // The row height the grid sets (its inline style; the computed value is checked below).
  const rowHeight = () => rows.evaluate((el) => Number.parseFloat(el.style.gridAutoRows));
  // Fixed, not sized by the cards' content: a change inside one card lays out that card only.
  await expect(rows).toHaveCSS('grid-auto-rows', /^\d+(\.\d+)?px$/);
  const before = await rowHeight();

  // The palette brings the VM's machine into view; its card shows the VM's chip, which makes it
  // taller than a card without VMs.
  await page.keyboard.press('Control+k');
  await page.keyboard.type(machine);
  await expect(page.locator('[data-testid="palette"] [cmdk-item][data-selected="true"]')).toContainText(machine);
  await page.keyboard.press('Enter');
  const card = machineCard(page, machine);
  await expect(card).toBeInViewport();
  await expect(card.locator('[data-testid="vm-chip"]')).toHaveCount(1);
  await expect.poll(rowHeight).toBeGreaterThan(before);
  // Every row took that height: the card fits its row, and no card overlaps the one below it.
  await expect.poll(() => card.evaluate((el) => el.scrollHeight - el.clientHeight)).toBeLessThanOrEqual(0);
  const overlaps = await cards(page).evaluateAll((els) => {
    const boxes = els.map((e) => e.getBoundingClientRect());
    return boxes.filter((a) =>
      boxes.some((b) => b !== a && Math.abs(b.left - a.left) < 1 && b.top > a.top && b.top < a.bottom),
    ).length;
  });
  expect(overlaps).toBe(0);
  expect(await card.evaluate((el) => el.getBoundingClientRect().height)).toBeCloseTo(await rowHeight(), 0);
});
