// One host per fleet: an exclusive lock on the data directory, taken before the store opens.
//
// Node has no flock(2), and a lock file (proper-lockfile's mkdir + mtime) outlives a `kill -9`
// and must be guessed stale. A listening socket is a lock the OS keeps for us: only one process
// can bind a name, and the kernel frees it the moment its owner dies, however it dies.
// - Linux: an abstract Unix socket (a name, no file; see unix(7)), named after the directory's
//   device and inode, so every path to the same directory (symlinks, bind mounts) meets the
//   same lock, and nothing is written to the data directory.
// - Windows: a named pipe, which Windows removes with its last handle.
// - macOS and the other Unixes have neither, so a socket file in the temp directory stands in:
//   a dead owner leaves the file behind, but nobody answers on it, so it is known stale.
// The owner answers whoever connects with its pid and URL, so a refused host can say which
// Flylight owns the fleet and where it is — facts that cannot go stale, unlike a pid file.

import { createHash } from 'node:crypto';
import { mkdirSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, sep } from 'node:path';

export type LockKind = 'abstract' | 'pipe' | 'file';

export interface FleetLock {
  /** Where the owner now listens; told to every host that is refused. */
  announce(url: string): void;
  /** Frees the fleet for the next host. Idempotent. */
  release(): Promise<void>;
}

interface Owner {
  pid: number;
  url: string | null;
}

export class FleetInUseError extends Error {
  readonly code = 'fleet_in_use';
  constructor(
    readonly dataDir: string,
    readonly owner: Owner | null,
  ) {
    super(fleetInUseMessage(dataDir, owner));
  }
}

/** What to do about it, for someone at a terminal (the desktop app says its own). */
export const SECOND_FLEET_HINT = 'use --data-dir DIR for a second fleet';

export function fleetInUseMessage(dataDir: string, owner: Owner | null, hint = SECOND_FLEET_HINT): string {
  const who = !owner
    ? 'another Flylight (it did not say where)'
    : owner.url
      ? `the Flylight at ${owner.url} (pid ${owner.pid})`
      : `a Flylight that is still starting (pid ${owner.pid})`;
  return `the fleet in ${tildify(dataDir)} is in use by ${who}; ${hint}`;
}

function tildify(dir: string): string {
  const home = homedir();
  return home && (dir === home || dir.startsWith(home + sep)) ? `~${dir.slice(home.length)}` : dir;
}

export function defaultLockKind(): LockKind {
  if (process.platform === 'linux') return 'abstract';
  if (process.platform === 'win32') return 'pipe';
  return 'file';
}

/** The socket name every host on this directory computes alike. */
export function lockAddress(dataDir: string, kind: LockKind = defaultLockKind()): string {
  const st = statSync(dataDir);
  // The inode is 0 on some Windows file systems; the real path is the next best identity.
  const identity = st.ino ? `${st.dev}:${st.ino}` : realpathSync(dataDir).toLowerCase();
  const id = createHash('sha256').update(identity).digest('hex').slice(0, 32);
  if (kind === 'abstract') return `\0flylight-fleet-${id}`;
  if (kind === 'pipe') return `\\\\.\\pipe\\flylight-fleet-${id}`;
  // Socket paths are limited to ~104 bytes, so not inside a data directory of any depth.
  return join(tmpdir(), `flylight-fleet-${id}.sock`);
}

const ASK_TIMEOUT_MS = 1000;

/**
 * Takes the fleet in `dataDir` (created if missing) or throws FleetInUseError naming the owner.
 * Writes nothing in the directory: a refused host leaves it exactly as it was.
 */
export async function lockFleet(dataDir: string, kind: LockKind = defaultLockKind()): Promise<FleetLock> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const address = lockAddress(dataDir, kind);
  const owner: Owner = { pid: process.pid, url: null };
  const server = createServer((socket) => {
    socket.on('error', () => {}); // a caller that hangs up early is no concern of the owner
    socket.end(`${JSON.stringify(owner)}\n`);
  });
  // Connections to the lock must never keep the process alive on their own.
  server.unref();

  const bound = await listen(server, address);
  if (!bound) {
    const answer = await ask(address);
    if (answer === 'nobody' && kind === 'file') {
      // A socket file whose owner died: nobody answers on it. Two hosts racing here can both
      // see it stale; the loser's bind then fails and it asks the winner, as below.
      unlinkQuietly(address);
      if (!(await listen(server, address))) throw new FleetInUseError(dataDir, asOwner(await ask(address)));
    } else {
      throw new FleetInUseError(dataDir, asOwner(answer));
    }
  }

  let released = false;
  return {
    announce(url) {
      owner.url = url;
    },
    release() {
      if (released) return Promise.resolve();
      released = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        if (kind === 'file') unlinkQuietly(address);
      });
    },
  };
}

/** Resolves false when another process holds the name. */
function listen(server: Server, address: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') resolve(false);
      else reject(new Error(`cannot lock the fleet (${address.replace('\0', '@')}): ${err.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(address);
  });
}

/** What the owner says about itself; 'nobody' when nothing listens (a stale socket file). */
function ask(address: string): Promise<Owner | 'nobody' | 'silent'> {
  return new Promise((resolve) => {
    let data = '';
    const socket = createConnection(address);
    const done = (r: Owner | 'nobody' | 'silent') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('silent'), ASK_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.length > 4096) done('silent');
    });
    socket.on('end', () => done(parseOwner(data)));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'nobody' : 'silent'),
    );
  });
}

function parseOwner(text: string): Owner | 'silent' {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (typeof o.pid !== 'number') return 'silent';
    return { pid: o.pid, url: typeof o.url === 'string' ? o.url : null };
  } catch {
    return 'silent';
  }
}

function asOwner(answer: Owner | 'nobody' | 'silent'): Owner | null {
  return typeof answer === 'object' ? answer : null;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
