#!/usr/bin/env node
// `npm run soak [-- --minutes N --rate R --kill-every S]`: a steady launch/destroy load against
// the real built host (real worker threads, real HTTP on 127.0.0.1) with random worker kills,
// then a report: requests, errors by kind, restarts, and the accounting invariant. Not in CI.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { rng } from '../bench/lib/stats.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    rate: { type: 'string', default: '50' },
    'kill-every': { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const killEvery = Number(values['kill-every']);
if (!(minutes > 0 && rate > 0 && killEvery > 0)) {
  console.error('usage: npm run soak -- [--minutes N>0] [--rate launches/s>0] [--kill-every seconds>0]');
  process.exit(2);
}

const random = rng(Number(values.seed));

const { startHost, defaultRegionsFile } = await import(pathToFileURL(join(root, 'out', 'main', 'host.js')).href);
const token = 'S'.repeat(43);
const host = await startHost({
  host: '127.0.0.1',
  port: 0,
  regionsFile: defaultRegionsFile(),
  flydIntervalMs: 200,
  numCandidates: 5,
  dataDir: mkdtempSync(join(tmpdir(), 'flylight-soak-')),
  staticDir: null,
  rpcTimeoutMs: 5000,
  logFormat: 'silent',
  token,
});
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const regions = ['SIN', 'NRT', 'AMS', 'SEA', 'GRU', 'JNB', 'FRA', 'ORD'];
const alive = [];
const counts = { requests: 0, launched: 0, destroyed: 0, kills: 0, retries: 0, replayed: 0, gave_up: 0 };
const errors = {};
const bump = (k) => {
  errors[k] = (errors[k] ?? 0) + 1;
};

/** As `flylight launch` does: 503, 504 and dropped connections are retried (~4 s), the same key each time. */
const RETRY_MS = [250, 500, 1000, 2000];
let launchNo = 0;

/** One request, retried while the answer is "a worker is restarting"; the last answer, or null if none came. */
async function retrying(send, kind) {
  for (let attempt = 0; ; attempt++) {
    let res = null;
    try {
      res = await send();
      if (res.status !== 503 && res.status !== 504) return { res, attempt };
      bump(`${kind} ${res.status} ${(await res.json()).error?.code} (retried)`);
    } catch (e) {
      const err = /** @type {Error & { cause?: { code?: string } }} */ (e);
      bump(`${kind} network ${err.cause?.code ?? err.message} (retried)`);
    }
    if (attempt >= RETRY_MS.length) return { res: null, attempt };
    counts.retries++;
    await new Promise((r) => setTimeout(r, RETRY_MS[attempt]));
  }
}

async function one() {
  counts.requests++;
  if (alive.length > 0 && random() < 0.45) {
    const id = alive.splice(Math.floor(random() * alive.length), 1)[0];
    const { res, attempt } = await retrying(
      () => fetch(`${host.url}/v1/vms/${id}`, { method: 'DELETE', headers }),
      'destroy',
    );
    // A 404 after a 503 is our own destroy, finished once the store answered again.
    if (res?.status === 200 || (res?.status === 404 && attempt > 0)) counts.destroyed++;
    else {
      counts.gave_up++;
      if (res) bump(`destroy ${res.status} ${(await res.json()).error?.code}`);
      alive.push(id); // not known to be gone: still counted as alive
    }
    return;
  }
  const region = regions[Math.floor(random() * regions.length)];
  const body = JSON.stringify({
    region,
    memory_gb: 1 + Math.floor(random() * 16),
    cores: 1 + Math.floor(random() * 4),
  });
  const key = { ...headers, 'idempotency-key': `soak-${launchNo++}` };
  const { res } = await retrying(() => fetch(`${host.url}/v1/vms`, { method: 'POST', headers: key, body }), 'launch');
  if (res?.status === 201) {
    counts.launched++;
    if (res.headers.get('idempotent-replayed') === 'true') counts.replayed++;
    alive.push((await res.json()).id);
  } else if (res) bump(`launch ${res.status} ${(await res.json()).error?.code}`);
  else counts.gave_up++;
}

const endAt = Date.now() + minutes * 60_000;
const workers = ['store', 'orchestrator', 'proxy'];
const killer = setInterval(() => {
  const victim = workers[Math.floor(random() * workers.length)];
  counts.kills++;
  console.log(`kill ${victim}`);
  void host.crashWorker(victim);
}, killEvery * 1000);
const progress = setInterval(() => console.log(JSON.stringify({ ...counts, alive: alive.length, errors })), 10_000);

const inflight = new Set();
while (Date.now() < endAt) {
  const p = one().finally(() => inflight.delete(p));
  inflight.add(p);
  await new Promise((r) => setTimeout(r, 1000 / rate));
}
clearInterval(killer);
clearInterval(progress);
await Promise.all(inflight);
// Let every worker come back and FlyD flush before checking the books.
for (let i = 0; i < 200 && !host.workers().every((w) => w.state === 'ready'); i++)
  await new Promise((r) => setTimeout(r, 50));
await new Promise((r) => setTimeout(r, 1000));

/** @type {(path: string) => Promise<any>} */
const get = async (path) => (await fetch(`${host.url}${path}`, { headers })).json();
const { vms } = await get('/v1/vms');
let broken = 0;
for (const { code } of (await get('/v1/regions')).regions) {
  for (const m of (await get(`/v1/regions/${code}/machines`)).machines) {
    const mine = vms.filter((v) => v.machine_id === m.id);
    const cores = mine.reduce((s, v) => s + v.cores, 0);
    const mem = mine.reduce((s, v) => s + v.memory_gb, 0);
    if (cores !== m.cores_allocated || mem !== m.memory_allocated_gb || mine.length !== m.vm_count) broken++;
    if (m.cores_allocated > m.cores_total || m.memory_allocated_gb > m.memory_total_gb) broken++;
  }
}
const present = new Set(vms.map((v) => v.id));
const lost = alive.filter((id) => !present.has(id)).length;
// A VM nobody was told about: a launch that gave up after a retry may have left one.
const known = new Set(alive);
const unowned = vms.filter((v) => !known.has(v.id)).length;
const restarts = Object.fromEntries(host.workers().map((w) => [w.name, w.restarts]));
console.log('\nsoak report');
console.log(
  JSON.stringify(
    {
      minutes,
      rate,
      ...counts,
      vms: vms.length,
      errors,
      restarts,
      lost_acknowledged: lost,
      unacknowledged_vms: unowned,
      machines_out_of_balance: broken,
    },
    null,
    2,
  ),
);
await host.stop();
process.exit(lost === 0 && unowned === 0 && broken === 0 ? 0 : 1);
