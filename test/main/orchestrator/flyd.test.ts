import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Infrastructure } from '../../../src/main/orchestrator/infrastructure';
import { machine } from '../../helpers/fixtures';
import { FakeStore, settle, startInfra } from '../../helpers/orchestrator-fakes';

let infra: Infrastructure | null = null;
afterEach(() => {
  infra?.stop();
  infra = null;
});

async function launchMany(i: Infrastructure, n: number, memory_gb = 1, cores = 1) {
  // num_candidates: the store's candidate order (store.order) steers these tests.
  for (let k = 0; k < n; k++) await i.launch({ region: 'SIN', memory_gb, cores, num_candidates: 5 });
  await settle();
}

describe('FlyD conflation', () => {
  it('conflates 50 changes within one interval into exactly one absolute update', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 64, memory_total_gb: 256 })], { m1: 41 });
    infra = await startInfra(store);
    await launchMany(infra, 50, 2, 1);
    expect(store.applyCalls).toHaveLength(0);
    expect(infra.stats().flyd_queue_depth).toBe(50);

    expect(await infra.tick()).toBe(1);
    expect(store.applyCalls).toEqual([
      { machine_id: 'm1', version: 42, cores_allocated: 50, memory_allocated_gb: 100, vm_count: 50, changes: 50 },
    ]);
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 50, memory_allocated_gb: 100, vm_count: 50 });
    expect(infra.stats()).toMatchObject({ flyd_queue_depth: 0, flyd_flushes: 1 });

    // Nothing changed since: the next tick writes nothing.
    expect(await infra.tick()).toBe(0);
    expect(store.applyCalls).toHaveLength(1);
  });

  it('writes one update per machine, each FlyD on its own', async () => {
    const store = new FakeStore([
      machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 }),
      machine('m2', 'SIN', { cores_total: 8, memory_total_gb: 32 }),
      machine('m3', 'SIN', { cores_total: 8, memory_total_gb: 32 }),
    ]);
    store.order = (ms) => ms.filter((m) => m.id !== 'm3');
    infra = await startInfra(store, { numCandidates: 1 });
    await launchMany(infra, 3); // all on m1: the store's view lags, but m1 has room
    store.order = (ms) => ms.filter((m) => m.id === 'm2');
    await launchMany(infra, 2);
    expect(await infra.tick()).toBe(2);
    const byMachine = Object.fromEntries(store.applyCalls.map((u) => [u.machine_id, u]));
    expect(byMachine.m1).toMatchObject({ vm_count: 3, changes: 3 });
    expect(byMachine.m2).toMatchObject({ vm_count: 2, changes: 2 });
    expect(byMachine.m3).toBeUndefined();
  });

  it('keeps its queue when the store refuses, and retries once with the newest state', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 64, memory_total_gb: 256 })]);
    infra = await startInfra(store);
    await launchMany(infra, 5);
    store.fail('apply', 'reject');
    expect(await infra.tick()).toBe(0);
    expect(store.machinesById.get('m1')?.vm_count).toBe(0);
    expect(infra.stats()).toMatchObject({ flyd_queue_depth: 5, flyd_failed_flushes: 1, flyd_flushes: 0 });

    await launchMany(infra, 3);
    expect(await infra.tick()).toBe(1);
    expect(store.applyCalls).toHaveLength(2);
    const [first, retry] = store.applyCalls;
    expect(first).toMatchObject({ vm_count: 5, changes: 5 });
    expect(retry).toMatchObject({ vm_count: 8, cores_allocated: 8, memory_allocated_gb: 8, changes: 8 });
    expect(retry.version).toBeGreaterThan(first.version);
    expect(store.machinesById.get('m1')).toMatchObject({ vm_count: 8, cores_allocated: 8 });
    expect(infra.stats().flyd_queue_depth).toBe(0);
  });

  it('keeps its queue when the store does not answer, and the retry lands once', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 64, memory_total_gb: 256 })]);
    infra = await startInfra(store);
    await launchMany(infra, 4);
    store.fail('apply', 'timeout');
    expect(await infra.tick()).toBe(0);
    expect(store.machinesById.get('m1')?.vm_count).toBe(0);
    expect(await infra.tick()).toBe(1);
    expect(store.machinesById.get('m1')).toMatchObject({ vm_count: 4, cores_allocated: 4 });
    expect(store.applyCalls.map((u) => u.changes)).toEqual([4, 4]);
  });

  it('does not double count when an update landed but its answer was lost', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 64, memory_total_gb: 256 })]);
    infra = await startInfra(store);
    await launchMany(infra, 6, 4, 2);
    store.fail('apply', 'timeout-after');
    expect(await infra.tick()).toBe(0);
    // The store did apply it; FlyD cannot know, so it sends again: absolute values, newer version.
    expect(store.machinesById.get('m1')).toMatchObject({ vm_count: 6, cores_allocated: 12, memory_allocated_gb: 24 });
    expect(await infra.tick()).toBe(1);
    expect(store.machinesById.get('m1')).toMatchObject({ vm_count: 6, cores_allocated: 12, memory_allocated_gb: 24 });
    expect(store.applyCalls[1].version).toBeGreaterThan(store.applyCalls[0].version);
  });

  it('a duplicate delivery of the same update is ignored by its version', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 64, memory_total_gb: 256 })]);
    infra = await startInfra(store);
    await launchMany(infra, 3);
    await infra.tick();
    await launchMany(infra, 2);
    await infra.tick();
    const [older, newer] = store.applyCalls;
    // The network delivers both again, in the worst order.
    expect(store.applyNow(newer).applied).toBe(false);
    expect(store.applyNow(older).applied).toBe(false);
    expect(store.machinesById.get('m1')).toMatchObject({ vm_count: 5, cores_allocated: 5 });
  });

  it('a late answer to a stale update never hides a newer state', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 64, memory_total_gb: 256 })]);
    infra = await startInfra(store);
    await launchMany(infra, 2);
    store.hold();
    const first = infra.tick();
    await settle();
    await launchMany(infra, 3); // arrive while the first update is in flight
    expect(await infra.tick()).toBe(0); // one update in flight at a time
    store.release();
    expect(await first).toBe(1);
    await settle();
    expect(await infra.tick()).toBe(1);
    expect(store.applyCalls.map((u) => [u.vm_count, u.changes])).toEqual([
      [2, 2],
      [5, 3],
    ]);
    expect(store.machinesById.get('m1')?.vm_count).toBe(5);
  });

  it('flushAll waits for an update in flight and then writes what came after it', async () => {
    const store = new FakeStore([
      machine('m1', 'SIN', { cores_total: 64, memory_total_gb: 256 }),
      machine('m2', 'SIN', { cores_total: 64, memory_total_gb: 256 }),
    ]);
    store.order = (ms) => ms.filter((m) => m.id === 'm1');
    infra = await startInfra(store);
    await launchMany(infra, 2);
    store.hold();
    void infra.tick();
    await settle();
    await launchMany(infra, 1);
    const flushing = infra.flushAll();
    await settle();
    store.release();
    expect(await flushing).toBe(1);
    expect(store.machinesById.get('m1')?.vm_count).toBe(3);
    expect(store.machinesById.get('m2')?.vm_count).toBe(0);
    expect(infra.stats().flyd_queue_depth).toBe(0);
  });

  it('flushes on its own every flydIntervalMs', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const store = new FakeStore([machine('m1', 'SIN', { cores_total: 64, memory_total_gb: 256 })]);
      infra = await startInfra(store, { autoTick: true, flydIntervalMs: 20 });
      await launchMany(infra, 7);
      expect(store.applyCalls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(20);
      expect(store.applyCalls).toHaveLength(1);
      expect(store.machinesById.get('m1')?.vm_count).toBe(7);
      await vi.advanceTimersByTimeAsync(100);
      expect(store.applyCalls).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
