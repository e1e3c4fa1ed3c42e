import { describe, expect, it } from 'vitest';
import {
  chipOrder,
  chipTitle,
  countByState,
  launchRefusal,
  machineActionNotice,
  machineConfirmation,
  machineOpEnabled,
  planSummary,
  regionConfirmation,
  regionStatusNotice,
} from '../../../../src/renderer/src/state/ops-wording';
import { ApiError } from '../../../../src/shared/errors';
import type { MachineActionReport } from '../../../../src/shared/faults';
import type { Machine, Vm } from '../../../../src/shared/types';

const machine = (status: string, vm_count: number): Machine => ({
  id: 'sin-1',
  region: 'SIN',
  datacenter: 'dc-a',
  status,
  cores_total: 32,
  cores_allocated: 2 * vm_count,
  memory_total_gb: 64,
  memory_allocated_gb: 4 * vm_count,
  vm_count,
  updated_at: '2026-01-01T00:00:00.000Z',
});

const vm = (id: string, state: Vm['state'], extra: Partial<Vm> = {}): Vm => ({
  id,
  region: 'SIN',
  machine_id: 'sin-1',
  memory_gb: 4,
  cores: 2,
  state,
  created_at: '2026-01-01T00:00:00.000Z',
  ...extra,
});

describe('machine ops', () => {
  it('are enabled only where they change something', () => {
    expect(machineOpEnabled('allocated', 'drain')).toBe(true);
    expect(machineOpEnabled('draining', 'drain')).toBe(false);
    expect(machineOpEnabled('offline', 'offline')).toBe(false);
    expect(machineOpEnabled('offline', 'evacuate')).toBe(false);
    expect(machineOpEnabled('available', 'online')).toBe(false);
    expect(machineOpEnabled('draining', 'online')).toBe(true);
    expect(machineOpEnabled('offline', 'online')).toBe(true);
  });

  it('ask first only before going offline, naming how many VMs fail and why', () => {
    expect(machineConfirmation(machine('allocated', 3), 'drain')).toBeNull();
    expect(machineConfirmation(machine('offline', 0), 'online')).toBeNull();
    const off = machineConfirmation(machine('allocated', 3), 'offline');
    expect(off?.consequence).toBe('3 VMs will fail with host_offline and free what they hold.');
    expect(off?.confirmLabel).toBe('Take offline');
    const one = machineConfirmation(machine('allocated', 1), 'evacuate');
    expect(one?.consequence).toBe('1 VM will fail with host_offline and free what it holds.');
    expect(one?.details[0]).toContain('replacement VM');
    expect(one?.confirmLabel).toBe('Fail and re-place 1 VM');
    expect(machineConfirmation(machine('available', 0), 'offline')?.consequence).toBe(
      'No VM runs on sin-1: nothing fails.',
    );
  });

  it('report an evacuation, naming each VM that could not be placed', () => {
    const report: MachineActionReport = {
      action: 'offline',
      machine: machine('offline', 0),
      failed: [vm('vm-a', 'failed'), vm('vm-b', 'failed'), vm('vm-c', 'failed')],
      evacuated: [
        { vm_id: 'vm-a', replacement: vm('vm-x', 'started', { machine_id: 'sin-2' }) },
        { vm_id: 'vm-b', replacement: vm('vm-y', 'started', { machine_id: 'sin-2' }) },
        { vm_id: 'vm-c', error: 'no machine in SIN has 4 GB and 2 cores free' },
      ],
    };
    const n = machineActionNotice(report, true);
    expect(n.tone).toBe('bad');
    expect(n.title).toBe('sin-1 is offline, evacuated');
    expect(n.lines).toEqual([
      '3 VMs failed with host_offline.',
      '2 VMs re-placed on sin-2.',
      'vm-c could not be placed: no machine in SIN has 4 GB and 2 cores free',
    ]);
    expect(machineActionNotice({ ...report, evacuated: [] }, false)).toEqual({
      tone: 'warn',
      title: 'sin-1 is offline',
      lines: ['3 VMs failed with host_offline.'],
    });
    expect(machineActionNotice({ ...report, action: 'drain', failed: [], evacuated: [] }, false).title).toBe(
      'sin-1 is draining',
    );
  });
});

describe('region status', () => {
  it('asks before Down only', () => {
    expect(regionConfirmation({ code: 'SIN', vm_count: 2 }, 'Operational')).toBeNull();
    expect(regionConfirmation({ code: 'SIN', vm_count: 2 }, 'Degraded Performance')).toBeNull();
    const down = regionConfirmation({ code: 'SIN', vm_count: 2 }, 'Down');
    expect(down?.consequence).toContain('refused with region_down');
    expect(down?.details[0]).toBe('The 2 VMs already there keep running; only new launches are refused.');
    expect(regionStatusNotice('SIN', 'Down').tone).toBe('warn');
    expect(regionStatusNotice('SIN', 'Operational').tone).toBe('ok');
  });
});

describe('launch refusals', () => {
  it('take no_capacity apart into the largest slots per region tried', () => {
    const err = new ApiError('no_capacity', 'no machine in SIN has 64 GB and 32 cores free; …', {
      largest_slots: [{ machine_id: 'sin-1', cores: 8, memory_gb: 64 }],
      regions: [
        { region: 'SIN', largest_slots: [{ machine_id: 'sin-1', cores: 8, memory_gb: 64 }] },
        { region: 'NRT', largest_slots: [{ machine_id: 'nrt-1', cores: 4, memory_gb: 16 }, { bogus: true }] },
      ],
    });
    const r = launchRefusal(err);
    expect(r.code).toBe('no_capacity');
    expect(r.explainable).toBe(true);
    expect(r.slots).toEqual([
      { region: 'SIN', slots: [{ machine_id: 'sin-1', cores: 8, memory_gb: 64 }] },
      { region: 'NRT', slots: [{ machine_id: 'nrt-1', cores: 4, memory_gb: 16 }] },
    ]);
  });

  it('take region_down apart into its suggestions', () => {
    const err = new ApiError('region_down', 'region SIN is down; …', {
      region: 'SIN',
      suggestions: [
        { code: 'HKG', km: 2559 },
        { code: 'XYZ', km: null },
      ],
    });
    const r = launchRefusal(err);
    expect(r.suggestions).toEqual([
      { code: 'HKG', km: 2559 },
      { code: 'XYZ', km: null },
    ]);
    expect(r.explainable).toBe(false);
  });

  it('keep any other error as its message', () => {
    expect(launchRefusal(new Error('boom'))).toEqual({
      code: 'internal',
      message: 'boom',
      slots: [],
      suggestions: [],
      explainable: false,
    });
  });
});

describe('VM states on a card', () => {
  it('are counted running first, trouble last, transient ones marked', () => {
    const list = [vm('a', 'failed'), vm('b', 'started'), vm('c', 'starting'), vm('d', 'started'), vm('e', 'stopped')];
    expect(countByState(list)).toEqual([
      { state: 'started', count: 2, transient: false },
      { state: 'starting', count: 1, transient: true },
      { state: 'stopped', count: 1, transient: false },
      { state: 'failed', count: 1, transient: false },
    ]);
  });

  it('keep their place as their state changes (oldest first), and say why they failed', () => {
    const older = vm('z', 'failed', { created_at: '2026-01-01T00:00:00.000Z', reason: 'host_offline' });
    const newer = vm('a', 'started', { created_at: '2026-01-02T00:00:00.000Z' });
    expect(chipOrder([newer, older]).map((v) => v.id)).toEqual(['z', 'a']);
    expect(chipTitle(older)).toBe('z · 4 GB, 2 cores · failed — host_offline');
  });
});

describe('a dry run in one line', () => {
  const verdict = (id: string, cores_free: number, memory_free_gb: number, short = false) => ({
    machine_id: id,
    status: 'available',
    cores_free,
    memory_free_gb,
    reasons: short ? [{ code: 'cores_short' as const, short_by: 1 }] : [],
    rank: short ? null : 1,
    chosen: 0,
  });
  const plan = (count: number, placements: string[] = []) => ({
    strategy: 'random' as const,
    memory_gb: 4,
    cores: 2,
    count,
    placements,
    verdicts: [verdict('a', 8, 64), verdict('b', 2, 4), verdict('c', 1, 64, true)],
    largest_slots: [],
  });

  it('says how much of a batch there is room for: every machine may fit one and the batch still not', () => {
    expect(planSummary(plan(11))).toBe('2 of 3 machines fit one VM; room for 5 of the 11 VMs asked (all or none)');
    expect(planSummary(plan(2, ['a', 'b']))).toBe('2 of 3 machines fit one VM; all 2 placed');
    expect(planSummary({ ...plan(1), verdicts: [verdict('c', 1, 64, true)] })).toBe(
      '0 of 1 machine fit one VM; none has room',
    );
  });
});
