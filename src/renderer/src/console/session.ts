// The console's behaviour, between the terminal widget and runCommand: decodes keys, edits
// the line, completes, runs one command at a time (Ctrl+C aborts it), keeps the history, and
// draws everything as ANSI text. No DOM and no xterm here, so all of it is unit-tested with a
// fake terminal; ConsolePane.tsx only plugs an xterm.js Terminal into it.

import type { Completion } from '../../../shared/cli/complete';
import { decodeKeys, type Key } from './keys';
import { LineEditor } from './line-editor';
import { columnsOf, drawLine } from './render';

export interface ConsoleOutput {
  write(data: string): void;
}

export interface RunIO {
  out(text: string): void;
  err(text: string): void;
  color: boolean;
  signal: AbortSignal;
  columns: number;
  /** A line redrawn in place (`load`'s live figures); other output clears it first. */
  status(text: string): void;
}

export interface HistoryStorage {
  load(): string[];
  save(entries: readonly string[]): void;
}

export interface ConsoleDeps {
  out: ConsoleOutput;
  columns(): number;
  /** Runs one command (runCommand bound to the app's API); resolves with the exit code. */
  run(argv: string[], io: RunIO): Promise<number>;
  /** Shell-like word splitting; throws with a readable message on an unclosed quote. */
  split(line: string): string[];
  complete?(line: string, cursor: number): Completion | null;
  history: HistoryStorage;
  /** `exit`: the pane hides itself. */
  onExit?(): void;
  /** Lines printed after `help`'s own output: the console's keys. */
  helpFooter?: string[];
}

const MAX_TYPEAHEAD = 4096;
/** Completion choices listed at most under the line. */
const MAX_LISTED = 100;
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const RED = '\x1b[31m';
const PROMPT_NAME = '\x1b[38;5;141mflylight\x1b[0m';

// The shared help already names ↑/↓, Tab, Ctrl+C, Ctrl+L and `clear`; this adds what only
// the pane has.
export const CONSOLE_KEYS_HELP = [
  '',
  'Also here: Ctrl+` or `exit` hides the console, `history` lists past commands,',
  'Ctrl+A/E go to start/end of line, Ctrl+U/K delete to start/end, Ctrl+W deletes a word.',
];

/** The console's prompt, red after a command that failed. */
export function promptText(lastExit: number): string {
  return `${PROMPT_NAME}${lastExit === 0 ? '\x1b[90m' : RED}>${RESET} `;
}

export function commonPrefix(items: readonly string[]): string {
  if (items.length === 0) return '';
  let p = items[0];
  for (const s of items) {
    let i = 0;
    while (i < p.length && i < s.length && p[i] === s[i]) i++;
    p = p.slice(0, i);
  }
  return p;
}

// Command output may carry colours (SGR) but never cursor movement, screen clearing or
// title/hyperlink commands: a VM id or region name must not be able to redraw the screen.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const CSI_NOT_SGR = /\x1b\[[0-9;?]*[ -/]*[@-ln-~]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const OSC = /\x1b\][^\x07\x1b]*(\x07|\x1b\\)?/g;

/** A line of command output for the terminal: CRLF line ends, nothing that moves the cursor. */
function termLine(text: string): string {
  const safe = text.replace(CSI_NOT_SGR, '').replace(OSC, '').replace(/\r?\n/g, '\r\n');
  return `${safe}\r\n`;
}

export class ConsoleSession {
  readonly editor: LineEditor;
  private row = 0;
  private lastExit = 0;
  private running: AbortController | null = null;
  private started = false;
  /** Keys typed while a command runs, replayed at the next prompt (as a terminal does). */
  private typeahead: Key[] = [];
  private current: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ConsoleDeps) {
    let saved: string[] = [];
    try {
      saved = deps.history.load();
    } catch {
      // unreadable history: start without one
    }
    this.editor = new LineEditor(saved);
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Resolves when no command runs any more, including ones started by type-ahead. */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.current;
      await seen;
    } while (seen !== this.current);
  }

  start(banner: string[] = []): void {
    this.started = true;
    for (const l of banner) this.deps.out.write(termLine(l));
    this.showPrompt();
  }

  /** Data from the terminal: typed keys, escape sequences or a paste. */
  input(data: string): void {
    this.feed(decodeKeys(data));
  }

  private feed(keys: Key[]): void {
    for (const k of keys) {
      if (!this.running) {
        this.key(k);
        continue;
      }
      // A command is running: Ctrl+C and Ctrl+L act now; anything else waits for the next
      // prompt, as in a terminal. Ctrl+C also drops what was typed ahead, so an interrupted
      // command does not set off the next one.
      if (k.kind === 'interrupt') {
        this.typeahead = [];
        this.deps.out.write(`${DIM}^C${RESET}\r\n`);
        this.running.abort();
      } else if (k.kind === 'clearScreen') {
        this.deps.out.write('\x1b[H\x1b[2J');
      } else if (this.typeahead.length < MAX_TYPEAHEAD) {
        this.typeahead.push(k);
      }
    }
  }

  /** The terminal changed width: the line wraps differently now. */
  resize(): void {
    if (this.started && !this.running) this.redraw();
  }

  /** Runs a line as if typed (used by the dashboard, e.g. "open in console"). */
  submitLine(line: string): void {
    if (this.running) return;
    this.editor.set(line);
    this.redraw();
    this.key({ kind: 'enter' });
  }

  /** Puts a line at the prompt for the user to finish and run (e.g. the palette's "Launch a VM…"). */
  prefill(line: string): void {
    if (this.running) return;
    this.editor.set(line);
    this.redraw();
  }

  private key(key: Key): void {
    const ed = this.editor;
    switch (key.kind) {
      case 'text':
        ed.insert(key.text);
        break;
      case 'enter':
        this.enter();
        return;
      case 'tab':
        this.tab();
        return;
      case 'backspace':
        ed.backspace();
        break;
      case 'delete':
        ed.deleteForward();
        break;
      case 'eof':
        if (ed.line === '') return;
        ed.deleteForward();
        break;
      case 'left':
        ed.left();
        break;
      case 'right':
        ed.right();
        break;
      case 'home':
        ed.home();
        break;
      case 'end':
        ed.end();
        break;
      case 'wordLeft':
        ed.wordLeft();
        break;
      case 'wordRight':
        ed.wordRight();
        break;
      case 'up':
        ed.historyUp();
        break;
      case 'down':
        ed.historyDown();
        break;
      case 'killToStart':
        ed.killToStart();
        break;
      case 'killToEnd':
        ed.killToEnd();
        break;
      case 'deleteWordBack':
        ed.deleteWordBack();
        break;
      case 'interrupt':
        this.endInput('^C');
        ed.abandon();
        this.showPrompt();
        return;
      case 'clearScreen':
        this.clearScreen();
        return;
    }
    this.redraw();
  }

  private redraw(): void {
    const d = drawLine(this.row, promptText(this.lastExit), this.editor.line, this.editor.cursor, this.deps.columns());
    this.row = d.cursorRow;
    this.deps.out.write(d.data);
  }

  /** Moves below the line being edited (cursor to its end), optionally marking it. */
  private endInput(mark = ''): void {
    const ed = this.editor;
    const d = drawLine(this.row, promptText(this.lastExit), ed.line, ed.line.length, this.deps.columns());
    this.deps.out.write(`${d.data}${mark ? `${DIM}${mark}${RESET}` : ''}\r\n`);
    this.row = 0;
  }

  private showPrompt(): void {
    this.row = 0;
    this.redraw();
  }

  private clearScreen(): void {
    this.deps.out.write('\x1b[H\x1b[2J\x1b[3J');
    this.showPrompt();
  }

  private saveHistory(): void {
    try {
      this.deps.history.save(this.editor.history);
    } catch {
      // storage full or disabled: history stays in memory for this session
    }
  }

  private enter(): void {
    this.endInput();
    const line = this.editor.submit();
    this.saveHistory();
    this.current = this.execute(line);
  }

  private async execute(line: string): Promise<void> {
    let statusShown = false;
    const write = (data: string) => {
      if (statusShown) this.deps.out.write('\r\x1b[2K');
      statusShown = false;
      this.deps.out.write(data);
    };
    const out = (t: string) => write(termLine(t));
    const err = (t: string) => write(termLine(t.includes('\x1b[') ? t : `${RED}${t}${RESET}`));
    // One line, cut to the width so it never wraps (a wrapped line cannot be redrawn in place).
    const status = (t: string) => {
      write(`\x1b[?7l${termLine(t).slice(0, -2)}\x1b[?7h`);
      statusShown = true;
    };
    if (line.trim() === '') {
      this.showPrompt();
      return;
    }
    let argv: string[];
    try {
      argv = this.deps.split(line);
    } catch (e) {
      err(`error: ${e instanceof Error ? e.message : String(e)}`);
      this.lastExit = 2;
      this.showPrompt();
      return;
    }
    const words = argv[0] === 'flylight' ? argv.slice(1) : argv;
    if (words.length === 1 && words[0] === 'clear') {
      this.lastExit = 0;
      this.clearScreen();
      return;
    }
    if (words.length === 1 && words[0] === 'exit') {
      this.lastExit = 0;
      this.showPrompt();
      this.deps.onExit?.();
      return;
    }
    if (words.length === 1 && words[0] === 'history') {
      const h = this.editor.history;
      h.forEach((entry, i) => {
        out(`${DIM}${String(i + 1).padStart(4)}${RESET}  ${entry}`);
      });
      this.lastExit = 0;
      this.showPrompt();
      return;
    }
    const controller = new AbortController();
    this.running = controller;
    let code: number;
    try {
      code = await this.deps.run(argv, {
        out,
        err,
        color: true,
        signal: controller.signal,
        columns: this.deps.columns(),
        status,
      });
    } catch (e) {
      err(`error: ${e instanceof Error ? e.message : String(e)}`);
      code = 1;
    }
    if (code === 0 && words.length === 1 && words[0] === 'help') {
      for (const l of this.deps.helpFooter ?? CONSOLE_KEYS_HELP) out(l);
    }
    // A status line left at the end stays, and the prompt starts below it.
    if (statusShown) this.deps.out.write('\r\n');
    this.running = null;
    this.lastExit = code;
    this.showPrompt();
    const ahead = this.typeahead;
    this.typeahead = [];
    this.feed(ahead);
  }

  private tab(): void {
    const ed = this.editor;
    const c = this.deps.complete?.(ed.line, ed.cursor);
    if (!c || c.candidates.length === 0) return;
    const typed = ed.line.slice(c.start, ed.cursor);
    if (c.candidates.length === 1) {
      const only = c.candidates[0];
      // A finished word gets its separating space, unless one is already there.
      const space = ed.line[c.end] === ' ' || only.endsWith('=') ? '' : ' ';
      ed.replace(c.start, c.end, only + space);
      if (space === '' && ed.line[ed.cursor] === ' ') ed.right();
      this.redraw();
      return;
    }
    const prefix = commonPrefix(c.candidates);
    if (prefix.length > typed.length && prefix.startsWith(typed)) {
      ed.replace(c.start, c.end, prefix);
      this.redraw();
      return;
    }
    // Ambiguous: list the choices under the line, then draw the line again below them. A region
    // can hold thousands of VM ids: past a screenful, say how many more instead.
    this.endInput();
    const shown = c.candidates.slice(0, MAX_LISTED);
    for (const l of columnsOf(shown, this.deps.columns())) this.deps.out.write(termLine(l));
    const more = c.candidates.length - shown.length;
    if (more > 0) this.deps.out.write(termLine(`${DIM}… and ${more} more: type more of it${RESET}`));
    this.showPrompt();
  }
}
