// `node --import register.js out/main/index.js`: runs the built main bundle on the stand-in
// Electron. Also keeps a handle on the host's worker threads so that a test can kill one as a
// crash would (the host's own crash hook is not reachable from outside).

import { createRequire, register, syncBuiltinESMExports } from 'node:module';
import { isMainThread } from 'node:worker_threads';

export const WORKERS = Symbol.for('flylight.standin.workers');

if (isMainThread) {
  register('./hooks.js', import.meta.url, { data: { url: new URL('./electron-main.js', import.meta.url).href } });
  const wt = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  const live = new Map<string, InstanceType<typeof wt.Worker>>();
  const Base = wt.Worker;
  wt.Worker = class extends Base {
    constructor(file: string | URL, options?: import('node:worker_threads').WorkerOptions) {
      super(file, options);
      if (options?.name) live.set(options.name, this);
    }
  };
  // The host bundle imports { Worker } from 'node:worker_threads': point that binding here too.
  syncBuiltinESMExports();
  (globalThis as Record<symbol, unknown>)[WORKERS] = live;
}
