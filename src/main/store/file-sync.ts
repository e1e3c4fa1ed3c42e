// fdatasync of one file on libuv's pool, shared by every caller that asks while one is already
// under way: a caller is answered by a sync that began after it asked (so whatever it wrote
// before asking is on disk), and callers that ask during one sync share the next.

import { closeSync, fdatasync, openSync } from 'node:fs';

export class FileSync {
  private readonly fd: number;
  /** The sync under way. */
  private running: Promise<void> | null = null;
  /** The sync that starts when the running one ends, for everyone who asked since it began. */
  private queued: Promise<void> | null = null;
  /** Syncs done, for tests and status. */
  count = 0;

  constructor(path: string) {
    // Read-only is enough: fdatasync flushes the file whatever descriptor names it.
    this.fd = openSync(path, 'r');
  }

  /** Resolves once everything written to the file before this call is on disk. */
  sync(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    const after = () => {
      this.queued = null;
      return this.start();
    };
    this.queued = this.running.then(after, after);
    return this.queued;
  }

  private start(): Promise<void> {
    const run = new Promise<void>((resolve, reject) =>
      fdatasync(this.fd, (err) => {
        if (this.running === run) this.running = null;
        if (err) reject(err);
        else {
          this.count++;
          resolve();
        }
      }),
    );
    this.running = run;
    return run;
  }

  /** After the syncs asked for (their callers are answered first). */
  async close(): Promise<void> {
    await (this.queued ?? this.running)?.catch(() => {});
    closeSync(this.fd);
  }
}
