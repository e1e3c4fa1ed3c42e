// One full GC of this thread, when V8 has been told to expose `gc`. `flylight serve` tells it
// once its host answers (heap-tuning.ts), so each thread's old generation gets a limit from its
// live set under the bounded growth, not the one V8 set while the thread was starting.

import { runInNewContext } from 'node:vm';

/**
 * Collects now and says whether it could. `--expose-gc` set at run time gives `gc` to contexts
 * made after it (this one's global was made before), hence the new context; its `gc` collects
 * the thread's whole heap.
 */
export function fullGc(): boolean {
  try {
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    if (typeof gc !== 'function') return false;
    gc();
    return true;
  } catch {
    return false;
  }
}
