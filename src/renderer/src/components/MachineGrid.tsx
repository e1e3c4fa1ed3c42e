import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Machine } from '../../../shared/types';
import { gridWindow, WINDOW_FROM } from './grid-window';

/** Must match `.machine-grid` in machines.css. */
const GAP = 12;
const MIN_CARD = 250;
/** A first guess until a card has been measured (contain-intrinsic-size of `.machine`). */
const GUESS_ROW = 156;

/**
 * The machine cards of a region. Up to WINDOW_FROM machines every card is in the DOM; above,
 * only the rows in and near the viewport are (a 10,000-machine region would otherwise create
 * 10,000 cards on selection and re-render them on every change), laid out as the full grid
 * would be so the scrollbar and the cards' positions stay those of the whole region.
 */
export function MachineGrid({
  machines,
  count = machines.length,
  card,
  focusId,
}: {
  machines: Machine[];
  /** How many cards the grid is laid out for: more than `machines` while a region's first page is shown. */
  count?: number;
  card: (m: Machine) => ReactNode;
  /** A machine to bring into view (the palette or a deep link went there). */
  focusId?: string;
}) {
  if (count < WINDOW_FROM) {
    return (
      <div className="machine-grid" data-testid="machine-grid">
        {machines.map(card)}
      </div>
    );
  }
  return <WindowedGrid machines={machines} count={count} card={card} focusId={focusId} />;
}

function WindowedGrid({
  machines,
  count,
  card,
  focusId,
}: {
  machines: Machine[];
  count: number;
  card: (m: Machine) => ReactNode;
  focusId?: string;
}) {
  const outer = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState({ width: 0, top: 0, viewport: 800, rowHeight: GUESS_ROW });
  const [scroll, setScroll] = useState(0);

  // The grid scrolls with the detail pane it sits in (with the region header and charts above
  // it), so what is visible is worked out from that pane's scroll position.
  useLayoutEffect(() => {
    const el = outer.current;
    if (!el) return;
    const pane = (el.closest('.detail') as HTMLElement | null) ?? document.documentElement;
    let frame = 0;
    // Every rendered card is watched: one that outgrows its row (a VM's chips, vm-chips.tsx)
    // makes every row that tall. A card is at least its row's height (machines.css), so its
    // size changes only when its content outgrows the row, or the grid's width changes.
    const watched = new Set<Element>();
    const watchCards = () => {
      const now = new Set(el.querySelectorAll('[data-testid="machine-card"]'));
      for (const c of watched) {
        if (now.has(c)) continue;
        ro.unobserve(c);
        watched.delete(c);
      }
      for (const c of now) {
        if (watched.has(c)) continue;
        ro.observe(c);
        watched.add(c);
      }
    };
    const measure = () => {
      frame = 0;
      // The tallest card sets the row height.
      let tallest = 0;
      for (const c of el.querySelectorAll<HTMLElement>('[data-testid="machine-card"]')) {
        tallest = Math.max(tallest, c.offsetHeight);
      }
      const paneTop = pane.getBoundingClientRect().top;
      setBox((prev) => {
        const next = {
          width: el.clientWidth,
          top: el.getBoundingClientRect().top - paneTop + pane.scrollTop,
          viewport: pane.clientHeight,
          rowHeight: Math.max(prev.rowHeight, tallest),
        };
        const same =
          next.width === prev.width &&
          next.viewport === prev.viewport &&
          next.rowHeight === prev.rowHeight &&
          Math.abs(next.top - prev.top) < 1;
        return same ? prev : next;
      });
      setScroll(pane.scrollTop);
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(measure);
    };
    const ro = new ResizeObserver(schedule);
    measure();
    ro.observe(el);
    ro.observe(pane);
    watchCards();
    // Cards come and go as the window moves or the region changes.
    const mo = new MutationObserver(watchCards);
    if (el.firstElementChild) mo.observe(el.firstElementChild, { childList: true });
    pane.addEventListener('scroll', schedule, { passive: true });
    return () => {
      ro.disconnect();
      mo.disconnect();
      pane.removeEventListener('scroll', schedule);
      if (frame) cancelAnimationFrame(frame);
    };
  }, []);

  const win = gridWindow({
    count,
    width: box.width,
    minCard: MIN_CARD,
    gap: GAP,
    rowHeight: box.rowHeight,
    scrollTop: scroll - box.top,
    viewport: box.viewport,
  });

  // Bring a focused machine into view even when its card is not rendered yet.
  useEffect(() => {
    if (!focusId || !outer.current) return;
    const index = machines.findIndex((m) => m.id === focusId);
    if (index < 0) return;
    const pane = outer.current.closest('.detail') as HTMLElement | null;
    if (!pane) return;
    const row = Math.floor(index / win.columns);
    pane.scrollTo({ top: box.top + row * win.rowStride - pane.clientHeight / 2 + box.rowHeight / 2 });
  }, [focusId, machines, win.columns, win.rowStride, box.top, box.rowHeight]);

  return (
    <div
      ref={outer}
      className="machine-grid-window"
      data-testid="machine-grid"
      data-windowed="true"
      data-rendered={win.end - win.start}
      style={{ height: win.totalHeight }}
    >
      <div
        className="machine-grid"
        style={{
          gridTemplateColumns: `repeat(${win.columns}, minmax(0, 1fr))`,
          // Uniform rows of a fixed height, as gridWindow() counts them. Rows sized by their
          // content (minmax(h, auto)) made every change in any card lay out every card again,
          // two or three times (the grid's intrinsic sizing): 4-5x the layout time of a tick
          // while launches streamed in. A card that outgrows the row overflows it until measured.
          gridAutoRows: `${box.rowHeight}px`,
          transform: `translateY(${win.offset}px)`,
        }}
      >
        {machines.slice(win.start, win.end).map(card)}
      </div>
    </div>
  );
}
