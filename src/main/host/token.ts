// The API token: created once, on first start, in the user's config directory with mode 0600.
// The CLI reads the same file; nothing ever passes it on a command line or writes it to a log.

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'token';
/** 32 random bytes, base64url: what a well-formed token looks like. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function tokenPath(configDir: string): string {
  return join(configDir, TOKEN_FILE);
}

/** Reads the token, or null when there is none (the CLI then says how to get one). */
export function readToken(configDir: string): string | null {
  const file = tokenPath(configDir);
  if (!existsSync(file)) return null;
  const token = readFileSync(file, 'utf8').trim();
  return TOKEN_PATTERN.test(token) ? token : null;
}

/** Returns the existing token or creates one; tightens a too-open file mode on the way. */
export function ensureToken(configDir: string): string {
  const existing = readToken(configDir);
  const file = tokenPath(configDir);
  if (existing) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return existing;
  }
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // umask cannot loosen it, but an existing file's mode would survive
  return token;
}
