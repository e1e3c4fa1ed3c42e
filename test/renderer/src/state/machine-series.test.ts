// A machine drawer's chart rows and status history from the host's record joined to the page's
// live points.

import { describe, expect, it } from 'vitest';
import { chartRows, mergeMachinePoints, statusChanges } from '../../../../src/renderer/src/state/machine-series';
import type { MachinePoint } from '../../../../src/renderer/src/state/vm-feed';
import type { MachineHistory } from '../../../../src/shared/machine-history';
import type { Machine } from '../../../../src/shared/types';

const T0 = 1_000_000;
const W = 600_000;
const M = {
  id: 'sin-m01',
  status: 'allocated',
  cores_total: 10,
  cores_allocated: 5,
  memory_total_gb: 20,
  memory_allocated_gb: 10,
  vm_count: 5,
} as Machine;
const pt = (t: number, cores: number, status = 'allocated'): MachinePoint => ({
  t,
  cores_allocated: cores,
  memory_allocated_gb: cores * 2,
  vm_count: cores,
  status,
});
const host = (points: MachinePoint[], since = T0): MachineHistory => ({
  machine_id: 'sin-m01',
  since,
  window_ms: W,
  points,
  dropped: 0,
});

describe('mergeMachinePoints', () => {
  it("takes the host's points, then only the page's newer ones", () => {
    const s = mergeMachinePoints(host([pt(T0 + 1, 1), pt(T0 + 5, 2)]), [pt(T0 + 5, 2), pt(T0 + 9, 3)]);
    expect(s.points.map((p) => p.t - T0)).toEqual([1, 5, 9]);
    expect(s.since).toBe(T0);
  });

  it('is what the page saw while the host has not answered', () => {
    expect(mergeMachinePoints(null, [pt(T0, 1)])).toEqual({ points: [pt(T0, 1)], since: null });
  });
});

describe('chartRows', () => {
  it('draws an unchanged machine flat at its figures from since to now', () => {
    const rows = chartRows({ points: [], since: T0 }, M, T0 + 60_000, W);
    expect(rows).toEqual([
      { t: T0, cores: 50, memory: 50 },
      { t: T0 + 60_000, cores: 50, memory: 50 },
    ]);
  });

  it('starts at the window when the record is older, with the figure the window opens with', () => {
    const now = T0 + W + 30_000;
    const rows = chartRows(
      { points: [pt(T0 + 1000, 1), pt(T0 + 2000, 2), pt(T0 + W + 10_000, 4)], since: T0 },
      M,
      now,
      W,
    );
    expect(rows).toEqual([
      { t: T0 + 30_000, cores: 20, memory: 20 },
      { t: T0 + W + 10_000, cores: 40, memory: 40 },
      { t: now, cores: 40, memory: 40 },
    ]);
  });

  it('has nothing to draw before anything is known', () => {
    expect(chartRows({ points: [], since: null }, M, T0, W)).toEqual([]);
  });
});

describe('statusChanges', () => {
  it('keeps each change of status; with none known, the current status since `since`', () => {
    const s = { points: [pt(T0, 1), pt(T0 + 1, 2), pt(T0 + 2, 2, 'draining'), pt(T0 + 3, 0, 'available')], since: T0 };
    expect(statusChanges(s, M).map((p) => p.status)).toEqual(['allocated', 'draining', 'available']);
    expect(statusChanges({ points: [], since: T0 }, M)).toMatchObject([{ t: T0, status: 'allocated' }]);
  });
});
