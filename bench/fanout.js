// Event fan-out (issue 12): 1,000 launches/s for 10 s (an open loop) into `flylight serve` with
// the 100k-machine fleet, three `/v1/events` subscribers and a dashboard (Chromium, a region
// selected) watching. Every event each subscriber gets is counted, by type; two lags are timed
// per launch: from its 201 to the launched VM's own `vm` event (the store publishes it once the
// record is durable; nothing conflates it), and to an event for its machine (FlyD conflates those
// per interval, so up to one interval is by design). A launch the host did not answer 201 (the
// gate refuses past 256 requests at once when the host falls behind) is counted, not hidden.
//
// Part of `npm run bench -- serve`; alone: `npm run bench -- fanout` (its own 100k serve).

import { openDashboard } from './dashboard.js';
import { RemoteLoad } from './lib/load-remote.js';
import { heading } from './lib/report.js';
import { startServe, writeFleet } from './lib/serve-proc.js';
import { fmt } from './lib/stats.js';
import { launchBodies } from './serve.js';

const FLYD_INTERVAL_MS = 1000;

/**
 * @param {import('./lib/report.js').Report} report
 * @param {RemoteLoad} load
 * @param {import('./lib/serve-proc.js').Served} big @param {string[]} bodies
 * @param {{fanRate: number, fanSeconds: number, bigMachines: number}} o @param {string} command
 */
export async function fanOut(report, load, big, bodies, o, command) {
  const regionCode = JSON.parse(bodies[0]).region;
  const dashboard = await openDashboard(big, regionCode);
  const fan = await load
    .paced({
      port: big.port,
      headers: big.headers,
      rate: o.fanRate,
      seconds: o.fanSeconds,
      bodies,
      subscribers: 3,
      settleMs: 3 * FLYD_INTERVAL_MS,
    })
    .finally(() => dashboard.close());
  const failed = Object.entries(fan.unexpected);
  const notOk = failed.reduce((a, [, v]) => a + v, 0);
  const cut = fan.cutAfterS.filter((x) => x !== null);
  const types = Object.entries(fan.byType)
    .map(([k, v]) => `${fmt(v)} ${k}`)
    .join(', ');
  report.add({
    bench: 'events',
    name: `SSE fan-out: ${fmt(o.fanRate)} launches/s asked for ${o.fanSeconds} s, 3 subscribers and a dashboard (${fmt(o.bigMachines)} machines): events delivered`,
    unit: 'events/s',
    better: 'higher',
    subject: { label: 'events delivered (all 3)', runs: [fan.eventsPerSecond] },
    note: `launches answered at ${fmt(fan.achievedPerSecond)}/s (p99 ${fmt(fan.p99)} ms from when each was due); each subscriber got ${fan.eventsPerSubscriber.map((n) => fmt(n)).join(' / ')} events (the first: ${types}); ${fan.vmNeverSeen} launched VMs and ${fan.neverSeen} machines never seen by a subscriber${cut.length > 0 ? `; ${cut.length} subscribers cut off by the host for reading too slowly (after ${cut.join(', ')} s)` : ''}${notOk > 0 ? `; ${notOk} launches not 201 (${failed.map(([k, v]) => `${v}× ${k.slice(0, 60)}`).join('; ')})` : ''}`,
    command,
  });
  report.add({
    bench: 'events',
    name: 'SSE fan-out: worst lag, launch answered → the VM’s own event at a subscriber',
    unit: 'ms',
    better: 'lower',
    subject: { label: 'worst lag', runs: [fan.vmLagMax] },
    note: `median ${fmt(fan.vmLagP50)} ms, p99 ${fmt(fan.vmLagP99)} ms; the event is published once the VM is durable and may cross to the proxy up to 10 ms after its answer (rpc-outbox.ts)`,
    command,
  });
  report.add({
    bench: 'events',
    name: 'SSE fan-out: worst lag, launch answered → an event for its machine at a subscriber',
    unit: 'ms',
    better: 'lower',
    subject: { label: 'worst lag', runs: [fan.lagMax] },
    baseline: { label: 'FlyD interval', runs: [FLYD_INTERVAL_MS] },
    note: `median ${fmt(fan.lagP50)} ms; FlyD conflates per interval, so up to one interval is by design`,
    command,
  });
}

/**
 * The fan-out alone, on its own `flylight serve` with the big fleet.
 * @param {import('./lib/report.js').Report} report
 * @param {{fanRate: number, fanSeconds: number, bigMachines: number}} o
 */
export async function run(report, o) {
  heading(
    `event fan-out: ${fmt(o.fanRate)} launches/s for ${o.fanSeconds} s into flylight serve (${fmt(o.bigMachines)} machines), 3 subscribers and a dashboard`,
  );
  const { file } = await writeFleet(o.bigMachines);
  const big = await startServe({ label: `${fmt(o.bigMachines)} machines`, args: ['--regions', file] });
  const load = new RemoteLoad();
  try {
    const bodies = await launchBodies(big, 4096);
    // Warm-up: JIT and pools, as the serve bench's repetitions do before its fan-out.
    await load.closed({ port: big.port, headers: big.headers, concurrency: 16, n: 2000, bodies });
    await fanOut(report, load, big, bodies, o, 'npm run bench -- fanout');
  } finally {
    load.close();
    await big.stop();
  }
}
