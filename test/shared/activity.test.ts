import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import {
  ACTIVITY_COLUMNS,
  type ActivityEvent,
  activityJsonLines,
  activityRows,
  matchesActivity,
} from '../../src/shared/activity';

const events: ActivityEvent[] = [
  {
    seq: 1,
    at: '2026-11-30T03:00:00.000Z',
    kind: 'refused',
    region: 'SIN',
    reason: 'no_capacity',
    message: 'a, "quoted"',
  },
  {
    seq: 2,
    at: '2026-11-30T03:00:01.000Z',
    kind: 'launch',
    region: 'NRT',
    machine_id: 'nrt-m01',
    vm_id: 'vm-abc123',
    from: null,
    to: 'creating',
    message: 'b',
  },
  { seq: 3, at: '2026-11-30T03:00:02.000Z', kind: 'restart', worker: 'store', message: 'c\nd' },
];

describe('the event log for people and files', () => {
  it('filters by kind, region (exact, any case), machine and VM (part of the id)', () => {
    const seqs = (f: Parameters<typeof matchesActivity>[1]) =>
      events.filter((e) => matchesActivity(e, f)).map((e) => e.seq);
    expect(seqs({})).toEqual([1, 2, 3]);
    expect(seqs({ kinds: ['refused', 'restart'] })).toEqual([1, 3]);
    expect(seqs({ region: 'nrt' })).toEqual([2]);
    expect(seqs({ machine: 'M01' })).toEqual([2]);
    expect(seqs({ vm: 'abc' })).toEqual([2]);
    expect(seqs({ vm: 'abc', kinds: ['refused'] })).toEqual([]);
  });

  it('exports rows a CSV parser reads back, and JSON Lines one object per line', () => {
    const csv = Papa.unparse({ fields: [...ACTIVITY_COLUMNS], data: activityRows(events) });
    const back = Papa.parse<Record<string, string>>(csv, { header: true }).data;
    expect(back).toHaveLength(3);
    expect(back[0].message).toBe('a, "quoted"');
    expect(back[1].vm_id).toBe('vm-abc123');
    expect(back[1].from).toBe('');
    expect(back[2].message).toBe('c\nd');
    const lines = activityJsonLines(events).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(JSON.parse(lines[1])).toEqual(events[1]);
  });
});
