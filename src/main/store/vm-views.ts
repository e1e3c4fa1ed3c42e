// What the dashboard reads of the VMs beyond their records: pages of a filtered, sorted list
// (the sorted selection is cached until a VM changes, so scrolling a 100k-VM list costs a slice
// per page, not a sort) and each VM's recent transitions with the placement note of its launch.
//
// The history is bounded and in memory: at most HISTORY_PER_VM transitions per VM, at most
// HISTORY_TOTAL in all (the VMs whose last transition is oldest are forgotten first), and a
// destroyed VM's history stays until it is pushed out, so "what happened to vm-x" can still be
// answered a while after it is gone. It is what this store thread has seen since it started;
// the VM records themselves are what is durable.

import { ApiError } from '../../shared/errors';
import type { Transition } from '../../shared/lifecycle';
import type { PlacementNote } from '../../shared/placement-note';
import type { Vm } from '../../shared/types';
import type { HistoryEntry, VmHistory } from '../../shared/vm-history';
import { pageOf, selectionKey, selectVms, type VmPage, type VmQuery } from '../../shared/vm-query';
import { compactTime, known, type Time, timeText } from './values';

export const HISTORY_PER_VM = 40;
export const HISTORY_TOTAL = 400_000;

/**
 * One transition as kept: its names are the shared constants and its time a number where
 * that loses nothing (values.ts), so a VM's four launch transitions cost a few small objects
 * instead of a dozen strings. Shown as a HistoryEntry again by of().
 */
interface KeptEntry {
  from: HistoryEntry['from'];
  to: HistoryEntry['to'];
  at: Time;
  operation: HistoryEntry['operation'];
  reason?: string;
}

interface Kept {
  transitions: KeptEntry[];
  dropped: number;
  placement: PlacementNote | null;
}

/** The empty list most notes carry (no region refused), shared. */
const NO_REFUSALS: PlacementNote['refused_regions'] = Object.freeze([]) as never;

export class VmViews {
  private cache: { key: string; version: number; list: Vm[] } | null = null;
  private version = 0;
  /** Insertion order = order of last transition: the first entry is the one to forget first. */
  private readonly history = new Map<string, Kept>();
  private total = 0;

  constructor(
    private readonly all: () => Iterable<Vm>,
    private readonly get: (id: string) => Vm | undefined,
  ) {}

  /** A VM changed (or the fleet was reset): cached selections are stale. */
  changed(): void {
    this.version++;
  }

  page(q: VmQuery): VmPage {
    const key = selectionKey(q);
    if (!this.cache || this.cache.key !== key || this.cache.version !== this.version) {
      this.cache = { key, version: this.version, list: selectVms(this.all(), q) };
    }
    return pageOf(this.cache.list, q);
  }

  record(t: Transition): void {
    this.recordAll([t]);
  }

  /** Transitions in order; a VM's consecutive ones (a launch's four) share one lookup of its history. */
  recordAll(transitions: readonly Transition[]): void {
    let kept: Kept | undefined;
    let keptId: string | undefined;
    let vm: Vm | undefined;
    for (const t of transitions) {
      if (typeof t !== 'object' || t === null || typeof t.vm_id !== 'string') continue;
      this.version++;
      if (kept === undefined || t.vm_id !== keptId) {
        // The record's own strings where they are the same (the transition is a copy from another thread).
        vm = this.get(t.vm_id);
        keptId = t.vm_id;
        kept = this.touch(vm?.id ?? t.vm_id);
      }
      const entry: KeptEntry = {
        from: known(t.from ?? null),
        to: known(t.to),
        at: compactTime(t.at),
        operation: known(t.operation),
      };
      if (t.reason) entry.reason = known(t.reason);
      if (t.placement) kept.placement = compactNote(t.placement, vm);
      kept.transitions.push(entry);
      this.total++;
      if (kept.transitions.length > HISTORY_PER_VM) {
        kept.transitions.shift();
        kept.dropped++;
        this.total--;
      }
      this.forgetOldest(kept);
    }
  }

  /** The VM's history moved to the end (the most recently changed), made when it has none. */
  private touch(id: string): Kept {
    let kept = this.history.get(id);
    if (kept) this.history.delete(id);
    else kept = { transitions: [], dropped: 0, placement: null };
    this.history.set(id, kept);
    return kept;
  }

  /** Forgets the VMs whose last transition is oldest while there are too many; never `current`. */
  private forgetOldest(current: Kept): void {
    while (this.total > HISTORY_TOTAL) {
      const [oldest, old] = this.history.entries().next().value as [string, Kept];
      if (old === current) return;
      this.history.delete(oldest);
      this.total -= old.transitions.length;
    }
  }

  /** The VM's history; not_found when it is neither alive nor remembered. */
  of(id: string): VmHistory {
    const vm = this.get(id);
    const kept = this.history.get(id);
    if (!vm && !kept) {
      throw new ApiError('not_found', `no VM with id ${id} (none is alive, and none was destroyed recently)`);
    }
    return {
      vm_id: id,
      vm: vm ? { ...vm } : null,
      transitions: kept ? kept.transitions.map(entryView) : [],
      dropped: kept?.dropped ?? 0,
      placement: kept?.placement ?? null,
    };
  }

  clear(): void {
    this.history.clear();
    this.total = 0;
    this.version++;
  }
}

function entryView(e: KeptEntry): HistoryEntry {
  const out: HistoryEntry = { from: e.from, to: e.to, at: timeText(e.at), operation: e.operation };
  if (e.reason !== undefined) out.reason = e.reason;
  return out;
}

/** The note with shared strings (its names, its VM's machine id) and no empty list of its own. */
function compactNote(note: PlacementNote, vm: Vm | undefined): PlacementNote {
  if (typeof note !== 'object' || note === null) return note;
  const refused = Array.isArray(note.refused_regions) && note.refused_regions.length === 0;
  return {
    ...note,
    strategy: known(note.strategy),
    path: known(note.path),
    machine_id: vm && note.machine_id === vm.machine_id ? vm.machine_id : note.machine_id,
    refused_regions: refused ? NO_REFUSALS : note.refused_regions,
  };
}
