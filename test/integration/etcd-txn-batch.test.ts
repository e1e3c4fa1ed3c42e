// Group commit of the allocation transactions against a real etcd member: the transactions of
// one turn go as one etcd transaction; a group is all or nothing, and a part whose own rows did
// not move is sent again alone; parts that write one key never share a group; a group stays
// within etcd's --max-txn-ops. Through Allocations: a stale row in a group costs only its own VM
// a retry, and every machine's row ends equal to the sum of its VMs.

import { beforeEach, describe, expect, it } from 'vitest';
import type { MachineState, StoredVm } from '../../src/main/store/backend';
import { Allocations } from '../../src/main/store/etcd/allocations';
import { EtcdKeys } from '../../src/main/store/etcd/keys';
import { MAX_TXN_OPS, TxnBatcher, type TxnPart } from '../../src/main/store/etcd/txn-batch';
import { withEtcdClient } from '../helpers/etcd';

const etcd = withEtcdClient();
const keys = new EtcdKeys('/batch-test/');

const putPart = (key: string, value: string, mod = '0'): TxnPart => ({
  compare: [{ key: Buffer.from(key), result: 'Equal', target: 'Mod', mod_revision: mod }],
  success: [{ request_put: { key: Buffer.from(key), value: Buffer.from(value) } }],
  failure: [{ request_range: { key: Buffer.from(key) } }],
  writes: [key],
});

const vm = (id: string, machine: string, key?: string): StoredVm =>
  ({
    id,
    machine_id: machine,
    region: 'ams',
    cores: 2,
    memory_gb: 4,
    state: 'started',
    image: 'img',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...(key ? { idempotency_key: key } : {}),
  }) as StoredVm;

const row = async (key: string) => {
  const v = await etcd.client.get(key).string();
  return v === null ? null : JSON.parse(v);
};

describe('allocation transactions grouped per turn (real etcd)', () => {
  beforeEach(async () => {
    await etcd.client.delete().prefix('/batch-test/');
  });

  it('sends the parts of one turn as one transaction, each answered once it is committed', async () => {
    const { client } = etcd;
    const batcher = new TxnBatcher(client.kv);
    const results = await Promise.all([1, 2, 3].map((i) => batcher.run(putPart(`/batch-test/a${i}`, `v${i}`))));
    expect(batcher.sent).toEqual({ txns: 1, parts: 3 });
    expect(results.every((r) => r.succeeded && r.group === 3)).toBe(true);
    expect(new Set(results.map((r) => r.revision)).size).toBe(1);
    for (const i of [1, 2, 3]) expect(await client.get(`/batch-test/a${i}`).string()).toBe(`v${i}`);
  });

  it('writes nothing of a group whose compare fails, and gives each part its own reads', async () => {
    const { client } = etcd;
    await client.put('/batch-test/b2').value('there');
    const batcher = new TxnBatcher(client.kv);
    // b2 exists, so its "absent" compare fails: the group fails as a whole.
    const results = await Promise.all(['b1', 'b2', 'b3'].map((k) => batcher.run(putPart(`/batch-test/${k}`, 'new'))));
    expect(batcher.sent.txns).toBe(1);
    expect(results.map((r) => r.succeeded)).toEqual([false, false, false]);
    expect(results.map((r) => r.reads.length)).toEqual([1, 1, 1]);
    expect(results[0]?.reads[0]?.response_range.kvs).toHaveLength(0);
    expect(results[1]?.reads[0]?.response_range.kvs[0]?.value.toString()).toBe('there');
    expect(await client.get('/batch-test/b1').string()).toBeNull();
    expect(await client.get('/batch-test/b2').string()).toBe('there');
  });

  it('never puts two writes of one key in a group, and keeps a group within --max-txn-ops', async () => {
    const { client } = etcd;
    const batcher = new TxnBatcher(client.kv);
    const same = await Promise.all([
      batcher.run(putPart('/batch-test/c', 'x')),
      batcher.run(putPart('/batch-test/c', 'y')),
    ]);
    // Two transactions; the second compared the key's absence after the first wrote it.
    expect(batcher.sent.txns).toBe(2);
    expect(same.filter((r) => r.succeeded)).toHaveLength(1);

    const many = new TxnBatcher(client.kv);
    const n = MAX_TXN_OPS + 10;
    const all = await Promise.all(Array.from({ length: n }, (_, i) => many.run(putPart(`/batch-test/d${i}`, 'v'))));
    expect(all.every((r) => r.succeeded)).toBe(true);
    expect(many.sent).toEqual({ txns: 2, parts: n });
    expect((await client.getAll().prefix('/batch-test/d').keys()).length).toBe(n);
  });

  it('retries only the VM whose machine row moved, and keeps every row equal to its VMs', async () => {
    const { client } = etcd;
    const capacity = () => ({ cores: 16, memory_gb: 64, status: 'available' as const });
    const alloc = new Allocations(client, keys, capacity);
    // Both machines known to this host, then m2's row moved behind its back (another host).
    await Promise.all([alloc.putVm(vm('vm-1', 'm1', 'k1')), alloc.putVm(vm('vm-2', 'm2', 'k2'))]);
    const before = { ...alloc.counters };
    const other = (await row(keys.machine('m2'))) as MachineState;
    await client
      .put(keys.machine('m2'))
      .value(JSON.stringify({ ...other, cores_allocated: other.cores_allocated + 6 }));

    await Promise.all([alloc.putVm(vm('vm-3', 'm1', 'k3')), alloc.putVm(vm('vm-4', 'm2', 'k4'))]);
    // The group failed on m2's row: vm-3 went again alone (not a lost race), vm-4 lost one.
    expect(alloc.counters.conflicts - before.conflicts).toBe(1);
    expect(alloc.batcher.sent.txns).toBe(4); // two groups, then vm-3 and vm-4 each alone
    const m1 = (await row(keys.machine('m1'))) as MachineState;
    const m2 = (await row(keys.machine('m2'))) as MachineState;
    expect([m1.cores_allocated, m1.vm_count]).toEqual([4, 2]);
    expect([m2.cores_allocated, m2.vm_count]).toEqual([4 + 6, 2]);
    for (const [id, key] of [
      ['vm-3', 'k3'],
      ['vm-4', 'k4'],
    ]) {
      expect((await row(keys.vm(id)))?.id).toBe(id);
      expect(await client.get(keys.idempotency(key)).string()).toBe(id);
    }
  });
});
