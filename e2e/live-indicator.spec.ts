// The header's "Live" dot against the real `flylight serve` in real Chromium: at rest while
// nothing arrives (no endless animation anywhere on an idle page: each running animation makes
// the compositor draw 60 frames a second, in software here), one pulse when changes arrive, and
// under a stream of launches a pulse every few seconds, not one per tick; the console's event
// meter keeps counting (once a second).

import { expect, type Page, test } from '@playwright/test';
import { waitLive } from './dashboard-scenario';
import { FLYD_MS, launchVm, openAt, type Serve, serve, stop } from './serve';

let host: Serve | null = null;
test.beforeAll(async () => {
  host = await serve();
});
test.afterAll(async () => {
  await stop(host);
});

const launch = (region: string) => launchVm(host as Serve, region);

const dot = (page: Page) => page.locator('[data-testid="connection-dot"]');
/** The console's event meter's count ("1,234 events"). */
const metered = async (page: Page) =>
  Number(((await page.locator('[data-testid="console-meter"]').textContent()) ?? '').replace(/[^0-9]/g, ''));
const beat = async (page: Page) => Number(await dot(page).getAttribute('data-beat'));

/** What the page's side below uses of the DOM (this file is type-checked without the DOM's types). */
type InPage = {
  document: {
    getAnimations(): {
      playState: string;
      animationName?: string;
      effect: { getComputedTiming(): { iterations?: number } } | null;
    }[];
    addEventListener(type: 'animationstart', cb: (e: { target: unknown; animationName: string }) => void): void;
  };
  getComputedStyle(el: unknown): { animationName: string; animationIterationCount: string };
  pulses: string[];
};

/** The page's animations that are playing and never end. */
const endless = (page: Page) =>
  page.evaluate(() =>
    (globalThis as unknown as InPage).document
      .getAnimations()
      .filter((a) => a.playState === 'running' && a.effect?.getComputedTiming().iterations === Number.POSITIVE_INFINITY)
      .map((a) => a.animationName ?? 'an animation'),
  );

test('live dot: at rest while idle, one pulse when changes arrive, a few under a stream', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(openAt(host as Serve, '#/SIN'));
  await waitLive(page);
  await expect(page.locator('[data-testid="machine-card"]').first()).toBeVisible();
  await expect(page.locator('[data-testid="connection"]')).toHaveText('Live');

  // Idle: whatever the first snapshot brought has pulsed; nothing more moves.
  await page.waitForTimeout(3500);
  const resting = await beat(page);
  await page.waitForTimeout(FLYD_MS * 4);
  expect(await beat(page)).toBe(resting);
  expect(await endless(page)).toEqual([]);

  // One launch: its changes reach the page, and the dot pulses once (a ring that plays once).
  await page.evaluate(() => {
    const w = globalThis as unknown as InPage;
    w.pulses = [];
    w.document.addEventListener('animationstart', (e) => {
      const target = e.target as { closest(selector: string): unknown };
      if (target.closest('[data-testid="connection-dot"]')) w.pulses.push(e.animationName);
    });
  });
  expect((await launch('SIN')).status).toBe(201);
  await expect.poll(() => beat(page), { timeout: FLYD_MS + 5000 }).toBeGreaterThan(resting);
  const ring = dot(page).locator('.conn-beat');
  await expect(ring).toHaveCount(1);
  const style = await ring.evaluate((el) => {
    const css = (globalThis as unknown as InPage).getComputedStyle(el);
    return [css.animationName, css.animationIterationCount];
  });
  expect(style).toEqual(['beat', '1']);
  await expect.poll(() => page.evaluate(() => (globalThis as unknown as InPage).pulses)).toContain('beat');

  // A stream: 8 s of launches, a few a second (the page applies changes up to ten times a second).
  const before = await beat(page);
  const counted = await metered(page);
  const until = Date.now() + 8000;
  while (Date.now() < until) {
    expect((await launch('SIN')).status).toBe(201);
    await page.waitForTimeout(150);
  }
  await page.waitForTimeout(FLYD_MS + 1000);
  const pulses = (await beat(page)) - before;
  // At most one every 3 s (and the last changes' one): 2–5 pulses, not dozens.
  expect(pulses).toBeGreaterThanOrEqual(2);
  expect(pulses).toBeLessThanOrEqual(5);
  // The console's meter counts them too (once a second, with the clock).
  await expect.poll(() => metered(page), { timeout: 3000 }).toBeGreaterThan(counted);

  // And once the stream has stopped, the page is at rest again.
  await page.waitForTimeout(3500);
  const after = await beat(page);
  await page.waitForTimeout(FLYD_MS * 4);
  expect(await beat(page)).toBe(after);
  expect(await endless(page)).toEqual([]);
});
