// Reading CSV text into rows that know their line, and wording what is wrong with them: shared
// by the bootstrap regions file (csv.ts) and scenario imports (scenario-parse.ts), so both report
// `FILE:LINE: what is wrong (what is allowed)` the same way.

import { createRequire } from 'node:module';
import type Papa from 'papaparse';
import { clip } from '../../shared/quote';

/**
 * papaparse, loaded the first time a line holds a quote or a scenario is exported: a generated
 * fleet has none, and importing it (an ESM import of CommonJS, lexed for its exports) cost the
 * store's start-up tens of ms for nothing.
 */
let papa: typeof Papa | null = null;
export const loadPapa = (): typeof Papa => {
  papa ??= createRequire(import.meta.url)('papaparse') as typeof Papa;
  return papa;
};

/** The bootstrap regions file's columns (csv.ts), in their usual order. */
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

/**
 * Bounds of the bootstrap file and scenario imports: they keep sums far inside safe integers
 * even for 100,000 machines.
 */
export const CSV_LIMITS = {
  cores: { min: 1, max: 65_536 },
  memoryGb: { min: 1, max: 1_048_576 },
  locationChars: 128,
  statusChars: 64,
  datacenterChars: 64,
} as const;

export interface Problem {
  line: number;
  text: string;
}

export interface CsvRow {
  /** 1-based line where the row starts (a quoted field may span lines). */
  line: number;
  fields: string[];
  /** Read by papaparse (its line held a quote); a row without it has no quote in any field. */
  quoted?: true;
}

/** How many problems one error message lists before summarising the rest. */
export const MAX_REPORTED = 10;

/**
 * The rows of `text` (header included), or the first quoting problem: a broken quote swallows
 * the rest of the file, so nothing after it (not even papaparse's later complaints) can be
 * trusted. Accepts a UTF-8 BOM and CRLF or CR line ends; skips blank lines.
 */
export function readCsvRows(text: string): { rows: CsvRow[]; problem: Problem | null } {
  const rows: CsvRow[] = [];
  const problem = eachCsvRow(text, (row) => rows.push(row));
  return { rows, problem };
}

/**
 * readCsvRows as a stream: each row is handed to `take` as it is read, so a caller that keeps
 * only what it needs lets the rest die young (a 100k-machine file's rows all kept alive at
 * once cost the garbage collector more than reading them). Returns the first quoting problem.
 * `plain`, when given, sees each line without a quote first (its text is body[from, to)) and
 * returns true for one it has read itself; `take` gets the others.
 */
export function eachCsvRow(
  text: string,
  take: (row: CsvRow) => void,
  plain?: (body: string, from: number, to: number, line: number) => boolean,
): Problem | null {
  // Line numbers are counted on the normalised text: CRLF and lone CR end a line as LF does.
  const body = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  let problem: Problem | null = null;
  // Lines without a quote (all but a few of a generated fleet) are split on commas here;
  // runs of lines that hold quotes (from a line with a quote until the quotes balance, so a
  // quoted field spanning lines stays whole) go to papaparse, which knows every quoting rule.
  // papaparse over the whole of a 100k-machine file was a third of the store's start-up.
  let quoted = -1; // where the pending quoted run starts (offset), or -1
  let quotedLine = 0;
  let open = false;
  let line = 1;
  // The next quote at or after `at`, found once per quote (not searched for again per line).
  let nextQuote = body.indexOf('"');
  for (let at = 0; at <= body.length; line++) {
    let end = body.indexOf('\n', at);
    if (end === -1) end = body.length;
    let quotes = 0;
    while (nextQuote !== -1 && nextQuote < end) {
      quotes++;
      nextQuote = body.indexOf('"', nextQuote + 1);
    }
    if (quoted === -1 && quotes === 0) {
      if (plain?.(body, at, end, line)) {
        at = end + 1;
        continue;
      }
      const fields = body.slice(at, end).split(',');
      if (!blank(fields)) take({ line, fields });
    } else {
      if (quoted === -1) {
        quoted = at;
        quotedLine = line;
      }
      if (quotes % 2 === 1) open = !open;
      if (!open || end === body.length) {
        problem ??= parseQuoted(body.slice(quoted, end), quotedLine, take);
        quoted = -1;
        open = false;
      }
    }
    at = end + 1;
  }
  return problem;
}

/** papaparse over a run of lines with quotes that starts at line `first`; rows go to `take`. */
function parseQuoted(chunk: string, first: number, take: (row: CsvRow) => void): Problem | null {
  const lines = new LineIndex(chunk);
  const offset = first - 1;
  let problem: Problem | null = null;
  loadPapa().parse<string[]>(chunk, {
    delimiter: ',',
    newline: '\n',
    quoteChar: '"',
    skipEmptyLines: 'greedy',
    step: (result) => {
      for (const e of result.errors) {
        const line = e.index !== undefined ? lines.lineOf(e.index) : lines.lineOf(result.meta.cursor - 1);
        problem ??= { line: line + offset, text: quoteProblem(e.code, e.message) };
      }
      const fields = result.data;
      // The cursor stands past the row's newline; a row is reported at the line where it starts.
      const spanned = fields.reduce((n, f) => n + countNewlines(f), 0);
      take({ line: lines.lineOf(result.meta.cursor - 1) - spanned + offset, fields, quoted: true });
    },
  });
  return problem;
}

/** papaparse's `greedy`: a row of nothing but whitespace and commas is skipped. */
function blank(fields: string[]): boolean {
  for (const f of fields) if (f.trim() !== '') return false;
  return true;
}

/** `file:line: problem` per line, sorted by line, at most MAX_REPORTED and then a count. */
export function formatProblems(file: string, problems: readonly Problem[]): string[] {
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  const shown = sorted.slice(0, MAX_REPORTED).map((p) => `${file}:${p.line}: ${p.text}`);
  if (sorted.length > MAX_REPORTED) shown.push(`${file}: … and ${sorted.length - MAX_REPORTED} more problems`);
  return shown;
}

/**
 * A whole number in [min, max] written as plain digits, or null after saying what is wrong
 * with it (empty, not a number, negative, a fraction, out of range).
 */
export function readWhole(
  raw: string,
  name: string,
  range: { min: number; max: number },
  bad: (text: string) => void,
): number | null {
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

/** Keeps user text in messages short and on one line, control characters escaped. */
export function clipLine(s: string): string {
  return clip(s.replace(/\s+/g, ' '), 40);
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
