// Drawing the edited line onto the terminal.

import { describe, expect, it } from 'vitest';
import { columnsOf, drawLine } from '../../../../src/renderer/src/console/render';
import { commonPrefix } from '../../../../src/renderer/src/console/session';

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
