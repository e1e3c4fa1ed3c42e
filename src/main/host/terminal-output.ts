// The terminal `flylight serve` shows its log in must never stop the host. Node writes to a
// terminal synchronously: a terminal that stopped reading (Ctrl+S, a stalled SSH session, a
// tmux pane in copy mode) held the host thread in write(2) once its buffer filled, and with it
// /v1/status, the worker supervisor and the log file, until the terminal read again. A pipe
// (`flylight serve | less` with its screen full) is written asynchronously, so there every line
// was queued in memory instead, without bound.
//
// Both now write asynchronously (nonBlocking) with at most `capBytes` queued. Past that, lines
// are counted, not queued; once the terminal has taken what was queued it gets one line saying
// how many it missed and where they are. The log file is written apart from this and gets every
// line either way.

import { type LogFormat, pretty, setLogOutput } from '../common/log';

/** What is queued for the terminal before lines are skipped: ~4,000 request lines. */
export const TERMINAL_QUEUE_BYTES = 1024 * 1024;

export interface TerminalStream {
  write(text: string): boolean;
  /** Bytes queued and not yet taken by the terminal (0 for a blocking stream). */
  readonly writableLength: number;
  once(event: 'drain', listener: () => void): unknown;
}

export class TerminalOutput {
  private skipped = 0;
  /** Over the cap: nothing more is queued until the terminal has taken what was. */
  private full = false;
  /** Lines not shown since the output was made, for tests and status. */
  missed = 0;

  /**
   * `notice(n)` is the line (newline included) that tells the terminal it missed n lines, in
   * the format it is shown the rest. `capBytes` should be above the stream's high-water mark,
   * so that the write that crosses it asks for a 'drain'.
   */
  constructor(
    private readonly stream: TerminalStream,
    private readonly notice: (skipped: number) => string,
    private readonly capBytes = TERMINAL_QUEUE_BYTES,
  ) {}

  /** Takes newline-terminated lines. */
  readonly write = (text: string): void => {
    if (!this.full && this.stream.writableLength < this.capBytes) {
      this.stream.write(text);
      return;
    }
    this.skip(text);
    if (this.full) return;
    this.full = true;
    this.stream.once('drain', () => {
      this.full = false;
      const n = this.skipped;
      this.skipped = 0;
      if (n > 0) this.stream.write(this.notice(n));
    });
  };

  private skip(text: string): void {
    let n = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
    this.skipped += n;
    this.missed += n;
  }
}

/**
 * Makes a terminal stream asynchronous: Node sets terminals blocking so that output is never
 * interleaved or lost at exit; the CLI's exit waits for what is queued instead (cli/index.ts).
 * Pipes and files are left as Node opened them.
 */
export function nonBlocking(stream: NodeJS.WriteStream): void {
  if (!stream.isTTY) return;
  const handle = (stream as unknown as { _handle?: { setBlocking?: (blocking: boolean) => unknown } })._handle;
  handle?.setBlocking?.(false);
}

/**
 * The host thread's log output from now on: process.stdout, asynchronous when it is a terminal
 * and shown at all, bounded as above; the notice in the format of the rest, naming the log file.
 */
export function showLogOnTerminal(format: LogFormat, logFile: string | null): TerminalOutput {
  const terminal = new TerminalOutput(process.stdout, (skipped) => {
    const rec = {
      time: new Date().toISOString(),
      level: 'warn',
      worker: 'host',
      msg: 'log lines not shown here: the terminal was not reading',
      skipped,
      ...(logFile ? { file: logFile } : {}),
    };
    return `${format === 'json' ? JSON.stringify(rec) : pretty(rec)}\n`;
  });
  if (format !== 'silent') nonBlocking(process.stdout);
  setLogOutput(terminal.write);
  return terminal;
}
