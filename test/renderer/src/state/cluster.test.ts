// The dashboard store's shared fleet: the cluster poll's answers (a view, a 404 that hides the
// chip until the feed reopens, a failure that keeps the last view), the stale reads flag, and the
// chip's reading of a view (ok / warn / bad and why).

import { describe, expect, it } from 'vitest';
import { clusterHealth, clusterLabel } from '../../../../src/renderer/src/state/cluster';
import { createDashboard } from '../../../../src/renderer/src/state/dashboard';
import type { ClusterHost, ClusterMember, ClusterView } from '../../../../src/shared/cluster';
import { ApiError } from '../../../../src/shared/errors';
import { manualFrames } from '../../../helpers/manual-frames';

const host = (id: string, over: Partial<ClusterHost> = {}): ClusterHost => ({
  id,
  hostname: `box-${id}`,
  pid: 100,
  started_at: '2026-11-30T18:00:00.000Z',
  lease: '694d9a1b2c3d4e5f',
  lease_ttl_s: 5,
  lease_granted_ttl_s: 5,
  lapsing: false,
  machines_owned: 12,
  actors: { owned: 12, awake: 3, awake_not_owned: 0, woken: 3, woken_not_owned: 0 },
  self: false,
  ...over,
});
const member = (name: string, over: Partial<ClusterMember> = {}): ClusterMember => ({
  name,
  id: `id-${name}`,
  client_urls: [`http://127.0.0.1:23${name.slice(1)}9`],
  healthy: true,
  leader: name === 'm0',
  ...over,
});
function view(over: Partial<ClusterView> = {}, members = [member('m0'), member('m1'), member('m2')]): ClusterView {
  return {
    store: 'etcd://127.0.0.1:2379',
    lease_ttl_s: 5,
    hosts: [host('h1', { self: true }), host('h2')],
    machines: 24,
    unowned: 0,
    etcd: { members, leader: members.find((m) => m.leader)?.name ?? null, revision: '42' },
    ...over,
  };
}

/** A dashboard whose cluster() answers what the test queues, counting the asks. */
function setup() {
  const answers: (ClusterView | Error | Promise<ClusterView>)[] = [];
  let asked = 0;
  let t = 1000;
  const d = createDashboard({
    api: {
      regions: async () => [],
      machines: async () => [],
      status: async () => {
        throw new Error('not in these tests');
      },
      cluster: async () => {
        asked++;
        const next = answers.shift();
        if (next === undefined) throw new Error('no answer queued');
        if (next instanceof Error) throw next;
        return next;
      },
    },
    schedule: manualFrames().schedule,
    now: () => t,
  });
  return {
    ...d,
    answers,
    asked: () => asked,
    tick: (ms: number) => {
      t += ms;
    },
    cluster: () => d.store.getState().cluster,
  };
}

const notShared = () => new ApiError('not_found', "this host's fleet is not shared: start it with --store etcd://…");

describe('the dashboard store: the cluster poll', () => {
  it('starts unknown, then keeps the view the host answered and when it was read', async () => {
    const s = setup();
    expect(s.cluster()).toEqual({ state: 'unknown', view: null, at: null, error: null });
    const v = view();
    s.answers.push(v);
    await s.actions.refreshCluster();
    expect(s.cluster()).toEqual({ state: 'shared', view: v, at: 1000, error: null });
  });

  it('a host with its own store (404): hidden, and not asked again until the feed reopens', async () => {
    const s = setup();
    s.answers.push(notShared());
    await s.actions.refreshCluster();
    expect(s.cluster().state).toBe('none');
    expect(s.cluster().view).toBeNull();
    await s.actions.refreshCluster();
    await s.actions.refreshCluster();
    expect(s.asked()).toBe(1);
    // The feed reopened: maybe a restarted host, now on etcd.
    s.actions.recheckCluster();
    expect(s.cluster().state).toBe('unknown');
    s.answers.push(view());
    await s.actions.refreshCluster();
    expect(s.asked()).toBe(2);
    expect(s.cluster().state).toBe('shared');
  });

  it('recheck leaves a shared fleet alone', async () => {
    const s = setup();
    s.answers.push(view());
    await s.actions.refreshCluster();
    const before = s.cluster();
    s.actions.recheckCluster();
    expect(s.cluster()).toBe(before);
  });

  it('a failed poll keeps the last view on screen and says why; the next answer clears it', async () => {
    const s = setup();
    const v = view();
    s.answers.push(v, new ApiError('unavailable', 'nothing answers at http://127.0.0.1:1'));
    await s.actions.refreshCluster();
    s.tick(2000);
    await s.actions.refreshCluster();
    expect(s.cluster()).toEqual({
      state: 'shared',
      view: v,
      at: 1000,
      error: 'nothing answers at http://127.0.0.1:1',
    });
    const w = view({ unowned: 3 });
    s.answers.push(w);
    await s.actions.refreshCluster();
    expect(s.cluster()).toEqual({ state: 'shared', view: w, at: 3000, error: null });
  });

  it('a failure before any answer stays unknown (nothing shown), and does not stop the polling', async () => {
    const s = setup();
    s.answers.push(new ApiError('internal', 'unexpected 500 from GET /v1/cluster'), view());
    await s.actions.refreshCluster();
    expect(s.cluster()).toMatchObject({ state: 'unknown', view: null, error: 'unexpected 500 from GET /v1/cluster' });
    await s.actions.refreshCluster();
    expect(s.cluster().state).toBe('shared');
  });

  it('never asks twice at once: a slow answer is waited for, not overlapped', async () => {
    const s = setup();
    let answer!: (v: ClusterView) => void;
    s.answers.push(new Promise<ClusterView>((r) => (answer = r)));
    const first = s.actions.refreshCluster();
    await s.actions.refreshCluster();
    expect(s.asked()).toBe(1);
    answer(view());
    await first;
    expect(s.cluster().state).toBe('shared');
  });

  it('asks nothing and stores nothing once the key was refused', async () => {
    const s = setup();
    s.actions.refuseAuth('the API token is not valid');
    s.answers.push(view());
    await s.actions.refreshCluster();
    s.actions.setStale('lease expired');
    expect(s.asked()).toBe(0);
    expect(s.store.getState().stale).toBeNull();
  });
});

describe('the dashboard store: stale reads', () => {
  it('is set while reads say so, follows the reason, and clears with the first current read', () => {
    const s = setup();
    expect(s.store.getState().stale).toBeNull();
    s.actions.setStale('this host has not renewed its etcd lease for 5.2 s');
    expect(s.store.getState().stale).toBe('this host has not renewed its etcd lease for 5.2 s');
    s.actions.setStale('this host has not renewed its etcd lease for 7.4 s');
    expect(s.store.getState().stale).toBe('this host has not renewed its etcd lease for 7.4 s');
    s.actions.setStale(null);
    expect(s.store.getState().stale).toBeNull();
  });

  it('an unchanged answer does not touch the store (no re-render for every read)', () => {
    const s = setup();
    let writes = 0;
    s.store.subscribe(() => writes++);
    s.actions.setStale(null);
    s.actions.setStale('lease expired');
    s.actions.setStale('lease expired');
    expect(writes).toBe(1);
  });
});

describe('clusterHealth: the chip', () => {
  it('ok: every member answers, a leader, leases renewed, every machine owned', () => {
    const h = clusterHealth(view());
    expect(h).toEqual({ tone: 'ok', hosts: 2, members: 3, healthy: 3, problems: [] });
    expect(clusterLabel(h)).toBe('etcd · 2 hosts · 3/3 members');
    expect(clusterLabel(clusterHealth(view({ hosts: [host('h1')] })))).toBe('etcd · 1 host · 3/3 members');
  });

  it('warn: a member down (quorum kept)', () => {
    const h = clusterHealth(view({}, [member('m0'), member('m1', { healthy: false }), member('m2')]));
    expect(h.tone).toBe('warn');
    expect(h.healthy).toBe(2);
    expect(h.problems).toEqual(['member m1 does not answer']);
  });

  it("warn: a host's lease lapsing (a missed renewal) or gone", () => {
    // The host's word (the rule placement follows), with the TTL that host was granted.
    const lapsing = clusterHealth(
      view({ hosts: [host('h1', { lease_ttl_s: 4, lease_granted_ttl_s: 10, lapsing: true }), host('h2')] }),
    );
    expect(lapsing.tone).toBe('warn');
    expect(lapsing.problems).toEqual(["box-h1:100's lease is lapsing: 4 s of 10 s left"]);
    const gone = clusterHealth(view({ hosts: [host('h1', { lease_ttl_s: -1 })] }));
    expect(gone.problems).toEqual(["box-h1:100's lease is gone"]);
  });

  it('warn: machines without an owner while ownership moves', () => {
    const h = clusterHealth(view({ unowned: 1 }));
    expect(h.tone).toBe('warn');
    expect(h.problems).toEqual(['1 machine without an owner (ownership is moving)']);
  });

  it('bad: no quorum, worst first', () => {
    const h = clusterHealth(
      view({}, [member('m0', { healthy: false, leader: false }), member('m1', { healthy: false }), member('m2')]),
    );
    expect(h.tone).toBe('bad');
    expect(h.problems).toEqual([
      'no quorum: 1 of 3 members answer',
      'member m0 does not answer',
      'member m1 does not answer',
    ]);
  });

  it('bad: no leader, or etcd not listing its members at all', () => {
    expect(clusterHealth(view({}, [member('m0', { leader: false }), member('m1'), member('m2')])).problems).toEqual([
      'etcd has no leader (an election is under way)',
    ]);
    const unreachable = clusterHealth(view({}, []));
    expect(unreachable.tone).toBe('bad');
    expect(clusterLabel(unreachable)).toBe('etcd · 2 hosts · no answer');
    expect(unreachable.problems[0]).toMatch(/did not list its members/);
  });
});
