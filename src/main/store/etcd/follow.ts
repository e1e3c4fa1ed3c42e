// Following the shared fleet: one etcd watch over the fleet's keys, from the revision after
// this host's snapshot, so no change between the snapshot and the watch is missed or seen
// twice. A broken watch stream (an etcd member restart, a network blip) is opened again from
// the revision after the last one applied (./resumed-watch). No watch resumes past a
// compaction: etcd then cancels it; the host reads a fresh snapshot, lays it over its model
// (resync), logs that it did, and watches again from its revision.

import type { IWatchResponse } from 'etcd3';
import type { MachineState, StoredVm } from '../backend';
import type { RemoteChange } from '../remote';
import type { EtcdBackend } from './etcd-backend';
import { parseValue } from './keys';
import { type ResumedWatch, resumedWatch } from './resumed-watch';
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
  let resyncs = 0;

  const apply = async (responses: IWatchResponse[], watch: ResumedWatch) => {
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
          await watch.restart(`could not switch to generation ${ready.generation}: ${(err as Error).message}`);
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
  };

  /** The watch lost its place: the fleet as of now, and its revision. */
  const resync = async (reason: string) => {
    // The fleet may have switched generation while this host was cut off: switch with it.
    const got = (await backend.client.get(backend.keys.ready).exec()).kvs[0];
    const ready = parseValue<Ready>(got?.value);
    if (got && ready && !backend.isCurrent(ready)) {
      await sink.generation(ready, got.mod_revision);
      return backend.revision;
    }
    const snapshot = await backend.load();
    await sink.resync(snapshot, reason);
    resyncs++;
    sink.log('warn', 'the etcd watch could not resume; resynced from a snapshot', {
      reason,
      revision: backend.revision,
    });
    return backend.revision;
  };

  const watch = await resumedWatch({
    client: backend.client,
    prefix: backend.keys.root,
    name: 'etcd watch',
    after: backend.revision,
    apply,
    lost: resync,
    log: sink.log,
  });
  return {
    get revision() {
      return watch.revision;
    },
    get resyncs() {
      return resyncs;
    },
    stop: () => watch.stop(),
  };
}
