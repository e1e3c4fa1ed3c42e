// The dashboard in real Chromium against the real `flylight serve` (port 0, ephemeral): select
// a region, launch from the console and from the external CLI, watch the machine change, see
// errors, charts, history across a reload, and a host killed and restarted.

import { type ChildProcess, spawn } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { CLI, ROOT, runCli } from '../test/helpers/host';
import {
  expectAllocated,
  expectChartsDrawn,
  launchedInConsole,
  machineCard,
  parseLaunched,
  screenshot,
  selectRegionByKeyboard,
  terminal,
  typeInConsole,
  waitLive,
  walkRegionsByKeyboard,
} from './dashboard-scenario';

const FLYD_MS = 500;
/** FlyD's interval plus the way to the page: store, proxy, SSE, one animation frame. */
const VISIBLE_WITHIN_MS = FLYD_MS + 2500;

interface Serve {
  url: string;
  port: number;
  proc: ChildProcess;
  output(): string;
}

/** `flylight serve` on `port` (0: any); resolves with its URL once it listens. */
function serve(port = 0): Promise<Serve> {
  const proc = spawn(
    process.execPath,
    [CLI, 'serve', '--port', String(port), '--ephemeral', '--flyd-interval', String(FLYD_MS), '--seed', '7'],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`flylight serve did not start within 20 s:\n${out}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Flylight proxy listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], port: Number(m[2]), proc, output: () => out });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`flylight serve exited with ${code} before listening:\n${out}`));
    });
  });
}

function stop(s: Serve | null, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!s || s.proc.exitCode !== null || s.proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    s.proc.once('exit', () => resolve());
    s.proc.kill(signal);
  });
}

let host: Serve | null = null;

test.beforeAll(async () => {
  host = await serve();
});

test.afterAll(async () => {
  await stop(host);
});

test('dashboard: select SIN, launch from the console and the CLI, errors, charts, history', async ({ page }) => {
  const api = (host as Serve).url;
  await page.goto(`${api}/`);
  await waitLive(page);
  await expect(page.locator('[data-testid="proxy-address"]')).toContainText(`127.0.0.1:${(host as Serve).port}`);
  await expect(page.locator('[data-testid="region-row"]')).toHaveCount(35);

  await selectRegionByKeyboard(page, 'singapore', 'SIN');
  await walkRegionsByKeyboard(page, 'SIN');

  // A launch typed in the console: its output in the terminal, its machine lit within FlyD's interval.
  await typeInConsole(page, 'launch --vm-region SIN --vm-memory 8 --vm-cores 4');
  const first = await launchedInConsole(page, 0);
  await expect(terminal(page)).toContainText(`${first.vm} on ${first.machine} (SIN): 8 GB, 4 cores`);
  await expectAllocated(page, first.machine, 4, VISIBLE_WITHIN_MS);
  await expect(machineCard(page, first.machine).locator('[data-testid="machine-status"]')).not.toHaveText('available');

  // A launch from the external CLI process shows up the same way.
  const cli = await runCli(['launch', '--vm-region', 'SIN', '--vm-memory', '16', '--vm-cores', '8'], {
    FLYLIGHT_API: api,
  });
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
  await expect(terminal(page)).toContainText('error: vm_memory must be a whole number of GB from 1 to 256');
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
  const watched = await runCli(['launch', '--vm-region', 'SIN', '--vm-memory', '2', '--vm-cores', '1'], {
    FLYLIGHT_API: api,
  });
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

test('dashboard: a killed host shows the disconnected state, then recovers from a snapshot', async ({ page }) => {
  const api = (host as Serve).url;
  await page.goto(`${api}/#/SIN`);
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

  // Same port, fresh ephemeral fleet: the page reconnects by itself and shows the new truth.
  host = await serve(port);
  await expect(page.locator('[data-testid="connection"]')).toHaveAttribute('data-state', 'open', { timeout: 20_000 });
  await expect(page.locator('[data-testid="disconnected-banner"]')).toBeHidden();
  await expect(machineCard(page, launched.machine)).toHaveAttribute('data-cores-allocated', '0');

  // And it is live again.
  await typeInConsole(page, 'launch --vm-region SIN --vm-memory 8 --vm-cores 2');
  const again = await launchedInConsole(page, 1);
  await expectAllocated(page, again.machine, 2, VISIBLE_WITHIN_MS);
});
