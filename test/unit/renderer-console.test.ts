import { describe, expect, it } from 'vitest';
import { decodeKeys } from '../../src/renderer/src/console/keys';
import { LineEditor } from '../../src/renderer/src/console/line-editor';
import { columnsOf, drawLine } from '../../src/renderer/src/console/render';
import { ConsoleSession, commonPrefix, type RunIO } from '../../src/renderer/src/console/session';
import { complete } from '../../src/shared/cli/complete';
import { stripAnsi } from '../../src/shared/cli/paint';
import { splitArgs } from '../../src/shared/cli/shell-words';

const type = (ed: LineEditor, s: string) => ed.insert(s);

describe('line editor', () => {
  it('inserts at the cursor and moves with left/right/home/end', () => {
    const ed = new LineEditor();
    type(ed, 'lanch');
    ed.left();
    ed.left();
    ed.left();
    type(ed, 'u');
    expect(ed.line).toBe('launch');
    expect(ed.cursor).toBe(3);
    ed.home();
    expect(ed.cursor).toBe(0);
    ed.left();
    expect(ed.cursor).toBe(0);
    ed.end();
    ed.right();
    expect(ed.cursor).toBe(6);
  });

  it('deletes backwards and forwards at the edges without going out of range', () => {
    const ed = new LineEditor();
    type(ed, 'abc');
    ed.backspace();
    expect(ed.line).toBe('ab');
    ed.home();
    ed.backspace();
    ed.deleteForward();
    expect(ed.line).toBe('b');
    ed.end();
    ed.deleteForward();
    expect(ed.line).toBe('b');
  });

  it('kills to start (Ctrl+U), to end (Ctrl+K) and the word before the cursor (Ctrl+W)', () => {
    const ed = new LineEditor();
    type(ed, 'launch --vm-region SIN');
    ed.deleteWordBack();
    expect(ed.line).toBe('launch --vm-region ');
    ed.deleteWordBack();
    expect(ed.line).toBe('launch ');
    type(ed, 'x y');
    ed.left();
    ed.left();
    ed.killToEnd();
    expect(ed.line).toBe('launch x');
    ed.left();
    ed.killToStart();
    expect(ed.line).toBe('x');
    expect(ed.cursor).toBe(0);
  });

  it('moves by words', () => {
    const ed = new LineEditor();
    type(ed, 'machines  sin now');
    ed.wordLeft();
    expect(ed.cursor).toBe(14);
    ed.wordLeft();
    expect(ed.cursor).toBe(10);
    ed.wordRight();
    expect(ed.cursor).toBe(13);
  });

  it('drops control characters and turns tabs into spaces in pasted text', () => {
    const ed = new LineEditor();
    type(ed, 'regions\x1b[2J\tnow\x07');
    expect(ed.line).toBe('regions[2J now');
  });

  it('walks the history with up/down and gives back the line being written', () => {
    const ed = new LineEditor(['regions', 'status']);
    type(ed, 'mach');
    ed.historyUp();
    expect(ed.line).toBe('status');
    ed.historyUp();
    expect(ed.line).toBe('regions');
    ed.historyUp();
    expect(ed.line).toBe('regions');
    ed.historyDown();
    ed.historyDown();
    expect(ed.line).toBe('mach');
    expect(ed.cursor).toBe(4);
    ed.historyDown();
    expect(ed.line).toBe('mach');
  });

  it('records submitted lines once, skipping blanks and repeats, within a cap', () => {
    const ed = new LineEditor([], 3);
    for (const l of ['a', 'a', '  ', 'b', 'c', 'd']) {
      ed.set(l);
      ed.submit();
    }
    expect(ed.history).toEqual(['b', 'c', 'd']);
    expect(ed.line).toBe('');
  });

  it('replaces a range for completion and puts the cursor after it', () => {
    const ed = new LineEditor();
    type(ed, 'machines si --json');
    ed.replace(9, 11, 'SIN');
    expect(ed.line).toBe('machines SIN --json');
    expect(ed.cursor).toBe(12);
  });
});

describe('key decoding', () => {
  it('names arrows, editing keys and control keys', () => {
    expect(decodeKeys('\x1b[A\x1b[B\x1b[C\x1b[D\x1b[H\x1b[F\x1b[3~').map((k) => k.kind)).toEqual([
      'up',
      'down',
      'right',
      'left',
      'home',
      'end',
      'delete',
    ]);
    expect(decodeKeys('\x01\x05\x15\x0b\x17\x03\x0c\x7f\t\r').map((k) => k.kind)).toEqual([
      'home',
      'end',
      'killToStart',
      'killToEnd',
      'deleteWordBack',
      'interrupt',
      'clearScreen',
      'backspace',
      'tab',
      'enter',
    ]);
  });

  it('keeps text together and splits a multi-line paste into lines and enters', () => {
    expect(decodeKeys('status\r\nregions\r')).toEqual([
      { kind: 'text', text: 'status' },
      { kind: 'enter' },
      { kind: 'text', text: 'regions' },
      { kind: 'enter' },
    ]);
  });

  it('skips unknown escape sequences whole', () => {
    expect(decodeKeys('a\x1b[15~b\x1b[<0;3;4Mc\x1bOPd')).toEqual([
      { kind: 'text', text: 'a' },
      { kind: 'text', text: 'b' },
      { kind: 'text', text: 'c' },
      { kind: 'text', text: 'd' },
    ]);
  });
});

/** Replays ANSI output onto a grid, enough to check where text and the cursor end up. */
function screen(cols: number) {
  const rows: string[][] = [[]];
  let r = 0;
  let c = 0;
  let pendingWrap = false;
  const put = (ch: string) => {
    if (pendingWrap) {
      r++;
      c = 0;
      pendingWrap = false;
    }
    rows[r] ??= [];
    rows[r][c] = ch;
    if (c === cols - 1) pendingWrap = true;
    else c++;
  };
  return {
    write(data: string) {
      let i = 0;
      while (i < data.length) {
        const ch = data[i];
        if (ch === '\x1b') {
          // biome-ignore lint/suspicious/noControlCharactersInRegex: parsing escape sequences is the point
          const m = /^\x1b\[(\d*)([A-Za-z])/.exec(data.slice(i));
          if (!m) throw new Error(`unexpected escape in ${JSON.stringify(data.slice(i))}`);
          const n = Number(m[1] || 1);
          pendingWrap = false;
          if (m[2] === 'A') r = Math.max(0, r - n);
          else if (m[2] === 'C') c = Math.min(cols - 1, c + n);
          else if (m[2] === 'J') {
            rows[r] = (rows[r] ?? []).slice(0, c);
            rows.length = r + 1;
          } else if (m[2] === 'm') {
            // colour: nothing on the grid
          } else throw new Error(`unhandled CSI ${m[2]}`);
          i += m[0].length;
          continue;
        }
        if (ch === '\r') {
          c = 0;
          pendingWrap = false;
        } else if (ch === '\n') {
          r++;
          pendingWrap = false;
        } else put(ch);
        i++;
      }
    },
    text: () => rows.map((row) => Array.from({ length: row.length }, (_, i) => row[i] ?? ' ').join('')),
    get cursor() {
      return { r, c };
    },
  };
}

describe('line drawing', () => {
  it('puts the cursor where the editor says, also on wrapped lines', () => {
    const cols = 10;
    const scr = screen(cols);
    const prompt = '\x1b[35m$\x1b[0m '; // 2 visible columns
    let row = 0;
    const draw = (text: string, cursor: number) => {
      const d = drawLine(row, prompt, text, cursor, cols);
      row = d.cursorRow;
      scr.write(d.data);
    };
    draw('abc', 3);
    expect(scr.text()).toEqual(['$ abc']);
    expect(scr.cursor).toEqual({ r: 0, c: 5 });
    draw('abcdefghijklmnop', 16); // 18 columns: wraps once
    expect(scr.text()).toEqual(['$ abcdefgh', 'ijklmnop']);
    expect(scr.cursor).toEqual({ r: 1, c: 8 });
    draw('abcdefghijklmnop', 3);
    expect(scr.cursor).toEqual({ r: 0, c: 5 });
    draw('abc', 1); // shorter again: the second row is cleared
    expect(scr.text()).toEqual(['$ abc']);
    expect(scr.cursor).toEqual({ r: 0, c: 3 });
  });

  it('handles a line that exactly fills the width', () => {
    const scr = screen(10);
    const d = drawLine(0, '$ ', 'abcdefgh', 8, 10);
    scr.write(d.data);
    expect(scr.cursor).toEqual({ r: 1, c: 0 });
    expect(d.cursorRow).toBe(1);
  });

  it('lays out candidates in columns that fit', () => {
    // Down the columns first, as ls and shells list them.
    expect(columnsOf(['AMS', 'ARN', 'ATL', 'BOG', 'BOM'], 12)).toEqual(['AMS  BOG', 'ARN  BOM', 'ATL']);
    expect(commonPrefix(['--vm-region', '--vm-memory', '--vm-cores'])).toBe('--vm-');
  });
});

function harness(opts: { history?: string[]; run?: (argv: string[], io: RunIO) => Promise<number> } = {}) {
  const written: string[] = [];
  const runs: string[][] = [];
  let saved: readonly string[] = [];
  let exited = false;
  const session = new ConsoleSession({
    out: { write: (d) => written.push(d) },
    columns: () => 80,
    run:
      opts.run ??
      (async (argv, io) => {
        runs.push(argv);
        io.out(`ran ${argv.join(' ')}`);
        return 0;
      }),
    split: splitArgs,
    complete: (line, cursor) => complete(line, cursor, ['SIN', 'SJC', 'SCL', 'AMS']),
    history: { load: () => opts.history ?? [], save: (e) => (saved = [...e]) },
    onExit: () => (exited = true),
  });
  session.start();
  return {
    session,
    runs,
    output: () => stripAnsi(written.join('')),
    clearOutput: () => written.splice(0),
    saved: () => saved,
    exited: () => exited,
  };
}

describe('console session', () => {
  it('runs a typed line as argv with the CLI grammar and saves it in the history', async () => {
    const h = harness();
    h.session.input('launch --vm-region SIN --vm-memory 8 --vm-cores 4');
    h.session.input('\r');
    await h.session.idle();
    expect(h.runs).toEqual([['launch', '--vm-region', 'SIN', '--vm-memory', '8', '--vm-cores', '4']]);
    expect(h.output()).toContain('ran launch --vm-region SIN');
    expect(h.saved()).toEqual(['launch --vm-region SIN --vm-memory 8 --vm-cores 4']);
  });

  it('edits with keys before running', async () => {
    const h = harness();
    h.session.input('regoins');
    h.session.input('\x1b[D\x1b[D\x7f\x7fio'); // fix the typo in the middle
    h.session.input('\x01\x1b[3~r\r');
    await h.session.idle();
    expect(h.runs).toEqual([['regions']]);
  });

  it('recalls history from storage with the up arrow', async () => {
    const h = harness({ history: ['status', 'machines SIN'] });
    h.session.input('\x1b[A\r');
    await h.session.idle();
    expect(h.runs).toEqual([['machines', 'SIN']]);
  });

  it('completes a command, a flag and a region, and lists ambiguous choices', async () => {
    const h = harness();
    h.session.input('lau\t');
    expect(h.session.editor.line).toBe('launch ');
    h.session.input('--vm-r\t');
    expect(h.session.editor.line).toBe('launch --vm-region ');
    h.session.input('s\t');
    expect(h.session.editor.line).toBe('launch --vm-region s');
    const listed = h.output();
    expect(listed).toContain('SCL');
    expect(listed).toContain('SIN');
    expect(listed).toContain('SJC');
    h.session.input('i\t');
    expect(h.session.editor.line).toBe('launch --vm-region SIN ');
  });

  it('Ctrl+C aborts the running command, drops what was typed ahead, and the prompt comes back', async () => {
    let signal: AbortSignal | undefined;
    const started: string[][] = [];
    const h = harness({
      run: (argv, io) =>
        new Promise<number>((resolve) => {
          started.push(argv);
          signal = io.signal;
          io.signal.addEventListener('abort', () => resolve(0));
        }),
    });
    h.session.input('watch\r');
    expect(h.session.busy).toBe(true);
    h.session.input('status\r'); // typed ahead…
    h.session.input('\x03'); // …and dropped by Ctrl+C
    await h.session.idle();
    expect(started).toEqual([['watch']]);
    expect(signal?.aborted).toBe(true);
    expect(h.session.busy).toBe(false);
    expect(h.output()).toContain('^C');
    expect(h.session.editor.line).toBe('');
  });

  it('runs what was typed while a command ran once it finishes, as a terminal does', async () => {
    let finish: (code: number) => void = () => {};
    const started: string[][] = [];
    const h = harness({
      run: (argv) =>
        new Promise<number>((resolve) => {
          started.push(argv);
          finish = resolve;
        }),
    });
    h.session.input('regions\rstat');
    h.session.input('us\r');
    expect(started).toEqual([['regions']]);
    finish(0);
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([['regions'], ['status']]);
    finish(0);
    await h.session.idle();
    expect(h.session.busy).toBe(false);
  });

  it('Ctrl+C at the prompt abandons the line without running it', async () => {
    const h = harness();
    h.session.input('destroy vm-1\x03');
    await h.session.idle();
    expect(h.runs).toEqual([]);
    expect(h.session.editor.line).toBe('');
    expect(h.saved()).toEqual([]);
  });

  it('clear and Ctrl+L clear the screen locally; exit hides the pane', async () => {
    const h = harness();
    h.clearOutput();
    h.session.input('clear\r');
    await h.session.idle();
    expect(h.runs).toEqual([]);
    h.session.input('\x0c');
    h.session.input('exit\r');
    await h.session.idle();
    expect(h.exited()).toBe(true);
    expect(h.runs).toEqual([]);
  });

  it('prints a quoting error instead of running', async () => {
    const h = harness();
    h.session.input('machines "SIN\r');
    await h.session.idle();
    expect(h.runs).toEqual([]);
    expect(h.output()).toContain('error: unterminated quote');
  });

  it('adds the console keys after the shared help', async () => {
    const h = harness();
    h.session.input('help\r');
    await h.session.idle();
    expect(h.runs).toEqual([['help']]);
    expect(h.output()).toContain('`history` lists past commands');
  });

  it('turns a thrown error into an error line and a failed prompt, and keeps going', async () => {
    const h = harness({
      run: async () => {
        throw new Error('boom');
      },
    });
    h.session.input('status\r');
    await h.session.idle();
    expect(h.output()).toContain('error: boom');
    expect(h.session.busy).toBe(false);
  });

  it('strips cursor movement from command output but keeps colours', async () => {
    const written: string[] = [];
    const session = new ConsoleSession({
      out: { write: (d) => written.push(d) },
      columns: () => 80,
      run: async (_a, io) => {
        io.out('\x1b[32mok\x1b[0m\x1b[2J\x1b[H\x1b]0;title\x07 done');
        return 0;
      },
      split: splitArgs,
      history: { load: () => [], save: () => {} },
    });
    session.start();
    session.input('status\r');
    await session.idle();
    const all = written.join('');
    expect(all).toContain('\x1b[32mok\x1b[0m done\r\n');
    expect(all).not.toContain('\x1b]0;');
  });
});
