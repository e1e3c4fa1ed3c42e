// The host's log: every thread's JSON lines filed in the data directory (rotated), the newest
// kept for GET /v1/logs, and shown on the terminal as the user asked, without ever waiting on it.

import { join } from 'node:path';
import type { HostConfig } from '../../shared/config';
import { createLogger, type Logger } from '../common/log';
import { LogRing } from './log-ring';
import { LogSink } from './log-sink';
import { showLogOnTerminal, type TerminalOutput } from './terminal-output';

export interface HostLog {
  /** <data dir>/logs/flylight.log, or null for an ephemeral host (no file). */
  file: string | null;
  /** The newest records, for GET /v1/logs: the file's last lines, then every line from now on. */
  ring: LogRing;
  /** Where every thread's lines go. */
  sink: LogSink;
  terminal: TerminalOutput;
  /** The host thread's own logger (the caller's, when it passes one). */
  log: Logger;
}

export function openHostLog(config: HostConfig, hostLog?: Logger): HostLog {
  const file = config.dataDir ? join(config.dataDir, 'logs', 'flylight.log') : null;
  const ring = new LogRing();
  if (file) ring.prime(file);
  const terminal = showLogOnTerminal(config.logFormat, file);
  const sink = new LogSink({ terminal: config.logFormat, file, onLine: (l, r) => ring.push(l, r) });
  const log = hostLog ?? createLogger('json', { worker: 'host' }, (l) => sink.line(l));
  return { file, ring, sink, terminal, log };
}
