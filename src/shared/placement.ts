// Placement: which machines may take new VMs (the one rule the store's candidate index and the
// orchestrator's MachineDs share), the strategies that order them, and the explanation of a
// decision. Given a region's machines as the orchestrator sees them (MachineD's free resources,
// not the store's lagging copy), decide the order in which to try them and say, for every
// machine, why it was kept or refused. Pure: the orchestrator runs it for real launches, the
// dry-run route runs it for `flylight place`, and the dashboard renders the same explanation.

import type { Rng } from './random';
import type { MachineStatus } from './types';

/**
 * Statuses that take new VMs: the machine is in service, whatever its current fill ('full'
 * frees up when a VM is destroyed). The rest ('maintenance', 'offline', …) are an operator's word.
 */
export function takesNewVms(status: MachineStatus): boolean {
  return status === 'available' || status === 'allocated' || status === 'full';
}

/** A machine's size and what it has handed out, as both the store and MachineD keep them. */
export interface Fill {
  readonly cores_total: number;
  readonly memory_total_gb: number;
  readonly cores_allocated: number;
  readonly memory_allocated_gb: number;
}

/** Whether memory_gb and cores are free on the machine now. */
export function hasRoomFor(m: Fill, memory_gb: number, cores: number): boolean {
  return m.memory_total_gb - m.memory_allocated_gb >= memory_gb && m.cores_total - m.cores_allocated >= cores;
}

export const STRATEGIES = ['random', 'binpack', 'spread'] as const;
export type Strategy = (typeof STRATEGIES)[number];
export const DEFAULT_STRATEGY: Strategy = 'random';

export function isStrategy(value: unknown): value is Strategy {
  return typeof value === 'string' && (STRATEGIES as readonly string[]).includes(value);
}

/** What placement needs to know of one machine. */
export interface PlacementMachine {
  id: string;
  status: string;
  /** Whether the machine may take new VMs at all (decided once, elsewhere, from its status). */
  schedulable: boolean;
  cores_total: number;
  memory_total_gb: number;
  cores_free: number;
  memory_free_gb: number;
}

export interface PlacementRequest {
  memory_gb: number;
  cores: number;
  /** VMs in the batch: all of them are placed, or none (as `fly machine run --count`). */
  count?: number;
}

export type RefusalReason =
  | { code: 'not_schedulable'; status: string }
  | { code: 'cores_short'; short_by: number }
  | { code: 'memory_short'; short_by_gb: number };

export interface Verdict {
  machine_id: string;
  status: string;
  cores_free: number;
  memory_free_gb: number;
  /** Why the machine cannot take the first VM of the request; empty when it can. */
  reasons: RefusalReason[];
  /** Position in the order the machines are tried (1 = first); null when refused. */
  rank: number | null;
  /** How many VMs of the batch this machine would take. */
  chosen: number;
}

export interface PlacementPlan {
  /** The region the plan is for (the orchestrator fills it in; explain() works on any machines). */
  region?: string;
  strategy: Strategy;
  memory_gb: number;
  cores: number;
  count: number;
  /** Machine id for each VM of the batch, in order; empty when the batch does not fit. */
  placements: string[];
  verdicts: Verdict[];
  /** The largest free slots that really exist: the Pareto frontier of free cores × memory. */
  largest_slots: Slot[];
}

export interface Slot {
  machine_id: string;
  cores: number;
  memory_gb: number;
}

/** Reasons a machine cannot take one VM of this size; empty when it can. */
export function refusals(m: PlacementMachine, memory_gb: number, cores: number): RefusalReason[] {
  const out: RefusalReason[] = [];
  if (!m.schedulable) out.push({ code: 'not_schedulable', status: m.status });
  if (m.cores_free < cores) out.push({ code: 'cores_short', short_by: cores - m.cores_free });
  if (m.memory_free_gb < memory_gb) out.push({ code: 'memory_short', short_by_gb: memory_gb - m.memory_free_gb });
  return out;
}

export function fits(m: PlacementMachine, memory_gb: number, cores: number): boolean {
  return m.schedulable && m.cores_free >= cores && m.memory_free_gb >= memory_gb;
}

/**
 * The machines that fit one VM, in the order to try them. random: a Fisher–Yates shuffle (the
 * seed's spread-at-random); binpack: least free room first (fewest free cores, then least free
 * memory); spread: most free room first. Machines tied on both are in the rng's order, as the
 * orchestrator's free-capacity index draws among them, so a fixed seed gives a fixed order.
 */
export function order(machines: readonly PlacementMachine[], req: PlacementRequest, strategy: Strategy, rng: Rng) {
  const fitting = machines.filter((m) => fits(m, req.memory_gb, req.cores));
  for (let i = fitting.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [fitting[i], fitting[j]] = [fitting[j], fitting[i]];
  }
  if (strategy === 'random') return fitting;
  const sign = strategy === 'binpack' ? 1 : -1;
  // A stable sort: ties keep the shuffled order.
  return fitting.sort((a, b) => sign * (a.cores_free - b.cores_free || a.memory_free_gb - b.memory_free_gb));
}

/**
 * Places a batch on paper: each VM goes to the first machine in the strategy's order given what
 * the VMs before it took. All or nothing: if one VM of the batch fits nowhere, placements is
 * empty. Every machine of the region gets a verdict.
 */
export function explain(
  machines: readonly PlacementMachine[],
  req: PlacementRequest,
  strategy: Strategy,
  rng: Rng,
): PlacementPlan {
  const count = req.count ?? 1;
  const firstOrder = order(machines, req, strategy, rng);
  const rankOf = new Map(firstOrder.map((m, i) => [m.id, i + 1]));
  // Copies only for a batch: later VMs see what the earlier ones took.
  const working = new Map(count > 1 ? machines.map((m) => [m.id, copyOf(m)]) : []);
  const placements: string[] = [];
  for (let i = 0; i < count; i++) {
    const candidates = i === 0 ? firstOrder : order([...working.values()], req, strategy, rng);
    const pick = candidates[0];
    if (!pick) {
      placements.length = 0;
      break;
    }
    const w = working.get(pick.id);
    if (w) {
      w.cores_free -= req.cores;
      w.memory_free_gb -= req.memory_gb;
    }
    placements.push(pick.id);
  }
  const chosen = new Map<string, number>();
  for (const id of placements) chosen.set(id, (chosen.get(id) ?? 0) + 1);
  const verdicts = machines.map((m): Verdict => {
    const reasons = refusals(m, req.memory_gb, req.cores);
    return {
      machine_id: m.id,
      status: m.status,
      cores_free: m.cores_free,
      memory_free_gb: m.memory_free_gb,
      reasons,
      rank: rankOf.get(m.id) ?? null,
      chosen: chosen.get(m.id) ?? 0,
    };
  });
  verdicts.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || (a.machine_id < b.machine_id ? -1 : 1));
  return {
    strategy,
    memory_gb: req.memory_gb,
    cores: req.cores,
    count,
    placements,
    verdicts,
    largest_slots: largestSlots(machines),
  };
}

/**
 * The free slots that really exist: schedulable machines none of which is beaten on both free
 * cores and free memory by another (the Pareto frontier), most cores first. Reporting the largest
 * cores and the largest memory separately would name a slot no machine has.
 */
export function largestSlots(machines: readonly PlacementMachine[], max = 5): Slot[] {
  const open = machines.filter((m) => m.schedulable && (m.cores_free > 0 || m.memory_free_gb > 0));
  open.sort((a, b) => b.cores_free - a.cores_free || b.memory_free_gb - a.memory_free_gb);
  const frontier: Slot[] = [];
  let bestMemory = -1;
  for (const m of open) {
    if (m.memory_free_gb > bestMemory) {
      frontier.push({ machine_id: m.id, cores: m.cores_free, memory_gb: m.memory_free_gb });
      bestMemory = m.memory_free_gb;
    }
  }
  return frontier.slice(0, max);
}

/** "1 core", "2 cores": the words capacity messages use. */
export function cores(n: number): string {
  return `${n} ${n === 1 ? 'core' : 'cores'}`;
}

/** The sentence a `no_capacity` answer gives: what was asked, and the slots that do exist. */
export function noCapacityMessage(region: string, memory_gb: number, cpu: number, slots: readonly Slot[]): string {
  const asked = `no machine in ${region} has ${memory_gb} GB and ${cores(cpu)} free`;
  if (slots.length === 0) return `${asked}; no machine there can take a VM now`;
  const listed = slots.map((s) => `${s.memory_gb} GB with ${cores(s.cores)} (${s.machine_id})`).join(', ');
  return `${asked}; the largest free ${slots.length === 1 ? 'slot is' : 'slots are'} ${listed}`;
}

/** A refusal in words, as the CLI's table and the dashboard show it: "cores short by 2". */
export function refusalText(r: RefusalReason): string {
  switch (r.code) {
    case 'not_schedulable':
      return `not schedulable (${r.status})`;
    case 'cores_short':
      return `cores short by ${r.short_by}`;
    case 'memory_short':
      return `memory short by ${r.short_by_gb} GB`;
  }
}

/** What a verdict says in one phrase: its refusals, or how many VMs of the batch it takes. */
export function verdictText(v: Verdict): string {
  if (v.reasons.length > 0) return v.reasons.map(refusalText).join(', ');
  if (v.chosen > 0) return v.chosen === 1 ? 'chosen' : `chosen for ${v.chosen} VMs`;
  return 'fits';
}

/** VMs one request may launch together (`--count`); all are placed or none. */
export const MAX_BATCH = 100;

/**
 * A region list as fly's `--region sin,nrt` gives it: codes in the order to try them, upper
 * case, duplicates dropped. Empty entries are refused by the caller (the list is [] for "").
 */
export function parseRegionList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',')) {
    const code = part.trim().toUpperCase();
    if (code !== '' && !out.includes(code)) out.push(code);
  }
  return out;
}

/** Fragmentation summed over regions (each machine counts once, so the sums are exact). */
export function addFragmentation(a: Fragmentation, b: Fragmentation): Fragmentation {
  return {
    reference_vms_free: a.reference_vms_free + b.reference_vms_free,
    free_cores: a.free_cores + b.free_cores,
    free_memory_gb: a.free_memory_gb + b.free_memory_gb,
    stranded_cores: a.stranded_cores + b.stranded_cores,
    stranded_memory_gb: a.stranded_memory_gb + b.stranded_memory_gb,
  };
}

export const NO_FRAGMENTATION: Readonly<Fragmentation> = {
  reference_vms_free: 0,
  free_cores: 0,
  free_memory_gb: 0,
  stranded_cores: 0,
  stranded_memory_gb: 0,
};

/** A VM size that capacity and fragmentation are measured in. */
export interface ReferenceVm {
  cores: number;
  memory_gb: number;
}

/** 2 cores and 4 GB: a typical small production VM (fly.io's performance-2x has 2 CPUs, 4 GB). */
export const REFERENCE_VM: ReferenceVm = { cores: 2, memory_gb: 4 };

export interface Fragmentation {
  /** How many reference VMs still fit, machine by machine. */
  reference_vms_free: number;
  free_cores: number;
  free_memory_gb: number;
  /** Free resources no reference VM can use: what is left on each machine once they are packed. */
  stranded_cores: number;
  stranded_memory_gb: number;
}

/** Free and stranded capacity over schedulable machines, so strategies compare on one load. */
export function fragmentation(machines: Iterable<PlacementMachine>, ref: ReferenceVm = REFERENCE_VM): Fragmentation {
  const out: Fragmentation = {
    reference_vms_free: 0,
    free_cores: 0,
    free_memory_gb: 0,
    stranded_cores: 0,
    stranded_memory_gb: 0,
  };
  for (const m of machines) {
    if (!m.schedulable) continue;
    out.free_cores += m.cores_free;
    out.free_memory_gb += m.memory_free_gb;
    const n = Math.min(Math.floor(m.cores_free / ref.cores), Math.floor(m.memory_free_gb / ref.memory_gb));
    out.reference_vms_free += n;
    out.stranded_cores += m.cores_free - n * ref.cores;
    out.stranded_memory_gb += m.memory_free_gb - n * ref.memory_gb;
  }
  return out;
}

function copyOf(m: PlacementMachine): PlacementMachine {
  return {
    id: m.id,
    status: m.status,
    schedulable: m.schedulable,
    cores_total: m.cores_total,
    memory_total_gb: m.memory_total_gb,
    cores_free: m.cores_free,
    memory_free_gb: m.memory_free_gb,
  };
}
