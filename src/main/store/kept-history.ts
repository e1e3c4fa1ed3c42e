// One VM's history as the store keeps it in memory (vm-views.ts bounds how much): packed into
// numbers wherever that loses nothing. A launch leaves four transitions and a placement note; as
// objects (an entry each, a boxed time each, the note with its machine_before, the arrays' spare
// room) that was ~700 bytes a VM, the biggest part of the store's heap after 28,000 launches.
// Packed, a transition is two numbers in one array of doubles and a note one object of small
// integers: ~250 bytes. Whatever does not pack (a time not in toISOString's form, a word past
// the table, a note with a plan's verdicts) is kept as it came, and answered exactly as before.

import type { Transition } from '../../shared/lifecycle';
import { LIFECYCLE_STATES, OPERATIONS } from '../../shared/lifecycle';
import { STRATEGIES } from '../../shared/placement';
import type { PlacementNote, PlacementPath } from '../../shared/placement-note';
import type { HistoryEntry } from '../../shared/vm-history';
import { compactTime, known, type Time, timeText } from './values';

/** A transition kept as an object: one that did not pack. */
interface KeptEntry {
  from: HistoryEntry['from'];
  to: HistoryEntry['to'];
  at: Time;
  operation: HistoryEntry['operation'];
  reason?: string;
}

/**
 * The words of a transition by number; 0 is none (a launch's `from`, no reason). Reasons are
 * added as they come (a handful in practice: start_failed, host_offline, …), up to MAX_WORDS; a
 * transition with a word past that is kept as an object.
 */
const WORDS: (string | null)[] = [null, ...LIFECYCLE_STATES, ...OPERATIONS, 'create', 'recover', 'fault'];
const NUMBER_OF = new Map<string | null, number>(WORDS.map((w, i) => [w, i]));
const MAX_WORDS = 1024;

function wordNumber(w: unknown, add: boolean): number {
  if (w !== null && typeof w !== 'string') return -1;
  const n = NUMBER_OF.get(w);
  if (n !== undefined) return n;
  if (!add || WORDS.length >= MAX_WORDS) return -1;
  NUMBER_OF.set(w, WORDS.length);
  return WORDS.push(w) - 1;
}

/** from, to, operation and reason as one number (10 bits each), or -1 when it does not pack. */
function packWords(t: Transition): number {
  const from = wordNumber(t.from ?? null, false);
  const to = wordNumber(t.to, false);
  const op = wordNumber(t.operation, false);
  if (from < 0 || to <= 0 || op <= 0) return -1;
  // A reason is a word (a-z, 0-9, '_'), not a message: anything longer is kept as it came.
  const reason = !t.reason
    ? 0
    : typeof t.reason === 'string' && t.reason.length <= 64
      ? wordNumber(t.reason, true)
      : -1;
  if (reason < 0) return -1;
  return from + MAX_WORDS * (to + MAX_WORDS * (op + MAX_WORDS * reason));
}

function unpack(code: number, at: number): HistoryEntry {
  const word = (shift: number) => WORDS[Math.floor(code / MAX_WORDS ** shift) % MAX_WORDS];
  const out: HistoryEntry = {
    from: word(0) as HistoryEntry['from'],
    to: word(1) as HistoryEntry['to'],
    at: timeText(at),
    operation: word(2) as HistoryEntry['operation'],
  };
  const reason = word(3);
  if (reason !== null) out.reason = reason;
  return out;
}

function entryView(e: KeptEntry): HistoryEntry {
  const out: HistoryEntry = { from: e.from, to: e.to, at: timeText(e.at), operation: e.operation };
  if (e.reason !== undefined) out.reason = e.reason;
  return out;
}

const PATHS: readonly PlacementPath[] = ['index', 'candidates', 'ranked', 'plan'];
/** A launch's note as placementNote() writes it when no plan was made and no region refused. */
const NOTE_KEYS = [
  'strategy',
  'path',
  'memory_gb',
  'cores',
  'count',
  'machine_id',
  'machine_before',
  'refused_regions',
];
const BEFORE_KEYS = ['cores_free', 'memory_free_gb', 'cores_total', 'memory_total_gb'];
const small = (v: unknown): v is number => Number.isInteger(v) && Math.abs(v as number) < 2 ** 30;
const keysAre = (o: object, keys: readonly string[]) => {
  const own = Object.keys(o);
  return own.length === keys.length && own.every((k, i) => k === keys[i]);
};

/** A plain launch's note in small integers (one object, no boxed number), its machine id shared. */
class PackedNote {
  constructor(
    /** strategy + 4 × path + 16 when machine_before is there */
    readonly kind: number,
    readonly memory_gb: number,
    readonly cores: number,
    readonly count: number,
    readonly machine_id: string,
    readonly cores_free: number,
    readonly memory_free_gb: number,
    readonly cores_total: number,
    readonly memory_total_gb: number,
  ) {}

  view(): PlacementNote {
    const b = this.kind >= 16;
    return {
      strategy: STRATEGIES[this.kind % 4],
      path: PATHS[Math.floor(this.kind / 4) % 4],
      memory_gb: this.memory_gb,
      cores: this.cores,
      count: this.count,
      machine_id: this.machine_id,
      machine_before: b
        ? {
            cores_free: this.cores_free,
            memory_free_gb: this.memory_free_gb,
            cores_total: this.cores_total,
            memory_total_gb: this.memory_total_gb,
          }
        : null,
      refused_regions: [],
    };
  }
}

function packNote(n: PlacementNote, machineId: string | undefined): PackedNote | null {
  const strategy = STRATEGIES.indexOf(n.strategy);
  const path = PATHS.indexOf(n.path);
  const before = n.machine_before;
  if (strategy < 0 || path < 0 || !keysAre(n, NOTE_KEYS) || typeof n.machine_id !== 'string') return null;
  if (!Array.isArray(n.refused_regions) || n.refused_regions.length > 0) return null;
  if (![n.memory_gb, n.cores, n.count].every(small)) return null;
  if (before !== null && (typeof before !== 'object' || !keysAre(before, BEFORE_KEYS))) return null;
  const b = before ?? { cores_free: 0, memory_free_gb: 0, cores_total: 0, memory_total_gb: 0 };
  if (![b.cores_free, b.memory_free_gb, b.cores_total, b.memory_total_gb].every(small)) return null;
  return new PackedNote(
    strategy + 4 * path + (before ? 16 : 0),
    n.memory_gb,
    n.cores,
    n.count,
    n.machine_id === machineId ? machineId : n.machine_id,
    b.cores_free,
    b.memory_free_gb,
    b.cores_total,
    b.memory_total_gb,
  );
}

/** The empty list most notes carry (no region refused), shared. */
const NO_REFUSALS: PlacementNote['refused_regions'] = Object.freeze([]) as never;

/** A note that did not pack, with shared strings (its names, its VM's machine id). */
function sharedNote(note: PlacementNote, machineId: string | undefined): PlacementNote {
  if (typeof note !== 'object' || note === null) return note;
  const refused = Array.isArray(note.refused_regions) && note.refused_regions.length === 0;
  return {
    ...note,
    strategy: known(note.strategy),
    path: known(note.path),
    machine_id: note.machine_id === machineId && machineId !== undefined ? machineId : note.machine_id,
    refused_regions: refused ? NO_REFUSALS : note.refused_regions,
  };
}

const NONE: readonly number[] = Object.freeze([]);

export class KeptHistory {
  /**
   * Oldest first: two numbers a transition (its words, its time in epoch ms), or every entry as
   * an object from the first that did not pack on. Each array is made to its size (concat), so
   * no VM holds spare room.
   */
  private log: readonly number[] | readonly KeptEntry[] = NONE;
  /** Transitions dropped to keep the history bounded. */
  dropped = 0;
  private note: PackedNote | PlacementNote | null = null;

  get length(): number {
    return this.packed() ? this.log.length / 2 : this.log.length;
  }

  /** Adds `t`; `machineId` is its VM's (shared with the note's when they are the same). */
  add(t: Transition, machineId: string | undefined): void {
    if (t.placement) this.note = packNote(t.placement, machineId) ?? sharedNote(t.placement, machineId);
    const code = packWords(t);
    const at = compactTime(t.at);
    if (this.packed() && code >= 0 && typeof at === 'number') {
      this.log = (this.log as number[]).concat(code, at);
      return;
    }
    const entry: KeptEntry = { from: known(t.from ?? null), to: known(t.to), at, operation: known(t.operation) };
    if (t.reason) entry.reason = known(t.reason);
    this.log = this.objects().concat(entry);
  }

  /** Forgets the oldest transition. */
  dropOldest(): void {
    this.log = this.log.slice(this.packed() ? 2 : 1) as number[] | KeptEntry[];
    this.dropped++;
  }

  transitions(): HistoryEntry[] {
    if (!this.packed()) return (this.log as KeptEntry[]).map(entryView);
    const log = this.log as number[];
    const out: HistoryEntry[] = [];
    for (let i = 0; i < log.length; i += 2) out.push(unpack(log[i], log[i + 1]));
    return out;
  }

  placement(): PlacementNote | null {
    return this.note instanceof PackedNote ? this.note.view() : this.note;
  }

  private packed(): boolean {
    return this.log.length === 0 || typeof this.log[0] === 'number';
  }

  private objects(): KeptEntry[] {
    if (!this.packed()) return this.log as KeptEntry[];
    const log = this.log as number[];
    const out: KeptEntry[] = [];
    for (let i = 0; i < log.length; i += 2) {
      const e = unpack(log[i], log[i + 1]);
      out.push({ ...e, at: log[i + 1] });
    }
    return out;
  }
}
