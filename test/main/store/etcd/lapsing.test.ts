import { describe, expect, it } from 'vitest';
import { isLapsing } from '../../../../src/main/store/etcd/lapsing';

// etcd reports a lease's time left in whole seconds, cut down: a reading of `left` means
// somewhere in [left, left + 1) seconds.
describe('isLapsing', () => {
  it('never calls a lease renewed on time lapsing, whatever the cut (5 s TTL, renewed every 1.7 s)', () => {
    // Just before a renewal 3.3 s are left (reads 3); a renewal 1 s late leaves 2.3 s (reads 2).
    expect(isLapsing(3, 5)).toBe(false);
    expect(isLapsing(2, 5)).toBe(false);
  });

  it('calls a lease lapsing once its time left is surely under half the TTL', () => {
    expect(isLapsing(1, 5)).toBe(true); // under 2 s of 5
    expect(isLapsing(0, 5)).toBe(true);
    expect(isLapsing(4, 10)).toBe(true); // under 5 s of 10
    expect(isLapsing(5, 10)).toBe(false); // 5 s or more of 10
    expect(isLapsing(0, 2)).toBe(true); // the shortest TTL: under 1 s of 2
    expect(isLapsing(1, 2)).toBe(false);
  });

  it('calls a lease etcd has expired lapsing, and one with no granted TTL only then', () => {
    expect(isLapsing(-1, 5)).toBe(true);
    expect(isLapsing(-1, 0)).toBe(true);
    expect(isLapsing(0, 0)).toBe(false);
  });
});
