// The console's line editor: one line of text, a cursor, and a history, with the readline
// keys an engineer's fingers expect. Pure: the terminal glue turns keys into calls and draws
// the result (see session.ts and render.ts).

export const MAX_HISTORY = 500;

const isWordChar = (c: string | undefined): boolean => c !== undefined && !/\s/.test(c);

export class LineEditor {
  private text = '';
  private pos = 0;
  private entries: string[];
  /** Position while walking the history; entries.length means "the line being written". */
  private index: number;
  /** The line being written, kept while ↑/↓ show older ones. */
  private draft = '';

  constructor(
    history: readonly string[] = [],
    private readonly maxHistory = MAX_HISTORY,
  ) {
    this.entries = history.filter((h) => h.trim() !== '').slice(-maxHistory);
    this.index = this.entries.length;
  }

  get line(): string {
    return this.text;
  }

  get cursor(): number {
    return this.pos;
  }

  get history(): readonly string[] {
    return this.entries;
  }

  /** Inserts typed or pasted text at the cursor; control characters are dropped. */
  insert(s: string): void {
    // Tabs become spaces and any other control character is dropped: a paste from a web page
    // or a file must not smuggle escape sequences into the line.
    let clean = '';
    for (const ch of s) {
      if (ch === '\t') clean += ' ';
      else if (ch >= ' ' && ch !== '\x7f') clean += ch;
    }
    if (!clean) return;
    this.text = this.text.slice(0, this.pos) + clean + this.text.slice(this.pos);
    this.pos += clean.length;
  }

  left(): void {
    if (this.pos > 0) this.pos--;
  }

  right(): void {
    if (this.pos < this.text.length) this.pos++;
  }

  home(): void {
    this.pos = 0;
  }

  end(): void {
    this.pos = this.text.length;
  }

  wordLeft(): void {
    let p = this.pos;
    while (p > 0 && !isWordChar(this.text[p - 1])) p--;
    while (p > 0 && isWordChar(this.text[p - 1])) p--;
    this.pos = p;
  }

  wordRight(): void {
    let p = this.pos;
    while (p < this.text.length && !isWordChar(this.text[p])) p++;
    while (p < this.text.length && isWordChar(this.text[p])) p++;
    this.pos = p;
  }

  backspace(): void {
    if (this.pos === 0) return;
    this.text = this.text.slice(0, this.pos - 1) + this.text.slice(this.pos);
    this.pos--;
  }

  /** Deletes the character under the cursor (Delete, Ctrl+D on a non-empty line). */
  deleteForward(): void {
    if (this.pos >= this.text.length) return;
    this.text = this.text.slice(0, this.pos) + this.text.slice(this.pos + 1);
  }

  /** Ctrl+U: everything before the cursor. */
  killToStart(): void {
    this.text = this.text.slice(this.pos);
    this.pos = 0;
  }

  /** Ctrl+K: everything from the cursor on. */
  killToEnd(): void {
    this.text = this.text.slice(0, this.pos);
  }

  /** Ctrl+W: the word before the cursor and the spaces after it, as readline does. */
  deleteWordBack(): void {
    let p = this.pos;
    while (p > 0 && !isWordChar(this.text[p - 1])) p--;
    while (p > 0 && isWordChar(this.text[p - 1])) p--;
    this.text = this.text.slice(0, p) + this.text.slice(this.pos);
    this.pos = p;
  }

  /** Replaces text[from, to) (a completion) and puts the cursor after the replacement. */
  replace(from: number, to: number, s: string): void {
    const a = Math.max(0, Math.min(from, this.text.length));
    const b = Math.max(a, Math.min(to, this.text.length));
    this.text = this.text.slice(0, a) + s + this.text.slice(b);
    this.pos = a + s.length;
  }

  /** Sets the whole line (cursor at the end). */
  set(s: string): void {
    this.text = '';
    this.pos = 0;
    this.insert(s);
  }

  clear(): void {
    this.text = '';
    this.pos = 0;
  }

  /** ↑: the previous history entry; the line being written is kept for ↓. */
  historyUp(): void {
    if (this.index === 0) return;
    if (this.index === this.entries.length) this.draft = this.text;
    this.index--;
    this.text = this.entries[this.index];
    this.pos = this.text.length;
  }

  /** ↓: the next entry, and finally the line that was being written. */
  historyDown(): void {
    if (this.index >= this.entries.length) return;
    this.index++;
    this.text = this.index === this.entries.length ? this.draft : this.entries[this.index];
    this.pos = this.text.length;
  }

  /**
   * Enter: returns the line, records it in the history (not blanks, not a repeat of the last
   * entry) and starts a new empty line.
   */
  submit(): string {
    const line = this.text;
    if (line.trim() !== '' && this.entries[this.entries.length - 1] !== line) {
      this.entries.push(line);
      if (this.entries.length > this.maxHistory) this.entries.splice(0, this.entries.length - this.maxHistory);
    }
    this.index = this.entries.length;
    this.draft = '';
    this.text = '';
    this.pos = 0;
    return line;
  }

  /** Ctrl+C at the prompt: the line is abandoned, the history walk ends. */
  abandon(): string {
    const line = this.text;
    this.index = this.entries.length;
    this.draft = '';
    this.clear();
    return line;
  }
}
