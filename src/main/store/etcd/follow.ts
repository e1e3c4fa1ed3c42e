// Following the shared fleet: one etcd watch over the fleet's keys, from the revision after
// this host's snapshot, so no change between the snapshot and the watch is missed or seen
// twice. A broken watch stream (an etcd member restart, a network blip) is opened again from
// the revision after the last one applied, by this module rather than by etcd3 (see resume).
// No watch resumes past a compaction: etcd then cancels it; the host reads a fresh snapshot,
// lays it over its model (resync), logs that it did, and watches again from its revision.

import type { IWatchResponse, Watcher } from 'etcd3';
import type { MachineState, StoredVm } from '../backend';
import type { RemoteChange } from '../remote';
import type { EtcdBackend } from './etcd-backend';
import { parseValue } from './keys';
import type { Ready } from './seed';

export interface FollowSink {
  /** Changes of one watch response, in commit order. */
  changes(changes: RemoteChange[]): Promise<void>;
  /** Another host reset the fleet. */
  reset(): void;
  /** The watch lost its place: the whole fleet as of a new snapshot. */
  resync(snapshot: Awaited<ReturnType<EtcdBackend['load']>>, reason: string): Promise<void>;
  /**
   * Another host switched the fleet to another generation (an import, or a reset after one):
   * `ready` at mod revision `mod`; its rows are read at `at` (the current revision when absent).
   */
  generation(ready: Ready, mod: string, at?: string): Promise<void>;
  /** An owner key changed (holder null: deleted), at revision `rev`. */
  owner?(machine: string, holder: string | null, rev: string): void;
  /** The end of a watch response that changed owner keys or (`hosts`) the hosts. */
  membership?(hosts: boolean): void;
  log(level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>): void;
}

export interface Following {
  /** The last revision this host has applied. */
  readonly revision: string;
  /** Times the watch had to resync from a snapshot. */
  readonly resyncs: number;
  stop(): Promise<void>;
}

/** The longest wait between attempts to watch again after the stream broke (an attempt is cheap). */
export const RESUME_MAX_MS = 1000;

/** Starts following from backend.revision + 1 (load() must have run). */
export async function follow(backend: EtcdBackend, sink: FollowSink): Promise<Following> {
  let watcher: Watcher | null = null;
  let stopped = false;
  let revision = backend.revision;
  let resyncs = 0;
  /** Responses are applied one after another, whatever the stream's pace. */
  let queue: Promise<void> = Promise.resolve();

  const apply = async (responses: IWatchResponse[]) => {
    const changes: RemoteChange[] = [];
    let membership = false;
    let hosts = false;
    /** The revision of a switch seen in this response: the rest of its transaction is the old generation's sweep. */
    let switchedAt: string | null = null;
    const flush = async () => {
      if (changes.length > 0) await sink.changes(changes.splice(0));
    };
    for (const ev of responses.flatMap((res) => res.events)) {
      const key = ev.kv.key.toString();
      const what = backend.keys.classify(key);
      if (!what) continue;
      const put = ev.type === 'Put';
      const rev = ev.kv.mod_revision;
      if (rev === switchedAt && what.kind !== 'host' && what.kind !== 'owner') continue;
      if (what.kind === 'ready') {
        const ready = put ? parseValue<Ready>(ev.kv.value) : null;
        if (!ready) continue;
        // A switch this host is making itself is its own to finish.
        if (backend.switching?.data === (ready.data ?? '')) await backend.switching.done;
        if (backend.isCurrent(ready)) continue;
        await flush();
        try {
          await sink.generation(ready, rev, rev);
        } catch (err) {
          // Reading the new generation failed: start over from a fresh look at fleet/ready.
          const w = watcher;
          watcher = null;
          await w?.cancel().catch(() => {});
          await resync(`could not switch to generation ${ready.generation}: ${(err as Error).message}`);
          return;
        }
        switchedAt = rev;
      } else if (what.kind === 'machine') {
        // This host's own write comes back: the row it holds at that revision is the value.
        const state = put
          ? (backend.allocations.machineAt(what.id, rev) ?? parseValue<MachineState>(ev.kv.value))
          : null;
        backend.allocations.observeMachine(what.id, state, rev, rev);
        changes.push({ t: 'machine', id: what.id, state });
      } else if (what.kind === 'vm') {
        if (backend.allocations.supersededByOwnWrite(what.id, rev)) continue;
        const vm = put ? (backend.allocations.vmAt(what.id, rev) ?? parseValue<StoredVm>(ev.kv.value)) : null;
        backend.allocations.observeVm(what.id, vm, rev, rev);
        changes.push(vm ? { t: 'vm', vm } : { t: 'vm-delete', id: what.id });
      } else if (what.kind === 'region') {
        const status = put ? parseValue<{ status?: unknown }>(ev.kv.value)?.status : null;
        changes.push({ t: 'region', code: what.id, status: typeof status === 'string' ? status : null });
      } else if (what.kind === 'reset' && put) {
        const id = parseValue<{ id?: string }>(ev.kv.value)?.id ?? '';
        await flush();
        if (backend.ownResets.has(id)) backend.ownResets.delete(id);
        else {
          backend.allocations.forget();
          sink.reset();
        }
      } else if (what.kind === 'owner') {
        membership = true;
        sink.owner?.(what.id, put ? ev.kv.value.toString() : null, rev);
      } else if (what.kind === 'host') {
        membership = true;
        hosts = true;
      }
    }
    await flush();
    if (membership) sink.membership?.(hosts);
    const last = responses[responses.length - 1];
    if (last) revision = last.header.revision;
  };

  /** A resume() is retrying: a watcher it opened that breaks again is its to replace. */
  let resuming = false;

  /** Watches from revision `from`; `settled` tells how its opening ended. */
  const open = (from: string) => {
    const w = backend.client.watch().prefix(backend.keys.root).startRevision(from).watcher();
    watcher = w;
    const settled = new Promise<'connected' | 'lost' | 'error'>((r) => {
      w.once('connected', () => r('connected'));
      w.once('disconnected', () => r('lost'));
      w.once('error', () => r('error'));
    });
    /**
     * Responses that arrived while earlier ones were being applied (several in one socket read
     * under load) are applied together in one pass: one call of the sink, one turn of events. A
     * host receives a response for every transaction any host commits, most carrying one or two
     * launches. A watcher that was replaced (resync, resume) or stopped drops what it had not
     * applied: its replacement starts after the last revision applied.
     */
    let pending: IWatchResponse[] = [];
    w.on('data', (res) => {
      if (watcher !== w) return; // cancelled: a resync took over
      if (pending.push(res) > 1) return; // a pass is already queued: it takes this one too
      queue = queue
        .then(() => {
          const responses = pending;
          pending = [];
          return watcher === w ? apply(responses) : undefined;
        })
        .catch((err) => sink.log('warn', 'applying a watch event failed', { error: (err as Error).message }));
    });
    w.on('disconnected', () => {
      if (stopped || watcher !== w) return;
      // Taken out of etcd3's hands: its reconnect waits grow to 30 s and reset only once a watch
      // is created again, and every failed stream calls its retry twice (error, then end), so its
      // retries multiply once the waits are short. A host back from an outage then heard of the
      // machines released to it (it claims them from its watch) only 10-20 s after etcd was back.
      watcher = null;
      void w.cancel().catch(() => {});
      if (resuming) return;
      resuming = true;
      sink.log('warn', 'etcd watch disconnected; it resumes from the last revision', { revision });
      queue = queue.then(resume);
    });
    w.on('error', (err) => {
      // Cancelled by etcd (above all: the revision we need was compacted away).
      if (stopped || watcher !== w) return;
      watcher = null;
      queue = queue.then(() => resync(err.message));
    });
    return settled;
  };

  /** Opens the watch from `from` (a watch that cannot be created resyncs; one that breaks resumes). */
  const start = async (from: string) => {
    if (stopped) return;
    await open(from);
  };

  /** Watches again after the last revision applied, at least every RESUME_MAX_MS, until etcd answers. */
  const resume = async () => {
    let attempts = 0;
    try {
      for (let delay = 100; !stopped && watcher === null; delay = Math.min(delay * 2, RESUME_MAX_MS)) {
        await new Promise((r) => setTimeout(r, delay));
        if (stopped || watcher !== null) return;
        attempts++;
        const outcome = await open(String(BigInt(revision) + 1n));
        if (outcome === 'connected') sink.log('info', 'etcd watch resumed', { revision, attempts });
        if (outcome !== 'lost') return;
      }
    } finally {
      resuming = false;
    }
  };

  const resync = async (reason: string) => {
    for (let delay = 100; !stopped; delay = Math.min(delay * 2, 2000)) {
      try {
        // The fleet may have switched generation while this host was cut off: switch with it.
        const got = (await backend.client.get(backend.keys.ready).exec()).kvs[0];
        const ready = parseValue<Ready>(got?.value);
        if (got && ready && !backend.isCurrent(ready)) {
          await sink.generation(ready, got.mod_revision);
          await start(String(BigInt(backend.revision) + 1n));
          return;
        }
        const snapshot = await backend.load();
        await sink.resync(snapshot, reason);
        resyncs++;
        revision = backend.revision;
        sink.log('warn', 'the etcd watch could not resume; resynced from a snapshot', { reason, revision });
        await start(String(BigInt(backend.revision) + 1n));
        return;
      } catch (err) {
        sink.log('warn', 'resync from etcd failed; retrying', { error: (err as Error).message });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };

  await start(String(BigInt(backend.revision) + 1n));
  return {
    get revision() {
      return revision;
    },
    get resyncs() {
      return resyncs;
    },
    stop: async () => {
      stopped = true;
      const w = watcher;
      watcher = null;
      await w?.cancel().catch(() => {});
    },
  };
}
