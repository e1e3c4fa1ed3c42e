// The dashboard scenario of issue 3, as steps on a Playwright Page, so the Chromium project
// (against `flylight serve`) and the Electron project (against the desktop window) run the
// same checks. Only the way the page is opened and the host is controlled differs.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { ROOT } from '../test/helpers/host';

export const SCREENSHOTS = join(ROOT, 'screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

export const terminal = (page: Page): Locator => page.locator('[data-testid="console-terminal"] .xterm-rows');

export const machineCard = (page: Page, id: string): Locator =>
  page.locator(`[data-testid="machine-card"][data-machine-id="${id}"]`);

/** The dashboard has loaded its first snapshot and its live feed is open. */
export async function waitLive(page: Page): Promise<void> {
  await expect(page.locator('[data-testid="region-row"]').first()).toBeVisible();
  await expect(page.locator('[data-testid="connection"]')).toHaveAttribute('data-state', 'open');
}

/** Selects a region with the keyboard: `/` focuses the filter, Enter opens the match. */
export async function selectRegionByKeyboard(page: Page, filter: string, code: string): Promise<void> {
  await page.locator('body').press('/');
  await expect(page.locator('[data-testid="region-filter"]')).toBeFocused();
  await page.keyboard.type(filter);
  await page.keyboard.press('Enter');
  await expect(page.locator(`[data-testid="region-row"][data-region="${code}"]`)).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(page.locator('[data-testid="region-header"]')).toHaveAttribute('data-region', code);
  await expect(page.locator('[data-testid="machine-card"]').first()).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`#/${code}$`));
  // Escape clears the filter: every region is listed again, the selection stays.
  await page.keyboard.press('Escape');
  await expect(page.locator('[data-testid="region-filter"]')).toHaveValue('');
  await expect(page.locator('[data-testid="region-row"][aria-selected="true"]')).toHaveAttribute('data-region', code);
}

/** ↓ and Enter in the region list open the next region; ↑ and Enter go back. */
export async function walkRegionsByKeyboard(page: Page, from: string): Promise<string> {
  const rows = page.locator('[data-testid="region-row"]');
  const codes = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-region') ?? ''));
  const next = codes[codes.indexOf(from) + 1];
  await page.locator('[data-testid="region-list"]').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.locator(`[data-testid="region-row"][data-region="${next}"]`)).toHaveClass(/is-active/);
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="region-header"]')).toHaveAttribute('data-region', next);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="region-header"]')).toHaveAttribute('data-region', from);
  await expect(page.locator('[data-testid="machine-card"]').first()).toBeVisible();
  return next;
}

/** Types into the console pane (opening it if needed) and, unless told otherwise, presses Enter. */
export async function typeInConsole(page: Page, text: string, opts: { enter?: boolean } = {}): Promise<void> {
  const pane = page.locator('[data-testid="console-pane"]');
  if ((await pane.getAttribute('data-open')) !== 'true') await page.keyboard.press('Control+Backquote');
  await page.locator('[data-testid="console-terminal"]').click();
  await page.keyboard.type(text);
  if (opts.enter !== false) await page.keyboard.press('Enter');
}

/** `Launched vm-… on MACHINE (SIN): …` → the VM and machine ids, from the terminal or the CLI. */
export function parseLaunched(text: string): { vm: string; machine: string } | null {
  const m = /Launched\s+(vm-[\w-]+)\s+on\s+(\S+)\s+\(/.exec(text.replace(/\u00a0/g, ' '));
  return m ? { vm: m[1], machine: m[2] } : null;
}

/** Waits until the console shows its nth (0-based) launch line and returns the ids in it. */
export async function launchedInConsole(page: Page, nth: number): Promise<{ vm: string; machine: string }> {
  let found: { vm: string; machine: string } | null = null;
  await expect
    .poll(async () => {
      const text = (await terminal(page).locator(':scope > div').allTextContents()).join('\n').replace(/\u00a0/g, ' ');
      const all = [...text.matchAll(/Launched\s+(vm-[\w-]+)\s+on\s+(\S+)\s+\(/g)];
      found = all[nth] ? { vm: all[nth][1], machine: all[nth][2] } : null;
      return found !== null;
    })
    .toBe(true);
  return found as unknown as { vm: string; machine: string };
}

/** The machine's card shows at least `cores` allocated, in the allocation colour. */
export async function expectAllocated(page: Page, machine: string, cores: number, timeoutMs: number): Promise<void> {
  const card = machineCard(page, machine);
  await expect
    .poll(async () => Number(await card.getAttribute('data-cores-allocated')), { timeout: timeoutMs })
    .toBeGreaterThanOrEqual(cores);
  await expect(card).toHaveClass(/is-allocated/);
  // The change flashed the card (the overlay is keyed by the card's change count).
  await expect(card.locator('.flash')).toHaveCount(1);
  // The bar shows what the card holds. Both read in one poll: an earlier launch onto this machine
  // can satisfy the wait above while a later one is still arriving (the expected value read
  // once, then the card moved on: a CI run at load saw 4 expected against a bar at 5).
  const bar = card.locator('[data-testid="cores-bar"]');
  await expect
    .poll(
      async () => {
        const [onCard, onBar] = await Promise.all([
          card.getAttribute('data-cores-allocated'),
          bar.getAttribute('data-allocated'),
        ]);
        return onCard === onBar ? 'same' : `card ${onCard}, bar ${onBar}`;
      },
      { timeout: timeoutMs, message: 'the cores bar shows what its card holds' },
    )
    .toBe('same');
}

/** Each chart has samples and has drawn them on its canvas. */
export async function expectChartsDrawn(page: Page, ids: string[]): Promise<void> {
  for (const id of ids) {
    const chart = page.locator(`[data-testid="chart-${id}"]`);
    await expect
      .poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 15_000 })
      .toBeGreaterThan(2);
    await expect
      .poll(async () => Number(await chart.locator('canvas').getAttribute('data-drawn')), { timeout: 5000 })
      .toBeGreaterThan(2);
    // Not a blank canvas: some pixels carry a series' colour.
    expect(await paintedPixels(chart.locator('canvas'))).toBeGreaterThan(50);
  }
}

/** The little of a canvas these checks use (e2e is type-checked without the DOM's types). */
type Canvas2d = {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
};

/** How many of a canvas's pixels are not transparent. */
export async function paintedPixels(canvas: Locator): Promise<number> {
  return canvas.evaluate((node) => {
    const el = node as unknown as Canvas2d;
    const data = el.getContext('2d')?.getImageData(0, 0, el.width, el.height).data ?? [];
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  });
}

/** How many of a canvas's pixels are exactly this colour (opaque). */
export async function pixelsOf(canvas: Locator, rgb: [number, number, number]): Promise<number> {
  return canvas.evaluate((node, [r, g, b]) => {
    const el = node as unknown as Canvas2d;
    const data = el.getContext('2d')?.getImageData(0, 0, el.width, el.height).data ?? [];
    let n = 0;
    for (let i = 0; i < data.length; i += 4)
      if (data[i] === r && data[i + 1] === g && data[i + 2] === b && data[i + 3] === 255) n++;
    return n;
  }, rgb);
}

/** The dashboard's "needs its key" page is shown instead of the dashboard. */
export async function keyNeeded(page: Page): Promise<void> {
  const panel = page.locator('[data-testid="auth-needed"]');
  await expect(panel).toBeVisible();
  await expect(panel.locator('h1')).toHaveText('This dashboard needs its key');
  await expect(panel).toContainText('flylight token');
  await expect(page.locator('[data-testid="region-row"]')).toHaveCount(0);
}

async function openResetDialog(page: Page): Promise<Locator> {
  await page.locator('[data-testid="header-menu"]').click();
  // The menu takes the keyboard: End goes to its last item (the destructive one), Enter picks it.
  await page.keyboard.press('End');
  await expect(page.locator('[data-testid="menu-reset"]')).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.locator('[data-testid="reset-dialog"]');
  await expect(dialog).toBeVisible();
  // Cancel has the focus: a reflexive Enter does nothing harmful.
  await expect(page.locator('[data-testid="reset-cancel"]')).toBeFocused();
  return dialog;
}

/**
 * "Reset fleet…" from the header menu: Escape and Enter-on-Cancel change nothing; the
 * destructive button resets and the notice says so.
 */
export async function resetFleetFromMenu(page: Page, vmCount: number): Promise<void> {
  // The header's count comes from the status poll: wait until it has caught up.
  const vms = page.locator('[data-testid="fleet-vms"]');
  const before = String(vmCount);
  await expect(vms).toHaveText(before);

  let dialog = await openResetDialog(page);
  await expect(dialog).toContainText(`This destroys all ${before} VMs`);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.locator('[data-testid="header-menu"]')).toBeFocused();

  dialog = await openResetDialog(page);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(vms).toHaveText(before);

  dialog = await openResetDialog(page);
  await screenshot(page, 'dashboard-reset-confirm');
  await page.locator('[data-testid="reset-confirm"]').click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('[data-testid="reset-notice"]')).toContainText(
    /Fleet reset: \d+ regions, [\d,]+ machines, all VMs destroyed\./,
  );
}

/** No VMs and nothing allocated anywhere in the fleet. */
export async function expectFleetEmpty(page: Page, timeoutMs: number): Promise<void> {
  await expect(page.locator('[data-testid="fleet-vms"]')).toHaveText('0', { timeout: timeoutMs });
  const totals = page.locator('[data-testid="fleet-totals"]');
  await expect(totals).toHaveAttribute('data-cores-allocated', '0', { timeout: timeoutMs });
  await expect(totals).toHaveAttribute('data-memory-allocated', '0', { timeout: timeoutMs });
}
