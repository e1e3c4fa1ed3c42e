// `flylight token --rotate`, the Node side: asks the running host to rotate (it rewrites the
// token and session-key files and voids the old token and every dashboard session at once);
// when no host answers, rewrites the files itself, so the next start uses the new token.

import { rotateCredentials, TOKEN_PATTERN } from '../main/common/token';
import { isUnreachable, type Transport } from '../shared/api';
import { ApiError } from '../shared/errors';

export interface RotateDeps {
  /** The CLI's transport, carrying its current token. */
  transport: Transport;
  /** Whether a token is being sent at all. */
  hasToken: boolean;
  configDir: string;
  rotateFiles?: (dir: string) => { token: string };
}

export async function rotateToken(deps: RotateDeps): Promise<{ token: string; via: 'host' | 'file' }> {
  const rotateFiles = deps.rotateFiles ?? rotateCredentials;
  if (!deps.hasToken) {
    throw new ApiError(
      'unauthorized',
      'rotating needs the current token, and there is none to send (`flylight token` says where it should be)',
    );
  }
  let res: Awaited<ReturnType<Transport>>;
  try {
    res = await deps.transport({ method: 'POST', path: '/v1/token/rotate', body: {} });
  } catch (err) {
    if (isUnreachable(err)) return { token: rotateFiles(deps.configDir).token, via: 'file' };
    throw err;
  }
  const body = res.body as { token?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  if (res.status === 200 && typeof body?.token === 'string' && TOKEN_PATTERN.test(body.token)) {
    return { token: body.token, via: 'host' };
  }
  const message = typeof body?.error?.message === 'string' ? body.error.message : null;
  if (res.status === 200 || !message) {
    throw new ApiError('internal', `the host answered ${res.status} without a new token; the token was not rotated`);
  }
  throw new ApiError(res.status === 401 ? 'unauthorized' : 'bad_request', `the token was not rotated: ${message}`);
}
