// A scenario's files checked as a whole before anything is used: every row of every file, then
// what the files say together (machines in declared regions, VMs on declared machines, each
// machine's allocation equal to what its VMs hold). An import either takes all of it or nothing,
// and says each problem as `FILE:LINE: what is wrong (what is allowed)`.

import { ApiError } from '../../shared/errors';
import { parseRegionStatus, REGION_STATUSES } from '../../shared/faults';
import {
  holdsResources,
  isLifecycleState,
  LIFECYCLE_STATES,
  PERSISTENT_STATES,
  TERMINAL_STATE,
  TRANSIENT_STATES,
} from '../../shared/lifecycle';
import {
  OPTIONAL_COLUMNS,
  SCENARIO_COLUMNS,
  SCENARIO_FILES,
  type ScenarioFiles,
  type ScenarioSettings,
} from '../../shared/scenario';
import type { Vm } from '../../shared/types';
import { VM_ID_PATTERN, VM_ID_RULE } from '../../shared/validation';
import { CSV_LIMITS } from './csv';
import { type CsvRow, clipLine, formatProblems, type Problem, readCsvRows, readWhole } from './csv-rows';
import { type FleetData, isOperatorStatus, type MachineSpec, type OperatorStatus, type RegionSpec } from './fleet-data';
import { parseManifest } from './scenario-manifest';

export interface ScenarioData {
  /** Regions with their statuses, machines with the operator's status: the fleet's shape. */
  fleet: FleetData;
  vms: Vm[];
  settings: Partial<ScenarioSettings>;
  description?: string;
}

const REGION_CODE = /^[A-Za-z0-9]{2,8}$/;
const MACHINE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const REASON = /^[a-z0-9_]{1,64}$/;
/** Statuses a machines.csv may say: the operator's, and the fill words an export writes. */
const MACHINE_STATUS_WORDS = ['available', 'allocated', 'full', 'maintenance', 'draining', 'offline'];
const HOLDING = [...PERSISTENT_STATES, ...TRANSIENT_STATES].filter(holdsResources).join(', ');

type CsvFile = keyof typeof SCENARIO_COLUMNS;
interface Row {
  line: number;
  get(column: string): string;
  has(column: string): boolean;
}

/**
 * The scenario in `files`, or an ApiError (bad_request) whose message is its problems, one per
 * line, and whose details.problems lists them. `now` stamps VMs whose times are left out.
 */
export function parseScenario(files: ScenarioFiles, now: string): ScenarioData {
  const report: string[] = [];
  const problemsOf = (file: string) => {
    const list: Problem[] = [];
    return { list, flush: () => report.push(...formatProblems(file, list)) };
  };
  const unknown = Object.keys(files ?? {}).filter((n) => !(SCENARIO_FILES as readonly string[]).includes(n));
  for (const name of unknown) {
    report.push(`${name}: not a scenario file (a scenario holds ${SCENARIO_FILES.join(', ')})`);
  }
  for (const name of ['regions.csv', 'machines.csv'] as const) {
    if (typeof files?.[name] !== 'string')
      report.push(`${name}: missing (a scenario needs regions.csv and machines.csv)`);
  }
  if (report.length > 0) throw invalid(report);

  const m = problemsOf('scenario.json');
  const manifest = parseManifest(files['scenario.json'], m.list);
  m.flush();

  const r = problemsOf('regions.csv');
  const regions = readRegions(table('regions.csv', files['regions.csv'] as string, r.list), r.list);
  r.flush();

  // A row that is wrong is left out, so what refers to it is checked only when its file is
  // clean: one mistake is reported once, not again as every reference to it.
  const mp = problemsOf('machines.csv');
  const machineRows = table('machines.csv', files['machines.csv'] as string, mp.list);
  const machines = readMachines(machineRows, r.list.length === 0 ? regions : null, mp.list);
  const machinesClean = mp.list.length === 0;

  const v = problemsOf('vms.csv');
  const vmRows = files['vms.csv'] === undefined ? [] : table('vms.csv', files['vms.csv'], v.list);
  const vms = readVms(vmRows, machinesClean ? machines : null, now, v.list);
  if (machinesClean && v.list.length === 0) checkAllocations(machines, vms, mp.list);
  mp.flush();
  v.flush();

  if (report.length > 0) throw invalid(report);
  return {
    fleet: {
      regions: [...regions.values()].map(({ line: _l, ...spec }) => spec),
      machines: [...machines.values()].map(({ line: _l, given: _g, ...spec }) => spec),
    },
    vms: vms.map(({ line: _l, ...vm }) => vm),
    settings: manifest?.settings ?? {},
    ...(manifest?.description !== undefined ? { description: manifest.description } : {}),
  };
}

function invalid(report: string[]): ApiError {
  const more = report.length > 1 ? ` (and ${report.length - 1} more; nothing was changed)` : ' (nothing was changed)';
  return new ApiError('bad_request', `${report[0]}${more}`, { problems: report });
}

/** The file's rows as named columns, after checking its header; [] when it cannot be read. */
function table(file: CsvFile, text: string, problems: Problem[]): Row[] {
  const { rows, problem } = readCsvRows(text);
  if (problem) {
    problems.push(problem);
    return [];
  }
  const columns = SCENARIO_COLUMNS[file] as readonly string[];
  const header = rows.shift();
  if (!header) {
    problems.push({ line: 1, text: `the file is empty (expected a header row: ${columns.join(',')})` });
    return [];
  }
  const index = new Map<string, number>();
  header.fields.forEach((raw, i) => {
    const name = raw.trim().toLowerCase();
    if (!columns.includes(name))
      problems.push({ line: header.line, text: `unknown column "${clipLine(raw)}" (columns: ${columns.join(', ')})` });
    else if (index.has(name))
      problems.push({ line: header.line, text: `column ${name} appears twice (each column once)` });
    else index.set(name, i);
  });
  for (const c of columns) {
    if (!index.has(c) && !OPTIONAL_COLUMNS[file].includes(c))
      problems.push({ line: header.line, text: `missing column ${c} (the header needs: ${columns.join(', ')})` });
  }
  if (problems.length > 0) return [];
  const out: Row[] = [];
  for (const row of rows as CsvRow[]) {
    if (row.fields.length !== header.fields.length) {
      problems.push({
        line: row.line,
        text: `${row.fields.length} fields, expected ${header.fields.length} (one per header column; quote values that contain commas)`,
      });
      continue;
    }
    out.push({
      line: row.line,
      get: (c) => (index.has(c) ? row.fields[index.get(c) as number].trim() : ''),
      has: (c) => index.has(c),
    });
  }
  return out;
}

type RegionRow = RegionSpec & { line: number };

function readRegions(rows: Row[], problems: Problem[]): Map<string, RegionRow> {
  const regions = new Map<string, RegionRow>();
  for (const row of rows) {
    const say = (text: string) => problems.push({ line: row.line, text });
    const code = row.get('region');
    const location = row.get('location');
    if (!REGION_CODE.test(code)) {
      say(`region code "${clipLine(code)}" is not valid (2 to 8 letters or digits, e.g. SIN)`);
      continue;
    }
    let status: string | null = null;
    try {
      status = parseRegionStatus(row.get('status'));
    } catch {
      say(`region status "${clipLine(row.get('status'))}" is not valid (${REGION_STATUSES.join(', ')}; any case)`);
    }
    if (location === '') say('region location is empty (e.g. "Singapore")');
    else if (location.length > CSV_LIMITS.locationChars)
      say(`region location is too long (at most ${CSV_LIMITS.locationChars} characters)`);
    const upper = code.toUpperCase();
    const first = regions.get(upper);
    if (first) say(`duplicate region ${upper} (first on line ${first.line}; each region once)`);
    else if (status !== null && location !== '' && location.length <= CSV_LIMITS.locationChars)
      regions.set(upper, { code: upper, location, status, line: row.line });
  }
  if (rows.length > 0 && regions.size === 0 && problems.length === 0)
    problems.push({ line: 1, text: 'no regions (add one row per region)' });
  return regions;
}

type MachineRow = MachineSpec & {
  line: number;
  /** The allocation columns as written, checked against the VMs once they are read. */
  given: { cores?: number; memory_gb?: number; vm_count?: number };
};

/** `regions` is null when regions.csv has problems: then no region reference is checked. */
function readMachines(
  rows: Row[],
  regions: Map<string, RegionRow> | null,
  problems: Problem[],
): Map<string, MachineRow> {
  const machines = new Map<string, MachineRow>();
  const codes = [...(regions?.keys() ?? [])];
  const declared = codes.length > 12 ? `${codes.slice(0, 12).join(', ')}, …` : codes.join(', ');
  for (const row of rows) {
    const before = problems.length;
    const say = (text: string) => problems.push({ line: row.line, text });
    const id = row.get('machine');
    const code = row.get('region').toUpperCase();
    if (!MACHINE_ID.test(id))
      say(`machine id "${clipLine(id)}" is not valid (1 to 64 letters, digits, '.', '_' or '-')`);
    if (regions && !regions.has(code))
      say(`unknown region code "${clipLine(row.get('region'))}" (regions.csv declares: ${declared})`);
    const datacenter = row.get('datacenter');
    if (datacenter.length > CSV_LIMITS.datacenterChars)
      say(`datacenter is too long (at most ${CSV_LIMITS.datacenterChars} characters)`);
    const word = row.get('status').toLowerCase();
    if (word !== '' && !MACHINE_STATUS_WORDS.includes(word))
      say(
        `machine status "${clipLine(row.get('status'))}" is not valid (${MACHINE_STATUS_WORDS.join(', ')}; empty means available)`,
      );
    const cores = readWhole(row.get('cores'), 'cores', CSV_LIMITS.cores, say);
    const memory = readWhole(row.get('memory_gb'), 'memory_gb', CSV_LIMITS.memoryGb, say);
    const given: MachineRow['given'] = {};
    const optional = (column: string, max: number) => {
      if (!row.has(column) || row.get(column) === '') return undefined;
      return readWhole(row.get(column), column, { min: 0, max }, say) ?? undefined;
    };
    given.cores = optional('cores_allocated', CSV_LIMITS.cores.max);
    given.memory_gb = optional('memory_allocated_gb', CSV_LIMITS.memoryGb.max);
    given.vm_count = optional('vm_count', Number.MAX_SAFE_INTEGER);
    const first = machines.get(id);
    if (first) say(`duplicate machine id ${id} (first on line ${first.line}; machine ids are unique)`);
    if (problems.length > before || cores === null || memory === null) continue;
    // The fill words (allocated, full) are derived from the VMs again: in service either way.
    const status: OperatorStatus = isOperatorStatus(word) ? word : 'available';
    machines.set(id, { id, region: code, datacenter, cores, memory_gb: memory, status, line: row.line, given });
  }
  return machines;
}

type VmRow = Vm & { line: number };

/** `machines` is null when machines.csv has problems: then the rows are checked on their own. */
function readVms(rows: Row[], machines: Map<string, MachineRow> | null, now: string, problems: Problem[]): VmRow[] {
  const out: VmRow[] = [];
  const seen = new Map<string, number>();
  const states = LIFECYCLE_STATES.filter((s) => s !== TERMINAL_STATE).join(', ');
  for (const row of rows) {
    const before = problems.length;
    const say = (text: string) => problems.push({ line: row.line, text });
    const id = row.get('vm');
    if (!VM_ID_PATTERN.test(id)) say(`VM id "${clipLine(id)}" is not valid (${VM_ID_RULE})`);
    const firstLine = seen.get(id);
    if (firstLine !== undefined) say(`duplicate VM id ${id} (first on line ${firstLine}; VM ids are unique)`);
    else seen.set(id, row.line);
    const machine = machines?.get(row.get('machine'));
    if (machines && !machine) say(`unknown machine "${clipLine(row.get('machine'))}" (a machine id from machines.csv)`);
    const region = row.get('region').toUpperCase();
    if (machine && region !== '' && region !== machine.region)
      say(`region ${clipLine(region)} does not match machine ${machine.id}, which is in ${machine.region}`);
    const cores = readWhole(row.get('cores'), 'cores', CSV_LIMITS.cores, say);
    const memory = readWhole(row.get('memory_gb'), 'memory_gb', CSV_LIMITS.memoryGb, say);
    const state = row.get('state').toLowerCase();
    if (!isLifecycleState(state) || state === TERMINAL_STATE)
      say(`state "${clipLine(row.get('state'))}" is not valid (${states})`);
    else if (machine?.status === 'offline' && holdsResources(state))
      say(
        `VM is ${state} on machine ${machine.id}, which is offline (there a VM holds nothing: stopped, suspended or failed)`,
      );
    const reason = row.get('reason');
    if (reason !== '' && !REASON.test(reason))
      say(`reason "${clipLine(reason)}" is not valid (1 to 64 of a-z, 0-9, _)`);
    const time = (column: string) => {
      const raw = row.get(column);
      if (raw === '') return undefined;
      if (Number.isNaN(Date.parse(raw)))
        say(`${column} "${clipLine(raw)}" is not a time (RFC 3339, e.g. 2026-01-31T12:00:00Z)`);
      return raw;
    };
    const created = time('created_at') ?? now;
    const updated = time('updated_at') ?? created;
    if (problems.length > before || !machine || cores === null || memory === null || !isLifecycleState(state)) continue;
    const vm: VmRow = {
      id,
      region: machine.region,
      machine_id: machine.id,
      memory_gb: memory,
      cores,
      state,
      created_at: new Date(created).toISOString(),
      updated_at: new Date(updated).toISOString(),
      line: row.line,
    };
    if (reason !== '') vm.reason = reason;
    out.push(vm);
  }
  return out;
}

/** Each machine's VMs must fit it, and an allocation written down must be what they hold. */
function checkAllocations(machines: Map<string, MachineRow>, vms: VmRow[], problems: Problem[]): void {
  const sums = new Map<string, { cores: number; memory_gb: number; count: number; lines: number[] }>();
  for (const vm of vms) {
    if (!holdsResources(vm.state)) continue;
    const s = sums.get(vm.machine_id) ?? { cores: 0, memory_gb: 0, count: 0, lines: [] };
    s.cores += vm.cores;
    s.memory_gb += vm.memory_gb;
    s.count += 1;
    s.lines.push(vm.line);
    sums.set(vm.machine_id, s);
  }
  for (const m of machines.values()) {
    const s = sums.get(m.id) ?? { cores: 0, memory_gb: 0, count: 0, lines: [] };
    const say = (text: string) => problems.push({ line: m.line, text });
    if (s.cores > m.cores || s.memory_gb > m.memory_gb) {
      const lines = s.lines.length > 8 ? `${s.lines.slice(0, 8).join(', ')}, …` : s.lines.join(', ');
      say(
        `machine ${m.id} is over-allocated: its VMs that hold resources (${HOLDING}) need ${s.cores} cores and ${s.memory_gb} GB, it has ${m.cores} cores and ${m.memory_gb} GB (vms.csv lines ${lines})`,
      );
    }
    const mismatch = (column: string, given: number | undefined, sum: number) => {
      if (given !== undefined && given !== sum)
        say(
          `${column} ${given} is not what its VMs hold: ${sum} (the allocation is the sum over its VMs in ${HOLDING}; leave the column empty to derive it)`,
        );
    };
    mismatch('cores_allocated', m.given.cores, s.cores);
    mismatch('memory_allocated_gb', m.given.memory_gb, s.memory_gb);
    mismatch('vm_count', m.given.vm_count, s.count);
  }
}
