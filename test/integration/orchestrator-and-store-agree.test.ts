// The orchestrator against the real store model (in memory, no threads): the two halves of the
// allocation thread agree on every machine's numbers.

import { afterEach, describe, expect, it } from 'vitest';
import { Infrastructure } from '../../src/main/orchestrator/infrastructure';
import { MemoryBackend } from '../../src/main/store/backend';
import { parseRegionsCsv } from '../../src/main/store/csv';
import { Fleet } from '../../src/main/store/fleet';
import { storeService } from '../../src/main/store/service';
import type { Remote } from '../../src/shared/rpc';
import type { StoreService } from '../../src/shared/services';
import type { MachineUpdate, Vm } from '../../src/shared/types';
import { seeded, settle } from '../helpers/orchestrator-fakes';

const CSV = `kind,region,location,status,machine,datacenter,cores,memory_gb
region,SIN,Singapore,Operational,,,,
region,AMS,"Amsterdam, Netherlands",Operational,,,,
machine,SIN,,available,sin-1,dc-1,16,64
machine,SIN,,available,sin-2,dc-1,32,128
machine,SIN,,available,sin-3,dc-2,8,32
machine,SIN,,offline,sin-4,dc-2,64,256
machine,AMS,,available,ams-1,dc-1,64,256
`;

let infra: Infrastructure | null = null;
afterEach(() => {
  infra?.stop();
  infra = null;
});

/** The store's service as an RPC client sees it: every call async. */
async function realStore(): Promise<{ fleet: Fleet; store: Remote<StoreService>; applies: MachineUpdate[] }> {
  const { fleet } = await Fleet.open(parseRegionsCsv(CSV, 'test.csv'), { backend: new MemoryBackend(), seed: 3 });
  const svc = storeService(fleet) as unknown as Record<string, (...a: unknown[]) => unknown>;
  const applies: MachineUpdate[] = [];
  const store = Object.fromEntries(
    Object.entries(svc).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        if (name === 'apply') applies.push({ ...(args[0] as MachineUpdate) });
        return fn(...args);
      },
    ]),
  ) as unknown as Remote<StoreService>;
  return { fleet, store, applies };
}

describe('orchestrator with the real store model', () => {
  it('200 concurrent launches and some destroys: after a flush every machine equals the sum of its VMs', async () => {
    const { fleet, store } = await realStore();
    infra = await Infrastructure.start({ store, autoTick: false, random: seeded(9) });
    const random = seeded(11);
    const i = infra;
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () =>
        i.launch({ region: 'SIN', memory_gb: 1 + Math.floor(random() * 12), cores: 1 + Math.floor(random() * 4) }),
      ),
    );
    const ok = results.filter((r): r is PromiseFulfilledResult<Vm> => r.status === 'fulfilled').map((r) => r.value);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok.length).toBeGreaterThan(0);
    for (const f of failed) expect(f.reason).toMatchObject({ code: 'no_capacity' });
    expect(ok.some((v) => v.machine_id === 'sin-4')).toBe(false); // offline: never chosen, even by the fallback

    await Promise.all(ok.filter((_, k) => k % 3 === 0).map((v) => i.destroy(v.id)));
    await settle();
    await i.flushAll();

    const vms = fleet.vms('SIN');
    expect(vms).toHaveLength(ok.length - Math.ceil(ok.length / 3));
    for (const m of fleet.machines('SIN')) {
      const mine = vms.filter((v) => v.machine_id === m.id);
      expect(m.cores_allocated).toBe(mine.reduce((a, v) => a + v.cores, 0));
      expect(m.memory_allocated_gb).toBe(mine.reduce((a, v) => a + v.memory_gb, 0));
      expect(m.vm_count).toBe(mine.length);
      expect(m.cores_allocated).toBeLessThanOrEqual(m.cores_total);
      expect(m.memory_allocated_gb).toBeLessThanOrEqual(m.memory_total_gb);
      expect(i.machine(m.id)).toMatchObject({
        cores_allocated: m.cores_allocated,
        memory_allocated_gb: m.memory_allocated_gb,
      });
    }
    // The store finds nothing to correct.
    expect(await store.reconcile()).toEqual({ changed: 0 });
  });

  it('FlyD versions continue after the store’s, and a re-delivered update is ignored', async () => {
    const { fleet, store, applies } = await realStore();
    infra = await Infrastructure.start({ store, autoTick: false });
    await infra.launch({ region: 'SIN', memory_gb: 8, cores: 2, num_candidates: 5 });
    await settle();
    await infra.tick();
    await infra.launch({ region: 'SIN', memory_gb: 8, cores: 2 });
    await settle();
    await infra.tick();
    expect(applies.length).toBeGreaterThanOrEqual(1);
    const before = fleet.allMachines();
    for (const u of [...applies]) expect((await store.apply(u)).applied).toBe(false);
    expect(fleet.allMachines()).toEqual(before);

    // A second incarnation (after a worker restart) starts after the versions the store holds.
    infra.stop();
    const versions = await store.versions();
    infra = await Infrastructure.start({ store, autoTick: false });
    const vm = await infra.launch({ region: 'SIN', memory_gb: 4, cores: 1 });
    await settle();
    await infra.tick();
    const last = applies[applies.length - 1];
    expect(last.machine_id).toBe(vm.machine_id);
    expect(last.version).toBe(versions[vm.machine_id] + 1);
    expect(fleet.machine(vm.machine_id).vm_count).toBe(
      fleet.vms().filter((v) => v.machine_id === vm.machine_id).length,
    );
  });

  it('unknown region and no capacity come back as the contract says', async () => {
    const { store } = await realStore();
    infra = await Infrastructure.start({ store, autoTick: false });
    await expect(infra.launch({ region: 'XYZ', memory_gb: 1, cores: 1 })).rejects.toMatchObject({
      code: 'unknown_region',
    });
    await expect(infra.launch({ region: 'SIN', memory_gb: 200, cores: 1 })).rejects.toMatchObject({
      code: 'no_capacity',
      // sin-4 is offline: not counted. Every slot named is one machine's.
      details: { largest_slots: [{ cores: 32, memory_gb: 128 }] },
    });
  });
});
