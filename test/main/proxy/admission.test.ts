// Admission on its own: the Host, Origin and token rules every request passes before its route.

import { describe, expect, it } from 'vitest';
import { Admission, allowedHosts, Refusal } from '../../../src/main/proxy/admission';
import type { TokenAuth } from '../../../src/main/proxy/auth';
import { matchRoute, parseTarget } from '../../../src/main/proxy/routes';
import { GATE_DEFAULTS } from '../../../src/shared/config';
import { thrown } from '../../helpers/thrown';

const TOKEN = 'T'.repeat(43);

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

  it('a token proved on a connection is not hashed again there, and stops working there once rotated', () => {
    const a = admission();
    const conn = {};
    const on = (headers: Record<string, string>, c: object = conn) => ({ ...req('/v1/vms', headers), conn: c });
    const auth = a.auth as TokenAuth;
    expect(auth.provenOn(conn, bearer.authorization)).toBe(false);
    expect(a.admit(on(bearer), route('/v1/vms'))).toEqual({ kind: 'pass', principal: 'token' });
    expect(auth.provenOn(conn, bearer.authorization)).toBe(true);
    // Another header on the same connection is checked in full, and a wrong one refused.
    expect(thrown(() => a.admit(on({ authorization: `Bearer ${'x'.repeat(43)}` }), route('/v1/vms'))).code).toBe(
      'unauthorized',
    );
    expect(auth.provenOn({}, bearer.authorization)).toBe(false);
    auth.replace('N'.repeat(43), 'k'.repeat(43));
    expect(thrown(() => a.admit(on(bearer), route('/v1/vms'))).code).toBe('unauthorized');
    expect(a.admit(on({ authorization: `Bearer ${'N'.repeat(43)}` }), route('/v1/vms')).kind).toBe('pass');
  });

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
      // An unknown path has no route: admission still asks for the token before saying 404.
      const m = url === '/v1/nope' ? null : route(url);
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
