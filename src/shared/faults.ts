// The faults an operator (or chaos) can put on the platform: machine statuses, region statuses,
// and the seeded plans chaos follows. Pure, so the CLI checks input with the gate's own words and
// a chaos run replays exactly from its seed.

import { ApiError } from './errors';
import type { Nearby } from './geo';
import type { Rng } from './random';
import type { Machine, Vm } from './types';

/**
 * Machine statuses an operator sets. `available` takes new VMs; `draining` takes none and leaves
 * its VMs running; `offline` is down: its VMs have failed with reason host_offline.
 * (`maintenance` from a bootstrap CSV behaves as draining.)
 */
export const MACHINE_ACTIONS = ['drain', 'offline', 'online'] as const;
export type MachineAction = (typeof MACHINE_ACTIONS)[number];

export function isMachineAction(v: unknown): v is MachineAction {
  return typeof v === 'string' && (MACHINE_ACTIONS as readonly string[]).includes(v);
}

/** The status a machine has after an action. */
export function statusAfter(action: MachineAction): 'draining' | 'offline' | 'available' {
  return action === 'drain' ? 'draining' : action === 'offline' ? 'offline' : 'available';
}

/** The reason a VM carries when its machine went down under it. */
export const HOST_OFFLINE = 'host_offline';

/** Region statuses as the seed spells them, plus Down. */
export const REGION_STATUSES = ['Operational', 'Degraded Performance', 'Down'] as const;
export type KnownRegionStatus = (typeof REGION_STATUSES)[number];

const REGION_STATUS_WORDS: Record<string, KnownRegionStatus> = {
  operational: 'Operational',
  degraded: 'Degraded Performance',
  'degraded performance': 'Degraded Performance',
  down: 'Down',
};

/** A region status typed by a user (any case; `degraded` for short). Throws bad_request. */
export function parseRegionStatus(raw: unknown): KnownRegionStatus {
  const key = typeof raw === 'string' ? raw.trim().toLowerCase().replace(/\s+/g, ' ') : '';
  const status = REGION_STATUS_WORDS[key];
  if (!status) {
    throw new ApiError('bad_request', 'status must be operational, degraded or down (any case)', { field: 'status' });
  }
  return status;
}

export function isRegionDown(status: string): boolean {
  return status.trim().toLowerCase() === 'down';
}

/** Degraded regions run every lifecycle stage slower (timing profile's degraded_factor). */
export function isRegionDegraded(status: string): boolean {
  return /degraded/i.test(status);
}

/** `count` distinct picks from `items`, seeded: the first `count` of a Fisher–Yates shuffle. */
export function pickDistinct<T>(items: readonly T[], count: number, rng: Rng): T[] {
  const copy = [...items];
  const n = Math.min(count, copy.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

export interface MachineFailure {
  /** Milliseconds after the run starts. */
  at_ms: number;
  machine_id: string;
  /** How long it stays offline before it comes back online. */
  down_ms: number;
}

/**
 * The failures of a `chaos fail-machines` run: each second, each machine that is up fails with
 * probability `rate`, and comes back after a repair time drawn from [repairMs/2, 3·repairMs/2).
 * Fully determined by the rng, so `--seed` replays the same run.
 */
export function failurePlan(
  machineIds: readonly string[],
  rate: number,
  durationMs: number,
  repairMs: number,
  rng: Rng,
): MachineFailure[] {
  const upAgainAt = new Map<string, number>();
  const plan: MachineFailure[] = [];
  for (let t = 0; t < durationMs; t += 1000) {
    for (const id of machineIds) {
      if ((upAgainAt.get(id) ?? 0) > t) continue;
      if (rng() >= rate) continue;
      const at_ms = t + Math.floor(rng() * 1000);
      const down_ms = Math.round(repairMs / 2 + rng() * repairMs);
      plan.push({ at_ms, machine_id: id, down_ms });
      upAgainAt.set(id, at_ms + down_ms);
    }
  }
  return plan.sort((a, b) => a.at_ms - b.at_ms);
}

// ---- what the fault routes answer (one shape for the gate, the CLI and the dashboard) --------

/** A VM that failed with its machine and, under --evacuate, where it went (or why it could not). */
export interface Evacuee {
  vm_id: string;
  /** The replacement VM (a new id, same size and region) placed through normal placement. */
  replacement?: Vm;
  /** Why no replacement could be placed (the launch's error message). */
  error?: string;
}

/** What `machine drain|offline|online` did. */
export interface MachineActionReport {
  action: MachineAction;
  machine: Machine;
  /** VMs failed with reason host_offline (offline only). */
  failed: Vm[];
  /** Offline with evacuate: each failed VM's replacement or the reason it has none. */
  evacuated: Evacuee[];
}

/** The body of a `region_down` refusal: where else a launch would fit, nearest first. */
export interface RegionDownDetails {
  region: string;
  suggestions: Nearby[];
}

export const MAX_CHAOS_KILLS = 1000;

/** One actor chaos crashed. */
export interface Kill {
  actor: string;
  machine_id: string;
  kind: 'machined' | 'flyd';
}

export interface KillReport {
  seed: number;
  killed: Kill[];
  /** The supervisor's restart count once every victim was running again. */
  restarts: number;
}

/** A `chaos fail-machines` run: its plan, and what it has done so far. */
export interface ChaosRun {
  id: string;
  seed: number;
  rate: number;
  duration_s: number;
  repair_s: number;
  region: string | null;
  state: 'running' | 'done';
  started_at: string;
  plan: MachineFailure[];
  /** Each step as it happened: the machine went offline (VMs failed) or came back online. */
  done: ChaosStep[];
}

export interface ChaosStep {
  at_ms: number;
  machine_id: string;
  action: 'offline' | 'online';
  /** VMs the machine's going offline failed. */
  failed_vms: number;
  error?: string;
}

/** A user's seed: a whole number 0..2^32-1. Throws bad_request. */
export function checkSeed(raw: unknown): number {
  if (!Number.isSafeInteger(raw) || (raw as number) < 0 || (raw as number) > 0xffffffff) {
    throw new ApiError('bad_request', 'seed must be a whole number from 0 to 4294967295', { field: 'seed' });
  }
  return raw as number;
}

/** The refusal of a launch into a Down region, naming the nearest regions with room. */
export function regionDownError(region: string, memory_gb: number, cores: number, nearby: Nearby[]): ApiError {
  const size = `${memory_gb} GB and ${cores} ${cores === 1 ? 'core' : 'cores'}`;
  const where =
    nearby.length === 0
      ? `no other region has room for ${size} now`
      : `nearest regions with room for ${size}: ${nearby.map((n) => (n.km === null ? n.code : `${n.code} (${n.km.toLocaleString('en-US')} km)`)).join(', ')}`;
  const details: RegionDownDetails = { region, suggestions: nearby };
  return new ApiError('region_down', `region ${region} is down; ${where}`, { ...details });
}

/**
 * A duration typed by a user: `30s`, `2m`, `1h`, `500ms`, or a bare number of seconds. Returns
 * seconds; throws bad_request naming the flag.
 */
export function parseDuration(raw: unknown, flag: string): number {
  const m = typeof raw === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(raw) : null;
  const n = typeof raw === 'number' ? raw : m ? Number(m[1]) : Number.NaN;
  const unit = (m?.[2] ?? 's').toLowerCase();
  const seconds = unit === 'ms' ? n / 1000 : unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n;
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new ApiError('bad_request', `--${flag} must be a duration such as 30s, 2m, 1h or 500ms`, { field: flag });
  }
  return seconds;
}

/** A probability typed by a user: `0.05` or `5%`. Throws bad_request unless 0 < p <= 1. */
export function parseRate(raw: unknown): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const pct = text.endsWith('%');
  const n = Number(pct ? text.slice(0, -1) : text) / (pct ? 100 : 1);
  if (text === '' || !(n > 0 && n <= 1)) {
    throw new ApiError(
      'bad_request',
      '--rate must be a probability per machine per second: 0.05 or 5% (above 0, at most 1)',
      {
        field: 'rate',
      },
    );
  }
  return n;
}
