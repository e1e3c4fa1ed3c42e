import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, RowSource } from '../../../../../src/renderer/src/components/vm-list/row-source';
import type { Vm } from '../../../../../src/shared/types';
import type { VmPage, VmQuery } from '../../../../../src/shared/vm-query';

const vm = (i: number, state: Vm['state'] = 'started'): Vm => ({
  id: `vm-${String(i).padStart(8, '0')}`,
  region: 'SIN',
  machine_id: 'sin-m01',
  memory_gb: 1,
  cores: 1,
  state,
  created_at: '2026-01-01T00:00:00.000Z',
});

function server(total: number) {
  const asked: number[] = [];
  let pending: (() => void)[] = [];
  const fetchPage = (q: Partial<VmQuery> & { limit: number }): Promise<VmPage> => {
    const offset = q.offset ?? 0;
    asked.push(offset);
    return new Promise((resolve) => {
      pending.push(() => {
        const vms: Vm[] = [];
        for (let i = offset; i < Math.min(total, offset + q.limit); i++) vms.push(vm(i));
        resolve({ vms, total, offset, limit: q.limit });
      });
    });
  };
  const answer = async () => {
    const now = pending;
    pending = [];
    for (const p of now) p();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { fetchPage, asked, answer };
}

describe('RowSource', () => {
  it('fetches the pages in view once (and a neighbour the view is within half a page of)', async () => {
    const s = server(100_000);
    let changes = 0;
    const src = new RowSource({ sort: 'id', order: 'asc' }, s, () => changes++);
    src.show(0, 30);
    src.show(0, 30);
    expect(s.asked).toEqual([0]);
    await s.answer();
    expect(src.total).toBe(100_000);
    expect(src.row(5)?.id).toBe('vm-00000005');
    expect(src.row(PAGE_SIZE)).toBeUndefined();
    src.show(50_000, 50_030);
    expect(s.asked).toEqual([0, 49_900, 50_000]);
    await s.answer();
    expect(src.row(50_010)?.id).toBe('vm-00050010');
    expect(changes).toBe(3);
  });

  it('patches a row at once and refetches the pages in view on refresh', async () => {
    const s = server(300);
    const src = new RowSource({ sort: 'id', order: 'asc' }, s, () => {});
    src.show(150, 180);
    await s.answer();
    expect(src.patch({ ...vm(160), state: 'stopping' })).toBe(true);
    expect(src.row(160)?.state).toBe('stopping');
    expect(src.patch(vm(5))).toBe(false);
    src.refresh();
    // Now that the total is known, the page the view is within half a page of comes too.
    expect(s.asked).toEqual([100, 100, 200]);
    await s.answer();
    expect(src.row(160)?.state).toBe('started');
  });

  it('fetches the next page before the view reaches it, and never past the end', async () => {
    const s = server(1000);
    const src = new RowSource({ sort: 'id', order: 'asc' }, s, () => {});
    src.show(0, 20);
    await s.answer();
    src.show(40, 60);
    expect(s.asked).toEqual([0, 100]);
    src.show(940, 960);
    expect(s.asked).toEqual([0, 100, 800, 900]);
    await s.answer();
    src.show(979, 999);
    expect(s.asked).toEqual([0, 100, 800, 900]);
  });

  it('keeps a bounded number of pages', async () => {
    const s = server(1_000_000);
    const src = new RowSource({ sort: 'id', order: 'asc' }, s, () => {});
    for (let p = 0; p < 60; p++) {
      src.show(p * PAGE_SIZE, p * PAGE_SIZE + 10);
      await s.answer();
    }
    expect(src.row(59 * PAGE_SIZE)?.id).toBe(vm(59 * PAGE_SIZE).id);
    expect(src.row(0)).toBeUndefined();
  });
});
