// The headline alone, quickly, with where the CPU goes: `flylight serve` as the README starts it
// (durable LMDB, logs on, metrics on, the default fleet) in its own process, against the bare
// node:http server in another, the same closed-loop client in a third; alternated, ratios run by
// run. Besides throughput and latency it reads each thread's CPU time (/proc/PID/task/TID/
// schedstat, nanoseconds on a core) over every run, so a change shows which thread it moved:
// main (the host: log sink, terminal, log file), the three workers (store, orchestrator, proxy,
// told apart by start order) and the rest (V8's GC and compiler helpers, libuv's pool).
//
// `npm run bench -- launch` (BENCH_REPS, BENCH_REQUESTS, BENCH_CONCURRENCY as everywhere).
// BENCH_COMPARE=/path/to/another/checkout (built) runs that build's serve too, alternated with
// this one rep by rep: a before/after pair measured in the same minutes on a shared machine.

import { join } from 'node:path';
import { RemoteLoad } from './lib/load-remote.js';
import { heading } from './lib/report.js';
import { get, startBareProcess, startServe } from './lib/serve-proc.js';
import { fmt, median, sleep } from './lib/stats.js';
import { threadCpu, threadNames } from './lib/thread-cpu.js';
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
  const def = await startServe({ label: 'default fleet' });
  const compareRoot = process.env.BENCH_COMPARE;
  const other = compareRoot
    ? await startServe({ label: `default fleet, ${compareRoot}`, cli: join(compareRoot, 'bin', 'flylight.js') })
    : null;
  const bare = await startBareProcess();
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
    const bodies = await launchBodies(def, 4096);
    const reset = async (/** @type {import('./lib/serve-proc.js').Served} */ s = def) => {
      const r = await get(s.port, '/v1/reset', s.headers, 'POST', '{}');
      if (r.status !== 200) throw new Error(`POST /v1/reset answered ${r.status}`);
    };
    const flyRun = (/** @type {number} */ count, /** @type {number} */ offset, s = def) =>
      load.closed({ port: s.port, headers: s.headers, concurrency: c, n: count, bodies, offset });
    const bareRun = (/** @type {number} */ count) => load.closed({ port: bare.port, concurrency: c, n: count, bodies });
    // The floor every request pays, launch or not: GET /healthz through serve's HTTP stack, gate,
    // request log line and metrics (nothing behind the proxy) against the bare server's.
    const healthRun = (/** @type {number} */ port, /** @type {Record<string, string>} */ headers) =>
      load.closed({ port, headers, concurrency: c, n, method: 'GET', path: '/healthz', want: 200 });

    // Warm-up (JIT, pools, LMDB pages) until a launch's CPU stops falling (lib/warm-up.js): the
    // headline is a warm server's cost. Its CPU names the worker threads.
    const chunk = Math.min(3000, 3 * n);
    await bareRun(3 * chunk);
    const warmUp = async (/** @type {import('./lib/serve-proc.js').Served} */ s, /** @type {string} */ what) => {
      const t0 = threadCpu(s.pid);
      const perLaunch = await warmUntilSteady(
        s.pid,
        async (count, i) => check(what, await flyRun(count, i * count, s)),
        {
          chunk,
          prepare: () => reset(s),
        },
      );
      return { names: nameThreads(s.pid, t0, threadCpu(s.pid)), perLaunch };
    };
    const warm = await warmUp(def, 'warm-up');
    const names = warm.names;
    process.stdout.write(
      `  warm-up: ${warm.perLaunch.length} × ${fmt(chunk)} launches, CPU µs/launch ${warm.perLaunch.map(fmt).join(' → ')}\n`,
    );
    let otherNames = new Map();
    if (other) otherNames = (await warmUp(other, 'warm-up, compared build')).names;
    /** @type {{rate: number[], cpu: number[], p99: number[]}} */
    const cmp = { rate: [], cpu: [], p99: [] };
    /** The compared build's run of repetition `r`: its rate and CPU per launch by thread. */
    const comparedRun = async (/** @type {number} */ r) => {
      if (!other) throw new Error('no compared build');
      await reset(other);
      const c0 = threadCpu(other.pid);
      const g = check('serve, compared build', await flyRun(n, r * n, other));
      return { g, oper: perRequest(otherNames, c0, threadCpu(other.pid), n) };
    };

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
    // Compared, each build goes first equally often: an even number of repetitions.
    const reps = other ? o.reps + (o.reps % 2) : o.reps;
    for (let r = 0; r < reps; r++) {
      await reset();
      const b0 = threadCpu(bare.pid);
      const b = check('bare', await bareRun(3 * n));
      const bareCpu = perRequest(new Map(), b0, threadCpu(bare.pid), 3 * n).total;
      // The compared build goes first in every other repetition: in two A/A runs (an identical
      // build compared, 11:23-11:26, load 2.4-2.9), the one that ran first, right after the bare
      // server's loop, read 0.87x of the other on average and 1.03x when second.
      const otherFirst = other !== null && r % 2 === 1;
      const compared = otherFirst ? await comparedRun(r) : null;
      const t0 = threadCpu(def.pid);
      const f = check('serve', await flyRun(n, r * n));
      const per = perRequest(names, t0, threadCpu(def.pid), n);
      for (const k of Object.keys(per)) cpu[k].push(per[k]);
      cpu.bare.push(bareCpu);
      runs.bare.push(b.perSecond);
      runs.fly.push(f.perSecond);
      runs.bareP99.push(b.p99);
      runs.flyP50.push(f.p50);
      runs.flyP99.push(f.p99);
      /** The compared build's launches/s in this repetition (0: none compared). */
      let comparedRate = 0;
      if (other) {
        // The other build beside it, on the same bodies: the pair shares these minutes.
        const { g, oper } = compared ?? (await comparedRun(r));
        comparedRate = g.perSecond;
        cmp.rate.push(g.perSecond);
        cmp.cpu.push(oper.total);
        cmp.p99.push(g.p99);
        process.stdout.write(
          `  rep ${r + 1}, compared build: ${fmt(g.perSecond)}/s (${fmt(g.perSecond / b.perSecond)}×), p99 ${fmt(g.p99)} ms; CPU µs/launch ${Object.entries(
            oper,
          )
            .map(([k, v]) => `${k} ${fmt(v)}`)
            .join(', ')}\n`,
        );
      }
      // GET /healthz on both, CPU per request: what a request costs before it is a launch.
      const hb0 = threadCpu(bare.pid);
      check('bare /healthz', await healthRun(bare.port, {}));
      const healthBare = perRequest(new Map(), hb0, threadCpu(bare.pid), n).total;
      const h0 = threadCpu(def.pid);
      check('serve /healthz', await healthRun(def.port, def.headers));
      const hper = perRequest(names, h0, threadCpu(def.pid), n);
      health.total.push(hper.total);
      health.proxy.push(hper.proxy);
      health.host.push(hper.host);
      health.bare.push(healthBare);
      // Open loop at half the bare server's rate of this repetition, both sides.
      await reset();
      const paced = {
        headers: {},
        rate: b.perSecond / 2,
        seconds: o.pacedSeconds,
        bodies,
        subscribers: 0,
        settleMs: 0,
      };
      const pb = check('bare paced', await load.paced({ ...paced, port: bare.port }));
      const pf = await load.paced({ ...paced, port: def.port, headers: def.headers });
      runs.pacedBare.push(pb.p99);
      runs.pacedFly.push(pf.p99);
      // Half the bare rate is more than serve sustains, so that row measures a queue. Half of
      // serve's own closed-loop rate says what a launch costs a user who is not saturating it.
      await reset();
      const own = await load.paced({ ...paced, rate: f.perSecond / 2, port: def.port, headers: def.headers });
      runs.ownHalf.push(own.p99);
      runs.ownHalfRate.push(f.perSecond / 2);
      if (other) {
        // The compared build goes through the same overload and /healthz runs (not recorded), so
        // both start each repetition from the same history.
        check('serve /healthz, compared build', await healthRun(other.port, other.headers));
        await reset(other);
        await load.paced({ ...paced, port: other.port, headers: other.headers });
        await reset(other);
        await load.paced({ ...paced, rate: comparedRate / 2, port: other.port, headers: other.headers });
      }
      process.stdout.write(
        `  rep ${r + 1}: bare ${fmt(b.perSecond)}/s, serve ${fmt(f.perSecond)}/s (${fmt(f.perSecond / b.perSecond)}×), p50 ${fmt(f.p50)} p99 ${fmt(f.p99)} ms; at ${fmt(b.perSecond / 2)}/s p99 ${fmt(pf.p99)} ms (bare ${fmt(pb.p99)})${notCreated(pf)}, at its own half ${fmt(f.perSecond / 2)}/s p99 ${fmt(own.p99)} ms${notCreated(own)}; CPU µs/launch ${Object.entries(
          per,
        )
          .map(([k, v]) => `${k} ${fmt(v)}`)
          .join(
            ', ',
          )}; bare ${fmt(bareCpu)}; GET /healthz CPU µs ${fmt(hper.total)} (proxy ${fmt(hper.proxy)}, host ${fmt(hper.host)}), bare ${fmt(healthBare)}\n`,
      );
      await sleep(50);
    }
    const cmd = 'npm run bench -- launch';
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
    if (other)
      report.add({
        bench: 'launch',
        name: `launches through \`flylight serve\`: this build against ${compareRoot} (BENCH_COMPARE), alternated`,
        unit: 'launches/s',
        better: 'higher',
        subject: { label: 'this build', runs: runs.fly },
        baseline: { label: 'compared build', runs: cmp.rate },
        note: `CPU per launch ${fmt(median(cpu.total))} µs against ${fmt(median(cmp.cpu))} µs; closed-loop p99 ${fmt(median(runs.flyP99))} against ${fmt(median(cmp.p99))} ms`,
        command: `BENCH_COMPARE=${compareRoot} ${cmd}`,
      });
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
    await bare.stop();
    await def.stop();
    await other?.stop();
  }
  if (problems.length > 0) throw new Error(`unexpected answers:\n  ${problems.slice(0, 10).join('\n  ')}`);
}
