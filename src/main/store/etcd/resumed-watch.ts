// An etcd watch over one prefix that keeps its place. A broken stream (an etcd member restart, a
// network blip) is opened again from the revision after the last one applied, by this module
// rather than by etcd3: etcd3's reconnect waits grow to 30 s and reset only once a watch is
// created again, and every failed stream calls its retry twice (error, then end), so its
// retries multiply once its waits are made short (4,900 attempts in 17 s when tried). A host back
// from an outage then heard of the machines released to it, and of the operator actions other
// hosts asked of it, 10-20 s after etcd was back. A watch etcd cancels (above all: the revision
// it needs was compacted away) cannot resume: its owner reads afresh (lost) and it watches again
// from that read's revision. The fleet's follow and the owner requests both watch through here.

import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';

/** The longest wait between attempts to watch again after the stream broke (an attempt is cheap). */
export const RESUME_MAX_MS = 1000;
/** The longest wait between attempts to read afresh after etcd cancelled the watch. */
const RELOAD_MAX_MS = 2000;
/** The first wait before watching or reading again: a member restarting takes at least this. */
const FIRST_WAIT_MS = 100;

type Log = (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;

export interface ResumedWatchSpec {
  client: Etcd3;
  prefix: string;
  /** What the log calls it ('etcd watch', 'owner-request watch'). */
  name: string;
  /** The last revision the owner has seen: watching starts at the one after. */
  after: string;
  /**
   * Applies responses in commit order, one call at a time. Responses that arrived while earlier
   * ones were being applied (several in one socket read under load) come together in one call.
   * `watch` is this watch (to restart it from within).
   */
  apply(responses: IWatchResponse[], watch: ResumedWatch): Promise<void>;
  /**
   * The watch lost its place (`reason`): read afresh, lay the read over what the owner holds, and
   * return the read's revision; watching goes on after it. Thrown: tried again, up to 2 s apart.
   */
  lost(reason: string): Promise<string>;
  log: Log;
}

export interface ResumedWatch {
  /** The last revision applied (or read afresh). */
  readonly revision: string;
  /** From apply(): drops the stream and starts over through lost(`reason`). */
  restart(reason: string): Promise<void>;
  stop(): Promise<void>;
}

const after = (revision: string) => String(BigInt(revision) + 1n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens the watch after `spec.after`; resolves once etcd answered its creation (or it failed). */
export async function resumedWatch(spec: ResumedWatchSpec): Promise<ResumedWatch> {
  const { client, prefix, name, log } = spec;
  let watcher: Watcher | null = null;
  let stopped = false;
  let revision = spec.after;
  /** Counts the fresh reads: a response being applied when one happens must not move the revision. */
  let reads = 0;
  /** Responses, resumes and fresh reads run one after another, whatever the stream's pace. */
  let queue: Promise<void> = Promise.resolve();
  /** A resume() is retrying: a watcher it opened that breaks again is its to replace. */
  let resuming = false;

  /** Watches from revision `from`; the promise tells how its opening ended. */
  const open = (from: string) => {
    const w = client.watch().prefix(prefix).startRevision(from).watcher();
    watcher = w;
    const settled = new Promise<'connected' | 'lost' | 'error'>((r) => {
      w.once('connected', () => r('connected'));
      w.once('disconnected', () => r('lost'));
      w.once('error', () => r('error'));
    });
    // A watcher that was replaced (fresh read, resume) or stopped drops what it had not applied:
    // its replacement starts after the last revision applied.
    let pending: IWatchResponse[] = [];
    w.on('data', (res) => {
      if (watcher !== w) return;
      if (pending.push(res) > 1) return; // a pass is already queued: it takes this one too
      queue = queue
        .then(async () => {
          const responses = pending;
          pending = [];
          if (watcher !== w) return;
          const readsBefore = reads;
          await spec.apply(responses, handle);
          const last = responses[responses.length - 1];
          if (last && reads === readsBefore) revision = last.header.revision;
        })
        .catch((err) => log('warn', `applying an ${name} event failed`, { error: (err as Error).message }));
    });
    w.on('disconnected', () => {
      if (stopped || watcher !== w) return;
      watcher = null;
      void w.cancel().catch(() => {});
      if (resuming) return;
      resuming = true;
      log('warn', `${name} disconnected; it resumes from the last revision`, { revision });
      queue = queue.then(resume);
    });
    w.on('error', (err) => {
      if (stopped || watcher !== w) return;
      watcher = null;
      queue = queue.then(() => reload(err.message));
    });
    return settled;
  };

  /** Watches again after the last revision applied, at least every RESUME_MAX_MS, until etcd answers. */
  const resume = async () => {
    let attempts = 0;
    try {
      for (let delay = FIRST_WAIT_MS; !stopped && watcher === null; delay = Math.min(delay * 2, RESUME_MAX_MS)) {
        await sleep(delay);
        if (stopped || watcher !== null) return;
        attempts++;
        const outcome = await open(after(revision));
        if (outcome === 'connected') log('info', `${name} resumed`, { revision, attempts });
        if (outcome !== 'lost') return;
      }
    } finally {
      resuming = false;
    }
  };

  /** Reads afresh through spec.lost until it succeeds, then watches after the read's revision. */
  const reload = async (reason: string) => {
    for (let delay = FIRST_WAIT_MS; !stopped; delay = Math.min(delay * 2, RELOAD_MAX_MS)) {
      try {
        const read = await spec.lost(reason);
        reads++;
        revision = read;
        if (!stopped) await open(after(read));
        return;
      } catch (err) {
        log('warn', `reading etcd again for the ${name} failed; retrying`, { error: (err as Error).message });
        await sleep(delay);
      }
    }
  };

  const handle: ResumedWatch = {
    get revision() {
      return revision;
    },
    restart: async (reason) => {
      const w = watcher;
      watcher = null;
      await w?.cancel().catch(() => {});
      await reload(reason);
    },
    stop: async () => {
      stopped = true;
      const w = watcher;
      watcher = null;
      await w?.cancel().catch(() => {});
    },
  };
  await open(after(spec.after));
  return handle;
}
