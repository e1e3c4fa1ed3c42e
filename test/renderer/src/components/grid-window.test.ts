import { describe, expect, it } from 'vitest';
import { gridWindow } from '../../../../src/renderer/src/components/grid-window';

const base = { count: 10_000, width: 1048, minCard: 250, gap: 12, rowHeight: 156, scrollTop: 0, viewport: 700 };

describe('gridWindow', () => {
  it('lays out columns as auto-fill would, and renders only the rows near the viewport', () => {
    const w = gridWindow(base);
    expect(w.columns).toBe(4); // (1048 + 12) / 262 = 4.04
    expect(w.rowStride).toBe(168);
    expect(w.start).toBe(0);
    // 700 px shows rows 0–4; three more below.
    expect(w.end).toBe(8 * 4);
    expect(w.offset).toBe(0);
    expect(w.totalHeight).toBe(2500 * 168 - 12);
  });

  it('scrolled to the middle: the window moves with it, with three rows of overscan above', () => {
    const w = gridWindow({ ...base, scrollTop: 168 * 1000 });
    expect(w.start).toBe(997 * 4);
    expect(w.offset).toBe(997 * 168);
    expect(w.end).toBe((1000 + 5 + 3) * 4);
  });

  it('at the end the last row may be partial, and nothing runs past the count', () => {
    const w = gridWindow({ ...base, count: 10_001, scrollTop: 10_000_000 });
    expect(w.end).toBe(10_001);
    expect(w.start).toBeLessThan(10_001);
    expect(w.start % w.columns).toBe(0);
  });

  it('before the grid is measured or when it starts below the fold, it still renders a first row', () => {
    const w = gridWindow({ ...base, width: 0, scrollTop: -2000 });
    expect(w.columns).toBe(1);
    expect(w.start).toBe(0);
    expect(w.end).toBeGreaterThan(0);
  });

  it('an empty grid renders nothing', () => {
    const w = gridWindow({ ...base, count: 0 });
    expect([w.start, w.end, w.totalHeight]).toEqual([0, 0, 0]);
  });
});
