// MachineD: the authoritative free resources of one machine. The store's copy lags by up to one
// FlyD interval; this one never does, so placement asks here and only here decides.

import type { Logger } from '../common/log';
import { ActorCell, type Behaviour, type CrashHandler, type NOT_NOW, type Reply } from './actor';

/** What a machine has handed out. Always absolute values, never deltas. */
export interface Allocation {
  cores_allocated: number;
  memory_allocated_gb: number;
  vm_count: number;
}

export interface Capacity {
  id: string;
  region: string;
  cores_total: number;
  memory_total_gb: number;
  /** False for machines an operator took out (maintenance, offline): they host nothing new. */
  schedulable: boolean;
}

export interface MachineSnapshot extends Capacity, Allocation {
  free_cores: number;
  free_memory_gb: number;
}

/** What a MachineD is sent. Other modules use the client functions below, never these shapes. */
type MachineMsg =
  | { t: 'allocate'; memory_gb: number; cores: number; reply: Reply<boolean> }
  | { t: 'release'; memory_gb: number; cores: number; reply?: Reply<void> }
  /** Its FlyD restarted empty: send it the current state so the store converges. */
  | { t: 'resync' }
  /** A shared store's committed allocation (other hosts allocate here too): adopt it. */
  | { t: 'observe'; state: Allocation }
  /** An operator drained, took offline or brought back the machine (faults). */
  | { t: 'schedulable'; value: boolean; reply: Reply<void> }
  /** Chaos: crash now, so the supervisor restarts this MachineD (kill-actors). */
  | { t: 'crash' };

/** A MachineD's mailbox: it outlives each MachineD the supervisor builds into it. */
export type MachineCell = ActorCell<MachineMsg, MachineD>;

// ---- client API: how other modules talk to a MachineD -------------------------------------

/** A MachineD's mailbox, not started yet; `build` makes each incarnation (0 at first start). */
export function machineCell(
  name: string,
  build: (incarnation: number) => MachineD,
  supervisor: CrashHandler,
): MachineCell {
  return new ActorCell<MachineMsg, MachineD>(name, build, supervisor);
}

/** Reserves memory_gb and cores if they fit; true when they were reserved. */
export function allocate(cell: MachineCell, memory_gb: number, cores: number): Promise<boolean> {
  return cell.ask<boolean>((reply) => ({ t: 'allocate', memory_gb, cores, reply }));
}

/**
 * allocate() answered at once when the MachineD is idle (placement's hot path: no promise, no
 * turn of the microtask queue); NOT_NOW when it is busy or restarting (then use allocate()).
 */
export function allocateNow(cell: MachineCell, memory_gb: number, cores: number): boolean | typeof NOT_NOW {
  return cell.askNow<boolean>((reply) => ({ t: 'allocate', memory_gb, cores, reply }));
}

/** Frees what one VM held; resolves once MachineD has freed it. */
export function release(cell: MachineCell, memory_gb: number, cores: number): Promise<void> {
  return cell.ask<void>((reply) => ({ t: 'release', memory_gb, cores, reply }));
}

/** Frees what one VM held, without waiting for (or hearing of) the outcome. */
export function releaseNoWait(cell: MachineCell, memory_gb: number, cores: number): void {
  cell.tell({ t: 'release', memory_gb, cores });
}

/**
 * A shared fleet (etcd): the allocation the store committed, which counts other hosts' VMs.
 * MachineD adopts it as its view; it is a hint for placement, since the store's transaction,
 * not MachineD, decides there.
 */
export function observe(cell: MachineCell, state: Allocation): void {
  cell.tell({ t: 'observe', state });
}

/**
 * Whether the machine takes new VMs. In line with allocations: once this resolves no new VM can
 * land, and the flag lives in the capacity every incarnation shares, so a restart keeps it.
 */
export function setSchedulable(cell: MachineCell, value: boolean): Promise<void> {
  return cell.ask<void>((reply) => ({ t: 'schedulable', value, reply }));
}

/** Chaos: the MachineD throws on this message and its supervisor restarts it. */
export function crashMachined(cell: MachineCell): void {
  cell.tell({ t: 'crash' });
}

/** Asks MachineD to report its current state to its FlyD again. */
export function resync(cell: MachineCell): void {
  cell.tell({ t: 'resync' });
}

// ---- the behaviour ----------------------------------------------------------------------------

/** A change as MachineD tells its FlyD: the new absolute state and how many changes led there. */
export interface MachineChange {
  state: Allocation;
  changes: number;
}

export interface MachineDeps {
  capacity: Capacity;
  /** Posts to this machine's FlyD mailbox; never a direct call. */
  notify(change: MachineChange): void;
  /** Where a restarted MachineD gets its state: the store's record plus FlyD's unflushed state. */
  recover(): Promise<Allocation>;
  /**
   * Told every allocation this MachineD holds, synchronously as it changes (and at start), so
   * the region's free-capacity index is never behind it.
   */
  allocated?(a: Readonly<Allocation>): void;
  log: Logger;
}

/** Whether a VM of memory_gb and cores fits on a machine of `c` holding `a` (MachineD's own check). */
export function fitsOn(c: Readonly<Capacity>, a: Readonly<Allocation>, memory_gb: number, cores: number): boolean {
  if (!c.schedulable || !isWhole(memory_gb) || !isWhole(cores)) return false;
  // hasRoomFor's arithmetic, without building its argument: this runs on every reservation.
  return c.memory_total_gb - a.memory_allocated_gb >= memory_gb && c.cores_total - a.cores_allocated >= cores;
}

export const EMPTY: Readonly<Allocation> = Object.freeze({ cores_allocated: 0, memory_allocated_gb: 0, vm_count: 0 });

/**
 * An Allocation is never changed in place: every change is a new object (MachineD's, the
 * registry entry's, FlyD's latest), so one object can be shared between them without a copy.
 */
export class MachineD implements Behaviour<MachineMsg> {
  private alloc: Allocation;

  /** `initial` is the state at first start; without it (a restart) init() recovers it. */
  constructor(
    private readonly deps: MachineDeps,
    private readonly initial?: Allocation,
  ) {
    this.alloc = initial ? sanitize(initial, deps.capacity, deps.log) : EMPTY;
    deps.allocated?.(this.alloc);
  }

  /** Synchronous with a first state (the actor runs at once); a restart recovers it first. */
  init(): Promise<void> | undefined {
    return this.initial ? undefined : this.rebuild();
  }

  private async rebuild(): Promise<void> {
    this.alloc = sanitize(await this.deps.recover(), this.deps.capacity, this.deps.log);
    this.deps.allocated?.(this.alloc);
    this.deps.log.info('machined rebuilt', { machine: this.deps.capacity.id, ...this.alloc });
  }

  /** The size and schedulability, and what is handed out: read-only views, no copies (placement reads a whole region). */
  get capacity(): Readonly<Capacity> {
    return this.deps.capacity;
  }

  get allocation(): Readonly<Allocation> {
    return this.alloc;
  }

  snapshot(): MachineSnapshot {
    const c = this.deps.capacity;
    return {
      ...c,
      ...this.alloc,
      free_cores: c.cores_total - this.alloc.cores_allocated,
      free_memory_gb: c.memory_total_gb - this.alloc.memory_allocated_gb,
    };
  }

  fits(memory_gb: number, cores: number): boolean {
    return fitsOn(this.deps.capacity, this.alloc, memory_gb, cores);
  }

  handle(msg: MachineMsg): void {
    switch (msg.t) {
      case 'allocate':
        this.allocate(msg);
        return;
      case 'release':
        this.release(msg.memory_gb, msg.cores);
        msg.reply?.answer();
        return;
      case 'resync':
        this.deps.notify({ state: this.alloc, changes: 0 });
        return;
      case 'observe':
        this.alloc = sanitize(msg.state, this.deps.capacity, this.deps.log);
        // The free index must follow every change of view, this one too: an index still showing
        // room MachineD no longer has sends every placement to a refusal, again and again.
        this.deps.allocated?.(this.alloc);
        return;
      case 'schedulable':
        this.deps.capacity.schedulable = msg.value;
        // The free index holds schedulable machines only: it follows at once.
        this.deps.allocated?.(this.alloc);
        msg.reply.answer();
        return;
      case 'crash':
        throw new Error('killed by chaos (kill-actors)');
    }
  }

  private allocate(msg: Extract<MachineMsg, { t: 'allocate' }>): void {
    if (!isWhole(msg.memory_gb) || !isWhole(msg.cores)) {
      msg.reply.answer(false);
      return;
    }
    // Check and reserve with no await in between: this is the whole concurrency story.
    if (!this.fits(msg.memory_gb, msg.cores)) {
      msg.reply.answer(false);
      return;
    }
    this.alloc = reserved(this.alloc, msg.memory_gb, msg.cores);
    this.deps.allocated?.(this.alloc);
    this.deps.notify({ state: this.alloc, changes: 1 });
    msg.reply.answer(true);
  }

  private release(memory_gb: number, cores: number): void {
    this.alloc = released(this.alloc, memory_gb, cores, this.deps.capacity.id, this.deps.log);
    this.deps.allocated?.(this.alloc);
    this.deps.notify({ state: this.alloc, changes: 1 });
  }
}

/** What taking one VM's room adds (checked to fit first; MachineD's and a sleeping entry's). */
export function reserved(a: Allocation, memory_gb: number, cores: number): Allocation {
  return {
    cores_allocated: a.cores_allocated + cores,
    memory_allocated_gb: a.memory_allocated_gb + memory_gb,
    vm_count: a.vm_count + 1,
  };
}

/**
 * What giving back one VM's room leaves, clamped at zero (MachineD's release; a sleeping
 * machine's entry makes the same one in place).
 */
export function released(a: Allocation, memory_gb: number, cores: number, machine: string, log: Logger): Allocation {
  if (
    !isWhole(memory_gb) ||
    !isWhole(cores) ||
    a.vm_count === 0 ||
    memory_gb > a.memory_allocated_gb ||
    cores > a.cores_allocated
  ) {
    // An accounting bug elsewhere; going negative would hide it and corrupt every later check.
    log.warn('release larger than the allocation; clamped at zero', { machine, memory_gb, cores, ...a });
  }
  const m = isWhole(memory_gb) ? memory_gb : 0;
  const c = isWhole(cores) ? cores : 0;
  return {
    cores_allocated: Math.max(0, a.cores_allocated - c),
    memory_allocated_gb: Math.max(0, a.memory_allocated_gb - m),
    vm_count: Math.max(0, a.vm_count - 1),
  };
}

function isWhole(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
}

const clamp = (v: unknown, max: number) =>
  typeof v === 'number' && Number.isFinite(v) ? Math.min(max, Math.max(0, Math.round(v))) : 0;

/** Keeps a recovered state inside [0, capacity] whatever the store held (`a` itself when it is). */
function sanitize(a: Allocation, c: Capacity, log: Logger): Allocation {
  const cores = clamp(a.cores_allocated, c.cores_total);
  const memory = clamp(a.memory_allocated_gb, c.memory_total_gb);
  const vms = clamp(a.vm_count, Number.MAX_SAFE_INTEGER);
  if (cores === a.cores_allocated && memory === a.memory_allocated_gb && vms === a.vm_count) return a;
  const out: Allocation = { cores_allocated: cores, memory_allocated_gb: memory, vm_count: vms };
  log.warn('machine state outside its capacity; clamped', { machine: c.id, given: a, used: out });
  return out;
}
