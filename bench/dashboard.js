// The dashboard in Chromium (/usr/bin/chromium or CHROMIUM_PATH) against `flylight serve` with
// regions of 10,000 machines (gen-fleet, 10 regions): time from selecting such a region to its
// first machine card on screen; frame times while launches stream into that region; the JS
// heap before and after the stream; the CPU each of Chromium's threads (renderer main,
// compositor, display compositor, …) spends a second of the stream, read from /proc.
//
// BENCH_BUILD=/path/to/another/checkout (built) runs that build's host and page instead, with
// this bench: a before/after pair is this command run alternately with and without it.

import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumCpu, cpuPerSecond } from './lib/chromium-cpu.js';
import { RemoteLoad } from './lib/load-remote.js';
import { startFrames, stopFrames } from './lib/page-frames.js';
import { heading } from './lib/report.js';
import { startServe, writeFleet } from './lib/serve-proc.js';
import { fmt } from './lib/stats.js';

const REGION = 'AMS';
/**
 * Launches awaiting an answer at most during the stream. At 500/s a host answering in ~10 ms has
 * about 5 out; 64 rides out a 128 ms stall. Unbounded, the open loop met any stall with more
 * connections at once, the proxy answered 503 past its 256-request cap (1,000-2,500 of 5,000
 * launches in a run), and the page was measured beside a host shedding load, not a stream.
 */
const IN_FLIGHT = 64;

/** The same flags as the e2e project (e2e/chromium.ts): no sandbox or GPU in a container. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

export function chromiumPath() {
  const path = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (p) => p && existsSync(p),
  );
  if (!path) throw new Error('no Chromium: set CHROMIUM_PATH or `sudo apt-get install -y chromium`');
  return path;
}

/**
 * A dashboard open in Chromium on `serve`, with `region` selected, as someone watching while
 * the event fan-out is measured; close() shuts the browser.
 * @param {import('./lib/serve-proc.js').Served} serve @param {string} region
 */
export async function openDashboard(serve, region) {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`http://127.0.0.1:${serve.port}/?token=${serve.token}#/${region}`);
    await page.locator('[data-testid="machine-card"]').first().waitFor({ timeout: 120_000 });
  } catch (err) {
    await browser.close();
    throw err;
  }
  return { close: () => browser.close() };
}

/**
 * Starts a trace of the page's main thread; stop() gives every top-level task's CPU time (ms).
 * @param {import('@playwright/test').CDPSession} cdp
 */
async function traceTasks(cdp) {
  /** @type {any[]} */
  const events = [];
  const onData = (/** @type {{value: any[]}} */ d) => {
    for (const e of d.value) if (e.name === 'RunTask' || e.name === 'thread_name') events.push(e);
  };
  cdp.on('Tracing.dataCollected', onData);
  await cdp.send('Tracing.start', {
    categories: 'disabled-by-default-devtools.timeline',
    transferMode: 'ReportEvents',
  });
  return {
    async stop() {
      const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
      await cdp.send('Tracing.end');
      await done;
      cdp.off('Tracing.dataCollected', onData);
      const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
      const mine = events
        .filter((e) => main && e.pid === main.pid && e.tid === main.tid && e.name === 'RunTask' && e.tdur !== undefined)
        .sort((a, b) => a.ts - b.ts);
      // Top level only: a nested RunTask is inside its parent's time.
      /** @type {number[]} */
      const out = [];
      let end = -1;
      for (const e of mine) {
        if (e.ts < end) continue;
        out.push(e.tdur / 1000);
        end = e.ts + e.dur;
      }
      return out;
    },
  };
}

/**
 * Writes the page's heap snapshot to `file`.
 * @param {import('@playwright/test').CDPSession} cdp @param {string} file
 */
async function heapSnapshot(cdp, file) {
  /** @type {string[]} */
  const chunks = [];
  const onChunk = (/** @type {{chunk: string}} */ c) => chunks.push(c.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  writeFileSync(file, chunks.join(''));
}

/**
 * Least-squares slope of the heap samples, in MB per minute.
 * @param {{s: number, mb: number}[]} xs
 */
function slopePerMinute(xs) {
  if (xs.length < 2) return 0;
  const mx = xs.reduce((a, x) => a + x.s, 0) / xs.length;
  const my = xs.reduce((a, x) => a + x.mb, 0) / xs.length;
  const num = xs.reduce((a, x) => a + (x.s - mx) * (x.mb - my), 0);
  const den = xs.reduce((a, x) => a + (x.s - mx) ** 2, 0);
  return den === 0 ? 0 : (60 * num) / den;
}

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{machines: number, rate: number, seconds: number, renders: number}} o
 */
export async function run(report, o) {
  // A loaded host answers fewer than 500/s, and the open loop then queues launches far past the
  // stream's end: BENCH_DASHBOARD_RATE sets a rate the host keeps up with (the 10-minute heap run).
  const rate = Number(process.env.BENCH_DASHBOARD_RATE);
  if (rate > 0) o = { ...o, rate };
  heading(
    `Dashboard in Chromium: a ${fmt(o.machines / 10)}-machine region, then ${fmt(o.rate)} launches/s into it for ${o.seconds} s`,
  );
  const { file } = await writeFleet(o.machines, 10);
  // A 100k fleet may fail to start on a loaded machine (see the fleet rows); try a few times.
  /** @type {string[]} */
  const startFailures = [];
  let serve = null;
  while (!serve) {
    try {
      serve = await startServe({
        label: 'dashboard host',
        args: ['--regions', file],
        ...(process.env.BENCH_BUILD ? { cli: join(process.env.BENCH_BUILD, 'bin', 'flylight.js') } : {}),
      });
    } catch (err) {
      startFailures.push((err instanceof Error ? err.message : String(err)).split('\n').pop() ?? '');
      process.stdout.write(`  the dashboard's host did not start: ${startFailures[startFailures.length - 1]}\n`);
      if (startFailures.length >= 3) throw err;
    }
  }
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ARGS });
  const load = new RemoteLoad();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const base = `http://127.0.0.1:${serve.port}/`;
    await page.goto(`${base}?token=${serve.token}`);
    await page.locator('[data-testid="region-row"]').first().waitFor();

    // Time to first render: from the hash change to a machine card on screen, measured in the
    // page (requestAnimationFrame polling), each time from the fleet overview.
    /** @type {number[]} */
    const renders = [];
    /** @type {number[]} */
    const cards = [];
    /** @type {string[]} */
    const splits = [];
    for (let i = 0; i < o.renders; i++) {
      await page.evaluate(() => {
        /** @type {any} */ (globalThis).location.hash = '';
      });
      await page.locator('[data-testid="fleet-overview"], [data-testid="no-region"]').first().waitFor();
      const r = await page.evaluate(
        (code) =>
          new Promise((resolve) => {
            // In the page: globalThis is the window (bench/ is type-checked without the DOM lib).
            const w = /** @type {any} */ (globalThis);
            const t0 = performance.now();
            let first = 0;
            let cardsAtFirst = 0;
            w.location.hash = `#/${code}`;
            const requests = () =>
              /** @type {any} */ (performance)
                .getEntriesByType('resource')
                .filter((/** @type {any} */ e) => e.name.includes(`/v1/regions/${code}/machines`) && e.startTime >= t0);
            const markAt = (/** @type {string} */ name) => {
              const m = performance
                .getEntriesByName(name)
                .filter((e) => e.startTime >= t0)
                .pop();
              return m ? m.startTime - t0 : Number.NaN;
            };
            const poll = () => {
              const n = w.document.querySelectorAll('[data-testid="machine-card"]').length;
              if (n > 0 && !first) {
                first = performance.now() - t0;
                cardsAtFirst = n;
              }
              // Then the whole region: its request (without `limit`) done, and a frame after it.
              const whole = requests().find((/** @type {any} */ e) => !e.name.includes('limit='));
              if (!first || !whole || performance.now() - t0 > 20_000) {
                w.requestAnimationFrame(poll);
                return;
              }
              w.requestAnimationFrame(() => {
                const page = requests().find((/** @type {any} */ e) => e.name.includes('limit='));
                resolve({
                  ms: first,
                  cards: cardsAtFirst,
                  // The host's part: each machines request from its start to its last byte.
                  hostMs: whole.responseEnd - whole.startTime,
                  pageMs: page ? page.responseEnd - page.startTime : Number.NaN,
                  // The page's part of the whole region: the answer's last byte → decoded → in the store.
                  decodeMs: markAt('flylight:machines-decoded') - (whole.responseEnd - t0),
                  readyMs: markAt('flylight:machines-ready'),
                  firstPageMs: markAt('flylight:machines-first-page'),
                });
              });
            };
            w.requestAnimationFrame(poll);
          }),
        REGION,
      );
      const {
        ms,
        cards: n,
        hostMs,
        pageMs,
        decodeMs,
        readyMs,
        firstPageMs,
      } = /** @type {{ms: number, cards: number, hostMs: number, pageMs: number, decodeMs: number, readyMs: number, firstPageMs: number}} */ (
        r
      );
      splits.push(
        `first page ${fmt(pageMs)} ms (in the store at ${fmt(firstPageMs)} ms, first card on screen at ${fmt(ms)} ms), whole region ${fmt(hostMs)} ms + decode ${fmt(decodeMs)} ms, all in the store at ${fmt(readyMs)} ms`,
      );
      renders.push(ms);
      cards.push(n);
    }

    // Frame times while launches stream into the selected region (whose cards are on screen).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    // The JS heap after a forced GC (CDP's figure is exact; performance.memory is rounded).
    const heapMb = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize / 2 ** 20;
    };
    const metrics = async () =>
      Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const heapBefore = await heapMb();
    // BENCH_HEAP_SNAPSHOTS=dir: a heap snapshot before and after the stream, to diff what grew
    // (DevTools' Memory panel loads them; bench/heap-diff.js prints the difference by type).
    const snapshotDir = process.env.BENCH_HEAP_SNAPSHOTS;
    if (snapshotDir) await heapSnapshot(cdp, join(snapshotDir, 'dashboard-before.heapsnapshot'));
    await page.evaluate(() => {
      const w = /** @type {any} */ (globalThis);
      w.__longTasks = [];
      w.__observer = new w.PerformanceObserver((/** @type {any} */ list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration);
      });
      w.__observer.observe({ entryTypes: ['longtask'] });
      // Whether the page was calm (src/renderer/src/state/motion.ts: no animation while changes
      // stream in), twice a second: a build without it reads as animated throughout.
      w.__motion = { calm: 0, all: 0 };
      w.__motionTimer = setInterval(() => {
        w.__motion.all++;
        if (w.document.documentElement.dataset.motion === 'calm') w.__motion.calm++;
      }, 500);
    });
    await startFrames(page);
    const m0 = await metrics();
    const cpu0 = chromiumCpu();
    // Each task's CPU time on the page's main thread (a trace's thread times): what the frames
    // would take on an idle machine, where the frame times also count the turns lost to others.
    const tasks = await traceTasks(cdp);
    // The heap through the stream: a sample (after a GC) every heapEveryS seconds. Each forced
    // GC stalls a frame or two, a handful in the thousands of frames the percentiles count.
    const heapEveryS = Math.max(30, o.seconds / 20);
    /** @type {{s: number, mb: number}[]} */
    const heap = [{ s: 0, mb: heapBefore }];
    const streamStart = Date.now();
    let sampling = Promise.resolve();
    let warm = false;
    const heapTimer = setInterval(() => {
      sampling = sampling.then(async () => {
        const h = { s: (Date.now() - streamStart) / 1000, mb: await heapMb() };
        heap.push(h);
        // And one at the first sample: the page's bounded buffers (event log, samples) fill in
        // the first seconds, so warm → after shows what keeps growing.
        if (snapshotDir && !warm) {
          warm = true;
          await heapSnapshot(cdp, join(snapshotDir, 'dashboard-warm.heapsnapshot'));
        }
        // As it goes: a long run that is cut short still shows its trend.
        process.stdout.write(`    heap after GC at ${fmt(h.s)} s: ${fmt(h.mb)} MB\n`);
      });
    }, heapEveryS * 1000);
    const bodies = Array.from({ length: 64 }, (_, i) =>
      JSON.stringify({ region: REGION, memory_gb: 1 + (i % 2), cores: 1 }),
    );
    let streamed;
    try {
      streamed = await load.paced({
        port: serve.port,
        headers: serve.headers,
        rate: o.rate,
        seconds: o.seconds,
        bodies,
        subscribers: 0,
        settleMs: 0,
        maxInFlight: IN_FLIGHT,
      });
      // One more FlyD interval, so the last changes reach the page while frames are recorded.
      await new Promise((r) => setTimeout(r, 1200));
    } finally {
      clearInterval(heapTimer);
      await sampling;
    }
    const m1 = await metrics();
    const cpu1 = chromiumCpu();
    const taskCpu = (await tasks.stop()).sort((a, b) => a - b);
    const frames = await stopFrames(page);
    const { longTasks, motion } = /** @type {{longTasks: number[], motion: {calm: number, all: number}}} */ (
      await page.evaluate(() => {
        const w = /** @type {any} */ (globalThis);
        w.__observer.disconnect();
        clearInterval(w.__motionTimer);
        return { longTasks: w.__longTasks, motion: w.__motion };
      })
    );
    const heapAfter = await heapMb();
    if (snapshotDir) await heapSnapshot(cdp, join(snapshotDir, 'dashboard-after.heapsnapshot'));
    heap.push({ s: (Date.now() - streamStart) / 1000, mb: heapAfter });
    const cpu = (/** @type {string} */ k) => 1000 * (m1[k] - m0[k]);
    const taskQ = (/** @type {number} */ p) =>
      taskCpu[Math.min(taskCpu.length - 1, Math.ceil(p * taskCpu.length) - 1)] ?? 0;
    const streamedS = m1.Timestamp - m0.Timestamp;
    const threads = cpuPerSecond(cpu0, cpu1, streamedS);
    const busiest = threads.rows
      .filter(([, v]) => v >= 1)
      .map(([role, v]) => `${role} ${fmt(v)}`)
      .join(', ');
    const sorted = [...frames].sort((a, b) => a - b);
    const q = (/** @type {number} */ p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    // What the launches got, and whether the page saw the stream asked for.
    const statuses = Object.entries(streamed.statuses)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${fmt(n)}× ${k}`)
      .join(', ');
    const refused = Object.entries(streamed.unexpected)
      .map(([k, n]) => `${fmt(n)}× ${k.slice(0, 90)}`)
      .join('; ');
    const short = streamed.okPerSecond < 0.95 * o.rate;
    const stream = `launches: ${statuses}; ${fmt(streamed.okPerSecond)} created (201) a second of the ${fmt(o.rate)} asked${short ? ' — the host did not keep up, so the page saw less than the stream asked' : ''}; ${fmt(streamed.late)} sent late (at most ${IN_FLIGHT} awaiting an answer); answer p50 ${fmt(streamed.p50)} ms, p99 ${fmt(streamed.p99)} ms from when due${refused ? `; not 201: ${refused}` : ''}`;

    const command = 'npm run bench -- dashboard';
    report.add({
      bench: 'dashboard',
      name: `dashboard: ${fmt(o.machines / 10)}-machine region selected → first machine card on screen`,
      unit: 'ms',
      better: 'lower',
      subject: { label: 'hash change → first card', runs: renders },
      target: { on: 'subject', op: '<=', value: 200 },
      note: `${cards[0]} cards in the DOM at first render (the grid is windowed: about a screenful of the region); the machines requests (${fmt(o.machines / 10)} machines, sent at the hash change, to their last byte), run by run: ${splits.join('; ')}${startFailures.length > 0 ? `; the host failed to start ${startFailures.length}× first` : ''}`,
      command,
    });
    report.add({
      bench: 'dashboard',
      name: `dashboard: frame time, median, while ${fmt(o.rate)} launches/s stream in`,
      unit: 'ms',
      better: 'lower',
      subject: { label: 'requestAnimationFrame interval', runs: [q(0.5)] },
      // A 60 Hz frame is 16.7 ms and requestAnimationFrame never fires faster: "≤ 16 ms" is read as one frame.
      target: { on: 'subject', op: '<=', value: 16.7 },
      note: `${frames.length} frames; the page calm (no animation) in ${motion.calm} of ${motion.all} half-second samples; ${stream}`,
      command,
    });
    report.add({
      bench: 'dashboard',
      name: `dashboard: frame time, 99th percentile, while ${fmt(o.rate)} launches/s stream in`,
      unit: 'ms',
      better: 'lower',
      subject: { label: 'requestAnimationFrame interval', runs: [q(0.99)] },
      target: { on: 'subject', op: '<=', value: 50 },
      note: `worst frame ${fmt(sorted[sorted.length - 1])} ms; ${longTasks.length} long tasks (> 50 ms wall, ${fmt(longTasks.reduce((a, b) => a + b, 0))} ms in all); the main thread's tasks in CPU time: p99 ${fmt(taskQ(0.99))} ms, longest ${fmt(taskCpu[taskCpu.length - 1] ?? 0)} ms, ${taskCpu.filter((t) => t > 50).length} over 50 ms, ${taskCpu.filter((t) => t > 16.7).length} over 16.7 ms; main-thread CPU ${fmt(cpu('ThreadTime') / streamedS)} ms per second over ${fmt(streamedS)} s (${fmt(cpu('ThreadTime'))} ms; wall: script ${fmt(cpu('ScriptDuration'))} ms, style ${fmt(cpu('RecalcStyleDuration'))} ms, layout ${fmt(cpu('LayoutDuration'))} ms); Chromium's threads (/proc) ${fmt(threads.total)} ms of CPU a second: ${busiest}; load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
      command,
    });
    report.add({
      bench: 'dashboard',
      name: `dashboard: JS heap after GC, after ${o.seconds} s of the stream${o.seconds < 600 ? ' (issue 12 asks for 10 minutes: BENCH_DASHBOARD_SECONDS=600)' : ''}`,
      unit: 'MB',
      better: 'lower',
      subject: { label: 'after the stream', runs: [heapAfter] },
      baseline: { label: 'before the stream', runs: [heapBefore] },
      note: `sampled after a forced GC every ${fmt(heapEveryS)} s: ${heap.map((h) => `${fmt(h.s)} s ${fmt(h.mb)}`).join(', ')} MB; slope ${fmt(slopePerMinute(heap))} MB/min (least squares); ratio ≈ 1 is a flat heap`,
      command,
    });
  } finally {
    load.close();
    await browser.close();
    await serve.stop();
  }
}
