// Where `flylight serve`'s RSS goes after launches on the 100k fleet (issue 12's ≤ 400 MB): the
// startup suite's RSS-after-launches row, broken down. Not part of `npm run bench`.
//
//   node bench/rss-breakdown.js                      # this build, 20,000 launches, once
//   BENCH_COMPARE=/tmp/before node bench/rss-breakdown.js   # and another built checkout, alternated
//   BENCH_REPS=3 BENCH_LAUNCHES=20000 BENCH_MALLOC=1 node bench/rss-breakdown.js
//
// Each run: a fresh `flylight serve --regions` on the gen-fleet file (as the startup suite
// starts it, plus `--report-on-signal`, which changes nothing until the signal), BENCH_LAUNCHES
// launches from 16 keep-alive clients in another process, 1.5 s to settle, then: RSS split into
// anonymous / file-backed / shared pages (/proc/PID/status), the LMDB map's resident pages
// (/proc/PID/smaps), each thread's V8 heap as the diagnostic report gives it (committed, used,
// young generation, external memory), CPU per launch of the whole process, and with
// BENCH_MALLOC=1 glibc's arenas (gdb calls malloc_info in the process: slow, and it stops the
// process for a moment, so only after the figures above).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteLoad } from './lib/load-remote.js';
import { readMemory, threadHeaps } from './lib/proc-memory.js';
import { CLI, startServe, wall } from './lib/serve-proc.js';
import { fmt, sleep } from './lib/stats.js';
import { CACHE, ROOT } from './lib/store-bundle.js';
import { processCpu } from './lib/thread-cpu.js';
import { launchBodies } from './serve.js';

const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 20_000);
const REPS = Number(process.env.BENCH_REPS ?? 1);
const MACHINES = Number(process.env.BENCH_MACHINES ?? 100_000);
const COMPARE = process.env.BENCH_COMPARE;
const MB = 1024 * 1024;
const GC_PROBE = !!process.env.BENCH_GC;
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 15_000);

/** @param {string} label @param {string} cli @param {string} file @param {Record<string, string>} env */
async function one(label, cli, file, env, extraNodeArgs = []) {
  const reports = join(CACHE, `reports-${process.pid}`);
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(reports, { recursive: true });
  const s = await startServe({
    label,
    cli,
    args: ['--regions', file],
    env,
    nodeArgs: [
      '--report-on-signal',
      `--report-directory=${reports}`,
      ...extraNodeArgs,
      ...(GC_PROBE ? ['--expose-gc', '--require', join(ROOT, 'bench', 'lib', 'gc-probe.cjs')] : []),
    ],
  });
  const load = new RemoteLoad();
  try {
    const atReady = readMemory(s.pid, s.home);
    const startCpuMs = processCpu(s.pid) / 1e6;
    const bodies = await launchBodies(s, 4096);
    const cpu0 = processCpu(s.pid);
    const got = await load.closed({ port: s.port, headers: s.headers, concurrency: 16, n: LAUNCHES, bodies });
    const cpuUs = (processCpu(s.pid) - cpu0) / 1000 / LAUNCHES;
    await sleep(1500);
    const mem = readMemory(s.pid, s.home);
    const heaps = await threadHeaps(s.pid, reports);
    const malloc = process.env.BENCH_MALLOC ? mallocInfo(s.pid) : null;
    // Idle, V8's memory reducer gives back what the load left (it starts 8 s after a full GC).
    await sleep(IDLE_MS);
    const idle = readMemory(s.pid, s.home);
    const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    console.log(
      `\n${label}: ${fmt(LAUNCHES)} launches at ${fmt(got.perSecond)}/s (${got.failed} not 201), ` +
        `CPU ${fmt(cpuUs)} µs a launch, load ${load1}`,
    );
    console.log(
      `  at ready: ${fmt(s.readyMs)} ms from the spawn, CPU of all threads ${fmt(startCpuMs)} ms; ` +
        `RSS ${fmt(atReady.rss)} MB (anon ${fmt(atReady.anon)}, file ${fmt(atReady.file)})`,
    );
    console.log(
      `  after:    RSS ${fmt(mem.rss)} MB, peak ${fmt(mem.peak)} — anon ${fmt(mem.anon)}, file ${fmt(mem.file)} ` +
        `(LMDB map ${fmt(mem.lmdb)}, code ${fmt(mem.file - mem.lmdb)}), shmem ${fmt(mem.shmem)}`,
    );
    let committed = 0;
    let external = 0;
    for (const h of heaps) {
      committed += h.committed;
      external += h.external;
      console.log(
        `  ${h.name.padEnd(13)} V8 committed ${fmt(h.committed / MB)} MB, used ${fmt(h.used / MB)} ` +
          `(young ${fmt(h.young / MB)} committed), external ${fmt(h.external / MB)}, malloced ${fmt(h.malloced / MB)}`,
      );
    }
    console.log(
      `  V8 heaps ${fmt(committed / MB)} MB + external ${fmt(external / MB)}; anon not in V8 heaps: ` +
        `${fmt(mem.anon - committed / MB)} MB (malloc, external buffers, thread stacks, code)`,
    );
    if (malloc) console.log(`  malloc: ${malloc}`);
    console.log(
      `  after ${IDLE_MS / 1000} s idle: RSS ${fmt(idle.rss)} MB (anon ${fmt(idle.anon)}, file ${fmt(idle.file)})`,
    );
    if (GC_PROBE) {
      const trigger = `/tmp/flylight-gc-probe-${s.pid}`;
      writeFileSync(trigger, '');
      await sleep(3000);
      for (const line of readFileSync(`${trigger}.out`, 'utf8').trim().split('\n')) {
        const { name, before: b, after: a } = JSON.parse(line);
        console.log(
          `  full GC in ${name.padEnd(12)} committed ${fmt(b.committed)} → ${fmt(a.committed)} MB, ` +
            `used ${fmt(b.used)} → ${fmt(a.used)} (live), young ${fmt(b.young)} → ${fmt(a.young)}`,
        );
      }
      rmSync(trigger, { force: true });
      rmSync(`${trigger}.out`, { force: true });
      console.log(`  after the GCs: RSS ${fmt(readMemory(s.pid, s.home).rss)} MB`);
    }
    return {
      startCpuMs,
      idle: idle.rss,
      rss: mem.rss,
      anon: mem.anon,
      file: mem.file,
      perSecond: got.perSecond,
      cpuUs,
      committed,
    };
  } finally {
    load.close();
    await s.stop();
    rmSync(reports, { recursive: true, force: true });
  }
}

/** glibc's arenas, summed from malloc_info's XML (gdb attached for a moment). @param {number} pid */
function mallocInfo(pid) {
  const xml = join(CACHE, `malloc-${pid}.xml`);
  try {
    execFileSync(
      'gdb',
      [
        '-p',
        String(pid),
        '-batch',
        '-ex',
        `set $f = (void*) fopen("${xml}", "w")`,
        '-ex',
        'call (int) malloc_info(0, $f)',
        '-ex',
        'call (int) fclose($f)',
        '-ex',
        'detach',
      ],
      { stdio: 'ignore', timeout: 120_000 },
    );
    const text = readFileSync(xml, 'utf8');
    rmSync(xml, { force: true });
    // Each <heap nr=N> is an arena; its <system type="current"> is what it holds from the
    // kernel, and the free chunks (<total type="fast"/"rest">) what it holds unused.
    const arenas = [...text.matchAll(/<heap nr="(\d+)">([\s\S]*?)<\/heap>/g)].map((m) => {
      const cur = Number(/<system type="current" size="(\d+)"/.exec(m[2])?.[1] ?? 0);
      const free = [...m[2].matchAll(/<total type="(?:fast|rest)" count="\d+" size="(\d+)"/g)].reduce(
        (a, x) => a + Number(x[1]),
        0,
      );
      return { cur, free };
    });
    const total = /<system type="current" size="(\d+)"\/>\s*<system type="max"[^>]*>\s*<aspace type="total"/.exec(text);
    const mmap = /<total type="mmap" count="(\d+)" size="(\d+)"/.exec(text);
    const sum = arenas.reduce((a, x) => ({ cur: a.cur + x.cur, free: a.free + x.free }), { cur: 0, free: 0 });
    return (
      `${arenas.length} arenas hold ${fmt(sum.cur / MB)} MB from the kernel, ${fmt(sum.free / MB)} MB of it free chunks; ` +
      `mmapped chunks ${mmap ? `${mmap[1]} (${fmt(Number(mmap[2]) / MB)} MB)` : '?'}${total ? '' : ''}`
    );
  } catch (e) {
    return `gdb failed: ${/** @type {Error} */ (e).message.slice(0, 200)}`;
  }
}

const file = join(CACHE, `gen-fleet-${MACHINES}.csv`);
if (!existsSync(file)) {
  mkdirSync(CACHE, { recursive: true });
  await wall([CLI, 'gen-fleet', '--regions', '35', '--machines', String(MACHINES), '--seed', '1', '--out', file]);
}
// BENCH_SERVE_ENV (JSON) goes to this build's serve; BENCH_COMPARE_ENV to the other's.
const env = process.env.BENCH_SERVE_ENV ? JSON.parse(process.env.BENCH_SERVE_ENV) : {};
const otherEnv = process.env.BENCH_COMPARE_ENV ? JSON.parse(process.env.BENCH_COMPARE_ENV) : env;
// BENCH_NODE_ARGS / BENCH_COMPARE_NODE_ARGS (space-separated): flags to node itself, each side.
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const OTHER_ARGS = (process.env.BENCH_COMPARE_NODE_ARGS ?? '').split(' ').filter(Boolean);
// BENCH_CLI=DIR: another built checkout as the subject (a before/after pair run one by one).
const SUBJECT = process.env.BENCH_CLI ? join(process.env.BENCH_CLI, 'bin', 'flylight.js') : CLI;
const otherCli = COMPARE ? join(COMPARE, 'bin', 'flylight.js') : CLI;
for (let r = 0; r < REPS; r++) {
  const pair = [() => one(SUBJECT === CLI ? 'this build' : SUBJECT, SUBJECT, file, env, NODE_ARGS)];
  if (COMPARE || OTHER_ARGS.length || process.env.BENCH_COMPARE_ENV) {
    pair.push(() => one(`${COMPARE ?? 'this build'} ${OTHER_ARGS.join(' ')}`, otherCli, file, otherEnv, OTHER_ARGS));
  }
  if (r % 2 === 1) pair.reverse();
  for (const run of pair) await run();
}
