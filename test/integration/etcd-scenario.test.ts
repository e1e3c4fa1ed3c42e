// Scenarios on a fleet shared through etcd: the first host, started on an empty etcd with
// `--scenario`, seeds etcd with the scenario's regions and machines (not its VMs), and a host that joins
// later (with no scenario of its own) runs that same fleet; `scenario import` through one host of
// a shared fleet is run by every host (etcd-import.test.ts tests it at length).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Machine, Vm } from '../../src/shared/types';
import { type EtcdCluster, startEtcd } from '../helpers/etcd';
import { type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

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
    await hosts[0].logged(/seeded the fleet in etcd from scenario fragmented-region/);
    await hosts[0].logged(/takes a scenario's regions and machines, not its VMs/);
    await hosts[1].logged(/joined the fleet in etcd/);
    for (const h of hosts) {
      const ams = await api<{ machines: Machine[] }>(h, '/v1/regions/AMS/machines');
      expect(ams.status).toBe(200);
      expect(ams.body.machines.map((m) => m.id)).toContain('ams-m01');
    }
  });

  it('round-trips export and import through different hosts: every host runs the import (see etcd-import.test.ts)', async () => {
    const launched = await api<Vm>(hosts[1], '/v1/vms', {
      method: 'POST',
      body: JSON.stringify({ region: 'AMS', memory_gb: 1, cores: 1 }),
    });
    expect(launched.status, JSON.stringify(launched.body)).toBe(201);
    const exported = await api<{ files: Record<string, string> }>(hosts[1], '/v1/scenario');
    expect(exported.status).toBe(200);
    expect((await api(hosts[0], '/v1/reset', { method: 'POST', body: '{}' })).status).toBe(200);
    for (const h of hosts) {
      await until(async () => (await api<{ vms: Vm[] }>(h, '/v1/vms')).body.vms.length === 0, 5000, `${h.url} reset`);
    }
    const res = await api(hosts[0], '/v1/scenario', { method: 'POST', body: JSON.stringify(exported.body) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    for (const h of hosts) {
      await until(
        async () => (await api<{ vms: Vm[] }>(h, '/v1/vms')).body.vms.map((v) => v.id).join() === launched.body.id,
        5000,
        `${h.url} to run the imported scenario`,
      );
      const ams = await api<{ machines: Machine[] }>(h, '/v1/regions/AMS/machines');
      expect(ams.body.machines.find((m) => m.id === launched.body.machine_id)?.vm_count).toBe(1);
    }
  });
});
