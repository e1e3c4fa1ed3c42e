// "Why here?" for a VM: what placement knew when it chose the VM's machine, kept with the VM's
// history from its launch. Recomputing it later would answer another question (where a VM of
// this size would go now, with this VM already there), and for `random` it could not be
// recomputed at all, so the launch's own facts are kept, bounded (the verdicts of a plan are
// cut to the first few).

import type { PlacementMachine, PlacementPlan, Slot, Strategy, Verdict } from './placement';

/**
 * How the machine was found: a random draw from the orchestrator's free-capacity index (random,
 * by default), the store's shuffled candidates (random when the launch names num_candidates, as
 * the seed's did), the strategy's first machine in one pass, or a full plan (a batch or `--explain`).
 */
export type PlacementPath = 'index' | 'candidates' | 'ranked' | 'plan';

export interface PlacementNote {
  strategy: Strategy;
  path: PlacementPath;
  memory_gb: number;
  cores: number;
  count: number;
  machine_id: string;
  /** The chosen machine just before this VM's room was reserved there. */
  machine_before: { cores_free: number; memory_free_gb: number; cores_total: number; memory_total_gb: number } | null;
  /** Regions tried first that had no room (with their largest slots), in the order tried. */
  refused_regions: { region: string; largest_slots: Slot[] }[];
  /** A plan's first verdicts (rank order), when a plan was made; at most NOTE_VERDICTS. */
  verdicts?: Verdict[];
  /** How many machines the plan looked at and how many could take the VM. */
  machines_seen?: number;
  machines_fitting?: number;
}

export const NOTE_VERDICTS = 8;

/** The note for a VM placed on `after` (the machine as seen once the VM's room was reserved). */
export function placementNote(
  base: { strategy: Strategy; path: PlacementPath; memory_gb: number; cores: number; count: number },
  after: PlacementMachine | null,
  machineId: string,
  refused: readonly { region: string; slots: Slot[] }[],
  plan?: PlacementPlan,
): PlacementNote {
  const note: PlacementNote = {
    ...base,
    machine_id: machineId,
    machine_before: after
      ? {
          cores_free: after.cores_free + base.cores,
          memory_free_gb: after.memory_free_gb + base.memory_gb,
          cores_total: after.cores_total,
          memory_total_gb: after.memory_total_gb,
        }
      : null,
    refused_regions: refused.map((r) => ({ region: r.region, largest_slots: r.slots.slice(0, 3) })),
  };
  if (plan) {
    const chosen = plan.verdicts.find((v) => v.machine_id === machineId);
    const top = plan.verdicts.slice(0, NOTE_VERDICTS);
    if (chosen && !top.includes(chosen)) top.push(chosen);
    note.verdicts = top;
    note.machines_seen = plan.verdicts.length;
    note.machines_fitting = plan.verdicts.filter((v) => v.reasons.length === 0).length;
    // The plan's view is from before any VM of the batch was reserved: it is the "before".
    if (chosen) {
      note.machine_before = {
        cores_free: chosen.cores_free,
        memory_free_gb: chosen.memory_free_gb,
        cores_total: note.machine_before?.cores_total ?? 0,
        memory_total_gb: note.machine_before?.memory_total_gb ?? 0,
      };
    }
  }
  return note;
}
