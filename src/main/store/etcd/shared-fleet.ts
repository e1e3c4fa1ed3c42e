// The store worker's fleet when it is shared through etcd: join (or seed) the fleet in etcd,
// build the model on its snapshot, then follow every host's changes through the watch.

import { hostname } from 'node:os';
import type { EtcdStats } from '../../../shared/cluster';
import { isTransient, TERMINAL_STATE } from '../../../shared/lifecycle';
import type { ScenarioSettings } from '../../../shared/scenario';
import type { OwnerRequest, RemoteVm } from '../../../shared/services';
import type { EtcdStoreConfig } from '../../../shared/store-spec';
import { describeStore } from '../../../shared/store-spec';
import type { StoreEvent, Vm } from '../../../shared/types';
import type { Logger } from '../../common/log';
import type { StoredVm } from '../backend';
import { Fleet } from '../fleet';
import type { FleetData } from '../fleet-data';
import { applyRemoteChanges, type RemoteChange, type RemoteTarget, resyncFrom } from '../remote';
import type { EtcdVm } from './allocations';
import { EtcdBackend } from './etcd-backend';
import { type Following, follow } from './follow';
import { HOST_LEASE_TTL_S } from './host-lease';
import { LapsingOwners } from './lapsing';
import { Membership, newHostId } from './membership';
import { OwnerRequests } from './owner-requests';
import { importedFleet } from './seed';

export interface SharedFleet {
  fleet: Fleet;
  backend: EtcdBackend;
  following: Following;
  membership: Membership;
  requests: OwnerRequests;
  report: Record<string, unknown>;
  /** Traffic with etcd since start, for /metrics. */
  stats(): EtcdStats;
  close(): Promise<void>;
}

export async function openSharedFleet(
  store: EtcdStoreConfig,
  csv: FleetData,
  options: {
    seed?: number;
    /** The host's flags (--strategy, --timing, --seed): the orchestrator reads them back from here. */
    settings?: ScenarioSettings;
    /** `serve --scenario NAME`: the bootstrap fleet is that scenario's regions and machines. */
    scenario?: string;
    publish: (e: StoreEvent) => void;
    /** VMs left mid-stage by a host that is gone, for this host's orchestrator to finish. */
    orphaned: (vms: Vm[]) => void;
    /** The machines this host owns now (their actors run here). */
    owned: (machines: string[]) => void;
    /** Why this host may not launch (its lease), or null once it may again. */
    lease: (refusal: string | null) => void;
    /** The machines held by other hosts whose lease is lapsing (./lapsing), when they change. */
    lapsing?: (machines: string[]) => void;
    /** VM changes in etcd (any host's), and which of them this host drives. */
    remoteVms: (changed: RemoteVm[]) => void;
    /** An operator's action on a machine this host owns, asked through another host. */
    ownerRequest: (req: OwnerRequest) => void;
    log: Logger;
  },
): Promise<SharedFleet> {
  const { log } = options;
  const label = `${hostname()}:${process.pid}`;
  const hostId = newHostId();
  const { backend, seed } = await EtcdBackend.open(store, csv, label, hostId);
  try {
    const source = options.scenario ? `scenario ${options.scenario}` : 'the regions file';
    const current = seed.imported?.data ?? seed.data;
    log.info(seed.seeded ? `seeded the fleet in etcd from ${source}` : 'joined the fleet in etcd', {
      store: describeStore(store),
      regions: current.regions.length,
      machines: current.machines.length,
      seeded_by: seed.by,
      ...(seed.imported ? { imported_by: seed.ready.by, generation: seed.ready.generation } : {}),
    });
    if (options.scenario) {
      // Its VMs would need every host to adopt them at once (see the store's importScenario).
      if (seed.seeded) log.info("a shared fleet takes a scenario's regions and machines, not its VMs");
      else log.warn(`--scenario ${options.scenario} not applied: etcd already holds a fleet, which this host joined`);
    }
    const { fleet, report } = await Fleet.open(seed.data, {
      backend,
      seed: options.seed,
      settings: options.settings,
      publish: options.publish,
      warn: (msg, fields) => log.warn(msg, fields),
    });
    const remote = fleet.remote();
    let following: Following | null = null;
    const membership = new Membership(
      hostId,
      backend.client,
      backend.keys,
      store,
      backend.probes,
      current.machines.map((m) => m.id),
      (level, msg, fields) => log[level](msg, fields),
      { orphaned: options.orphaned, owned: options.owned, lease: options.lease },
      () => following?.revision ?? backend.revision,
    );
    // Every VM this host writes names the machine's owner as its driver: the stage runs there.
    backend.driverOf = (machine) => membership.driverOf(machine);
    // An import or reset through this host switched the fleet: its owners move with it.
    backend.switched = (machines) => membership.switchFleet(machines);
    const requests = new OwnerRequests(
      backend.client,
      `${backend.keys.root}requests/`,
      hostId,
      (machine) => membership.holderOf(machine),
      options.ownerRequest,
      (level, msg, fields) => log[level](msg, fields),
    );
    await requests.start();
    const watch = await follow(backend, {
      changes: async (changes) => {
        const told = vmNews(remote, changes, hostId);
        await applyRemoteChanges(remote, changes);
        if (told.length > 0) options.remoteVms(told);
      },
      reset: () => {
        log.info('another host reset the fleet; back to the bootstrap state');
        remote.reset();
      },
      resync: async (snapshot, reason) => {
        const changed = await resyncFrom(remote, snapshot.machines, snapshot.vms);
        membership.forgetOwners(); // the owner events of the lost stretch too
        log.warn('resynced the fleet from an etcd snapshot', { reason, ...changed });
        // Stages named to this host that the lost stretch of the watch would have told.
        const mine = snapshot.vms.filter((v) => v.driver === hostId && isTransient(v.state));
        if (mine.length > 0) options.remoteVms(mine.map(news));
      },
      generation: async (ready, mod, at) => {
        const imported = await importedFleet(backend.client, backend.keys, ready, at);
        const snapshot = await backend.load({ at, keys: backend.keys.withData(ready.data ?? '') });
        await remote.ledger.settled();
        // From here to the reset event, nothing yields: no write is made on a half-switched host.
        backend.adopt(ready, mod, imported);
        fleet.switchShared(imported, snapshot);
        const machines = (imported?.data ?? backend.bootstrap).machines;
        membership.switchFleet(machines.map((m) => m.id));
        log.info(
          ready.reason === 'reset'
            ? 'another host reset the fleet to its bootstrap machines; switched to them'
            : 'another host imported a scenario into the fleet; switched to it',
          {
            by: ready.by,
            generation: ready.generation,
            regions: ready.regions,
            machines: ready.machines,
            vms: snapshot.vms.length,
          },
        );
        // Stages this host drives in the new generation (an import's, recorded with their driver).
        const mine = snapshot.vms.filter((v) => v.driver === hostId && isTransient(v.state));
        if (mine.length > 0) options.remoteVms(mine.map(news));
      },
      owner: (machine, holder, rev) => membership.ownerEvent(machine, holder, rev),
      membership: (hosts) => membership.followed(hosts),
      log: (level, msg, fields) => log[level](msg, fields),
    });
    following = watch;
    await membership.start();
    const lapsing = new LapsingOwners(
      backend.client,
      membership.others,
      () => membership.holders,
      (machines) => options.lapsing?.(machines),
      (level, msg, fields) => log[level](msg, fields),
      store.leaseTtlS ?? HOST_LEASE_TTL_S,
    );
    lapsing.start();
    return {
      fleet,
      backend,
      following: watch,
      report: { ...report, store: describeStore(store), seeded: seed.seeded, revision: backend.revision },
      membership,
      requests,
      stats: () => ({
        round_trips: backend.calls.round_trips,
        txns: backend.allocations.counters.txns,
        txn_conflicts: backend.allocations.counters.conflicts,
        lease_renewals: membership.renewals.ok,
        lease_renewal_failures: membership.renewals.failed,
        machines_owned: membership.ownedCount,
        lease_lapsed: membership.leaseRefusal !== null,
      }),
      close: async () => {
        lapsing.stop();
        await requests.stop();
        await membership.stop();
        await watch.stop();
        await backend.close();
      },
    };
  } catch (err) {
    await backend.close();
    throw err;
  }
}

/**
 * What the orchestrator hears of one watch response's VM changes (read before they are applied,
 * so a deleted VM is still known): each record, `drive` when it names this host as driver of a
 * stage under way; a deleted VM as `destroyed`.
 */
function vmNews(target: RemoteTarget, changes: readonly RemoteChange[], hostId: string): RemoteVm[] {
  const out: RemoteVm[] = [];
  for (const c of changes) {
    if (c.t === 'vm' && c.vm && typeof c.vm.state === 'string') {
      const drive = c.vm.driver === hostId && isTransient(c.vm.state);
      // A `starting` VM resuming from `suspended` (./allocations): its owner times a resume.
      const resume = drive && (c.vm as EtcdVm).stage === 'resume';
      out.push({ vm: plain(c.vm), drive, ...(resume ? { stage: 'resume' as const } : {}) });
    } else if (c.t === 'vm-delete') {
      const gone = target.ledger.get(c.id);
      if (gone) out.push({ vm: { ...gone, state: TERMINAL_STATE }, drive: false });
    }
  }
  return out;
}

/** A stored VM without the store's own fields. */
function plain(v: StoredVm): Vm {
  const { driver: _d, idempotency_key: _k, stage: _s, ...vm } = v as EtcdVm;
  return vm;
}

/** A VM this host drives, with the stage its record names (a resume) when there is one. */
function news(v: StoredVm): RemoteVm {
  return (v as EtcdVm).stage === 'resume'
    ? { vm: plain(v), drive: true, stage: 'resume' }
    : { vm: plain(v), drive: true };
}
