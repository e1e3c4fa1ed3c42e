// The delete ranges a switch of generation sends: everything under a prefix but the prefixes it
// keeps (the new generation's rows; the bootstrap's and the new fleet's chunks).

import { describe, expect, it } from 'vitest';
import { deleteAllBut, isBootstrap, nextDataPrefix } from '../../../../src/main/store/etcd/generation';
import type { Ready } from '../../../../src/main/store/etcd/seed';

const ranges = (prefix: string, keep: string[]) =>
  deleteAllBut(prefix, keep).map((op) => [
    op.request_delete_range?.key?.toString(),
    op.request_delete_range?.range_end?.toString(),
  ]);

describe('deleteAllBut', () => {
  it('covers every key under the prefix except those under the kept prefixes', () => {
    expect(ranges('/f/gen/', ['/f/gen/2-b/'])).toEqual([
      ['/f/gen/', '/f/gen/2-b/'],
      ['/f/gen/2-b0', '/f/gen0'],
    ]);
    // Two kept (in any order, the same twice is one), and nothing but the prefix when none is.
    expect(ranges('/c/', ['/c/b/', '/c/a/', '/c/b/'])).toEqual([
      ['/c/', '/c/a/'],
      ['/c/a0', '/c/b/'],
      ['/c/b0', '/c0'],
    ]);
    expect(ranges('/c/', [])).toEqual([['/c/', '/c0']]);
  });
});

describe('generations', () => {
  const ready: Ready = { seed_id: 's1', chunks: 1, regions: 1, machines: 1, by: 'h', at: 't' };
  it('names each next generation apart (two imports racing for one number never share rows)', () => {
    const a = nextDataPrefix(ready);
    expect(a).toMatch(/^gen\/1-[0-9a-f]{8}\/$/);
    expect(nextDataPrefix({ ...ready, generation: 4 })).toMatch(/^gen\/5-/);
    expect(nextDataPrefix(ready)).not.toBe(a);
  });
  it('knows the bootstrap fleet from an imported one', () => {
    expect(isBootstrap(ready)).toBe(true);
    expect(isBootstrap({ ...ready, bootstrap: { seed_id: 's1', chunks: 1 } })).toBe(true);
    expect(isBootstrap({ ...ready, seed_id: 's2', bootstrap: { seed_id: 's1', chunks: 1 } })).toBe(false);
  });
});
