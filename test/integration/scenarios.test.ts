// Scenarios end to end: the real `flylight serve` and the real CLI process. Export then import
// gives back the same fleet (VM states, reasons, machine statuses and allocations, region
// statuses, settings); a broken import into a busy fleet (launches still starting) changes
// nothing; `serve --scenario` starts from a shipped scenario, and an unknown name lists them.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { holdsResources } from '../../src/shared/lifecycle';
import type { Machine, Region, Vm } from '../../src/shared/types';
import { runCli, type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

let serve: ServeProcess | null = null;
afterEach(async () => {
  await serve?.stop();
  serve = null;
});

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `flylight-${prefix}-`));

async function api<T>(
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const s = serve as ServeProcess;
  const res = await fetch(`${s.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...s.auth(), 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const launch = (region: string, memory_gb: number, cores: number) =>
  api<Vm>('/v1/vms', { method: 'POST', body: { region, memory_gb, cores } });

/** What a client sees of the fleet, without the times that an import restamps. */
async function fleetView() {
  const regions = (await api<{ regions: Region[] }>('/v1/regions')).body.regions;
  const machines: Omit<Machine, 'updated_at'>[] = [];
  for (const r of regions) {
    for (const { updated_at: _u, ...m } of (await api<{ machines: Machine[] }>(`/v1/regions/${r.code}/machines`)).body
      .machines)
      machines.push(m);
  }
  return { regions, machines, vms: (await api<{ vms: Vm[] }>('/v1/vms')).body.vms };
}

/** The fleet once FlyD has reported every change: each machine holds what its VMs hold. */
async function settledView() {
  let view = await fleetView();
  await until(
    async () => {
      view = await fleetView();
      const held = new Map<string, number>();
      for (const v of view.vms)
        if (holdsResources(v.state)) held.set(v.machine_id, (held.get(v.machine_id) ?? 0) + v.cores);
      return view.machines.every((m) => m.cores_allocated === (held.get(m.id) ?? 0));
    },
    10_000,
    'every machine to show what its VMs hold',
    50,
  );
  return view;
}

const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
const settingsOf = (dir: string) => JSON.parse(read(dir, 'scenario.json')).settings;

describe('flylight scenario export / import', () => {
  it('gives back the same fleet after it has changed', async () => {
    serve = await startServe(['--strategy', 'binpack', '--seed', '5', '--flyd-interval', '50']);
    const ids: string[] = [];
    for (const [region, gb, cores] of [
      ['SIN', 8, 4],
      ['SIN', 16, 8],
      ['AMS', 4, 2],
      ['AMS', 32, 16],
      ['NRT', 2, 1],
    ] as const) {
      const r = await launch(region, gb, cores);
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    expect((await api(`/v1/vms/${ids[1]}/stop`, { method: 'POST' })).status).toBe(200);
    expect((await api(`/v1/vms/${ids[4]}/suspend`, { method: 'POST' })).status).toBe(200);
    const amsMachine = (await api<Vm>(`/v1/vms/${ids[3]}`)).body.machine_id;
    expect((await api(`/v1/machines/${amsMachine}/offline`, { method: 'POST', body: {} })).status).toBe(200);
    const sinMachine = (await api<Vm>(`/v1/vms/${ids[0]}`)).body.machine_id;
    expect((await api(`/v1/machines/${sinMachine}/drain`, { method: 'POST', body: {} })).status).toBe(200);
    expect((await api('/v1/regions/FRA/status', { method: 'POST', body: { status: 'down' } })).status).toBe(200);
    expect((await api('/v1/regions/LHR/status', { method: 'POST', body: { status: 'degraded' } })).status).toBe(200);
    const before = await settledView();
    expect(before.vms.map((v) => v.state).sort()).toEqual(['failed', 'started', 'started', 'stopped', 'suspended']);

    const dir = tmp('export');
    const exported = await serve.cli(['scenario', 'export', dir]);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`Exported 35 regions, 215 machines and 5 VMs to ${dir}`);
    expect(read(dir, 'vms.csv')).toContain(',failed,host_offline,');
    expect(settingsOf(dir)).toEqual({ strategy: 'binpack', timing: 'instant', seed: 5 });

    // The fleet moves on: a reset and new VMs. Then the import brings back the exported one.
    expect((await serve.cli(['reset', '--yes'])).code).toBe(0);
    expect((await launch('SYD', 4, 2)).status).toBe(201);
    const imported = await serve.cli(['scenario', 'import', dir, '--yes']);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('215 machines, 5 VMs');
    expect(imported.stdout).toContain('Settings in force: strategy binpack, timing instant, seed 5.');
    expect(await settledView()).toEqual(before);

    // And the files of the imported fleet are the files it came from.
    const again = tmp('again');
    expect((await serve.cli(['scenario', 'export', again, '--json'])).code).toBe(0);
    for (const name of ['regions.csv', 'machines.csv', 'vms.csv']) expect(read(again, name)).toBe(read(dir, name));
    expect(settingsOf(again)).toEqual(settingsOf(dir));

    // The imported VMs are live: a suspended one resumes where it was (its machine takes VMs).
    expect((await api<Vm>(`/v1/vms/${ids[4]}/start`, { method: 'POST' })).body).toMatchObject({ state: 'started' });
  }, 60_000);

  it('a broken import into a busy fleet changes nothing, and says FILE:LINE and what is allowed', async () => {
    // Starts take an hour here: the launched VMs stay `starting`, launches in flight.
    const timing = join(tmp('timing'), 'slow-start.json');
    writeFileSync(
      timing,
      JSON.stringify({
        name: 'slow-start',
        stages: {
          start: { delay_ms: 3_600_000, jitter_ms: 0, failure: 0 },
          create: { delay_ms: 0, jitter_ms: 0, failure: 0 },
        },
      }),
    );
    serve = await startServe(['--timing', timing, '--flyd-interval', '50']);
    for (let i = 0; i < 4; i++) expect((await launch('SIN', 8, 4)).body.state).toBe('starting');
    const before = await settledView();
    const dir = tmp('busy');
    expect((await serve.cli(['scenario', 'export', dir])).code).toBe(0);
    const beforeFiles = { machines: read(dir, 'machines.csv'), vms: read(dir, 'vms.csv') };
    expect(before.vms.every((v) => v.state === 'starting')).toBe(true);

    const broken = (name: string, edit: (text: string) => string) => {
      const d = tmp('broken');
      for (const f of ['scenario.json', 'regions.csv', 'machines.csv', 'vms.csv'])
        writeFileSync(join(d, f), read(dir, f));
      writeFileSync(join(d, name), edit(read(dir, name)));
      return d;
    };
    const vmLines = beforeFiles.vms.trimEnd().split('\n');
    const cases: [string, RegExp][] = [
      // A VM far larger than its machine: the machine is over-allocated.
      [
        broken('vms.csv', (t) => t.replace(/^(vm-[^,]+,SIN,[^,]+),4,8,/m, '$1,400,8,')),
        /machines\.csv:\d+: machine \S+ is over-allocated: its VMs that hold resources \(created, started, creating, starting, stopping, suspending, restarting\) need 4\d\d cores and \d+ GB, it has 32 cores and 2000 GB \(vms\.csv lines 2(, \d+)*\)/,
      ],
      [
        broken('machines.csv', (t) => t.replace(/\n([^,\n]+),SIN,/, '\n$1,XYZ,')),
        /machines\.csv:\d+: unknown region code "XYZ" \(regions\.csv declares: AMS, ARN, /,
      ],
      [
        broken('vms.csv', (t) => t.replace(',starting,', ',booting,')),
        /vms\.csv:2: state "booting" is not valid \(creating, starting, /,
      ],
      [
        broken('vms.csv', () => `${vmLines.join('\n')}\n${vmLines[1]}\n`),
        /vms\.csv:6: duplicate VM id vm-\S+ \(first on line 2; VM ids are unique\)/,
      ],
      [
        broken('machines.csv', (t) => t.replace(/(\n[^,\n]+,SIN,[^,]*),32,/, '$1,thirty,')),
        /machines\.csv:\d+: cores "thirty" is not a number \(a whole number from 1 to 65536\)/,
      ],
    ];
    for (const [d, message] of cases) {
      const r = await serve.cli(['scenario', 'import', d, '--yes']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error: ${d} cannot be imported; nothing was changed:`);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(`  ${d}/`);
    }
    expect(await fleetView()).toEqual(before);
    const after = tmp('after');
    expect((await serve.cli(['scenario', 'export', after])).code).toBe(0);
    expect(read(after, 'machines.csv')).toBe(beforeFiles.machines);
    expect(read(after, 'vms.csv')).toBe(beforeFiles.vms);
    // The in-flight VMs are still in flight, and the host still launches.
    expect((await launch('SIN', 8, 4)).body.state).toBe('starting');
  }, 60_000);

  it('refuses without --yes where nobody can confirm, and in a directory with no scenario', async () => {
    serve = await startServe();
    const dir = tmp('empty');
    const noYes = await serve.cli(['scenario', 'import', dir]);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain(
      'holds no scenario files (expected scenario.json, regions.csv, machines.csv, vms.csv)',
    );
    expect((await serve.cli(['scenario', 'export', dir])).code).toBe(0);
    const confirm = await serve.cli(['scenario', 'import', dir]);
    expect(confirm.code).toBe(2);
    expect(confirm.stderr).toContain('pass --yes to import without asking');
    expect((await serve.cli(['scenario', 'frobnicate', dir])).stderr).toContain(
      "unknown action 'frobnicate' (export, import)",
    );
    // The gate checks the envelope before the store sees anything.
    const bad = async (body: unknown) => {
      const r = await api<{ error: { code: string; message: string } }>('/v1/scenario', { method: 'POST', body });
      expect(r.status).toBe(400);
      return r.body.error.message;
    };
    expect(await bad({ files: [] })).toContain('files must be an object of file name to text');
    expect(await bad({ files: { 'regions.csv': 3 } })).toBe("files.regions.csv must be the file's text");
    expect(await bad({ files: {}, also: 1 })).toContain('also');
    expect(await bad({ files: {} })).toBe(
      'regions.csv: missing (a scenario needs regions.csv and machines.csv) (and 1 more; nothing was changed)',
    );
  }, 30_000);
});

describe('flylight serve --scenario', () => {
  it('starts from a shipped scenario, with its settings, and reset returns to its machines', async () => {
    serve = await startServe(['--scenario', 'nearly-full-region']);
    const { vms } = (await api<{ vms: Vm[] }>('/v1/vms?region=SIN')).body;
    expect(vms).toHaveLength(160);
    const refused = await launch('SIN', 8, 4);
    expect(refused.status).toBe(409);
    expect((await launch('SIN', 8, 2)).status).toBe(201);
    const dir = tmp('shipped');
    expect((await serve.cli(['scenario', 'export', dir])).code).toBe(0);
    // FLYLIGHT_TIMING (instant, as every test host) wins over the scenario's; the rest is its own.
    expect(settingsOf(dir)).toEqual({ strategy: 'binpack', timing: 'instant', seed: 1 });
    expect((await serve.cli(['reset', '--yes'])).code).toBe(0);
    expect((await api<{ vms: Vm[] }>('/v1/vms')).body.vms).toEqual([]);
  }, 60_000);

  it('a degraded continent: Down refuses launches, Degraded Performance is shown, offline VMs failed', async () => {
    serve = await startServe(['--scenario', 'degraded-europe']);
    const regions = (await api<{ regions: Region[] }>('/v1/regions')).body.regions;
    const status = Object.fromEntries(regions.map((r) => [r.code, r.status]));
    expect(status).toMatchObject({
      FRA: 'Down',
      AMS: 'Degraded Performance',
      LHR: 'Degraded Performance',
      MAD: 'Operational',
    });
    expect((await launch('FRA', 4, 2)).status).toBe(503);
    const failed = (await api<{ vms: Vm[] }>('/v1/vms?region=LHR')).body.vms.filter((v) => v.state === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((v) => v.reason === 'host_offline')).toBe(true);
    // Its VMs keep the ids its vms.csv gives them (vm-eu-0001, not the host's vm-<hex>), and the
    // API and the CLI reach them by those ids.
    const one = await api<Vm>('/v1/vms/vm-eu-0001');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: 'vm-eu-0001', region: 'AMS', state: 'started' });
    const stopped = await serve.cli(['vm', 'stop', 'vm-eu-0001']);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect((await api<Vm>('/v1/vms/vm-eu-0001')).body.state).toBe('stopped');
  }, 60_000);

  it('an unknown name lists the shipped scenarios', async () => {
    const env = { XDG_CONFIG_HOME: tmp('config'), XDG_DATA_HOME: tmp('data') };
    const r = await runCli(['serve', '--port', '0', '--scenario', 'atlantis'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "--scenario: no shipped scenario named 'atlantis' and no such directory (shipped: degraded-europe, fragmented-region, nearly-full-region, seed)",
    );
  }, 30_000);
});
