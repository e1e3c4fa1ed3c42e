// Reading a prefix in pages against a real etcd member: every key once, in order, all at the
// revision of the first page (a write between pages is not seen), and a prefix bigger than one
// gRPC answer may be (4 MB) is read whole.

import { describe, expect, it } from 'vitest';
import { prefixEnd, readPrefix } from '../../src/main/store/etcd/pages';
import { withEtcdClient } from '../helpers/etcd';

describe('prefixEnd', () => {
  it('is the key just past every key with the prefix', () => {
    expect(prefixEnd(Buffer.from('/a/')).toString()).toBe('/a0');
    expect([...prefixEnd(Buffer.from([0x61, 0xff]))]).toEqual([0x62]);
    expect([...prefixEnd(Buffer.from([0xff, 0xff]))]).toEqual([0]);
  });
});

describe('readPrefix (real etcd)', () => {
  const etcd = withEtcdClient();

  it('reads every key once, in order, at the first page’s revision', async () => {
    const { client } = etcd;
    const n = 2500;
    const keys = Array.from({ length: n }, (_, i) => `/pages/k${String(i).padStart(5, '0')}`);
    for (let i = 0; i < n; i += 100) {
      await client
        .if('/pages/none', 'Create', '==', 0)
        .then(...keys.slice(i, i + 100).map((k) => client.put(k).value('v')))
        .commit();
    }
    await client.put('/pagesX').value('outside the prefix');
    const seen: string[] = [];
    const revisions = new Set<string>();
    let wrote: Promise<unknown> | null = null;
    const rev = await readPrefix(
      client.kv,
      '/pages/',
      (kv, at) => {
        seen.push(kv.key.toString());
        revisions.add(at);
        // A write after the first page: the snapshot must not show it.
        wrote ??= client.put('/pages/k00000-late').value('late').exec();
      },
      { limit: 1000 },
    );
    await wrote;
    expect(seen).toEqual(keys);
    expect([...revisions]).toEqual([rev]);
  });

  it('reads a prefix larger than one gRPC answer may be', async () => {
    const { client } = etcd;
    const value = 'x'.repeat(512 * 1024);
    for (let i = 0; i < 12; i++) await client.put(`/big/${i}`).value(value); // 6 MB in all
    let bytes = 0;
    let count = 0;
    await readPrefix(
      client.kv,
      '/big/',
      (kv) => {
        bytes += kv.value.length;
        count++;
      },
      { limit: 4 },
    );
    expect(count).toBe(12);
    expect(bytes).toBe(12 * value.length);
    await expect(client.getAll().prefix('/big/').strings()).rejects.toThrow(/larger than max/);
  });
});
