import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActorCell, type Behaviour, type Reply } from '../../../src/main/orchestrator/actor';
import type { Infrastructure } from '../../../src/main/orchestrator/infrastructure';
import { Supervisor } from '../../../src/main/orchestrator/supervisor';
import { ApiError } from '../../../src/shared/errors';
import type { Machine } from '../../../src/shared/types';
import { machine } from '../../helpers/fixtures';
import { captureLog, FakeStore, poison, settle, startInfra } from '../../helpers/orchestrator-fakes';

let infra: Infrastructure | null = null;
afterEach(() => {
  infra?.stop();
  infra = null;
});

type CounterMsg = { t: 'add'; n: number } | { t: 'get'; reply: Reply<number> } | { t: 'boom'; reply?: Reply<number> };

class Counter implements Behaviour<CounterMsg> {
  total = 0;
  constructor(readonly incarnation: number) {}
  handle(msg: CounterMsg): void {
    if (msg.t === 'add') this.total += msg.n;
    else if (msg.t === 'get') msg.reply.answer(this.total);
    else throw new Error('boom');
  }
}

describe('actor cell', () => {
  it('handles messages in order, one at a time, and answers asks', async () => {
    const { log } = captureLog();
    const sup = new Supervisor({ maxRestarts: 5, windowMs: 5000, log, escalate: () => {} });
    const cell = new ActorCell<CounterMsg, Counter>('counter', (i) => new Counter(i), sup).start();
    for (let i = 1; i <= 10; i++) cell.tell({ t: 'add', n: i });
    expect(await cell.ask<number>((reply) => ({ t: 'get', reply }))).toBe(55);
  });

  it('a crash fails only the request that caused it; queued messages go to the restarted behaviour', async () => {
    const { log, lines } = captureLog();
    const sup = new Supervisor({ maxRestarts: 5, windowMs: 5000, log, escalate: () => {} });
    const cell = new ActorCell<CounterMsg, Counter>('counter', (i) => new Counter(i), sup).start();
    cell.tell({ t: 'add', n: 5 });
    const boom = cell.ask<number>((reply) => ({ t: 'boom', reply }));
    cell.tell({ t: 'add', n: 2 });
    const after = cell.ask<number>((reply) => ({ t: 'get', reply }));
    await expect(boom).rejects.toMatchObject({ code: 'unavailable' });
    expect(await after).toBe(2); // fresh state: the counter keeps nothing across a restart
    expect(cell.current?.incarnation).toBe(1);
    expect(sup.restarts).toBe(1);
    expect(lines.some((l) => l.level === 'warn' && l.actor === 'counter' && l.error === 'boom')).toBe(true);
  });
});

describe('supervision of MachineD and FlyD', () => {
  it('a crashed MachineD is restarted alone, from its FlyD’s unflushed state, and logged', async () => {
    const { log, lines } = captureLog();
    const store = new FakeStore([
      machine('m1', 'SIN', { cores_total: 16, memory_total_gb: 64 }),
      machine('m2', 'SIN', { cores_total: 16, memory_total_gb: 64 }),
    ]);
    store.order = (ms) => [...ms].sort((a, b) => a.id.localeCompare(b.id));
    const escalate = vi.fn();
    infra = await startInfra(store, { log, escalate });
    await infra.launch({ region: 'SIN', memory_gb: 40, cores: 10, num_candidates: 5 }); // m1
    await infra.launch({ region: 'SIN', memory_gb: 40, cores: 10, num_candidates: 5 }); // m1 refuses, m2
    await infra.launch({ region: 'SIN', memory_gb: 8, cores: 2, num_candidates: 5 }); // m1
    await settle();
    const m1Before = infra.machine('m1');
    const m2Actor = infra.registry.get('m2')?.machined.current;
    expect(m1Before).toMatchObject({ cores_allocated: 12, memory_allocated_gb: 48, vm_count: 2 });
    // The store has not heard of any of it yet: only FlyD's queue knows.
    expect(store.machinesById.get('m1')?.vm_count).toBe(0);

    poison(infra, 'm1', 'machined', 'injected fault');
    // A launch queued behind the crash is served by the restarted MachineD.
    const next = await infra.launch({ region: 'SIN', memory_gb: 4, cores: 1, num_candidates: 5 });
    expect(next.machine_id).toBe('m1');
    expect(infra.machine('m1')).toMatchObject({ cores_allocated: 13, memory_allocated_gb: 52, vm_count: 3 });
    expect(infra.registry.get('m2')?.machined.current).toBe(m2Actor);
    expect(infra.machine('m2')).toMatchObject({ cores_allocated: 10, vm_count: 1 });
    expect(infra.stats().actor_restarts).toBe(1);
    expect(escalate).not.toHaveBeenCalled();
    const crash = lines.find((l) => l.level === 'warn' && l.actor === 'machined m1');
    expect(crash).toMatchObject({ error: 'injected fault', during: 'poison' });

    await settle();
    await infra.tick();
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 13, memory_allocated_gb: 52, vm_count: 3 });
  });

  it('a MachineD with nothing unflushed rebuilds from the store’s record', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 16, memory_total_gb: 64 })]);
    infra = await startInfra(store);
    await infra.launch({ region: 'SIN', memory_gb: 10, cores: 3, num_candidates: 5 });
    await settle();
    await infra.tick();
    const reads: string[] = [];
    const read = store.machine.bind(store);
    store.machine = (id) => {
      reads.push(id);
      return read(id);
    };
    poison(infra, 'm1', 'machined');
    await settle();
    expect(reads).toEqual(['m1']);
    expect(infra.machine('m1')).toMatchObject({ cores_allocated: 3, memory_allocated_gb: 10, vm_count: 1 });
  });

  it('a crashed FlyD is restarted empty, re-seeded from its MachineD, and the store converges', async () => {
    const { log, lines } = captureLog();
    const store = new FakeStore([
      machine('m1', 'SIN', { cores_total: 16, memory_total_gb: 64 }),
      machine('m2', 'SIN', { cores_total: 16, memory_total_gb: 64 }),
    ]);
    store.order = (ms) => [...ms].sort((a, b) => a.id.localeCompare(b.id));
    infra = await startInfra(store, { log });
    await infra.launch({ region: 'SIN', memory_gb: 8, cores: 2, num_candidates: 5 });
    await infra.launch({ region: 'SIN', memory_gb: 8, cores: 2, num_candidates: 5 });
    await settle();
    const m2Flyd = infra.registry.get('m2')?.flyd.current;
    poison(infra, 'm1', 'flyd');
    await settle();
    expect(infra.registry.get('m2')?.flyd.current).toBe(m2Flyd);
    expect(await infra.held('m1')).toEqual({
      state: { cores_allocated: 4, memory_allocated_gb: 16, vm_count: 2 },
      unflushed: true,
      lost: false,
    });
    await infra.tick();
    expect(store.machinesById.get('m1')).toMatchObject({ cores_allocated: 4, memory_allocated_gb: 16, vm_count: 2 });
    expect(lines.some((l) => l.actor === 'flyd m1' && l.level === 'warn')).toBe(true);
    expect(infra.stats().actor_restarts).toBe(1);
  });

  it('a MachineD whose FlyD died with it is not rebuilt from a lagging record: the worker restarts', async () => {
    const { log, lines } = captureLog();
    const store = new FakeStore([
      machine('m1', 'SIN', { cores_total: 16, memory_total_gb: 64 }),
      machine('m2', 'SIN', { cores_total: 16, memory_total_gb: 64 }),
    ]);
    store.order = (ms) => [...ms].sort((a, b) => a.id.localeCompare(b.id));
    const escalate = vi.fn();
    infra = await startInfra(store, { log, escalate });
    await infra.launch({ region: 'SIN', memory_gb: 8, cores: 2, num_candidates: 5 });
    await settle();
    // FlyD's queue held that launch; the store's record does not have it yet.
    expect(store.machinesById.get('m1')?.vm_count).toBe(0);
    poison(infra, 'm1', 'flyd');
    poison(infra, 'm1', 'machined');
    await settle();
    expect(escalate).toHaveBeenCalledTimes(1);
    expect(escalate.mock.calls[0][0]).toContain('machined and flyd of m1 both restarted');
    expect(lines.some((l) => l.level === 'error' && l.msg === 'escalating to a worker restart')).toBe(true);
    // Nothing is placed on m1 from the lagging record; m1 answers fast until the worker is replaced.
    expect(infra.machine('m1')).toBeNull();
    const next = await infra.launch({ region: 'SIN', memory_gb: 8, cores: 2, num_candidates: 5 });
    expect(next.machine_id).toBe('m2');
  });

  it('a restarted FlyD never reuses a version its predecessor sent', async () => {
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 16, memory_total_gb: 64 })], { m1: 10 });
    infra = await startInfra(store);
    await infra.launch({ region: 'SIN', memory_gb: 1, cores: 1, num_candidates: 5 });
    await settle();
    store.hold();
    void infra.tick(); // version 11 in flight
    await settle();
    poison(infra, 'm1', 'flyd');
    await settle();
    await infra.launch({ region: 'SIN', memory_gb: 1, cores: 1, num_candidates: 5 });
    await settle();
    store.release();
    await settle();
    await infra.tick();
    const versions = store.applyCalls.map((u) => u.version);
    expect(versions).toEqual([11, 12]);
    expect(store.machinesById.get('m1')?.vm_count).toBe(2);
  });

  it('a crash storm escalates once, and requests to the dead actor fail fast instead of hanging', async () => {
    const { log, lines } = captureLog();
    const store = new FakeStore([
      machine('m1', 'SIN', { cores_total: 16, memory_total_gb: 64 }),
      machine('m2', 'SIN', { cores_total: 16, memory_total_gb: 64 }),
    ]);
    store.order = (ms) => ms.filter((m) => m.id === 'm1');
    const escalate = vi.fn();
    infra = await startInfra(store, { log, escalate, maxRestarts: 5, restartWindowMs: 5000 });
    for (let i = 0; i < 5; i++) {
      poison(infra, 'm1', 'machined');
      await settle();
    }
    expect(escalate).not.toHaveBeenCalled();
    expect(infra.stats().actor_restarts).toBe(5);
    poison(infra, 'm1', 'machined');
    await settle();
    expect(escalate).toHaveBeenCalledTimes(1);
    expect(escalate.mock.calls[0][0]).toContain('6 actor crashes within 5000 ms');
    expect(lines.some((l) => l.level === 'error' && String(l.msg).includes('escalating'))).toBe(true);
    expect(infra.registry.get('m1')?.machined.state).toBe('dead');
    // m1 is dead: the launch skips it (its allocate fails fast) and lands on m2 by fallback.
    expect((await infra.launch({ region: 'SIN', memory_gb: 4, cores: 1, num_candidates: 5 })).machine_id).toBe('m2');
    poison(infra, 'm2', 'flyd');
    await settle();
    expect(escalate).toHaveBeenCalledTimes(1);
    await expect(infra.held('m2')).rejects.toBeInstanceOf(ApiError);
  });

  it('crashes spread out over more than the window do not escalate', async () => {
    let clock = 0;
    const escalate = vi.fn();
    const store = new FakeStore([machine('m1', 'SIN', { cores_total: 16, memory_total_gb: 64 })]);
    infra = await startInfra(store, { escalate, maxRestarts: 2, restartWindowMs: 1000, now: () => clock });
    for (let i = 0; i < 6; i++) {
      clock += 600;
      poison(infra, 'm1', i % 2 === 0 ? 'machined' : 'flyd');
      await settle();
    }
    expect(escalate).not.toHaveBeenCalled();
    expect(infra.stats().actor_restarts).toBe(6);
    expect(infra.registry.get('m1')?.machined.state).toBe('running');
  });
});

describe('actors that sleep until asked for', () => {
  const fleet = () =>
    new FakeStore(
      Array.from({ length: 40 }, (_, i) =>
        machine(`m${String(i).padStart(2, '0')}`, i % 2 ? 'SIN' : 'AMS', { cores_total: 8, memory_total_gb: 32 }),
      ),
    );

  it('a fleet starts with no actors, and a launch wakes none: its machine holds the room until a round writes it', async () => {
    const store = fleet();
    infra = await startInfra(store);
    expect(infra.registry.awake.size).toBe(0);
    // Placement reads every machine of the region (dry run, binpack) without waking one.
    await infra.place({ region: 'SIN', memory_gb: 1, cores: 1, strategy: 'binpack' });
    expect(infra.registry.awake.size).toBe(0);
    const vm = await infra.launch({ region: 'SIN', memory_gb: 2, cores: 1, num_candidates: 5 });
    const entry = infra.registry.get(vm.machine_id);
    // Reserved on the sleeping machine, as its MachineD would: the index and the entry hold it.
    expect(infra.registry.awake.size).toBe(0);
    expect(entry?.allocation).toEqual({ cores_allocated: 1, memory_allocated_gb: 2, vm_count: 1 });
    expect(entry?.unwritten).toBe(1);
    expect(infra.stats().flyd_queue_depth).toBe(1);
    // The round writes it with a fresh version, still without building an actor.
    const before = (await store.versions())[vm.machine_id] ?? 0;
    expect(await infra.tick()).toBe(1);
    expect(infra.registry.awake.size).toBe(0);
    expect(entry?.unwritten).toBe(0);
    expect(store.machinesById.get(vm.machine_id)).toMatchObject({ cores_allocated: 1, vm_count: 1 });
    expect((await store.versions())[vm.machine_id]).toBe(before + 1);
    expect(infra.stats()).toMatchObject({ flyd_queue_depth: 0, flyd_flushes: 1 });
    // A peek wakes it where it stands.
    expect(infra.machine(vm.machine_id)).toMatchObject({ vm_count: 1, free_cores: 7 });
    expect([...infra.registry.awake].map((e) => e.record.id)).toEqual([vm.machine_id]);
  });

  it('once the store has all they hold, actors sleep again, and wake where they stood', async () => {
    const store = fleet();
    infra = await startInfra(store);
    const vm = await infra.launch({ region: 'SIN', memory_gb: 4, cores: 3, num_candidates: 5 });
    const entry = infra.registry.get(vm.machine_id);
    // Woken before the round: its new FlyD takes over the change the sleeping machine held.
    expect(await infra.held(vm.machine_id)).toEqual({
      state: { cores_allocated: 3, memory_allocated_gb: 4, vm_count: 1 },
      unflushed: true,
      lost: false,
    });
    expect(entry?.awake).toBe(true);
    expect(entry?.unwritten).toBe(0);
    // Not before its change is written: a tick flushes it, and only then may it sleep.
    expect(await infra.tick()).toBe(1);
    await infra.tick();
    expect(entry?.awake).toBe(false);
    expect(infra.registry.awake.size).toBe(0);
    expect(store.machinesById.get(vm.machine_id)).toMatchObject({ cores_allocated: 3, memory_allocated_gb: 4 });
    expect(infra.machine(vm.machine_id)).toMatchObject({ cores_allocated: 3, memory_allocated_gb: 4, vm_count: 1 });
    await infra.destroy(vm.id);
    await infra.tick();
    expect(store.machinesById.get(vm.machine_id)).toMatchObject({ cores_allocated: 0, vm_count: 0 });
  });

  it('a woken MachineD starts from the state the store gave, and chaos wakes only its victims', async () => {
    const store = fleet();
    store.machinesById.set('m05', { ...(store.machinesById.get('m05') as Machine), cores_allocated: 3, vm_count: 1 });
    infra = await startInfra(store);
    expect(infra.registry.awake.size).toBe(0);
    expect(infra.machine('m05')).toMatchObject({ cores_allocated: 3, free_cores: 5, vm_count: 1 });
    const report = await infra.chaos.killActors({ count: 3, region: 'ams', seed: 9 });
    expect(report.restarts).toBe(3);
    expect(infra.registry.awake.size).toBe(4);
    for (const k of report.killed) expect(infra.registry.get(k.machine_id)?.awake).toBe(true);
    // Supervision worked on woken actors as on any: every victim runs again.
    for (const k of report.killed) expect(infra.registry.get(k.machine_id)?.[k.kind].state).toBe('running');
    expect(await infra.flushAll()).toBeGreaterThanOrEqual(0);
  });
});
