#!/usr/bin/env node
// One fleet, many hosts: launches per second through 1, 2 and 3 `flylight serve` processes
// sharing one etcd member, against the etcd3 client doing the same transactions directly on
// the same member (the physical limit of this design: every launch is one compare-and-swap of a
// machine's row, its VM and its Idempotency-Key, and etcd serialises them).
//
// Each host is started as a user starts one (`flylight serve --store etcd://…`, the default
// fleet, instant timing so the figure is the platform's cost, not simulated stage times). Hosts
// join one at a time; with k hosts the load is split evenly over them, C/k keep-alive clients
// each. Before every run the fleet is reset (untimed) so it never fills. The baseline runs in
// the same repetition, interleaved, on its own key prefix with C workers.
//
// `node bench/etcd.js` (or `npm run bench -- etcd`); needs /usr/bin/etcd (etcd-server).

import { performance } from 'node:perf_hooks';
import { Etcd3 } from 'etcd3';
import { startEtcdMember } from './lib/etcd-proc.js';
import { RemoteLoad } from './lib/load-remote.js';
import { heading, Report } from './lib/report.js';
import { get, startServe } from './lib/serve-proc.js';
import { fmt, rng, sleep } from './lib/stats.js';
import { launchBodies } from './serve.js';

/** The default fleet's size, for the baseline's machines (mostly 16 cores, 32 GB). */
const BASE_MACHINES = 215;

/** A VM record as the store writes it to etcd (StoredVm: the record, its key and its driver). */
function vmRecord(/** @type {string} */ id, /** @type {string} */ machine, /** @type {string} */ key) {
  const at = new Date().toISOString();
  return JSON.stringify({
    id,
    region: 'AMS',
    machine_id: machine,
    memory_gb: 1,
    cores: 1,
    state: 'started',
    created_at: at,
    updated_at: at,
    idempotency_key: key,
    driver: '3f2a9c1e',
  });
}

/** A machine row as the store writes it (MachineState). */
function machineRow(/** @type {number} */ used) {
  return JSON.stringify({
    version: used,
    cores_allocated: used,
    memory_allocated_gb: used,
    vm_count: used,
    updated_at: new Date().toISOString(),
    operator_status: null,
  });
}

/**
 * The baseline: `n` launches as etcd transactions, `concurrency` at a time, each the one the
 * store sends for a new VM under a key (if the machine row, the VM and the key are as last seen:
 * put all three, with records of the store's size; else read the three and try again), spread
 * over `clients` (one per host), each of which watches the prefix as every host watches the
 * fleet, so etcd delivers every change to as many watchers as it does for the hosts.
 * @param {Etcd3[]} clients @param {string} prefix @param {number} n @param {number} concurrency
 */
async function direct(clients, prefix, n, concurrency) {
  const [first] = clients;
  await first.delete().prefix(prefix);
  let events = 0;
  const watchers = await Promise.all(
    clients.map((c) =>
      c
        .watch()
        .prefix(prefix)
        .create()
        .then((w) => w.on('data', (res) => (events += res.events.length))),
    ),
  );
  /** @type {Map<string, {mod: string, cores: number}>} */
  const rows = new Map();
  const random = rng(7);
  let next = 0;
  let conflicts = 0;
  const worker = async (/** @type {number} */ w) => {
    const client = clients[w % clients.length];
    for (let i = next++; i < n; i = next++) {
      const machine = `m${Math.floor(random() * BASE_MACHINES)}`;
      const mKey = `${prefix}machines/${machine}`;
      const vmId = `vm-${i}`;
      const vKey = `${prefix}vms/${vmId}`;
      const kKey = `${prefix}keys/k${i}`;
      for (;;) {
        const row = rows.get(machine) ?? { mod: '0', cores: 0 };
        const res = await client
          .if(mKey, 'Mod', '==', row.mod)
          .and(vKey, 'Mod', '==', 0)
          .and(kKey, 'Create', '==', 0)
          .then(
            client.put(mKey).value(machineRow(row.cores + 1)),
            client.put(vKey).value(vmRecord(vmId, machine, `k${i}`)),
            client.put(kKey).value(vmId),
          )
          .else(client.get(mKey), client.get(vKey), client.get(kKey))
          .commit();
        if (res.succeeded) {
          rows.set(machine, { mod: res.header.revision, cores: row.cores + 1 });
          break;
        }
        conflicts++;
        const kv = res.responses[0]?.response_range?.kvs[0];
        rows.set(machine, {
          mod: kv ? kv.mod_revision : '0',
          cores: kv ? JSON.parse(kv.value.toString()).cores_allocated : 0,
        });
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const perSecond = n / ((performance.now() - t0) / 1000);
  await Promise.all(watchers.map((w) => w.cancel()));
  return { perSecond, conflicts, events };
}

/** Launches per host in one run. @param {{requests: number}} o @param {number} k */
const launchesPerRun = (o, k) => Math.floor(o.requests / k) * k;

/** A host's etcd calls so far (its /metrics). @param {import('./lib/serve-proc.js').Served} h */
async function roundTrips(h) {
  const r = await get(h.port, '/metrics', h.headers);
  const m = /^flylight_etcd_round_trips_total (\d+)/m.exec(r.text);
  return m ? Number(m[1]) : Number.NaN;
}

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{reps: number, requests: number, concurrency: number, hosts?: number[]}} o
 */
export async function run(report, o) {
  const counts = o.hosts ?? [1, 2, 3];
  heading(
    `One fleet, many hosts: launches/s through ${counts.join(', ')} hosts sharing one etcd vs the etcd3 client's own transactions (${o.requests} launches, ${o.concurrency} clients)`,
  );
  const etcd = await startEtcdMember();
  const load = new RemoteLoad();
  /** One client per host in the baseline, each with its own connection, as the hosts have. */
  const clients = [1, 2, 3].map(() => new Etcd3({ hosts: etcd.clientUrl }));
  /** @type {import('./lib/serve-proc.js').Served[]} */
  const hosts = [];
  try {
    for (const k of counts) {
      while (hosts.length < k) {
        hosts.push(
          await startServe({ label: `host ${hosts.length + 1}`, args: ['--store', `etcd://${etcd.endpoint}`] }),
        );
      }
      await sleep(500); // ownership settles after a join
      const bodies = await launchBodies(hosts[0], o.requests, () => 1);
      /** @type {number[]} */
      const subject = [];
      /** @type {number[]} */
      const baseline = [];
      let unexpected = 0;
      let conflicts = 0;
      let calls = 0;
      for (let rep = 0; rep < o.reps; rep++) {
        const base = await direct(clients.slice(0, k), '/bench-direct/', o.requests, o.concurrency);
        baseline.push(base.perSecond);
        conflicts += base.conflicts;
        const reset = await get(hosts[0].port, '/v1/reset', hosts[0].headers, 'POST', '{}');
        if (reset.status !== 200)
          throw new Error(`POST /v1/reset answered ${reset.status}: ${reset.text.slice(0, 200)}`);
        await sleep(300); // every host rebuilds from the reset
        const per = Math.floor(o.requests / k);
        const before = await Promise.all(hosts.slice(0, k).map(roundTrips));
        const t0 = performance.now();
        const runs = await Promise.all(
          hosts.slice(0, k).map((h, i) =>
            load.closed({
              port: h.port,
              headers: h.headers,
              concurrency: Math.max(1, Math.round(o.concurrency / k)),
              n: per,
              bodies,
              offset: i * per,
            }),
          ),
        );
        subject.push((per * k) / ((performance.now() - t0) / 1000));
        const after = await Promise.all(hosts.slice(0, k).map(roundTrips));
        calls += after.reduce((sum, a, i) => sum + a - (before[i] ?? 0), 0);
        for (const r of runs) unexpected += Object.values(r.unexpected).reduce((a, b) => a + b, 0);
      }
      report.add({
        bench: 'etcd',
        name: `launches/s through ${k} host${k === 1 ? '' : 's'} sharing one etcd`,
        unit: 'launches/s',
        better: 'higher',
        subject: { label: `${k} × flylight serve --store etcd`, runs: subject },
        baseline: { label: 'etcd3 client, same transactions', runs: baseline },
        target: { on: 'ratio', op: '>=', value: 0.5 },
        note: `${unexpected} answers other than 201; the hosts made ${fmt(calls / (launchesPerRun(o, k) * o.reps))} etcd calls per launch (transactions of one turn go as one, lease renewals counted too); the baseline sends each launch's transaction alone, with ${k} watcher${k === 1 ? '' : 's'}, and lost ${conflicts} compare-and-swaps and retried them`,
      });
      if (unexpected > o.requests * o.reps * 0.01) {
        throw new Error(`${unexpected} launches through ${k} hosts were not answered 201`);
      }
    }
  } finally {
    for (const c of clients) c.close();
    load.close();
    await Promise.all(hosts.map((h) => h.stop()));
    await etcd.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run(new Report(), {
    reps: Number(process.env.BENCH_REPS) || 3,
    requests: Number(process.env.BENCH_REQUESTS) || 2000,
    concurrency: Number(process.env.BENCH_CONCURRENCY) || 16,
  });
}
