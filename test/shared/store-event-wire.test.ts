import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { transitionEvents } from '../../src/main/store/store-events';
import { RpcClient, serveRpc } from '../../src/shared/rpc';
import { STORE_EVENTS } from '../../src/shared/services';
import { EVENT_DECODERS, packEvents, unpackEvents } from '../../src/shared/store-event-wire';
import type { StoreEvent, Vm } from '../../src/shared/types';

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

const roundTrip = (events: StoreEvent[]) => {
  // Through a real structured clone, as between threads.
  const wire = structuredClone(packEvents(events));
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
        if (got.length === 5) resolve();
      }),
    );
    const events = [...launch(vm, 1), { type: 'reset', seq: 5, at } as StoreEvent];
    server.emit(STORE_EVENTS, packEvents(events));
    await all;
    expect(JSON.stringify(got)).toBe(JSON.stringify(events));
    ch.port1.close();
    ch.port2.close();
  });
});
