import { describe, expect, it } from 'vitest';
import { KeptHistory } from '../../../src/main/store/kept-history';
import type { Transition } from '../../../src/shared/lifecycle';
import type { PlacementNote } from '../../../src/shared/placement-note';

/** As a transition arrives from another thread: every string its own copy. */
const cloned = <T>(v: T): T => structuredClone(v);
const note = (extra: Partial<PlacementNote> = {}): PlacementNote => ({
  strategy: 'binpack',
  path: 'index',
  memory_gb: 2,
  cores: 1,
  count: 1,
  machine_id: 'sin-m01',
  machine_before: { cores_free: 6, memory_free_gb: 12, cores_total: 8, memory_total_gb: 16 },
  refused_regions: [],
  ...extra,
});
const launch = (at = '2026-01-01T00:00:00.000Z'): Transition[] => [
  { vm_id: 'vm-a', from: null, to: 'creating', at, operation: 'create', placement: note() },
  { vm_id: 'vm-a', from: 'creating', to: 'created', at: '2026-01-01T00:00:00.250Z', operation: 'create' },
  { vm_id: 'vm-a', from: 'created', to: 'starting', at: '2026-01-01T00:00:00.251Z', operation: 'start' },
  {
    vm_id: 'vm-a',
    from: 'starting',
    to: 'failed',
    at: '2026-01-01T00:00:01.000Z',
    operation: 'start',
    reason: 'start_failed',
  },
];
/** What the history answers for `ts`: each transition without its vm_id and note. */
const shown = (ts: Transition[]) => ts.map(({ vm_id, placement, ...rest }) => rest);

describe('KeptHistory', () => {
  it("answers a launch's transitions and note exactly as they came", () => {
    const h = new KeptHistory();
    for (const t of launch()) h.add(cloned(t), 'sin-m01');
    expect(h.length).toBe(4);
    expect(h.transitions()).toEqual(shown(launch()));
    expect(JSON.stringify(h.placement())).toBe(JSON.stringify(note()));
    const none = new KeptHistory();
    none.add(cloned({ ...launch()[0], placement: note({ machine_before: null }) }), 'sin-m01');
    expect(JSON.stringify(none.placement())).toBe(JSON.stringify(note({ machine_before: null })));
  });

  it('keeps what does not pack as it came, before and after what does', () => {
    const odd: Transition[] = [
      ...launch(),
      // Not toISOString's form: kept as text.
      { vm_id: 'vm-a', from: 'failed', to: 'starting', at: '2026-01-01T02:00:03+02:00', operation: 'start' },
      // A reason that is a message, not a word.
      {
        vm_id: 'vm-a',
        from: 'starting',
        to: 'failed',
        at: '2026-01-01T00:00:05.000Z',
        operation: 'start',
        reason: 'x'.repeat(65),
      },
      { vm_id: 'vm-a', from: 'failed', to: 'destroyed', at: '2026-01-01T00:00:06.000Z', operation: 'destroy' },
    ];
    const h = new KeptHistory();
    for (const t of odd) h.add(cloned(t), 'sin-m01');
    expect(h.transitions()).toEqual(shown(odd));
    h.dropOldest();
    expect(h.dropped).toBe(1);
    expect(h.length).toBe(odd.length - 1);
    expect(h.transitions()).toEqual(shown(odd.slice(1)));
  });

  it('drops the oldest of packed transitions, counting them', () => {
    const h = new KeptHistory();
    for (const t of launch()) h.add(cloned(t), 'sin-m01');
    h.dropOldest();
    h.dropOldest();
    expect(h.dropped).toBe(2);
    expect(h.transitions()).toEqual(shown(launch().slice(2)));
  });

  it("keeps a plan's note, a refused region's or one of another machine whole", () => {
    const verdicts = [{ machine_id: 'sin-m01', reasons: [], cores_free: 6, memory_free_gb: 12 }] as never;
    for (const n of [
      note({ verdicts, machines_seen: 3, machines_fitting: 1, path: 'plan' }),
      note({ refused_regions: [{ region: 'NRT', largest_slots: [] }] }),
      note({ machine_id: 'sin-m02' }),
      note({ memory_gb: 0.5 }),
    ]) {
      const h = new KeptHistory();
      h.add(cloned({ ...launch()[0], placement: n }), 'sin-m01');
      expect(JSON.stringify(h.placement())).toBe(JSON.stringify(n));
    }
  });
});
