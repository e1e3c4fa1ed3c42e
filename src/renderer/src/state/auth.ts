// The browser dashboard's key. The page trades the API token once — from the `/?token=…` link
// `flylight serve` prints, or pasted on the key page — for a session (`POST /v1/session`), keeps
// it in this origin's localStorage and sends it as the X-Flylight-Session header on every call
// and on the event stream. Never a cookie: browsers share cookies between every port of
// 127.0.0.1, so any local web page could read or plant one; localStorage is per scheme, host and
// port, and no other page can attach the header (see src/shared/session.ts).
//
// A 401 from any call means this page has no valid session — none yet, it expired, or the token
// was rotated — and every further call would be refused too: the page forgets the session,
// stops asking (no retry storm, which would also count against this address) and shows how to
// get in.

import type { FlylightApi } from '../../../shared/api';
import { ApiError } from '../../../shared/errors';
import { SESSION_HEADER, SESSION_STORAGE_KEY, type SessionGrant } from '../../../shared/session';

/** The same API, reporting every 401 to `onRefused` (then failing as before). */
export function guardAuth(api: FlylightApi, onRefused: (message: string) => void): FlylightApi {
  // A Proxy, so every method is covered — those added to FlylightApi later too.
  return new Proxy(api, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await value.apply(target, args);
        } catch (err) {
          if (err instanceof ApiError && err.code === 'unauthorized') onRefused(err.message);
          throw err;
        }
      };
    },
  });
}

/**
 * What `flylight token` prints: 32 random bytes in base64url. (The host's TOKEN_PATTERN lives
 * in Node code the page cannot import.)
 */
export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Where the session is kept: this origin's localStorage in the page, a Map in tests. */
export interface SessionStore {
  get(): string | null;
  set(session: string): void;
  clear(): void;
}

/** The part of the Web Storage API used here (this module is also type-checked outside the DOM). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const pageStorage = (): KeyValueStorage => (globalThis as unknown as { localStorage: KeyValueStorage }).localStorage;

/** localStorage, or nothing when the browser refuses storage (the page then asks for the token each time). */
export function browserSessionStore(storage: () => KeyValueStorage = pageStorage): SessionStore {
  const safely = <T>(f: (s: KeyValueStorage) => T, otherwise: T): T => {
    try {
      return f(storage());
    } catch {
      return otherwise;
    }
  };
  return {
    get: () => safely((s) => s.getItem(SESSION_STORAGE_KEY), null),
    set: (v) => safely((s) => s.setItem(SESSION_STORAGE_KEY, v), undefined),
    clear: () => safely((s) => s.removeItem(SESSION_STORAGE_KEY), undefined),
  };
}

/** The headers that carry a session (none without one). */
export function sessionHeaders(session: string | null): Record<string, string> {
  return session ? { [SESSION_HEADER]: session } : {};
}

export type SignIn = { ok: true; session: string } | { ok: false; message: string };

/**
 * Trades a token for a session. A malformed token is refused here without asking; a wrong one
 * gets a sentence instead of an error page (the proxy still counts it as a guess).
 */
export async function tradeToken(raw: string, origin: string, doFetch: typeof fetch = fetch): Promise<SignIn> {
  const token = raw.trim();
  if (token === '') return { ok: false, message: 'Paste the token first: `flylight token` prints it.' };
  if (!TOKEN_SHAPE.test(token)) {
    return {
      ok: false,
      message: 'That is not a Flylight token: `flylight token` prints 43 letters, digits, - and _.',
    };
  }
  let res: Response;
  try {
    res = await doFetch(`${origin}/v1/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      credentials: 'omit',
    });
  } catch {
    return { ok: false, message: 'Cannot reach the Flylight host; is it still running?' };
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // said below by status
  }
  if (res.ok) {
    const session = (body as Partial<SessionGrant> | null)?.session;
    if (typeof session === 'string' && session !== '') return { ok: true, session };
    return { ok: false, message: `Flylight answered ${res.status} without a session; is this a Flylight host?` };
  }
  if (res.status === 401) {
    return { ok: false, message: 'Flylight refused that token. Run `flylight token` again and paste what it prints.' };
  }
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return { ok: false, message: typeof message === 'string' ? message : `Flylight answered ${res.status}.` };
}

/** The token in a page address (`?token=` or `?access_token=`), and the address without it. */
export function tokenInAddress(loc: { pathname: string; search: string; hash: string }): {
  token: string | null;
  rest: string;
} {
  const query = new URLSearchParams(loc.search);
  const token = query.get('token') ?? query.get('access_token');
  query.delete('token');
  query.delete('access_token');
  const qs = query.toString();
  return { token, rest: `${loc.pathname}${qs ? `?${qs}` : ''}${loc.hash}` };
}

export interface AddressBar {
  location: { pathname: string; search: string; hash: string; origin: string };
  history: { replaceState(data: unknown, unused: string, url: string): void };
}

/**
 * Signs in with the token in the page's address, if there is one: the token leaves the address
 * bar first (and with it the history entry), then is traded for a session. Returns why it
 * failed, or null (signed in, or no token in the address).
 */
export async function signInFromAddress(
  page: AddressBar,
  store: SessionStore,
  doFetch: typeof fetch = fetch,
): Promise<string | null> {
  const { token, rest } = tokenInAddress(page.location);
  if (token === null) return null;
  page.history.replaceState(null, '', rest);
  const r = await tradeToken(token, page.location.origin, doFetch);
  if (!r.ok) return `the token in this link did not sign you in: ${r.message}`;
  store.set(r.session);
  return null;
}
