import { describe, expect, it } from 'vitest';
import { RegionCache } from '../../../src/main/proxy/region-cache';

/** A store whose region list answers when told to, counting the calls. */
function fakeStore(codes: string[]) {
  let fail: Error | null = null;
  const store = {
    calls: 0,
    codes,
    failNext(err: Error) {
      fail = err;
    },
    async regions() {
      store.calls++;
      if (fail) {
        const err = fail;
        fail = null;
        throw err;
      }
      return store.codes.map((code) => ({ code }));
    },
  };
  return store;
}

describe('RegionCache', () => {
  it('asks the store once per TTL, and concurrent askers share the call', async () => {
    const store = fakeStore(['SIN', 'AMS']);
    const cache = new RegionCache(() => store.regions(), 60_000);
    const [a, b] = await Promise.all([cache.codes(), cache.codes()]);
    expect(a).toEqual(['SIN', 'AMS']);
    expect(b).toEqual(['SIN', 'AMS']);
    expect(await cache.codes()).toEqual(['SIN', 'AMS']);
    expect(store.calls).toBe(1);
  });

  it('asks again after forget() and after the TTL', async () => {
    const store = fakeStore(['SIN']);
    const cache = new RegionCache(() => store.regions(), 60_000);
    await cache.codes();
    store.codes = ['SIN', 'ORD'];
    cache.forget();
    expect(await cache.codes()).toEqual(['SIN', 'ORD']);
    const expired = new RegionCache(() => store.regions(), 0);
    await expired.codes();
    await expired.codes();
    expect(store.calls).toBe(4);
  });

  it('keeps a stale list when the store cannot answer, and fails when it has none', async () => {
    const store = fakeStore(['SIN']);
    const cache = new RegionCache(() => store.regions(), 0);
    await cache.codes();
    store.failNext(new Error('store restarting'));
    expect(await cache.codes()).toEqual(['SIN']);
    const empty = new RegionCache(() => store.regions(), 0);
    store.failNext(new Error('store restarting'));
    await expect(empty.codes()).rejects.toThrow('store restarting');
  });

  it('takes a region list read for another reason as fresh', async () => {
    const store = fakeStore(['SIN']);
    const cache = new RegionCache(() => store.regions(), 60_000);
    cache.remember([{ code: 'BOM' }]);
    expect(await cache.codes()).toEqual(['BOM']);
    expect(store.calls).toBe(0);
  });
});
