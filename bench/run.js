#!/usr/bin/env node
// `npm run bench [-- [--smoke] serve|startup|placement|store|memory|http|cli|etcd|realistic ...]`: Flylight's speed and
// memory as ratios against baselines measured in the same run on the same machine. Prints each
// figure as it comes, then a JSON summary on stdout, and writes the full results to
// bench/results.json (bench/results-smoke.json for --smoke).
//
// --smoke: every row, small sizes, seconds not minutes (part of `npm test`; says nothing about
// speed, only that every benchmark still runs).
//
// Environment: BENCH_REPS (default 5), BENCH_REQUESTS (launches per HTTP run, 2000),
// BENCH_CONCURRENCY (HTTP clients, 16), BENCH_MACHINES (machines of the big fleets, 100000),
// BENCH_DASHBOARD_SECONDS (how long launches stream into the dashboard, 10), BENCH_VMS (VMs in the
// scrolled VM list, 100000).

import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run as runStore } from './candidates.js';
import { run as runCli } from './cli.js';
import { run as runDashboard } from './dashboard.js';
import { run as runDurability } from './durability.js';
import { run as runEtcd } from './etcd.js';
import { run as runEtcdFleet } from './etcd-fleet.js';
import { run as runFanout } from './fanout.js';
import { run as runHttp } from './http.js';
import { run as runLaunch } from './launch.js';
import { Report } from './lib/report.js';
import { round } from './lib/stats.js';
import { ROOT } from './lib/store-bundle.js';
import { run as runMemory } from './memory.js';
import { run as runPlacement } from './placement.js';
import { run as runRealistic } from './realistic.js';
import { run as runServe } from './serve.js';
import { run as runStartup } from './startup.js';
import { run as runVmList } from './vm-list.js';

/**
 * @typedef {{reps: number, requests: number, concurrency: number, machines: number, vms: number, smoke: boolean, dashboardSeconds: number}} Options
 * @type {Record<string, (report: Report, o: Options) => Promise<unknown>>}
 */
const BENCHES = {
  serve: (report, o) =>
    runServe(report, {
      reps: o.reps,
      requests: o.requests,
      concurrency: o.concurrency,
      bigMachines: o.machines,
      pacedSeconds: o.smoke ? 0.2 : 1,
      fanRate: o.smoke ? 200 : 1000,
      fanSeconds: o.smoke ? 1 : 10,
      cliRuns: o.smoke ? 2 : 10,
      startups: Math.min(o.reps, 3),
    }),
  startup: (report, o) =>
    runStartup(report, {
      machines: o.machines,
      reps: Math.min(o.reps, 3),
      launches: o.smoke ? 200 : Number(process.env.BENCH_LAUNCHES ?? 20_000),
      concurrency: o.concurrency,
    }),
  fanout: (report, o) =>
    runFanout(report, {
      fanRate: o.smoke ? 200 : 1000,
      fanSeconds: o.smoke ? 1 : 10,
      bigMachines: o.machines,
    }),
  launch: (report, o) =>
    runLaunch(report, {
      reps: o.reps,
      requests: o.requests,
      concurrency: o.concurrency,
      pacedSeconds: o.smoke ? 0.2 : 1,
    }),
  cli: (report, o) => runCli(report, { runs: o.smoke ? 2 : Math.max(10, o.reps * 3) }),
  realistic: (report, o) =>
    runRealistic(report, {
      machines: o.machines,
      segments: o.smoke ? 2 : 6,
      perSegment: o.smoke ? 50 : 1000,
      concurrency: o.smoke ? 16 : 64,
    }),
  placement: (report, o) =>
    runPlacement(report, {
      sizes: o.smoke ? [1000, 5000] : [1000, 10_000, 100_000],
      sampleMs: o.smoke ? 50 : 300,
      reps: Math.min(o.reps, 3),
    }),
  store: (report, o) => runStore(report, { reps: o.reps, sampleMs: o.smoke ? 50 : 300, machines: o.machines }),
  memory: (report, o) => runMemory(report, { reps: Math.min(o.reps, 3), machines: o.machines }),
  http: (report, o) => runHttp(report, o),
  dashboard: (report, o) =>
    runDashboard(report, {
      machines: o.smoke ? 2000 : o.machines,
      rate: o.smoke ? 100 : 500,
      seconds: o.smoke ? 1 : o.dashboardSeconds,
      renders: o.smoke ? 1 : 3,
    }),
  etcd: async (report, o) => {
    // Five repetitions: on 2 shared cores one pair says little; the ratio is their median.
    await runEtcd(report, {
      reps: Math.min(o.reps, 5),
      requests: o.requests,
      concurrency: o.concurrency,
      warmChunks: o.smoke ? 2 : 14,
    });
    // Issue 13's big shared fleet: 300k machines (BENCH_ETCD_MACHINES), at most 2 repetitions of ~3 min.
    const machines = o.smoke ? o.machines : intEnv('BENCH_ETCD_MACHINES', 300_000, 1000);
    await runEtcdFleet(report, { reps: o.smoke ? 1 : Math.min(o.reps, 2), machines });
  },
  vmlist: (report, o) => runVmList(report, { vms: o.vms, seconds: o.smoke ? 1 : 8, jumps: o.smoke ? 3 : 20 }),
  durability: (report, o) =>
    runDurability(report, { reps: Math.min(o.reps, 3), ...(o.smoke ? { durationMs: 200 } : {}) }),
};

/** @param {string} name @param {number} fallback @param {number} min */
function intEnv(name, fallback, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name}=${raw} is not valid (a whole number >= ${min})`);
  return n;
}

function machine() {
  const cpus = os.cpus();
  /** @type {{cpus: number, model: string, memory_gb: number, os: string, node: string, load_average_at_start: number[], load_average_at_end?: number[]}} */
  const info = {
    cpus: cpus.length,
    model: cpus[0]?.model ?? 'unknown',
    memory_gb: round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    load_average_at_start: os.loadavg().map(round),
  };
  return info;
}

/** JSON as Biome formats it (bench/ is linted): arrays of plain values on one line. */
/** @param {unknown} value */
function biomeJson(value) {
  return `${JSON.stringify(value, null, 2).replace(/\[\n\s*([^[\]{}]*?)\n\s*\]/g, (_m, items) => `[${items.split(/,\n\s*/).join(', ')}]`)}\n`;
}

async function main() {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const asked = args.filter((a) => a !== '--smoke');
  const unknown = asked.filter((a) => !(a in BENCHES));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark ${unknown.join(', ')} (choose from: ${Object.keys(BENCHES).join(', ')})`);
  }
  /** @type {Options} */
  const options = smoke
    ? { reps: 1, requests: 200, concurrency: 4, machines: 2000, vms: 2000, smoke, dashboardSeconds: 1 }
    : {
        reps: intEnv('BENCH_REPS', 5, 1),
        requests: intEnv('BENCH_REQUESTS', 2000, 100),
        concurrency: intEnv('BENCH_CONCURRENCY', 16, 1),
        machines: intEnv('BENCH_MACHINES', 100_000, 35),
        vms: intEnv('BENCH_VMS', 100_000, 100),
        // The heap row of issue 12 wants 10 minutes (600); the default keeps the suite short.
        dashboardSeconds: intEnv('BENCH_DASHBOARD_SECONDS', 10, 1),
        smoke,
      };
  // `cli`, `launch` and `fanout` alone are for measuring one thing quickly: the serve bench has their rows.
  const ALONE = ['cli', 'launch', 'fanout'];
  const names = asked.length > 0 ? asked : Object.keys(BENCHES).filter((n) => !ALONE.includes(n));
  const info = machine();
  process.stdout.write(
    `Flylight benchmarks on ${info.cpus} × ${info.model}, ${info.memory_gb} GB, ${info.os}, node ${info.node}\n` +
      `load average at start: ${info.load_average_at_start.join(' ')} (other work on the machine shows up as spread)\n` +
      `each figure: median [min–max] of ${options.reps} runs; ratios are taken run by run against the baseline\n`,
  );

  const report = new Report();
  const began = performance.now();
  // One benchmark failing (an unexpected answer, a host that would not start) must not lose the
  // others' figures: each is reported, the run goes on, and the exit code says it failed.
  /** @type {string[]} */
  const failed = [];
  for (const name of names) {
    try {
      await BENCHES[name](report, options);
    } catch (err) {
      failed.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      process.stdout.write(`  FAILED: ${failed[failed.length - 1]}\n`);
    }
  }
  info.load_average_at_end = os.loadavg().map(round);

  const results = {
    at: new Date().toISOString(),
    seconds: round((performance.now() - began) / 1000),
    machine: info,
    options,
    metrics: report.metrics,
    failed,
  };
  writeFileSync(join(ROOT, 'bench', smoke ? 'results-smoke.json' : 'results.json'), biomeJson(results));
  // One line per metric, so the summary reads as a table in a terminal or a CI log.
  const lines = report.metrics.map((m) =>
    JSON.stringify({
      bench: m.bench,
      name: m.name,
      unit: m.unit,
      value: m.subject.median,
      baseline: m.baseline ? m.baseline.median : null,
      ratio: m.ratio ? m.ratio.median : null,
      ratio_range: m.ratio ? [m.ratio.min, m.ratio.max] : null,
    }),
  );
  const head = JSON.stringify({ machine: `${info.cpus} × ${info.model}`, seconds: results.seconds });
  process.stdout.write(
    `\nSummary (full results in bench/${smoke ? 'results-smoke' : 'results'}.json):\n${head.slice(0, -1)},"metrics":[\n  ${lines.join(',\n  ')}\n]}\n`,
  );
  if (failed.length > 0) throw new Error(`${failed.length} benchmark(s) failed:\n${failed.join('\n')}`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
