// The event-stream parser alone (src/shared/sse.ts's SseParser, issue 12): what it costs per
// event on a stream shaped like the one `GET /v1/events` sends while launches stream in — per
// launch three `vm` frames and a `machine` frame (the proxy's frameOf format: id, event, one
// data line of JSON), the stream's opening comment and retry, a heartbeat now and then — fed as
// the page gets it, in three cuttings: one frame per chunk, 1,460-byte segments and 16 KiB
// reads (both cut anywhere, inside lines and CRLFs alike). The working tree's parser and the
// one at a git ref (default main) are alternated rep by rep in one process, each on a fresh
// parser over the same chunks; JSON.parse of the same data is printed beside them for scale.
// Nothing here asserts on time: it prints µs per event, median and min–max of the reps.
//
//   node bench/sse-parse.js [ref]          # before = src/shared/sse.ts at ref (default main)
//   SSE_BENCH_REPS=9 SSE_BENCH_LAUNCHES=5000 node bench/sse-parse.js

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { rng, summarize } from './lib/stats.js';
import { CACHE, ROOT } from './lib/store-bundle.js';

const REPS = Number(process.env.SSE_BENCH_REPS ?? 9);
const LAUNCHES = Number(process.env.SSE_BENCH_LAUNCHES ?? 5000);
const ref = process.argv[2] ?? 'main';

/**
 * sse.ts's source bundled for plain node (its imports resolve in the working tree's src/shared).
 * @param {string} name @param {string} contents
 * @returns {Promise<{SseParser: new () => {push(chunk: string): {data: string}[]}}>}
 */
async function loadParser(name, contents) {
  mkdirSync(CACHE, { recursive: true });
  const outfile = join(CACHE, `sse-${name}.mjs`);
  await build({
    stdin: { contents, resolveDir: join(ROOT, 'src', 'shared'), loader: 'ts', sourcefile: `sse-${name}.ts` },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

/** The frames of `launches` launches, as the proxy writes them. */
function frames(launches) {
  const out = [': connected\nretry: 2000\n\n'];
  const at = (i) => new Date(Date.UTC(2026, 10, 30, 16, 0, 0, i)).toISOString();
  const region = {
    code: 'sin',
    location: 'Singapore',
    status: 'online',
    machine_count: 10000,
    cores_total: 640000,
    cores_allocated: 401233,
    memory_total_gb: 2560000,
    memory_allocated_gb: 1604932,
    vm_count: 187456,
    capacity: {
      reference_vms_free: 119383,
      free_cores: 238767,
      free_memory_gb: 955068,
      stranded_cores: 12,
      stranded_memory_gb: 40,
    },
  };
  let seq = 1000;
  for (let i = 0; i < launches; i++) {
    const machineId = `sin-${(i * 7919) % 10000}`;
    const vm = {
      id: `vm-${(0x100000 + i).toString(16)}`,
      region: 'sin',
      machine_id: machineId,
      memory_gb: 1 + (i % 2),
      cores: 1,
      created_at: at(i),
    };
    for (const [from, to] of [
      [null, 'creating'],
      ['creating', 'starting'],
      ['starting', 'started'],
    ]) {
      const e = { type: 'vm', seq: ++seq, at: at(i), vm: { ...vm, state: to, updated_at: at(i) }, from, to };
      out.push(`id: ${e.seq}\nevent: vm\ndata: ${JSON.stringify(e)}\n\n`);
    }
    const machine = {
      id: machineId,
      region: 'sin',
      datacenter: 'sin-dc1',
      status: 'allocated',
      cores_total: 64,
      cores_allocated: 40 + (i % 20),
      memory_total_gb: 256,
      memory_allocated_gb: 160 + (i % 80),
      vm_count: 18 + (i % 20),
      updated_at: at(i),
    };
    const e = { type: 'machine', seq: ++seq, at: at(i), machine, region };
    out.push(`id: ${e.seq}\nevent: machine\ndata: ${JSON.stringify(e)}\n\n`);
    if (i % 500 === 499) out.push(': heartbeat\n\n');
  }
  return out;
}

/** @param {string} text @param {() => number} size */
function cut(text, size) {
  const out = [];
  for (let i = 0; i < text.length; ) {
    const n = Math.max(1, Math.round(size()));
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

/** One pass: a fresh parser over every chunk; returns [ms, events]. */
function pass(Parser, chunks) {
  const start = performance.now();
  const p = new Parser();
  let events = 0;
  for (const c of chunks) events += p.push(c).length;
  return [performance.now() - start, events];
}

const before = await loadParser(
  ref.replace(/[^\w.-]/g, '_'),
  execFileSync('git', ['show', `${ref}:src/shared/sse.ts`], { cwd: ROOT, encoding: 'utf8' }),
);
const after = await loadParser('worktree', readFileSync(join(ROOT, 'src/shared/sse.ts'), 'utf8'));

const list = frames(LAUNCHES);
const text = list.join('');
const random = rng(12);
const cuttings = {
  'one frame per chunk': list,
  '1,460 B segments': cut(text, () => 1460),
  '16 KiB reads (4–28 KiB)': cut(text, () => 4096 + random() * 24576),
};
const expected = LAUNCHES * 4;
console.log(
  `SseParser per event: ${ref} (before) against the working tree (after); ${expected} events, ${(text.length / 1024 / 1024).toFixed(1)} MB, ${REPS} reps alternated; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const [name, chunks] of Object.entries(cuttings)) {
  const times = { before: [], after: [] };
  for (let rep = -2; rep < REPS; rep++) {
    // Alternate which goes first, so neither always meets a warmer (or busier) machine.
    const order = rep % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
    for (const which of order) {
      const [ms, events] = pass((which === 'before' ? before : after).SseParser, chunks);
      if (events !== expected) throw new Error(`${which} parsed ${events} events of ${expected} (${name})`);
      if (rep >= 0) times[which].push((ms * 1000) / events);
    }
  }
  const b = summarize(times.before);
  const a = summarize(times.after);
  console.log(
    `  ${name.padEnd(26)} before ${b.median} µs (${b.min}–${b.max})  after ${a.median} µs (${a.min}–${a.max})  ${(b.median / a.median).toFixed(1)}× faster  [${chunks.length} chunks]`,
  );
}
// For scale: what the page pays next for each event, whichever parser found it.
const datas = [];
for (const c of list) {
  const at = c.indexOf('data: ');
  if (at >= 0) datas.push(c.slice(at + 6, c.indexOf('\n', at)));
}
const json = [];
for (let rep = -2; rep < REPS; rep++) {
  const start = performance.now();
  for (const d of datas) JSON.parse(d);
  if (rep >= 0) json.push(((performance.now() - start) * 1000) / datas.length);
}
const j = summarize(json);
console.log(`  JSON.parse of each event's data, for scale: ${j.median} µs (${j.min}–${j.max})`);
console.log(
  `load after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
