// A shared fleet through a real three-member etcd cluster whose members are killed (SIGKILL)
// and restarted: one member down, launches keep working; two down, launches answer 503 naming
// the lost quorum and nothing acknowledged is lost; quorum back, everything recovers by itself.
// A host whose etcd member comes back after a compaction resumes by resyncing from a snapshot
// and says so; a host whose watch was merely cut resumes from its last revision.

import { randomUUID } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Machine, Vm } from '../../src/shared/types';
import { bigRegionFile, type EtcdCluster, startEtcd } from '../helpers/etcd';
import { type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

const FLYD_MS = 200;

let etcd: EtcdCluster;
/** a: every member; b: only m0, so its watch breaks when m0 dies. */
let a: ServeProcess;
let b: ServeProcess;

const api = async <T>(h: ServeProcess, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${h.url}${path}`, {
    headers: { ...h.auth(), 'content-type': 'application/json' },
    ...init,
  });
  return { status: res.status, body: (await res.json()) as T & { error?: { code: string; message: string } } };
};
const launch = (h: ServeProcess, key = randomUUID()) =>
  api<Vm>(h, '/v1/vms', {
    method: 'POST',
    body: JSON.stringify({ region: 'BIG', memory_gb: 1, cores: 1 }),
    headers: { ...h.auth(), 'content-type': 'application/json', 'idempotency-key': key },
  });
/**
 * A careful client: a 503 (a leader election, a member restarting, the last try under the key not
 * settled yet) is retried under the same Idempotency-Key, which returns the one VM however often
 * it is asked. A 504 is never retried: a store call fails over to a live member in about a second
 * (connect.ts), well inside the 5 s call deadline, so no launch may time out.
 */
async function launchRetrying(h: ServeProcess, ms = 20_000) {
  const key = randomUUID();
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await launch(h, key);
    if (r.status !== 503 || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}
const vmIds = async (h: ServeProcess) => new Set((await api<{ vms: Vm[] }>(h, '/v1/vms')).body.vms.map((v) => v.id));
const bigCores = async (h: ServeProcess) =>
  (await api<{ machines: Machine[] }>(h, '/v1/regions/BIG/machines')).body.machines.reduce(
    (s, m) => s + m.cores_allocated,
    0,
  );

describe('a shared fleet through etcd faults', () => {
  const acked: string[] = [];
  beforeAll(async () => {
    etcd = await startEtcd(3);
    const common = ['--regions', bigRegionFile(3), '--flyd-interval', String(FLYD_MS), '--rate-limit', '100000'];
    a = await startServe(['--store', etcd.storeUrl, ...common]);
    b = await startServe(['--store', `etcd://${etcd.members[0].clientUrl.replace('http://', '')}`, ...common]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await etcd?.stop();
  });

  it('keeps launching, each launch answered 201 at once, when the leader of three is killed mid-launch', async () => {
    // The hardest member to lose: writes in flight at the followers wait on the dead leader
    // until etcd's own request timeout, unless the client gives up on them and asks another.
    await etcd.makeLeader(2);
    const took: number[] = [];
    const timed = async () => {
      const started = Date.now();
      const r = await launch(a);
      took.push(Date.now() - started);
      return r;
    };
    // Launches already on their way when the leader dies, and more right after.
    const during = Array.from({ length: 6 }, (_, i) => new Promise((r) => setTimeout(r, i * 15)).then(timed));
    await etcd.members[2].kill();
    const after = [];
    for (let i = 0; i < 5; i++) after.push(await timed());
    for (const r of [...(await Promise.all(during)), ...after]) {
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      acked.push(r.body.id);
    }
    console.log(`leader killed: launch times ${took.join(', ')} ms`);
    // Well inside the 5 s call deadline: the store failed over to a live member.
    expect(Math.max(...took)).toBeLessThan(3000);
    await until(async () => (await bigCores(b)) === acked.length, FLYD_MS + 1000, 'B to see the launches');
  }, 30_000);

  it('answers 503 naming the lost quorum with two killed, and recovers by itself when one returns', async () => {
    await etcd.members[1].kill();
    const started = Date.now();
    const refused = await launch(a);
    expect(refused.status).toBe(503);
    expect(refused.body.error?.message).toMatch(/etcd has lost quorum: 1 of 3 members answer and 2 are needed/);
    console.log(`no quorum: 503 after ${Date.now() - started} ms: ${refused.body.error?.message}`);
    // Reads still answer from the host's copy.
    expect((await api(a, '/v1/regions')).status).toBe(200);
    await etcd.members[1].restart();
    let back = 0;
    await until(
      async () => {
        const r = await launch(a);
        if (r.status === 201) acked.push(r.body.id);
        return r.status === 201 && ++back > 0;
      },
      30_000,
      'launches to work again once quorum is back',
      250,
    );
    await etcd.members[2].restart();
    // Nothing acknowledged was lost; nothing unacknowledged remains (settled by the orchestrator).
    await until(
      async () => {
        const ids = await vmIds(a);
        return acked.every((id) => ids.has(id)) && ids.size === acked.length;
      },
      15_000,
      'A to hold exactly the acknowledged VMs',
      100,
    );
    await until(async () => (await bigCores(b)) === acked.length, 15_000, 'B to agree', 100);
  }, 90_000);

  it('resyncs a host from a snapshot when its watch cannot resume past a compaction, and says so', async () => {
    const m0 = etcd.members[0];
    await m0.kill(); // B's only endpoint: its watch is cut
    for (let i = 0; i < 3; i++) {
      const r = await launchRetrying(a);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      acked.push(r.body.id);
    }
    const client = new Etcd3({ hosts: [etcd.members[1].clientUrl, etcd.members[2].clientUrl] });
    try {
      const rev = (await client.get('/flylight/fleet/ready').exec()).header.revision;
      await client.kv.compact({ revision: rev, physical: true });
    } finally {
      client.close();
    }
    await m0.restart();
    await until(async () => (await bigCores(b)) === acked.length, 20_000, 'B to catch up after the compaction', 100);
    expect(await vmIds(b)).toEqual(new Set(acked));
    await b.logged(/resynced the fleet from an etcd snapshot/);
  }, 90_000);
});
