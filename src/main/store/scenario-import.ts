// An import, prepared off to the side: the new fleet's machine table with every allocation the
// sum of what its VMs hold, and the backend contents that replace everything in one
// transaction. Nothing here touches the live fleet; the Fleet swaps it in only once the
// backend has committed, so a failure at any step leaves the fleet as it was.

import { holdsResources, isTransient } from '../../shared/lifecycle';
import type { ScenarioSettings } from '../../shared/scenario';
import type { BackendContents, StoredFleet } from './backend';
import { storedState } from './machine-record';
import { MachineTable } from './machine-table';
import type { ScenarioData } from './scenario-parse';

export interface PreparedImport {
  table: MachineTable;
  fleet: StoredFleet;
  contents: BackendContents;
  /** VMs imported mid-transition (recovered by the orchestrator as after a restart). */
  transient: number;
}

/**
 * `versions` are the live machines' applied FlyD versions: a machine that keeps its id keeps
 * its version, so an update the old orchestrator sends after the swap can never pass as new.
 */
export function prepareImport(data: ScenarioData, versions: Map<string, number>, at: string): PreparedImport {
  const table = new MachineTable(data.fleet, at);
  const sums = new Map<string, { cores: number; memory_gb: number; count: number }>();
  let transient = 0;
  for (const vm of data.vms) {
    if (isTransient(vm.state)) transient++;
    if (!holdsResources(vm.state)) continue;
    const s = sums.get(vm.machine_id) ?? { cores: 0, memory_gb: 0, count: 0 };
    s.cores += vm.cores;
    s.memory_gb += vm.memory_gb;
    s.count += 1;
    sums.set(vm.machine_id, s);
  }
  for (const m of table.machines) {
    m.version = versions.get(m.id) ?? 0;
    const s = sums.get(m.id);
    if (s) table.setAllocation(m, s.cores, s.memory_gb, s.count, at);
  }
  const fleet: StoredFleet = { data: data.fleet, settings: data.settings };
  if (data.description !== undefined) fleet.description = data.description;
  return {
    table,
    fleet,
    transient,
    contents: {
      fleet,
      machines: table.machines.map((m) => [m.id, storedState(m)]),
      vms: data.vms,
      // The statuses are part of the fleet's shape (its regions' specs) and stored too, as an
      // operator's word, so `region status` and an import agree on where a status lives.
      regions: table.regions.map((r) => [r.spec.code, r.status]),
    },
  };
}

/** The settings in force: the imported fleet's where it names them, else the host's. */
export function effectiveSettings(host: ScenarioSettings, imported: StoredFleet | null): ScenarioSettings {
  const s = imported?.settings ?? {};
  return {
    strategy: s.strategy ?? host.strategy,
    timing: s.timing ?? host.timing,
    seed: s.seed !== undefined ? s.seed : host.seed,
  };
}
