// The fleet's VM list in Chromium (/usr/bin/chromium or CHROMIUM_PATH) with 100,000 VMs: a
// fleet imported as a scenario (1,000 machines, every VM started) into `flylight serve`, the
// page opened at #/vms, then scrolled the way a person flicks through it — a steady scroll at
// 3,000 px/s (~80 rows a second), then jumps as from dragging the scrollbar — while every
// frame's interval is recorded in the page (requestAnimationFrame). Frame times (median, p99),
// long tasks, the rows in the DOM, how many frames showed rows still loading, and the page's
// main-thread CPU time per frame.

import { chromium } from '@playwright/test';
import { chromiumPath } from './dashboard.js';
import { heading } from './lib/report.js';
import { get, startServe } from './lib/serve-proc.js';
import { fmt } from './lib/stats.js';

const REGIONS = 10;
const MACHINES_PER_REGION = 100;
const SCROLL_PX_PER_S = 3000;

/**
 * A scenario of `vms` started 1-core, 1 GB VMs on 1,000 machines in the host's first 10 regions.
 * @param {{code: string, location: string}[]} regions @param {number} vms
 */
export function scenarioFiles(regions, vms) {
  const picked = regions.slice(0, REGIONS);
  const q = (/** @type {string} */ s) => `"${s.replace(/"/g, '""')}"`;
  const machines = picked.flatMap((r) =>
    Array.from({ length: MACHINES_PER_REGION }, (_, i) => ({ id: `${r.code.toLowerCase()}-b${i}`, region: r.code })),
  );
  const perMachine = Math.ceil(vms / machines.length);
  const at = new Date(Date.now() - 3600_000).toISOString();
  const vmRows = Array.from({ length: vms }, (_, i) => {
    const m = machines[Math.floor(i / perMachine)];
    return `vm-${i.toString(16).padStart(12, '0')},${m.region},${m.id},1,1,started,,${at},${at}`;
  });
  return {
    'regions.csv': ['region,location,status', ...picked.map((r) => `${r.code},${q(r.location)},Operational`)].join(
      '\n',
    ),
    'machines.csv': ['machine,region,cores,memory_gb', ...machines.map((m) => `${m.id},${m.region},128,512`)].join(
      '\n',
    ),
    'vms.csv': ['vm,region,machine,cores,memory_gb,state,reason,created_at,updated_at', ...vmRows].join('\n'),
  };
}

/**
 * In the page: scrolls the VM list's viewport for `seconds` at `pxPerS`, then jumps `jumps`
 * times to spread positions, and returns each frame's interval and what the DOM held.
 * @param {{seconds: number, pxPerS: number, jumps: number}} o
 */
export function scrollInPage(o) {
  const w = /** @type {any} */ (globalThis);
  const el = w.document.querySelector('[data-testid="vm-viewport"]');
  /** @type {number[]} */
  const frames = [];
  const longTasks = /** @type {number[]} */ ([]);
  const observer = new w.PerformanceObserver((/** @type {any} */ list) => {
    for (const e of list.getEntries()) longTasks.push(e.duration);
  });
  observer.observe({ entryTypes: ['longtask'] });
  let loadingFrames = 0;
  let maxRows = 0;
  const jumpTo = Array.from({ length: o.jumps }, (_, i) => ((i * 7919) % o.jumps) / o.jumps);
  return new Promise((resolve) => {
    let last = performance.now();
    const start = last;
    let jump = 0;
    let frameOfJump = 0;
    const tick = (/** @type {number} */ t) => {
      frames.push(t - last);
      last = t;
      const rows = el.querySelectorAll('tbody tr');
      maxRows = Math.max(maxRows, rows.length);
      if (el.querySelector('tr.is-loading')) loadingFrames++;
      if (t - start < o.seconds * 1000) {
        el.scrollTop += (o.pxPerS * frames[frames.length - 1]) / 1000;
      } else if (jump < o.jumps) {
        // A jump, then 10 frames to let it settle (as a person reads where they landed).
        if (frameOfJump === 0) el.scrollTop = jumpTo[jump] * (el.scrollHeight - el.clientHeight);
        frameOfJump = (frameOfJump + 1) % 10;
        if (frameOfJump === 0) jump++;
      } else {
        observer.disconnect();
        resolve({ frames: frames.slice(1), longTasks, loadingFrames, maxRows, scrollHeight: el.scrollHeight });
        return;
      }
      w.requestAnimationFrame(tick);
    };
    w.requestAnimationFrame(tick);
  });
}

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{vms: number, seconds: number, jumps: number}} o
 */
export async function run(report, o) {
  heading(
    `VM list in Chromium: ${fmt(o.vms)} VMs, scrolled ${o.seconds} s at ${fmt(SCROLL_PX_PER_S)} px/s, then ${o.jumps} jumps`,
  );
  const serve = await startServe({ label: 'vm-list host', args: ['--ephemeral', '--timing', 'instant'] });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const regions = JSON.parse((await get(serve.port, '/v1/regions', serve.headers)).text).regions;
    const body = JSON.stringify({ files: scenarioFiles(regions, o.vms) });
    const imported = await get(serve.port, '/v1/scenario', serve.headers, 'POST', body);
    if (imported.status !== 200)
      throw new Error(`scenario import answered ${imported.status}: ${imported.text.slice(0, 300)}`);

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`http://127.0.0.1:${serve.port}/?token=${serve.token}#/vms`);
    await page.locator('[data-testid="vm-row"]').first().waitFor({ timeout: 60_000 });
    const total = Number(await page.locator('[data-testid="vm-table"]').getAttribute('data-total'));
    if (total !== o.vms) throw new Error(`the list says ${total} VMs, the fleet has ${o.vms}`);
    // The renderer's main-thread CPU time over the scroll: unlike frame times, it does not grow
    // when other work on the machine takes the CPU away (it is what the page asked for).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () =>
      Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    const m0 = await metrics();
    const r =
      /** @type {{frames: number[], longTasks: number[], loadingFrames: number, maxRows: number, scrollHeight: number}} */ (
        await page.evaluate(scrollInPage, { seconds: o.seconds, pxPerS: SCROLL_PX_PER_S, jumps: o.jumps })
      );
    const m1 = await metrics();
    const wallS = m1.Timestamp - m0.Timestamp;
    const cpu = (/** @type {string} */ k) => m1[k] - m0[k];
    const sorted = [...r.frames].sort((a, b) => a - b);
    const q = (/** @type {number} */ p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    const command = 'npm run bench -- vmlist';
    const what = `${fmt(o.vms)}-VM list while scrolling`;
    report.add({
      bench: 'vmlist',
      name: `VM list: frame time, median, ${what}`,
      unit: 'ms',
      better: 'lower',
      subject: { label: 'requestAnimationFrame interval', runs: [q(0.5)] },
      target: { on: 'subject', op: '<=', value: 16.7 },
      note: `${r.frames.length} frames; at most ${r.maxRows} rows in the DOM of a ${fmt(r.scrollHeight)} px list`,
      command,
    });
    report.add({
      bench: 'vmlist',
      name: `VM list: frame time, 99th percentile, ${what}`,
      unit: 'ms',
      better: 'lower',
      subject: { label: 'requestAnimationFrame interval', runs: [q(0.99)] },
      target: { on: 'subject', op: '<=', value: 50 },
      note: `worst frame ${fmt(sorted[sorted.length - 1])} ms; ${r.longTasks.length} long tasks (> 50 ms); rows still loading in ${r.loadingFrames} of ${r.frames.length} frames`,
      command,
    });
    report.add({
      bench: 'vmlist',
      name: `VM list: the page's main-thread CPU time per frame, ${what}`,
      unit: 'ms',
      better: 'lower',
      subject: { label: 'main-thread CPU / frames', runs: [(1000 * cpu('ThreadTime')) / r.frames.length] },
      // What one frame costs the page, whatever else the machine does: a 60 Hz frame has 16.7 ms.
      target: { on: 'subject', op: '<=', value: 16.7 },
      note: `${fmt(1000 * cpu('ThreadTime'))} ms of CPU over ${fmt(wallS)} s; style ${fmt(1000 * cpu('RecalcStyleDuration'))} ms in ${cpu('RecalcStyleCount')} recalcs, layout ${fmt(1000 * cpu('LayoutDuration'))} ms in ${cpu('LayoutCount')}, script ${fmt(1000 * cpu('ScriptDuration'))} ms (wall times, which the machine's load stretches)`,
      command,
    });
  } finally {
    await browser.close();
    await serve.stop();
  }
}
