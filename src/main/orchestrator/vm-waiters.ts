// Callers waiting for a VM to reach a state (`vm wait`, `launch --wait`): each is checked at
// every change of its VM, so a state passed through quickly is not missed, and gives up after
// its timeout on the simulated clock.

import { ApiError } from '../../shared/errors';
import type { LifecycleState } from '../../shared/lifecycle';
import type { Clock } from './clock';
import { deadEnd } from './vm-outcomes';
import type { LifecycleVm } from './vm-transitions';

export interface WaitFor {
  reached(state: LifecycleState): boolean;
  /** The target as words, for messages. */
  what: string;
  /** Reject as soon as the VM rests where it will not leave on its own (failed, destroyed). */
  deadEnds: boolean;
}

interface Waiter<V> extends WaitFor {
  resolve(vm: V): void;
  reject(err: unknown): void;
  cancel(): void;
}

export class VmWaiters<V extends LifecycleVm> {
  private readonly byVm = new Map<string, Set<Waiter<V>>>();
  /** Per VM being looked at (a wait's first read), the changes heard while each read is out. */
  private readonly looking = new Map<string, Set<V[]>>();

  constructor(private readonly clock: Clock) {}

  add(id: string, want: WaitFor, timeoutMs: number): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const set = this.byVm.get(id) ?? new Set();
      this.byVm.set(id, set);
      const w: Waiter<V> = {
        ...want,
        resolve,
        reject,
        cancel: this.clock.after(timeoutMs, () => {
          set.delete(w);
          if (set.size === 0) this.byVm.delete(id);
          reject(new ApiError('timeout', `${id} did not become ${want.what} within ${timeoutMs} ms`, { vm_id: id }));
        }),
      };
      set.add(w);
    });
  }

  /**
   * A wait's first look: `read` asks the store, while changes made through another host keep
   * arriving on another path (the watch). One heard before the waiter exists would be lost, and
   * the wait would hang to its timeout (seen: a destroy through a non-owner, answered 504 under
   * load): what is heard while the read is out comes back with it.
   */
  async look(id: string, read: () => Promise<V>): Promise<{ vm: V; heard: V[] }> {
    const heard: V[] = [];
    const lists = this.looking.get(id) ?? new Set<V[]>();
    this.looking.set(id, lists.add(heard));
    try {
      return { vm: await read(), heard };
    } finally {
      lists.delete(heard);
      if (lists.size === 0) this.looking.delete(id);
    }
  }

  /** The VM changed: settles every waiter it satisfies or leaves at a dead end. */
  notify(vm: V): void {
    for (const heard of this.looking.get(vm.id) ?? []) heard.push(vm);
    const set = this.byVm.get(vm.id);
    if (!set) return;
    for (const w of [...set]) {
      const ok = w.reached(vm.state);
      const dead = ok || !w.deadEnds ? null : deadEnd(vm, w.what);
      if (!ok && !dead) continue;
      set.delete(w);
      w.cancel();
      if (dead) w.reject(dead);
      else w.resolve(vm);
    }
    if (set.size === 0) this.byVm.delete(vm.id);
  }

  /** A fleet reset: every waiter hears why. */
  clear(reason: string): void {
    for (const set of this.byVm.values()) {
      for (const w of set) {
        w.cancel();
        w.reject(new ApiError('unavailable', reason));
      }
    }
    this.byVm.clear();
  }
}
