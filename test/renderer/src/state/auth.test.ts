import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  browserSessionStore,
  guardAuth,
  type SessionStore,
  signInFromAddress,
  tokenInAddress,
  tradeToken,
} from '../../../../src/renderer/src/state/auth';
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

describe('tokenInAddress', () => {
  it('finds the token and gives the address without it, keeping other parameters and the region', () => {
    expect(tokenInAddress({ pathname: '/', search: `?token=${TOKEN}`, hash: '#/SIN' })).toEqual({
      token: TOKEN,
      rest: '/#/SIN',
    });
    expect(tokenInAddress({ pathname: '/flylight', search: `?a=1&access_token=${TOKEN}`, hash: '' })).toEqual({
      token: TOKEN,
      rest: '/flylight?a=1',
    });
    expect(tokenInAddress({ pathname: '/', search: '', hash: '' })).toEqual({ token: null, rest: '/' });
  });
});

const memoryStore = (): SessionStore & { value: string | null } => {
  const s = {
    value: null as string | null,
    get: () => s.value,
    set: (v: string) => {
      s.value = v;
    },
    clear: () => {
      s.value = null;
    },
  };
  return s;
};

describe('tradeToken', () => {
  const answering = (status: number, body: unknown = {}) => {
    const seen: { url: string; method: string | undefined; auth: string | undefined; credentials?: string }[] = [];
    const fn = (async (url: unknown, init?: RequestInit) => {
      seen.push({
        url: String(url),
        method: init?.method,
        auth: (init?.headers as Record<string, string>)?.authorization,
        credentials: init?.credentials,
      });
      return new Response(JSON.stringify(body), { status });
    }) as typeof fetch;
    return { fn, seen };
  };

  it('refuses empty and malformed tokens without asking the server', async () => {
    const f = answering(201);
    expect(await tradeToken('  ', 'http://h', f.fn)).toMatchObject({ ok: false, message: /Paste the token/ });
    expect(await tradeToken('not a token', 'http://h', f.fn)).toMatchObject({ ok: false, message: /43 letters/ });
    expect(f.seen).toEqual([]);
  });

  it('posts the trimmed token to /v1/session (no cookies) and returns the session', async () => {
    const f = answering(201, { session: '1.abc', expires_at: '2030-01-01T00:00:00Z' });
    expect(await tradeToken(` ${TOKEN}\n`, 'http://h:1', f.fn)).toEqual({ ok: true, session: '1.abc' });
    expect(f.seen).toEqual([
      { url: 'http://h:1/v1/session', method: 'POST', auth: `Bearer ${TOKEN}`, credentials: 'omit' },
    ]);
    // A 2xx without a session is not a Flylight host: no sign-in.
    expect(await tradeToken(TOKEN, 'http://h', answering(200, {}).fn)).toMatchObject({ ok: false });
  });

  it('says so when the server refuses it, slows this address down, or is not there', async () => {
    expect(await tradeToken(TOKEN, 'http://h', answering(401).fn)).toMatchObject({
      ok: false,
      message: /refused that token/,
    });
    const slow = answering(429, { error: { code: 'rate_limited', message: 'too many wrong API tokens; wait 30 s' } });
    expect(await tradeToken(TOKEN, 'http://h', slow.fn)).toEqual({
      ok: false,
      message: 'too many wrong API tokens; wait 30 s',
    });
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    expect(await tradeToken(TOKEN, 'http://h', down)).toMatchObject({ ok: false, message: /Cannot reach/ });
  });
});

describe('signInFromAddress', () => {
  const page = (search: string) => {
    const replaced: string[] = [];
    return {
      replaced,
      location: { pathname: '/', search, hash: '#/SIN', origin: 'http://127.0.0.1:9' },
      history: { replaceState: (_d: unknown, _u: string, url: string) => void replaced.push(url) },
    };
  };
  const grant = (async () => new Response(JSON.stringify({ session: '9.xyz' }), { status: 201 })) as typeof fetch;
  const refuse = (async () => new Response('{}', { status: 401 })) as typeof fetch;

  it('takes the token out of the address first, then keeps the session it was traded for', async () => {
    const p = page(`?token=${TOKEN}`);
    const store = memoryStore();
    expect(await signInFromAddress(p, store, grant)).toBeNull();
    expect(p.replaced).toEqual(['/#/SIN']);
    expect(store.value).toBe('9.xyz');
  });

  it('a refused token: the address is still cleaned, no session, and the page is told why', async () => {
    const p = page(`?token=${TOKEN}`);
    const store = memoryStore();
    expect(await signInFromAddress(p, store, refuse)).toMatch(/did not sign you in: Flylight refused that token/);
    expect(p.replaced).toEqual(['/#/SIN']);
    expect(store.value).toBeNull();
  });

  it('no token in the address: nothing happens', async () => {
    const p = page('');
    expect(await signInFromAddress(p, memoryStore(), refuse)).toBeNull();
    expect(p.replaced).toEqual([]);
  });
});

describe('browserSessionStore', () => {
  it('keeps the session under one key, and survives a storage that throws', () => {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
      removeItem: (k: string) => void data.delete(k),
    };
    const store = browserSessionStore(() => storage);
    expect(store.get()).toBeNull();
    store.set('1.a');
    expect([...data]).toEqual([['flylight.session', '1.a']]);
    expect(store.get()).toBe('1.a');
    store.clear();
    expect(store.get()).toBeNull();
    const broken = browserSessionStore(() => {
      throw new Error('SecurityError: storage is disabled');
    });
    expect(broken.get()).toBeNull();
    expect(() => broken.set('x')).not.toThrow();
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
