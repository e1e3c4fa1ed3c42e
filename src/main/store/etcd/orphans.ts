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

/**
 * The transient VMs on `owned` machines whose driver is not among `live` hosts (or unnamed:
 * written before drivers were recorded), as records without the store's own fields.
 */
export async function findOrphans(
  client: Etcd3,
  keys: EtcdKeys,
  live: ReadonlySet<string>,
  owned: ReadonlySet<string>,
): Promise<Vm[]> {
  if (owned.size === 0) return [];
  const got = await client.getAll().prefix(keys.vms).strings();
  const out: Vm[] = [];
  for (const value of Object.values(got)) {
    const vm = parseValue<StoredVm>(value);
    if (!vm || typeof vm.state !== 'string' || !isTransient(vm.state)) continue;
    if (!owned.has(vm.machine_id) || (vm.driver !== undefined && live.has(vm.driver))) continue;
    const { driver: _d, idempotency_key: _k, ...record } = vm;
    out.push(record);
  }
  return out;
}
