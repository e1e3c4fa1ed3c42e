// VMs left mid-stage by a host that is gone. A VM's lifecycle stages (creating → created →
// starting → started, stop, suspend…) run on timers in the host that began them, which every
// VM write in etcd names (`driver`). A host killed with kill -9 leaves its stages unfinished:
// the owner of each such VM's machine runs them again from the start, as a restarted single
// host does with its own. A VM whose driver is alive is left to it, so no stage runs twice.

import type { Etcd3 } from 'etcd3';
import { isTransient } from '../../../shared/lifecycle';
import type { Vm } from '../../../shared/types';
import type { StoredVm } from '../backend';
import { type EtcdKeys, parseValue } from './keys';
import { readPrefix } from './pages';

/**
 * The transient VMs on `owned` machines whose driver is not among `live` hosts (or unnamed:
 * written before drivers were recorded), as records without the store's own fields.
 */
export async function findOrphans(
  client: Etcd3,
  keys: EtcdKeys,
  live: ReadonlySet<string>,
  owned: Pick<ReadonlySet<string>, 'has' | 'size'>,
): Promise<Vm[]> {
  if (owned.size === 0) return [];
  const out: Vm[] = [];
  // In pages: a big fleet's VMs are over gRPC's 4 MB message limit in one read.
  await readPrefix(
    client.kv,
    keys.vms,
    (kv) => {
      const vm = parseValue<StoredVm>(kv.value);
      if (!vm || typeof vm.state !== 'string' || !isTransient(vm.state)) return;
      if (!owned.has(vm.machine_id) || (vm.driver !== undefined && live.has(vm.driver))) return;
      const { driver: _d, idempotency_key: _k, ...record } = vm;
      out.push(record);
    },
    { limit: 1500 },
  );
  return out;
}
