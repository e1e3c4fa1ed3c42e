// Issue 8 item 6, over real sockets against the real host writing its real log file: a flood
// of requests without a token is metered by one bucket before it costs anything. The log grows
// by a line a second of aggregate, not a line per request; /metrics counts every refusal; the
// token holder is served throughout; the dashboard's files have a bucket of their own.

import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientMessage } from '../../src/shared/hello';
import { builtDashboard, startTestHost, type TestHost } from '../helpers/host';
import { send } from '../helpers/http';
import { parseExposition, sampleValue } from '../helpers/prom-text';
import { until } from '../helpers/until';

const TOKEN = 'F'.repeat(43);
const AUTH = { authorization: `Bearer ${TOKEN}` };
const N = 4000;
// Small next to what 32 connections send, so the bucket stays empty however slow the machine.
const RATE = 20;

let host: TestHost;
let port: number;
let dataDir: string;

function logLines(): string[] {
  return readFileSync(join(dataDir, 'logs', 'flylight.log'), 'utf8')
    .split('\n')
    .filter(Boolean);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'flylight-flood-'));
  host = await startTestHost({
    token: TOKEN,
    dataDir,
    staticDir: builtDashboard(),
    limits: { anonRatePerSec: RATE, anonBurst: RATE, staticRatePerSec: RATE, staticBurst: RATE },
  });
  port = Number(new URL(host.url).port);
});

afterAll(async () => {
  await host?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * N requests over 32 kept-alive connections (or until `stop` says so); resolves with the count
 * of each status.
 */
async function blast(
  path: string,
  headers: Record<string, string>,
  n: number,
  stop: () => boolean = () => false,
): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const counts = new Map<number, number>();
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          counts.set(res.statusCode ?? 0, (counts.get(res.statusCode ?? 0) ?? 0) + 1);
          resolve();
        });
      });
      req.on('error', reject);
      req.end();
    });
  const lane = async () => {
    while (next < n && !stop()) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: 32 }, lane));
  agent.destroy();
  return counts;
}

describe('a flood of requests without a token', () => {
  it('is metered before it costs a log line each, and the token holder is still served', async () => {
    const before = logLines().length;
    const started = Date.now();
    let served = 0;
    let mineFailed = 0;
    let done = false;
    const mine = (async () => {
      while (Date.now() - started < 60_000) {
        const r = await send(port, { path: '/v1/regions', headers: AUTH });
        if (r.status === 200) served++;
        else mineFailed++;
        if (done) return;
      }
    })();
    const counts = await blast('/v1/regions', {}, N);
    done = true;
    await mine;
    const seconds = (Date.now() - started) / 1000;

    const refused = counts.get(429) ?? 0;
    const admitted = counts.get(401) ?? 0;
    expect(refused + admitted).toBe(N);
    // One bucket for all strangers: its burst plus its rate over the blast, no more.
    expect(admitted).toBeLessThanOrEqual(RATE + RATE * Math.ceil(seconds) + 5);
    expect(refused).toBeGreaterThan(N / 2);
    expect(served).toBeGreaterThan(0);
    expect(mineFailed).toBe(0);

    // The log grew by the admitted requests and about a line a second, not by N.
    // Until the last aggregate line is out: the lines together count every refusal.
    const aggregateLines = () =>
      logLines()
        .slice(before)
        .filter((l) => l.includes('refused in aggregate'));
    const countedInLog = () => aggregateLines().reduce((sum, l) => sum + (JSON.parse(l).refused.rate_limited ?? 0), 0);
    await until(() => countedInLog() >= refused, 5000, 'the aggregate lines to count every refusal');
    const added = logLines().slice(before);
    const aggregate = added.filter((l) => l.includes('refused in aggregate'));
    expect(aggregate.length).toBeGreaterThanOrEqual(1);
    expect(aggregate.length).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    const summed = aggregate.reduce((sum, l) => sum + (JSON.parse(l).refused.rate_limited ?? 0), 0);
    expect(summed).toBe(refused);
    // Each admitted stranger and each of the holder's requests is a line; refusals are not.
    expect(added.length).toBeLessThan(admitted + served + aggregate.length + 20);
    expect(added.length).toBeLessThan(refused);

    // Every stranger's request is counted in /metrics.
    const metrics = await send(port, { path: '/metrics', headers: AUTH });
    const fam = parseExposition(metrics.body);
    expect(sampleValue(fam, 'flylight_anonymous_requests_total', { kind: 'api', result: 'refused' })).toBe(refused);
    expect(sampleValue(fam, 'flylight_anonymous_requests_total', { kind: 'api', result: 'admitted' })).toBe(admitted);
  }, 60_000);

  it("the dashboard's files have their own bucket: a flood of API calls does not shut them", async () => {
    await blast('/v1/vms', {}, 500);
    const page = await send(port, { path: '/' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
  });
});

describe("the CLI's identity check during a flood", () => {
  it('a hello from a token holder (client_proof) is not queued behind strangers', async () => {
    const nonce = 'n'.repeat(43);
    const proof = (p: number) => createHmac('sha256', TOKEN).update(clientMessage(p, nonce)).digest('base64url');
    // The flood lasts until the checks are done, however long they take on a busy machine.
    let checking = true;
    const flood = blast('/healthz', {}, 1_000_000, () => !checking);
    await new Promise((r) => setTimeout(r, 200));
    const statuses = { holder: [] as number[], stranger: [] as number[], relayed: [] as number[] };
    for (let i = 0; i < 10; i++) {
      statuses.holder.push((await send(port, { path: `/v1/hello?nonce=${nonce}&client_proof=${proof(port)}` })).status);
      statuses.stranger.push((await send(port, { path: `/v1/hello?nonce=${nonce}` })).status);
      // A proof made for another port (a squatter relaying it) makes a stranger's hello.
      statuses.relayed.push(
        (await send(port, { path: `/v1/hello?nonce=${nonce}&client_proof=${proof(port + 1)}` })).status,
      );
    }
    checking = false;
    await flood;
    expect(statuses.holder).toEqual(Array(10).fill(200));
    // The strangers' bucket is empty while the flood lasts; a token that just refilled may go to one.
    expect(statuses.stranger.filter((s) => s === 429).length).toBeGreaterThanOrEqual(8);
    expect(statuses.relayed.filter((s) => s === 429).length).toBeGreaterThanOrEqual(8);
  }, 60_000);
});
