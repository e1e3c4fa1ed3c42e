// A host cut off from etcd (its only member killed, while the rest of the cluster keeps its
// quorum) stops taking launches because it can no longer renew its lease: once a whole TTL has
// passed without a renewal, a launch through it is refused at once with 503 naming the lease
// and why etcd does not answer, before anything is placed, rather than after a commit times
// out. The other host takes over its machines; when the member comes back, the cut-off host
// registers again, takes its share back and launches again by itself.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STALE_HEADER } from '../../src/shared/api';
import type { ClusterView } from '../../src/shared/cluster';
import type { Vm } from '../../src/shared/types';
import { bigRegionFile, type EtcdCluster, startEtcd } from '../helpers/etcd';
import { aloneOwnsAll, bothOwn, startPinnedPair } from '../helpers/etcd-pair';
import type { ServeProcess } from '../helpers/host';
import { parseExposition, sampleValue } from '../helpers/prom-text';
import { until } from '../helpers/until';

const FLYD_MS = 200;
const TTL_S = 5;

let etcd: EtcdCluster;
/** a: every member; p: only m0, so killing m0 cuts it off while a keeps the quorum. */
let a: ServeProcess;
let p: ServeProcess;

const api = async <T>(h: ServeProcess, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${h.url}${path}`, { headers: { ...h.auth(), 'content-type': 'application/json' }, ...init });
  return { status: res.status, body: (await res.json()) as T & { error?: { code: string; message: string } } };
};
const launch = (h: ServeProcess) =>
  api<Vm>(h, '/v1/vms', {
    method: 'POST',
    body: JSON.stringify({ region: 'BIG', memory_gb: 1, cores: 1 }),
    headers: { ...h.auth(), 'content-type': 'application/json', 'idempotency-key': randomUUID() },
  });
const view = async (h: ServeProcess) => (await api<ClusterView>(h, '/v1/cluster')).body;
/** The host's lease and ownership gauges, from its /metrics (strict exposition text). */
async function leaseGauges(h: ServeProcess) {
  const families = parseExposition(await (await fetch(`${h.url}/metrics`, { headers: h.auth() })).text());
  return {
    lapsed: sampleValue(families, 'flylight_etcd_lease_lapsed', {}),
    owned: sampleValue(families, 'flylight_etcd_machines_owned', {}),
  };
}

describe('a host cut off from etcd', () => {
  beforeAll(async () => {
    etcd = await startEtcd(3);
    const common = ['--regions', bigRegionFile(24), '--flyd-interval', String(FLYD_MS), '--timing', 'instant'];
    ({ a, p } = await startPinnedPair(etcd, common, 20_000));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), p?.stop()]);
    await etcd?.stop();
  });

  it('refuses launches once it cannot renew its lease, saying so at once, and recovers by itself', async () => {
    expect((await launch(p)).status).toBe(201);
    expect(await leaseGauges(p)).toMatchObject({ lapsed: 0 });
    expect((await leaseGauges(p)).owned).toBeGreaterThan(0);
    await etcd.members[0].kill();
    const cut = Date.now();
    // Until a whole TTL has passed it may still hold its lease: a launch fails (or not) on its
    // commit. From then on the lease check refuses before placing.
    let refusal = '';
    await until(
      async () => {
        const r = await launch(p);
        if (r.status === 503 && /etcd lease/.test(r.body.error?.message ?? '')) refusal = r.body.error?.message ?? '';
        return refusal !== '';
      },
      (TTL_S + 5) * 1000,
      'a launch through the cut-off host to be refused for its lease',
      200,
    );
    const after = Date.now() - cut;
    console.log(`cut off: launches refused for the lease ${after} ms after the cut: ${refusal}`);
    // A whole TTL after its last renewal, which came at most a third of a TTL before the cut
    // (the client renews every third; 4,044 ms was seen at load 18, usually 5.1-5.4 s).
    expect(after).toBeGreaterThanOrEqual((TTL_S * 1000 * 2) / 3 - 250);
    expect(after).toBeLessThan(TTL_S * 1000 + 4000);
    // Refused before placing: at once, not after a commit's deadline, and with the cause.
    const t0 = Date.now();
    const again = await launch(p);
    const took = Date.now() - t0;
    expect(again.status).toBe(503);
    expect(again.body.error?.message).toMatch(
      /has not renewed its etcd lease for \d+\.\d s \(the TTL is 5 s\)|lease expired/,
    );
    expect(again.body.error?.message).toMatch(/etcd is unreachable at etcd:\/\/127\.0\.0\.1:\d+/);
    expect(took).toBeLessThan(1000);
    console.log(`a refused launch answered in ${took} ms`);
    // /metrics says so too: the lease lapsed, and the host no longer counts any machine its own.
    expect(await leaseGauges(p)).toEqual({ lapsed: 1, owned: 0 });
    // The host that still reaches etcd takes every machine and keeps launching.
    await until(async () => aloneOwnsAll(await view(a)), (TTL_S + 3) * 1000, 'A to own every machine', 100);
    expect((await launch(a)).status).toBe(201);
    // Reads through the cut-off host still answer (from its copy), saying they may be stale and why.
    const read = await fetch(`${p.url}/v1/regions`, { headers: p.auth() });
    expect(read.status).toBe(200);
    expect(read.headers.get(STALE_HEADER)).toMatch(/has not renewed its etcd lease for \d+\.\d s|lease expired/);
    expect((await fetch(`${a.url}/v1/regions`, { headers: a.auth() })).headers.get(STALE_HEADER)).toBeNull();
    const regions = await p.cli(['regions']);
    expect(regions.code).toBe(0);
    expect(regions.stdout).toContain('BIG');
    expect(regions.stderr).toMatch(/^warning: this host's copy of the fleet may be stale: .*etcd lease/m);

    await etcd.members[0].restart();
    const back = Date.now();
    await until(async () => (await launch(p)).status === 201, 30_000, 'the cut-off host to launch again', 250);
    const launching = Date.now() - back;
    await until(async () => bothOwn(await view(a)), 15_000, 'the returning host to take its share back', 100);
    console.log(`back: launching ${launching} ms after etcd returned, its share back ${Date.now() - back} ms after`);
    await until(async () => (await leaseGauges(p)).lapsed === 0, 5000, "P's lease gauge to clear", 100);
    expect((await fetch(`${p.url}/v1/regions`, { headers: p.auth() })).headers.get(STALE_HEADER)).toBeNull();
    expect((await p.cli(['regions'])).stderr).not.toMatch(/stale/);
    expect((await leaseGauges(p)).owned).toBeGreaterThan(0);
    expect(p.output()).toMatch(/refusing launches: this host cannot renew its etcd lease/);
    expect(p.output()).toMatch(/etcd lease renewed again; taking launches/);
  }, 90_000);
});
