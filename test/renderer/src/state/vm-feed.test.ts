import { describe, expect, it } from 'vitest';
import { createVmFeed, MACHINE_POINTS } from '../../../../src/renderer/src/state/vm-feed';
import type { Machine, StoreEvent } from '../../../../src/shared/types';
import { machine, region } from '../../../helpers/fixtures';

let seq = 0;
const change = (m: Machine, atMs: number): StoreEvent => ({
  type: 'machine',
  seq: ++seq,
  at: new Date(atMs).toISOString(),
  machine: m,
  region: region(m.region),
});

describe('vm feed: a machine’s live points', () => {
  it('are kept only while a drawer watches the machine, and forgotten when it closes', () => {
    const feed = createVmFeed(() => 0);
    feed.receive(change(machine('sin-1', 'SIN', { cores_allocated: 2 }), 1000));
    expect(feed.series('sin-1')).toEqual([]);
    const release = feed.watch('sin-1');
    feed.receive(change(machine('sin-1', 'SIN', { cores_allocated: 4 }), 2000));
    feed.receive(change(machine('sin-2', 'SIN', { cores_allocated: 4 }), 2000));
    expect(feed.series('sin-1').map((p) => p.cores_allocated)).toEqual([4]);
    expect(feed.series('sin-2')).toEqual([]);
    release();
    expect(feed.series('sin-1')).toEqual([]);
  });

  it(`hold at most ${MACHINE_POINTS} points per machine, newest kept`, () => {
    const feed = createVmFeed(() => 0);
    feed.watch('sin-1');
    for (let i = 0; i < MACHINE_POINTS + 50; i++) {
      feed.receive(change(machine('sin-1', 'SIN', { cores_allocated: i % 32 }), 1000 * (i + 1)));
    }
    const points = feed.series('sin-1');
    expect(points).toHaveLength(MACHINE_POINTS);
    expect(points[points.length - 1].t).toBe(1000 * (MACHINE_POINTS + 50));
  });
});
