// The proxy's per-request floor, this build against another, without the start-order bias:
// CPU per `GET /healthz` through `flylight serve` (HTTP, admission, gate, log line, metrics;
// nothing behind the proxy). Two serve processes of each build are started in the order A B B A
// and measured A B B A / B A A B with the processes rotated (lib/serve-proc.js), because in an A/A run (one build against itself, plain pairs)
// the first-started process read ~20 % more CPU per request than the second, every pair, at
// load 14–19 (2026-11-30): a single before/after pair of processes cannot tell 10 % apart.
//
//   npm run build && node bench/floor-ab.js /path/to/other/checkout   (built; bin/, out/, resources/)
//
// BENCH_REQUESTS (4000) requests per run, BENCH_REPS (4) rounds of four runs; A_LOG_LEVEL sets
// FLYLIGHT_LOG_LEVEL for this build's processes only (the log line's share: warn against info).
// BENCH_FLOOR=launch measures launches instead (POST /v1/vms as the launch bench sends them, the
// default fleet reset before each run, untimed; BENCH_REQUESTS 2000 then): the same A B B A.

import { join, resolve } from 'node:path';
import { RemoteLoad } from './lib/load-remote.js';
import { ABBA, abbaRound, CLI, get, startServe } from './lib/serve-proc.js';
import { fmt, median } from './lib/stats.js';
import { threadCpu } from './lib/thread-cpu.js';
import { launchBodies } from './serve.js';

const otherRoot = process.argv[2];
if (!otherRoot) {
  process.stderr.write('usage: node bench/floor-ab.js <another built checkout>\n');
  process.exit(2);
}
const launches = process.env.BENCH_FLOOR === 'launch';
const n = Number(process.env.BENCH_REQUESTS ?? (launches ? 2000 : 4000));
const rounds = Number(process.env.BENCH_REPS ?? 4);
const builds = { A: CLI, B: join(resolve(otherRoot), 'bin', 'flylight.js') };
const load = new RemoteLoad();
/** @type {{k: 'A' | 'B', s: import('./lib/serve-proc.js').Served, tid: number}[]} */
const procs = [];

/** @type {unknown[] | null} */
let bodies = null;

/**
 * What one run sends: `count` GET /healthz, or `count` launches into the default fleet, reset
 * here (before the run's clock starts). @param {import('./lib/serve-proc.js').Served} s @param {number} count
 */
async function prepare(s, count) {
  if (!launches)
    return { port: s.port, headers: s.headers, concurrency: 16, n: count, method: 'GET', path: '/healthz', want: 200 };
  bodies ??= await launchBodies(s, 4096);
  const r = await get(s.port, '/v1/reset', s.headers, 'POST', '{}');
  if (r.status !== 200) throw new Error(`POST /v1/reset answered ${r.status}`);
  return { port: s.port, headers: s.headers, concurrency: 16, n: count, bodies };
}

/** @param {object} opts */
async function run(opts) {
  // A keep-alive connection the server closed while idle can fail one run's first request.
  for (let k = 0; ; k++) {
    try {
      return await load.closed(opts);
    } catch (err) {
      if (k >= 2) throw err;
    }
  }
}

/** µs of CPU per request: the whole process and the proxy thread. @param {(typeof procs)[number]} p */
async function measure(p) {
  const opts = await prepare(p.s, n);
  const t0 = threadCpu(p.s.pid);
  await run(opts);
  const t1 = threadCpu(p.s.pid);
  let total = 0;
  for (const [tid, ns] of t1) total += ns - (t0.get(tid) ?? 0);
  return { total: total / 1000 / n, proxy: ((t1.get(p.tid) ?? 0) - (t0.get(p.tid) ?? 0)) / 1000 / n };
}

try {
  for (const k of ABBA) {
    /** @type {Record<string, string>} */
    const env = {};
    if (k === 'A' && process.env.A_LOG_LEVEL) env.FLYLIGHT_LOG_LEVEL = process.env.A_LOG_LEVEL;
    const s = await startServe({ label: k, cli: builds[k], env });
    // Warm-up (JIT); the busiest thread but the host's under /healthz is the proxy's.
    const t0 = threadCpu(s.pid);
    for (let w = 0; w < 12_000; w += n) await run(await prepare(s, n));
    let tid = 0;
    let most = 0;
    for (const [t, ns] of threadCpu(s.pid)) {
      const d = ns - (t0.get(t) ?? 0);
      if (t !== s.pid && d > most) [tid, most] = [t, d];
    }
    procs.push({ k, s, tid });
  }
  /** @type {Record<'A' | 'B', {total: number, proxy: number}[]>} */
  const res = { A: [], B: [] };
  // Round 0 is a rehearsal, not counted: a process left idle reads worse in its next run, and the
  // first-warmed has idled longest when the rounds begin (bench/launch.js).
  for (let r = -1; r < rounds; r++) {
    const line = [];
    for (const i of abbaRound(r + 4)) {
      const p = procs[i];
      const m = await measure(p);
      if (r >= 0) res[p.k].push(m);
      line.push(`${p.k} ${fmt(m.total)}/${fmt(m.proxy)}`);
    }
    process.stdout.write(
      `${r < 0 ? 'rehearsal (not counted)' : `round ${r + 1}`} (µs per request, process/proxy): ${line.join('  ')}\n`,
    );
  }
  const med = (/** @type {'A' | 'B'} */ k, /** @type {'total' | 'proxy'} */ f) => fmt(median(res[k].map((m) => m[f])));
  process.stdout.write(
    `median: A (this build${process.env.A_LOG_LEVEL ? `, log level ${process.env.A_LOG_LEVEL}` : ''}) ${med('A', 'total')} µs, proxy ${med('A', 'proxy')}; B (${otherRoot}) ${med('B', 'total')} µs, proxy ${med('B', 'proxy')}\n`,
  );
} finally {
  load.close();
  for (const p of procs) await p.s.stop();
}
