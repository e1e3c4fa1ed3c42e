// Authentication and browser-safety rules against the real host (built bundle, real worker
// threads, real HTTP on 127.0.0.1 port 0) started with an API token: every refusal with its
// documented status and code, the right token by header and by the dashboard's session header
// (never a cookie), and a walk over every route the proxy serves.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenAuth } from '../../src/main/proxy/auth';
import { ROUTE_TABLE } from '../../src/main/proxy/routes';
import type { WorkerStatus } from '../../src/shared/types';
import { startTestHost, type TestHost } from '../helpers/host';
import { corsHeaders, errorBody, openStream, type Raw, type Reply, send, sendRaw } from '../helpers/http';
import { parseExposition, sampleValue } from '../helpers/prom-text';
import { until } from '../helpers/until';

const TOKEN = 'a'.repeat(43);
const SESSION_KEY = 'test-session-key';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const HOW = 'pass Authorization: Bearer <token> (see `flylight token`)';

let host: TestHost;
let port: number;
let own: string;
const replies: Reply[] = [];

async function call(r: Raw): Promise<Reply> {
  const res = await send(port, r);
  replies.push(res);
  return res;
}

beforeAll(async () => {
  host = await startTestHost({
    token: TOKEN,
    sessionKey: SESSION_KEY,
    // Many wrong tokens are sent on purpose below; the slow-down has its own test.
    limits: { authFailures: 1000, breakerFailures: 2, breakerCooldownMs: 500 },
  });
  port = Number(new URL(host.url).port);
  own = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await host?.stop();
});

const launchBody = JSON.stringify({ region: 'SIN', memory_gb: 1, cores: 1 });
const launch = (headers: Record<string, string>): Raw => ({
  method: 'POST',
  path: '/v1/vms',
  headers: { 'content-type': 'application/json', ...headers },
  body: launchBody,
});

function expectRefused(res: Reply, status: number, code: string, says?: string | RegExp) {
  expect(res.status, res.body).toBe(status);
  const err = errorBody(res);
  expect(err.code).toBe(code);
  if (typeof says === 'string') expect(err.message).toContain(says);
  else if (says) expect(err.message).toMatch(says);
}

/** A dashboard's sign-in: the token traded for a session, as the page does it. */
async function signIn(): Promise<{ res: Reply; session: Record<string, string> }> {
  const res = await call({ method: 'POST', path: '/v1/session', headers: AUTH });
  return { res, session: { 'x-flylight-session': String(JSON.parse(res.body).session) } };
}

describe('the API token', () => {
  it('no token: 401 unauthorized, saying how to pass it', async () => {
    const res = await call({ path: '/v1/regions' });
    expectRefused(res, 401, 'unauthorized', HOW);
    expect(errorBody(res).message).toBe(
      'this request needs the API token: pass Authorization: Bearer <token> (see `flylight token`), or open the dashboard link that `flylight serve` prints',
    );
    expect(res.headers['www-authenticate']).toBe('Bearer realm="flylight"');
  });

  it.each([
    ['a wrong token', `Bearer ${'b'.repeat(43)}`, 'the API token is not valid'],
    ['a token one character short', `Bearer ${TOKEN.slice(1)}`, 'the API token is not valid'],
    ['Basic auth', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, 'must be "Bearer <token>"'],
    ['an empty bearer', 'Bearer ', 'must be "Bearer <token>"'],
  ])('%s: 401', async (_name, authorization, says) => {
    expectRefused(await call({ path: '/v1/vms', headers: { authorization } }), 401, 'unauthorized', says);
  });

  it('a token in the query string of a /v1 call is refused, even the right one, even with the header', async () => {
    for (const path of [`/v1/regions?token=${TOKEN}`, `/v1/vms?access_token=${TOKEN}`, `/launch?token=${TOKEN}`]) {
      for (const headers of [{}, AUTH]) {
        expectRefused(await call({ path, headers }), 400, 'bad_request', 'not accepted in the URL');
      }
    }
  });

  it('the right token in the header works for reads, launches, destroys, events and status', async () => {
    const regions = await call({ path: '/v1/regions', headers: AUTH });
    expect(regions.status).toBe(200);
    expect(JSON.parse(regions.body).regions).toHaveLength(35);
    const made = await call(launch(AUTH));
    expect(made.status).toBe(201);
    const vm = JSON.parse(made.body);
    expect((await call({ method: 'DELETE', path: `/v1/vms/${vm.id}?force=true`, headers: AUTH })).status).toBe(200);
    const stream = await openStream(port, AUTH);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const status = JSON.parse((await call({ path: '/v1/status', headers: AUTH })).body);
    expect(status.breaker).toMatchObject({ state: 'closed' });
    expect(status.workers.map((w: WorkerStatus) => w.state)).toEqual(['ready', 'ready', 'ready']);
  });

  it('/healthz and the dashboard files stay open; the seed routes need the token', async () => {
    expect((await call({ path: '/healthz' })).status).toBe(200);
    expect((await call({ path: '/' })).status).toBe(200);
    expectRefused(await call({ path: '/regions' }), 401, 'unauthorized');
    expectRefused(await call({ path: '/launch?vm_region=SIN&vm_memory=1&vm_cores=1' }), 401, 'unauthorized');
    expect((await call({ path: '/regions', headers: AUTH })).status).toBe(200);
    expect((await call({ path: '/launch?vm_region=SIN&vm_memory=1&vm_cores=1', headers: AUTH })).status).toBe(200);
  });
});

describe('the dashboard session', () => {
  it('POST /v1/session with the token issues a session that is not the token, and sets no cookie', async () => {
    const { res, session } = await signIn();
    expect(res.status).toBe(201);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    const grant = JSON.parse(res.body);
    expect(grant.session).toMatch(/^\d+\.[\w-]{43}$/);
    expect(res.body).not.toContain(TOKEN);
    expect(Date.parse(grant.expires_at) - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);
    expect(session['x-flylight-session']).toBe(grant.session);
  });

  it('the start page with ?token= is served as it is (no redirect, no cookie): the page trades it itself', async () => {
    const res = await call({ path: `/?token=${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    // Under a URL that holds the token, no cache keeps a copy; the plain page is revalidated.
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await call({ path: '/' })).headers['cache-control']).toBe('no-cache');
  });

  it('every page forbids framing and sniffing by HTTP header, with the CSP of its meta tag', async () => {
    for (const path of ['/', '/flylight', '/flylight/', `/?token=${TOKEN}`, '/index.html']) {
      const res = await call({ path });
      if (res.status === 404) continue; // /index.html is not a route everywhere
      expect(res.headers['x-frame-options'], path).toBe('DENY');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['referrer-policy'], path).toBe('no-referrer');
      const csp = String(res.headers['content-security-policy']);
      for (const directive of [
        "frame-ancestors 'none'",
        "script-src 'self'",
        "default-src 'self'",
        "object-src 'none'",
      ])
        expect(csp, path).toContain(directive);
    }
  });

  it('the session is accepted for /v1, POSTs from the own origin and the event stream', async () => {
    const { session } = await signIn();
    expect((await call({ path: '/v1/vms', headers: session })).status).toBe(200);
    const made = await call(launch({ ...session, origin: own, 'sec-fetch-site': 'same-origin' }));
    expect(made.status).toBe(201);
    const stream = await openStream(port, { ...session, 'sec-fetch-site': 'same-origin' });
    expect(stream.status).toBe(200);
    expect(stream.body.startsWith(': connected')).toBe(true);
  });

  it('a session cannot mint sessions or rotate the token; a wrong token gets no session', async () => {
    const { session } = await signIn();
    for (const path of ['/v1/session', '/v1/token/rotate']) {
      const res = await call({ method: 'POST', path, headers: session });
      expectRefused(res, 401, 'unauthorized', 'needs the API token itself');
    }
    expectRefused(
      await call({ method: 'POST', path: '/v1/session', headers: { authorization: `Bearer ${'z'.repeat(43)}` } }),
      401,
      'unauthorized',
      'the API token is not valid',
    );
  });

  it('a host given its token in the config (no token file) says it cannot rotate it', async () => {
    const res = await call({ method: 'POST', path: '/v1/token/rotate', headers: AUTH });
    expectRefused(res, 400, 'bad_request', 'cannot rotate it');
    expect((await call({ path: '/v1/regions', headers: AUTH })).status).toBe(200);
  });

  it.each([
    [
      'expired',
      () => new TokenAuth(TOKEN, SESSION_KEY, () => Date.now() - 31 * 24 * 3600 * 1000).issue().session,
      'expired',
    ],
    [
      'of another key (rotated, or another host)',
      () => new TokenAuth(TOKEN, 'another-key').issue().session,
      'not valid',
    ],
    ['the token itself', () => TOKEN, 'malformed'],
    ['garbage', () => '1.2.3', 'malformed'],
  ])('a session that is %s: 401', async (_name, value, says) => {
    const res = await call({ path: '/v1/regions', headers: { 'x-flylight-session': value() } });
    expectRefused(res, 401, 'unauthorized', says);
    expect(errorBody(res).message).toContain(HOW);
  });

  it('a cookie is no credential: a good session or the token in any cookie gets 401', async () => {
    const { session } = await signIn();
    const value = session['x-flylight-session'];
    for (const cookie of [
      `flylight_session_${port}=${value}`,
      `flylight_session=${TOKEN}`,
      `x-flylight-session=${value}`,
    ]) {
      expectRefused(
        await call({ path: '/v1/regions', headers: { cookie } }),
        401,
        'unauthorized',
        'needs the API token',
      );
    }
  });
});

describe('browser safety', () => {
  it.each([`evil.example:${0}`, 'evil.example', '127.0.0.1:1', 'localhost'])(
    'a foreign Host header (%s): 403, with the token',
    async (hostHeader) => {
      const h = hostHeader.replace(':0', `:${port}`);
      const res = await call({ path: '/v1/regions', headers: { ...AUTH, host: h } });
      expectRefused(res, 403, 'forbidden', 'is not this server');
      expectRefused(await call({ path: '/healthz', headers: { host: h } }), 403, 'forbidden');
    },
  );

  it('localhost with the right port is this server', async () => {
    expect((await call({ path: '/v1/regions', headers: { ...AUTH, host: `localhost:${port}` } })).status).toBe(200);
  });

  it('cross-origin POSTs are refused: foreign origin, an IP-address origin, Origin: null', async () => {
    const { session } = await signIn();
    for (const origin of ['http://evil.example', `http://192.168.1.20:${port}`, 'null', `https://127.0.0.1:${port}`]) {
      for (const cred of [session, AUTH]) {
        const res = await call(launch({ ...cred, origin }));
        expectRefused(res, 403, 'forbidden', 'cross-origin requests are refused');
      }
    }
  });

  it('a text/plain form post is refused: 403 from another origin, 415 even from our own', async () => {
    const { session } = await signIn();
    const form = (origin: string): Raw => ({
      method: 'POST',
      path: '/v1/vms',
      headers: { ...session, origin, 'content-type': 'text/plain' },
      body: launchBody,
    });
    expectRefused(await call(form('http://evil.example')), 403, 'forbidden');
    expectRefused(await call(form(own)), 415, 'unsupported_media_type');
  });

  it('Sec-Fetch-Site cross-site or same-site (another port) is refused for the API', async () => {
    const { session } = await signIn();
    for (const site of ['cross-site', 'same-site']) {
      expectRefused(await call({ path: '/v1/vms', headers: { ...session, 'sec-fetch-site': site } }), 403, 'forbidden');
    }
    // A link to the dashboard from elsewhere still opens it (the files hold no data).
    expect((await call({ path: '/', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
  });

  it('CORS preflights get 403 and no response ever carries Access-Control-* headers', async () => {
    const res = await call({
      method: 'OPTIONS',
      path: '/v1/vms',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expectRefused(res, 403, 'forbidden');
    expect(replies.length).toBeGreaterThan(30);
    for (const r of replies) expect(corsHeaders(r)).toEqual([]);
  });
});

describe('every route', () => {
  const walk = ROUTE_TABLE.flatMap((r) =>
    [...r.methods, ...(r.methods.includes('GET') ? ['HEAD'] : [])].map((method) => ({ ...r, method })),
  );

  it('covers the routes the proxy serves, /metrics included', () => {
    expect(ROUTE_TABLE.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'health',
        'regions',
        'vms',
        'vm',
        'events',
        'status',
        'metrics',
        'seed_launch',
        'static',
      ]),
    );
  });

  it.each(walk.map((w) => [`${w.method} ${w.example}`, w] as const))('%s without a token', async (_name, w) => {
    const req: Raw = { method: w.method, path: w.example };
    if (w.method === 'POST') Object.assign(req, { headers: { 'content-type': 'application/json' }, body: launchBody });
    const res = await call(req);
    if (w.access === 'open') {
      expect(res.status).not.toBe(401);
      expect(res.status).toBeLessThan(400);
    } else {
      expect(res.status).toBe(401);
      if (w.method !== 'HEAD') expect(errorBody(res).code).toBe('unauthorized');
    }
  });

  it('unknown paths and wrong methods under /v1 need the token too (nothing is learnt without it)', async () => {
    for (const r of [
      { path: '/v1/nope' },
      { method: 'PUT', path: '/v1/vms' },
      { path: '/v1' },
      { path: '/metrics/x' },
    ]) {
      expectRefused(await call(r), 401, 'unauthorized');
    }
    expectRefused(await call({ path: '/v1/nope', headers: AUTH }), 404, 'not_found');
  });
});

describe('compat-open', () => {
  it('opens /regions and /launch without a token, nothing else', async () => {
    const open = await startTestHost({ token: TOKEN, compatOpen: true });
    try {
      const p = Number(new URL(open.url).port);
      for (const w of ROUTE_TABLE) {
        const res = await send(p, { path: w.example });
        if (w.access === 'token' || w.access === 'key') expect(res.status, w.example).toBe(401);
        else expect(res.status, w.example).toBeLessThan(400);
      }
      const seed = JSON.parse((await send(p, { path: '/launch?vm_region=SIN&vm_memory=2&vm_cores=1' })).body);
      expect(seed.data.vm).toMatchObject({ region: 'SIN', memory_gb: 2 });
    } finally {
      await open.stop();
    }
  });
});

describe('/metrics on the real host', () => {
  it('needs the token, and passes the exposition-format checker', async () => {
    expectRefused(await call({ path: '/metrics' }), 401, 'unauthorized');
    await call(launch(AUTH));
    await call(launch({ ...AUTH }));
    const res = await call({ path: '/metrics', headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const m = parseExposition(res.body);
    expect(sampleValue(m, 'flylight_launches_total', { region: 'SIN', result: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(m.get('flylight_region_cores_capacity')?.samples).toHaveLength(35);
    expect(sampleValue(m, 'flylight_scrape_source_up', { source: 'orchestrator' })).toBe(1);
    expect(sampleValue(m, 'flylight_orchestrator_machines')).toBeGreaterThan(0);
    for (const w of ['store', 'orchestrator', 'proxy']) {
      expect(sampleValue(m, 'flylight_worker_up', { worker: w })).toBe(1);
      expect(sampleValue(m, 'flylight_worker_restarts_total', { worker: w })).toBe(0);
    }
    expect(
      sampleValue(m, 'flylight_http_requests_total', { route: 'regions', method: 'GET', status: '401' }),
    ).toBeGreaterThan(0);
  });
});

describe('the breaker on the real host', () => {
  it('opens while the orchestrator worker is down and closes after it is back', async () => {
    // The last test here: it kills a worker. Raw bytes first, to see they get an id too.
    expect(await sendRaw(port, 'BOGUS\r\n\r\n')).toMatch(/x-request-id: [0-9a-f]{32}/);
    await host.crashWorker('orchestrator');
    // Two failures open it (breakerFailures: 2); the restart takes longer than three requests.
    let fast: Reply | null = null;
    for (let i = 0; i < 50 && !fast; i++) {
      const res = await call(launch(AUTH));
      expectRefused(res, 503, 'unavailable');
      if (errorBody(res).message.includes('failing fast')) fast = res;
    }
    expect(fast, 'the breaker never opened').not.toBeNull();
    expect(errorBody(fast as Reply).message).toMatch(/^orchestrator is not answering; failing fast for \d+ s/);
    expect(Number((fast as Reply).headers['retry-after'])).toBeGreaterThanOrEqual(1);

    const ready = () => host.workers().some((w) => w.name === 'orchestrator' && w.state === 'ready');
    await until(ready, 10_000, 'the orchestrator to be ready again');
    // The breaker lets one probe through once its cool-down has passed; then launches work again.
    await until(async () => (await call(launch(AUTH))).status === 201, 5000, 'a launch to succeed after the restart');
    const status = JSON.parse((await call({ path: '/v1/status', headers: AUTH })).body);
    expect(status.breaker.state).toBe('closed');
    expect(status.breaker.opened).toBeGreaterThanOrEqual(1);
    const m = parseExposition((await call({ path: '/metrics', headers: AUTH })).body);
    expect(sampleValue(m, 'flylight_breaker_opened_total', { peer: 'orchestrator' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'flylight_worker_restarts_total', { worker: 'orchestrator' })).toBeGreaterThanOrEqual(1);
  });
});
