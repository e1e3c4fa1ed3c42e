// The API token and the session cookie, with a hand-turned clock.

import { describe, expect, it } from 'vitest';
import { credentialOf, SESSION_MAX_AGE_S, TokenAuth } from '../../../src/main/proxy/auth';

const TOKEN = 'T'.repeat(43);

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

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
