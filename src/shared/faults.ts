// The faults an operator (or chaos) can put on the platform: machine statuses, region statuses,
// and the seeded plans chaos follows. Pure, so the CLI checks input with the gate's own words and
// a chaos run replays exactly from its seed.

import { ApiError } from './errors';
import type { Rng } from './random';

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
