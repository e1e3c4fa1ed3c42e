// The services each worker serves over its MessagePorts. The host, the other workers and the
// tests all call them through RpcClient<...>.api, so these interfaces are the whole contract.

import type {
  FleetTotals,
  LaunchBatch,
  LaunchRequest,
  Machine,
  MachineUpdate,
  PlacementReport,
  Region,
  Vm,
} from './types';

export type WorkerName = 'store' | 'orchestrator' | 'proxy';

/** Topic on which the store emits StoreEvent to the ports that asked for events. */
export const STORE_EVENTS = 'store.event';

/** The store worker: regions, machines (indexed per region), VMs; placement candidates; change events. */
export interface StoreService {
  regions(): Region[];
  /** Throws `unknown_region` (message lists nothing; the proxy's validation names codes). */
  region(code: string): Region;
  /** Machines of one region, ordered by id. Throws `unknown_region`. */
  machines(region: string): Machine[];
  /** Every machine, for Infrastructure at start (the seam for "which machines are mine"). */
  allMachines(): Machine[];
  machine(id: string): Machine;
  /**
   * Up to n machines of `region` with free memory >= memory_gb AND free cores >= cores,
   * Fisher–Yates shuffled with the store's (seedable) RNG. Looks at that region's index only.
   */
  candidates(region: string, memory_gb: number, cores: number, n: number): Machine[];
  /** One conflated FlyD update; ignored when update.version <= the machine's applied version. */
  apply(update: MachineUpdate): { applied: boolean; machine: Machine };
  /** The machine's last applied FlyD version (FlyD resumes from it after a restart). */
  versions(): Record<string, number>;
  /**
   * Records a VM durably before the launch is acknowledged, with the Idempotency-Key that
   * launched it (refused if the key already names another live VM).
   */
  putVm(vm: Vm, idempotencyKey?: string): void;
  /** Removes a VM record; throws `not_found`. Returns the removed VM (state 'destroyed'). */
  deleteVm(id: string): Vm;
  vms(region?: string): Vm[];
  vm(id: string): Vm;
  /** The live VM launched under this Idempotency-Key, or null. */
  vmByIdempotencyKey(key: string): Vm | null;
  /**
   * Sets every machine's allocation to the sum of its VMs and publishes the changes: the
   * orchestrator calls it after a restart, when FlyD queues that were never flushed are gone.
   */
  reconcile(): { changed: number };
  totals(): FleetTotals;
  /** Back to the bootstrap CSV: no VMs, nothing allocated. Publishes a `reset` event. */
  reset(): void;
}

export interface OrchestratorStats {
  machines: number;
  actor_restarts: number;
  flyd_queue_depth: number;
  flyd_flushes: number;
  flyd_failed_flushes: number;
  launches_ok: number;
  launches_failed: number;
  /** Launches and destroys whose store write is of unknown outcome, being settled. */
  unsettled_writes: number;
}

/** Facts about the request behind a call, carried across the worker hop for log lines. */
export interface CallMeta {
  /** The X-Request-Id of the HTTP (or IPC) request that caused the call. */
  request_id?: string;
}

/** A launch under an Idempotency-Key: `replayed` when the key's earlier VM is returned. */
export interface Launched {
  vm: Vm;
  replayed: boolean;
}

/** fly_global: Infrastructure, one MachineD + one FlyD per machine, supervised. */
export interface OrchestratorService {
  /**
   * Throws `no_capacity` with details {largest_slots, regions: [{region, largest_slots}]}: the
   * largest free slots that exist on one machine, per region tried.
   */
  launch(req: LaunchRequest, meta?: CallMeta): Vm;
  /**
   * The batch form: `count` VMs all or none, with the plans when `explain` is set. Under a key,
   * a replay answers with the batch's VMs still alive (`replayed`).
   */
  launchBatch(req: LaunchRequest, key: string | undefined, meta?: CallMeta): LaunchBatch & { replayed: boolean };
  /** A dry run: the plan of each region tried, reserving nothing (`POST /v1/place`). */
  place(req: LaunchRequest, meta?: CallMeta): PlacementReport;
  /**
   * The same, safe to retry: a key that already launched a live VM returns it (`replayed`);
   * the same key with other parameters throws `idempotency_key_reused`.
   */
  launchIdempotent(req: LaunchRequest, key: string, meta?: CallMeta): Launched;
  /** Throws `not_found`. */
  destroy(id: string, meta?: CallMeta): Vm;
  /** Flushes every FlyD queue now (clean shutdown, tests). */
  flush(): { flushed: number };
  stats(): OrchestratorStats;
  /** Drops every actor and queue and rebuilds from the store (after a store reset). */
  resync(): { machines: number };
}

/** A request as the proxy's gate sees it, whatever carried it (HTTP or Electron IPC). */
export interface GateRequest {
  method: string;
  /** Path with query string, e.g. `/v1/vms?region=SIN`. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Where it came from, for the log line: 'http' or 'ipc'. */
  via: 'http' | 'ipc';
}

export interface GateResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** fly-proxy: the one gate. The HTTP server and Electron IPC both end in handle(). */
export interface ProxyService {
  handle(req: GateRequest): GateResponse;
  address(): { host: string; port: number; url: string };
}

/** Topic on which the host tells the proxy its workers' states whenever one changes. */
export const HOST_WORKERS = 'host.workers';

/** Served by the host (main thread) to the proxy, for `/v1/status`. */
export interface HostService {
  workers(): import('./types').WorkerStatus[];
  uptimeSeconds(): number;
  /** The load generator, run by the host against the proxy's own port (`/v1/load`). */
  loadStart(spec: import('./load/spec').LoadSpec): Promise<import('./load/keeper').LoadStatusView>;
  loadStatus(): import('./load/keeper').LoadStatusView;
  loadStop(): import('./load/keeper').LoadStatusView;
}

/** Anyone a worker can hold an RPC client to. */
export type PeerName = WorkerName | 'host';
