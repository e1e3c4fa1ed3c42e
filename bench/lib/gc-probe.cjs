// Preloaded (node --expose-gc --require) into `flylight serve` by bench/rss-breakdown.js with
// BENCH_GC=1; preloads run in worker threads too. When the file /tmp/flylight-gc-probe-PID
// appears, every thread records its V8 heap, runs a full GC, records it again (appending a JSON
// line to that file's name + '.out'): the live set of each thread against what it holds.
const { existsSync, appendFileSync } = require('node:fs');
const v8 = require('node:v8');
const wt = require('node:worker_threads');

const name = wt.isMainThread ? 'host' : wt.workerData?.name || `thread ${wt.threadId}`;
const trigger = `/tmp/flylight-gc-probe-${process.pid}`;
const MB = 1024 * 1024;
let done = false;
const heap = () => {
  const h = v8.getHeapStatistics();
  const young = v8
    .getHeapSpaceStatistics()
    .filter((x) => x.space_name.startsWith('new'))
    .reduce((a, x) => a + x.space_size, 0);
  return { committed: h.total_heap_size / MB, used: h.used_heap_size / MB, young: young / MB };
};
setInterval(() => {
  if (done || !existsSync(trigger)) return;
  done = true;
  const before = heap();
  globalThis.gc?.();
  appendFileSync(`${trigger}.out`, `${JSON.stringify({ name, before, after: heap() })}\n`);
}, 200).unref();
