// The shared fleet in the dashboard store: the host's `GET /v1/cluster`, polled with its status,
// and whether its reads may be stale. A host with its own store answers 404 and is not asked
// again until the live feed reopens. A failed poll keeps the last view on screen and says why.
// Also the header chip's reading of a view: how many hosts and members, and what is wrong.

import type { StoreApi } from 'zustand/vanilla';
import type { FlylightApi } from '../../../shared/api';
import type { ClusterHost, ClusterView } from '../../../shared/cluster';
import { ApiError } from '../../../shared/errors';
import type { ClusterInfo, DashboardActions, DashboardState } from './dashboard-types';

export const NO_CLUSTER: ClusterInfo = { state: 'unknown', view: null, at: null, error: null };

export interface ClusterDeps {
  api: Pick<FlylightApi, 'cluster'>;
  store: StoreApi<DashboardState>;
  now: () => number;
  /** False once the page is disposed or its key was refused: nothing more is asked or stored. */
  live: () => boolean;
}

export function clusterActions(
  deps: ClusterDeps,
): Pick<DashboardActions, 'refreshCluster' | 'recheckCluster' | 'setStale'> {
  const { api, store, now, live } = deps;
  // An answer can take a second or two (etcd calls with deadlines): a poll never overlaps the last.
  let asking = false;
  const set = (cluster: ClusterInfo): void => {
    if (live()) store.setState({ cluster });
  };
  return {
    async refreshCluster() {
      if (asking || !live() || store.getState().cluster.state === 'none') return;
      asking = true;
      try {
        const view = await api.cluster();
        set({ state: 'shared', view, at: now(), error: null });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'not_found') set({ ...NO_CLUSTER, state: 'none' });
        else set({ ...store.getState().cluster, error: err instanceof Error ? err.message : String(err) });
      } finally {
        asking = false;
      }
    },
    recheckCluster() {
      if (store.getState().cluster.state === 'none') set(NO_CLUSTER);
    },
    setStale(reason) {
      if (live() && store.getState().stale !== reason) store.setState({ stale: reason });
    },
  };
}

export type ClusterTone = 'ok' | 'warn' | 'bad';

export interface ClusterHealth {
  tone: ClusterTone;
  hosts: number;
  members: number;
  /** Members that answered a status request. */
  healthy: number;
  /** What is wrong, worst first (empty when all is well). */
  problems: string[];
}

/** The TTL a host's lease was granted with (hosts may differ: `serve --lease-ttl`). */
export function grantedTtl(h: ClusterHost, v: ClusterView): number {
  return h.lease_granted_ttl_s > 0 ? h.lease_granted_ttl_s : v.lease_ttl_s;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * ok: every member answers, every lease is renewed, every machine has an owner. warn: some
 * member down, a lease lapsing or machines unowned (the fleet still works). bad: no quorum or no
 * leader (launches fail until it returns).
 */
export function clusterHealth(v: ClusterView): ClusterHealth {
  const members = v.etcd.members.length;
  const healthy = v.etcd.members.filter((m) => m.healthy).length;
  const bad: string[] = [];
  const warn: string[] = [];
  if (members === 0) bad.push('etcd did not list its members: no quorum, or not reachable from this host');
  else if (healthy <= members / 2) bad.push(`no quorum: ${healthy} of ${plural(members, 'member')} answer`);
  else if (v.etcd.leader === null) bad.push('etcd has no leader (an election is under way)');
  for (const m of v.etcd.members) if (!m.healthy && members > 0) warn.push(`member ${m.name} does not answer`);
  // `lapsing` is the host's own word (the rule placement uses to hold its machines back).
  for (const h of v.hosts) {
    if (h.lease_ttl_s < 0) warn.push(`${h.hostname}:${h.pid}'s lease is gone`);
    else if (h.lapsing)
      warn.push(`${h.hostname}:${h.pid}'s lease is lapsing: ${h.lease_ttl_s} s of ${grantedTtl(h, v)} s left`);
  }
  if (v.unowned > 0) warn.push(`${plural(v.unowned, 'machine')} without an owner (ownership is moving)`);
  const tone: ClusterTone = bad.length > 0 ? 'bad' : warn.length > 0 ? 'warn' : 'ok';
  return { tone, hosts: v.hosts.length, members, healthy, problems: [...bad, ...warn] };
}

/** The chip's words: "etcd · 3 hosts · 3/3 members" (members that answer, of all). */
export function clusterLabel(h: ClusterHealth): string {
  return `etcd · ${plural(h.hosts, 'host')} · ${membersWord(h)}`;
}

/** "3/3 members"; "no answer" when etcd did not even list them. */
export function membersWord(h: ClusterHealth): string {
  return h.members === 0 ? 'no answer' : `${h.healthy}/${h.members} members`;
}
