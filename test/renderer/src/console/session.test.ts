// The console session: running commands, completion, history and Ctrl+C over a fake terminal.

import { describe, expect, it } from 'vitest';
import { ConsoleSession, type RunIO } from '../../../../src/renderer/src/console/session';
import { complete } from '../../../../src/shared/cli/complete';
import { stripAnsi } from '../../../../src/shared/cli/paint';
import { splitArgs } from '../../../../src/shared/cli/shell-words';

function harness(
  opts: { history?: string[]; run?: (argv: string[], io: RunIO) => Promise<number>; vmIds?: string[] } = {},
) {
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
    complete: (line, cursor) =>
      complete(line, cursor, ['SIN', 'SJC', 'SCL', 'AMS'], { ids: { vms: () => opts.vmIds ?? [] } }),
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

  it('completes a VM id, and lists at most a screenful of thousands', async () => {
    const vmIds = Array.from({ length: 3000 }, (_, i) => `vm-${String(i).padStart(4, '0')}abcd`);
    const h = harness({ vmIds });
    h.session.input('vm stop vm-12\t');
    expect(h.session.editor.line).toBe('vm stop vm-12');
    expect(h.output()).toContain('vm-1299abcd');
    h.clearOutput();
    h.session.input('\x15vm stop vm-\t');
    const listed = h.output();
    expect(listed).toContain('vm-0099abcd');
    expect(listed).not.toContain('vm-0100abcd');
    expect(listed).toContain('… and 2900 more: type more of it');
    h.session.input('\x15vm stop vm-0042\t');
    expect(h.session.editor.line).toBe('vm stop vm-0042abcd ');
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
