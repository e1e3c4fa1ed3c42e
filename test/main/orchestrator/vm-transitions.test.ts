import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/main/common/log';
import { ManualClock } from '../../../src/main/orchestrator/clock';
import { type LifecycleVm, type Transition, VmTransitions } from '../../../src/main/orchestrator/vm-transitions';
import { ApiError } from '../../../src/shared/errors';
import { holdsResources } from '../../../src/shared/lifecycle';
import { mulberry32 } from '../../../src/shared/random';
import { INSTANT, parseTimingProfile, REALISTIC, type TimingProfile } from '../../../src/shared/timing';

/** fly.io's timing without its rare failures, so a test's seed never trips one by chance. */
const SURE: TimingProfile = {
  ...REALISTIC,
  stages: Object.fromEntries(
    Object.entries(REALISTIC.stages).map(([k, v]) => [k, { ...v, failure: 0 }]),
  ) as TimingProfile['stages'],
};

/** A one-machine world: a durable VM table, the machine's reservations, and the engine over them. */
function world(profile: TimingProfile = SURE, opts: { cores?: number; memory?: number; degraded?: boolean } = {}) {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const table = new Map<string, LifecycleVm>();
  const log: Transition[] = [];
  const machine = { cores: opts.cores ?? 8, memory: opts.memory ?? 32, used_cores: 0, used_memory: 0 };
  let failWrites = 0;
  let reads = 0;
  const engine = new VmTransitions<LifecycleVm>({
    clock,
    rng: mulberry32(1),
    timing: () => ({ profile, speed: 1 }),
    degraded: () => opts.degraded ?? false,
    async read(id) {
      reads++;
      const vm = table.get(id);
      if (!vm) throw new ApiError('not_found', `no VM ${id}`);
      return vm;
    },
    async persist(vm, transitions) {
      if (failWrites > 0) {
        failWrites--;
        throw new ApiError('unavailable', 'store down');
      }
      table.set(vm.id, vm);
      log.push(...transitions);
    },
    async reserve(vm) {
      if (machine.cores - machine.used_cores < vm.cores || machine.memory - machine.used_memory < vm.memory_gb)
        return false;
      machine.used_cores += vm.cores;
      machine.used_memory += vm.memory_gb;
      return true;
    },
    release(vm) {
      machine.used_cores -= vm.cores;
      machine.used_memory -= vm.memory_gb;
    },
    log: createLogger('silent'),
  });
  /** A launch as the orchestrator does it: placement reserved, first record written, then launched(). */
  async function launch(id: string, cores = 2, memory_gb = 8, autostart = true) {
    machine.used_cores += cores;
    machine.used_memory += memory_gb;
    const first = engine.firstState(
      { id, region: 'SIN', machine_id: 'm1', memory_gb, cores, state: 'creating' },
      autostart,
    );
    table.set(id, first.vm);
    log.push(...first.transitions);
    engine.launched(first.vm, first.pending, autostart);
    return first.vm;
  }
  /** The invariant the whole simulator keeps: the machine holds exactly what its VMs hold. */
  function balanced() {
    let cores = 0;
    let memory = 0;
    for (const vm of table.values()) {
      if (!holdsResources(vm.state)) continue;
      cores += vm.cores;
      memory += vm.memory_gb;
    }
    return { cores, memory, used_cores: machine.used_cores, used_memory: machine.used_memory };
  }
  return {
    clock,
    table,
    log,
    machine,
    engine,
    launch,
    balanced,
    /** Reads of the durable record so far. */
    reads: () => reads,
    failNextWrites: (n: number) => {
      failWrites = n;
    },
  };
}

function expectBalanced(w: ReturnType<typeof world>) {
  const b = w.balanced();
  expect(b.used_cores).toBe(b.cores);
  expect(b.used_memory).toBe(b.memory);
}

async function errorOf(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('expected a rejection');
}

describe('VM transitions on the simulated clock', () => {
  it('instant: a launch is started in one write, as the seed had it', async () => {
    const w = world(INSTANT);
    const vm = await w.launch('vm-a');
    expect(vm.state).toBe('started');
    expect(w.log.map((t) => `${t.from}>${t.to}`)).toEqual([
      'null>creating',
      'creating>created',
      'created>starting',
      'starting>started',
    ]);
    expect(w.clock.pending).toBe(0);
    expectBalanced(w);
  });

  it('realistic: creating, then created, then starting, then started, each after its drawn time', async () => {
    const w = world();
    const vm = await w.launch('vm-a');
    expect(vm.state).toBe('creating');
    await w.clock.advance(REALISTIC.stages.create.delay_ms - 1);
    expect(w.table.get('vm-a')?.state).toBe('creating');
    await w.clock.advance(REALISTIC.stages.create.jitter_ms + 1);
    expect(w.table.get('vm-a')?.state).toBe('starting');
    await w.clock.advance(REALISTIC.stages.start.delay_ms + REALISTIC.stages.start.jitter_ms);
    expect(w.table.get('vm-a')?.state).toBe('started');
    expect(w.log.map((t) => t.to)).toEqual(['creating', 'created', 'starting', 'started']);
    expectBalanced(w);
  });

  it("a launch's wait for created reads nothing while its create timer runs, and is answered when it ends", async () => {
    const w = world();
    await w.launch('vm-a');
    const created = w.engine.waitUntil('vm-a', (s) => s !== 'creating', 60_000, 'created');
    expect(w.reads()).toBe(0);
    await w.clock.advance(REALISTIC.stages.create.delay_ms + REALISTIC.stages.create.jitter_ms);
    expect((await created).state).toBe('created');
    // Once the timer has fired, a wait reads the store again (the stage may be settling).
    await w.engine.waitUntil('vm-a', (s) => s === 'starting', 1000, 'starting');
    expect(w.reads()).toBeGreaterThan(1);
  });

  it('without autostart a VM rests in created', async () => {
    const w = world(INSTANT);
    expect((await w.launch('vm-a', 2, 8, false)).state).toBe('created');
  });

  it('stop frees the machine; start reserves again; stop → start → suspend → start → restart', async () => {
    const w = world(INSTANT);
    await w.launch('vm-a', 4, 16);
    expect(w.machine.used_cores).toBe(4);
    expect((await w.engine.operate('vm-a', 'stop')).state).toBe('stopping');
    await w.clock.advance(0);
    expect(w.table.get('vm-a')?.state).toBe('stopped');
    expect(w.machine.used_cores).toBe(0);
    await w.engine.operate('vm-a', 'start');
    expect(w.machine.used_cores).toBe(4);
    await w.clock.advance(0);
    await w.engine.operate('vm-a', 'suspend');
    await w.clock.advance(0);
    expect(w.table.get('vm-a')?.state).toBe('suspended');
    expect(w.machine.used_cores).toBe(0);
    await w.engine.operate('vm-a', 'start');
    await w.clock.advance(0);
    await w.engine.operate('vm-a', 'restart');
    await w.clock.advance(0);
    expect(w.table.get('vm-a')?.state).toBe('started');
    expectBalanced(w);
  });

  it('refuses what the state does not allow with 409, the state and the allowed operations', async () => {
    const w = world();
    await w.launch('vm-a');
    const busy = await errorOf(w.engine.operate('vm-a', 'stop'));
    expect(busy.code).toBe('invalid_state');
    expect(busy.status).toBe(409);
    expect(busy.message).toBe('vm-a is creating: stop is not allowed (allowed: nothing until it settles)');
    expect(busy.details).toMatchObject({ state: 'creating', allowed: [] });
    await w.clock.advance(10_000);
    const force = await errorOf(w.engine.operate('vm-a', 'destroy'));
    expect(force.message).toMatch(/vm-a is started: destroy is not allowed .*needs force \(--force\)/);
    expect(force.details).toMatchObject({ needs_force: true, allowed: ['stop', 'suspend', 'restart', 'destroy'] });
    expect((await w.engine.operate('vm-a', 'destroy', true)).state).toBe('destroying');
    expect(w.machine.used_cores).toBe(0);
    await w.clock.advance(10_000);
    expect(w.table.get('vm-a')?.state).toBe('destroyed');
    expectBalanced(w);
  });

  it('a stopped VM whose machine filled meanwhile fails to start with no_capacity naming the machine', async () => {
    const w = world(INSTANT, { cores: 8, memory: 32 });
    await w.launch('vm-a', 6, 8);
    await w.engine.operate('vm-a', 'stop');
    await w.clock.advance(0);
    await w.launch('vm-b', 4, 8);
    const err = await errorOf(w.engine.operate('vm-a', 'start'));
    expect(err.code).toBe('no_capacity');
    expect(err.message).toMatch(/^machine m1 in SIN no longer has 8 GB and 6 cores free for vm-a/);
    expect(w.table.get('vm-a')?.state).toBe('stopped');
    expectBalanced(w);
  });

  it("concurrent operations on one VM run one at a time: the second sees the first one's state", async () => {
    const w = world();
    await w.launch('vm-a');
    await w.clock.advance(10_000);
    const [a, b] = await Promise.allSettled([w.engine.operate('vm-a', 'stop'), w.engine.operate('vm-a', 'suspend')]);
    expect(a.status).toBe('fulfilled');
    expect(b.status === 'rejected' && (b.reason as ApiError).details?.state).toBe('stopping');
    expectBalanced(w);
  });

  it('a failing start ends in failed with a reason, frees the machine, and wakes a waiter with the reason', async () => {
    const always = parseTimingProfile('{"stages":{"start":{"delay_ms":100,"jitter_ms":0,"failure":1}}}');
    const w = world({ ...always, stages: { ...always.stages, create: { delay_ms: 0, jitter_ms: 0, failure: 0 } } });
    await w.launch('vm-a');
    const waiting = errorOf(w.engine.wait('vm-a', 'started', 5000));
    await w.clock.advance(100);
    expect(w.table.get('vm-a')).toMatchObject({ state: 'failed', reason: 'start_failed' });
    const err = await waiting;
    expect(err.code).toBe('invalid_state');
    expect(err.message).toBe('vm-a is failed (start_failed); it will not become started');
    expect(w.machine.used_cores).toBe(0);
    expectBalanced(w);
  });

  it('wait resolves when the state is reached, and times out on the simulated clock', async () => {
    const w = world();
    await w.launch('vm-a');
    const started = w.engine.wait('vm-a', 'started', 60_000);
    await w.clock.advance(10_000);
    expect((await started).state).toBe('started');
    const stopped = errorOf(w.engine.wait('vm-a', 'stopped', 2000));
    await w.clock.advance(0); // the waiter reads the VM before its deadline starts
    await w.clock.advance(2000);
    const err = await stopped;
    expect(err.code).toBe('timeout');
    expect(err.message).toBe('vm-a did not become stopped within 2000 ms');
  });

  it('degraded regions run stages slower by the profile factor', async () => {
    const fixed = parseTimingProfile(
      '{"degraded_factor":3,"stages":{"create":{"delay_ms":100,"jitter_ms":0,"failure":0},"start":{"delay_ms":100,"jitter_ms":0,"failure":0}}}',
    );
    const w = world(fixed, { degraded: true });
    await w.launch('vm-a');
    await w.clock.advance(299);
    expect(w.table.get('vm-a')?.state).toBe('creating');
    await w.clock.advance(1);
    expect(w.table.get('vm-a')?.state).toBe('starting');
  });

  it('a completion whose write fails is tried again and still lands once', async () => {
    const w = world();
    await w.launch('vm-a');
    w.failNextWrites(2);
    await w.clock.advance(10_000);
    expect(w.table.get('vm-a')?.state).toBe('started');
    expect(w.log.filter((t) => t.to === 'started')).toHaveLength(1);
    expectBalanced(w);
  });

  it('after a restart every transient VM finishes its stage; none stays transient', async () => {
    const w = world();
    for (const [id, state] of [
      ['vm-1', 'creating'],
      ['vm-2', 'starting'],
      ['vm-3', 'stopping'],
      ['vm-4', 'destroying'],
      ['vm-5', 'started'],
    ] as const) {
      w.table.set(id, { id, region: 'SIN', machine_id: 'm1', memory_gb: 1, cores: 1, state });
    }
    w.machine.used_cores = 4; // creating, starting, stopping and started hold; destroying does not
    w.machine.used_memory = 4;
    expect(w.engine.recover(w.table.values())).toBe(4);
    await w.clock.advance(30_000);
    expect([...w.table.values()].map((v) => v.state)).toEqual([
      'started',
      'started',
      'stopped',
      'destroyed',
      'started',
    ]);
    expectBalanced(w);
  });
});

describe('a wait on a VM another host drives (shared fleet)', () => {
  it('hears a change that lands while its first read of the VM is still out', async () => {
    let answer: (vm: LifecycleVm) => void = () => {};
    const engine = new VmTransitions<LifecycleVm>({
      clock: new ManualClock(Date.parse('2026-01-01T00:00:00Z')),
      rng: mulberry32(1),
      timing: () => ({ profile: INSTANT, speed: 1 }),
      degraded: () => false,
      read: () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
      persist: async () => {},
      reserve: async () => true,
      release: () => {},
      log: createLogger('silent'),
    });
    const vm: LifecycleVm = {
      id: 'vm-remote1',
      region: 'SIN',
      machine_id: 'm1',
      memory_gb: 8,
      cores: 2,
      state: 'destroying',
    };
    const waited = engine.wait(vm.id, 'destroyed', 10_000);
    // The owner ran the stage; its write reaches this host through the watch before the store's
    // answer to the wait's read, which was taken earlier. Nothing will change the VM again.
    engine.observed({ ...vm, state: 'destroyed' });
    answer(vm);
    await expect(waited).resolves.toMatchObject({ id: vm.id, state: 'destroyed' });
  });
});
