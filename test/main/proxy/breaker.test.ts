// The circuit breaker in front of a peer worker, with a hand-turned clock.

import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/main/proxy/breaker';
import { ApiError } from '../../../src/shared/errors';

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('CircuitBreaker', () => {
  const down = () => Promise.reject(new ApiError('unavailable', 'orchestrator worker is restarting'));
  const answer =
    <T>(v: T) =>
    () =>
      Promise.resolve(v);

  function breaker(c = clock(), changes: string[] = []) {
    return {
      c,
      changes,
      b: new CircuitBreaker({
        peer: 'orchestrator',
        failures: 3,
        cooldownMs: 2000,
        maxInFlight: 2,
        now: c.now,
        onChange: (s) => changes.push(s),
      }),
    };
  }

  it('opens after K consecutive outages and fails fast with a reason', async () => {
    const { b, changes } = breaker();
    for (let i = 0; i < 3; i++) await expect(b.call(down)).rejects.toThrow('restarting');
    expect(b.status()).toMatchObject({ state: 'open', failures: 3, opened: 1, retry_after_s: 2 });
    let called = false;
    const err = (await b.call(async () => (called = true)).catch((e) => e)) as ApiError;
    expect(called).toBe(false);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe('orchestrator is not answering; failing fast for 2 s (then one request checks it again)');
    expect(err.details).toEqual({ retry_after_s: 2, breaker: 'open' });
    expect(changes).toEqual(['open']);
  });

  it('answers that are errors (no_capacity, not_found) are not outages', async () => {
    const { b } = breaker();
    for (let i = 0; i < 5; i++) {
      await expect(b.call(() => Promise.reject(new ApiError('no_capacity', 'full')))).rejects.toThrow('full');
    }
    await b.call(down).catch(() => {});
    await b.call(down).catch(() => {});
    await expect(b.call(() => Promise.reject(new ApiError('not_found', 'no VM')))).rejects.toThrow('no VM');
    await b.call(down).catch(() => {});
    expect(b.status().state).toBe('closed'); // never three outages in a row
  });

  it('a launch that lost its room to concurrent launches (lost_race) is an answer, not an outage', async () => {
    const { b } = breaker();
    const lost = () =>
      Promise.reject(new ApiError('unavailable', 'lost its room; try again', { region: 'TINY', lost_race: true }));
    for (let i = 0; i < 10; i++) await expect(b.call(lost)).rejects.toThrow('lost its room');
    expect(b.status()).toMatchObject({ state: 'closed', failures: 0, opened: 0 });
    // A real outage after them still counts from one.
    await b.call(down).catch(() => {});
    expect(b.status().failures).toBe(1);
  });

  it("a refusal the orchestrator decided itself (answered: a shared host's lapsed lease) is an answer", async () => {
    const { b } = breaker();
    const refused = () =>
      Promise.reject(
        new ApiError('unavailable', 'this host has not renewed its etcd lease', { lease: 'expired', answered: true }),
      );
    for (let i = 0; i < 10; i++) await expect(b.call(refused)).rejects.toThrow('etcd lease');
    expect(b.status()).toMatchObject({ state: 'closed', failures: 0, opened: 0 });
  });

  it('ends the cool-down early when the host reports every worker ready', async () => {
    const { b, changes } = breaker();
    b.recovered(); // nothing to do while closed
    expect(b.status().state).toBe('closed');
    for (let i = 0; i < 3; i++) await b.call(down).catch(() => {});
    b.recovered();
    expect(b.status().state).toBe('half_open');
    expect(await b.call(answer('ok'))).toBe('ok');
    expect(b.status().state).toBe('closed');
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('half-opens after the cool-down: one probe; success closes, failure reopens', async () => {
    const { b, c, changes } = breaker();
    for (let i = 0; i < 3; i++) await b.call(down).catch(() => {});
    c.t += 2000;
    expect(b.status().state).toBe('half_open');
    // The probe fails: open again for a whole cool-down.
    await expect(b.call(down)).rejects.toThrow('restarting');
    expect(b.status()).toMatchObject({ state: 'open', opened: 2 });
    c.t += 2000;
    // While the probe is out, everyone else fails fast.
    let release!: (v: string) => void;
    const probe = b.call(() => new Promise<string>((r) => (release = r)));
    const other = await b.call(answer('x')).catch((e) => e as ApiError);
    expect((other as ApiError).message).toContain('failing fast while one request checks it');
    release('ok');
    expect(await probe).toBe('ok');
    expect(b.status()).toMatchObject({ state: 'closed', failures: 0 });
    expect(await b.call(answer(7))).toBe(7);
    expect(changes).toEqual(['open', 'half_open', 'open', 'half_open', 'closed']);
  });

  it('opens when calls pile up instead of adding more', async () => {
    const { b } = breaker();
    const hanging: ((v: number) => void)[] = [];
    const calls = [0, 1].map(() => b.call(() => new Promise<number>((r) => hanging.push(r))));
    const err = await b.call(answer(1)).catch((e) => e as ApiError);
    expect((err as ApiError).message).toBe(
      'orchestrator has 2 calls waiting; failing fast for 2 s instead of adding more',
    );
    expect(b.status().state).toBe('open');
    for (const h of hanging) h(1);
    await Promise.all(calls);
    expect(b.status().state).toBe('closed'); // they answered after all
  });
});
