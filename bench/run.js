#!/usr/bin/env node
// `npm run bench [-- http|store|memory ...]`: Flylight's speed and memory as ratios against
// baselines measured in the same run on the same machine. Prints each figure as it comes,
// then a JSON summary on stdout, and writes the full results to bench/results.json.
//
// Environment: BENCH_REPS (default 5), BENCH_REQUESTS (launches per HTTP run, 2000),
// BENCH_CONCURRENCY (HTTP clients, 16), BENCH_MACHINES (machines of the HTTP host, 100000).

import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { run as runStore } from './candidates.js';
import { run as runDurability } from './durability.js';
import { run as runHttp } from './http.js';
import { Report } from './lib/report.js';
import { round } from './lib/stats.js';
import { ROOT } from './lib/store-bundle.js';
import { run as runMemory } from './memory.js';

const BENCHES = {
  store: (report, o) => runStore(report, { reps: o.reps, sampleMs: 300 }),
  memory: (report, o) => runMemory(report, { reps: Math.min(o.reps, 3) }),
  http: (report, o) => runHttp(report, o),
  durability: (report, o) => runDurability(report, { reps: Math.min(o.reps, 3) }),
};

function intEnv(name, fallback, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name}=${raw} is not valid (a whole number >= ${min})`);
  return n;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model ?? 'unknown',
    memory_gb: round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    load_average_at_start: os.loadavg().map(round),
  };
}

/** JSON as Biome formats it (bench/ is linted): arrays of plain values on one line. */
function biomeJson(value) {
  return `${JSON.stringify(value, null, 2).replace(/\[\n\s*([^[\]{}]*?)\n\s*\]/g, (_m, items) => `[${items.split(/,\n\s*/).join(', ')}]`)}\n`;
}

async function main() {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((a) => !(a in BENCHES));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark ${unknown.join(', ')} (choose from: ${Object.keys(BENCHES).join(', ')})`);
  }
  const options = {
    reps: intEnv('BENCH_REPS', 5, 1),
    requests: intEnv('BENCH_REQUESTS', 2000, 100),
    concurrency: intEnv('BENCH_CONCURRENCY', 16, 1),
    machines: intEnv('BENCH_MACHINES', 100_000, 35),
  };
  const names = asked.length > 0 ? asked : Object.keys(BENCHES);
  const info = machine();
  process.stdout.write(
    `Flylight benchmarks on ${info.cpus} × ${info.model}, ${info.memory_gb} GB, ${info.os}, node ${info.node}\n` +
      `load average at start: ${info.load_average_at_start.join(' ')} (other work on the machine shows up as spread)\n` +
      `each figure: median [min–max] of ${options.reps} runs; ratios are taken run by run against the baseline\n`,
  );

  const report = new Report();
  const began = performance.now();
  for (const name of names) await BENCHES[name](report, options);
  info.load_average_at_end = os.loadavg().map(round);

  const results = {
    at: new Date().toISOString(),
    seconds: round((performance.now() - began) / 1000),
    machine: info,
    options,
    metrics: report.metrics,
  };
  writeFileSync(join(ROOT, 'bench', 'results.json'), biomeJson(results));
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
    `\nSummary (full results in bench/results.json):\n${head.slice(0, -1)},"metrics":[\n  ${lines.join(',\n  ')}\n]}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
