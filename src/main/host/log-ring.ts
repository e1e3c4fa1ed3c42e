// The newest log records in memory, numbered, for GET /v1/logs and `flylight logs --follow`.
// Primed from the end of the log file at start, so the lines before a restart are there too;
// served from memory, so an answer never waits for the file stream to flush.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  atLeast,
  LOG_RING,
  type LogEntries,
  type LogEntry,
  type LogQuery,
  type LogRecord,
} from '../../shared/host-log';

/** How much of an old log file is read at start: enough for LOG_RING ordinary lines. */
const PRIME_BYTES = 2 * 1024 * 1024;

export class LogRing {
  private readonly entries: LogEntry[] = [];
  private seq = 0;
  private readonly listeners = new Set<(seq: number, rec: LogRecord) => void>();

  constructor(private readonly capacity = LOG_RING) {}

  /**
   * Takes one line as the sink got it: a JSON record, or any other text a thread printed.
   * `parsed` is the line already parsed by the sink (then it is not parsed again).
   */
  push(text: string, parsed?: Record<string, unknown> | null): void {
    const rec = parsed ? normalized(parsed) : toRecord(text);
    const seq = ++this.seq;
    this.entries.push({ seq, rec });
    if (this.entries.length > this.capacity * 1.25) this.entries.splice(0, this.entries.length - this.capacity);
    for (const cb of this.listeners) cb(seq, rec);
  }

  /** Reads the end of an existing log file (the previous runs' last lines). */
  prime(file: string): void {
    let fd: number | null = null;
    try {
      fd = openSync(file, 'r');
      const size = fstatSync(fd).size;
      const len = Math.min(size, PRIME_BYTES);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      const lines = buf.toString('utf8').split('\n');
      if (len < size) lines.shift(); // the first is probably cut
      for (const l of lines.slice(-this.capacity)) if (l.trim()) this.push(l);
    } catch {
      // No file yet, or unreadable: the log starts with this run.
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }

  /** The newest `lines` records at `level` or above, oldest first. */
  tail(q: LogQuery, after = 0): LogEntries {
    const entries: LogEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && entries.length < q.lines; i--) {
      const e = this.entries[i];
      if (e.seq <= after) break;
      if (atLeast(e.rec.level, q.level)) entries.push(e);
    }
    return { entries: entries.reverse(), last_seq: this.seq };
  }

  onLine(cb: (seq: number, rec: LogRecord) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
}

function toRecord(text: string): LogRecord {
  if (text.startsWith('{')) {
    try {
      const rec = JSON.parse(text) as Record<string, unknown>;
      if (rec && typeof rec === 'object' && !Array.isArray(rec)) return normalized(rec);
    } catch {
      // not JSON after all
    }
  }
  return { time: new Date().toISOString(), level: 'info', msg: text };
}

/** A parsed line as a record: its time, level and message as strings (in place: nobody else keeps it). */
function normalized(rec: Record<string, unknown>): LogRecord {
  rec.time = String(rec.time ?? '');
  rec.level = String(rec.level ?? 'info');
  rec.msg = String(rec.msg ?? '');
  return rec as LogRecord;
}
