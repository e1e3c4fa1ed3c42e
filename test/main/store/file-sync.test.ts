import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSync } from '../../../src/main/store/file-sync';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('FileSync', () => {
  it('one sync at a time: callers during one share the next, a caller alone starts its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flylight-sync-'));
    dirs.push(dir);
    const path = join(dir, 'f');
    writeFileSync(path, 'x');
    const file = new FileSync(path);
    const first = file.sync();
    const during = [file.sync(), file.sync()];
    expect(during[0]).toBe(during[1]);
    await first;
    expect(file.count).toBe(1);
    await Promise.all(during);
    expect(file.count).toBe(2);
    await file.sync();
    expect(file.count).toBe(3);
    await file.close();
  });
});
