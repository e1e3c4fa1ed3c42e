// Draws the prompt line into a terminal with plain ANSI: move to where the line starts, clear
// to the end of the screen, write prompt and text, put the cursor back. Lines longer than the
// terminal wrap, so positions are counted in rows and columns.

import { visibleLength } from '../../../shared/cli/paint';

export interface Drawn {
  data: string;
  /** Row of the cursor, counted from the line's first row. */
  cursorRow: number;
}

/**
 * @param fromRow the row (within the line) the terminal cursor is on now
 * @param prompt  the prompt, colours included
 */
export function drawLine(fromRow: number, prompt: string, text: string, cursor: number, columns: number): Drawn {
  const cols = Math.max(1, columns);
  const pw = visibleLength(prompt);
  let out = fromRow > 0 ? `\x1b[${fromRow}A` : '';
  out += `\r\x1b[J${prompt}${text}`;
  const total = pw + text.length;
  const endRow = Math.floor(total / cols);
  if (total > 0 && total % cols === 0) {
    // The terminal leaves the cursor on the last column ("pending wrap"); make it wrap for
    // real so that it stands where the arithmetic says.
    out += ' \r';
  }
  const at = pw + cursor;
  const row = Math.floor(at / cols);
  const col = at % cols;
  if (endRow > row) out += `\x1b[${endRow - row}A`;
  out += '\r';
  if (col > 0) out += `\x1b[${col}C`;
  return { data: out, cursorRow: row };
}

/** Candidates laid out in columns that fit the terminal, as shells list completions. */
export function columnsOf(items: readonly string[], columns: number): string[] {
  if (items.length === 0) return [];
  const width = Math.max(...items.map((s) => s.length)) + 2;
  const perRow = Math.max(1, Math.floor(Math.max(1, columns) / width));
  const rows = Math.ceil(items.length / perRow);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < perRow; c++) {
      const item = items[c * rows + r];
      if (item !== undefined) line += item.padEnd(width);
    }
    lines.push(line.trimEnd());
  }
  return lines;
}
