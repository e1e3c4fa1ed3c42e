// The fleet as a scenario's files: what `GET /v1/scenario` answers and `flylight scenario
// export DIR` writes. Written with papaparse (quoting what needs it), read back by
// scenario-parse.ts into the same fleet.

import {
  SCENARIO_COLUMNS,
  SCENARIO_FORMAT,
  SCENARIO_VERSION,
  type ScenarioExport,
  type ScenarioManifest,
  type ScenarioSettings,
} from '../../shared/scenario';
import { loadPapa } from './csv-rows';
import { deriveStatus } from './machine-record';
import type { MachineTable } from './machine-table';
import type { VmLedger } from './vm-ledger';
import { byCreated } from './vm-record';

/**
 * A machine's allocation is written as what its VMs hold (the ledger's sums), not as its last
 * FlyD report, which may lag by an interval: so an export always imports.
 */
export function exportScenario(
  table: MachineTable,
  ledger: Pick<VmLedger, 'all' | 'sum'>,
  settings: ScenarioSettings,
  at: string,
  description?: string,
): ScenarioExport {
  const manifest: ScenarioManifest = {
    format: SCENARIO_FORMAT,
    version: SCENARIO_VERSION,
    ...(description ? { description } : {}),
    exported_at: at,
    settings,
  };
  const regions = table.regions.map((r) => [r.spec.code, r.spec.location, r.status]);
  const machines = table.machines.map((m) => {
    const sum = ledger.sum(m.id);
    const status = deriveStatus({
      ...m,
      cores_allocated: sum.cores,
      memory_allocated_gb: sum.memory_gb,
      vm_count: sum.count,
    });
    return [
      m.id,
      m.region,
      m.datacenter,
      m.cores_total,
      m.memory_total_gb,
      status,
      sum.cores,
      sum.memory_gb,
      sum.count,
    ];
  });
  const rows = ledger
    .all()
    .sort(byCreated)
    .map((v) => [
      v.id,
      v.region,
      v.machine_id,
      v.cores,
      v.memory_gb,
      v.state,
      v.reason ?? '',
      v.created_at,
      v.updated_at ?? v.created_at,
    ]);
  return {
    files: {
      'scenario.json': `${JSON.stringify(manifest, null, 2)}\n`,
      'regions.csv': csv(SCENARIO_COLUMNS['regions.csv'], regions),
      'machines.csv': csv(SCENARIO_COLUMNS['machines.csv'], machines),
      'vms.csv': csv(SCENARIO_COLUMNS['vms.csv'], rows),
    },
  };
}

function csv(columns: readonly string[], rows: (string | number)[][]): string {
  return `${loadPapa().unparse({ fields: [...columns], data: rows }, { newline: '\n' })}\n`;
}
