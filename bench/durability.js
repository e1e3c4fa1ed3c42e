#!/usr/bin/env node
// What durability costs: launches per second of the store's LMDB commit pattern (one VM record
// and one machine record per launch, in one transaction) under each way of acknowledging it.
//
//   ack-on-commit    overlappingSync (lmdb-js default on Linux), ack when the commit is visible:
//                    survives kill -9, not power loss (the flush happens after the ack)
//   ack-on-flush     overlappingSync, ack after `flushed` (what Flylight did): every launch in a
//                    batch waits for that batch's one fsync, so it survives power loss too
//   sync-in-thread   what Flylight did: the launches asked for in one turn are committed in one
//                    synchronous transaction on the calling thread (LMDB syncs the data, then
//                    the meta page, before it returns); the thread waits for both syncs
//   meta-on-pool     what Flylight does: the same transaction with noMetaSync (LMDB still syncs
//                    the data before it writes the meta page), then the meta page's fdatasync on
//                    libuv's pool, shared by the turns committed meanwhile; acknowledged after it
//   sync-commit      overlappingSync off: the fsync happens inside the commit, under the lock
//   no-sync          never fsync: the OS writes when it likes (not safe even for kill -9
//                    with respect to power loss, and not what a store should do)
//
// `node bench/durability.js` (or `npm run bench -- durability`). BENCH_DURATION_MS per case
// (default 1500). The machine is shared: read the ratios, not the absolute numbers.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { open } from 'lmdb';
import { heading, Report } from './lib/report.js';
import { loadFileSync } from './lib/store-bundle.js';

const CASES = {
  'ack-on-commit': { options: {}, awaitFlush: false },
  'ack-on-flush': { options: {}, awaitFlush: true },
  'sync-in-thread': { options: {}, awaitFlush: false, inThread: true },
  'meta-on-pool': { options: { noMetaSync: true }, awaitFlush: false, inThread: true, metaOnPool: true },
  'sync-commit': { options: { overlappingSync: false }, awaitFlush: false },
  'no-sync': { options: { noSync: true, overlappingSync: false }, awaitFlush: false },
};

const CASE_NOTES = {
  'ack-on-flush': 'what Flylight did: the 201 after the batch is on disk, lmdb-js write thread',
  'sync-in-thread': 'what Flylight did: one synchronous transaction a turn, both syncs on the store thread',
  'meta-on-pool': "what Flylight does: the data synced in the transaction, the meta page on libuv's pool",
  'sync-commit': 'fsync inside the commit, under the write lock',
  'no-sync': 'no fsync at all: for comparison only',
};

async function measure(name, concurrency, durationMs) {
  const { options, awaitFlush, inThread, metaOnPool } = CASES[name];
  const dir = mkdtempSync(join(tmpdir(), 'flylight-durability-'));
  const path = join(dir, 'store.lmdb');
  const root = open({ path, maxDbs: 8, ...options });
  const fileSync = metaOnPool ? new (await loadFileSync()).FileSync(path) : null;
  const vms = root.openDB({ name: 'vms' });
  const machines = root.openDB({ name: 'machines' });
  let n = 0;
  const latencies = [];
  // sync-in-thread: a turn's writes gathered, then one transactionSync (store/group-commit.ts).
  /** @type {{put: () => void, done: (v?: unknown) => void}[]} */
  let queued = [];
  const inTurn = (/** @type {() => void} */ put) =>
    new Promise((done) => {
      if (queued.push({ put, done }) > 1) return;
      setImmediate(() => {
        const batch = queued;
        queued = [];
        root.transactionSync(() => {
          for (const q of batch) q.put();
        });
        if (!fileSync) for (const q of batch) q.done();
        else
          void fileSync.sync().then(() => {
            for (const q of batch) q.done();
          });
      });
    });
  const end = performance.now() + durationMs;
  const worker = async (w) => {
    while (performance.now() < end) {
      const id = `vm-${w}-${n++}`;
      const t0 = performance.now();
      const put = () => {
        void vms.put(id, { id, region: 'SIN', machine_id: `m-${w}`, memory_gb: 1, cores: 1 });
        void machines.put(`m-${w}`, { cores_allocated: n % 32, memory_allocated_gb: n % 256 });
      };
      if (inThread) await inTurn(put);
      else await root.transaction(put);
      if (awaitFlush) await root.flushed;
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const seconds = (performance.now() - t0) / 1000;
  await fileSync?.close();
  await root.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    launches_per_s: Math.round(latencies.length / seconds),
    p50_ms: +q(0.5).toFixed(2),
    p99_ms: +q(0.99).toFixed(2),
  };
}

/**
 * Runs every case `reps` times, interleaved so that drift of a shared machine hits all alike,
 * and records each against ack-on-commit (the old acknowledgement) measured in the same rounds.
 * @param {import('./lib/report.js').Report} report
 */
export async function run(report, { reps = 3, durationMs = Number(process.env.BENCH_DURATION_MS) || 1500 } = {}) {
  heading(`Durability: launches/s of the LMDB commit per acknowledgement mode (${durationMs} ms per run)`);
  const results = {};
  for (const concurrency of [1, 64]) {
    /** @type {Record<string, number[]>} */
    const runs = Object.fromEntries(Object.keys(CASES).map((k) => [k, []]));
    for (let i = 0; i < reps; i++) {
      for (const name of Object.keys(CASES))
        runs[name].push((await measure(name, concurrency, durationMs)).launches_per_s);
    }
    for (const name of Object.keys(CASES)) {
      if (name === 'ack-on-commit') continue;
      report.add({
        bench: 'durability',
        name: `launches/s, ${concurrency} in flight`,
        unit: 'launches/s',
        better: 'higher',
        subject: { label: name, runs: runs[name] },
        baseline: { label: 'ack-on-commit', runs: runs['ack-on-commit'] },
        note: CASE_NOTES[name],
      });
    }
    results[concurrency] = runs;
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const report = new Report();
  await run(report, { reps: Number(process.env.BENCH_REPS) || 3 });
}
