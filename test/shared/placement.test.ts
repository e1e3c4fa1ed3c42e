import { describe, expect, it } from 'vitest';
import {
  explain,
  fragmentation,
  largestSlots,
  noCapacityMessage,
  order,
  type PlacementMachine,
} from '../../src/shared/placement';
import { mulberry32 } from '../../src/shared/random';

function m(id: string, cores_free: number, memory_free_gb: number, extra: Partial<PlacementMachine> = {}) {
  return {
    id,
    status: 'available',
    schedulable: true,
    cores_total: 32,
    memory_total_gb: 128,
    cores_free,
    memory_free_gb,
    ...extra,
  } satisfies PlacementMachine;
}

describe('placement strategies', () => {
  const region = [m('a', 32, 128), m('b', 8, 32), m('c', 16, 64), m('d', 2, 8)];

  it('binpack tries the least free room that fits first; spread the most', () => {
    const req = { memory_gb: 4, cores: 2 };
    expect(order(region, req, 'binpack', mulberry32(1)).map((x) => x.id)).toEqual(['d', 'b', 'c', 'a']);
    expect(order(region, req, 'spread', mulberry32(1)).map((x) => x.id)).toEqual(['a', 'c', 'b', 'd']);
  });

  it('free room is free cores, then free memory; machines tied on both go in the seeded order', () => {
    const req = { memory_gb: 4, cores: 2 };
    const tied = [m('x', 4, 64), m('y', 4, 16), m('z', 2, 128), m('t1', 4, 16), m('t2', 4, 16)];
    const packed = order(tied, req, 'binpack', mulberry32(5)).map((x) => x.id);
    expect(packed[0]).toBe('z');
    expect(packed.slice(1, 4).sort()).toEqual(['t1', 't2', 'y']);
    expect(packed[4]).toBe('x');
    const spread = order(tied, req, 'spread', mulberry32(5)).map((x) => x.id);
    expect(spread[0]).toBe('x');
    expect(spread[4]).toBe('z');
    // The same seed, the same order; among ties, every machine comes first for some seed.
    expect(order(tied, req, 'binpack', mulberry32(5)).map((x) => x.id)).toEqual(packed);
    const firsts = new Set(Array.from({ length: 40 }, (_, s) => order(tied, req, 'binpack', mulberry32(s))[1].id));
    expect([...firsts].sort()).toEqual(['t1', 't2', 'y']);
  });

  it('random shuffles only the machines that fit, and replays on a seed', () => {
    const req = { memory_gb: 16, cores: 4 };
    const once = order(region, req, 'random', mulberry32(9)).map((x) => x.id);
    expect(once.sort()).toEqual(['a', 'b', 'c']);
    expect(order(region, req, 'random', mulberry32(9))).toEqual(order(region, req, 'random', mulberry32(9)));
  });

  it('binpack fills machines in order; spread evens them out', () => {
    const fleet = [m('m1', 8, 32), m('m2', 8, 32), m('m3', 8, 32)].map((x) => ({
      ...x,
      cores_total: 8,
      memory_total_gb: 32,
    }));
    const packed = explain(fleet, { memory_gb: 4, cores: 1, count: 9 }, 'binpack', mulberry32(1));
    // Three equal machines: the first VM goes to one of them, and the next seven fill it.
    const [firstPick] = packed.placements;
    expect(packed.placements.slice(0, 8)).toEqual(Array(8).fill(firstPick));
    expect(packed.placements[8]).not.toBe(firstPick);
    const spread = explain(fleet, { memory_gb: 4, cores: 1, count: 9 }, 'spread', mulberry32(1));
    const per = (id: string) => spread.placements.filter((p) => p === id).length;
    expect([per('m1'), per('m2'), per('m3')]).toEqual([3, 3, 3]);
  });

  it('a batch is all or nothing', () => {
    const plan = explain([m('a', 4, 16), m('b', 4, 16)], { memory_gb: 8, cores: 2, count: 5 }, 'spread', mulberry32(1));
    expect(plan.placements).toEqual([]);
    expect(plan.verdicts.every((v) => v.chosen === 0)).toBe(true);
  });

  it('explains every machine: refused for status, cores short by, memory short by; kept with rank', () => {
    const machines = [
      m('ok', 16, 64),
      m('drained', 32, 128, { schedulable: false, status: 'draining' }),
      m('thin', 2, 128),
      m('small', 16, 4),
      m('both', 1, 2),
    ];
    const plan = explain(machines, { memory_gb: 8, cores: 4 }, 'binpack', mulberry32(1));
    const by = Object.fromEntries(plan.verdicts.map((v) => [v.machine_id, v]));
    expect(by.ok).toMatchObject({ reasons: [], rank: 1, chosen: 1 });
    expect(by.drained.reasons).toEqual([{ code: 'not_schedulable', status: 'draining' }]);
    expect(by.thin.reasons).toEqual([{ code: 'cores_short', short_by: 2 }]);
    expect(by.small.reasons).toEqual([{ code: 'memory_short', short_by_gb: 4 }]);
    expect(by.both.reasons).toEqual([
      { code: 'cores_short', short_by: 3 },
      { code: 'memory_short', short_by_gb: 6 },
    ]);
    expect(plan.placements).toEqual(['ok']);
    expect(plan.verdicts[0].machine_id).toBe('ok');
  });
});

describe('capacity that really exists', () => {
  it('reports the Pareto frontier of free cores × memory, not maxima from two machines', () => {
    // After two 32-core launches in MAD: one machine has lots of memory but few cores, another
    // the reverse. The old message combined 1008 GB (one machine) with 16 cores (another).
    const mad = [m('mad-1', 0, 1008), m('mad-2', 16, 64), m('mad-3', 4, 512), m('mad-4', 2, 100)];
    expect(largestSlots(mad)).toEqual([
      { machine_id: 'mad-2', cores: 16, memory_gb: 64 },
      { machine_id: 'mad-3', cores: 4, memory_gb: 512 },
      { machine_id: 'mad-1', cores: 0, memory_gb: 1008 },
    ]);
    expect(noCapacityMessage('MAD', 200, 1, largestSlots(mad))).toBe(
      'no machine in MAD has 200 GB and 1 core free; the largest free slots are 64 GB with 16 cores (mad-2), ' +
        '512 GB with 4 cores (mad-3), 1008 GB with 0 cores (mad-1)',
    );
  });

  it('leaves out machines that take nothing new', () => {
    expect(largestSlots([m('x', 32, 128, { schedulable: false })])).toEqual([]);
    expect(noCapacityMessage('SIN', 8, 4, [])).toBe(
      'no machine in SIN has 8 GB and 4 cores free; no machine there can take a VM now',
    );
  });

  it('measures free and stranded capacity in reference VMs', () => {
    const f = fragmentation([m('a', 3, 100), m('b', 1, 1), m('c', 4, 8), m('off', 32, 128, { schedulable: false })]);
    // a: one 2c/4G fits, 1 core and 96 GB are left over; b: nothing fits; c: exactly two fit.
    expect(f).toEqual({
      reference_vms_free: 3,
      free_cores: 8,
      free_memory_gb: 109,
      stranded_cores: 2,
      stranded_memory_gb: 97,
    });
  });
});
