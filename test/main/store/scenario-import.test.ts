// The store's side of scenarios: export then import gives back the same fleet, an import
// replaces the fleet in one backend transaction (a failure anywhere leaves it as it was), and
// an imported fleet outlives a restart until a reset returns to the bootstrap data.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BackendContents, MemoryBackend, openBackend } from '../../../src/main/store/backend';
import type { Fleet } from '../../../src/main/store/fleet';
import { ApiError } from '../../../src/shared/errors';
import type { ScenarioFiles } from '../../../src/shared/scenario';
import { DATA, openFleet, vmOn } from '../../helpers/fleet-fixtures';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Everything a client can see of the fleet. */
function snapshot(fleet: Fleet) {
  return {
    regions: fleet.regions(),
    machines: fleet.allMachines().map(({ updated_at: _u, ...m }) => m),
    vms: fleet.vms(),
    totals: fleet.totals(),
    states: fleet.vmStates(),
  };
}

/** A fleet with VMs in several states, a drained and an offline machine, a Down region. */
async function busyFleet(backend = new MemoryBackend()) {
  const opened = await openFleet({ backend });
  const { fleet } = opened;
  await fleet.putVm(vmOn('vm-1', 'sin-a', 'SIN', 8, 4));
  await fleet.putVm({ ...vmOn('vm-2', 'sin-a', 'SIN', 16, 2), state: 'stopped' });
  await fleet.putVm({ ...vmOn('vm-3', 'sin-b', 'SIN', 4, 1), state: 'starting' });
  await fleet.putVm({ ...vmOn('vm-4', 'ams-1', 'AMS', 32, 8), state: 'failed', reason: 'start_failed' });
  await fleet.setOperatorStatus('sin-c', 'draining');
  await fleet.setRegionStatus('BOM', 'down');
  await fleet.reconcile();
  opened.events.length = 0;
  return opened;
}

const SMALL: ScenarioFiles = {
  'regions.csv': 'region,location,status\nSYD,Sydney,Degraded Performance\n',
  'machines.csv': 'machine,region,cores,memory_gb,status\nsyd-1,SYD,16,64,\nsyd-2,SYD,8,32,draining\n',
  'vms.csv': 'vm,machine,cores,memory_gb,state\nvm-x,syd-1,4,16,started\nvm-y,syd-2,2,8,stopped\n',
  'scenario.json': '{"settings": {"strategy": "spread", "seed": 11}}',
};

describe('scenario export and import in the store', () => {
  it('gives back the same fleet: regions, machine statuses and allocations, VM states and reasons', async () => {
    const { fleet } = await busyFleet();
    const before = snapshot(fleet);
    const exported = fleet.exportScenario();
    expect(exported.files['machines.csv']).toContain('sin-c,SIN,dc-1,32,128,draining,0,0,0');
    expect(exported.files['vms.csv']).toContain('vm-4,AMS,ams-1,8,32,failed,start_failed,');

    // Into another fleet built from other bootstrap data: it becomes this one.
    const other = (
      await openFleet({ data: { regions: DATA.regions.slice(0, 1), machines: DATA.machines.slice(0, 1) } })
    ).fleet;
    const report = await other.importScenario(exported.files);
    expect(report).toMatchObject({ imported: true, regions: 3, machines: 14, vms: 4, recovered: 1 });
    expect(snapshot(other)).toEqual(before);
    expect(other.exportScenario().files['vms.csv']).toBe(exported.files['vms.csv']);
    expect(other.exportScenario().files['machines.csv']).toBe(exported.files['machines.csv']);
  });

  it('changes nothing when a file is wrong, and publishes nothing', async () => {
    const { fleet, events } = await busyFleet();
    const before = snapshot(fleet);
    const err = await fleet
      .importScenario({ ...SMALL, 'vms.csv': 'vm,machine,cores,memory_gb,state\nvm-x,syd-1,40,16,started\n' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).details?.problems).toEqual([
      expect.stringMatching(/^machines\.csv:2: machine syd-1 is over-allocated/),
    ]);
    expect(snapshot(fleet)).toEqual(before);
    expect(events).toEqual([]);
  });

  it('changes nothing when the backend fails to write the new fleet', async () => {
    const backend = new MemoryBackend();
    const { fleet } = await busyFleet(backend);
    const before = snapshot(fleet);
    const stored = await backend.load();
    backend.replace = async (_contents: BackendContents) => {
      throw new Error('disk full');
    };
    const err = await fleet.importScenario(SMALL).catch((e) => e);
    expect(err).toMatchObject({ code: 'unavailable' });
    expect((err as Error).message).toContain('nothing was changed: disk full');
    expect(snapshot(fleet)).toEqual(before);
    expect(await backend.load()).toEqual(stored);
    // And the fleet still works.
    await fleet.putVm(vmOn('vm-5', 'sin-d', 'SIN', 4, 2));
    expect(fleet.vm('vm-5').state).toBe('started');
  });

  it('applies the scenario, publishes a reset, and takes its settings over the host’s', async () => {
    const { fleet, events } = await busyFleet();
    expect(fleet.settings()).toEqual({ strategy: 'random', timing: 'realistic', seed: null });
    const report = await fleet.importScenario(SMALL);
    expect(report).toEqual({
      imported: true,
      regions: 1,
      machines: 2,
      vms: 2,
      recovered: 0,
      settings: { strategy: 'spread', timing: 'realistic', seed: 11 },
    });
    expect(events.map((e) => e.type)).toEqual(['reset']);
    expect(fleet.machine('syd-1')).toMatchObject({ status: 'allocated', cores_allocated: 4, memory_allocated_gb: 16 });
    expect(fleet.machine('syd-2')).toMatchObject({ status: 'draining', cores_allocated: 0, vm_count: 0 });
    expect(() => fleet.machine('sin-a')).toThrow(/no machine/);
    // A new VM that does not fit is refused by the same guard as ever.
    await expect(fleet.putVm(vmOn('vm-z', 'syd-1', 'SYD', 64, 1))).rejects.toThrow(/does not fit/);
  });

  it('keeps an imported fleet across a restart on LMDB, until a reset returns to the bootstrap data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flylight-scenario-'));
    dirs.push(dir);
    const first = await busyFleet((await openBackend(dir)) as never);
    await first.fleet.importScenario(SMALL);
    const imported = snapshot(first.fleet);
    await first.backend.close();

    const again = await openFleet({ backend: await openBackend(dir) });
    expect(snapshot(again.fleet)).toEqual(imported);
    expect(again.fleet.settings().strategy).toBe('spread');
    await again.fleet.reset();
    expect(again.fleet.totals()).toMatchObject({ regions: 3, machines: 14, vms: 0 });
    expect(again.fleet.settings().strategy).toBe('random');
    await again.backend.close();

    const afterReset = await openFleet({ backend: await openBackend(dir) });
    expect(afterReset.fleet.totals()).toMatchObject({ regions: 3, machines: 14, vms: 0 });
    await afterReset.backend.close();
  });

  it('replaces LMDB’s contents in one transaction: nothing of the old fleet is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flylight-scenario-'));
    dirs.push(dir);
    const { fleet, backend } = await busyFleet((await openBackend(dir)) as never);
    await fleet.importScenario(SMALL);
    const stored = await backend.load();
    expect(stored.vms.map((v) => v.id).sort()).toEqual(['vm-x', 'vm-y']);
    expect([...stored.machines.keys()].sort()).toEqual(['syd-1', 'syd-2']);
    expect([...(stored.regions ?? new Map()).entries()]).toEqual([['SYD', 'Degraded Performance']]);
    expect(stored.fleet?.data.machines.map((m) => m.id)).toEqual(['syd-1', 'syd-2']);
    await backend.close();
  });
});
