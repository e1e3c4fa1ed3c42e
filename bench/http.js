// Launches over HTTP through the real host (out/main/host.js: proxy, orchestrator and store
// worker threads) against a bare node:http server in a worker thread of this same process,
// both driven by the same keep-alive client. Then the same launches with a dashboard's event
// stream open, to see what fan-out costs and how fast changes reach the watcher.

import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bootstrapRegions, makeMachines, toCsv } from './lib/fleet-data.js';
import { LoadClient } from './lib/http-load.js';
import { heading } from './lib/report.js';
import { watchEvents } from './lib/sse-watch.js';
import { fmt, rng, sleep } from './lib/stats.js';
import { CACHE, loadStore, ROOT } from './lib/store-bundle.js';

const HOST_BUNDLE = join(ROOT, 'out', 'main', 'host.js');
const TOKEN = 'B'.repeat(43);
const FLYD_INTERVAL_MS = 1000;
const BASELINE_FACTOR = 3;
/** src/shared/timing.ts's INSTANT, for the in-process host (the bench is plain JS). */
const INSTANT_TIMING = {
  name: 'instant',
  stages: Object.fromEntries(
    ['create', 'start', 'resume', 'stop', 'suspend', 'restart', 'destroy'].map((s) => [
      s,
      { delay_ms: 0, jitter_ms: 0, failure: 0 },
    ]),
  ),
  degraded_factor: 1,
};

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{reps: number, requests: number, concurrency: number, machines: number}} o
 */
export async function run(report, { reps, requests, concurrency, machines: machineCount }) {
  heading(
    `Launch over HTTP: POST /v1/vms, ${concurrency} keep-alive clients, ${fmt(requests)} launches per run (baseline ${BASELINE_FACTOR}×), ${fmt(machineCount)} machines`,
  );
  if (!existsSync(HOST_BUNDLE)) {
    throw new Error(`${HOST_BUNDLE} is missing: the benchmark drives the built host; run \`npm run build\` first`);
  }
  const newest = Math.max(newestSource(join(ROOT, 'src', 'main')), newestSource(join(ROOT, 'src', 'shared')));
  if (newest > statSync(HOST_BUNDLE).mtimeMs) {
    process.stdout.write(
      '  NOTE: out/main is older than src/main or src/shared; `npm run build` to measure the current code\n',
    );
  }
  const store = await loadStore();
  const regions = bootstrapRegions(store);
  const regionsFile = join(CACHE, `regions-${machineCount}.csv`);
  writeFileSync(regionsFile, toCsv(regions, makeMachines(regions, machineCount)));

  // Small VMs into random regions: the fleet never fills, so every launch is a 201.
  const random = rng(21);
  const bodies = Array.from({ length: 4096 }, () =>
    JSON.stringify({
      region: regions[Math.floor(random() * regions.length)].code,
      memory_gb: 1 + Math.floor(random() * 8),
      cores: 1 + Math.floor(random() * 4),
    }),
  );
  let offset = 0;
  const bodyOf = (/** @type {number} */ i) => bodies[(offset + i) % bodies.length];

  const { startHost } = await import(pathToFileURL(HOST_BUNDLE).href);
  const t0 = performance.now();
  const host = await startHost({
    host: '127.0.0.1',
    port: 0,
    regionsFile,
    flydIntervalMs: FLYD_INTERVAL_MS,
    numCandidates: 5,
    dataDir: null,
    staticDir: null,
    rpcTimeoutMs: 5000,
    logFormat: 'silent',
    // The benchmarks measure the platform's own cost, not the simulated stage times of a VM (the
    // in-process host defaults to the realistic profile: a launch waited ~1 s for its create).
    timing: INSTANT_TIMING,
    token: TOKEN,
    // The gate's per-token rate limit (500/s by default) would measure itself, not the path.
    limits: { ratePerSec: 1e6, burst: 1e6, maxConcurrent: 4 * concurrency },
  });
  process.stdout.write(
    `  host started (ephemeral, ${fmt(machineCount)} machines) in ${fmt(performance.now() - t0)} ms\n`,
  );
  const port = Number(new URL(host.url).port);
  const auth = { authorization: `Bearer ${TOKEN}` };
  const fly = new LoadClient({ port, concurrency, headers: auth });
  let bare = null;
  let baseline = null;

  /** @type {Record<'fly' | 'bare' | 'watched' | 'flyP50' | 'bareP50' | 'flyP99' | 'bareP99', number[]>} */
  const runs = { fly: [], bare: [], watched: [], flyP50: [], bareP50: [], flyP99: [], bareP99: [] };
  const fan = {
    perSecond: /** @type {number[]} */ ([]),
    lag: /** @type {number[]} */ ([]),
    events: 0,
    launches: 0,
    gaps: 0,
  };
  /** @type {Map<string, number>} */
  const failures = new Map();
  /**
   * @template {{unexpected: Record<string, number>}} R
   * @param {string} what @param {R} r @returns {R}
   */
  const check = (what, r) => {
    for (const [k, v] of Object.entries(r.unexpected)) {
      const key = `${what}: ${k}`;
      failures.set(key, (failures.get(key) ?? 0) + v);
    }
    return r;
  };
  try {
    bare = await startBareServer();
    baseline = new LoadClient({ port: bare.port, concurrency });
    // Warm-up: JIT, connection pools, the orchestrator's first placements.
    await baseline.post('/v1/vms', BASELINE_FACTOR * Math.min(1000, requests), bodyOf);
    await fly.post('/v1/vms', Math.min(1000, requests), bodyOf);

    for (let r = 0; r < reps; r++) {
      // The baseline answers several times faster: more requests give its run a comparable length.
      offset += requests;
      const b = check('baseline', await baseline.post('/v1/vms', BASELINE_FACTOR * requests, bodyOf));
      offset += requests;
      const f = check('flylight', await fly.post('/v1/vms', requests, bodyOf));
      runs.bare.push(b.perSecond);
      runs.fly.push(f.perSecond);
      runs.bareP50.push(b.p50);
      runs.flyP50.push(f.p50);
      runs.bareP99.push(b.p99);
      runs.flyP99.push(f.p99);

      // Let the previous run's FlyD flush pass, then launch with a watcher on the stream.
      await sleep(FLYD_INTERVAL_MS + 200);
      const watch = await watchEvents(port, auth);
      offset += requests;
      const start = performance.now();
      const w = check('flylight, watched', await fly.post('/v1/vms', requests, bodyOf));
      runs.watched.push(w.perSecond);
      // Every change is flushed within one FlyD interval of the last launch; wait for it.
      await quiet(watch.stats, FLYD_INTERVAL_MS + 500);
      watch.close();
      const s = watch.stats;
      fan.perSecond.push(s.events / ((s.lastAt - start) / 1000));
      fan.lag.push(s.lastAt - w.lastOk);
      fan.events += s.events;
      fan.launches += requests - w.failed;
      fan.gaps += s.gaps;
    }
  } finally {
    fly.close();
    baseline?.close();
    await host.stop();
    await bare?.close();
  }

  const failed = [...failures].map(([k, v]) => `${v}× ${k}`);
  if (failed.length > 0) process.stdout.write(`  UNEXPECTED ANSWERS:\n    ${failed.join('\n    ')}\n`);
  report.add({
    bench: 'http',
    name: 'launch throughput (POST /v1/vms → 201)',
    unit: 'launches/s',
    better: 'higher',
    subject: { label: 'flylight (gate→orch→store)', runs: runs.fly },
    baseline: { label: 'bare node:http in a worker', runs: runs.bare },
    note: 'the share of raw HTTP capacity the full launch path keeps',
  });
  report.add({
    bench: 'http',
    name: 'launch latency, median',
    unit: 'ms',
    better: 'lower',
    subject: { label: 'flylight p50', runs: runs.flyP50 },
    baseline: { label: 'bare node:http p50', runs: runs.bareP50 },
  });
  report.add({
    bench: 'http',
    name: 'launch latency, 99th percentile',
    unit: 'ms',
    better: 'lower',
    subject: { label: 'flylight p99', runs: runs.flyP99 },
    baseline: { label: 'bare node:http p99', runs: runs.bareP99 },
  });
  report.add({
    bench: 'events',
    name: 'launch throughput with a dashboard watching /v1/events',
    unit: 'launches/s',
    better: 'higher',
    subject: { label: 'flylight, 1 SSE watcher', runs: runs.watched },
    baseline: { label: 'flylight, no watcher', runs: runs.fly },
    note: 'what fanning change events out costs the launch path',
  });
  report.add({
    bench: 'events',
    name: 'machine change events delivered to the SSE watcher',
    unit: 'events/s',
    better: 'higher',
    subject: { label: 'first launch → last event', runs: fan.perSecond },
    note: `${fmt(fan.launches / Math.max(1, fan.events))} launches per event (FlyD conflation); ${fan.gaps} event ids skipped`,
  });
  report.add({
    bench: 'events',
    name: 'drain: last event after the last 201',
    unit: 'ms',
    better: 'lower',
    subject: { label: 'last event − last 201', runs: fan.lag },
    baseline: { label: 'FlyD interval', runs: fan.lag.map(() => FLYD_INTERVAL_MS) },
    note: 'ratio ≤ 1: every change reached the watcher within one FlyD interval',
  });
  if (failed.length > 0) throw new Error(`${failed.length} kinds of unexpected answers (listed above)`);
}

/**
 * The newest modification time of a .ts file under `dir`.
 * @param {string} dir
 */
function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

/**
 * Resolves once no event has arrived for `ms` (FlyD has flushed everything).
 * @param {{lastAt: number}} stats @param {number} ms
 */
async function quiet(stats, ms) {
  const began = performance.now();
  for (;;) {
    await sleep(100);
    const last = Math.max(stats.lastAt, began);
    if (performance.now() - last >= ms) return;
  }
}

/** @returns {Promise<{port: number, close: () => Promise<void>}>} */
function startBareServer() {
  const worker = new Worker(new URL('./lib/bare-server.js', import.meta.url));
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', ({ port }) =>
      resolve({
        port,
        close: () =>
          new Promise((r) => {
            worker.once('exit', () => r(undefined));
            worker.postMessage('close');
          }),
      }),
    );
  });
}
