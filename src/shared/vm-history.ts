// A VM's recent past as `GET /v1/vms/{id}/history` answers it: its transitions (bounded, oldest
// first) and the placement note of its launch. The store keeps it (main/store/vm-views.ts).

import type { Transition } from './lifecycle';
import type { PlacementNote } from './placement-note';
import type { Vm } from './types';

export type HistoryEntry = Omit<Transition, 'vm_id' | 'placement'>;

export interface VmHistory {
  vm_id: string;
  /** The VM now, or null once destroyed. */
  vm: Vm | null;
  /** Oldest first. */
  transitions: HistoryEntry[];
  /** How many older transitions were dropped to keep the history bounded. */
  dropped: number;
  placement: PlacementNote | null;
}
