import { describe, expect, it } from 'vitest';
import { parseLoadTexts } from '../../../src/shared/load/spec';
import { LoadStats, percentile } from '../../../src/shared/load/stats';

describe('percentile (nearest rank)', () => {
  it('picks the value at ceil(p% of n)', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('LoadStats', () => {
  it('counts outcomes, codes, VMs alive, and a row per second', () => {
    const s = new LoadStats();
    for (let i = 0; i < 4; i++) s.sent(i * 400);
    s.answered(100, 'ok', 10);
    s.answered(500, 'no_capacity', 20);
    s.answered(900, 'error', 30, 'rate_limited');
    s.answered(1300, 'ok', 40);
    s.destroyedOne(true);
    expect(s.counts).toMatchObject({ sent: 4, ok: 2, no_capacity: 1, errors: 1, in_flight: 0, alive: 1, destroyed: 1 });
    expect(s.counts.errors_by_code).toEqual({ rate_limited: 1 });
    expect(s.series()).toEqual([
      { t: 0, sent: 3, ok: 1, no_capacity: 1, errors: 1, p50_ms: 20, p99_ms: 30 },
      { t: 1, sent: 1, ok: 1, no_capacity: 0, errors: 0, p50_ms: 40, p99_ms: 40 },
    ]);
    const p = s.progress('running', 1500, 10_000);
    expect(p).toMatchObject({ rate_now: 3, p50_ms: 20, p99_ms: 40, state: 'running' });
    const spec = parseLoadTexts({ rate: '2', duration: '2s' }, ['SIN'], undefined, () => 1);
    const sum = s.summary(spec, { stopped: false, launchMs: 2000, totalMs: 2100, left: [] });
    expect(sum.rate_achieved).toBe(2);
    expect(sum.latency_ms).toEqual({ p50: 20, p90: 40, p99: 40, max: 40 });
  });
});
