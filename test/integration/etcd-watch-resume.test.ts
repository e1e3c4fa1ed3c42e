// A host whose etcd watch is cut (its only member killed while the rest keep quorum) resumes
// from its last revision when the member returns: every change made meanwhile through another
// host reaches its event stream, none twice, and it says it resumed rather than resynced.
// The launching host tells its own changes once, though its writes come back on its watch too.
// (A watch that cannot resume past a compaction resyncs from a snapshot: etcd-faults.)

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseParser } from '../../src/shared/sse';
import type { StoreEvent, Vm } from '../../src/shared/types';
import { bigRegionFile, type EtcdCluster, startEtcd } from '../helpers/etcd';
import { type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

const FLYD_MS = 200;

let etcd: EtcdCluster;
/** a: every member; b: only m0, so its watch breaks when m0 dies. */
let a: ServeProcess;
let b: ServeProcess;

/** A host's event stream from now on: the VM transitions it tells, in order. */
function followVms(h: ServeProcess) {
  const ac = new AbortController();
  const seen: { id: string; from: string | null; to: string; seq: number }[] = [];
  const parser = new SseParser();
  const take = (chunk: string) => {
    for (const frame of parser.push(chunk)) {
      if (frame.event !== 'vm') continue;
      const e = JSON.parse(frame.data) as Extract<StoreEvent, { type: 'vm' }>;
      seen.push({ id: e.vm.id, from: e.from, to: e.to, seq: e.seq });
    }
  };
  const done = (async () => {
    const res = await fetch(`${h.url}/v1/events`, { headers: h.auth(), signal: ac.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) return;
      take(decoder.decode(value, { stream: true }));
    }
  })().catch(() => {});
  return {
    seen,
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

/** A launch under one key, asked again on 503 (an election under way) until it is answered. */
async function launch(h: ServeProcess): Promise<Vm> {
  const key = randomUUID();
  for (const deadline = Date.now() + 20_000; ; ) {
    const res = await fetch(`${h.url}/v1/vms`, {
      method: 'POST',
      headers: { ...h.auth(), 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ region: 'BIG', memory_gb: 1, cores: 1 }),
    });
    const body = (await res.json()) as Vm;
    if (res.status === 201) return body;
    if (res.status !== 503 || Date.now() > deadline)
      throw new Error(`launch answered ${res.status}: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a host whose etcd watch was cut', () => {
  beforeAll(async () => {
    etcd = await startEtcd(3);
    const common = ['--regions', bigRegionFile(3), '--flyd-interval', String(FLYD_MS)];
    a = await startServe(['--store', etcd.storeUrl, ...common]);
    b = await startServe(['--store', `etcd://${etcd.members[0].clientUrl.replace('http://', '')}`, ...common]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await etcd?.stop();
  });

  it('resumes from its last revision: every change made meanwhile reaches its stream once', async () => {
    const onA = followVms(a);
    const onB = followVms(b);
    try {
      await new Promise((r) => setTimeout(r, 300)); // the stream is open
      const before = await launch(a);
      await until(() => onB.seen.some((e) => e.id === before.id && e.to === 'started'), 5000, 'B to see a launch');

      await etcd.members[0].kill(); // B's only endpoint: its watch is cut
      const during: string[] = [];
      for (let i = 0; i < 5; i++) during.push((await launch(a)).id);
      await etcd.members[0].restart();

      await until(
        () => during.every((id) => onB.seen.some((e) => e.id === id && e.to === 'started')),
        FLYD_MS + 15_000,
        'B to see every launch made while its watch was cut',
        100,
      );
      await new Promise((r) => setTimeout(r, FLYD_MS + 1000)); // anything told twice would be here by now
      const told = onB.seen.map((e) => `${e.id} ${e.from}->${e.to}`);
      expect(told.length, told.join('\n')).toBe(new Set(told).size); // nothing repeated
      // The launching host tells its own transitions once: its writes coming back on the watch add none.
      const own = onA.seen.map((e) => `${e.id} ${e.from}->${e.to}`);
      expect(own.length, own.join('\n')).toBe(new Set(own).size);
      for (const id of during) expect(onA.seen.filter((e) => e.id === id && e.to === 'started')).toHaveLength(1);
      const seqs = onB.seen.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      // The same VMs, each in full, as the host that made them tells them.
      for (const id of during) {
        const states = onB.seen.filter((e) => e.id === id).map((e) => e.to);
        expect(states.at(-1)).toBe('started');
      }
      expect(b.output()).toMatch(/etcd watch disconnected; it resumes from the last revision/);
      expect(b.output()).not.toMatch(/resynced the fleet from an etcd snapshot/);
    } finally {
      await Promise.all([onA.stop(), onB.stop()]);
    }
  }, 90_000);
});
