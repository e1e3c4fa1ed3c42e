// Three real `flylight serve` processes sharing one fleet through a real etcd: the first seeds
// the fleet, the others join it; hundreds of launches at once through all three never put more
// on a machine than it holds; a launch through one host shows on another's event stream within
// one FlyD interval plus a second.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Machine, Vm } from '../../src/shared/types';
import { type EtcdCluster, startEtcd } from '../helpers/etcd';
import { type ServeProcess, startServe } from '../helpers/host';
import { parseExposition, sampleValue } from '../helpers/prom-text';
import { until } from '../helpers/until';

const FLYD_MS = 200;
/** TINY: 4 machines of 8 cores and 16 GB; a 1-core 2-GB VM fits 8 times on each, 32 in all. */
const CSV = [
  'kind,region,location,status,machine,datacenter,cores,memory_gb',
  'region,TINY,Tiny Town,Operational,,,,',
  'region,BIG,Big City,Operational,,,,',
  ...[1, 2, 3, 4].map((i) => `machine,TINY,,,tiny-m${i},dc-1,8,16`),
  ...[1, 2].map((i) => `machine,BIG,,,big-m${i},dc-1,64,512`),
].join('\n');

let etcd: EtcdCluster;
let hosts: ServeProcess[] = [];
let csvFile: string;

const api = async <T>(h: ServeProcess, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${h.url}${path}`, {
    headers: { ...h.auth(), 'content-type': 'application/json' },
    ...init,
  });
  return { status: res.status, body: (await res.json()) as T };
};
const launch = (h: ServeProcess, region: string, memory_gb: number, cores: number, key = randomUUID()) =>
  api<Vm & { error?: { code: string; message: string } }>(h, '/v1/vms', {
    method: 'POST',
    body: JSON.stringify({ region, memory_gb, cores }),
    headers: { ...h.auth(), 'content-type': 'application/json', 'idempotency-key': key },
  });
/**
 * As `flylight launch` does: one Idempotency-Key, and an answer of unknown outcome (503, 504, a
 * slow request on a busy machine) is asked again under it until the answer is a VM or a refusal.
 */
async function launchUntilAnswered(h: ServeProcess, region: string, memory_gb: number, cores: number) {
  const key = randomUUID();
  let tries = 0;
  for (const deadline = Date.now() + 90_000; ; ) {
    tries++;
    const r = await launch(h, region, memory_gb, cores, key).catch(() => null);
    if (r && (r.status === 201 || r.status === 409)) return { ...r, tries };
    if (Date.now() > deadline) throw new Error(`no answer for key ${key}: ${JSON.stringify(r?.body)}`);
    await new Promise((res) => setTimeout(res, 100 + Math.random() * 200));
  }
}

/** A host's etcd counters from its /metrics (checked as strict exposition text). */
async function etcdFigures(h: ServeProcess) {
  const text = await (await fetch(`${h.url}/metrics`, { headers: h.auth() })).text();
  const families = parseExposition(text);
  const one = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, labels) ?? -1;
  return {
    round_trips: one('flylight_etcd_round_trips_total'),
    txns: one('flylight_etcd_txns_total'),
    conflicts: one('flylight_etcd_txn_conflicts_total'),
    renewals: one('flylight_etcd_lease_renewals_total', { result: 'ok' }),
  };
}

describe('a fleet shared through etcd by three hosts', () => {
  beforeAll(async () => {
    etcd = await startEtcd(1);
    csvFile = join(mkdtempSync(join(tmpdir(), 'flylight-etcd-csv-')), 'fleet.csv');
    writeFileSync(csvFile, CSV);
    // Instant lifecycle: one durable write per launch, so the race is for the machines alone.
    const args = [
      '--store',
      etcd.storeUrl,
      '--regions',
      csvFile,
      '--flyd-interval',
      String(FLYD_MS),
      '--timing',
      'instant',
    ];
    // Started together: exactly one of them seeds.
    hosts = await Promise.all([0, 1, 2].map(() => startServe([...args, '--rate-limit', '100000'])));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    await etcd?.stop();
  });

  it("renews each host's lease, and /metrics counts the renewals", async () => {
    const first = await Promise.all(hosts.map(etcdFigures));
    // Renewed every third of the 5 s TTL: within 3 s each host renews at least once.
    await until(
      async () => (await Promise.all(hosts.map(etcdFigures))).every((f, i) => f.renewals > first[i].renewals),
      3000,
      'every host to renew its lease',
      200,
    );
    expect(first.every((f) => f.renewals >= 0)).toBe(true);
  }, 10_000);

  it('is seeded once by the first host and joined by the others', () => {
    const seeded = hosts.filter((h) => h.output().includes('seeded the fleet in etcd'));
    const joined = hosts.filter((h) => h.output().includes('joined the fleet in etcd'));
    expect(seeded).toHaveLength(1);
    expect(joined).toHaveLength(2);
  });

  it('never over-allocates: 300 concurrent launches through three hosts into 32 slots', async () => {
    const before = await Promise.all(hosts.map(etcdFigures));
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, (_, i) => launchUntilAnswered(hosts[i % 3], 'TINY', 2, 1)),
    );
    const byStatus: Record<number, number> = {};
    for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    const retried = outcomes.filter((o) => o.tries > 1).length;
    const acked = outcomes.filter((o) => o.status === 201).map((o) => o.body);
    expect(acked.length).toBeLessThanOrEqual(32);
    // Every launch got an answer, and only the two clear ones: no host's orchestrator was ever
    // taken for dead (a lost race is an answer, not an outage for the gate's breaker).
    expect(Object.keys(byStatus).sort()).toEqual(['201', '409']);
    expect(outcomes.filter((o) => o.status === 409).every((o) => o.body.error?.code === 'no_capacity')).toBe(true);
    for (const h of hosts) {
      const status = (await api<{ breaker: { opened: number } }>(h, '/v1/status')).body;
      expect(status.breaker.opened, h.url).toBe(0);
    }
    // /metrics counts the etcd traffic: every host's round trips and transactions moved, and
    // the race for 32 slots cost some transactions a conflict.
    const after = await Promise.all(hosts.map(etcdFigures));
    console.log(`etcd figures per host after the burst: ${JSON.stringify(after)}`);
    for (let i = 0; i < hosts.length; i++) {
      expect(after[i].round_trips).toBeGreaterThan(before[i].round_trips);
      expect(after[i].txns).toBeGreaterThan(before[i].txns);
    }
    expect(after.reduce((s, f) => s + f.conflicts, 0)).toBeGreaterThan(before.reduce((s, f) => s + f.conflicts, 0));
    // Fill what is left one at a time: the region takes exactly 32, never a 33rd.
    let more = 0;
    for (let i = 0; i < 40; i++) {
      const o = await launchUntilAnswered(hosts[i % 3], 'TINY', 2, 1);
      if (o.status === 201) {
        acked.push(o.body);
        more++;
      }
    }
    console.log(`concurrent burst: ${JSON.stringify(byStatus)} (${retried} asked again); then ${more} more one by one`);
    expect(acked).toHaveLength(32);
    expect(new Set(acked.map((v) => v.id)).size).toBe(32);
    // The hosts' own flags hold on a shared fleet: --timing instant answers with started VMs.
    expect(acked.every((v) => v.state === 'started')).toBe(true);

    // The truth in etcd: each machine's row within capacity and equal to the sum of its VMs.
    const client = new Etcd3({ hosts: etcd.members.map((m) => m.clientUrl) });
    try {
      const vms = Object.values(await client.getAll().prefix('/flylight/vms/').json()) as Vm[];
      const rows = (await client.getAll().prefix('/flylight/machines/').json()) as Record<string, Machine>;
      expect(new Set(vms.map((v) => v.id))).toEqual(new Set(acked.map((v) => v.id)));
      for (const id of ['tiny-m1', 'tiny-m2', 'tiny-m3', 'tiny-m4']) {
        const mine = vms.filter((v) => v.machine_id === id);
        const row = rows[`/flylight/machines/${id}`];
        expect(row.cores_allocated, id).toBe(mine.reduce((s, v) => s + v.cores, 0));
        expect(row.memory_allocated_gb, id).toBe(mine.reduce((s, v) => s + v.memory_gb, 0));
        expect(row.vm_count, id).toBe(mine.length);
        expect(row.cores_allocated).toBeLessThanOrEqual(8);
        expect(row.memory_allocated_gb).toBeLessThanOrEqual(16);
      }
    } finally {
      client.close();
    }
    // Every host shows the same full region and the same VMs.
    for (const h of hosts) {
      await until(
        async () => {
          const ms = (await api<{ machines: Machine[] }>(h, '/v1/regions/TINY/machines')).body.machines;
          return ms.every((m) => m.cores_allocated === 8 && m.memory_allocated_gb === 16 && m.vm_count === 8);
        },
        5000,
        `host ${h.url} to show TINY full`,
      );
      expect((await api<{ vms: Vm[] }>(h, '/v1/vms?region=TINY')).body.vms).toHaveLength(32);
    }
  }, 120_000);

  it('keeps an Idempotency-Key to one VM across hosts, even when two hosts get it at once', async () => {
    const key = randomUUID();
    const askUntilAnswered = async (h: ServeProcess) => {
      for (const deadline = Date.now() + 30_000; ; ) {
        const r = await launch(h, 'BIG', 4, 2, key);
        if (r.status === 201) return r.body.id;
        if (Date.now() > deadline) throw new Error(JSON.stringify(r.body));
        await new Promise((res) => setTimeout(res, 100));
      }
    };
    const ids = await Promise.all(hosts.map((h) => askUntilAnswered(h)));
    expect(new Set(ids).size).toBe(1);
    for (const h of hosts) {
      const vms = (await api<{ vms: Vm[] }>(h, '/v1/vms?region=BIG')).body.vms;
      expect(vms.map((v) => v.id)).toEqual([ids[0]]);
    }
    expect((await api(hosts[0], `/v1/vms/${ids[0]}?force=true`, { method: 'DELETE' })).status).toBe(200);
    await until(async () => (await api(hosts[2], `/v1/vms/${ids[0]}`)).status === 404, 2000, 'C to forget it');
  }, 60_000);

  it("shows a launch through one host on another host's event stream within one FlyD interval + 1 s", async () => {
    const [a, b] = hosts;
    const ac = new AbortController();
    const res = await fetch(`${b.url}/v1/events`, { headers: b.auth(), signal: ac.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const seen = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString();
      }
    })().catch(() => {});
    await new Promise((r) => setTimeout(r, 200)); // the stream is open
    const started = Date.now();
    const vm = await launch(a, 'BIG', 8, 4);
    expect(vm.status).toBe(201);
    await until(
      () => text.includes(`"${vm.body.machine_id}"`) && /"vm_count":1/.test(text),
      FLYD_MS + 1000,
      'the event on B',
    );
    const took = Date.now() - started;
    console.log(`launch through A seen on B's event stream after ${took} ms`);
    ac.abort();
    await seen;
    // Its state reaches B too; then destroyed through B, gone on A.
    await until(
      async () => (await api<Vm>(b, `/v1/vms/${vm.body.id}`)).body.state === 'started',
      10_000,
      'B to see the VM started',
      50,
    );
    const destroyed = await api(b, `/v1/vms/${vm.body.id}?force=true`, { method: 'DELETE' });
    expect(destroyed.status, JSON.stringify(destroyed.body)).toBe(200);
    await until(async () => (await api(a, `/v1/vms/${vm.body.id}`)).status === 404, FLYD_MS + 1000, 'A to forget it');
  }, 30_000);
});
