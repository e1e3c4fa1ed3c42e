// Faults and chaos on the real host: real worker threads, a real HTTP port and the real CLI
// process. A fault crosses every thread: the proxy checks it, the orchestrator acts on it
// (MachineD's flag, Down refusals, the supervisor), the store records it durably and publishes it.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Machine, Region, StoreEvent, Vm } from '../../src/shared/types';
import { runCli, startTestHost, type TestHost } from '../helpers/host';
import { parseExposition, sampleValue } from '../helpers/prom-text';

const TOKEN = 'F'.repeat(43);
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
let host: TestHost | null = null;
afterEach(async () => {
  await host?.stop();
  host = null;
});

const call = async <T>(path: string, init: RequestInit = {}) => {
  const res = await fetch(`${(host as TestHost).url}${path}`, { ...init, headers });
  return { status: res.status, body: (await res.json()) as T };
};
const post = <T>(path: string, body: unknown) => call<T>(path, { method: 'POST', body: JSON.stringify(body) });
const launch = (region: string, memory_gb = 8, cores = 4) => post<Vm>('/v1/vms', { region, memory_gb, cores });
const machinesOf = async (region: string) =>
  (await call<{ machines: Machine[] }>(`/v1/regions/${region}/machines`)).body.machines;
const cli = (args: string[]) =>
  runCli(args, {
    FLYLIGHT_API: (host as TestHost).url,
    FLYLIGHT_TOKEN: TOKEN,
    XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'flylight-faults-xdg-')),
  });

describe('machine faults on the real host', () => {
  it('drain keeps the VM and refuses new ones there; online takes them again', async () => {
    host = await startTestHost({ token: TOKEN, flydIntervalMs: 50 });
    const events: StoreEvent[] = [];
    host.onEvent((e) => events.push(e));
    const vm = (await launch('SIN')).body;
    const drained = await post<{ machine: Machine; failed: Vm[] }>(`/v1/machines/${vm.machine_id}/drain`, {});
    expect(drained.status).toBe(200);
    expect(drained.body.machine.status).toBe('draining');
    expect(drained.body.failed).toEqual([]);
    for (let i = 0; i < 15; i++) {
      const next = await launch('SIN', 1, 1);
      expect(next.status).toBe(201);
      expect(next.body.machine_id).not.toBe(vm.machine_id);
    }
    expect((await call<Vm>(`/v1/vms/${vm.id}`)).body.machine_id).toBe(vm.machine_id);
    expect(
      events.some((e) => e.type === 'machine' && e.machine.id === vm.machine_id && e.machine.status === 'draining'),
    ).toBe(true);
    const online = await post<{ machine: Machine }>(`/v1/machines/${vm.machine_id}/online`, {});
    expect(online.body.machine.status).not.toBe('draining');
    const bad = await post<{ error: { code: string; message: string } }>(`/v1/machines/${vm.machine_id}/drain`, {
      evacuate: true,
    });
    expect(bad.status).toBe(400);
    const unknown = await post<{ error: { code: string } }>('/v1/machines/no-such-machine/offline', {});
    expect(unknown.status).toBe(404);
  });
});

describe('offline on the real host', () => {
  it('fails the VMs with host_offline (vm events), frees the machine; evacuate re-places; online resurrects nothing', async () => {
    host = await startTestHost({ token: TOKEN, flydIntervalMs: 50 });
    const events: StoreEvent[] = [];
    host.onEvent((e) => events.push(e));
    const vm = (await launch('SIN', 4, 2)).body;
    type Report = { failed: Vm[]; evacuated: { vm_id: string; replacement?: Vm; error?: string }[] };
    const off = await post<Report>(`/v1/machines/${vm.machine_id}/offline`, { evacuate: true });
    expect(off.status).toBe(200);
    expect(off.body.failed.map((v) => [v.id, v.state, v.reason])).toEqual([[vm.id, 'failed', 'host_offline']]);
    const rep = off.body.evacuated[0].replacement as Vm;
    expect(rep.machine_id).not.toBe(vm.machine_id);
    expect(rep).toMatchObject({ region: 'SIN', memory_gb: 4, cores: 2 });
    await new Promise((r) => setTimeout(r, 300));
    const m = (await machinesOf('SIN')).find((x) => x.id === vm.machine_id) as Machine;
    expect(m).toMatchObject({ status: 'offline', cores_allocated: 0, memory_allocated_gb: 0 });
    expect(
      events.some((e) => e.type === 'vm' && e.vm.id === vm.id && e.to === 'failed' && e.reason === 'host_offline'),
    ).toBe(true);
    await post(`/v1/machines/${vm.machine_id}/online`, {});
    expect((await call<Vm>(`/v1/vms/${vm.id}`)).body).toMatchObject({ state: 'failed', reason: 'host_offline' });
  });
});

describe('region faults on the real host', () => {
  it('Down refuses launches with suggestions (503 region_down), durable across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'flylight-faults-'));
    host = await startTestHost({ token: TOKEN, dataDir });
    const events: StoreEvent[] = [];
    host.onEvent((e) => events.push(e));
    const set = await post<Region>('/v1/regions/sin/status', { status: 'DOWN' });
    expect(set).toMatchObject({ status: 200, body: { code: 'SIN', status: 'Down' } });
    expect(events.some((e) => e.type === 'region' && e.region.code === 'SIN' && e.region.status === 'Down')).toBe(true);
    const refused = await launch('SIN');
    expect(refused.status).toBe(503);
    const err = (
      refused.body as unknown as {
        error: { code: string; message: string; details: { suggestions: { code: string }[] } };
      }
    ).error;
    expect(err.code).toBe('region_down');
    expect(err.message).toMatch(
      /^region SIN is down; nearest regions with room for 8 GB and 4 cores: [A-Z]{3} \([\d,]+ km\)/,
    );
    expect(err.details.suggestions.length).toBe(3);
    expect(err.details.suggestions.map((s) => s.code)).not.toContain('SIN');
    const regions = (await call<{ regions: Region[] }>('/v1/regions')).body.regions;
    expect(regions.find((r) => r.code === 'SIN')?.status).toBe('Down');
    const badStatus = await post<{ error: { message: string } }>('/v1/regions/SIN/status', { status: 'sideways' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.message).toBe('status must be operational, degraded or down (any case)');

    await host.stop();
    host = await startTestHost({ token: TOKEN, dataDir });
    expect((await launch('SIN')).status).toBe(503); // the orchestrator read it back from the store
    await post('/v1/regions/SIN/status', { status: 'operational' });
    expect((await launch('SIN')).status).toBe(201);
  });
});

describe('chaos on the real host', () => {
  it('kill-actors: the same seed picks the same victims; restarts counted in /metrics and published', async () => {
    host = await startTestHost({ token: TOKEN, flydIntervalMs: 50 });
    const events: StoreEvent[] = [];
    host.onEvent((e) => events.push(e));
    type Kill = { seed: number; killed: { actor: string }[]; restarts: number };
    const first = await post<Kill>('/v1/chaos/kill-actors', { count: 2, seed: 99 });
    expect(first.status).toBe(200);
    expect(first.body.killed).toHaveLength(2);
    expect(first.body.restarts).toBe(2);
    await new Promise((r) => setTimeout(r, 100));
    const second = await post<Kill>('/v1/chaos/kill-actors', { count: 2, seed: 99 });
    expect(second.body.killed).toEqual(first.body.killed);
    expect(second.body.restarts).toBe(4);
    await new Promise((r) => setTimeout(r, 200));
    const actors = events.filter((e) => e.type === 'actor');
    expect(actors).toHaveLength(4);
    const res = await fetch(`${host.url}/metrics`, { headers });
    expect(sampleValue(parseExposition(await res.text()), 'flylight_actor_restarts_total', {})).toBe(4);
    // Supervision did its work: the killed machines take VMs again.
    expect((await launch('SIN', 1, 1)).status).toBe(201);
  });

  it('the real CLI drives the faults and chaos, with --json', async () => {
    host = await startTestHost({ token: TOKEN, flydIntervalMs: 50 });
    const region = await cli(['region', 'status', 'AMS', 'degraded', '--json']);
    expect(region.stderr).toBe('');
    expect(JSON.parse(region.stdout)).toMatchObject({ code: 'AMS', status: 'Degraded Performance' });
    const sin = await machinesOf('SIN');
    const drain = await cli(['machine', 'drain', sin[0].id]);
    expect(drain.code).toBe(0);
    expect(drain.stdout).toContain(`Machine ${sin[0].id} (SIN) is draining`);
    const kill = await cli(['chaos', 'kill-actors', '--count', '1', '--seed', '5', '--json']);
    expect(kill.code).toBe(0);
    expect(JSON.parse(kill.stdout)).toMatchObject({ seed: 5 });
    const offlineNow = async () => {
      let n = 0;
      for (const r of (await call<{ regions: Region[] }>('/v1/regions')).body.regions)
        n += (await machinesOf(r.code)).filter((m) => m.status === 'offline').length;
      return n;
    };
    const before = await offlineNow(); // the bootstrap CSV has some
    const fail = await cli([
      'chaos',
      'fail-machines',
      '--rate',
      '0.02',
      '--duration',
      '2s',
      '--repair',
      '500ms',
      '--seed',
      '3',
    ]);
    expect(fail.code).toBe(0);
    expect(fail.stdout).toMatch(/^chaos-1 \(seed 3\): \d+ machine failures? planned over 2 s/);
    expect(fail.stdout).toMatch(/Done: \d+ outages?, \d+ VMs? failed; replay with --seed 3\./);
    expect(await offlineNow()).toBe(before); // every machine chaos took offline is back
  }, 30_000);
});
