// The bootstrap CSV: regions and their machines in one file, one row each, told apart by the
// `kind` column. Everything is parsed and checked before anything is used, so the app either
// starts with the whole fleet or refuses with `FILE:LINE: what is wrong (what is allowed)`.

import { readFile } from 'node:fs/promises';
import Papa from 'papaparse';
import { clip } from '../../shared/quote';
import { type FleetData, isOperatorStatus, type MachineSpec, type OperatorStatus, type RegionSpec } from './fleet-data';

export const CSV_COLUMNS = [
  'kind',
  'region',
  'location',
  'status',
  'machine',
  'datacenter',
  'cores',
  'memory_gb',
] as const;
type Column = (typeof CSV_COLUMNS)[number];

// Bounds keep sums far inside safe integers even for 100,000 machines.
export const CSV_LIMITS = {
  cores: { min: 1, max: 65_536 },
  memoryGb: { min: 1, max: 1_048_576 },
  locationChars: 128,
  statusChars: 64,
  datacenterChars: 64,
} as const;

const REGION_CODE = /^[A-Za-z0-9]{2,8}$/;
const MACHINE_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** How many problems one error message lists before summarising the rest. */
const MAX_REPORTED = 10;

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
    throw new Error(formatProblems(file, problems));
  };

  // Line numbers are counted on the normalised text: CRLF and lone CR end a line as LF does.
  const body = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (body.trim() === '') {
    problems.push({ line: 1, text: `the file is empty (expected a header row: ${CSV_COLUMNS.join(',')})` });
    fail();
  }

  const lines = new LineIndex(body);
  const rows: { line: number; fields: string[] }[] = [];
  Papa.parse<string[]>(body, {
    delimiter: ',',
    newline: '\n',
    quoteChar: '"',
    skipEmptyLines: 'greedy',
    step: (result) => {
      for (const e of result.errors) {
        const line = e.index !== undefined ? lines.lineOf(e.index) : lines.lineOf(result.meta.cursor - 1);
        problems.push({ line, text: quoteProblem(e.code, e.message) });
      }
      const fields = result.data;
      // The cursor stands past the row's newline; a quoted field may span lines, and the row
      // is reported at the line where it starts.
      const spanned = fields.reduce((n, f) => n + countNewlines(f), 0);
      rows.push({ line: lines.lineOf(result.meta.cursor - 1) - spanned, fields });
    },
  });
  // A broken quote swallows the rest of the file: nothing after it can be trusted, not even
  // papaparse's own later complaints, so only the first is reported.
  if (problems.length > 0) {
    problems.splice(1);
    fail();
  }

  const header = rows.shift();
  if (!header) {
    problems.push({ line: 1, text: `the file is empty (expected a header row: ${CSV_COLUMNS.join(',')})` });
    fail();
  }
  const columns = readHeader(header as { line: number; fields: string[] }, problems);
  if (!columns) fail();
  const col = columns as Map<Column, number>;
  const width = (header as { fields: string[] }).fields.length;

  const regions = new Map<string, RegionSpec & { line: number }>();
  const machines = new Map<string, MachineSpec & { line: number }>();

  for (const row of rows) {
    if (row.fields.length !== width) {
      problems.push({
        line: row.line,
        text: `${row.fields.length} fields, expected ${width} (one per header column; quote values that contain commas)`,
      });
      continue;
    }
    const get = (c: Column) => row.fields[col.get(c) as number].trim();
    const before = problems.length;
    const say = (text: string) => problems.push({ line: row.line, text });
    for (const f of row.fields) {
      if (f.includes('"')) {
        say('stray quote inside a field (quote a whole field as "..." and write a quote inside it as "")');
        break;
      }
    }
    if (problems.length > before) continue;

    const kind = get('kind').toLowerCase();
    if (kind === 'region') {
      const spec = readRegion(get, say);
      if (!spec) continue;
      const first = regions.get(spec.code);
      if (first) say(`duplicate region ${spec.code} (first defined on line ${first.line}; each region once)`);
      else regions.set(spec.code, { ...spec, line: row.line });
    } else if (kind === 'machine') {
      const spec = readMachine(get, say);
      if (!spec) continue;
      const first = machines.get(spec.id);
      if (first) say(`duplicate machine ${spec.id} (first defined on line ${first.line}; machine ids must be unique)`);
      else machines.set(spec.id, { ...spec, line: row.line });
    } else {
      say(`unknown kind "${clipLine(get('kind'))}" (allowed: region, machine)`);
    }
  }

  // Regions may be declared after their machines, so this check waits for the whole file.
  for (const m of machines.values()) {
    if (!regions.has(m.region)) {
      problems.push({
        line: m.line,
        text: `machine ${m.id} is in unknown region ${m.region} (declare it with a kind=region row)`,
      });
    }
  }
  if (problems.length === 0 && regions.size === 0) {
    problems.push({ line: 1, text: 'no regions in the file (add at least one row with kind=region)' });
  }
  if (problems.length > 0) fail();

  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    regions: [...regions.values()]
      .map(({ line: _l, ...r }) => r)
      .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)),
    machines: [...machines.values()].map(({ line: _l, ...m }) => m).sort(byId),
  };
}

interface Problem {
  line: number;
  text: string;
}

function formatProblems(file: string, problems: Problem[]): string {
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  const shown = sorted.slice(0, MAX_REPORTED).map((p) => `${file}:${p.line}: ${p.text}`);
  if (sorted.length > MAX_REPORTED) shown.push(`${file}: … and ${sorted.length - MAX_REPORTED} more problems`);
  return shown.join('\n');
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
  return ok ? { code: code.toUpperCase(), location, status } : null;
}

function readMachine(get: Get, say: Say): MachineSpec | null {
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
  const status: OperatorStatus | null =
    statusText === '' ? 'available' : isOperatorStatus(statusText) ? statusText : null;
  if (!status)
    bad(
      `machine status "${clipLine(get('status'))}" is not valid (available, maintenance, draining or offline; empty means available)`,
    );
  const cores = readWhole(get('cores'), 'cores', CSV_LIMITS.cores, bad);
  const memory = readWhole(get('memory_gb'), 'memory_gb', CSV_LIMITS.memoryGb, bad);
  if (!ok || cores === null || memory === null || !status) return null;
  return { id, region: code.toUpperCase(), datacenter, cores, memory_gb: memory, status };
}

function readWhole(raw: string, name: string, range: { min: number; max: number }, bad: Say): number | null {
  const allowed = `a whole number from ${range.min} to ${range.max}`;
  if (raw === '') {
    bad(`${name} is empty (${allowed})`);
    return null;
  }
  if (!/^\d+$/.test(raw)) {
    const n = Number(raw);
    const what = Number.isNaN(n)
      ? 'is not a number'
      : n < 0
        ? 'is negative'
        : Number.isInteger(n)
          ? 'is not written as plain digits'
          : 'is not a whole number';
    bad(`${name} "${clipLine(raw)}" ${what} (${allowed})`);
    return null;
  }
  const n = Number(raw);
  if (n < range.min) {
    bad(`${name} is ${n === 0 ? 'zero' : n} (${allowed})`);
    return null;
  }
  if (n > range.max) {
    bad(`${name} ${clipLine(raw)} is too large (${allowed})`);
    return null;
  }
  return n;
}

function quoteProblem(code: Papa.ParseError['code'], message: string): string {
  switch (code) {
    case 'MissingQuotes':
      return 'a quoted field is never closed (close it with ", and write a quote inside a field as "")';
    case 'InvalidQuotes':
      return 'text follows a closing quote (quote the whole field, and write a quote inside it as "")';
    default:
      return `${message} (fields are separated by commas)`;
  }
}

/** Keeps user text in messages short and on one line, control characters escaped. */
function clipLine(s: string): string {
  return clip(s.replace(/\s+/g, ' '), 40);
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Maps a character offset to its 1-based line by binary search over newline positions. */
class LineIndex {
  private readonly newlines: number[] = [];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.newlines.push(i);
  }
  /** 1 + the number of newlines strictly before `offset`. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.newlines[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }
}
