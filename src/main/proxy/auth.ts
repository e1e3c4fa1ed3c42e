// The API token and the dashboard's sessions. Tokens are compared in constant time over
// equal-length digests, so neither a byte-by-byte timing nor the token's length leaks. A
// session is never the token itself: it is its issue time and an HMAC of it under the session
// key — a random secret kept beside the token, not derived from it — so it cannot be forged,
// it expires, and rotating the key (`flylight token --rotate`) revokes every session at once.
// Sessions travel in the X-Flylight-Session header, never a cookie (see src/shared/session.ts):
// a Cookie header is ignored entirely, so a cookie planted by another local page can neither
// sign anyone in nor out.

import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../../shared/errors';
import { SESSION_HEADER } from '../../shared/session';
import type { Clock } from './limits';

/** How long a dashboard sign-in lasts. */
export const SESSION_MAX_AGE_S = 30 * 24 * 3600;
/** A session issued this far in the future is refused too (a clock moved back is forgiven this much). */
const FUTURE_SKEW_S = 300;
/** Query parameters that would carry a token in a URL (and so into logs and history). */
export const TOKEN_PARAMS = ['token', 'access_token'] as const;

const HOW =
  'pass Authorization: Bearer <token> (see `flylight token`), or open the dashboard link that `flylight serve` prints';

export type Credential =
  | { kind: 'none' }
  | { kind: 'bearer'; value: string }
  /** An Authorization header that is not a bearer token at all. */
  | { kind: 'malformed' }
  | { kind: 'session'; value: string };

/** What a request presents: the Authorization header wins over a session. Cookies count for nothing. */
export function credentialOf(headers: Record<string, string>): Credential {
  const auth = headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(auth);
    return m ? { kind: 'bearer', value: m[1] } : { kind: 'malformed' };
  }
  const session = headers[SESSION_HEADER];
  return session === undefined ? { kind: 'none' } : { kind: 'session', value: session.trim() };
}

/** One-shot: every request's token is hashed, and a Hash object per call cost a third more. */
function digest(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

export class TokenAuth {
  private tokenDigest: Buffer;
  private key: Buffer;
  /** The token itself: the host's answer to `/v1/hello` is an HMAC under it. */
  private current: string;
  /** Connections that proved the token in force, with the header they proved it with. */
  private proven = new WeakMap<object, string>();

  constructor(
    token: string,
    /** Without one (tests of code below the gate), a random key: sessions then end with the process. */
    sessionKey?: string,
    private readonly nowMs: Clock = Date.now,
  ) {
    this.current = token;
    this.tokenDigest = digest(token);
    this.key = TokenAuth.keyOf(sessionKey);
  }

  /** The token in force now (rotation replaces it). */
  get token(): string {
    return this.current;
  }

  /** Takes a rotated token and session key: the old token and every session issued so far stop working. */
  replace(token: string, sessionKey: string): void {
    this.current = token;
    this.tokenDigest = digest(token);
    this.key = TokenAuth.keyOf(sessionKey);
    this.proven = new WeakMap();
  }

  /**
   * Whether this connection already proved the token in force with this very Authorization
   * header. A keep-alive client sends the same header on every request, and hashing it each
   * time was ~5 % of the proxy thread under launches. Comparing with === is safe here: the
   * value compared against is one this same connection sent and had accepted, so its timing
   * tells a client only what it already knows; another connection never sees it.
   */
  provenOn(conn: object, header: string): boolean {
    return this.proven.get(conn) === header;
  }

  /** Remembers that `conn` proved the token with `header` (until the token is rotated). */
  prove(conn: object, header: string): void {
    this.proven.set(conn, header);
  }

  /** Constant-time: both sides are SHA-256 digests, whatever was sent. */
  matches(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  /** A fresh session: `<issued-at seconds>.<HMAC>`, and when it expires. */
  issue(): { session: string; expiresAt: Date } {
    const iat = Math.floor(this.nowMs() / 1000);
    return { session: `${iat}.${this.mac(iat)}`, expiresAt: new Date((iat + SESSION_MAX_AGE_S) * 1000) };
  }

  /** Why a session is refused, or null when it is good. */
  sessionProblem(value: string): string | null {
    const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!m) return 'the dashboard session is malformed';
    const iat = Number(m[1]);
    const now = Math.floor(this.nowMs() / 1000);
    // The MAC is checked first, so a forged session is told nothing about its dates.
    const given = Buffer.from(m[2], 'base64url');
    const want = Buffer.from(this.mac(iat), 'base64url');
    if (given.length !== want.length || !timingSafeEqual(given, want))
      return "the dashboard session is not valid (Flylight's token was rotated since, or the session was forged)";
    if (iat > now + FUTURE_SKEW_S) return 'the dashboard session is dated in the future';
    if (now - iat > SESSION_MAX_AGE_S) return 'the dashboard session has expired (sessions last 30 days)';
    return null;
  }

  private mac(iat: number): string {
    return createHmac('sha256', this.key).update(`flylight-session:${iat}`).digest('base64url');
  }

  private static keyOf(sessionKey: string | undefined): Buffer {
    return sessionKey ? digest(`flylight-session-key:${sessionKey}`) : randomBytes(32);
  }
}

/** The 401 every refused credential gets; `why` says which case it was. */
export function unauthorized(why: string): ApiError {
  return new ApiError('unauthorized', `${why}: ${HOW}`);
}

export const MISSING_TOKEN = 'this request needs the API token';
export const WRONG_TOKEN = 'the API token is not valid';
export const MALFORMED_AUTH = 'the Authorization header must be "Bearer <token>"';
export const NEEDS_THE_TOKEN = 'this request needs the API token itself; a dashboard session is not enough';
