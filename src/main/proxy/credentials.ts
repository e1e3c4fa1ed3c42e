// The routes that change who may use the API: `POST /v1/session` trades the token for a
// dashboard session, and `POST /v1/token/rotate` replaces the token and the session key — on
// disk and in this proxy at once — which voids the old token and signs every browser out.
// Both need the token itself (admission refuses a session for them).

import { ApiError } from '../../shared/errors';
import type { SessionGrant, TokenRotation } from '../../shared/session';
import type { Logger } from '../common/log';
import { type Credentials, readCredentials, rotateCredentials } from '../common/token';
import type { TokenAuth } from './auth';

export interface CredentialService {
  issueSession(): SessionGrant;
  rotate(): Promise<TokenRotation>;
}

export interface CredentialDeps {
  auth: TokenAuth;
  /** The config directory holding the token and session key; without it nothing can be rotated. */
  tokenDir?: string | null;
  /** Ends every open event stream: those opened with the old token or a session must not outlive it. */
  endStreams(): void;
  log: Logger;
  /** Injected in tests. */
  rotateFiles?: (dir: string) => Credentials;
}

export function createCredentials(deps: CredentialDeps): CredentialService {
  const rotateFiles = deps.rotateFiles ?? rotateCredentials;
  return {
    issueSession() {
      const { session, expiresAt } = deps.auth.issue();
      return { session, expires_at: expiresAt.toISOString() };
    },
    async rotate() {
      if (!deps.tokenDir) {
        throw new ApiError(
          'bad_request',
          'this host was given its token in its configuration, not a token file, so it cannot rotate it; restart it with a new token',
        );
      }
      let next: Credentials;
      try {
        next = rotateFiles(deps.tokenDir);
      } catch (err) {
        deps.log.error('could not write the rotated token', {
          error: err instanceof Error ? err.message : String(err),
        });
        throw new ApiError('internal', `could not write the new token in ${deps.tokenDir}; the old token still works`);
      }
      deps.auth.replace(next.token, next.sessionKey);
      deps.endStreams();
      deps.log.info('API token rotated: the old token and every dashboard session are void');
      return { token: next.token };
    },
  };
}

/** The token and key on disk when the host keeps them in a file (so a restarted proxy sees a rotation). */
export function currentCredentials(tokenDir: string | null | undefined): Credentials | null {
  return tokenDir ? readCredentials(tokenDir) : null;
}
