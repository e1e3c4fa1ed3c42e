// Heap of the store model against the raw records it holds. Each repetition runs in a fresh
// child process (node --expose-gc), so one measurement's garbage and JIT state never leak
// into the next, and the parent's own heap (a running host, other benchmarks) is not counted.

import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bootstrapRegions, makeMachines } from './lib/fleet-data.js';
import { heading } from './lib/report.js';
import { fmt } from './lib/stats.js';
import { CACHE, loadStore } from './lib/store-bundle.js';

// The child learns the size from its command line; the parent from run()'s options.
const sizeArg = process.argv.find((a) => a.startsWith('--machines='));
let MACHINES = sizeArg ? Number(sizeArg.slice('--machines='.length)) : 100_000;
let VMS = MACHINES;
const MB = 1024 * 1024;

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{reps: number, machines?: number}} o
 */
export async function run(report, { reps, machines = 100_000 }) {
  MACHINES = machines;
  VMS = machines;
  heading(`Memory: ${fmt(MACHINES)} machines and ${fmt(VMS)} VMs, heap after full GC`);
  await loadStore(); // builds the bundle the children import
  /** @type {Record<string, number>[]} */
  const runs = [];
  for (let r = 0; r < reps; r++) runs.push(await child());
  const pick = (/** @type {string} */ k) => runs.map((x) => x[k] / MB);
  report.add({
    bench: 'memory',
    name: `heap of ${fmt(MACHINES)} machines`,
    unit: 'MB',
    better: 'lower',
    subject: { label: 'Fleet (indexes, maps, sums)', runs: pick('fleetMachines') },
    baseline: { label: 'plain array of Machine objects', runs: pick('rawMachines') },
    note: `${fmt(runs[0].fleetMachines / MACHINES)} bytes per machine in the Fleet`,
  });
  report.add({
    bench: 'memory',
    name: `heap of ${fmt(VMS)} VMs added to that Fleet (putVm)`,
    unit: 'MB',
    better: 'lower',
    subject: { label: 'Fleet + in-memory backend', runs: pick('fleetVms') },
    baseline: { label: 'plain array of Vm objects', runs: pick('rawVms') },
    note: `the ephemeral backend keeps its own copy of each VM, as LMDB would on disk; ${fmt(runs[0].fleetVms / VMS)} bytes per VM`,
  });
}

/** @returns {Promise<Record<string, number>>} */
function child() {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--child', `--machines=${MACHINES}`],
      { maxBuffer: 1 << 20, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`memory child failed: ${err.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
      },
    );
  });
}

/** Heap used after GC has had every chance to run (weak refs and finalisers need two passes). */
async function settledHeap() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

async function measure() {
  const store = await import(pathToFileURL(`${CACHE}/store.mjs`).href);
  const regions = bootstrapRegions(store);
  const at = new Date().toISOString();

  // Raw machines: the records alone, strings included, as a plain array.
  // Held in an object so that dropping them (= null) is plain to see and to the GC.
  const held = {};
  let h = await settledHeap();
  held.machines = makeMachines(regions, MACHINES).map((s) => ({
    id: s.id,
    region: s.region,
    datacenter: s.datacenter,
    status: 'available',
    cores_total: s.cores,
    cores_allocated: 0,
    memory_total_gb: s.memory_gb,
    memory_allocated_gb: 0,
    vm_count: 0,
    updated_at: at,
  }));
  const rawMachines = (await settledHeap()) - h;
  held.machines = null;

  // The Fleet keeps the specs it was built from (reset() rebuilds from them), so they count.
  h = await settledHeap();
  const machines = makeMachines(regions, MACHINES);
  const { fleet } = await store.Fleet.open({ regions, machines }, { backend: new store.MemoryBackend(), seed: 1 });
  const fleetMachines = (await settledHeap()) - h;

  const vmsOf = () =>
    machines.slice(0, VMS).map((m, i) => ({
      id: `vm-${i.toString(16).padStart(12, '0')}`,
      region: m.region,
      machine_id: m.id,
      memory_gb: 1,
      cores: 1,
      state: 'running',
      created_at: new Date(Date.parse(at) + i).toISOString(),
    }));
  h = await settledHeap();
  held.vms = vmsOf();
  const rawVms = (await settledHeap()) - h;
  held.vms = null;

  h = await settledHeap();
  for (const vm of vmsOf()) await fleet.putVm(vm);
  const fleetVms = (await settledHeap()) - h;
  if (fleet.totals().vms !== VMS) throw new Error(`expected ${VMS} VMs in the fleet, found ${fleet.totals().vms}`);
  return { rawMachines, fleetMachines, rawVms, fleetVms };
}

if (process.argv.includes('--child')) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  process.stdout.write(`${JSON.stringify(await measure())}\n`);
}
