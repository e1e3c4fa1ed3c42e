// The load generator in its own process (started by bench/lib/load-remote.js with an IPC
// channel), so that neither `flylight serve` nor the bare server shares a CPU-time budget with
// the client inside one process. One keep-alive pool per target port, kept across runs.
//
// Two kinds of run:
// - closed: C clients each send the next request when the previous answer is in (throughput);
// - paced: an open loop at a fixed rate, latency measured from when each request was due (so a
//   stalled server is not hidden by the client waiting for it), optionally with SSE
//   subscribers on /v1/events that time how long each launched machine takes to show up.

import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { LoadClient } from './http-load.js';
import { quantile } from './stats.js';

/** @type {Map<string, LoadClient>} */
const clients = new Map();

/**
 * @param {number} port @param {Record<string, string>} headers @param {number} concurrency
 */
function clientFor(port, headers, concurrency) {
  const key = `${port}:${concurrency}:${JSON.stringify(headers)}`;
  let c = clients.get(key);
  if (!c) {
    c = new LoadClient({ port, concurrency, headers });
    clients.set(key, c);
  }
  return c;
}

/** The VM id of a `vm` event's data line, without parsing the whole event. @param {string} data */
function vmIdOf(data) {
  const at = data.indexOf('"vm":{"id":"');
  return at === -1 ? null : data.slice(at + 12, data.indexOf('"', at + 12));
}

/**
 * A subscriber of /v1/events that counts every event by type and records, per launch, how long
 * from its 201 until the launched VM's own `vm` event arrived, and per machine, until an event
 * for the machine (FlyD conflates those per interval, so they lag up to an interval by design).
 * @param {number} port @param {Record<string, string>} headers
 */
function subscribe(port, headers) {
  /** @type {Map<string, number>} machine id → when the oldest unreported launch onto it was answered */
  const pending = new Map();
  /** @type {Map<string, number>} machine id → when its last event arrived */
  const seen = new Map();
  /** @type {Map<string, number>} VM id → when its launch was answered, until its first event */
  const pendingVm = new Map();
  /** @type {Map<string, number>} VM id → when its first event arrived */
  const seenVm = new Map();
  const s = {
    events: 0,
    /** @type {Record<string, number>} */
    byType: {},
    lags: /** @type {number[]} */ ([]),
    vmLags: /** @type {number[]} */ ([]),
    pending,
    seen,
    pendingVm,
    seenVm,
    /** When the server ended the stream (a subscriber that reads too slowly is cut off), or null. */
    cutAt: /** @type {number | null} */ (null),
    closing: false,
    close: () => {},
  };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/events', headers: { ...headers, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`GET /v1/events answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        let rest = '';
        let event = '';
        res.on('data', (chunk) => {
          const now = performance.now();
          const lines = (rest + chunk).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ') && event !== '') {
              s.events++;
              s.byType[event] = (s.byType[event] ?? 0) + 1;
              if (event === 'machine') {
                const id = JSON.parse(line.slice(6)).machine?.id;
                seen.set(id, now);
                const since = pending.get(id);
                if (since !== undefined) {
                  s.lags.push(now - since);
                  pending.delete(id);
                }
              } else if (event === 'vm') {
                const id = vmIdOf(line);
                if (id !== null && !seenVm.has(id)) {
                  seenVm.set(id, now);
                  const since = pendingVm.get(id);
                  if (since !== undefined) {
                    s.vmLags.push(now - since);
                    pendingVm.delete(id);
                  }
                }
              }
            } else if (line === '') event = '';
          }
        });
        res.on('close', () => {
          if (!s.closing) s.cutAt = performance.now();
        });
        s.close = () => {
          s.closing = true;
          req.destroy();
        };
        resolve(s);
      },
    );
    req.on('error', (err) => {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ECONNRESET' && err.message !== 'socket hang up')
        reject(err);
    });
    req.end();
  });
}

/**
 * `maxInFlight` (default: no bound) caps the launches awaiting an answer: one due while that many
 * are out is sent when one comes back (late, and its latency still counts from when it was due).
 * Unbounded, a host that falls behind gets ever more connections at once and sheds them (503 past
 * the proxy's cap); bounded, the client holds the queue and the host sees a steady stream.
 * @param {{port: number, headers: Record<string, string>, rate: number, seconds: number,
 *   bodies: string[], subscribers: number, settleMs: number, maxInFlight?: number}} o
 */
async function paced(o) {
  /** @type {Awaited<ReturnType<typeof subscribe>>[]} */
  const subs = [];
  for (let i = 0; i < o.subscribers; i++) subs.push(await subscribe(o.port, o.headers));
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(o.rate * o.seconds);
  const latencies = new Float64Array(total);
  /** @type {Map<string, number>} */
  const unexpected = new Map();
  /** @type {Map<string, number>} every answer's status ('error' for none), 201 included */
  const statuses = new Map();
  const count = (/** @type {string} */ k) => statuses.set(k, (statuses.get(k) ?? 0) + 1);
  const maxInFlight = o.maxInFlight ?? Number.POSITIVE_INFINITY;
  let inFlight = 0;
  /** Launches sent more than 50 ms after they were due (the bound held them, or a late tick). */
  let late = 0;
  let ok = 0;
  let done = 0;
  let sent = 0;
  let finish = () => {};
  const allDone = new Promise((r) => (finish = () => r(undefined)));
  const start = performance.now();
  const fire = (/** @type {number} */ i) => {
    const due = start + (i * 1000) / o.rate;
    const sentAt = performance.now();
    if (sentAt - due > 50) late++;
    inFlight++;
    const body = o.bodies[i % o.bodies.length];
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port: o.port,
        method: 'POST',
        path: '/v1/vms',
        headers: {
          ...o.headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          const now = performance.now();
          latencies[i] = now - due;
          inFlight--;
          count(String(res.statusCode));
          if (res.statusCode === 201) {
            ok++;
            const { machine_id: machine, id: vmId } = JSON.parse(text);
            for (const s of subs) {
              // FlyD may flush (and the event arrive) before this answer is read: that is a lag of 0.
              if ((s.seen.get(machine) ?? -1) >= sentAt) s.lags.push(0);
              else if (!s.pending.has(machine)) s.pending.set(machine, now);
              // The VM's own event may come before its answer is read too.
              if (s.seenVm.has(vmId)) s.vmLags.push(0);
              else s.pendingVm.set(vmId, now);
            }
          } else {
            const key = `${res.statusCode} ${text.slice(0, 120)}`;
            unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
          }
          if (++done === total) finish();
        });
      },
    );
    req.on('error', (err) => {
      inFlight--;
      count('error');
      unexpected.set(`error ${err.message}`, (unexpected.get(`error ${err.message}`) ?? 0) + 1);
      latencies[i] = performance.now() - due;
      if (++done === total) finish();
    });
    req.end(body);
  };
  // Every millisecond, send whatever has come due; a late tick sends the backlog at once.
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * o.rate) / 1000) + 1);
      while (sent < due && inFlight < maxInFlight) fire(sent++);
      if (sent < total) setTimeout(tick, 1);
      else resolve(undefined);
    };
    tick();
  });
  if (total > 0) await allDone;
  const lastAnswer = performance.now();
  // Wait for the events of the last launches (FlyD flushes once per interval).
  while (subs.some((s) => s.pending.size > 0 || s.pendingVm.size > 0) && performance.now() - lastAnswer < o.settleMs) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  for (const s of subs) s.close();
  const lags = subs.flatMap((s) => s.lags);
  const vmLags = subs.flatMap((s) => s.vmLags);
  return {
    sent: total,
    achievedPerSecond: total / ((lastAnswer - start) / 1000),
    /** 201s per second, from the first launch to the last answer. */
    okPerSecond: ok / ((lastAnswer - start) / 1000),
    statuses: Object.fromEntries(statuses),
    late,
    p50: quantile(Array.from(latencies), 0.5),
    p99: quantile(Array.from(latencies), 0.99),
    eventsPerSecond: subs.reduce((a, s) => a + s.events, 0) / elapsed,
    eventsPerSubscriber: subs.map((s) => s.events),
    lagP50: quantile(lags, 0.5),
    lagMax: lags.length > 0 ? Math.max(...lags) : Number.NaN,
    neverSeen: subs.reduce((a, s) => a + s.pending.size, 0),
    byType: subs[0]?.byType ?? {},
    vmLagP50: quantile(vmLags, 0.5),
    vmLagP99: quantile(vmLags, 0.99),
    vmLagMax: vmLags.length > 0 ? Math.max(...vmLags) : Number.NaN,
    vmNeverSeen: subs.reduce((a, s) => a + s.pendingVm.size, 0),
    // Seconds into the run at which the server cut each subscriber off (null: never).
    cutAfterS: subs.map((s) => (s.cutAt === null ? null : Math.round((s.cutAt - start) / 100) / 10)),
    unexpected: Object.fromEntries(unexpected),
  };
}

process.on('message', async (/** @type {any} */ m) => {
  try {
    let result;
    if (m.op === 'closed') {
      const c = clientFor(m.port, m.headers, m.concurrency);
      const bodies = /** @type {string[] | null} */ (m.bodies);
      const bodyOf = (/** @type {number} */ i) => (bodies ? bodies[(m.offset + i) % bodies.length] : undefined);
      // keyPrefix: every request carries its own Idempotency-Key (as a client that retries safely sends).
      const headersOf =
        typeof m.keyPrefix === 'string'
          ? (/** @type {number} */ i) => ({ 'idempotency-key': `${m.keyPrefix}${m.offset + i}` })
          : undefined;
      result = await c.closedLoop(m.method, m.path, m.n, bodyOf, m.want, headersOf);
    } else if (m.op === 'paced') {
      result = await paced(m);
    } else throw new Error(`unknown op ${m.op}`);
    process.send?.({ id: m.id, result });
  } catch (err) {
    process.send?.({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
process.on('disconnect', () => process.exit(0));
