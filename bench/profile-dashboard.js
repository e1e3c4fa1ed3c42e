// Where the dashboard's time goes, for whoever optimises it (not part of `npm run bench`):
// the same host, fleet and page as bench/dashboard.js, with a Chromium trace and a CPU profile
// around (1) selecting a 10,000-machine region and (2) a few seconds of 500 launches/s. Prints
// the main thread's time by trace event (script, style, layout, paint, parse), the network
// requests, the long tasks and the functions that took the most CPU (self time). Build with
// minify off in electron.vite.config.ts to read the app's and React's function names.
//
//   node bench/profile-dashboard.js [seconds=5] [rate=500]
//
// BENCH_BUILD=/path/to/another/checkout (built) profiles that build's host and page instead; the
// CPU of Chromium's threads by role (renderer main, compositor, raster, display compositor) is
// printed for the idle and the stream windows, read from /proc (lib/chromium-cpu.js), with the
// page's requestAnimationFrame intervals. PROFILE_CPU_ONLY=1 leaves the trace and the CPU profile
// out (they cost the page's threads CPU of their own): the CPU by role and the frames alone.
// PROFILE_CSS adds a style sheet to the page (an animation turned off: what it costs); REDUCED_MOTION=1
// emulates prefers-reduced-motion.

import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumPath } from './dashboard.js';
import { chromiumCpu, cpuPerSecond } from './lib/chromium-cpu.js';
import { RemoteLoad } from './lib/load-remote.js';
import { startFrames, stopFrames } from './lib/page-frames.js';
import { startServe, writeFleet } from './lib/serve-proc.js';
import { CACHE } from './lib/store-bundle.js';
import { mainThread, selfTime, TRACE_CATEGORIES, top } from './lib/trace-summary.js';

const MACHINES = 100_000;
const REGION = 'AMS';
const seconds = Number(process.argv[2] ?? 5);
const rate = Number(process.argv[3] ?? 500);
const CATEGORIES = [
  ...TRACE_CATEGORIES,
  'netlog',
  // PROFILE_CATEGORIES=viz,cc: more of Chromium's categories (say the compositors' own events).
  ...(process.env.PROFILE_CATEGORIES ? process.env.PROFILE_CATEGORIES.split(',') : []),
].join(',');

const CPU_ONLY = process.env.PROFILE_CPU_ONLY === '1';

/**
 * `body` run with the page's frame intervals recorded and, unless CPU_ONLY, a trace and a CPU
 * profile around it.
 * @param {import('@playwright/test').Page} page @param {import('@playwright/test').CDPSession} cdp
 */
async function traced(page, cdp, /** @type {() => Promise<void>} */ body) {
  await startFrames(page);
  const cpu0 = chromiumCpu();
  const t0 = performance.now();
  if (CPU_ONLY) {
    await body();
    const cpu = cpuPerSecond(cpu0, chromiumCpu(), (performance.now() - t0) / 1000);
    return { events: [], profile: null, cpu, frames: await stopFrames(page) };
  }
  /** @type {any[]} */
  const events = [];
  const onData = (/** @type {any} */ d) => events.push(...d.value);
  cdp.on('Tracing.dataCollected', onData);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
  await cdp.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReportEvents' });
  await cdp.send('Profiler.start');
  await body();
  const { profile } = await cdp.send('Profiler.stop');
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.end');
  await done;
  cdp.off('Tracing.dataCollected', onData);
  // Tracing itself costs CPU: the figures are for comparing two builds traced alike.
  const cpu = cpuPerSecond(cpu0, chromiumCpu(), (performance.now() - t0) / 1000);
  return { events, profile, cpu, frames: await stopFrames(page) };
}

/**
 * @param {string} what
 * @param {{events: any[], profile: any, cpu: {total: number, text: string}, frames: number[]}} r
 */
function report(what, r) {
  const f = [...r.frames].sort((a, b) => a - b);
  const q = (/** @type {number} */ p) => (f[Math.min(f.length - 1, Math.ceil(p * f.length) - 1)] ?? 0).toFixed(1);
  console.log(
    `\n${what}: Chromium CPU ${r.cpu.total.toFixed(0)} ms/s (${os.loadavg()[0].toFixed(1)} load): ${r.cpu.text}`,
  );
  console.log(`${what}: ${f.length} frames, median ${q(0.5)} ms, p99 ${q(0.99)} ms, worst ${q(1)} ms`);
  if (CPU_ONLY) return;
  const m = mainThread(r.events);
  const count = (/** @type {string} */ n) => r.events.filter((e) => e.name === n && e.ph === 'X').length;
  console.log(
    `\n${what}: ${count('Paint')} Paint, ${count('Layout')} Layout, ${count('UpdateLayoutTree')} style recalcs, ${count('FireAnimationFrame')} rAF callbacks`,
  );
  console.log(`\n== ${what}: main thread busy ${(m.total / 1000).toFixed(0)} ms`);
  console.log(top(m.byName, 20));
  console.log(`  long tasks (> 50 ms): ${m.long.length}`);
  for (const t of m.long.slice(0, 8)) {
    console.log(`   task ${(t.dur / 1000).toFixed(1)} ms:`);
    console.log(top(t.inside, 6).replace(/^/gm, '  '));
  }
  const net = r.events.filter((e) => e.name === 'ResourceSendRequest');
  for (const s of net) {
    const id = s.args.data.requestId;
    const fin = r.events.find((e) => e.name === 'ResourceFinish' && e.args?.data?.requestId === id);
    const url = s.args.data.url.replace(/^https?:\/\/[^/]+/, '');
    if (fin)
      console.log(
        `  net ${((fin.ts - s.ts) / 1000).toFixed(1)} ms ${url.slice(0, 60)} ${(fin.args.data.encodedDataLength / 1024).toFixed(0)} kB`,
      );
  }
  console.log('  CPU profile, self time:');
  console.log(top(selfTime(r.profile), 25));
}

/** The trace and the profile where DevTools' Performance panel opens them. */
function save(/** @type {string} */ name, /** @type {{events: any[], profile: any}} */ r) {
  if (CPU_ONLY) return;
  writeFileSync(join(CACHE, `${name}-trace.json`), JSON.stringify({ traceEvents: r.events }));
  writeFileSync(join(CACHE, `${name}.cpuprofile`), JSON.stringify(r.profile));
}

const { file } = await writeFleet(MACHINES, 10);
const serve = await startServe({
  label: 'profile host',
  args: ['--regions', file],
  ...(process.env.BENCH_BUILD ? { cli: join(process.env.BENCH_BUILD, 'bin', 'flylight.js') } : {}),
});
const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const load = new RemoteLoad();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(`http://127.0.0.1:${serve.port}/?token=${serve.token}`);
  if (process.env.REDUCED_MOTION) await page.emulateMedia({ reducedMotion: 'reduce' });
  // PROFILE_CSS='…': a style sheet added to the page, to see what one rule costs (say an animation off).
  if (process.env.PROFILE_CSS) await page.addStyleTag({ content: process.env.PROFILE_CSS });
  await page.locator('[data-testid="region-row"]').first().waitFor();
  await page.waitForTimeout(1500);
  const cdp = await page.context().newCDPSession(page);
  let ms = 0;
  const sel = await traced(page, cdp, async () => {
    ms = await page.evaluate(
      (code) =>
        new Promise((resolve) => {
          const w = /** @type {any} */ (globalThis);
          const t0 = performance.now();
          w.location.hash = `#/${code}`;
          const poll = () => {
            if (w.document.querySelector('[data-testid="machine-card"]')) resolve(performance.now() - t0);
            else w.requestAnimationFrame(poll);
          };
          w.requestAnimationFrame(poll);
        }),
      REGION,
    );
    await page.waitForTimeout(300);
  });
  console.log(`region selected → first card: ${ms.toFixed(0)} ms`);
  report('select', sel);
  save('select', sel);

  await page.waitForTimeout(1000);
  const idle = await traced(page, cdp, () => page.waitForTimeout(3000));
  report('idle 3 s', idle);
  save('idle', idle);
  const bodies = Array.from({ length: 64 }, (_, i) =>
    JSON.stringify({ region: REGION, memory_gb: 1 + (i % 2), cores: 1 }),
  );
  const str = await traced(page, cdp, async () => {
    const r = await load.paced({
      port: serve.port,
      headers: serve.headers,
      rate,
      seconds,
      bodies,
      subscribers: 0,
      settleMs: 0,
      maxInFlight: 64,
    });
    console.log(`\nlaunches created (201) a second: ${r.okPerSecond.toFixed(0)} of ${rate} asked`);
    await page.waitForTimeout(1200);
  });
  report(`stream ${rate}/s for ${seconds} s`, str);
  save('stream', str);
} finally {
  load.close();
  await browser.close();
  await serve.stop();
}
