// The fleet lock on its own: a second taker is told who owns the fleet and where; a release
// frees it; the socket-file variant (macOS and other Unixes) recovers from an owner killed
// with SIGKILL, whose socket file is left behind with nobody answering on it.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FleetInUseError,
  fleetInUseMessage,
  type LockKind,
  lockAddress,
  lockFleet,
} from '../../../src/main/host/fleet-lock';

const kinds: LockKind[] =
  process.platform === 'win32'
    ? ['pipe']
    : (['abstract', 'file'].filter((k) => k === 'file' || process.platform === 'linux') as LockKind[]);

describe.each(kinds)('fleet lock (%s)', (kind) => {
  it('refuses a second taker, naming the owner and its URL once announced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flylight-lock-'));
    const lock = await lockFleet(dir, kind);
    try {
      const starting = await lockFleet(dir, kind).catch((e: unknown) => e);
      expect(starting).toBeInstanceOf(FleetInUseError);
      expect((starting as FleetInUseError).owner).toEqual({ pid: process.pid, url: null });

      lock.announce('http://127.0.0.1:3030');
      const err = await lockFleet(dir, kind).catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        `the fleet in ${dir} is in use by the Flylight at http://127.0.0.1:3030 (pid ${process.pid}); use --data-dir DIR for a second fleet`,
      );
    } finally {
      await lock.release();
    }
    const again = await lockFleet(dir, kind);
    await again.release();
    await again.release(); // idempotent
  });

  it('treats two directories as two fleets', async () => {
    const a = await lockFleet(mkdtempSync(join(tmpdir(), 'flylight-lock-a-')), kind);
    const b = await lockFleet(mkdtempSync(join(tmpdir(), 'flylight-lock-b-')), kind);
    await Promise.all([a.release(), b.release()]);
  });
});

describe.skipIf(process.platform === 'win32')('socket-file lock after SIGKILL', () => {
  it('finds the left-behind socket file stale and takes the fleet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flylight-lock-'));
    const address = lockAddress(dir, 'file');
    // Another process binds the socket file, then dies without cleaning up.
    const child = spawn(
      process.execPath,
      ['-e', `require('node:net').createServer().listen(${JSON.stringify(address)}, () => console.log('up'))`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((r) => child.stdout.once('data', r));
    const dead = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await dead;
    expect(existsSync(address)).toBe(true);

    const lock = await lockFleet(dir, 'file');
    await lock.release();
    expect(existsSync(address)).toBe(false);
  });
});

describe('the refusal', () => {
  it('shortens the home directory to ~ and says when the owner has not said where it is', () => {
    expect(fleetInUseMessage(join(homedir(), '.local', 'share', 'flylight'), { pid: 4242, url: null })).toBe(
      'the fleet in ~/.local/share/flylight is in use by a Flylight that is still starting (pid 4242); use --data-dir DIR for a second fleet',
    );
    expect(fleetInUseMessage('/srv/fleet', null)).toBe(
      'the fleet in /srv/fleet is in use by another Flylight (it did not say where); use --data-dir DIR for a second fleet',
    );
  });
});
