// The host's log as clients read it (`flylight logs`, GET /v1/logs): the same JSON records every
// thread writes to <data dir>/logs/flylight.log, served by the host from memory so that it
// works against any host, on any computer, with or without a data directory.

import { ApiError } from './errors';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevelName, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One log record: `time`, `level`, `msg`, the thread (`worker`) and the fields logged with it. */
export interface LogRecord {
  time: string;
  level: string;
  msg: string;
  worker?: string;
  [field: string]: unknown;
}

/** `GET /v1/logs`: the newest records, oldest first. */
export interface LogPage {
  records: LogRecord[];
  /** The number of the newest record the host has seen: a follower resumes after it. */
  last_seq: number;
}

/** A record with the host's number for it (the id of a followed stream's frame). */
export interface LogEntry {
  seq: number;
  rec: LogRecord;
}

/** What the host answers the proxy: the records with their numbers. */
export interface LogEntries {
  entries: LogEntry[];
  last_seq: number;
}

export interface LogQuery {
  /** At most this many records (the newest). */
  lines: number;
  /** This level and above. */
  level: LogLevelName;
}

/** Records the host keeps in memory to answer GET /v1/logs (older ones are only in the file). */
export const LOG_RING = 5000;
export const DEFAULT_LOG_LINES = 100;

export function isLogLevel(v: unknown): v is LogLevelName {
  return typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v);
}

/** A level typed by a user or sent in a query; `name` is how the user spelled the option. */
export function parseLogLevel(raw: unknown, name = 'level'): LogLevelName {
  const v = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
  if (v === 'warning') return 'warn';
  if (!isLogLevel(v)) {
    throw new ApiError(
      'bad_request',
      `${name} ${JSON.stringify(String(raw)).slice(0, 40)} is not a log level (allowed: ${LOG_LEVELS.join(', ')})`,
    );
  }
  return v;
}

/** Whether a record's level is at or above `min` (an unknown level counts as info). */
export function atLeast(level: unknown, min: LogLevelName): boolean {
  const r = isLogLevel(level) ? RANK[level] : RANK.info;
  return r >= RANK[min];
}

/** One record as a compact line for a person, as the `serve` terminal shows it. */
export function formatLogRecord(rec: LogRecord): string {
  const { time, level, msg, worker, ...rest } = rec;
  const t = String(time ?? '')
    .slice(0, 23)
    .replace('T', ' ');
  const tag = worker ? `[${worker}] ` : '';
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${t} ${String(level ?? 'info')
    .toUpperCase()
    .padEnd(5)} ${tag}${msg}${extra ? ` ${extra}` : ''}`;
}
