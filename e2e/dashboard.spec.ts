// The dashboard in real Chromium against the real `flylight serve` (port 0, ephemeral): select
// a region, launch from the console and from the external CLI, watch the machine change, see
// errors, charts, history across a reload, reset the fleet, the page without its key, and a
// host killed and restarted.
//
// The host runs with its own XDG_CONFIG_HOME, so the tests never read or create the user's real
// token. The page is opened through the `Dashboard: …?token=…` link that serve prints (the
// page trades it for a session kept in its localStorage); a build that prints none is opened
// at its plain URL.

import { expect, test } from '@playwright/test';
import { runCli } from '../test/helpers/host';
import {
  expectAllocated,
  expectChartsDrawn,
  expectFleetEmpty,
  keyNeeded,
  launchedInConsole,
  machineCard,
  parseLaunched,
  resetFleetFromMenu,
  screenshot,
  selectRegionByKeyboard,
  terminal,
  typeInConsole,
  waitLive,
  walkRegionsByKeyboard,
} from './dashboard-scenario';
import { cliEnv, FLYD_MS, openAt, type Serve, serve, stop } from './serve';

/** FlyD's interval plus the way to the page: store, proxy, SSE, one animation frame. */
const VISIBLE_WITHIN_MS = FLYD_MS + 2500;

let host: Serve | null = null;

test.beforeAll(async () => {
  host = await serve();
});

test.afterAll(async () => {
  await stop(host);
});

test('dashboard: select SIN, launch from the console and the CLI, errors, charts, history', async ({ page }) => {
  const api = (host as Serve).url;
  await page.goto(openAt(host as Serve));
  await waitLive(page);
  // The token left the address bar before it was traded for a session.
  expect(page.url()).not.toContain('token=');
  await expect(page.locator('[data-testid="proxy-address"]')).toContainText(`127.0.0.1:${(host as Serve).port}`);
  await expect(page.locator('[data-testid="region-row"]')).toHaveCount(35);
  // The console starts compact; this test reads whole tables in it, so give it room (as a user would).
  await page.locator('[data-testid="console-resize"]').focus();
  for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowUp');

  await selectRegionByKeyboard(page, 'singapore', 'SIN');
  await walkRegionsByKeyboard(page, 'SIN');

  // A launch typed in the console: its output in the terminal, its machine lit within FlyD's interval.
  await typeInConsole(page, 'launch --vm-region SIN --vm-memory 8 --vm-cores 4');
  const first = await launchedInConsole(page, 0);
  await expect(terminal(page)).toContainText(`${first.vm} on ${first.machine} (SIN): 8 GB, 4 cores`);
  await expectAllocated(page, first.machine, 4, VISIBLE_WITHIN_MS);
  await expect(machineCard(page, first.machine).locator('[data-testid="machine-status"]')).not.toHaveText('available');

  // A launch from the external CLI process shows up the same way.
  const cli = await runCli(['launch', '--vm-region', 'SIN', '--vm-memory', '16', '--vm-cores', '8'], cliEnv(api));
  expect(cli.code, cli.stderr).toBe(0);
  const second = parseLaunched(cli.stdout);
  expect(second, cli.stdout).not.toBeNull();
  const expectedCores = second?.machine === first.machine ? 12 : 8;
  await expectAllocated(page, second?.machine as string, expectedCores, VISIBLE_WITHIN_MS);
  await expect(page.locator('[data-testid="region-cores-bar"]')).toHaveAttribute('data-allocated', '12', {
    timeout: VISIBLE_WITHIN_MS,
  });

  // Bad commands print their errors in the console, in the CLI's words.
  await typeInConsole(page, 'launch --vm-region SIN --vm-memory 999 --vm-cores 4');
  await expect(terminal(page)).toContainText('error: --vm-memory must be a whole number of GB from 1 to 256');
  await typeInConsole(page, 'launch --vm-region ATLANTIS --vm-memory 8 --vm-cores 4');
  await expect(terminal(page)).toContainText(/error: .*ATLANTIS/i);
  await typeInConsole(page, 'lanch');
  await expect(terminal(page)).toContainText("error: unknown command 'lanch'");

  // Tab completes region codes from the live list; the command prints the region's table.
  await typeInConsole(page, 'machines si', { enter: false });
  await page.keyboard.press('Tab');
  await expect(terminal(page)).toContainText('flylight> machines SIN');
  await page.keyboard.press('Enter');
  await expect(terminal(page)).toContainText(first.machine);

  // The charts have drawn the last seconds.
  await expectChartsDrawn(page, ['fleet', 'region', 'launches']);
  await expect(page.locator('[data-testid="chart-region-cores"]')).not.toHaveText('0%');
  await screenshot(page, 'dashboard-sin');

  // `watch` streams changes into the console until Ctrl+C stops it.
  await typeInConsole(page, 'watch --vm-region SIN');
  await expect(terminal(page)).toContainText('Watching SIN');
  const watched = await runCli(['launch', '--vm-region', 'SIN', '--vm-memory', '2', '--vm-cores', '1'], cliEnv(api));
  const third = parseLaunched(watched.stdout);
  expect(third, watched.stdout).not.toBeNull();
  await expect(terminal(page)).toContainText(new RegExp(`SIN ${third?.machine} \\w+: cores`), {
    timeout: VISIBLE_WITHIN_MS,
  });
  await page.keyboard.press('Control+c');
  await expect(terminal(page)).toContainText('^C');
  await typeInConsole(page, 'status');
  await expect(terminal(page)).toContainText(/launches/i);

  // `help` is the CLI's help; Ctrl+` hides and shows the pane, which keeps its output; the
  // pane's top edge drags to resize it.
  await typeInConsole(page, 'help');
  await expect(terminal(page)).toContainText('Run `help COMMAND`');
  const pane = page.locator('[data-testid="console-pane"]');
  await page.keyboard.press('Control+Backquote');
  await expect(pane).toHaveAttribute('data-open', 'false');
  await expect(page.locator('[data-testid="console-terminal"]')).toBeHidden();
  await page.keyboard.press('Control+Backquote');
  await expect(pane).toHaveAttribute('data-open', 'true');
  await expect(terminal(page)).toContainText('Run `help COMMAND`');
  const before = (await pane.boundingBox())?.height ?? 0;
  const handle = page.locator('[data-testid="console-resize"]');
  const box = await handle.boundingBox();
  if (!box) throw new Error('the console has no resize handle');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y - 100, { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => (await pane.boundingBox())?.height ?? 0).toBeGreaterThan(before + 80);

  // History survives a reload (a restart of the page): ↑ brings back the last command.
  await page.reload();
  await waitLive(page);
  await expect(page.locator('[data-testid="region-header"]')).toHaveAttribute('data-region', 'SIN');
  await page.locator('[data-testid="console-terminal"]').click();
  await page.keyboard.press('ArrowUp');
  await expect(terminal(page)).toContainText('flylight> help');
  await page.keyboard.press('ArrowUp');
  await expect(terminal(page)).toContainText('flylight> status');
  await page.keyboard.press('ArrowUp');
  await expect(terminal(page)).toContainText('flylight> watch --vm-region SIN');
  await page.keyboard.press('Control+c');
  await typeInConsole(page, 'history');
  await expect(terminal(page)).toContainText('launch --vm-region SIN --vm-memory 8 --vm-cores 4');
  await screenshot(page, 'dashboard-console-history');
});

test('dashboard: Reset fleet asks first, then every VM is gone and nothing is allocated', async ({ page }) => {
  const api = (host as Serve).url;
  await page.goto(openAt(host as Serve, '#/SIN'));
  await waitLive(page);
  for (const [memory, cores] of [
    ['8', '4'],
    ['4', '2'],
  ]) {
    const r = await runCli(['launch', '--vm-region', 'SIN', '--vm-memory', memory, '--vm-cores', cores], cliEnv(api));
    expect(r.code, r.stderr).toBe(0);
  }
  const last = parseLaunched(
    (await runCli(['launch', '--vm-region', 'SIN', '--vm-memory', '2', '--vm-cores', '1'], cliEnv(api))).stdout,
  );
  expect(last).not.toBeNull();
  await expectAllocated(page, last?.machine as string, 1, VISIBLE_WITHIN_MS);

  const listed = await runCli(['vms', '--json'], cliEnv(api));
  await resetFleetFromMenu(page, (JSON.parse(listed.stdout) as { vms: unknown[] }).vms.length);
  await expectFleetEmpty(page, VISIBLE_WITHIN_MS);
  await expect(machineCard(page, last?.machine as string)).toHaveAttribute('data-cores-allocated', '0');
  await screenshot(page, 'dashboard-after-reset');
  const vms = await runCli(['vms'], cliEnv(api));
  expect(vms.stdout.trim()).toBe('No VMs.');

  // The console runs it too, with --yes.
  await typeInConsole(page, 'reset');
  await expect(terminal(page)).toContainText('type `reset --yes`');
  await typeInConsole(page, 'reset --yes');
  await expect(terminal(page)).toContainText('Fleet reset: 35 regions');
  await typeInConsole(page, 'token');
  await expect(terminal(page)).toContainText('error: token is not available in the console');
});

test('dashboard: without its key the page says how to get in, and the pasted token opens it', async ({ page }) => {
  const h = host as Serve;
  const probe = await fetch(`${h.url}/v1/regions`);
  // An open API here would be a security regression: fail, never skip.
  expect(probe.status, 'the API answered a request without the token').toBe(401);
  expect(h.token, 'serve printed no dashboard link with a token').not.toBeNull();

  const asked: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/v1/')) asked.push(new URL(r.url()).pathname);
  });
  await page.goto(`${h.url}/#/SIN`);
  await keyNeeded(page);
  await expect(page.locator('[data-testid="auth-needed"]')).toContainText(`Dashboard: ${h.url}/?token=…`);
  // Refused once, the page stops asking: longer than a status poll, and nothing more is sent.
  const after = asked.length;
  await page.waitForTimeout(2500);
  expect(asked.length).toBe(after);
  await screenshot(page, 'dashboard-key-needed');

  await page.locator('[data-testid="key-input"]').fill('not-a-token');
  await page.locator('[data-testid="key-submit"]').click();
  await expect(page.locator('#key-problem')).toContainText('43 letters');
  await page.locator('[data-testid="key-input"]').fill(h.token as string);
  await page.locator('[data-testid="key-submit"]').click();
  await waitLive(page);
  expect(page.url()).not.toContain('token=');
  await expect(page.locator('[data-testid="region-header"]')).toHaveAttribute('data-region', 'SIN');
});

test('dashboard: a killed host shows the disconnected state, then recovers from a snapshot', async ({ page }) => {
  await page.goto(openAt(host as Serve, '#/SIN'));
  await waitLive(page);
  await typeInConsole(page, 'launch --vm-region SIN --vm-memory 8 --vm-cores 4');
  const launched = await launchedInConsole(page, 0);
  await expectAllocated(page, launched.machine, 4, VISIBLE_WITHIN_MS);

  const port = (host as Serve).port;
  await stop(host, 'SIGKILL');
  await expect(page.locator('[data-testid="connection"]')).not.toHaveAttribute('data-state', 'open');
  await expect(page.locator('[data-testid="disconnected-banner"]')).toBeVisible();
  // The last known state stays on screen, marked stale.
  await expect(machineCard(page, launched.machine)).toBeVisible();
  await expect(page.locator('section.detail')).toHaveAttribute('data-stale', 'true');
  await screenshot(page, 'dashboard-disconnected');

  // Same port and config directory, fresh ephemeral fleet: the session is still good (its key
  // is kept beside the token), so the page reconnects by itself and shows the new truth.
  host = await serve(port);
  await expect(page.locator('[data-testid="connection"]')).toHaveAttribute('data-state', 'open', { timeout: 20_000 });
  await expect(page.locator('[data-testid="auth-needed"]')).toHaveCount(0);
  await expect(page.locator('[data-testid="disconnected-banner"]')).toBeHidden();
  await expect(machineCard(page, launched.machine)).toHaveAttribute('data-cores-allocated', '0');

  // And it is live again.
  await typeInConsole(page, 'launch --vm-region SIN --vm-memory 8 --vm-cores 2');
  // A page opened afresh has a fresh terminal: this is its first launch line.
  const again = await launchedInConsole(page, 1);
  await expectAllocated(page, again.machine, 2, VISIBLE_WITHIN_MS);
});
