// The event batcher: store events coalesced per animation frame before the dashboard sees them.

import { describe, expect, it } from 'vitest';
import { createEventBatcher } from '../../../../src/renderer/src/state/batcher';
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
