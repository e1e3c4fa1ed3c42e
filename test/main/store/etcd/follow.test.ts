// Following the shared fleet's watch, with a stand-in for the etcd watcher (the guarantees
// themselves — every change seen once, in order, across restarts and compactions — are held on a
// real etcd by test/integration/etcd-*.test.ts). Here: responses that arrive while earlier ones
// are being applied are applied together, in order, in one pass; the revision followed is the
// last one applied; a row this host already holds at the event's revision is not parsed again;
// a broken stream is watched again from there (through resumed-watch), at least every second.

import type { IWatchResponse } from 'etcd3';
import { describe, expect, it } from 'vitest';
import type { MachineState, StoredVm } from '../../../../src/main/store/backend';
import { Allocations } from '../../../../src/main/store/etcd/allocations';
import type { EtcdBackend } from '../../../../src/main/store/etcd/etcd-backend';
import { type FollowSink, follow } from '../../../../src/main/store/etcd/follow';
import { EtcdKeys } from '../../../../src/main/store/etcd/keys';
import { RESUME_MAX_MS } from '../../../../src/main/store/etcd/resumed-watch';
import type { RemoteChange } from '../../../../src/main/store/remote';
import { fakeWatchClient } from '../../../helpers/fake-watch';
import { until } from '../../../helpers/until';

const keys = new EtcdKeys('/t/');

/** `connects`: whether the next watcher connects (else its stream breaks at once); all do when empty. */
function stand(connects: boolean[] = []) {
  const { client, watchers, opened } = fakeWatchClient(connects);
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
  return { backend, allocations, watchers, opened };
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

/** Follows `backend` into a list of every change applied. */
async function collecting(backend: Parameters<typeof follow>[0]) {
  const seen: RemoteChange[] = [];
  const following = await follow(
    backend,
    sink(async (changes) => {
      seen.push(...changes);
    }),
  );
  return { following, seen };
}

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
    const { following, seen } = await collecting(backend);
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
    const { following, seen } = await collecting(backend);
    watchers[0]?.emit('data', response(11, [[keys.machine('m1'), machineRow(1)]]));
    await following.stop();
    await tick();
    expect(seen).toEqual([]);
    expect(watchers[0]?.cancelled).toBe(true);
  });

  it('watches again after a broken stream from the revision after the last applied, trying at least every RESUME_MAX_MS', async () => {
    // The first watcher connects, breaks later; the next three attempts break at once, the fifth holds.
    const { backend, watchers, opened } = stand([true, false, false, false, true]);
    const { following, seen } = await collecting(backend);
    watchers[0]?.emit('data', response(11, [[keys.machine('m1'), machineRow(1)]]));
    await tick();
    await tick();
    const broke = Date.now();
    watchers[0]?.emit('disconnected', new Error('unavailable'));
    watchers[0]?.emit('disconnected', new Error('stream ended')); // etcd3 tells a broken stream twice
    await until(async () => opened.length === 5, 5000, 'the watch to be opened again', 10);
    await tick();
    expect(watchers.slice(0, 4).every((w) => w.cancelled)).toBe(true);
    expect(watchers[4]?.cancelled).toBe(false);
    // Every attempt starts after what was applied (12), none past it; the waits grow, bounded.
    expect(opened.map((o) => o.from)).toEqual(['11', '12', '12', '12', '12']);
    const waits = opened.slice(1).map((o, i) => o.at - (i === 0 ? broke : (opened[i]?.at ?? 0)));
    expect(waits.every((ms) => ms >= 90 && ms <= RESUME_MAX_MS + 500)).toBe(true);
    watchers[4]?.emit('data', response(12, [[keys.machine('m1'), machineRow(2)]]));
    await tick();
    await tick();
    expect(seen.map((c) => c.t === 'machine' && c.state?.cores_allocated)).toEqual([1, 2]);
    expect(following.revision).toBe('12');
    await following.stop();
  });
});
