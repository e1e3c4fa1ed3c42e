// The 100k-machine start alone (the serve suite measures it too, among much else): `flylight
// serve --regions` on a fleet written by `flylight gen-fleet --regions 35 --machines N --seed 1`,
// a fresh process and an empty data directory each time (the durable default), from the spawn to
// the first answered GET /v1/regions; the whole process's peak RSS then; and the CPU time all
// its threads spent until then, which a machine others are using cannot inflate the way it
// inflates the wall clock. The bare node:http process's start is the baseline, alternated.
// Then, on the first of those processes, `launches` launches through HTTP (16 keep-alive
// clients in another process, 1 core and 1–2 GB into regions weighted by their cores, as the
// serve suite sends them): the whole process's RSS and peak RSS after them, and their rate.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteLoad } from './lib/load-remote.js';
import { readMemory } from './lib/proc-memory.js';
import { heading } from './lib/report.js';
import { get, startBareProcess, startServe, writeFleet } from './lib/serve-proc.js';
import { fmt, sleep } from './lib/stats.js';
import { ROOT } from './lib/store-bundle.js';
import { launchBodies } from './serve.js';

/** CPU time (user + system) of every thread of a process so far, in ms. @param {number} pid */
function cpuMs(pid) {
  let ticks = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // A thread that ended between the listing and the read has nothing more to count.
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{machines: number, reps: number, launches: number, concurrency: number}} o
 */
export async function run(report, o) {
  heading(`${fmt(o.machines)}-machine fleet: start-up of flylight serve (durable default), alone`);
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) {
    throw new Error('out/main/cli.js is missing: run `npm run build` first (the bench drives the built CLI)');
  }
  const { file } = await writeFleet(o.machines);
  const ready = { fly: /** @type {number[]} */ ([]), bare: /** @type {number[]} */ ([]) };
  const rss = [];
  const cpu = [];
  /** @type {{rss: number, peak: number, perSecond: number, failed: number, split: string} | null} */
  let after = null;
  for (let r = 0; r < o.reps; r++) {
    const b = await startBareProcess();
    while ((await get(b.port, '/', {})).status === 0) await sleep(2);
    await b.stop();
    const s = await startServe({ label: `${fmt(o.machines)} machines`, args: ['--regions', file] });
    cpu.push(cpuMs(s.pid));
    rss.push(s.peakRssMb());
    ready.fly.push(s.readyMs);
    ready.bare.push(b.readyMs);
    if (r === 0 && o.launches > 0) after = await launchesOn(s, o);
    await s.stop();
  }
  const command = 'npm run bench -- startup';
  // Issue 12's targets are for 100k machines; the smoke run's small fleet gets none.
  const big = o.machines >= 100_000;
  report.add({
    bench: 'startup',
    name: `${fmt(o.machines)}-machine fleet: process start → first answered GET /v1/regions (start alone)`,
    unit: 'ms',
    better: 'lower',
    subject: { label: 'flylight serve --regions', runs: ready.fly },
    baseline: { label: 'bare node:http process', runs: ready.bare },
    ...(big ? { target: /** @type {const} */ ({ on: 'subject', op: '<=', value: 1500 }) } : {}),
    note: `each run a fresh process and an empty data directory; CPU time of all its threads until then: ${cpu.map((x) => fmt(x)).join(', ')} ms`,
    command,
  });
  report.add({
    bench: 'startup',
    name: `${fmt(o.machines)}-machine fleet: whole-process peak RSS (VmHWM) at the first answer`,
    unit: 'MB',
    better: 'lower',
    subject: { label: 'flylight serve', runs: rss },
    ...(big ? { target: /** @type {const} */ ({ on: 'subject', op: '<=', value: 400 }) } : {}),
    note: 'the serve suite measures the peak again after its launches',
    command,
  });
  if (!after) return;
  const name = `${fmt(o.machines)}-machine fleet: whole-process RSS after ${fmt(o.launches)} launches through HTTP`;
  report.add({
    bench: 'startup',
    name,
    unit: 'MB',
    better: 'lower',
    subject: { label: 'flylight serve, VmRSS', runs: [after.rss] },
    baseline: { label: 'VmHWM (peak)', runs: [after.peak] },
    ...(big ? { target: /** @type {const} */ ({ on: 'subject', op: '<=', value: 400 }) } : {}),
    note: `${o.concurrency} keep-alive clients in another process, every answer 201 (${after.failed} not); the first start's process; ${after.split} (\`node bench/rss-breakdown.js\` splits it by thread)`,
    command,
  });
  report.add({
    bench: 'startup',
    name: `${fmt(o.machines)}-machine fleet: launches/s during those ${fmt(o.launches)} launches`,
    unit: 'launches/s',
    better: 'higher',
    subject: { label: 'flylight serve', runs: [after.perSecond] },
    note: 'the same run as the RSS row: what any cap on memory costs in speed shows here',
    command,
  });
}

/**
 * `o.launches` launches into a running serve, then its RSS now and at its peak (MB).
 * @param {import('./lib/serve-proc.js').Served} s @param {{launches: number, concurrency: number}} o
 */
async function launchesOn(s, o) {
  const load = new RemoteLoad();
  try {
    const bodies = await launchBodies(s, 4096);
    const got = await load.closed({
      port: s.port,
      headers: s.headers,
      concurrency: o.concurrency,
      n: o.launches,
      bodies,
    });
    // A moment for what the launches left in flight (FlyD rounds, log writes) to land.
    await sleep(1500);
    const m = readMemory(s.pid, s.home);
    const split = `anonymous ${fmt(m.anon)} MB (V8 heaps, malloc, buffers), file-backed ${fmt(m.file)} MB (LMDB map ${fmt(m.lmdb)}, code ${fmt(m.file - m.lmdb)})`;
    return { rss: m.rss, peak: m.peak, perSecond: got.perSecond, failed: got.failed, split };
  } finally {
    load.close();
  }
}
