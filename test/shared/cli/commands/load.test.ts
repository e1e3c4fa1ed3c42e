// `load` through runCommand with a fake API: in a terminal the generator runs here over a
// scripted driver (the CLI's way), in the console the host runs it (a LoadKeeper behind the fake
// API); both print the same live lines and summary. Mistakes are usage errors naming the flag.

import { describe, expect, it } from 'vitest';
import { EXIT } from '../../../../src/shared/cli/env';
import { runCommand } from '../../../../src/shared/cli/run';
import { LoadKeeper } from '../../../../src/shared/load/keeper';
import { localRunner } from '../../../../src/shared/load/runners';
import type { LoadSummary } from '../../../../src/shared/load/stats';
import { capture, FakeApi, FakeFeed, makeEnv } from '../../../helpers/cli-fixtures';
import { ScriptedDriver } from '../../../helpers/load-fixtures';

const ARGS = [
  'load',
  '--rate',
  '20',
  '--duration',
  '1s',
  '--regions',
  'sin',
  '--destroy-after',
  '200ms',
  '--seed',
  '3',
];

function cli(driver = new ScriptedDriver()) {
  const api = new FakeApi();
  const env = makeEnv(api, new FakeFeed(), 'cli');
  env.load = localRunner(async () => ({ driver, close: () => {} }));
  return { api, env, driver };
}

describe('load in a terminal', () => {
  it('runs here, prints a line a second when nothing can be redrawn, then the summary', async () => {
    const { env, driver } = cli();
    const c = capture();
    const code = await runCommand(ARGS, env, c.io);
    expect(code).toBe(EXIT.ok);
    expect(driver.launches).toHaveLength(20);
    expect(new Set(driver.launches.map((l) => l.region))).toEqual(new Set(['SIN']));
    expect(driver.destroys).toHaveLength(20);
    expect(c.out[0]).toMatch(/^Load: 20\/s for 1s — against http/);
    expect(c.out).toContain('Load run finished after 1s: 20/s asked, 20/s sent');
    expect(c.out).toContain('  ok           20 (100.0%)');
    expect(c.out).toContain('  Nothing left running.');
  });

  it('redraws its live line through io.status, with a progress bar', async () => {
    const { env } = cli();
    const c = capture();
    const status: string[] = [];
    c.io.status = (l) => status.push(l);
    await runCommand(ARGS, env, c.io);
    expect(status.length).toBeGreaterThan(0);
    expect(status[0]).toMatch(
      /^[█░]{20} .*rate \d+\/s {2}ok \d+ {2}no capacity \d+ {2}errors \d+ {2}p50 .* {2}p99 .* {2}VMs \d+$/,
    );
  });

  it('--json prints the summary object on stdout and the progress on stderr', async () => {
    const { env } = cli();
    const c = capture();
    expect(await runCommand([...ARGS, '--json'], env, c.io)).toBe(EXIT.ok);
    const summary = JSON.parse(c.out.join('\n')) as LoadSummary;
    expect(summary).toMatchObject({ sent: 20, ok: 20, destroyed: 20, left: [] });
    expect(summary.spec).toMatchObject({ rate: 20, regions: ['SIN'], seed: 3, destroy_after_ms: 200 });
    // Under --json progress notes are JSON lines on stderr.
    expect((JSON.parse(c.err[0]) as { note: string }).note).toMatch(/^Load: /);
  });

  it('Ctrl+C stops it, destroys what it launched and still prints the summary', async () => {
    const { env, driver } = cli();
    const c = capture();
    const running = runCommand(['load', '--rate', '50', '--duration', '60s', '--destroy-after', '30s'], env, c.io);
    await new Promise((r) => setTimeout(r, 300));
    c.abort();
    expect(await running).toBe(EXIT.ok);
    expect(c.out.some((l) => l.startsWith('Stopping: no more launches'))).toBe(true);
    expect(c.out.find((l) => l.startsWith('Load run stopped after'))).toBeDefined();
    expect(driver.destroys.length).toBe(driver.launches.length);
    expect(driver.launches.length).toBeLessThan(60);
  });

  it('exit 1 when VMs it should have destroyed could not be, naming them', async () => {
    const { env } = cli(new ScriptedDriver(undefined, () => ({ ok: false, code: 'forbidden', retry: false })));
    const c = capture();
    expect(await runCommand(['load', '--rate', '3', '--duration', '1s', '--destroy-after', '0s'], env, c.io)).toBe(
      EXIT.failed,
    );
    expect(c.out.at(-1)).toMatch(/Left running: 3 VMs that could not be destroyed: vm-000000 vm-000001 vm-000002$/);
  });

  it.each([
    [
      ['--rate', '0', '--duration', '1s'],
      "error: --rate must be launches per second above 0 and at most 10000; got '0'",
    ],
    [
      ['--rate', '2', '--duration', 'x'],
      "error: --duration must be a duration such as 60s, 2m, 1m30s or 500ms; got 'x'",
    ],
    [['--rate', '2', '--duration', '1s', '--mix', '2x4:1,'], 'error: --mix must be entries CORESxGB:WEIGHT'],
    [['--rate', '2', '--duration', '1s', '--regions', 'atlantis'], "error: --regions: unknown region 'atlantis'"],
    [['--rate', '2', '--duration', '1s', '--destroy-after', 'soon'], 'error: --destroy-after must be a duration'],
    [['--rate', '2'], 'error: load needs --duration D'],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const { env, driver } = cli();
    const c = capture();
    expect(await runCommand(['load', ...args], env, c.io)).toBe(EXIT.usage);
    expect(c.err[0]).toContain(message);
    expect(driver.launches).toEqual([]);
  });
});

describe('load in the console pane', () => {
  it('asks the host to run it, polls it, and Ctrl+C stops the host run', async () => {
    const api = new FakeApi();
    const driver = new ScriptedDriver();
    api.loadKeeper = new LoadKeeper({
      open: () => ({ driver, close: () => {} }),
      regions: async () => ['SIN'],
      newId: () => 'load-1',
    });
    const c = capture();
    const running = runCommand(
      ['load', '--rate', '20', '--duration', '30s', '--destroy-after', '10s'],
      makeEnv(api, new FakeFeed(), 'console'),
      c.io,
    );
    await new Promise((r) => setTimeout(r, 1500));
    c.abort();
    expect(await running).toBe(EXIT.ok);
    expect(c.out[0]).toContain('the host runs it as load-1');
    expect(c.out.some((l) => /rate \d+\/s {2}ok \d+/.test(l))).toBe(true);
    expect(api.calls.map((x) => x.method)).toContain('loadStop');
    const summary = api.loadKeeper.status().run?.summary;
    expect(summary).toMatchObject({ stopped: true, left: [] });
    expect(c.out).toContain(`  ok           ${summary?.ok} (100.0%)`);
  });

  it('says so when the host already runs one', async () => {
    const api = new FakeApi();
    api.loadKeeper = new LoadKeeper({
      open: () => ({ driver: new ScriptedDriver(), close: () => {} }),
      regions: async () => ['SIN'],
      newId: () => 'load-9',
    });
    await api.loadKeeper.start({
      rate: 1,
      duration_ms: 60_000,
      mix: [{ cores: 1, memory_gb: 1, weight: 1 }],
      regions: [],
      destroy_after_ms: null,
      strategy: null,
      seed: 1,
    });
    const c = capture();
    expect(
      await runCommand(['load', '--rate', '5', '--duration', '1s'], makeEnv(api, new FakeFeed(), 'console'), c.io),
    ).toBe(EXIT.failed);
    expect(c.err[0]).toMatch(
      /^error: a load run is already running on this host \(load-9, started .*\); stop it first$/,
    );
    api.loadKeeper.stop();
  });
});
