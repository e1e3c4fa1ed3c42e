// A stand-in for etcd3's watch builder (`client.watch().prefix(p).startRevision(r).watcher()`),
// for the unit tests of the watches that keep their place (follow, resumed-watch). Each watcher
// it opens is kept, with the revision it started from and when, and tells `connected` (or, as
// `connects` says, `disconnected` at once) on the next microtask, as etcd3's does once etcd answers.

import { EventEmitter } from 'node:events';
import type { Etcd3 } from 'etcd3';

export class FakeWatcher extends EventEmitter {
  cancelled = false;
  async cancel() {
    this.cancelled = true;
  }
}

/** `connects`: whether each next watcher connects (else its stream breaks at once); all do when empty. */
export function fakeWatchClient(connects: boolean[] = []) {
  const watchers: FakeWatcher[] = [];
  /** The revision each watcher started from, and when it was opened. */
  const opened: { from: string; at: number }[] = [];
  const client = {
    kv: {},
    watch: () => ({
      prefix: () => ({
        startRevision: (from: string) => ({
          watcher: () => {
            const w = new FakeWatcher();
            watchers.push(w);
            opened.push({ from, at: Date.now() });
            const ok = connects.shift() ?? true;
            queueMicrotask(() => w.emit(ok ? 'connected' : 'disconnected', new Error('unavailable')));
            return w;
          },
        }),
      }),
    }),
  } as unknown as Etcd3;
  return { client, watchers, opened };
}
