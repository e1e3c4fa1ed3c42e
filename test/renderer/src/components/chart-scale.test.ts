import { describe, expect, it } from 'vitest';
import {
  ago,
  chartDomain,
  formatValue,
  nearestIndex,
  niceCeil,
  seriesRuns,
  tickStep,
} from '../../../../src/renderer/src/components/chart-scale';
import { HISTORY_WINDOW_MS } from '../../../../src/renderer/src/state/history';

const box = { left: 34, top: 4, width: 200, height: 100 };

describe('chart scale', () => {
  it('rounds a y-axis top up to 1, 2 or 5 × 10^k', () => {
    expect([0, 0.4, 1, 1.1, 3, 7, 12, 480, 999].map(niceCeil)).toEqual([1, 1, 1, 2, 5, 10, 20, 500, 1000]);
  });

  it('reads ticks as time before the newest sample', () => {
    expect([0, 30_000, 60_000, 90_000, 120_000].map(ago)).toEqual(['now', '−30s', '−1m', '−1m30s', '−2m']);
    expect(tickStep(60_000)).toBe(30_000);
    expect(tickStep(HISTORY_WINDOW_MS)).toBe(2 * 60_000);
  });

  it('spans at least a minute, at most the window, and zooms y to the data (never past 100 %)', () => {
    const times = [1_000_000, 1_001_000, 1_002_000];
    const d = chartDomain(times, [[2, 3, 3.5]], '%');
    expect(d.end).toBe(1_002_000);
    expect(d.start).toBe(1_002_000 - 60_000);
    expect(d.top).toBe(5);
    expect(d.yTicks).toEqual([0, 2.5, 5]);
    expect(d.xTicks.at(-1)).toBe(d.end);
    expect(d.xTicks[0]).toBeGreaterThanOrEqual(d.start);
    expect(chartDomain(times, [[90, null, 99]], '%').top).toBe(100);
    const long = Array.from({ length: 700 }, (_, i) => i * 1000);
    expect(chartDomain(long, [long.map(() => 1)], '/s').start).toBe(699_000 - HISTORY_WINDOW_MS);
    expect(chartDomain(times, [[430, 0, 12]], '/s').top).toBe(500);
  });

  it('maps points into the box and breaks a line at a missing sample', () => {
    const times = [0, 30_000, 60_000, 90_000];
    const d = { ...chartDomain(times, [[0, 50, 100]], '%'), start: 0, end: 90_000, top: 100 };
    const runs = seriesRuns(times, [0, 50, null, 100], d, box);
    expect(runs).toHaveLength(2);
    expect(runs[0][0]).toEqual({ x: 34, y: 104 });
    expect(runs[0][1].y).toBe(54);
    expect(runs[1]).toEqual([{ x: 234, y: 4 }]);
  });

  it('finds the sample nearest the pointer', () => {
    const times = [0, 30_000, 60_000, 90_000];
    const d = { ...chartDomain(times, [[1]], '%'), start: 0, end: 90_000 };
    expect(nearestIndex(times, d, 34, 200, 34)).toBe(0);
    expect(nearestIndex(times, d, 34, 200, 34 + 120)).toBe(2);
    expect(nearestIndex(times, d, 34, 200, 500)).toBe(3);
    expect(nearestIndex([], d, 34, 200, 50)).toBe(-1);
  });

  it('formats values for the legend and the tooltip', () => {
    expect(formatValue('/s', 4.25)).toBe('4.3/s');
    expect(formatValue('/s', 123.4)).toBe('123/s');
    expect(formatValue('%', null)).toBe('—');
  });
});
