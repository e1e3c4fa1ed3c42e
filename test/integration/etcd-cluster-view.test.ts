// `flylight cluster` (GET /v1/cluster) answers while machines change hands. It is built from
// what the host already holds (the hosts and owner keys its membership last read, its own claims
// since, the revision its watch applied) plus a few small etcd calls with a deadline each, not
// from a fresh read of every owner key queued behind the host's claim transactions: with three
// hosts claiming a 300,000-machine fleet that read took longer than the 5 s an answer has.
// Here: a 20,000-machine fleet, a second host joining, /v1/cluster asked of both every 100 ms
// while the second claims its share. Then forty asks at once: one view answers them all.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src/shared/cluster';
import { type EtcdCluster, startEtcd } from '../helpers/etcd';
import { runCli, type ServeProcess, startServe } from '../helpers/host';

const MACHINES = 20_000;
let etcd: EtcdCluster;
const hosts: ServeProcess[] = [];
let args: string[];

interface Answer {
  host: number;
  status: number;
  ms: number;
  view: ClusterView | null;
}

async function ask(h: ServeProcess, host: number): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(`${h.url}/v1/cluster`, { headers: h.auth() });
  const body = (await res.json()) as ClusterView;
  return { host, status: res.status, ms: Date.now() - started, view: res.status === 200 ? body : null };
}

describe('flylight cluster while ownership moves on a big fleet', () => {
  beforeAll(async () => {
    etcd = await startEtcd(1);
    const csv = join(mkdtempSync(join(tmpdir(), 'flylight-cluster-view-')), 'fleet.csv');
    const gen = await runCli(['gen-fleet', '--regions', '10', '--machines', String(MACHINES), '--out', csv]);
    expect(gen.code, gen.stderr).toBe(0);
    args = ['--store', etcd.storeUrl, '--regions', csv, '--flyd-interval', '200'];
    hosts.push(await startServe(args));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    await etcd?.stop();
  });

  it('answers every ask within 4 s (it had 5 s, and missed it) while a joining host claims its share', async () => {
    const answers: Answer[] = [];
    let asking = true;
    const poll = async (i: number) => {
      while (asking) {
        const h = hosts[i];
        if (h) answers.push(await ask(h, i).catch(() => ({ host: i, status: 0, ms: -1, view: null })));
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const polls = [poll(0), poll(1)];
    hosts.push(await startServe(args));
    // Until both hosts agree that every machine is owned, half each (or two minutes).
    const deadline = Date.now() + 120_000;
    const settled = (a: Answer) =>
      a.view?.hosts.length === 2 &&
      a.view.unowned === 0 &&
      a.view.hosts.every((x) => x.machines_owned > MACHINES * 0.4 && x.machines_owned < MACHINES * 0.6);
    while (Date.now() < deadline) {
      const last = [0, 1].map((i) => answers.filter((a) => a.host === i).pop());
      if (last.every((a) => a && settled(a))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    asking = false;
    await Promise.all(polls);
    const moving = answers.filter((a) => a.view && !settled(a) && a.view.hosts.length === 2);
    const slowest = Math.max(...answers.map((a) => a.ms));
    console.log(
      `/v1/cluster asked ${answers.length} times while ownership moved (${moving.length} answers before it settled); slowest ${slowest} ms; last: ${JSON.stringify(
        answers.slice(-2).map((a) => ({ unowned: a.view?.unowned, owned: a.view?.hosts.map((h) => h.machines_owned) })),
      )}`,
    );
    for (const h of hosts) {
      const warnings = h
        .output()
        .split('\n')
        .filter((l) => / WARN /.test(l));
      if (warnings.length > 0) console.log(`${h.url} warned:\n${warnings.slice(0, 8).join('\n')}`);
    }
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(slowest).toBeLessThan(4000);
    // Asked while machines were changing hands (unowned, or not yet split), not only after.
    expect(moving.length).toBeGreaterThan(0);
    const last = answers.filter((a) => a.host === 1).pop();
    expect(last && settled(last), JSON.stringify(last?.view)).toBe(true);
    expect(last?.view?.machines).toBe(MACHINES);
  }, 180_000);

  it('answers forty dashboards asking at once with the etcd calls of one view', async () => {
    const h = hosts[0];
    if (!h) throw new Error('no host');
    const roundTrips = async () => {
      const text = await (await fetch(`${h.url}/metrics`, { headers: h.auth() })).text();
      return Number(/^flylight_etcd_round_trips_total (\d+)/m.exec(text)?.[1]);
    };
    // What the host calls etcd for anyway over the same time (lease, FlyD, rebalance checks).
    await new Promise((r) => setTimeout(r, 1100)); // past the TTL of the last test's views
    const idle0 = await roundTrips();
    const idleStart = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    const idle = (await roundTrips()) - idle0;
    const idleMs = Date.now() - idleStart;
    const r0 = await roundTrips();
    const start = Date.now();
    const answers = await Promise.all(Array.from({ length: 40 }, () => ask(h, 0)));
    const used = (await roundTrips()) - r0;
    const ms = Date.now() - start;
    console.log(`40 asks at once: ${used} etcd calls in ${ms} ms (idle: ${idle} in ${idleMs} ms)`);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // One view: a lease lookup per host (2), the actor counts and the member list, on this
    // client; each ask alone would cost as many (160 for forty). Background calls allowed for.
    const background = Math.ceil((idle / idleMs) * ms) + 4;
    expect(used).toBeLessThanOrEqual(4 + background);
    expect(new Set(answers.map((a) => JSON.stringify(a.view))).size).toBe(1);
  }, 30_000);
});
