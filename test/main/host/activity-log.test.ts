import { describe, expect, it } from 'vitest';
import { ActivityLog } from '../../../src/main/host/activity-log';
import type { ActivityInput } from '../../../src/shared/activity';

const refused = (n: number): ActivityInput => ({
  kind: 'refused',
  region: 'SIN',
  reason: 'no_capacity',
  message: `r${n}`,
});

describe('the host event log', () => {
  it('numbers events from 1 and pages them after a seq, oldest first', () => {
    const log = new ActivityLog();
    for (let i = 1; i <= 5; i++) log.record(refused(i));
    const page = log.page(2);
    expect(page.events.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(page.events.map((e) => e.message)).toEqual(['r3', 'r4', 'r5']);
    expect(page.last_seq).toBe(5);
    expect(page.oldest_seq).toBe(1);
    expect(log.page(5).events).toEqual([]);
    expect(log.page(0, 2).events.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('keeps at most maxEvents, dropping the oldest, and says which is oldest now', () => {
    const log = new ActivityLog({ maxEvents: 3 });
    for (let i = 1; i <= 2000; i++) log.record(refused(i));
    const page = log.page(0);
    expect(page.events.map((e) => e.seq)).toEqual([1998, 1999, 2000]);
    expect(page.oldest_seq).toBe(1998);
    expect(page.bounds.max_events).toBe(3);
    expect(log.size).toBe(3);
    // A client that was behind still gets what is kept, after the seq it asked for.
    expect(log.page(1998).events.map((e) => e.seq)).toEqual([1999, 2000]);
  });

  it('keeps only maxAgeMs of events, whichever bound is smaller', () => {
    let now = Date.parse('2026-11-30T03:00:00Z');
    const log = new ActivityLog({ maxEvents: 100, maxAgeMs: 60_000, now: () => now });
    log.record(refused(1));
    now += 30_000;
    log.record(refused(2));
    now += 31_000; // the first is 61 s old
    expect(log.page(0).events.map((e) => e.message)).toEqual(['r2']);
    expect(log.page(0).bounds.max_age_s).toBe(60);
    now += 60_000;
    const empty = log.page(0);
    expect(empty.events).toEqual([]);
    expect(empty.oldest_seq).toBeNull();
    expect(empty.last_seq).toBe(2);
  });

  it('drops what is not an event instead of keeping it', () => {
    const log = new ActivityLog();
    expect(log.record({ kind: 'nonsense', message: 'x' } as never)).toBeNull();
    expect(log.record({ kind: 'launch' } as never)).toBeNull();
    expect(log.record(null as never)).toBeNull();
    expect(log.size).toBe(0);
  });

  it('tells listeners of each new event', () => {
    const log = new ActivityLog();
    const seen: number[] = [];
    const off = log.onRecord((e) => seen.push(e.seq));
    log.record(refused(1));
    off();
    log.record(refused(2));
    expect(seen).toEqual([1]);
  });
});
