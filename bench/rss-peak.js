// Which part of the serve suite makes the 100k host's whole-process peak RSS (issue 12's ≤ 400
// MB): the big host's phases of `npm run bench -- serve`, alone, with RSS sampled every 100 ms
// through each. Not part of `npm run bench`.
//
//   node bench/rss-peak.js                                   # this build, once
//   BENCH_COMPARE=/tmp/before BENCH_REPS=2 node bench/rss-peak.js   # and another build, alternated
//   BENCH_DASHBOARD=0 node bench/rss-peak.js                 # the fan-out without Chromium
//   BENCH_HEAPS=1 node bench/rss-peak.js    # each thread's V8 heap before, during and after the fan-out
//   BENCH_NODE_ARGS='--require ./probe.cjs' BENCH_SERVE_ENV='{"X":"1"}' node bench/rss-peak.js  # this build's node flags, env
//
// The phases, as the suite runs them on its 100k host: warm-up (3,000 launches a chunk until a
// launch's CPU stops falling), five closed-loop runs of BENCH_REQUESTS launches (16 keep-alive
// clients), the dashboard opening on a region, then the fan-out: an open loop of BENCH_FAN_RATE
// launches/s for 10 s with three /v1/events subscribers and the dashboard watching (a host that
// falls behind gets ever more connections and answers 503 past the gate's cap).

import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDashboard } from './dashboard.js';
import { RemoteLoad } from './lib/load-remote.js';
import { readMemory, threadHeaps } from './lib/proc-memory.js';
import { phaseLines, rssPhases } from './lib/rss-phases.js';
import { CLI, startServe, writeFleet } from './lib/serve-proc.js';
import { fmt } from './lib/stats.js';
import { CACHE } from './lib/store-bundle.js';
import { processCpu } from './lib/thread-cpu.js';
import { warmUntilSteady } from './lib/warm-up.js';
import { launchBodies } from './serve.js';

const REPS = Number(process.env.BENCH_REPS ?? 1);
const MACHINES = Number(process.env.BENCH_MACHINES ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const FAN_RATE = Number(process.env.BENCH_FAN_RATE ?? 1000);
const FAN_SECONDS = Number(process.env.BENCH_FAN_SECONDS ?? 10);
const DASHBOARD = process.env.BENCH_DASHBOARD !== '0';
const COMPARE = process.env.BENCH_COMPARE;
const HEAPS = !!process.env.BENCH_HEAPS;
const MB = 1024 * 1024;
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const SERVE_ENV = process.env.BENCH_SERVE_ENV ? JSON.parse(process.env.BENCH_SERVE_ENV) : {};

/** @param {string} label @param {string} cli @param {string} file */
async function one(label, cli, file) {
  const reports = join(CACHE, `reports-peak-${process.pid}`);
  mkdirSync(reports, { recursive: true });
  const s = await startServe({
    label,
    cli,
    args: ['--regions', file],
    env: cli === CLI ? SERVE_ENV : {},
    nodeArgs: [
      ...(HEAPS ? ['--report-on-signal', `--report-directory=${reports}`] : []),
      ...(cli === CLI ? NODE_ARGS : []),
    ],
  });
  const rec = rssPhases(s.pid, 100);
  /** @type {string[]} */
  const heapLines = [];
  const heaps = async (/** @type {string} */ when) => {
    if (!HEAPS) return;
    const rss = rec.trace[rec.trace.length - 1]?.[1] ?? Number.NaN;
    const m = readMemory(s.pid, s.home);
    const hs = await threadHeaps(s.pid, reports);
    heapLines.push(
      `${when} (RSS ${fmt(rss)}: anon ${fmt(m.anon)}, file ${fmt(m.file)} of which LMDB ${fmt(m.lmdb)}): ${hs.map((h) => `${h.name} ${fmt(h.committed / MB)}/${fmt(h.used / MB)} ext ${fmt(h.external / MB)}`).join(', ')} (V8 committed/used MB)`,
    );
  };
  const load = new RemoteLoad();
  /** @type {string[]} */
  const notes = [];
  try {
    const bodies = await launchBodies(s, 4096);
    const closed = (/** @type {number} */ n, /** @type {number} */ offset) =>
      load.closed({ port: s.port, headers: s.headers, concurrency: 16, n, bodies, offset });
    const warm = await rec.phase('warm-up', () =>
      warmUntilSteady(s.pid, (count, i) => closed(count, i * count), { chunk: 3000 }),
    );
    notes.push(`warm-up CPU µs/launch ${warm.map(fmt).join(' → ')}`);
    const cpu0 = processCpu(s.pid);
    const rates = await rec.phase('closed loop ×5', async () => {
      const out = [];
      for (let r = 0; r < 5; r++) out.push((await closed(REQUESTS, r * REQUESTS)).perSecond);
      return out;
    });
    notes.push(
      `closed loop ${rates.map(fmt).join(' / ')} launches/s, CPU ${fmt((processCpu(s.pid) - cpu0) / 1e3 / (5 * REQUESTS))} µs a launch`,
    );
    const region = JSON.parse(bodies[0]).region;
    const dash = DASHBOARD ? await rec.phase('dashboard opens', () => openDashboard(s, region)) : null;
    await heaps('before the fan-out');
    let fanning = true;
    const during = (async () => {
      for (let i = 1; fanning; i++) {
        await new Promise((r) => setTimeout(r, 4000));
        if (fanning) await heaps(`fan-out +${i * 4} s`);
      }
    })();
    const fan = await rec
      .phase(`fan-out ${FAN_RATE}/s × ${FAN_SECONDS} s`, () =>
        load.paced({
          port: s.port,
          headers: s.headers,
          rate: FAN_RATE,
          seconds: FAN_SECONDS,
          bodies,
          subscribers: 3,
          settleMs: 3000,
        }),
      )
      .finally(() => {
        fanning = false;
        return dash?.close();
      });
    await during;
    notes.push(
      `fan-out answered ${fmt(fan.achievedPerSecond)}/s, statuses ${JSON.stringify(fan.statuses)}, p99 ${fmt(fan.p99)} ms`,
    );
    await rec.phase('idle 3 s', () => new Promise((r) => setTimeout(r, 3000)));
    await heaps('after 3 s idle');
  } finally {
    rmSync(reports, { recursive: true, force: true });
    rec.stop();
    load.close();
    await s.stop();
  }
  const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  const peak = rec.peakPhase();
  console.log(
    `\n${label} (load ${load1}): peak ${fmt(peak?.endHwm ?? Number.NaN)} MB, set in: ${peak?.name ?? 'none of the phases (between them)'}`,
  );
  for (const line of [...phaseLines(rec.phases), ...notes, ...heapLines]) console.log(`  ${line}`);
  return rec;
}

const { file } = await writeFleet(MACHINES);
const other = COMPARE ? join(COMPARE, 'bin', 'flylight.js') : null;
for (let r = 0; r < REPS; r++) {
  const pair = [() => one('this build', CLI, file)];
  if (other) pair.push(() => one(/** @type {string} */ (COMPARE), other, file));
  if (r % 2 === 1) pair.reverse();
  for (const run of pair) await run();
}
