// The layout at three window sizes in both themes, against the real `flylight serve` in real
// Chromium: nothing overlaps, the region list keeps rows, a machine card shows above the fold on
// a small laptop, labels read without wrapping or truncation; the console starts compact and
// the sidebar's and console's sizes and the theme survive a reload. Screenshots land in
// screenshots/layout-*.png to be looked at.

import { type Browser, expect, type Page, test } from '@playwright/test';
import { pixelsOf, screenshot, waitLive } from './dashboard-scenario';
import { openAt, type Serve, serve, stop } from './serve';

const SIZES = [
  { width: 1024, height: 700 },
  { width: 1440, height: 900 },
  { width: 2560, height: 1440 },
] as const;

type Box = { x: number; y: number; width: number; height: number };

let host: Serve | null = null;
test.beforeAll(async () => {
  host = await serve();
});
test.afterAll(async () => {
  await stop(host);
});

/** Overlap of two boxes in px² (rounding slack of half a pixel ignored). */
function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) - 0.5;
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) - 0.5;
  return w > 0 && h > 0 ? w * h : 0;
}

async function box(page: Page, selector: string): Promise<Box> {
  const b = await page.locator(selector).first().boundingBox();
  if (!b) throw new Error(`${selector} is not on screen`);
  return b;
}

async function openPage(browser: Browser, size: { width: number; height: number }, scheme: 'light' | 'dark') {
  const context = await browser.newContext({ viewport: size, colorScheme: scheme });
  const page = await context.newPage();
  await page.goto(openAt(host as Serve, '#/SIN'));
  await waitLive(page);
  await expect(page.locator('[data-testid="machine-card"]').first()).toBeVisible();
  return { context, page };
}

for (const size of SIZES) {
  for (const scheme of ['dark', 'light'] as const) {
    test(`layout ${size.width}×${size.height} ${scheme}: no overlap, rows and a card in view, labels whole`, async ({
      browser,
    }) => {
      const { context, page } = await openPage(browser, size, scheme);
      // The system's scheme is followed until the user picks one.
      await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
      await expect(page.locator('[data-testid="theme-switch"]')).toHaveAttribute('data-theme-pref', 'system');

      const header = await box(page, 'header.header');
      const sidebar = await box(page, 'aside.regions');
      const detail = await box(page, 'section.detail');
      const consolePane = await box(page, '[data-testid="console-pane"]');
      const frame = [header, sidebar, detail, consolePane];
      for (let i = 0; i < frame.length; i++) {
        for (let j = i + 1; j < frame.length; j++) expect(overlap(frame[i], frame[j]), `frame ${i}/${j}`).toBe(0);
      }
      expect(consolePane.y + consolePane.height).toBeLessThanOrEqual(size.height + 0.5);

      // The console starts compact: the dashboard keeps most of the window.
      expect(consolePane.height).toBeLessThanOrEqual(Math.max(150, size.height * 0.2));

      // The region list keeps rows, each row whole: location and status read in full.
      const list = await box(page, '[data-testid="region-list"]');
      const row = await box(page, '[data-testid="region-row"]');
      expect(list.height).toBeGreaterThanOrEqual(row.height);
      const clipped = await page
        .locator('[data-testid="region-row"] :is(.region-loc, .region-sub)')
        .evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
      expect(clipped, 'truncated region labels').toEqual([]);

      // Machine cards: the ones in view overlap nothing, and at least one is wholly in view.
      const cards = await page.locator('[data-testid="machine-card"]').evaluateAll((els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height };
        }),
      );
      const inView = cards.filter((c) => c.y >= detail.y && c.y + c.height <= detail.y + detail.height);
      expect(inView.length, 'machine cards wholly above the fold').toBeGreaterThan(0);
      for (const [i, c] of inView.entries()) {
        for (const f of [header, sidebar, consolePane]) expect(overlap(c, f)).toBe(0);
        for (const d of inView.slice(i + 1)) expect(overlap(c, d)).toBe(0);
      }

      // Headings and legends on one line; the header's figures on one baseline.
      for (const sel of ['.regions-head h2', '.toolbar h2', '.toolbar .legend', '.chart-head', '.region-title h1']) {
        const heights = await page.locator(sel).evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
        for (const h of heights) expect(h, `${sel} wraps`).toBeLessThan(32);
      }
      const values = await page
        .locator('[data-testid="fleet-totals"] dd')
        .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
      expect(Math.max(...values) - Math.min(...values), 'header values out of line').toBeLessThanOrEqual(1);
      const headerItems = await page
        .locator('header.header > *')
        .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().bottom));
      for (const b of headerItems) expect(b).toBeLessThanOrEqual(header.y + header.height + 0.5);
      // Every control of the header within the window: none pushed past its right edge.
      const controls = await page.locator('header.header :is(button, a, [role="button"])').evaluateAll((els) =>
        els.map((e) => ({
          id: e.getAttribute('data-testid') ?? e.textContent,
          right: e.getBoundingClientRect().right,
        })),
      );
      expect(controls.filter((c) => c.right > size.width + 0.5)).toEqual([]);

      // Every bar says what it measures.
      const unlabelled = await page
        .locator('.minibar, .usage-track')
        .evaluateAll((els) => els.filter((e) => !e.getAttribute('title') || !e.getAttribute('aria-label')).length);
      expect(unlabelled).toBe(0);

      await screenshot(page, `layout-${size.width}x${size.height}-${scheme}`);
      await context.close();
    });
  }
}

test('layout: sidebar and console sizes are remembered and capped; the console never hides the region list', async ({
  browser,
}) => {
  const { context, page } = await openPage(browser, { width: 1440, height: 900 }, 'dark');
  const sidebar = page.locator('aside.regions');
  const before = (await sidebar.boundingBox())?.width ?? 0;
  const handle = await box(page, '[data-testid="sidebar-resize"]');
  await page.mouse.move(handle.x + handle.width / 2, handle.y + 200);
  await page.mouse.down();
  await page.mouse.move(handle.x + handle.width / 2 + 120, handle.y + 200, { steps: 6 });
  await page.mouse.up();
  await expect.poll(async () => (await sidebar.boundingBox())?.width ?? 0).toBeGreaterThan(before + 100);
  const widened = (await sidebar.boundingBox())?.width ?? 0;

  // Keys resize it too.
  await page.locator('[data-testid="sidebar-resize"]').focus();
  await page.keyboard.press('ArrowLeft');
  await expect.poll(async () => (await sidebar.boundingBox())?.width ?? 0).toBeLessThan(widened - 10);
  const sized = (await sidebar.boundingBox())?.width ?? 0;

  // The console dragged as high as it goes: still capped, the region list keeps its rows.
  const pane = page.locator('[data-testid="console-pane"]');
  const edge = await box(page, '[data-testid="console-resize"]');
  await page.mouse.move(edge.x + 400, edge.y + edge.height / 2);
  await page.mouse.down();
  await page.mouse.move(edge.x + 400, 5, { steps: 8 });
  await page.mouse.up();
  const tall = (await pane.boundingBox())?.height ?? 0;
  expect(tall).toBeGreaterThan(300);
  const list = await box(page, '[data-testid="region-list"]');
  const row = await box(page, '[data-testid="region-row"]');
  expect(list.height).toBeGreaterThanOrEqual(2 * row.height);
  await screenshot(page, 'layout-console-tallest');

  await page.reload();
  await waitLive(page);
  await expect.poll(async () => Math.round((await sidebar.boundingBox())?.width ?? 0)).toBe(Math.round(sized));
  await expect.poll(async () => Math.round((await pane.boundingBox())?.height ?? 0)).toBe(Math.round(tall));

  // A smaller window caps both, and still leaves the list its rows.
  await page.setViewportSize({ width: 1024, height: 600 });
  await expect.poll(async () => (await pane.boundingBox())?.height ?? 0).toBeLessThan(tall);
  const small = await box(page, '[data-testid="region-list"]');
  expect(small.height).toBeGreaterThanOrEqual(row.height);
  expect((await sidebar.boundingBox())?.width ?? 0).toBeLessThanOrEqual(512);

  // Double-click goes back to the default sizes.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.locator('[data-testid="sidebar-resize"]').dblclick();
  await page.locator('[data-testid="console-resize"]').dblclick();
  await expect.poll(async () => Math.round((await sidebar.boundingBox())?.width ?? 0)).toBe(356);
  await expect.poll(async () => (await pane.boundingBox())?.height ?? 0).toBeLessThan(200);
  await context.close();
});

test('layout: the theme follows the system until switched; the switch is remembered', async ({ browser }) => {
  const { context, page } = await openPage(browser, { width: 1440, height: 900 }, 'dark');
  const html = page.locator('html');
  const sw = page.locator('[data-testid="theme-switch"]');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  // Still following: the system turns light, so does the page.
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(html).toHaveAttribute('data-theme', 'dark');

  // system → light: the page turns light, the terminal too, and stays so against the system.
  await sw.click();
  await expect(sw).toHaveAttribute('data-theme-pref', 'light');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(244, 246, 250)');
  await expect(page.locator('[data-testid="console-terminal"] .xterm-viewport')).toHaveCSS(
    'background-color',
    'rgb(251, 252, 254)',
  );
  await page.reload();
  await waitLive(page);
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(sw).toHaveAttribute('data-theme-pref', 'light');
  // The charts' grid lines follow (the canvas reads --grid when it draws): light grid lines, none
  // of the dark theme's; and a primary button keeps its violet under the pointer, not plain grey.
  const fleetCanvas = page.locator('[data-testid="chart-fleet"] canvas');
  await expect.poll(() => pixelsOf(fleetCanvas, [233, 237, 243])).toBeGreaterThan(100);
  expect(await pixelsOf(fleetCanvas, [28, 36, 51])).toBe(0);
  await page.locator('[data-testid="region-menu"]').click();
  await page.locator('[data-testid="menu-region-launch"]').click();
  const submit = page.locator('[data-testid="launch-submit"]');
  await submit.hover();
  await expect(submit).toHaveCSS('background-color', 'rgb(123, 94, 230)');
  await page.keyboard.press('Escape');

  // light → dark → system: following the system again.
  await sw.click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await sw.click();
  await expect(sw).toHaveAttribute('data-theme-pref', 'system');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');
  await context.close();
});
