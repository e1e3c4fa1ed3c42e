// Which cards of a uniform grid are in and near the viewport: the arithmetic of the windowed
// machine grid, kept apart from React so it can be tested on its own.

/** Regions with fewer machines render every card (and keep the plain CSS grid). */
export const WINDOW_FROM = 400;
/** Rows rendered above and below the visible ones, so a fast scroll does not show blanks. */
const OVERSCAN_ROWS = 3;

export interface GridWindowInput {
  count: number;
  /** The grid's width in px (0 before it is measured). */
  width: number;
  minCard: number;
  gap: number;
  /** A card's height in px (the tallest measured). */
  rowHeight: number;
  /** How far the viewport's top is below the grid's top, in px (negative: the grid starts lower). */
  scrollTop: number;
  viewport: number;
}

export interface GridWindow {
  columns: number;
  /** A row's height plus the gap below it. */
  rowStride: number;
  /** Cards [start, end) are rendered. */
  start: number;
  end: number;
  /** Where the first rendered row sits, from the grid's top. */
  offset: number;
  totalHeight: number;
}

export function gridWindow(i: GridWindowInput): GridWindow {
  // As `repeat(auto-fill, minmax(minCard, 1fr))` would lay it out.
  const columns = Math.max(1, Math.floor((Math.max(i.width, i.minCard) + i.gap) / (i.minCard + i.gap)));
  const rowStride = i.rowHeight + i.gap;
  const rows = Math.ceil(i.count / columns);
  const first = Math.floor(Math.max(0, i.scrollTop) / rowStride);
  const last = Math.ceil(Math.max(0, i.scrollTop + i.viewport) / rowStride);
  const fromRow = Math.max(0, Math.min(rows - 1, first - OVERSCAN_ROWS));
  const toRow = Math.max(fromRow + 1, Math.min(rows, last + OVERSCAN_ROWS));
  return {
    columns,
    rowStride,
    start: Math.min(i.count, fromRow * columns),
    end: Math.min(i.count, toRow * columns),
    offset: fromRow * rowStride,
    totalHeight: Math.max(0, rows * rowStride - i.gap),
  };
}
