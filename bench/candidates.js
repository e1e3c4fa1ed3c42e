// Candidate search and FlyD updates at the design's scale: the real store model (Fleet, in-memory
// backend) holding 100,000 machines in 35 regions, against the naive approaches it replaces.

import { performance } from 'node:perf_hooks';
import { bootstrapRegions, makeMachines } from './lib/fleet-data.js';
import { heading } from './lib/report.js';
import { fmt, opsPerSecond, rng } from './lib/stats.js';
import { loadStore } from './lib/store-bundle.js';

const CANDIDATES = 5;
const QUERIES = 4096;

/**
 * The fields of src/shared/types.ts's Machine the bench reads (the bench is plain JS, checked
 * under NodeNext, which does not follow the sources' extensionless imports).
 * @typedef {{ id: string, region: string, status: string, cores_total: number, cores_allocated: number,
 *   memory_total_gb: number, memory_allocated_gb: number, vm_count: number, updated_at: string,
 *   datacenter?: string }} Machine
 */

/**
 * The seed's way: filter every machine of the fleet, shuffle all that fit, take n.
 * @param {Machine[]} all @param {string} region @param {number} memory_gb @param {number} cores
 * @param {number} n @param {() => number} random
 */
function naiveCandidates(all, region, memory_gb, cores, n, random) {
  const fit = all.filter(
    (m) =>
      m.region === region &&
      (m.status === 'available' || m.status === 'allocated') &&
      m.memory_total_gb - m.memory_allocated_gb >= memory_gb &&
      m.cores_total - m.cores_allocated >= cores,
  );
  for (let i = fit.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = fit[i];
    fit[i] = fit[j];
    fit[j] = t;
  }
  // Copies, as the store's candidates() answers copies (they cross a thread).
  return fit.slice(0, n).map((m) => ({ ...m }));
}

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{reps: number, sampleMs: number, machines?: number}} o
 */
export async function run(report, { reps, sampleMs, machines: MACHINES = 100_000 }) {
  heading(`Store model at scale: ${MACHINES.toLocaleString('en-US')} machines, in-memory backend`);
  const store = await loadStore();
  const regions = bootstrapRegions(store);
  const machines = makeMachines(regions, MACHINES);
  const t0 = performance.now();
  const { fleet } = await store.Fleet.open({ regions, machines }, { backend: new store.MemoryBackend(), seed: 7 });
  const buildMs = performance.now() - t0;
  process.stdout.write(
    `  built a Fleet of ${fmt(MACHINES)} machines in ${regions.length} regions in ${fmt(buildMs)} ms\n`,
  );

  // ---- Fleet.apply: one conflated FlyD update per call ------------------------------------
  const random = rng(11);
  const loads = machines.map((m) => {
    // Some machines full, most partly used: the fill a busy fleet has.
    const f = random() < 0.15 ? 1 : random();
    const cores = Math.floor(m.cores * f);
    const memory = Math.floor(m.memory_gb * f);
    return { cores, memory, vms: Math.max(cores > 0 ? 1 : 0, Math.floor(cores / 4)) };
  });
  const versions = new Uint32Array(MACHINES);
  /** @type {Map<string, Machine>} */
  const plain = new Map(fleet.allMachines().map((/** @type {Machine} */ m) => [m.id, m]));
  const update = (/** @type {number} */ i) => {
    const k = i % MACHINES;
    const l = loads[k];
    return {
      machine_id: machines[k].id,
      version: ++versions[k],
      cores_allocated: l.cores,
      memory_allocated_gb: l.memory,
      vm_count: l.vms,
    };
  };
  const viaFleet = (/** @type {number} */ i) => fleet.apply(update(i));
  // A bare Map lookup and field assignment: what an update costs with no checks, no backend
  // write and no change event.
  const viaMap = async (/** @type {number} */ i) => {
    const u = update(i);
    const m = /** @type {Machine} */ (plain.get(u.machine_id));
    m.cores_allocated = u.cores_allocated;
    m.memory_allocated_gb = u.memory_allocated_gb;
    m.vm_count = u.vm_count;
    m.updated_at = new Date().toISOString();
  };
  // Warm-up also lays the fill over every machine, so candidates() below filters for real.
  await opsPerSecond(viaFleet, sampleMs);
  for (let i = 0; i < MACHINES; i++) await viaFleet(i);
  await opsPerSecond(viaMap, sampleMs);
  const applyRuns = { fleet: /** @type {number[]} */ ([]), map: /** @type {number[]} */ ([]) };
  for (let r = 0; r < reps; r++) {
    applyRuns.map.push(await opsPerSecond(viaMap, sampleMs));
    applyRuns.fleet.push(await opsPerSecond(viaFleet, sampleMs));
  }
  report.add({
    bench: 'store',
    name: 'Fleet.apply (FlyD update: checks, backend commit, change event)',
    unit: 'updates/s',
    better: 'higher',
    subject: { label: 'Fleet.apply', runs: applyRuns.fleet },
    baseline: { label: 'bare Map field update', runs: applyRuns.map },
  });

  // ---- candidates(region, memory_gb, cores, 5) --------------------------------------------
  const q = rng(5);
  const queries = Array.from({ length: QUERIES }, () => ({
    region: regions[Math.floor(q() * regions.length)].code,
    memory_gb: 1 + Math.floor(q() * 64),
    cores: 1 + Math.floor(q() * 16),
  }));
  const all = fleet.allMachines();
  const naiveRandom = rng(3);
  const viaIndex = (/** @type {number} */ i) => {
    const x = queries[i % QUERIES];
    return fleet.candidates(x.region, x.memory_gb, x.cores, CANDIDATES);
  };
  const viaScan = (/** @type {number} */ i) => {
    const x = queries[i % QUERIES];
    return naiveCandidates(all, x.region, x.memory_gb, x.cores, CANDIDATES, naiveRandom);
  };
  // Both sides must be doing the same job, or the ratio means nothing.
  let fitting = 0;
  for (let i = 0; i < 64; i++) {
    const a = viaIndex(i);
    const b = viaScan(i);
    const x = queries[i];
    const fits = fleet
      .regionIndex(x.region)
      .machines.filter(
        (/** @type {Machine} */ m) =>
          (m.status === 'available' || m.status === 'allocated') &&
          m.memory_total_gb - m.memory_allocated_gb >= x.memory_gb &&
          m.cores_total - m.cores_allocated >= x.cores,
      ).length;
    fitting += fits;
    if (a.length !== b.length || a.length !== Math.min(CANDIDATES, fits))
      throw new Error(`candidates disagree on query ${i}: index ${a.length}, scan ${b.length}, fitting ${fits}`);
    for (const m of a)
      if (m.region !== x.region || m.cores_total - m.cores_allocated < x.cores)
        throw new Error(`candidates() returned ${m.id}, which does not fit query ${i}`);
  }
  await opsPerSecond(viaIndex, sampleMs);
  await opsPerSecond(viaScan, sampleMs);
  const candRuns = { index: /** @type {number[]} */ ([]), scan: /** @type {number[]} */ ([]) };
  for (let r = 0; r < reps; r++) {
    candRuns.scan.push(await opsPerSecond(viaScan, sampleMs));
    candRuns.index.push(await opsPerSecond(viaIndex, sampleMs));
  }
  report.add({
    bench: 'store',
    name: `candidates(region, memory, cores, ${CANDIDATES}) over ${fmt(MACHINES)} machines`,
    unit: 'searches/s',
    better: 'higher',
    subject: { label: 'Fleet.candidates (index)', runs: candRuns.index },
    baseline: { label: 'filter+shuffle all (seed)', runs: candRuns.scan },
    note: `${fmt(MACHINES / regions.length)} machines per region; on average ${fmt(fitting / 64)} of them fit a query`,
  });
}
