// One owner per machine, held by etcd leases: three real `flylight serve` hosts split the fleet
// (rendezvous hashing, each under its own lease); `flylight cluster` shows the hosts, their
// machines and leases, and the etcd members with their leader; a host killed with SIGKILL loses
// its machines to the survivors within the lease TTL plus one FlyD interval, no VM acknowledged
// through it is lost, and the stages it left unfinished are run by the machines' new owners
// (once each: a live host's stages are left to it); a host that comes back takes its share.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerOf } from '../../src/main/store/etcd/membership';
import type { ClusterView } from '../../src/shared/cluster';
import type { Vm } from '../../src/shared/types';
import { type EtcdCluster, etcdAvailable, startEtcd } from '../helpers/etcd';
import { type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

const FLYD_MS = 200;
const TTL_S = 5;
/** Starting a VM takes this long (no jitter, no failures): long enough to kill a host mid-stage. */
const START_MS = 6000;
let etcd: EtcdCluster;
/** The test's own look at etcd's keys. */
let reader: Etcd3;
let hosts: ServeProcess[] = [];
let args: string[] = [];

const api = async <T>(h: ServeProcess, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${h.url}${path}`, { headers: { ...h.auth(), 'content-type': 'application/json' }, ...init });
  return { status: res.status, body: (await res.json()) as T };
};
const view = async (h: ServeProcess) => (await api<ClusterView>(h, '/v1/cluster')).body;
/** Every machine's owner key, as etcd holds it. */
const ownerKeys = async (client: Etcd3) => {
  const got = await client.getAll().prefix('/flylight/owners/').strings();
  return new Map(Object.entries(got).map(([k, v]) => [k.slice('/flylight/owners/'.length), v]));
};
/**
 * n live hosts and every machine held by the host rendezvous hashing gives it among them. "All
 * owned" alone is also true for a moment after a host joins, before the others release its
 * share (each rebalances SETTLE_MS after the watch tells it): a host that answers soon after it
 * registers was seen in that moment with none.
 */
const settled = async (h: ServeProcess, n: number) => {
  const v = await view(h);
  if (v.hosts.length !== n || v.unowned !== 0) return false;
  const ids = v.hosts.map((x) => x.id).sort();
  const owners = await ownerKeys(reader);
  return owners.size === v.machines && [...owners].every(([m, holder]) => ownerOf(m, ids) === holder);
};

describe.skipIf(!etcdAvailable())('machine ownership through etcd leases', () => {
  beforeAll(async () => {
    etcd = await startEtcd(1);
    reader = new Etcd3({ hosts: etcd.members.map((m) => m.clientUrl) });
    const timing = join(mkdtempSync(join(tmpdir(), 'flylight-timing-')), 'slow-start.json');
    const zero = { delay_ms: 0, jitter_ms: 0, failure: 0 };
    const stages = { create: zero, start: { ...zero, delay_ms: START_MS }, destroy: zero, stop: zero };
    writeFileSync(timing, JSON.stringify({ name: 'slow-start', stages }));
    args = ['--store', etcd.storeUrl, '--flyd-interval', String(FLYD_MS), '--timing', timing];
    // One after another, as people start them: each joiner takes its share from the others.
    for (let i = 0; i < 3; i++) hosts.push(await startServe(args));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    reader?.close();
    await etcd?.stop();
  });

  it('splits the machines between the hosts and shows it with `flylight cluster`', async () => {
    await until(() => settled(hosts[0], 3), 10_000, 'three hosts to own every machine', 100);
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

  it("gives a killed host's machines to the survivors within the TTL + one FlyD interval, losing no VM and finishing its stages", async () => {
    const [a, b, c] = hosts;
    const launch = async (h: ServeProcess) => {
      const r = await api<Vm>(h, '/v1/vms', {
        method: 'POST',
        body: JSON.stringify({ region: 'sin', memory_gb: 2, cores: 1 }),
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body;
    };
    // C's VMs, and A's, all still starting when C dies: C's stages die with it, A's do not.
    const [fromC, fromA] = await Promise.all([
      Promise.all(Array.from({ length: 6 }, () => launch(c))),
      Promise.all([launch(a), launch(a)]),
    ]);
    for (const vm of [...fromC, ...fromA]) {
      expect((await api<Vm>(a, `/v1/vms/${vm.id}`)).body.state, 'still starting when C dies').toBe('starting');
    }
    const killed = Date.now();
    c.proc.kill('SIGKILL');
    await until(() => settled(a, 2), (TTL_S + 5) * 1000, 'the survivors to own every machine', 100);
    const took = Date.now() - killed;
    console.log(`a killed host's machines were taken over after ${took} ms (TTL ${TTL_S} s)`);
    expect(took).toBeLessThan(TTL_S * 1000 + FLYD_MS + 1000);
    const ids = new Set((await api<{ vms: Vm[] }>(a, '/v1/vms')).body.vms.map((v) => v.id));
    for (const vm of [...fromC, ...fromA]) expect(ids.has(vm.id)).toBe(true);
    // The owners of C's VMs' machines run their start stage again; every VM ends started.
    // Within the TTL, one FlyD interval and the stage run again from its start (+2 s of slack).
    const deadline = killed + TTL_S * 1000 + FLYD_MS + START_MS + 2000;
    for (const vm of [...fromC, ...fromA]) {
      await until(
        async () => (await api<Vm>(b, `/v1/vms/${vm.id}`)).body.state === 'started',
        Math.max(0, deadline - Date.now()),
        `${vm.id} to be started`,
        100,
      ).catch(async (err) => {
        const both = await Promise.all([a, b].map(async (h) => (await api<Vm>(h, `/v1/vms/${vm.id}`)).body));
        const fromWhom = fromC.some((v) => v.id === vm.id) ? 'C' : 'A';
        throw new Error(
          `${(err as Error).message}: launched via ${fromWhom}; A has ${JSON.stringify(both[0])}, B ${JSON.stringify(both[1])}`,
        );
      });
    }
    console.log(`every VM C left starting was started ${Date.now() - killed} ms after the kill`);
    // Taken over once each, and only C's: A's stages stayed with A.
    const adopted = [a, b]
      .flatMap((h) => [
        ...h.output().matchAll(/finishing the stages of VMs a host that is gone left mid-transition vms=(\d+)/g),
      ])
      .reduce((sum, m) => sum + Number(m[1]), 0);
    expect(adopted).toBe(fromC.length);
    hosts = hosts.slice(0, 2);
  }, 40_000);

  it('gives a returning host its fair share, moving machines only to it (no storm between the others)', async () => {
    const [a] = hosts;
    const before = await ownerKeys(reader);
    const back = await startServe(args);
    hosts.push(back);
    await until(() => settled(a, 3), 10_000, 'three hosts to own every machine again', 100);
    const after = await ownerKeys(reader);
    const newcomer = (await view(back)).hosts.find((h) => h.self)?.id;
    const moved = [...after].filter(([m, h]) => before.get(m) !== h);
    // Every machine that changed hands went to the newcomer, and it got about a third.
    expect(moved.every(([, h]) => h === newcomer)).toBe(true);
    expect(moved.length).toBeGreaterThan(40);
    expect(moved.length).toBeLessThan(110);
    console.log(`a returning host took ${moved.length} of ${after.size} machines, all from the others' shares`);
  }, 30_000);
});
