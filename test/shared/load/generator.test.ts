import { describe, expect, it } from 'vitest';
import { type LoadClock, LoadRun, launchPicker } from '../../../src/shared/load/generator';
import { type LoadSpec, parseLoadTexts } from '../../../src/shared/load/spec';
import { ScriptedDriver } from '../../helpers/load-fixtures';

const REGIONS = ['SIN', 'NRT', 'ORD'];

/** Virtual time: each sleep advances it and lets every answer already given arrive. */
function fakeClock(): LoadClock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: (ms: number) =>
      new Promise<void>((r) => {
        c.t += ms;
        setImmediate(r);
      }),
  };
  return c;
}

function spec(texts: Record<string, string>): LoadSpec {
  return parseLoadTexts({ rate: '10', duration: '2s', seed: '7', ...texts }, REGIONS);
}

describe('launchPicker', () => {
  it('draws the same sizes and regions from the same seed, in proportion to the weights', () => {
    const s = spec({ mix: '1x1:70,4x8:25,16x64:5', regions: 'SIN,NRT' });
    const a = launchPicker(s, REGIONS);
    const b = launchPicker(s, REGIONS);
    const draws = Array.from({ length: 20_000 }, () => a());
    expect(Array.from({ length: 20 }, () => b())).toEqual(draws.slice(0, 20));
    const share = (cores: number) => draws.filter((d) => d.cores === cores).length / draws.length;
    expect(share(1)).toBeCloseTo(0.7, 1);
    expect(share(4)).toBeCloseTo(0.25, 1);
    expect(share(16)).toBeCloseTo(0.05, 1);
    expect(new Set(draws.map((d) => d.region))).toEqual(new Set(['SIN', 'NRT']));
    expect(draws.find((d) => d.cores === 4)).toMatchObject({ memory_gb: 8 });
    const other = launchPicker({ ...s, seed: 8 }, REGIONS);
    expect(Array.from({ length: 20 }, () => other())).not.toEqual(draws.slice(0, 20));
  });

  it('uses every region when the spec names none, and passes the strategy on', () => {
    const draws = Array.from({ length: 300 }, launchPicker(spec({ strategy: 'spread' }), REGIONS));
    expect(new Set(draws.map((d) => d.region))).toEqual(new Set(REGIONS));
    expect(draws.every((d) => d.strategy === 'spread')).toBe(true);
  });
});

describe('LoadRun', () => {
  it('sends rate × duration launches on schedule and keeps the VMs without destroy-after', async () => {
    const driver = new ScriptedDriver((_a, i) =>
      i % 5 === 4
        ? { result: 'no_capacity' }
        : i === 7
          ? { result: 'error', code: 'unavailable' }
          : { result: 'ok', vmId: `vm-${i}` },
    );
    const clock = fakeClock();
    const run = new LoadRun(spec({}), { driver, allRegions: REGIONS, clock, tickMs: 10 });
    const s = await run.done;
    expect(driver.launches).toHaveLength(20);
    expect(s).toMatchObject({
      sent: 20,
      ok: 15,
      no_capacity: 4,
      errors: 1,
      errors_by_code: { unavailable: 1 },
      stopped: false,
    });
    expect(s.ok + s.no_capacity + s.errors).toBe(s.sent);
    expect(s.launch_ms).toBe(2000);
    expect(s.rate_achieved).toBe(10);
    expect(driver.destroys).toEqual([]);
    expect(s.left).toHaveLength(15);
    expect(run.progress().state).toBe('finished');
  });

  it('is open loop: launches leave on time while earlier ones are unanswered, beyond the cap they are skipped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const driver = new ScriptedDriver(undefined, undefined, () => gate);
    const clock = fakeClock();
    const run = new LoadRun(spec({ rate: '100', duration: '1s' }), {
      driver,
      allRegions: REGIONS,
      clock,
      tickMs: 10,
      maxInFlight: 60,
    });
    while (clock.t < 900) await clock.sleep(0).then(() => new Promise((r) => setImmediate(r)));
    expect(run.progress()).toMatchObject({ in_flight: 60, ok: 0 });
    expect(run.progress().skipped).toBeGreaterThan(20);
    const skipped = run.progress().skipped;
    release();
    const s = await run.done;
    // Once answers came, the rest of the schedule was sent again.
    expect(s.skipped).toBe(skipped);
    expect(s.sent + s.skipped).toBe(100);
    expect(s.ok).toBe(s.sent);
  });

  it('destroys each VM after its lifetime, and the rest as soon as the launches end', async () => {
    const clock = fakeClock();
    const destroyedAt = new Map<string, number>();
    const driver = new ScriptedDriver(undefined, (id) => {
      destroyedAt.set(id, clock.t);
      return { ok: true };
    });
    const run = new LoadRun(spec({ duration: '3s', destroyAfter: '1s' }), {
      driver,
      allRegions: REGIONS,
      clock,
      tickMs: 10,
    });
    const s = await run.done;
    expect(s).toMatchObject({ sent: 30, ok: 30, destroyed: 30, alive: 0, left: [] });
    // vm-000000 left at 0 ms and lives 1 s; the one launched at 2.9 s is destroyed at the end (3 s).
    expect(destroyedAt.get('vm-000000')).toBeGreaterThanOrEqual(1000);
    expect(destroyedAt.get('vm-000000')).toBeLessThan(1100);
    expect(destroyedAt.get('vm-000029')).toBeGreaterThanOrEqual(3000);
    expect(destroyedAt.get('vm-000029')).toBeLessThan(3100);
  });

  it('retries a destroy that is worth it and reports the VMs it could not destroy as left', async () => {
    const driver = new ScriptedDriver(undefined, (id, attempt) => {
      if (id === 'vm-000001') return { ok: false, code: 'forbidden', retry: false };
      if (id === 'vm-000002' && attempt < 3) return { ok: false, code: 'rate_limited', retry: true };
      return { ok: true };
    });
    const run = new LoadRun(spec({ rate: '4', duration: '1s', destroyAfter: '0s' }), {
      driver,
      allRegions: REGIONS,
      clock: fakeClock(),
      tickMs: 10,
    });
    const s = await run.done;
    expect(s).toMatchObject({ ok: 4, destroyed: 3, destroy_errors: 1, left: ['vm-000001'] });
    expect(driver.destroys.filter((d) => d === 'vm-000002')).toHaveLength(3);
  });

  it('stop(): no more launches, the ones in flight are awaited, everything held is destroyed', async () => {
    const clock = fakeClock();
    const driver = new ScriptedDriver();
    const run = new LoadRun(spec({ duration: '60s', destroyAfter: '30s' }), {
      driver,
      allRegions: REGIONS,
      clock,
      tickMs: 10,
    });
    while (clock.t < 2000) await new Promise((r) => setImmediate(r));
    run.stop();
    expect(run.progress().state).toBe('stopping');
    const s = await run.done;
    expect(s.stopped).toBe(true);
    expect(s.sent).toBeGreaterThanOrEqual(20);
    expect(s.sent).toBeLessThanOrEqual(22);
    expect(s.destroyed).toBe(s.ok);
    expect(s.left).toEqual([]);
  });

  it('abandon() (the host is stopping): no more launches or destroys, what it holds is reported left', async () => {
    const clock = fakeClock();
    const driver = new ScriptedDriver();
    const run = new LoadRun(spec({ duration: '60s', destroyAfter: '30s' }), {
      driver,
      allRegions: REGIONS,
      clock,
      tickMs: 10,
    });
    while (clock.t < 1000) await new Promise((r) => setImmediate(r));
    run.abandon();
    const s = await run.done;
    expect(driver.destroys).toEqual([]);
    expect(s.left).toHaveLength(s.ok);
    expect(s.stopped).toBe(true);
  });
});
