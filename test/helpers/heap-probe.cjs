// Preloaded into `flylight serve` by the heap-limit tests (NODE_OPTIONS=--require …); a preload
// runs in every worker thread too. When the file named by FLYLIGHT_HEAP_PROBE appears, each
// thread appends one JSON line to that name + '.out': its name and its V8 new space's size, so
// the test sees the young generation every thread holds after its launches.
const { existsSync, appendFileSync } = require('node:fs');
const v8 = require('node:v8');
const wt = require('node:worker_threads');

const trigger = process.env.FLYLIGHT_HEAP_PROBE;
if (trigger) {
  const name = wt.isMainThread ? 'host' : wt.workerData?.name || `thread ${wt.threadId}`;
  const timer = setInterval(() => {
    if (!existsSync(trigger)) return;
    clearInterval(timer);
    const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    appendFileSync(`${trigger}.out`, `${JSON.stringify({ name, newSpace })}\n`);
  }, 100);
  timer.unref();
}
