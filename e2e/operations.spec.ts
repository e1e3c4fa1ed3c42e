// Issue 10 in the dashboard, in real Chromium against the real `flylight serve` (instant timing):
// VM states on machine cards as they change, a machine drained and taken offline with evacuation
// from its menu (the question first, then the statuses and the evacuation report), a region
// marked Down from its menu and a launch there refused with the nearest regions, a launch
// refused for capacity with its slots and per-machine explanation, and Tab completing a machine
// id in the console. Screenshots at 1440×900 in both themes land in screenshots/.

import { expect, type Page, test } from '@playwright/test';
import {
  launchedInConsole,
  machineCard,
  screenshot,
  selectRegionByKeyboard,
  terminal,
  typeInConsole,
  waitLive,
} from './dashboard-scenario';
import { openAt, type Serve, serve, stop } from './serve';

let host: Serve | null = null;

test.beforeAll(async () => {
  host = await serve();
});

test.afterAll(async () => {
  await stop(host);
});

// Page script (a string: this file is type-checked without the DOM's types): records, per VM,
// each state its chip shows, in order, marked * when the chip is drawn as transient (pulsing).
const OBSERVE_CHIP_STATES = `(() => {
  const seen = {};
  window.chipStates = seen;
  const note = (el) => {
    const id = el.getAttribute('data-vm-id');
    const state = el.getAttribute('data-state') + (el.classList.contains('is-transient') ? '*' : '');
    if (!id) return;
    const list = seen[id] || (seen[id] = []);
    if (list[list.length - 1] !== state) list.push(state);
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes') note(r.target);
      for (const n of r.addedNodes) {
        if (!(n instanceof Element)) continue;
        if (n.matches('[data-testid="vm-chip"]')) note(n);
        for (const el of n.querySelectorAll('[data-testid="vm-chip"]')) note(el);
      }
    }
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'class'] });
})()`;

const chip = (page: Page, vm: string) => page.locator(`[data-testid="vm-chip"][data-vm-id="${vm}"]`);

async function openMachineMenu(page: Page, machine: string): Promise<void> {
  const button = machineCard(page, machine).locator('[data-testid="machine-menu"]');
  await button.focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="machine-menu-list"]')).toBeVisible();
}

async function consoleText(page: Page): Promise<string> {
  return (await terminal(page).locator(':scope > div').allTextContents()).join('\n').replace(/\u00a0/g, ' ');
}

test('operations: VM states on cards, drain and evacuate from the menu, Down region refusals', async ({ page }) => {
  test.setTimeout(150_000); // a long story, on a machine shared with other builds
  const s = host as Serve;
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(openAt(s));
  await waitLive(page);
  await page.locator('[data-testid="console-resize"]').focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowUp');
  await selectRegionByKeyboard(page, 'singapore', 'SIN');

  // Two VMs packed onto one machine (binpack), each a chip on that machine's card, started.
  await typeInConsole(page, 'launch --vm-region SIN --vm-memory 4 --vm-cores 2 --count 2 --strategy binpack');
  const a = await launchedInConsole(page, 0);
  const b = await launchedInConsole(page, 1);
  expect(b.machine).toBe(a.machine);
  const card = machineCard(page, a.machine);
  await expect(chip(page, a.vm)).toHaveAttribute('data-state', 'started');
  await expect(chip(page, b.vm)).toHaveAttribute('data-state', 'started');
  await expect(card.locator('[data-testid="vm-count"][data-state="started"]')).toHaveAttribute('data-count', '2');

  // A lifecycle operation from the console: the chip changes state in place.
  await typeInConsole(page, `vm stop ${b.vm}`);
  await expect(chip(page, b.vm)).toHaveAttribute('data-state', 'stopped');
  await expect(card.locator('[data-testid="vm-count"][data-state="stopped"]')).toHaveAttribute('data-count', '1');
  await typeInConsole(page, `vm start ${b.vm}`);
  await expect(chip(page, b.vm)).toHaveAttribute('data-state', 'started');
  // The chip follows the VM's event at once; the machine's own figures (what the offline dialog
  // counts) follow when its FlyD writes them, within one FlyD interval. A person sees the card
  // say 2 VMs again before acting on it.
  await expect(card).toHaveAttribute('data-vms', '2');

  // Drain from the card's menu, by keyboard: no question (nothing is lost), the status shows.
  await openMachineMenu(page, a.machine);
  await page.keyboard.press('Enter'); // the first item: Drain
  await expect(card.locator('[data-testid="machine-status"]')).toHaveText('draining');
  await expect(card).toHaveAttribute('data-status', 'draining');
  await expect(page.locator('[data-testid="op-toast"]').last()).toContainText(`${a.machine} is draining`);

  // Offline with evacuation asks first, naming what happens; Cancel does nothing.
  await openMachineMenu(page, a.machine);
  await page.locator('[data-testid="menu-machine-evacuate"]').click();
  const dialog = page.locator('[data-testid="ops-confirm"]');
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('[data-testid="ops-consequence"]')).toHaveText(
    '2 VMs will fail with host_offline and free what they hold.',
  );
  await screenshot(page, 'ops-confirm-dark');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(card).toHaveAttribute('data-status', 'draining');

  await openMachineMenu(page, a.machine);
  await page.locator('[data-testid="menu-machine-evacuate"]').click();
  await dialog.locator('[data-testid="ops-confirm-button"]').click();
  await expect(dialog).toBeHidden();
  await expect(card).toHaveAttribute('data-status', 'offline');
  await expect(chip(page, a.vm)).toHaveAttribute('data-state', 'failed');
  await expect(chip(page, a.vm)).toHaveAttribute('title', /host_offline/);
  await expect(card.locator('[data-testid="vm-failed"]')).toHaveText('2 failed: host_offline');
  const report = page.locator('[data-testid="op-toast"]').last();
  await expect(report).toContainText(`${a.machine} is offline, evacuated`);
  await expect(report).toContainText('2 VMs failed with host_offline.');
  await expect(report).toContainText('2 VMs re-placed on');
  // The replacements are new VMs, started on other machines of SIN.
  const replaced = page.locator(`[data-testid="vm-chip"][data-state="started"]`);
  await expect(replaced).toHaveCount(2);
  await screenshot(page, 'ops-evacuated-dark');

  // Back online: takes VMs again; the failed VMs stay failed.
  await openMachineMenu(page, a.machine);
  await page.locator('[data-testid="menu-machine-online"]').click();
  await expect(card).toHaveAttribute('data-status', 'available');
  await expect(chip(page, a.vm)).toHaveAttribute('data-state', 'failed');

  // Region Down from the region's menu asks first, then launches there are refused with suggestions.
  await page.locator('[data-testid="region-menu"]').click();
  await page.locator('[data-testid="menu-region-down"]').click();
  await expect(dialog.locator('[data-testid="ops-consequence"]')).toContainText('refused with region_down');
  await dialog.locator('[data-testid="ops-confirm-button"]').click();
  await expect(page.locator('[data-testid="region-status"]')).toHaveText('Down');

  await page.locator('[data-testid="region-menu"]').click();
  await page.locator('[data-testid="menu-region-launch"]').click();
  const launch = page.locator('[data-testid="launch-dialog"]');
  await expect(launch).toBeVisible();
  await expect(launch.locator('[data-testid="launch-region"]')).toHaveValue('SIN');
  await launch.locator('[data-testid="launch-submit"]').click();
  const refusal = launch.locator('[data-testid="launch-refusal"]');
  await expect(refusal).toHaveAttribute('data-code', 'region_down');
  await expect(refusal).toContainText('region SIN is down');
  const suggestions = refusal.locator('[data-testid="refusal-suggestion"]');
  await expect(suggestions.first()).toBeVisible();
  const nearest = (await suggestions.first().getAttribute('data-region')) as string;
  await screenshot(page, 'ops-region-down-dark');
  // A suggestion goes into the form; launching there works.
  await suggestions.first().click();
  await expect(launch.locator('[data-testid="launch-region"]')).toHaveValue(nearest);
  await expect(refusal).toBeHidden();
  await launch.locator('[data-testid="launch-submit"]').click();
  await expect(launch).toBeHidden();
  await expect(page.locator('[data-testid="op-toast"]').last()).toContainText(`(${nearest})`);

  // A batch larger than the region: the largest slots that exist, then every machine's verdict.
  await page.locator('[data-testid="region-menu"]').click();
  await page.locator('[data-testid="menu-region-operational"]').click();
  await expect(page.locator('[data-testid="region-status"]')).toHaveText('Operational');
  await page.locator('[data-testid="region-menu"]').click();
  await page.locator('[data-testid="menu-region-launch"]').click();
  await launch.locator('[data-testid="launch-region"]').fill('SIN');
  await launch.locator('[data-testid="launch-memory_gb"]').fill('256');
  await launch.locator('[data-testid="launch-cores"]').fill('32');
  // One whole machine each, for more VMs than SIN has empty machines: all or none, so none.
  await launch.locator('[data-testid="launch-count"]').fill('11');
  await launch.locator('[data-testid="launch-submit"]').click();
  await expect(refusal).toHaveAttribute('data-code', 'no_capacity');
  await expect(refusal.locator('[data-testid="refusal-slots"]')).toContainText('GB with');
  await refusal.locator('[data-testid="refusal-explain"]').click();
  const verdicts = refusal.locator('[data-testid="refusal-verdicts"] [data-testid="verdict-text"]');
  await expect(verdicts.first()).toBeVisible();
  await expect(refusal.locator('[data-testid="refusal-verdicts"]')).toContainText('short by');
  await expect(refusal.locator('[data-testid="plan-summary"]')).toContainText('of the 11 VMs asked (all or none)');
  await screenshot(page, 'ops-no-capacity-dark');
  await page.keyboard.press('Escape');
  await expect(launch).toBeHidden();

  // The same views in the light theme.
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await screenshot(page, 'ops-cards-light');
  await openMachineMenu(page, a.machine);
  await screenshot(page, 'ops-menu-light');
  await page.keyboard.press('Escape');
});

test('operations: Tab completes a machine id and a VM id in the console', async ({ page }) => {
  const s = host as Serve;
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(openAt(s, '#/NRT'));
  await waitLive(page);
  await expect(page.locator('[data-testid="machine-card"]').first()).toBeVisible();
  const ids = await page
    .locator('[data-testid="machine-card"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-machine-id') ?? ''));
  // The shortest prefix of the last machine's id that no other id shares.
  const target = ids[ids.length - 1];
  let prefix = target;
  for (let n = 1; n <= target.length; n++) {
    const p = target.slice(0, n);
    if (ids.filter((id) => id.startsWith(p)).length === 1) {
      prefix = p;
      break;
    }
  }
  await typeInConsole(page, `machine drain ${prefix}`, { enter: false });
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect.poll(() => consoleText(page)).toContain(`machine drain ${target} `);
  await expect(machineCard(page, target)).toHaveAttribute('data-status', 'draining');

  // A VM id after `vm stop`, from the VMs the dashboard has seen.
  await typeInConsole(page, 'launch --vm-region NRT --vm-memory 2 --vm-cores 1');
  const vm = await launchedInConsole(page, 0);
  await expect(chip(page, vm.vm)).toHaveAttribute('data-state', 'started');
  await typeInConsole(page, 'vm sto', { enter: false });
  await page.keyboard.press('Tab');
  await page.keyboard.type(vm.vm.slice(0, -2));
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect.poll(() => consoleText(page)).toContain(`vm stop ${vm.vm} `);
  await expect(chip(page, vm.vm)).toHaveAttribute('data-state', 'stopped');
  await screenshot(page, 'ops-console-dark');
});

test('operations: with realistic timing a card shows a VM on its way, then started, then stopping', async ({
  page,
}) => {
  test.setTimeout(120_000);
  // fly.io's figures at half speed: a create then a start take seconds each, so they are seen.
  const slow = await serve(0, ['--timing', 'realistic', '--speed', '0.5']);
  try {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(openAt(slow, '#/AMS'));
    await waitLive(page);
    await expect(page.locator('[data-testid="machine-card"]').first()).toBeVisible();
    // Every state each chip shows, in order, as the page draws it.
    await page.evaluate(OBSERVE_CHIP_STATES);
    const states = async (vm: string) =>
      (await page.evaluate(`window.chipStates[${JSON.stringify(vm)}] ?? []`)) as string[];

    await typeInConsole(page, 'launch --vm-region AMS --vm-memory 4 --vm-cores 2');
    const { vm } = await launchedInConsole(page, 0);
    const c = chip(page, vm);
    await screenshot(page, 'ops-transient-dark'); // most likely while it starts
    await expect(c).toHaveAttribute('data-state', 'started', { timeout: 20_000 });
    await expect(c).not.toHaveClass(/is-transient/);
    await typeInConsole(page, `vm stop ${vm}`);
    await expect(c).toHaveAttribute('data-state', 'stopped', { timeout: 20_000 });
    // The card drew each state in order, the transient ones pulsing. `created` lasts no time before
    // the start begins, so one frame may conflate it (and `creating`, before the first frame) away.
    // Recorded in the page, so a slow test runner cannot miss a short state.
    expect((await states(vm)).filter((st) => !/^creat/.test(st))).toEqual([
      'starting*',
      'started',
      'stopping*',
      'stopped',
    ]);
  } finally {
    await stop(slow);
  }
});
