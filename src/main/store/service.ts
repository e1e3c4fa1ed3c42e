// The StoreService as other threads see it. A plain object with exactly the contract's
// methods: serveRpc dispatches by name, so nothing else of the Fleet (setOperatorStatus, the
// index peek for tests) is reachable from another worker.

import type { ClusterView, EtcdStats } from '../../shared/cluster';
import { ApiError } from '../../shared/errors';
import type { StoreService } from '../../shared/services';
import type { Vm } from '../../shared/types';
import type { Fleet } from './fleet';

/** A service whose methods may answer with a promise (RPC awaits them). */
export type Served<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => R | Promise<R> : never;
};
export type StoreServiceImpl = Served<StoreService>;

/** What a shared fleet (etcd) adds to the store's service. */
export interface SharedServices {
  cluster: () => Promise<ClusterView>;
  orphans: () => Promise<Vm[]>;
  etcdStats: () => EtcdStats;
  reportActors: StoreServiceImpl['reportActors'];
  onOwner: StoreServiceImpl['onOwner'];
  answerOwner: StoreServiceImpl['answerOwner'];
  leaseRefusal: () => string | null;
  owned: () => string[];
}

/** The service's calls only a shared fleet answers (the Fleet itself has none of them). */
export type SharedOnly = Pick<
  StoreServiceImpl,
  'cluster' | 'orphans' | 'etcdStats' | 'reportActors' | 'onOwner' | 'answerOwner' | 'ownership' | 'leaseRefusal'
>;

const NOT_SHARED = "this host's fleet is not shared: start it with --store etcd://…";

/** `cluster` answers for a shared fleet (etcd); a host with its own store has none. */
export function storeService(fleet: Fleet, shared?: SharedServices): StoreServiceImpl {
  return {
    cluster: () => {
      if (!shared) throw new ApiError('not_found', NOT_SHARED);
      return shared.cluster();
    },
    orphans: () => shared?.orphans() ?? [],
    etcdStats: () => shared?.etcdStats() ?? null,
    reportActors: (counts) => shared?.reportActors(counts),
    onOwner: (machine, action, options) => {
      if (!shared) throw new ApiError('not_found', NOT_SHARED);
      return shared.onOwner(machine, action, options ?? {});
    },
    answerOwner: (id, outcome) => shared?.answerOwner(id, outcome),
    ownership: () =>
      shared ? { owned: shared.owned(), lease_refusal: shared.leaseRefusal() } : { owned: null, lease_refusal: null },
    leaseRefusal: () => shared?.leaseRefusal() ?? null,
    regions: () => fleet.regions(),
    region: (code) => fleet.region(code),
    machines: (region) => fleet.machines(region),
    machineColumnsJson: (region, limit) => fleet.machineColumnsJson(region, limit),
    allMachines: () => fleet.allMachines(),
    machineColumns: () => fleet.machineColumns(),
    machine: (id) => fleet.machine(id),
    candidates: (region, memory_gb, cores, n) => fleet.candidates(region, memory_gb, cores, n),
    apply: (update) => fleet.apply(update),
    versions: () => fleet.versions(),
    putVm: (vm, key, transitions) => fleet.putVm(vm, key, transitions),
    putVmUnderKey: (vm, key, transitions) => fleet.putVmUnderKey(vm, key, transitions),
    updateVm: (vm, transitions) => fleet.updateVm(vm, transitions),
    deleteVm: (id) => fleet.deleteVm(id),
    vms: (region) => fleet.vms(region),
    vm: (id) => fleet.vm(id),
    vmPage: (q) => fleet.vmPage(q),
    vmHistory: (id) => fleet.vmHistory(id),
    vmByIdempotencyKey: (key) => fleet.vmByIdempotencyKey(key),
    reconcile: () => fleet.reconcile(),
    totals: () => fleet.totals(),
    vmStates: () => fleet.vmStates(),
    reset: () => fleet.reset(),
    setMachineStatus: (id, status) => fleet.setMachineStatus(id, status),
    setRegionStatus: (code, status) => fleet.setRegionStatus(code, status),
    announce: (restart) => fleet.announce(restart),
    exportScenario: () => fleet.exportScenario(),
    importScenario: (files) => fleet.importScenario(files),
    settings: () => fleet.settings(),
  };
}
