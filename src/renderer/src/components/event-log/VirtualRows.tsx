// A list that renders only the rows in view (plus a few either side), so ten thousand events
// scroll as smoothly as ten. Rows have one fixed height; the list keeps its scroll position
// when rows are added at the top, unless it was at the top (then it shows the newest).

import { type ReactNode, useLayoutEffect, useRef, useState } from 'react';

const OVERSCAN = 8;

export function VirtualRows<T>({
  items,
  rowHeight,
  keyOf,
  render,
  label,
  testId,
}: {
  items: readonly T[];
  rowHeight: number;
  keyOf: (item: T) => string | number;
  render: (item: T) => ReactNode;
  label: string;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const firstKey = useRef<string | number | null>(null);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  // Rows added above what the reader is looking at must not push it down.
  useLayoutEffect(() => {
    const el = ref.current;
    const head = items.length ? keyOf(items[0]) : null;
    const before = firstKey.current;
    if (el && el.scrollTop > 0 && before !== null && head !== before) {
      const moved = items.findIndex((it) => keyOf(it) === before);
      if (moved > 0) el.scrollTop += moved * rowHeight;
    }
    firstKey.current = head;
  }, [items, keyOf, rowHeight]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + OVERSCAN);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <li
        key={keyOf(items[i])}
        className="vrow"
        style={{ transform: `translateY(${i * rowHeight}px)`, height: rowHeight }}
      >
        {render(items[i])}
      </li>,
    );
  }
  return (
    <div
      ref={ref}
      className="vrows"
      data-testid={testId}
      data-total={items.length}
      data-rendered={last - first}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <ul className="vrows-spacer" aria-label={label} style={{ height: items.length * rowHeight }}>
        {rows}
      </ul>
    </div>
  );
}
