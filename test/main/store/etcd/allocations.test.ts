// The record a shared store writes for a VM: a `starting` VM that was `suspended` is marked as
// resuming, so the host that drives its stage (its machine's owner, maybe not the host asked)
// times a resume, not a start.

import { describe, expect, it } from 'vitest';
import type { StoredVm } from '../../../../src/main/store/backend';
import { withStage } from '../../../../src/main/store/etcd/allocations';

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
