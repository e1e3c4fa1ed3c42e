// Aligned text tables for the terminal: text columns shrink (cut with '…') to fit its width.

import { paint, type Style, visibleLength } from './paint';

export interface Column<T> {
  header: string;
  align?: 'left' | 'right';
  value(row: T): string;
  style?(row: T): Style | null;
  /** May be cut with '…' when the table is wider than the terminal. */
  shrink?: boolean;
}

const GAP = '  ';
const MIN_SHRUNK = 8;

/** An aligned table: header row, then one line per row. Trailing spaces are trimmed. */
export function table<T>(columns: Column<T>[], rows: readonly T[], opts: { color: boolean; width?: number }): string[] {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => visibleLength(row[i]))));
  if (opts.width && opts.width > 0) {
    let excess = widths.reduce((a, b) => a + b, 0) + GAP.length * (columns.length - 1) - opts.width;
    columns.forEach((c, i) => {
      if (excess <= 0 || !c.shrink) return;
      const floor = Math.max(MIN_SHRUNK, c.header.length);
      const cut = Math.min(excess, widths[i] - floor);
      if (cut > 0) {
        widths[i] -= cut;
        excess -= cut;
      }
    });
  }
  const line = (texts: string[], styles: (Style | null)[]) =>
    texts
      .map((t, i) => {
        const fitted = fitCell(t, widths[i]);
        const pad = ' '.repeat(widths[i] - visibleLength(fitted));
        const painted = paint(fitted, styles[i], opts.color);
        return columns[i].align === 'right' ? pad + painted : painted + pad;
      })
      .join(GAP)
      .trimEnd();
  const header = line(
    columns.map((c) => c.header),
    columns.map(() => 'bold'),
  );
  return [
    header,
    ...cells.map((row, r) =>
      line(
        row,
        columns.map((c) => c.style?.(rows[r]) ?? null),
      ),
    ),
  ];
}

function fitCell(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}
