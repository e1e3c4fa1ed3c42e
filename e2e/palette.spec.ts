// The command palette and the shortcut sheet in real Chromium against the real `flylight
// serve`: Ctrl+K opens it, it finds a region by code, a machine and a VM by id and goes there
// (opening the machine's or the VM's drawer),
// runs commands (launch in the console, theme, reset), `?` shows every shortcut, Escape closes.

import { expect, type Page, test } from '@playwright/test';
import { runCli } from '../test/helpers/host';
import { launchedInConsole, machineCard, parseLaunched, screenshot, terminal, waitLive } from './dashboard-scenario';
import { cliEnv, openAt, type Serve, serve, stop } from './serve';

let host: Serve | null = null;
test.beforeAll(async () => {
  host = await serve();
});
test.afterAll(async () => {
  await stop(host);
});

const palette = (page: Page) => page.locator('[data-testid="palette"]');
const input = (page: Page) => page.locator('[data-testid="palette-input"]');

async function openPalette(page: Page, search: string, key = 'Control+k'): Promise<void> {
  await page.keyboard.press(key);
  await expect(palette(page)).toBeVisible();
  await expect(input(page)).toBeFocused();
  await page.keyboard.type(search);
}

/** The item cmdk has highlighted (the one Enter picks). */
const highlighted = (page: Page) => page.locator('[data-testid="palette"] [cmdk-item][data-selected="true"]');

test('palette: Ctrl+K finds a region, a machine and a VM by id and goes there; Escape closes', async ({ page }) => {
  const h = host as Serve;
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(openAt(h));
  await waitLive(page);

  // A region by its code.
  await openPalette(page, 'NRT');
  await expect(highlighted(page)).toHaveAttribute('data-region', 'NRT');
  await screenshot(page, 'palette-region-dark');
  await page.keyboard.press('Enter');
  await expect(palette(page)).toBeHidden();
  await expect(page.locator('[data-testid="region-header"]')).toHaveAttribute('data-region', 'NRT');
  await expect(page).toHaveURL(/#\/NRT$/);

  // A machine of another region by its id: the page goes to its region and shows the card.
  const machines = await runCli(['machines', 'SYD', '--json'], cliEnv(h.url));
  expect(machines.code, machines.stderr).toBe(0);
  const parsed = JSON.parse(machines.stdout) as { machines?: { id: string }[] } | { id: string }[];
  const list = Array.isArray(parsed) ? parsed : (parsed.machines ?? []);
  const target = list[list.length - 1].id;
  await openPalette(page, target);
  await expect(page.locator(`[data-testid="palette-machine"][data-machine="${target}"]`)).toBeVisible();
  await expect(highlighted(page)).toHaveAttribute('data-machine', target);
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="region-header"]')).toHaveAttribute('data-region', 'SYD');
  await expect(machineCard(page, target)).toHaveAttribute('data-focused', 'true');
  await expect(machineCard(page, target)).toBeInViewport({ ratio: 0.9 });
  // …and opens the machine's drawer (a link of its own).
  await expect(page.locator('[data-testid="machine-drawer"] [data-testid="drawer-title"]')).toHaveText(target);
  await expect(page).toHaveURL(new RegExp(`#/machines/${target}$`));

  // A VM by its id: its machine, marked with the VM.
  const launched = await runCli(['launch', '--vm-region', 'AMS', '--vm-memory', '4', '--vm-cores', '2'], cliEnv(h.url));
  const vm = parseLaunched(launched.stdout);
  expect(vm, launched.stdout + launched.stderr).not.toBeNull();
  await openPalette(page, vm?.vm as string);
  await expect(highlighted(page)).toHaveAttribute('data-vm', vm?.vm as string);
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="region-header"]')).toHaveAttribute('data-region', 'AMS');
  const card = machineCard(page, vm?.machine as string);
  await expect(card).toHaveAttribute('data-focused', 'true');
  await expect(card.locator('[data-testid="machine-focus-vm"]')).toContainText(vm?.vm as string);
  await expect(page.locator('[data-testid="vm-drawer"] [data-testid="drawer-title"]')).toHaveText(vm?.vm as string);
  await page.locator('[data-testid="drawer-close"]').click();

  // Nothing found says what to try; Escape closes and gives the keyboard back.
  await openPalette(page, 'zzz-no-such-thing');
  await expect(palette(page)).toContainText('Nothing matches');
  await page.keyboard.press('Escape');
  await expect(palette(page)).toBeHidden();
  // The header's button opens it too.
  await page.locator('[data-testid="palette-button"]').click();
  await expect(input(page)).toBeFocused();
  await expect(input(page)).toHaveValue('');
  await page.keyboard.press('Escape');
  await expect(palette(page)).toBeHidden();
});

test('palette: runs commands — launch and drain in the console, export, load, the VM list, theme, console, reset — and ? lists every shortcut', async ({
  page,
}) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(openAt(host as Serve, '#/SIN'));
  await waitLive(page);

  // "Launch a VM…" puts a launch for the selected region at the console's prompt.
  await openPalette(page, 'launch');
  await expect(highlighted(page)).toHaveAttribute('data-command', 'launch');
  await page.keyboard.press('Enter');
  await expect(terminal(page)).toContainText('flylight> launch --vm-region SIN --vm-memory 8 --vm-cores 4');
  await page.keyboard.press('Enter');
  const launched = await launchedInConsole(page, 0);
  expect(launched.vm).toMatch(/^vm-/);

  // Ctrl+K in the console is the shell's "delete to end of line"; Ctrl+Shift+P opens the palette there.
  await page.locator('[data-testid="console-terminal"]').click();
  await page.keyboard.press('Control+k');
  await expect(palette(page)).toBeHidden();
  await page.keyboard.press('Control+Shift+P');
  await expect(palette(page)).toBeVisible();
  await page.keyboard.press('Escape');
  // Escape gives the keyboard back to the console.
  await expect(page.locator('[data-testid="console-terminal"] textarea')).toBeFocused();

  // A machine action goes to the console's prompt, ready for the machine's id.
  await page.locator('section.detail').click({ position: { x: 5, y: 5 } });
  await openPalette(page, 'drain');
  await expect(highlighted(page)).toHaveAttribute('data-command', 'drain');
  await page.keyboard.press('Enter');
  await expect(terminal(page)).toContainText('flylight> machine drain');
  await page.keyboard.press('Control+u');

  // Export, load and the VM list open where they live.
  await page.locator('section.detail').click({ position: { x: 5, y: 5 } });
  await openPalette(page, 'export');
  await expect(highlighted(page)).toHaveAttribute('data-command', 'scenario');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="scenario-dialog"]')).toBeVisible();
  await page.locator('[data-testid="scenario-close"]').click();
  await openPalette(page, 'load generator');
  await expect(highlighted(page)).toHaveAttribute('data-command', 'load');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="load-panel"]')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.locator('[data-testid="load-panel"]')).toBeHidden();
  await openPalette(page, 'show the vms');
  await expect(highlighted(page)).toHaveAttribute('data-command', 'vm-list');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#\/vms$/);
  await page.goBack();
  await expect(page).toHaveURL(/#\/SIN$/);

  // Theme and console commands.
  await page.locator('section.detail').click({ position: { x: 5, y: 5 } });
  await openPalette(page, 'theme light');
  await expect(highlighted(page)).toHaveAttribute('data-command', 'theme-light');
  await page.keyboard.press('Enter');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await openPalette(page, 'reset');
  await screenshot(page, 'palette-command-light');
  await page.keyboard.press('Escape');
  await openPalette(page, 'hide the console');
  await expect(highlighted(page)).toHaveAttribute('data-command', 'console');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="console-pane"]')).toHaveAttribute('data-open', 'false');
  await openPalette(page, 'show the console');
  await expect(highlighted(page)).toHaveAttribute('data-command', 'console');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="console-pane"]')).toHaveAttribute('data-open', 'true');

  // "Filter the regions" hands the keyboard to the filter. (The console just took the keyboard,
  // where Ctrl+K is the shell's: Ctrl+Shift+P.)
  await openPalette(page, 'filter the regions', 'Control+Shift+P');
  await expect(highlighted(page)).toHaveAttribute('data-command', 'filter');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="region-filter"]')).toBeFocused();

  // `?` (outside a text field) opens the sheet of shortcuts; Escape closes it.
  await page.locator('section.detail').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('?');
  const sheet = page.locator('[data-testid="shortcut-sheet"]');
  await expect(sheet).toBeVisible();
  for (const text of ['Command palette', 'Show or hide the console', 'Filter the regions', 'Delete to the end']) {
    await expect(sheet).toContainText(text);
  }
  await screenshot(page, 'shortcuts-light');
  await page.keyboard.press('Escape');
  await expect(sheet).toBeHidden();
  // Typed into the filter, `?` is just a character.
  await page.locator('[data-testid="region-filter"]').click();
  await page.keyboard.press('?');
  await expect(sheet).toBeHidden();
  await expect(page.locator('[data-testid="region-filter"]')).toHaveValue('?');
  await page.keyboard.press('Escape');

  // "Reset the fleet…" opens the confirm dialog; the notice afterwards leaves the console's meter in view.
  await page.locator('section.detail').click({ position: { x: 5, y: 5 } });
  await openPalette(page, 'reset the fleet');
  await expect(highlighted(page)).toHaveAttribute('data-command', 'reset');
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="reset-dialog"]')).toBeVisible();
  await page.locator('[data-testid="reset-confirm"]').click();
  const notice = page.locator('[data-testid="reset-notice"]');
  await expect(notice).toBeVisible();
  const a = await notice.boundingBox();
  const b = await page.locator('[data-testid="console-meter"]').boundingBox();
  if (!a || !b) throw new Error('notice or meter not on screen');
  expect(a.y + a.height <= b.y || b.y + b.height <= a.y || a.x + a.width <= b.x || b.x + b.width <= a.x).toBe(true);
  await screenshot(page, 'reset-notice-light');
});
