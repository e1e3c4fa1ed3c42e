// A usage bar's fill: steps too small to see do not change it (and so restart no transition).

import { describe, expect, it } from 'vitest';
import { barScale } from '../../../../src/renderer/src/components/bar-scale';

describe('barScale', () => {
  it('maps 0–100 % to 0–1, clamped, and treats a bad value as empty', () => {
    expect(barScale(0)).toBe(0);
    expect(barScale(50)).toBe(0.5);
    expect(barScale(100)).toBe(1);
    expect(barScale(130)).toBe(1);
    expect(barScale(-4)).toBe(0);
    expect(barScale(Number.NaN)).toBe(0);
  });

  it('rounds to 1/400 of the bar, so a stream of tiny changes keeps one transform', () => {
    // A region of 646,240 cores filling by one core at a time, as launches stream in.
    const total = 646_240;
    const seen = new Set<number>();
    for (let used = 1000; used < 1500; used++) seen.add(barScale((100 * used) / total));
    // 500 changes of the figure, two of the bar (0.15 % → 0.23 %).
    expect(seen.size).toBeLessThanOrEqual(2);
    expect(barScale(12.6)).toBe(0.125);
    expect(barScale(12.7)).toBe(0.1275);
  });
});
