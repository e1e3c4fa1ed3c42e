// Synthetic fleets at the design's scale: the 35 real regions of resources/regions.csv, each
// with as many machines as asked, with the capacities real hosts have. Deterministic (seeded),
// so every run and every side of a comparison sees the same fleet.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from './stats.js';
import { ROOT } from './store-bundle.js';

const CORES = [16, 32, 48, 64, 96, 128];
const GB_PER_CORE = [4, 8];

/**
 * The 35 regions of the bootstrap file, parsed by the store's own CSV reader.
 * @param {{parseRegionsCsv: (text: string, file: string) => {regions: {code: string, location: string, status: string}[]}}} store
 */
export function bootstrapRegions(store) {
  const file = join(ROOT, 'resources', 'regions.csv');
  return store.parseRegionsCsv(readFileSync(file, 'utf8'), file).regions;
}

/**
 * `total` machines spread evenly over `regions`, ordered by id as the CSV reader returns them.
 * @param {{code: string}[]} regions @param {number} total
 */
export function makeMachines(regions, total, seed = 1) {
  const random = rng(seed);
  const machines = [];
  for (let i = 0; i < total; i++) {
    const region = regions[i % regions.length].code;
    const cores = CORES[Math.floor(random() * CORES.length)];
    const memory_gb = Math.min(1024, Math.max(64, cores * GB_PER_CORE[Math.floor(random() * GB_PER_CORE.length)]));
    machines.push({
      id: `${region.toLowerCase()}-b${String(i).padStart(6, '0')}`,
      region,
      datacenter: `dc-${1 + (i % 3)}`,
      cores,
      memory_gb,
      status: 'available',
    });
  }
  return machines.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The fleet in the regions.csv format (see src/main/store/csv.ts), for `--regions FILE`.
 * @param {{code: string, location: string, status: string}[]} regions
 * @param {ReturnType<typeof makeMachines>} machines
 */
export function toCsv(regions, machines) {
  const q = (/** @type {string} */ s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = ['kind,region,location,status,machine,datacenter,cores,memory_gb'];
  for (const r of regions) rows.push(`region,${r.code},${q(r.location)},${q(r.status)},,,,`);
  for (const m of machines)
    rows.push(`machine,${m.region},,${m.status},${m.id},${m.datacenter},${m.cores},${m.memory_gb}`);
  return `${rows.join('\n')}\n`;
}
