#!/usr/bin/env node
// Generates the scenarios shipped in resources/scenarios/ from resources/regions.csv. Run once;
// the output is committed. Deterministic: the same regions file always gives the same files.
//
//   node scripts/make-scenarios.mjs
//
// Every scenario is a directory in the format `flylight scenario export` writes (see README,
// "Scenarios"): scenario.json, regions.csv, machines.csv, vms.csv. Allocation columns are the
// sums of what the VMs hold, so each imports as it is.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Papa from 'papaparse';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'resources', 'scenarios');
const AT = '2026-01-01T00:00:00.000Z';

/** @typedef {{code: string, location: string, status: string}} Region */
/** @typedef {{id: string, region: string, datacenter: string, cores: number, memory_gb: number, status: string}} Machine */
/** @typedef {{id: string, machine: Machine, cores: number, memory_gb: number, state: string, reason?: string}} Vm */

function bootstrap() {
  const rows = Papa.parse(readFileSync(join(root, 'resources', 'regions.csv'), 'utf8'), {
    header: true,
    skipEmptyLines: 'greedy',
  }).data;
  /** @type {Region[]} */
  const regions = [];
  /** @type {Machine[]} */
  const machines = [];
  for (const r of /** @type {Record<string, string>[]} */ (rows)) {
    if (r.kind === 'region') regions.push({ code: r.region, location: r.location, status: r.status });
    else
      machines.push({
        id: r.machine,
        region: r.region,
        datacenter: r.datacenter,
        cores: Number(r.cores),
        memory_gb: Number(r.memory_gb),
        status: r.status || 'available',
      });
  }
  return { regions, machines };
}

/**
 * @param {string} name
 * @param {string} description
 * @param {{regions: Region[], machines: Machine[]}} fleet
 * @param {Vm[]} vms
 * @param {Record<string, unknown>} settings
 */
function write(name, description, fleet, vms, settings) {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  const holds = new Set(['creating', 'created', 'starting', 'started', 'stopping', 'suspending', 'restarting']);
  /** @type {Map<string, {cores: number, memory_gb: number, count: number}>} */
  const sums = new Map();
  for (const v of vms) {
    if (!holds.has(v.state)) continue;
    const s = sums.get(v.machine.id) ?? { cores: 0, memory_gb: 0, count: 0 };
    s.cores += v.cores;
    s.memory_gb += v.memory_gb;
    s.count += 1;
    sums.set(v.machine.id, s);
  }
  const csv = (/** @type {string[]} */ fields, /** @type {unknown[][]} */ data) =>
    `${Papa.unparse({ fields, data }, { newline: '\n' })}\n`;
  const manifest = { format: 'flylight-scenario', version: 1, description, settings };
  writeFileSync(join(dir, 'scenario.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(dir, 'regions.csv'),
    csv(
      ['region', 'location', 'status'],
      fleet.regions.map((r) => [r.code, r.location, r.status]),
    ),
  );
  writeFileSync(
    join(dir, 'machines.csv'),
    csv(
      [
        'machine',
        'region',
        'datacenter',
        'cores',
        'memory_gb',
        'status',
        'cores_allocated',
        'memory_allocated_gb',
        'vm_count',
      ],
      fleet.machines.map((m) => {
        const s = sums.get(m.id) ?? { cores: 0, memory_gb: 0, count: 0 };
        return [m.id, m.region, m.datacenter, m.cores, m.memory_gb, m.status, s.cores, s.memory_gb, s.count];
      }),
    ),
  );
  writeFileSync(
    join(dir, 'vms.csv'),
    csv(
      ['vm', 'region', 'machine', 'cores', 'memory_gb', 'state', 'reason', 'created_at', 'updated_at'],
      vms.map((v) => [v.id, v.machine.region, v.machine.id, v.cores, v.memory_gb, v.state, v.reason ?? '', AT, AT]),
    ),
  );
  console.log(`${name}: ${fleet.regions.length} regions, ${fleet.machines.length} machines, ${vms.length} VMs`);
}

/** VM ids that read as a scenario's own: vm-<prefix>-0001, … */
function namer(/** @type {string} */ prefix) {
  let n = 0;
  return () => `vm-${prefix}-${String(++n).padStart(4, '0')}`;
}

const fleet = bootstrap();
const inRegion = (/** @type {string} */ code) => fleet.machines.filter((m) => m.region === code);

// The seed's fleet: what `flylight serve` starts with, as a scenario to come back to.
write('seed', "The seed's fleet: 35 regions and their machines, no VMs (what a fresh host starts with).", fleet, [], {
  strategy: 'random',
  timing: 'realistic',
});

// A nearly full region: every SIN machine holds 30 of its 32 cores in 8-GB, 2-core VMs plus
// one 2-core VM of 16 GB, so only 2-core slots are left: a 4-core launch there is refused.
{
  const next = namer('sin');
  /** @type {Vm[]} */
  const vms = [];
  for (const m of inRegion('SIN')) {
    for (let i = 0; i < 14; i++) vms.push({ id: next(), machine: m, cores: 2, memory_gb: 8, state: 'started' });
    vms.push({ id: next(), machine: m, cores: 2, memory_gb: 16, state: 'started' });
    vms.push({ id: next(), machine: m, cores: 4, memory_gb: 16, state: 'stopped' });
  }
  write(
    'nearly-full-region',
    'SIN nearly full: each machine has 2 cores left, so a 4-core launch there is refused (stopped VMs hold nothing and cannot all start again).',
    fleet,
    vms,
    { strategy: 'binpack', timing: 'instant', seed: 1 },
  );
}

// A degraded continent: Europe slows down, one region is down, one machine is offline.
{
  const europe = ['AMS', 'ARN', 'CDG', 'FRA', 'LHR', 'MAD', 'OTP', 'WAW'];
  const status = /** @type {Record<string, string>} */ ({
    AMS: 'Degraded Performance',
    CDG: 'Degraded Performance',
    FRA: 'Down',
    LHR: 'Degraded Performance',
    WAW: 'Degraded Performance',
  });
  const regions = fleet.regions.map((r) => ({ ...r, status: status[r.code] ?? r.status }));
  const offline = inRegion('LHR')[0];
  const machines = fleet.machines.map((m) => (m === offline ? { ...m, status: 'offline' } : m));
  const next = namer('eu');
  /** @type {Vm[]} */
  const vms = [];
  for (const code of europe) {
    for (const m of machines.filter((x) => x.region === code)) {
      const failed = m.status === 'offline';
      const count = Math.max(1, Math.floor(m.cores / 16));
      for (let i = 0; i < count; i++) {
        vms.push(
          failed
            ? { id: next(), machine: m, cores: 4, memory_gb: 8, state: 'failed', reason: 'host_offline' }
            : { id: next(), machine: m, cores: 4, memory_gb: 8, state: 'started' },
        );
      }
    }
  }
  write(
    'degraded-europe',
    'Europe in trouble: AMS, CDG, LHR and WAW in Degraded Performance (stages 3x slower), FRA down (launches refused with the nearest regions suggested), one LHR machine offline with its VMs failed.',
    { regions, machines },
    vms,
    { strategy: 'spread', timing: 'realistic', seed: 7 },
  );
}

// A fragmented region: NRT's machines are full on one resource and empty on the other, so much
// is free but little of it fits the reference VM (2 cores, 4 GB): stranded capacity.
{
  const next = namer('nrt');
  /** @type {Vm[]} */
  const vms = [];
  inRegion('NRT').forEach((m, i) => {
    if (i % 2 === 0) {
      // cores nearly gone, memory almost all free: 31 of 32 cores used
      vms.push({ id: next(), machine: m, cores: 31, memory_gb: 64, state: 'started' });
    } else {
      // memory nearly gone, cores free
      vms.push({ id: next(), machine: m, cores: 8, memory_gb: m.memory_gb - 2, state: 'started' });
    }
  });
  write(
    'fragmented-region',
    'NRT fragmented: every machine is full on cores or on memory, so most of its free capacity is stranded in slots no reference VM (2 cores, 4 GB) fits. Compare binpack and spread from here.',
    fleet,
    vms,
    { strategy: 'random', timing: 'instant', seed: 3 },
  );
}
