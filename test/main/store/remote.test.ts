// Another host's changes, laid over this host's model (a shared fleet's watch): a VM that
// another host launched, changed or destroyed is told on this host's event stream once, as a
// `vm` event; a record this host already holds (its own write coming back) tells nothing.

import { describe, expect, it } from 'vitest';
import { applyRemote, applyRemoteChanges, resyncFrom } from '../../../src/main/store/remote';
import type { StoreEvent } from '../../../src/shared/types';
import { openFleet, vmOn } from '../../helpers/fleet-fixtures';

const vmEvents = (events: StoreEvent[]) =>
  events.flatMap((e) => (e.type === 'vm' ? [`${e.vm.id} ${e.from}->${e.to} ${e.vm.state}`] : []));

describe("another host's VM changes", () => {
  it('are told once each: new, a change of state, and gone', async () => {
    const { fleet, events } = await openFleet();
    const remote = fleet.remote();
    const vm = vmOn('vm-remote1', 'sin-a', 'SIN', 1, 1);
    await applyRemoteChanges(remote, [{ t: 'vm', vm: { ...vm, state: 'creating' } }]);
    await applyRemoteChanges(remote, [{ t: 'vm', vm: { ...vm, state: 'creating' } }]); // the same again
    await applyRemoteChanges(remote, [
      { t: 'vm', vm: { ...vm, state: 'started', updated_at: '2025-01-01T00:00:02.000Z' } },
    ]);
    expect(vmEvents(events)).toEqual(['vm-remote1 null->creating creating', 'vm-remote1 creating->started started']);
    const started = events.at(-1) as Extract<StoreEvent, { type: 'vm' }>;
    expect(started.at).toBe('2025-01-01T00:00:02.000Z');
    // The store's own fields never reach an event.
    expect(Object.keys(started.vm).sort()).toEqual(
      ['cores', 'created_at', 'id', 'machine_id', 'memory_gb', 'region', 'state', 'updated_at'].sort(),
    );
    expect(applyRemote(remote, { t: 'vm-delete', id: 'vm-remote1' })).toBe(true);
    expect(vmEvents(events).at(-1)).toBe('vm-remote1 started->destroyed destroyed');
    expect(fleet.vms().map((v) => v.id)).not.toContain('vm-remote1');
    // Deleting what is not here tells nothing.
    const told = events.length;
    expect(applyRemote(remote, { t: 'vm-delete', id: 'vm-remote1' })).toBe(false);
    expect(events).toHaveLength(told);
  });

  it("tells nothing for this host's own write coming back on the watch", async () => {
    const { fleet, events } = await openFleet();
    const vm = vmOn('vm-own1', 'sin-a', 'SIN', 1, 1);
    await fleet.putVm(vm);
    const told = vmEvents(events);
    expect(told).toEqual(['vm-own1 null->started started']);
    await applyRemoteChanges(fleet.remote(), [{ t: 'vm', vm: { ...vm, idempotency_key: undefined, driver: 'h1' } }]);
    expect(vmEvents(events)).toEqual(told);
  });

  it('tells what a resync from a snapshot changed, including VMs that are gone', async () => {
    const { fleet, events } = await openFleet();
    const remote = fleet.remote();
    await fleet.putVm(vmOn('vm-kept1', 'sin-a', 'SIN', 1, 1));
    await fleet.putVm(vmOn('vm-gone1', 'sin-b', 'SIN', 1, 1));
    events.length = 0;
    const kept = vmOn('vm-kept1', 'sin-a', 'SIN', 1, 1);
    const fresh = vmOn('vm-new1', 'sin-c', 'SIN', 2, 2);
    const changed = await resyncFrom(remote, new Map(), [kept, { ...fresh, state: 'stopped' }]);
    expect(changed.vms).toBe(2);
    expect(vmEvents(events).sort()).toEqual(['vm-gone1 started->destroyed destroyed', 'vm-new1 null->stopped stopped']);
  });
});
