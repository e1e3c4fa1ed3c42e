#!/usr/bin/env node
// Three hosts sharing a big fleet (issue 13: 300,000 machines, each host owning ~100k): how long
// until the fleet is ready on every host and how much memory each host takes, against one host
// that owns the same fleet alone (the embedded LMDB store, `flylight serve --regions FILE`).
//
// The fleet is `flylight gen-fleet --regions 35 --machines N --seed 1`. Each repetition starts a
// fresh etcd member (default quota, 2 GB) and spawns the three hosts at once, as three engineers
// would start theirs: the first to claim the seed writes the fleet into etcd in chunks, the
// others wait for it and read it. Ready on a host = from its spawn to its first answered launch
// (POST /v1/vms answered 201). Ownership settled = every machine held by a live host, each host
// holding about a third (GET /v1/cluster). RSS is each whole process (worker threads included)
// once ownership has settled, and its peak (VmHWM). The baseline runs in the same repetition.
//
// `node bench/etcd-fleet.js` (or `npm run bench -- etcd`); needs /usr/bin/etcd (etcd-server).

import { performance } from 'node:perf_hooks';
import { Etcd3 } from 'etcd3';
import { startEtcdMember } from './lib/etcd-proc.js';
import { heading, Report } from './lib/report.js';
import { get, startServe, writeFleet } from './lib/serve-proc.js';
import { fmt, sleep } from './lib/stats.js';

const HOSTS = 3;
/** How long a host may take to its first answered launch before the run counts as failed. */
const READY_LIMIT_MS = 600_000;
/** How long ownership may take to settle before RSS is read anyway (and the note says so). */
const SETTLE_LIMIT_MS = 300_000;

/**
 * Launches one small VM until one is answered 201; ms from `spawnedAt` to that answer.
 * @param {import('./lib/serve-proc.js').Served} h @param {number} spawnedAt @param {string} region
 */
async function firstLaunch(h, spawnedAt, region) {
  const body = JSON.stringify({ region, cores: 1, memory_gb: 1 });
  let last = '';
  while (performance.now() - spawnedAt < READY_LIMIT_MS) {
    const r = await get(h.port, '/v1/vms', h.headers, 'POST', body);
    if (r.status === 201) return performance.now() - spawnedAt;
    last = `${r.status} ${r.text.slice(0, 200)}`;
    await sleep(r.status === 0 ? 20 : 50);
  }
  throw new Error(`${h.label}: no launch answered 201 within ${READY_LIMIT_MS / 1000} s (last: ${last})`);
}

/**
 * Machines held per host, read from etcd's owner keys in pages (300k keys are over gRPC's 4 MB
 * message limit in one read). @param {Etcd3} client @returns {Promise<Map<string, number>>}
 */
async function ownerCounts(client) {
  const prefix = Buffer.from('/flylight/owners/');
  const end = Buffer.from('/flylight/owners0'); // '0' follows '/'
  /** @type {Map<string, number>} */
  const counts = new Map();
  let from = prefix;
  for (;;) {
    const res = await client.kv.range({ key: from, range_end: end, limit: 50_000 });
    for (const kv of res.kvs) {
      const host = kv.value.toString();
      counts.set(host, (counts.get(host) ?? 0) + 1);
    }
    const last = res.kvs[res.kvs.length - 1];
    if (!res.more || !last) return counts;
    from = Buffer.concat([last.key, Buffer.from([0])]);
  }
}

/**
 * Waits until every machine is held and each of the hosts holds at least half its share, or
 * SETTLE_LIMIT_MS have passed; the counts either way.
 * @param {Etcd3} client @param {number} machines @param {number} spawnedAt
 */
async function ownershipSettled(client, machines, spawnedAt) {
  let owned = [0];
  while (performance.now() - spawnedAt < SETTLE_LIMIT_MS) {
    const counts = await ownerCounts(client).catch(() => new Map());
    owned = [...counts.values()].sort((a, b) => b - a);
    const total = owned.reduce((a, b) => a + b, 0);
    if (owned.length === HOSTS && total === machines && owned.every((n) => n >= machines / HOSTS / 2)) {
      return { ms: performance.now() - spawnedAt, owned, settled: true };
    }
    await sleep(1000);
  }
  return { ms: performance.now() - spawnedAt, owned, settled: false };
}

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{reps: number, machines: number}} o
 */
export async function run(report, o) {
  heading(
    `${HOSTS} hosts sharing a ${fmt(o.machines)}-machine fleet through one etcd (started together) vs one host owning it alone (LMDB)`,
  );
  const { file } = await writeFleet(o.machines);
  const region = 'AMS';
  /** @type {{ready: number[], alone: number[], rss: number[], aloneRss: number[], notes: string[]}} */
  const runs = { ready: [], alone: [], rss: [], aloneRss: [], notes: [] };
  for (let rep = 0; rep < o.reps; rep++) {
    // Baseline: one host, the same file, its own LMDB (fresh data directory).
    const t0 = performance.now();
    const single = await startServe({ label: 'alone', args: ['--regions', file], limitMs: READY_LIMIT_MS });
    try {
      runs.alone.push(await firstLaunch(single, t0, region));
      runs.aloneRss.push(single.rssMb());
      process.stdout.write(
        `  one host alone: first 201 after ${fmt(runs.alone[rep])} ms, RSS ${fmt(runs.aloneRss[rep])} MB\n`,
      );
    } finally {
      await single.stop();
    }

    const etcd = await startEtcdMember();
    /** @type {import('./lib/serve-proc.js').Served[]} */
    const hosts = [];
    try {
      const store = ['--store', `etcd://${etcd.endpoint}`];
      const spawned = performance.now();
      const started = await Promise.all(
        Array.from({ length: HOSTS }, async (_, i) => {
          const began = performance.now();
          const h = await startServe({
            label: `host ${i + 1}`,
            args: ['--regions', file, ...store],
            limitMs: READY_LIMIT_MS,
          });
          hosts.push(h);
          return { h, began };
        }),
      );
      const ready = await Promise.all(started.map(({ h, began }) => firstLaunch(h, began, region)));
      const atReady = started.map(({ h }) => h.rssMb());
      process.stdout.write(`  ready on every host: ${ready.map((ms) => fmt(ms)).join(' / ')} ms\n`);
      const client = new Etcd3({ hosts: etcd.clientUrl });
      try {
        const settled = await ownershipSettled(client, o.machines, spawned);
        const rss = started.map(({ h }) => h.rssMb());
        const peak = started.map(({ h }) => h.peakRssMb());
        const status = await client.maintenance.status();
        runs.ready.push(Math.max(...ready));
        runs.rss.push(Math.max(...rss));
        runs.notes.push(
          `ready ${ready.map((ms) => fmt(ms)).join(' / ')} ms (RSS then ${atReady.map((mb) => fmt(mb)).join(' / ')} MB); ${settled.settled ? 'owners settled' : 'owners NOT settled'} after ${fmt(settled.ms)} ms (${settled.owned.map((n) => fmt(n)).join(' / ')} machines), RSS then ${rss.map((mb) => fmt(mb)).join(' / ')} MB (peak ${peak.map((mb) => fmt(mb)).join(' / ')}); etcd db ${fmt(Number(status.dbSize) / 1024 ** 2)} MB`,
        );
        process.stdout.write(`  ${runs.notes[runs.notes.length - 1]}\n`);
      } finally {
        client.close();
      }
    } finally {
      await Promise.all(hosts.map((h) => h.stop()));
      await etcd.stop();
    }
  }
  const command = `flylight serve --regions gen-fleet-${o.machines}.csv --store etcd://… (×${HOSTS}, started together)`;
  report.add({
    bench: 'etcd',
    name: `time until a ${fmt(o.machines)}-machine fleet is ready on each of ${HOSTS} hosts sharing one etcd`,
    unit: 'ms',
    better: 'lower',
    subject: { label: `slowest of ${HOSTS} hosts, spawn → 201`, runs: runs.ready },
    baseline: { label: 'one host alone (LMDB), spawn → 201', runs: runs.alone },
    command,
    note: runs.notes.join('; '),
  });
  report.add({
    bench: 'etcd',
    name: `RSS of each of ${HOSTS} hosts sharing a ${fmt(o.machines)}-machine fleet (largest)`,
    unit: 'MB',
    better: 'lower',
    subject: { label: `largest of ${HOSTS} hosts, owners settled or ${SETTLE_LIMIT_MS / 1000} s`, runs: runs.rss },
    baseline: { label: 'one host alone (LMDB), first launch', runs: runs.aloneRss },
    command,
    note: 'whole process, worker threads included (VmRSS); each host runs the actors of the machines it owns only',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run(new Report(), {
    reps: Number(process.env.BENCH_REPS) || 1,
    machines: Number(process.env.BENCH_ETCD_MACHINES) || 300_000,
  });
}
