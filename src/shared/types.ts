// Domain records as they cross threads and the wire. Snake_case on purpose: the same object is
// structured-cloned between workers, sent as JSON by the proxy and rendered by the dashboard,
// so there is exactly one shape per concept and no mapping layer to drift.

import type { LifecycleState } from './lifecycle';
import type { Fragmentation, PlacementPlan, Strategy } from './placement';

/** Region status text as the seed spells it, plus Down (faults.ts); anything else is shown as-is. */
export type RegionStatus = 'Operational' | 'Degraded Performance' | 'Down' | (string & {});

export interface Region {
  code: string;
  location: string;
  status: RegionStatus;
  machine_count: number;
  cores_total: number;
  cores_allocated: number;
  memory_total_gb: number;
  memory_allocated_gb: number;
  /** VMs on the region's machines, as of the last FlyD updates (like the allocations). */
  vm_count: number;
  /**
   * Free capacity counted in reference VMs (REFERENCE_VM) and what is stranded in slots too
   * small for one, over the machines that take new VMs. Absent from older stores.
   */
  capacity?: Fragmentation;
}

/** Derived from the fill (available/allocated/full) unless an operator said draining/offline. */
export type MachineStatus = 'available' | 'allocated' | 'full' | 'draining' | 'offline' | (string & {});

export interface Machine {
  id: string;
  region: string;
  datacenter: string;
  status: MachineStatus;
  cores_total: number;
  cores_allocated: number;
  memory_total_gb: number;
  memory_allocated_gb: number;
  vm_count: number;
  updated_at: string;
}

/** A VM's lifecycle state (src/shared/lifecycle.ts); the seed's 'running' is `started`. */
export type VmState = LifecycleState;

export interface Vm {
  id: string;
  region: string;
  machine_id: string;
  memory_gb: number;
  cores: number;
  state: VmState;
  /** Why the VM is in its state when something happened to it (start_failed, host_offline, …). */
  reason?: string;
  created_at: string;
  /** When the state last changed (absent only on records written before the lifecycle). */
  updated_at?: string;
}

export interface LaunchRequest {
  /** A region code, or several to try in order (`sin,nrt`, as fly's `--region`). */
  region: string;
  memory_gb: number;
  cores: number;
  /** How many store candidates to ask for (seed's num_candidates). Default 5. */
  num_candidates?: number;
  /** Placement strategy for this request; the host's default (`serve --strategy`) otherwise. */
  strategy?: Strategy;
  /** VMs to launch together, all or none (fly's `--count`). Default 1. */
  count?: number;
  /** Answer with the placement plan too (`launch --explain`). */
  explain?: boolean;
}

/**
 * A launch answered in the batch form (asked for with `count` or `explain`): every VM launched,
 * and with `explain` the plan of each region tried, in order.
 */
export interface LaunchBatch {
  vms: Vm[];
  plans?: PlacementPlan[];
}

/**
 * A dry run (`POST /v1/place`): the plan of each region tried, in order, up to the first that
 * takes the whole batch (`region`), or of every region given when none does (`region` null).
 */
export interface PlacementReport {
  region: string | null;
  plans: PlacementPlan[];
}

/**
 * One conflated FlyD update for one machine. Values are absolute and carry a per-machine
 * version, so a retried update is idempotent: the store ignores versions it has already applied.
 */
export interface MachineUpdate {
  machine_id: string;
  version: number;
  cores_allocated: number;
  memory_allocated_gb: number;
  vm_count: number;
  /** How many MachineD changes this update conflates (for metrics and the tests). */
  changes: number;
}

/** A store change event, fanned out to dashboards, `flylight watch` and SSE clients. */
export type StoreEvent =
  | { type: 'machine'; seq: number; at: string; machine: Machine; region: Region }
  | { type: 'reset'; seq: number; at: string }
  /** A VM changed state: durable in the store before it is published. */
  | {
      type: 'vm';
      seq: number;
      at: string;
      vm: Vm;
      from: VmState | null;
      to: VmState;
      reason?: string;
    }
  /** A region's status changed (an operator's or chaos's word): durable before it is published. */
  | { type: 'region'; seq: number; at: string; region: Region }
  /** Supervision at work: an actor crashed and was restarted (chaos kill-actors, or a real bug). */
  | ({ type: 'actor'; seq: number; at: string } & ActorRestart);

/**
 * A shared fleet's store events as the orchestrator gets them: no VM events (it hears those on
 * REMOTE_VMS), and machine events without their region's figures, which it never reads.
 */
export type OrchestratorStoreEvent =
  | Exclude<StoreEvent, { type: 'vm' | 'machine' }>
  | Omit<Extract<StoreEvent, { type: 'machine' }>, 'region'>;

/** One actor restart, as the orchestrator reports it to the store's event stream. */
export interface ActorRestart {
  /** The actor's name, e.g. `machined sin-1` or `flyd sin-1`. */
  actor: string;
  machine_id: string;
  /** What crashed it ('chaos' for kill-actors, else the error message). */
  cause: string;
  /** Restarts done by the orchestrator's supervisor since it started. */
  restarts: number;
}

/** Sizes of the fleet, for `flylight status` and the dashboard header. */
export interface FleetTotals {
  regions: number;
  machines: number;
  vms: number;
  cores_total: number;
  cores_allocated: number;
  memory_total_gb: number;
  memory_allocated_gb: number;
}

/** A fleet with nothing in it: the start of a sum, or what to show when the store is away. */
export const EMPTY_FLEET: Readonly<FleetTotals> = {
  regions: 0,
  machines: 0,
  vms: 0,
  cores_total: 0,
  cores_allocated: 0,
  memory_total_gb: 0,
  memory_allocated_gb: 0,
};

export interface WorkerStatus {
  name: 'store' | 'orchestrator' | 'proxy';
  state: 'starting' | 'ready' | 'restarting' | 'stopped';
  restarts: number;
}

export interface StatusReport {
  version: string;
  uptime_s: number;
  api: string;
  flyd_interval_ms: number;
  fleet: FleetTotals;
  workers: WorkerStatus[];
  requests: { total: number; errors: number; launches_ok: number; launches_failed: number };
  /** The proxy's circuit breaker in front of the orchestrator (absent from older proxies). */
  breaker?: BreakerStatus;
}

export interface BreakerStatus {
  state: 'closed' | 'open' | 'half_open';
  /** Consecutive failures counted so far. */
  failures: number;
  /** Times it has opened since the proxy started. */
  opened: number;
  /** While open: seconds until one request probes the orchestrator again. */
  retry_after_s?: number;
}

export interface Health {
  ok: boolean;
  version: string;
}
