import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkToken, guardAuth, signInUrl } from '../../../../src/renderer/src/state/auth';
import { createApiClient, fetchTransport } from '../../../../src/shared/api';
import { ApiError } from '../../../../src/shared/errors';
import { sseSubscriber } from '../../../../src/shared/sse';
import { FakeApi } from '../../../helpers/cli-fixtures';
import { quietFor, until } from '../../../helpers/until';

const TOKEN = 'A1b2A1b2A1b2A1b2A1b2A1b2A1b2A1b2A1b2A1b2xyz';

describe('guardAuth', () => {
  it('reports a 401 from any call and still fails the call; other outcomes pass untouched', async () => {
    const api = new FakeApi();
    const refused: string[] = [];
    const guarded = guardAuth(api, (m) => refused.push(m));
    expect((await guarded.regions()).length).toBe(3);
    api.failWith = new ApiError('no_capacity', 'full');
    await expect(guarded.launch({ region: 'SIN', memory_gb: 1, cores: 1 })).rejects.toThrow('full');
    expect(refused).toEqual([]);
    api.failWith = new ApiError('unauthorized', 'the API token is not valid');
    await expect(guarded.reset()).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(guarded.status()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(refused).toEqual(['the API token is not valid', 'the API token is not valid']);
    expect(api.calls.map((c) => c.method)).toEqual(['regions', 'launch', 'reset', 'status']);
  });
});

describe('signInUrl', () => {
  it('goes to a start page with the token, keeping the selected region', () => {
    expect(signInUrl({ pathname: '/', hash: '#/SIN' }, TOKEN)).toBe(`/?token=${TOKEN}#/SIN`);
    expect(signInUrl({ pathname: '/flylight/', hash: '' }, TOKEN)).toBe(`/flylight?token=${TOKEN}`);
    expect(signInUrl({ pathname: '/assets/x.js', hash: '' }, TOKEN)).toBe(`/?token=${TOKEN}`);
  });
});

describe('checkToken', () => {
  const answering = (status: number, body: unknown = {}) => {
    const seen: { url: string; auth: string | undefined }[] = [];
    const fn = (async (url: unknown, init?: RequestInit) => {
      seen.push({ url: String(url), auth: (init?.headers as Record<string, string>)?.authorization });
      return new Response(JSON.stringify(body), { status });
    }) as typeof fetch;
    return { fn, seen };
  };

  it('refuses empty and malformed tokens without asking the server', async () => {
    const f = answering(200);
    expect(await checkToken('  ', 'http://h', f.fn)).toMatchObject({ ok: false, message: /Paste the token/ });
    expect(await checkToken('not a token', 'http://h', f.fn)).toMatchObject({ ok: false, message: /43 letters/ });
    expect(f.seen).toEqual([]);
  });

  it('accepts a token the server lets through, trimmed', async () => {
    const f = answering(200, { regions: [] });
    expect(await checkToken(` ${TOKEN}\n`, 'http://h:1', f.fn)).toEqual({ ok: true, token: TOKEN });
    expect(f.seen).toEqual([{ url: 'http://h:1/v1/regions', auth: `Bearer ${TOKEN}` }]);
    // Past the gate, a 503 is the fleet's trouble, not the key's.
    expect((await checkToken(TOKEN, 'http://h', answering(503).fn)).ok).toBe(true);
  });

  it('says so when the server refuses it or slows this address down', async () => {
    expect(await checkToken(TOKEN, 'http://h', answering(401).fn)).toMatchObject({
      ok: false,
      message: /refused that token/,
    });
    const slow = answering(429, { error: { code: 'rate_limited', message: 'too many wrong API tokens; wait 30 s' } });
    expect(await checkToken(TOKEN, 'http://h', slow.fn)).toEqual({
      ok: false,
      message: 'too many wrong API tokens; wait 30 s',
    });
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    expect(await checkToken(TOKEN, 'http://h', down)).toMatchObject({ ok: false, message: /Cannot reach/ });
  });
});

describe("the browser client's pieces against a server that refuses the page", () => {
  let close: (() => void) | null = null;
  afterEach(() => close?.());

  it('reports 401 from an API call and from the event stream, and the stream does not retry', async () => {
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'this request needs the API token' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // As browserClient (src/renderer/src/api/client.ts) puts them together.
    const refused: string[] = [];
    let listening = true;
    const report = (m: string) => {
      if (listening) refused.push(m);
    };
    const client = {
      api: guardAuth(createApiClient(fetchTransport(origin)), report),
      subscribe: sseSubscriber(origin, {
        retryMs: 500,
        onRefused: (status) => {
          if (status === 401) report('the live event stream was refused (401)');
        },
      }),
    };
    const off = () => {
      listening = false;
    };

    await expect(client.api.regions()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(refused).toEqual(['this request needs the API token']);

    const states: string[] = [];
    const sub = client.subscribe(
      () => {},
      (s) => states.push(s),
    );
    close = () => {
      sub.close();
      server.closeAllConnections();
      server.close();
    };
    await until(() => refused.length >= 2);
    expect(refused[1]).toMatch(/event stream was refused \(401\)/);
    await quietFor(600); // longer than the stream's first retry delay: no retry may come
    expect(hits.filter((h) => h === '/v1/events')).toHaveLength(1);
    expect(states).toContain('closed');

    off();
    await expect(client.api.status()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(refused).toHaveLength(2);
  });
});
