// The store worker's fleet when it is shared through etcd: join (or seed) the fleet in etcd,
// build the model on its snapshot, then follow every host's changes through the watch.

import { hostname } from 'node:os';
import type { EtcdStats } from '../../../shared/cluster';
import type { ScenarioSettings } from '../../../shared/scenario';
import type { EtcdStoreConfig } from '../../../shared/store-spec';
import { describeStore } from '../../../shared/store-spec';
import type { StoreEvent, Vm } from '../../../shared/types';
import type { Logger } from '../../common/log';
import { Fleet } from '../fleet';
import type { FleetData } from '../fleet-data';
import { applyRemoteChanges, resyncFrom } from '../remote';
import { EtcdBackend } from './etcd-backend';
import { type Following, follow } from './follow';
import { Membership, newHostId } from './membership';

export interface SharedFleet {
  fleet: Fleet;
  backend: EtcdBackend;
  following: Following;
  membership: Membership;
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
    publish: (e: StoreEvent) => void;
    /** VMs left mid-stage by a host that is gone, for this host's orchestrator to finish. */
    orphaned: (vms: Vm[]) => void;
    log: Logger;
  },
): Promise<SharedFleet> {
  const { log } = options;
  const label = `${hostname()}:${process.pid}`;
  const hostId = newHostId();
  const { backend, seed } = await EtcdBackend.open(store, csv, label, hostId);
  try {
    log.info(seed.seeded ? 'seeded the fleet in etcd from the regions file' : 'joined the fleet in etcd', {
      store: describeStore(store),
      regions: seed.data.regions.length,
      machines: seed.data.machines.length,
      seeded_by: seed.by,
    });
    const { fleet, report } = await Fleet.open(seed.data, {
      backend,
      seed: options.seed,
      settings: options.settings,
      publish: options.publish,
      warn: (msg, fields) => log.warn(msg, fields),
    });
    const remote = fleet.remote();
    const membership = new Membership(
      hostId,
      backend.client,
      backend.keys,
      store,
      backend.probes,
      seed.data.machines.map((m) => m.id),
      (level, msg, fields) => log[level](msg, fields),
      options.orphaned,
    );
    const following = await follow(backend, {
      changes: (changes) => applyRemoteChanges(remote, changes),
      reset: () => {
        log.info('another host reset the fleet; back to the bootstrap state');
        remote.reset();
      },
      resync: async (snapshot, reason) => {
        const changed = await resyncFrom(remote, snapshot.machines, snapshot.vms);
        log.warn('resynced the fleet from an etcd snapshot', { reason, ...changed });
      },
      membership: () => membership.changed(),
      log: (level, msg, fields) => log[level](msg, fields),
    });
    await membership.start();
    return {
      fleet,
      backend,
      following,
      report: { ...report, store: describeStore(store), seeded: seed.seeded, revision: backend.revision },
      membership,
      stats: () => ({
        round_trips: backend.calls.round_trips,
        txns: backend.allocations.counters.txns,
        txn_conflicts: backend.allocations.counters.conflicts,
        lease_renewals: membership.renewals.ok,
        lease_renewal_failures: membership.renewals.failed,
      }),
      close: async () => {
        await membership.stop();
        await following.stop();
        await backend.close();
      },
    };
  } catch (err) {
    await backend.close();
    throw err;
  }
}
