// Who may talk to the proxy over HTTP at all, decided before any route runs: the Host header
// (DNS rebinding), the browser's Origin and Sec-Fetch-Site (cross-site requests), the API token
// or the dashboard's session header (never a cookie), the strangers' bucket (every request
// without a valid credential, metered before anything else is spent on it), wrong-token
// slow-down (which never refuses a right token) and the rate limit of the token holder. Electron IPC
// never passes here: it cannot come from a web page, so the gate takes it as it is.

import { networkInterfaces, hostname as osHostname } from 'node:os';
import type { GateLimits } from '../../shared/config';
import { ApiError, type ErrorCode } from '../../shared/errors';
import { clip } from '../../shared/quote';
import {
  credentialOf,
  MALFORMED_AUTH,
  MISSING_TOKEN,
  NEEDS_THE_TOKEN,
  TOKEN_PARAMS,
  TokenAuth,
  unauthorized,
  WRONG_TOKEN,
} from './auth';
import { isHolderHello } from './hello';
import { type Clock, RateLimiter, StrikeCounter } from './limits';
import { type Access, accessOf, isIndex, type RouteMatch } from './routes';

export interface AdmissionConfig {
  /** The API token; null or undefined turns authentication off (tests of code below the gate). */
  token?: string | null;
  compatOpen?: boolean;
  /** The configured listen address. */
  host: string;
  sessionKey?: string;
  limits: GateLimits;
}

/** An HTTP request as admission sees it; headers are lower-case. */
export interface HttpFacts {
  method: string;
  url: string;
  headers: Record<string, string>;
  remote: string;
  /** The connection it came on (the socket), so a token once proved on it is not hashed again. */
  conn?: object;
}

export type Admitted =
  /** `principal` keys the rate limit: one bucket for the token, one per address otherwise. */
  { kind: 'pass'; principal: 'token' | 'session' | 'anonymous' };

/** An error answer that needs headers of its own (Retry-After, WWW-Authenticate,). */
export class Refusal extends ApiError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly headers: Record<string, string>,
    details?: Record<string, unknown>,
    /** Part of a flood: answered, counted and logged in aggregate, never one line each. */
    readonly quiet = false,
  ) {
    super(code, message, details);
  }
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|::1|\[::1\])$/i;
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The Host header values that name this server: loopback by address or as localhost, plus
 * the explicit --listen address (every interface's address when that is a wildcard).
 */
export function allowedHosts(listen: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (!isLoopback(listen)) {
    if (WILDCARD.has(listen)) {
      for (const list of Object.values(networkInterfaces())) {
        for (const a of list ?? []) names.add(bracketed(a.address.split('%')[0]));
      }
      names.add(osHostname());
    } else {
      names.add(bracketed(listen));
    }
  }
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n}:${port}`.toLowerCase());
    if (port === 80) out.add(n.toLowerCase());
  }
  return out;
}

function forbidden(message: string): ApiError {
  return new ApiError('forbidden', message);
}

function rateLimited(message: string, retryAfterS: number): Refusal {
  return new Refusal('rate_limited', message, { 'retry-after': String(retryAfterS) }, { retry_after_s: retryAfterS });
}

const BEARER_CHALLENGE = 'Bearer realm="flylight"';
/** Read only: the query of a target without one. */
const NO_QUERY = new URLSearchParams();

/**
 * accessOf tries every route on the decoded path; the same few paths come again and again
 * (POST /v1/vms above all), so their answers are kept, a bounded number of them.
 */
const ACCESS_CACHE_SIZE = 1024;
const accessCache = new Map<string, Access>();
function cachedAccessOf(pathname: string): Access {
  let a = accessCache.get(pathname);
  if (a === undefined) {
    if (accessCache.size >= ACCESS_CACHE_SIZE) accessCache.clear();
    a = accessOf(pathname);
    accessCache.set(pathname, a);
  }
  return a;
}

export class Admission {
  readonly auth: TokenAuth | null;
  private readonly limiter: RateLimiter;
  private readonly strikes: StrikeCounter;
  private hosts: { port: number; set: Set<string> } | null = null;
  private readonly anonBucket: RateLimiter;
  private readonly fileBucket: RateLimiter;
  /** Told about each wrong token (for the metrics). */
  onAuthFailure: (() => void) | null = null;
  /** Told about each request without a valid credential and whether its bucket let it on. */
  onAnonymous: ((kind: 'api' | 'static', admitted: boolean) => void) | null = null;

  constructor(
    private readonly cfg: AdmissionConfig,
    /** The bound port (known once the server listens). */
    private readonly port: () => number,
    now: Clock = Date.now,
  ) {
    const l = cfg.limits;
    this.auth = typeof cfg.token === 'string' ? new TokenAuth(cfg.token, cfg.sessionKey, now) : null;
    this.limiter = new RateLimiter(l.ratePerSec, l.burst, now);
    this.strikes = new StrikeCounter(l.authFailures, l.authWindowMs, l.authLockoutMs, now);
    this.anonBucket = new RateLimiter(l.anonRatePerSec, l.anonBurst, now);
    this.fileBucket = new RateLimiter(l.staticRatePerSec, l.staticBurst, now);
  }

  /** The API token this host accepts, or null when authentication is off. */
  get token(): string | null {
    return this.auth?.token ?? null;
  }

  /** Lets the request on, or throws the 400/401/403/429 it earns. `match` is null when it routes nowhere. */
  admit(req: HttpFacts, match: RouteMatch | null): Admitted {
    const { headers } = req;
    const q = req.url.indexOf('?');
    const pathname = q === -1 ? req.url : req.url.slice(0, q);
    const query = q === -1 ? NO_QUERY : new URLSearchParams(req.url.slice(q + 1));
    const isFile = match?.route === 'static';
    // `/?token=`: the page itself trades the token for a session (POST /v1/session).
    const login = match !== null && isIndex(match) && TOKEN_PARAMS.some((p) => query.has(p));

    // Who holds a valid credential is known first (one hash), so that everyone else is metered
    // before anything costs more: a flood of strangers spends a counter, not a log line each.
    const holder =
      match?.route === 'hello'
        ? this.auth && isHolderHello(this.auth.token, this.port(), query)
          ? 'token'
          : null
        : this.holder(req);
    if (holder === null && this.auth !== null) this.meterAnonymous(isFile);

    this.checkHost(headers.host);
    this.checkOrigin(headers.origin);
    // The dashboard's files may be linked from anywhere; the data and a sign-in may not.
    const site = headers['sec-fetch-site'];
    if ((!isFile || login) && (site === 'cross-site' || site === 'same-site')) {
      throw forbidden(
        `requests from other sites are refused (Sec-Fetch-Site: ${clip(site, 20)}); open the dashboard from this server itself`,
      );
    }

    if (isFile) return { kind: 'pass', principal: holder ?? 'anonymous' };

    if (TOKEN_PARAMS.some((p) => query.has(p))) {
      throw new ApiError(
        'bad_request',
        'the API token is not accepted in the URL (URLs end up in logs and browser history): pass Authorization: Bearer <token> (see `flylight token`)',
      );
    }

    const access = cachedAccessOf(pathname);
    const needsToken =
      this.auth !== null && (access === 'token' || access === 'key' || (access === 'compat' && !this.cfg.compatOpen));
    if (needsToken && holder === null) this.refuseCredential(req);
    const principal = needsToken ? (holder as 'token' | 'session') : 'anonymous';
    if (access === 'key' && principal === 'session') throw this.unauthorized(NEEDS_THE_TOKEN);
    // Without auth (tests below the gate) strangers are told apart by address, as before.
    const key = principal !== 'anonymous' ? 'token' : this.auth === null ? `addr:${req.remote}` : null;
    if (key === null) return { kind: 'pass', principal };
    const verdict = this.limiter.take(key);
    if (!verdict.ok) {
      const { ratePerSec, burst } = this.cfg.limits;
      throw rateLimited(
        `rate limit reached (${ratePerSec} requests per second, bursts of ${burst}); retry in ${verdict.retryAfterS} s`,
        verdict.retryAfterS,
      );
    }
    return { kind: 'pass', principal };
  }

  private allowed(): Set<string> {
    const port = this.port();
    if (this.hosts?.port !== port) this.hosts = { port, set: allowedHosts(this.cfg.host, port) };
    return this.hosts.set;
  }

  private own(): string {
    return `http://127.0.0.1:${this.port()}`;
  }

  /** DNS rebinding: a page on evil.example resolved to 127.0.0.1 still sends Host: evil.example. */
  private checkHost(host: string | undefined): void {
    if (host === undefined) throw forbidden(`the Host header is missing; this server answers to ${this.own()}`);
    if (!this.allowed().has(host.toLowerCase())) {
      throw forbidden(
        `Host '${clip(host, 60)}' is not this server; use ${this.own()} or http://localhost:${this.port()}`,
      );
    }
  }

  /** Browsers send Origin on cross-origin requests and on every POST: only our own is welcome. */
  private checkOrigin(origin: string | undefined): void {
    if (origin === undefined) return;
    const m = /^http:\/\/([^/]+)$/i.exec(origin);
    if (!m || !this.allowed().has(m[1].toLowerCase())) {
      throw forbidden(
        `cross-origin requests are refused (Origin: ${clip(origin, 60)}); this server's origin is ${this.own()}`,
      );
    }
  }

  /**
   * 'token' or 'session' when the request carries a valid credential, else null. Never consults
   * the failed-attempt counter: a right token is never refused because someone else guessed.
   */
  private holder(req: HttpFacts): 'token' | 'session' | null {
    const auth = this.auth;
    if (!auth) return null;
    const raw = req.headers.authorization;
    if (req.conn !== undefined && raw !== undefined && auth.provenOn(req.conn, raw)) return 'token';
    const cred = credentialOf(req.headers);
    if (cred.kind === 'bearer') {
      if (!auth.matches(cred.value)) return null;
      if (req.conn !== undefined) auth.prove(req.conn, raw as string);
      return 'token';
    }
    if (cred.kind === 'session') return auth.sessionProblem(cred.value) === null ? 'session' : null;
    return null;
  }

  /** Takes one request from the strangers' bucket (files have their own); a quiet 429 when empty. */
  private meterAnonymous(file: boolean): void {
    const verdict = (file ? this.fileBucket : this.anonBucket).take('*');
    this.onAnonymous?.(file ? 'static' : 'api', verdict.ok);
    if (verdict.ok) return;
    const l = this.cfg.limits;
    const [rate, what] = file
      ? [l.staticRatePerSec, 'dashboard files']
      : [l.anonRatePerSec, 'requests without a valid token'];
    throw new Refusal(
      'rate_limited',
      `too many ${what} (${rate} per second from everyone together); retry in ${verdict.retryAfterS} s`,
      { 'retry-after': String(verdict.retryAfterS) },
      { retry_after_s: verdict.retryAfterS },
      true,
    );
  }

  /** The request lacks a valid credential: 429 while this address is slowed down, else 401. */
  private refuseCredential(req: HttpFacts): never {
    const cred = credentialOf(req.headers);
    if (cred.kind === 'bearer' || cred.kind === 'malformed') {
      this.checkStrikes(req.remote);
      this.strike(req.remote);
      throw this.unauthorized(cred.kind === 'bearer' ? WRONG_TOKEN : MALFORMED_AUTH);
    }
    if (cred.kind === 'session') {
      // A stale session is an old tab, not a guess (a forgery would need the 256-bit key):
      // refused, but it does not count as a strike.
      throw this.unauthorized(
        (this.auth as TokenAuth).sessionProblem(cred.value) ?? 'the dashboard session is not valid',
      );
    }
    throw this.unauthorized(MISSING_TOKEN);
  }

  private checkStrikes(remote: string): void {
    const v = this.strikes.check(remote);
    if (!v.ok) {
      throw rateLimited(
        `too many wrong API tokens from this address; wait ${v.retryAfterS} s, then pass the right one (see \`flylight token\`)`,
        v.retryAfterS,
      );
    }
  }

  private strike(remote: string): void {
    this.strikes.strike(remote);
    this.onAuthFailure?.();
  }

  private unauthorized(why: string): Refusal {
    const err = unauthorized(why);
    return new Refusal('unauthorized', err.message, { 'www-authenticate': BEARER_CHALLENGE });
  }
}
