// A machine's entry, the MachineD and FlyD built for it under the supervisor when it is first
// asked for, and what a restarted MachineD rebuilds its state from.

import { toErrorBody } from '../../shared/errors';
import { takesNewVms } from '../../shared/placement';
import type { Remote } from '../../shared/rpc';
import type { StoreService } from '../../shared/services';
import type { Machine } from '../../shared/types';
import { LazyChild, type Logger } from '../common/log';
import { change, FlyD, type FlydCounters, flydCell, held } from './flyd';
import { type Allocation, type Capacity, MachineD, machineCell, resync } from './machined';
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
  };
}

function spawnCells(deps: SpawnDeps, entry: MachineEntry, awake: Set<MachineEntry>): Cells {
  const { record, capacity } = entry;
  const log = new LazyChild(deps.log, { machine: record.id });
  const cells = {} as Cells;
  // The first MachineD starts where the machine stands; nothing but a MachineD changes that
  // (and an Allocation is never changed in place, so it is shared, not copied).
  const initial = entry.allocation;
  cells.machined = machineCell(
    `machined ${record.id}`,
    (incarnation) =>
      new MachineD(
        {
          capacity,
          notify: (c) => change(cells.flyd, c),
          recover: () => recover(deps, entry),
          allocated: (a) => deps.allocated(entry, a),
          log,
        },
        incarnation === 0 ? initial : undefined,
      ),
    deps.supervisor,
  );
  cells.flyd = flydCell(
    `flyd ${record.id}`,
    (incarnation) =>
      new FlyD(
        {
          machineId: record.id,
          store: deps.store,
          versions: deps.versions,
          counters: deps.counters,
          self: (msg) => cells.flyd.tell(msg),
          markDirty: () => deps.markDirty(entry),
          resync: () => resync(cells.machined),
          log,
        },
        incarnation > 0,
      ),
    deps.supervisor,
  );
  awake.add(entry);
  cells.flyd.start();
  cells.machined.start();
  return cells;
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

function pickAllocation(m: Machine): Allocation {
  return { cores_allocated: m.cores_allocated, memory_allocated_gb: m.memory_allocated_gb, vm_count: m.vm_count };
}
