// What happened before a client opened survives a reload: the real host (built bundle, real
// worker threads, a real HTTP port) keeps a bounded event log and the charts' samples, and a
// new client (a reload, a second window) gets them from GET /v1/activity, /v1/samples and
// /v1/events?since=SEQ, through the same gate as every route.

import { afterEach, describe, expect, it } from 'vitest';
import type { ActivityEvent, ActivityPage } from '../../src/shared/activity';
import { type SamplePage, unpackSamples } from '../../src/shared/samples';
import { startTestHost, type TestHost } from '../helpers/host';
import { until } from '../helpers/until';

let host: TestHost | null = null;
afterEach(async () => {
  await host?.stop();
  host = null;
});

const TOKEN = 'H'.repeat(43);
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

/** Polls `find` until it gives a value (every 50 ms: these are HTTP calls). */
async function eventually<T>(find: () => Promise<T | null>, timeoutMs: number, what: string): Promise<T> {
  let found: T | null = null;
  await until(
    async () => {
      found = await find();
      return found !== null;
    },
    timeoutMs,
    what,
    50,
  );
  return found as T;
}

async function get<T>(path: string, h: Record<string, string> = headers): Promise<{ status: number; body: T }> {
  const res = await fetch(`${(host as TestHost).url}${path}`, { headers: h });
  return { status: res.status, body: (await res.json()) as T };
}

function launch(region: string, memory_gb: number, cores: number): Promise<Response> {
  return fetch(`${(host as TestHost).url}/v1/vms`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ region, memory_gb, cores }),
  });
}

/** MAD has two machines (64 cores/1 TB and 16 cores/64 GB): two 32-core VMs fill its cores. */
async function fillMadAndRefuse(refusals: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) ids.push(((await (await launch('MAD', 256, 32)).json()) as { id: string }).id);
  for (let i = 0; i < refusals; i++) expect((await launch('mad', 256, 32)).status).toBe(409);
  return ids;
}

/** Reads an SSE stream until `enough` says so; returns the `event: activity` payloads. */
async function readActivityStream(path: string, enough: (events: ActivityEvent[]) => boolean) {
  const controller = new AbortController();
  const res = await fetch(`${(host as TestHost).url}${path}`, { headers, signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  const events: ActivityEvent[] = [];
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    while (!enough(events)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      let cut = text.indexOf('\n\n');
      while (cut !== -1) {
        const frame = text.slice(0, cut);
        text = text.slice(cut + 2);
        if (frame.startsWith('event: activity\n')) events.push(JSON.parse(frame.slice(frame.indexOf('data: ') + 6)));
        cut = text.indexOf('\n\n');
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe('history that survives a reload', () => {
  it('a new client sees launches, transitions, refusals with their reason and a worker restart that happened before it', async () => {
    host = await startTestHost({ token: TOKEN });
    const ids = await fillMadAndRefuse(2);
    // The orchestrator rebuilds from the store: the VMs outlive its crash (an in-memory store would not).
    await host.crashWorker('orchestrator');
    await until(() => (host as TestHost).workers().every((w) => w.state === 'ready'), 10_000, 'the orchestrator back');
    // A client that was never open: everything so far is in the log, oldest first.
    const { body } = await get<ActivityPage>('/v1/activity');
    const kinds = body.events.map((e) => e.kind);
    for (const id of ids) {
      expect(body.events.find((e) => e.vm_id === id && e.kind === 'launch')).toMatchObject({
        region: 'MAD',
        from: null,
      });
      expect(body.events.some((e) => e.vm_id === id && e.kind === 'transition')).toBe(true);
    }
    const refused = body.events.filter((e) => e.kind === 'refused');
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({ region: 'MAD', reason: 'no_capacity' });
    expect(refused[0].message).toMatch(/no machine in MAD has 256 GB and 32 cores free/);
    expect(refused[0].request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(kinds.filter((k) => k === 'restart').length).toBeGreaterThanOrEqual(2); // exited, restarted
    expect(body.events.find((e) => e.kind === 'restart')?.message).toMatch(/^orchestrator worker exited unexpectedly/);
    const seqs = body.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(body.last_seq).toBe(seqs[seqs.length - 1]);

    // Destroying is news too; `since` gives only what is new.
    const before = body.last_seq;
    expect((await fetch(`${host.url}/v1/vms/${ids[0]}?force=true`, { method: 'DELETE', headers })).status).toBe(200);
    const later = await eventually(
      async () => {
        const page = (await get<ActivityPage>(`/v1/activity?since=${before}`)).body;
        return page.events.some((e) => e.kind === 'destroy') ? page : null;
      },
      5000,
      'the destroy in the log',
    );
    expect(later.events.every((e) => e.seq > before)).toBe(true);
    expect(later.events.find((e) => e.kind === 'destroy')).toMatchObject({ vm_id: ids[0], to: 'destroyed' });

    // The event stream replays the log after `since`, then follows.
    const replay = await readActivityStream(`/v1/events?since=${before}`, (ev) => ev.some((e) => e.kind === 'destroy'));
    expect(replay.map((e) => e.seq)).toEqual(later.events.map((e) => e.seq).slice(0, replay.length));
    const live = readActivityStream(`/v1/events?since=${later.last_seq}`, (ev) => ev.some((e) => e.kind === 'launch'));
    await new Promise((r) => setTimeout(r, 300));
    // The destroy freed 32 cores on MAD: this one fits.
    expect((await launch('MAD', 256, 32)).status).toBe(201);
    const followed = await live;
    expect(followed.filter((e) => e.kind === 'launch')).toHaveLength(1);
    expect(followed.every((e) => e.seq > later.last_seq)).toBe(true);
  });

  it('keeps at most maxEvents and only the last maxAgeMs', async () => {
    host = await startTestHost({ token: TOKEN, activityBounds: { maxEvents: 5, maxAgeMs: 2500 } });
    await fillMadAndRefuse(8);
    const full = (await get<ActivityPage>('/v1/activity')).body;
    expect(full.bounds).toEqual({ max_events: 5, max_age_s: 3 });
    expect(full.events).toHaveLength(5);
    // The newest five: the last of them are the refusals, and nothing older than the bound is kept.
    expect(full.events.at(-1)?.kind).toBe('refused');
    expect(full.oldest_seq).toBe(full.last_seq - 4);
    const aged = await eventually(
      async () => {
        const page = (await get<ActivityPage>('/v1/activity')).body;
        return page.events.length === 0 ? page : null;
      },
      6000,
      'the events to age out',
    );
    expect(aged.last_seq).toBe(full.last_seq);
    expect(aged.oldest_seq).toBeNull();
  });

  it("serves the charts' samples so a new page starts with the past, and checks the gate's rules", async () => {
    host = await startTestHost({ token: TOKEN });
    await until(
      async () => (await get<SamplePage>('/v1/samples')).body.samples.length >= 2,
      5000,
      'two samples taken with no page open',
    );
    await fillMadAndRefuse(0);
    // A sample taken while the launches were landing shows MAD part full: wait for one begun after.
    const filledAt = Date.now();
    const samples = await eventually(
      async () => {
        const s = unpackSamples((await get<SamplePage>('/v1/samples')).body);
        return (s.at(-1)?.t ?? 0) > filledAt ? s : null;
      },
      5000,
      'a sample taken after MAD was filled',
    );
    expect(samples.at(-1)?.regions.MAD?.[0]).toBe(80); // 64 of MAD's 80 cores
    expect(samples.at(-1)?.launches).not.toBeNull();
    expect(samples.map((s) => s.t)).toEqual([...samples.map((s) => s.t)].sort((a, b) => a - b));
    const since = samples[samples.length - 2].t;
    const newer = unpackSamples((await get<SamplePage>(`/v1/samples?since=${since}`)).body);
    expect(newer.every((s) => s.t > since)).toBe(true);

    // The same gate as every route: a token, known query parameters, whole numbers.
    expect((await get('/v1/activity', {})).status).toBe(401);
    expect((await get('/v1/samples', {})).status).toBe(401);
    const bad = await get<{ error: { message: string } }>('/v1/activity?since=-1');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/since must be a whole number/);
    expect((await get('/v1/samples?from=1')).status).toBe(400);
    expect((await get('/v1/events?since=x')).status).toBe(400);
  });
});
