// What the dashboard reads of the VMs beyond their records: pages of a filtered, sorted list
// (the sorted selection is cached until a VM changes, so scrolling a 100k-VM list costs a slice
// per page, not a sort) and each VM's recent transitions with the placement note of its launch.
//
// The history is bounded and in memory: at most HISTORY_PER_VM transitions per VM, at most
// HISTORY_TOTAL in all (the VMs whose last transition is oldest are forgotten first), and a
// destroyed VM's history stays until it is pushed out, so "what happened to vm-x" can still be
// answered a while after it is gone. It is what this store thread has seen since it started;
// the VM records themselves are what is durable. How one VM's history is packed: kept-history.ts.

import { ApiError } from '../../shared/errors';
import type { Transition } from '../../shared/lifecycle';
import type { Vm } from '../../shared/types';
import type { VmHistory } from '../../shared/vm-history';
import { pageOf, selectionKey, selectVms, type VmPage, type VmQuery } from '../../shared/vm-query';
import { KeptHistory } from './kept-history';

export const HISTORY_PER_VM = 40;
export const HISTORY_TOTAL = 400_000;

export class VmViews {
  private cache: { key: string; version: number; list: Vm[] } | null = null;
  private version = 0;
  /** Insertion order = order of last transition: the first entry is the one to forget first. */
  private readonly history = new Map<string, KeptHistory>();
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
    let kept: KeptHistory | undefined;
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
      kept.add(t, vm?.machine_id);
      this.total++;
      if (kept.length > HISTORY_PER_VM) {
        kept.dropOldest();
        this.total--;
      }
      this.forgetOldest(kept);
    }
  }

  /** The VM's history moved to the end (the most recently changed), made when it has none. */
  private touch(id: string): KeptHistory {
    let kept = this.history.get(id);
    if (kept) this.history.delete(id);
    else kept = new KeptHistory();
    this.history.set(id, kept);
    return kept;
  }

  /** Forgets the VMs whose last transition is oldest while there are too many; never `current`. */
  private forgetOldest(current: KeptHistory): void {
    while (this.total > HISTORY_TOTAL) {
      const [oldest, old] = this.history.entries().next().value as [string, KeptHistory];
      if (old === current) return;
      this.history.delete(oldest);
      this.total -= old.length;
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
      transitions: kept ? kept.transitions() : [],
      dropped: kept?.dropped ?? 0,
      placement: kept ? kept.placement() : null,
    };
  }

  clear(): void {
    this.history.clear();
    this.total = 0;
    this.version++;
  }
}
