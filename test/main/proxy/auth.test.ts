// The API token and the session cookie, with a hand-turned clock.

import { describe, expect, it } from 'vitest';
import { cookieName, credentialOf, readCookie, SESSION_MAX_AGE_S, TokenAuth } from '../../../src/main/proxy/auth';

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

  it('issues cookies that are not the token, verify, and expire after 30 days', () => {
    const c = clock();
    const a = new TokenAuth(TOKEN, 'key', c.now);
    const cookie = a.issue();
    expect(cookie).not.toContain(TOKEN);
    expect(cookie).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    expect(a.cookieProblem(cookie)).toBeNull();
    c.t += SESSION_MAX_AGE_S * 1000;
    expect(a.cookieProblem(cookie)).toBeNull();
    c.t += 1000;
    expect(a.cookieProblem(cookie)).toBe('the dashboard session has expired (sessions last 30 days)');
  });

  it('refuses cookies of another key, another token, an edited date, or garbage', () => {
    const c = clock();
    const a = new TokenAuth(TOKEN, 'key', c.now);
    const notOurs = /not from this run of Flylight/;
    expect(a.cookieProblem(new TokenAuth(TOKEN, 'other key', c.now).issue())).toMatch(notOurs);
    expect(a.cookieProblem(new TokenAuth(TOKEN, undefined, c.now).issue())).toMatch(notOurs);
    expect(a.cookieProblem(new TokenAuth('U'.repeat(43), 'key', c.now).issue())).toMatch(notOurs);
    const [iat, mac] = a.issue().split('.');
    expect(a.cookieProblem(`${Number(iat) + 1}.${mac}`)).toMatch(notOurs);
    for (const junk of ['', 'x', `${iat}.`, `${iat}.${mac}x`, TOKEN, `-1.${mac}`])
      expect(a.cookieProblem(junk)).toBe('the dashboard session cookie is malformed');
    const future = new TokenAuth(TOKEN, 'key', () => c.t + 3600_000).issue();
    expect(a.cookieProblem(future)).toBe('the dashboard session cookie is dated in the future');
  });

  it('the Set-Cookie header is HttpOnly, SameSite=Strict, Path=/ and named for the port', () => {
    const a = new TokenAuth(TOKEN, 'key');
    const header = a.setCookie(3030);
    expect(header).toMatch(/^flylight_session_3030=\d+\.[\w-]{43}; /);
    expect(header.split('; ')).toEqual(
      expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${SESSION_MAX_AGE_S}`]),
    );
    expect(TokenAuth.clearCookie(3030)).toContain('Max-Age=0');
  });

  it('reads credentials: the header wins, then the cookie', () => {
    const name = cookieName(1);
    expect(credentialOf({ authorization: `Bearer ${TOKEN}` }, name)).toEqual({ kind: 'bearer', value: TOKEN });
    expect(credentialOf({ authorization: `bearer  ${TOKEN} ` }, name)).toEqual({ kind: 'bearer', value: TOKEN });
    expect(credentialOf({ authorization: 'Basic dXNlcjpwYXNz' }, name)).toEqual({ kind: 'malformed' });
    expect(credentialOf({ authorization: 'Bearer' }, name)).toEqual({ kind: 'malformed' });
    expect(credentialOf({ authorization: 'Bearer a b' }, name)).toEqual({ kind: 'malformed' });
    expect(credentialOf({ cookie: `x=1; ${name}=abc; y=2` }, name)).toEqual({ kind: 'cookie', value: 'abc' });
    expect(credentialOf({ cookie: 'flylight_session_2=abc' }, name)).toEqual({ kind: 'none' });
    expect(readCookie('a=1;b=2', 'b')).toBe('2');
  });
});
