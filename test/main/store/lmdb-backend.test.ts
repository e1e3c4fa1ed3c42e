// Issue 8 item 7: the store acknowledges a write only once it is on disk. Opens the backend
// exactly as the store worker does and checks the environment's flags, that a commit is a
// synchronous LMDB transaction (LMDB syncs its data before transactionSync returns) followed by an
// fdatasync of the file (the meta page: noMetaSync) before the commit resolves, and that it never
// runs inside a clear still under way (it would be synced only with that).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredVm } from '../../../src/main/store/backend';
import { openBackend } from '../../../src/main/store/backend';
import { GroupCommit } from '../../../src/main/store/group-commit';
import { LMDB_OPTIONS, LmdbBackend } from '../../../src/main/store/lmdb-backend';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'flylight-lmdb-'));
  dirs.push(d);
  return d;
}

const vm = (id: string) =>
  ({
    id,
    region: 'SIN',
    machine_id: 'm1',
    memory_gb: 1,
    cores: 1,
    state: 'running',
    created_at: new Date(0).toISOString(),
  }) as unknown as StoredVm;

describe('LMDB durability', () => {
  it('opens with overlappingSync and noMetaSync, without noSync', async () => {
    expect(LMDB_OPTIONS).toMatchObject({ overlappingSync: true, noSync: false, noMetaSync: true });
    const group = await openBackend(tempDir());
    // Writes are group-committed per turn (group-commit.ts) into LMDB.
    expect(group).toBeInstanceOf(GroupCommit);
    const backend = (group as GroupCommit).inner;
    expect(backend).toBeInstanceOf(LmdbBackend);
    // What lmdb-js recorded for the environment it opened (it re-reads the flags from LMDB and
    // turns overlappingSync off when the environment was opened without it).
    const root = (backend as unknown as { root: { overlappingSync?: boolean; noSync?: boolean } }).root;
    expect(root.overlappingSync).toBe(true);
    expect(root.noSync).toBe(false);
    await backend.close();
  });

  it('a commit is a synchronous transaction, then a sync of the file, both done before the commit resolves (through the group commit too)', async () => {
    const group = (await openBackend(tempDir())) as GroupCommit;
    const backend = group.inner as LmdbBackend;
    const holder = backend as unknown as { root: object };
    const real = holder.root;
    const calls: { method: string; flags: unknown; returned: boolean }[] = [];
    holder.root = new Proxy(real, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (typeof v !== 'function') return v;
        if (prop !== 'transactionSync' && prop !== 'transaction') return v.bind(target);
        return (callback: () => unknown, flags?: unknown) => {
          const call = { method: String(prop), flags, returned: false };
          calls.push(call);
          const out = v.call(target, callback, flags);
          call.returned = true;
          return out;
        };
      },
    });
    const syncs = backend.file.count;
    let acked = false;
    const commit = group.commit([{ t: 'vm', vm: vm('vm-1') }]).then(() => (acked = true));
    expect(acked).toBe(false); // gathered for the end of the turn first
    await commit;
    // Flags left to lmdb-js's default: no MDB_NOSYNC, so LMDB syncs the data before the call
    // returns; lmdb-js's asynchronous path (a write thread) is not used.
    expect(calls).toEqual([{ method: 'transactionSync', flags: undefined, returned: true }]);
    // And the file (the meta page) was synced once more before the commit resolved.
    expect(backend.file.count).toBe(syncs + 1);
    holder.root = real;
    expect((await backend.load()).vms.map((v) => v.id)).toEqual(['vm-1']);
    await group.close();
  });

  it('keeps commits in order with a clear under way, and never inside it', async () => {
    const group = (await openBackend(tempDir())) as GroupCommit;
    const backend = group.inner as LmdbBackend;
    await group.commit([{ t: 'vm', vm: vm('vm-0') }]);
    const before = group.commit([{ t: 'vm', vm: vm('vm-1') }]);
    const cleared = group.clear();
    const after = group.commit([{ t: 'vm', vm: vm('vm-2') }]);
    const again = group.commit([{ t: 'vm', vm: vm('vm-3') }]);
    await Promise.all([before, cleared, after, again]);
    expect((await backend.load()).vms.map((v) => v.id).sort()).toEqual(['vm-2', 'vm-3']);
    await group.close();
    // Reopened: what was acknowledged is what is on disk.
    const reopened = (await openBackend(dirs[dirs.length - 1])) as GroupCommit;
    expect((await reopened.load()).vms.map((v) => v.id).sort()).toEqual(['vm-2', 'vm-3']);
    await reopened.close();
  });

  it('batches committed while a sync of the file runs share the next one, each answered after a sync it did not precede', async () => {
    const backend = ((await openBackend(tempDir())) as GroupCommit).inner as LmdbBackend;
    const start = backend.file.count;
    const order: string[] = [];
    const commits = ['vm-1', 'vm-2', 'vm-3', 'vm-4'].map((id) =>
      backend.commit([{ t: 'vm', vm: vm(id) }]).then(() => order.push(`${id}@${backend.file.count - start}`)),
    );
    await Promise.all(commits);
    // The first ran alone; the three committed while it ran waited for the second.
    expect(order).toEqual(['vm-1@1', 'vm-2@2', 'vm-3@2', 'vm-4@2']);
    expect((await backend.load()).vms.map((v) => v.id).sort()).toEqual(['vm-1', 'vm-2', 'vm-3', 'vm-4']);
    await backend.close();
  });

  it('maps the file once however much is written (lmdb-js leaves each outgrown map in place)', async () => {
    const dir = tempDir();
    const backend = await LmdbBackend.open(join(dir, 'store.lmdb'));
    // ~5 MB of VMs: past lmdb-js's own first map (128 KB) many times over.
    for (let b = 0; b < 30; b++) {
      await backend.commit(
        Array.from({ length: 1000 }, (_, i) => ({ t: 'vm', vm: vm(`vm-${b}-${i}-${'x'.repeat(100)}`) })),
      );
    }
    const file = join(dir, 'store.lmdb');
    const maps = readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .filter((l) => l.endsWith(` ${file}`));
    expect(maps).toHaveLength(1);
    expect((await backend.load()).vms).toHaveLength(30_000);
    await backend.close();
  });
});
