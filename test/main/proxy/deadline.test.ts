import { describe, expect, it, vi } from 'vitest';
import { withDeadline } from '../../../src/main/proxy/deadline';

describe('withDeadline', () => {
  it('settles as the work does when it is in time, and leaves no timer behind past the deadline', async () => {
    vi.useFakeTimers();
    try {
      const late = vi.fn(() => 'late');
      await expect(withDeadline(Promise.resolve('done'), 100, late)).resolves.toBe('done');
      await expect(withDeadline(Promise.reject(new Error('no')), 100, late)).rejects.toThrow('no');
      await vi.advanceTimersByTimeAsync(100);
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

  it('answers each race at its own deadline when several of one length overlap', async () => {
    vi.useFakeTimers();
    try {
      const first = withDeadline(new Promise<string>(() => {}), 100, () => 'first late');
      await vi.advanceTimersByTimeAsync(30);
      let resolveSecond: (v: string) => void = () => {};
      const second = withDeadline(new Promise<string>((r) => (resolveSecond = r)), 100, () => 'second late');
      await vi.advanceTimersByTimeAsync(30);
      const third = withDeadline(new Promise<string>(() => {}), 100, () => 'third late');
      const seen: string[] = [];
      for (const p of [first, second, third]) void p.then((v) => seen.push(v));
      await vi.advanceTimersByTimeAsync(40); // t=100: the first is due
      expect(seen).toEqual(['first late']);
      resolveSecond('second done');
      await vi.advanceTimersByTimeAsync(59); // t=159: the third (due at 160) still waits
      expect(seen).toEqual(['first late', 'second done']);
      await vi.advanceTimersByTimeAsync(1);
      expect(seen).toEqual(['first late', 'second done', 'third late']);
      await vi.advanceTimersByTimeAsync(200);
      expect(vi.getTimerCount()).toBe(0);
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
