// Where the VM list's scroll spends its frames, for whoever optimises it (not part of `npm run
// bench`): the host, fleet and scroll of bench/vm-list.js, with a Chromium trace and a CPU
// profile around the scroll. Prints the frames, the main thread's time by trace event, the long
// tasks with what ran inside them, the style recalcs' element counts and the functions that took
// the most CPU (self time). The trace and the profile are written to the bench cache, where
// DevTools' Performance panel opens them.
//
//   node bench/profile-vm-list.js [vms=100000]
//
// BENCH_BUILD=/path/to/another/checkout (built) profiles that build's host and page instead.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumPath } from './dashboard.js';
import { get, startServe } from './lib/serve-proc.js';
import { CACHE } from './lib/store-bundle.js';
import { mainThread, selfTime, TRACE_CATEGORIES, top } from './lib/trace-summary.js';
import { scenarioFiles, scrollInPage } from './vm-list.js';

const vms = Number(process.argv[2] ?? 100_000);
const CATEGORIES = TRACE_CATEGORIES.join(',');

const serve = await startServe({
  label: 'profile host',
  args: ['--ephemeral', '--timing', 'instant'],
  ...(process.env.BENCH_BUILD ? { cli: join(process.env.BENCH_BUILD, 'bin', 'flylight.js') } : {}),
});
const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
try {
  const regions = JSON.parse((await get(serve.port, '/v1/regions', serve.headers)).text).regions;
  const imported = await get(
    serve.port,
    '/v1/scenario',
    serve.headers,
    'POST',
    JSON.stringify({ files: scenarioFiles(regions, vms) }),
  );
  if (imported.status !== 200) throw new Error(`scenario import answered ${imported.status}`);
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`http://127.0.0.1:${serve.port}/?token=${serve.token}#/vms`);
  await page.locator('[data-testid="vm-row"]').first().waitFor({ timeout: 60_000 });
  await page.waitForTimeout(1000);
  const cdp = await page.context().newCDPSession(page);
  /** @type {any[]} */
  const events = [];
  cdp.on('Tracing.dataCollected', (/** @type {any} */ d) => events.push(...d.value));
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
  await cdp.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReportEvents' });
  await cdp.send('Profiler.start');
  const r = /** @type {{frames: number[], longTasks: number[]}} */ (
    await page.evaluate(scrollInPage, { seconds: 8, pxPerS: 3000, jumps: 20 })
  );
  const { profile } = await cdp.send('Profiler.stop');
  const done = new Promise((res) => cdp.once('Tracing.tracingComplete', res));
  await cdp.send('Tracing.end');
  await done;
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, 'vm-list-trace.json'), JSON.stringify({ traceEvents: events }));
  writeFileSync(join(CACHE, 'vm-list.cpuprofile'), JSON.stringify(profile));

  const f = [...r.frames].sort((a, b) => a - b);
  const q = (/** @type {number} */ p) => f[Math.min(f.length - 1, Math.ceil(p * f.length) - 1)].toFixed(1);
  console.log(
    `${f.length} frames (load ${os.loadavg()[0].toFixed(1)}): median ${q(0.5)} ms, p99 ${q(0.99)} ms, worst ${q(1)} ms; ${r.longTasks.length} long tasks`,
  );
  const m = mainThread(events);
  console.log(
    `\n== main thread busy ${(m.total / 1000).toFixed(0)} ms (traced wall times: tracing and load stretch them)`,
  );
  console.log(top(m.byName, 20));
  console.log(`  long tasks (> 50 ms): ${m.long.length}`);
  for (const t of m.long.slice(0, 8))
    console.log(`   task ${(t.dur / 1000).toFixed(1)} ms:\n${top(t.inside, 6).replace(/^/gm, '  ')}`);
  // Elements each style recalc touched: ~52 per row (its cells, badge, five buttons with their icons).
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const counts = events
    .filter((e) => main && e.pid === main.pid && e.tid === main.tid && e.name === 'UpdateLayoutTree' && e.ph === 'X')
    .map((e) => e.args?.elementCount ?? 0)
    .sort((a, b) => a - b);
  if (counts.length)
    console.log(
      `\n${counts.length} style recalcs; elements per recalc: median ${counts[counts.length >> 1]}, max ${counts.at(-1)}`,
    );
  console.log('\nCPU profile, self time:');
  console.log(top(selfTime(profile), 25));
} finally {
  await browser.close();
  await serve.stop();
}
