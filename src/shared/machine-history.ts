// A machine's allocation and status over time, as the host keeps it (GET
// /v1/machines/{id}/history): the machine drawer's chart and status history start from it.

export interface MachineHistoryPoint {
  /** ms since the epoch: when the store wrote the change. */
  t: number;
  cores_allocated: number;
  memory_allocated_gb: number;
  vm_count: number;
  status: string;
}

export interface MachineHistory {
  machine_id: string;
  /**
   * ms since the epoch: every change of the machine after this is among `points`. With no
   * points, the machine has not changed since then.
   */
  since: number;
  window_ms: number;
  /** Oldest first; the first may be older than the window: the figure when the window opens. */
  points: MachineHistoryPoint[];
  /** Points forgotten (older than the window, or past the bounds). */
  dropped: number;
}
