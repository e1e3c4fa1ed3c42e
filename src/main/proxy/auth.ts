// The API token and the dashboard's session cookie. Tokens are compared in constant time over
// equal-length digests, so neither a byte-by-byte timing nor the token's length leaks. The
// cookie is never the token itself: it is an HMAC of the token and its issue time under a
// per-process key, so it cannot be forged without the token, it expires, and another run's
// cookie (another key) is refused.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../../shared/errors';
import type { Clock } from './limits';

/** How long a dashboard sign-in lasts. */
export const SESSION_MAX_AGE_S = 30 * 24 * 3600;
/** A cookie issued this far in the future is refused too (a clock moved back is forgiven this much). */
const FUTURE_SKEW_S = 300;
/** Query parameters that would carry a token in a URL (and so into logs and history). */
export const TOKEN_PARAMS = ['token', 'access_token'] as const;

/** The cookie is per port: browsers share cookies between ports of one host. */
export function cookieName(port: number): string {
  return `flylight_session_${port}`;
}

const HOW =
  'pass Authorization: Bearer <token> (see `flylight token`), or open the dashboard link that `flylight serve` prints';

export type Credential =
  | { kind: 'none' }
  | { kind: 'bearer'; value: string }
  /** An Authorization header that is not a bearer token at all. */
  | { kind: 'malformed' }
  | { kind: 'cookie'; value: string };

/** What a request presents: the Authorization header wins over a cookie. */
export function credentialOf(headers: Record<string, string>, cookie: string): Credential {
  const auth = headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(auth);
    return m ? { kind: 'bearer', value: m[1] } : { kind: 'malformed' };
  }
  const value = readCookie(headers.cookie, cookie);
  return value === undefined ? { kind: 'none' } : { kind: 'cookie', value };
}

/** One cookie's value from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class TokenAuth {
  private readonly tokenDigest: Buffer;
  private readonly key: Buffer;

  constructor(
    private readonly token: string,
    sessionKey?: string,
    private readonly nowMs: Clock = Date.now,
  ) {
    this.tokenDigest = digest(token);
    this.key = sessionKey ? digest(`flylight-session-key:${sessionKey}`) : randomBytes(32);
  }

  /** Constant-time: both sides are SHA-256 digests, whatever was sent. */
  matches(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  /** A fresh cookie value: `<issued-at seconds>.<HMAC>`. */
  issue(): string {
    const iat = Math.floor(this.nowMs() / 1000);
    return `${iat}.${this.mac(iat)}`;
  }

  /** Why a cookie is refused, or null when it is good. */
  cookieProblem(value: string): string | null {
    const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!m) return 'the dashboard session cookie is malformed';
    const iat = Number(m[1]);
    const now = Math.floor(this.nowMs() / 1000);
    // The MAC is checked first, so a forged cookie is told nothing about its dates.
    const given = Buffer.from(m[2], 'base64url');
    const want = Buffer.from(this.mac(iat), 'base64url');
    if (given.length !== want.length || !timingSafeEqual(given, want))
      return 'the dashboard session is not from this run of Flylight (it restarted, or the cookie was forged)';
    if (iat > now + FUTURE_SKEW_S) return 'the dashboard session cookie is dated in the future';
    if (now - iat > SESSION_MAX_AGE_S) return 'the dashboard session has expired (sessions last 30 days)';
    return null;
  }

  /** The Set-Cookie header of a sign-in. */
  setCookie(port: number): string {
    return `${cookieName(port)}=${this.issue()}; Path=/; Max-Age=${SESSION_MAX_AGE_S}; HttpOnly; SameSite=Strict`;
  }

  /** The Set-Cookie header that makes a browser forget a bad cookie. */
  static clearCookie(port: number): string {
    return `${cookieName(port)}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`;
  }

  private mac(iat: number): string {
    return createHmac('sha256', this.key).update(`flylight-session:${iat}:`).update(this.token).digest('base64url');
  }
}

/** The 401 every refused credential gets; `why` says which case it was. */
export function unauthorized(why: string): ApiError {
  return new ApiError('unauthorized', `${why}: ${HOW}`);
}

export const MISSING_TOKEN = 'this request needs the API token';
export const WRONG_TOKEN = 'the API token is not valid';
export const MALFORMED_AUTH = 'the Authorization header must be "Bearer <token>"';
