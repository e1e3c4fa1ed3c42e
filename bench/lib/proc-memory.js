// A process's resident memory from /proc, split by what backs it: anonymous pages (V8 heaps,
// malloc, buffers, stacks), file-backed pages (code, and the LMDB map: data.mdb is mmapped and
// its pages read or written count in RSS) and shared memory.

import { readFileSync } from 'node:fs';

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
