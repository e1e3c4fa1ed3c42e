// Placement around a host whose etcd lease is lapsing: three real `flylight serve` hosts share a
// 24-machine region through a real etcd. One host is frozen (SIGSTOP: alive, holding its
// connections, renewing nothing — a stalled or partitioned host, as seen from the others). Once
// its lease has less than half its TTL left, the others' `flylight cluster` says it is lapsing
// and their launches go to the other machines, every one (with room elsewhere); a VM placed on
// its machines would wait for the survivors to take them over before its create stage ran.
// When it is gone (its lease expired, its machines taken over), nothing is held back.

import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src/shared/cluster';
import type { Vm } from '../../src/shared/types';
import { bigRegionFile, type EtcdCluster, startEtcd } from '../helpers/etcd';
import { type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

const FLYD_MS = 200;
// Lapsing is seen with under half the TTL left: 10 s leaves ~5 s for the launches and the CLI
// before the lease expires, under CI's load too.
const TTL_S = 10;
// Each host owns 6–10 of them (bounded rendezvous hashing): enough that 30 random launches land
// on the frozen host's machines.
const MACHINES = 24;

let etcd: EtcdCluster;
let reader: Etcd3;
const hosts: ServeProcess[] = [];

const api = async <T>(h: ServeProcess, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${h.url}${path}`, { headers: { ...h.auth(), 'content-type': 'application/json' }, ...init });
  return { status: res.status, body: (await res.json()) as T };
};
const view = async (h: ServeProcess) => (await api<ClusterView>(h, '/v1/cluster')).body;
const selfId = async (h: ServeProcess) => (await view(h)).hosts.find((x) => x.self)?.id as string;
const launch = async (h: ServeProcess) => {
  const r = await api<Vm>(h, '/v1/vms', {
    method: 'POST',
    body: JSON.stringify({ region: 'BIG', memory_gb: 1, cores: 1 }),
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};
/** The machines `host` holds, as etcd has them. */
const heldBy = async (host: string) => {
  const got = await reader.getAll().prefix('/flylight/owners/').strings();
  return new Set(
    Object.entries(got)
      .filter(([, v]) => v === host)
      .map(([k]) => k.slice('/flylight/owners/'.length)),
  );
};

describe('placement around a host whose etcd lease is lapsing', () => {
  beforeAll(async () => {
    etcd = await startEtcd(1);
    reader = new Etcd3({ hosts: etcd.members.map((m) => m.clientUrl) });
    const csv = bigRegionFile(MACHINES, (i) => `big-${String(i).padStart(2, '0')}`);
    const args = ['--store', etcd.storeUrl, '--regions', csv, '--flyd-interval', String(FLYD_MS)];
    const common = [...args, '--timing', 'instant', '--rate-limit', '100000', '--lease-ttl', String(TTL_S)];
    for (let i = 0; i < 3; i++) hosts.push(await startServe(common));
    await until(
      async () => {
        const v = await view(hosts[0]);
        return v.hosts.length === 3 && v.unowned === 0 && v.hosts.every((h) => h.machines_owned > 0);
      },
      20_000,
      'three hosts to own every machine, each some',
      100,
    );
  }, 60_000);
  afterAll(async () => {
    hosts[2]?.proc.kill('SIGCONT');
    await Promise.all(hosts.map((h) => h.stop()));
    reader?.close();
    await etcd?.stop();
  });

  it("sends every launch to other machines while a frozen host's lease lapses, and stops once it is gone", async () => {
    const [a, , c] = hosts;
    const idC = await selfId(c);
    const ofC = await heldBy(idC);
    expect(ofC.size).toBeGreaterThan(0);
    // Before: C's machines take their share of the launches (random placement over all of them).
    const before = [];
    for (let i = 0; i < 30; i++) before.push(await launch(a));
    expect(before.filter((v) => ofC.has(v.machine_id)).length).toBeGreaterThan(0);

    const frozen = Date.now();
    c.proc.kill('SIGSTOP');
    // Under half its TTL left: A's cluster view says so, and its orchestrator has been told.
    await until(
      async () => (await view(a)).hosts.find((h) => h.id === idC)?.lapsing === true,
      TTL_S * 1000,
      "A to see C's lease lapsing",
      100,
    );
    await until(
      async () => /another host's etcd lease is lapsing/.test(a.output()),
      2000,
      'A to hold back its machines',
    );
    const seen = Date.now() - frozen;
    expect(seen).toBeGreaterThanOrEqual((TTL_S * 1000) / 6); // two thirds of the TTL left at best, under half now
    const cli = await a.cli(['cluster']);
    expect(cli.stdout).toMatch(new RegExp(`${idC}\\s.*\\slapsing\\n`));

    const during: Vm[] = [];
    for (let i = 0; i < 20; i++) during.push(await launch(a));
    console.log(
      `C frozen: lapsing seen after ${seen} ms; ${during.length} launches in ${Date.now() - frozen - seen} ms, on ${new Set(during.map((v) => v.machine_id)).size} machines`,
    );
    // Still C's (its lease not expired yet), and none of the launches went there.
    expect(await heldBy(idC)).toEqual(ofC);
    expect(during.filter((v) => ofC.has(v.machine_id))).toEqual([]);

    // Its lease runs out: the others take its machines over, and nothing is held back any more.
    await until(
      async () => (await view(a)).hosts.length === 2 && (await view(a)).unowned === 0,
      (TTL_S + 5) * 1000,
      'A and B to own every machine',
      100,
    );
    const after = new Set<string>();
    await until(
      async () => {
        after.add((await launch(a)).machine_id);
        return [...ofC].some((m) => after.has(m));
      },
      10_000,
      "a launch to land on one of C's former machines again",
      0,
    );
  }, 60_000);
});
