// Issue 8 item 7: the store acknowledges a write only once lmdb-js reports it on disk. Opens the
// backend exactly as the store worker does and checks both the environment's flags and that
// commit() waits for `flushed` before it resolves.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredVm } from '../../../src/main/store/backend';
import { openBackend } from '../../../src/main/store/backend';
import { GroupCommit } from '../../../src/main/store/group-commit';
import { LMDB_OPTIONS, LmdbBackend } from '../../../src/main/store/lmdb-backend';
import { until } from '../../helpers/until';

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
  it('opens with overlappingSync and without noSync/noMetaSync', async () => {
    expect(LMDB_OPTIONS).toMatchObject({ overlappingSync: true, noSync: false, noMetaSync: false });
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

  it('a commit resolves only after the flushed promise (through the group commit too)', async () => {
    const group = (await openBackend(tempDir())) as GroupCommit;
    const backend = group.inner as LmdbBackend;
    const holder = backend as unknown as { root: object };
    const real = holder.root;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let asked = 0;
    holder.root = new Proxy(real, {
      get(target, prop) {
        if (prop === 'flushed') {
          asked++;
          return gate.then(() => Reflect.get(target, 'flushed'));
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    let acked = false;
    const commit = group.commit([{ t: 'vm', vm: vm('vm-1') }]).then(() => (acked = true));
    await until(() => asked === 1, 2000, 'the commit to wait on flushed');
    expect(asked).toBe(1);
    expect(acked).toBe(false);
    release();
    await commit;
    expect(acked).toBe(true);
    holder.root = real;
    expect((await backend.load()).vms.map((v) => v.id)).toEqual(['vm-1']);
    await group.close();
  });
});
