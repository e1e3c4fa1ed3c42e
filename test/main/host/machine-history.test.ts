// The host's record of each machine's allocation over time: what a drawer opened late draws,
// bounded by a window, a cap per machine and a cap in all, and honest about where it starts.

import { describe, expect, it } from 'vitest';
import { MachineHistoryLog } from '../../../src/main/host/machine-history';
import type { Machine, Region, StoreEvent } from '../../../src/shared/types';

const T0 = Date.parse('2026-11-30T06:00:00Z');
const REGION = { code: 'SIN' } as Region;

function machineEvent(id: string, t: number, cores: number, status = 'allocated'): StoreEvent {
  const machine = {
    id,
    region: 'SIN',
    status,
    cores_total: 32,
    cores_allocated: cores,
    memory_total_gb: 64,
    memory_allocated_gb: cores * 2,
    vm_count: cores,
  } as Machine;
  return { type: 'machine', seq: 1, at: new Date(t).toISOString(), machine, region: REGION };
}

describe('MachineHistoryLog', () => {
  it("keeps a machine's changes in order and says they are complete since the host started", () => {
    let now = T0;
    const log = new MachineHistoryLog({ now: () => now });
    log.storeEvent(machineEvent('m1', T0 + 1000, 2));
    log.storeEvent(machineEvent('m1', T0 + 2000, 4));
    log.storeEvent(machineEvent('m2', T0 + 2500, 1));
    now = T0 + 3000;
    const h = log.history('m1');
    expect(h).toMatchObject({ machine_id: 'm1', since: T0, window_ms: 600_000, dropped: 0 });
    expect(h.points).toEqual([
      { t: T0 + 1000, cores_allocated: 2, memory_allocated_gb: 4, vm_count: 2, status: 'allocated' },
      { t: T0 + 2000, cores_allocated: 4, memory_allocated_gb: 8, vm_count: 4, status: 'allocated' },
    ]);
    // Never changed: no points, at its current figures since the host started.
    expect(log.history('m3')).toMatchObject({ since: T0, points: [], dropped: 0 });
  });

  it('folds changes written in the same millisecond into one point', () => {
    const log = new MachineHistoryLog({ now: () => T0 });
    log.storeEvent(machineEvent('m1', T0 + 5, 1));
    log.storeEvent(machineEvent('m1', T0 + 5, 3));
    expect(log.history('m1').points.map((p) => p.cores_allocated)).toEqual([3]);
    expect(log.size.points).toBe(1);
  });

  it('forgets changes older than the window but keeps the figure the window opens with', () => {
    let now = T0;
    const log = new MachineHistoryLog({ now: () => now, windowMs: 10_000 });
    for (let i = 0; i < 5; i++) log.storeEvent(machineEvent('m1', T0 + i * 1000, i));
    now = T0 + 13_500; // window opens at T0 + 3500: the change at +3000 is its figure
    const h = log.history('m1');
    expect(h.points.map((p) => p.t - T0)).toEqual([3000, 4000]);
    expect(h.dropped).toBe(3);
    expect(h.since).toBe(T0 + 3000);
    expect(log.size.points).toBe(2);
  });

  it('caps the points per machine, and says from when the rest is complete', () => {
    const log = new MachineHistoryLog({ now: () => T0 + 100, perMachine: 3 });
    for (let i = 0; i < 6; i++) log.storeEvent(machineEvent('m1', T0 + i, i));
    const h = log.history('m1');
    expect(h.points.map((p) => p.cores_allocated)).toEqual([3, 4, 5]);
    expect(h.dropped).toBe(3);
    expect(h.since).toBe(T0 + 3);
  });

  it('caps the points in all by forgetting the machines changed least recently, and says so', () => {
    let now = T0;
    const log = new MachineHistoryLog({ now: () => now, total: 4 });
    log.storeEvent(machineEvent('old', T0 + 1, 1));
    log.storeEvent(machineEvent('old', T0 + 2, 2));
    log.storeEvent(machineEvent('mid', T0 + 3, 1));
    log.storeEvent(machineEvent('new', T0 + 4, 1));
    log.storeEvent(machineEvent('new', T0 + 5, 2)); // 5 points: 'old' goes
    now = T0 + 1000;
    expect(log.size).toEqual({ machines: 2, points: 3 });
    // 'old' is no longer known: complete only since its last forgotten change, not since start.
    expect(log.history('old')).toMatchObject({ points: [], since: T0 + 2 });
    expect(log.history('never')).toMatchObject({ points: [], since: T0 + 2 });
    expect(log.history('mid').points).toHaveLength(1);
    expect(log.history('mid').since).toBe(T0);
  });

  it('starts again at a reset: the bootstrap fleet has no past', () => {
    const log = new MachineHistoryLog({ now: () => T0 + 10_000 });
    log.storeEvent(machineEvent('m1', T0 + 1000, 2));
    log.storeEvent({ type: 'reset', seq: 2, at: new Date(T0 + 5000).toISOString() } as StoreEvent);
    expect(log.history('m1')).toMatchObject({ points: [], since: T0 + 5000 });
    expect(log.size).toEqual({ machines: 0, points: 0 });
  });

  it('never holds more than its total, whatever the fleet does', () => {
    const log = new MachineHistoryLog({ now: () => T0 + 1_000_000 });
    for (let i = 0; i < 150_000; i++) log.storeEvent(machineEvent(`m${i % 20_000}`, T0 + i, i % 32));
    expect(log.size.points).toBeLessThanOrEqual(100_000);
  });
});
