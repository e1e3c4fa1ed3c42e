import { describe, expect, it } from 'vitest';
import { createActivityFeed } from '../../../../src/renderer/src/state/activity';
import type { ActivityEvent, ActivityPage } from '../../../../src/shared/activity';

const NOW = Date.parse('2026-11-30T03:10:00Z');
const ev = (seq: number, ageS = 0): ActivityEvent => ({
  seq,
  at: new Date(NOW - ageS * 1000).toISOString(),
  kind: 'refused',
  message: `e${seq}`,
});

function host(events: ActivityEvent[], max = 5000) {
  const asked: number[] = [];
  let fail = false;
  return {
    asked,
    events,
    set failing(v: boolean) {
      fail = v;
    },
    api: {
      activity: async (since = 0, limit = 2): Promise<ActivityPage> => {
        asked.push(since);
        if (fail) throw new Error('unreachable');
        const after = events.filter((e) => e.seq > since);
        return {
          events: after.slice(0, Math.min(2, limit)),
          last_seq: events.at(-1)?.seq ?? 0,
          oldest_seq: events[0]?.seq ?? null,
          bounds: { max_events: max, max_age_s: 600 },
        };
      },
    },
  };
}

describe("the page's event log", () => {
  it("loads the host's history page by page, then asks only for what is new", async () => {
    const h = host([ev(1), ev(2), ev(3)]);
    const feed = createActivityFeed({ api: h.api, now: () => NOW });
    await feed.poll();
    expect(feed.store.getState().events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(h.asked).toEqual([0, 2]);
    h.events.push(ev(4));
    await feed.poll();
    expect(h.asked.at(-1)).toBe(3);
    expect(feed.store.getState().events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(feed.store.getState().loaded).toBe(true);
  });

  it('starts over when the host restarted (its numbers went back), and keeps its bounds', async () => {
    const h = host([ev(1, 700), ev(2), ev(3)], 2);
    const feed = createActivityFeed({ api: h.api, now: () => NOW });
    await feed.poll();
    // 700 s old is past the 600 s the host keeps; at most 2.
    expect(feed.store.getState().events.map((e) => e.seq)).toEqual([2, 3]);
    h.events.splice(0, 3, ev(1));
    await feed.poll();
    expect(feed.store.getState().events.map((e) => e.message)).toEqual(['e1']);
    expect(feed.store.getState().lastSeq).toBe(1);
  });

  it('says when it cannot reach the host and keeps what it has', async () => {
    const h = host([ev(1)]);
    const feed = createActivityFeed({ api: h.api, now: () => NOW });
    await feed.poll();
    h.failing = true;
    await feed.poll();
    expect(feed.store.getState().failing).toBe(true);
    expect(feed.store.getState().events).toHaveLength(1);
    h.failing = false;
    await feed.poll();
    expect(feed.store.getState().failing).toBe(false);
  });

  it('while the log is closed it asks only how many the host holds, and lets go of its copy', async () => {
    const h = host([ev(1), ev(2), ev(3)]);
    const feed = createActivityFeed({ api: h.api, now: () => NOW });
    await feed.poll();
    expect(feed.store.getState().held).toBe(3);
    h.events.push(ev(4), ev(5));
    await feed.peek();
    const s = feed.store.getState();
    expect(s.events).toEqual([]);
    expect(s.loaded).toBe(false);
    expect(s.held).toBe(5);
    // Opened again: the host's history, from the start, as a reload shows it.
    await feed.poll();
    expect(h.asked.at(-3)).toBe(0);
    expect(feed.store.getState().events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});
