// One owner per machine, held by etcd leases: three real `flylight serve` hosts split the fleet
// (rendezvous hashing, each under its own lease); `flylight cluster` shows the hosts, their
// machines and leases, and the etcd members with their leader; a host killed with SIGKILL loses
// its machines to the survivors within the lease TTL plus one FlyD interval, and no VM
// acknowledged through it is lost.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src/shared/cluster';
import type { Vm } from '../../src/shared/types';
import { type EtcdCluster, etcdAvailable, startEtcd } from '../helpers/etcd';
import { type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

const FLYD_MS = 200;
const TTL_S = 5;
let etcd: EtcdCluster;
let hosts: ServeProcess[] = [];

const api = async <T>(h: ServeProcess, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${h.url}${path}`, { headers: { ...h.auth(), 'content-type': 'application/json' }, ...init });
  return { status: res.status, body: (await res.json()) as T };
};
const view = async (h: ServeProcess) => (await api<ClusterView>(h, '/v1/cluster')).body;
const settled = (v: ClusterView, n: number) =>
  v.hosts.length === n && v.unowned === 0 && v.hosts.reduce((s, h) => s + h.machines_owned, 0) === v.machines;

describe.skipIf(!etcdAvailable())('machine ownership through etcd leases', () => {
  beforeAll(async () => {
    etcd = await startEtcd(1);
    const args = ['--store', etcd.storeUrl, '--flyd-interval', String(FLYD_MS), '--timing', 'instant'];
    // One after another, as people start them: each joiner takes its share from the others.
    for (let i = 0; i < 3; i++) hosts.push(await startServe(args));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    await etcd?.stop();
  });

  it('splits the machines between the hosts and shows it with `flylight cluster`', async () => {
    await until(async () => settled(await view(hosts[0]), 3), 10_000, 'three hosts to own every machine', 100);
    const v = await view(hosts[1]);
    expect(v.machines).toBe(215);
    // A fair share each: rendezvous hashing gives every host about a third.
    for (const h of v.hosts) expect(h.machines_owned).toBeGreaterThan(40);
    expect(v.hosts.filter((h) => h.self)).toHaveLength(1);
    expect(v.lease_ttl_s).toBe(TTL_S);
    expect(v.etcd.leader).toBe('m0');
    expect(Number(v.etcd.revision)).toBeGreaterThan(0);
    const out = await hosts[0].cli(['cluster']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/Fleet in etcd:\/\/127\.0\.0\.1:\d+: 3 hosts, 215 machines; leases of 5 s/);
    expect(out.stdout).toMatch(/etcd: 1 members, leader m0/);
    expect(out.stdout.split('\n').filter((l) => / live$/.test(l))).toHaveLength(3);
  }, 30_000);

  it("gives a killed host's machines to the survivors within the TTL + one FlyD interval, losing no VM", async () => {
    const [a, , c] = hosts;
    const acked: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await api<Vm>(c, '/v1/vms', {
        method: 'POST',
        body: JSON.stringify({ region: 'sin', memory_gb: 2, cores: 1 }),
      });
      expect(r.status).toBe(201);
      acked.push(r.body.id);
    }
    const killed = Date.now();
    c.proc.kill('SIGKILL');
    await until(async () => settled(await view(a), 2), (TTL_S + 5) * 1000, 'the survivors to own every machine', 100);
    const took = Date.now() - killed;
    console.log(`a killed host's machines were taken over after ${took} ms (TTL ${TTL_S} s)`);
    expect(took).toBeLessThan(TTL_S * 1000 + FLYD_MS + 1000);
    const ids = new Set((await api<{ vms: Vm[] }>(a, '/v1/vms')).body.vms.map((v) => v.id));
    for (const id of acked) expect(ids.has(id)).toBe(true);
    hosts = hosts.slice(0, 2);
  }, 30_000);
});
