// Structured logging for the host and every worker: one JSON object per line, or a compact
// human line when a person watches the `serve` terminal. Workers write to their own stdout,
// which Node forwards through the main thread, so lines never interleave mid-line.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogFormat = 'pretty' | 'json' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(
  format: LogFormat,
  base: LogFields = {},
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  minLevel: LogLevel = (process.env.FLYLIGHT_LOG_LEVEL as LogLevel) in ORDER
    ? (process.env.FLYLIGHT_LOG_LEVEL as LogLevel)
    : 'info',
): Logger {
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (format === 'silent' || ORDER[level] < ORDER[minLevel]) return;
    const rec = { time: new Date().toISOString(), level, ...base, msg, ...fields };
    write(format === 'json' ? JSON.stringify(rec) : pretty(rec));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (f) => createLogger(format, { ...base, ...f }, write, minLevel),
  };
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
