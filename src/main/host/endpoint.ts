// Where a running host listens, written beside the token (mode 0600) so that the CLI finds a
// host that is not on the default port — the desktop app moves when 3030 is taken — without
// trusting whatever happens to answer there (it still checks the host's proof before sending
// the token). Removed on a clean stop; a stale file names a dead process and is ignored.

import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ENDPOINT_FILE = 'endpoint.json';

export function endpointPath(configDir: string): string {
  return join(configDir, ENDPOINT_FILE);
}

export interface Endpoint {
  url: string;
  pid: number;
}

/** Writes the file atomically; returns the function that removes it (if it is still ours). */
export function publishEndpoint(file: string, url: string): () => void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ url, pid: process.pid })}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return () => {
    try {
      if (readEndpoint(file)?.pid === process.pid) rmSync(file, { force: true });
    } catch {
      // gone already, or unreadable: nothing of ours to remove
    }
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else (then it is not our host, but let the proof decide).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The endpoint a live host published, or null (no file, malformed, or its process is gone). */
export function readEndpoint(file: string): Endpoint | null {
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  const e = parsed as Partial<Endpoint> | null;
  if (typeof e?.url !== 'string' || !Number.isInteger(e.pid) || (e.pid as number) <= 0) return null;
  return { url: e.url, pid: e.pid as number };
}

/** The published endpoint, only while the process that wrote it is alive. */
export function liveEndpoint(file: string): Endpoint | null {
  const e = readEndpoint(file);
  return e && alive(e.pid) ? e : null;
}

/** Where the host itself reaches its proxy: a wildcard bind is dialled on loopback. */
export function dialable(host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
