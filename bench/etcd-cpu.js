#!/usr/bin/env node
// Where a launch's CPU goes when hosts share one etcd: k `flylight serve --store etcd` processes
// on one etcd member, launches through host 1 only, and each process's (and each host's
// threads') CPU time per launch from /proc (lib/thread-cpu.js): the launching host, each
// follower (which only applies the launch's changes from its watch), etcd itself and the load
// client. CPU time is what the etcd bench's throughput is made of on a 2-core machine, and it
// depends far less on who else uses the machine than a rate does.
//
// `node bench/etcd-cpu.js` (BENCH_HOSTS=3, BENCH_REQUESTS=2000 a repetition, BENCH_REPS=5;
// BENCH_THROUGH=all sends them through every host instead, as bench/etcd.js does).
// BENCH_COMPARE=/path/to/another/checkout (built): that build's hosts too, on their own etcd
// member, alternated with this build's repetition by repetition (a before/after pair measured
// in the same minutes). BENCH_CPU_PROF=DIR: this build's hosts run with --cpu-prof into DIR.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { nameThreads } from './launch.js';
import { startEtcdMember } from './lib/etcd-proc.js';
import { RemoteLoad } from './lib/load-remote.js';
import { get, startServe } from './lib/serve-proc.js';
import { fmt, median, sleep } from './lib/stats.js';
import { processCpu, threadCpu } from './lib/thread-cpu.js';
import { launchBodies } from './serve.js';

const K = Number(process.env.BENCH_HOSTS) || 3;
const N = Number(process.env.BENCH_REQUESTS) || 2000;
const REPS = Number(process.env.BENCH_REPS) || 5;
const C = Number(process.env.BENCH_CONCURRENCY) || 16;
/** BENCH_CPU_PROF=DIR: this build's hosts write V8 CPU profiles there (every thread, at exit). */
const PROFILE = process.env.BENCH_CPU_PROF;
/** BENCH_NODE_ARGS: more flags for node running this build's hosts (say `-r ./probe.cjs`). */
const EXTRA = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** BENCH_THROUGH=all: launches through every host (as bench/etcd.js sends them), not host 1 alone. */
const ALL = process.env.BENCH_THROUGH === 'all';

/** Context switches (voluntary and not) of every thread of a process so far. @param {number} pid */
function switches(pid) {
  let n = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      for (const m of readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8').matchAll(/ctxt_switches:\s+(\d+)/g))
        n += Number(m[1]);
    } catch {
      // the thread ended
    }
  }
  return n;
}

/** A host's etcd counters from its /metrics. @param {import('./lib/serve-proc.js').Served} h */
async function etcdCounters(h) {
  const text = (await get(h.port, '/metrics', h.headers)).text;
  /** @type {Record<string, number>} */
  const out = {};
  for (const k of ['round_trips', 'txns', 'txn_conflicts']) {
    const m = new RegExp(`^flylight_etcd_${k}_total (\\d+)`, 'm').exec(text);
    out[k] = m ? Number(m[1]) : Number.NaN;
  }
  return out;
}

/** A set of hosts of one build on their own etcd member. @param {string} label @param {string | undefined} cli */
async function fleetOf(label, cli) {
  const etcd = await startEtcdMember();
  /** @type {import('./lib/serve-proc.js').Served[]} */
  const hosts = [];
  for (let i = 0; i < K; i++) {
    hosts.push(
      await startServe({
        label: `${label} host ${i + 1}`,
        args: ['--store', `etcd://${etcd.endpoint}`],
        ...(cli ? { cli } : { nodeArgs: [...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir', PROFILE] : []), ...EXTRA] }),
      }),
    );
  }
  return { label, etcd, hosts, etcdPid: etcd.pid, names: /** @type {Map<number, string>[]} */ ([]) };
}

/** @param {Map<number, string>} names @param {Map<number, number>} a @param {Map<number, number>} b */
function split(names, a, b) {
  /** @type {Record<string, number>} */
  const out = { host: 0, store: 0, orchestrator: 0, proxy: 0, other: 0, total: 0 };
  for (const [tid, ns] of b) {
    const d = (ns - (a.get(tid) ?? 0)) / 1000 / N;
    out[names.get(tid) ?? 'other'] += d;
    out.total += d;
  }
  return out;
}

const load = new RemoteLoad();
const compare = process.env.BENCH_COMPARE;
const fleets = [await fleetOf('this build', undefined)];
if (compare) fleets.push(await fleetOf(compare, join(compare, 'bin', 'flylight.js')));
try {
  const first = fleets[0]?.hosts[0];
  if (!first) throw new Error('no host');
  const bodies = await launchBodies(first, N, () => 1);
  const reset = async (/** @type {import('./lib/serve-proc.js').Served} */ h) => {
    const r = await get(h.port, '/v1/reset', h.headers, 'POST', '{}');
    if (r.status !== 200) throw new Error(`POST /v1/reset answered ${r.status}: ${r.text.slice(0, 200)}`);
    await sleep(300);
  };
  let round = 0;
  const through = (/** @type {import('./lib/serve-proc.js').Served[]} */ hs, /** @type {number} */ c) =>
    Promise.all(
      hs.map((h, i) =>
        load.closed({
          port: h.port,
          headers: h.headers,
          concurrency: Math.max(1, Math.round(c / hs.length)),
          n: Math.floor(N / hs.length),
          bodies,
          offset: i * Math.floor(N / hs.length),
          keyPrefix: `r${++round}-`,
        }),
      ),
    );
  // Warm-up: 4 × N launches through every host (JIT on every thread), naming each host's threads.
  for (const f of fleets) {
    const t0 = f.hosts.map((h) => threadCpu(h.pid));
    for (let i = 0; i < 4; i++) {
      await reset(f.hosts[0]);
      await through(f.hosts, C);
    }
    f.names = f.hosts.map((h, i) => nameThreads(h.pid, t0[i] ?? new Map(), threadCpu(h.pid)));
  }
  /** @type {Record<string, Record<string, number[]>>} */
  const acc = {};
  const push = (/** @type {string} */ who, /** @type {string} */ k, /** @type {number} */ v) => {
    const of = acc[who] ?? {};
    acc[who] = of;
    const list = of[k] ?? [];
    list.push(v);
    of[k] = list;
  };
  for (let rep = 0; rep < REPS; rep++) {
    // Alternate which build goes first, so neither always follows the other's aftermath.
    const order = rep % 2 === 0 ? fleets : [...fleets].reverse();
    for (const f of order) {
      const launcher = f.hosts[0];
      if (!launcher) continue;
      await reset(launcher);
      const t0 = f.hosts.map((h) => threadCpu(h.pid));
      const e0 = processCpu(f.etcdPid);
      const l0 = processCpu(load.child.pid ?? 0);
      const w0 = performance.now();
      const x0 = f.hosts.map((h) => switches(h.pid));
      const m0 = await Promise.all(f.hosts.map(etcdCounters));
      const rs = await through(ALL ? f.hosts : [launcher], C);
      const m1 = await Promise.all(f.hosts.map(etcdCounters));
      for (const k of ['round_trips', 'txns', 'txn_conflicts']) {
        push(f.label, `${k}/launch`, m1.reduce((a, m, i) => a + (m[k] ?? 0) - (m0[i]?.[k] ?? 0), 0) / N);
      }
      const x1 = f.hosts.map((h) => switches(h.pid));
      push(f.label, 'switches/launch', x1.reduce((a, x, i) => a + x - (x0[i] ?? 0), 0) / N);
      const r = { unexpected: Object.assign({}, ...rs.map((x) => x.unexpected)) };
      const wall = performance.now() - w0;
      const t1 = f.hosts.map((h) => threadCpu(h.pid));
      const lead = split(f.names[0] ?? new Map(), t0[0] ?? new Map(), t1[0] ?? new Map());
      const followers = f.hosts
        .slice(1)
        .map((_, i) => split(f.names[i + 1] ?? new Map(), t0[i + 1] ?? new Map(), t1[i + 1] ?? new Map()));
      const etcd = (processCpu(f.etcdPid) - e0) / 1000 / N;
      const client = (processCpu(load.child.pid ?? 0) - l0) / 1000 / N;
      const bad = Object.values(r?.unexpected ?? {}).reduce((a, b) => a + b, 0);
      push(f.label, 'rate', N / (wall / 1000));
      for (const [k, v] of Object.entries(lead)) push(f.label, `launcher ${k}`, v);
      for (const fo of followers) {
        push(f.label, 'follower store', fo.store);
        push(f.label, 'follower total', fo.total);
      }
      push(f.label, 'etcd', etcd);
      push(f.label, 'client', client);
      process.stdout.write(
        `rep ${rep + 1} ${f.label}: ${fmt(N / (wall / 1000))} launches/s${bad ? ` (${bad} not 201)` : ''}; CPU µs/launch: launcher ${Object.entries(
          lead,
        )
          .map(([k, v]) => `${k} ${fmt(v)}`)
          .join(
            ', ',
          )}; followers ${followers.map((fo) => `store ${fmt(fo.store)} total ${fmt(fo.total)}`).join(' | ')}; etcd ${fmt(etcd)}; client ${fmt(client)}\n`,
      );
    }
  }
  process.stdout.write(`\nmedians over ${REPS} repetitions of ${N} launches through host 1 of ${K}:\n`);
  for (const [who, ks] of Object.entries(acc)) {
    process.stdout.write(
      `  ${who}: ${Object.entries(ks)
        .map(([k, v]) => `${k} ${fmt(median(v))}`)
        .join(', ')}\n`,
    );
  }
} finally {
  load.close();
  for (const f of fleets) {
    await Promise.all(f.hosts.map((h) => h.stop()));
    await f.etcd.stop();
  }
}
