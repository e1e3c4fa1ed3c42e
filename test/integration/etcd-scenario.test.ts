// Scenarios on a fleet shared through etcd: the first host, started on an empty etcd with
// `--scenario`, seeds etcd with the scenario's regions and machines (not its VMs), and a host that joins
// later (with no scenario of its own) runs that same fleet; `scenario import` through any host
// of a shared fleet is refused with 400, saying why and what to do instead, and changes nothing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Machine, Region } from '../../src/shared/types';
import { type EtcdCluster, startEtcd } from '../helpers/etcd';
import { type ServeProcess, startServe } from '../helpers/host';

let etcd: EtcdCluster;
let hosts: ServeProcess[] = [];

const api = async <T>(h: ServeProcess, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${h.url}${path}`, { headers: { ...h.auth(), 'content-type': 'application/json' }, ...init });
  return { status: res.status, body: (await res.json()) as T & { error?: { code: string; message: string } } };
};

describe('scenarios on a shared fleet', () => {
  beforeAll(async () => {
    etcd = await startEtcd(1);
    const common = ['--store', etcd.storeUrl, '--timing', 'instant'];
    hosts.push(await startServe([...common, '--scenario', 'fragmented-region']));
    hosts.push(await startServe(common));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    hosts = [];
    await etcd?.stop();
  });

  it("seeds an empty etcd from the first host's --scenario; a host joining later runs that fleet", async () => {
    expect(hosts[0].output()).toMatch(/seeded the fleet in etcd from scenario fragmented-region/);
    expect(hosts[0].output()).toMatch(/takes a scenario's regions and machines, not its VMs/);
    expect(hosts[1].output()).toMatch(/joined the fleet in etcd/);
    for (const h of hosts) {
      const ams = await api<{ machines: Machine[] }>(h, '/v1/regions/AMS/machines');
      expect(ams.status).toBe(200);
      expect(ams.body.machines.map((m) => m.id)).toContain('ams-m01');
    }
  });

  it('refuses scenario import through any host with 400, saying why and what to do, and changes nothing', async () => {
    const exported = await api<Record<string, string>>(hosts[1], '/v1/scenario');
    expect(exported.status).toBe(200);
    const before = (await api<{ regions: Region[] }>(hosts[0], '/v1/regions')).body.regions.length;
    for (const h of hosts) {
      const res = await api(h, '/v1/scenario', { method: 'POST', body: JSON.stringify(exported.body) });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error?.code).toBe('bad_request');
      expect(res.body.error?.message).toMatch(/not supported on a fleet shared through etcd/);
      expect(res.body.error?.message).toMatch(/--scenario/);
    }
    expect((await api<{ regions: Region[] }>(hosts[0], '/v1/regions')).body.regions.length).toBe(before);
    const ams = await api<{ machines: Machine[] }>(hosts[0], '/v1/regions/AMS/machines');
    expect(ams.body.machines.map((m) => m.id)).toContain('ams-m01');
  });
});
