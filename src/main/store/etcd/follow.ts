// Following the shared fleet: one etcd watch over the fleet's keys, from the revision after
// this host's snapshot, so no change between the snapshot and the watch is missed or seen
// twice. The client library re-establishes a broken watch stream from the last revision it
// delivered (an etcd member restart, a network blip). What it cannot do is resume past a
// compaction: etcd then cancels the watch; the host reads a fresh snapshot, lays it over its
// model (resync), logs that it did, and watches again from that snapshot's revision.

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

  const start = async (from: string) => {
    const w = await backend.client.watch().prefix(backend.keys.root).startRevision(from).create();
    if (stopped) {
      await w.cancel();
      return;
    }
    watcher = w;
    /**
     * Responses that arrived while earlier ones were being applied (several in one socket read
     * under load) are applied together in one pass: one call of the sink, one turn of events. A
     * host receives a response for every transaction any host commits, most carrying one or two
     * launches. A watcher that was replaced (resync) or stopped drops what it had not applied:
     * the snapshot that replaced it holds that.
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
    w.on('disconnected', () =>
      sink.log('warn', 'etcd watch disconnected; it resumes from the last revision', { revision }),
    );
    w.on('connected', () => sink.log('info', 'etcd watch connected', { revision }));
    w.on('error', (err) => {
      // Cancelled by etcd (above all: the revision we need was compacted away).
      if (stopped || watcher !== w) return;
      watcher = null;
      queue = queue.then(() => resync(err.message));
    });
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
