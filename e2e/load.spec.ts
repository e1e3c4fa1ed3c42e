// The Load panel in real Chromium against the real `flylight serve`: a bad field is named, a
// run started from the panel shows live figures and charts while the host runs it, then its
// summary — equal to what the host itself reports — and a second start is refused while one
// is on. A run typed in the console pane appears in the panel too.

import { expect, type Page, test } from '@playwright/test';
import { screenshot, terminal, typeInConsole, waitLive } from './dashboard-scenario';
import { openAt, type Serve, serve, stop } from './serve';

// Each test drives real load runs of several seconds; on a busy machine they need more than the default minute.
test.describe.configure({ timeout: 120_000 });

let host: Serve | null = null;

test.beforeAll(async () => {
  host = await serve();
});

test.afterAll(async () => {
  await stop(host);
});

async function hostRun(): Promise<{ id: string; summary: Record<string, unknown> | null } | null> {
  const s = host as Serve;
  const res = await fetch(`${s.url}/v1/load`, { headers: { authorization: `Bearer ${s.token}` } });
  return ((await res.json()) as { run: { id: string; summary: Record<string, unknown> | null } | null }).run;
}

async function fill(page: Page, field: string, value: string): Promise<void> {
  await page.locator(`[data-testid="load-${field}"]`).fill(value);
}

test('load panel: start a run, watch it live, keep its summary', async ({ page }) => {
  await page.goto(openAt(host as Serve));
  await waitLive(page);
  await page.locator('[data-testid="load-button"]').click();
  const panel = page.locator('[data-testid="load-panel"]');
  await expect(panel).toBeVisible();
  await expect(panel).toContainText('No run yet on this host');

  // A mistake is named as the panel names the field, and nothing starts.
  await fill(page, 'rate', '0');
  await page.locator('[data-testid="load-start"]').click();
  await expect(page.locator('[data-testid="load-error"]')).toHaveText(
    "Rate must be launches per second above 0 and at most 10000; got '0'",
  );
  await fill(page, 'regions', 'SIN,XYZ');
  await fill(page, 'rate', '40');
  await page.locator('[data-testid="load-start"]').click();
  await expect(page.locator('[data-testid="load-error"]')).toContainText("Regions: unknown region 'XYZ'");
  expect(await hostRun()).toBeNull();

  await fill(page, 'regions', 'SIN,NRT');
  await fill(page, 'duration', '6s');
  await fill(page, 'mix', '1x1:60,4x8:30,32x256:10');
  await fill(page, 'destroyAfter', '2s');
  await fill(page, 'seed', '42');
  await page.locator('[data-testid="load-strategy"]').selectOption('binpack');
  await page.locator('[data-testid="load-start"]').click();

  // Live: the state, the figures growing, both charts drawing, the header's running dot.
  const result = page.locator('[data-testid="load-result"]');
  await expect(result).toHaveAttribute('data-state', 'running');
  await expect(page.locator('[data-testid="load-button"]')).toHaveAttribute('data-active', 'true');
  await expect(page.locator('[data-testid="load-stop"]')).toBeVisible();
  await expect(page.locator('[data-testid="load-fig-rate"]')).toBeVisible();
  await expect
    .poll(async () => Number(await page.locator('[data-testid="load-fig-ok"]').textContent()))
    .toBeGreaterThan(40);
  await expect
    .poll(async () => Number(await page.locator('[data-testid="load-chart-rate"]').getAttribute('data-points')))
    .toBeGreaterThanOrEqual(2);
  await expect(page.locator('[data-testid="load-chart-rate"] .recharts-area').first()).toBeVisible();
  await expect(page.locator('[data-testid="load-chart-latency"] .recharts-line').first()).toBeVisible();
  await expect(page.locator('[data-testid="load-fig-p99"]')).toHaveText(/\d+(\.\d)? ms/);
  await page.mouse.move(900, 80);
  await screenshot(page, 'load-panel-running');

  // Then the summary, kept; it matches what the host reports for the run.
  await expect(result).toHaveAttribute('data-state', 'finished', { timeout: 20_000 });
  const run = await hostRun();
  const summary = run?.summary as { sent: number; ok: number; no_capacity: number; destroyed: number };
  expect(summary.sent).toBe(240);
  await expect(page.locator('[data-testid="load-summary-sent"]')).toContainText('240 launches in 6s');
  await expect(page.locator('[data-testid="load-summary-outcome"]')).toContainText(`${summary.ok} ok`);
  await expect(page.locator('[data-testid="load-summary-outcome"]')).toContainText(
    `${summary.no_capacity} no capacity`,
  );
  await expect(page.locator('[data-testid="load-summary-vms"]')).toHaveText(
    `${summary.destroyed} destroyed, nothing left running`,
  );
  await expect(page.locator('[data-testid="load-button"]')).toHaveAttribute('data-active', 'false');
  await expect(page.locator('[data-testid="load-start"]')).toBeEnabled();
  await page.mouse.move(900, 80);
  await screenshot(page, 'load-panel-summary');

  // A reload still shows the last run's summary (the host keeps it).
  await page.reload();
  await waitLive(page);
  await page.locator('[data-testid="load-button"]').click();
  await expect(page.locator('[data-testid="load-summary-sent"]')).toContainText('240 launches');
});

test('load in the console pane: the host runs it, the panel shows it, Ctrl+C stops it', async ({ page }) => {
  await page.goto(openAt(host as Serve));
  await waitLive(page);
  await typeInConsole(page, 'load --rate 20 --duration 60s --regions ORD --destroy-after 30s');
  await expect(terminal(page)).toContainText('the host runs it as load-');
  await expect(page.locator('[data-testid="load-button"]')).toHaveAttribute('data-active', 'true', { timeout: 10_000 });
  await page.locator('[data-testid="load-button"]').click();
  await expect(page.locator('[data-testid="load-result"]')).toHaveAttribute('data-state', 'running');
  // The form shows what the running run was asked, though the console asked it.
  await expect(page.locator('[data-testid="load-rate"]')).toHaveValue('20');
  await expect(page.locator('[data-testid="load-regions"]')).toHaveValue('ORD');
  await expect(page.locator('[data-testid="load-destroyAfter"]')).toHaveValue('30s');
  // A live line in the console, redrawn in place: one line, however long it runs.
  await expect(terminal(page)).toContainText(/rate \d+\/s {2}ok \d+/);
  await expect.poll(async () => ((await terminal(page).textContent()) ?? '').match(/ok \d+/g)?.length).toBe(1);
  // One run at a time: the panel offers Stop only, and the host refuses another start.
  await expect(page.locator('[data-testid="load-start"]')).toHaveCount(0);
  const s = host as Serve;
  const second = await fetch(`${s.url}/v1/load`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ rate: 1, duration_ms: 1000 }),
  });
  expect(second.status).toBe(409);
  expect(await second.text()).toContain('a load run is already running on this host');
  await screenshot(page, 'load-console-running');
  await page.locator('[data-testid="console-terminal"]').click();
  await page.keyboard.press('Control+c');
  await expect(terminal(page)).toContainText('Nothing left running.', { timeout: 20_000 });
  await expect(page.locator('[data-testid="load-result"]')).toHaveAttribute('data-state', 'stopped');
  await expect(page.locator('[data-testid="load-summary"]')).toContainText('(stopped early)');
  expect((await hostRun())?.summary).toMatchObject({ stopped: true, left: [] });
});
