// The accounting never breaks: over random sequences of launches, lifecycle operations (start,
// stop, suspend, restart), destroys, machine faults
// (drain, offline with and without evacuation, online), region statuses and actor kills, run
// against the real orchestrator and the real store model, every machine's allocation equals the
// sum of what its VMs hold and never exceeds its capacity, after every step, in MachineD and
// (after a FlyD flush) in the store. fast-check shrinks a failing sequence to a minimal one.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holdsResources, type LifecycleState } from '../../src/shared/lifecycle';
import type { Vm } from '../../src/shared/types';
import { settle, type World, world } from '../helpers/faults-world';

const MACHINES = ['sin-1', 'sin-2', 'sin-3', 'hkg-1', 'nrt-1', 'syd-1'];
const REGIONS = ['SIN', 'HKG', 'NRT', 'SYD'];

type Step =
  | { t: 'launch'; region: string; memory_gb: number; cores: number }
  | { t: 'destroy'; pick: number }
  | { t: 'op'; pick: number; op: 'start' | 'stop' | 'suspend' | 'restart' }
  | { t: 'machine'; id: string; action: 'drain' | 'offline' | 'online'; evacuate: boolean }
  | { t: 'region'; code: string; status: 'operational' | 'degraded' | 'down' }
  | { t: 'kill'; seed: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('launch' as const),
      region: fc.constantFrom(...REGIONS),
      memory_gb: fc.integer({ min: 1, max: 24 }),
      cores: fc.integer({ min: 1, max: 6 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('destroy' as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('op' as const),
      pick: fc.nat(),
      op: fc.constantFrom('start' as const, 'stop' as const, 'suspend' as const, 'restart' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('machine' as const),
      id: fc.constantFrom(...MACHINES),
      action: fc.constantFrom('drain' as const, 'offline' as const, 'online' as const),
      evacuate: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('region' as const),
      code: fc.constantFrom(...REGIONS),
      status: fc.constantFrom('operational' as const, 'degraded' as const, 'down' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('kill' as const), seed: fc.nat() }) },
);

/** Whether the VM holds its resources: lifecycle's rule (the seed's 'running' record holds). */
function holds(vm: Vm): boolean {
  return String(vm.state) === 'running' || holdsResources(vm.state as LifecycleState);
}

/** Runs a step; refusals (no capacity, region down, …) are outcomes, not failures. */
async function run(w: World, s: Step): Promise<void> {
  const expected = new Set(['no_capacity', 'region_down', 'not_found', 'invalid_state', 'bad_request']);
  const tolerate = (err: unknown) => {
    const code = (err as { code?: string }).code;
    if (!code || !expected.has(code)) throw err;
  };
  switch (s.t) {
    case 'launch':
      await w.infra.launch({ region: s.region, memory_gb: s.memory_gb, cores: s.cores }).catch(tolerate);
      return;
    case 'destroy': {
      const vms = w.fleet.vms();
      if (vms.length > 0) await w.infra.destroy(vms[s.pick % vms.length].id).catch(tolerate);
      return;
    }
    case 'op': {
      const vms = w.fleet.vms();
      if (vms.length > 0) await w.infra.operate(vms[s.pick % vms.length].id, s.op).catch(tolerate);
      return;
    }
    case 'machine':
      await w.infra
        .machineAction(s.id, s.action, s.action === 'offline' ? { evacuate: s.evacuate } : {})
        .catch(tolerate);
      return;
    case 'region':
      await w.infra.setRegionStatus(s.code, s.status);
      return;
    case 'kill':
      await w.infra.chaos.killActors({ count: 2, seed: s.seed });
      // Too many crashes too fast: supervision escalates and the host restarts the worker,
      // which rebuilds every actor from the store's durable VMs.
      if (w.infra.supervisor.escalated) await w.restartOrchestrator();
      return;
  }
}

async function checkAccounting(w: World): Promise<void> {
  await settle();
  const vms = w.fleet.vms();
  for (const m of w.fleet.allMachines()) {
    const mine = vms.filter((v) => v.machine_id === m.id && holds(v));
    const cores = mine.reduce((a, v) => a + v.cores, 0);
    const memory = mine.reduce((a, v) => a + v.memory_gb, 0);
    const d = w.infra.machine(m.id);
    expect(d, `MachineD of ${m.id} is running`).toBeTruthy();
    expect({ id: m.id, cores: d?.cores_allocated, memory: d?.memory_allocated_gb }).toEqual({
      id: m.id,
      cores,
      memory,
    });
    expect(cores).toBeLessThanOrEqual(m.cores_total);
    expect(memory).toBeLessThanOrEqual(m.memory_total_gb);
  }
  await w.infra.flushAll();
  for (const m of w.fleet.allMachines()) {
    const mine = vms.filter((v) => v.machine_id === m.id && holds(v));
    expect({ id: m.id, cores: m.cores_allocated, memory: m.memory_allocated_gb }).toEqual({
      id: m.id,
      cores: mine.reduce((a, v) => a + v.cores, 0),
      memory: mine.reduce((a, v) => a + v.memory_gb, 0),
    });
  }
}

describe('accounting under faults (property)', () => {
  it('every machine holds exactly what its VMs hold, after every step of any sequence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const w = await world();
        try {
          for (const s of steps) {
            await run(w, s);
            await checkAccounting(w);
          }
        } finally {
          w.infra.stop();
        }
      }),
      { numRuns: 80, seed: 20261130 },
    );
  }, 120_000);
});
