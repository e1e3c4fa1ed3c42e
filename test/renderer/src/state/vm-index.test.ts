import { describe, expect, it } from 'vitest';
import { createVmIndex } from '../../../../src/renderer/src/state/vm-index';
import type { StoreEvent, Vm, VmState } from '../../../../src/shared/types';
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

function setup(snapshot: Vm[] = []) {
  const frames = manualFrames();
  let answer: (list: Vm[]) => void = () => {};
  let calls = 0;
  const index = createVmIndex({
    api: {
      vms: () => {
        calls++;
        return new Promise<Vm[]>((resolve) => {
          answer = resolve;
        });
      },
    },
    schedule: frames.schedule,
  });
  return {
    index,
    frames,
    answer: (list: Vm[] = snapshot) => answer(list),
    calls: () => calls,
  };
}

describe('vm index', () => {
  it('applies events once per frame, per machine, and replaces only the machines touched', () => {
    const { index, frames } = setup();
    index.receive(ev(vm('vm-a', 'sin-1'), null, 'creating'));
    index.receive(ev(vm('vm-b', 'sin-2'), null, 'started'));
    expect(index.store.getState().byMachine).toEqual({});
    frames.frame();
    const first = index.store.getState().byMachine;
    expect(first['sin-1']['vm-a'].state).toBe('creating');
    index.receive(ev(vm('vm-a', 'sin-1'), 'creating', 'created'));
    index.receive(ev(vm('vm-a', 'sin-1'), 'created', 'started'));
    frames.frame();
    const next = index.store.getState().byMachine;
    expect(next['sin-1']['vm-a'].state).toBe('started');
    // sin-2's record is the same object: its card does not re-render.
    expect(next['sin-2']).toBe(first['sin-2']);
    expect(next['sin-1']).not.toBe(first['sin-1']);
    expect(index.store.getState().size).toBe(2);
  });

  it('keeps the reason of a failure and drops destroyed VMs (and empty machines)', () => {
    const { index, frames } = setup();
    index.receive(ev(vm('vm-a', 'sin-1'), null, 'started'));
    index.receive(ev(vm('vm-a', 'sin-1'), 'started', 'failed', 'host_offline'));
    frames.frame();
    expect(index.vm('vm-a')?.reason).toBe('host_offline');
    index.receive(ev(vm('vm-a', 'sin-1'), 'failed', 'destroying'));
    index.receive(ev(vm('vm-a', 'sin-1'), 'destroying', 'destroyed'));
    frames.frame();
    expect(index.vm('vm-a')).toBeUndefined();
    expect(index.store.getState().byMachine).toEqual({});
    expect(index.ids()).toEqual([]);
  });

  it('a snapshot loses to events that arrived while it was in flight, and forgets VMs gone from it', async () => {
    const { index, frames, answer } = setup();
    index.receive(ev(vm('vm-gone', 'sin-1'), null, 'started'));
    index.receive(ev(vm('vm-other-region', 'nrt-1', 'started', 'NRT'), null, 'started'));
    frames.frame();
    const loading = index.load('SIN');
    index.receive(ev(vm('vm-a', 'sin-1'), 'started', 'stopping'));
    // The snapshot was taken before vm-a's stop; it has vm-b, not vm-gone.
    answer([vm('vm-a', 'sin-1', 'started'), vm('vm-b', 'sin-2', 'suspended')]);
    await loading;
    expect(index.vm('vm-a')?.state).toBe('stopping');
    expect(index.vm('vm-b')?.state).toBe('suspended');
    expect(index.vm('vm-gone')).toBeUndefined();
    // Another region's VMs are not the snapshot's business.
    expect(index.vm('vm-other-region')?.state).toBe('started');
  });

  it('a reset empties it; a failed snapshot keeps what it had', async () => {
    const frames = manualFrames();
    const index = createVmIndex({
      api: { vms: () => Promise.reject(new Error('down')) },
      schedule: frames.schedule,
    });
    index.receive(ev(vm('vm-a', 'sin-1'), null, 'started'));
    frames.frame();
    await index.load('SIN');
    expect(index.vm('vm-a')?.state).toBe('started');
    index.receive({ type: 'reset', seq: ++seq, at: '2026-01-01T00:00:02.000Z' });
    frames.frame();
    expect(index.store.getState()).toEqual({ byMachine: {}, size: 0 });
  });

  it('holds thousands of VMs and patches one machine without copying the others', () => {
    const { index, frames } = setup();
    for (let i = 0; i < 5000; i++) index.receive(ev(vm(`vm-${i}`, `sin-${i % 500}`), null, 'started'));
    frames.frame();
    expect(index.store.getState().size).toBe(5000);
    const before = index.store.getState().byMachine;
    index.receive(ev(vm('vm-7', 'sin-7'), 'started', 'stopping'));
    frames.frame();
    const after = index.store.getState().byMachine;
    let same = 0;
    for (const m of Object.keys(after)) if (after[m] === before[m]) same++;
    expect(same).toBe(499);
  });
});
