// A shared fleet as one host's orchestrator sees it: machines another host owns are placement
// views only (reserved and released in place, updated by the store's events, never woken);
// machines it owns wake when asked for; an operator's action on another host's machine goes to
// that host; stages run where the store says (drive), and waiters hear of other hosts' changes;
// a lapsed lease refuses launches before anything is placed.

import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/main/orchestrator/clock';
import type { Infrastructure } from '../../../src/main/orchestrator/infrastructure';
import { ApiError } from '../../../src/shared/errors';
import type { MachineActionReport } from '../../../src/shared/faults';
import { INSTANT, type TimingProfile } from '../../../src/shared/timing';
import type { OrchestratorStoreEvent, Vm } from '../../../src/shared/types';
import { machine } from '../../helpers/fixtures';
import { FakeStore, settle, startInfra } from '../../helpers/orchestrator-fakes';

let infra: Infrastructure | null = null;
afterEach(() => {
  infra?.stop();
  infra = null;
});

/** m1 (owned here, 2 cores) and m2 (another host's, 16 cores), both in SIN. */
async function sharedInfra(options: Parameters<typeof startInfra>[1] = {}) {
  const store = new FakeStore([
    machine('m1', 'SIN', { cores_total: 2, memory_total_gb: 8 }),
    machine('m2', 'SIN', { cores_total: 16, memory_total_gb: 64 }),
  ]);
  const asked: { id: string; action: string; evacuate?: boolean }[] = [];
  const i = await startInfra(store, {
    shared: true,
    onOwner: async (id, action, opts) => {
      asked.push({ id, action, ...opts });
      return {
        action,
        machine: store.machinesById.get(id),
        failed: [],
        evacuated: [],
      } as unknown as MachineActionReport;
    },
    ...options,
  });
  i.setOwned(new Set(['m1']));
  infra = i;
  return { infra: i, store, asked };
}

/** As the store sends it to the orchestrator: without the region's figures. */
const machineEvent = (m: ReturnType<typeof machine>): OrchestratorStoreEvent => ({
  type: 'machine',
  seq: 1,
  at: m.updated_at,
  machine: m,
});

describe('machines another host owns', () => {
  it('are placed on through the view, never woken, and follow the store without waking', async () => {
    const { infra } = await sharedInfra();
    const m2 = infra.registry.get('m2');
    expect(m2?.owned).toBe(false);
    // Only m2 has room for 8 cores: the launch reserves it on the view and records the VM.
    const vm = await infra.launch({ region: 'SIN', memory_gb: 8, cores: 8 });
    expect(vm.machine_id).toBe('m2');
    expect(m2?.awake).toBe(false);
    expect(m2?.allocation).toEqual({ cores_allocated: 8, memory_allocated_gb: 8, vm_count: 1 });
    // The view refuses what does not fit, as MachineD would.
    await infra.launch({ region: 'SIN', memory_gb: 8, cores: 8 });
    await expect(infra.launch({ region: 'SIN', memory_gb: 8, cores: 8 })).rejects.toMatchObject({
      code: 'no_capacity',
    });
    // The store's committed row (another host destroyed one) replaces the view, without waking.
    infra.observe(machineEvent(machine('m2', 'SIN', { cores_total: 16, cores_allocated: 8, vm_count: 1 })));
    expect(m2?.allocation.cores_allocated).toBe(8);
    expect(m2?.awake).toBe(false);
    // Taken out through another host: the view stops offering it.
    infra.observe(machineEvent(machine('m2', 'SIN', { cores_total: 16, status: 'offline' })));
    expect(m2?.capacity.schedulable).toBe(false);
    await expect(infra.launch({ region: 'SIN', memory_gb: 1, cores: 1 })).resolves.toMatchObject({ machine_id: 'm1' });
    expect(infra.registry.actorCounts()).toMatchObject({ owned: 1, woken_not_owned: 0, awake_not_owned: 0 });
  });

  it("a machine this host owns is not woken by the store's events either (its record is updated)", async () => {
    const { infra } = await sharedInfra();
    const m1 = infra.registry.get('m1');
    infra.observe(
      machineEvent(machine('m1', 'SIN', { cores_total: 2, memory_total_gb: 8, cores_allocated: 1, vm_count: 1 })),
    );
    expect(m1?.awake).toBe(false);
    expect(m1?.allocation).toEqual({ cores_allocated: 1, memory_allocated_gb: 0, vm_count: 1 });
    // A launch onto it reserves from that record, still asleep; a peek wakes it there.
    await infra.launch({ region: 'SIN', memory_gb: 1, cores: 1, strategy: 'binpack' }); // m1: the least free room
    expect(m1?.awake).toBe(false);
    expect(m1?.unwritten).toBe(1);
    expect(infra.machine('m1')).toMatchObject({ cores_allocated: 2, vm_count: 2 });
    expect(m1?.awake).toBe(true);
  });

  it("sends an operator's action on another host's machine to its owner, and runs its own here", async () => {
    const { infra, asked } = await sharedInfra();
    await infra.machineAction('m2', 'offline', { evacuate: true });
    expect(asked).toEqual([{ id: 'm2', action: 'offline', evacuate: true }]);
    expect(infra.registry.get('m2')?.awake).toBe(false);
    const here = await infra.machineAction('m1', 'drain');
    expect(here.machine.status).toBe('draining');
    expect(asked).toHaveLength(1);
    // Asked of this host as the owner (here = true), it runs here whatever the registry says.
    await infra.machineAction('m2', 'drain', {}, true);
    expect(asked).toHaveLength(1);
  });

  it('puts the actors of a machine it no longer owns to sleep, and chaos kills only its own', async () => {
    const { infra } = await sharedInfra();
    await infra.launch({ region: 'SIN', memory_gb: 1, cores: 1, strategy: 'binpack' }); // m1 (least free room)
    await infra.held('m1'); // wakes it, its FlyD holding the launch
    expect(infra.registry.get('m1')?.awake).toBe(true);
    // Lost while its FlyD still has the launch to write: asleep once that is written.
    infra.setOwned(new Set(['m2']));
    expect(infra.registry.actorCounts()).toMatchObject({ owned: 1, awake_not_owned: 1 });
    await infra.tick();
    await settle();
    await infra.tick();
    expect(infra.registry.actorCounts()).toMatchObject({ owned: 1, awake: 0, awake_not_owned: 0 });
    expect(infra.registry.get('m1')?.awake).toBe(false);
    const report = await infra.chaos.killActors({ count: 2, seed: 1 });
    expect(report.killed.map((k) => k.machine_id)).toEqual(['m2']);
  });
});

describe('the lease', () => {
  it('refuses launches before placing while the store says it lapsed, as an answer (not an outage)', async () => {
    const { infra, store } = await sharedInfra();
    infra.lease.set('this host has not renewed its etcd lease for 5.2 s: etcd is unreachable');
    const err = await infra.launch({ region: 'SIN', memory_gb: 1, cores: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'unavailable', details: { lease: 'expired', answered: true } });
    expect((err as Error).message).toMatch(/etcd lease.*unreachable/);
    await expect(infra.launchIdempotent({ region: 'SIN', memory_gb: 1, cores: 1 }, 'k1')).rejects.toThrow(/etcd lease/);
    await expect(infra.launchBatch({ region: 'SIN', memory_gb: 1, cores: 1, count: 2 })).rejects.toThrow(/etcd lease/);
    expect(store.vmsById.size).toBe(0);
    expect(infra.registry.get('m1')?.awake).toBe(false);
    infra.lease.set(null);
    await expect(infra.launch({ region: 'SIN', memory_gb: 1, cores: 1 })).resolves.toMatchObject({ state: 'started' });
  });
});

describe("another host's lapsing lease", () => {
  it('holds its machines back: launches go elsewhere while anything else fits, there only when nothing does', async () => {
    const { infra } = await sharedInfra();
    // m2's owner missed its renewals: only m1 (2 cores, this host's) takes launches while it has room.
    expect(infra.registry.setLapsing(new Set(['m2']))).toBe(1);
    for (const strategy of ['random', 'binpack', 'spread'] as const) {
      const vm = await infra.launch({ region: 'SIN', memory_gb: 1, cores: 1, strategy });
      if (strategy !== 'spread') expect(vm.machine_id).toBe('m1');
      else expect(vm.machine_id).toBe('m2'); // m1 is full after two: m2 is all that fits
    }
    // Nothing else fits a 4-core VM: it goes to m2 rather than being refused.
    expect((await infra.launch({ region: 'SIN', memory_gb: 4, cores: 4 })).machine_id).toBe('m2');
    // A refusal names the held-back machine's slot too.
    const err = await infra.launch({ region: 'SIN', memory_gb: 4, cores: 16 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'no_capacity' });
    expect(JSON.stringify((err as ApiError).details)).toContain('"machine_id":"m2","cores":11');
    // Renewed (or taken over): m2 is an ordinary candidate again.
    expect(infra.registry.setLapsing(new Set())).toBe(1);
    expect(infra.registry.get('m2')?.lapsing).toBe(false);
    expect((await infra.launch({ region: 'SIN', memory_gb: 1, cores: 1, strategy: 'spread' })).machine_id).toBe('m2');
  });
});

describe('stages on a shared fleet', () => {
  const slowStart: TimingProfile = {
    ...INSTANT,
    name: 'slow-start',
    stages: { ...INSTANT.stages, start: { delay_ms: 1000, jitter_ms: 0, failure: 0 } },
  };

  it('run where the store names this host driver, and waiters hear of other hosts changing a VM', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const { infra, store } = await sharedInfra({ lifecycle: { profile: slowStart, clock } });
    const vm = await infra.launch({ region: 'SIN', memory_gb: 1, cores: 1 });
    expect(vm.state).toBe('starting');
    // Not timed here on its own: the store tells who drives it (the machine's owner).
    expect(infra.stats().vm_stages_in_flight).toBe(0);
    const started = infra.wait(vm.id, 'started', 30_000);
    await settle(); // the waiter is in place (it reads the VM first)
    // Another host drives it: its record changes there and the waiter here hears of it.
    const done: Vm = { ...vm, state: 'started', updated_at: new Date(clock.now()).toISOString() };
    store.vmsById.set(vm.id, done);
    expect(infra.remoteVms([{ vm: done, drive: false }])).toBe(0);
    await expect(started).resolves.toMatchObject({ id: vm.id, state: 'started' });

    // This host named driver of a VM starting: its stage runs here, once however often told.
    const other = await infra.launch({ region: 'SIN', memory_gb: 1, cores: 1 });
    expect(infra.remoteVms([{ vm: other, drive: true }])).toBe(1);
    expect(infra.remoteVms([{ vm: other, drive: true }])).toBe(0);
    expect(infra.stats().vm_stages_in_flight).toBe(1);
    await clock.advance(1000);
    await settle();
    expect(store.vmsById.get(other.id)?.state).toBe('started');
    // Destroyed through another host: a wait for destroyed here answers.
    const gone = infra.wait(other.id, 'destroyed', 30_000);
    await settle(); // the waiter is in place (it reads the VM first)
    infra.remoteVms([{ vm: { ...other, state: 'destroyed' }, drive: false }]);
    await expect(gone).resolves.toMatchObject({ state: 'destroyed' });
  });
});
