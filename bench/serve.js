// The headline: `flylight serve` as the README starts it, each in its own process, driven by a
// load client in another process, against a bare node:http server in a third — alternated in
// one run, ratios taken run by run. Then what a user waits for and what the host holds: the
// 100k-machine fleet's time to the first answer and peak RSS, event fan-out to three
// subscribers, and `flylight regions` against `node -e 0`.
//
// Where the time goes is estimated by subtraction between configurations that differ in one
// thing (see hopRows): machine time per request at saturation, in µs.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { measureCli } from './cli.js';
import { fanOut } from './fanout.js';
import { RemoteLoad } from './lib/load-remote.js';
import { heading } from './lib/report.js';
import { phaseLines, rssPhases } from './lib/rss-phases.js';
import { get, startBareProcess, startServe, writeFleet } from './lib/serve-proc.js';
import { fmt, median, rng, sleep } from './lib/stats.js';
import { ROOT } from './lib/store-bundle.js';
import { warmUntilSteady } from './lib/warm-up.js';

/**
 * @typedef {{reps: number, requests: number, concurrency: number, bigMachines: number,
 *   pacedSeconds: number, fanRate: number, fanSeconds: number, cliRuns: number,
 *   startups: number}} ServeOptions
 */

/**
 * Launch bodies that fit the fleet: regions weighted by their cores, so that a run fills each
 * region about equally (the default fleet has regions of two 16-core machines).
 * @param {import('./lib/serve-proc.js').Served} s @param {number} count
 * @param {(random: () => number) => number} [memoryGb] each body's memory (default 1 or 2 GB)
 */
export async function launchBodies(s, count, memoryGb = (random) => 1 + Math.floor(random() * 2)) {
  const r = await get(s.port, '/v1/regions', s.headers);
  /** @type {{code: string, cores_total: number}[]} */
  const regions = JSON.parse(r.text).regions;
  const total = regions.reduce((a, x) => a + x.cores_total, 0);
  const random = rng(21);
  return Array.from({ length: count }, () => {
    const pick = random() * total;
    let sum = 0;
    const region =
      regions.find((x) => {
        sum += x.cores_total;
        return pick < sum;
      }) ?? regions[regions.length - 1];
    return JSON.stringify({ region: region.code, memory_gb: memoryGb(random), cores: 1 });
  });
}

/** @param {import('./lib/serve-proc.js').Served} s */
async function reset(s) {
  const r = await get(s.port, '/v1/reset', s.headers, 'POST', '{}');
  if (r.status !== 200) throw new Error(`POST /v1/reset on ${s.label} answered ${r.status}: ${r.text.slice(0, 200)}`);
}

/** Answers that were not the expected status, by run and status; printed and failed at the end. */
/** @type {Map<string, number>} */
const failures = new Map();

/**
 * @template {{unexpected: Record<string, number>}} R
 * @param {string} what @param {R} r @returns {R}
 */
function check(what, r) {
  for (const [k, v] of Object.entries(r.unexpected))
    failures.set(`${what}: ${k}`, (failures.get(`${what}: ${k}`) ?? 0) + v);
  return r;
}

/**
 * @param {import('./lib/report.js').Report} report
 * @param {ServeOptions} o
 */
export async function run(report, o) {
  const n = o.requests;
  heading(
    `flylight serve as users run it (own process, durable LMDB, logs on) vs bare node:http (own process); ${o.concurrency} keep-alive clients in a third process, ${fmt(n)} launches per run`,
  );
  if (!existsSync(join(ROOT, 'out', 'main', 'cli.js'))) {
    throw new Error('out/main/cli.js is missing: run `npm run build` first (the bench drives the built CLI)');
  }
  const { file: bigFile, ms: genMs } = await writeFleet(o.bigMachines);
  process.stdout.write(`  flylight gen-fleet --machines ${o.bigMachines} wrote ${bigFile} in ${fmt(genMs)} ms\n`);

  /** @type {import('./lib/serve-proc.js').Served[]} */
  const served = [];
  /** @type {{stop: () => Promise<void>} | null} */
  let bare = null;
  const load = new RemoteLoad();
  try {
    // ---- start-up of the big fleet: fresh process and data directory each time ------------
    const ready = {
      fly: /** @type {number[]} */ ([]),
      bare: /** @type {number[]} */ ([]),
      rss: /** @type {number[]} */ ([]),
    };
    // A start that fails is a finding (it is what a user would see), not the end of the run:
    // counted, reported, and the next attempt made, up to a few.
    /** @type {string[]} */
    const startFailures = [];
    /** @type {import('./lib/serve-proc.js').Served | null} */
    let big = null;
    for (let i = 0; ready.fly.length < o.startups && i < o.startups + 2; i++) {
      const b = await startBareProcess();
      // The bare server's "ready" is its first answered request too.
      while ((await get(b.port, '/', {})).status === 0) await sleep(2);
      await b.stop();
      let s;
      try {
        s = await startServe({ label: `${fmt(o.bigMachines)} machines`, args: ['--regions', bigFile] });
      } catch (err) {
        const why = (err instanceof Error ? err.message : String(err)).split('\n').pop() ?? '';
        startFailures.push(why);
        const key = `${fmt(o.bigMachines)}-machine serve did not start: ${why}`;
        failures.set(key, (failures.get(key) ?? 0) + 1);
        process.stdout.write(`  ${fmt(o.bigMachines)}-machine serve did not start: ${why}\n`);
        continue;
      }
      ready.bare.push(b.readyMs);
      ready.fly.push(s.readyMs);
      ready.rss.push(s.peakRssMb());
      if (ready.fly.length < o.startups) await s.stop();
      else big = s;
    }
    if (big) served.push(big);
    // The big host's RSS every 100 ms through each phase it takes part in, so that the peak row
    // says which phase made the peak (bench/rss-peak.js runs the same phases alone).
    const bigRss = big ? rssPhases(big.pid) : null;
    const onBig = (/** @type {string} */ name, /** @type {() => Promise<any>} */ fn) =>
      bigRss ? bigRss.phase(name, fn) : fn();
    // Started together (their start-up is not measured): a third of the wait.
    const [def, eph, warn] = await Promise.all([
      startServe({ label: 'default fleet' }),
      startServe({ label: 'default fleet, --ephemeral', args: ['--ephemeral'] }),
      startServe({ label: 'default fleet, FLYLIGHT_LOG_LEVEL=warn', env: { FLYLIGHT_LOG_LEVEL: 'warn' } }),
    ]);
    served.push(def, eph, warn);
    const bareProc = await startBareProcess();
    bare = bareProc;
    process.stdout.write(
      `  started: ${served.map((s) => `${s.label} (pid ${s.pid})`).join(', ')}, bare (pid ${bareProc.pid})\n`,
    );

    const bodies = await launchBodies(def, 4096);
    const bigBodies = big ? await launchBodies(big, 4096) : [];
    const c = o.concurrency;
    const target = (/** @type {import('./lib/serve-proc.js').Served} */ s, /** @type {number} */ count, offset = 0) =>
      load.closed({
        port: s.port,
        headers: s.headers,
        concurrency: c,
        n: count,
        bodies: s === big ? bigBodies : bodies,
        offset,
      });
    const bareRun = (/** @type {number} */ count) =>
      load.closed({ port: bareProc.port, concurrency: c, n: count, bodies });
    const bareHealthz = (/** @type {number} */ count) =>
      load.closed({ port: bareProc.port, concurrency: c, n: count, method: 'GET', path: '/healthz', want: 200 });
    const healthz = (/** @type {number} */ count) =>
      load.closed({
        port: def.port,
        headers: def.headers,
        concurrency: c,
        n: count,
        method: 'GET',
        path: '/healthz',
        want: 200,
      });

    // Warm-up: JIT on both sides, connection pools, first placements and LMDB pages; each serve
    // until a launch's CPU stops falling (lib/warm-up.js): the headline is a warm server's cost.
    const chunk = Math.min(3000, 3 * n);
    await bareRun(3 * chunk);
    /** @type {string[]} */
    const warmNotes = [];
    for (const s of served) {
      const warm = (/** @type {() => Promise<number[]>} */ fn) => (s === big ? onBig('warm-up', fn) : fn());
      const perLaunch = await warm(() =>
        warmUntilSteady(
          s.pid,
          async (count, i) => check(`warm-up ${s.label}`, await target(s, count, i * count)),
          // The 100k fleet does not fill in a warm-up; the others are reset before each chunk.
          { chunk, prepare: () => (s === big ? Promise.resolve() : reset(s)) },
        ),
      );
      warmNotes.push(`${s.label} ${perLaunch.map(fmt).join(' → ')}`);
    }
    process.stdout.write(`  warm-up, CPU µs/launch per ${fmt(chunk)}: ${warmNotes.join('; ')}\n`);
    check('warm-up healthz', await healthz(Math.min(1000, n)));

    /** @type {Record<string, number[]>} */
    const rate = { bare: [], def: [], big: [], eph: [], warn: [], health: [], bareHealth: [] };
    /** @type {Record<string, number[]>} */
    const lat = { bareP50: [], bareP99: [], defP50: [], defP99: [], bigP50: [], bigP99: [] };
    const pacedP99 = {
      def: /** @type {number[]} */ ([]),
      bare: /** @type {number[]} */ ([]),
      rates: /** @type {number[]} */ ([]),
    };
    /** @type {Map<string, number>} */
    const pacedFailed = new Map();
    for (let r = 0; r < o.reps; r++) {
      // Not timed: the default fleet (215 machines) would fill up over the runs.
      for (const s of [def, eph, warn]) await reset(s);
      const b = check('bare', await bareRun(3 * n));
      const d = check(def.label, await target(def, n, r * n));
      const g = big ? check(big.label, await onBig(`closed loop ${r + 1}`, () => target(big, n, r * n))) : null;
      const e = check(eph.label, await target(eph, n, r * n));
      const w = check(warn.label, await target(warn, n, r * n));
      const h = check('GET /healthz', await healthz(3 * n));
      const bh = check('bare GET /healthz', await bareHealthz(3 * n));
      rate.bareHealth.push(bh.perSecond);
      rate.bare.push(b.perSecond);
      rate.def.push(d.perSecond);
      if (g) rate.big.push(g.perSecond);
      rate.eph.push(e.perSecond);
      rate.warn.push(w.perSecond);
      rate.health.push(h.perSecond);
      lat.bareP50.push(b.p50);
      lat.bareP99.push(b.p99);
      lat.defP50.push(d.p50);
      lat.defP99.push(d.p99);
      if (g) lat.bigP50.push(g.p50);
      if (g) lat.bigP99.push(g.p99);

      // Latency at half the bare server's rate (open loop), both sides at the same rate.
      await reset(def);
      const half = b.perSecond / 2;
      const paced = { headers: {}, rate: half, seconds: o.pacedSeconds, bodies, subscribers: 0, settleMs: 0 };
      const pb = check('bare paced', await load.paced({ ...paced, port: bareProc.port }));
      // Not checked: a server that falls behind an open loop may answer 503 (256 at once); counted.
      const pd = await load.paced({ ...paced, port: def.port, headers: def.headers });
      for (const [k, v] of Object.entries(pd.unexpected)) pacedFailed.set(k, (pacedFailed.get(k) ?? 0) + v);
      pacedP99.bare.push(pb.p99);
      pacedP99.def.push(pd.p99);
      pacedP99.rates.push(half);
    }

    const cmd = 'npm run bench -- serve';
    const bareSide = { label: 'bare node:http (own process)', runs: rate.bare };
    report.add({
      bench: 'serve',
      name: 'launches through `flylight serve` (durable default, logs on, default fleet)',
      unit: 'launches/s',
      better: 'higher',
      subject: { label: 'flylight serve', runs: rate.def },
      baseline: bareSide,
      target: { on: 'ratio', op: '>=', value: 0.5 },
      command: cmd,
    });
    if (big)
      report.add({
        bench: 'serve',
        name: `launches through \`flylight serve --regions\` (${fmt(o.bigMachines)}-machine gen-fleet)`,
        unit: 'launches/s',
        better: 'higher',
        subject: { label: `flylight serve, ${fmt(o.bigMachines)} machines`, runs: rate.big },
        baseline: bareSide,
        target: { on: 'ratio', op: '>=', value: 0.5 },
        command: cmd,
      });
    report.add({
      bench: 'serve',
      name: 'launch latency p99, closed loop (default fleet)',
      unit: 'ms',
      better: 'lower',
      subject: { label: 'flylight serve p99', runs: lat.defP99 },
      baseline: { label: 'bare p99', runs: lat.bareP99 },
      note: `p50 ${fmt(median(lat.defP50))} ms against bare ${fmt(median(lat.bareP50))} ms${big ? `; ${fmt(o.bigMachines)} machines: p50 ${fmt(median(lat.bigP50))}, p99 ${fmt(median(lat.bigP99))} ms` : ''}`,
      command: cmd,
    });
    report.add({
      bench: 'serve',
      name: `launch latency p99 at half the bare server's rate (open loop, ~${fmt(median(pacedP99.rates))}/s for ${o.pacedSeconds} s)`,
      unit: 'ms',
      better: 'lower',
      subject: { label: 'flylight serve p99', runs: pacedP99.def },
      baseline: { label: 'bare p99 at the same rate', runs: pacedP99.bare },
      target: { on: 'subject', op: '<=', value: 5 },
      note: `latency from when each request was due, so a server that falls behind shows it${pacedFailed.size > 0 ? `; not 201: ${[...pacedFailed].map(([k, v]) => `${v}× ${k}`).join('; ')}` : ''}`,
      command: cmd,
    });
    for (const [key, label] of /** @type {const} */ ([
      ['eph', 'flylight serve --ephemeral'],
      ['warn', 'flylight serve, FLYLIGHT_LOG_LEVEL=warn'],
      ['health', 'flylight serve, GET /healthz'],
    ])) {
      report.add({
        bench: 'serve',
        name: `requests through ${label} (for the per-hop rows)`,
        unit: 'req/s',
        better: 'higher',
        subject: { label, runs: rate[key] },
        baseline: key === 'health' ? { label: 'bare GET /healthz', runs: rate.bareHealth } : bareSide,
        command: cmd,
      });
    }
    hopRows(report, rate, cmd);

    // A dashboard watches too (issue 12), with the first region selected (fanout.js).
    if (big)
      await onBig('fan-out (dashboard, 3 subscribers, open loop)', () =>
        fanOut(report, load, big, bigBodies, o, 'npm run bench -- serve'),
      );
    bigRss?.stop();

    // ---- `flylight regions` against the running host --------------------------------------
    await measureCli(report, def.env, def.port, o.cliRuns, 'npm run bench -- serve');

    // ---- the big fleet: ready time and the whole process's peak RSS -------------------------
    if (ready.fly.length > 0)
      report.add({
        bench: 'fleet',
        name: `${fmt(o.bigMachines)}-machine fleet: process start → first answered GET /v1/regions`,
        unit: 'ms',
        better: 'lower',
        subject: { label: 'flylight serve --regions', runs: ready.fly },
        baseline: { label: 'bare node:http process', runs: ready.bare },
        target: { on: 'subject', op: '<=', value: 1500 },
        note: `each run a fresh process and an empty data directory${startFailures.length > 0 ? `; ${startFailures.length} more starts failed: ${[...new Set(startFailures)].join('; ')}` : ''}`,
        command: 'npm run bench -- serve',
      });
    if (big) {
      const peak = bigRss?.peakPhase();
      const phases = phaseLines(bigRss?.phases ?? []);
      process.stdout.write(`  ${big.label}, RSS by phase:\n    ${phases.join('\n    ')}\n`);
      report.add({
        bench: 'fleet',
        name: `${fmt(o.bigMachines)}-machine fleet: whole-process peak RSS (VmHWM) after all the load above`,
        unit: 'MB',
        better: 'lower',
        subject: { label: 'flylight serve', runs: [big.peakRssMb()] },
        target: { on: 'subject', op: '<=', value: 400 },
        note: `peak at ready: ${ready.rss.map((x) => fmt(x)).join(', ')} MB; the peak was set in: ${peak ? phaseLines([peak])[0] : 'none of the phases sampled (between them)'}`,
        command: 'npm run bench -- serve',
      });
    }
  } finally {
    load.close();
    await bare?.stop();
    for (const s of served) await s.stop();
  }
  if (failures.size > 0) {
    const lines = [...failures].map(([k, v]) => `${v}× ${k}`);
    failures.clear();
    throw new Error(`failed starts or unexpected answers (every launch should be a 201):\n  ${lines.join('\n  ')}`);
  }
}

/**
 * Where a launch's time goes, by subtraction: at saturation a 2-core machine spends about
 * 1e6/throughput µs of CPU per request, so configurations that differ in one thing differ by
 * that thing's cost. Rough (the runs are noisy and the parts overlap), but it shows which hop
 * an optimisation moved.
 * @param {import('./lib/report.js').Report} report
 * @param {Record<string, number[]>} rate @param {string} command
 */
function hopRows(report, rate, command) {
  const us = (/** @type {number[]} */ xs) => xs.map((x) => 1e6 / x);
  const [bare, def, eph, warn, health, bareHealth] = [
    rate.bare,
    rate.def,
    rate.eph,
    rate.warn,
    rate.health,
    rate.bareHealth,
  ].map(us);
  /** @type {[string, number[], string][]} */
  const hops = [
    ['HTTP parse + JSON + response', bare, 'the bare node:http server'],
    ['proxy HTTP stack + gate', health.map((h, i) => h - bareHealth[i]), 'GET /healthz: serve − bare'],
    ['per-request logging', def.map((d, i) => d - warn[i]), 'default − FLYLIGHT_LOG_LEVEL=warn'],
    ['LMDB commit (durability)', def.map((d, i) => d - eph[i]), 'durable default − --ephemeral'],
    [
      'orchestrator + store + thread hops',
      def.map((d, i) => d - health[i] - (d - warn[i]) - (d - eph[i])),
      'the rest of a durable launch',
    ],
    ['whole launch', def, 'durable default, logs on'],
  ];
  for (const [name, runs, how] of hops) {
    report.add({
      bench: 'hops',
      name: `per launch: ${name}`,
      unit: 'µs',
      better: 'lower',
      subject: { label: how, runs },
      command,
    });
  }
}
