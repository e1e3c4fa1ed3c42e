// The etcd client a host uses (connect.ts), against a real three-member etcd whose leader is
// killed (SIGKILL) while transactions are in flight. A follower that forwarded a write to the dead
// leader does not refuse it; it waits out etcd's request timeout (~6 s here). The client must
// give up on that attempt and commit through another member, every write, in about a second.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_DEADLINE_MS, connectEtcd, diagnose } from '../../src/main/store/etcd/connect';
import type { EtcdStoreConfig } from '../../src/shared/store-spec';
import { type EtcdCluster, startEtcd } from '../helpers/etcd';

let etcd: EtcdCluster;
let store: EtcdStoreConfig;
beforeAll(async () => {
  etcd = await startEtcd(3);
  store = { kind: 'etcd', endpoints: etcd.endpoints.split(','), tls: null, prefix: '/t/' };
}, 60_000);
afterAll(async () => etcd?.stop());

describe('the etcd client of a host', () => {
  it('commits every conditional write in flight when the leader dies, through a live member, in about a second', async () => {
    await etcd.makeLeader(1);
    const client = connectEtcd(store);
    try {
      // Writers each keep a counter with compare-and-swap, as allocations do.
      const took: number[] = [];
      let stop = false;
      const writer = async (n: number) => {
        const key = `/t/counter/${n}`;
        let value = 0;
        let mod = '0';
        while (!stop) {
          const started = Date.now();
          const res = await client.kv.txn({
            compare: [{ key: Buffer.from(key), result: 'Equal', target: 'Mod', mod_revision: mod }],
            success: [{ request_put: { key: Buffer.from(key), value: Buffer.from(String(value + 1)) } }],
            failure: [{ request_range: { key: Buffer.from(key) } }],
          });
          took.push(Date.now() - started);
          if (res.succeeded) {
            value++;
            mod = res.header.revision;
          } else {
            // Sent again after its first attempt had committed: the compare fails and the read
            // shows what it wrote. Nothing is counted twice.
            const kv = res.responses[0]?.response_range?.kvs[0];
            value = Number(kv?.value.toString() ?? 0);
            mod = kv?.mod_revision ?? '0';
          }
          await new Promise((r) => setTimeout(r, 10));
        }
        return { key, value };
      };
      const writers = [0, 1, 2, 3].map(writer);
      await new Promise((r) => setTimeout(r, 300));
      await etcd.members[1].kill();
      await new Promise((r) => setTimeout(r, 3000));
      stop = true;
      const done = await Promise.all(writers);
      const slowest = Math.max(...took);
      console.log(`leader killed: ${took.length} writes, slowest ${slowest} ms`);
      expect(slowest).toBeLessThan(ATTEMPT_DEADLINE_MS + 1500);
      // Every counter holds what its writer counted, as the survivors have it.
      for (const { key, value } of done) expect(Number(await client.get(key).string())).toBe(value);
    } finally {
      client.close();
    }
  }, 30_000);

  it('names the lost quorum within the probe deadline when two of three are down', async () => {
    await etcd.members[2].kill();
    const client = connectEtcd(store);
    const probes = new Map();
    try {
      const started = Date.now();
      const why = await diagnose(client, probes, store, new Error('no answer'));
      expect(why).toMatch(/etcd has lost quorum: 1 of 3 members answer and 2 are needed/);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      client.close();
      for (const p of probes.values()) p.close();
      await etcd.members[1].restart();
      await etcd.members[2].restart();
    }
  }, 60_000);
});
