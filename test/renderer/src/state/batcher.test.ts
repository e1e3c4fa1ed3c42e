// The event batcher: store events coalesced per animation frame before the dashboard sees them.

import { describe, expect, it } from 'vitest';
import { createEventBatcher, frameSchedule } from '../../../../src/renderer/src/state/batcher';
import type { StoreEvent } from '../../../../src/shared/types';
import { machine, region } from '../../../helpers/fixtures';
import { manualFrames } from '../../../helpers/manual-frames';

describe('event batcher', () => {
  it('schedules once per burst and conflates by machine, keeping reset order', () => {
    const frames = manualFrames();
    const batches: StoreEvent[][] = [];
    const b = createEventBatcher((x) => batches.push(x), frames.schedule);
    const r = region('SIN');
    b.push({ type: 'machine', seq: 1, at: '', machine: machine('a', 'SIN', { vm_count: 1 }), region: r });
    b.push({ type: 'machine', seq: 2, at: '', machine: machine('b', 'SIN'), region: r });
    b.push({ type: 'machine', seq: 3, at: '', machine: machine('a', 'SIN', { vm_count: 2 }), region: r });
    expect(frames.pending).toBe(1);
    expect(b.pending()).toBe(2);
    frames.frame();
    expect(batches).toHaveLength(1);
    expect(batches[0].map((e) => (e.type === 'machine' ? `${e.machine.id}${e.machine.vm_count}` : 'reset'))).toEqual([
      'b0',
      'a2',
    ]);

    b.push({ type: 'machine', seq: 4, at: '', machine: machine('a', 'SIN'), region: r });
    b.push({ type: 'reset', seq: 5, at: '' });
    b.push({ type: 'machine', seq: 6, at: '', machine: machine('c', 'SIN'), region: r });
    b.flushNow();
    expect(frames.pending).toBe(0);
    expect(batches[1].map((e) => e.seq)).toEqual([5, 6]);
  });

  it('applies nothing after dispose', () => {
    const frames = manualFrames();
    const batches: StoreEvent[][] = [];
    const b = createEventBatcher((x) => batches.push(x), frames.schedule);
    b.push({ type: 'reset', seq: 1, at: '' });
    b.dispose();
    frames.frame();
    expect(batches).toHaveLength(0);
  });
});

describe('frame schedule', () => {
  /** Animation frames and timers by hand, on a clock the test moves. */
  function world(hidden = false) {
    let t = 0;
    let frames: (() => void)[] = [];
    let timers: { at: number; cb: () => void }[] = [];
    const schedule = frameSchedule(
      (cb) => frames.push(cb),
      () => {
        frames = [];
      },
      () => hidden,
      {
        minGapMs: 100,
        now: () => t,
        setTimer(cb, ms) {
          const timer = { at: t + ms, cb };
          timers.push(timer);
          return () => {
            timers = timers.filter((x) => x !== timer);
          };
        },
      },
    );
    return {
      schedule,
      /** Moves the clock, firing the timers that come due, then runs one animation frame. */
      frame(ms = 16) {
        t += ms;
        const due = timers.filter((x) => x.at <= t);
        timers = timers.filter((x) => x.at > t);
        for (const x of due) x.cb();
        const run = frames;
        frames = [];
        for (const f of run) f();
      },
      pending: () => frames.length + timers.length,
    };
  }

  it('runs everything waiting in one tick, then at most one tick per minGapMs', () => {
    const w = world();
    const ran: string[] = [];
    w.schedule(() => ran.push('dashboard'));
    w.schedule(() => ran.push('vms'));
    w.frame();
    expect(ran).toEqual(['dashboard', 'vms']);

    // 16 ms later: too soon, it waits for the gap, then the next frame.
    w.schedule(() => ran.push('second'));
    w.frame(16);
    w.frame(16);
    expect(ran).toHaveLength(2);
    for (let i = 0; i < 6; i++) w.frame(16);
    expect(ran).toEqual(['dashboard', 'vms', 'second']);

    // A quiet page answers the next change at the next frame.
    w.frame(500);
    w.schedule(() => ran.push('third'));
    w.frame();
    expect(ran.at(-1)).toBe('third');
  });

  it('cancels a tick nobody waits for, and uses a timer while the page is hidden', () => {
    const w = world();
    const cancel = w.schedule(() => {
      throw new Error('cancelled');
    });
    cancel();
    expect(w.pending()).toBe(0);
    w.frame();

    const hidden = world(true);
    const ran: number[] = [];
    hidden.schedule(() => ran.push(1));
    hidden.frame(100);
    expect(ran).toEqual([]);
    hidden.frame(200);
    expect(ran).toEqual([1]);
  });
});
