// The dashboard's menus as a keyboard and mouse user meets them, against the real `flylight
// serve` in real Chromium: the header's "⋯" menu and a region's action menu take focus, move it
// with the arrow keys (wrapping), Home and End, and close on Escape (focus back on the button)
// or on a press anywhere outside them.

import { expect, type Page, test } from '@playwright/test';
import { waitLive } from './dashboard-scenario';
import { openAt, type Serve, serve, stop } from './serve';

let host: Serve | null = null;
test.beforeAll(async () => {
  host = await serve();
});
test.afterAll(async () => {
  await stop(host);
});

const focusedText = (page: Page) => page.locator('*:focus').textContent();

test('menus: arrow keys, Home and End move focus; Escape and a press outside close them', async ({ page }) => {
  await page.goto(openAt(host as Serve, '#/SIN'));
  await waitLive(page);

  // The header's menu: its first item takes focus; up from the first wraps to the last.
  const headerButton = page.locator('[data-testid="header-menu"]');
  await headerButton.click();
  const headerMenu = page.locator('#fleet-menu');
  await expect(headerMenu).toBeVisible();
  expect(await focusedText(page)).toMatch(/console/i);
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('[data-testid="menu-scenario"]')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await expect(page.locator('[data-testid="menu-reset"]')).toBeFocused();
  await page.keyboard.press('Home');
  expect(await focusedText(page)).toMatch(/console/i);
  await page.keyboard.press('Escape');
  await expect(headerMenu).toBeHidden();
  await expect(headerButton).toBeFocused();

  // A press outside closes it; a press on its own button toggles it, not close-then-reopen.
  await headerButton.click();
  await expect(headerMenu).toBeVisible();
  await page.locator('section.detail').click({ position: { x: 5, y: 5 } });
  await expect(headerMenu).toBeHidden();
  await headerButton.click();
  await expect(headerMenu).toBeVisible();
  await headerButton.click();
  await expect(headerMenu).toBeHidden();

  // A region's action menu (drawn in a portal): End, wrap-around, and a press outside.
  const regionButton = page.locator('[data-testid="region-menu"]');
  await regionButton.click();
  const regionList = page.locator('[data-testid="region-menu-list"]');
  await expect(regionList).toBeVisible();
  const items = regionList.locator('[role^="menuitem"]:not([aria-disabled="true"])');
  const count = await items.count();
  expect(count).toBeGreaterThan(1);
  await page.keyboard.press('End');
  await expect(items.nth(count - 1)).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(items.first()).toBeFocused();
  // A press inside the list keeps it open; one outside closes it.
  await regionList.click({ position: { x: 2, y: 2 } });
  await expect(regionList).toBeVisible();
  await page.locator('header.header').click({ position: { x: 5, y: 5 } });
  await expect(regionList).toBeHidden();
  await regionButton.click();
  await expect(regionList).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(regionList).toBeHidden();
  await expect(regionButton).toBeFocused();
});
