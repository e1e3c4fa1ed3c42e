// The API token and the dashboard's session key: created once, on first start, in the user's
// config directory with mode 0600. The CLI reads the token from the same file; nothing ever
// passes it on a command line or writes it to a log. The session key signs the browsers'
// sessions: it is random (not derived from the token) and kept beside the token so a restarted
// host keeps browsers signed in, and `flylight token --rotate` replaces both, which signs every
// browser out and makes the old token worthless.

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'token';
export const SESSION_KEY_FILE = 'session-key';
/** 32 random bytes, base64url: what a well-formed token (and session key) looks like. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface Credentials {
  token: string;
  sessionKey: string;
}

export function tokenPath(configDir: string): string {
  return join(configDir, TOKEN_FILE);
}

function readSecret(file: string): string | null {
  if (!existsSync(file)) return null;
  const value = readFileSync(file, 'utf8').trim();
  return TOKEN_PATTERN.test(value) ? value : null;
}

/** Both secrets as they are on disk, or null when either is missing or malformed. */
export function readCredentials(configDir: string): Credentials | null {
  const token = readToken(configDir);
  const sessionKey = readSecret(join(configDir, SESSION_KEY_FILE));
  return token && sessionKey ? { token, sessionKey } : null;
}

/** Reads the token, or null when there is none (the CLI then says how to get one). */
export function readToken(configDir: string): string | null {
  return readSecret(tokenPath(configDir));
}

function fresh(): string {
  return randomBytes(32).toString('base64url');
}

/** Written beside, then renamed over: a reader sees the old secret or the new one, never half. */
function writeSecret(file: string, value: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${value}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // umask cannot loosen it, but an existing file's mode would survive
  renameSync(tmp, file);
}

/** An existing secret, its mode tightened if it was too open, or a new one. */
function ensureSecret(file: string): string {
  const existing = readSecret(file);
  if (existing) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return existing;
  }
  const value = fresh();
  writeSecret(file, value);
  return value;
}

/** The token and session key, each created when missing. */
export function ensureCredentials(configDir: string): Credentials {
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  // The key first: a host that stops between the two writes leaves a key without a token, which
  // the next start completes, never a token whose sessions could be forged from stale state.
  const sessionKey = ensureSecret(join(configDir, SESSION_KEY_FILE));
  return { token: ensureSecret(tokenPath(configDir)), sessionKey };
}

/** The host config's part: the secrets and where they live (so they can be rotated). */
export function withCredentials(configDir: string): Credentials & { tokenDir: string } {
  return { ...ensureCredentials(configDir), tokenDir: configDir };
}

/** Returns the existing token or creates one (with its session key). */
export function ensureToken(configDir: string): string {
  return ensureCredentials(configDir).token;
}

/**
 * A new token and a new session key, replacing the old ones on disk. The key is written first:
 * if the token write failed, the browsers are signed out but the old token still works, so the
 * user can simply rotate again.
 */
export function rotateCredentials(configDir: string): Credentials {
  mkdirSync(configDir, { recursive: true, mode: 0o700 });
  const next = { token: fresh(), sessionKey: fresh() };
  writeSecret(join(configDir, SESSION_KEY_FILE), next.sessionKey);
  writeSecret(tokenPath(configDir), next.token);
  return next;
}
