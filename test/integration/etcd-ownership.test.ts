// One owner per machine, held by etcd leases: three real `flylight serve` hosts split the fleet
// (rendezvous hashing, each under its own lease); `flylight cluster` shows the hosts, their
// machines, the actors awake on each (never on a machine it does not own) and leases, and the
// etcd members with their leader; a launch through any host runs its stages on the machine's
// owner (the VM's driver) and answers as before; an offline --evacuate asked of a host that
// does not own the machine runs on the owner; a host killed with SIGKILL loses its machines to
// the survivors within the lease TTL plus one FlyD interval, no VM acknowledged through it is
// lost, and the stages it drove are run by the machines' new owners (once each: a live host's
// stages are left to it); a host that comes back takes its share.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignOwners } from '../../src/main/store/etcd/rendezvous';
import type { ClusterView } from '../../src/shared/cluster';
import type { Vm } from '../../src/shared/types';
import { type EtcdCluster, startEtcd } from '../helpers/etcd';
import { type ServeProcess, startServe } from '../helpers/host';
import { until } from '../helpers/until';

const FLYD_MS = 200;
/** Not the default (5 s): every host is started with --lease-ttl, and its lease and the takeover follow it. */
const TTL_S = 7;
/** Starting a VM takes this long (no jitter, no failures): long enough to kill a host mid-stage. */
const START_MS = 6000;
/**
 * Creating takes this long: a launch answers once the VM is created, which on a host that does
 * not own the machine it hears from the owner that drives the stage, through etcd's watch.
 */
const CREATE_MS = 300;
/** Resuming a suspended VM takes this long: far less than a start, as on fly.io. */
const RESUME_MS = 200;
let etcd: EtcdCluster;
/** The test's own look at etcd's keys. */
let reader: Etcd3;
let hosts: ServeProcess[] = [];
let args: string[] = [];
/**
 * The region the launches go to: one where every host owns at least two machines. A fixed one
 * (SIN, 10 machines) had no machine of some host in about one run of sixty ((2/3)^10), and the
 * tests that need a VM driven by that host could not get one.
 */
let region = '';

const api = async <T>(h: ServeProcess, path: string, init: RequestInit = {}) => {
  const res = await fetch(`${h.url}${path}`, { headers: { ...h.auth(), 'content-type': 'application/json' }, ...init });
  return { status: res.status, body: (await res.json()) as T };
};
const view = async (h: ServeProcess) => (await api<ClusterView>(h, '/v1/cluster')).body;
/** Every machine's owner key, as etcd holds it. */
const ownerKeys = async (client: Etcd3) => {
  const got = await client.getAll().prefix('/flylight/owners/').strings();
  return new Map(Object.entries(got).map(([k, v]) => [k.slice('/flylight/owners/'.length), v]));
};
/**
 * Every machine held, in etcd, by the host bounded rendezvous hashing gives it among `ids`: what
 * "the survivors own the machines" means, read from etcd itself. (A host's /v1/cluster view is
 * shared by every asker for CLUSTER_VIEW_TTL_MS, so timing a takeover through it would add up
 * to a second that is the view's, not the takeover's.)
 */
const ownedAmong = async (ids: string[], machines: number) => {
  const owners = await ownerKeys(reader);
  const want = assignOwners([...owners.keys()], [...ids].sort());
  return owners.size === machines && [...owners].every(([m, holder]) => want.get(m) === holder);
};
/**
 * n live hosts and every machine held by the host bounded rendezvous hashing gives it among them. "All
 * owned" alone is also true for a moment after a host joins, before the others release its
 * share (each rebalances SETTLE_MS after the watch tells it): a host that answers soon after it
 * registers was seen in that moment with none.
 */
const settled = async (h: ServeProcess, n: number) => {
  const v = await view(h);
  if (v.hosts.length !== n || v.unowned !== 0) return false;
  const ids = v.hosts.map((x) => x.id);
  return ownedAmong(ids, v.machines);
};
/**
 * The largest Operational region in which each host owns at least two machines (a degraded
 * region's stages run slower, as on fly.io: the timings here are the test's own).
 */
async function regionOwnedByAll(h: ServeProcess): Promise<string> {
  const owners = await ownerKeys(reader);
  const ids = (await view(h)).hosts.map((x) => x.id);
  const codes = (await api<{ regions: { code: string; status: string }[] }>(h, '/v1/regions')).body.regions
    .filter((r) => r.status === 'Operational')
    .map((r) => r.code);
  let best = { code: '', size: 0 };
  for (const code of codes) {
    const got = await api<{ machines: { id: string }[] }>(h, `/v1/regions/${code}/machines`);
    const machines = got.body.machines.map((m) => m.id);
    const each = ids.map((id) => machines.filter((m) => owners.get(m) === id).length);
    if (Math.min(...each) >= 2 && machines.length > best.size) best = { code, size: machines.length };
  }
  if (!best.code) throw new Error('no Operational region where every host owns two machines');
  return best.code;
}
const selfId = async (h: ServeProcess) => (await view(h)).hosts.find((x) => x.self)?.id as string;
const launch = async (h: ServeProcess) => {
  const r = await api<Vm>(h, '/v1/vms', {
    method: 'POST',
    body: JSON.stringify({ region, memory_gb: 2, cores: 1 }),
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};
/** What etcd holds: each machine's owner, and each VM's record (with the driver of its stages). */
async function inEtcd() {
  const client = new Etcd3({ hosts: etcd.members.map((m) => m.clientUrl) });
  try {
    const owners = await client.getAll().prefix('/flylight/owners/').strings();
    const vms = (await client.getAll().prefix('/flylight/vms/').json()) as Record<string, Vm & { driver?: string }>;
    return {
      owner: new Map(Object.entries(owners).map(([k, v]) => [k.slice('/flylight/owners/'.length), v])),
      vm: new Map(Object.values(vms).map((v) => [v.id, v])),
    };
  } finally {
    client.close();
  }
}

describe('machine ownership through etcd leases', () => {
  beforeAll(async () => {
    etcd = await startEtcd(1);
    reader = new Etcd3({ hosts: etcd.members.map((m) => m.clientUrl) });
    const timing = join(mkdtempSync(join(tmpdir(), 'flylight-timing-')), 'slow-start.json');
    const zero = { delay_ms: 0, jitter_ms: 0, failure: 0 };
    const stages = {
      create: { ...zero, delay_ms: CREATE_MS },
      start: { ...zero, delay_ms: START_MS },
      destroy: zero,
      stop: zero,
      suspend: zero,
      resume: { ...zero, delay_ms: RESUME_MS },
    };
    writeFileSync(timing, JSON.stringify({ name: 'slow-start', stages }));
    args = [
      '--store',
      etcd.storeUrl,
      '--flyd-interval',
      String(FLYD_MS),
      '--timing',
      timing,
      '--lease-ttl',
      String(TTL_S),
    ];
    // One after another, as people start them: each joiner takes its share from the others.
    for (let i = 0; i < 3; i++) hosts.push(await startServe(args));
    await until(() => settled(hosts[0], 3), 10_000, 'three hosts to own every machine', 100);
    region = await regionOwnedByAll(hosts[0]);
    console.log(`launches go to ${region}: every host owns two or more of its machines`);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    reader?.close();
    await etcd?.stop();
  });

  it('splits the machines between the hosts and shows it with `flylight cluster`', async () => {
    await until(() => settled(hosts[0], 3), 10_000, 'three hosts to own every machine', 100);
    const v = await view(hosts[1]);
    expect(v.machines).toBe(215);
    // A fair share each: rendezvous hashing gives every host about a third.
    for (const h of v.hosts) expect(h.machines_owned).toBeGreaterThan(40);
    expect(v.hosts.filter((h) => h.self)).toHaveLength(1);
    expect(v.lease_ttl_s).toBe(TTL_S);
    // etcd granted each host's lease with that TTL, and each host says so when it joins.
    for (const h of v.hosts) expect(h.lease_granted_ttl_s).toBe(TTL_S);
    for (const h of hosts) expect(h.output()).toMatch(new RegExp(`joined the shared fleet.*ttl_s=${TTL_S}`));
    expect(v.etcd.leader).toBe('m0');
    expect(Number(v.etcd.revision)).toBeGreaterThan(0);
    // Each host reports the actors awake on it; none is awake on a machine it does not own.
    await until(
      async () => (await view(hosts[0])).hosts.every((h) => h.actors !== null && h.actors.awake_not_owned === 0),
      5000,
      'every host to report its actors',
      100,
    );
    const out = await hosts[0].cli(['cluster']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/HOST +NAME +PID +MACHINES +AWAKE +LEASE/);
    expect(out.stdout).toMatch(
      new RegExp(`Fleet in etcd://127\\.0\\.0\\.1:\\d+: 3 hosts, 215 machines; leases of ${TTL_S} s`),
    );
    expect(out.stdout).toMatch(/etcd: 1 members, leader m0/);
    expect(out.stdout.split('\n').filter((l) => / live$/.test(l))).toHaveLength(3);
  }, 30_000);

  it("runs a launch through a non-owner on the machine's owner, and an offline --evacuate asked of a non-owner there too", async () => {
    const [a, b, c] = hosts;
    const [idA, idB] = [await selfId(a), await selfId(b)];
    // Launches through A until one lands on a machine B owns: its stages must run on B.
    let onB: Vm | null = null;
    const launched: Vm[] = [];
    for (let i = 0; i < 30 && !onB; i++) {
      const started = Date.now();
      const vm = await launch(a);
      // Answered as before: once its create stage is over (created, or already starting).
      expect(['created', 'starting']).toContain(vm.state);
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(CREATE_MS - 50);
      expect(took).toBeLessThan(3000);
      launched.push(vm);
      if ((await inEtcd()).owner.get(vm.machine_id) === idB) onB = vm;
    }
    if (!onB) throw new Error('no launch through A landed on a machine B owns in 30 tries');
    const { owner, vm: records } = await inEtcd();
    for (const vm of launched) {
      expect(records.get(vm.id)?.driver, `${vm.id}'s stages run on its machine's owner`).toBe(owner.get(vm.machine_id));
    }
    expect(records.get(onB.id)?.driver).not.toBe(idA);
    // A answers the VM's progress as the owner drives it.
    const started = await api<Vm>(a, `/v1/vms/${onB.id}/wait?state=started&timeout=15`);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body.state).toBe('started');

    // Taken offline with evacuation through A, which does not own the machine: it runs on B.
    const machine = onB.machine_id;
    const wokenOnB = (await view(a)).hosts.find((h) => h.id === idB)?.actors?.woken ?? 0;
    const res = await api<{
      machine: { status: string };
      failed: Vm[];
      evacuated: { vm_id: string; replacement?: Vm }[];
    }>(a, `/v1/machines/${machine}/offline`, { method: 'POST', body: JSON.stringify({ evacuate: true }) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.machine.status).toBe('offline');
    expect(res.body.failed.map((v) => v.id)).toContain(onB.id);
    const moved = res.body.evacuated.find((e) => e.vm_id === onB?.id);
    expect(moved?.replacement?.machine_id).toBeDefined();
    expect(moved?.replacement?.machine_id).not.toBe(machine);
    // B's log lines reach its stdout in batches, so they may come after the answer A relayed.
    await b.logged(new RegExp(`running an operator action asked through another host.*machine=${machine}`));
    await b.logged(new RegExp(`machine offline machine=${machine}`));
    expect(a.output()).not.toMatch(new RegExp(`machine offline machine=${machine}`));
    // Every host sees it offline, and it comes back through C (which does not own it either).
    await until(
      async () => (await api<{ status: string }>(c, `/v1/machines/${machine}`)).body.status === 'offline',
      2000,
      'C to see the machine offline',
    );
    const online = await api<{ machine: { status: string } }>(c, `/v1/machines/${machine}/online`, {
      method: 'POST',
      body: '{}',
    });
    expect(online.status, JSON.stringify(online.body)).toBe(200);
    expect(online.body.machine.status).not.toBe('offline');
    // The owner woke the machine's actors to act on it (they sleep again once idle); no host
    // ever woke the actors of a machine it does not own, through all of the above.
    await until(
      async () => ((await view(a)).hosts.find((h) => h.id === idB)?.actors?.woken ?? 0) > wokenOnB,
      5000,
      "B's report to count the actors it woke",
      100,
    );
    const v = await view(a);
    for (const h of v.hosts) {
      expect(h.actors?.woken_not_owned, h.id).toBe(0);
      expect(h.actors?.awake_not_owned, h.id).toBe(0);
      expect(h.actors?.owned, h.id).toBe(h.machines_owned);
    }
    await Promise.all(launched.map((vm) => api(a, `/v1/vms/${vm.id}?force=true`, { method: 'DELETE' })));
  }, 60_000);

  it('times a start of a suspended VM asked through a non-owner as a resume, run on the owner', async () => {
    const [a, b] = hosts;
    const idB = await selfId(b);
    let vm: Vm | null = null;
    for (let i = 0; i < 30 && !vm; i++) {
      const v = await launch(b);
      if ((await inEtcd()).owner.get(v.machine_id) === idB) vm = v;
    }
    if (!vm) throw new Error('no launch through B landed on a machine B owns in 30 tries');
    const wait = (h: ServeProcess, state: string) =>
      api<Vm>(h, `/v1/vms/${vm?.id}/wait?state=${state}&timeout=15`).then((r) => r.body.state);
    expect(await wait(b, 'started')).toBe('started');
    expect((await api(b, `/v1/vms/${vm.id}/suspend`, { method: 'POST', body: '{}' })).status).toBe(200);
    expect(await wait(a, 'suspended')).toBe('suspended');
    // Asked through A, which does not own the machine: B drives the stage, timed as a resume.
    const asked = Date.now();
    const res = await api<Vm>(a, `/v1/vms/${vm.id}/start`, { method: 'POST', body: '{}' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await wait(a, 'started')).toBe('started');
    const took = Date.now() - asked;
    console.log(
      `start of a suspended VM through a non-owner: started after ${took} ms (resume ${RESUME_MS} ms, start ${START_MS} ms)`,
    );
    expect(took).toBeGreaterThanOrEqual(RESUME_MS - 50);
    expect(took).toBeLessThan(START_MS / 2);
    expect((await inEtcd()).vm.get(vm.id)?.driver).toBe(idB);
    expect((await api(a, `/v1/vms/${vm.id}?force=true`, { method: 'DELETE' })).status).toBe(200);
  }, 60_000);

  it("gives a killed host's machines to the survivors within the TTL + one FlyD interval, losing no VM and finishing its stages", async () => {
    const [a, b, c] = hosts;
    const idC = await selfId(c);
    // VMs launched through C and through A, all still starting when C dies. Each VM's stages
    // run on its machine's owner: those C drives die with it and are finished by the new
    // owners; the others' stay where they are. Launched until C drives at least one.
    const fromC: Vm[] = [];
    const fromA: Vm[] = [];
    for (let i = 0; i < 10; i++) {
      const [cs, as] = await Promise.all([Promise.all([launch(c), launch(c), launch(c)]), launch(a)]);
      fromC.push(...cs);
      fromA.push(as);
      const { vm } = await inEtcd();
      if ([...fromC, ...fromA].some((v) => vm.get(v.id)?.driver === idC)) break;
    }
    const { owner, vm: records } = await inEtcd();
    const drivenByC = [...fromC, ...fromA].filter((v) => records.get(v.id)?.driver === idC);
    expect(drivenByC.length).toBeGreaterThan(0);
    // Every stage C drives when it dies, these and any left from before, is taken over once.
    const midStageOnC = [...records.values()].filter((v) => v.driver === idC && v.state !== 'started').length;
    for (const vm of [...fromC, ...fromA]) {
      expect(records.get(vm.id)?.driver).toBe(owner.get(vm.machine_id));
      await until(
        async () => (await api<Vm>(a, `/v1/vms/${vm.id}`)).body.state === 'starting',
        // Its 300 ms create stage, driven by its machine's owner (slow on a loaded machine).
        10_000,
        `${vm.id} to be starting when C dies`,
        50,
      );
    }
    const survivors = await Promise.all([a, b].map(selfId));
    const machines = (await view(a)).machines;
    const killed = Date.now();
    c.proc.kill('SIGKILL');
    await until(() => ownedAmong(survivors, machines), (TTL_S + 5) * 1000, 'the survivors to own every machine', 25);
    const took = Date.now() - killed;
    console.log(`a killed host's machines were taken over after ${took} ms (TTL ${TTL_S} s)`);
    expect(took).toBeLessThan(TTL_S * 1000 + FLYD_MS + 1000);
    // Renewed every third of its TTL, the lease outlives the kill by at least two thirds of it.
    expect(took).toBeGreaterThan((TTL_S * 2000) / 3 - 250);
    // And the survivors say so: two hosts, every machine owned (their views are shared for a second).
    await until(() => settled(a, 2), 3000, 'the survivors to show two hosts owning every machine', 100);
    // The survivors' orchestrators run those machines' actors now (reported within half a second or so).
    await until(
      async () => {
        const v = await view(a);
        return v.hosts.every((h) => h.actors?.owned === h.machines_owned && h.actors.woken_not_owned === 0);
      },
      3000,
      "the survivors' orchestrators to report owning every machine",
      100,
    );
    console.log(`the survivors' orchestrators owned C's machines ${Date.now() - killed} ms after the kill`);
    const ids = new Set((await api<{ vms: Vm[] }>(a, '/v1/vms')).body.vms.map((v) => v.id));
    for (const vm of [...fromC, ...fromA]) expect(ids.has(vm.id)).toBe(true);
    // The owners of C's VMs' machines run their start stage again; every VM ends started.
    // Within the TTL, one FlyD interval and the stage run again from its start (+2 s of slack).
    const deadline = killed + TTL_S * 1000 + FLYD_MS + START_MS + 2000;
    for (const vm of [...fromC, ...fromA]) {
      await until(
        async () => (await api<Vm>(b, `/v1/vms/${vm.id}`)).body.state === 'started',
        Math.max(0, deadline - Date.now()),
        `${vm.id} to be started`,
        100,
      ).catch(async (err) => {
        const both = await Promise.all([a, b].map(async (h) => (await api<Vm>(h, `/v1/vms/${vm.id}`)).body));
        const fromWhom = fromC.some((v) => v.id === vm.id) ? 'C' : 'A';
        throw new Error(
          `${(err as Error).message}: launched via ${fromWhom}; A has ${JSON.stringify(both[0])}, B ${JSON.stringify(both[1])}`,
        );
      });
    }
    console.log(`every VM C left starting was started ${Date.now() - killed} ms after the kill`);
    // Taken over once each, and only C's: A's stages stayed with A.
    const adopted = [a, b]
      .flatMap((h) => [
        ...h.output().matchAll(/finishing the stages of VMs a host that is gone left mid-transition vms=(\d+)/g),
      ])
      .reduce((sum, m) => sum + Number(m[1]), 0);
    expect(adopted).toBe(midStageOnC);
    hosts = hosts.slice(0, 2);
  }, 60_000);

  it('gives a returning host its fair share, the moves bounded rendezvous hashing predicts (no storm between the others)', async () => {
    const [a] = hosts;
    const before = await ownerKeys(reader);
    const back = await startServe(args);
    hosts.push(back);
    // Not a promise under test (the kill test times the takeover): room for a loaded machine.
    await until(() => settled(a, 3), 20_000, 'three hosts to own every machine again', 100);
    const after = await ownerKeys(reader);
    const newcomer = (await view(back)).hosts.find((h) => h.self)?.id;
    const moved = [...after].filter(([m, h]) => before.get(m) !== h);
    // Exactly the moves bounded rendezvous hashing gives between the two host lists: every one to
    // the newcomer, unless the bound (SHARE_SLACK over an even split) binds, which at 215
    // machines over 3 hosts it does in about one run of a hundred and moves a few machines more.
    const machines = [...after.keys()];
    const ids = (await view(a)).hosts.map((h) => h.id).sort();
    const was = assignOwners(
      machines,
      ids.filter((h) => h !== newcomer),
    );
    const wants = assignOwners(machines, ids);
    const predicted = machines.filter((m) => was.get(m) !== wants.get(m));
    expect(moved.map(([m]) => m).sort()).toEqual(predicted.sort());
    const toOthers = moved.filter(([, h]) => h !== newcomer).length;
    expect(toOthers).toBeLessThanOrEqual(10);
    expect(moved.length).toBeGreaterThan(40);
    expect(moved.length).toBeLessThan(110);
    console.log(
      `a returning host took ${moved.length - toOthers} of ${after.size} machines from the others' shares; ${toOthers} moved between the others`,
    );
  }, 45_000);
});
