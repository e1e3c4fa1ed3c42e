// Placement inside the orchestrator, as issue 12 names it: for one VM, decide (a machine drawn
// from the region's free-capacity index, which follows the MachineDs exactly) and reserve (the
// machine's MachineD checks and takes the room through its mailbox; a sleeping machine's entry
// makes the same check in place, and the FlyD round writes it) — Infrastructure.placeOne,
// the step a launch runs between the store's candidate hint and the VM record. No VM is
// recorded and no store is asked: the row is placement, not a launch. A second row at 100k
// machines, 90 % full, times the whole launch in one thread (Infrastructure.launch: store
// candidates → MachineD → VM committed to the in-memory backend) so the two can be compared.
//
// Fleets of 1k, 10k and 100k machines in the 35 regions, every machine 50 % or 90 % full. One
// request in four asks for 32 cores and 128 GB, which fits no machine at either fill (the
// largest has 48 cores and 192 GB, so at 50 % at most 24 cores are free): its answer is the
// region's largest free slots (what a no_capacity reports), found without scanning the region.
// Every reservation that does land is given back, untimed, so the fill stays where it was set.

import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import { bootstrapRegions } from './lib/fleet-data.js';
import { heading } from './lib/report.js';
import { fmt, rng } from './lib/stats.js';
import { loadOrchestrator } from './lib/store-bundle.js';

const CORES = [16, 32, 48];
const GB_PER_CORE = 4;
const NOWHERE = { memory_gb: 128, cores: 32 };
/** @type {('random' | 'binpack' | 'spread')[]} */
const STRATEGIES = ['random', 'binpack', 'spread'];
/** The host's default FlyD interval. */
const FLYD_INTERVAL_MS = 1000;

/**
 * @param {any} mod the bundle @param {number} count @param {number} fill
 */
async function setUp(mod, count, fill) {
  const regions = bootstrapRegions(mod);
  const random = rng(count);
  const machines = [];
  for (let i = 0; i < count; i++) {
    const cores = CORES[Math.floor(random() * CORES.length)];
    machines.push({
      id: `m-${String(i).padStart(6, '0')}`,
      region: regions[i % regions.length].code,
      datacenter: 'dc-1',
      cores,
      memory_gb: cores * GB_PER_CORE,
      status: 'available',
    });
  }
  const { fleet } = await mod.Fleet.open({ regions, machines }, { backend: new mod.MemoryBackend(), seed: 7 });
  for (const m of machines) {
    const cores = Math.floor(m.cores * fill);
    await fleet.apply({
      machine_id: m.id,
      version: 1,
      cores_allocated: cores,
      memory_allocated_gb: Math.floor(m.memory_gb * fill),
      vm_count: 1,
      changes: 1,
    });
  }
  const infra = await mod.Infrastructure.start({
    store: mod.storeService(fleet),
    autoTick: false,
    random: rng(3),
  });
  return { regions, infra };
}

/**
 * Counts the garbage collections from now until `stop()`: young-generation ones (scavenges) and
 * the rest. Unlike time, their number per placement does not change with the machine's load, so
 * it compares two builds where the clock cannot.
 */
function countGcs() {
  const n = { minor: 0, major: 0 };
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (/** @type {any} */ (e).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) n.minor++;
      else n.major++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  return {
    /** The counts so far; the observer's entries are delivered late, so this waits for them. */
    async stop() {
      await new Promise((r) => setTimeout(r, 20));
      obs.disconnect();
      return n;
    },
  };
}

/**
 * Places (decide + reserve) for `ms` under a strategy, timing only the placeOne calls; returns
 * placements per second and the time per placement of each kind. Reservations are given back
 * untimed.
 * @param {any} infra @param {{region: string, memory_gb: number, cores: number}[]} asks @param {number} ms
 * @param {'random' | 'binpack' | 'spread'} strategy
 */
async function measurePlacement(infra, asks, ms, strategy = 'random') {
  const fit = asks.filter((a) => a.cores !== NOWHERE.cores);
  const nowhere = asks.filter((a) => a.cores === NOWHERE.cores);
  const spent = { fit: 0, nowhere: 0 };
  const count = { fit: 0, nowhere: 0, unexpected: 0 };
  // CPU time of the same timed stretches: on a machine others are using, the wall clock counts
  // the turns this process waited for a core; CPU time does not.
  let cpuUs = 0;
  /** @type {any[]} */
  const got = new Array(192);
  const gcs = countGcs();
  const began = performance.now();
  let ticked = began;
  // Rounds of 192 that fit and 64 that fit nowhere (1 in 4), each timed as a batch: a clock
  // read per call would cost more than the call.
  for (let round = 0; performance.now() - began < ms; round++) {
    // FlyD's round, as the host's ticker runs it every second (untimed: it writes to the store,
    // it does not place): dirty machines are flushed and idle actors sleep again.
    if (performance.now() - ticked >= FLYD_INTERVAL_MS) {
      await infra.tick();
      ticked = performance.now();
    }
    for (const [kind, list, n] of /** @type {const} */ ([
      ['fit', fit, 192],
      ['nowhere', nowhere, 64],
    ])) {
      const from = (round * n) % list.length;
      const c = process.cpuUsage();
      const t = performance.now();
      for (let k = 0; k < n; k++) {
        const a = list[(from + k) % list.length];
        // Answered in the same turn when the MachineD was idle; a promise otherwise.
        const g = infra.placeOne(a.region, a.memory_gb, a.cores, strategy);
        got[k] = g instanceof Promise ? await g : g;
      }
      spent[kind] += performance.now() - t;
      const used = process.cpuUsage(c);
      cpuUs += used.user + used.system;
      count[kind] += n;
      for (let k = 0; k < n; k++) {
        const a = list[(from + k) % list.length];
        const g = got[k];
        if ('slots' in g !== (kind === 'nowhere')) count.unexpected++;
        if ('machine_id' in g) await infra.unplace(g.machine_id, a.memory_gb, a.cores);
      }
    }
  }
  if (count.unexpected > 0)
    throw new Error(`${count.unexpected} placements landed where they should not, or the reverse`);
  const gc = await gcs.stop();
  const placed = count.fit + count.nowhere;
  return {
    gc: { ...gc, placed },
    perSecond: ((count.fit + count.nowhere) / (spent.fit + spent.nowhere)) * 1000,
    perCpuSecond: ((count.fit + count.nowhere) / cpuUs) * 1e6,
    fitUs: (spent.fit / count.fit) * 1000,
    nowhereUs: (spent.nowhere / count.nowhere) * 1000,
  };
}

/**
 * Whole launches for `ms` (placement plus the store's candidates and the VM record), timing
 * only the launch calls; VMs that land are destroyed again, untimed.
 * @param {any} infra @param {{region: string, memory_gb: number, cores: number}[]} asks @param {number} ms
 */
async function measureLaunch(infra, asks, ms) {
  let spent = 0;
  let count = 0;
  const began = performance.now();
  for (let i = 0; performance.now() - began < ms; i++) {
    const ask = asks[i % asks.length];
    const t = performance.now();
    let vm = null;
    try {
      vm = await infra.launch(ask);
    } catch (err) {
      if (/** @type {any} */ (err).code !== 'no_capacity') throw err;
    }
    spent += performance.now() - t;
    count++;
    if (vm) await infra.destroy(vm.id);
  }
  return (count / spent) * 1000;
}

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{sizes: number[], sampleMs: number, reps: number}} o
 */
export async function run(report, o) {
  heading(
    'Placement inside the orchestrator (decide + reserve: Infrastructure.placeOne; and the whole launch in one thread)',
  );
  // The lifecycle's stage timers are unref'd (they must never hold a host open), so nothing
  // would keep this process alive while a launch waits on one: this interval does.
  const alive = setInterval(() => {}, 60_000);
  try {
    await measureAll(report, o);
  } finally {
    clearInterval(alive);
  }
}

/**
 * @param {import('./lib/report.js').Report} report
 * @param {{sizes: number[], sampleMs: number, reps: number}} o
 */
async function measureAll(report, o) {
  const mod = await loadOrchestrator();
  for (const size of o.sizes) {
    for (const fill of [0.5, 0.9]) {
      const t0 = performance.now();
      const { regions, infra } = await setUp(mod, size, fill);
      const random = rng(size + Math.round(fill * 100));
      const asks = Array.from({ length: 4096 }, (_, i) => ({
        region: regions[Math.floor(random() * regions.length)].code,
        ...(i % 4 === 3 ? NOWHERE : { memory_gb: 1 + Math.floor(random() * 2), cores: 1 }),
      }));
      process.stdout.write(
        `  ${fmt(size)} machines, ${fill * 100} % full: set up in ${fmt(performance.now() - t0)} ms\n`,
      );
      const big = size >= 100_000 && fill === 0.9;
      // binpack and spread beside random where the target is (and in the smoke run's one size).
      const strategies = size === Math.max(...o.sizes) && fill === 0.9 ? STRATEGIES : STRATEGIES.slice(0, 1);
      for (const strategy of strategies) {
        await measurePlacement(infra, asks, o.sampleMs / 2, strategy);
        const runs = [];
        const perCpu = [];
        const fitUs = [];
        const nowhereUs = [];
        const gc = { minor: 0, major: 0, placed: 0 };
        for (let r = 0; r < o.reps; r++) {
          const m = await measurePlacement(infra, asks, o.sampleMs, strategy);
          runs.push(m.perSecond);
          perCpu.push(m.perCpuSecond);
          fitUs.push(m.fitUs);
          nowhereUs.push(m.nowhereUs);
          gc.minor += m.gc.minor;
          gc.major += m.gc.major;
          gc.placed += m.gc.placed;
        }
        const how =
          strategy === 'random'
            ? 'index draw'
            : `the index's ${strategy === 'binpack' ? 'least' : 'most'} free room that fits`;
        report.add({
          bench: 'placement',
          name: `placement (decide + reserve${strategy === 'random' ? '' : `, ${strategy}`}) at ${fmt(size)} machines, ${fill * 100} % full, 1 in 4 fits nowhere`,
          unit: 'placements/s',
          better: 'higher',
          subject: { label: `Infrastructure.placeOne (${strategy})`, runs },
          note: `one that fits (${how} + reservation, in place on a sleeping machine): ${fmt(Math.min(...fitUs))}–${fmt(Math.max(...fitUs))} µs; one that fits nowhere (the region's largest free slots, no scan): ${fmt(Math.min(...nowhereUs))}–${fmt(Math.max(...nowhereUs))} µs; per CPU-second of this process (what a loaded machine's wall clock hides): ${fmt(Math.min(...perCpu))}–${fmt(Math.max(...perCpu))}/s; garbage collections per 10,000 placements, all runs together (FlyD rounds and give-backs included; the load does not change these): young ${fmt((gc.minor / gc.placed) * 10_000)}, other ${fmt((gc.major / gc.placed) * 10_000)}; ${fmt(size / regions.length)} machines per region; a sleeping machine is reserved in place (no actors built), and the FlyD rounds that write it run untimed`,
          ...(big ? { target: /** @type {const} */ ({ on: 'subject', op: '>=', value: 200_000 }) } : {}),
          command: 'npm run bench -- placement',
        });
      }
      // The whole launch in one thread, beside placement, where the target is.
      const launches = [];
      if (size === Math.max(...o.sizes) && fill === 0.9) {
        for (let r = 0; r < o.reps; r++) launches.push(await measureLaunch(infra, asks, o.sampleMs));
      }
      infra.stop?.();
      if (launches.length > 0)
        report.add({
          bench: 'placement',
          name: `whole launch in one thread at ${fmt(size)} machines, ${fill * 100} % full, 1 in 4 fits nowhere (store candidates, placement, VM record, no_capacity error)`,
          unit: 'launches/s',
          better: 'higher',
          subject: { label: 'Infrastructure.launch', runs: launches },
          command: 'npm run bench -- placement',
        });
    }
  }
}
