// The services each worker serves over its MessagePorts. The host, the other workers and the
// tests all call them through RpcClient<...>.api, so these interfaces are the whole contract.

import type { ActivityInput, ActivityPage } from './activity';
import type { ChaosRun, KillReport, MachineActionReport } from './faults';
import type { LogEntries, LogQuery } from './host-log';
import type { Operation, Stage, Transition } from './lifecycle';
import type { MachineColumns } from './machine-columns';
import type { SamplePage } from './samples';
import type { ScenarioExport, ScenarioFiles, ScenarioImportReport, ScenarioSettings } from './scenario';
import type {
  ActorRestart,
  FleetTotals,
  LaunchBatch,
  LaunchRequest,
  Machine,
  MachineUpdate,
  PlacementReport,
  Region,
  Vm,
  VmState,
} from './types';
import type { VmHistory } from './vm-history';
import type { VmPage, VmQuery } from './vm-query';

export type WorkerName = 'store' | 'orchestrator' | 'proxy';

/**
 * Calls that work on the whole fleet and may take longer than the usual RPC deadline with
 * 100,000 machines (an import parses and writes all of them; a resync rebuilds every actor).
 */
export const LONG_CALLS_MS: Readonly<Record<string, number>> = {
  exportScenario: 60_000,
  importScenario: 60_000,
  resync: 60_000,
};

/** Topic on which the store emits StoreEvent to the ports that asked for events. */
export const STORE_EVENTS = 'store.event';
/** A shared fleet: VMs left mid-stage by a host that is gone, for this host's orchestrator (Vm[]). */
export const ORPHANED_VMS = 'store.orphans';
/** A shared fleet: the machines this host owns now (string[]), after every change. */
export const OWNED_MACHINES = 'store.owned';
/** A shared fleet: why this host may not launch (its etcd lease; string), or null once it may. */
export const LEASE_HEALTH = 'store.lease';
/**
 * A shared fleet: the machines held by other hosts whose etcd lease is lapsing (string[]; empty
 * once none is). Placement puts a launch on them only when no other machine fits.
 */
export const LAPSING_MACHINES = 'store.lapsing';
/**
 * A shared fleet: VMs changed in etcd, by any host ({vm, drive}[]): `drive` when the record
 * names this host as driver of its transient state (the stage runs here).
 */
export const REMOTE_VMS = 'store.remote-vms';

/** One VM change told on REMOTE_VMS. `stage`: the stage under way when its state does not say (a `starting` VM resuming). */
export interface RemoteVm {
  vm: Vm;
  drive: boolean;
  stage?: Stage;
}
/** A shared fleet: an operator's action on a machine this host owns, asked through another host. */
export const OWNER_REQUESTS = 'store.owner-request';

/**
 * The threads that read each store topic: the store sends a topic only to them, because every
 * crossing is a structured clone on both threads, for every change any host makes. A thread that
 * starts listening to a topic must be added here, or it hears nothing (test/shared/services.test.ts
 * checks the listeners in src against this table). STORE_EVENTS: the proxy
 * and the host read every event; the orchestrator (served events only with a shared fleet) reads
 * only machines, regions and resets, which the store sends it apart, without the VM events.
 */
export const STORE_TOPIC_READERS = {
  [STORE_EVENTS]: ['proxy', 'host'],
  [ORPHANED_VMS]: ['orchestrator'],
  [OWNED_MACHINES]: ['orchestrator'],
  [LEASE_HEALTH]: ['orchestrator', 'proxy'],
  [LAPSING_MACHINES]: ['orchestrator'],
  [REMOTE_VMS]: ['orchestrator'],
  [OWNER_REQUESTS]: ['orchestrator'],
} as const satisfies Record<string, readonly PeerName[]>;

/** An operator's action asked of a machine's owner (see OWNER_REQUESTS). */
export interface OwnerRequest {
  id: string;
  machine_id: string;
  action: string;
  evacuate?: boolean;
}

/** The store worker: regions, machines (indexed per region), VMs; placement candidates; change events. */
export interface StoreService {
  regions(): Region[];
  /** Throws `unknown_region` (message lists nothing; the proxy's validation names codes). */
  region(code: string): Region;
  /** Machines of one region, ordered by id. Throws `unknown_region`. */
  machines(region: string): Machine[];
  /** The same as the JSON text of `{"columns": …}` (shared/machine-wire.ts): one string to send as it is; `limit`: the first machines only. */
  machineColumnsJson(region: string, limit?: number): string;
  /** Every machine, for Infrastructure at start (the seam for "which machines are mine"). */
  allMachines(): Machine[];
  /** Every machine and its FlyD version as columns (flat copies, not 100k objects): Infrastructure's start-up read. */
  machineColumns(): MachineColumns;
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
   * launched it (refused if the key already names another live VM), then publishes a `vm`
   * event per transition that led to its first state.
   */
  putVm(vm: Vm, idempotencyKey?: string, transitions?: Transition[]): void;
  /**
   * One launch under an Idempotency-Key in one call (the orchestrator does not look the key up
   * first): the live VM the key already names, with nothing recorded (a replay), else null once
   * `vm` is recorded under the key exactly as putVm records it.
   */
  putVmUnderKey(vm: Vm, idempotencyKey: string, transitions?: Transition[]): Vm | null;
  /**
   * Records a VM's new state durably (`destroyed` removes the record), then publishes a `vm`
   * event per transition. Throws `not_found`, or `bad_request` when a state that holds
   * resources no longer fits on its machine.
   */
  updateVm(vm: Vm, transitions: Transition[]): Vm;
  /** Removes a VM record; throws `not_found`. Returns the removed VM (state 'destroyed'). */
  deleteVm(id: string): Vm;
  vms(region?: string): Vm[];
  vm(id: string): Vm;
  /** One page of the VMs matching the query, sorted; `total` counts every match. */
  vmPage(q: VmQuery): VmPage;
  /** A VM's recent transitions and its launch's placement note (bounded; kept a while after destroy). Throws not_found. */
  vmHistory(id: string): VmHistory;
  /** The live VM launched under this Idempotency-Key, or null. */
  vmByIdempotencyKey(key: string): Vm | null;
  /**
   * Sets every machine's allocation to the sum of its VMs that hold resources
   * (lifecycle.holdsResources) and publishes the changes: the
   * orchestrator calls it after a restart, when FlyD queues that were never flushed are gone.
   */
  reconcile(): { changed: number };
  totals(): FleetTotals;
  /** How many VMs are in each lifecycle state (states with none are left out). */
  vmStates(): Record<string, number>;
  /**
   * Back to the bootstrap fleet (the regions file, or `serve --scenario`'s regions and machines):
   * no VMs, nothing allocated, an imported fleet forgotten. Publishes a `reset` event.
   */
  reset(): void;
  /** A shared fleet's hosts, leases and etcd members; not_found on a host with its own store. */
  cluster(): import('./cluster').ClusterView;
  /**
   * A shared fleet: VMs left mid-stage by hosts that are gone, on machines this host owns, for
   * its orchestrator to finish; none on a host with its own store.
   */
  orphans(): Vm[];
  /** A shared fleet's traffic with etcd (round trips, transactions, lease renewals); null without one. */
  etcdStats(): import('./cluster').EtcdStats | null;
  /** A shared fleet: the orchestrator's actor counts, shown per host by `flylight cluster`. */
  reportActors(counts: NonNullable<OrchestratorStats['actors']>): void;
  /**
   * A shared fleet: runs an operator's action on the host that owns the machine (through etcd)
   * and answers with its report or its error. not_found without a shared fleet.
   */
  onOwner(machineId: string, action: string, options: { evacuate?: boolean }): MachineActionReport;
  /**
   * A shared fleet: the machines this host owns and why it may not launch (its lease), for an
   * orchestrator that starts (after that, OWNED_MACHINES and LEASE_HEALTH tell changes);
   * `owned` null without a shared fleet (the host owns every machine).
   */
  ownership(): { owned: string[] | null; lease_refusal: string | null };
  /** A shared fleet: why this host's copy of the fleet may be stale (its lease lapsed); null when it is current or not shared. */
  leaseRefusal(): string | null;
  /** The owner's answer to an OwnerRequest: its report, or the error it threw. */
  answerOwner(id: string, outcome: { report?: MachineActionReport; error?: import('./errors').ErrorBody }): void;
  /** An operator's machine status (available, draining, offline): durable, published. */
  setMachineStatus(id: string, status: string): Machine;
  /** A region's status (any case: operational, degraded, down): durable, a `region` event. */
  setRegionStatus(code: string, status: string): Region;
  /** Publishes an actor restart on the event stream (supervision made visible). */
  announce(restart: ActorRestart): void;
  /** The fleet as a scenario's files (regions, machines, VMs, settings). */
  exportScenario(): ScenarioExport;
  /**
   * Replaces the whole fleet with a scenario's, all or nothing: bad_request with
   * details.problems (`FILE:LINE: …`) and nothing changed when any file is wrong. Publishes a
   * `reset` event; the orchestrator must then resync, as after a reset.
   */
  importScenario(files: ScenarioFiles): ScenarioImportReport;
  /** The settings in force: an imported scenario's where it names them, else the host's. */
  settings(): ScenarioSettings;
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
  /** VM transitions completed since the orchestrator started, by the state they ended in. */
  vm_transitions?: Record<string, number>;
  /** Lifecycle stages under way (timers running). */
  vm_stages_in_flight?: number;
  /**
   * Machines this host owns (all, without a shared fleet), how many of those have their
   * MachineD and FlyD awake now, and how many awake machines it no longer owns (put to sleep
   * at the next FlyD round; 0 otherwise).
   */
  actors?: import('./cluster').ActorCounts;
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

/**
 * A launch as `POST /v1/vms` answers it: the VM's JSON, made on the thread that has the VM (a
 * string crosses a port as one copy, where a VM is cloned field by field and then stringified
 * again by the proxy, its busiest thread), with the fields the gate reads.
 */
export interface LaunchAnswer {
  id: string;
  region: string;
  state: VmState;
  /** JSON.stringify of the VM: exactly the body the route answers with. */
  json: string;
  /** Under a key: the key's earlier VM, not a new launch. */
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
  /** launch, or launchIdempotent under a key, answered with the VM's JSON ready to send. */
  launchAnswer(req: LaunchRequest, key: string | undefined, meta?: CallMeta): LaunchAnswer;
  /** The seed's destroy, whatever the VM's state (it forces). Throws `not_found`. */
  destroy(id: string, meta?: CallMeta): Vm;
  /**
   * start, stop, suspend, restart or destroy (`force` to destroy a started VM). Answers once the
   * VM is in the transient state (settled, when the stage takes no time). Throws `not_found`,
   * `invalid_state` {state, allowed[, needs_force]}, `no_capacity` naming the machine.
   */
  operate(id: string, op: Operation, force?: boolean, meta?: CallMeta): Vm;
  /**
   * The VM once it is in `state` (a persistent state or destroyed); `timeout` after timeoutMs
   * (at most 60 000), `invalid_state` when it can no longer get there (failed, destroyed).
   */
  wait(id: string, state: string, timeoutMs: number, meta?: CallMeta): Vm;
  /** The VM once its create stage is over (created, past it, or failed); `timeout` after timeoutMs. */
  created(id: string, timeoutMs: number, meta?: CallMeta): Vm;
  /** Flushes every FlyD queue now (clean shutdown, tests). */
  flush(): { flushed: number };
  stats(): OrchestratorStats;
  /** Drops every actor and queue and rebuilds from the store (after a store reset). */
  resync(): { machines: number };
  /** drain | offline | online a machine; `evacuate` (offline only) re-places its failed VMs. */
  machineAction(id: string, action: string, options?: { evacuate?: boolean }, meta?: CallMeta): MachineActionReport;
  /** Sets a region's status (operational, degraded, down; any case): durable, acted on at once. */
  setRegionStatus(code: string, status: string, meta?: CallMeta): Region;
  /** Crashes `count` MachineD/FlyD actors (seeded); the supervisor restarts them. */
  killActors(req: KillRequest, meta?: CallMeta): KillReport;
  /** Starts a seeded fail-machines run; answers at once with its plan. */
  failMachines(req: FailRequest, meta?: CallMeta): ChaosRun;
  /** A fail-machines run and what it has done so far. Throws not_found. */
  chaosRun(id: string): ChaosRun;
}

/** `chaos kill-actors`: how many, where, and the seed that replays it. */
export interface KillRequest {
  count: number;
  region?: string;
  seed?: number;
}

/** `chaos fail-machines`: probability per machine per second, for how long, repair time. */
export interface FailRequest {
  rate: number;
  duration_s: number;
  repair_s?: number;
  region?: string;
  seed?: number;
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

/** Topics on which the host pushes new event-log entries and (while someone follows) log records. */
export const HOST_ACTIVITY = 'host.activity';
export const HOST_LOGS = 'host.logs';

/** Served by the host (main thread) to the proxy: status, and the histories the host keeps. */
export interface HostService {
  workers(): import('./types').WorkerStatus[];
  uptimeSeconds(): number;
  /** Adds to the event log what only the gate sees (a refused launch). */
  record(e: ActivityInput): void;
  /** The event log after `since` (`GET /v1/activity`). */
  activity(since?: number, limit?: number): ActivityPage;
  /** The charts' samples after `since` ms (`GET /v1/samples`). */
  samples(since?: number): SamplePage;
  /** A machine's allocation and status over time (`GET /v1/machines/{id}/history`). */
  machineHistory(id: string): import('./machine-history').MachineHistory;
  /** The newest log records (`GET /v1/logs`); `after` resumes a follower. */
  logs(q: LogQuery, after?: number): LogEntries;
  /** How many log followers the proxy has: records are pushed on HOST_LOGS only while any do. */
  followLogs(followers: number): void;
  /** How many event-log followers the proxy has: entries are pushed on HOST_ACTIVITY only while any do. */
  followActivity(followers: number): void;
  /** The load generator, run by the host against the proxy's own port (`/v1/load`). */
  loadStart(spec: import('./load/spec').LoadSpec): Promise<import('./load/keeper').LoadStatusView>;
  loadStatus(): import('./load/keeper').LoadStatusView;
  loadStop(): import('./load/keeper').LoadStatusView;
}

/** Anyone a worker can hold an RPC client to. */
export type PeerName = WorkerName | 'host';
