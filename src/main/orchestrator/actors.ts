// A machine's entry, the MachineD and FlyD built for it under the supervisor when it is first
// asked for, and what a restarted MachineD rebuilds its state from.

import { toErrorBody } from '../../shared/errors';
import { takesNewVms } from '../../shared/placement';
import type { Remote } from '../../shared/rpc';
import type { StoreService } from '../../shared/services';
import type { Machine, MachineUpdate } from '../../shared/types';
import { LazyChild, type Logger } from '../common/log';
import {
  change,
  type FlushOutcome,
  FlyD,
  type FlydCell,
  type FlydCounters,
  type FlydDeps,
  flydCell,
  held,
  sameState,
} from './flyd';
import {
  type Allocation,
  type Capacity,
  EMPTY,
  type MachineCell,
  type MachineChange,
  MachineD,
  type MachineDeps,
  machineCell,
  resync,
} from './machined';
import { type Cells, MachineEntry, type Waker } from './registry';
import type { Supervisor } from './supervisor';
import type { VersionBook } from './version-book';

export interface SpawnDeps {
  store: Remote<StoreService>;
  supervisor: Supervisor;
  /** The last version sent per machine; shared by every FlyD incarnation. */
  versions: VersionBook;
  counters: FlydCounters;
  /** Tells the ticker this machine's FlyD has something to write. */
  markDirty(entry: MachineEntry): void;
  /** Tells the region's free-capacity index what the machine's MachineD now holds. */
  allocated(entry: MachineEntry, a: Allocation): void;
  log: Logger;
}

/** A machine of the fleet, its actors asleep until first asked for (see MachineEntry). */
export function machineEntry(waker: Waker, record: Machine): MachineEntry {
  const capacity: Capacity = {
    id: record.id,
    region: record.region,
    cores_total: record.cores_total,
    memory_total_gb: record.memory_total_gb,
    schedulable: takesNewVms(record.status),
  };
  return new MachineEntry(record, capacity, pickAllocation(record), waker);
}

/** Builds and starts machines' MachineD and FlyD as they are first asked for. */
export function actorWaker(
  deps: SpawnDeps,
  awake: Set<MachineEntry>,
  wakes: { woken: number; woken_not_owned: number },
): Waker {
  return {
    wake: (entry) => {
      wakes.woken++;
      if (!entry.owned) {
        // Nothing should ask a machine another host owns for its actors (placement, stages and
        // operator actions use the view or go to the owner): counted and said, so it shows.
        wakes.woken_not_owned++;
        deps.log.warn('woke the actors of a machine another host owns', { machine: entry.record.id });
      }
      return spawnCells(deps, entry, awake);
    },
    allocated: (entry, a) => deps.allocated(entry, a),
    unwritten: (entry) => deps.markDirty(entry),
    log: deps.log,
  };
}

function spawnCells(deps: SpawnDeps, entry: MachineEntry, awake: Set<MachineEntry>): Cells {
  const actors = new MachineActors(deps, entry);
  awake.add(entry);
  actors.flyd.start();
  actors.machined.start();
  // What was changed while asleep and is not acknowledged yet is now the new FlyD's to write.
  const unwritten = entry.takeUnwritten();
  if (unwritten > 0) change(actors.flyd, { state: entry.allocation, changes: unwritten });
  return actors;
}

/**
 * The ticker's write for a machine that changed while asleep (see MachineEntry.unwritten): the
 * same absolute update with a fresh version that its FlyD would send, without building the
 * FlyD. One write at a time per machine; a refused one stays unwritten for the next round. A
 * wake meanwhile hands the changes to the FlyD, and this write's answer is then ignored (the
 * FlyD's newer version supersedes it).
 */
export async function writeAsleep(deps: SpawnDeps, entry: MachineEntry): Promise<FlushOutcome> {
  if (entry.writing) return 'busy';
  const n = entry.unwritten;
  if (n === 0) return 'clean';
  const a = entry.allocation;
  const id = entry.record.id;
  const token = {};
  entry.writing = token;
  const update: MachineUpdate = {
    machine_id: id,
    version: deps.versions.next(id),
    cores_allocated: a.cores_allocated,
    memory_allocated_gb: a.memory_allocated_gb,
    vm_count: a.vm_count,
    changes: n,
  };
  let error: string | undefined;
  try {
    const result = await deps.store.apply(update);
    if (!result.applied && !sameState(result.machine, update)) {
      // The store holds a newer version than ours: learn it, and send again next round.
      error = `store ignored version ${update.version} of ${id} as stale`;
      deps.store.versions().then(
        (v) => deps.versions.raise(id, v[id] ?? 0),
        () => {},
      );
    }
  } catch (err) {
    error = toErrorBody(err).message;
  }
  if (entry.writing !== token) return error ? 'failed' : 'applied'; // woken: its FlyD has them
  entry.writing = null;
  if (error === undefined) {
    entry.unwritten -= n;
    deps.counters.flushes++;
  } else {
    deps.counters.failed++;
    deps.log.warn('flyd update not applied; kept for the next tick', { machine: id, version: update.version, error });
  }
  if (entry.unwritten > 0) deps.markDirty(entry);
  return error === undefined ? 'applied' : 'failed';
}

/**
 * One woken machine: its two mailboxes, and the one object both its MachineD and its FlyD are
 * given as their deps (methods, not a closure each). A placement at 100k machines mostly wakes
 * a sleeping machine, and what a wake allocates lives until the machine sleeps again, a FlyD
 * round or two later: the garbage collector copies and promotes every such object, so a wake
 * makes as few as it can.
 */
class MachineActors implements Cells, MachineDeps, FlydDeps {
  readonly machined: MachineCell;
  readonly flyd: FlydCell;
  readonly capacity: Capacity;
  readonly machineId: string;
  readonly store: SpawnDeps['store'];
  readonly versions: VersionBook;
  readonly counters: FlydCounters;
  readonly log: Logger;

  constructor(
    private readonly deps: SpawnDeps,
    private readonly entry: MachineEntry,
  ) {
    const { record, capacity } = entry;
    this.capacity = capacity;
    this.machineId = record.id;
    this.store = deps.store;
    this.versions = deps.versions;
    this.counters = deps.counters;
    this.log = new LazyChild(deps.log, { machine: record.id });
    // The first MachineD starts where the machine stands; nothing but a MachineD changes that
    // (and an Allocation is never changed in place, so it is shared, not copied).
    const initial = entry.allocation;
    this.machined = machineCell(
      `machined ${record.id}`,
      (incarnation) => new MachineD(this, incarnation === 0 ? initial : undefined),
      deps.supervisor,
    );
    this.flyd = flydCell(`flyd ${record.id}`, (incarnation) => new FlyD(this, incarnation > 0), deps.supervisor);
  }

  // MachineD's deps
  notify(c: MachineChange): void {
    change(this.flyd, c);
  }
  recover(): Promise<Allocation> {
    return recover(this.deps, this.entry);
  }
  allocated(a: Readonly<Allocation>): void {
    this.deps.allocated(this.entry, a);
  }

  // FlyD's deps
  self(msg: Parameters<FlydDeps['self']>[0]): void {
    this.flyd.tell(msg);
  }
  markDirty(): void {
    this.deps.markDirty(this.entry);
  }
  resync(): void {
    resync(this.machined);
  }
}

/** A restarted MachineD's state: FlyD's unflushed state if it has one, else the store's record. */
async function recover(deps: SpawnDeps, entry: MachineEntry): Promise<Allocation> {
  const h = await held(entry.flyd).catch(() => null);
  if (h?.state && h.unflushed) return h.state;
  if (h === null || h.lost) {
    // Its FlyD died too, taking any unflushed changes with it: the store's record may lag the
    // machine, and building on it could over-allocate. Only the durable VMs are sure, and a
    // worker restart reconciles every machine from them.
    const reason = `machined and flyd of ${entry.record.id} both restarted; unflushed changes may be lost`;
    deps.supervisor.giveUp(entry.machined.name, reason);
    throw new Error(`cannot rebuild ${entry.record.id} in place: ${reason}`);
  }
  try {
    return pickAllocation(await deps.store.machine(entry.record.id));
  } catch (err) {
    // Everything FlyD held was acknowledged, so it equals what the store has.
    if (h?.state) return h.state;
    throw new Error(
      `cannot rebuild ${entry.record.id}: the store did not answer (${toErrorBody(err).message}) and flyd holds no state`,
    );
  }
}

/**
 * A record's allocation; the one shared EMPTY for a machine that holds nothing (most of a new
 * fleet: 100k objects fewer at start, and an Allocation is never changed in place).
 */
function pickAllocation(m: Machine): Allocation {
  if (m.cores_allocated === 0 && m.memory_allocated_gb === 0 && m.vm_count === 0) return EMPTY;
  return { cores_allocated: m.cores_allocated, memory_allocated_gb: m.memory_allocated_gb, vm_count: m.vm_count };
}
