import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../src/shared/coalesce';

const turn = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Coalescer', () => {
  it('writes at the end of the turn when idle, and many asks make one write', async () => {
    let writes = 0;
    const c = new Coalescer(() => writes++, 50);
    c.schedule();
    c.schedule();
    expect(writes).toBe(0);
    await turn();
    expect(writes).toBe(1);
  });

  it('under load writes at most once per interval, and never forgets a write that was asked for', async () => {
    let now = 0;
    let writes = 0;
    const c = new Coalescer(
      () => writes++,
      30,
      false,
      () => now,
    );
    c.schedule();
    await turn();
    expect(writes).toBe(1);
    now = 10;
    c.schedule();
    await turn();
    expect(writes).toBe(1); // 20 ms still to wait
    await sleep(40);
    expect(writes).toBe(2);
  });

  it('an explicit write in between cancels the one that was due', async () => {
    let writes = 0;
    const c = new Coalescer(() => writes++, 30);
    c.schedule();
    c.done(); // written some other way
    await sleep(50);
    expect(writes).toBe(0);
  });
});
