// What `flylight serve` sets in V8 before its workers start, so that the process does not hold
// far more heap than it uses. Under launches most of the RSS above the live data was garbage V8
// had not collected yet: each old generation was let grow to up to 4× its live set before the
// next full GC (more the faster it allocates), and the host thread's young generation grew to
// 32 MB. Both are set here from inside the process, since `serve` is started as `node
// bin/flylight.js` and its users pass no node flags (a re-exec would add a second process).

import v8 from 'node:v8';
import { fullGc } from '../common/full-gc';
import type { HeapKnobs } from './worker-limits';

/** How often the host's young generation is looked at (a look costs a few µs). */
const HOLD_EVERY_MS = 250;
/** How long after the host answers every thread runs its one full GC. */
const COLLECT_AFTER_MS = 1000;

export interface HeapTuningDeps {
  setFlags?: (flags: string) => void;
  /** Bytes of the host thread's new space (both semi-spaces) now. */
  newSpaceBytes?: () => number;
  /** A full GC of the host thread (once gc is exposed). */
  collect?: () => void;
}

const hostNewSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

export interface HeapTuning {
  /** The host is up: bound old-generation growth from now on; `collectWorkers` has each worker GC once. */
  started(collectWorkers?: () => void): void;
  stop(): void;
}

/**
 * Applies the knobs to this process; call before the workers start (they read some of these
 * flags once, when their heap is made), and `started()` once the host answers.
 */
export function tuneHeap(knobs: HeapKnobs, deps: HeapTuningDeps = {}): HeapTuning {
  const setFlags = deps.setFlags ?? ((f: string) => v8.setFlagsFromString(f));
  const newSpace = deps.newSpaceBytes ?? hostNewSpace;
  const collect = deps.collect ?? fullGc;
  // Read at every full GC of every thread: each old generation's next limit is its live set plus
  // this share, whatever the allocation rate. More full GCs at high rates, each marking only
  // what lives (the store's ~70 MB on a 100k fleet), concurrently on V8's helper threads. Set
  // once the host answers: before, it would cost each worker Node's code cache (below), and the
  // store, building its fleet from nothing, a full GC at every 50 % of growth. (A worker
  // restarted later pays the code cache once; restarts are rare.)
  // The bound applies from each thread's next full GC, and until then the limit is the one V8
  // set at its last, while starting: up to 4x what lived then. The orchestrator (its 100k actors
  // built, ~42 MB live) was let grow to ~110 MB before its first full GC under launches, and kept
  // those pages committed after it (98 MB for 40 live). So every thread collects once, through
  // a gc exposed for it (common/full-gc.ts): ~100-150 ms of CPU in all, once. A second after the
  // start, not at it: the first requests are answered without those pauses.
  let collecting: ReturnType<typeof setTimeout> | null = null;
  const started = (collectWorkers: () => void = () => {}) => {
    if (knobs.growthPercent <= 0) return;
    setFlags(`--heap-growing-percent=${knobs.growthPercent}`);
    setFlags('--expose-gc');
    collecting = setTimeout(() => {
      collect();
      collectWorkers();
    }, COLLECT_AFTER_MS);
    collecting.unref?.();
  };
  const stopCollecting = () => {
    if (collecting) clearTimeout(collecting);
  };
  if (knobs.hostYoungMb <= 0) return { started, stop: stopCollecting };

  // The main thread's young-generation limit is fixed when its heap is made, before any of our
  // code runs; what V8 still reads later is the factor by which a new space grows when it has
  // filled (at least 2, and reset to 2 whenever a worker's heap is made). So the host's is let
  // grow until it reaches the size, then held there with a factor of 1, re-set on every look.
  // The factor is every thread's: a worker still below its cap when the host's reaches the size
  // stays there (a smaller young generation, not a larger one). Under launches the workers reach
  // theirs first (the store and orchestrator keep most of what they allocate). Starting them at
  // their cap (--min-semi-space-size) would rule that out, but no flag may differ from V8's
  // default before the workers start: V8's flag hash then changes, each worker rejects Node's
  // built-in code cache, and the 100k start cost ~300 ms more CPU (BENCHMARKS.md, rss-slack).
  // A factor of 2 is the default, so until the host's young generation fills nothing changes.
  const limit = knobs.hostYoungMb * 1024 * 1024;
  const hold = () => setFlags(`--semi-space-growth-factor=${newSpace() >= limit ? 1 : 2}`);
  hold();
  const timer = setInterval(hold, HOLD_EVERY_MS);
  timer.unref();
  return {
    started,
    stop() {
      stopCollecting();
      clearInterval(timer);
      setFlags('--semi-space-growth-factor=2');
    },
  };
}
