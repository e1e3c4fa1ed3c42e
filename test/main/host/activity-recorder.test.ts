import { describe, expect, it } from 'vitest';
import { ActivityRecorder } from '../../../src/main/host/activity-recorder';
import type { ActivityInput } from '../../../src/shared/activity';
import type { Machine, StoreEvent, Vm } from '../../../src/shared/types';
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

  it("words a VM's launch, transitions, failure and destroy, and region and actor faults", () => {
    const out: ActivityInput[] = [];
    const r = new ActivityRecorder((e) => out.push(e));
    const vm = { id: 'vm-abc123', region: 'SIN', machine_id: 'sin-m01', memory_gb: 8, cores: 4, created_at: at };
    const step = (from: Vm['state'] | null, to: Vm['state'], reason?: string): StoreEvent => ({
      type: 'vm',
      seq: 1,
      at,
      vm: { ...vm, state: to },
      from,
      to,
      ...(reason ? { reason } : {}),
    });
    r.storeEvent(step(null, 'creating'));
    r.storeEvent(step('creating', 'created'));
    r.storeEvent(step('started', 'failed', 'host_offline'));
    r.storeEvent(step('failed', 'destroyed'));
    r.storeEvent({ type: 'region', seq: 2, at, region: region('SIN', { status: 'Down' }) });
    r.storeEvent({
      type: 'actor',
      seq: 3,
      at,
      actor: 'machined sin-m01',
      machine_id: 'sin-m01',
      cause: 'chaos',
      restarts: 1,
    });
    expect(out.map((e) => [e.kind, e.vm_id ?? e.region ?? e.machine_id, e.from ?? null, e.to ?? null])).toEqual([
      ['launch', 'vm-abc123', null, 'creating'],
      ['transition', 'vm-abc123', 'creating', 'created'],
      ['fault', 'vm-abc123', 'started', 'failed'],
      ['destroy', 'vm-abc123', 'failed', 'destroyed'],
      ['fault', 'SIN', null, 'Down'],
      ['restart', 'sin-m01', null, null],
    ]);
    expect(out[0].message).toBe('vm-abc123 launched on sin-m01: 4 cores, 8 GB → creating');
    expect(out[2]).toMatchObject({ reason: 'host_offline', machine_id: 'sin-m01', region: 'SIN' });
    expect(out[4].message).toBe('region SIN is Down');
    expect(out[5]).toMatchObject({ worker: 'machined sin-m01', machine_id: 'sin-m01', reason: 'chaos' });
  });
});
