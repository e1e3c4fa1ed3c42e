import { describe, expect, it } from 'vitest';
import { RecentAnswer } from '../../../src/main/proxy/recent-answer';

/** A peer that answers with its call count, or fails when told to. */
function peer() {
  const p = {
    calls: 0,
    fail: null as Error | null,
    async ask(): Promise<number> {
      p.calls++;
      await new Promise((r) => setTimeout(r, 5));
      if (p.fail) throw p.fail;
      return p.calls;
    },
  };
  return p;
}

describe('RecentAnswer', () => {
  it('answers every asker within the TTL from one call, concurrent ones included', async () => {
    const p = peer();
    const answer = new RecentAnswer(() => p.ask(), 60_000);
    expect(await Promise.all([answer.get(), answer.get(), answer.get()])).toEqual([1, 1, 1]);
    expect(await answer.get()).toBe(1);
    expect(p.calls).toBe(1);
  });

  it('asks again once the TTL has passed or after forget()', async () => {
    const p = peer();
    const answer = new RecentAnswer(() => p.ask(), 20);
    expect(await answer.get()).toBe(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(await answer.get()).toBe(2);
    answer.forget();
    expect(await answer.get()).toBe(3);
  });

  it('never keeps a failure: the next ask goes to the peer again', async () => {
    const p = peer();
    const answer = new RecentAnswer(() => p.ask(), 60_000);
    p.fail = new Error('etcd: no leader');
    await expect(answer.get()).rejects.toThrow('no leader');
    p.fail = null;
    expect(await answer.get()).toBe(2);
  });

  it('gives the last answer, however old, when the peer fails, only if asked to', async () => {
    const p = peer();
    const keeps = new RecentAnswer(() => p.ask(), 0, true);
    const strict = new RecentAnswer(() => p.ask(), 0);
    expect(await keeps.get()).toBe(1);
    expect(await strict.get()).toBe(2);
    p.fail = new Error('store restarting');
    expect(await keeps.get()).toBe(1);
    await expect(strict.get()).rejects.toThrow('store restarting');
  });
});
