// The machine rows of a generated or exported fleet, read straight from the file's text: no
// array of fields, no string per field, no regular expression per value. A 100k-machine fleet
// is almost nothing but such rows, and splitting them was most of the store's start-up. A row
// this reader does not take as it is (any other kind, spaces around a value, a lower-case
// region, a value out of range, a field too many or too few) goes to the general reader
// (csv.ts), which takes or refuses it and says why; so both read every row alike.

import { CSV_COLUMNS, CSV_LIMITS } from './csv-rows';
import { MACHINE_STATUSES, type MachineSpec, type OperatorStatus } from './fleet-data';

const COMMA = 44;
const MACHINE = 'machine,';

/** Reads plain machine rows, for a header in the order of CSV_COLUMNS. */
export class PlainMachineRows {
  /** The last region and datacenter read: consecutive rows nearly always repeat them. */
  private region = '';
  private datacenter = '';

  /** `intern` gives one string per distinct region code and datacenter (see csv.ts). */
  constructor(private readonly intern: (s: string) => string) {}

  /** Whether rows under this header (its fields, in order) can be read here. */
  static fits(header: readonly string[]): boolean {
    return header.length === CSV_COLUMNS.length && CSV_COLUMNS.every((c, i) => header[i] === c);
  }

  /** The machine of the row in body[from, to), or null: the general reader takes the row. */
  read(body: string, from: number, to: number): MachineSpec | null {
    if (!body.startsWith(MACHINE, from)) return null;
    // region: 2 to 8 capital letters or digits
    let p = from + MACHINE.length;
    const r0 = p;
    while (p < to && isUpperOrDigit(body.charCodeAt(p))) p++;
    if (p - r0 < 2 || p - r0 > 8 || body.charCodeAt(p) !== COMMA) return null;
    const r1 = p++;
    // location: empty on a machine row
    if (body.charCodeAt(p++) !== COMMA) return null;
    // status: empty (available) or one of the operator's words, in lower case
    const s1 = body.indexOf(',', p);
    if (s1 === -1 || s1 >= to) return null;
    let status: OperatorStatus | undefined = 'available';
    if (s1 > p) status = MACHINE_STATUSES.find((s) => s.length === s1 - p && body.startsWith(s, p));
    if (!status) return null;
    p = s1 + 1;
    // machine id: 1 to 64 letters, digits, '.', '_' or '-'
    const i0 = p;
    while (p < to && isIdChar(body.charCodeAt(p))) p++;
    if (p === i0 || p - i0 > 64 || body.charCodeAt(p) !== COMMA) return null;
    const i1 = p++;
    // datacenter: any text up to CSV_LIMITS.datacenterChars, no space at either end
    const d0 = p;
    const d1 = body.indexOf(',', p);
    if (d1 === -1 || d1 >= to || d1 - d0 > CSV_LIMITS.datacenterChars) return null;
    if (d1 > d0 && (isSpace(body.charCodeAt(d0)) || isSpace(body.charCodeAt(d1 - 1)))) return null;
    // cores and memory: plain digits in range, the memory up to the end of the line
    const cores = this.digits(body, d1 + 1, to, CSV_LIMITS.cores);
    if (cores < 0 || body.charCodeAt(this.end) !== COMMA) return null;
    const memory = this.digits(body, this.end + 1, to, CSV_LIMITS.memoryGb);
    if (memory < 0 || this.end !== to) return null;
    this.region = this.same(body, r0, r1, this.region);
    this.datacenter = this.same(body, d0, d1, this.datacenter);
    return {
      id: body.slice(i0, i1),
      region: this.region,
      datacenter: this.datacenter,
      cores,
      memory_gb: memory,
      status,
    };
  }

  /** Where the last digits() stopped. */
  private end = 0;

  /** The whole number written as plain digits at `from` (at most 9), in range; else -1. */
  private digits(body: string, from: number, to: number, range: { min: number; max: number }): number {
    let p = from;
    let n = 0;
    while (p < to && p - from < 10) {
      const d = body.charCodeAt(p) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
      p++;
    }
    this.end = p;
    return p === from || p - from > 9 || n < range.min || n > range.max ? -1 : n;
  }

  /** `last` when body[from, to) spells it, else that text, interned. */
  private same(body: string, from: number, to: number, last: string): string {
    if (last.length === to - from && body.startsWith(last, from)) return last;
    return this.intern(body.slice(from, to));
  }
}

function isUpperOrDigit(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

/** MACHINE_ID's characters: letters, digits, '.', '_', '-'. */
function isIdChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 45;
}

/** What String.prototype.trim would take off (ASCII whitespace and the common Unicode ones). */
function isSpace(c: number): boolean {
  return (
    c <= 32 ||
    c === 0xa0 ||
    c === 0xfeff ||
    c === 0x2028 ||
    c === 0x2029 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x3000 ||
    c === 0x1680 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x85
  );
}
