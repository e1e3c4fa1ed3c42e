import { describe, expect, it } from 'vitest';
import { until } from './until';

describe('until', () => {
  it('returns as soon as the condition holds', async () => {
    let n = 0;
    const started = Date.now();
    await until(() => ++n === 3, 1000);
    expect(n).toBe(3);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('fails after the timeout, naming what never happened', async () => {
    await expect(until(() => false, 30, 'the moon to rise')).rejects.toThrow(
      'until: the moon to rise did not hold within 30 ms',
    );
  });

  it('names the condition by its source when not told, and reports a throwing condition last error', async () => {
    await expect(until(() => 1 > 2, 20)).rejects.toThrow('() => 1 > 2 did not hold');
    const failing = () => {
      throw new Error('expected 3 to be 4');
    };
    await expect(until(failing, 20, 'the books to balance')).rejects.toThrow('(last error: expected 3 to be 4)');
  });

  it('waits on async conditions', async () => {
    let ready = false;
    setTimeout(() => {
      ready = true;
    }, 20);
    await until(async () => ready, 1000);
    expect(ready).toBe(true);
  });
});
