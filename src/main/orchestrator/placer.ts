// Placement against MachineDs: a region's machines as their MachineDs see them now (never the
// store's lagging copy), the strategy's plan over them, and the reservations that carry a plan
// out, all of a batch or none. Only the asked region is read: the registry indexes machines by
// region, so a 100k-machine fleet costs the size of one region, not of the fleet.

import type { FreeIndex } from '../../shared/free-index';
import { explain, type PlacementMachine, type PlacementPlan, type Slot, type Strategy } from '../../shared/placement';
import type { Rng } from '../../shared/random';
import { NOT_NOW } from './actor';
import { lostRoom } from './lost-race';
import type { Allocation, Capacity } from './machined';
import type { MachineEntry, Registry } from './registry';

/** Choices for one VM, each refused only because a concurrent launch took that room first. */
const PICK_ATTEMPTS = 16;

/** Free memory below this counts as full, as the store words it (VMs are whole GB). */
const MIN_FREE_MEMORY_GB = 1;

/** A machine as placement sees it; a MachineD being restarted is shown and refused as such. */
export function placementView(entry: MachineEntry): PlacementMachine {
  // A machine whose actors sleep is read from its entry, without waking it.
  const d = entry.awake ? entry.machined.current : entry;
  if (!d) {
    return {
      id: entry.record.id,
      status: 'restarting',
      schedulable: false,
      cores_total: entry.capacity.cores_total,
      memory_total_gb: entry.capacity.memory_total_gb,
      cores_free: 0,
      memory_free_gb: 0,
    };
  }
  // Field by field, no spreads: a region of thousands is read per placement.
  const c = d.capacity;
  const a = d.allocation;
  return {
    id: c.id,
    status: statusOf(entry, c, a),
    schedulable: c.schedulable,
    cores_total: c.cores_total,
    memory_total_gb: c.memory_total_gb,
    cores_free: c.cores_total - a.cores_allocated,
    memory_free_gb: c.memory_total_gb - a.memory_allocated_gb,
  };
}

/**
 * The status a verdict shows: the operator's word for a machine that takes nothing new (the
 * capacity's own status when the fault path keeps one there, else the store's at start), and
 * the fill otherwise, in the store's words.
 */
function statusOf(entry: MachineEntry, c: Readonly<Capacity>, a: Readonly<Allocation>): string {
  if (!c.schedulable) {
    const own = (c as { status?: unknown }).status;
    if (typeof own === 'string') return own;
    const rec = entry.record.status;
    return rec === 'available' || rec === 'allocated' || rec === 'full' ? 'unschedulable' : rec;
  }
  if (a.vm_count === 0 && a.cores_allocated === 0 && a.memory_allocated_gb === 0) return 'available';
  if (c.cores_total - a.cores_allocated <= 0 || c.memory_total_gb - a.memory_allocated_gb < MIN_FREE_MEMORY_GB)
    return 'full';
  return 'allocated';
}

/** Every machine of the region as MachineD sees it now. */
export function regionViews(registry: Registry, region: string): PlacementMachine[] {
  return registry.inRegion(region).map(placementView);
}

export interface PlanRequest {
  region: string;
  memory_gb: number;
  cores: number;
  count: number;
}

/** The strategy's plan for one region, every machine with its verdict. */
export function planRegion(registry: Registry, req: PlanRequest, strategy: Strategy, rng: Rng): PlacementPlan {
  const plan = explain(regionViews(registry, req.region), req, strategy, rng);
  return { region: req.region, ...plan };
}

/**
 * Reserves one VM per placement, in order. All or nothing: when a MachineD refuses (another
 * launch took the room since the plan was made) or crashes, what was reserved is released and
 * the answer is null; otherwise the entries that now hold the batch, in placement order.
 */
export async function reserveAll(
  registry: Registry,
  placements: readonly string[],
  memory_gb: number,
  cores: number,
  onCrash: (machine: string, err: unknown) => void,
): Promise<MachineEntry[] | null> {
  const held: MachineEntry[] = [];
  for (const id of placements) {
    const entry = registry.get(id);
    const ok =
      entry !== undefined &&
      (await entry.reserve(memory_gb, cores).catch((err) => {
        onCrash(id, err);
        return false;
      }));
    if (!ok || !entry) {
      for (const e of held) e.release(memory_gb, cores);
      return null;
    }
    held.push(entry);
  }
  return held;
}

/** Fisher–Yates, in place, with placement's (seedable) randomness. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * Placement of one VM, decided and reserved: a machine from the region's free-capacity index
 * (which follows MachineDs exactly) — for `random` drawn uniformly among those that fit, for
 * `binpack` the one with the least free room, for `spread` the most (ties drawn uniformly) —
 * then reserved by its MachineD, which alone decides. Neither step scans the region: a choice
 * costs a few looks, and a request that fits nowhere is answered from the index with the
 * largest free slots. Machines whose owner's etcd lease is lapsing (a shared fleet) are held
 * back in an index of their own, drawn from only when no other machine fits: a VM placed there
 * would wait for the survivors to take the machine over before its create stage runs.
 */
export function placeFromIndex(
  registry: Registry,
  region: string,
  memory_gb: number,
  cores: number,
  strategy: Strategy,
  rng: Rng,
  reserve: Reserve,
): Placed | Promise<Placed> {
  // Decided and reserved in this turn when the chosen MachineD is idle (nearly always): a
  // placement then costs a draw and a reservation, no promise.
  const free = indexWithRoom(registry, region, memory_gb, cores);
  const entry = choose(free, memory_gb, cores, strategy, rng);
  if (!entry) return { slots: slotsIn(registry, region) };
  let now: boolean | typeof NOT_NOW = NOT_NOW;
  try {
    now = entry.reserveNow(memory_gb, cores);
  } catch {
    now = false; // a MachineD that crashed on it refused; the supervisor restarts it
  }
  if (now === true) return { entry };
  return placeLater(registry, region, memory_gb, cores, strategy, rng, reserve);
}

/** The region's main index, or the held-back one when only that has room for this VM. */
function indexWithRoom(registry: Registry, region: string, memory_gb: number, cores: number): FreeIndex<MachineEntry> {
  const free = registry.freeIn(region);
  const held = registry.heldBackIn(region);
  if (held.size === 0 || free.fits(memory_gb, cores)) return free;
  return held.fits(memory_gb, cores) ? held : free;
}

/** The region's largest free slots (FreeIndex.slots), held-back machines' included. */
function slotsIn(registry: Registry, region: string): Slot[] {
  const main = registry.freeIn(region).slots();
  const held = registry.heldBackIn(region);
  if (held.size === 0) return main;
  const all = [...main, ...held.slots()].sort((a, b) => b.cores - a.cores || b.memory_gb - a.memory_gb);
  const out: Slot[] = [];
  for (const s of all) if (out.length < 5 && s.memory_gb > (out[out.length - 1]?.memory_gb ?? -1)) out.push(s);
  return out;
}

export type Placed = { entry: MachineEntry } | { slots: Slot[] };

/** How placement reserves when a MachineD cannot answer at once (its mailbox is busy). */
export type Reserve = (entry: MachineEntry, memory_gb: number, cores: number) => Promise<boolean>;

/** The strategy's machine among those the index says fit, or undefined when none does. */
function choose(
  free: FreeIndex<MachineEntry>,
  memory_gb: number,
  cores: number,
  strategy: Strategy,
  rng: Rng,
): MachineEntry | undefined {
  if (strategy === 'random') return free.pick(memory_gb, cores, rng);
  return free.ranked(memory_gb, cores, strategy === 'binpack', rng);
}

async function placeLater(
  registry: Registry,
  region: string,
  memory_gb: number,
  cores: number,
  strategy: Strategy,
  rng: Rng,
  reserve: Reserve,
): Promise<Placed> {
  for (let attempt = 1; attempt <= PICK_ATTEMPTS; attempt++) {
    const free = indexWithRoom(registry, region, memory_gb, cores);
    const entry = choose(free, memory_gb, cores, strategy, rng);
    if (!entry) return { slots: slotsIn(registry, region) };
    if (await reserve(entry, memory_gb, cores)) return { entry };
  }
  throw lostRoom(region, PICK_ATTEMPTS);
}
