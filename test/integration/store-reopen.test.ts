// The store reopened from its durable backend (LMDB, a real temp directory): VMs, allocations,
// versions, statuses and Idempotency-Keys come back, and what a crash left behind is reconciled.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/main/store/backend';
import type { FleetData } from '../../src/main/store/fleet-data';
import { codeOf, DATA, openFleet, update, vmOn } from '../helpers/fleet-fixtures';

describe('LMDB backend', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'flylight-store-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('brings VMs, allocations, versions and operator statuses back after a reopen', async () => {
    const dir = join(tempDir(), 'nested', 'data');
    const first = await openFleet({ backend: await openBackend(dir) });
    expect(first.backend.kind).toBe('lmdb');
    await first.fleet.putVm(vmOn('vm-1', 'sin-a', 'SIN', 8, 2));
    await first.fleet.putVm(vmOn('vm-2', 'sin-a', 'SIN', 16, 4));
    await first.fleet.apply(update('sin-a', 2, 6, 24, 2));
    await first.fleet.setOperatorStatus('sin-b', 'offline');
    await first.backend.close();

    const second = await openFleet({ backend: await openBackend(dir) });
    expect(second.fleet.vms().map((v) => v.id)).toEqual(['vm-1', 'vm-2']);
    expect(second.fleet.machine('sin-a')).toMatchObject({
      cores_allocated: 6,
      memory_allocated_gb: 24,
      vm_count: 2,
      status: 'allocated',
    });
    expect(second.fleet.versions()['sin-a']).toBe(2);
    expect(second.fleet.machine('sin-b').status).toBe('offline');
    expect(second.fleet.candidates('SIN', 1, 1, 100).map((m) => m.id)).not.toContain('sin-b');
    await second.backend.close();
  });

  it('keeps Idempotency-Keys with their VMs across a reopen, and forgets them with the VM', async () => {
    const dir = tempDir();
    const first = await openFleet({ backend: await openBackend(dir) });
    await first.fleet.putVm(vmOn('vm-1', 'sin-a', 'SIN', 8, 2), 'key-1');
    await first.fleet.putVm(vmOn('vm-2', 'sin-a', 'SIN', 8, 2), 'key-2');
    await first.fleet.putVm(vmOn('vm-3', 'sin-a', 'SIN', 8, 2));
    await first.fleet.deleteVm('vm-2');
    await first.backend.close();

    const second = await openFleet({ backend: await openBackend(dir) });
    expect(second.fleet.vmByIdempotencyKey('key-1')?.id).toBe('vm-1');
    expect(second.fleet.vmByIdempotencyKey('key-2')).toBeNull();
    expect(second.fleet.vm('vm-1')).not.toHaveProperty('idempotency_key');
    expect(await codeOf(() => second.fleet.putVm(vmOn('vm-4', 'sin-a', 'SIN', 8, 2), 'key-1'))).toBe('bad_request');
    await second.backend.close();
  });

  it('reconciles allocations a crash left behind with the VMs that were acknowledged', async () => {
    const dir = tempDir();
    const first = await openFleet({ backend: await openBackend(dir) });
    await first.fleet.putVm(vmOn('vm-1', 'sin-c', 'SIN', 8, 2));
    await first.fleet.apply(update('sin-d', 1, 9, 9)); // FlyD flushed a change whose VM never got recorded
    await first.backend.close();

    const second = await openFleet({ backend: await openBackend(dir) });
    expect(second.fleet.machine('sin-c')).toMatchObject({ cores_allocated: 2, memory_allocated_gb: 8, vm_count: 1 });
    expect(second.fleet.machine('sin-d')).toMatchObject({ cores_allocated: 0, memory_allocated_gb: 0, vm_count: 0 });
    await second.backend.close();
  });

  it('drops, with a warning, a VM whose machine is no longer in the regions file', async () => {
    const dir = tempDir();
    const first = await openFleet({ backend: await openBackend(dir) });
    await first.fleet.putVm(vmOn('vm-gone', 'sin-f', 'SIN', 8, 2));
    await first.fleet.putVm(vmOn('vm-kept', 'sin-a', 'SIN', 8, 2));
    await first.backend.close();

    const smaller: FleetData = { ...DATA, machines: DATA.machines.filter((m) => m.id !== 'sin-f') };
    const second = await openFleet({ backend: await openBackend(dir), data: smaller });
    expect(second.fleet.vms().map((v) => v.id)).toEqual(['vm-kept']);
    expect(second.warnings.some((w) => w.includes('machine is no longer in the regions file'))).toBe(true);
    await second.backend.close();

    // Dropped for good: putting the machine back does not bring the VM back.
    const third = await openFleet({ backend: await openBackend(dir) });
    expect(third.fleet.vms().map((v) => v.id)).toEqual(['vm-kept']);
    expect(third.fleet.machine('sin-f').vm_count).toBe(0);
    await third.backend.close();
  });

  it('reset clears what is stored', async () => {
    const dir = tempDir();
    const first = await openFleet({ backend: await openBackend(dir) });
    await first.fleet.putVm(vmOn('vm-1', 'sin-a', 'SIN', 8, 2));
    await first.fleet.reset();
    await first.backend.close();
    const second = await openFleet({ backend: await openBackend(dir) });
    expect(second.fleet.vms()).toEqual([]);
    expect(second.fleet.totals().cores_allocated).toBe(0);
    await second.backend.close();
  });

  it('keeps everything in memory when there is no data directory', async () => {
    expect((await openBackend(null)).kind).toBe('memory');
  });
});
