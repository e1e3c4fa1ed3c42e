// The CLI's side of the identity check (protocol in src/shared/hello.ts): before the first
// request that carries the token, ask the server to prove it holds the same token. Whatever
// else listens on the port (a squatter, a stale dev server) never sees the token.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiRequest, ApiResponse, Transport } from '../shared/api';
import { ApiError } from '../shared/errors';
import { clientMessage, HELLO_PATH, helloMessage, portOf, readHello } from '../shared/hello';
import { httpRequest } from './http-transport';

function refused(base: string, why: string): ApiError {
  return new ApiError('forbidden', `refusing to send the API token to ${base}: ${why}`);
}

/** Resolves when the server at `base` proves it holds `token`; rejects with one sentence. */
export async function proveHost(base: string, token: string): Promise<void> {
  const nonce = randomBytes(32).toString('base64url');
  const url = new URL(`${base}${HELLO_PATH}?nonce=${nonce}`);
  // Says "a token holder asks" without revealing the token, so a flood of strangers does not queue us.
  url.searchParams.set(
    'client_proof',
    createHmac('sha256', token)
      .update(clientMessage(portOf(url), nonce))
      .digest('base64url'),
  );
  // Rejects with the transport's own "nothing answers" / "dropped" errors.
  const res = await httpRequest(url, { method: 'GET', headers: { accept: 'application/json' } });
  const text = res.text;
  if (res.status === 429) throw new ApiError('rate_limited', `${base} is refusing requests for now; retry shortly`);
  if (res.status !== 200)
    throw refused(
      base,
      `it answered the identity check with ${res.status}, so it is not a Flylight host of this version`,
    );
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw refused(base, 'its answer to the identity check is not JSON');
  }
  const answer = readHello(body);
  if (typeof answer === 'string') throw refused(base, answer);
  const want = createHmac('sha256', token)
    .update(helloMessage(portOf(url), nonce, answer.server_nonce))
    .digest();
  const given = Buffer.from(answer.proof, 'base64url');
  if (given.length !== want.length || !timingSafeEqual(given, want))
    throw refused(base, 'it cannot prove it holds this token (another program may be listening on that port)');
}

/** `inner` (which sends the token) only once `prove` (which caches its success) has resolved. */
export function provenTransport(inner: Transport, prove: () => Promise<void>): Transport {
  return async (req: ApiRequest): Promise<ApiResponse> => {
    await prove();
    return inner(req);
  };
}
