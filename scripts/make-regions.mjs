#!/usr/bin/env node
// Generates resources/regions.csv from the seed's region and machine lists. Run once; the
// output is committed. Deterministic: the same inputs always give the same file.
//
//   node scripts/make-regions.mjs [SEED_REGIONS_CSV] [SEED_MACHINES_CSV] [OUT]
//
// Seed machines keep their region, datacenter and capacity (2,000,000,000,000 bytes = 2000 GB,
// 32 cores). Their id is the host part of their Consul address: the first DNS label of a name
// (consul-node-01.dc-1.internal -> consul-node-01); where that is not unique (two "consul.*"
// hosts) the whole host name; and where even that repeats (localhost, 127.0.0.1) host-PORT.
// Regions the seed left empty get 2 to 6 machines of shapes real hosts have, picked by a
// hash of the region code, with ids like sea-m01.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';
import { rng } from '../bench/lib/stats.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [regionsIn = join(root, '..', 'shared', 'reference', 'seed-regions.csv')] = process.argv.slice(2, 3);
const [machinesIn = join(root, '..', 'shared', 'reference', 'seed-machines.csv')] = process.argv.slice(3, 4);
const [out = join(root, 'resources', 'regions.csv')] = process.argv.slice(4, 5);

const SHAPES = [
  { cores: 16, memory_gb: 64 },
  { cores: 32, memory_gb: 128 },
  { cores: 48, memory_gb: 192 },
  { cores: 64, memory_gb: 256 },
  { cores: 96, memory_gb: 384 },
  { cores: 128, memory_gb: 512 },
  { cores: 64, memory_gb: 1024 },
];
const BYTES_PER_GB = 1_000_000_000;

const read = (file) =>
  Papa.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: 'greedy' }).data;

const regions = read(regionsIn).map((r) => ({
  code: r.code.trim().toUpperCase(),
  location: r.location.trim(),
  status: r.status.trim(),
}));

const seed = read(machinesIn).map((m) => {
  const [host, port] = m.address.trim().split(':');
  const isIp = /^\d+(\.\d+){3}$/.test(host);
  return {
    region: m.region.trim().toUpperCase(),
    host,
    port,
    label: isIp || host === 'localhost' ? host : host.split('.')[0],
    datacenter: m.datacenter.trim(),
    cores: Number(m.cores_total),
    memory_gb: Number(m.memory_total_bytes) / BYTES_PER_GB,
    status: m.status.trim() || 'available',
    /** Set below, once every label and host is counted. */
    id: '',
  };
});

const count = (key) => seed.reduce((map, m) => map.set(key(m), (map.get(key(m)) ?? 0) + 1), new Map());
const labels = count((m) => m.label);
const hosts = count((m) => m.host);
for (const m of seed) {
  m.id = labels.get(m.label) === 1 ? m.label : hosts.get(m.host) === 1 ? m.host : `${m.host}-${m.port}`;
  if (!Number.isInteger(m.memory_gb) || !Number.isInteger(m.cores)) throw new Error(`${m.host}: capacity is not whole`);
}
const ids = count((m) => m.id);
for (const [id, n] of ids) if (n > 1) throw new Error(`machine id ${id} is not unique`);

/** FNV-1a, so a region's generated machines depend on its code alone. */
function hash(s) {
  let h = 0x811c9dc5;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

const seeded = new Set(seed.map((m) => m.region));
const generated = [];
for (const r of regions) {
  if (seeded.has(r.code)) continue;
  const random = rng(hash(r.code));
  const n = 2 + Math.floor(random() * 5);
  for (let i = 1; i <= n; i++) {
    const shape = SHAPES[Math.floor(random() * SHAPES.length)];
    const id = `${r.code.toLowerCase()}-m${String(i).padStart(2, '0')}`;
    // Larger regions span two datacenters, as real ones do.
    const datacenter = n >= 4 && i > n / 2 ? 'dc-2' : 'dc-1';
    generated.push({ region: r.code, id, datacenter, ...shape, status: 'available' });
  }
}

const rows = [['kind', 'region', 'location', 'status', 'machine', 'datacenter', 'cores', 'memory_gb']];
for (const r of regions) rows.push(['region', r.code, r.location, r.status, '', '', '', '']);
for (const r of regions) {
  for (const m of [...seed, ...generated].filter((x) => x.region === r.code)) {
    rows.push(['machine', m.region, '', m.status, m.id, m.datacenter, String(m.cores), String(m.memory_gb)]);
  }
}
writeFileSync(out, `${Papa.unparse(rows, { newline: '\n' })}\n`);
console.log(`${out}: ${regions.length} regions, ${seed.length} seed machines, ${generated.length} generated`);
