import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { transitionEvents } from '../../src/main/store/store-events';
import { RpcClient, serveRpc } from '../../src/shared/rpc';
import { STORE_EVENTS } from '../../src/shared/services';
import { EVENT_DECODERS, groupEvents, packEvents, unpackEvents } from '../../src/shared/store-event-wire';
import type { StoreEvent, Vm } from '../../src/shared/types';
import { openFleet, update, vmOn } from '../helpers/fleet-fixtures';

const vm: Vm = {
  id: 'vm-0123456789ab',
  region: 'ORD',
  machine_id: 'ord-m06',
  memory_gb: 1,
  cores: 1,
  state: 'started',
  created_at: '2026-11-30T05:40:23.545Z',
  updated_at: '2026-11-30T05:40:23.546Z',
};
const at = '2026-11-30T05:40:23.546Z';
const launch = (v: Vm, firstSeq: number): StoreEvent[] =>
  transitionEvents(
    v,
    [
      { vm_id: v.id, from: null, to: 'creating', at, operation: 'create' },
      { vm_id: v.id, from: 'creating', to: 'created', at, operation: 'create' },
      { vm_id: v.id, from: 'created', to: 'starting', at, operation: 'start' },
      { vm_id: v.id, from: 'starting', to: 'started', at, operation: 'start', reason: 'because' },
    ],
    at,
  ).map((e, i) => ({ ...e, seq: firstSeq + i }));

const roundTrip = (events: StoreEvent[], pack: (e: StoreEvent[]) => unknown = groupEvents) => {
  // Through a real structured clone, as between threads.
  const wire = structuredClone(pack(events));
  const out: StoreEvent[] = [];
  unpackEvents(wire, (e) => out.push(e));
  return { wire, out };
};

describe('store events on the wire', () => {
  it('a launch’s four events cross as one group with the VM once, and come out byte for byte the same', () => {
    const events = launch(vm, 1);
    const { wire, out } = roundTrip(events);
    expect(wire).toHaveLength(1);
    expect(JSON.stringify(out)).toBe(JSON.stringify(events));
    expect(out.map((e) => (e as { vm: Vm }).vm.state)).toEqual(['creating', 'created', 'starting', 'started']);
    expect((out[3] as { reason?: string }).reason).toBe('because');
    expect('reason' in out[0]).toBe(false);
  });

  it('keeps the order of other events between them, and never merges two VMs or two versions of one', () => {
    const other: Vm = { ...vm, id: 'vm-ba9876543210' };
    const reset: StoreEvent = { type: 'reset', seq: 5, at };
    const moved: Vm = { ...vm, machine_id: 'ord-m07' };
    const events = [...launch(vm, 1).slice(0, 2), reset, ...launch(other, 6).slice(0, 2), ...launch(moved, 8).slice(2)];
    const { wire, out } = roundTrip(events);
    expect(wire).toHaveLength(4);
    expect(JSON.stringify(out)).toBe(JSON.stringify(events));
  });

  it('a turn in the shapes the store builds crosses as one flat string, and comes out byte for byte the same', () => {
    const region = {
      code: 'ORD',
      location: 'Chicago',
      status: 'Operational',
      machine_count: 10,
      cores_total: 320,
      cores_allocated: 4,
      memory_total_gb: 1280,
      memory_allocated_gb: 4,
      vm_count: 4,
      capacity: {
        reference_vms_free: 316,
        free_cores: 316,
        free_memory_gb: 1276,
        stranded_cores: 0,
        stranded_memory_gb: 0,
      },
    };
    const machine = {
      id: 'ord-m06',
      region: 'ORD',
      datacenter: 'ord1',
      status: 'allocated',
      cores_total: 32,
      cores_allocated: 1,
      memory_total_gb: 128,
      memory_allocated_gb: 1,
      vm_count: 1,
      updated_at: at,
    };
    const failed: Vm = { ...vm, id: 'vm-ba9876543210', state: 'failed', reason: 'start_failed' };
    const events: StoreEvent[] = [
      ...launch(vm, 1),
      { type: 'machine', seq: 5, at, machine, region },
      { type: 'vm', seq: 6, at, vm: failed, from: 'starting', to: 'failed', reason: 'start_failed' },
      { type: 'reset', seq: 7, at },
      { type: 'region', seq: 8, at, region: { ...region, status: 'Down' } },
      { type: 'actor', seq: 9, at, actor: 'flyd ord-m06', machine_id: 'ord-m06', cause: 'chaos', restarts: 1 },
    ];
    const { wire, out } = roundTrip(events, packEvents);
    expect(typeof wire).toBe('string');
    expect(JSON.stringify(out)).toBe(JSON.stringify(events));
    expect(out).toStrictEqual(events);
    expect('reason' in (out[0] as { vm: Vm }).vm).toBe(false);
  });

  it('the events a Fleet publishes (launch, FlyD update, stop, destroy, region, reset) are all written flat', async () => {
    const { fleet, events } = await openFleet();
    const vm1 = vmOn('vm-0123456789ab', 'sin-a', 'SIN', 8, 2);
    await fleet.putVm(vm1, 'key-1', [
      { vm_id: vm1.id, from: null, to: 'creating', at, operation: 'create' },
      { vm_id: vm1.id, from: 'creating', to: 'started', at, operation: 'start' },
    ]);
    await fleet.apply(update('sin-a', 1, 2, 8));
    const stopped = { ...vm1, state: 'stopped' as const, updated_at: at };
    await fleet.updateVm(stopped, [{ vm_id: vm1.id, from: 'started', to: 'stopped', at, operation: 'stop' }]);
    await fleet.deleteVm(vm1.id);
    await fleet.setRegionStatus('SIN', 'Down');
    await fleet.reset();
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['vm', 'machine', 'region', 'reset']));
    const { wire, out } = roundTrip(events, packEvents);
    expect(typeof wire).toBe('string');
    expect(out).toStrictEqual(events);
  });

  it('a turn with an event the flat form does not know crosses as a list, unchanged', () => {
    const odd = { type: 'vm', seq: 1, at, vm: { ...vm, extra: 1 }, from: null, to: 'started' } as unknown as StoreEvent;
    const undef = { type: 'vm', seq: 2, at, vm: { ...vm, updated_at: undefined }, from: null, to: 'started' };
    for (const e of [odd, undef as unknown as StoreEvent]) {
      const { wire, out } = roundTrip([e], packEvents);
      expect(Array.isArray(wire)).toBe(true);
      expect(out).toStrictEqual([e]);
    }
  });

  it('still takes a single event as it used to cross', () => {
    const out: StoreEvent[] = [];
    unpackEvents({ type: 'reset', seq: 1, at }, (e) => out.push(e));
    expect(out).toEqual([{ type: 'reset', seq: 1, at }]);
  });

  it('a subscriber of a client made with EVENT_DECODERS gets one event at a time, across a real port', async () => {
    const ch = new MessageChannel();
    const server = serveRpc(ch.port2, {});
    const client = new RpcClient<object>('store', { timeoutMs: 1000, decode: EVENT_DECODERS });
    client.attach(ch.port1);
    const got: StoreEvent[] = [];
    const all = new Promise<void>((resolve) =>
      client.on(STORE_EVENTS, (e) => {
        got.push(e as StoreEvent);
        if (got.length === 10) resolve();
      }),
    );
    const events = [...launch(vm, 1), { type: 'reset', seq: 5, at } as StoreEvent];
    server.emit(STORE_EVENTS, packEvents(events));
    server.emit(STORE_EVENTS, groupEvents(events));
    await all;
    expect(JSON.stringify(got)).toBe(JSON.stringify([...events, ...events]));
    ch.port1.close();
    ch.port2.close();
  });
});
