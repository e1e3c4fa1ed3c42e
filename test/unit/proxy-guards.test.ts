// The proxy's gatekeeping parts on their own, with a hand-turned clock: the rate limiter, the
// wrong-token strike counter, the circuit breaker, the session cookie, admission's Host /
// Origin / token rules, the route table and request ids.

import { describe, expect, it } from 'vitest';
import { Admission, allowedHosts, Refusal } from '../../src/main/proxy/admission';
import { credentialOf, SESSION_MAX_AGE_S, TokenAuth } from '../../src/main/proxy/auth';
import { CircuitBreaker } from '../../src/main/proxy/breaker';
import { RateLimiter, StrikeCounter } from '../../src/main/proxy/limits';
import { newRequestId, requestIdOf } from '../../src/main/proxy/request-id';
import { accessOf, matchRoute, parseTarget, ROUTE_TABLE } from '../../src/main/proxy/routes';
import { GATE_DEFAULTS } from '../../src/shared/config';
import { ApiError } from '../../src/shared/errors';

const TOKEN = 'T'.repeat(43);

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('nothing was thrown');
}

describe('RateLimiter', () => {
  it('allows a burst, then refuses with the wait, then refills at the rate', () => {
    const c = clock();
    const r = new RateLimiter(2, 3, c.now);
    for (let i = 0; i < 3; i++) expect(r.take('k').ok).toBe(true);
    expect(r.take('k')).toEqual({ ok: false, retryAfterS: 1 });
    expect(r.take('other').ok).toBe(true);
    c.t += 500; // one token back
    expect(r.take('k').ok).toBe(true);
    expect(r.take('k').ok).toBe(false);
    c.t += 10_000; // refills to the burst, no further
    for (let i = 0; i < 3; i++) expect(r.take('k').ok).toBe(true);
    expect(r.take('k').ok).toBe(false);
  });

  it('says how many whole seconds to wait at a slow rate', () => {
    const c = clock();
    const r = new RateLimiter(0.1, 1, c.now);
    expect(r.take('k').ok).toBe(true);
    expect(r.take('k')).toEqual({ ok: false, retryAfterS: 10 });
  });
});

describe('StrikeCounter', () => {
  it('locks a key after N strikes inside the window, for the lockout', () => {
    const c = clock();
    const s = new StrikeCounter(3, 60_000, 30_000, c.now);
    expect(s.strike('a')).toBe(false);
    expect(s.strike('a')).toBe(false);
    expect(s.check('a').ok).toBe(true);
    expect(s.strike('a')).toBe(true);
    expect(s.check('a')).toEqual({ ok: false, retryAfterS: 30 });
    expect(s.check('b').ok).toBe(true);
    c.t += 29_500;
    expect(s.check('a')).toEqual({ ok: false, retryAfterS: 1 });
    c.t += 500;
    expect(s.check('a').ok).toBe(true);
  });

  it('forgets strikes older than the window', () => {
    const c = clock();
    const s = new StrikeCounter(3, 1000, 30_000, c.now);
    s.strike('a');
    s.strike('a');
    c.t += 1001;
    expect(s.strike('a')).toBe(false);
    expect(s.check('a').ok).toBe(true);
  });
});

describe('CircuitBreaker', () => {
  const down = () => Promise.reject(new ApiError('unavailable', 'orchestrator worker is restarting'));
  const answer =
    <T>(v: T) =>
    () =>
      Promise.resolve(v);

  function breaker(c = clock(), changes: string[] = []) {
    return {
      c,
      changes,
      b: new CircuitBreaker({
        peer: 'orchestrator',
        failures: 3,
        cooldownMs: 2000,
        maxInFlight: 2,
        now: c.now,
        onChange: (s) => changes.push(s),
      }),
    };
  }

  it('opens after K consecutive outages and fails fast with a reason', async () => {
    const { b, changes } = breaker();
    for (let i = 0; i < 3; i++) await expect(b.call(down)).rejects.toThrow('restarting');
    expect(b.status()).toMatchObject({ state: 'open', failures: 3, opened: 1, retry_after_s: 2 });
    let called = false;
    const err = (await b.call(async () => (called = true)).catch((e) => e)) as ApiError;
    expect(called).toBe(false);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe('orchestrator is not answering; failing fast for 2 s (then one request checks it again)');
    expect(err.details).toEqual({ retry_after_s: 2, breaker: 'open' });
    expect(changes).toEqual(['open']);
  });

  it('answers that are errors (no_capacity, not_found) are not outages', async () => {
    const { b } = breaker();
    for (let i = 0; i < 5; i++) {
      await expect(b.call(() => Promise.reject(new ApiError('no_capacity', 'full')))).rejects.toThrow('full');
    }
    await b.call(down).catch(() => {});
    await b.call(down).catch(() => {});
    await expect(b.call(() => Promise.reject(new ApiError('not_found', 'no VM')))).rejects.toThrow('no VM');
    await b.call(down).catch(() => {});
    expect(b.status().state).toBe('closed'); // never three outages in a row
  });

  it('ends the cool-down early when the host reports every worker ready', async () => {
    const { b, changes } = breaker();
    b.recovered(); // nothing to do while closed
    expect(b.status().state).toBe('closed');
    for (let i = 0; i < 3; i++) await b.call(down).catch(() => {});
    b.recovered();
    expect(b.status().state).toBe('half_open');
    expect(await b.call(answer('ok'))).toBe('ok');
    expect(b.status().state).toBe('closed');
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('half-opens after the cool-down: one probe; success closes, failure reopens', async () => {
    const { b, c, changes } = breaker();
    for (let i = 0; i < 3; i++) await b.call(down).catch(() => {});
    c.t += 2000;
    expect(b.status().state).toBe('half_open');
    // The probe fails: open again for a whole cool-down.
    await expect(b.call(down)).rejects.toThrow('restarting');
    expect(b.status()).toMatchObject({ state: 'open', opened: 2 });
    c.t += 2000;
    // While the probe is out, everyone else fails fast.
    let release!: (v: string) => void;
    const probe = b.call(() => new Promise<string>((r) => (release = r)));
    const other = await b.call(answer('x')).catch((e) => e as ApiError);
    expect((other as ApiError).message).toContain('failing fast while one request checks it');
    release('ok');
    expect(await probe).toBe('ok');
    expect(b.status()).toMatchObject({ state: 'closed', failures: 0 });
    expect(await b.call(answer(7))).toBe(7);
    expect(changes).toEqual(['open', 'half_open', 'open', 'half_open', 'closed']);
  });

  it('opens when calls pile up instead of adding more', async () => {
    const { b } = breaker();
    const hanging: ((v: number) => void)[] = [];
    const calls = [0, 1].map(() => b.call(() => new Promise<number>((r) => hanging.push(r))));
    const err = await b.call(answer(1)).catch((e) => e as ApiError);
    expect((err as ApiError).message).toBe(
      'orchestrator has 2 calls waiting; failing fast for 2 s instead of adding more',
    );
    expect(b.status().state).toBe('open');
    for (const h of hanging) h(1);
    await Promise.all(calls);
    expect(b.status().state).toBe('closed'); // they answered after all
  });
});

describe('TokenAuth', () => {
  it('matches only the exact token', () => {
    const a = new TokenAuth(TOKEN);
    expect(a.matches(TOKEN)).toBe(true);
    for (const wrong of ['', 'T', `${TOKEN}x`, TOKEN.slice(1), 't'.repeat(43)]) expect(a.matches(wrong)).toBe(false);
  });

  it('issues sessions that are not the token, verify, and expire after 30 days', () => {
    const c = clock();
    const a = new TokenAuth(TOKEN, 'key', c.now);
    const { session, expiresAt } = a.issue();
    expect(session).not.toContain(TOKEN);
    expect(session).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    expect(expiresAt.getTime()).toBe(Math.floor(c.t / 1000) * 1000 + SESSION_MAX_AGE_S * 1000);
    expect(a.sessionProblem(session)).toBeNull();
    c.t += SESSION_MAX_AGE_S * 1000;
    expect(a.sessionProblem(session)).toBeNull();
    c.t += 1000;
    expect(a.sessionProblem(session)).toBe('the dashboard session has expired (sessions last 30 days)');
  });

  it('refuses sessions of another key, an edited date, or garbage; the token does not sign them', () => {
    const c = clock();
    const a = new TokenAuth(TOKEN, 'key', c.now);
    const notOurs = /session is not valid \(Flylight's token was rotated since/;
    expect(a.sessionProblem(new TokenAuth(TOKEN, 'other key', c.now).issue().session)).toMatch(notOurs);
    expect(a.sessionProblem(new TokenAuth(TOKEN, undefined, c.now).issue().session)).toMatch(notOurs);
    // The key alone signs: knowing the token (or having had it) forges nothing.
    expect(a.sessionProblem(new TokenAuth('U'.repeat(43), 'key', c.now).issue().session)).toBeNull();
    const [iat, mac] = a.issue().session.split('.');
    expect(a.sessionProblem(`${Number(iat) + 1}.${mac}`)).toMatch(notOurs);
    for (const junk of ['', 'x', `${iat}.`, `${iat}.${mac}x`, TOKEN, `-1.${mac}`])
      expect(a.sessionProblem(junk)).toBe('the dashboard session is malformed');
    const future = new TokenAuth(TOKEN, 'key', () => c.t + 3600_000).issue().session;
    expect(a.sessionProblem(future)).toBe('the dashboard session is dated in the future');
  });

  it('replace() voids the old token and every session issued before it', () => {
    const a = new TokenAuth(TOKEN, 'key');
    const before = a.issue().session;
    a.replace('N'.repeat(43), 'new key');
    expect(a.matches(TOKEN)).toBe(false);
    expect(a.matches('N'.repeat(43))).toBe(true);
    expect(a.sessionProblem(before)).toMatch(/not valid/);
    expect(a.sessionProblem(a.issue().session)).toBeNull();
  });

  it('reads credentials: the Authorization header wins, then the session header; cookies are ignored', () => {
    expect(credentialOf({ authorization: `Bearer ${TOKEN}` })).toEqual({ kind: 'bearer', value: TOKEN });
    expect(credentialOf({ authorization: `bearer  ${TOKEN} ` })).toEqual({ kind: 'bearer', value: TOKEN });
    expect(credentialOf({ authorization: 'Basic dXNlcjpwYXNz' })).toEqual({ kind: 'malformed' });
    expect(credentialOf({ authorization: 'Bearer' })).toEqual({ kind: 'malformed' });
    expect(credentialOf({ authorization: 'Bearer a b' })).toEqual({ kind: 'malformed' });
    expect(credentialOf({ 'x-flylight-session': ' 1.abc ' })).toEqual({ kind: 'session', value: '1.abc' });
    expect(credentialOf({ authorization: `Bearer ${TOKEN}`, 'x-flylight-session': '1.abc' }).kind).toBe('bearer');
    expect(credentialOf({ cookie: `flylight_session_1=1.abc; flylight_session=${TOKEN}` })).toEqual({ kind: 'none' });
  });
});

describe('admission', () => {
  const PORT = 4555;
  function admission(overrides: { token?: string | null; compatOpen?: boolean; host?: string } = {}) {
    return new Admission({ token: TOKEN, host: '127.0.0.1', limits: { ...GATE_DEFAULTS }, ...overrides }, () => PORT);
  }
  const req = (url: string, headers: Record<string, string> = {}) => ({
    method: 'GET',
    url,
    headers: { host: `127.0.0.1:${PORT}`, ...headers },
    remote: '127.0.0.1',
  });
  const route = (url: string) => matchRoute('GET', parseTarget(url));
  const bearer = { authorization: `Bearer ${TOKEN}` };

  it('accepts the loopback names with the right port, and only them', () => {
    const a = admission();
    for (const host of [`127.0.0.1:${PORT}`, `localhost:${PORT}`, `LOCALHOST:${PORT}`, `[::1]:${PORT}`]) {
      expect(a.admit(req('/healthz', { host }), route('/healthz')).kind).toBe('pass');
    }
    for (const host of [
      'evil.example',
      `evil.example:${PORT}`,
      '127.0.0.1',
      `127.0.0.1:${PORT + 1}`,
      `10.0.0.1:${PORT}`,
    ]) {
      const err = thrown(() => a.admit(req('/healthz', { host }), route('/healthz')));
      expect(err.code).toBe('forbidden');
      expect(err.message).toContain('is not this server');
    }
  });

  it('adds an explicit --listen address, and every interface for a wildcard', () => {
    expect(allowedHosts('192.168.1.5', 80)).toEqual(
      new Set([
        '127.0.0.1:80',
        'localhost:80',
        '[::1]:80',
        '192.168.1.5:80',
        '127.0.0.1',
        'localhost',
        '[::1]',
        '192.168.1.5',
      ]),
    );
    expect(allowedHosts('0.0.0.0', 9).has('127.0.0.1:9')).toBe(true);
    expect(allowedHosts('127.0.0.1', 9).size).toBe(3);
  });

  it('refuses foreign origins, Origin: null and cross-site fetches', () => {
    const a = admission();
    for (const origin of [
      'http://evil.example',
      'null',
      `http://192.168.1.10:${PORT}`,
      `https://127.0.0.1:${PORT}`,
      `http://127.0.0.1:${PORT}/`,
    ]) {
      const err = thrown(() => a.admit(req('/v1/regions', { ...bearer, origin }), route('/v1/regions')));
      expect(err.code).toBe('forbidden');
      expect(err.message).toContain('cross-origin requests are refused');
    }
    expect(
      a.admit(req('/v1/regions', { ...bearer, origin: `http://localhost:${PORT}` }), route('/v1/regions')).kind,
    ).toBe('pass');
    for (const site of ['cross-site', 'same-site']) {
      const err = thrown(() =>
        a.admit(req('/v1/regions', { ...bearer, 'sec-fetch-site': site }), route('/v1/regions')),
      );
      expect(err.code).toBe('forbidden');
    }
    // The dashboard's files may be linked from other sites; a sign-in may not.
    expect(a.admit(req('/', { 'sec-fetch-site': 'cross-site' }), route('/')).kind).toBe('pass');
    expect(thrown(() => a.admit(req(`/?token=${TOKEN}`, { 'sec-fetch-site': 'cross-site' }), route('/'))).code).toBe(
      'forbidden',
    );
  });

  it('needs the token on /v1, /metrics and (unless compat-open) the seed routes', () => {
    const a = admission();
    for (const url of ['/v1/regions', '/v1/nope', '/metrics', '/regions', '/launch?vm_region=SIN']) {
      let m = null;
      try {
        m = route(url);
      } catch {}
      const err = thrown(() => a.admit(req(url), m));
      expect(err).toBeInstanceOf(Refusal);
      expect(err.code).toBe('unauthorized');
      expect(err.message).toContain('pass Authorization: Bearer <token> (see `flylight token`)');
      expect((err as Refusal).headers['www-authenticate']).toBe('Bearer realm="flylight"');
    }
    const open = admission({ compatOpen: true });
    expect(open.admit(req('/regions'), route('/regions')).kind).toBe('pass');
    expect(thrown(() => open.admit(req('/v1/regions'), route('/v1/regions'))).code).toBe('unauthorized');
    const off = admission({ token: null });
    expect(off.admit(req('/v1/regions'), route('/v1/regions')).kind).toBe('pass');
  });

  it('refuses a token in the URL of an API call, even the right one', () => {
    const a = admission();
    for (const q of [`token=${TOKEN}`, `access_token=${TOKEN}`]) {
      const err = thrown(() => a.admit(req(`/v1/regions?${q}`, bearer), route(`/v1/regions?${q}`)));
      expect(err.code).toBe('bad_request');
      expect(err.message).toContain('pass Authorization: Bearer <token>');
    }
  });

  it('serves the start page with a token in its URL (the page trades it itself), not from other sites', () => {
    const a = admission();
    expect(a.admit(req(`/flylight?region=SIN&token=${TOKEN}`), route('/flylight'))).toEqual({
      kind: 'pass',
      principal: 'anonymous',
    });
    const cross = req(`/?token=${TOKEN}`, { 'sec-fetch-site': 'same-site' });
    expect(thrown(() => a.admit(cross, route('/'))).code).toBe('forbidden');
  });

  it('signing in and rotating need the token itself: a session is refused', () => {
    const a = admission();
    const session = (a.auth as TokenAuth).issue().session;
    const withSession = { 'x-flylight-session': session };
    expect(a.admit(req('/v1/regions', withSession), route('/v1/regions'))).toEqual({
      kind: 'pass',
      principal: 'session',
    });
    for (const path of ['/v1/session', '/v1/token/rotate']) {
      const m = matchRoute('POST', parseTarget(path));
      const err = thrown(() => a.admit(req(path, withSession), m));
      expect(err.code).toBe('unauthorized');
      expect(err.message).toContain('needs the API token itself');
      expect(a.admit(req(path, bearer), m)).toEqual({ kind: 'pass', principal: 'token' });
    }
  });
});

describe('routes and request ids', () => {
  it('the route table names each route once, with an example its route matches', () => {
    expect(new Set(ROUTE_TABLE.map((r) => r.name)).size).toBe(ROUTE_TABLE.length);
    for (const r of ROUTE_TABLE) {
      expect(matchRoute(r.methods[0], parseTarget(r.example)).route).toBe(r.name);
      expect(accessOf(parseTarget(r.example).pathname)).toBe(r.access);
    }
  });

  it('anything under /v1 needs the token, routed or not', () => {
    for (const p of ['/v1', '/v1/', '/v1/nope', '/v1/vms/x/y', '/%76%31/vms', '/metrics/x'])
      expect(accessOf(p)).toBe('token');
    for (const p of ['/healthz', '/', '/assets/a.js', '/nope']) expect(accessOf(p)).toBe('open');
  });

  it('keeps a well-formed X-Request-Id and replaces anything else', () => {
    expect(requestIdOf('abc-123_x.y:z')).toBe('abc-123_x.y:z');
    for (const bad of [undefined, '', 'a b', 'x'.repeat(129), 'a\nb', '<script>', 'ü']) {
      const id = requestIdOf(bad);
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(newRequestId()).not.toBe(newRequestId());
  });
});
