import { describe, expect, it } from 'vitest';
import { mergeSamples, type Sample, unpackSamples } from '../../src/shared/samples';

const s = (t: number, over: Partial<Sample> = {}): Sample => ({
  t,
  fleet: [10.04, 20],
  regions: { SIN: [30, 40], NRT: [1.26, 0] },
  launches: 1.234,
  failed: 0,
  ...over,
});

describe('chart samples on the wire', () => {
  it('reads region columns back into per-region figures, leaving out the nulls', () => {
    const back = unpackSamples({
      interval_ms: 1000,
      window_ms: 600_000,
      regions: ['NRT', 'SIN'],
      samples: [
        {
          t: 1000,
          fleet: [10, 20],
          regions: [
            [1.3, 0],
            [30, 40],
          ],
          launches: 1.23,
          failed: 0,
        },
        { t: 2000, fleet: [0, 0], regions: [null, [5, 5]], launches: null, failed: null, stale: true },
      ],
    });
    expect(back[0]).toEqual({
      t: 1000,
      fleet: [10, 20],
      regions: { NRT: [1.3, 0], SIN: [30, 40] },
      launches: 1.23,
      failed: 0,
    });
    expect(back[1].regions).toEqual({ SIN: [5, 5] });
    expect(back[1].stale).toBe(true);
  });

  it("puts the host's samples after the page's, replacing its stale ones for the same time", () => {
    const mine = [s(1000), s(2000), s(3000, { stale: true }), s(4000, { stale: true })];
    const merged = mergeSamples(mine, [s(3000), s(4000), s(5000)]);
    expect(merged.map((x) => [x.t, x.stale ?? false])).toEqual([
      [1000, false],
      [2000, false],
      [3000, false],
      [4000, false],
      [5000, false],
    ]);
    expect(mergeSamples(mine, [])).toBe(mine);
    // Older than the window is dropped.
    expect(mergeSamples([s(1000)], [s(700_000)], 600_000).map((x) => x.t)).toEqual([700_000]);
  });
});
