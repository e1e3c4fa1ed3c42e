import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/main/common/log';
import { EMPTY, type MachineChange, MachineD } from '../../../src/main/orchestrator/machined';
import { machine } from '../../helpers/fixtures';
import { captureLog, FakeStore, seeded, settle, startInfra } from '../../helpers/orchestrator-fakes';

function machineD(cores_total: number, memory_total_gb: number, log = createLogger('silent')) {
  const changes: MachineChange[] = [];
  const d = new MachineD(
    {
      capacity: { id: 'm1', region: 'SIN', cores_total, memory_total_gb, schedulable: true },
      notify: (c) => changes.push(c),
      recover: async () => EMPTY,
      log,
    },
    EMPTY,
  );
  const allocate = (memory_gb: number, cores: number): boolean => {
    let answer: boolean | undefined;
    d.handle({
      t: 'allocate',
      memory_gb,
      cores,
      reply: {
        answer: (v) => {
          answer = v;
        },
        fail: (e) => {
          throw e;
        },
      },
    });
    if (answer === undefined) throw new Error('allocate did not answer at once');
    return answer;
  };
  const release = (memory_gb: number, cores: number) => d.handle({ t: 'release', memory_gb, cores });
  return { d, changes, allocate, release };
}

describe('MachineD accounting', () => {
  it('allocates until full, then refuses', () => {
    const { d, allocate } = machineD(16, 64);
    for (let i = 0; i < 4; i++) expect(allocate(16, 4)).toBe(true);
    expect(allocate(1, 1)).toBe(false);
    expect(d.snapshot()).toMatchObject({
      cores_allocated: 16,
      memory_allocated_gb: 64,
      vm_count: 4,
      free_cores: 0,
      free_memory_gb: 0,
    });
  });

  it('refuses when only memory is short, and when only cores are short', () => {
    const { d, allocate } = machineD(16, 64);
    expect(allocate(60, 2)).toBe(true); // 4 GB and 14 cores left
    expect(allocate(8, 1)).toBe(false); // memory short, cores plenty
    expect(allocate(4, 14)).toBe(true); // exactly what is left
    const { allocate: allocate2 } = machineD(4, 256);
    expect(allocate2(8, 3)).toBe(true); // 1 core left, lots of memory
    expect(allocate2(8, 2)).toBe(false); // cores short, memory plenty
    expect(d.snapshot()).toMatchObject({ free_cores: 0, free_memory_gb: 0, vm_count: 2 });
  });

  it('release restores exactly what was taken', () => {
    const { d, allocate, release } = machineD(32, 128);
    expect(allocate(100, 30)).toBe(true);
    expect(allocate(64, 4)).toBe(false);
    release(100, 30);
    expect(d.snapshot()).toMatchObject({ cores_allocated: 0, memory_allocated_gb: 0, vm_count: 0 });
    expect(allocate(128, 32)).toBe(true);
  });

  it('never goes negative on a release larger than the allocation, and says so', () => {
    const { log, lines } = captureLog();
    const { d, allocate, release } = machineD(8, 32, log);
    expect(allocate(4, 2)).toBe(true);
    release(16, 8);
    release(4, 2);
    expect(d.snapshot()).toMatchObject({ cores_allocated: 0, memory_allocated_gb: 0, vm_count: 0 });
    expect(lines.filter((l) => l.level === 'warn' && String(l.msg).includes('release larger'))).toHaveLength(2);
  });

  it('refuses nonsense sizes instead of corrupting its numbers', () => {
    const { d, allocate } = machineD(8, 32);
    expect(allocate(Number.NaN, 1)).toBe(false);
    expect(allocate(4, -2)).toBe(false);
    expect(allocate(2.5, 1)).toBe(false);
    expect(d.snapshot()).toMatchObject({ cores_allocated: 0, memory_allocated_gb: 0, vm_count: 0 });
  });

  it('stays within [0, capacity] over a long random run, and reports every change as absolute state', () => {
    const { d, allocate, release, changes } = machineD(24, 96);
    const random = seeded(7);
    const held: [number, number][] = [];
    let expectedChanges = 0;
    for (let i = 0; i < 2000; i++) {
      if (random() < 0.6) {
        const m = 1 + Math.floor(random() * 16);
        const c = 1 + Math.floor(random() * 8);
        const free = d.snapshot();
        const ok = allocate(m, c);
        expect(ok).toBe(free.free_memory_gb >= m && free.free_cores >= c);
        if (ok) {
          held.push([m, c]);
          expectedChanges++;
        }
      } else if (held.length > 0) {
        const [m, c] = held.splice(Math.floor(random() * held.length), 1)[0];
        release(m, c);
        expectedChanges++;
      }
      const s = d.snapshot();
      expect(s.cores_allocated).toBeGreaterThanOrEqual(0);
      expect(s.memory_allocated_gb).toBeGreaterThanOrEqual(0);
      expect(s.cores_allocated).toBeLessThanOrEqual(24);
      expect(s.memory_allocated_gb).toBeLessThanOrEqual(96);
      expect(s.cores_allocated).toBe(held.reduce((a, [, c]) => a + c, 0));
      expect(s.memory_allocated_gb).toBe(held.reduce((a, [m]) => a + m, 0));
      expect(s.vm_count).toBe(held.length);
    }
    expect(changes).toHaveLength(expectedChanges);
    const last = changes[changes.length - 1];
    expect(last.state).toEqual({
      cores_allocated: d.snapshot().cores_allocated,
      memory_allocated_gb: d.snapshot().memory_allocated_gb,
      vm_count: held.length,
    });
  });

  it('notifies its FlyD through the mailbox, not by a direct call', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 8, memory_total_gb: 32 })]);
    const infra = await startInfra(store);
    const launching = infra.launch({ region: 'SIN', memory_gb: 4, cores: 2 });
    await launching;
    // The VM is acknowledged; the store still has the old view until FlyD's tick.
    expect(store.machinesById.get('m1')?.cores_allocated).toBe(0);
    await settle();
    expect(await infra.held('m1')).toEqual({
      state: { cores_allocated: 2, memory_allocated_gb: 4, vm_count: 1 },
      unflushed: true,
      lost: false,
    });
    infra.stop();
  });

  it("adopts a shared store's committed allocation and tells the free index, so placement follows it", () => {
    const seen: Array<{ cores_allocated: number }> = [];
    const d = new MachineD(
      {
        capacity: { id: 'm1', region: 'SIN', cores_total: 8, memory_total_gb: 16, schedulable: true },
        notify: () => {},
        recover: async () => EMPTY,
        allocated: (a) => seen.push({ cores_allocated: a.cores_allocated }),
        log: createLogger('silent'),
      },
      EMPTY,
    );
    // Another host filled the machine: the index must stop offering it at once.
    d.handle({ t: 'observe', state: { cores_allocated: 8, memory_allocated_gb: 16, vm_count: 8 } });
    expect(seen.at(-1)).toEqual({ cores_allocated: 8 });
    expect(d.fits(2, 1)).toBe(false);
    d.handle({ t: 'observe', state: { cores_allocated: 3, memory_allocated_gb: 6, vm_count: 3 } });
    expect(seen.at(-1)).toEqual({ cores_allocated: 3 });
    expect(d.fits(2, 1)).toBe(true);
  });
});
