import { afterEach, describe, expect, it, vi } from 'vitest';
import { CUT_OFF_GRACE_MS, EventHub, type SseSink } from '../../../src/main/proxy/events';
import type { StoreEvent } from '../../../src/shared/types';

class Sink implements SseSink {
  chunks: string[] = [];
  writableLength = 0;
  writableEnded = false;
  destroyed = false;
  write(c: string) {
    if (this.writableEnded) throw new Error('write after end');
    this.chunks.push(c);
    return true;
  }
  end() {
    this.writableEnded = true;
  }
  destroy() {
    this.destroyed = true;
  }
}

const reset = (seq: number): StoreEvent => ({ type: 'reset', seq, at: '2026-11-30T00:00:00.000Z' });

afterEach(() => vi.useRealTimers());

describe('EventHub and a client that cannot keep up', () => {
  it('cuts it off with a last frame saying why, counts it, and writes nothing more', () => {
    vi.useFakeTimers();
    const drops: string[] = [];
    const hub = new EventHub({ maxBufferedBytes: 10, heartbeatMs: 1000, onDrop: (r) => drops.push(r) });
    const slow = new Sink();
    const quick = new Sink();
    hub.attach(slow);
    hub.attach(quick);
    hub.publish(reset(1));
    slow.writableLength = 11;
    hub.publish(reset(2));
    expect(drops).toEqual(['slow_consumer']);
    expect(hub.size).toBe(1);
    expect(slow.writableEnded).toBe(true);
    const last = slow.chunks.at(-1) ?? '';
    expect(last.startsWith('event: error\ndata: ')).toBe(true);
    expect(JSON.parse(last.slice('event: error\ndata: '.length))).toEqual({
      code: 'slow_consumer',
      message: expect.stringMatching(/more than 10 bytes of it was waiting unread.*reconnect to resume/),
    });
    expect(slow.chunks.join('')).not.toContain('id: 2');
    expect(quick.chunks.join('')).toContain('id: 2');
    // Heartbeats and later events go to the others only.
    vi.advanceTimersByTime(1000);
    hub.publish(reset(3));
    expect(slow.chunks.at(-1)).toBe(last);
    // A client that reads none of it in the grace period loses the connection.
    expect(slow.destroyed).toBe(false);
    vi.advanceTimersByTime(CUT_OFF_GRACE_MS);
    expect(slow.destroyed).toBe(true);
    expect(quick.destroyed).toBe(false);
    hub.closeAll();
  });
});
