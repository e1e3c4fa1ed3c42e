import { describe, expect, it } from 'vitest';
import { Sampler } from '../../../src/main/host/sampler';
import { unpackSamples } from '../../../src/shared/samples';
import type { Region } from '../../../src/shared/types';
import { region } from '../../helpers/fixtures';

describe("the host's chart sampler", () => {
  it('samples utilisation and launches per second into a bounded ring', async () => {
    let t = 1_000_000;
    let ok = 0;
    let used = 0;
    const sampler = new Sampler(
      {
        regions: async (): Promise<Region[]> => [
          region('SIN', {
            cores_total: 100,
            cores_allocated: used,
            memory_total_gb: 1000,
            memory_allocated_gb: used * 10,
          }),
          region('NRT', { cores_total: 100, cores_allocated: 0, memory_total_gb: 1000, memory_allocated_gb: 0 }),
        ],
        launchCounts: async () => ({ ok, failed: 0 }),
      },
      { ring: 3, now: () => t },
    );
    for (let i = 0; i < 5; i++) {
      await sampler.tick();
      t += 1000;
      ok += 4;
      used += 10;
    }
    expect(sampler.size).toBe(3);
    const samples = unpackSamples(sampler.page(0));
    expect(samples.map((s) => s.t)).toEqual([1_002_000, 1_003_000, 1_004_000]);
    const last = samples[2];
    expect(last.regions.SIN).toEqual([40, 40]);
    expect(last.fleet).toEqual([20, 20]);
    expect(last.launches).toBe(4);
    // Only what came after `since`.
    expect(unpackSamples(sampler.page(1_003_000)).map((s) => s.t)).toEqual([1_004_000]);
  });

  it('leaves a gap (a stale sample) while the store does not answer', async () => {
    let t = 0;
    const sampler = new Sampler(
      {
        regions: async () => Promise.reject(new Error('store down')),
        launchCounts: async () => ({ ok: 0, failed: 0 }),
      },
      { now: () => (t += 1000) },
    );
    await sampler.tick();
    const [s] = unpackSamples(sampler.page());
    expect(s.stale).toBe(true);
    expect(s.launches).toBeNull();
  });

  it('keeps samples whose region lists differ (a restarted store with another fleet) as columns with gaps', async () => {
    let t = 0;
    let regions: Region[] = [region('SIN', { cores_total: 10, cores_allocated: 5 })];
    const sampler = new Sampler(
      { regions: async () => regions, launchCounts: async () => ({ ok: 0, failed: 0 }) },
      { now: () => (t += 1000) },
    );
    await sampler.tick();
    regions = [region('NRT', { cores_total: 10, cores_allocated: 1 })];
    await sampler.tick();
    const page = sampler.page();
    expect(page.regions).toEqual(['NRT', 'SIN']);
    expect(page.samples.map((s) => s.regions.map((u) => u?.[0] ?? null))).toEqual([
      [null, 50],
      [10, null],
    ]);
  });
});
