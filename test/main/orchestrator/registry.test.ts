import { describe, expect, it } from 'vitest';
import { machineEntry } from '../../../src/main/orchestrator/actors';
import { type MachineEntry, Registry, type Waker } from '../../../src/main/orchestrator/registry';
import type { Machine } from '../../../src/shared/types';

const asleep: Waker = {
  wake: () => {
    throw new Error('nothing here wakes a machine');
  },
};

function machine(id: string, region = 'SIN'): Machine {
  return {
    id,
    region,
    datacenter: 'dc-1',
    status: 'available',
    cores_total: 8,
    cores_allocated: 0,
    memory_total_gb: 32,
    memory_allocated_gb: 0,
    vm_count: 0,
    updated_at: '2026-01-01T00:00:00.000Z',
  };
}

const entry = (id: string, region?: string): MachineEntry => machineEntry(asleep, machine(id, region));

describe('the registry', () => {
  it('finds every machine by id, whether they came in id order or not', () => {
    for (const ids of [
      ['a1', 'a2', 'b1', 'c9'],
      ['c9', 'a1', 'b1', 'a2'],
      ['a1', 'b1', 'a2', 'c9'],
    ]) {
      const r = new Registry();
      for (const id of ids) r.add(entry(id));
      for (const id of ids) expect(r.get(id)?.record.id).toBe(id);
      expect(r.get('zz')).toBeUndefined();
      expect(r.size).toBe(4);
      expect([...r.entries()].map((e) => e.record.id)).toEqual(ids);
    }
  });

  it('refuses a machine registered twice, in order, out of order and after a lookup', () => {
    const inOrder = new Registry();
    inOrder.add(entry('a1'));
    expect(() => inOrder.add(entry('a1'))).toThrow(/a1 is registered twice/);
    const outOfOrder = new Registry();
    for (const id of ['b1', 'a1', 'c1']) outOfOrder.add(entry(id));
    expect(() => outOfOrder.add(entry('b1'))).toThrow(/b1 is registered twice/);
    const looked = new Registry();
    looked.add(entry('a1'));
    expect(looked.get('a1')).toBeDefined();
    looked.add(entry('b1'));
    expect(looked.get('b1')?.record.id).toBe('b1');
    expect(() => looked.add(entry('b1'))).toThrow(/b1 is registered twice/);
  });

  it("indexes each machine's free room in its region", () => {
    const r = new Registry();
    r.add(entry('a1', 'SIN'));
    r.add(entry('a2', 'AMS'));
    expect(
      r
        .freeIn('sin')
        .fitting(32, 8)
        .map((e) => e.record.id),
    ).toEqual(['a1']);
    expect(r.freeIn('AMS').fits(33, 1)).toBe(false);
    expect(r.inRegion('ams').map((e) => e.record.id)).toEqual(['a2']);
  });
});
