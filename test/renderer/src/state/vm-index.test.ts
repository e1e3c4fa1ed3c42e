import { describe, expect, it } from 'vitest';
import { createVmIndex, KEEP_RELEASED, MAX_LOADS, RECENT_IDS } from '../../../../src/renderer/src/state/vm-index';
import type { StoreEvent, Vm, VmState } from '../../../../src/shared/types';
import type { VmPage, VmQuery } from '../../../../src/shared/vm-query';
import { manualFrames } from '../../../helpers/manual-frames';

const vm = (id: string, machine: string, state: VmState = 'started', region = 'SIN'): Vm => ({
  id,
  region,
  machine_id: machine,
  memory_gb: 4,
  cores: 2,
  state,
  created_at: '2026-01-01T00:00:00.000Z',
});

let seq = 0;
const ev = (v: Vm, from: VmState | null, to: VmState, reason?: string): StoreEvent => ({
  type: 'vm',
  seq: ++seq,
  at: '2026-01-01T00:00:01.000Z',
  vm: { ...v, state: to, reason },
  from,
  to,
  reason,
});

interface Ask {
  machine: string;
  answer(list: Vm[]): void;
  fail(): void;
}

function setup() {
  const frames = manualFrames();
  const asks: Ask[] = [];
  const timers: { cb: () => void; ms: number }[] = [];
  const index = createVmIndex({
    api: {
      vmPage: (q: Partial<VmQuery> & { limit: number }) =>
        new Promise<VmPage>((resolve, reject) => {
          asks.push({
            machine: q.machine as string,
            answer: (list) => resolve({ vms: list, total: list.length, offset: 0, limit: q.limit }),
            fail: () => reject(new Error('down')),
          });
        }),
    },
    schedule: frames.schedule,
    setTimer(cb, ms) {
      const t = { cb, ms };
      timers.push(t);
      return () => timers.splice(timers.indexOf(t), 1);
    },
  });
  /** The newest request for `machine`. */
  const ask = (machine: string): Ask => {
    const a = asks.findLast((x) => x.machine === machine);
    if (!a) throw new Error(`no request for ${machine}`);
    return a;
  };
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 0));
    frames.frame();
  };
  return { index, frames, asks, ask, settle, timers, machines: () => Object.keys(index.store.getState().byMachine) };
}

describe('vm index: holds the VMs of the machines on screen', () => {
  it('asks for a watched machine’s VMs, then follows its events once per frame, replacing only the machines touched', async () => {
    const t = setup();
    t.index.watch('sin-1');
    t.index.watch('sin-2');
    expect(t.asks.map((a) => a.machine)).toEqual(['sin-1', 'sin-2']);
    t.ask('sin-1').answer([vm('vm-a', 'sin-1', 'creating')]);
    t.ask('sin-2').answer([vm('vm-b', 'sin-2')]);
    await t.settle();
    const first = t.index.store.getState().byMachine;
    expect(first['sin-1']['vm-a'].state).toBe('creating');
    t.index.receive(ev(vm('vm-a', 'sin-1'), 'creating', 'created'));
    t.index.receive(ev(vm('vm-a', 'sin-1'), 'created', 'started'));
    expect(t.index.vm('vm-a')?.state).toBe('creating');
    t.frames.frame();
    const next = t.index.store.getState().byMachine;
    expect(next['sin-1']['vm-a'].state).toBe('started');
    // sin-2's record is the same object: its card does not re-render.
    expect(next['sin-2']).toBe(first['sin-2']);
    expect(next['sin-1']).not.toBe(first['sin-1']);
    expect(t.index.store.getState().size).toBe(2);
  });

  it('drops the events of machines it does not hold: thousands of launches elsewhere leave it as it was', async () => {
    const t = setup();
    t.index.watch('sin-7');
    t.ask('sin-7').answer([]);
    await t.settle();
    for (let i = 0; i < 5000; i++) t.index.receive(ev(vm(`vm-${i}`, `sin-${i % 500}`), null, 'started'));
    t.frames.frame();
    expect(t.index.store.getState().size).toBe(10);
    expect(t.machines()).toEqual(['sin-7']);
    // Completion offers those held and the last RECENT_IDS live ids, no more.
    expect(t.index.ids().length).toBeLessThanOrEqual(RECENT_IDS + 10);
    expect(t.index.ids()).toContain('vm-7');
    expect(t.index.ids()).toContain('vm-4999');
    expect(t.index.ids()).not.toContain('vm-0');
  });

  it('keeps the reason of a failure and drops destroyed VMs, which completion forgets too', async () => {
    const t = setup();
    t.index.watch('sin-1');
    t.ask('sin-1').answer([]);
    await t.settle();
    t.index.receive(ev(vm('vm-a', 'sin-1'), null, 'started'));
    t.index.receive(ev(vm('vm-a', 'sin-1'), 'started', 'failed', 'host_offline'));
    t.frames.frame();
    expect(t.index.vm('vm-a')?.reason).toBe('host_offline');
    t.index.receive(ev(vm('vm-a', 'sin-1'), 'failed', 'destroying'));
    t.index.receive(ev(vm('vm-a', 'sin-1'), 'destroying', 'destroyed'));
    t.frames.frame();
    expect(t.index.vm('vm-a')).toBeUndefined();
    expect(t.index.store.getState().byMachine).toEqual({});
    expect(t.index.ids()).toEqual([]);
  });

  it('an answer loses to events that arrived while it was in flight, and wins over those before', async () => {
    const t = setup();
    // Buffered before the request: older than the answer.
    t.index.receive(ev(vm('vm-a', 'sin-1'), null, 'creating'));
    t.index.watch('sin-1');
    t.index.receive(ev(vm('vm-a', 'sin-1'), 'started', 'stopping'));
    t.index.receive(ev(vm('vm-new', 'sin-1'), null, 'created'));
    t.index.receive(ev(vm('vm-gone', 'sin-1'), 'started', 'destroyed'));
    t.frames.frame(); // applied while sin-1 is not held yet: nothing to show
    expect(t.machines()).toEqual([]);
    // Taken before those three events: vm-a started, vm-gone still there, vm-new not yet.
    t.ask('sin-1').answer([vm('vm-a', 'sin-1', 'started'), vm('vm-gone', 'sin-1'), vm('vm-b', 'sin-1', 'suspended')]);
    await t.settle();
    expect(t.index.vm('vm-a')?.state).toBe('stopping');
    expect(t.index.vm('vm-new')?.state).toBe('created');
    expect(t.index.vm('vm-b')?.state).toBe('suspended');
    expect(t.index.vm('vm-gone')).toBeUndefined();
    expect(t.index.store.getState().size).toBe(3);
  });

  it('forgets a machine let go of once KEEP_RELEASED others have been let go of since', async () => {
    const t = setup();
    const release = t.index.watch('sin-0');
    t.ask('sin-0').answer([vm('vm-0', 'sin-0')]);
    await t.settle();
    release();
    // Scrolled back within the window: still held, not asked again.
    const again = t.index.watch('sin-0');
    expect(t.asks).toHaveLength(1);
    again();
    for (let i = 1; i <= KEEP_RELEASED; i++) {
      const r = t.index.watch(`sin-${i}`);
      t.ask(`sin-${i}`).answer([vm(`vm-${i}`, `sin-${i}`)]);
      await t.settle();
      r();
    }
    t.frames.frame();
    expect(t.index.vm('vm-0')).toBeUndefined();
    expect(t.index.vm('vm-1')?.state).toBe('started');
    expect(t.index.heldCount()).toBe(KEEP_RELEASED);
    // Its events are dropped now; watched again, it is asked for again.
    t.index.receive(ev(vm('vm-x', 'sin-0'), null, 'started'));
    t.frames.frame();
    expect(t.index.vm('vm-x')).toBeUndefined();
    t.index.watch('sin-0');
    expect(t.ask('sin-0')).not.toBe(t.asks[0]);
  });

  it(`asks for at most ${MAX_LOADS} machines at a time, and not for a card that left before its turn`, async () => {
    const t = setup();
    const releases = Array.from({ length: 10 }, (_, i) => t.index.watch(`sin-${i}`));
    expect(t.asks).toHaveLength(MAX_LOADS);
    releases[MAX_LOADS]();
    t.ask('sin-0').answer([]);
    await t.settle();
    expect(t.asks.map((a) => a.machine)).toEqual([...Array.from({ length: MAX_LOADS }, (_, i) => `sin-${i}`), 'sin-5']);
  });

  it('a reset empties it and the machines held stay held (a launch after it shows)', async () => {
    const t = setup();
    t.index.watch('sin-1');
    t.ask('sin-1').answer([vm('vm-a', 'sin-1')]);
    await t.settle();
    t.index.receive({ type: 'reset', seq: ++seq, at: '2026-01-01T00:00:02.000Z' });
    expect(t.index.store.getState()).toEqual({ byMachine: {}, size: 0 });
    t.index.receive(ev(vm('vm-b', 'sin-1'), null, 'started'));
    t.frames.frame();
    expect(t.index.vm('vm-b')?.state).toBe('started');
    expect(t.asks).toHaveLength(1);
  });

  it('a failed request is retried; a refresh (the stream reopened) asks again for what is on screen', async () => {
    const t = setup();
    t.index.watch('sin-1');
    t.ask('sin-1').fail();
    await t.settle();
    expect(t.timers).toHaveLength(1);
    t.timers[0].cb();
    expect(t.asks).toHaveLength(2);
    t.ask('sin-1').answer([vm('vm-a', 'sin-1')]);
    await t.settle();
    expect(t.index.vm('vm-a')?.state).toBe('started');
    t.index.refresh();
    expect(t.asks).toHaveLength(3);
    t.ask('sin-1').answer([vm('vm-a', 'sin-1', 'stopped')]);
    await t.settle();
    expect(t.index.vm('vm-a')?.state).toBe('stopped');
  });

  it('a gap in event numbers asks again for the machines on screen, once', async () => {
    const t = setup();
    t.index.watch('sin-1');
    t.ask('sin-1').answer([]);
    await t.settle();
    t.index.receive(ev(vm('vm-a', 'sin-1'), null, 'started'));
    seq += 5; // five events lost
    t.index.receive(ev(vm('vm-b', 'sin-1'), null, 'started'));
    seq += 5;
    t.index.receive(ev(vm('vm-c', 'sin-1'), null, 'started'));
    expect(t.timers).toHaveLength(1);
    t.timers[0].cb();
    expect(t.asks).toHaveLength(2);
  });
});
