// A process's resident memory from /proc, split by what backs it: anonymous pages (V8 heaps,
// malloc, buffers, stacks), file-backed pages (code, and the LMDB map: data.mdb is mmapped and
// its pages read or written count in RSS) and shared memory.

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const KB = 1024;

/** @param {string} text @param {string} field */
const kb = (text, field) => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
};

/**
 * RSS and its parts in MB; `lmdb` is the resident part of the file mappings under `dataDir` (the
 * LMDB environment: the map and its lock file).
 * @param {number} pid @param {string} [dataDir]
 * @returns {{rss: number, peak: number, anon: number, file: number, shmem: number, lmdb: number}}
 */
export function readMemory(pid, dataDir) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  let lmdb = 0;
  try {
    let inMdb = false;
    for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      // A mapping's header line starts with its address range; its fields follow, one a line.
      if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inMdb = !!dataDir && line.includes(` ${dataDir}`);
      else if (inMdb && line.startsWith('Rss:')) lmdb += Number(line.split(/\s+/)[1]);
    }
  } catch {
    // smaps is not readable (another user's process): the split without the LMDB share
  }
  return {
    rss: kb(status, 'VmRSS') / KB,
    peak: kb(status, 'VmHWM') / KB,
    anon: kb(status, 'RssAnon') / KB,
    file: kb(status, 'RssFile') / KB,
    shmem: kb(status, 'RssShmem') / KB,
    lmdb: lmdb / KB,
  };
}

/**
 * Each thread's V8 heap from a diagnostic report (SIGUSR2 with --report-on-signal): the host's,
 * and every worker's under `workers`, named by the report's thread name when it has one.
 * @param {number} pid @param {string} dir
 */
export async function threadHeaps(pid, dir) {
  // Only the report this call asks for: an earlier one in the directory is not it.
  for (const f of readdirSync(dir)) rmSync(join(dir, f), { force: true });
  process.kill(pid, 'SIGUSR2');
  /** @type {any} */
  let report = null;
  // The report appears before it is complete (worker threads add their parts): read until it parses.
  for (let i = 0; i < 200 && !report; i++) {
    await sleep(100);
    const file = readdirSync(dir)[0];
    if (!file) continue;
    try {
      report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch {
      // not complete yet
    }
  }
  if (!report) return [];
  const heap = (/** @type {any} */ r, /** @type {string} */ name) => {
    const spaces = r.javascriptHeap.heapSpaces;
    return {
      name,
      committed: r.javascriptHeap.totalMemory,
      used: r.javascriptHeap.usedMemory,
      young: (spaces.new_space?.memorySize ?? 0) + (spaces.new_large_object_space?.memorySize ?? 0),
      external: r.javascriptHeap.externalMemory ?? 0,
      malloced: r.javascriptHeap.mallocedMemory ?? 0,
    };
  };
  // Workers are spawned in the host's START_ORDER, so on a start without restarts their thread
  // ids 1, 2, 3 are the store, the orchestrator and the proxy.
  const names = ['host', 'store', 'orchestrator', 'proxy'];
  const workers = (report.workers ?? []).map((/** @type {any} */ w) =>
    heap(w, names[w.header.threadId] ?? `thread ${w.header.threadId}`),
  );
  return [
    heap(report, 'host'),
    ...workers.sort((/** @type {any} */ a, /** @type {any} */ b) => names.indexOf(a.name) - names.indexOf(b.name)),
  ];
}
