// The record a shared store writes for a VM: a `starting` VM that was `suspended` is marked as
// resuming, so the host that drives its stage (its machine's owner, maybe not the host asked)
// times a resume, not a start. And the rows a host holds, which spare it parsing its own writes
// again when the watch brings them back.

import type { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import type { MachineState, StoredVm } from '../../../../src/main/store/backend';
import { Allocations, withStage } from '../../../../src/main/store/etcd/allocations';
import { EtcdKeys } from '../../../../src/main/store/etcd/keys';

const vm = (state: StoredVm['state'], extra: Record<string, unknown> = {}): StoredVm =>
  ({
    id: 'vm-000001',
    machine_id: 'm1',
    region: 'AMS',
    cores: 1,
    memory_gb: 1,
    state,
    created_at: '2026-01-01T00:00:00.000Z',
    ...extra,
  }) as StoredVm;

describe('withStage', () => {
  it('marks a start from suspended as a resume, and keeps the mark while it is written again', () => {
    const resuming = withStage(vm('starting'), vm('suspended'));
    expect(resuming.stage).toBe('resume');
    expect(withStage(vm('starting', { driver: 'h2' }), resuming).stage).toBe('resume');
  });

  it('leaves every other write unmarked, and drops a mark the caller sent', () => {
    for (const from of ['stopped', 'created', 'failed'] as const) {
      expect(withStage(vm('starting'), vm(from))).not.toHaveProperty('stage');
    }
    expect(withStage(vm('starting'), null)).not.toHaveProperty('stage');
    expect(withStage(vm('started'), withStage(vm('starting'), vm('suspended')))).not.toHaveProperty('stage');
    expect(withStage(vm('starting', { stage: 'resume' }), vm('stopped'))).not.toHaveProperty('stage');
  });
});

describe('Allocations.machineAt / vmAt (a watch event of a row this host already holds)', () => {
  // No etcd call is made by what is tested here: the client is never used.
  const fresh = () =>
    new Allocations({ kv: {} } as unknown as Etcd3, new EtcdKeys('/t/'), () => ({
      cores: 16,
      memory_gb: 32,
      status: 'available',
    }));
  const state: MachineState = {
    version: 1,
    cores_allocated: 1,
    memory_allocated_gb: 1,
    vm_count: 1,
    updated_at: '2026-11-30T21:00:00.000Z',
    operator_status: null,
  };

  it('gives the held value at exactly its mod revision, and nothing at another', () => {
    const a = fresh();
    a.observeMachine('m1', state, '41', '41');
    a.observeVm('vm-000001', vm('started'), '41', '41');
    expect(a.machineAt('m1', '41')).toBe(state);
    expect(a.vmAt('vm-000001', '41')).toEqual(vm('started'));
    expect(a.machineAt('m1', '42')).toBeUndefined();
    expect(a.vmAt('vm-000001', '40')).toBeUndefined();
    expect(a.machineAt('m2', '41')).toBeUndefined();
  });

  it('gives nothing for a row held as deleted, or once a newer revision replaced it', () => {
    const a = fresh();
    a.observeVm('vm-000001', vm('started'), '41', '41');
    a.observeVm('vm-000001', null, '50', '50');
    expect(a.vmAt('vm-000001', '41')).toBeUndefined();
    expect(a.vmAt('vm-000001', '0')).toBeUndefined();
    a.observeMachine('m1', state, '41', '41');
    a.observeMachine('m1', { ...state, cores_allocated: 2 }, '43', '43');
    expect(a.machineAt('m1', '41')).toBeUndefined();
    expect(a.machineAt('m1', '43')?.cores_allocated).toBe(2);
  });

  it('gives nothing after forget() (a reset or a resync)', () => {
    const a = fresh();
    a.observeMachine('m1', state, '41', '41');
    a.forget();
    expect(a.machineAt('m1', '41')).toBeUndefined();
  });
});
