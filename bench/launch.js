// The headline alone, quickly, with where the CPU goes: `flylight serve` as the README starts it
// (durable LMDB, logs on, metrics on, the default fleet) in its own process, against the bare
// node:http server in another, the same closed-loop client in a third; alternated, ratios run by
// run. Besides throughput and latency it reads each thread's CPU time (/proc/PID/task/TID/
// schedstat, nanoseconds on a core) over every run, so a change shows which thread it moved:
// main (the host: log sink, terminal, log file), the three workers (store, orchestrator, proxy,
// told apart by start order) and the rest (V8's GC and compiler helpers, libuv's pool).
//
// `npm run bench -- launch` (BENCH_REPS, BENCH_REQUESTS, BENCH_CONCURRENCY as everywhere).
// BENCH_COMPARE=/path/to/another/checkout (built) runs that build's serve too: two processes of
// each build, started A B B A and measured A B B A / B A A B rep by rep, each build's figure the
// mean of its two; a before/after pair measured in the same minutes on a shared machine.

import { loadavg } from 'node:os';
import { join } from 'node:path';
import { RemoteLoad } from './lib/load-remote.js';
import { heading } from './lib/report.js';
import { ABBA, abbaRound, get, startBareProcess, startServe } from './lib/serve-proc.js';
import { fmt, geomean, median, sleep } from './lib/stats.js';
import { threadCpu, threadNames, waitIdle } from './lib/thread-cpu.js';
import { warmUntilSteady } from './lib/warm-up.js';
import { launchBodies } from './serve.js';

/**
 * Names the threads of a `flylight serve`: the process's own id is the host thread; the worker
 * threads by the OS names the host gives them (`fl-store`, …). A build from before those names
 * (BENCH_COMPARE, BENCH_BUILD) gets the old guess: the three busiest non-main threads of a
 * warm-up, in start order (store, orchestrator, proxy), which a V8 compiler thread can take.
 * @param {number} pid @param {Map<number, number>} before @param {Map<number, number>} after
 */
export function nameThreads(pid, before, after) {
  /** @type {Map<number, string>} */
  const named = new Map([[pid, 'host']]);
  for (const [tid, comm] of threadNames(pid)) {
    const worker = /^fl-(store|orchestrator|proxy)$/.exec(comm)?.[1];
    if (worker) named.set(tid, worker);
  }
  if (named.size === 4) return named;
  const used = [...after].filter(([tid]) => tid !== pid).map(([tid, ns]) => [tid, ns - (before.get(tid) ?? 0)]);
  const workers = used
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([tid]) => tid)
    .sort((a, b) => a - b);
  /** @type {Map<number, string>} */
  const names = new Map([[pid, 'host']]);
  ['store', 'orchestrator', 'proxy'].forEach((n, i) => {
    if (workers[i] !== undefined) names.set(workers[i], n);
  });
  return names;
}

/** µs of CPU per request per named thread (others summed) between two readings. */
function perRequest(
  /** @type {Map<number, string>} */ names,
  /** @type {Map<number, number>} */ before,
  /** @type {Map<number, number>} */ after,
  /** @type {number} */ n,
) {
  /** @type {Record<string, number>} */
  const out = { host: 0, store: 0, orchestrator: 0, proxy: 0, other: 0, total: 0 };
  for (const [tid, ns] of after) {
    const d = (ns - (before.get(tid) ?? 0)) / 1000 / n;
    out[names.get(tid) ?? 'other'] += d;
    out.total += d;
  }
  return out;
}

/**
 * What an open-loop run answered besides 201, by answer (the gate's cap answers 503 once too many
 * launches wait: half the bare rate is more than serve sustains, so that run queues).
 * @param {{unexpected: Record<string, number>}} run
 */
function notCreated(run) {
  // A key is the status and the start of the body: the status and the error's code say enough.
  const short = (/** @type {string} */ k) =>
    [k.split(' ')[0], /"code":"([a-z_]+)"/.exec(k)?.[1]].filter(Boolean).join(' ');
  const list = Object.entries(run.unexpected).map(([k, v]) => `${fmt(v)}× ${short(k)}`);
  return list.length ? `, not 201: ${list.join(', ')}` : '';
}

/** The mean of a few numbers (a build's two processes in one repetition). @param {number[]} xs */
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * @typedef {{
 *   build: 'A' | 'B', label: string, s: import('./lib/serve-proc.js').Served,
 *   names: Map<number, string>, perLaunch: number[],
 *   rates: number[], totals: number[],
 * }} Proc
 */

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{reps: number, requests: number, concurrency: number, pacedSeconds: number}} o
 */
export async function run(report, o) {
  const n = o.requests;
  const c = o.concurrency;
  heading(
    `launches through flylight serve (durable, logs and metrics on) vs bare node:http, each in its own process; ${c} keep-alive clients in a third; ${fmt(n)} launches per run; CPU per thread`,
  );
  const load = new RemoteLoad();
  const compareRoot = process.env.BENCH_COMPARE;
  // Compared, two serve processes of each build, started A B B A (lib/serve-proc.js's ABBA: the
  // first-started process reads worse, so neither build may own that start), each build's figure
  // of a repetition the mean of its two processes'.
  const starts = compareRoot ? ABBA : /** @type {const} */ (['A']);
  /** @type {Proc[]} */
  const procs = [];
  /** @type {{port: number, pid: number, stop: () => Promise<void>} | null} */
  let bare = null;
  /** @type {string[]} */
  const problems = [];
  /**
   * @template {{unexpected: Record<string, number>}} R
   * @param {string} what @param {R} r @returns {R}
   */
  const check = (what, r) => {
    for (const [k, v] of Object.entries(r.unexpected)) problems.push(`${what}: ${v}× ${k}`);
    return r;
  };
  try {
    for (const [i, build] of starts.entries()) {
      const label = compareRoot
        ? `${build === 'A' ? 'this build' : 'compared build'}, started ${['1st', '2nd', '3rd', '4th'][i]}`
        : 'default fleet';
      const cli = build === 'B' && compareRoot ? join(compareRoot, 'bin', 'flylight.js') : undefined;
      const s = await startServe({ label, ...(cli ? { cli } : {}) });
      procs.push({ build, label, s, names: new Map(), perLaunch: [], rates: [], totals: [] });
    }
    bare = await startBareProcess();
    const bareProc = bare;
    const def = procs[0].s;
    const bodies = await launchBodies(def, 4096);
    const reset = async (/** @type {import('./lib/serve-proc.js').Served} */ s) => {
      const r = await get(s.port, '/v1/reset', s.headers, 'POST', '{}');
      if (r.status !== 200) throw new Error(`POST /v1/reset answered ${r.status}`);
    };
    const resetAll = async () => {
      for (const p of procs) await reset(p.s);
    };
    const flyRun = (
      /** @type {number} */ count,
      /** @type {number} */ offset,
      /** @type {import('./lib/serve-proc.js').Served} */ s,
    ) => load.closed({ port: s.port, headers: s.headers, concurrency: c, n: count, bodies, offset });
    const bareRun = (/** @type {number} */ count) =>
      load.closed({ port: bareProc.port, concurrency: c, n: count, bodies });
    // The floor every request pays, launch or not: GET /healthz through serve's HTTP stack, gate,
    // request log line and metrics (nothing behind the proxy) against the bare server's.
    const healthRun = (/** @type {number} */ port, /** @type {Record<string, string>} */ headers) =>
      load.closed({ port, headers, concurrency: c, n, method: 'GET', path: '/healthz', want: 200 });

    // Warm-up (JIT, pools, LMDB pages) until a launch's CPU stops falling (lib/warm-up.js): the
    // headline is a warm server's cost. Its CPU names the worker threads.
    const chunk = Math.min(3000, 3 * n);
    await bareRun(3 * chunk);
    for (const p of procs) {
      const t0 = threadCpu(p.s.pid);
      p.perLaunch = await warmUntilSteady(
        p.s.pid,
        async (count, i) => check(`warm-up, ${p.label}`, await flyRun(count, i * count, p.s)),
        { chunk, prepare: () => reset(p.s) },
      );
      p.names = nameThreads(p.s.pid, t0, threadCpu(p.s.pid));
      process.stdout.write(
        `  warm-up${compareRoot ? ` (${p.label})` : ''}: ${p.perLaunch.length} × ${fmt(chunk)} launches, CPU µs/launch ${p.perLaunch.map(fmt).join(' → ')}\n`,
      );
    }
    const mine = procs.filter((p) => p.build === 'A');
    const theirs = procs.filter((p) => p.build === 'B');
    /** @type {{rate: number[], cpu: number[], p99: number[]}} */
    const cmp = { rate: [], cpu: [], p99: [] };

    /** @type {Record<string, number[]>} */
    const runs = {
      bare: [],
      fly: [],
      ratio: [],
      bareP99: [],
      flyP50: [],
      flyP99: [],
      pacedFly: [],
      pacedBare: [],
      ownHalf: [],
      ownHalfRate: [],
    };
    /** @type {Record<string, number[]>} */
    const cpu = { host: [], store: [], orchestrator: [], proxy: [], other: [], total: [], bare: [] };
    /** @type {Record<string, number[]>} */
    const health = { total: [], proxy: [], host: [], bare: [] };
    // Compared, each repetition measures the builds A B B A or B A A B (lib/serve-proc.js's
    // abbaRound); an even number of repetitions puts every process early once and late once.
    const reps = compareRoot ? o.reps + (o.reps % 2) : o.reps;
    // Compared, a rehearsal first: one repetition run like the others and not counted. A process
    // left idle for a while reads worse in its next run (V8's memory reducer shrinks an idle
    // heap), and until the first repetition the processes warmed first had idled longest: in
    // A/A runs the first-started process read 0.44-0.49x of the last-started in repetition 1.
    const first = compareRoot ? -1 : 0;
    const slices = compareRoot ? 4 : 1;
    /** A build's figures in one repetition: the mean of its processes'. @param {Proc[]} ps @param {(p: Proc) => number} f */
    const of = (ps, f) => mean(ps.map(f));
    for (let r = first; r < reps; r++) {
      const order = compareRoot ? abbaRound(r + 4).map((i) => procs[i]) : procs;
      const tag = r < 0 ? 'rehearsal (not counted)' : `rep ${r + 1}`;
      await resetAll();
      const b0 = threadCpu(bareProc.pid);
      const b = check('bare', await bareRun(3 * n));
      const bareCpu = perRequest(new Map(), b0, threadCpu(bareProc.pid), 3 * n).total;
      // Compared, each process's closed loop is cut into `slices` runs of n / slices, and the slices
      // of the four interleaved, each round of them in its own order (abbaRound): a burst of other
      // work on the machine then falls on both builds alike. Plain, one run of n.
      const part = Math.round(n / slices);
      /** @type {Map<Proc, {ms: number, p50: number[], p99: number[], cpu: Map<number, number>, waited: number}>} */
      const acc = new Map(procs.map((p) => [p, { ms: 0, p50: [], p99: [], cpu: new Map(), waited: 0 }]));
      for (let sl = 0; sl < slices; sl++) {
        for (const p of compareRoot ? abbaRound(r + 4 + sl).map((i) => procs[i]) : procs) {
          const a = /** @type {NonNullable<ReturnType<typeof acc.get>>} */ (acc.get(p));
          // The run before (the bare server's, or another serve's) leaves work behind: none of
          // it may fall into this run.
          a.waited += await waitIdle([...procs.map((q) => q.s.pid), bareProc.pid, load.child.pid ?? 0]);
          const t0 = threadCpu(p.s.pid);
          const f = check(`serve, ${p.label}`, await flyRun(part, (r - first) * n + sl * part, p.s));
          for (const [tid, ns] of threadCpu(p.s.pid)) a.cpu.set(tid, (a.cpu.get(tid) ?? 0) + ns - (t0.get(tid) ?? 0));
          a.ms += (part / f.perSecond) * 1000;
          a.p50.push(f.p50);
          a.p99.push(f.p99);
        }
      }
      /** @type {Map<Proc, {f: {perSecond: number, p50: number, p99: number}, per: Record<string, number>}>} */
      const closed = new Map();
      /** @type {Map<Proc, number>} */
      const waited = new Map();
      for (const [p, a] of acc) {
        const f = { perSecond: (part * slices) / (a.ms / 1000), p50: mean(a.p50), p99: mean(a.p99) };
        closed.set(p, { f, per: perRequest(p.names, new Map(), a.cpu, part * slices) });
        waited.set(p, a.waited);
        p.rates.push(f.perSecond);
      }
      const fOf = (/** @type {Proc} */ p) =>
        /** @type {{f: {perSecond: number, p50: number, p99: number}, per: Record<string, number>}} */ (closed.get(p));
      /** @type {Record<string, number>} */
      const per = {};
      for (const k of Object.keys(fOf(mine[0]).per)) per[k] = of(mine, (p) => fOf(p).per[k]);
      for (const p of procs) p.totals.push(fOf(p).per.total);
      const f = {
        perSecond: of(mine, (p) => fOf(p).f.perSecond),
        p50: of(mine, (p) => fOf(p).f.p50),
        p99: of(mine, (p) => fOf(p).f.p99),
      };
      for (const k of Object.keys(per)) cpu[k].push(per[k]);
      cpu.bare.push(bareCpu);
      runs.bare.push(b.perSecond);
      runs.fly.push(f.perSecond);
      runs.bareP99.push(b.p99);
      runs.flyP50.push(f.p50);
      runs.flyP99.push(f.p99);
      if (compareRoot) {
        cmp.rate.push(of(theirs, (p) => fOf(p).f.perSecond));
        cmp.cpu.push(of(theirs, (p) => fOf(p).per.total));
        cmp.p99.push(of(theirs, (p) => fOf(p).f.p99));
        for (const p of order) {
          const { f: g, per: oper } = fOf(p);
          process.stdout.write(
            `  ${tag}, ${p.label} (${slices} slices, after ${fmt(/** @type {number} */ (waited.get(p)))} ms idle in all): ${fmt(g.perSecond)}/s (${fmt(g.perSecond / b.perSecond)}×), p99 ${fmt(g.p99)} ms; CPU µs/launch ${Object.entries(
              oper,
            )
              .map(([k, v]) => `${k} ${fmt(v)}`)
              .join(', ')}\n`,
          );
        }
      }
      // GET /healthz on every serve, CPU per request: what a request costs before it is a launch.
      const hb0 = threadCpu(bareProc.pid);
      check('bare /healthz', await healthRun(bareProc.port, {}));
      const healthBare = perRequest(new Map(), hb0, threadCpu(bareProc.pid), n).total;
      /** @type {Map<Proc, Record<string, number>>} */
      const healthOf = new Map();
      for (const p of order) {
        const h0 = threadCpu(p.s.pid);
        check(`serve /healthz, ${p.label}`, await healthRun(p.s.port, p.s.headers));
        healthOf.set(p, perRequest(p.names, h0, threadCpu(p.s.pid), n));
      }
      const hOf = (/** @type {Proc} */ p) => /** @type {Record<string, number>} */ (healthOf.get(p));
      const hper = {
        total: of(mine, (p) => hOf(p).total),
        proxy: of(mine, (p) => hOf(p).proxy),
        host: of(mine, (p) => hOf(p).host),
      };
      health.total.push(hper.total);
      health.proxy.push(hper.proxy);
      health.host.push(hper.host);
      health.bare.push(healthBare);
      // Open loop at half the bare server's rate of this repetition, both sides; compared, every
      // serve goes through it (this build's recorded), so all start each repetition from the
      // same history: its queue leaves a server worse off for its next closed loop.
      await resetAll();
      const paced = {
        headers: {},
        rate: b.perSecond / 2,
        seconds: o.pacedSeconds,
        bodies,
        subscribers: 0,
        settleMs: 0,
      };
      const pb = check('bare paced', await load.paced({ ...paced, port: bareProc.port }));
      /** @type {Map<Proc, import('./lib/load-remote.js').PacedResult>} */
      const pacedOf = new Map();
      for (const p of order) pacedOf.set(p, await load.paced({ ...paced, port: p.s.port, headers: p.s.headers }));
      runs.pacedBare.push(pb.p99);
      runs.pacedFly.push(
        of(mine, (p) => /** @type {import('./lib/load-remote.js').PacedResult} */ (pacedOf.get(p)).p99),
      );
      // Half the bare rate is more than serve sustains, so that row measures a queue. Half of
      // serve's own closed-loop rate says what a launch costs a user who is not saturating it.
      await resetAll();
      /** @type {Map<Proc, import('./lib/load-remote.js').PacedResult>} */
      const ownOf = new Map();
      for (const p of order)
        ownOf.set(
          p,
          await load.paced({ ...paced, rate: fOf(p).f.perSecond / 2, port: p.s.port, headers: p.s.headers }),
        );
      runs.ownHalf.push(of(mine, (p) => /** @type {import('./lib/load-remote.js').PacedResult} */ (ownOf.get(p)).p99));
      runs.ownHalfRate.push(f.perSecond / 2);
      // Plain, the one serve's lines; compared, this build's processes' means (the answers the
      // first of them did not give 201).
      const pf = /** @type {import('./lib/load-remote.js').PacedResult} */ (pacedOf.get(mine[0]));
      const own = /** @type {import('./lib/load-remote.js').PacedResult} */ (ownOf.get(mine[0]));
      process.stdout.write(
        `  ${tag}: bare ${fmt(b.perSecond)}/s, ${compareRoot ? 'this build (mean of 2)' : 'serve'} ${fmt(f.perSecond)}/s (${fmt(f.perSecond / b.perSecond)}×), p50 ${fmt(f.p50)} p99 ${fmt(f.p99)} ms; at ${fmt(b.perSecond / 2)}/s p99 ${fmt(/** @type {number} */ (runs.pacedFly.at(-1)))} ms (bare ${fmt(pb.p99)})${notCreated(pf)}, at its own half ${fmt(f.perSecond / 2)}/s p99 ${fmt(/** @type {number} */ (runs.ownHalf.at(-1)))} ms${notCreated(own)}; CPU µs/launch ${Object.entries(
          per,
        )
          .map(([k, v]) => `${k} ${fmt(v)}`)
          .join(
            ', ',
          )}; bare ${fmt(bareCpu)}; GET /healthz CPU µs ${fmt(hper.total)} (proxy ${fmt(hper.proxy)}, host ${fmt(hper.host)}), bare ${fmt(healthBare)}\n`,
      );
      if (compareRoot)
        process.stdout.write(
          `  ${tag}: this build / compared ${fmt(f.perSecond / /** @type {number} */ (cmp.rate.at(-1)))}×, CPU µs/launch ${fmt(per.total)} vs ${fmt(/** @type {number} */ (cmp.cpu.at(-1)))}; load ${loadavg()[0].toFixed(2)}\n`,
        );
      await sleep(50);
    }
    if (first < 0)
      for (const xs of [
        ...Object.values(runs),
        ...Object.values(cpu),
        ...Object.values(health),
        ...Object.values(cmp),
        ...procs.flatMap((p) => [p.rates, p.totals]),
      ])
        xs.shift();
    const cmd = 'npm run bench -- launch';
    const warm = procs[0];
    report.add({
      bench: 'launch',
      name: 'launches through `flylight serve` (durable default, logs on, default fleet), launch bench',
      unit: 'launches/s',
      better: 'higher',
      subject: { label: 'flylight serve', runs: runs.fly },
      baseline: { label: 'bare node:http (own process)', runs: runs.bare },
      target: { on: 'ratio', op: '>=', value: 0.5 },
      note: `closed loop p50 ${fmt(median(runs.flyP50))} ms, p99 ${fmt(median(runs.flyP99))} ms (bare p99 ${fmt(median(runs.bareP99))} ms); after a warm-up of ${fmt(warm.perLaunch.length * chunk)} launches (CPU µs/launch ${warm.perLaunch.map(fmt).join(' → ')})`,
      command: cmd,
    });
    report.add({
      bench: 'launch',
      name: "launch latency p99 at half the bare server's rate (open loop), launch bench",
      unit: 'ms',
      better: 'lower',
      subject: { label: 'flylight serve p99', runs: runs.pacedFly },
      baseline: { label: 'bare p99 at the same rate', runs: runs.pacedBare },
      target: { on: 'subject', op: '<=', value: 5 },
      command: cmd,
    });
    report.add({
      bench: 'launch',
      name: "launch latency p99 at half of serve's own closed-loop rate (open loop), launch bench",
      unit: 'ms',
      better: 'lower',
      subject: { label: 'flylight serve p99', runs: runs.ownHalf },
      note: `at ${fmt(median(runs.ownHalfRate))} launches/s: what a launch costs when the host is not saturated (explains the row above; no target of its own)`,
      command: cmd,
    });
    if (compareRoot) {
      const byProc = procs.map((p) => `${p.build} ${fmt(median(p.rates))}/s ${fmt(median(p.totals))} µs`).join(', ');
      report.add({
        bench: 'launch',
        name: `launches through \`flylight serve\`: this build against ${compareRoot} (BENCH_COMPARE), two processes each, A B B A`,
        unit: 'launches/s',
        better: 'higher',
        subject: { label: 'this build', runs: runs.fly },
        baseline: { label: 'compared build', runs: cmp.rate },
        note: `geometric mean of the repetitions' ratios ${fmt(geomean(runs.fly.map((x, i) => x / cmp.rate[i])))}×; CPU per launch ${fmt(median(cpu.total))} µs against ${fmt(median(cmp.cpu))} µs; closed-loop p99 ${fmt(median(runs.flyP99))} against ${fmt(median(cmp.p99))} ms; each process in start order (medians): ${byProc}`,
        command: `BENCH_COMPARE=${compareRoot} ${cmd}`,
      });
    }
    report.add({
      bench: 'launch',
      name: 'CPU per request, GET /healthz (HTTP, gate, log line, metrics; nothing behind the proxy): whole serve process',
      unit: 'µs',
      better: 'lower',
      subject: { label: 'serve /healthz', runs: health.total },
      baseline: { label: 'bare server /healthz', runs: health.bare },
      note: `proxy thread ${fmt(median(health.proxy))} µs, host ${fmt(median(health.host))} µs: the floor a launch starts from`,
      command: cmd,
    });
    for (const k of ['total', 'host', 'proxy', 'orchestrator', 'store', 'other']) {
      report.add({
        bench: 'launch',
        name: `CPU per launch: ${k === 'total' ? 'whole serve process' : k === 'other' ? 'other threads (GC, compiler, libuv pool)' : `${k} thread`}`,
        unit: 'µs',
        better: 'lower',
        subject: { label: k, runs: cpu[k] },
        ...(k === 'total' ? { baseline: { label: 'bare server, whole process', runs: cpu.bare } } : {}),
        command: cmd,
      });
    }
  } finally {
    load.close();
    await bare?.stop();
    for (const p of procs) await p.s.stop();
  }
  if (problems.length > 0) throw new Error(`unexpected answers:\n  ${problems.slice(0, 10).join('\n  ')}`);
}
