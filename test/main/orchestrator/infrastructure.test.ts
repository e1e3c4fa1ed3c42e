import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/main/common/log';
import type { Infrastructure } from '../../../src/main/orchestrator/infrastructure';
import { orchestratorService } from '../../../src/main/orchestrator/service';
import { ApiError } from '../../../src/shared/errors';
import type { Vm } from '../../../src/shared/types';
import { machine } from '../../helpers/fixtures';
import { FakeStore, seeded, settle, startInfra } from '../../helpers/orchestrator-fakes';
import { until } from '../../helpers/until';

let infra: Infrastructure | null = null;
afterEach(() => {
  infra?.stop();
  infra = null;
});

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('launch', () => {
  it('answers with a started VM recorded in the store before the answer', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 16, memory_total_gb: 64 })]);
    infra = await startInfra(store);
    const vm = await infra.launch({ region: 'sin', memory_gb: 8, cores: 4 });
    expect(vm).toMatchObject({ region: 'SIN', machine_id: 'm1', memory_gb: 8, cores: 4, state: 'started' });
    expect(vm.id).toMatch(/^vm-[0-9a-f]{12}$/);
    expect(new Date(vm.created_at).toISOString()).toBe(vm.created_at);
    expect(store.vmsById.get(vm.id)).toEqual(vm);
    expect(infra.stats()).toMatchObject({ launches_ok: 1, launches_failed: 0, machines: 1 });
  });

  it('tries the candidates in the order the store gave them; the first that accepts wins', async () => {
    const store = new FakeStore([
      machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 }),
      machine('m2', 'SIN', { cores_total: 8, memory_total_gb: 32 }),
      machine('m3', 'SIN', { cores_total: 8, memory_total_gb: 32 }),
    ]);
    store.order = (ms) => ['m3', 'm1', 'm2'].map((id) => ms.find((m) => m.id === id)).filter((m) => m !== undefined);
    infra = await startInfra(store);
    // A launch that names num_candidates asks the store (the seed's path).
    expect((await infra.launch({ region: 'SIN', memory_gb: 32, cores: 8, num_candidates: 5 })).machine_id).toBe('m3');
    // The store still thinks m3 is empty (no flush yet) and offers it first; m3 refuses, m1 takes it.
    expect((await infra.launch({ region: 'SIN', memory_gb: 4, cores: 1, num_candidates: 5 })).machine_id).toBe('m1');
    expect(infra.machine('m3')).toMatchObject({ free_cores: 0, free_memory_gb: 0 });
    expect(infra.machine('m2')).toMatchObject({ vm_count: 0 });
  });

  it('asks the store for candidates only when the launch names num_candidates; otherwise the free index decides alone', async () => {
    const store = new FakeStore([
      machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 }),
      machine('m2', 'SIN', { cores_total: 8, memory_total_gb: 32 }),
    ]);
    const asked: number[] = [];
    const candidates = store.candidates.bind(store);
    store.candidates = (r, m, c, n) => {
      asked.push(n);
      return candidates(r, m, c, n);
    };
    const paths: (string | undefined)[] = [];
    const putVm = store.putVm.bind(store);
    // The fake's putVm drops the transitions; the placement note travels on the first.
    Object.assign(store, {
      putVm: (vm: Vm, key?: string, transitions?: { placement?: { path: string } }[]) => {
        paths.push(transitions?.[0]?.placement?.path);
        return putVm(vm, key);
      },
    });
    infra = await startInfra(store, { numCandidates: 3 });
    const plain = await infra.launch({ region: 'SIN', memory_gb: 1, cores: 1 });
    await infra.launch({ region: 'SIN', memory_gb: 1, cores: 1, num_candidates: 1 });
    expect(asked).toEqual([1]);
    expect(['m1', 'm2']).toContain(plain.machine_id);
    expect(paths).toEqual(['index', 'candidates']);
  });

  it("falls back to the region's MachineDs when the store's view is stale", async () => {
    const store = new FakeStore([
      machine('m1', 'SIN', { cores_total: 4, memory_total_gb: 16 }),
      machine('m2', 'SIN', { cores_total: 4, memory_total_gb: 16 }),
      machine('x1', 'AMS', { cores_total: 64, memory_total_gb: 256 }),
    ]);
    infra = await startInfra(store);
    const a = await infra.launch({ region: 'SIN', memory_gb: 16, cores: 4 });
    await infra.launch({ region: 'SIN', memory_gb: 16, cores: 4 });
    await settle();
    await infra.tick(); // the store now sees SIN full
    await infra.destroy(a.id); // MachineD frees at once; the store learns at the next tick
    expect(await store.candidates('SIN', 16, 4, 5)).toEqual([]);
    const b = await infra.launch({ region: 'SIN', memory_gb: 16, cores: 4 });
    expect(b.machine_id).toBe(a.machine_id);
    // Never placed outside the region, though AMS has plenty.
    await expect(infra.launch({ region: 'SIN', memory_gb: 1, cores: 1 })).rejects.toMatchObject({
      code: 'no_capacity',
    });
  });

  it('no_capacity names the largest free slots that exist on one machine of the region', async () => {
    const store = new FakeStore([
      machine('m1', 'SIN', { cores_total: 16, memory_total_gb: 64, cores_allocated: 14, memory_allocated_gb: 58 }), // 6 GB, 2 cores free
      machine('m2', 'SIN', { cores_total: 16, memory_total_gb: 64, cores_allocated: 13, memory_allocated_gb: 60 }), // 4 GB, 3 cores free
      machine('x1', 'AMS', { cores_total: 64, memory_total_gb: 256 }),
    ]);
    infra = await startInfra(store);
    const err = await rejection(infra.launch({ region: 'SIN', memory_gb: 8, cores: 4 }));
    expect(err.code).toBe('no_capacity');
    expect(err.message).toBe(
      'no machine in SIN has 8 GB and 4 cores free; the largest free slots are 4 GB with 3 cores (m2), 6 GB with 2 cores (m1)',
    );
    const slots = [
      { machine_id: 'm2', cores: 3, memory_gb: 4 },
      { machine_id: 'm1', cores: 2, memory_gb: 6 },
    ];
    expect(err.details).toEqual({
      region: 'SIN',
      requested_memory_gb: 8,
      requested_cores: 4,
      count: 1,
      largest_slots: slots,
      regions: [{ region: 'SIN', largest_slots: slots }],
    });
    expect(infra.stats()).toMatchObject({ launches_ok: 0, launches_failed: 1 });
    // What the details say fits, fits.
    expect((await infra.launch({ region: 'SIN', memory_gb: 6, cores: 2 })).machine_id).toBe('m1');
  });

  it('unknown region and bad sizes are clear errors', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 16, memory_total_gb: 64 })]);
    infra = await startInfra(store);
    expect((await rejection(infra.launch({ region: 'XYZ', memory_gb: 1, cores: 1 }))).code).toBe('unknown_region');
    const bad = await rejection(infra.launch({ region: 'SIN', memory_gb: 2.5, cores: 1 }));
    expect(bad.code).toBe('bad_request');
    expect(bad.message).toContain('memory_gb must be a whole number from 1 to 256');
    expect((await rejection(infra.launch({ region: 'SIN', memory_gb: 1, cores: 0 }))).code).toBe('bad_request');
    expect((await rejection(infra.launch(null as never))).code).toBe('bad_request');
    expect((await rejection(infra.launch({ region: 'SIN', memory_gb: 1, cores: 1, num_candidates: 0 }))).code).toBe(
      'bad_request',
    );
    expect(infra.machine('m1')).toMatchObject({ vm_count: 0 });
  });

  it('a failed putVm releases the reservation and answers unavailable', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    store.fail('putVm', 'reject');
    const err = await rejection(infra.launch({ region: 'SIN', memory_gb: 32, cores: 8 }));
    expect(err.code).toBe('unavailable');
    expect(err.message).toContain('nothing was launched');
    await settle();
    expect(infra.machine('m1')).toMatchObject({ cores_allocated: 0, memory_allocated_gb: 0, vm_count: 0 });
    expect(store.vmsById.size).toBe(0);
    // The whole machine is free again for the next launch.
    expect((await infra.launch({ region: 'SIN', memory_gb: 32, cores: 8 })).machine_id).toBe('m1');
    await settle();
    await infra.tick();
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 8, memory_allocated_gb: 32, vm_count: 1 });
  });

  it('a putVm that timed out is taken back, so no unacknowledged VM stays recorded', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    store.fail('putVm', 'timeout-after');
    expect((await rejection(infra.launch({ region: 'SIN', memory_gb: 4, cores: 2 }))).code).toBe('unavailable');
    await settle();
    expect(store.deleteVmCalls).toEqual([store.putVmCalls[0].id]);
    expect(store.vmsById.size).toBe(0);
    expect(infra.machine('m1')).toMatchObject({ vm_count: 0 });
  });

  it('a clean shutdown settles what is still unknown before it flushes', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    store.fail('putVm', 'died-after');
    store.fail('deleteVm', 'reject');
    expect((await rejection(infra.launch({ region: 'SIN', memory_gb: 4, cores: 2 }))).code).toBe('unavailable');
    await settle();
    expect(infra.stats().unsettled_writes).toBe(1);
    await infra.flushAll();
    expect(store.vmsById.size).toBe(0);
    expect(infra.stats().unsettled_writes).toBe(0);
    expect(store.machinesById.get('m1')).toMatchObject({ vm_count: 0, cores_allocated: 0 });
  });

  it('a VM recorded just before the store died is taken back once the store answers again', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    // The record lands, the answer is lost with the worker, and the store stays down a while.
    store.fail('putVm', 'died-after');
    store.fail('deleteVm', 'reject', 'reject');
    expect((await rejection(infra.launch({ region: 'SIN', memory_gb: 4, cores: 2 }))).code).toBe('unavailable');
    await settle();
    // Unknown outcome: the reservation stays, so nothing can over-allocate the machine meanwhile.
    expect(store.vmsById.size).toBe(1);
    expect(infra.machine('m1')).toMatchObject({ vm_count: 1, cores_allocated: 2 });
    expect(infra.stats().unsettled_writes).toBe(1);
    await infra.tick(); // the store still refuses
    expect(infra.stats().unsettled_writes).toBe(1);
    await infra.tick(); // the store is back: the unacknowledged VM goes, the machine is freed
    expect(store.vmsById.size).toBe(0);
    expect(infra.machine('m1')).toMatchObject({ vm_count: 0, cores_allocated: 0, memory_allocated_gb: 0 });
    expect(infra.stats().unsettled_writes).toBe(0);
    await infra.tick();
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 0, vm_count: 0 });
  });

  it('200 concurrent launches into one region never over-allocate, and the store adds up after a flush', async () => {
    const sizes: [number, number][] = [
      [16, 64],
      [32, 128],
      [8, 32],
      [24, 96],
      [48, 256],
    ];
    const store = new FakeStore(
      sizes.map(([c, m], i) => machine(`m${i}`, 'SIN', { cores_total: c, memory_total_gb: m })),
    );
    const random = seeded(42);
    store.order = (ms) => {
      const a = [...ms];
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [a[i], a[j]] = [a[j], a[i]];
      }
      return a;
    };
    infra = await startInfra(store, { random });
    const requests = Array.from({ length: 200 }, () => ({
      region: 'SIN',
      memory_gb: 1 + Math.floor(random() * 16),
      cores: 1 + Math.floor(random() * 4),
    }));
    const results = await Promise.allSettled(requests.map((r) => (infra as Infrastructure).launch(r)));
    const ok = results.filter((r): r is PromiseFulfilledResult<Vm> => r.status === 'fulfilled').map((r) => r.value);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0); // the region is smaller than 200 requests
    for (const f of failed) expect(f.reason).toMatchObject({ code: 'no_capacity' });
    expect(infra.stats()).toMatchObject({ launches_ok: ok.length, launches_failed: failed.length });

    const sums = store.vmSums();
    expect([...sums.values()].reduce((a, s) => a + s.count, 0)).toBe(ok.length);
    sizes.forEach(([cores, memory], i) => {
      const s = infra?.machine(`m${i}`);
      const v = sums.get(`m${i}`) ?? { cores: 0, memory_gb: 0, count: 0 };
      expect(s?.cores_allocated).toBeLessThanOrEqual(cores);
      expect(s?.memory_allocated_gb).toBeLessThanOrEqual(memory);
      expect(s).toMatchObject({ cores_allocated: v.cores, memory_allocated_gb: v.memory_gb, vm_count: v.count });
    });
    // A failed request really did not fit anywhere at the end: no slot it names holds it.
    for (const f of failed) {
      const d = (f.reason as ApiError).details as {
        requested_memory_gb: number;
        requested_cores: number;
        largest_slots: { cores: number; memory_gb: number }[];
      };
      for (const slot of d.largest_slots) {
        expect(slot.memory_gb < d.requested_memory_gb || slot.cores < d.requested_cores).toBe(true);
      }
    }

    await settle();
    await infra.flushAll();
    for (const [id, m] of store.machinesById) {
      const v = sums.get(id) ?? { cores: 0, memory_gb: 0, count: 0 };
      expect(m).toMatchObject({ cores_allocated: v.cores, memory_allocated_gb: v.memory_gb, vm_count: v.count });
      expect(m.cores_allocated).toBeLessThanOrEqual(m.cores_total);
      expect(m.memory_allocated_gb).toBeLessThanOrEqual(m.memory_total_gb);
    }
  });
});

describe('destroy', () => {
  it('frees the resources and returns the destroyed VM', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    const vm = await infra.launch({ region: 'SIN', memory_gb: 32, cores: 8 });
    const gone = await infra.destroy(vm.id);
    // updated_at moves on when the destroy lands in a later millisecond than the launch.
    const { updated_at: _launched, ...same } = vm;
    expect(gone).toMatchObject({ ...same, state: 'destroyed' });
    expect(store.vmsById.has(vm.id)).toBe(false);
    expect(infra.machine('m1')).toMatchObject({ cores_allocated: 0, memory_allocated_gb: 0, vm_count: 0 });
    await settle();
    await infra.tick();
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 0, vm_count: 0 });
  });

  it('an unknown id is not_found and changes nothing', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    await infra.launch({ region: 'SIN', memory_gb: 4, cores: 2 });
    expect((await rejection(infra.destroy('vm-000000000000'))).code).toBe('not_found');
    expect((await rejection(infra.destroy('' as never))).code).toBe('bad_request');
    expect(infra.machine('m1')).toMatchObject({ vm_count: 1, cores_allocated: 2 });
  });

  it('two concurrent destroys of one VM: one succeeds, the other finds it destroying or gone, one release', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    const keep = await infra.launch({ region: 'SIN', memory_gb: 4, cores: 2 });
    const vm = await infra.launch({ region: 'SIN', memory_gb: 8, cores: 3 });
    const [a, b] = await Promise.allSettled([infra.destroy(vm.id), infra.destroy(vm.id)]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual(['fulfilled', 'rejected']);
    const rejected = [a, b].find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(['not_found', 'invalid_state']).toContain(rejected.reason.code);
    expect(infra.machine('m1')).toMatchObject({
      vm_count: 1,
      cores_allocated: keep.cores,
      memory_allocated_gb: keep.memory_gb,
    });
  });

  it('a delete whose answer was lost still frees the machine exactly once', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    const vm = await infra.launch({ region: 'SIN', memory_gb: 8, cores: 4 });
    store.fail('updateVm', undefined as never, 'timeout-after'); // destroying lands; destroyed's answer is lost
    // The retried completion finds the record gone: the destroy did land, and says so.
    expect(await infra.destroy(vm.id)).toMatchObject({ id: vm.id, state: 'destroyed' });
    expect(infra.machine('m1')).toMatchObject({ vm_count: 0, cores_allocated: 0 });
    expect((await rejection(infra.destroy(vm.id))).code).toBe('not_found');
    expect(infra.machine('m1')).toMatchObject({ vm_count: 0, cores_allocated: 0 });
  });
});

describe('launch under an Idempotency-Key', () => {
  const req = { region: 'SIN', memory_gb: 4, cores: 2 };

  it('a repeat returns the first VM and allocates nothing more', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    const first = await infra.launchIdempotent(req, 'deploy-1');
    expect(first.replayed).toBe(false);
    const again = await infra.launchIdempotent({ ...req, region: 'sin' }, 'deploy-1');
    expect(again).toEqual({ vm: first.vm, replayed: true });
    expect(store.vmsById.size).toBe(1);
    expect(infra.machine('m1')).toMatchObject({ vm_count: 1, cores_allocated: 2 });
    expect(infra.stats()).toMatchObject({ launches_ok: 1 });
  });

  it('a new launch under a key crosses to the store once; a replay releases the room it reserved', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    let lookups = 0;
    const lookup = store.vmByIdempotencyKey.bind(store);
    store.vmByIdempotencyKey = (key) => {
      lookups++;
      return lookup(key);
    };
    const first = await infra.launchIdempotent(req, 'deploy-1');
    expect(lookups).toBe(0);
    expect(store.putVmUnderKeyCalls).toHaveLength(1);
    // The replay is found by the record itself: the VM it would have recorded is not, and the
    // room MachineD reserved for it is free again.
    const again = await infra.launchIdempotent(req, 'deploy-1');
    expect(again).toEqual({ vm: first.vm, replayed: true });
    expect(lookups).toBe(0);
    expect(store.vmsById.size).toBe(1);
    expect(infra.machine('m1')).toMatchObject({ vm_count: 1, cores_allocated: 2 });
    expect(infra.stats()).toMatchObject({ launches_ok: 1, launches_failed: 0 });
  });

  it('a replay into a region with no room left answers the VM, not no_capacity', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 2, memory_total_gb: 4 })]);
    infra = await startInfra(store);
    const first = await infra.launchIdempotent(req, 'deploy-1'); // fills m1
    const again = await infra.launchIdempotent(req, 'deploy-1');
    expect(again).toEqual({ vm: first.vm, replayed: true });
    expect((await rejection(infra.launchIdempotent(req, 'deploy-2'))).code).toBe('no_capacity');
    const reused = await rejection(infra.launchIdempotent({ ...req, cores: 1 }, 'deploy-1'));
    expect(reused.code).toBe('idempotency_key_reused');
    expect(infra.stats()).toMatchObject({ launches_ok: 1, launches_failed: 1 });
  });

  it('the same key with other parameters is idempotency_key_reused, naming the VM', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    const { vm } = await infra.launchIdempotent(req, 'deploy-1');
    const err = await rejection(infra.launchIdempotent({ ...req, cores: 3 }, 'deploy-1'));
    expect(err.code).toBe('idempotency_key_reused');
    expect(err.status).toBe(422);
    expect(err.message).toContain(vm.id);
    expect(err.details).toEqual({ vm_id: vm.id });
    expect((await rejection(infra.launchIdempotent(req, 'bad key'))).code).toBe('bad_request');
  });

  it('concurrent launches under one key place exactly one VM', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 64, memory_total_gb: 256 })]);
    infra = await startInfra(store);
    const all = await Promise.all(
      Array.from({ length: 20 }, () => (infra as Infrastructure).launchIdempotent(req, 'k')),
    );
    expect(new Set(all.map((r) => r.vm.id)).size).toBe(1);
    expect(all.filter((r) => !r.replayed)).toHaveLength(1);
    expect(store.vmsById.size).toBe(1);
    expect(infra.machine('m1')).toMatchObject({ vm_count: 1, cores_allocated: 2 });
  });

  it('a retry never gets the record an unfinished undo is about to take back', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    store.fail('putVm', 'died-after'); // recorded, answer lost
    store.fail('deleteVm', 'reject', 'reject'); // and the store stays down for two calls
    expect((await rejection(infra.launchIdempotent(req, 'k'))).code).toBe('unavailable');
    const early = await rejection(infra.launchIdempotent(req, 'k'));
    expect(early.code).toBe('unavailable');
    expect(early.message).toContain('not settled yet');
    expect(store.vmsById.size).toBe(1); // the unacknowledged record is still there…
    const retry = await infra.launchIdempotent(req, 'k'); // …until the store answers
    expect(retry.replayed).toBe(false);
    expect([...store.vmsById.keys()]).toEqual([retry.vm.id]);
    expect(infra.machine('m1')).toMatchObject({ vm_count: 1, cores_allocated: 2 });
    expect(infra.stats().unsettled_writes).toBe(0);
  });

  it('answers 503 within a second while the undo of an unconfirmed record hangs; retries hear "not settled yet" at once, then launch one VM', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    store.fail('putVm', 'died-after'); // recorded, answer lost
    let open = () => {};
    const gate = new Promise<void>((r) => (open = r));
    const del = store.deleteVm.bind(store);
    store.deleteVm = async (id) => {
      await gate; // the store answers the undo only later (etcd: up to its 2.5 s deadline)
      return del(id);
    };
    let t = Date.now();
    expect((await rejection(infra.launchIdempotent(req, 'k'))).code).toBe('unavailable');
    expect(Date.now() - t).toBeLessThan(2000);
    t = Date.now();
    const early = await rejection(infra.launchIdempotent(req, 'k'));
    expect(early.message).toContain('not settled yet');
    expect(Date.now() - t).toBeLessThan(500);
    open();
    await until(async () => store.vmsById.size === 0, 2000, 'the undo to land');
    const retry = await infra.launchIdempotent(req, 'k');
    expect(retry.replayed).toBe(false);
    expect([...store.vmsById.keys()]).toEqual([retry.vm.id]);
    expect(infra.machine('m1')).toMatchObject({ vm_count: 1, cores_allocated: 2 });
    expect(infra.stats().unsettled_writes).toBe(0);
  });

  it('once its VM is destroyed the key launches anew', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    const { vm } = await infra.launchIdempotent(req, 'k');
    await infra.destroy(vm.id);
    const next = await infra.launchIdempotent(req, 'k');
    expect(next.replayed).toBe(false);
    expect(next.vm.id).not.toBe(vm.id);
  });

  it('a retry after the store died mid-launch starts one VM, not two', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    store.fail('putVm', 'died-after');
    expect((await rejection(infra.launchIdempotent(req, 'k'))).code).toBe('unavailable');
    await settle(); // the unacknowledged record is taken back
    const retry = await infra.launchIdempotent(req, 'k');
    expect(retry.replayed).toBe(false);
    expect([...store.vmsById.keys()]).toEqual([retry.vm.id]);
    expect(infra.machine('m1')).toMatchObject({ vm_count: 1, cores_allocated: 2 });
  });
});

describe('destroy when the store dies mid-write', () => {
  it('a destroying write that landed but was not confirmed frees the machine once the store answers, once', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    const vm = await infra.launch({ region: 'SIN', memory_gb: 8, cores: 4 });
    store.fail('updateVm', 'died-after');
    expect((await rejection(infra.destroy(vm.id))).code).toBe('unavailable');
    expect(store.vmsById.get(vm.id)?.state).toBe('destroying');
    // Unknown whether it landed: the machine keeps holding until a read says.
    expect(infra.machine('m1')).toMatchObject({ vm_count: 1, cores_allocated: 4 });
    expect(infra.stats().unsettled_writes).toBe(1);
    // The user retries: settling first finds it destroying, so it frees the machine and finishes.
    expect((await rejection(infra.destroy(vm.id))).code).toBe('invalid_state');
    await until(() => !store.vmsById.has(vm.id));
    await infra.tick();
    expect(store.vmsById.has(vm.id)).toBe(false);
    expect(infra.machine('m1')).toMatchObject({ vm_count: 0, cores_allocated: 0, memory_allocated_gb: 0 });
    expect(infra.stats().unsettled_writes).toBe(0);
    await infra.tick();
    expect(infra.machine('m1')).toMatchObject({ vm_count: 0, cores_allocated: 0 });
  });

  it('a destroying write that did not land leaves the VM as it was, settled on a tick, nothing freed', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    const vm = await infra.launch({ region: 'SIN', memory_gb: 8, cores: 4 });
    store.fail('updateVm', 'reject');
    store.fail('vm', undefined as never, 'reject'); // the settling read cannot reach the store at first
    expect((await rejection(infra.destroy(vm.id))).code).toBe('unavailable');
    await infra.tick();
    expect(infra.stats().unsettled_writes).toBe(1);
    await infra.tick(); // the store answers: the VM is still started
    expect(infra.stats().unsettled_writes).toBe(0);
    expect(store.vmsById.get(vm.id)?.state).toBe('started');
    expect(infra.machine('m1')).toMatchObject({ vm_count: 1, cores_allocated: 4 });
    expect(await infra.destroy(vm.id)).toMatchObject({ state: 'destroyed' });
    expect(infra.machine('m1')).toMatchObject({ vm_count: 0, cores_allocated: 0 });
  });
});

describe('service object', () => {
  it('exposes exactly the OrchestratorService methods', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    infra = await startInfra(store);
    const started = infra;
    const holder = { current: started, rebuild: async () => started };
    const service = orchestratorService(holder, createLogger('silent'));
    expect(Object.keys(service).sort()).toEqual(
      [
        'chaosRun',
        'created',
        'destroy',
        'failMachines',
        'flush',
        'killActors',
        'launch',
        'launchAnswer',
        'launchBatch',
        'launchIdempotent',
        'machineAction',
        'operate',
        'place',
        'resync',
        'setRegionStatus',
        'stats',
        'wait',
      ].sort(),
    );
    const vm = await service.launch({ region: 'SIN', memory_gb: 2, cores: 1 });
    // POST /v1/vms's answer: the VM's own JSON, made on this side.
    const answer = await service.launchAnswer({ region: 'SIN', memory_gb: 2, cores: 1 }, undefined);
    expect(answer).toMatchObject({ region: 'SIN', replayed: false });
    expect(JSON.parse(answer.json)).toMatchObject({ id: answer.id, state: answer.state, memory_gb: 2 });
    const keyed = await service.launchAnswer({ region: 'SIN', memory_gb: 2, cores: 1 }, 'k-1');
    const again = await service.launchAnswer({ region: 'SIN', memory_gb: 2, cores: 1 }, 'k-1');
    expect(again).toEqual({ ...keyed, replayed: true });
    for (const id of [answer.id, keyed.id]) await service.operate(id, 'destroy', true);
    await settle();
    expect(await service.flush()).toEqual({ flushed: 1 });
    expect((await service.stats()).flyd_flushes).toBe(1);
    expect((await service.destroy(vm.id)).state).toBe('destroyed');
  });
});
