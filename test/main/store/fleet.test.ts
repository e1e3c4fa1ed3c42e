import { describe, expect, it, vi } from 'vitest';
import { type BackendOp, MemoryBackend } from '../../../src/main/store/backend';
import { Fleet } from '../../../src/main/store/fleet';
import { deriveStatus } from '../../../src/main/store/machine-record';
import { RegionIndex } from '../../../src/main/store/region-index';
import { storeService } from '../../../src/main/store/service';
import { fromColumns } from '../../../src/shared/machine-columns';
import { mulberry32 } from '../../../src/shared/random';
import type { MachineUpdate, Vm } from '../../../src/shared/types';
import { codeOf, DATA, openFleet, update, vmOn } from '../../helpers/fleet-fixtures';
import { until } from '../../helpers/until';

describe('candidates', () => {
  it('requires enough free memory AND enough free cores, and an available or allocated machine', async () => {
    const { fleet } = await openFleet();
    const ids = fleet.candidates('SIN', 32, 16, 100).map((m) => m.id);
    expect(ids.sort()).toEqual(['sin-a', 'sin-b', 'sin-big', 'sin-c', 'sin-d', 'sin-e', 'sin-f']);
    // Enough memory but too few cores, and enough cores but too little memory: both out.
    expect(ids).not.toContain('sin-few-cores');
    expect(ids).not.toContain('sin-little-memory');
    expect(fleet.candidates('SIN', 256, 4, 100).map((m) => m.id)).toEqual(['sin-few-cores']);
    expect(fleet.candidates('SIN', 8, 48, 100).map((m) => m.id)).toEqual(['sin-little-memory']);
    // Allocation counts: once sin-big holds 20 of its 32 cores, a 16-core ask skips it.
    await fleet.apply(update('sin-big', 1, 20, 8));
    expect(fleet.candidates('SIN', 32, 16, 100).map((m) => m.id)).not.toContain('sin-big');
    expect(fleet.candidates('SIN', 32, 12, 100).map((m) => m.id)).toContain('sin-big');
  });

  it('returns at most n', async () => {
    const { fleet } = await openFleet();
    expect(fleet.candidates('SIN', 1, 1, 3)).toHaveLength(3);
    expect(fleet.candidates('SIN', 1, 1, 0)).toHaveLength(0);
    expect(fleet.candidates('SIN', 1, 1, 50)).toHaveLength(9);
    expect(fleet.candidates('SIN', 1000, 1, 5)).toEqual([]);
  });

  it('shuffles deterministically for a seed, and differently for another seed', async () => {
    const orders = async (seed: number) => {
      const { fleet } = await openFleet({ seed });
      return Array.from({ length: 5 }, () =>
        fleet
          .candidates('SIN', 1, 1, 9)
          .map((m) => m.id)
          .join(' '),
      );
    };
    const a = await orders(42);
    expect(await orders(42)).toEqual(a);
    expect(await orders(7)).not.toEqual(a);
    // It really permutes: successive calls differ, and each is the same set of machines.
    expect(new Set(a).size).toBeGreaterThan(1);
    for (const o of a) expect(o.split(' ').sort()).toEqual(fleet9());
  });

  it('reads only the asked region index, in any case of its code', async () => {
    const { fleet } = await openFleet();
    const sin = fleet.regionIndex('SIN');
    const spy = vi.spyOn(RegionIndex.prototype, 'fitting');
    try {
      const found = fleet.candidates('sin', 1, 1, 100);
      expect(found.every((m) => m.region === 'SIN')).toBe(true);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.contexts[0]).toBe(sin);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses an unknown region and malformed numbers', async () => {
    const { fleet } = await openFleet();
    expect(await codeOf(() => fleet.candidates('XYZ', 1, 1, 5))).toBe('unknown_region');
    expect(await codeOf(() => fleet.candidates('SIN', -1, 1, 5))).toBe('bad_request');
    expect(await codeOf(() => fleet.candidates('SIN', 1, 1.5, 5))).toBe('bad_request');
    expect(await codeOf(() => fleet.candidates('SIN', 1, 1, Number.NaN))).toBe('bad_request');
  });
});

function fleet9(): string[] {
  return ['sin-a', 'sin-b', 'sin-big', 'sin-c', 'sin-d', 'sin-e', 'sin-f', 'sin-few-cores', 'sin-little-memory'];
}

describe('candidate sampling', () => {
  it('picks every fitting machine about equally often, never one that does not fit', async () => {
    const { fleet } = await openFleet({ seed: 11 });
    const counts = new Map<string, number>();
    const rounds = 4000;
    for (let i = 0; i < rounds; i++) {
      for (const m of fleet.candidates('SIN', 1, 1, 1)) counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
    }
    const fitting = fleet.machines('SIN').filter((m) => m.status === 'available' || m.status === 'allocated');
    expect(new Set(counts.keys())).toEqual(new Set(fitting.map((m) => m.id)));
    const expected = rounds / fitting.length;
    // A seeded run: far inside what chance allows (each count is ~ Binomial(4000, 1/k)).
    for (const n of counts.values()) expect(Math.abs(n - expected)).toBeLessThan(expected * 0.25);
  });

  it('is repeatable for a seed', () => {
    const rng = mulberry32(3);
    const again = mulberry32(3);
    expect(Array.from({ length: 5 }, rng)).toEqual(Array.from({ length: 5 }, again));
  });
});

describe('machine status', () => {
  const base = { operator_status: null, bootstrap_status: 'available' as const, cores_total: 32, memory_total_gb: 128 };

  it('is derived from the allocation unless an operator set it', () => {
    expect(deriveStatus({ ...base, cores_allocated: 0, memory_allocated_gb: 0, vm_count: 0 })).toBe('available');
    expect(deriveStatus({ ...base, cores_allocated: 4, memory_allocated_gb: 8, vm_count: 1 })).toBe('allocated');
    expect(deriveStatus({ ...base, cores_allocated: 32, memory_allocated_gb: 8, vm_count: 1 })).toBe('full');
    expect(deriveStatus({ ...base, cores_allocated: 4, memory_allocated_gb: 128, vm_count: 1 })).toBe('full');
    expect(
      deriveStatus({
        ...base,
        bootstrap_status: 'maintenance',
        cores_allocated: 4,
        memory_allocated_gb: 8,
        vm_count: 1,
      }),
    ).toBe('maintenance');
    expect(
      deriveStatus({ ...base, operator_status: 'offline', cores_allocated: 0, memory_allocated_gb: 0, vm_count: 0 }),
    ).toBe('offline');
  });

  it('follows each applied update, and operator statuses stick', async () => {
    const { fleet } = await openFleet();
    expect((await fleet.apply(update('sin-big', 1, 8, 32))).machine.status).toBe('allocated');
    expect((await fleet.apply(update('sin-big', 2, 32, 32, 2))).machine.status).toBe('full');
    expect((await fleet.apply(update('sin-big', 3, 0, 0, 0))).machine.status).toBe('available');
    expect((await fleet.apply(update('sin-maint', 1, 8, 32))).machine.status).toBe('maintenance');
    expect(fleet.machine('sin-off').status).toBe('offline');
  });
});

describe('apply', () => {
  it('sets absolute values once per version, and ignores the same or an older version', async () => {
    const { fleet, events } = await openFleet();
    const first = await fleet.apply(update('sin-a', 3, 8, 16, 2));
    expect(first.applied).toBe(true);
    expect(first.machine).toMatchObject({ cores_allocated: 8, memory_allocated_gb: 16, vm_count: 2 });
    for (const v of [3, 2]) {
      const again = await fleet.apply(update('sin-a', v, 30, 100, 9));
      expect(again.applied).toBe(false);
      expect(again.machine).toMatchObject({ cores_allocated: 8, memory_allocated_gb: 16, vm_count: 2 });
    }
    expect(fleet.versions()['sin-a']).toBe(3);
    expect(events).toHaveLength(1);
  });

  it('refuses impossible updates and changes nothing', async () => {
    const { fleet, events } = await openFleet();
    await fleet.apply(update('sin-a', 1, 4, 8));
    const before = fleet.machine('sin-a');
    const region = fleet.region('SIN');
    expect(await codeOf(() => fleet.apply(update('sin-a', 2, 33, 8)))).toBe('bad_request');
    expect(await codeOf(() => fleet.apply(update('sin-a', 2, 4, 129)))).toBe('bad_request');
    expect(await codeOf(() => fleet.apply(update('sin-a', 2, -1, 8)))).toBe('bad_request');
    expect(await codeOf(() => fleet.apply(update('sin-a', 2, 4, 8.5)))).toBe('bad_request');
    expect(await codeOf(() => fleet.apply(update('sin-a', 2, 4, 8, -1)))).toBe('bad_request');
    expect(await codeOf(() => fleet.apply(update('sin-a', 2.5, 4, 8)))).toBe('bad_request');
    expect(await codeOf(() => fleet.apply(update('nope', 2, 4, 8)))).toBe('not_found');
    expect(await codeOf(() => fleet.apply(null as unknown as MachineUpdate))).toBe('bad_request');
    expect(fleet.machine('sin-a')).toEqual(before);
    expect(fleet.region('SIN')).toEqual(region);
    expect(fleet.versions()['sin-a']).toBe(1);
    expect(events).toHaveLength(1);
    // The refused version is still free for the real update.
    expect((await fleet.apply(update('sin-a', 2, 6, 8))).applied).toBe(true);
  });

  it('publishes an event with the machine and its region totals, numbered in order', async () => {
    const { fleet, events } = await openFleet();
    await fleet.apply(update('sin-a', 1, 4, 16));
    await fleet.apply(update('sin-b', 1, 8, 32, 2));
    await fleet.apply(update('ams-1', 1, 2, 2));
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    const second = events[1];
    if (second.type !== 'machine') throw new Error('expected a machine event');
    expect(second.machine).toMatchObject({
      id: 'sin-b',
      region: 'SIN',
      cores_allocated: 8,
      memory_allocated_gb: 32,
      vm_count: 2,
      status: 'allocated',
    });
    expect(second.at).toBe(second.machine.updated_at);
    expect(Number.isNaN(Date.parse(second.at))).toBe(false);
    expect(second.region).toMatchObject({
      code: 'SIN',
      machine_count: 11,
      cores_total: 32 * 7 + 8 + 64 * 3,
      cores_allocated: 12,
      memory_allocated_gb: 48,
      memory_total_gb: 128 * 7 + 512 + 16 + 256 * 2,
      vm_count: 3,
    });
    expect(fleet.totals()).toEqual({
      regions: 3,
      machines: 14,
      vms: 0,
      cores_total: 64 * 2 + 16 + 32 * 7 + 8 + 64 * 3,
      cores_allocated: 14,
      memory_total_gb: 256 * 2 + 64 + 128 * 7 + 512 + 16 + 256 * 2,
      memory_allocated_gb: 50,
    });
  });
});

describe('queries', () => {
  it('orders regions by code and machines by id, and reads codes in any case', async () => {
    const { fleet } = await openFleet();
    expect(fleet.regions().map((r) => r.code)).toEqual(['AMS', 'BOM', 'SIN']);
    expect(fleet.region('bom')).toMatchObject({
      location: 'Mumbai, India',
      status: 'Degraded Performance',
      machine_count: 1,
    });
    const ids = fleet.machines('sin').map((m) => m.id);
    expect(ids).toEqual([...ids].sort());
    expect(fleet.allMachines()).toHaveLength(14);
    expect(await codeOf(() => fleet.region('XYZ'))).toBe('unknown_region');
    expect(await codeOf(() => fleet.machines('XYZ'))).toBe('unknown_region');
    expect(await codeOf(() => fleet.machine('nope'))).toBe('not_found');
  });

  it('quotes a bad id back cut short, with control characters escaped', async () => {
    const { fleet } = await openFleet();
    expect(() => fleet.machine('a\u009bb')).toThrow('no machine with id "a\\u009bb"');
    expect(() => fleet.vm(`vm-${'x'.repeat(100)}`)).toThrow(`no VM with id "vm-${'x'.repeat(57)}…"`);
    expect(() => fleet.region(undefined as unknown as string)).toThrow('unknown region nothing');
  });

  it('hands out copies, so callers cannot change the model', async () => {
    const { fleet } = await openFleet();
    fleet.machine('sin-a').cores_allocated = 99;
    fleet.regions()[0].cores_allocated = 99;
    expect(fleet.machine('sin-a').cores_allocated).toBe(0);
    expect(fleet.regions()[0].cores_allocated).toBe(0);
  });
});

describe('VMs', () => {
  it('puts, lists (by created_at, then id), finds and deletes', async () => {
    const { fleet } = await openFleet();
    await fleet.putVm(vmOn('vm-3', 'sin-a', 'SIN', 8, 2, '2025-01-01T00:00:02.000Z'));
    await fleet.putVm(vmOn('vm-2', 'sin-b', 'sin', 8, 2, '2025-01-01T00:00:01.000Z'));
    await fleet.putVm(vmOn('vm-1', 'ams-1', 'AMS', 4, 1, '2025-01-01T00:00:01.000Z'));
    expect(fleet.vms().map((v) => v.id)).toEqual(['vm-1', 'vm-2', 'vm-3']);
    expect(fleet.vms('SIN').map((v) => v.id)).toEqual(['vm-2', 'vm-3']);
    expect(fleet.vms('bom')).toEqual([]);
    expect(fleet.vm('vm-2')).toEqual(vmOn('vm-2', 'sin-b', 'SIN', 8, 2, '2025-01-01T00:00:01.000Z'));
    expect(fleet.totals().vms).toBe(3);

    expect(await fleet.deleteVm('vm-2')).toMatchObject({ id: 'vm-2', state: 'destroyed', machine_id: 'sin-b' });
    expect(await codeOf(() => fleet.vm('vm-2'))).toBe('not_found');
    expect(await codeOf(() => fleet.deleteVm('vm-2'))).toBe('not_found');
    expect(fleet.vms().map((v) => v.id)).toEqual(['vm-1', 'vm-3']);
    expect(await codeOf(() => fleet.vms('XYZ'))).toBe('unknown_region');
  });

  it('refuses VMs that do not make sense, and accepts a retried put of the same record', async () => {
    const { fleet } = await openFleet();
    const ok = vmOn('vm-1', 'sin-a', 'SIN', 8, 2);
    await fleet.putVm(ok);
    await fleet.putVm({ ...ok });
    expect(fleet.vms()).toHaveLength(1);
    expect(await codeOf(() => fleet.putVm({ ...ok, cores: 4 }))).toBe('bad_request');
    expect(await codeOf(() => fleet.putVm(vmOn('vm-2', 'nope', 'SIN', 8, 2)))).toBe('not_found');
    expect(await codeOf(() => fleet.putVm(vmOn('vm-2', 'sin-a', 'AMS', 8, 2)))).toBe('bad_request');
    expect(await codeOf(() => fleet.putVm(vmOn('vm-2', 'sin-a', 'SIN', 0, 2)))).toBe('bad_request');
    expect(await codeOf(() => fleet.putVm(vmOn('vm 2', 'sin-a', 'SIN', 8, 2)))).toBe('bad_request');
    expect(await codeOf(() => fleet.putVm({ ...vmOn('vm-2', 'sin-a', 'SIN', 8, 2), created_at: 'yesterday' }))).toBe(
      'bad_request',
    );
    // The store's own guard: the machine's VMs may never add up past its capacity.
    expect(await codeOf(() => fleet.putVm(vmOn('vm-2', 'sin-a', 'SIN', 8, 31)))).toBe('bad_request');
    await fleet.putVm(vmOn('vm-2', 'sin-a', 'SIN', 8, 30));
    expect(fleet.vms().map((v) => v.id)).toEqual(['vm-1', 'vm-2']);
  });

  it('binds an Idempotency-Key to its live VM, refuses a second VM under it, frees it on delete', async () => {
    const { fleet } = await openFleet();
    const vm = vmOn('vm-1', 'sin-a', 'SIN', 8, 2);
    await fleet.putVm(vm, 'deploy-42');
    expect(fleet.vmByIdempotencyKey('deploy-42')).toEqual(vm);
    expect(fleet.vmByIdempotencyKey('other')).toBeNull();
    expect(fleet.vm('vm-1')).toEqual(vm); // the key is not part of the VM others see
    await fleet.putVm({ ...vm }, 'deploy-42'); // a retried put of the same record and key
    expect(await codeOf(() => fleet.putVm(vmOn('vm-2', 'sin-a', 'SIN', 8, 2), 'deploy-42'))).toBe('bad_request');
    expect(await codeOf(() => fleet.putVm({ ...vm }, 'another-key'))).toBe('bad_request');
    expect(await codeOf(() => fleet.putVm(vmOn('vm-3', 'sin-a', 'SIN', 8, 2), 'has spaces'))).toBe('bad_request');
    expect(await codeOf(() => fleet.putVm(vmOn('vm-3', 'sin-a', 'SIN', 8, 2), 'k'.repeat(129)))).toBe('bad_request');
    expect(fleet.vms().map((v) => v.id)).toEqual(['vm-1']);
    await fleet.deleteVm('vm-1');
    expect(fleet.vmByIdempotencyKey('deploy-42')).toBeNull();
    await fleet.putVm(vmOn('vm-2', 'sin-a', 'SIN', 8, 2), 'deploy-42');
    expect(fleet.vmByIdempotencyKey('deploy-42')?.id).toBe('vm-2');
  });

  it('records a launch under a free key in one call, and answers a taken key with its VM, recording nothing', async () => {
    const { fleet, events } = await openFleet();
    const first = vmOn('vm-1', 'sin-a', 'SIN', 8, 2);
    expect(await fleet.putVmUnderKey(first, 'deploy-7')).toBeNull();
    expect(fleet.vmByIdempotencyKey('deploy-7')).toEqual(first);
    const told = events.length;
    expect(told).toBeGreaterThan(0); // the launch was published, as putVm publishes it
    // A replay: another VM under the same key gets the first, and nothing is written or told.
    expect(await fleet.putVmUnderKey(vmOn('vm-2', 'sin-b', 'SIN', 8, 2), 'deploy-7')).toEqual(first);
    expect(fleet.vms().map((v) => v.id)).toEqual(['vm-1']);
    expect(fleet.machine('sin-b')).toMatchObject({ vm_count: 0, cores_allocated: 0 });
    expect(events).toHaveLength(told);
    // Bad input is refused as putVm refuses it.
    expect(await codeOf(() => fleet.putVmUnderKey(vmOn('vm-3', 'sin-a', 'SIN', 8, 2), 'has spaces'))).toBe(
      'bad_request',
    );
    // Once the key's VM is gone the key launches anew.
    await fleet.deleteVm('vm-1');
    expect(await fleet.putVmUnderKey(vmOn('vm-4', 'sin-a', 'SIN', 8, 2), 'deploy-7')).toBeNull();
    expect(fleet.vmByIdempotencyKey('deploy-7')?.id).toBe('vm-4');
  });

  it('lets a delete take back a put that is still committing', async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    class GatedBackend extends MemoryBackend {
      override async commit(ops: BackendOp[]): Promise<void> {
        await gate;
        return super.commit(ops);
      }
    }
    const backend = new GatedBackend();
    const { fleet } = await Fleet.open(DATA, { backend });
    const put = fleet.putVm(vmOn('vm-1', 'sin-a', 'SIN', 8, 2));
    const del = fleet.deleteVm('vm-1');
    expect(await codeOf(() => fleet.putVm(vmOn('vm-1', 'sin-a', 'SIN', 8, 2)))).toBe('bad_request');
    open();
    await put;
    expect(await del).toMatchObject({ id: 'vm-1', state: 'destroyed' });
    expect(fleet.vms()).toEqual([]);
    expect((await backend.load()).vms).toEqual([]);
  });

  it('reconcile counts a put that is still committing (an orchestrator died mid-launch)', async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    class GatedBackend extends MemoryBackend {
      gated = false;
      override async commit(ops: BackendOp[]): Promise<void> {
        if (this.gated) await gate;
        return super.commit(ops);
      }
    }
    const backend = new GatedBackend();
    const { fleet } = await Fleet.open(DATA, { backend });
    backend.gated = true;
    const put = fleet.putVm(vmOn('vm-1', 'sin-a', 'SIN', 8, 2));
    const reconciled = fleet.reconcile();
    setTimeout(open, 20);
    await put;
    expect(await reconciled).toEqual({ changed: 1 });
    expect(fleet.machine('sin-a')).toMatchObject({ cores_allocated: 2, memory_allocated_gb: 8, vm_count: 1 });
  });

  it('never lets concurrent puts add up past a machine capacity', async () => {
    const { fleet } = await openFleet();
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => fleet.putVm(vmOn(`vm-${i}`, 'sin-a', 'SIN', 1, 1))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(32);
    expect(fleet.vms('SIN')).toHaveLength(32);
    await fleet.reconcile();
    expect(fleet.machine('sin-a')).toMatchObject({ cores_allocated: 32, vm_count: 32, status: 'full' });
  });

  it('returns from putVm only once the backend has committed, and keeps nothing if it fails', async () => {
    let release: () => void = () => {};
    let commits = 0;
    let fail = false;
    class SlowBackend extends MemoryBackend {
      override async commit(ops: BackendOp[]): Promise<void> {
        commits++;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        if (fail) throw new Error('disk full');
        return super.commit(ops);
      }
    }
    const backend = new SlowBackend();
    const { fleet } = await Fleet.open(DATA, { backend });
    let done = false;
    const put = fleet.putVm(vmOn('vm-1', 'sin-a', 'SIN', 8, 2)).then(() => {
      done = true;
    });
    await until(() => commits === 1, 2000, 'the commit to start');
    expect(done).toBe(false);
    expect(fleet.vms()).toEqual([]);
    release();
    await put;
    expect(fleet.vm('vm-1').id).toBe('vm-1');
    expect((await backend.load()).vms.map((v) => v.id)).toEqual(['vm-1']);

    fail = true;
    const refused = codeOf(() => fleet.putVm(vmOn('vm-2', 'sin-a', 'SIN', 8, 2)));
    await until(() => commits === 2, 2000, 'the second commit to start');
    release();
    expect(await refused).toBe('unavailable');
    expect(fleet.vms().map((v) => v.id)).toEqual(['vm-1']);
  });
});

describe('reconcile and reset', () => {
  it('sets every allocation to the sum of its VMs and publishes the changed machines', async () => {
    const { fleet, events } = await openFleet();
    await fleet.putVm(vmOn('vm-1', 'sin-a', 'SIN', 8, 2));
    await fleet.putVm(vmOn('vm-2', 'sin-a', 'SIN', 16, 4));
    await fleet.putVm(vmOn('vm-3', 'ams-1', 'AMS', 4, 1));
    await fleet.apply(update('sin-b', 1, 10, 10)); // a stale allocation with no VM behind it
    events.length = 0;
    expect(await fleet.reconcile()).toEqual({ changed: 3 });
    expect(fleet.machine('sin-a')).toMatchObject({
      cores_allocated: 6,
      memory_allocated_gb: 24,
      vm_count: 2,
      status: 'allocated',
    });
    expect(fleet.machine('ams-1')).toMatchObject({ cores_allocated: 1, memory_allocated_gb: 4, vm_count: 1 });
    expect(fleet.machine('sin-b')).toMatchObject({
      cores_allocated: 0,
      memory_allocated_gb: 0,
      vm_count: 0,
      status: 'available',
    });
    expect(events.map((e) => (e.type === 'machine' ? e.machine.id : e.type)).sort()).toEqual([
      'ams-1',
      'sin-a',
      'sin-b',
    ]);
    expect(fleet.region('SIN')).toMatchObject({ cores_allocated: 6, memory_allocated_gb: 24 });
    expect(await fleet.reconcile()).toEqual({ changed: 0 });
  });

  it('reset returns to the bootstrap data, clears the backend and publishes a reset event', async () => {
    const { fleet, events, backend } = await openFleet();
    await fleet.putVm(vmOn('vm-1', 'sin-a', 'SIN', 8, 2));
    await fleet.apply(update('sin-a', 5, 2, 8));
    await fleet.reset();
    expect(fleet.vms()).toEqual([]);
    expect(fleet.totals()).toMatchObject({ vms: 0, cores_allocated: 0, memory_allocated_gb: 0 });
    expect(fleet.machine('sin-a')).toMatchObject({ cores_allocated: 0, status: 'available' });
    expect(events.at(-1)).toMatchObject({ type: 'reset' });
    const stored = await backend.load();
    expect(stored.vms).toEqual([]);
    expect(stored.machines.size).toBe(0);
    // Versions never go back, so an update from before the reset cannot be applied again.
    expect((await fleet.apply(update('sin-a', 5, 2, 8))).applied).toBe(false);
  });

  it('serves exactly the StoreService methods', async () => {
    const { fleet } = await openFleet();
    const service = storeService(fleet);
    expect(Object.keys(service).sort()).toEqual(
      [
        'allMachines',
        'announce',
        'answerOwner',
        'apply',
        'candidates',
        'cluster',
        'deleteVm',
        'etcdStats',
        'exportScenario',
        'importScenario',
        'leaseRefusal',
        'machine',
        'machineColumns',
        'machineColumnsJson',
        'machines',
        'onOwner',
        'orphans',
        'ownership',
        'putVm',
        'putVmUnderKey',
        'reconcile',
        'region',
        'regions',
        'reportActors',
        'reset',
        'setMachineStatus',
        'setRegionStatus',
        'settings',
        'totals',
        'updateVm',
        'versions',
        'vm',
        'vmByIdempotencyKey',
        'vmHistory',
        'vmPage',
        'vmStates',
        'vms',
      ].sort(),
    );
    expect(await service.regions()).toHaveLength(3);
    // A fleet of its own has no cluster to show; a shared one's comes from etcd.
    await expect(async () => service.cluster()).rejects.toMatchObject({ code: 'not_found' });
    // Nor other hosts' orphans, nor etcd figures.
    expect(await service.orphans()).toEqual([]);
    expect(await service.etcdStats()).toBeNull();
  });

  it('hands the orchestrator every machine and version as columns, the same as allMachines and versions', async () => {
    const { fleet } = await openFleet();
    const [first] = fleet.allMachines();
    await fleet.apply({
      machine_id: first.id,
      version: 4,
      cores_allocated: 2,
      memory_allocated_gb: 3,
      vm_count: 1,
      changes: 1,
    });
    const back = fromColumns(structuredClone(fleet.machineColumns()));
    expect(back.machines).toEqual(fleet.allMachines());
    expect(back.versions).toEqual({ [first.id]: 4 });
  });
});

describe('the VM lifecycle in the store', () => {
  const step = (vm_id: string, from: Vm['state'] | null, to: Vm['state']) => ({
    vm_id,
    from,
    to,
    at: '2025-01-01T00:00:05.000Z',
    operation: 'stop' as const,
  });

  it('updateVm is durable, then publishes one vm event per transition; destroyed removes the record', async () => {
    const { fleet, events, backend } = await openFleet();
    const vm = vmOn('vm-1', 'sin-a', 'SIN', 8, 2);
    await fleet.putVm(vm, undefined, [step('vm-1', null, 'creating'), step('vm-1', 'creating', 'started')]);
    expect(events.filter((e) => e.type === 'vm').map((e) => e.type === 'vm' && `${e.from}>${e.to}`)).toEqual([
      'null>creating',
      'creating>started',
    ]);
    events.length = 0;
    const stopped = { ...vm, state: 'stopped' as const, updated_at: '2025-01-01T00:00:05.000Z' };
    await fleet.updateVm(stopped, [step('vm-1', 'started', 'stopping'), step('vm-1', 'stopping', 'stopped')]);
    expect((await backend.load()).vms.map((v) => v.state)).toEqual(['stopped']);
    expect(events.map((e) => e.type === 'vm' && [e.to, e.vm.state, e.seq])).toEqual([
      ['stopping', 'stopping', expect.any(Number)],
      ['stopped', 'stopped', expect.any(Number)],
    ]);
    expect(fleet.vmStates()).toEqual({ stopped: 1 });
    await fleet.updateVm({ ...stopped, state: 'destroyed' }, [step('vm-1', 'stopped', 'destroyed')]);
    expect(await codeOf(() => fleet.vm('vm-1'))).toBe('not_found');
    expect((await backend.load()).vms).toEqual([]);
    expect(await codeOf(() => fleet.updateVm(stopped, []))).toBe('not_found');
    expect(await codeOf(() => fleet.updateVm({ ...stopped, id: 'vm-2', state: 'sleeping' as never }, []))).toBe(
      'bad_request',
    );
  });

  it('reconcile sums only VMs whose state holds resources; a start that no longer fits is refused', async () => {
    const { fleet } = await openFleet();
    await fleet.putVm(vmOn('vm-1', 'sin-a', 'SIN', 8, 2));
    await fleet.putVm({ ...vmOn('vm-2', 'sin-a', 'SIN', 4, 1), state: 'stopped' });
    await fleet.putVm({ ...vmOn('vm-3', 'sin-a', 'SIN', 4, 1), state: 'suspended' });
    await fleet.putVm({ ...vmOn('vm-4', 'sin-a', 'SIN', 4, 1), state: 'failed', reason: 'start_failed' });
    await fleet.reconcile();
    expect(fleet.machine('sin-a')).toMatchObject({ cores_allocated: 2, memory_allocated_gb: 8, vm_count: 1 });
    const total = fleet.machine('sin-a');
    // Fill the machine with started VMs, then try to start the stopped one there again.
    await fleet.putVm(vmOn('vm-5', 'sin-a', 'SIN', total.memory_total_gb - 8, total.cores_total - 2));
    const err = await codeOf(() =>
      fleet.updateVm({ ...vmOn('vm-2', 'sin-a', 'SIN', 4, 1), state: 'starting' }, [
        step('vm-2', 'stopped', 'starting'),
      ]),
    );
    expect(err).toBe('bad_request');
    expect(fleet.vm('vm-2').state).toBe('stopped');
  });

  it("reads a record written before the lifecycle ('running') as started", async () => {
    const backend = new MemoryBackend();
    await backend.commit([{ t: 'vm', vm: { ...vmOn('vm-old', 'sin-a', 'SIN', 8, 2), state: 'running' as never } }]);
    const { fleet } = await openFleet({ backend });
    expect(fleet.vm('vm-old')).toMatchObject({ state: 'started', updated_at: '2025-01-01T00:00:00.000Z' });
    expect(fleet.machine('sin-a')).toMatchObject({ cores_allocated: 2, vm_count: 1 });
  });
});
