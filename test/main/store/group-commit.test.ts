import { describe, expect, it } from 'vitest';
import { type BackendOp, MemoryBackend } from '../../../src/main/store/backend';
import { GroupCommit } from '../../../src/main/store/group-commit';
import type { Vm } from '../../../src/shared/types';

const vm = (id: string): Vm => ({
  id,
  region: 'SIN',
  machine_id: 'm1',
  memory_gb: 1,
  cores: 1,
  state: 'started',
  created_at: '2026-11-30T00:00:00.000Z',
});
const put = (id: string): BackendOp => ({ t: 'vm', vm: vm(id) });

/** A memory backend that counts the commits it is handed and can be told to fail them. */
class Counting extends MemoryBackend {
  commits: BackendOp[][] = [];
  failNext = false;
  override async commit(ops: BackendOp[]): Promise<void> {
    this.commits.push(ops);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    return super.commit(ops);
  }
}

describe('group commit', () => {
  it('writes everything asked for in one turn as one commit, in order, and answers each caller after it', async () => {
    const inner = new Counting();
    const g = new GroupCommit(inner);
    const answered: string[] = [];
    const writes = ['a', 'b', 'c'].map((id) => g.commit([put(id)]).then(() => answered.push(id)));
    expect(answered).toEqual([]); // nobody is acknowledged before the batch is written
    await Promise.all(writes);
    expect(inner.commits.map((ops) => ops.map((o) => (o.t === 'vm' ? o.vm.id : o.t)))).toEqual([['a', 'b', 'c']]);
    expect(answered).toEqual(['a', 'b', 'c']);
    expect((await inner.load()).vms.map((v) => v.id)).toEqual(['a', 'b', 'c']);
    await g.commit([put('d')]);
    expect(inner.commits).toHaveLength(2);
    expect(g.counts).toEqual({ batches: 2, ops: 4 });
  });

  it('fails every caller of a batch that could not be written, and the next batch goes on', async () => {
    const inner = new Counting();
    const g = new GroupCommit(inner);
    inner.failNext = true;
    const results = await Promise.allSettled([g.commit([put('a')]), g.commit([put('b')])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await g.commit([put('c')]);
    expect((await inner.load()).vms.map((v) => v.id)).toEqual(['c']);
  });

  it('keeps a clear in order with the writes around it', async () => {
    const inner = new Counting();
    const g = new GroupCommit(inner);
    const before = g.commit([put('a')]);
    const cleared = g.clear();
    const after = g.commit([put('b')]);
    await Promise.all([before, cleared, after]);
    expect((await inner.load()).vms.map((v) => v.id)).toEqual(['b']);
    await g.close();
  });
});
