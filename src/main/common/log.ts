// Structured logging for the host and every worker: one JSON object per line, or a compact
// human line when a person watches the `serve` terminal. Lines are gathered and written at
// once, at most every LOG_LINGER_MS under load (coalesce.ts): every write of a worker is a message to the main thread,
// and at thousands of requests a second one per line was a fifth of the proxy's time (see
// BENCHMARKS.md). A worker hands its turn's lines to the host as one message on its control
// port (setLogOutput; Node's worker stdout would cost a stream on each side as well), so
// lines never interleave mid-line. Nothing is dropped or sampled: every line reaches the log
// file (a terminal that stops reading is shown what fits: host/terminal-output.ts).

import { Coalescer } from '../../shared/coalesce';
import { IsoClock } from '../../shared/iso-time';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  /** Whether a line at `level` would be written (so a hot path builds no fields for nothing). */
  enabled?(level: LogLevel): boolean;
}

export type LogFormat = 'pretty' | 'json' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Under load, lines are written at most this often (when idle, at the end of the turn): every
 * write from a worker is a crossing to the host (coalesce.ts).
 */
export const LOG_LINGER_MS = 20;

let stdoutLines: string[] = [];
const stdoutWrite = new Coalescer(() => flushLogs(), LOG_LINGER_MS);
let output: (text: string) => void = (text) => process.stdout.write(text);

/** Where this thread's lines go, a turn's worth at a time (newline-terminated); stdout by default. */
export function setLogOutput(write: (text: string) => void): void {
  output = write;
}

/** Writes the lines gathered this turn in one write. */
export function flushLogs(): void {
  stdoutWrite.done();
  if (stdoutLines.length === 0) return;
  const text = `${stdoutLines.join('\n')}\n`;
  stdoutLines = [];
  output(text);
}

/** The default destination: this thread's output (stdout unless set), one write per turn. */
export function writeStdout(line: string): void {
  stdoutLines.push(line);
  stdoutWrite.schedule();
}

/**
 * The time of a line, formatted once per millisecond: a Date and its toISOString (both C++
 * builtins) were ~4 % of the proxy thread, which logs every request, several a millisecond.
 */
const lineClock = new IsoClock();
const isoNow = (): string => lineClock.text(Date.now());

export function createLogger(
  format: LogFormat,
  base: LogFields = {},
  write: (line: string) => void = writeStdout,
  minLevel: LogLevel = (process.env.FLYLIGHT_LOG_LEVEL as LogLevel) in ORDER
    ? (process.env.FLYLIGHT_LOG_LEVEL as LogLevel)
    : 'info',
): Logger {
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (format === 'silent' || ORDER[level] < ORDER[minLevel]) return;
    const rec = { time: isoNow(), level, ...base, msg, ...fields };
    write(format === 'json' ? JSON.stringify(rec) : pretty(rec));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (f) => createLogger(format, { ...base, ...f }, write, minLevel),
    enabled: (level) => format !== 'silent' && ORDER[level] >= ORDER[minLevel],
  };
}

/**
 * A child logger made on its first line. The orchestrator gives each of up to 100,000 machines
 * a child for its own lines, which nearly all never write: one small object each instead of a
 * logger's closures and fields object keeps that fleet's start-up and heap down.
 */
export class LazyChild implements Logger {
  private made: Logger | null = null;

  constructor(
    private readonly parent: Logger,
    private readonly fields: LogFields,
  ) {}

  private get log(): Logger {
    if (!this.made) this.made = this.parent.child(this.fields);
    return this.made;
  }

  debug(msg: string, fields?: LogFields): void {
    this.log.debug(msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log.info(msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log.warn(msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log.error(msg, fields);
  }
  child(fields: LogFields): Logger {
    return new LazyChild(this.parent, { ...this.fields, ...fields });
  }
  enabled(level: LogLevel): boolean {
    return this.parent.enabled?.(level) ?? true;
  }
}

/** One record as a compact line for a person at a terminal. */
export function pretty(rec: Record<string, unknown>): string {
  const { time, level, msg, worker, ...rest } = rec;
  const t = String(time).slice(11, 23);
  const tag = worker ? `[${worker}] ` : '';
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${t} ${String(level).toUpperCase().padEnd(5)} ${tag}${msg}${extra ? ` ${extra}` : ''}`;
}
