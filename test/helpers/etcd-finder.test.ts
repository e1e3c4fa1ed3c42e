// The etcd finder with stand-ins: PATH pointed at directories the test writes (a fake etcd, or
// none), so the failure a machine without etcd-server gets is seen here, word for word.

import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEtcd } from './etcd';
import { ETCD_INSTALL_HINT, etcdBinary, locateEtcd } from './etcd-finder';

function world() {
  const root = mkdtempSync(join(tmpdir(), 'flylight-etcd-finder-'));
  const empty = join(root, 'empty-bin');
  const bin = join(root, 'bin');
  mkdirSync(empty);
  mkdirSync(bin);
  const fake = join(bin, 'etcd');
  writeFileSync(fake, '#!/bin/sh\nexit 0\n');
  chmodSync(fake, 0o755);
  return { root, empty, bin, fake };
}

describe.skipIf(process.platform === 'win32')('locateEtcd', () => {
  it('finds etcd on PATH', () => {
    const w = world();
    expect(locateEtcd({ PATH: `${w.empty}:${w.bin}` })).toEqual({ path: w.fake });
  });

  it('takes ETCD_BIN first, and says so when it is not an executable', () => {
    const w = world();
    expect(locateEtcd({ ETCD_BIN: w.fake, PATH: w.empty })).toEqual({ path: w.fake });
    const notExec = join(w.root, 'etcd.txt');
    writeFileSync(notExec, 'not a program');
    for (const bad of [join(w.root, 'nope'), notExec]) {
      const found = locateEtcd({ ETCD_BIN: bad, PATH: w.bin });
      expect(found).toEqual({ error: `ETCD_BIN is ${bad}, which is not an executable file; ${ETCD_INSTALL_HINT}` });
    }
  });

  it('without etcd, fails naming the command that installs it and the override', () => {
    const w = world();
    const found = locateEtcd({ PATH: w.empty });
    expect('error' in found && found.error).toMatch(
      /^No etcd for the shared-fleet tests \(none on PATH: .*empty-bin\)/,
    );
    expect(() => etcdBinary({ PATH: w.empty })).toThrow('sudo apt-get install -y etcd-server');
    expect(() => etcdBinary({ PATH: w.empty })).toThrow('set ETCD_BIN');
    // A PATH with a directory lacking etcd and a file named etcd that cannot run: still not found.
    const noExec = join(w.root, 'noexec');
    mkdirSync(noExec);
    writeFileSync(join(noExec, 'etcd'), 'x');
    expect('error' in locateEtcd({ PATH: noExec })).toBe(true);
  });

  it('makes startEtcd (what every etcd test calls first) reject with that line, not skip', async () => {
    const w = world();
    await expect(startEtcd(1, { PATH: w.empty })).rejects.toThrow(
      /No etcd for the shared-fleet tests .*sudo apt-get install -y etcd-server/,
    );
  });
});
