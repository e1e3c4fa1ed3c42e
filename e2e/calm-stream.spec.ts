// The dashboard under a stream of launches, against the real `flylight serve` in real Chromium:
// while changes stream in the page is calm (state/motion.ts) — no animation runs anywhere, a
// changed card is outlined, still, for a second or two, the live dot glows — and once the stream
// stops it animates again: nothing replays what it skipped, and the next launch flashes its card,
// pops its VM's chip and rings the dot.

import { expect, type Page, test } from '@playwright/test';
import { screenshot, waitLive } from './dashboard-scenario';
import { launchVm, openAt, type Serve, serve, stop } from './serve';

let host: Serve | null = null;
test.beforeAll(async () => {
  host = await serve();
});
test.afterAll(async () => {
  await stop(host);
});

const launch = (region: string) => launchVm(host as Serve, region);

/**
 * Launches from `clients` loops, one request in flight each and a pause between (at most 50 a
 * second each: under the token's 500/s), over the biggest regions and SIN, until `stop()`.
 */
function stream(clients: number) {
  const regions = ['YYZ', 'LHR', 'ORD', 'CDG', 'IAD', 'BOG', 'SIN', 'SEA', 'SCL', 'ATL', 'SIN'];
  let on = true;
  let sent = 0;
  const statuses = new Map<number, number>();
  const loops = Array.from({ length: clients }, async (_, c) => {
    while (on) {
      const res = await launch(regions[(c + sent++) % regions.length]);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  return {
    async stop() {
      on = false;
      await Promise.all(loops);
      return { sent, statuses: Object.fromEntries(statuses) };
    },
  };
}

/** What the page's side uses of the DOM (this file is type-checked without the DOM's types). */
type InPage = {
  document: {
    documentElement: { dataset: Record<string, string | undefined> };
    getAnimations(): { playState: string; animationName?: string; transitionProperty?: string }[];
    addEventListener(type: 'animationstart', cb: (e: { animationName: string }) => void): void;
    querySelector(selector: string): { getBoundingClientRect(): { width: number } } | null;
  };
  getComputedStyle(el: unknown): { animationName: string; opacity: string };
  started: { name: string; at: number }[];
};

const motion = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as InPage).document.documentElement.dataset.motion ?? 'full');

/** The names of the page's running animations and transitions, sampled `times` times `everyMs` apart. */
const runningOver = (page: Page, times: number, everyMs: number) =>
  page.evaluate(
    async ([n, ms]) => {
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        for (const a of (globalThis as unknown as InPage).document.getAnimations()) {
          if (a.playState === 'running') seen.add(a.animationName ?? a.transitionProperty ?? 'an animation');
        }
        await new Promise((r) => setTimeout(r, ms));
      }
      return [...seen];
    },
    [times, everyMs],
  );

test('a stream of launches: the page keeps still and marks what changed, then animates again', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(openAt(host as Serve, '#/SIN'));
  await waitLive(page);
  await expect(page.locator('[data-testid="machine-card"]').first()).toBeVisible();
  // Whatever the first snapshot brought has played out.
  await page.waitForTimeout(2000);
  expect(await motion(page)).toBe('full');

  // Every animation that starts from here on, with when.
  await page.evaluate(() => {
    const w = globalThis as unknown as InPage;
    w.started = [];
    w.document.addEventListener('animationstart', (e) => w.started.push({ name: e.animationName, at: Date.now() }));
  });

  const s = stream(4);
  let sent: Awaited<ReturnType<typeof s.stop>> | null = null;
  try {
    await expect.poll(() => motion(page), { timeout: 10_000 }).toBe('calm');
    // What started before the page went calm has played out (the longest, a card's flash, 1.4 s).
    await page.waitForTimeout(1600);
    const calmSince = Date.now();
    // Nothing moves: no animation, no transition, though cards, bars, chips and totals change.
    expect(await runningOver(page, 30, 100)).toEqual([]);
    // A card that changes is outlined, without animating (read in one go: the mark lasts a second or two).
    const mark = await page.waitForFunction(
      () => {
        const w = globalThis as unknown as InPage;
        const el = w.document.querySelector('[data-testid="machine-card"] .flash.is-static');
        if (!el) return null;
        const css = w.getComputedStyle(el);
        return { animation: css.animationName, opacity: Number(css.opacity), width: el.getBoundingClientRect().width };
      },
      null,
      { timeout: 10_000 },
    );
    await screenshot(page, 'calm-stream');
    const seen = (await mark.jsonValue()) as { animation: string; opacity: number; width: number };
    expect(seen.animation).toBe('none');
    expect(seen.opacity).toBeGreaterThan(0.5);
    expect(seen.width).toBeGreaterThan(100);
    // The live dot glows instead of ringing.
    await expect(page.locator('[data-testid="connection-dot"]')).toHaveClass(/is-streaming/);
    await expect(page.locator('[data-testid="connection-dot"] .conn-beat')).toHaveCount(0);
    const startedWhileCalm = await page.evaluate(
      (since) => (globalThis as unknown as InPage).started.filter((a) => a.at >= since).map((a) => a.name),
      calmSince,
    );
    expect(startedWhileCalm).toEqual([]);
    // Still streaming: still calm.
    expect(await motion(page)).toBe('calm');
  } finally {
    sent = await s.stop();
  }
  expect(sent.sent).toBeGreaterThan(200);
  expect(Object.keys(sent.statuses)).toEqual(['201']);

  // The stream has stopped: a few quiet seconds later the page animates again, and replays
  // nothing it kept still for (the chips' pop and ping, the cards' flash). The dot may ring
  // once: its beat for the stream's last changes can come due just after (state/beat.ts).
  await expect.poll(() => motion(page), { timeout: 10_000 }).toBe('full');
  const fullSince = Date.now();
  await page.waitForTimeout(1500);
  const replayed = await page.evaluate(
    (since) => (globalThis as unknown as InPage).started.filter((a) => a.at >= since).map((a) => a.name),
    fullSince,
  );
  expect(replayed.filter((name) => name !== 'beat')).toEqual([]);
  expect(replayed.filter((name) => name === 'beat').length).toBeLessThanOrEqual(1);
  await expect(page.locator('[data-testid="connection-dot"]')).not.toHaveClass(/is-streaming/);

  // One launch: its card flashes (a fading overlay), its chip pops in, the dot rings.
  const res = await launch('SIN');
  expect(res.status).toBe(201);
  const vm = (await res.json()) as { id: string; machine_id: string };
  const card = page.locator(`[data-testid="machine-card"][data-machine-id="${vm.machine_id}"]`);
  await card.scrollIntoViewIfNeeded();
  await expect(card.locator(`[data-testid="vm-chip"][data-vm-id="${vm.id}"]`)).toHaveClass(/is-new/);
  await expect(card.locator('.flash')).toHaveCount(1);
  await expect(card.locator('.flash')).not.toHaveClass(/is-static/);
  await screenshot(page, 'calm-stream-after');
  await expect
    .poll(() => page.evaluate(() => (globalThis as unknown as InPage).started.map((a) => a.name)))
    .toEqual(expect.arrayContaining(['flash', 'chip-in', 'beat']));
});
