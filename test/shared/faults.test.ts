import { describe, expect, it } from 'vitest';
import { failurePlan, parseRegionStatus, pickDistinct, statusAfter } from '../../src/shared/faults';
import { nearestRegions } from '../../src/shared/geo';
import { mulberry32 } from '../../src/shared/random';

describe('faults', () => {
  it('reads region statuses in any case, and names the allowed ones otherwise', () => {
    expect(parseRegionStatus('DOWN')).toBe('Down');
    expect(parseRegionStatus(' degraded ')).toBe('Degraded Performance');
    expect(parseRegionStatus('Degraded  Performance')).toBe('Degraded Performance');
    expect(parseRegionStatus('Operational')).toBe('Operational');
    expect(() => parseRegionStatus('sideways')).toThrow('status must be operational, degraded or down (any case)');
    expect(() => parseRegionStatus(3)).toThrow(/status must be/);
  });

  it('maps machine actions to statuses', () => {
    expect([statusAfter('drain'), statusAfter('offline'), statusAfter('online')]).toEqual([
      'draining',
      'offline',
      'available',
    ]);
  });

  it('picks distinct victims, replayable from a seed', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `m${i}`);
    const a = pickDistinct(ids, 10, mulberry32(5));
    expect(new Set(a).size).toBe(10);
    expect(pickDistinct(ids, 10, mulberry32(5))).toEqual(a);
    expect(pickDistinct(ids, 99, mulberry32(5))).toHaveLength(50);
  });

  it('plans machine failures at the given rate, never failing a machine that is still down', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `m${i}`);
    const plan = failurePlan(ids, 0.01, 60_000, 10_000, mulberry32(3));
    // 100 machines × 60 s × 1 % ≈ 60 failures, fewer since a failed machine is down a while.
    expect(plan.length).toBeGreaterThan(25);
    expect(plan.length).toBeLessThan(80);
    expect(failurePlan(ids, 0.01, 60_000, 10_000, mulberry32(3))).toEqual(plan);
    const downUntil = new Map<string, number>();
    for (const f of plan) {
      expect(f.at_ms).toBeGreaterThanOrEqual(downUntil.get(f.machine_id) ?? 0);
      expect(f.down_ms).toBeGreaterThanOrEqual(5000);
      expect(f.down_ms).toBeLessThan(15_000);
      downUntil.set(f.machine_id, f.at_ms + f.down_ms);
    }
  });
});

describe('nearest regions', () => {
  it('orders by great-circle distance from the region that is down', () => {
    expect(nearestRegions('SIN', ['SYD', 'HKG', 'NRT', 'AMS', 'BOM']).map((n) => n.code)).toEqual([
      'HKG',
      'BOM',
      'NRT',
    ]);
    const [first] = nearestRegions('AMS', ['CDG', 'LHR', 'FRA']);
    expect(first.km).toBeGreaterThan(300);
    expect(first.km).toBeLessThan(400);
  });

  it('puts regions of unknown place last, by code', () => {
    expect(nearestRegions('AMS', ['ZZZ', 'LHR', 'AAA'])).toEqual([
      { code: 'LHR', km: expect.any(Number) },
      { code: 'AAA', km: null },
      { code: 'ZZZ', km: null },
    ]);
  });
});

describe('chaos input', () => {
  it('reads durations and rates as people type them, refusing the rest', async () => {
    const { parseDuration, parseRate } = await import('../../src/shared/faults');
    expect(parseDuration('30s', 'duration')).toBe(30);
    expect(parseDuration('2m', 'duration')).toBe(120);
    expect(parseDuration('1h', 'duration')).toBe(3600);
    expect(parseDuration('500ms', 'repair')).toBe(0.5);
    expect(parseDuration('45', 'duration')).toBe(45);
    expect(() => parseDuration('soon', 'duration')).toThrow(
      '--duration must be a duration such as 30s, 2m, 1h or 500ms',
    );
    expect(parseRate('0.05')).toBe(0.05);
    expect(parseRate('5%')).toBe(0.05);
    for (const bad of ['0', '1.5', 'lots', '']) expect(() => parseRate(bad)).toThrow(/--rate must be a probability/);
  });
});
