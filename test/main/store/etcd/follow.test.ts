// Following the shared fleet's watch, with a stand-in for the etcd watcher (the guarantees
// themselves — every change seen once, in order, across restarts and compactions — are held on a
// real etcd by test/integration/etcd-*.test.ts). Here: responses that arrive while earlier ones
// are being applied are applied together, in order, in one pass; the revision followed is the
// last one applied; a row this host already holds at the event's revision is not parsed again.

import { EventEmitter } from 'node:events';
import type { Etcd3, IWatchResponse } from 'etcd3';
import { describe, expect, it } from 'vitest';
import type { MachineState, StoredVm } from '../../../../src/main/store/backend';
import { Allocations } from '../../../../src/main/store/etcd/allocations';
import type { EtcdBackend } from '../../../../src/main/store/etcd/etcd-backend';
import { type FollowSink, follow } from '../../../../src/main/store/etcd/follow';
import { EtcdKeys } from '../../../../src/main/store/etcd/keys';
import type { RemoteChange } from '../../../../src/main/store/remote';

const keys = new EtcdKeys('/t/');

class FakeWatcher extends EventEmitter {
  cancelled = false;
  async cancel() {
    this.cancelled = true;
  }
}

function stand() {
  const watchers: FakeWatcher[] = [];
  const client = {
    kv: {},
    watch: () => ({
      prefix: () => ({
        startRevision: () => ({
          create: async () => {
            const w = new FakeWatcher();
            watchers.push(w);
            return w;
          },
        }),
      }),
    }),
  } as unknown as Etcd3;
  const allocations = new Allocations(client, keys, () => ({ cores: 16, memory_gb: 32, status: 'available' }));
  const backend = {
    revision: '10',
    keys,
    client,
    allocations,
    switching: null,
    ownResets: new Set<string>(),
    isCurrent: () => true,
  } as unknown as EtcdBackend;
  return { backend, allocations, watchers };
}

const machineRow = (cores: number): MachineState => ({
  version: cores,
  cores_allocated: cores,
  memory_allocated_gb: cores,
  vm_count: cores,
  updated_at: '2026-11-30T21:00:00.000Z',
  operator_status: null,
});

const vmRecord = (id: string): StoredVm =>
  ({
    id,
    machine_id: 'm1',
    region: 'AMS',
    cores: 1,
    memory_gb: 1,
    state: 'started',
    created_at: '2026-11-30T21:00:00.000Z',
  }) as StoredVm;

/** One watch response: a put of each row at revision `rev`. */
function response(rev: number, rows: [string, unknown][]): IWatchResponse {
  return {
    header: { revision: String(rev) },
    events: rows.map(([key, value]) => ({
      type: 'Put',
      kv: { key: Buffer.from(key), value: Buffer.from(JSON.stringify(value)), mod_revision: String(rev) },
    })),
  } as unknown as IWatchResponse;
}

function sink(onChanges: (c: RemoteChange[]) => Promise<void>): FollowSink {
  return {
    changes: onChanges,
    reset: () => {},
    resync: async () => {},
    generation: async () => {},
    log: () => {},
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('follow', () => {
  it('applies the responses that arrived during a pass together, in order, and follows the last revision', async () => {
    const { backend, watchers } = stand();
    const passes: RemoteChange[][] = [];
    let release: () => void = () => {};
    const first = new Promise<void>((r) => (release = r));
    const following = await follow(
      backend,
      sink(async (changes) => {
        passes.push(changes);
        if (passes.length === 1) await first;
      }),
    );
    const [w] = watchers;
    w?.emit('data', response(11, [[keys.machine('m1'), machineRow(1)]]));
    await tick();
    // The first pass is still applying: these wait, then go as one.
    w?.emit('data', response(12, [[keys.machine('m1'), machineRow(2)]]));
    w?.emit('data', response(13, [[keys.vm('vm-000002'), vmRecord('vm-000002')]]));
    await tick();
    expect(passes).toHaveLength(1);
    release();
    await tick();
    await tick();
    expect(passes.map((p) => p.map((c) => c.t))).toEqual([['machine'], ['machine', 'vm']]);
    expect(passes[1]?.[0]).toMatchObject({ t: 'machine', id: 'm1', state: { cores_allocated: 2 } });
    expect(following.revision).toBe('13');
    await following.stop();
  });

  it("does not parse a row it already holds at that revision (its own write coming back), but parses another host's", async () => {
    const { backend, allocations, watchers } = stand();
    const held = vmRecord('vm-000001');
    allocations.observeVm('vm-000001', held, '21', '21');
    const seen: RemoteChange[] = [];
    const following = await follow(
      backend,
      sink(async (changes) => {
        seen.push(...changes);
      }),
    );
    watchers[0]?.emit(
      'data',
      response(21, [
        [keys.vm('vm-000001'), held],
        [keys.vm('vm-000003'), vmRecord('vm-000003')],
      ]),
    );
    await tick();
    await tick();
    const [own, other] = seen;
    expect(own?.t === 'vm' && own.vm).toBe(held);
    expect(other?.t === 'vm' && other.vm).toEqual(vmRecord('vm-000003'));
    expect(other?.t === 'vm' && other.vm).not.toBe(held);
    await following.stop();
  });

  it('drops what a stopped watcher had not applied', async () => {
    const { backend, watchers } = stand();
    const seen: RemoteChange[] = [];
    const following = await follow(
      backend,
      sink(async (changes) => {
        seen.push(...changes);
      }),
    );
    watchers[0]?.emit('data', response(11, [[keys.machine('m1'), machineRow(1)]]));
    await following.stop();
    await tick();
    expect(seen).toEqual([]);
    expect(watchers[0]?.cancelled).toBe(true);
  });
});
