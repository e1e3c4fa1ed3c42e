// Preloaded into `flylight serve` by the heap-limit tests (NODE_OPTIONS=--require …); a preload
// runs in every worker thread too. Each time the file named by FLYLIGHT_HEAP_PROBE appears or
// its content changes, each thread appends one JSON line to that name + '.out': its name, its
// V8 new space's size and how many full GCs were forced in it (gc() calls), so the test sees the
// young generation every thread holds after its launches, and which threads were made to collect.
const { existsSync, appendFileSync, readFileSync } = require('node:fs');
const v8 = require('node:v8');
const wt = require('node:worker_threads');
const { PerformanceObserver, constants } = require('node:perf_hooks');

const trigger = process.env.FLYLIGHT_HEAP_PROBE;
if (trigger) {
  const name = wt.isMainThread ? 'host' : wt.workerData?.name || `thread ${wt.threadId}`;
  let forcedGcs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (
        e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR &&
        e.detail.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED
      )
        forcedGcs++;
    }
  }).observe({ entryTypes: ['gc'] });
  let seen = null;
  const timer = setInterval(() => {
    if (!existsSync(trigger)) return;
    const asked = readFileSync(trigger, 'utf8');
    if (asked === seen) return;
    seen = asked;
    const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    appendFileSync(`${trigger}.out`, `${JSON.stringify({ name, newSpace, forcedGcs, asked })}\n`);
  }, 100);
  timer.unref();
}
