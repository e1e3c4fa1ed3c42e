// Where every thread's log lines end: workers send a turn's JSON lines on their control port
// (anything else they print comes through their stdout), the host hands each line here, which
// appends it to a size-rotated file in the data directory and shows it in the terminal as the
// user asked (pretty, JSON or not). Each line is parsed once, here, for all who need it.
// Both destinations are written with the lines gathered meanwhile, at most every LOG_LINGER_MS
// under load (coalesce.ts): a write
// per line was a system call per request on the host thread (the terminal is a pipe, written
// synchronously; the file is written by libuv's pool), and the host thread shares the two cores
// with the workers.

import {
  chmodSync,
  createWriteStream,
  existsSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { dirname } from 'node:path';
import { Coalescer } from '../../shared/coalesce';
import { flushLogs, LOG_LINGER_MS, pretty, writeStdout } from '../common/log';
import { ensurePrivateDir } from '../common/paths';

export interface LogSinkOptions {
  terminal: 'pretty' | 'json' | 'silent';
  /** The log file, or null to keep none (ephemeral runs). */
  file: string | null;
  /** Rotate when the file grows past this. */
  maxBytes?: number;
  /** Rotated files kept: flylight.log.1 … .N. */
  keep?: number;
  writeTerminal?: (line: string) => void;
  /** Sees every line too, with its record when it is one (the host's in-memory tail for GET /v1/logs). */
  onLine?: (line: string, rec: Record<string, unknown> | null) => void;
}

export class LogSink {
  private size = 0;
  private stream: WriteStream | null = null;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly writeTerminal: (line: string) => void;
  /** File lines gathered, not yet handed to the stream. */
  private pending: string[] = [];
  private readonly write = new Coalescer(() => this.flush(), LOG_LINGER_MS);

  constructor(private readonly options: LogSinkOptions) {
    this.maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.keep = options.keep ?? 5;
    this.writeTerminal = options.writeTerminal ?? writeStdout;
    if (options.file) {
      ensurePrivateDir(dirname(options.file));
      this.size = existsSync(options.file) ? statSync(options.file).size : 0;
      this.stream = this.open(options.file);
    }
  }

  /** Takes a turn's lines (newline-separated). */
  lines(text: string): void {
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      this.line(text.slice(from, nl));
      from = nl + 1;
    }
    if (from < text.length) this.line(text.slice(from));
  }

  /** Takes one line: a JSON log record, or anything else a thread printed. */
  line(text: string): void {
    if (!text) return;
    let rec: Record<string, unknown> | null = null;
    if (text.startsWith('{')) {
      try {
        const v = JSON.parse(text) as unknown;
        rec = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
      } catch {
        rec = null;
      }
    }
    this.options.onLine?.(text, rec);
    if (this.options.file)
      this.append(rec ? text : JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: text }));
    if (this.options.terminal === 'silent') return;
    this.writeTerminal(rec && this.options.terminal === 'pretty' ? pretty(rec) : text);
  }

  /** Flushes and closes the file (the host calls it last on stop). */
  close(): Promise<void> {
    this.flush();
    flushLogs();
    const s = this.stream;
    this.stream = null;
    return new Promise((r) => (s ? s.end(r) : r()));
  }

  // Buffered and asynchronous: logging thousands of requests a second must not block the host.
  private open(file: string): WriteStream {
    // Opened now, not when the stream gets round to it, so a rotation right after finds the file.
    // Private to the user whatever the umask (and tightened if an older run left it open).
    const s = createWriteStream(file, { fd: openSync(file, 'a', 0o600) });
    chmodSync(file, 0o600);
    // A full disk must not take the platform down with it; the terminal still shows the lines.
    s.on('error', () => {
      if (this.stream === s) this.stream = null;
    });
    return s;
  }

  private append(line: string): void {
    if (!this.stream) return;
    const file = this.options.file as string;
    const bytes = Buffer.byteLength(line) + 1;
    if (this.size + bytes > this.maxBytes && this.size > 0) this.rotate(file);
    this.pending.push(line);
    this.size += bytes;
    this.write.schedule();
  }

  /** Hands the lines gathered to the file stream in one write. */
  private flush(): void {
    this.write.done();
    if (this.pending.length === 0) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.stream?.write(text);
  }

  private rotate(file: string): void {
    this.flush();
    this.stream?.end();
    rmSync(`${file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    }
    if (existsSync(file)) renameSync(file, `${file}.1`);
    this.size = 0;
    this.stream = this.open(file);
  }
}
