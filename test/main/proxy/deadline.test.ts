import { describe, expect, it, vi } from 'vitest';
import { withDeadline } from '../../../src/main/proxy/deadline';

describe('withDeadline', () => {
  it('settles as the work does when it is in time, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    try {
      const late = vi.fn(() => 'late');
      await expect(withDeadline(Promise.resolve('done'), 100, late)).resolves.toBe('done');
      await expect(withDeadline(Promise.reject(new Error('no')), 100, late)).rejects.toThrow('no');
      expect(vi.getTimerCount()).toBe(0);
      expect(late).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });

  it("answers with late()'s value once the time is up", async () => {
    vi.useFakeTimers();
    try {
      const p = withDeadline(new Promise<string>(() => {}), 100, () => 'late');
      await vi.advanceTimersByTimeAsync(100);
      await expect(p).resolves.toBe('late');
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects with what late() throws', async () => {
    vi.useFakeTimers();
    try {
      const p = withDeadline(new Promise<string>(() => {}), 50, () => {
        throw new Error('no answer within 50 ms');
      });
      const settled = expect(p).rejects.toThrow('no answer within 50 ms');
      await vi.advanceTimersByTimeAsync(50);
      await settled;
    } finally {
      vi.useRealTimers();
    }
  });
});
