// The console pane's line editor: editing, history and completion, without a terminal.

import { describe, expect, it } from 'vitest';
import { LineEditor } from '../../../../src/renderer/src/console/line-editor';

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
