import { describe, expect, it } from 'vitest';
import type { SseSink } from '../../../src/main/proxy/events';
import { FollowHub } from '../../../src/main/proxy/follow-hub';

class Sink implements SseSink {
  chunks: string[] = [];
  ended = false;
  writableLength = 0;
  write(c: string) {
    this.chunks.push(c);
    return true;
  }
  end() {
    this.ended = true;
  }
  destroy() {
    this.ended = true;
  }
  seqs(): number[] {
    return this.chunks.join('').match(/\d+/g)?.map(Number) ?? [];
  }
}

type E = { seq: number; odd?: boolean };

describe('a stream that starts with a backlog and then follows', () => {
  it('holds live entries until the backlog is written, and sends none twice', async () => {
    const hub = new FollowHub<E>((e) => `${e.seq}\n`, { heartbeatMs: 0 });
    const sink = new Sink();
    let answer!: (v: { entries: E[]; last: number }) => void;
    hub.attach(sink, () => new Promise((r) => (answer = r)));
    hub.publish({ seq: 3 }); // already in the backlog
    hub.publish({ seq: 4 });
    expect(sink.chunks).toEqual([]);
    answer({ entries: [{ seq: 2 }, { seq: 3 }], last: 3 });
    await new Promise((r) => setTimeout(r, 0));
    hub.publish({ seq: 5 });
    expect(sink.seqs()).toEqual([2, 3, 4, 5]);
  });

  it('filters per follower and counts followers', async () => {
    const counts: number[] = [];
    const hub = new FollowHub<E>((e) => `${e.seq}\n`, { heartbeatMs: 0 });
    hub.onCount = (n) => counts.push(n);
    const odd = new Sink();
    const all = new Sink();
    const detach = hub.attach(
      odd,
      async () => ({ entries: [], last: 0 }),
      (e) => e.seq % 2 === 1,
    );
    hub.attach(all, async () => ({ entries: [], last: 0 }));
    await new Promise((r) => setTimeout(r, 0));
    for (const seq of [1, 2, 3]) hub.publish({ seq });
    detach();
    hub.publish({ seq: 5 });
    expect(odd.seqs()).toEqual([1, 3]);
    expect(all.seqs()).toEqual([1, 2, 3, 5]);
    expect(counts).toEqual([1, 2, 1]);
    hub.closeAll();
    expect(all.ended).toBe(true);
    expect(hub.size).toBe(0);
  });

  it('ends a stream whose backlog cannot be read, and drops a client that stops reading', async () => {
    const hub = new FollowHub<E>((e) => `${e.seq}\n`, { heartbeatMs: 0, maxBufferedBytes: 10 });
    const broken = new Sink();
    hub.attach(broken, () => Promise.reject(new Error('host away')));
    await new Promise((r) => setTimeout(r, 0));
    expect(broken.ended).toBe(true);
    const slow = new Sink();
    hub.attach(slow, async () => ({ entries: [], last: 0 }));
    await new Promise((r) => setTimeout(r, 0));
    slow.writableLength = 100;
    hub.publish({ seq: 1 });
    expect(slow.ended).toBe(true);
    expect(hub.size).toBe(0);
    // Told why, after what it has not read yet; nothing of seq 1 is written after that.
    expect(slow.chunks.at(-1)).toMatch(
      /^event: error\ndata: \{"code":"slow_consumer","message":"this stream was closed/,
    );
    expect(slow.chunks.join('')).not.toContain('1\n');
  });
});
