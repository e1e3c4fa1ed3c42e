// Placement through the real orchestrator (Infrastructure, MachineDs, FlyDs) over an in-memory
// store: strategies on a fixed seed, region fallback, all-or-nothing batches, the dry run, and
// capacity errors that name slots which really exist.

import { afterEach, describe, expect, it } from 'vitest';
import type { Infrastructure } from '../../../src/main/orchestrator/infrastructure';
import { placementView } from '../../../src/main/orchestrator/placer';
import { ApiError } from '../../../src/shared/errors';
import type { Machine } from '../../../src/shared/types';
import { machine as wireMachine } from '../../helpers/fixtures';
import { FakeStore, seeded, settle, startInfra } from '../../helpers/orchestrator-fakes';

/** A machine of this size, empty unless `over` says otherwise. */
const machine = (
  id: string,
  region: string,
  cores_total: number,
  memory_total_gb: number,
  over: Partial<Machine> = {},
) => wireMachine(id, region, { cores_total, memory_total_gb, ...over });

let infra: Infrastructure | null = null;
afterEach(() => {
  infra?.stop();
  infra = null;
});

const three = () => [machine('m1', 'SIN', 8, 32), machine('m2', 'SIN', 8, 32), machine('m3', 'SIN', 8, 32)];

async function start(machines: Machine[], strategy?: 'random' | 'binpack' | 'spread') {
  const store = new FakeStore(machines);
  infra = await startInfra(store, { random: seeded(7), strategy });
  return { store, infra };
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

function vmCounts(i: Infrastructure, ids: string[]): number[] {
  return ids.map((id) => i.machine(id)?.vm_count ?? -1);
}

describe('strategies through the orchestrator', () => {
  it('binpack fills machines in order, one VM at a time', async () => {
    const { infra } = await start(three());
    const placed: string[] = [];
    for (let i = 0; i < 9; i++) {
      placed.push((await infra.launch({ region: 'SIN', memory_gb: 4, cores: 1, strategy: 'binpack' })).machine_id);
    }
    expect(placed).toEqual(['m1', 'm1', 'm1', 'm1', 'm1', 'm1', 'm1', 'm1', 'm2']);
    expect(vmCounts(infra, ['m1', 'm2', 'm3'])).toEqual([8, 1, 0]);
  });

  it('spread evens them out', async () => {
    const { infra } = await start(three());
    for (let i = 0; i < 9; i++) await infra.launch({ region: 'SIN', memory_gb: 4, cores: 1, strategy: 'spread' });
    expect(vmCounts(infra, ['m1', 'm2', 'm3'])).toEqual([3, 3, 3]);
  });

  it("the host's strategy applies when a request names none; a request's own wins", async () => {
    const { infra } = await start(three(), 'binpack');
    await infra.launch({ region: 'SIN', memory_gb: 4, cores: 1 });
    await infra.launch({ region: 'SIN', memory_gb: 4, cores: 1 });
    expect(vmCounts(infra, ['m1', 'm2', 'm3'])).toEqual([2, 0, 0]);
    await infra.launch({ region: 'SIN', memory_gb: 4, cores: 1, strategy: 'spread' });
    expect(vmCounts(infra, ['m1', 'm2', 'm3'])).toEqual([2, 1, 0]);
  });

  it('random replays on a fixed seed', async () => {
    const run = async () => {
      const store = new FakeStore(three());
      const i = await startInfra(store, { random: seeded(42) });
      const out: string[] = [];
      for (let n = 0; n < 6; n++)
        out.push((await i.launch({ region: 'SIN', memory_gb: 4, cores: 1, count: 1, explain: true })).machine_id);
      i.stop();
      return out;
    };
    expect(await run()).toEqual(await run());
  });

  it('ranks MachineD, not the lagging store: binpack sees a VM the store has not heard of yet', async () => {
    const { store, infra } = await start(three());
    await infra.launch({ region: 'SIN', memory_gb: 4, cores: 1, strategy: 'spread' });
    // No FlyD tick: the store still sees every machine empty.
    expect([...store.machinesById.values()].every((m) => m.vm_count === 0)).toBe(true);
    const first = infra.registry.inRegion('SIN').find((e) => e.machined.current?.snapshot().vm_count === 1);
    const vm = await infra.launch({ region: 'SIN', memory_gb: 4, cores: 1, strategy: 'binpack' });
    expect(vm.machine_id).toBe(first?.record.id);
  });

  it('refuses an unknown strategy clearly', async () => {
    const { infra } = await start(three());
    const err = await refusal(infra.launch({ region: 'SIN', memory_gb: 4, cores: 1, strategy: 'tightest' as never }));
    expect(err).toMatchObject({ code: 'bad_request', message: 'strategy must be one of random, binpack, spread' });
  });
});

describe('region fallback', () => {
  const fleet = () => [machine('s1', 'SIN', 4, 16), machine('n1', 'NRT', 8, 32)];

  it('tries the regions in the order given', async () => {
    const { infra } = await start(fleet());
    expect((await infra.launch({ region: 'sin,nrt', memory_gb: 16, cores: 4 })).region).toBe('SIN');
    // SIN is full now: the next one lands in NRT.
    expect((await infra.launch({ region: 'sin,nrt', memory_gb: 16, cores: 4 })).region).toBe('NRT');
    expect((await infra.launch({ region: 'nrt', memory_gb: 16, cores: 4, strategy: 'binpack' })).region).toBe('NRT');
  });

  it('when none has room, says so for each region tried', async () => {
    const { infra } = await start(fleet());
    const err = await refusal(infra.launch({ region: 'SIN,NRT', memory_gb: 64, cores: 1 }));
    expect(err.code).toBe('no_capacity');
    expect(err.message).toBe(
      'no machine in SIN has 64 GB and 1 core free; the largest free slot is 16 GB with 4 cores (s1). ' +
        'no machine in NRT has 64 GB and 1 core free; the largest free slot is 32 GB with 8 cores (n1)',
    );
    expect(err.details).toMatchObject({
      region: 'SIN,NRT',
      largest_slots: [{ machine_id: 's1', cores: 4, memory_gb: 16 }],
      regions: [
        { region: 'SIN', largest_slots: [{ machine_id: 's1', cores: 4, memory_gb: 16 }] },
        { region: 'NRT', largest_slots: [{ machine_id: 'n1', cores: 8, memory_gb: 32 }] },
      ],
    });
  });

  it('an unknown region in the list is an unknown_region error', async () => {
    const { infra } = await start(fleet());
    const err = await refusal(infra.launch({ region: 'SIN,XYZ', memory_gb: 64, cores: 1, strategy: 'spread' }));
    expect(err.code).toBe('unknown_region');
  });
});

describe('batches: all or nothing', () => {
  it('places every VM of the batch and answers with all of them', async () => {
    const { store, infra } = await start(three());
    const { vms } = await infra.launchBatch({ region: 'SIN', memory_gb: 8, cores: 2, count: 5, strategy: 'spread' });
    expect(vms).toHaveLength(5);
    expect(new Set(vms.map((v) => v.id)).size).toBe(5);
    for (const v of vms) expect(store.vmsById.get(v.id)).toEqual(v);
    expect(vmCounts(infra, ['m1', 'm2', 'm3']).reduce((a, b) => a + b)).toBe(5);
    const cores = ['m1', 'm2', 'm3'].map((id) => infra?.machine(id)?.cores_allocated ?? 0);
    expect(cores.reduce((a, b) => a + b)).toBe(10);
  });

  it('a batch that does not fit whole reserves nothing', async () => {
    const { store, infra } = await start(three());
    const before = ['m1', 'm2', 'm3'].map((id) => infra.machine(id));
    // 3 machines × 4 VMs of 2 cores = 12; 13 do not fit.
    const err = await refusal(infra.launchBatch({ region: 'SIN', memory_gb: 1, cores: 2, count: 13 }));
    expect(err.code).toBe('no_capacity');
    expect(err.message).toContain('Room for 13 VMs of 1 GB and 2 cores was asked, all or none');
    await settle();
    expect(['m1', 'm2', 'm3'].map((id) => infra.machine(id))).toEqual(before);
    expect(store.vmsById.size).toBe(0);
    // Exactly 12 do fit.
    expect((await infra.launchBatch({ region: 'SIN', memory_gb: 1, cores: 2, count: 12 })).vms).toHaveLength(12);
  });

  it('when the store refuses one record, the recorded ones are taken back and every machine freed', async () => {
    const { store, infra } = await start(three());
    store.fail('putVm', undefined as never, 'reject');
    const err = await refusal(
      infra.launchBatch({ region: 'SIN', memory_gb: 4, cores: 1, count: 3, strategy: 'spread' }),
    );
    expect(err.code).toBe('unavailable');
    await settle();
    expect(store.vmsById.size).toBe(0);
    for (const id of ['m1', 'm2', 'm3']) expect(infra.machine(id)).toMatchObject({ cores_allocated: 0, vm_count: 0 });
  });

  it('concurrent batches: each lands whole or not at all, and MachineDs hold exactly what the store records', async () => {
    const { store, infra } = await start(three());
    // 24 cores in all; 12 batches of 3 × 1 core ask for 36.
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        infra.launchBatch({ region: 'SIN', memory_gb: 2, cores: 1, count: 3, strategy: i % 2 ? 'spread' : 'binpack' }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    for (const r of results) {
      if (r.status === 'fulfilled') expect(r.value.vms).toHaveLength(3);
      else expect((r.reason as ApiError).code).toBe('no_capacity');
    }
    expect(ok.length).toBe(8);
    await settle();
    expect(store.vmsById.size).toBe(24);
    for (const id of ['m1', 'm2', 'm3']) {
      const held = [...store.vmsById.values()].filter((v) => v.machine_id === id);
      expect(infra.machine(id)).toMatchObject({ cores_allocated: held.length, vm_count: held.length });
    }
  });

  it('under an Idempotency-Key a retry answers with the same batch', async () => {
    const { store, infra } = await start(three());
    const req = { region: 'SIN', memory_gb: 4, cores: 1, count: 3 };
    const first = await infra.launchBatch(req, 'batch-key-1');
    expect(first.replayed).toBe(false);
    const again = await infra.launchBatch(req, 'batch-key-1');
    expect(again.replayed).toBe(true);
    expect(again.vms.map((v) => v.id).sort()).toEqual(first.vms.map((v) => v.id).sort());
    expect(store.vmsById.size).toBe(3);
  });
});

describe('explanation', () => {
  const region = () => [
    machine('ok-1', 'SIN', 16, 64, { cores_allocated: 8, memory_allocated_gb: 16 }),
    machine('ok-2', 'SIN', 16, 64),
    machine('maint', 'SIN', 64, 256, { status: 'maintenance' }),
    machine('few-cores', 'SIN', 16, 64, { cores_allocated: 14, memory_allocated_gb: 4 }),
    machine('low-mem', 'SIN', 16, 64, { cores_allocated: 1, memory_allocated_gb: 60 }),
  ];

  it('the dry run shows every machine with why it was kept or refused, and reserves nothing', async () => {
    const { infra } = await start(region());
    const report = await infra.place({ region: 'SIN', memory_gb: 8, cores: 4, strategy: 'binpack' });
    expect(report.region).toBe('SIN');
    const [plan] = report.plans;
    expect(plan).toMatchObject({ region: 'SIN', strategy: 'binpack', placements: ['ok-1'] });
    const by = Object.fromEntries(plan.verdicts.map((v) => [v.machine_id, v]));
    expect(by['ok-1']).toMatchObject({ reasons: [], rank: 1, chosen: 1 });
    expect(by['ok-2']).toMatchObject({ reasons: [], rank: 2, chosen: 0 });
    expect(by.maint).toMatchObject({
      status: 'maintenance',
      reasons: [{ code: 'not_schedulable', status: 'maintenance' }],
    });
    expect(by['few-cores'].reasons).toEqual([{ code: 'cores_short', short_by: 2 }]);
    expect(by['low-mem'].reasons).toEqual([{ code: 'memory_short', short_by_gb: 4 }]);
    for (const id of ['ok-1', 'ok-2']) expect(infra.machine(id)?.vm_count).toBe(0);
  });

  it('launch with explain carries the plan it followed', async () => {
    const { infra } = await start(region());
    const out = await infra.launchBatch({ region: 'SIN', memory_gb: 8, cores: 4, strategy: 'spread', explain: true });
    expect(out.vms[0].machine_id).toBe('ok-2');
    expect(out.plans?.[0]).toMatchObject({ region: 'SIN', placements: ['ok-2'] });
  });

  it('a refused launch with explain carries the plans in its details', async () => {
    const { infra } = await start(region());
    const err = await refusal(infra.launchBatch({ region: 'SIN', memory_gb: 200, cores: 1, explain: true }));
    const plans = (err.details as { plans: { verdicts: unknown[] }[] }).plans;
    expect(plans[0].verdicts).toHaveLength(5);
  });
});

describe('capacity errors say the truth', () => {
  it('MAD after two 32-core launches: no 1008 GB / 16 cores made of two machines', async () => {
    // The bootstrap CSV's MAD: mad-m01 64 cores 1024 GB, mad-m02 16 cores 64 GB.
    const { infra } = await start([machine('mad-m01', 'MAD', 64, 1024), machine('mad-m02', 'MAD', 16, 64)]);
    await infra.launch({ region: 'MAD', memory_gb: 8, cores: 32, strategy: 'binpack' });
    await infra.launch({ region: 'MAD', memory_gb: 8, cores: 32, strategy: 'binpack' });
    const err = await refusal(infra.launch({ region: 'mad', memory_gb: 200, cores: 1 }));
    expect(err.message).toBe(
      'no machine in MAD has 200 GB and 1 core free; the largest free slots are 64 GB with 16 cores (mad-m02), ' +
        '1008 GB with 0 cores (mad-m01)',
    );
    expect(err.message).not.toContain('1008 GB / 16 cores');
  });

  it("a refusal never walks the region's machines (store hint, then the free-capacity index)", async () => {
    const { infra } = await start(three());
    await infra.launchBatch({ region: 'SIN', memory_gb: 32, cores: 8, count: 3 });
    const reads: string[] = [];
    const inRegion = infra.registry.inRegion.bind(infra.registry);
    infra.registry.inRegion = (code: string) => {
      reads.push(code);
      return inRegion(code);
    };
    expect((await refusal(infra.launch({ region: 'SIN', memory_gb: 1, cores: 1 }))).code).toBe('no_capacity');
    expect((await refusal(infra.launch({ region: 'SIN', memory_gb: 1, cores: 1, strategy: 'binpack' }))).code).toBe(
      'no_capacity',
    );
    expect(reads).toEqual([]);
  });
});

describe('a 100k-machine fleet', () => {
  it('ranks only the asked region: binpack and the dry run stay fast', async () => {
    // 100k machines over 35 regions, as `flylight gen-fleet` lays them out (~2860 per region).
    const machines: Machine[] = [];
    for (let i = 0; i < 100_000; i++) machines.push(machine(`m${i}`, `R${i % 35}`, 32, 128));
    const { infra } = await start(machines);
    // Placement may read the asked region and nothing else: never the whole registry.
    const read: string[] = [];
    const inRegion = infra.registry.inRegion.bind(infra.registry);
    infra.registry.inRegion = (code: string) => {
      read.push(code);
      return inRegion(code);
    };
    infra.registry.entries = () => {
      throw new Error('placement scanned the whole fleet');
    };
    const t0 = performance.now();
    for (let n = 0; n < 20; n++) await infra.launch({ region: 'R3', memory_gb: 4, cores: 1, strategy: 'binpack' });
    const launchMs = (performance.now() - t0) / 20;
    const t1 = performance.now();
    const report = await infra.place({ region: 'R3', memory_gb: 4, cores: 1, strategy: 'spread' });
    const placeMs = performance.now() - t1;
    expect(report.plans[0].verdicts).toHaveLength(2858);
    expect(new Set(read)).toEqual(new Set(['R3']));
    // Bounds for a 2-core machine shared with other builds (load ~20 when measured); the point
    // is the order of magnitude: one region of ~2.9k machines, not 100k.
    console.log(`100k fleet: binpack launch ${launchMs.toFixed(2)} ms each, dry run ${placeMs.toFixed(2)} ms`);
    expect(launchMs).toBeLessThan(250);
    expect(placeMs).toBeLessThan(1500);
    // binpack put all 20 on one machine (one of the equals, drawn; then the one with least room).
    const used = inRegion('R3')
      .map(placementView)
      .filter((v) => v.status !== 'available');
    expect(used).toMatchObject([{ status: 'allocated', cores_free: 12 }]);
  }, 120_000);
});
