// A host cut off from etcd for a while comes back and takes its share of the machines back by
// itself, even when the other host releases that share only after the returning host has looked
// (so it learns of the release from its watch alone). The returning host's watch must then be
// running again soon after etcd is: etcd3's own backoff grew to tens of seconds over an outage
// and reset only once a watch was created again, so the host sat with no machines after etcd
// was back (CI failed waiting 15 s for its share). The order is forced here: the other host is
// frozen (SIGSTOP) while the cut-off one re-registers and finds every machine held.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigRegionFile, type EtcdCluster, startEtcd } from '../helpers/etcd';
import { aloneOwnsAll, bothOwn, clusterOf, startPinnedPair } from '../helpers/etcd-pair';
import type { ServeProcess } from '../helpers/host';
import { parseExposition, sampleValue } from '../helpers/prom-text';
import { until } from '../helpers/until';

/** Long enough that A, frozen for a few seconds, keeps its lease (renewed every third of it). */
const TTL_S = 10;
/** How long P's member stays down: long enough for an unbounded watch backoff to grow past 10 s. */
const OUTAGE_MS = 16_000;

let etcd: EtcdCluster;
/** a: every member; p: only m0, so killing m0 cuts it off while a keeps the quorum. */
let a: ServeProcess;
let p: ServeProcess;

async function owned(h: ServeProcess): Promise<number> {
  const families = parseExposition(await (await fetch(`${h.url}/metrics`, { headers: h.auth() })).text());
  return sampleValue(families, 'flylight_etcd_machines_owned', {}) ?? -1;
}
const joins = (h: ServeProcess) => h.output().match(/joined the shared fleet/g)?.length ?? 0;
describe('a host back from an etcd outage', () => {
  beforeAll(async () => {
    etcd = await startEtcd(3);
    const common = ['--regions', bigRegionFile(24), '--flyd-interval', '200', '--timing', 'instant'];
    ({ a, p } = await startPinnedPair(etcd, [...common, '--lease-ttl', String(TTL_S)], 20_000));
  }, 60_000);
  afterAll(async () => {
    a?.proc.kill('SIGCONT');
    await Promise.all([a?.stop(), p?.stop()]);
    await etcd?.stop();
  });

  it('takes its share back from its watch when the other host releases it late', async () => {
    await etcd.members[0].kill();
    const cut = Date.now();
    await until(async () => aloneOwnsAll(await clusterOf(a)), (TTL_S + 5) * 1000, 'A to own every machine', 100);
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - cut))));

    const joined = joins(p);
    a.proc.kill('SIGSTOP');
    try {
      await etcd.members[0].restart();
      const back = Date.now();
      await until(async () => joins(p) > joined, 15_000, 'P to register again', 100);
      // P's rebalance after registering (100 ms later) found A holding its whole share.
      await new Promise((r) => setTimeout(r, 1000));
      expect(await owned(p)).toBe(0);
      console.log(`P registered again ${Date.now() - back - 1000} ms after etcd returned (A frozen)`);
    } finally {
      a.proc.kill('SIGCONT');
    }
    const resumed = Date.now();
    // A hears P's registration and releases its share; P hears the releases on its watch and claims.
    await until(async () => bothOwn(await clusterOf(a)) && (await owned(p)) > 0, 15_000, "P's share to come back", 100);
    const took = Date.now() - resumed;
    console.log(
      `P's share back ${took} ms after A resumed; ${p
        .output()
        .match(/etcd watch resumed.*/g)
        ?.at(-1)}`,
    );
    // Within a default TTL of A resuming (~1-2 s here): the watch is retried at least every second.
    expect(took).toBeLessThan(5000);
  }, 90_000);
});
