// The browser dashboard's key. Its API calls and event stream carry the session cookie that the
// proxy set when the page was opened through `flylight serve`'s link (`/?token=…`). A 401 from
// any of them means this page has no valid session — no link was opened, or Flylight restarted
// and its old sessions ended — and every further call would be refused too: the page stops
// asking (no retry storm, which would also count against this address) and shows how to get in.

import type { FlylightApi } from '../../../shared/api';
import { ApiError } from '../../../shared/errors';

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

/** The start pages where the proxy trades `?token=` for the cookie. */
const START_PAGES = ['/', '/flylight'];

/**
 * This page's sign-in link: the proxy sets the cookie and redirects to the same page without
 * the token (the fragment — the selected region — survives the redirect).
 */
export function signInUrl(loc: { pathname: string; hash: string }, token: string): string {
  const path = loc.pathname.replace(/\/+$/, '') || '/';
  const start = START_PAGES.includes(path) ? path : '/';
  return `${start}?token=${encodeURIComponent(token)}${loc.hash}`;
}

export type TokenCheck = { ok: true; token: string } | { ok: false; message: string };

/**
 * Tries a pasted token on one API call before navigating with it, so a wrong one gets a
 * sentence on this page instead of an error page; the proxy still counts it as a guess.
 */
export async function checkToken(raw: string, origin: string, doFetch: typeof fetch = fetch): Promise<TokenCheck> {
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
    res = await doFetch(`${origin}/v1/regions`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      credentials: 'omit',
    });
  } catch {
    return { ok: false, message: 'Cannot reach the Flylight host; is it still running?' };
  }
  if (res.status === 401) {
    return { ok: false, message: 'Flylight refused that token. Run `flylight token` again and paste what it prints.' };
  }
  if (res.status === 429 || res.status === 403) {
    let message = `Flylight answered ${res.status}.`;
    try {
      const body = (await res.json()) as { error?: { message?: unknown } };
      if (typeof body.error?.message === 'string') message = body.error.message;
    } catch {
      // keep the status line
    }
    return { ok: false, message };
  }
  // Anything else got past the gate's token check (a 5xx is the fleet's trouble, not the key's).
  return { ok: true, token };
}
