import { describe, expect, it } from 'vitest';
import { appendSample, chartRows, LaunchRate, takeSample } from '../../../../src/renderer/src/state/history';
import type { Region } from '../../../../src/shared/types';

const region = (code: string, cores: [number, number], mem: [number, number]): Region => ({
  code,
  location: code,
  status: 'Operational',
  machine_count: 1,
  vm_count: 0,
  cores_allocated: cores[0],
  cores_total: cores[1],
  memory_allocated_gb: mem[0],
  memory_total_gb: mem[1],
});

describe('chart history', () => {
  it('samples fleet and per-region utilisation in percent', () => {
    const s = takeSample(
      1000,
      { A: region('A', [8, 32], [64, 256]), B: region('B', [0, 32], [0, 256]) },
      { launches: 2, failed: 0.5 },
    );
    expect(s.fleet).toEqual([12.5, 12.5]);
    expect(s.regions.A).toEqual([25, 25]);
    expect(s.regions.B).toEqual([0, 0]);
    expect(s.launches).toBe(2);
    expect(s.failed).toBe(0.5);
  });

  it('treats an empty fleet as 0% and an unknown rate as null', () => {
    const s = takeSample(1, {}, null);
    expect(s.fleet).toEqual([0, 0]);
    expect(s.launches).toBeNull();
  });

  it('keeps exactly the last ten minutes', () => {
    let samples = [] as ReturnType<typeof appendSample>;
    for (let t = 0; t <= 15 * 60_000; t += 1000) samples = appendSample(samples, takeSample(t, {}, null));
    expect(samples[0].t).toBe(5 * 60_000);
    expect(samples[samples.length - 1].t).toBe(15 * 60_000);
    expect(samples).toHaveLength(601);
  });

  it('derives launches per second from counter deltas, surviving a host restart', () => {
    const r = new LaunchRate();
    expect(r.observe(0, 100, 4)).toBeNull();
    expect(r.observe(2000, 110, 5)).toEqual({ launches: 5, failed: 0.5 });
    // Counters went down: the host restarted and counts from zero again.
    expect(r.observe(4000, 6, 0)).toEqual({ launches: 3, failed: 0 });
    r.lost();
    expect(r.current()).toBeNull();
    expect(r.observe(6000, 10, 0)).toBeNull();
  });

  it('builds chart rows for the fleet or one region, with gaps before a region existed', () => {
    const a = takeSample(1, {}, null);
    const b = takeSample(2, { A: region('A', [16, 32], [0, 256]) }, { launches: 1, failed: 0 });
    expect(chartRows([a, b], 'A')).toEqual([
      { t: 1, cores: null, memory: null, launches: null, failed: null },
      { t: 2, cores: 50, memory: 0, launches: 1, failed: 0 },
    ]);
    expect(chartRows([b], null)[0].cores).toBe(50);
  });
});

describe('chart history while disconnected', () => {
  it('turns samples taken while the feed was down into gaps', () => {
    const live = takeSample(1, { A: region('A', [16, 32], [0, 256]) }, { launches: 1, failed: 0 });
    const stale = takeSample(2, { A: region('A', [16, 32], [0, 256]) }, { launches: 1, failed: 0 }, true);
    expect(chartRows([live, stale], 'A')).toEqual([
      { t: 1, cores: 50, memory: 0, launches: 1, failed: 0 },
      { t: 2, cores: null, memory: null, launches: null, failed: null },
    ]);
  });
});
