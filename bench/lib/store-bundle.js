// The store's model (src/main/store) bundled with esbuild so plain node can run it: the
// candidate, apply and memory benchmarks measure the very TypeScript the store worker runs.
// The bundle goes to node_modules/.cache (not bench/.cache) because Biome lints all of bench/.

import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = join(ROOT, 'node_modules', '.cache', 'flylight-bench');

const ENTRY = `
export { Fleet } from './src/main/store/fleet';
export { MemoryBackend } from './src/main/store/backend';
export { parseRegionsCsv } from './src/main/store/csv';
`;

// Placement as the orchestrator runs it: Infrastructure (MachineD actors, the fallback scan,
// no_capacity) over the store model, called in one thread so only placement is measured.
const ORCHESTRATOR_ENTRY = `${ENTRY}
export { storeService } from './src/main/store/service';
export { Infrastructure } from './src/main/orchestrator/infrastructure';
`;

/** Builds (about 50 ms, so always: a stale bundle would measure old code) and imports it. */
export function loadStore() {
  return loadBundle('store', ENTRY);
}

/** The store model plus the orchestrator's Infrastructure. */
export function loadOrchestrator() {
  return loadBundle('orchestrator', ORCHESTRATOR_ENTRY);
}

/** The store's shared fdatasync on libuv's pool (what makes a commit's meta page durable). */
export function loadFileSync() {
  return loadBundle('file-sync', "export { FileSync } from './src/main/store/file-sync';");
}

/** @param {string} name @param {string} contents */
async function loadBundle(name, contents) {
  mkdirSync(CACHE, { recursive: true });
  const outfile = join(CACHE, `${name}.mjs`);
  await build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: `bench-${name}-entry.ts` },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    packages: 'external',
    logLevel: 'error',
    plugins: [
      {
        // The durable backend is never opened here; keeping it out keeps lmdb's native module out.
        name: 'no-lmdb',
        setup(b) {
          b.onResolve({ filter: /lmdb-backend$/ }, (args) => ({ path: args.path, external: true }));
        },
      },
    ],
  });
  // A query string per build, so a second load in one process does not get the cached module.
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}
