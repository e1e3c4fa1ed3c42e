import { describe, expect, it } from 'vitest';
import { HISTORY_PER_VM, HISTORY_TOTAL, VmViews } from '../../../src/main/store/vm-views';
import type { Transition } from '../../../src/shared/lifecycle';
import type { Vm } from '../../../src/shared/types';
import { parseVmQuery } from '../../../src/shared/vm-query';

const vm = (id: string, state: Vm['state'] = 'started'): Vm => ({
  id,
  region: 'SIN',
  machine_id: 'sin-m01',
  memory_gb: 1,
  cores: 1,
  state,
  created_at: '2026-01-01T00:00:00.000Z',
});
const t = (
  vm_id: string,
  from: Transition['from'],
  to: Transition['to'],
  extra: Partial<Transition> = {},
): Transition => ({
  vm_id,
  from,
  to,
  at: '2026-01-01T00:00:01.000Z',
  operation: 'start',
  ...extra,
});

function world() {
  const live = new Map<string, Vm>();
  let reads = 0;
  const views = new VmViews(
    () => {
      reads++;
      return live.values();
    },
    (id) => live.get(id),
  );
  return { live, views, reads: () => reads };
}

describe('VmViews.page', () => {
  it('sorts once per change: later pages of the same query are slices', () => {
    const w = world();
    for (const id of ['vm-cccccc', 'vm-aaaaaa', 'vm-bbbbbb']) w.live.set(id, vm(id));
    const q = (offset: number) => parseVmQuery(new URLSearchParams(`sort=id&limit=2&offset=${offset}`));
    expect(w.views.page(q(0)).vms.map((v) => v.id)).toEqual(['vm-aaaaaa', 'vm-bbbbbb']);
    expect(w.views.page(q(2)).vms.map((v) => v.id)).toEqual(['vm-cccccc']);
    expect(w.reads()).toBe(1);
    w.live.set('vm-000000', vm('vm-000000'));
    w.views.changed();
    expect(w.views.page(q(0)).vms.map((v) => v.id)).toEqual(['vm-000000', 'vm-aaaaaa']);
    expect(w.reads()).toBe(2);
  });
});

describe('VmViews history', () => {
  it('keeps transitions in order with the launch note, and after the VM is gone', () => {
    const w = world();
    const placement = {
      strategy: 'random' as const,
      path: 'candidates' as const,
      memory_gb: 1,
      cores: 1,
      count: 1,
      machine_id: 'sin-m01',
      machine_before: null,
      refused_regions: [],
    };
    w.views.record(t('vm-aaaaaa', null, 'creating', { operation: 'create', placement }));
    w.views.record(t('vm-aaaaaa', 'creating', 'started', { reason: 'because' }));
    w.live.set('vm-aaaaaa', vm('vm-aaaaaa'));
    const h = w.views.of('vm-aaaaaa');
    expect(h.vm?.id).toBe('vm-aaaaaa');
    expect(h.placement).toEqual(placement);
    expect(h.transitions).toEqual([
      { from: null, to: 'creating', at: '2026-01-01T00:00:01.000Z', operation: 'create' },
      { from: 'creating', to: 'started', at: '2026-01-01T00:00:01.000Z', operation: 'start', reason: 'because' },
    ]);
    w.live.delete('vm-aaaaaa');
    expect(w.views.of('vm-aaaaaa').vm).toBeNull();
    expect(() => w.views.of('vm-bbbbbb')).toThrow(/no VM with id vm-bbbbbb/);
  });

  it('is bounded per VM (counting what it dropped) and in all (oldest VM forgotten first)', () => {
    const w = world();
    for (let i = 0; i < HISTORY_PER_VM + 5; i++) w.views.record(t('vm-aaaaaa', 'started', 'started'));
    const h = w.views.of('vm-aaaaaa');
    expect(h.transitions).toHaveLength(HISTORY_PER_VM);
    expect(h.dropped).toBe(5);
    const many = Math.ceil(HISTORY_TOTAL / 2) + 1;
    for (let i = 0; i < many; i++) {
      const id = `vm-${String(i).padStart(8, '0')}`;
      w.views.record(t(id, null, 'creating'));
      w.views.record(t(id, 'creating', 'started'));
    }
    expect(() => w.views.of('vm-aaaaaa')).toThrow(/no VM/);
    expect(() => w.views.of('vm-00000000')).toThrow(/no VM/);
    expect(w.views.of(`vm-${String(many - 1).padStart(8, '0')}`).transitions).toHaveLength(2);
  });

  it('forgets everything on a reset', () => {
    const w = world();
    w.views.record(t('vm-aaaaaa', null, 'started'));
    w.views.clear();
    expect(() => w.views.of('vm-aaaaaa')).toThrow(/no VM/);
  });

  it('keeps times compactly but answers them exactly as given, whatever their form', () => {
    const w = world();
    w.live.set('vm-timesa', vm('vm-timesa'));
    const times = [
      '2026-01-01T00:00:01.123Z', // toISOString's own form: kept as a number
      '2026-01-01T00:00:02Z', // RFC 3339 without milliseconds
      '2026-01-01T02:00:03.000+02:00', // with an offset
      '2026-01-01T00:00:04.5000Z', // 25 characters
    ];
    for (const [i, at] of times.entries())
      w.views.record(t('vm-timesa', i === 0 ? null : 'started', 'started', { at, operation: 'restart' }));
    const h = w.views.of('vm-timesa');
    expect(h.transitions.map((e) => e.at)).toEqual(times);
    expect(h.transitions[0]).toEqual({ from: null, to: 'started', at: times[0], operation: 'restart' });
  });

  it('reads back a launch transition and its note, sent as another thread sends them (every string a copy)', () => {
    const w = world();
    w.live.set('vm-shared', vm('vm-shared'));
    // As a transition arrives from another thread: every string its own copy.
    const copy = (s: string) => s.split('').join('');
    const note = {
      strategy: copy('random'),
      path: copy('candidates'),
      memory_gb: 1,
      cores: 1,
      count: 1,
      machine_id: copy('sin-m01'),
      machine_before: null,
      refused_regions: [],
    } as never;
    w.views.record({
      vm_id: copy('vm-shared'),
      from: null,
      to: copy('creating') as never,
      at: '2026-01-01T00:00:00.000Z',
      operation: copy('create') as never,
      placement: note,
    });
    const h = w.views.of('vm-shared');
    expect(h.placement).toMatchObject({ strategy: 'random', path: 'candidates', machine_id: 'sin-m01' });
    expect(h.transitions).toEqual([
      { from: null, to: 'creating', at: '2026-01-01T00:00:00.000Z', operation: 'create' },
    ]);
  });
});
