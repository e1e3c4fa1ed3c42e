// The server side of the identity check (protocol in src/shared/hello.ts): an open route, so it
// answers anyone, but what it answers is useless without the token.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../../shared/errors';
import { clientMessage, helloMessage, NONCE_PATTERN } from '../../shared/hello';
import type { GateResponse } from '../../shared/services';
import type { Admission } from './admission';
import { errorResponse } from './responses';

export function helloProof(token: string, port: number, clientNonce: string): { server_nonce: string; proof: string } {
  const serverNonce = randomBytes(32).toString('base64url');
  const proof = createHmac('sha256', token)
    .update(helloMessage(port, clientNonce, serverNonce))
    .digest('base64url');
  return { server_nonce: serverNonce, proof };
}

/** True when `query` carries a client_proof made with `token` for its nonce and this port. */
export function isHolderHello(token: string, port: number, query: URLSearchParams): boolean {
  const nonce = query.get('nonce');
  const given = query.get('client_proof');
  if (nonce === null || given === null || !NONCE_PATTERN.test(nonce)) return false;
  const want = createHmac('sha256', token).update(clientMessage(port, nonce)).digest();
  const got = Buffer.from(given, 'base64url');
  return got.length === want.length && timingSafeEqual(got, want);
}

/** `port` is the one this connection reached: the port the client dialled. */
export function answerHello(admission: Admission, query: URLSearchParams, port: number): GateResponse {
  const nonces = query.getAll('nonce');
  const extra = [...query.keys()].find((k) => k !== 'nonce' && k !== 'client_proof');
  let err: ApiError | null = null;
  if (extra !== undefined)
    err = new ApiError('bad_request', 'unknown query parameter; /v1/hello takes nonce and client_proof');
  else if (nonces.length !== 1 || !NONCE_PATTERN.test(nonces[0]))
    err = new ApiError('bad_request', 'nonce must be one value of 22 to 128 letters, digits, - and _');
  else if (admission.token === null)
    err = new ApiError('not_found', 'this host has no API token, so it has nothing to prove');
  if (err) return errorResponse(err);
  const body = JSON.stringify(helloProof(admission.token as string, port, nonces[0]));
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body,
  };
}
