// Machine and region faults and chaos against the real orchestrator and the real store model.

import { afterEach, describe, expect, it } from 'vitest';
import type { Infrastructure } from '../../../src/main/orchestrator/infrastructure';
import { ApiError } from '../../../src/shared/errors';
import { settle, type World, world } from '../../helpers/faults-world';

let w: World | null = null;
afterEach(() => {
  w?.infra.stop();
  w = null;
});

async function expectCode(p: Promise<unknown>, code: string): Promise<ApiError> {
  const err = await p.then(
    () => {
      throw new Error(`expected ${code}`);
    },
    (e) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe(code);
  return err as ApiError;
}

function launchIn(infra: Infrastructure, region: string, memory_gb = 4, cores = 2) {
  return infra.launch({ region, memory_gb, cores });
}

describe('machine faults', () => {
  it('drain keeps its VMs and takes no new ones; online takes them again', async () => {
    w = await world();
    const vm = await launchIn(w.infra, 'HKG');
    expect(vm.machine_id).toBe('hkg-1');
    const report = await w.infra.machineAction('hkg-1', 'drain');
    expect(report.machine.status).toBe('draining');
    expect(report.failed).toEqual([]);
    expect(w.fleet.vm(vm.id).machine_id).toBe('hkg-1'); // still there
    expect(w.infra.machine('hkg-1')).toMatchObject({ schedulable: false, cores_allocated: 2 });
    await expectCode(launchIn(w.infra, 'HKG'), 'no_capacity');
    expect(w.fleet.candidates('HKG', 1, 1, 5)).toEqual([]); // the store's index agrees
    await w.infra.destroy(vm.id); // a draining machine still frees what its VMs release
    await settle();
    expect(w.infra.machine('hkg-1')).toMatchObject({ cores_allocated: 0 });
    await w.infra.machineAction('hkg-1', 'online');
    expect(w.fleet.machine('hkg-1').status).not.toBe('draining');
    expect((await launchIn(w.infra, 'HKG')).machine_id).toBe('hkg-1');
  });

  it('offline takes the machine out of placement; a status change is durable and an event', async () => {
    w = await world();
    await w.infra.machineAction('syd-1', 'offline');
    await expectCode(launchIn(w.infra, 'SYD'), 'no_capacity');
    const ev = w.events.filter((e) => e.type === 'machine' && e.machine.id === 'syd-1');
    expect(ev.at(-1)).toMatchObject({ machine: { status: 'offline' } });
    // A new store over the same backend (a restart) still has it offline, and a new
    // orchestrator built from it refuses the machine too.
    const again = await world(undefined, w.backend);
    try {
      expect(again.fleet.machine('syd-1').status).toBe('offline');
      expect(again.infra.machine('syd-1')?.schedulable).toBe(false);
    } finally {
      again.infra.stop();
    }
  });

  it('offline fails its VMs with host_offline and frees the machine; online resurrects nothing', async () => {
    w = await world();
    const a = await launchIn(w.infra, 'HKG', 8, 4);
    const b = await launchIn(w.infra, 'HKG', 4, 2);
    const stopped = await launchIn(w.infra, 'HKG', 2, 1);
    await w.infra.operate(stopped.id, 'stop');
    const report = await w.infra.machineAction('hkg-1', 'offline');
    expect(report.machine.status).toBe('offline');
    expect(report.failed.map((v) => [v.id, v.state, v.reason]).sort()).toEqual(
      [
        [a.id, 'failed', 'host_offline'],
        [b.id, 'failed', 'host_offline'],
      ].sort(),
    );
    expect(w.fleet.vm(stopped.id).state).toBe('stopped'); // held nothing: left as it was
    await settle();
    expect(w.infra.machine('hkg-1')).toMatchObject({ cores_allocated: 0, memory_allocated_gb: 0 });
    await w.infra.flushAll();
    expect(w.fleet.machine('hkg-1')).toMatchObject({ cores_allocated: 0, memory_allocated_gb: 0 });
    const vmEvents = w.events.filter((e) => e.type === 'vm' && e.to === 'failed');
    expect(vmEvents.map((e) => (e.type === 'vm' ? e.reason : ''))).toEqual(['host_offline', 'host_offline']);
    await w.infra.machineAction('hkg-1', 'online');
    expect(w.fleet.vm(a.id)).toMatchObject({ state: 'failed', reason: 'host_offline' });
    expect(w.fleet.vm(b.id).state).toBe('failed');
    expect((await launchIn(w.infra, 'HKG')).machine_id).toBe('hkg-1');
  });

  it('offline --evacuate re-places each VM through placement, and reports those that found no room', async () => {
    w = await world();
    const small = await launchIn(w.infra, 'SIN', 4, 2);
    const host = small.machine_id;
    const big = await launchIn(w.infra, 'SIN', 8, 8); // lands on a 16-core machine
    expect(big.machine_id).not.toBe('sin-3');
    // Fill the rest of SIN so that an 8-core VM cannot move, while a 2-core one still can.
    for (const m of ['sin-1', 'sin-2', 'sin-3']) {
      if (m === host || m === big.machine_id) continue;
      await w.infra.machineAction(m, 'drain');
    }
    const target = big.machine_id;
    const report = await w.infra.machineAction(target, 'offline', { evacuate: true });
    const failedIds = report.failed.map((v) => v.id);
    expect(failedIds).toContain(big.id);
    const moved = report.evacuated.find((e) => e.vm_id === big.id);
    if (target === host) {
      // Both were on one machine and no other machine takes VMs: both reported, none placed.
      for (const e of report.evacuated) expect(e.error).toMatch(/^no machine in SIN has/);
    } else {
      expect(moved?.error).toMatch(/^no machine in SIN has 8 GB and 8 cores free/);
    }
    // Now make room elsewhere and evacuate a machine whose VM fits: it is re-placed.
    await w.infra.machineAction(target, 'online');
    const again = await launchIn(w.infra, 'HKG', 2, 1);
    const r2 = await w.infra.machineAction('hkg-1', 'offline', { evacuate: true });
    expect(r2.evacuated).toHaveLength(1);
    const rep = r2.evacuated[0];
    expect(rep.vm_id).toBe(again.id);
    expect(rep.error).toMatch(/no machine in HKG has/); // HKG has one machine, and it is offline
    await settle();
    await w.infra.flushAll();
    for (const m of w.fleet.allMachines()) {
      const holding = w.fleet
        .vms()
        .filter((v) => v.machine_id === m.id && !['failed', 'stopped', 'suspended'].includes(v.state));
      expect(m.cores_allocated).toBe(holding.reduce((x, v) => x + v.cores, 0));
    }
  });

  it('offline --evacuate places the replacement on another machine of the region', async () => {
    w = await world();
    const vm = await launchIn(w.infra, 'SIN', 4, 2);
    const report = await w.infra.machineAction(vm.machine_id, 'offline', { evacuate: true });
    expect(report.evacuated).toHaveLength(1);
    const rep = report.evacuated[0].replacement;
    expect(rep).toMatchObject({ region: 'SIN', memory_gb: 4, cores: 2 });
    expect(rep?.id).not.toBe(vm.id);
    expect(rep?.machine_id).not.toBe(vm.machine_id);
    expect(w.fleet.vm(vm.id)).toMatchObject({ state: 'failed', reason: 'host_offline' });
  });

  it('refuses bad actions, unknown machines and evacuate without offline', async () => {
    w = await world();
    await expectCode(w.infra.machineAction('sin-1', 'reboot'), 'bad_request');
    await expectCode(w.infra.machineAction('nope', 'drain'), 'not_found');
    await expectCode(w.infra.machineAction('sin-1', 'drain', { evacuate: true }), 'bad_request');
  });
});

describe('region faults', () => {
  it('Down refuses launches naming the nearest regions with room (NRT is too small)', async () => {
    w = await world();
    const region = await w.infra.setRegionStatus('sin', 'DOWN');
    expect(region.status).toBe('Down');
    const err = await expectCode(launchIn(w.infra, 'SIN', 8, 8), 'region_down');
    expect(err.message).toBe(
      'region SIN is down; nearest regions with room for 8 GB and 8 cores: HKG (2,559 km), SYD (6,296 km), AMS (10,508 km)',
    );
    expect(err.status).toBe(503);
    expect(err.details?.suggestions).toEqual([
      { code: 'HKG', km: 2559 },
      { code: 'SYD', km: 6296 },
      { code: 'AMS', km: 10508 },
    ]);
    // A small VM fits NRT too, which is nearer than SYD.
    const small = await expectCode(launchIn(w.infra, 'SIN', 1, 1), 'region_down');
    expect(small.message).toContain('HKG (2,559 km), NRT (5,');
    // HKG down as well: it is no longer suggested.
    await w.infra.setRegionStatus('HKG', 'down');
    const both = await expectCode(launchIn(w.infra, 'SIN', 8, 8), 'region_down');
    expect(both.message).not.toContain('HKG');
    await w.infra.setRegionStatus('SIN', 'operational');
    expect((await launchIn(w.infra, 'SIN')).region).toBe('SIN');
  });

  it('Degraded Performance is what the lifecycle engine asks; statuses are durable events', async () => {
    w = await world();
    await w.infra.setRegionStatus('AMS', 'Degraded');
    expect(w.infra.regions.degraded('AMS')).toBe(true);
    expect(w.infra.regions.degraded('SIN')).toBe(false);
    expect(w.fleet.region('AMS').status).toBe('Degraded Performance');
    expect(w.events.at(-1)).toMatchObject({ type: 'region', region: { code: 'AMS', status: 'Degraded Performance' } });
    await expectCode(w.infra.setRegionStatus('AMS', 'broken'), 'bad_request');
    await expectCode(w.infra.setRegionStatus('XXX', 'down'), 'unknown_region');
    const again = await world(undefined, w.backend);
    try {
      expect(again.fleet.region('AMS').status).toBe('Degraded Performance');
      expect(again.infra.regions.degraded('AMS')).toBe(true);
    } finally {
      again.infra.stop();
    }
  });
});

describe('chaos', () => {
  it('kill-actors on a fixed seed picks the same victims twice; restarts are counted and announced', async () => {
    w = await world();
    const first = await w.infra.chaos.killActors({ count: 3, seed: 42 });
    expect(first.seed).toBe(42);
    expect(first.killed).toHaveLength(3);
    expect(new Set(first.killed.map((k) => k.machine_id)).size).toBe(3);
    await settle();
    expect(w.infra.stats().actor_restarts).toBe(3);
    expect(first.restarts).toBe(3);
    const actorEvents = w.events.filter((e) => e.type === 'actor');
    expect(actorEvents.map((e) => (e.type === 'actor' ? e.actor : '')).sort()).toEqual(
      first.killed.map((k) => k.actor).sort(),
    );
    // Replayed on a fresh orchestrator over the same fleet: the same victims, in the same order.
    const other = await world();
    try {
      const second = await other.infra.chaos.killActors({ count: 3, seed: 42 });
      expect(second.killed).toEqual(first.killed);
    } finally {
      other.infra.stop();
    }
    // The killed actors work again: launches still land and account.
    const vm = await launchIn(w.infra, 'SIN');
    await w.infra.flushAll();
    expect(w.fleet.machine(vm.machine_id).cores_allocated).toBe(2);
  });

  it('kill-actors checks its input and stays in the region asked', async () => {
    w = await world();
    await expectCode(w.infra.chaos.killActors({ count: 0 }), 'bad_request');
    await expectCode(w.infra.chaos.killActors({ count: 1, seed: -1 }), 'bad_request');
    const r = await w.infra.chaos.killActors({ count: 10, region: 'sin', seed: 1 });
    expect(r.killed.map((k) => k.machine_id).sort()).toEqual(['sin-1', 'sin-2', 'sin-3']);
  });

  it('fail-machines follows its seeded plan on the clock: offline, then online after the repair', async () => {
    w = await world();
    const run = w.infra.chaos.failMachines({ rate: 0.2, duration_s: 10, repair_s: 2, seed: 7 });
    expect(run.plan.length).toBeGreaterThan(0);
    const replay = (await world()).infra;
    try {
      expect(replay.chaos.failMachines({ rate: 0.2, duration_s: 10, repair_s: 2, seed: 7 }).plan).toEqual(run.plan);
    } finally {
      replay.stop();
    }
    const first = run.plan[0];
    await w.clock.advance(first.at_ms);
    expect(w.fleet.machine(first.machine_id).status).toBe('offline');
    await w.clock.advance(first.down_ms);
    expect(w.fleet.machine(first.machine_id).status).not.toBe('offline');
    await w.clock.advance(60_000);
    const done = w.infra.chaos.run(run.id);
    expect(done.state).toBe('done');
    expect(done.done).toHaveLength(run.plan.length * 2);
    expect(done.done.every((s) => s.error === undefined)).toBe(true);
    for (const m of w.fleet.allMachines()) expect(m.status).not.toBe('offline');
    expect(() => w?.infra.chaos.failMachines({ rate: 2, duration_s: 10 })).toThrow(/rate/);
    expect(() => w?.infra.chaos.failMachines({ rate: 0.1, duration_s: 0 })).toThrow(/duration/);
  });
});
