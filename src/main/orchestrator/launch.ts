// Launching a VM: ask the store for candidates, let MachineDs decide (they are authoritative),
// and record the VM in the store before anyone hears of it. A launch under an Idempotency-Key
// is safe to retry: it answers with the VM the key already launched.

import { randomUUID } from 'node:crypto';
import { ApiError, toErrorBody } from '../../shared/errors';
import type { Launched } from '../../shared/services';
import type { LaunchRequest, Vm } from '../../shared/types';
import { allocate, releaseNoWait } from './machined';
import type { MachineEntry } from './registry';
import { checkKey, checkLaunch, type Placement } from './request';
import type { VmDeps } from './vm-deps';
import type { VmTransitions } from './vm-transitions';

export interface LaunchDeps extends VmDeps {
  /** How many candidates to ask the store for when the request does not say. */
  numCandidates: number;
  /** For the fallback shuffle; seedable in tests. */
  random: () => number;
  now: () => number;
  /** The lifecycle engine: a new VM's first state, and its stages under way after that. */
  lifecycle: VmTransitions<Vm>;
}

export class Launcher {
  /** Launches that answered with a VM, and those that failed, since start. */
  readonly counts = { ok: 0, failed: 0 };

  constructor(private readonly deps: LaunchDeps) {}

  async launch(req: LaunchRequest, idempotencyKey?: string): Promise<Vm> {
    try {
      const vm = await this.place(checkLaunch(req, this.deps.numCandidates), idempotencyKey);
      this.counts.ok++;
      return vm;
    } catch (err) {
      this.counts.failed++;
      throw err;
    }
  }

  /**
   * A launch that is safe to retry: the live VM this key launched, if there is one and the
   * parameters match, else a new launch recorded under the key.
   */
  async launchIdempotent(req: LaunchRequest, key: string): Promise<Launched> {
    const k = checkKey(key);
    return this.deps.inOrder.run(`key:${k}`, async () => {
      const p = checkLaunch(req, this.deps.numCandidates);
      if (!(await this.deps.unsettled.settleNow(`key:${k}`))) {
        throw new ApiError(
          'unavailable',
          `the last try under Idempotency-Key ${k} is not settled yet (the store is not answering); retry shortly`,
        );
      }
      const prior = await this.deps.store.vmByIdempotencyKey(k);
      if (!prior) return { vm: await this.launch(req, k), replayed: false };
      if (prior.region !== p.region || prior.memory_gb !== p.memory_gb || prior.cores !== p.cores) {
        throw new ApiError(
          'idempotency_key_reused',
          `Idempotency-Key ${k} already launched ${prior.id} (${prior.region}, ${prior.memory_gb} GB, ${prior.cores} cores); a different launch needs a new key`,
          { vm_id: prior.id },
        );
      }
      return { vm: prior, replayed: true };
    });
  }

  private async place(p: Placement, key?: string): Promise<Vm> {
    const { store, registry } = this.deps;
    // The store's view lags by up to one FlyD interval, so its candidates are only a hint.
    const candidates = await store.candidates(p.region, p.memory_gb, p.cores, p.num_candidates);
    const tried = new Set<string>();
    for (const c of candidates) {
      const entry = registry.get(c.id);
      if (!entry || tried.has(c.id)) continue;
      tried.add(c.id);
      if (await this.reserve(entry, p)) return this.record(entry, p, key);
    }
    // All candidates refused (or the store saw none): MachineDs are authoritative, so ask the
    // rest of the region before telling the user nothing fits.
    const rest = registry
      .inRegion(p.region)
      .filter((e) => !tried.has(e.record.id) && (e.machined.current?.fits(p.memory_gb, p.cores) ?? true));
    for (const entry of shuffle([...rest], this.deps.random)) {
      if (await this.reserve(entry, p)) return this.record(entry, p, key);
    }
    throw this.noCapacity(p);
  }

  /** Asks the machine's MachineD to reserve the placement; a crash there counts as a refusal. */
  private reserve(entry: MachineEntry, p: Placement): Promise<boolean> {
    return allocate(entry.machined, p.memory_gb, p.cores).catch((err) => {
      // A MachineD that crashed on our request simply counts as a refusal; try the next one.
      this.deps.log.warn('allocate failed; trying the next machine', {
        machine: entry.record.id,
        error: toErrorBody(err).message,
      });
      return false;
    });
  }

  /** Records the VM MachineD reserved room for; on failure takes it back and frees the room. */
  private async record(entry: MachineEntry, p: Placement, key?: string): Promise<Vm> {
    const { store, unsettled, log } = this.deps;
    const created_at = new Date(this.deps.now()).toISOString();
    const fresh: Vm = {
      id: newVmId(),
      region: entry.record.region,
      machine_id: entry.record.id,
      memory_gb: p.memory_gb,
      cores: p.cores,
      state: 'creating',
      created_at,
      updated_at: created_at,
    };
    // Zero-time stages run now, so the instant profile records a started VM in one write.
    const first = this.deps.lifecycle.firstState(fresh, true);
    const vm: Vm = { ...first.vm, updated_at: first.transitions[first.transitions.length - 1].at };
    if (vm.reason === undefined) delete vm.reason;
    try {
      // Durable before acknowledged: a launch the caller hears about is never lost.
      await store.putVm(vm, key, first.transitions);
    } catch (err) {
      const body = toErrorBody(err);
      // The record may have landed before the store died or timed out. Take it back before
      // freeing the machine, so no VM exists that nobody acknowledged and MachineD never frees
      // what a recorded VM holds.
      const undo = async () => {
        await store.deleteVm(vm.id).catch((e) => {
          if (toErrorBody(e).code !== 'not_found') throw e;
        });
        releaseNoWait(entry.machined, p.memory_gb, p.cores);
      };
      const undone = undo().catch(() => unsettled.add(key === undefined ? `launch:${vm.id}` : `key:${key}`, undo));
      // Under a key the undo must finish first, or a retry could be handed the record it is
      // about to take back; without one the caller hears "try again" at once.
      if (key !== undefined) await undone;
      log.warn('launch undone: the store did not record the VM', {
        vm: vm.id,
        machine: vm.machine_id,
        error: body.message,
      });
      throw new ApiError(
        'unavailable',
        `the store did not record the VM (${body.message}); nothing was launched, try again`,
        {
          region: p.region,
        },
      );
    }
    this.deps.lifecycle.launched(vm, first.pending, true);
    return vm;
  }

  private noCapacity(p: Placement): ApiError {
    let memory = 0;
    let cores = 0;
    for (const e of this.deps.registry.inRegion(p.region)) {
      const s = e.machined.current?.snapshot();
      if (!s?.schedulable) continue;
      memory = Math.max(memory, s.free_memory_gb);
      cores = Math.max(cores, s.free_cores);
    }
    return new ApiError(
      'no_capacity',
      `no machine in ${p.region} has ${p.memory_gb} GB and ${p.cores} cores free; the most free on one machine is ${memory} GB / ${cores} cores`,
      {
        region: p.region,
        requested_memory_gb: p.memory_gb,
        requested_cores: p.cores,
        largest_free_memory_gb: memory,
        largest_free_cores: cores,
      },
    );
  }
}

/** `vm-` and 12 random lowercase hex digits (the first 12 of a v4 UUID are all random). */
export function newVmId(): string {
  return `vm-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
