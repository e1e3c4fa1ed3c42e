// Launches with the default (realistic) timing on the 100k-machine fleet, as a user's first
// `flylight serve --regions` runs them: every POST answers once its VM is created (0.8–2 s of
// simulated create stage), so many clients keep many VMs mid-stage, each with its timers,
// waiters and store writes. Issue 12 saw 16 such clients slow to a crawl after ~5,000 launches
// (and not with `--timing instant`); this row watches for it: the same closed loop in segments,
// the last segment's launches per second and CPU per launch against the first's. A crawl
// (work that grows with the VMs launched) shows as a late/early rate well under 1 and a CPU per
// launch that climbs.
//
// `npm run bench -- realistic` (BENCH_MACHINES; 64 clients, 6 segments of 1,000 launches).

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteLoad } from './lib/load-remote.js';
import { heading } from './lib/report.js';
import { CLI, startServe, wall } from './lib/serve-proc.js';
import { fmt } from './lib/stats.js';
import { CACHE } from './lib/store-bundle.js';
import { threadCpu } from './lib/thread-cpu.js';
import { launchBodies } from './serve.js';

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{machines: number, segments: number, perSegment: number, concurrency: number}} o
 */
export async function run(report, o) {
  const total = o.segments * o.perSegment;
  heading(
    `launches with the default (realistic) timing, ${fmt(o.machines)}-machine fleet, ${o.concurrency} closed-loop clients: ${o.segments} segments of ${fmt(o.perSegment)}, first against last`,
  );
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `gen-fleet-${o.machines}.csv`);
  if (!existsSync(file))
    await wall([CLI, 'gen-fleet', '--regions', '35', '--machines', String(o.machines), '--seed', '1', '--out', file]);
  // The default timing: FLYLIGHT_TIMING unset would be the realistic profile, but serve-proc
  // pins instant for the other rows, so it is named here.
  const s = await startServe({
    label: `${fmt(o.machines)} machines, realistic timing`,
    args: ['--regions', file],
    env: { FLYLIGHT_TIMING: 'realistic' },
  });
  const load = new RemoteLoad();
  /** @type {{rate: number, cpu: number, p99: number, unexpected: Record<string, number>}[]} */
  const segs = [];
  try {
    const bodies = await launchBodies(s, 4096);
    for (let i = 0; i < o.segments; i++) {
      const t0 = threadCpu(s.pid);
      const r = await load.closed({
        port: s.port,
        headers: s.headers,
        concurrency: o.concurrency,
        n: o.perSegment,
        bodies,
        offset: i * o.perSegment,
      });
      let ns = 0;
      for (const [tid, v] of threadCpu(s.pid)) ns += v - (t0.get(tid) ?? 0);
      segs.push({ rate: r.perSecond, cpu: ns / 1000 / o.perSegment, p99: r.p99, unexpected: r.unexpected });
      process.stdout.write(
        `  launches ${fmt(i * o.perSegment + 1)}–${fmt((i + 1) * o.perSegment)}: ${fmt(r.perSecond)}/s, p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, CPU ${fmt(ns / 1000 / o.perSegment)} µs/launch, RSS ${fmt(s.rssMb())} MB${Object.keys(r.unexpected).length ? `, not 201: ${JSON.stringify(r.unexpected)}` : ''}\n`,
      );
    }
  } finally {
    load.close();
    await s.stop();
  }
  const first = segs[0];
  const last = segs[segs.length - 1];
  const command = 'npm run bench -- realistic';
  report.add({
    bench: 'realistic',
    name: `realistic timing, ${fmt(o.machines)} machines, ${o.concurrency} clients: launches/s over the last ${fmt(o.perSegment)} of ${fmt(total)} against the first`,
    unit: 'launches/s',
    better: 'higher',
    subject: { label: `launches ${fmt(total - o.perSegment + 1)}–${fmt(total)}`, runs: [last.rate] },
    baseline: { label: `launches 1–${fmt(o.perSegment)}`, runs: [first.rate] },
    // A crawl is a late rate far under the early one; noise on a shared machine is not.
    target: { on: 'ratio', op: '>=', value: 0.7 },
    note: `every segment: ${segs.map((x) => fmt(x.rate)).join(', ')}/s; p99 ${segs.map((x) => fmt(x.p99)).join(', ')} ms`,
    command,
  });
  report.add({
    bench: 'realistic',
    name: `realistic timing, ${fmt(o.machines)} machines: CPU per launch (whole serve process), last segment against the first`,
    unit: 'µs',
    better: 'lower',
    subject: { label: 'last segment', runs: [last.cpu] },
    baseline: { label: 'first segment', runs: [first.cpu] },
    target: { on: 'ratio', op: '<=', value: 1.5 },
    note: `every segment: ${segs.map((x) => fmt(x.cpu)).join(', ')} µs`,
    command,
  });
  const failed = segs.flatMap((x) => Object.entries(x.unexpected));
  if (failed.length > 0) throw new Error(`unexpected answers: ${JSON.stringify(failed)}`);
}
