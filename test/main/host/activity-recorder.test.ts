import { describe, expect, it } from 'vitest';
import { ActivityRecorder } from '../../../src/main/host/activity-recorder';
import type { ActivityInput } from '../../../src/shared/activity';
import type { Machine, StoreEvent } from '../../../src/shared/types';
import { machine, region } from '../../helpers/fixtures';

const at = '2026-11-30T03:00:00.000Z';
const ev = (m: Partial<Machine>, seq = 1): StoreEvent => ({
  type: 'machine',
  seq,
  at,
  machine: machine('sin-m01', 'SIN', m),
  region: region('SIN'),
});

describe('store events in the event log', () => {
  it('drops allocation updates and keeps a machine going into and out of a fault status', () => {
    const out: ActivityInput[] = [];
    const r = new ActivityRecorder((e) => out.push(e));
    r.storeEvent(ev({ status: 'available' }));
    r.storeEvent(ev({ status: 'allocated', cores_allocated: 4 }));
    expect(out).toEqual([]);
    r.storeEvent(ev({ status: 'offline' }));
    r.storeEvent(ev({ status: 'offline', cores_allocated: 0 }));
    r.storeEvent(ev({ status: 'available' }));
    expect(out.map((e) => [e.kind, e.machine_id, e.from, e.to])).toEqual([
      ['fault', 'sin-m01', 'allocated', 'offline'],
      ['fault', 'sin-m01', 'offline', 'available'],
    ]);
    expect(out[0].message).toBe('machine sin-m01 is offline (was allocated)');
    expect(out[1].message).toContain('back in service');
    expect(out[0].region).toBe('SIN');
  });

  it('reports a reset', () => {
    const out: ActivityInput[] = [];
    new ActivityRecorder((e) => out.push(e)).storeEvent({ type: 'reset', seq: 9, at });
    expect(out).toEqual([expect.objectContaining({ kind: 'reset', at })]);
  });
});
