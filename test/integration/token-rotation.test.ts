// The token and session-key files, rotation in the proxy (credentials.ts) and the CLI's
// `token --rotate` against a fake host: what changes on disk and in memory, and what each
// failure says.

import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rotateToken } from '../../src/cli/rotate';
import { createLogger } from '../../src/main/common/log';
import {
  ensureCredentials,
  readCredentials,
  rotateCredentials,
  SESSION_KEY_FILE,
  TOKEN_PATTERN,
  withCredentials,
} from '../../src/main/common/token';
import { TokenAuth } from '../../src/main/proxy/auth';
import { createCredentials } from '../../src/main/proxy/credentials';
import type { Transport } from '../../src/shared/api';
import { runCommand } from '../../src/shared/cli/run';
import { ApiError } from '../../src/shared/errors';
import { capture, cliAuth, FakeApi, makeEnv, TOKEN } from '../helpers/cli-fixtures';

const dir = () => mkdtempSync(join(tmpdir(), 'flylight-creds-'));
const mode = (f: string) => statSync(f).mode & 0o777;
const log = createLogger('silent', { worker: 'test' });

describe('credential files', () => {
  it('creates a token and a different random session key, both 0600, and keeps them', () => {
    const d = dir();
    const first = ensureCredentials(d);
    expect(first.token).toMatch(TOKEN_PATTERN);
    expect(first.sessionKey).toMatch(TOKEN_PATTERN);
    expect(first.sessionKey).not.toBe(first.token);
    expect(mode(join(d, 'token'))).toBe(0o600);
    expect(mode(join(d, SESSION_KEY_FILE))).toBe(0o600);
    expect(ensureCredentials(d)).toEqual(first);
    expect(readCredentials(d)).toEqual(first);
    expect(withCredentials(d)).toEqual({ ...first, tokenDir: d });
  });

  it('adds a session key beside a token from an older version, keeping the token', () => {
    const d = dir();
    writeFileSync(join(d, 'token'), `${TOKEN}\n`, { mode: 0o644 });
    const c = ensureCredentials(d);
    expect(c.token).toBe(TOKEN);
    expect(mode(join(d, 'token'))).toBe(0o600);
    expect(readFileSync(join(d, SESSION_KEY_FILE), 'utf8').trim()).toBe(c.sessionKey);
  });

  it('rotation replaces both files', () => {
    const d = dir();
    const before = ensureCredentials(d);
    const after = rotateCredentials(d);
    expect(after.token).not.toBe(before.token);
    expect(after.sessionKey).not.toBe(before.sessionKey);
    expect(readCredentials(d)).toEqual(after);
    expect(mode(join(d, 'token'))).toBe(0o600);
  });
});

describe('rotation in the proxy', () => {
  it('writes the files, voids the old token and sessions, and ends the open streams', async () => {
    const d = dir();
    const c = ensureCredentials(d);
    const auth = new TokenAuth(c.token, c.sessionKey);
    const oldSession = auth.issue().session;
    let ended = 0;
    const creds = createCredentials({ auth, tokenDir: d, endStreams: () => ended++, log });
    const { token } = await creds.rotate();
    expect(readCredentials(d)?.token).toBe(token);
    expect(auth.matches(c.token)).toBe(false);
    expect(auth.matches(token)).toBe(true);
    expect(auth.sessionProblem(oldSession)).toMatch(/rotated/);
    expect(auth.sessionProblem(creds.issueSession().session)).toBeNull();
    expect(ended).toBe(1);
  });

  it('a failed write changes nothing in memory and says the old token still works', async () => {
    const auth = new TokenAuth(TOKEN, 'key');
    const creds = createCredentials({
      auth,
      tokenDir: '/nowhere',
      endStreams: () => {
        throw new Error('must not end streams');
      },
      log,
      rotateFiles: () => {
        throw new Error('EACCES');
      },
    });
    await expect(creds.rotate()).rejects.toMatchObject({ code: 'internal', message: /the old token still works/ });
    expect(auth.matches(TOKEN)).toBe(true);
  });
});

describe('flylight token --rotate', () => {
  const host =
    (status: number, body: unknown): Transport =>
    async (req) => {
      expect(req).toMatchObject({ method: 'POST', path: '/v1/token/rotate' });
      return { status, body };
    };
  const NEW = 'N'.repeat(43);

  it('the running host rotates; with none listening, the files are rewritten', async () => {
    expect(await rotateToken({ transport: host(200, { token: NEW }), hasToken: true, configDir: '/x' })).toEqual({
      token: NEW,
      via: 'host',
    });
    const d = dir();
    ensureCredentials(d);
    const down: Transport = async () => {
      throw new ApiError('unavailable', 'nothing answers at http://127.0.0.1:3030 (ECONNREFUSED)');
    };
    const r = await rotateToken({ transport: down, hasToken: true, configDir: d });
    expect(r.via).toBe('file');
    expect(readCredentials(d)?.token).toBe(r.token);
  });

  it('refusals and odd answers are errors that say the token was not rotated', async () => {
    const refused = host(401, { error: { code: 'unauthorized', message: 'the API token is not valid' } });
    await expect(rotateToken({ transport: refused, hasToken: true, configDir: '/x' })).rejects.toThrow(
      'the token was not rotated: the API token is not valid',
    );
    await expect(
      rotateToken({ transport: host(200, { token: 'short' }), hasToken: true, configDir: '/x' }),
    ).rejects.toThrow(/without a new token; the token was not rotated/);
    await expect(rotateToken({ transport: host(200, {}), hasToken: false, configDir: '/x' })).rejects.toThrow(
      /needs the current token/,
    );
  });

  it('prints the new token alone on stdout, and what happened on stderr', async () => {
    const c = capture();
    const env = {
      ...makeEnv(new FakeApi()),
      auth: cliAuth({ rotate: async () => ({ token: NEW, via: 'host' as const }) }),
    };
    expect(await runCommand(['token', '--rotate'], env, c.io)).toBe(0);
    expect(c.out).toEqual([NEW]);
    expect(c.err.join('\n')).toContain('every browser dashboard is signed out');
  });
});
