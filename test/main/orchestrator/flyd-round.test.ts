// A sleeping machine is reserved and released in place (no MachineD or FlyD is built), and the
// FlyD round writes what changed directly: these check that nothing is lost or written twice
// over the ways that write can go wrong — refused, answered late, lost after it landed, stale —
// and when the machine wakes while it is in flight.

import { afterEach, describe, expect, it } from 'vitest';
import type { Infrastructure } from '../../../src/main/orchestrator/infrastructure';
import { machine } from '../../helpers/fixtures';
import { captureLog, FakeStore, settle, startInfra } from '../../helpers/orchestrator-fakes';

let infra: Infrastructure | null = null;
afterEach(() => {
  infra?.stop();
  infra = null;
});

/** One 8-core machine in SIN, so every placement lands on it. */
async function oneMachine(options: Parameters<typeof startInfra>[1] = {}) {
  const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
  const i = await startInfra(store, options);
  infra = i;
  return { infra: i, store, entry: i.registry.get('m1') };
}

const placeOne = async (i: Infrastructure, cores = 1) => {
  const got = await i.placeOne('SIN', 2, cores);
  if (!('machine_id' in got)) throw new Error(`expected a machine, got ${JSON.stringify(got)}`);
  return got.machine_id;
};

describe('a sleeping machine', () => {
  it('reserves and releases in place, refuses what MachineD would, and one write carries it all', async () => {
    const { infra, store, entry } = await oneMachine();
    for (let k = 0; k < 3; k++) await placeOne(infra, 2);
    expect(await infra.placeOne('SIN', 2, 3)).toEqual({ slots: [{ machine_id: 'm1', cores: 2, memory_gb: 26 }] });
    await infra.unplace('m1', 2, 2);
    expect(entry?.awake).toBe(false);
    expect(entry?.allocation).toEqual({ cores_allocated: 4, memory_allocated_gb: 4, vm_count: 2 });
    expect(entry?.unwritten).toBe(4);
    expect(await infra.tick()).toBe(1);
    expect(store.applyCalls).toEqual([
      { machine_id: 'm1', version: 1, cores_allocated: 4, memory_allocated_gb: 4, vm_count: 2, changes: 4 },
    ]);
    expect(await infra.tick()).toBe(0);
    expect(infra.registry.actorCounts()).toMatchObject({ awake: 0, woken: 0 });
  });

  it('keeps a refused write for the next round, and says so', async () => {
    const { log, lines } = captureLog();
    const { infra, store, entry } = await oneMachine({ log });
    await placeOne(infra);
    store.fail('apply', 'reject');
    expect(await infra.tick()).toBe(0);
    expect(entry?.unwritten).toBe(1);
    expect(lines.some((l) => l.msg === 'flyd update not applied; kept for the next tick' && l.machine === 'm1')).toBe(
      true,
    );
    expect(infra.stats()).toMatchObject({ flyd_failed_flushes: 1, flyd_queue_depth: 1 });
    expect(await infra.tick()).toBe(1);
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 1, vm_count: 1 });
    expect(store.applyCalls.map((u) => u.version)).toEqual([1, 2]);
    expect(entry?.unwritten).toBe(0);
  });

  it('writes again, newer, when the answer was lost after the store took it', async () => {
    const { infra, store } = await oneMachine();
    await placeOne(infra);
    store.fail('apply', 'timeout-after');
    expect(await infra.tick()).toBe(0);
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 1 });
    await placeOne(infra);
    expect(await infra.tick()).toBe(1);
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 2, vm_count: 2 });
    expect(store.applyCalls.map((u) => [u.version, u.changes])).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('learns a newer version the store holds, and the next round lands', async () => {
    const { infra, store } = await oneMachine();
    store.applied.set('m1', 40); // written by an earlier incarnation this one never heard of
    await placeOne(infra);
    expect(await infra.tick()).toBe(0);
    await settle();
    expect(await infra.tick()).toBe(1);
    expect(store.applyCalls.map((u) => u.version)).toEqual([1, 41]);
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 1 });
  });

  it('woken while its write is in flight, hands its changes to the FlyD, which supersedes that write', async () => {
    const { infra, store, entry } = await oneMachine();
    await placeOne(infra);
    store.hold();
    const round = infra.tick();
    await settle();
    expect(store.applyCalls).toHaveLength(1); // sent, held before the store took it
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 0 });
    // Woken now (an operator's peek): the FlyD holds the change, not yet acknowledged.
    expect(await infra.held('m1')).toEqual({
      state: { cores_allocated: 1, memory_allocated_gb: 2, vm_count: 1 },
      unflushed: true,
      lost: false,
    });
    expect(entry?.unwritten).toBe(0);
    await placeOne(infra); // through the woken MachineD now
    store.release();
    await round;
    await settle();
    expect(await infra.tick()).toBe(1);
    expect(store.applyCalls.map((u) => [u.version, u.cores_allocated, u.vm_count])).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 2, vm_count: 2 });
    // Written in full, it sleeps again.
    await infra.tick();
    expect(entry?.awake).toBe(false);
  });

  it('a clean shutdown writes what sleeping machines hold', async () => {
    const { infra, store } = await oneMachine();
    await placeOne(infra);
    await placeOne(infra);
    expect(await infra.flushAll()).toBe(1);
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 2, vm_count: 2 });
  });

  it('clamps a release of more than it holds at zero and warns, as MachineD does', async () => {
    const { log, lines } = captureLog();
    const { infra, entry } = await oneMachine({ log });
    await placeOne(infra);
    await infra.unplace('m1', 8, 4);
    expect(entry?.allocation).toEqual({ cores_allocated: 0, memory_allocated_gb: 0, vm_count: 0 });
    expect(lines.some((l) => l.msg === 'release larger than the allocation; clamped at zero')).toBe(true);
    expect(entry?.awake).toBe(false);
  });
});
