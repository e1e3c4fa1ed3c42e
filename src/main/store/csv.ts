// The bootstrap CSV: regions and their machines in one file, one row each, told apart by the
// `kind` column. Everything is parsed and checked before anything is used, so the app either
// starts with the whole fleet or refuses with `FILE:LINE: what is wrong (what is allowed)`.

import { readFile } from 'node:fs/promises';
import { PlainMachineRows } from './csv-fast';
import {
  CSV_COLUMNS,
  CSV_LIMITS,
  type CsvRow,
  clipLine,
  eachCsvRow,
  formatProblems,
  type Problem,
  readWhole,
} from './csv-rows';
import { type FleetData, MACHINE_STATUSES, type MachineSpec, type OperatorStatus, type RegionSpec } from './fleet-data';

export { CSV_COLUMNS, CSV_LIMITS };

type Column = (typeof CSV_COLUMNS)[number];

const REGION_CODE = /^[A-Za-z0-9]{2,8}$/;
const MACHINE_ID = /^[A-Za-z0-9._-]{1,64}$/;

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Reads and parses a regions file; throws an Error listing its defects. */
export async function loadRegionsFile(path: string): Promise<FleetData> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new Error(`${path}: cannot read the regions file: ${why} (give a CSV file with --regions FILE)`);
  }
  return parseRegionsCsv(text, path);
}

/**
 * Parses the CSV text. `file` only names the source in error messages. Accepts a UTF-8 BOM
 * and CRLF line ends; throws an Error whose message is one `file:line: problem` per line.
 */
export function parseRegionsCsv(text: string, file: string): FleetData {
  const problems: Problem[] = [];
  const fail = (): never => {
    throw new Error(formatProblems(file, problems).join('\n'));
  };

  const regions = new Map<string, RegionSpec & { line: number }>();
  // Machines in file order with their lines beside them (no copy per machine: 100k of them).
  const machines: MachineSpec[] = [];
  const machineLines: number[] = [];

  // Rows are checked as they are read (the stream lets each row's text die young). One `get`
  // and `say` serve every row (they read `row`); column positions are looked up once.
  let header: CsvRow | null = null;
  let at: Record<Column, number> | null = null;
  let row: CsvRow = { line: 0, fields: [] };
  const get = (c: Column) => row.fields[(at as Record<Column, number>)[c]].trim();
  const say = (text: string) => problems.push({ line: row.line, text });
  // Region codes and datacenters repeat on every machine row: one string each, not 100k copies
  // (and a region's Map lookups then find its hash already computed).
  const strings = new Map<string, string>();
  const intern = (s: string) => {
    const known = strings.get(s);
    if (known !== undefined) return known;
    strings.set(s, s);
    return s;
  };
  // Plain machine rows under a header in the usual order are read from the text directly.
  let plain: PlainMachineRows | null = null;
  const readPlain = (body: string, from: number, to: number, line: number): boolean => {
    const spec = plain?.read(body, from, to);
    if (!spec) return false;
    machines.push(spec);
    machineLines.push(line);
    return true;
  };
  const problem = eachCsvRow(
    text,
    (next) => {
      row = next;
      if (!header) {
        header = row;
        const columns = readHeader(header, problems);
        if (columns) {
          at = Object.fromEntries(CSV_COLUMNS.map((c) => [c, columns.get(c) as number])) as Record<Column, number>;
          if (PlainMachineRows.fits(header.fields)) plain = new PlainMachineRows(intern);
        }
        return;
      }
      if (!at) return; // the header is wrong: its problems are the answer
      const width = header.fields.length;
      if (row.fields.length !== width) {
        say(`${row.fields.length} fields, expected ${width} (one per header column; quote values that contain commas)`);
        return;
      }
      if (row.quoted && row.fields.some((f) => f.includes('"'))) {
        say('stray quote inside a field (quote a whole field as "..." and write a quote inside it as "")');
        return;
      }
      const kind = get('kind').toLowerCase();
      if (kind === 'region') {
        const spec = readRegion(get, say);
        if (!spec) return;
        const first = regions.get(spec.code);
        if (first) say(`duplicate region ${spec.code} (first defined on line ${first.line}; each region once)`);
        else regions.set(spec.code, { ...spec, line: row.line });
      } else if (kind === 'machine') {
        const spec = readMachine(get, say, intern);
        if (!spec) return;
        machines.push(spec);
        machineLines.push(row.line); // duplicates are found once sorted (see below)
      } else {
        say(`unknown kind "${clipLine(get('kind'))}" (allowed: region, machine)`);
      }
    },
    readPlain,
  );
  // A broken quote swallows the rest of the file: it alone is the answer.
  if (problem) {
    problems.length = 0;
    problems.push(problem);
    fail();
  }
  if (!header) {
    problems.push({ line: 1, text: `the file is empty (expected a header row: ${CSV_COLUMNS.join(',')})` });
    fail();
  }
  if (!at) fail();

  // In id order (a generated or exported file already is: no sort then), a repeated id sits
  // next to its first row: no Map of 100k ids to find duplicates.
  const ordered = machines.every((m, i) => i === 0 || machines[i - 1].id <= m.id);
  const order = machines.map((_, i) => i);
  if (!ordered) order.sort((a, b) => byId(machines[a], machines[b]) || machineLines[a] - machineLines[b]);
  const unique: MachineSpec[] = [];
  let first = -1;
  for (const i of order) {
    const m = machines[i];
    if (first >= 0 && machines[first].id === m.id) {
      problems.push({
        line: machineLines[i],
        text: `duplicate machine ${m.id} (first defined on line ${machineLines[first]}; machine ids must be unique)`,
      });
      continue;
    }
    first = i;
    unique.push(m);
    // Regions may be declared after their machines, so this check waits for the whole file.
    if (!regions.has(m.region)) {
      problems.push({
        line: machineLines[i],
        text: `machine ${m.id} is in unknown region ${m.region} (declare it with a kind=region row)`,
      });
    }
  }
  if (problems.length === 0 && regions.size === 0) {
    problems.push({ line: 1, text: 'no regions in the file (add at least one row with kind=region)' });
  }
  if (problems.length > 0) fail();

  return {
    regions: [...regions.values()]
      .map(({ line: _l, ...r }) => r)
      .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
    machines: unique,
  };
}

function readHeader(header: { line: number; fields: string[] }, problems: Problem[]): Map<Column, number> | null {
  const columns = new Map<Column, number>();
  const say = (text: string) => problems.push({ line: header.line, text });
  const allowed = CSV_COLUMNS.join(', ');
  header.fields.forEach((raw, i) => {
    const name = raw.trim().toLowerCase();
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) {
      say(`unknown column "${clipLine(raw.trim())}" (columns: ${allowed})`);
    } else if (columns.has(name as Column)) {
      say(`column ${name} appears twice (each column once)`);
    } else {
      columns.set(name as Column, i);
    }
  });
  for (const c of CSV_COLUMNS) {
    if (!columns.has(c)) say(`missing column ${c} (the header needs: ${allowed})`);
  }
  return problems.length > 0 ? null : columns;
}

type Get = (c: Column) => string;
type Say = (text: string) => void;

function readRegion(get: Get, say: Say): RegionSpec | null {
  const code = get('region');
  const location = get('location');
  const status = get('status');
  let ok = true;
  const bad = (text: string) => {
    ok = false;
    say(text);
  };
  if (!REGION_CODE.test(code)) bad(`region code "${clipLine(code)}" is not valid (2 to 8 letters or digits, e.g. SIN)`);
  if (location === '') bad('region location is empty (e.g. "Singapore")');
  else if (location.length > CSV_LIMITS.locationChars)
    bad(`region location is too long (at most ${CSV_LIMITS.locationChars} characters)`);
  if (status === '') bad('region status is empty (e.g. Operational or "Degraded Performance")');
  else if (status.length > CSV_LIMITS.statusChars)
    bad(`region status is too long (at most ${CSV_LIMITS.statusChars} characters)`);
  for (const c of ['machine', 'datacenter', 'cores', 'memory_gb'] as const) {
    if (get(c) !== '') bad(`${c} is set on a region row (leave machine columns empty on kind=region rows)`);
  }
  // Copies: a long slice of the file's text keeps all of it alive (4.5 MB of a 100k fleet's,
  // for as long as the fleet lives, for 35 region names).
  return ok ? { code: code.toUpperCase(), location: ownCopy(location), status: ownCopy(status) } : null;
}

/** The same text in a string of its own, not a slice of a longer one. */
function ownCopy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

function readMachine(get: Get, say: Say, intern: (s: string) => string): MachineSpec | null {
  const id = get('machine');
  const code = get('region');
  const datacenter = get('datacenter');
  const statusText = get('status').toLowerCase();
  let ok = true;
  const bad = (text: string) => {
    ok = false;
    say(text);
  };
  if (!MACHINE_ID.test(id)) bad(`machine id "${clipLine(id)}" is not valid (1 to 64 letters, digits, '.', '_' or '-')`);
  if (!REGION_CODE.test(code)) bad(`region code "${clipLine(code)}" is not valid (2 to 8 letters or digits, e.g. SIN)`);
  if (datacenter.length > CSV_LIMITS.datacenterChars)
    bad(`datacenter is too long (at most ${CSV_LIMITS.datacenterChars} characters)`);
  if (get('location') !== '') bad('location is set on a machine row (it belongs on the kind=region row)');
  // The constant itself, not the row's copy of it.
  const status: OperatorStatus | null =
    statusText === '' ? 'available' : (MACHINE_STATUSES.find((known) => known === statusText) ?? null);
  if (!status)
    bad(
      `machine status "${clipLine(get('status'))}" is not valid (available, maintenance, draining or offline; empty means available)`,
    );
  const cores = readWhole(get('cores'), 'cores', CSV_LIMITS.cores, bad);
  const memory = readWhole(get('memory_gb'), 'memory_gb', CSV_LIMITS.memoryGb, bad);
  if (!ok || cores === null || memory === null || !status) return null;
  return { id, region: intern(code.toUpperCase()), datacenter: intern(datacenter), cores, memory_gb: memory, status };
}
