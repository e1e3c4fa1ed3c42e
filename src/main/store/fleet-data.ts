// The fleet as the bootstrap file describes it: regions and their machines, each machine with
// the status its operator gave it. The CSV parser produces it; the store's model is built on it.

export const MACHINE_STATUSES = ['available', 'maintenance', 'draining', 'offline'] as const;
/**
 * What an operator can set (in the CSV, or at runtime with `flylight machine drain|offline|online`);
 * 'allocated' and 'full' are derived, never written. maintenance behaves as draining.
 */
export type OperatorStatus = (typeof MACHINE_STATUSES)[number];

export function isOperatorStatus(s: unknown): s is OperatorStatus {
  return (MACHINE_STATUSES as readonly unknown[]).includes(s);
}

export interface RegionSpec {
  code: string;
  location: string;
  status: string;
}

export interface MachineSpec {
  id: string;
  region: string;
  datacenter: string;
  cores: number;
  memory_gb: number;
  status: OperatorStatus;
}

/** The parsed file: regions ordered by code, machines by id. */
export interface FleetData {
  regions: RegionSpec[];
  machines: MachineSpec[];
}
