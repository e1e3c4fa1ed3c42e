// One host per fleet, with real `flylight serve` processes: a second host on the same data
// directory is refused in one line naming the owner and writes nothing; a `kill -9` of the
// owner frees the fleet at once (the OS releases the lock); two directories are two fleets.

import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type ServeProcess, startServe } from '../helpers/host';

/** Every file under `dir` with its size and mtime: any write by another process changes it. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((name) => {
      const st = statSync(join(dir, name));
      return `${name} ${st.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`;
    });
}

/**
 * The directory once the owner has stopped writing to it: its last start-up log lines reach the
 * log file a moment after it answers (they cross from the workers in batches), later under load.
 */
async function settledSnapshot(dir: string): Promise<string[]> {
  let last = snapshot(dir);
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = snapshot(dir);
    if (now.join('\n') === last.join('\n')) return now;
    last = now;
  }
  throw new Error(`the owner kept writing to ${dir} for 10 s: ${last.join(', ')}`);
}

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

describe('one host per fleet', () => {
  it('refuses a second host on the same directory in one line, writing nothing', { timeout: 60_000 }, async () => {
    const dataDir = tmp('flylight-fleet-');
    const env = { XDG_CONFIG_HOME: tmp('flylight-config-') };
    const owner = await startServe(['--data-dir', dataDir, '--flyd-interval', '600000'], env);
    try {
      const before = await settledSnapshot(dataDir);
      expect(before.some((l) => l.startsWith('store.lmdb'))).toBe(true);

      const second = await runCli(['serve', '--data-dir', dataDir, '--port', '0'], env);
      expect(second.code).toBe(1);
      expect(second.stdout).toBe('');
      const lines = second.stderr.trim().split('\n');
      expect(lines).toEqual([
        `error: the fleet in ${dataDir} is in use by the Flylight at ${owner.url} (pid ${owner.proc.pid}); use --data-dir DIR for a second fleet`,
      ]);
      expect(snapshot(dataDir)).toEqual(before);
      // The owner did not notice.
      expect((await fetch(`${owner.url}/healthz`)).status).toBe(200);
    } finally {
      await owner.stop();
    }
  });

  it('is free again the moment its owner is killed with SIGKILL', { timeout: 60_000 }, async () => {
    const dataDir = tmp('flylight-fleet-');
    const env = { XDG_CONFIG_HOME: tmp('flylight-config-') };
    const owner = await startServe(['--data-dir', dataDir], env);
    expect((await runCli(['serve', '--data-dir', dataDir, '--port', '0'], env)).code).toBe(1);
    const dead = new Promise((r) => owner.proc.once('exit', r));
    owner.proc.kill('SIGKILL');
    await dead;

    const next = await startServe(['--data-dir', dataDir], env);
    try {
      expect((await fetch(`${next.url}/healthz`)).status).toBe(200);
    } finally {
      await next.stop();
    }
  });

  it('lets two hosts on two directories run side by side', { timeout: 60_000 }, async () => {
    const env = { XDG_CONFIG_HOME: tmp('flylight-config-') };
    const hosts: ServeProcess[] = [];
    try {
      hosts.push(await startServe(['--data-dir', tmp('flylight-fleet-a-')], env));
      hosts.push(await startServe(['--data-dir', tmp('flylight-fleet-b-')], env));
      for (const h of hosts) {
        const res = await fetch(`${h.url}/v1/regions`, { headers: h.auth() });
        expect(res.status).toBe(200);
      }
    } finally {
      await Promise.all(hosts.map((h) => h.stop()));
    }
  });

  it('takes no lock for --ephemeral hosts', { timeout: 60_000 }, async () => {
    const env = { XDG_CONFIG_HOME: tmp('flylight-config-') };
    const a = await startServe(['--ephemeral'], env);
    try {
      const b = await startServe(['--ephemeral'], env);
      await b.stop();
    } finally {
      await a.stop();
    }
  });
});
