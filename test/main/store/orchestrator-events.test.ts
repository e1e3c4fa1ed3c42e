// The orchestrator of a shared fleet hears machines, regions and resets from the store, not VMs,
// and a machine event without its region's figures (it never reads them).

import { describe, expect, it } from 'vitest';
import { orchestratorEvents } from '../../../src/main/store/orchestrator-events';
import type { Machine, Region, StoreEvent, Vm } from '../../../src/shared/types';

const at = '2026-11-30T21:00:00.000Z';
const machine = { id: 'm1', region: 'AMS', status: 'available', cores_allocated: 1 } as Machine;
const region = { code: 'AMS', status: 'up', vm_count: 1 } as Region;
const vm = { id: 'vm-000001', machine_id: 'm1', region: 'AMS', state: 'started' } as Vm;

describe('orchestratorEvents', () => {
  it('drops VM events and strips the region from machine events, keeping the order of the rest', () => {
    const events: StoreEvent[] = [
      { type: 'vm', seq: 1, at, vm, from: null, to: 'started' },
      { type: 'machine', seq: 2, at, machine, region },
      { type: 'region', seq: 3, at, region },
      { type: 'reset', seq: 4, at },
    ];
    expect(orchestratorEvents(events)).toEqual([
      { type: 'machine', seq: 2, at, machine },
      { type: 'region', seq: 3, at, region },
      { type: 'reset', seq: 4, at },
    ]);
  });

  it('leaves nothing when a turn made only VM events', () => {
    expect(orchestratorEvents([{ type: 'vm', seq: 1, at, vm, from: null, to: 'started' }])).toEqual([]);
  });

  it('keeps the machine record itself (MachineD adopts its allocation and status)', () => {
    const [only] = orchestratorEvents([{ type: 'machine', seq: 7, at, machine, region }]);
    expect(only).not.toHaveProperty('region');
    expect(only).toHaveProperty('machine', machine);
  });
});
