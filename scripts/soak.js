#!/usr/bin/env node
// `npm run soak [-- --minutes N --rate R --kill-every S]`: a steady launch/destroy load against
// the real built host (real worker threads, real HTTP on 127.0.0.1) with random worker kills,
// then a report: requests, errors by kind, restarts, and the accounting invariant. Not in CI.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

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

let seed = Number(values.seed) >>> 0;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

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
const counts = { requests: 0, launched: 0, destroyed: 0, kills: 0 };
const errors = {};
const bump = (k) => {
  errors[k] = (errors[k] ?? 0) + 1;
};

async function one() {
  counts.requests++;
  try {
    if (alive.length > 0 && random() < 0.45) {
      const id = alive.splice(Math.floor(random() * alive.length), 1)[0];
      const res = await fetch(`${host.url}/v1/vms/${id}`, { method: 'DELETE', headers });
      if (res.status === 200) counts.destroyed++;
      else bump(`destroy ${res.status} ${(await res.json()).error?.code}`);
      if (res.status === 503) alive.push(id);
    } else {
      const region = regions[Math.floor(random() * regions.length)];
      const body = JSON.stringify({
        region,
        memory_gb: 1 + Math.floor(random() * 16),
        cores: 1 + Math.floor(random() * 4),
      });
      const res = await fetch(`${host.url}/v1/vms`, { method: 'POST', headers, body });
      const json = await res.json();
      if (res.status === 201) {
        counts.launched++;
        alive.push(json.id);
      } else bump(`launch ${res.status} ${json.error?.code}`);
    }
  } catch (err) {
    bump(`network ${err.cause?.code ?? err.message}`);
  }
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
const lost = alive.filter((id) => !vms.some((v) => v.id === id)).length;
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
      machines_out_of_balance: broken,
    },
    null,
    2,
  ),
);
await host.stop();
process.exit(lost === 0 && broken === 0 ? 0 : 1);
