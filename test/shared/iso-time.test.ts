import { describe, expect, it } from 'vitest';
import { IsoClock, isoMs, timeMs } from '../../src/shared/iso-time';

describe('iso-time', () => {
  it('reads every time toISOString writes as Date.parse does, 1970 to 9999', () => {
    const max = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    const cases = [0, max, Date.UTC(2000, 1, 29), Date.UTC(2100, 2, 1) - 1, Date.UTC(2024, 11, 31, 23, 59, 59, 999)];
    for (let i = 0; i < 20_000; i++) cases.push(Math.floor(Math.random() * max));
    for (const ms of cases) {
      const text = new Date(ms).toISOString();
      expect(isoMs(text)).toBe(ms);
      expect(timeMs(text)).toBe(ms);
    }
  });

  it('says NaN for anything toISOString would not write, and timeMs falls back to Date.parse', () => {
    for (const text of [
      '2026-02-29T00:00:00.000Z', // not a leap year
      '2100-02-29T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-00-01T00:00:00.000Z',
      '2026-01-00T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T00:60:00.000Z',
      '2026-01-01T00:00:60.000Z',
      '2026-01-01T00:00:00.000+',
      '2026-01-01 00:00:00.000Z',
      '2026-01-01T00:00:00Z',
      '1969-12-31T23:59:59.999Z',
      '2026-0a-01T00:00:00.000Z',
      '',
    ]) {
      expect(isoMs(text)).toBeNaN();
      expect(Object.is(timeMs(text), Date.parse(text))).toBe(true);
    }
    expect(isoMs(42 as never)).toBeNaN();
    expect(timeMs('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1));
  });

  it('IsoClock writes what toISOString writes', () => {
    const clock = new IsoClock();
    for (const ms of [5, 5, 6, 1_700_000_000_123, 1_700_000_000_123])
      expect(clock.text(ms)).toBe(new Date(ms).toISOString());
  });
});
