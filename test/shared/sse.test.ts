import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../src/shared/api';
import { connectSse, type SseMessage, SseParser, sseSubscriber } from '../../src/shared/sse';
import type { StoreEvent } from '../../src/shared/types';
import { machineEvent } from '../helpers/cli-fixtures';
import { quietFor, until } from '../helpers/until';

describe('SseParser', () => {
  it('parses events, ids, retry and multi-line data, skipping comments', () => {
    const p = new SseParser();
    const out = p.push(': hello\nretry: 2500\nid: 7\nevent: machine\ndata: {"a":\ndata: 1}\n\ndata: plain\n\n');
    expect(out).toEqual([
      { event: 'machine', data: '{"a":\n1}', id: '7' },
      { event: 'message', data: 'plain', id: '7' },
    ]);
    expect(p.retryMs).toBe(2500);
    expect(p.lastEventId).toBe('7');
  });

  it('joins chunks split anywhere, including inside CRLF', () => {
    const text = '\ufeffid: 1\r\ndata: x\r\n\r\ndata:y\r\rdata: z\n\n';
    const whole = new SseParser().push(text);
    const p = new SseParser();
    const pieces: SseMessage[] = [];
    for (const ch of text) pieces.push(...p.push(ch));
    expect(pieces).toEqual(whole);
    expect(whole).toEqual([
      { event: 'message', data: 'x', id: '1' },
      { event: 'message', data: 'y', id: '1' },
      { event: 'message', data: 'z', id: '1' },
    ]);
  });

  it('ignores events without data, a bad retry and fields it does not know', () => {
    const p = new SseParser();
    expect(p.push('event: ping\n\nretry: soon\nfoo: bar\ndata\n\n')).toEqual([{ event: 'message', data: '', id: '' }]);
    expect(p.retryMs).toBeNull();
  });

  it('reads a CRLF split between chunks as one line ending, not a line end and an empty line', () => {
    const p = new SseParser();
    expect(p.push('data: a\r')).toEqual([]);
    // Were the LF a line of its own, this would dispatch 'a' with 'b' still to come.
    expect(p.push('\ndata: b\r')).toEqual([]);
    expect(p.push('\n\r')).toEqual([{ event: 'message', data: 'a\nb', id: '' }]);
    expect(p.push('\n')).toEqual([]);
    expect(p.push('data: c\r\n\r\n')).toEqual([{ event: 'message', data: 'c', id: '' }]);
  });

  it('joins a field name split between chunks', () => {
    const p = new SseParser();
    expect(p.push('i')).toEqual([]);
    expect(p.push('d: 9\nev')).toEqual([]);
    expect(p.push('e')).toEqual([]);
    expect(p.push('nt: vm\nda')).toEqual([]);
    expect(p.push('ta: {}\nre')).toEqual([]);
    expect(p.push('try: 70\n\n')).toEqual([{ event: 'vm', data: '{}', id: '9' }]);
    expect(p.retryMs).toBe(70);
    expect(p.lastEventId).toBe('9');
  });

  it('ends a line at a lone CR closing a chunk without waiting for the next one', () => {
    const p = new SseParser();
    expect(p.push('data: a\r')).toEqual([]);
    expect(p.push('data: b\r')).toEqual([]); // not an LF: the CR was a line end of its own
    // The blank line's CR closes the chunk: the event is whole now, not when more arrives.
    expect(p.push('\r')).toEqual([{ event: 'message', data: 'a\nb', id: '' }]);
    expect(p.push('\r')).toEqual([]); // an empty line after a CR, not the rest of a CRLF
    expect(p.push('\rdata: c\n\n')).toEqual([{ event: 'message', data: 'c', id: '' }]);
  });

  it('skips a BOM only at the very start of a stream, even alone in its chunk', () => {
    const p = new SseParser();
    expect(p.push('\ufeff')).toEqual([]);
    expect(p.push('data: a\n\n\ufeffdata: b\n\n')).toEqual([{ event: 'message', data: 'a', id: '' }]);
    p.reset();
    expect(p.push('\ufeffdata: c\n\n')).toEqual([{ event: 'message', data: 'c', id: '' }]);
  });

  it('gives what a line-by-line reading of the whole text gives, however it is cut into chunks', () => {
    const line = fc.oneof(
      fc.constantFrom('', ':', ': keepalive', 'data', 'data:', 'data: ', 'event', 'id', 'retry: x', 'bogus: 1'),
      fc.string({ unit: fc.constantFrom('a', ' ', ':', '\0', '{', 'é', '1') }).map((v) => `data:${v}`),
      fc
        .constantFrom('event: ', 'event:', 'id: ', 'id:', 'retry: ', 'retry:')
        .chain((f) => fc.string({ unit: fc.constantFrom('a', '1', ' ', '\0'), maxLength: 4 }).map((v) => f + v)),
    );
    const stream = fc
      .array(fc.tuple(line, fc.constantFrom('\n', '\r', '\r\n')), { maxLength: 30 })
      .map((ls) => ls.map(([l, e]) => l + e).join(''));
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (text, cuts, bom) => {
        const whole = (bom ? '\ufeff' : '') + text;
        const at = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
        const p = new SseParser();
        const got: SseMessage[] = [];
        let from = 0;
        for (const to of [...at, whole.length]) {
          got.push(...p.push(whole.slice(from, to)));
          from = to;
        }
        const want = referenceParse(text);
        expect(got).toEqual(want.messages);
        expect(p.lastEventId).toBe(want.lastEventId);
        expect(p.retryMs).toBe(want.retryMs);
      }),
      { numRuns: 500 },
    );
  });
});

/** The spec's algorithm over a whole, fully received text, line by line: the oracle above. */
function referenceParse(text: string) {
  const messages: SseMessage[] = [];
  let lastEventId = '';
  let retryMs: number | null = null;
  let data: string[] = [];
  let event = '';
  const lines = text.split(/\r\n|\r|\n/);
  lines.pop(); // what follows the last line ending is not a line yet
  for (const l of lines) {
    if (l === '') {
      if (data.length > 0) messages.push({ event: event || 'message', data: data.join('\n'), id: lastEventId });
      data = [];
      event = '';
      continue;
    }
    if (l.startsWith(':')) continue;
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    const value = colon < 0 ? '' : l.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) lastEventId = value;
    else if (field === 'retry' && /^[0-9]+$/.test(value)) retryMs = Number(value);
  }
  return { messages, lastEventId, retryMs };
}

/** A fake fetch: each call takes the next scripted answer; records the request headers. */
function scriptedFetch(answers: (() => Response | Promise<Response>)[]) {
  const requests: Record<string, string>[] = [];
  const fn = (async (_url: unknown, init?: RequestInit) => {
    requests.push({ ...(init?.headers as Record<string, string>) });
    const next = answers.shift();
    if (!next) return new Promise<Response>(() => {}); // hang: the test is over
    return next();
  }) as typeof fetch;
  return { fn, requests };
}

const stream = (text: string) => new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });

/** A stream that sends `text` and then stays open, as a live server's does. */
const openStream = (text: string) =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text));
      },
    }),
    { status: 200, headers: { 'content-type': 'text/event-stream' } },
  );

function collect() {
  const messages: SseMessage[] = [];
  const states: [ConnectionState, string | undefined][] = [];
  return {
    messages,
    states,
    handlers: {
      onMessage: (m: SseMessage) => messages.push(m),
      onState: (s: ConnectionState, d?: string) => states.push([s, d]),
    },
  };
}

describe('connectSse', () => {
  it('reconnects after the stream ends, honouring retry: and sending Last-Event-ID', async () => {
    const f = scriptedFetch([() => stream('retry: 5\nid: 41\ndata: a\n\n'), () => openStream('id: 42\ndata: b\n\n')]);
    const c = collect();
    const conn = connectSse('http://x/v1/events', c.handlers, { fetch: f.fn, retryMs: 60_000 });
    await until(() => c.messages.length === 2);
    conn.close();
    expect(c.messages.map((m) => m.data)).toEqual(['a', 'b']);
    expect(f.requests[0]['last-event-id']).toBeUndefined();
    expect(f.requests[1]['last-event-id']).toBe('41');
    expect(f.requests[0].accept).toBe('text/event-stream');
    expect(c.states.map(([s]) => s)).toEqual(['connecting', 'open', 'connecting', 'open', 'closed']);
    expect(c.states[2][1]).toBe('the server closed the stream; retrying in 5 ms');
  });

  it("says why when the server ended the stream with an `event: error` frame (a slow consumer's cut-off)", async () => {
    const cut = JSON.stringify({ code: 'slow_consumer', message: 'more than 1 MB of it was waiting unread' });
    const f = scriptedFetch([() => stream(`id: 1\ndata: a\n\nevent: error\ndata: ${cut}\n\n`), () => openStream('')]);
    const c = collect();
    const conn = connectSse('http://x/v1/events', c.handlers, { fetch: f.fn, retryMs: 5 });
    await until(() => f.requests.length === 2);
    conn.close();
    expect(c.messages.map((m) => m.data)).toEqual(['a']);
    expect(c.states[2]).toEqual([
      'connecting',
      'the server ended the stream (slow_consumer): more than 1 MB of it was waiting unread; retrying in 5 ms',
    ]);
    expect(f.requests[1]['last-event-id']).toBe('1');
  });

  it('backs off exponentially while the server cannot be reached', async () => {
    const refused = () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
    const f = scriptedFetch([refused, refused, refused, () => openStream('data: up\n\n')]);
    const c = collect();
    const conn = connectSse('http://x/v1/events', c.handlers, { fetch: f.fn, retryMs: 4, random: () => 0.5 });
    await until(() => c.messages.length === 1);
    conn.close();
    const details = c.states.filter(([s, d]) => s === 'connecting' && d).map(([, d]) => d);
    expect(details).toEqual([
      'cannot connect (ECONNREFUSED); retrying in 4 ms',
      'cannot connect (ECONNREFUSED); retrying in 8 ms',
      'cannot connect (ECONNREFUSED); retrying in 16 ms',
    ]);
  });

  it('retries a 503 but gives up on a 4xx, with the reason', async () => {
    const json = (status: number, message: string) =>
      new Response(JSON.stringify({ error: { code: 'x', message } }), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    const f = scriptedFetch([() => json(503, 'restarting'), () => json(401, 'missing token')]);
    const c = collect();
    connectSse('http://x/v1/events', c.handlers, { fetch: f.fn, retryMs: 1 });
    await until(() => c.states.some(([s]) => s === 'closed'));
    expect(c.states).toEqual([
      ['connecting', undefined],
      ['connecting', 'the server answered 503: restarting; retrying in 1 ms'],
      ['closed', 'the server answered 401: missing token'],
    ]);
  });

  it('reports a refusal for good with its status and code, once, and sends the given headers', async () => {
    const f = scriptedFetch([
      () =>
        new Response(JSON.stringify({ error: { code: 'unauthorized', message: 'the API token is not valid' } }), {
          status: 401,
        }),
    ]);
    const c = collect();
    const refused: [number, string | null][] = [];
    connectSse('http://x/v1/events', c.handlers, {
      fetch: f.fn,
      headers: { authorization: 'Bearer t' },
      onRefused: (status, code) => refused.push([status, code]),
    });
    await until(() => c.states.some(([s]) => s === 'closed'));
    expect(refused).toEqual([[401, 'unauthorized']]);
    expect(f.requests[0].authorization).toBe('Bearer t');
    await quietFor(10); // a retry would come now
    expect(f.requests).toHaveLength(1);
  });

  it('stops for good on close(), even while waiting to retry', async () => {
    const f = scriptedFetch([() => stream('data: a\n\n')]);
    const c = collect();
    const conn = connectSse('http://x/v1/events', c.handlers, { fetch: f.fn, retryMs: 5 });
    await until(() => c.states.some(([s, d]) => s === 'connecting' && d !== undefined));
    conn.close();
    const calls = f.requests.length;
    await quietFor(30); // six retry intervals: none may fire
    expect(f.requests.length).toBe(calls);
    expect(c.states.at(-1)).toEqual(['closed', undefined]);
  });
});

describe('sseSubscriber over real HTTP', () => {
  let close: (() => void) | null = null;
  afterEach(() => close?.());

  it('delivers StoreEvents from /v1/events and resumes after the server drops it', async () => {
    const seenIds: (string | undefined)[] = [];
    let first: ServerResponse | null = null;
    const server = createServer((req, res) => {
      expect(req.url).toBe('/v1/events');
      seenIds.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (!first) {
        first = res;
        res.write(`retry: 10\nid: 1\nevent: machine\ndata: ${JSON.stringify(machineEvent(1))}\n\n`);
        res.write('data: not json\n\n');
        setTimeout(() => res.end(), 20);
      } else {
        res.write(`id: 2\ndata: ${JSON.stringify({ type: 'reset', seq: 2, at: '2025-11-27T20:48:00Z' })}\n\n`);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const events: StoreEvent[] = [];
    const sub = sseSubscriber(`http://127.0.0.1:${port}/`)((e) => events.push(e));
    close = () => {
      sub.close();
      server.closeAllConnections();
      server.close();
    };
    await until(() => events.length === 2);
    expect(events.map((e) => [e.type, e.seq])).toEqual([
      ['machine', 1],
      ['reset', 2],
    ]);
    expect(seenIds).toEqual([undefined, '1']);
  });
});

describe('worker states on the stream', () => {
  it('reads a restarting worker as a connection that is recovering, and all ready as open', async () => {
    const { recoveryState } = await import('../../src/shared/sse');
    expect(
      recoveryState({
        workers: [
          { name: 'store', state: 'restarting', restarts: 1 },
          { name: 'orchestrator', state: 'ready', restarts: 0 },
        ],
      }),
    ).toEqual({ state: 'connecting', detail: 'store recovering' });
    expect(recoveryState({ workers: [{ name: 'store', state: 'ready', restarts: 1 }] })).toEqual({ state: 'open' });
    expect(recoveryState({ nonsense: true })).toBeNull();
    expect(recoveryState(null)).toBeNull();
  });
});
