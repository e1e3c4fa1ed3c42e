import { describe, expect, it } from 'vitest';
import { FreeIndex } from '../../src/shared/free-index';
import { largestSlots, order, type PlacementMachine } from '../../src/shared/placement';
import { mulberry32 } from '../../src/shared/random';

interface M {
  record: { id: string };
  slot: number;
  cores: number;
  memory: number;
  schedulable: boolean;
}

/** A region of machines with random free resources, and the index kept in step with them. */
/** `bySlot`: the owner numbers the machines (as the registry and the store do); else the index does. */
function region(n: number, seed: number, bySlot = false) {
  const rng = mulberry32(seed);
  const machines: M[] = [];
  const index = bySlot
    ? new FreeIndex<M>(
        (m) => m.record.id,
        (m) => m.slot,
      )
    : new FreeIndex<M>((m) => m.record.id);
  for (let i = 0; i < n; i++) {
    const m = {
      record: { id: `m${String(i).padStart(4, '0')}` },
      slot: i,
      cores: Math.floor(rng() * 9),
      memory: Math.floor(rng() * 33),
      schedulable: rng() > 0.1,
    };
    machines.push(m);
    index.set(m, m.schedulable ? { cores: m.cores, memory: m.memory } : null);
  }
  const move = (m: M, cores: number, memory: number, schedulable = m.schedulable) => {
    Object.assign(m, { cores, memory, schedulable });
    index.set(m, schedulable ? { cores, memory } : null);
  };
  return { machines, index, move, rng };
}

const view = (m: M): PlacementMachine => ({
  id: m.record.id,
  status: 'allocated',
  schedulable: m.schedulable,
  cores_total: 8,
  memory_total_gb: 32,
  cores_free: m.cores,
  memory_free_gb: m.memory,
});
const fitsNow = (m: M, memory: number, cores: number) => m.schedulable && m.cores >= cores && m.memory >= memory;

describe('the free-capacity index', () => {
  it.each([
    ['numbers machines itself', false],
    ["uses the owner's slots", true],
  ])('agrees with a scan of the region after any sequence of changes (%s)', (_how, bySlot) => {
    const { machines, index, move, rng } = region(400, 7, bySlot);
    for (let step = 0; step < 3000; step++) {
      const m = machines[Math.floor(rng() * machines.length)];
      move(m, Math.floor(rng() * 9), Math.floor(rng() * 33), rng() > 0.1);
      if (step % 50 !== 0) continue;
      const cores = Math.floor(rng() * 10);
      const memory = Math.floor(rng() * 36);
      const expected = machines.filter((x) => fitsNow(x, memory, cores));
      expect(index.fits(memory, cores)).toBe(expected.length > 0);
      expect(new Set(index.fitting(memory, cores))).toEqual(new Set(expected));
      const picked = index.pick(memory, cores, rng);
      if (expected.length === 0) expect(picked).toBeUndefined();
      else expect(expected).toContain(picked);
      // binpack's and spread's choice: one of the machines placement's order() puts first.
      for (const strategy of ['binpack', 'spread'] as const) {
        const chosen = index.ranked(memory, cores, strategy === 'binpack', rng);
        const ranked = order(machines.map(view), { memory_gb: memory, cores }, strategy, rng);
        if (ranked.length === 0) {
          expect(chosen).toBeUndefined();
          continue;
        }
        const best = ranked.filter(
          (v) => v.cores_free === ranked[0].cores_free && v.memory_free_gb === ranked[0].memory_free_gb,
        );
        expect(best.map((v) => v.id)).toContain(chosen?.record.id);
      }
      // The same frontier of free slots; which machine names a slot may differ among equals.
      const slots = index.slots();
      const reference = largestSlots(machines.map(view));
      expect(slots.map(({ cores, memory_gb }) => ({ cores, memory_gb }))).toEqual(
        reference.map(({ cores, memory_gb }) => ({ cores, memory_gb })),
      );
      for (const s of slots) {
        const named = machines.find((x) => x.record.id === s.machine_id) as M;
        expect([named.cores, named.memory, named.schedulable]).toEqual([s.cores, s.memory_gb, true]);
      }
    }
    expect(index.size).toBe(machines.filter((m) => m.schedulable).length);
  });

  it('picks uniformly among the machines that fit', () => {
    const { machines, index, rng } = region(60, 11);
    const fitting = machines.filter((m) => fitsNow(m, 10, 3));
    expect(fitting.length).toBeGreaterThan(5);
    const counts = new Map<M, number>();
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const m = index.pick(10, 3, rng) as M;
      counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    const expected = draws / fitting.length;
    expect(counts.size).toBe(fitting.length);
    for (const c of counts.values()) expect(Math.abs(c - expected) / expected).toBeLessThan(0.2);
  });

  it('binpack and spread draw uniformly among the machines tied for the least (most) free room', () => {
    const { machines, index, move, rng } = region(30, 5);
    for (const [i, m] of machines.entries()) move(m, i < 6 ? 2 : i < 12 ? 7 : 4, i < 6 ? 9 : i < 12 ? 30 : 16, true);
    for (const [least, tied] of [
      [true, machines.slice(0, 6)],
      [false, machines.slice(6, 12)],
    ] as const) {
      const counts = new Map<M, number>();
      for (let i = 0; i < 6000; i++) {
        const m = index.ranked(8, 2, least, rng) as M;
        counts.set(m, (counts.get(m) ?? 0) + 1);
      }
      expect(new Set(counts.keys())).toEqual(new Set(tied));
      for (const c of counts.values()) expect(Math.abs(c - 1000) / 1000).toBeLessThan(0.2);
    }
    expect(index.ranked(31, 1, true, rng)).toBeUndefined();
  });

  it('answers a request that fits nowhere from the buckets, whatever the region size', () => {
    const { index } = region(5000, 3);
    expect(index.fits(33, 1)).toBe(false);
    expect(index.pick(33, 1, Math.random)).toBeUndefined();
    expect(index.fitting(10, 9)).toEqual([]);
  });

  it('keeps sparse, large slots and large free values apart, and forgets a machine taken out', () => {
    // Slots far apart (the index grows to the largest), free room up to the CSV's limits.
    const machines = Array.from({ length: 300 }, (_, i) => ({
      record: { id: `m${i}` },
      slot: i * 97 + (i % 7),
      cores: 0,
      memory: 0,
      schedulable: true,
    }));
    const index = new FreeIndex<M>(
      (m) => m.record.id,
      (m) => m.slot,
    );
    const rng = mulberry32(21);
    for (let step = 0; step < 4000; step++) {
      const m = machines[Math.floor(rng() * machines.length)];
      const out = rng() < 0.15;
      m.cores = Math.floor(rng() * 65_537);
      m.memory = Math.floor(rng() * 1_048_577);
      m.schedulable = !out;
      index.set(m, out ? null : { cores: m.cores, memory: m.memory });
      if (step % 100 !== 0) continue;
      const cores = Math.floor(rng() * 65_537);
      const memory = Math.floor(rng() * 1_048_577);
      const expected = machines.filter((x) => fitsNow(x, memory, cores));
      expect(new Set(index.fitting(memory, cores))).toEqual(new Set(expected));
      const picked = index.pick(memory, cores, rng);
      if (expected.length === 0) expect(picked).toBeUndefined();
      else expect(expected).toContain(picked);
    }
    expect(index.size).toBe(machines.filter((m) => m.schedulable).length);
    for (const m of machines) index.set(m, null);
    expect(index.size).toBe(0);
    expect(index.pick(0, 0, rng)).toBeUndefined();
    expect(index.fitting(0, 0)).toEqual([]);
    expect(index.slots()).toEqual([]);
  });

  it('counts free room in whole units: a fraction left over takes no whole VM', () => {
    const { machines, index, move } = region(3, 1);
    move(machines[0], 2.5, 3.9, true);
    move(machines[1], 0, 0, false);
    move(machines[2], 0, 0, false);
    expect(index.fits(3, 2)).toBe(true);
    expect(index.fits(4, 2)).toBe(false);
    expect(index.fits(3, 3)).toBe(false);
    expect(index.slots()).toEqual([{ machine_id: machines[0].record.id, cores: 2, memory_gb: 3 }]);
  });
});
