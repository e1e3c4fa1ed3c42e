// FlyD: closes the gap between a MachineD and the store. It keeps the newest state its MachineD
// reported and how many changes led there, and on each tick writes ONE absolute update with a
// fresh version. Absolute values plus an increasing version make every retry idempotent: a
// refused or unanswered update stays queued and the next tick sends the newer state with a
// newer version; if the old one did land after all, the newer one simply supersedes it.

import type { ErrorBody } from '../../shared/errors';
import { ApiError, toErrorBody } from '../../shared/errors';
import type { Remote } from '../../shared/rpc';
import type { StoreService } from '../../shared/services';
import type { Machine, MachineUpdate } from '../../shared/types';
import type { Logger } from '../common/log';
import { ActorCell, type Behaviour, type CrashHandler, type Reply } from './actor';
import type { Allocation, MachineChange } from './machined';
import type { VersionBook } from './version-book';

/** What a flush did: wrote an update, had nothing to write, failed, or skipped (one in flight). */
export type FlushOutcome = 'applied' | 'clean' | 'failed' | 'busy';

export interface Held {
  /** The newest state FlyD knows, or null if its MachineD has not reported since FlyD started. */
  state: Allocation | null;
  /** True when that state may not be in the store yet (queued or in flight). */
  unflushed: boolean;
  /**
   * True for a restarted FlyD that has not heard from its MachineD since: whatever its
   * predecessor had not flushed is gone, so the store's record may lag the machine.
   */
  lost: boolean;
}

interface Flight {
  update: MachineUpdate;
  /** The change sequence number this update covers. */
  seq: number;
  waiters: Reply<FlushOutcome>[];
}

/** What a FlyD is sent. Other modules use the client functions below, never these shapes. */
type FlydMsg =
  | ({ t: 'change' } & MachineChange)
  /** `wait`: also wait for an update already in flight and flush again after it (shutdown). */
  | { t: 'flush'; wait: boolean; reply: Reply<FlushOutcome> }
  | { t: 'applied'; flight: Flight; result: { applied: boolean; machine: Machine } }
  | { t: 'refused'; flight: Flight; error: ErrorBody }
  | { t: 'held'; reply: Reply<Held> }
  /** Chaos: crash now, so the supervisor restarts this FlyD (kill-actors). */
  | { t: 'crash' };

/** A FlyD's mailbox: it outlives each FlyD the supervisor builds into it. */
export type FlydCell = ActorCell<FlydMsg, FlyD>;

// ---- client API: how other modules talk to a FlyD -----------------------------------------

/** A FlyD's mailbox, not started yet; `build` makes each incarnation (0 at first start). */
export function flydCell(name: string, build: (incarnation: number) => FlyD, supervisor: CrashHandler): FlydCell {
  return new ActorCell<FlydMsg, FlyD>(name, build, supervisor);
}

/** Tells FlyD its MachineD's newest state (MachineD's only way of reaching it). */
export function change(cell: FlydCell, c: MachineChange): void {
  cell.tell({ t: 'change', ...c });
}

/**
 * Writes what FlyD holds to the store. `wait`: also wait for an update already in flight and
 * write again after it (a clean shutdown); otherwise such a flush answers 'busy'.
 */
export function flush(cell: FlydCell, wait: boolean): Promise<FlushOutcome> {
  return cell.ask<FlushOutcome>((reply) => ({ t: 'flush', wait, reply }));
}

/** Chaos: the FlyD throws on this message and its supervisor restarts it. */
export function crashFlyd(cell: FlydCell): void {
  cell.tell({ t: 'crash' });
}

/** What FlyD holds: its newest state and whether the store may lag behind it. */
export function held(cell: FlydCell): Promise<Held> {
  return cell.ask<Held>((reply) => ({ t: 'held', reply }));
}

// ---- the behaviour ----------------------------------------------------------------------------

export interface FlydCounters {
  flushes: number;
  failed: number;
}

export interface FlydDeps {
  machineId: string;
  store: Pick<Remote<StoreService>, 'apply' | 'versions'>;
  versions: VersionBook;
  counters: FlydCounters;
  /** Posts to this FlyD's own mailbox (store answers come back as messages). */
  self(msg: FlydMsg): void;
  /** Tells the ticker this FlyD has something to write. */
  markDirty(): void;
  /** Asks the MachineD to report its current state (after this FlyD restarted empty). */
  resync(): void;
  log: Logger;
}

/** Never pushed to (see FlyD.waiting): a FlyD is made on every wake and most never wait. */
const NO_WAITERS: never[] = [];

export class FlyD implements Behaviour<FlydMsg> {
  private latest: Allocation | null = null;
  /** Changes not yet acknowledged by the store: the queue depth. */
  private pending = 0;
  private seq = 0;
  private flushedSeq = 0;
  private flight: Flight | null = null;
  /** Shutdown flushes behind the one in flight; the shared empty list until one comes. */
  private waiting: Reply<FlushOutcome>[] = NO_WAITERS;
  /** A restarted FlyD until its MachineD reports (see Held.lost). */
  private lost: boolean;

  constructor(
    private readonly deps: FlydDeps,
    private readonly restarted = false,
  ) {
    this.lost = restarted;
  }

  init(): void {
    // A restarted FlyD keeps nothing; its MachineD still has the truth, so ask for it.
    if (this.restarted) this.deps.resync();
  }

  get depth(): number {
    return this.pending;
  }

  get dirty(): boolean {
    return this.seq !== this.flushedSeq;
  }

  /** Nothing to write, nothing in flight, no one waiting: the store has all it holds. */
  get idle(): boolean {
    return !this.dirty && this.flight === null && this.waiting.length === 0 && !this.lost;
  }

  handle(msg: FlydMsg): void {
    switch (msg.t) {
      case 'change':
        this.lost = false;
        this.latest = msg.state;
        this.pending += msg.changes;
        this.seq++;
        this.deps.markDirty();
        return;
      case 'flush':
        this.flush(msg.wait, msg.reply);
        return;
      case 'applied':
        this.settle(msg.flight, true, msg.result);
        return;
      case 'refused':
        this.settle(msg.flight, false, undefined, msg.error);
        return;
      case 'held':
        msg.reply.answer({
          state: this.latest && { ...this.latest },
          unflushed: this.dirty || this.flight !== null,
          lost: this.lost,
        });
        return;
      case 'crash':
        throw new Error('killed by chaos (kill-actors)');
    }
  }

  terminate(reason: string): void {
    const error = new ApiError('unavailable', reason);
    for (const w of this.flight?.waiters ?? []) w.fail(error);
    for (const w of this.waiting) w.fail(error);
    this.waiting = NO_WAITERS;
  }

  private flush(wait: boolean, reply: Reply<FlushOutcome>): void {
    if (this.flight) {
      if (wait) {
        if (this.waiting === NO_WAITERS) this.waiting = [];
        this.waiting.push(reply);
      } else reply.answer('busy'); // one update in flight at a time; the next tick retries
      return;
    }
    if (!this.dirty || !this.latest) {
      reply.answer('clean');
      return;
    }
    this.send([reply]);
  }

  private send(waiters: Reply<FlushOutcome>[]): void {
    const latest = this.latest as Allocation;
    const update: MachineUpdate = {
      machine_id: this.deps.machineId,
      version: this.deps.versions.next(this.deps.machineId),
      cores_allocated: latest.cores_allocated,
      memory_allocated_gb: latest.memory_allocated_gb,
      vm_count: latest.vm_count,
      changes: this.pending,
    };
    const flight: Flight = { update, seq: this.seq, waiters };
    this.flight = flight;
    let answer: Promise<{ applied: boolean; machine: Machine }>;
    try {
      answer = this.deps.store.apply(update);
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer.then(
      (result) => this.deps.self({ t: 'applied', flight, result }),
      (err) => this.deps.self({ t: 'refused', flight, error: toErrorBody(err) }),
    );
  }

  private settle(
    flight: Flight,
    ok: boolean,
    result?: { applied: boolean; machine: Machine },
    error?: ErrorBody,
  ): void {
    // An answer to an update sent by a crashed predecessor: its waiters were already failed.
    if (flight !== this.flight) return;
    this.flight = null;
    const u = flight.update;
    if (ok && result && !result.applied && !sameState(result.machine, u)) {
      // The store holds a newer version than ours (e.g. written by an earlier incarnation of
      // this worker): our state was ignored. Learn the store's version and send again.
      ok = false;
      error = { code: 'internal', message: `store ignored version ${u.version} of ${u.machine_id} as stale` };
      this.deps.store.versions().then(
        (v) => this.deps.versions.raise(u.machine_id, v[u.machine_id] ?? 0),
        () => {},
      );
    }
    let outcome: FlushOutcome;
    if (ok) {
      this.pending = Math.max(0, this.pending - u.changes);
      this.flushedSeq = flight.seq;
      this.deps.counters.flushes++;
      outcome = 'applied';
    } else {
      this.deps.counters.failed++;
      this.deps.log.warn('flyd update not applied; kept for the next tick', {
        machine: u.machine_id,
        version: u.version,
        changes: u.changes,
        code: error?.code,
        error: error?.message,
      });
      outcome = 'failed';
    }
    for (const w of flight.waiters) w.answer(outcome);
    const waiting = this.waiting;
    this.waiting = NO_WAITERS;
    if (waiting.length > 0) {
      // Shutdown flushes queued behind that flight: write what arrived since, but never spin
      // on a store that just refused.
      if (ok && this.dirty && this.latest) this.send(waiting);
      else for (const w of waiting) w.answer(ok ? 'clean' : 'failed');
    }
    if (this.dirty) this.deps.markDirty();
  }
}

/** Whether the store's record already holds the update's state. */
export function sameState(m: Machine, u: MachineUpdate): boolean {
  return (
    m.cores_allocated === u.cores_allocated &&
    m.memory_allocated_gb === u.memory_allocated_gb &&
    m.vm_count === u.vm_count
  );
}
